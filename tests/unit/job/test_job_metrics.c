/*
 * test_job_metrics.c - a job's samples (job/job_metrics.h): the record
 * codec and its checksum, CPU percent, the ring file (the oldest go past
 * its capacity, a reader lapped by the writer skips to the oldest kept),
 * resuming after a sample, a file not there yet, a foreign file.
 */
#include <config.h>

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <joblet/error.h>

#include "job/job_metrics.h"
#include "jl_test.h"
#include "jl_tmp.h"

static struct joblet_error *err;

static void setup(void)
{
	jl_tmp_setup();
	err = NULL;
}

static void teardown(void)
{
	joblet_error_free(err);
	jl_tmp_teardown();
}

static struct jl_metrics_sample sample(uint64_t n)
{
	struct jl_metrics_sample s = { 0 };

	s.ts_ns = 1733220000000000000 + (int64_t)n;
	s.cpu_usec = 1000 * n;
	s.cpu_centipct = 5000;
	s.flags = JL_METRICS_NET;
	s.memory_bytes = 4096 * n;
	s.memory_peak_bytes = 8192 * n;
	s.io_read_bytes = 1;
	s.io_write_bytes = UINT64_MAX;
	s.pids = 3;
	s.net_rx_bytes = 10 * n;
	s.net_tx_bytes = 20 * n;
	return s;
}

START_TEST(test_codec)
{
	struct jl_metrics_sample s = sample(7), d;
	uint8_t rec[JL_METRICS_RECORD];

	s.seq = 42;
	jl_metrics_encode(&s, rec);
	ck_assert_int_eq(jl_metrics_decode(rec, &d), 0);
	ck_assert_int_eq(memcmp(&s, &d, sizeof(s)), 0);
	/* Little-endian, seq first: the layout docs/metrics.md describes. */
	ck_assert_int_eq(rec[0], 42);
	ck_assert_int_eq(rec[7], 0);
	/* One flipped bit anywhere: refused. */
	for (size_t i = 0; i < JL_METRICS_RECORD; i++) {
		rec[i] ^= 0x10;
		ck_assert_int_eq(jl_metrics_decode(rec, &d), -1);
		rec[i] ^= 0x10;
	}
	/* An empty slot (zeros) is not a sample. */
	memset(rec, 0, sizeof(rec));
	ck_assert_int_eq(jl_metrics_decode(rec, &d), -1);
}
END_TEST

START_TEST(test_cpu_percent)
{
	ck_assert_uint_eq(jl_metrics_cpu_centipct(500000, 1000000), 5000);   /* 50 % */
	ck_assert_uint_eq(jl_metrics_cpu_centipct(2000000, 1000000), 20000); /* 2 cores */
	ck_assert_uint_eq(jl_metrics_cpu_centipct(1, 3), 3333);
	ck_assert_uint_eq(jl_metrics_cpu_centipct(5, 0), 0);
	ck_assert_uint_eq(jl_metrics_cpu_centipct(UINT64_MAX, 1), UINT32_MAX);
}
END_TEST

START_TEST(test_write_read)
{
	struct jl_metrics_writer *w = NULL;
	struct jl_metrics_reader *r = NULL, *r2 = NULL;
	struct jl_metrics_sample s, got;
	const char *dir = jl_tmp_path(".");
	struct stat st;

	/* Before the shim made the file: nothing, not an error. */
	ck_assert_int_eq(jl_metrics_reader_open(dir, 0, &r, &err), 0);
	ck_assert_int_eq(jl_metrics_reader_next(r, &got, &err), 0);
	ck_assert_int_eq(jl_metrics_reader_latest(r, &got, &err), 0);
	ck_assert_int_eq(jl_metrics_writer_open(dir, 100, 1000, &w, &err), 0);
	ck_assert_int_eq(jl_metrics_reader_latest(r, &got, &err), 0);
	for (uint64_t n = 1; n <= 5; n++) {
		s = sample(n);
		ck_assert_int_eq(jl_metrics_writer_append(w, &s, &err), 0);
		ck_assert_uint_eq(s.seq, n);
	}
	for (uint64_t n = 1; n <= 5; n++) {
		ck_assert_int_eq(jl_metrics_reader_next(r, &got, &err), 1);
		ck_assert_uint_eq(got.seq, n);
		ck_assert_uint_eq(got.cpu_usec, 1000 * n);
	}
	ck_assert_int_eq(jl_metrics_reader_next(r, &got, &err), 0);
	ck_assert_uint_eq(jl_metrics_reader_interval_ms(r), 1000);
	ck_assert_int_eq(jl_metrics_reader_latest(r, &got, &err), 1);
	ck_assert_uint_eq(got.seq, 5);
	/* Resume after sample 3 (Last-Event-ID: 3): 4 and 5, no more, no less. */
	ck_assert_int_eq(jl_metrics_reader_open(dir, 3, &r2, &err), 0);
	ck_assert_int_eq(jl_metrics_reader_next(r2, &got, &err), 1);
	ck_assert_uint_eq(got.seq, 4);
	ck_assert_int_eq(jl_metrics_reader_next(r2, &got, &err), 1);
	ck_assert_uint_eq(got.seq, 5);
	ck_assert_int_eq(jl_metrics_reader_next(r2, &got, &err), 0);
	/* A follower sees what comes later. */
	s = sample(6);
	ck_assert_int_eq(jl_metrics_writer_append(w, &s, &err), 0);
	ck_assert_int_eq(jl_metrics_reader_next(r2, &got, &err), 1);
	ck_assert_uint_eq(got.seq, 6);
	ck_assert_int_eq(stat(jl_tmp_path(JL_METRICS_FILE), &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	/* A job is sampled once: the file is never made again. */
	jl_metrics_writer_free(w);
	w = NULL;
	ck_assert_int_lt(jl_metrics_writer_open(dir, 100, 1000, &w, &err), 0);
	jl_metrics_reader_free(r);
	jl_metrics_reader_free(r2);
}
END_TEST

/* Past its capacity the file stops growing and keeps the newest. */
START_TEST(test_ring)
{
	struct jl_metrics_writer *w = NULL;
	struct jl_metrics_reader *r = NULL, *lapped = NULL;
	struct jl_metrics_sample s, got;
	const char *dir = jl_tmp_path(".");
	struct stat st;
	uint64_t n;

	ck_assert_int_eq(jl_metrics_writer_open(dir, 10, 5000, &w, &err), 0);
	ck_assert_int_eq(jl_metrics_reader_open(dir, 0, &lapped, &err), 0);
	ck_assert_int_eq(jl_metrics_reader_next(lapped, &got, &err), 0);
	for (n = 1; n <= 3; n++) {
		s = sample(n);
		ck_assert_int_eq(jl_metrics_writer_append(w, &s, &err), 0);
	}
	ck_assert_int_eq(jl_metrics_reader_next(lapped, &got, &err), 1);
	ck_assert_uint_eq(got.seq, 1);
	for (; n <= 1000; n++) {
		s = sample(n);
		ck_assert_int_eq(jl_metrics_writer_append(w, &s, &err), 0);
	}
	ck_assert_int_eq(stat(jl_tmp_path(JL_METRICS_FILE), &st), 0);
	ck_assert_int_eq(st.st_size, JL_METRICS_HEADER + 10 * JL_METRICS_RECORD);
	/* From the start: the oldest kept is 991, then each to 1000. */
	ck_assert_int_eq(jl_metrics_reader_open(dir, 0, &r, &err), 0);
	for (n = 991; n <= 1000; n++) {
		ck_assert_int_eq(jl_metrics_reader_next(r, &got, &err), 1);
		ck_assert_uint_eq(got.seq, n);
	}
	ck_assert_int_eq(jl_metrics_reader_next(r, &got, &err), 0);
	/* A reader that was at 2 when it was lapped goes on at the oldest kept. */
	ck_assert_int_eq(jl_metrics_reader_next(lapped, &got, &err), 1);
	ck_assert_uint_eq(got.seq, 991);
	ck_assert_int_eq(jl_metrics_reader_latest(r, &got, &err), 1);
	ck_assert_uint_eq(got.seq, 1000);
	jl_metrics_reader_free(r);
	jl_metrics_reader_free(lapped);
	jl_metrics_writer_free(w);
}
END_TEST

/* A torn record reads as not there yet; a file that is not ours is an error. */
START_TEST(test_torn_and_foreign)
{
	struct jl_metrics_writer *w = NULL;
	struct jl_metrics_reader *r = NULL;
	struct jl_metrics_sample s = sample(1), got;
	const char *dir = jl_tmp_path(".");
	int fd;

	ck_assert_int_eq(jl_metrics_writer_open(dir, 10, 5000, &w, &err), 0);
	ck_assert_int_eq(jl_metrics_writer_append(w, &s, &err), 0);
	fd = open(jl_tmp_path(JL_METRICS_FILE), O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, "X", 1, JL_METRICS_HEADER + 20), 1);
	ck_assert_int_eq(jl_metrics_reader_open(dir, 0, &r, &err), 0);
	ck_assert_int_eq(jl_metrics_reader_next(r, &got, &err), 0);
	jl_metrics_reader_free(r);
	r = NULL;
	ck_assert_int_eq(pwrite(fd, "NOTOURS!", 8, 0), 8);
	close(fd);
	ck_assert_int_lt(jl_metrics_reader_open(dir, 0, &r, &err), 0);
	ck_assert_ptr_nonnull(strstr(joblet_error_message(err), "not a metrics file"));
	jl_metrics_writer_free(w);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("job_metrics");
	TCase *tc = tcase_create("metrics");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_codec);
	tcase_add_test(tc, test_cpu_percent);
	tcase_add_test(tc, test_write_read);
	tcase_add_test(tc, test_ring);
	tcase_add_test(tc, test_torn_and_foreign);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return jl_run_suite(suite());
}

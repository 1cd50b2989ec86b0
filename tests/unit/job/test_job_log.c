/*
 * test_job_log.c - the framed job log: its record header, writing and
 * reading, torn and corrupt tails, skipping to a record, a full disk, the
 * cap (max_log) and its markers.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <joblet/error.h>

#include "job/job_log.h"
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

static const char *make_log(void)
{
	const char *path = jl_tmp_path("log");
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);

	ck_assert_int_ge(fd, 0);
	close(fd);
	return path;
}

START_TEST(test_log_header)
{
	uint8_t h[JL_LOG_HEADER];
	int32_t stream;
	uint32_t len;
	uint64_t seq;
	int64_t ts;

	jl_log_header_encode(h, JL_STREAM_STDERR, 1234, 77, INT64_C(1700000000123456789));
	/* Little-endian on disk, whatever the host. */
	ck_assert_int_eq(h[0], 0x4a);
	ck_assert_int_eq(h[1], 0x4c);
	ck_assert_int_eq(h[2], JL_LOG_VERSION);
	ck_assert_int_eq(h[3], JL_STREAM_STDERR);
	ck_assert_int_eq(h[4], 1234 & 0xff);
	ck_assert_int_eq(h[5], 1234 >> 8);
	ck_assert_int_eq(h[8], 77);
	ck_assert_int_eq(jl_log_header_decode(h, &stream, &len, &seq, &ts), 0);
	ck_assert_int_eq(stream, JL_STREAM_STDERR);
	ck_assert_uint_eq(len, 1234);
	ck_assert_uint_eq(seq, 77);
	ck_assert(ts == INT64_C(1700000000123456789));
	h[0] = 0;
	ck_assert_int_lt(jl_log_header_decode(h, &stream, &len, &seq, &ts), 0);
	/* Stream 3 is joblet's own word (the max_log marker); 4 is none. */
	jl_log_header_encode(h, JL_STREAM_SYSTEM, 10, 1, 0);
	ck_assert_int_eq(jl_log_header_decode(h, &stream, &len, &seq, &ts), 0);
	ck_assert_int_eq(stream, JL_STREAM_SYSTEM);
	jl_log_header_encode(h, 4, 10, 1, 0);
	ck_assert_int_lt(jl_log_header_decode(h, &stream, &len, &seq, &ts), 0);
	jl_log_header_encode(h, 0, 10, 1, 0);
	ck_assert_int_lt(jl_log_header_decode(h, &stream, &len, &seq, &ts), 0);
	jl_log_header_encode(h, 1, 0, 1, 0);
	ck_assert_int_lt(jl_log_header_decode(h, &stream, &len, &seq, &ts), 0);
	jl_log_header_encode(h, 1, JL_LOG_MAX_RECORD + 1, 1, 0);
	ck_assert_int_lt(jl_log_header_decode(h, &stream, &len, &seq, &ts), 0);
	jl_log_header_encode(h, 1, 10, 1, 0);
	h[2] = 9;
	ck_assert_int_lt(jl_log_header_decode(h, &stream, &len, &seq, &ts), 0);
}
END_TEST

START_TEST(test_log_write_read)
{
	struct jl_log_writer *w = NULL;
	struct jl_log_reader *r = NULL;
	struct jl_log_record rec;
	char big[JL_LOG_MAX_RECORD];
	const char *path = make_log();

	memset(big, 'x', sizeof(big));
	ck_assert_int_eq(jl_log_writer_open(path, &w, &err), 0);
	ck_assert_int_eq(jl_log_writer_append(w, JL_STREAM_STDOUT, "hello\n", 6, &err), 0);
	ck_assert_int_eq(jl_log_writer_append(w, JL_STREAM_STDERR, "oops\n", 5, &err), 0);
	ck_assert_int_eq(jl_log_writer_append(w, JL_STREAM_STDOUT, "", 0, &err), 0);
	ck_assert_int_eq(jl_log_writer_append(w, JL_STREAM_STDOUT, big, sizeof(big), &err), 0);
	ck_assert_int_lt(jl_log_writer_append(w, JL_STREAM_STDOUT, big, sizeof(big) + 1, &err), 0);
	ck_assert_uint_eq(jl_log_writer_seq(w), 3);

	ck_assert_int_eq(jl_log_reader_open(jl_tmpdir, &r, &err), 0);
	ck_assert_int_eq(jl_log_reader_next(r, &rec, &err), 1);
	ck_assert_int_eq(rec.stream, JL_STREAM_STDOUT);
	ck_assert_uint_eq(rec.seq, 1);
	ck_assert_uint_eq(rec.len, 6);
	ck_assert(memcmp(rec.data, "hello\n", 6) == 0);
	ck_assert_int_gt(rec.ts_ns, 0);
	ck_assert_int_eq(jl_log_reader_next(r, &rec, &err), 1);
	ck_assert_int_eq(rec.stream, JL_STREAM_STDERR);
	ck_assert_uint_eq(rec.seq, 2);
	ck_assert_int_eq(jl_log_reader_next(r, &rec, &err), 1);
	ck_assert_uint_eq(rec.seq, 3);
	ck_assert_uint_eq(rec.len, sizeof(big));
	ck_assert(memcmp(rec.data, big, sizeof(big)) == 0);
	ck_assert_int_eq(jl_log_reader_next(r, &rec, &err), 0);
	/* Records written later are seen by the same reader. */
	ck_assert_int_eq(jl_log_writer_append(w, JL_STREAM_STDOUT, "late", 4, &err), 0);
	ck_assert_int_eq(jl_log_reader_next(r, &rec, &err), 1);
	ck_assert_uint_eq(rec.seq, 4);
	jl_log_reader_free(r);
	jl_log_writer_free(w);
	/* A log with records is never appended to by a second writer (a job runs once). */
	ck_assert_int_lt(jl_log_writer_open(path, &w, &err), 0);
}
END_TEST

START_TEST(test_log_partial_and_corrupt)
{
	struct jl_log_reader *r = NULL;
	struct jl_log_record rec;
	uint8_t h[JL_LOG_HEADER];
	const char *path = make_log();
	int fd = open(path, O_WRONLY | O_APPEND);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(jl_log_reader_open(jl_tmpdir, &r, &err), 0);
	/* A record being written: header and half the bytes.  Not yet visible. */
	jl_log_header_encode(h, JL_STREAM_STDOUT, 10, 1, 1);
	ck_assert_int_eq(write(fd, h, sizeof(h)), (ssize_t)sizeof(h));
	ck_assert_int_eq(write(fd, "01234", 5), 5);
	ck_assert_int_eq(jl_log_reader_next(r, &rec, &err), 0);
	ck_assert_int_eq(write(fd, "56789", 5), 5);
	ck_assert_int_eq(jl_log_reader_next(r, &rec, &err), 1);
	ck_assert(memcmp(rec.data, "0123456789", 10) == 0);
	/* A gap in the sequence is corruption, said as such. */
	jl_log_header_encode(h, JL_STREAM_STDOUT, 1, 3, 1);
	ck_assert_int_eq(write(fd, h, sizeof(h)), (ssize_t)sizeof(h));
	ck_assert_int_eq(write(fd, "x", 1), 1);
	ck_assert_int_lt(jl_log_reader_next(r, &rec, &err), 0);
	ck_assert_int_eq(err->code, JOBLET_E_PARSE);
	ck_assert_ptr_nonnull(strstr(joblet_error_message(err), "corrupt after record 1"));
	jl_log_reader_free(r);
	close(fd);
}
END_TEST

/* Skipping to a record: what follows is the next one, whole; a torn tail waits. */
START_TEST(test_log_skip)
{
	struct jl_log_writer *w = NULL;
	struct jl_log_reader *r = NULL;
	struct jl_log_record rec;
	const char *path = make_log();
	char line[32];
	int fd;
	uint8_t h[JL_LOG_HEADER];

	ck_assert_int_eq(jl_log_writer_open(path, &w, &err), 0);
	for (int i = 1; i <= 10; i++) {
		snprintf(line, sizeof(line), "record %d\n", i);
		ck_assert_int_eq(jl_log_writer_append(w,
						      i % 2 ? JL_STREAM_STDOUT : JL_STREAM_STDERR,
						      line, strlen(line), &err),
				 0);
	}
	ck_assert_int_eq(jl_log_reader_open_flags(jl_tmpdir, JL_LOG_READER_NO_WATCH, &r, &err), 0);
	ck_assert_int_eq(jl_log_reader_fd(r), -1);
	ck_assert_int_eq(jl_log_reader_skip(r, 7, &err), 0);
	ck_assert_int_eq(jl_log_reader_next(r, &rec, &err), 1);
	ck_assert_uint_eq(rec.seq, 8);
	ck_assert(memcmp(rec.data, "record 8\n", 9) == 0);
	/* Skipping to where it already is, or before, changes nothing. */
	ck_assert_int_eq(jl_log_reader_skip(r, 3, &err), 0);
	ck_assert_int_eq(jl_log_reader_next(r, &rec, &err), 1);
	ck_assert_uint_eq(rec.seq, 9);
	jl_log_reader_free(r);
	/* Past the end: nothing yet, and the next record written is the next seen. */
	ck_assert_int_eq(jl_log_reader_open_flags(jl_tmpdir, JL_LOG_READER_NO_WATCH, &r, &err), 0);
	ck_assert_int_eq(jl_log_reader_skip(r, 10, &err), 0);
	ck_assert_int_eq(jl_log_reader_next(r, &rec, &err), 0);
	jl_log_writer_free(w);
	/* A header without its bytes (a write under way) is not skipped over. */
	fd = open(path, O_WRONLY | O_APPEND);
	ck_assert_int_ge(fd, 0);
	jl_log_header_encode(h, JL_STREAM_STDOUT, 4, 11, 1);
	ck_assert_int_eq(write(fd, h, sizeof(h)), (ssize_t)sizeof(h));
	ck_assert_int_eq(write(fd, "ab", 2), 2);
	ck_assert_int_eq(jl_log_reader_skip(r, 11, &err), 0);
	ck_assert_int_eq(jl_log_reader_next(r, &rec, &err), 0);
	ck_assert_int_eq(write(fd, "cd", 2), 2);
	ck_assert_int_eq(jl_log_reader_skip(r, 11, &err), 0);
	jl_log_header_encode(h, JL_STREAM_STDERR, 1, 12, 1);
	ck_assert_int_eq(write(fd, h, sizeof(h)), (ssize_t)sizeof(h));
	ck_assert_int_eq(write(fd, "z", 1), 1);
	ck_assert_int_eq(jl_log_reader_next(r, &rec, &err), 1);
	ck_assert_uint_eq(rec.seq, 12);
	ck_assert_int_eq(rec.stream, JL_STREAM_STDERR);
	close(fd);
	jl_log_reader_free(r);
}
END_TEST

/* A full disk: the writer fails without leaving a torn record, and can go on later. */
START_TEST(test_log_disk_full)
{
	struct jl_log_writer *w = NULL;
	struct jl_log_reader *r = NULL;
	struct jl_log_record rec;
	const char *dir = jl_tmp_path("small");
	char path[4200], buf[4096];
	uint64_t ok = 0;
	struct stat st;
	int fd;

	ck_assert_int_eq(unshare(CLONE_NEWNS), 0);
	ck_assert_int_eq(mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL), 0);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_eq(mount("tmpfs", dir, "tmpfs", 0, "size=64k"), 0);
	snprintf(path, sizeof(path), "%s/log", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(jl_log_writer_open(path, &w, &err), 0);
	memset(buf, 'y', sizeof(buf));
	for (int i = 0; i < 100; i++) {
		if (jl_log_writer_append(w, JL_STREAM_STDOUT, buf, sizeof(buf) - 100, &err) < 0)
			break;
		ok++;
	}
	ck_assert_uint_lt(ok, 100);
	ck_assert_int_eq(err->code, JOBLET_E_IO);
	ck_assert_uint_eq(jl_log_writer_seq(w), ok);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, (off_t)(ok * (JL_LOG_HEADER + sizeof(buf) - 100)));
	ck_assert_int_eq(jl_log_reader_open(dir, &r, NULL), 0);
	for (uint64_t i = 1; i <= ok; i++) {
		ck_assert_int_eq(jl_log_reader_next(r, &rec, NULL), 1);
		ck_assert_uint_eq(rec.seq, i);
	}
	ck_assert_int_eq(jl_log_reader_next(r, &rec, NULL), 0);
	jl_log_reader_free(r);
	jl_log_writer_free(w);
	umount2(dir, MNT_DETACH);
}
END_TEST

/* The next record is a system record whose text is want. */
static void expect_system(struct jl_log_reader *r, uint64_t seq, const char *want)
{
	struct jl_log_record rec;

	ck_assert_int_eq(jl_log_reader_next(r, &rec, &err), 1);
	ck_assert_int_eq(rec.stream, JL_STREAM_SYSTEM);
	ck_assert_uint_eq(rec.seq, seq);
	ck_assert_msg(rec.len == strlen(want) && memcmp(rec.data, want, rec.len) == 0,
		      "system record `%.*s`, not `%s`", (int)rec.len, (const char *)rec.data, want);
}

/*
 * Past the cap: the record that crosses it keeps the part that fits, a
 * marker follows at once, the rest of the job's bytes are only counted, and
 * finish() adds the final marker with the count.  The file stays within the
 * cap plus the two markers.
 */
START_TEST(test_log_cap)
{
	struct jl_log_writer *w = NULL;
	struct jl_log_reader *r = NULL;
	struct jl_log_record rec;
	const char *path = make_log();
	char buf[200];
	struct stat st;

	memset(buf, 'z', sizeof(buf));
	ck_assert_int_eq(jl_log_writer_open(path, &w, &err), 0);
	jl_log_writer_set_cap(w, 1000);
	/* 4 records of 24 + 200 bytes: 896; the 5th has room for 1000 - 896 - 24 = 80. */
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(jl_log_writer_append(w,
						      i % 2 ? JL_STREAM_STDERR : JL_STREAM_STDOUT,
						      buf, sizeof(buf), &err),
				 0);
	ck_assert_uint_eq(jl_log_writer_kept(w), 880);
	ck_assert_uint_eq(jl_log_writer_dropped(w), 120 + 3 * 200);
	/* 5 records of the job and the first marker. */
	ck_assert_uint_eq(jl_log_writer_seq(w), 6);
	ck_assert_int_eq(jl_log_writer_finish(w, &err), 0);
	ck_assert_uint_eq(jl_log_writer_seq(w), 7);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_le(st.st_size, 1000 + 2 * (JL_LOG_HEADER + 100));

	ck_assert_int_eq(jl_log_reader_open(jl_tmpdir, &r, &err), 0);
	for (uint64_t i = 1; i <= 4; i++) {
		ck_assert_int_eq(jl_log_reader_next(r, &rec, &err), 1);
		ck_assert_uint_eq(rec.len, sizeof(buf));
	}
	ck_assert_int_eq(jl_log_reader_next(r, &rec, &err), 1);
	ck_assert_int_eq(rec.stream, JL_STREAM_STDOUT);
	ck_assert_uint_eq(rec.len, 80);
	expect_system(r, 6, "log truncated after 880 bytes (max_log); the rest is dropped");
	expect_system(r, 7, "log truncated after 880 bytes, 720 bytes dropped");
	ck_assert_int_eq(jl_log_reader_next(r, &rec, &err), 0);
	jl_log_reader_free(r);
	jl_log_writer_free(w);
}
END_TEST

/* A record that would leave no byte of itself below the cap is dropped whole. */
START_TEST(test_log_cap_no_room)
{
	struct jl_log_writer *w = NULL;
	struct jl_log_reader *r = NULL;
	struct jl_log_record rec;
	const char *path = make_log();

	ck_assert_int_eq(jl_log_writer_open(path, &w, &err), 0);
	jl_log_writer_set_cap(w, 30);
	ck_assert_int_eq(jl_log_writer_append(w, JL_STREAM_STDOUT, "12345", 5, &err), 0);
	ck_assert_int_eq(jl_log_writer_append(w, JL_STREAM_STDOUT, "6", 1, &err), 0);
	ck_assert_int_eq(jl_log_writer_append(w, JL_STREAM_STDERR, "78", 2, &err), 0);
	ck_assert_uint_eq(jl_log_writer_kept(w), 5);
	ck_assert_uint_eq(jl_log_writer_dropped(w), 3);
	ck_assert_int_eq(jl_log_writer_finish(w, &err), 0);
	ck_assert_int_eq(jl_log_reader_open(jl_tmpdir, &r, &err), 0);
	ck_assert_int_eq(jl_log_reader_next(r, &rec, &err), 1);
	ck_assert_uint_eq(rec.len, 5);
	expect_system(r, 2, "log truncated after 5 bytes (max_log); the rest is dropped");
	expect_system(r, 3, "log truncated after 5 bytes, 3 bytes dropped");
	jl_log_reader_free(r);
	jl_log_writer_free(w);
}
END_TEST

/* Under the cap (or with none) nothing changes: no marker, nothing dropped. */
START_TEST(test_log_under_cap)
{
	struct jl_log_writer *w = NULL;
	struct jl_log_reader *r = NULL;
	struct jl_log_record rec;
	const char *path = make_log();

	ck_assert_int_eq(jl_log_writer_open(path, &w, &err), 0);
	jl_log_writer_set_cap(w, 2 * (JL_LOG_HEADER + 3));
	ck_assert_int_eq(jl_log_writer_append(w, JL_STREAM_STDOUT, "abc", 3, &err), 0);
	ck_assert_int_eq(jl_log_writer_append(w, JL_STREAM_STDERR, "def", 3, &err), 0);
	ck_assert_int_eq(jl_log_writer_finish(w, &err), 0);
	ck_assert_uint_eq(jl_log_writer_kept(w), 6);
	ck_assert_uint_eq(jl_log_writer_dropped(w), 0);
	ck_assert_uint_eq(jl_log_writer_seq(w), 2);
	ck_assert_int_eq(jl_log_reader_open(jl_tmpdir, &r, &err), 0);
	ck_assert_int_eq(jl_log_reader_next(r, &rec, &err), 1);
	ck_assert_int_eq(jl_log_reader_next(r, &rec, &err), 1);
	ck_assert_int_eq(rec.stream, JL_STREAM_STDERR);
	ck_assert_int_eq(jl_log_reader_next(r, &rec, &err), 0);
	jl_log_reader_free(r);
	jl_log_writer_free(w);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("job_log");
	TCase *tc_log = tcase_create("log");

	tcase_add_checked_fixture(tc_log, setup, teardown);
	tcase_add_test(tc_log, test_log_header);
	tcase_add_test(tc_log, test_log_write_read);
	tcase_add_test(tc_log, test_log_partial_and_corrupt);
	tcase_add_test(tc_log, test_log_skip);
	tcase_add_test(tc_log, test_log_cap);
	tcase_add_test(tc_log, test_log_cap_no_room);
	tcase_add_test(tc_log, test_log_under_cap);
	jl_tcase_add_root(tc_log, test_log_disk_full);
	suite_add_tcase(s, tc_log);
	return s;
}

int main(void)
{
	return jl_run_suite(suite());
}

/*
 * test_executor.c - the status file a job leaves and the exit codes it maps to.
 */
#include <config.h>

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <joblet/error.h>

#include "job/executor.h"
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

START_TEST(test_status_round_trip)
{
	struct jl_job_status st = { 0 }, back;

	st.exited = 1;
	st.exit_code = 3;
	st.cpu_usec = 123456;
	st.memory_peak_bytes = UINT64_C(5) << 30;
	st.started_ns = INT64_C(1700000000000000000);
	st.ended_ns = st.started_ns + 42;
	st.error = (char *)"why \"quoted\"";
	ck_assert_int_eq(jl_job_status_write(jl_tmpdir, &st, NULL), 0);
	ck_assert_int_eq(jl_job_status_read(jl_tmpdir, &back, &err), 0);
	ck_assert_int_eq(back.exited, 1);
	ck_assert_int_eq(back.exit_code, 3);
	ck_assert_uint_eq(back.cpu_usec, 123456);
	ck_assert(back.memory_peak_bytes == st.memory_peak_bytes);
	ck_assert(back.ended_ns == st.ended_ns);
	ck_assert_str_eq(back.error, "why \"quoted\"");
	jl_job_status_done(&back);
	unlink(jl_tmp_path("status.json"));
	ck_assert_int_lt(jl_job_status_read(jl_tmpdir, &back, &err), 0);
	ck_assert_int_eq(err->code, JOBLET_E_NOT_FOUND);
}
END_TEST

START_TEST(test_status_exit_codes)
{
	struct jl_job_status st;

	memset(&st, 0, sizeof(st));
	st.exited = 1;
	st.exit_code = 7;
	ck_assert_int_eq(jl_job_status_exit_code(&st), 7);
	memset(&st, 0, sizeof(st));
	st.signal = SIGSEGV;
	ck_assert_int_eq(jl_job_status_exit_code(&st), 128 + SIGSEGV);
	st.signal = SIGKILL;
	ck_assert_int_eq(jl_job_status_exit_code(&st), 137);
	st.oom = 1;
	ck_assert_int_eq(jl_job_status_exit_code(&st), 137);
	st.timeout = 1;
	ck_assert_int_eq(jl_job_status_exit_code(&st), 124);
	memset(&st, 0, sizeof(st));
	st.failed_to_start = 1;
	ck_assert_int_eq(jl_job_status_exit_code(&st), 125);
	/* An OOM kill is 137 even when the job's shell turned it into an exit code. */
	memset(&st, 0, sizeof(st));
	st.exited = 1;
	st.exit_code = 1;
	st.oom = 1;
	ck_assert_int_eq(jl_job_status_exit_code(&st), 137);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("executor");
	TCase *tc_status = tcase_create("status");

	tcase_add_checked_fixture(tc_status, setup, teardown);
	tcase_add_test(tc_status, test_status_round_trip);
	tcase_add_test(tc_status, test_status_exit_codes);
	suite_add_tcase(s, tc_status);
	return s;
}

int main(void)
{
	return jl_run_suite(suite());
}

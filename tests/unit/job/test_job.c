/*
 * test_job.c - jobs without running them: the flags of `run-local`, spec
 * validation, spec JSON, the framed log, cpusets, the status file and the
 * exit codes it maps to.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <joblet/error.h>
#include <joblet/job.h>

#include "base/timefmt.h"
#include "config/config.h"
#include "job/job_spec.h"
#include "job/executor.h"
#include "job/job_log.h"

#include "base/cpuset.h"
#include "job/job_private.h"
#include "base/util.h"
#include "jl_test.h"
#include "jl_tmp.h"
#include "common/base64.h"

static struct jl_config *cfg;
static struct jl_job_spec *spec;
static struct joblet_error *err;

static void setup(void)
{
	jl_tmp_setup();
	ck_assert_int_eq(jl_config_defaults(&cfg, NULL), 0);
	free(cfg->runtimes_dir);
	cfg->runtimes_dir = strdup(jl_tmp_path("runtimes"));
	ck_assert_int_eq(jl_job_spec_new(&spec, NULL), 0);
	err = NULL;
}

static void teardown(void)
{
	jl_job_spec_free(spec);
	jl_config_free(cfg);
	joblet_error_free(err);
	jl_tmp_teardown();
}

/* Parse argv (NULL-terminated list) into the fixture's spec. */
static int parse(const char *first, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;

	va_start(ap, first);
	for (const char *a = first; a && argc < 31; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	joblet_error_free(err);
	err = NULL;
	return jl_job_spec_parse_args(spec, argc, argv, NULL, &err);
}

static void set_cmd(void)
{
	ck_assert_int_eq(parse("--", "true", NULL), 0);
}

/* A fresh spec with a command, for the next case of a test. */
static void new_spec(void)
{
	jl_job_spec_free(spec);
	ck_assert_int_eq(jl_job_spec_new(&spec, NULL), 0);
	set_cmd();
}

static int validate(void)
{
	joblet_error_free(err);
	err = NULL;
	return jl_job_spec_validate(cfg, spec, &err);
}

#define assert_refused(want, text)                                                       \
	do {                                                                             \
		ck_assert_int_lt(validate(), 0);                                         \
		ck_assert_int_eq(err->code, (want));                                     \
		ck_assert_msg(strstr(joblet_error_message(err), (text)), "message `%s` lacks `%s`", \
			      joblet_error_message(err), (text));                        \
	} while (0)

/* ------------------------------------------------------------------ flags */

START_TEST(test_flags_all)
{
	ck_assert_int_eq(parse("--max-cpu=150", "--max-memory", "512", "--max-iobps=10MiB",
			       "--cpu-cores=0", "--max-pids=64", "--timeout=1m30s", "-e", "A=1",
			       "--env=B=two=2", "--upload=/etc/hostname", "--workdir=/work/sub",
			       "--network=host", "--runtime=python-3.11@1.0.0", "--", "echo", "-n",
			       "hi", NULL),
			 0);
	ck_assert_int_eq(spec->max_cpu, 150);
	ck_assert_int_eq(spec->max_memory_mib, 512);
	ck_assert_int_eq(spec->max_iobps, 10 << 20);
	ck_assert_str_eq(spec->cpu_cores, "0");
	ck_assert_int_eq(spec->max_pids, 64);
	ck_assert_int_eq(spec->timeout_s, 90);
	ck_assert_str_eq(spec->env[0], "A=1");
	ck_assert_str_eq(spec->env[1], "B=two=2");
	ck_assert_ptr_null(spec->env[2]);
	ck_assert_str_eq(spec->uploads[0], "/etc/hostname");
	ck_assert_str_eq(spec->workdir, "/work/sub");
	ck_assert_int_eq(spec->network, JOBLET_NETWORK_HOST);
	ck_assert_str_eq(spec->runtime, "python-3.11@1.0.0");
	/* Everything after `--` is the command, flags included. */
	ck_assert_str_eq(spec->argv[0], "echo");
	ck_assert_str_eq(spec->argv[1], "-n");
	ck_assert_str_eq(spec->argv[2], "hi");
	ck_assert_ptr_null(spec->argv[3]);
}
END_TEST

START_TEST(test_flags_command_without_dashes)
{
	ck_assert_int_eq(parse("--max-pids=5", "ls", "--max-cpu=1", NULL), 0);
	ck_assert_int_eq(spec->max_pids, 5);
	ck_assert_int_eq(spec->max_cpu, 0);
	ck_assert_str_eq(spec->argv[0], "ls");
	ck_assert_str_eq(spec->argv[1], "--max-cpu=1");
}
END_TEST

START_TEST(test_flags_refused)
{
	static const struct {
		const char *flag, *text;
	} bad[] = {
		{ "--max-cpu=abc", "--max-cpu `abc` is not valid: a percentage" },
		{ "--max-cpu=-1", "--max-cpu `-1`" },
		{ "--max-memory=lots", "--max-memory `lots`" },
		{ "--max-iobps=fast", "--max-iobps `fast`" },
		{ "--max-pids=-3", "--max-pids `-3`" },
		{ "--timeout=soon", "--timeout `soon` is not valid: a duration" },
		{ "--network=bridge", "none (loopback only) or host" },
		{ "--env=NOEQUALS", "KEY=VALUE" },
		{ "--frobnicate=1", "unknown flag `--frobnicate=1`; the flags are" },
	};

	ck_assert_int_lt(parse("--max-cpu", NULL), 0);
	ck_assert_str_eq(joblet_error_message(err), "flag `--max-cpu` needs a value");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		jl_job_spec_free(spec);
		ck_assert_int_eq(jl_job_spec_new(&spec, NULL), 0);
		ck_assert_int_lt(parse(bad[i].flag, "--", "true", NULL), 0);
		ck_assert_int_eq(err->code, JOBLET_E_INVALID);
		ck_assert_msg(strstr(joblet_error_message(err), bad[i].text), "%s: `%s`", bad[i].flag,
			      joblet_error_message(err));
	}
}
END_TEST

/* ------------------------------------------------------------------ validation */

START_TEST(test_validate_defaults)
{
	set_cmd();
	ck_assert_int_eq(validate(), 0);
	ck_assert_int_eq(spec->max_pids, cfg->default_max_pids);
	ck_assert_int_eq(spec->uid, 65534);
	ck_assert_int_eq(spec->gid, 65534);
	ck_assert_str_eq(spec->workdir, "/work");
	ck_assert_int_eq(spec->network, JOBLET_NETWORK_NONE);
	ck_assert_ptr_null(spec->runtime_dir);
	ck_assert_int_eq(strlen(spec->id), 36);
}
END_TEST

START_TEST(test_validate_limits)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	set_cmd();
	spec->max_cpu = -1;
	assert_refused(JOBLET_E_INVALID, "max_cpu -1% is out of range");
	spec->max_cpu = 100 * ncpu + 1;
	assert_refused(JOBLET_E_INVALID, "100 x this host's");
	spec->max_cpu = 100 * ncpu;
	ck_assert_int_eq(validate(), 0);
	spec->max_memory_mib = -5;
	assert_refused(JOBLET_E_INVALID, "max_memory -5 MiB is out of range");
	spec->max_memory_mib = INT64_C(1) << 40;
	assert_refused(JOBLET_E_INVALID, "this host's memory");
	spec->max_memory_mib = 2;
	assert_refused(JOBLET_E_INVALID, "give at least 4");
	spec->max_memory_mib = 64;
	spec->max_iobps = -1;
	assert_refused(JOBLET_E_INVALID, "max_iobps -1 is out of range");
	spec->max_iobps = 0;
	spec->max_pids = -2;
	assert_refused(JOBLET_E_INVALID, "max_pids -2 is out of range");
	spec->max_pids = 0;
	spec->timeout_s = -1;
	assert_refused(JOBLET_E_INVALID, "timeout -1 s is out of range");
	spec->timeout_s = INT64_C(400) * 86400;
	assert_refused(JOBLET_E_INVALID, "a year");
}
END_TEST

START_TEST(test_validate_default_limits)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	/* A job that gives no limit gets the operator's (isolation.max_*). */
	cfg->default_max_cpu = 50;
	cfg->default_max_memory = INT64_C(256) << 20;
	cfg->default_max_iobps = INT64_C(1) << 20;
	set_cmd();
	ck_assert_int_eq(validate(), 0);
	ck_assert_int_eq(spec->max_cpu, 50);
	ck_assert_int_eq(spec->max_memory_mib, 256);
	ck_assert_int_eq(spec->max_iobps, INT64_C(1) << 20);
	/* What the job gives wins. */
	new_spec();
	spec->max_cpu = 20;
	spec->max_memory_mib = 64;
	spec->max_iobps = 4096;
	ck_assert_int_eq(validate(), 0);
	ck_assert_int_eq(spec->max_cpu, 20);
	ck_assert_int_eq(spec->max_memory_mib, 64);
	ck_assert_int_eq(spec->max_iobps, 4096);
	/* A --cpus job's cores are its CPU limit: no default squeezes it onto less. */
	new_spec();
	spec->cpus = 1;
	ck_assert_int_eq(validate(), 0);
	ck_assert_int_eq(spec->max_cpu, 0);
	ck_assert_int_eq(spec->max_memory_mib, 256);
	/* A default above the host gives the job all of it. */
	new_spec();
	cfg->default_max_cpu = 100 * ncpu + 500;
	ck_assert_int_eq(validate(), 0);
	ck_assert_int_eq(spec->max_cpu, 100 * ncpu);
	/* Unlimited (the default): nothing is filled in. */
	new_spec();
	cfg->default_max_cpu = cfg->default_max_memory = cfg->default_max_iobps = -1;
	ck_assert_int_eq(validate(), 0);
	ck_assert_int_eq(spec->max_cpu, 0);
	ck_assert_int_eq(spec->max_memory_mib, 0);
	ck_assert_int_eq(spec->max_iobps, 0);
}
END_TEST

START_TEST(test_validate_reserve_cores)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	char text[64];

	if (ncpu < 2)
		return; /* one CPU: nothing can be kept apart (test_config covers the refusal) */
	snprintf(text, sizeof(text), "1-%ld", ncpu - 1);
	cfg->pinnable_cores = strdup(text);
	cfg->reserve_cores = 1;
	/* A job without pinning runs outside the kept CPUs. */
	set_cmd();
	ck_assert_int_eq(validate(), 0);
	ck_assert_str_eq(spec->cpu_cores, "0");
	/* --cpu-cores may name the others, not kept ones. */
	new_spec();
	spec->cpu_cores = strdup("0-1");
	assert_refused(JOBLET_E_INVALID, "names CPUs that this node keeps for --cpus jobs (1, "
					 "scheduler.reserve_cores); name CPUs from 0");
	free(spec->cpu_cores);
	spec->cpu_cores = strdup("0");
	ck_assert_int_eq(validate(), 0);
	/* A --cpus job gets its cores from the scheduler, not a list here. */
	new_spec();
	spec->cpus = 1;
	ck_assert_int_eq(validate(), 0);
	ck_assert_ptr_null(spec->cpu_cores);
	/* Off: nothing is filled in. */
	new_spec();
	cfg->reserve_cores = 0;
	ck_assert_int_eq(validate(), 0);
	ck_assert_ptr_null(spec->cpu_cores);
}
END_TEST

START_TEST(test_validate_cpu_cores)
{
	char text[64];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	set_cmd();
	snprintf(text, sizeof(text), "0-%ld", ncpu + 3);
	spec->cpu_cores = strdup(text);
	assert_refused(JOBLET_E_INVALID, "names CPUs this host does not have");
	free(spec->cpu_cores);
	spec->cpu_cores = strdup("3-1");
	assert_refused(JOBLET_E_INVALID, "cpu_cores");
	free(spec->cpu_cores);
	spec->cpu_cores = strdup("zero");
	assert_refused(JOBLET_E_INVALID, "cpu_cores");
	free(spec->cpu_cores);
	/* Valid lists are stored in canonical form, as cgroups get them. */
	spec->cpu_cores = strdup(" 0 , 0 ");
	ck_assert_int_eq(validate(), 0);
	ck_assert_str_eq(spec->cpu_cores, "0");
}
END_TEST

START_TEST(test_validate_paths_and_env)
{
	static const char *const bad_workdirs[] = { "work", "/work/../etc", "/work/./x", "/proc/1",
						    "/sys", "/dev/shm" };
	static const char *const bad_env[] = { "1X=y", "A-B=c", "=v", "A B=c" };

	set_cmd();
	for (size_t i = 0; i < sizeof(bad_workdirs) / sizeof(bad_workdirs[0]); i++) {
		free(spec->workdir);
		spec->workdir = strdup(bad_workdirs[i]);
		assert_refused(JOBLET_E_INVALID, "workdir");
	}
	free(spec->workdir);
	spec->workdir = NULL;
	for (size_t i = 0; i < sizeof(bad_env) / sizeof(bad_env[0]); i++) {
		char *v[] = { (char *)bad_env[i], NULL };
		char **saved = spec->env;

		spec->env = v;
		assert_refused(JOBLET_E_INVALID, "is not a variable name");
		spec->env = saved;
	}
	{
		char *v[] = { (char *)"JOBLET_JOB_ID=x", NULL };
		char **saved = spec->env;

		spec->env = v;
		assert_refused(JOBLET_E_INVALID, "set by joblet");
		spec->env = saved;
	}
	ck_assert_int_eq(parse("--upload=/nonexistent/joblet-upload", "--", "true", NULL), 0);
	assert_refused(JOBLET_E_NOT_FOUND, "upload `/nonexistent/joblet-upload`");
}
END_TEST

START_TEST(test_validate_runtime)
{
	const char *dir = jl_tmp_path("runtimes/tool-1.2.0");

	set_cmd();
	spec->runtime = strdup("tool");
	assert_refused(JOBLET_E_NOT_FOUND, "runtime `tool` is not installed");
	ck_assert_int_eq(mkdir(jl_tmp_path("runtimes"), 0755), 0);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	jl_tmp_write("runtimes/tool-1.2.0/runtime.yml", "name: tool\nversion: \"1.2.0\"\n");
	ck_assert_int_eq(validate(), 0);
	ck_assert_str_eq(spec->runtime_dir, dir);
	free(spec->runtime);
	spec->runtime = strdup("tool@9.9.9");
	assert_refused(JOBLET_E_NOT_FOUND, "installed versions: 1.2.0");
}
END_TEST

START_TEST(test_validate_uid)
{
	set_cmd();
	spec->uid = 0;
	assert_refused(JOBLET_E_INVALID, "jobs never run as root");
	spec->uid = 1000;
	spec->gid = 1000;
	ck_assert_int_eq(validate(), 0);
	ck_assert_int_eq(spec->uid, 1000);
}
END_TEST

START_TEST(test_spec_json_round_trip)
{
	struct jl_job_spec *back = NULL;
	char *json = NULL;

	ck_assert_int_eq(parse("--max-cpu=50", "--max-memory=64", "--cpu-cores=0", "-e", "K=V",
			       "--timeout=5", "--", "sh", "-c", "echo \"quoted\"", NULL),
			 0);
	ck_assert_int_eq(validate(), 0);
	ck_assert_int_eq(jl_job_spec_to_json(spec, &json, NULL), 0);
	ck_assert_int_eq(jl_job_spec_from_json(json, &back, &err), 0);
	ck_assert_str_eq(back->id, spec->id);
	ck_assert_str_eq(back->argv[2], "echo \"quoted\"");
	ck_assert_int_eq(back->max_cpu, 50);
	ck_assert_int_eq(back->max_memory_mib, 64);
	ck_assert_int_eq(back->timeout_s, 5);
	ck_assert_int_eq(back->max_pids, spec->max_pids);
	ck_assert_str_eq(back->cpu_cores, "0");
	ck_assert_str_eq(back->env[0], "K=V");
	ck_assert_str_eq(back->workdir, "/work");
	ck_assert_int_eq(back->uid, 65534);
	ck_assert_int_eq(back->network, JOBLET_NETWORK_NONE);
	jl_job_spec_free(back);
	free(json);
	ck_assert_int_lt(jl_job_spec_from_json("{\"argv\": 3}", &back, &err), 0);
	ck_assert_int_eq(err->code, JOBLET_E_PARSE);
	/* A spec the shim would run must name a command and a user. */
	ck_assert_int_lt(jl_job_spec_from_json("{\"id\": \"x\", \"argv\": [\"true\"]}", &back,
						   &err),
			 0);
	ck_assert_int_lt(jl_job_spec_from_json("[1]", &back, &err), 0);
}
END_TEST

/* ------------------------------------------------------------------ the log */

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
	jl_log_header_encode(h, 3, 10, 1, 0);
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

static const char *make_log(void)
{
	const char *path = jl_tmp_path("log");
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);

	ck_assert_int_ge(fd, 0);
	close(fd);
	return path;
}

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

/* ------------------------------------------------------------------ cpusets */

START_TEST(test_cpuset)
{
	struct jl_cpuset a, b, d;
	char buf[64];

	ck_assert_int_eq(jl_cpuset_parse("0-3,6,8-9", &a, NULL), 0);
	ck_assert_uint_eq(jl_cpuset_count(&a), 7);
	ck_assert(jl_cpuset_has(&a, 3) && !jl_cpuset_has(&a, 4) && jl_cpuset_has(&a, 9));
	ck_assert_int_eq(jl_cpuset_format(&a, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "0-3,6,8-9");
	ck_assert_int_eq(jl_cpuset_parse(" 9 , 8,6,3,2,1,0 ", &b, NULL), 0);
	ck_assert_int_eq(jl_cpuset_format(&b, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "0-3,6,8-9");
	ck_assert_int_eq(jl_cpuset_parse("2-5", &b, NULL), 0);
	jl_cpuset_minus(&b, &a, &d);
	ck_assert_int_eq(jl_cpuset_format(&d, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "4-5");
	ck_assert_int_eq(jl_cpuset_format(&d, buf, 3), -1);
	ck_assert_int_lt(jl_cpuset_parse("", &a, &err), 0);
	ck_assert_int_eq(err->code, JOBLET_E_INVALID);
	ck_assert_int_lt(jl_cpuset_parse("5-3", &a, NULL), 0);
	ck_assert_int_lt(jl_cpuset_parse("1,,2", &a, NULL), 0);
	ck_assert_int_lt(jl_cpuset_parse("1-", &a, NULL), 0);
	ck_assert_int_lt(jl_cpuset_parse("4096", &a, NULL), 0);
	ck_assert_int_lt(jl_cpuset_parse("-1", &a, NULL), 0);
	ck_assert_int_eq(jl_cpuset_parse("4095", &a, NULL), 0);
	ck_assert_int_eq(jl_cpuset_online(&a, NULL), 0);
	ck_assert(jl_cpuset_has(&a, 0));
	ck_assert_uint_eq(jl_cpuset_count(&a), (size_t)sysconf(_SC_NPROCESSORS_ONLN));
}
END_TEST

/* ------------------------------------------------------------------ status */

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
		ck_assert_int_eq(jl_log_writer_append(w, i % 2 ? JL_STREAM_STDOUT
							       : JL_STREAM_STDERR,
						      line, strlen(line), &err),
				 0);
	}
	ck_assert_int_eq(jl_log_reader_open_flags(jl_tmpdir, JL_LOG_READER_NO_WATCH, &r, &err),
			 0);
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
	ck_assert_int_eq(jl_log_reader_open_flags(jl_tmpdir, JL_LOG_READER_NO_WATCH, &r, &err),
			 0);
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

START_TEST(test_flags_daemon)
{
	char *argv[] = { "-s", "TOKEN=abc", "--secret-env=B=2", "--priority=7", "--name",
			 "nightly build", "--schedule=90s", "echo", "hi", NULL };
	struct timespec now;
	int64_t now_ns;

	clock_gettime(CLOCK_REALTIME, &now);
	now_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	ck_assert_int_eq(jl_job_spec_parse_args(spec, 9, argv, NULL, &err), 0);
	ck_assert_str_eq(spec->secret_env[0], "TOKEN=abc");
	ck_assert_str_eq(spec->secret_env[1], "B=2");
	ck_assert_int_eq(spec->priority, 7);
	ck_assert_str_eq(spec->name, "nightly build");
	ck_assert_int_ge(spec->schedule_ns, now_ns + INT64_C(89) * 1000000000);
	ck_assert_int_le(spec->schedule_ns, now_ns + INT64_C(92) * 1000000000);
	ck_assert_str_eq(spec->argv[0], "echo");
	ck_assert_int_eq(jl_job_spec_validate(cfg, spec, &err), 0);
	/* Which words take the next one as their value. */
	ck_assert_int_eq(jl_job_spec_flag_takes_value("-s"), 1);
	ck_assert_int_eq(jl_job_spec_flag_takes_value("--max-memory"), 1);
	ck_assert_int_eq(jl_job_spec_flag_takes_value("--max-memory=5"), 0);
	ck_assert_int_eq(jl_job_spec_flag_takes_value("-f"), 0);
	ck_assert_int_eq(jl_job_spec_flag_takes_value("--follow"), 0);
}
END_TEST

START_TEST(test_flags_daemon_refused)
{
	static const char *const bad[][2] = {
		{ "--priority=1001", "--priority" }, { "--priority=-1", "--priority" },
		{ "--schedule=soon", "is not a time" }, { "-s", "needs a value" },
		{ "--secret-env=NOEQUALS", "KEY=VALUE" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct jl_job_spec *s = NULL;
		char *argv[] = { (char *)bad[i][0], NULL };

		ck_assert_int_eq(jl_job_spec_new(&s, NULL), 0);
		ck_assert_msg(jl_job_spec_parse_args(s, 1, argv, NULL, &err) < 0, "%s", bad[i][0]);
		ck_assert_msg(strstr(joblet_error_message(err), bad[i][1]), "%s: %s", bad[i][0],
			      joblet_error_message(err));
		/* A secret's value never shows in an error. */
		ck_assert_ptr_null(strstr(joblet_error_message(err), "NOEQUALS"));
		joblet_error_clear(&err);
		jl_job_spec_free(s);
	}
	ck_assert_int_eq(jl_strv_push(&spec->argv, "true"), 0);
	free(spec->name);
	spec->name = strdup("bell\a");
	ck_assert_int_lt(jl_job_spec_validate(cfg, spec, &err), 0);
	ck_assert_ptr_nonnull(strstr(joblet_error_message(err), "control character"));
}
END_TEST

START_TEST(test_schedule_times)
{
	int64_t now = INT64_C(1796300000) * 1000000000, t;

	ck_assert_int_eq(jl_schedule_parse("2h30m", now, &t, &err), 0);
	ck_assert_int_eq(t, now + INT64_C(9000) * 1000000000);
	ck_assert_int_eq(jl_schedule_parse("1h 15m", now, &t, &err), 0);
	ck_assert_int_eq(t, now + INT64_C(4500) * 1000000000);
	ck_assert_int_eq(jl_schedule_parse("1d", now, &t, &err), 0);
	ck_assert_int_eq(t, now + INT64_C(86400) * 1000000000);
	ck_assert_int_eq(jl_schedule_parse("2026-12-03T10:00:00Z", now, &t, &err), 0);
	ck_assert_int_eq(t, INT64_C(1796292000) * 1000000000);
	ck_assert_int_eq(jl_schedule_parse("2026-12-03T11:30:00+01:30", now, &t, &err), 0);
	ck_assert_int_eq(t, INT64_C(1796292000) * 1000000000);
	ck_assert_int_eq(jl_schedule_parse("2026-12-03T10:00:00.250Z", now, &t, &err), 0);
	ck_assert_int_eq(t, INT64_C(1796292000) * 1000000000 + 250000000);
	/* Without a zone: local time (TZ decides). */
	setenv("TZ", "UTC+2", 1);
	tzset();
	ck_assert_int_eq(jl_schedule_parse("2026-12-03 08:00", now, &t, &err), 0);
	ck_assert_int_eq(t, INT64_C(1796292000) * 1000000000);
	ck_assert_int_eq(jl_schedule_parse("2026-12-03T08:00:00", now, &t, &err), 0);
	ck_assert_int_eq(t, INT64_C(1796292000) * 1000000000);
	/* The API takes only RFC 3339 with a zone. */
	ck_assert_int_lt(jl_time_parse_rfc3339("2026-12-03T08:00:00", &t, &err), 0);
	joblet_error_clear(&err);
	ck_assert_int_eq(jl_time_parse_rfc3339("2026-12-03T10:00:00Z", &t, &err), 0);
	{
		char buf[40];

		jl_time_format_rfc3339(t + 5000000, buf, sizeof(buf));
		ck_assert_str_eq(buf, "2026-12-03T10:00:00.005Z");
	}
	for (const char *const *b = (const char *const[]){ "2026-02-31T10:00:00Z", "2026-13-01 10:00",
							   "tomorrow", "5 parsecs", "", "2026-12-03",
							   "2026-12-03T25:00:00Z", NULL };
	     *b; b++) {
		ck_assert_msg(jl_schedule_parse(*b, now, &t, &err) < 0, "%s", *b);
		ck_assert_ptr_nonnull(strstr(joblet_error_message(err), "RFC 3339"));
		joblet_error_clear(&err);
	}
}
END_TEST

START_TEST(test_base64)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const coded[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
					     "Zm9vYmFy" };
	uint8_t all[256], back[256];
	char text[400];

	for (size_t i = 0; i < 7; i++) {
		char out[16], dec[16];

		ck_assert_uint_eq(jl_base64_encode(plain[i], strlen(plain[i]), out), strlen(coded[i]));
		ck_assert_str_eq(out, coded[i]);
		ck_assert_int_eq(jl_base64_decode(coded[i], strlen(coded[i]), dec),
				 (int64_t)strlen(plain[i]));
		ck_assert(memcmp(dec, plain[i], strlen(plain[i])) == 0);
	}
	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	jl_base64_encode(all, sizeof(all), text);
	ck_assert_int_eq(jl_base64_decode(text, strlen(text), back), 256);
	ck_assert(memcmp(all, back, 256) == 0);
	for (const char *const *b = (const char *const[]){ "Zg=", "Z===", "Zm9v!", "Zg==Zg==", "=Zg=",
							   "Zm 9", NULL };
	     *b; b++)
		ck_assert_msg(jl_base64_decode(*b, strlen(*b), back) < 0, "%s", *b);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("job");
	TCase *flags = tcase_create("flags"), *val = tcase_create("validate"),
	      *log = tcase_create("log"), *cpu = tcase_create("cpuset"), *st = tcase_create("status");

	tcase_add_checked_fixture(flags, setup, teardown);
	tcase_add_test(flags, test_flags_all);
	tcase_add_test(flags, test_flags_command_without_dashes);
	tcase_add_test(flags, test_flags_refused);
	tcase_add_test(flags, test_flags_daemon);
	tcase_add_test(flags, test_flags_daemon_refused);
	tcase_add_test(flags, test_schedule_times);
	tcase_add_test(flags, test_base64);
	suite_add_tcase(s, flags);

	tcase_add_checked_fixture(val, setup, teardown);
	tcase_add_test(val, test_validate_defaults);
	tcase_add_test(val, test_validate_default_limits);
	tcase_add_test(val, test_validate_reserve_cores);
	tcase_add_test(val, test_validate_limits);
	tcase_add_test(val, test_validate_cpu_cores);
	tcase_add_test(val, test_validate_paths_and_env);
	tcase_add_test(val, test_validate_runtime);
	tcase_add_test(val, test_validate_uid);
	tcase_add_test(val, test_spec_json_round_trip);
	suite_add_tcase(s, val);

	tcase_add_checked_fixture(log, setup, teardown);
	tcase_add_test(log, test_log_header);
	tcase_add_test(log, test_log_write_read);
	tcase_add_test(log, test_log_partial_and_corrupt);
	tcase_add_test(log, test_log_skip);
	jl_tcase_add_root(log, test_log_disk_full);
	suite_add_tcase(s, log);

	tcase_add_checked_fixture(cpu, setup, teardown);
	tcase_add_test(cpu, test_cpuset);
	suite_add_tcase(s, cpu);

	tcase_add_checked_fixture(st, setup, teardown);
	tcase_add_test(st, test_status_round_trip);
	tcase_add_test(st, test_status_exit_codes);
	suite_add_tcase(s, st);
	return s;
}

int main(void)
{
	return jl_run_suite(suite());
}

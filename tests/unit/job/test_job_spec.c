/*
 * test_job_spec.c - job specs without running them: the flags of `run-local`
 * and the daemon, validation against the config, and the spec file's JSON.
 */
#include <config.h>

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <joblet/error.h>
#include <joblet/job.h>

#include "base/util.h"
#include "config/config.h"
#include "job/job_limits.h"
#include "job/job_private.h"
#include "job/job_spec.h"
#include "jl_test.h"
#include "jl_tmp.h"

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

#define assert_refused(want, text)                                                                 \
	do {                                                                                       \
		ck_assert_int_lt(validate(), 0);                                                   \
		ck_assert_int_eq(err->code, (want));                                               \
		ck_assert_msg(strstr(joblet_error_message(err), (text)),                           \
			      "message `%s` lacks `%s`", joblet_error_message(err), (text));       \
	} while (0)

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
	ck_assert_int_eq(parse("--max-pids=5", "--max-log=64MiB", "ls", "--max-cpu=1", NULL), 0);
	ck_assert_int_eq(spec->max_pids, 5);
	ck_assert_int_eq(spec->max_log_mib, 64);
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
		{ "--max-cpu=-2", "--max-cpu `-2`" },
		{ "--max-memory=-1", "--max-memory `-1`" },
		{ "--max-memory=lots", "--max-memory `lots`" },
		{ "--max-iobps=fast", "--max-iobps `fast`" },
		{ "--max-pids=-3", "--max-pids `-3`" },
		{ "--timeout=soon", "--timeout `soon` is not valid: a duration" },
		{ "--max-net=fast", "--max-net `fast` is not valid: bytes per second" },
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
		ck_assert_msg(strstr(joblet_error_message(err), bad[i].text), "%s: `%s`",
			      bad[i].flag, joblet_error_message(err));
	}
}
END_TEST

START_TEST(test_flags_daemon)
{
	char *argv[] = { "-s",
			 "TOKEN=abc",
			 "--secret-env=B=2",
			 "--priority=7",
			 "--name",
			 "nightly build",
			 "--schedule=90s",
			 "echo",
			 "hi",
			 NULL };
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
		{ "--priority=1001", "--priority" },	  { "--priority=-1", "--priority" },
		{ "--schedule=soon", "is not a time" },	  { "-s", "needs a value" },
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

START_TEST(test_validate_defaults)
{
	set_cmd();
	ck_assert_int_eq(validate(), 0);
	ck_assert_int_eq(spec->max_pids, cfg->default_max_pids);
	/* Every job's log has a cap: jobs.max_log (64 MiB built in) when it gives none. */
	ck_assert_int_eq(cfg->default_max_log, INT64_C(64) << 20);
	ck_assert_int_eq(spec->max_log_mib, 64);
	/* No user yet: joblet-shim gives each job a uid of its own. */
	ck_assert_int_eq(spec->uid, -1);
	ck_assert_int_eq(spec->gid, -1);
	ck_assert_str_eq(spec->workdir, "/work");
	ck_assert_int_eq(spec->network, JOBLET_NETWORK_NONE);
	ck_assert_ptr_null(spec->runtime_dir);
	ck_assert_int_eq(strlen(spec->id), 36);
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
	/* Unlimited defaults under unlimited ceilings: 0 (unlimited) after validation. */
	new_spec();
	cfg->default_max_cpu = cfg->default_max_memory = cfg->default_max_iobps = -1;
	cfg->default_timeout_s = -1;
	cfg->ceiling_memory = cfg->ceiling_timeout_s = -1;
	ck_assert_int_eq(validate(), 0);
	ck_assert_int_eq(spec->max_cpu, 0);
	ck_assert_int_eq(spec->max_memory_mib, 0);
	ck_assert_int_eq(spec->max_iobps, 0);
	ck_assert_int_eq(spec->timeout_s, 0);
}
END_TEST

/* The shipped defaults: finite memory, processes and time for a job that gives none. */
START_TEST(test_validate_shipped_limits)
{
	set_cmd();
	ck_assert_int_eq(validate(), 0);
	ck_assert_int_eq(spec->max_memory_mib, 512);
	ck_assert_int_eq(spec->max_pids, 1024);
	ck_assert_int_eq(spec->timeout_s, 3600);
	ck_assert_int_eq(spec->max_cpu, 0);
	ck_assert_int_eq(spec->max_iobps, 0);
	ck_assert_int_eq(jl_job_limits_check_config(cfg, NULL), 0);
}
END_TEST

/* The word `unlimited` asks for no limit (-1 until validation); 0 and absent: the default. */
START_TEST(test_flags_unlimited)
{
	ck_assert_int_eq(parse("--max-memory=unlimited", "--max-cpu", "unlimited",
			       "--timeout=unlimited", "--max-iobps=unlimited",
			       "--max-pids=unlimited", "--", "true", NULL),
			 0);
	ck_assert_int_eq(spec->max_memory_mib, JL_JOB_LIMIT_UNLIMITED);
	ck_assert_int_eq(spec->max_cpu, JL_JOB_LIMIT_UNLIMITED);
	ck_assert_int_eq(spec->timeout_s, JL_JOB_LIMIT_UNLIMITED);
	ck_assert_int_eq(spec->max_iobps, JL_JOB_LIMIT_UNLIMITED);
	ck_assert_int_eq(spec->max_pids, JL_JOB_LIMIT_UNLIMITED);
}
END_TEST

/* isolation.ceiling.*: a larger request, or no limit under a finite ceiling, is refused. */
START_TEST(test_validate_ceilings)
{
	set_cmd();
	cfg->ceiling_memory = INT64_C(2048) << 20;
	spec->max_memory_mib = 4096;
	assert_refused(
		JOBLET_E_INVALID,
		"max_memory 4096 MiB is above this node's ceiling isolation.ceiling.memory = 2048 MiB; ask for at most 2048 MiB");
	spec->max_memory_mib = 2048;
	ck_assert_int_eq(validate(), 0);
	new_spec();
	spec->max_memory_mib = JL_JOB_LIMIT_UNLIMITED;
	assert_refused(
		JOBLET_E_INVALID,
		"max_memory unlimited is above this node's ceiling isolation.ceiling.memory");
	/* Under a ceiling of unlimited, no limit is allowed: 0 after validation. */
	cfg->ceiling_memory = -1;
	ck_assert_int_eq(validate(), 0);
	ck_assert_int_eq(spec->max_memory_mib, 0);
	new_spec();
	spec->timeout_s = 2 * 86400;
	assert_refused(JOBLET_E_INVALID, "isolation.ceiling.timeout = 86400 s");
	spec->timeout_s = JL_JOB_LIMIT_UNLIMITED;
	assert_refused(JOBLET_E_INVALID, "timeout unlimited is above");
	spec->timeout_s = 0;
	spec->max_pids = 5000;
	assert_refused(JOBLET_E_INVALID, "isolation.ceiling.pids = 4096 processes");
	/* Processes always have a limit, also without a ceiling. */
	cfg->ceiling_pids = -1;
	spec->max_pids = JL_JOB_LIMIT_UNLIMITED;
	assert_refused(JOBLET_E_INVALID, "max_pids cannot be unlimited");
	spec->max_pids = 4194304;
	assert_refused(JOBLET_E_INVALID, "max_pids 4194304 is out of range: 1 to 32768");
	spec->max_pids = JL_JOB_MAX_PIDS;
	ck_assert_int_eq(validate(), 0);
	/* A --cpus job counts its cores against the CPU ceiling. */
	new_spec();
	cfg->ceiling_cpu = 100;
	spec->cpus = 2;
	assert_refused(JOBLET_E_INVALID, "max_cpu 200% is above this node's ceiling");
	/* /work and the log have ceilings too; the log never goes unlimited. */
	new_spec();
	cfg->ceiling_cpu = -1;
	spec->max_disk_mib = 16384;
	assert_refused(
		JOBLET_E_INVALID,
		"max_disk 16384 MiB is above this node's ceiling isolation.ceiling.disk = 8192 MiB");
	spec->max_disk_mib = JL_JOB_LIMIT_UNLIMITED;
	assert_refused(JOBLET_E_INVALID, "max_disk unlimited is above");
	spec->max_disk_mib = 0;
	spec->max_log_mib = 2048;
	assert_refused(JOBLET_E_INVALID, "isolation.ceiling.log = 1024 MiB");
	spec->max_log_mib = 0;
	ck_assert_int_eq(validate(), 0);
	ck_assert_int_eq(spec->max_disk_mib, 1024);
	ck_assert_int_eq(spec->max_log_mib, 64);
	/* A default above its ceiling is a configuration error. */
	cfg->default_max_memory = INT64_C(4096) << 20;
	cfg->ceiling_memory = INT64_C(2048) << 20;
	ck_assert_int_lt(jl_job_limits_check_config(cfg, &err), 0);
	ck_assert_int_eq(err->code, JOBLET_E_CONFIG);
	ck_assert_ptr_nonnull(
		strstr(joblet_error_message(err),
		       "isolation.max_memory (its value) is above isolation.ceiling.memory"));
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
	assert_refused(
		JOBLET_E_INVALID,
		"names CPUs that this node keeps for --cpus jobs (1, scheduler.reserve_cores); name CPUs from 0");
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

START_TEST(test_validate_limits)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	set_cmd();
	spec->max_cpu = -2;
	assert_refused(JOBLET_E_INVALID, "max_cpu -2% is out of range");
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
	spec->max_iobps = -2;
	assert_refused(JOBLET_E_INVALID, "max_iobps -2 is out of range");
	spec->max_iobps = 0;
	spec->max_pids = -2;
	assert_refused(JOBLET_E_INVALID, "max_pids -2 is out of range");
	spec->max_pids = 0;
	spec->max_log_mib = -1;
	assert_refused(JOBLET_E_INVALID, "max_log -1 MiB is out of range");
	spec->max_log_mib = (INT64_C(1) << 20) + 1;
	assert_refused(JOBLET_E_INVALID, "or 0 for the default (jobs.max_log, 64 MiB)");
	spec->max_log_mib = 1;
	ck_assert_int_eq(validate(), 0);
	ck_assert_int_eq(spec->max_log_mib, 1);
	spec->timeout_s = -2;
	assert_refused(JOBLET_E_INVALID, "timeout -2 s is out of range");
	spec->timeout_s = INT64_C(400) * 86400;
	assert_refused(JOBLET_E_INVALID, "a year");
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
	static const char *const bad_workdirs[] = { "work",    "/work/../etc", "/work/./x",
						    "/proc/1", "/sys",	       "/dev/shm" };
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
	ck_assert_int_eq(back->uid, -1);
	ck_assert_int_eq(back->network, JOBLET_NETWORK_NONE);
	jl_job_spec_free(back);
	free(json);
	ck_assert_int_lt(jl_job_spec_from_json("{\"argv\": 3}", &back, &err), 0);
	ck_assert_int_eq(err->code, JOBLET_E_PARSE);
	/* A spec the shim would run must name a command, and never root (its uid is the shim's). */
	ck_assert_int_lt(jl_job_spec_from_json("{\"id\": \"x\"}", &back, &err), 0);
	ck_assert_int_lt(jl_job_spec_from_json("{\"id\": \"x\", \"argv\": [\"true\"], \"gid\": 0}",
					       &back, &err),
			 0);
	ck_assert_int_lt(jl_job_spec_from_json("[1]", &back, &err), 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("job_spec");
	TCase *tc_flags = tcase_create("flags");
	TCase *tc_validate = tcase_create("validate");

	tcase_add_checked_fixture(tc_flags, setup, teardown);
	tcase_add_test(tc_flags, test_flags_all);
	tcase_add_test(tc_flags, test_flags_command_without_dashes);
	tcase_add_test(tc_flags, test_flags_refused);
	tcase_add_test(tc_flags, test_flags_unlimited);
	tcase_add_test(tc_flags, test_flags_daemon);
	tcase_add_test(tc_flags, test_flags_daemon_refused);
	suite_add_tcase(s, tc_flags);
	tcase_add_checked_fixture(tc_validate, setup, teardown);
	tcase_add_test(tc_validate, test_validate_defaults);
	tcase_add_test(tc_validate, test_validate_default_limits);
	tcase_add_test(tc_validate, test_validate_shipped_limits);
	tcase_add_test(tc_validate, test_validate_ceilings);
	tcase_add_test(tc_validate, test_validate_reserve_cores);
	tcase_add_test(tc_validate, test_validate_limits);
	tcase_add_test(tc_validate, test_validate_cpu_cores);
	tcase_add_test(tc_validate, test_validate_paths_and_env);
	tcase_add_test(tc_validate, test_validate_runtime);
	tcase_add_test(tc_validate, test_validate_uid);
	tcase_add_test(tc_validate, test_spec_json_round_trip);
	suite_add_tcase(s, tc_validate);
	return s;
}

int main(void)
{
	return jl_run_suite(suite());
}

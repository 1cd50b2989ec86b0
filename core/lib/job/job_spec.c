/*
 * job_spec.c - struct jl_job_spec: the flags of `rnx job run`,
 * validation against the configuration and the host, and spec.json.
 */
#include <config.h>

#include <ctype.h>
#include <json.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include "base/cron.h"
#include <joblet/job.h>

#include "base/cpuset.h"
#include "runtime/install_private.h"
#include "base/util.h"
#include "base/timefmt.h"
#include "config/config.h"
#include "job/job_spec.h"

/* Limits beyond which a value is a mistake, not a wish. */
#define MAX_TIMEOUT_S (366LL * 86400)
#define MAX_PIDS 4194304
#define MAX_IOBPS (INT64_C(1) << 40)
#define MAX_ARGS 4096
#define MAX_ENV 1024
#define JOBLET_MAX_CPUS JL_CPUSET_MAX

void jl_job_spec_free(struct jl_job_spec *s)
{
	if (!s)
		return;
	free(s->id);
	jl_strv_free(s->argv);
	jl_strv_free(s->env);
	free(s->cpu_cores);
	free(s->runtime);
	free(s->runtime_dir);
	jl_strv_free(s->uploads);
	free(s->workdir);
	if (s->secret_env)
		for (char **e = s->secret_env; *e; e++)
			explicit_bzero(*e, strlen(*e));
	jl_strv_free(s->secret_env);
	free(s->name);
	free(s->cron);
	free(s);
}

static int uuid4(char ret[37])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t b[16];
	size_t o = 0;

	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		return -1;
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			ret[o++] = '-';
		ret[o++] = hex[b[i] >> 4];
		ret[o++] = hex[b[i] & 15];
	}
	ret[o] = '\0';
	return 0;
}

int jl_job_spec_new(struct jl_job_spec **ret_spec, struct joblet_error **err)
{
	struct jl_job_spec *s = calloc(1, sizeof(*s));
	char id[37];

	if (!s || uuid4(id) < 0 || !(s->id = strdup(id))) {
		jl_job_spec_free(s);
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot create a job");
	}
	s->uid = s->gid = -1;
	s->argv = calloc(1, sizeof(char *));
	s->env = calloc(1, sizeof(char *));
	s->uploads = calloc(1, sizeof(char *));
	if (!s->argv || !s->env || !s->uploads) {
		jl_job_spec_free(s);
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot create a job");
	}
	*ret_spec = s;
	return 0;
}

static bool env_name_ok(const char *s, size_t n)
{
	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
			return false;
	return true;
}

/* A number of MiB: plain (MiB) or with a size unit (512MiB, 2GiB), rounded up. */
static int parse_mib(const char *v, int64_t *ret)
{
	int64_t n;

	if (jl_parse_int64(v, &n) == 0)
		return n < 0 ? -1 : (*ret = n, 0);
	if (jl_parse_size(v, &n) < 0)
		return -1;
	*ret = (n + (INT64_C(1) << 20) - 1) >> 20;
	return 0;
}

static int set_str(char **slot, const char *v, struct joblet_error **err)
{
	char *c = strdup(v);

	if (!c)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read the job's flags");
	free(*slot);
	*slot = c;
	return 0;
}

static int bad_flag(struct joblet_error **err, const char *flag, const char *v, const char *what)
{
	return joblet_error_set(err, JOBLET_E_INVALID, 0, "%s `%s` is not valid: %s", flag, v, what);
}

/* The job flags, all of which take a value. */
static const char *const with_value[] = { "--max-cpu",	  "--max-memory", "--max-iobps",
					  "--cpu-cores",  "--max-pids",	  "--timeout",
					  "--runtime",	  "-e",		  "--env",
					  "-s",		  "--secret-env", "--upload",
					  "--workdir",	  "--network",	  "--schedule",
					  "--priority",	  "--name",	  "--cpus",
					  "--cron" };

int jl_job_spec_flag_takes_value(const char *arg)
{
	size_t n = strcspn(arg, "=");

	if (arg[n] == '=')
		return 0;
	for (size_t k = 0; k < ELEMENTSOF(with_value); k++)
		if (strcmp(arg, with_value[k]) == 0)
			return 1;
	return 0;
}

int jl_job_spec_parse_args(struct jl_job_spec *spec, int argc, char **argv,
			       int *ret_consumed, struct joblet_error **err)
{

	int i = 0, r;

	while (i < argc) {
		const char *a = argv[i], *v = NULL, *eq;
		char flag[32];
		int64_t n;
		size_t k;

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0')
			break;
		eq = strchr(a, '=');
		if (eq && a[1] == '-') {
			snprintf(flag, sizeof(flag), "%.*s", (int)(eq - a), a);
			v = eq + 1;
		} else
			snprintf(flag, sizeof(flag), "%s", a);
		for (k = 0; k < ELEMENTSOF(with_value); k++)
			if (strcmp(flag, with_value[k]) == 0)
				break;
		if (k == ELEMENTSOF(with_value))
			return joblet_error_set(err, JOBLET_E_INVALID, 0,
						"unknown flag `%s`; the flags are --max-cpu, "
						"--max-memory, --max-iobps, --cpu-cores, --max-pids, "
						"--timeout, --runtime, -e/--env, -s/--secret-env, "
						"--upload, --workdir, --network, --schedule, --cron, "
						"--priority, --cpus, --name, then `--` and the command",
						a);
		if (!v) {
			if (i + 1 >= argc)
				return joblet_error_set(err, JOBLET_E_INVALID, 0, "flag `%s` needs a value",
							flag);
			v = argv[++i];
		}
		i++;
		if (strcmp(flag, "--max-cpu") == 0) {
			if (jl_parse_int64(v, &n) < 0 || n < 0)
				return bad_flag(err, flag, v, "a percentage of one core (100 = one core)");
			spec->max_cpu = n;
		} else if (strcmp(flag, "--max-memory") == 0) {
			if (parse_mib(v, &n) < 0)
				return bad_flag(err, flag, v, "MiB (512), or a size (2GiB)");
			spec->max_memory_mib = n;
		} else if (strcmp(flag, "--max-iobps") == 0) {
			if (jl_parse_size(v, &n) < 0)
				return bad_flag(err, flag, v, "bytes per second (10485760 or 10MiB)");
			spec->max_iobps = n;
		} else if (strcmp(flag, "--max-pids") == 0) {
			if (jl_parse_int64(v, &n) < 0 || n < 0)
				return bad_flag(err, flag, v, "a number of processes");
			spec->max_pids = n;
		} else if (strcmp(flag, "--timeout") == 0) {
			if (jl_parse_duration(v, &n) < 0)
				return bad_flag(err, flag, v, "a duration (90, 90s, 5m, 1h30m)");
			spec->timeout_s = n;
		} else if (strcmp(flag, "--cpu-cores") == 0) {
			if ((r = set_str(&spec->cpu_cores, v, err)) < 0)
				return r;
		} else if (strcmp(flag, "--runtime") == 0) {
			if ((r = set_str(&spec->runtime, v, err)) < 0)
				return r;
		} else if (strcmp(flag, "--workdir") == 0) {
			if ((r = set_str(&spec->workdir, v, err)) < 0)
				return r;
		} else if (strcmp(flag, "--network") == 0) {
			if (strcmp(v, "none") == 0)
				spec->network = JOBLET_NETWORK_NONE;
			else if (strcmp(v, "host") == 0)
				spec->network = JOBLET_NETWORK_HOST;
			else
				return bad_flag(err, flag, v, "none (loopback only) or host");
		} else if (strcmp(flag, "--upload") == 0) {
			if (jl_strv_push(&spec->uploads, v) < 0)
				return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read the flags");
		} else if (strcmp(flag, "--schedule") == 0) {
			struct timespec now;

			clock_gettime(CLOCK_REALTIME, &now);
			r = jl_schedule_parse(v, (int64_t)now.tv_sec * 1000000000 + now.tv_nsec,
						  &n, err);
			if (r < 0)
				return joblet_error_prefix(err, r, "--schedule");
			spec->schedule_ns = n;
		} else if (strcmp(flag, "--priority") == 0) {
			if (jl_parse_int64(v, &n) < 0 || n < 0 || n > 1000)
				return bad_flag(err, flag, v, "a whole number from 0 to 1000 (higher first)");
			spec->priority = n;
		} else if (strcmp(flag, "--name") == 0) {
			if ((r = set_str(&spec->name, v, err)) < 0)
				return r;
		} else if (strcmp(flag, "--cpus") == 0) {
			if (jl_parse_int64(v, &n) < 0 || n < 1 || n > JOBLET_MAX_CPUS)
				return bad_flag(err, flag, v, "a number of whole cores (1, 2, ...) for "
							      "the job alone");
			spec->cpus = n;
		} else if (strcmp(flag, "--cron") == 0) {
			if ((r = set_str(&spec->cron, v, err)) < 0)
				return r;
		} else if (strcmp(flag, "-s") == 0 || strcmp(flag, "--secret-env") == 0) {
			if (!strchr(v, '='))
				return bad_flag(err, flag, "...", "KEY=VALUE");
			if (jl_strv_push(&spec->secret_env, v) < 0)
				return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read the flags");
		} else { /* -e, --env */
			if (!strchr(v, '='))
				return bad_flag(err, flag, v, "KEY=VALUE");
			if (jl_strv_push(&spec->env, v) < 0)
				return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read the flags");
		}
	}
	for (int j = i; j < argc; j++)
		if (jl_strv_push(&spec->argv, argv[j]) < 0)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read the command");
	if (ret_consumed)
		*ret_consumed = argc;
	return 0;
}

/* Host memory in MiB (MemTotal), or -1. */
static int64_t host_memory_mib(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/meminfo", "re");
	char line[256];
	long long kb;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %lld kB", &kb) == 1)
			return kb / 1024;
	return -1;
}

/* KEY=VALUE entries with identifier names; `what` names the list in errors. */
static int check_env(char *const *env, const char *what, struct joblet_error **err)
{
	for (size_t i = 0; env && env[i]; i++) {
		const char *eq = strchr(env[i], '=');
		size_t klen = eq ? (size_t)(eq - env[i]) : strlen(env[i]);

		if (!eq || !env_name_ok(env[i], klen))
			return joblet_error_set(err, JOBLET_E_INVALID, 0,
						"%s `%.*s` is not a variable name: use letters, digits "
						"and `_`, not starting with a digit (KEY=VALUE)",
						what, (int)klen, env[i]);
		if (klen == strlen("JOBLET_JOB_ID") && strncmp(env[i], "JOBLET_JOB_ID", klen) == 0)
			return joblet_error_set(err, JOBLET_E_INVALID, 0,
						"%s JOBLET_JOB_ID is set by joblet; choose another name",
						what);
		if (strlen(eq + 1) > 32768)
			return joblet_error_set(err, JOBLET_E_INVALID, 0,
						"%s `%.*s` has a value longer than 32768 bytes", what,
						(int)klen, env[i]);
	}
	return 0;
}

static bool path_clean_absolute(const char *p)
{
	if (p[0] != '/' || strlen(p) > 1024)
		return false;
	for (const char *c = p; *c;) {
		size_t len = strcspn(c, "/");

		if ((len == 2 && c[0] == '.' && c[1] == '.') || (len == 1 && c[0] == '.'))
			return false;
		c += len;
		while (*c == '/')
			c++;
	}
	return true;
}

static bool under(const char *p, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(p, dir, n) == 0 && (p[n] == '/' || p[n] == '\0');
}

/*
 * scheduler.reserve_cores: the pinnable CPUs are for --cpus jobs alone.  A
 * job without pinning runs on the other CPUs; --cpu-cores may not name
 * pinnable ones.
 */
static int reserve_cores(const struct jl_config *cfg, struct jl_job_spec *s,
			 struct joblet_error **err)
{
	struct jl_cpuset rest, want, both;
	char list[256], have[256];
	int r;

	if (!cfg->reserve_cores || !cfg->pinnable_cores || !*cfg->pinnable_cores || s->cpus > 0)
		return 0;
	if ((r = jl_cpuset_online_except(cfg->pinnable_cores, &rest, err)) < 0)
		return r;
	/* jl_config_load() refuses this; CPUs may have gone offline since. */
	if (jl_cpuset_format(&rest, have, sizeof(have)) < 0 || !*have)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"scheduler.cores (%s) names every CPU of this host, so "
					"scheduler.reserve_cores leaves none for jobs without "
					"--cpus",
					cfg->pinnable_cores);
	if (!s->cpu_cores)
		return set_str(&s->cpu_cores, have, err);
	if ((r = jl_cpuset_parse(s->cpu_cores, &want, err)) < 0)
		return r;
	jl_cpuset_minus(&want, &rest, &both);
	if (jl_cpuset_count(&both) == 0)
		return 0;
	jl_cpuset_format(&both, list, sizeof(list));
	return joblet_error_set(err, JOBLET_E_INVALID, 0,
				"cpu_cores `%s` names CPUs that this node keeps for --cpus jobs "
				"(%s, scheduler.reserve_cores); name CPUs from %s, or ask for "
				"whole cores of your own with --cpus",
				s->cpu_cores, list, have);
}

int jl_job_spec_validate(const struct jl_config *cfg, struct jl_job_spec *s,
			     struct joblet_error **err)
{
	struct jl_cpuset online;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int64_t mem = host_memory_mib();
	size_t n;
	int r;

	if (!s->id || strlen(s->id) != 36 || strspn(s->id, "0123456789abcdef-") != 36)
		return joblet_error_set(err, JOBLET_E_INVALID, 0, "job id `%s` is not a UUID",
					s->id ? s->id : "");
	n = jl_strv_length(s->argv);
	if (n == 0)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"no command: give it after the flags (or after `--`)");
	if (n > MAX_ARGS)
		return joblet_error_set(err, JOBLET_E_INVALID, 0, "the command has more than %d "
								  "arguments",
					MAX_ARGS);
	if (!*s->argv[0])
		return joblet_error_set(err, JOBLET_E_INVALID, 0, "the command is an empty word");
	if (ncpu < 1)
		ncpu = 1;
	if (s->max_cpu < 0 || s->max_cpu > 100 * ncpu)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"max_cpu %lld%% is out of range: 0 (unlimited) to %ld (100 x "
					"this host's %ld CPUs)",
					(long long)s->max_cpu, 100 * ncpu, ncpu);
	if (s->max_memory_mib < 0 || (mem > 0 && s->max_memory_mib > mem))
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"max_memory %lld MiB is out of range: 0 (unlimited) to %lld "
					"(this host's memory)",
					(long long)s->max_memory_mib, (long long)mem);
	if (s->max_memory_mib > 0 && s->max_memory_mib < 4)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"max_memory %lld MiB is too small to start anything; give at "
					"least 4",
					(long long)s->max_memory_mib);
	if (s->max_iobps < 0 || s->max_iobps > MAX_IOBPS)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"max_iobps %lld is out of range: 0 (unlimited) to %lld",
					(long long)s->max_iobps, (long long)MAX_IOBPS);
	if (s->max_pids < 0 || s->max_pids > MAX_PIDS)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"max_pids %lld is out of range: 0 (the default, %lld) to %d",
					(long long)s->max_pids, (long long)cfg->default_max_pids,
					MAX_PIDS);
	if (s->max_pids == 0)
		s->max_pids = cfg->default_max_pids;
	if (s->timeout_s < 0 || s->timeout_s > MAX_TIMEOUT_S)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"timeout %lld s is out of range: 0 (none) to %lld s (a year)",
					(long long)s->timeout_s, MAX_TIMEOUT_S);
	if (s->cpu_cores) {
		struct jl_cpuset want, missing;
		char list[256];

		r = jl_cpuset_parse(s->cpu_cores, &want, err);
		if (r < 0)
			return joblet_error_prefix(err, r, "cpu_cores");
		r = jl_cpuset_online(&online, err);
		if (r < 0)
			return r;
		jl_cpuset_minus(&want, &online, &missing);
		if (jl_cpuset_count(&missing) > 0) {
			char have[256];

			jl_cpuset_format(&missing, list, sizeof(list));
			jl_cpuset_format(&online, have, sizeof(have));
			return joblet_error_set(err, JOBLET_E_INVALID, 0,
						"cpu_cores `%s` names CPUs this host does not have (%s); "
						"it has %s",
						s->cpu_cores, list, have);
		}
		/* Store the canonical form: cgroups get exactly this. */
		jl_cpuset_format(&want, list, sizeof(list));
		if ((r = set_str(&s->cpu_cores, list, err)) < 0)
			return r;
	}
	n = jl_strv_length(s->env) + jl_strv_length(s->secret_env);
	if (n > MAX_ENV)
		return joblet_error_set(err, JOBLET_E_INVALID, 0, "more than %d environment variables",
					MAX_ENV);
	if ((r = check_env(s->env, "env", err)) < 0 ||
	    (r = check_env(s->secret_env, "secret env", err)) < 0)
		return r;
	if (s->priority < 0 || s->priority > 1000)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"priority %lld is out of range: 0 to 1000 (higher first)",
					(long long)s->priority);
	if (s->name) {
		size_t len = strlen(s->name);

		if (len == 0 || len > 128)
			return joblet_error_set(err, JOBLET_E_INVALID, 0,
						"name must be 1 to 128 characters, not %zu", len);
		for (const char *c = s->name; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				return joblet_error_set(err, JOBLET_E_INVALID, 0,
							"name holds a control character; use "
							"printable text");
	}
	if (s->schedule_ns < 0)
		return joblet_error_set(err, JOBLET_E_INVALID, 0, "the schedule is before 1970");
	if (s->cpus < 0 || s->cpus > JOBLET_MAX_CPUS)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"cpus %lld is out of range: 1 to %d whole cores",
					(long long)s->cpus, JOBLET_MAX_CPUS);
	if (s->cpus > 0 && s->cpu_cores)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"--cpus and --cpu-cores exclude each other: --cpus=N lets "
					"the scheduler choose N cores for the job alone, "
					"--cpu-cores=LIST names cores that other jobs may share");
	if ((r = reserve_cores(cfg, s, err)) < 0)
		return r;
	/*
	 * The operator's limits for a job that gives none (isolation.max_*), at
	 * most what this host has.  A --cpus job's cores are its CPU limit.
	 */
	if (s->max_cpu == 0 && s->cpus == 0 && cfg->default_max_cpu > 0)
		s->max_cpu = cfg->default_max_cpu < 100 * ncpu ? cfg->default_max_cpu : 100 * ncpu;
	if (s->max_memory_mib == 0 && cfg->default_max_memory > 0) {
		s->max_memory_mib = cfg->default_max_memory >> 20;
		if (mem > 0 && s->max_memory_mib > mem)
			s->max_memory_mib = mem;
	}
	if (s->max_iobps == 0 && cfg->default_max_iobps > 0)
		s->max_iobps = cfg->default_max_iobps < MAX_IOBPS ? cfg->default_max_iobps : MAX_IOBPS;
	if (s->cron) {
		struct jl_cron c;

		if (s->schedule_ns)
			return joblet_error_set(err, JOBLET_E_INVALID, 0,
						"--cron and --schedule exclude each other: a cron "
						"job starts at every time its expression matches");
		if ((r = jl_cron_parse(s->cron, &c, err)) < 0)
			return r;
	}
	if (!s->workdir && (r = set_str(&s->workdir, "/work", err)) < 0)
		return r;
	if (!path_clean_absolute(s->workdir) || under(s->workdir, "/proc") ||
	    under(s->workdir, "/sys") || under(s->workdir, "/dev"))
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"workdir `%s` must be an absolute path without `.` or `..`, "
					"outside /proc, /sys and /dev (default /work)",
					s->workdir);
	for (char **u = s->uploads; u && *u; u++) {
		struct stat st;
		const char *base = strrchr(*u, '/');

		base = base ? base + 1 : *u;
		if (lstat(*u, &st) < 0)
			return joblet_error_set(err, JOBLET_E_NOT_FOUND, errno, "upload `%s`", *u);
		if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
			return joblet_error_set(err, JOBLET_E_INVALID, 0,
						"upload `%s` is neither a file nor a folder", *u);
		if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
			return joblet_error_set(err, JOBLET_E_INVALID, 0,
						"upload `%s` has no name to give it in /work; name the "
						"file or folder itself",
						*u);
	}
	if (s->uid < 0)
		s->uid = cfg->job_uid;
	if (s->gid < 0)
		s->gid = cfg->job_gid;
	if (s->uid == 0 || s->gid == 0 || s->uid > 4294967294LL || s->gid > 4294967294LL)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"jobs never run as root: uid/gid %lld/%lld must be 1 to "
					"4294967294",
					(long long)s->uid, (long long)s->gid);
	if (s->network == 0)
		s->network = JOBLET_NETWORK_NONE;
	if (s->network != JOBLET_NETWORK_NONE && s->network != JOBLET_NETWORK_HOST)
		return joblet_error_set(err, JOBLET_E_INVALID, 0, "network mode %d is unknown",
					s->network);
	free(s->runtime_dir);
	s->runtime_dir = NULL;
	if (s->runtime) {
		r = jl_runtime_resolve(cfg, s->runtime, &s->runtime_dir, NULL, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ------------------------------------------------------------------ JSON */

static json_object *strv_json(char *const *v)
{
	json_object *a = json_object_new_array();

	for (; a && v && *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

static json_object *opt_str(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

int jl_job_spec_to_json(const struct jl_job_spec *s, char **ret_json,
			    struct joblet_error **err)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "id", opt_str(s->id));
	json_object_object_add(o, "argv", strv_json(s->argv));
	json_object_object_add(o, "env", strv_json(s->env));
	json_object_object_add(o, "max_cpu", json_object_new_int64(s->max_cpu));
	json_object_object_add(o, "max_memory_mib", json_object_new_int64(s->max_memory_mib));
	json_object_object_add(o, "max_iobps", json_object_new_int64(s->max_iobps));
	json_object_object_add(o, "max_pids", json_object_new_int64(s->max_pids));
	json_object_object_add(o, "timeout_s", json_object_new_int64(s->timeout_s));
	json_object_object_add(o, "cpu_cores", opt_str(s->cpu_cores));
	json_object_object_add(o, "runtime", opt_str(s->runtime));
	json_object_object_add(o, "runtime_dir", opt_str(s->runtime_dir));
	json_object_object_add(o, "uploads", strv_json(s->uploads));
	json_object_object_add(o, "workdir", opt_str(s->workdir));
	json_object_object_add(o, "uid", json_object_new_int64(s->uid));
	json_object_object_add(o, "gid", json_object_new_int64(s->gid));
	json_object_object_add(o, "network",
			       json_object_new_string(s->network == JOBLET_NETWORK_HOST ? "host" : "none"));
	json_object_object_add(o, "secret_env", strv_json(s->secret_env));
	json_object_object_add(o, "name", opt_str(s->name));
	json_object_object_add(o, "priority", json_object_new_int64(s->priority));
	json_object_object_add(o, "schedule_ns", json_object_new_int64(s->schedule_ns));
	json_object_object_add(o, "cpus", json_object_new_int64(s->cpus));
	json_object_object_add(o, "cron", opt_str(s->cron));
	return jl_json_finish(o, ret_json, err);
}

static int get_strv(json_object *o, const char *key, char ***ret)
{
	json_object *a;

	jl_strv_free(*ret);
	*ret = calloc(1, sizeof(char *));
	if (!*ret)
		return -1;
	if (!json_object_object_get_ex(o, key, &a) || json_object_is_type(a, json_type_null))
		return 0;
	if (!json_object_is_type(a, json_type_array))
		return -1;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *v = json_object_array_get_idx(a, i);

		if (!json_object_is_type(v, json_type_string) ||
		    jl_strv_push(ret, json_object_get_string(v)) < 0)
			return -1;
	}
	return 0;
}

static int get_str(json_object *o, const char *key, char **ret)
{
	json_object *v;

	free(*ret);
	*ret = NULL;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -1;
	*ret = strdup(json_object_get_string(v));
	return *ret ? 0 : -1;
}

static int64_t get_int(json_object *o, const char *key, int64_t def)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_int)
		       ? json_object_get_int64(v)
		       : def;
}

int jl_job_spec_from_json(const char *json, struct jl_job_spec **ret_spec,
			      struct joblet_error **err)
{
	json_object *o = json_tokener_parse(json), *net;
	struct jl_job_spec *s = calloc(1, sizeof(*s));

	if (!s)
		goto oom;
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		jl_job_spec_free(s);
		return joblet_error_set(err, JOBLET_E_PARSE, 0, "the job spec is not a JSON object");
	}
	if (get_str(o, "id", &s->id) < 0 || get_strv(o, "argv", &s->argv) < 0 ||
	    get_strv(o, "env", &s->env) < 0 || get_str(o, "cpu_cores", &s->cpu_cores) < 0 ||
	    get_str(o, "runtime", &s->runtime) < 0 || get_str(o, "runtime_dir", &s->runtime_dir) < 0 ||
	    get_strv(o, "uploads", &s->uploads) < 0 || get_str(o, "workdir", &s->workdir) < 0 ||
	    get_strv(o, "secret_env", &s->secret_env) < 0 || get_str(o, "name", &s->name) < 0 ||
	    get_str(o, "cron", &s->cron) < 0) {
		json_object_put(o);
		jl_job_spec_free(s);
		return joblet_error_set(err, JOBLET_E_PARSE, 0, "the job spec has fields of the wrong "
								"type");
	}
	s->max_cpu = get_int(o, "max_cpu", 0);
	s->max_memory_mib = get_int(o, "max_memory_mib", 0);
	s->max_iobps = get_int(o, "max_iobps", 0);
	s->max_pids = get_int(o, "max_pids", 0);
	s->timeout_s = get_int(o, "timeout_s", 0);
	s->uid = get_int(o, "uid", -1);
	s->gid = get_int(o, "gid", -1);
	s->priority = get_int(o, "priority", 0);
	s->schedule_ns = get_int(o, "schedule_ns", 0);
	s->cpus = get_int(o, "cpus", 0);
	s->network = json_object_object_get_ex(o, "network", &net) &&
				     json_object_is_type(net, json_type_string) &&
				     strcmp(json_object_get_string(net), "host") == 0
			     ? JOBLET_NETWORK_HOST
			     : JOBLET_NETWORK_NONE;
	json_object_put(o);
	/* The shim runs what this says: a spec without a command or a user is refused. */
	if (!s->id || !s->argv || !s->argv[0] || s->uid <= 0 || s->gid <= 0) {
		jl_job_spec_free(s);
		return joblet_error_set(err, JOBLET_E_PARSE, 0,
					"the job spec lacks its id, command or user (uid, gid)");
	}
	*ret_spec = s;
	return 0;
oom:
	json_object_put(o);
	return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read the job spec");
}

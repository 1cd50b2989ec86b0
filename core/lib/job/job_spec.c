/*
 * job_spec.c - struct jl_job_spec: making and freeing one, and checking it
 * against the configuration and the host.  Its flags and JSON views are
 * driven by the field table of job_schema.c.
 */
#include <config.h>

#include <ctype.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "base/cron.h"
#include <joblet/job.h>

#include "base/cpuset.h"
#include "base/ipv4.h"
#include "base/util.h"
#include "config/config.h"
#include "job/job_spec.h"
#include "job/volume_ref.h"
#include "runtime/install_private.h"

/* Limits beyond which a value is a mistake, not a wish. */
#define MAX_TIMEOUT_S	(366LL * 86400)
#define MAX_IOBPS	(INT64_C(1) << 40)
#define MAX_DISK_MIB	(INT64_C(1) << 30) /* 1 PiB */
#define MIN_DISK_MIB	4
#define MAX_LOG_MIB	(INT64_C(1) << 20) /* 1 TiB */
#define MAX_ARGS	4096
#define MAX_ENV		1024
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
	free(s->network_name);
	jl_strv_free(s->allow);
	jl_job_net_free(s->net);
	jl_strv_free(s->volumes);
	jl_strv_free(s->volume_paths);
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

int jl_job_spec_set_str(char **slot, const char *v, struct joblet_error **err)
{
	char *c = strdup(v);

	if (!c)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read the job's flags");
	free(*slot);
	*slot = c;
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

/* ------------------------------------------------------------------ validation */

/*
 * A spec being checked: jl_job_spec_validate() runs the steps below in
 * order, and the first that refuses says why.
 */
struct validation {
	const struct jl_config *cfg;
	struct jl_job_spec *s;
	long ncpu;	 /* online CPUs, at least 1 */
	int64_t mem_mib; /* the host's memory, or -1 when unknown */
};

/* KEY=VALUE entries with identifier names; `what` names the list in errors. */
static int check_env(char *const *env, const char *what, struct joblet_error **err)
{
	for (size_t i = 0; env && env[i]; i++) {
		const char *eq = strchr(env[i], '=');
		size_t klen = eq ? (size_t)(eq - env[i]) : strlen(env[i]);

		if (!eq || !env_name_ok(env[i], klen))
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"%s `%.*s` is not a variable name: use letters, digits and `_`, not starting with a digit (KEY=VALUE)",
				what, (int)klen, env[i]);
		if (klen == strlen("JOBLET_JOB_ID") && strncmp(env[i], "JOBLET_JOB_ID", klen) == 0)
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"%s JOBLET_JOB_ID is set by joblet; choose another name", what);
		if (strlen(eq + 1) > 32768)
			return joblet_error_set(err, JOBLET_E_INVALID, 0,
						"%s `%.*s` has a value longer than 32768 bytes",
						what, (int)klen, env[i]);
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

static int check_command(struct validation *v, struct joblet_error **err)
{
	const struct jl_job_spec *s = v->s;
	size_t n = jl_strv_length(s->argv);

	if (!s->id || strlen(s->id) != 36 || strspn(s->id, "0123456789abcdef-") != 36)
		return joblet_error_set(err, JOBLET_E_INVALID, 0, "job id `%s` is not a UUID",
					s->id ? s->id : "");
	if (n == 0)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"no command: give it after the flags (or after `--`)");
	if (n > MAX_ARGS)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"the command has more than %d arguments", MAX_ARGS);
	if (!*s->argv[0])
		return joblet_error_set(err, JOBLET_E_INVALID, 0, "the command is an empty word");
	return 0;
}

/*
 * max_log: 0 is the configured default (jobs.max_log), which is always
 * finite: a job's log never grows without bound, so there is no
 * `unlimited`.  The default and isolation.ceiling.log are applied with the
 * other limits (job_limits.c).
 */
static int check_log(struct validation *v, struct joblet_error **err)
{
	struct jl_job_spec *s = v->s;

	if (s->max_log_mib < 0 || s->max_log_mib > MAX_LOG_MIB)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"max_log %lld MiB is out of range: 1 to %lld, or 0 for the default (jobs.max_log, %lld MiB)",
			(long long)s->max_log_mib, (long long)MAX_LOG_MIB,
			(long long)(v->cfg->default_max_log >> 20));
	return 0;
}

/*
 * max_cpu, max_memory, max_disk, max_iobps, max_pids, timeout, max_log:
 * what this host can give.  0 = the configured default, -1 = unlimited
 * (apply_limits() then checks the ceilings).
 */
static int check_limits(struct validation *v, struct joblet_error **err)
{
	struct jl_job_spec *s = v->s;

	if (s->max_cpu < -1 || s->max_cpu > 100 * v->ncpu)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"max_cpu %lld%% is out of range: 1 to %ld (100 x this host's %ld CPUs), 0 (the default) or -1 (unlimited)",
			(long long)s->max_cpu, 100 * v->ncpu, v->ncpu);
	if (s->max_memory_mib < -1 || (v->mem_mib > 0 && s->max_memory_mib > v->mem_mib))
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"max_memory %lld MiB is out of range: 4 to %lld (this host's memory), 0 (the default) or -1 (unlimited)",
			(long long)s->max_memory_mib, (long long)v->mem_mib);
	if (s->max_memory_mib > 0 && s->max_memory_mib < 4)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"max_memory %lld MiB is too small to start anything; give at least 4",
			(long long)s->max_memory_mib);
	if (s->max_disk_mib < -1 || s->max_disk_mib > MAX_DISK_MIB ||
	    (s->max_disk_mib > 0 && s->max_disk_mib < MIN_DISK_MIB))
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"max_disk %lld MiB is out of range: %d to %lld, 0 (the default) or -1 (unlimited)",
			(long long)s->max_disk_mib, MIN_DISK_MIB, (long long)MAX_DISK_MIB);
	if (s->max_iobps < -1 || s->max_iobps > MAX_IOBPS)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"max_iobps %lld is out of range: 1 to %lld, 0 (the default) or -1 (unlimited)",
			(long long)s->max_iobps, (long long)MAX_IOBPS);
	if (s->max_pids < -1 || s->max_pids > JL_JOB_MAX_PIDS)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"max_pids %lld is out of range: 1 to %d, or 0 (the default, %lld)",
			(long long)s->max_pids, JL_JOB_MAX_PIDS,
			(long long)v->cfg->default_max_pids);
	if (s->timeout_s < -1 || s->timeout_s > MAX_TIMEOUT_S)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"timeout %lld s is out of range: 1 to %lld s (a year), 0 (the default) or -1 (none)",
			(long long)s->timeout_s, MAX_TIMEOUT_S);
	return check_log(v, err);
}

/* cpu_cores: CPUs this host has, kept in the canonical form that cgroups get. */
static int check_cpu_cores(struct validation *v, struct joblet_error **err)
{
	struct jl_job_spec *s = v->s;
	struct jl_cpuset want, online, missing;
	char list[256], have[256];
	int r;

	if (!s->cpu_cores)
		return 0;
	if ((r = jl_cpuset_parse(s->cpu_cores, &want, err)) < 0)
		return joblet_error_prefix(err, r, "cpu_cores");
	if ((r = jl_cpuset_online(&online, err)) < 0)
		return r;
	jl_cpuset_minus(&want, &online, &missing);
	if (jl_cpuset_count(&missing) > 0) {
		/* A list too long for the buffer is cut short: this only words the refusal. */
		(void)jl_cpuset_format(&missing, list, sizeof(list));
		(void)jl_cpuset_format(&online, have, sizeof(have));
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"cpu_cores `%s` names CPUs this host does not have (%s); it has %s",
			s->cpu_cores, list, have);
	}
	/*
	 * Store the canonical form: cgroups get exactly this.  A list too long
	 * to write here stays as given: it parsed, so cgroups read it as well.
	 */
	if (jl_cpuset_format(&want, list, sizeof(list)) < 0)
		return 0;
	return jl_job_spec_set_str(&s->cpu_cores, list, err);
}

static int check_envs(struct validation *v, struct joblet_error **err)
{
	const struct jl_job_spec *s = v->s;
	int r;

	if (jl_strv_length(s->env) + jl_strv_length(s->secret_env) > MAX_ENV)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"more than %d environment variables", MAX_ENV);
	if ((r = check_env(s->env, "env", err)) < 0)
		return r;
	return check_env(s->secret_env, "secret env", err);
}

/* priority, name and the schedule: what the scheduler and people read. */
static int check_labels(struct validation *v, struct joblet_error **err)
{
	const struct jl_job_spec *s = v->s;
	size_t len = s->name ? strlen(s->name) : 0;

	if (s->priority < 0 || s->priority > 1000)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"priority %lld is out of range: 0 to 1000 (higher first)",
					(long long)s->priority);
	if (s->name && (len == 0 || len > 128))
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"name must be 1 to 128 characters, not %zu", len);
	for (const char *c = s->name; c && *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"name holds a control character; use printable text");
	if (s->schedule_ns < 0)
		return joblet_error_set(err, JOBLET_E_INVALID, 0, "the schedule is before 1970");
	return 0;
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
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"scheduler.cores (%s) names every CPU of this host, so scheduler.reserve_cores leaves none for jobs without --cpus",
			cfg->pinnable_cores);
	if (!s->cpu_cores)
		return jl_job_spec_set_str(&s->cpu_cores, have, err);
	if ((r = jl_cpuset_parse(s->cpu_cores, &want, err)) < 0)
		return r;
	jl_cpuset_minus(&want, &rest, &both);
	if (jl_cpuset_count(&both) == 0)
		return 0;
	/* A list too long for the buffer is cut short: this only words the refusal. */
	(void)jl_cpuset_format(&both, list, sizeof(list));
	return joblet_error_set(
		err, JOBLET_E_INVALID, 0,
		"cpu_cores `%s` names CPUs that this node keeps for --cpus jobs (%s, scheduler.reserve_cores); name CPUs from %s, or ask for whole cores of your own with --cpus",
		s->cpu_cores, list, have);
}

/* cpus: whole cores for the job alone, which excludes naming cores; then reserve_cores. */
static int check_cpus(struct validation *v, struct joblet_error **err)
{
	struct jl_job_spec *s = v->s;

	if (s->cpus < 0 || s->cpus > JOBLET_MAX_CPUS)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"cpus %lld is out of range: 1 to %d whole cores",
					(long long)s->cpus, JOBLET_MAX_CPUS);
	if (s->cpus > 0 && s->cpu_cores)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"--cpus and --cpu-cores exclude each other: --cpus=N lets the scheduler choose N cores for the job alone, --cpu-cores=LIST names cores that other jobs may share");
	return reserve_cores(v->cfg, s, err);
}

/*
 * The operator's defaults for limits a job gives none of, and its ceilings
 * (job_limits.c); a default is at most what this host has.  A --cpus
 * job's cores are its CPU limit.
 */
static int apply_limits(struct validation *v, struct joblet_error **err)
{
	struct jl_job_spec *s = v->s;
	int r = jl_job_limits_apply(v->cfg, s, err);

	if (r < 0)
		return r;
	if (s->max_cpu > 100 * v->ncpu)
		s->max_cpu = 100 * v->ncpu;
	if (v->mem_mib > 0 && s->max_memory_mib > v->mem_mib)
		s->max_memory_mib = v->mem_mib;
	if (s->max_iobps > MAX_IOBPS)
		s->max_iobps = MAX_IOBPS;
	return 0;
}

static int check_cron(struct validation *v, struct joblet_error **err)
{
	const struct jl_job_spec *s = v->s;
	struct jl_cron c;

	if (!s->cron)
		return 0;
	if (s->schedule_ns)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"--cron and --schedule exclude each other: a cron job starts at every time its expression matches");
	return jl_cron_parse(s->cron, &c, err);
}

static int check_workdir(struct validation *v, struct joblet_error **err)
{
	struct jl_job_spec *s = v->s;
	int r;

	if (!s->workdir && (r = jl_job_spec_set_str(&s->workdir, "/work", err)) < 0)
		return r;
	if (!path_clean_absolute(s->workdir) || under(s->workdir, "/proc") ||
	    under(s->workdir, "/sys") || under(s->workdir, "/dev"))
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"workdir `%s` must be an absolute path without `.` or `..`, outside /proc, /sys and /dev (default /work)",
			s->workdir);
	return 0;
}

/* Uploads (host paths): files or folders that exist, with a name to give them in /work. */
static int check_uploads(struct validation *v, struct joblet_error **err)
{
	for (char **u = v->s->uploads; u && *u; u++) {
		struct stat st;
		const char *base = strrchr(*u, '/');

		base = base ? base + 1 : *u;
		if (lstat(*u, &st) < 0)
			return joblet_error_set(err, JOBLET_E_NOT_FOUND, errno, "upload `%s`", *u);
		if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
			return joblet_error_set(err, JOBLET_E_INVALID, 0,
						"upload `%s` is neither a file nor a folder", *u);
		if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"upload `%s` has no name to give it in /work; name the file or folder itself",
				*u);
	}
	return 0;
}

/*
 * The job's user: none yet (-1), as a request never names one; joblet-shim
 * gives the job a uid and gid of its own from isolation.uid_range when it
 * starts.  One set anyway (a spec file) is never root.
 */
static int check_user(struct validation *v, struct joblet_error **err)
{
	struct jl_job_spec *s = v->s;

	if (s->uid == 0 || s->gid == 0 || s->uid > 4294967294LL || s->gid > 4294967294LL)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"jobs never run as root: uid/gid %lld/%lld must be 1 to 4294967294",
			(long long)s->uid, (long long)s->gid);
	return 0;
}

int32_t jl_job_network_mode(const char *name)
{
	if (!name || strcmp(name, "none") == 0)
		return JOBLET_NETWORK_NONE;
	if (strcmp(name, "host") == 0)
		return JOBLET_NETWORK_HOST;
	return JOBLET_NETWORK_BRIDGE;
}

int jl_network_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	return n >= 1 && n <= 63 &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") ==
		       n;
}

/* The network by name, its allow-list and rate: they need a network of the job's own. */
static int check_network(struct validation *v, struct joblet_error **err)
{
	struct jl_job_spec *s = v->s;
	uint32_t a, p, lo, hi;

	if (s->network_name && !jl_network_name_valid(s->network_name))
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"network `%s` is not a network name: none, host, bridge, isolated, or the name of a network of `rnx network list` (1 to 63 of a-z, A-Z, 0-9, -, _)",
			s->network_name);
	s->network = jl_job_network_mode(s->network_name);
	for (char **e = s->allow; e && *e; e++)
		if (jl_ipv4_allow_parse(*e, &a, &p, &lo, &hi) < 0)
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"--allow `%s` is not valid: give CIDR[:PORT[-PORT]] with an IPv4 block written as its first address (10.1.0.0/16, 1.2.3.4, 1.2.3.4:443, 10.0.0.0/8:8000-8080)",
				*e);
	if (s->network != JOBLET_NETWORK_BRIDGE && ((s->allow && s->allow[0]) || s->max_net_bps))
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"--allow and --max-net apply to a job on a network (--network=bridge, isolated or a network's name), not to --network=%s",
			s->network_name ? s->network_name : "none");
	if (s->max_net_bps < 0)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"--max-net must be a positive rate, not %lld",
					(long long)s->max_net_bps);
	return 0;
}

/*
 * Volumes: NAME or NAME:ro, each named once, at most JL_JOB_MAX_VOLUMES;
 * whether they exist and the caller may use them is the daemon's to say
 * (it writes their host folders, volume_paths, into spec.json).
 */
static int check_volumes(struct validation *v, struct joblet_error **err)
{
	struct jl_job_spec *s = v->s;
	size_t n = 0, np = 0;

	for (char **a = s->volumes; a && *a; a++, n++) {
		char name[JL_VOLUME_NAME_MAX + 1], other[JL_VOLUME_NAME_MAX + 1];
		int32_t ro;
		int r;

		if ((r = jl_volume_ref_parse(*a, name, &ro, err)) < 0)
			return r;
		for (char **b = s->volumes; b != a; b++)
			if (jl_volume_ref_parse(*b, other, &ro, NULL) == 0 &&
			    strcmp(name, other) == 0)
				return joblet_error_set(
					err, JOBLET_E_INVALID, 0,
					"volume `%s` is given twice; mount each volume once (NAME or NAME:ro)",
					name);
	}
	if (n > JL_JOB_MAX_VOLUMES)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"a job may mount at most %d volumes, and %zu are given",
					JL_JOB_MAX_VOLUMES, n);
	for (char **p = s->volume_paths; p && *p; p++, np++)
		if (**p != '/')
			return joblet_error_set(err, JOBLET_E_INVALID, 0,
						"volume folder `%s` is not an absolute path", *p);
	if (np != 0 && np != n)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"the job names %zu volumes and %zu volume folders", n, np);
	return 0;
}

/* The installed runtime folder it names (no version: the highest installed). */
static int resolve_runtime(struct validation *v, struct joblet_error **err)
{
	struct jl_job_spec *s = v->s;

	free(s->runtime_dir);
	s->runtime_dir = NULL;
	if (!s->runtime)
		return 0;
	return jl_runtime_resolve(v->cfg, s->runtime, &s->runtime_dir, NULL, err);
}

int jl_job_spec_validate(const struct jl_config *cfg, struct jl_job_spec *s,
			 struct joblet_error **err)
{
	static int (*const steps[])(struct validation * v, struct joblet_error * *err) = {
		check_command, check_limits,  check_cpu_cores, check_envs,    check_labels,
		check_cpus,    apply_limits,  check_cron,      check_workdir, check_uploads,
		check_user,    check_network, resolve_runtime, check_volumes,
	};
	struct validation v = { cfg, s, sysconf(_SC_NPROCESSORS_ONLN), host_memory_mib() };
	int r;

	if (v.ncpu < 1)
		v.ncpu = 1;
	for (size_t i = 0; i < ELEMENTSOF(steps); i++)
		if ((r = steps[i](&v, err)) < 0)
			return r;
	return 0;
}

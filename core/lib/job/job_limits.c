/*
 * job_limits.c - defaults and ceilings of a job's limits (job_limits.h).
 *
 * To add a limit: its member in struct jl_job_spec (and its row in
 * job_schema.c), its default and ceiling in struct jl_config with their
 * keys in config.c, and one row in the table below.
 */
#include <config.h>

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "base/util.h"
#include "job/job_limits.h"
#include "job/job_spec.h"

#define SPEC(member) offsetof(struct jl_job_spec, member)
#define CFG(member)  offsetof(struct jl_config, member)

/* One limit: where the job asks for it, its default and its ceiling. */
struct job_limit {
	const char *name;	 /* isolation.ceiling.<name> */
	const char *field;	 /* the job's field, for messages: max_memory */
	const char *default_key; /* its default in joblet.yml */
	size_t spec;		 /* int64_t in struct jl_job_spec */
	size_t dflt, ceiling;	 /* int64_t in struct jl_config; -1 = unlimited */
	int64_t scale;		 /* config units in one job unit (bytes in a MiB) */
	const char *unit;	 /* after a number in messages */
	int64_t hard_max;	 /* > 0: never more, and never unlimited */
};

static const struct job_limit limits[] = {
	{ "memory", "max_memory", "isolation.max_memory", SPEC(max_memory_mib),
	  CFG(default_max_memory), CFG(ceiling_memory), INT64_C(1) << 20, " MiB", 0 },
	{ "cpu", "max_cpu", "isolation.max_cpu", SPEC(max_cpu), CFG(default_max_cpu),
	  CFG(ceiling_cpu), 1, "%", 0 },
	{ "iobps", "max_iobps", "isolation.max_iobps", SPEC(max_iobps), CFG(default_max_iobps),
	  CFG(ceiling_iobps), 1, " bytes/s", 0 },
	{ "pids", "max_pids", "isolation.max_pids", SPEC(max_pids), CFG(default_max_pids),
	  CFG(ceiling_pids), 1, " processes", JL_JOB_MAX_PIDS },
	{ "timeout", "timeout", "isolation.timeout", SPEC(timeout_s), CFG(default_timeout_s),
	  CFG(ceiling_timeout_s), 1, " s", 0 },
	{ "disk", "max_disk", "isolation.max_disk", SPEC(max_disk_mib), CFG(default_max_disk),
	  CFG(ceiling_disk), INT64_C(1) << 20, " MiB", 0 },
	{ "log", "max_log", "jobs.max_log", SPEC(max_log_mib), CFG(default_max_log),
	  CFG(ceiling_log), INT64_C(1) << 20, " MiB", INT64_C(1) << 20 },
};

/* A value of cfg in the job's unit; -1 stays -1 (unlimited). */
static int64_t cfg_value(const struct jl_config *cfg, size_t offset, int64_t scale)
{
	int64_t v = *(const int64_t *)((const char *)cfg + offset);

	return v < 0 ? -1 : v / scale;
}

int jl_job_limits_check_config(const struct jl_config *cfg, struct joblet_error **err)
{
	for (size_t i = 0; i < ELEMENTSOF(limits); i++) {
		const struct job_limit *l = &limits[i];
		int64_t d = cfg_value(cfg, l->dflt, l->scale);
		int64_t c = cfg_value(cfg, l->ceiling, l->scale);

		if (l->hard_max > 0 && d > l->hard_max)
			return joblet_error_set(
				err, JOBLET_E_CONFIG, 0,
				"%s: %s (%lld) is above the most any job may have, %lld%s; lower it",
				cfg->source ? cfg->source : "the configuration", l->default_key,
				(long long)d, (long long)l->hard_max, l->unit);
		if (c < 0 || (d >= 0 && d <= c))
			continue;
		return joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"%s: %s (%s) is above isolation.ceiling.%s (%lld%s): every job that gives no %s would be refused; lower the one or raise the other",
			cfg->source ? cfg->source : "the configuration", l->default_key,
			d < 0 ? "unlimited" : "its value", l->name, (long long)c, l->unit,
			l->field);
	}
	return 0;
}

/* The ceiling refuses v (a request, or the default when asked is 0). */
static int over_ceiling(const struct job_limit *l, int64_t v, int64_t ceiling, bool asked,
			struct joblet_error **err)
{
	char what[64];

	if (v < 0)
		snprintf(what, sizeof(what), "unlimited");
	else
		snprintf(what, sizeof(what), "%lld%s", (long long)v, l->unit);
	if (!asked)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"the default %s (%s) is above this node's ceiling isolation.ceiling.%s = %lld%s; the operator must lower the one or raise the other",
			l->default_key, what, l->name, (long long)ceiling, l->unit);
	return joblet_error_set(
		err, JOBLET_E_INVALID, 0,
		"%s %s is above this node's ceiling isolation.ceiling.%s = %lld%s; ask for at most %lld%s, or ask the operator to raise the ceiling",
		l->field, what, l->name, (long long)ceiling, l->unit, (long long)ceiling, l->unit);
}

/* One limit of s: its default, its ceiling, its hard maximum. */
static int apply_one(const struct job_limit *l, const struct jl_config *cfg, struct jl_job_spec *s,
		     struct joblet_error **err)
{
	int64_t *v = (int64_t *)((char *)s + l->spec);
	int64_t ceiling = cfg_value(cfg, l->ceiling, l->scale);
	bool asked = *v != 0;

	/* A --cpus job without --max-cpu: its N cores are its CPU limit (N x 100%). */
	if (l->spec == SPEC(max_cpu) && s->cpus > 0 && !asked) {
		if (ceiling >= 0 && s->cpus * 100 > ceiling)
			return over_ceiling(l, s->cpus * 100, ceiling, true, err);
		return 0;
	}
	if (!asked)
		*v = cfg_value(cfg, l->dflt, l->scale);
	if (*v < 0 && l->hard_max > 0)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"%s cannot be unlimited: every job has a limit of at most %lld%s; ask for a number",
			l->field, (long long)l->hard_max, l->unit);
	if (ceiling >= 0 && (*v < 0 || *v > ceiling))
		return over_ceiling(l, *v, ceiling, asked, err);
	if (l->hard_max > 0 && *v > l->hard_max)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"%s %lld is above the most any job may have, %lld%s",
					l->field, (long long)*v, (long long)l->hard_max, l->unit);
	if (*v < 0)
		*v = 0;
	return 0;
}

int jl_job_limits_apply(const struct jl_config *cfg, struct jl_job_spec *s,
			struct joblet_error **err)
{
	for (size_t i = 0; i < ELEMENTSOF(limits); i++) {
		int r = apply_one(&limits[i], cfg, s, err);

		if (r < 0)
			return r;
	}
	return 0;
}

int jl_oom_score_adj_set(int32_t pid, int32_t value, struct joblet_error **err)
{
	char path[64], v[16];
	int fd, n, saved;
	ssize_t w;

	if (pid > 0)
		snprintf(path, sizeof(path), "/proc/%ld/oom_score_adj", (long)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/oom_score_adj");
	n = snprintf(v, sizeof(v), "%d", (int)value);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot open `%s`", path);
	w = write(fd, v, (size_t)n);
	saved = errno;
	close(fd);
	if (w != n)
		return joblet_error_set(err, JOBLET_E_SYSTEM, saved, "cannot write %s to `%s`", v,
					path);
	return 0;
}

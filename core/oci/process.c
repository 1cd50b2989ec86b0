/*
 * oci/process.c - config.json's process: what runs, as whom, with which
 * limits and capabilities (oci.h).
 *
 * Parsing checks every field before anything is made, and refuses a
 * capability beyond Docker's default 14 unless the operator allows it
 * (struct oci_policy).  oci_process_apply() and oci_process_exec() run in
 * the container's process, as root of its user namespace: they may
 * allocate, print nothing and report through *err.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/ioprio.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "oci/oci.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT		 47
#define PR_CAP_AMBIENT_RAISE	 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

/* execvp's PATH when the process's env has none. */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* The capability sets of process.capabilities, in the spec's order. */
enum cap_set {
	CAPS_BOUNDING,
	CAPS_EFFECTIVE,
	CAPS_INHERITABLE,
	CAPS_PERMITTED,
	CAPS_AMBIENT,
	CAPS_N,
};

static const char *const cap_set_names[CAPS_N] = { "bounding", "effective", "inheritable",
						   "permitted", "ambient" };

struct rlimit_name {
	const char *name;
	int resource;
};

static const struct rlimit_name rlimit_names[] = {
	{ "RLIMIT_AS", RLIMIT_AS },
	{ "RLIMIT_CORE", RLIMIT_CORE },
	{ "RLIMIT_CPU", RLIMIT_CPU },
	{ "RLIMIT_DATA", RLIMIT_DATA },
	{ "RLIMIT_FSIZE", RLIMIT_FSIZE },
	{ "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE },
	{ "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_NPROC", RLIMIT_NPROC },
	{ "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
	{ "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
	{ "RLIMIT_STACK", RLIMIT_STACK },
};

struct oci_rlimit {
	const char *name; /* static, from rlimit_names */
	int resource;
	uint64_t soft, hard;
};

struct oci_process {
	char **args; /* owned */
	char **env;  /* owned, "K=V" */
	char *cwd;   /* owned, absolute */
	uint32_t uid, gid;
	uint32_t *gids; /* owned: additionalGids */
	size_t n_gids;
	mode_t umask;
	struct oci_rlimit rlimits[ELEMENTSOF(rlimit_names)];
	size_t n_rlimits;
	bool no_new_privs; /* as asked; set anyway (oci_process_exec) */
	uint64_t caps[CAPS_N];
	bool terminal;
	unsigned rows, cols;
	bool has_oom;
	int oom_score_adj;
	bool has_ioprio;
	int ioprio; /* IOPRIO_PRIO_VALUE(class, level) */
	bool has_sched;
	int sched_policy; /* SCHED_OTHER, SCHED_BATCH, SCHED_IDLE */
	int nice;
};

/* ------------------------------------------------------------------ JSON helpers */

static int get_bool(json_object *o, const char *key, const char *path, bool *ret,
		    struct joblet_error **err)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"config.json: %s: must be true or false, not `%s`", path,
					json_object_to_json_string(v));
	*ret = json_object_get_boolean(v);
	return 0;
}

/* A string field that must be empty or absent: a feature this host cannot enforce. */
static int refuse_string(json_object *o, const char *key, const char *why,
			 struct joblet_error **err)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"config.json: process.%s: must be a string", key);
	if (json_object_get_string_len(v) == 0)
		return 0;
	return joblet_error_set(err, JOBLET_E_UNSUPPORTED, 0,
				"config.json: process.%s: `%s` cannot be applied: %s; remove it",
				key, json_object_get_string(v), why);
}

/* An array of strings at path into *ret (NULL-terminated, owned); env entries must be K=V. */
static int get_strv(json_object *v, const char *path, bool env, char ***ret,
		    struct joblet_error **err)
{
	char **out = calloc(1, sizeof(char *));
	size_t n;

	if (!out)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	if (!json_object_is_type(v, json_type_array)) {
		free(out);
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"config.json: %s: must be an array of strings", path);
	}
	n = json_object_array_length(v);
	for (size_t i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(v, i);
		const char *str = json_object_get_string(s);

		if (!json_object_is_type(s, json_type_string) ||
		    strlen(str) != (size_t)json_object_get_string_len(s)) {
			jl_strv_free(out);
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"config.json: %s[%zu]: must be a string without NUL bytes", path,
				i);
		}
		if (env && (str[0] == '=' || !strchr(str, '='))) {
			jl_strv_free(out);
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"config.json: %s[%zu]: `%s` is not of the form NAME=VALUE", path, i,
				str);
		}
		if (jl_strv_push(&out, str) < 0) {
			jl_strv_free(out);
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
		}
	}
	*ret = out;
	return 0;
}

/* ------------------------------------------------------------------ parsing */

static int parse_args_env_cwd(struct oci_process *p, json_object *process,
			      struct joblet_error **err)
{
	json_object *v;
	int r;

	if (!json_object_object_get_ex(process, "args", &v) || !v)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"config.json: process.args: is required (the program and its arguments)");
	r = get_strv(v, "process.args", false, &p->args, err);
	if (r < 0)
		return r;
	if (!p->args[0] || !p->args[0][0])
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"config.json: process.args: must name a program (a non-empty first element)");
	if (json_object_object_get_ex(process, "env", &v) && v) {
		r = get_strv(v, "process.env", true, &p->env, err);
		if (r < 0)
			return r;
	} else if (!(p->env = calloc(1, sizeof(char *))))
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	if (!json_object_object_get_ex(process, "cwd", &v) || !v)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"config.json: process.cwd: is required (an absolute path)");
	if (!json_object_is_type(v, json_type_string))
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"config.json: process.cwd: must be a string (an absolute path)");
	if (json_object_get_string(v)[0] != '/')
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"config.json: process.cwd: `%s` is not an absolute path",
					json_object_get_string(v));
	return oci_process_set_cwd(p, json_object_get_string(v), err);
}

static int parse_user(struct oci_process *p, json_object *process, struct joblet_error **err)
{
	json_object *user, *v;
	uint64_t n;
	int r;

	p->umask = 022; /* runc's default when user.umask is not given */
	if (!json_object_object_get_ex(process, "user", &user) || !user)
		return 0;
	if (!json_object_is_type(user, json_type_object))
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"config.json: process.user: must be an object");
	if (json_object_object_get_ex(user, "uid", &v) && v) {
		if ((r = oci_json_uint(v, "process.user.uid", UINT32_MAX - 1, &n, err)) < 0)
			return r;
		p->uid = (uint32_t)n;
	}
	if (json_object_object_get_ex(user, "gid", &v) && v) {
		if ((r = oci_json_uint(v, "process.user.gid", UINT32_MAX - 1, &n, err)) < 0)
			return r;
		p->gid = (uint32_t)n;
	}
	if (json_object_object_get_ex(user, "umask", &v) && v) {
		if ((r = oci_json_uint(v, "process.user.umask", 0777, &n, err)) < 0)
			return r;
		p->umask = (mode_t)n;
	}
	if (!json_object_object_get_ex(user, "additionalGids", &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) > NGROUPS_MAX)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"config.json: process.user.additionalGids: must be an array of at most %d gids",
			NGROUPS_MAX);
	p->n_gids = json_object_array_length(v);
	p->gids = calloc(p->n_gids + 1, sizeof(*p->gids));
	if (!p->gids)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	for (size_t i = 0; i < p->n_gids; i++) {
		char path[64];

		snprintf(path, sizeof(path), "process.user.additionalGids[%zu]", i);
		if ((r = oci_json_uint(json_object_array_get_idx(v, i), path, UINT32_MAX - 1, &n,
				       err)) < 0)
			return r;
		p->gids[i] = (uint32_t)n;
	}
	return 0;
}

static int parse_rlimit(struct oci_process *p, json_object *o, size_t i, struct joblet_error **err)
{
	struct oci_rlimit *rl = &p->rlimits[p->n_rlimits];
	json_object *v;
	char path[64];
	const char *type;
	int r = 0;

	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "type", &v) || !json_object_is_type(v, json_type_string))
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"config.json: process.rlimits[%zu]: must be an object with a string `type` (RLIMIT_*)",
			i);
	type = json_object_get_string(v);
	rl->name = NULL;
	for (size_t k = 0; k < ELEMENTSOF(rlimit_names); k++)
		if (strcmp(type, rlimit_names[k].name) == 0) {
			rl->name = rlimit_names[k].name;
			rl->resource = rlimit_names[k].resource;
		}
	if (!rl->name)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"config.json: process.rlimits[%zu].type: unknown limit `%s` (RLIMIT_NOFILE, RLIMIT_NPROC, ...)",
			i, type);
	for (size_t k = 0; k < p->n_rlimits; k++)
		if (p->rlimits[k].resource == rl->resource)
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"config.json: process.rlimits[%zu].type: `%s` is given twice", i,
				type);
	snprintf(path, sizeof(path), "process.rlimits[%zu].hard", i);
	if (!json_object_object_get_ex(o, "hard", &v) || !v ||
	    (r = oci_json_uint(v, path, UINT64_MAX, &rl->hard, err)) < 0)
		return r < 0 ? r
			     : joblet_error_set(err, JOBLET_E_INVALID, 0,
						"config.json: %s: is required", path);
	snprintf(path, sizeof(path), "process.rlimits[%zu].soft", i);
	if (!json_object_object_get_ex(o, "soft", &v) || !v ||
	    (r = oci_json_uint(v, path, UINT64_MAX, &rl->soft, err)) < 0)
		return r < 0 ? r
			     : joblet_error_set(err, JOBLET_E_INVALID, 0,
						"config.json: %s: is required", path);
	if (rl->soft > rl->hard)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"config.json: process.rlimits[%zu]: soft %llu is above hard %llu for %s", i,
			(unsigned long long)rl->soft, (unsigned long long)rl->hard, type);
	p->n_rlimits++;
	return 0;
}

static int parse_rlimits(struct oci_process *p, json_object *process, struct joblet_error **err)
{
	json_object *v;
	size_t n;

	if (!json_object_object_get_ex(process, "rlimits", &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"config.json: process.rlimits: must be an array of {type, hard, soft}");
	n = json_object_array_length(v);
	for (size_t i = 0; i < n; i++) {
		int r;

		if (p->n_rlimits == ELEMENTSOF(p->rlimits))
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"config.json: process.rlimits[%zu]: more limits than there are kinds (a duplicate?)",
				i);
		r = parse_rlimit(p, json_object_array_get_idx(v, i), i, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* One capability set: names into a mask, each within the floor or the policy. */
static int parse_cap_set(const struct oci_ctx *ctx, json_object *v, enum cap_set set, uint64_t *ret,
			 struct joblet_error **err)
{
	uint64_t allowed = oci_caps_default() | ctx->policy.allowed_caps;
	const char *sn = cap_set_names[set];
	size_t n;

	*ret = 0;
	if (!json_object_is_type(v, json_type_array))
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"config.json: process.capabilities.%s: must be an array of names (CAP_CHOWN, ...)",
			sn);
	n = json_object_array_length(v);
	for (size_t i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(v, i);
		const char *name = json_object_get_string(s);
		int cap = json_object_is_type(s, json_type_string) ? oci_cap_from_name(name) : -1;

		if (cap < 0)
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"config.json: process.capabilities.%s[%zu]: unknown capability `%s`",
				sn, i, name ? name : "null");
		if (!(allowed & (UINT64_C(1) << cap)))
			return joblet_error_set(
				err, JOBLET_E_PERMISSION, 0,
				"config.json: process.capabilities.%s: %s is beyond joblet's floor; an operator may allow it in /etc/joblet/oci.yml (oci.allowed_capabilities)",
				sn, oci_cap_name(cap));
		*ret |= UINT64_C(1) << cap;
	}
	return 0;
}

static int parse_caps(const struct oci_ctx *ctx, struct oci_process *p, json_object *process,
		      struct joblet_error **err)
{
	json_object *caps, *v;

	if (!json_object_object_get_ex(process, "capabilities", &caps) || !caps)
		return 0;
	if (!json_object_is_type(caps, json_type_object))
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"config.json: process.capabilities: must be an object of sets (bounding, effective, ...)");
	for (int s = 0; s < CAPS_N; s++) {
		int r;

		if (!json_object_object_get_ex(caps, cap_set_names[s], &v) || !v)
			continue;
		r = parse_cap_set(ctx, v, (enum cap_set)s, &p->caps[s], err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_console(struct oci_process *p, json_object *process, struct joblet_error **err)
{
	json_object *cs, *v;
	uint64_t n;
	int r;

	r = get_bool(process, "terminal", "process.terminal", &p->terminal, err);
	if (r < 0 || !json_object_object_get_ex(process, "consoleSize", &cs) || !cs)
		return r;
	if (!json_object_is_type(cs, json_type_object))
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"config.json: process.consoleSize: must be an object {height, width}");
	if (json_object_object_get_ex(cs, "height", &v) && v) {
		if ((r = oci_json_uint(v, "process.consoleSize.height", UINT16_MAX, &n, err)) < 0)
			return r;
		p->rows = (unsigned)n;
	}
	if (json_object_object_get_ex(cs, "width", &v) && v) {
		if ((r = oci_json_uint(v, "process.consoleSize.width", UINT16_MAX, &n, err)) < 0)
			return r;
		p->cols = (unsigned)n;
	}
	return 0;
}

static int parse_ioprio(struct oci_process *p, json_object *process, struct joblet_error **err)
{
	static const struct {
		const char *name;
		int class;
	} classes[] = { { "IOPRIO_CLASS_RT", IOPRIO_CLASS_RT },
			{ "IOPRIO_CLASS_BE", IOPRIO_CLASS_BE },
			{ "IOPRIO_CLASS_IDLE", IOPRIO_CLASS_IDLE } };
	json_object *io, *v;
	const char *name;
	uint64_t level = 0;
	int class = -1, r;

	if (!json_object_object_get_ex(process, "ioPriority", &io) || !io)
		return 0;
	if (!json_object_is_type(io, json_type_object) ||
	    !json_object_object_get_ex(io, "class", &v) ||
	    !json_object_is_type(v, json_type_string))
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"config.json: process.ioPriority: must be an object with a string `class`");
	name = json_object_get_string(v);
	for (size_t i = 0; i < ELEMENTSOF(classes); i++)
		if (strcmp(name, classes[i].name) == 0)
			class = classes[i].class;
	if (class < 0)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"config.json: process.ioPriority.class: unknown class `%s` (IOPRIO_CLASS_RT, IOPRIO_CLASS_BE or IOPRIO_CLASS_IDLE)",
			name);
	if (json_object_object_get_ex(io, "priority", &v) && v &&
	    (r = oci_json_uint(v, "process.ioPriority.priority", 7, &level, err)) < 0)
		return r;
	p->has_ioprio = true;
	p->ioprio = IOPRIO_PRIO_VALUE(class, (int)level);
	return 0;
}

/*
 * process.scheduler: the policies an unprivileged process may choose for
 * itself (SCHED_OTHER, SCHED_BATCH, SCHED_IDLE, with nice) are applied with
 * sched_setattr(); the real-time ones and deadline scheduling take the
 * host's CPUs from every other tenant and are refused.
 */
static int parse_sched(struct oci_process *p, json_object *process, struct joblet_error **err)
{
	static const struct {
		const char *name;
		int policy;
	} ok[] = { { "SCHED_OTHER", SCHED_OTHER },
		   { "SCHED_BATCH", SCHED_BATCH },
		   { "SCHED_IDLE", SCHED_IDLE } };
	static const char *const unsupported[] = { "priority", "flags", "runtime", "deadline",
						   "period" };
	json_object *s, *v;
	const char *name;

	if (!json_object_object_get_ex(process, "scheduler", &s) || !s)
		return 0;
	if (!json_object_is_type(s, json_type_object) ||
	    !json_object_object_get_ex(s, "policy", &v) ||
	    !json_object_is_type(v, json_type_string))
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"config.json: process.scheduler: must be an object with a string `policy`");
	name = json_object_get_string(v);
	p->sched_policy = -1;
	for (size_t i = 0; i < ELEMENTSOF(ok); i++)
		if (strcmp(name, ok[i].name) == 0)
			p->sched_policy = ok[i].policy;
	if (p->sched_policy < 0)
		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, 0,
			"config.json: process.scheduler.policy: `%s` is not supported: joblet-oci applies SCHED_OTHER, SCHED_BATCH and SCHED_IDLE (real-time and deadline policies would take the host's CPUs from other tenants)",
			name);
	for (size_t i = 0; i < ELEMENTSOF(unsupported); i++)
		if (json_object_object_get_ex(s, unsupported[i], &v) && v &&
		    !(json_object_is_type(v, json_type_int) && json_object_get_int64(v) == 0) &&
		    !(json_object_is_type(v, json_type_array) && json_object_array_length(v) == 0))
			return joblet_error_set(
				err, JOBLET_E_UNSUPPORTED, 0,
				"config.json: process.scheduler.%s: is not supported with %s; remove it",
				unsupported[i], name);
	if (json_object_object_get_ex(s, "nice", &v) && v) {
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < -20 ||
		    json_object_get_int64(v) > 19)
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"config.json: process.scheduler.nice: must be an integer from -20 to 19, not `%s`",
				json_object_to_json_string(v));
		p->nice = (int)json_object_get_int64(v);
	}
	p->has_sched = true;
	return 0;
}

static int parse_misc(struct oci_process *p, json_object *process, struct joblet_error **err)
{
	json_object *v;
	int r;

	r = get_bool(process, "noNewPrivileges", "process.noNewPrivileges", &p->no_new_privs, err);
	if (r < 0)
		return r;
	if (json_object_object_get_ex(process, "oomScoreAdj", &v) && v) {
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < -1000 ||
		    json_object_get_int64(v) > 1000)
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"config.json: process.oomScoreAdj: must be an integer from -1000 to 1000, not `%s`",
				json_object_to_json_string(v));
		p->has_oom = true;
		p->oom_score_adj = (int)json_object_get_int64(v);
	}
	r = refuse_string(process, "apparmorProfile", "this host does not enforce AppArmor", err);
	if (r == 0)
		r = refuse_string(process, "selinuxLabel", "this host does not enforce SELinux",
				  err);
	if (r == 0)
		r = parse_ioprio(p, process, err);
	if (r == 0)
		r = parse_sched(p, process, err);
	return r;
}

int oci_process_parse(const struct oci_ctx *ctx, json_object *process, struct oci_process **ret,
		      struct joblet_error **err)
{
	struct oci_process *p;
	int r;

	*ret = NULL;
	if (!process || !json_object_is_type(process, json_type_object))
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"config.json: process: is required (an object with args, cwd, user, ...)");
	p = calloc(1, sizeof(*p));
	if (!p)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	r = parse_args_env_cwd(p, process, err);
	if (r == 0)
		r = parse_user(p, process, err);
	if (r == 0)
		r = parse_rlimits(p, process, err);
	if (r == 0)
		r = parse_caps(ctx, p, process, err);
	if (r == 0)
		r = parse_console(p, process, err);
	if (r == 0)
		r = parse_misc(p, process, err);
	if (r < 0) {
		oci_process_free(p);
		return r;
	}
	*ret = p;
	return 0;
}

bool oci_process_terminal(const struct oci_process *p)
{
	return p->terminal;
}

void oci_process_console_size(const struct oci_process *p, unsigned *ret_rows, unsigned *ret_cols)
{
	*ret_rows = p->rows;
	*ret_cols = p->cols;
}

int oci_process_set_env(struct oci_process *p, const char *kv, struct joblet_error **err)
{
	size_t klen = kv ? strcspn(kv, "=") : 0;
	char *copy;

	if (!kv || klen == 0 || kv[klen] != '=')
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"--env `%s`: must be of the form NAME=VALUE", kv ? kv : "");
	for (char **e = p->env; e && *e; e++)
		if (strncmp(*e, kv, klen) == 0 && (*e)[klen] == '=') {
			if (!(copy = strdup(kv)))
				return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
							"out of memory");
			free(*e);
			*e = copy;
			return 0;
		}
	if (jl_strv_push(&p->env, kv) < 0)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	return 0;
}

int oci_process_set_cwd(struct oci_process *p, const char *cwd, struct joblet_error **err)
{
	char *copy;

	if (!cwd || cwd[0] != '/')
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"--cwd `%s`: must be an absolute path", cwd ? cwd : "");
	if (!(copy = strdup(cwd)))
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	free(p->cwd);
	p->cwd = copy;
	return 0;
}

void oci_process_set_terminal(struct oci_process *p, bool terminal)
{
	p->terminal = terminal;
}

void oci_process_free(struct oci_process *p)
{
	if (!p)
		return;
	jl_strv_free(p->args);
	jl_strv_free(p->env);
	free(p->cwd);
	free(p->gids);
	free(p);
}

/* ------------------------------------------------------------------ applying (child) */

static int apply_rlimits(const struct oci_process *p, struct joblet_error **err)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const struct oci_rlimit *rl = &p->rlimits[i];
		struct rlimit v = { (rlim_t)rl->soft, (rlim_t)rl->hard };

		if (setrlimit(rl->resource, &v) < 0)
			return joblet_error_set(
				err, JOBLET_E_SYSTEM, errno,
				"process.rlimits: cannot set %s to soft %llu hard %llu%s", rl->name,
				(unsigned long long)rl->soft, (unsigned long long)rl->hard,
				errno == EPERM
					? " (raising a hard limit needs CAP_SYS_RESOURCE on the host)"
					: "");
	}
	return 0;
}

int oci_process_apply_rlimits(const struct oci_process *p, struct joblet_error **err)
{
	return apply_rlimits(p, err);
}

static int apply_oom_score_adj(const struct oci_process *p, struct joblet_error **err)
{
	_cleanup_free_ char *cur_text = NULL;
	_cleanup_close_ int fd = -1;
	char buf[16];
	int64_t cur = 0;
	int n;

	if (!p->has_oom)
		return 0;
	cur_text = jl_read_line_file("/proc/self/oom_score_adj");
	if (cur_text && jl_parse_int64(cur_text, &cur) == 0 && cur == p->oom_score_adj)
		return 0;
	n = snprintf(buf, sizeof(buf), "%d", p->oom_score_adj);
	fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd >= 0 && write(fd, buf, (size_t)n) == n)
		return 0;
	if ((errno == EACCES || errno == EPERM) && p->oom_score_adj < cur)
		return joblet_error_set(
			err, JOBLET_E_PERMISSION, errno,
			"process.oomScoreAdj: cannot lower oom_score_adj from %lld to %d (that needs CAP_SYS_RESOURCE on the host); ask for %lld or more",
			(long long)cur, p->oom_score_adj, (long long)cur);
	return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
				"process.oomScoreAdj: cannot set oom_score_adj to %d",
				p->oom_score_adj);
}

/* <linux/sched/types.h>'s struct sched_attr, version 1 (SCHED_ATTR_SIZE_VER0 = 48 bytes). */
struct oci_sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
};

static int apply_sched(const struct oci_process *p, struct joblet_error **err)
{
	if (p->has_ioprio && syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, p->ioprio) < 0)
		return joblet_error_set(
			err, JOBLET_E_SYSTEM, errno,
			"process.ioPriority: cannot set the I/O priority%s",
			errno == EPERM ? " (the real-time class needs CAP_SYS_ADMIN on the host)"
				       : "");
	if (p->has_sched) {
		struct oci_sched_attr a = { .size = sizeof(a),
					    .sched_policy = (uint32_t)p->sched_policy,
					    .sched_nice = p->nice };

		if (syscall(SYS_sched_setattr, 0, &a, 0) < 0)
			return joblet_error_set(
				err, JOBLET_E_SYSTEM, errno,
				"process.scheduler: cannot set the policy and nice %d%s", p->nice,
				errno == EPERM ? " (a negative nice needs CAP_SYS_NICE on the host)"
					       : "");
	}
	return 0;
}

/* The highest capability this kernel knows. */
static int cap_last(void)
{
	_cleanup_free_ char *t = jl_read_line_file("/proc/sys/kernel/cap_last_cap");
	int64_t last;

	if (!t || jl_parse_int64(t, &last) < 0 || last < 0 || last > 63)
		return 40; /* CAP_CHECKPOINT_RESTORE (Linux 5.9) */
	return (int)last;
}

/* Before switching users: CAP_SETPCAP is still in the effective set. */
static int apply_bounding(const struct oci_process *p, int last, struct joblet_error **err)
{
	for (int c = 0; c <= last; c++) {
		if (p->caps[CAPS_BOUNDING] & (UINT64_C(1) << c))
			continue;
		if (prctl(PR_CAPBSET_DROP, (unsigned long)c, 0, 0, 0) < 0 && errno != EINVAL)
			return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
						"process.capabilities.bounding: cannot drop %s",
						oci_cap_name(c) ? oci_cap_name(c) : "a capability");
	}
	return 0;
}

static int apply_user(const struct oci_process *p, struct joblet_error **err)
{
	_cleanup_free_ gid_t *groups = calloc(p->n_gids + 1, sizeof(gid_t));
	size_t n = 0;

	if (!groups)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	for (size_t i = 0; i < p->n_gids; i++)
		groups[n++] = p->gids[i];
	groups[n++] = p->gid;
	/*
	 * In a user namespace setgroups() needs /proc/PID/setgroups "allow"
	 * (the parent decides when it writes the maps).  Only a rootless
	 * caller denies it, and then the groups kept are the caller's own:
	 * without additional gids there is nothing else to set.  (A root
	 * caller's groups, host gid 0 among them, must never be kept: its
	 * parent allows setgroups, so this call replaces them.)
	 */
	if (setgroups(n, groups) < 0 && !(errno == EPERM && p->n_gids == 0))
		return joblet_error_set(
			err, JOBLET_E_SYSTEM, errno,
			"process.user.additionalGids: cannot set the supplementary groups");
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					"cannot keep capabilities across the change of user");
	if (setresgid(p->gid, p->gid, p->gid) < 0)
		return joblet_error_set(
			err, JOBLET_E_SYSTEM, errno,
			"process.user.gid: cannot switch to gid %u (is it mapped in the user namespace?)",
			p->gid);
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		return joblet_error_set(
			err, JOBLET_E_SYSTEM, errno,
			"process.user.uid: cannot switch to uid %u (is it mapped in the user namespace?)",
			p->uid);
	return 0;
}

static int apply_caps(const struct oci_process *p, int last, struct joblet_error **err)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	uint64_t known = last >= 63 ? UINT64_MAX : (UINT64_C(1) << (last + 1)) - 1;
	uint64_t eff = p->caps[CAPS_EFFECTIVE] & known, prm = p->caps[CAPS_PERMITTED] & known;
	uint64_t inh = p->caps[CAPS_INHERITABLE] & known;

	d[0].effective = (uint32_t)eff;
	d[1].effective = (uint32_t)(eff >> 32);
	d[0].permitted = (uint32_t)prm;
	d[1].permitted = (uint32_t)(prm >> 32);
	d[0].inheritable = (uint32_t)inh;
	d[1].inheritable = (uint32_t)(inh >> 32);
	if (syscall(SYS_capset, &h, d) < 0)
		return joblet_error_set(
			err, JOBLET_E_SYSTEM, errno,
			"process.capabilities: cannot set the effective, permitted and inheritable sets (effective must be within permitted, inheritable within bounding)");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    !(errno == EINVAL && !p->caps[CAPS_AMBIENT]))
		return joblet_error_set(
			err, JOBLET_E_SYSTEM, errno,
			"process.capabilities.ambient: cannot clear the ambient set");
	for (int c = 0; c <= last; c++)
		if ((p->caps[CAPS_AMBIENT] & (UINT64_C(1) << c)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)c, 0, 0) < 0)
			return joblet_error_set(
				err, JOBLET_E_SYSTEM, errno,
				"process.capabilities.ambient: cannot raise %s (an ambient capability must also be permitted and inheritable)",
				oci_cap_name(c) ? oci_cap_name(c) : "a capability");
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					"cannot reset keep-capabilities");
	return 0;
}

int oci_process_apply(const struct oci_process *p, struct joblet_error **err)
{
	int last = cap_last();
	int r;

	r = apply_rlimits(p, err);
	if (r == 0)
		r = apply_oom_score_adj(p, err);
	if (r == 0)
		r = apply_sched(p, err);
	if (r < 0)
		return r;
	umask(p->umask);
	/* The bounding set needs CAP_SETPCAP, which the change of user takes from the effective
	 * set. */
	r = apply_bounding(p, last, err);
	if (r == 0)
		r = apply_user(p, err);
	if (r == 0)
		r = apply_caps(p, last, err);
	if (r < 0)
		return r;
	if (chdir(p->cwd) < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "process.cwd `%s`", p->cwd);
	return 0;
}

/* ------------------------------------------------------------------ exec (child) */

static const char *env_get(char *const *env, const char *name)
{
	size_t n = strlen(name);

	for (; env && *env; env++)
		if (strncmp(*env, name, n) == 0 && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

/* execvp's search, in the container's PATH (from the process's env, not ours). */
static int exec_search(const struct oci_process *p, struct joblet_error **err)
{
	const char *name = p->args[0], *path = env_get(p->env, "PATH");
	int saved = ENOENT;

	if (strchr(name, '/')) {
		execve(name, p->args, p->env);
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot exec `%s`", name);
	}
	if (!path)
		path = DEFAULT_PATH;
	for (const char *s = path;;) {
		size_t len = strcspn(s, ":");
		_cleanup_free_ char *full =
			jl_strdup_printf("%.*s%s%s", (int)len, s, len ? "/" : "", name);

		if (!full)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
		execve(full, p->args, p->env);
		/* Like execvp: try the next folder unless the file is there and not runnable. */
		if (errno == EACCES)
			saved = EACCES;
		else if (errno != ENOENT && errno != ENOTDIR && errno != ESTALE && errno != ELOOP &&
			 errno != ENAMETOOLONG)
			return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot exec `%s`",
						full);
		s += len;
		if (*s != ':')
			break;
		s++;
	}
	return joblet_error_set(err, saved == ENOENT ? JOBLET_E_NOT_FOUND : JOBLET_E_SYSTEM, saved,
				"cannot exec `%s` (searched PATH=%s)", name, path);
}

/* The exec fifo: opening it blocks until `start` opens the other end. */
static int exec_fifo_signal(int fifo_fd, struct joblet_error **err)
{
	char path[64];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fifo_fd);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot open the exec fifo");
	n = write(fd, "0", 1);
	if (n != 1) {
		int saved = n < 0 ? errno : EIO;

		close(fd);
		return joblet_error_set(err, JOBLET_E_SYSTEM, saved,
					"cannot write to the exec fifo");
	}
	close(fd);
	close(fifo_fd);
	return 0;
}

int oci_process_exec(const struct oci_process *p, const struct oci_floor *floor,
		     const struct oci_seccomp *sc, int fifo_fd, struct joblet_error **err)
{
	int r;

	/*
	 * joblet's floor: no_new_privs always, also when the bundle says
	 * noNewPrivileges: false (that is tightened, never loosened): no
	 * set-uid program or file capability can give the container more
	 * than it was given here.  The filters below need it too.
	 */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot set no_new_privs");
	if (floor && (r = oci_floor_load(floor, err)) < 0)
		return r;
	if (sc && (r = oci_seccomp_load(sc, err)) < 0)
		return r;
	if (fifo_fd >= 0 && (r = exec_fifo_signal(fifo_fd, err)) < 0)
		return r;
	return exec_search(p, err);
}

/*
 * job_schema.c - the field table of struct jl_job_spec and the views it
 * drives: the flags, the request of POST /v1/jobs both ways, the spec that
 * answers show, and spec.json.  A field is added here once; the round-trip
 * test (tests/unit/job/test_job_schema.c) fails for a field a view forgets.
 */
#include <config.h>

#include <ctype.h>
#include <time.h>

#include "base/cpuset.h"
#include "base/timefmt.h"
#include "base/util.h"
#include "job/job_net.h"
#include "job/job_schema.h"
#include "job/job_secrets.h"
#include "job/job_spec.h"
#include "runtime/install_private.h"

#define AT(member) offsetof(struct jl_job_spec, member)
/* The most entries of a JL_JOB_LIST in a request (a list's own rules may say fewer). */
#define JL_JOB_MAX_LIST 64
#define VIEWS_ALL	(JL_JOB_REQUEST | JL_JOB_ANSWER | JL_JOB_FILE)

/* A member of spec, where field f says it is. */
#define MEMBER(type, spec, f) ((type *)((char *)(spec) + (f)->offset))

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

/* The network names with a meaning of their own; any other names a network (docs/networks.md). */
static const struct jl_job_enum_name network_names[] = {
	{ "none", JOBLET_NETWORK_NONE, NULL },
	{ "host", JOBLET_NETWORK_HOST,
	  "network `host` gives a job the host's network; only the admin role may ask for it" },
	{ NULL, 0, NULL },
};

/* A rate in bytes per second: 1048576, 10M, 10MiB. */
static int parse_rate(const char *v, int64_t *ret)
{
	return jl_parse_int64(v, ret) == 0 ? 0 : jl_parse_size(v, ret);
}

/*
 * Every field of struct jl_job_spec, in the order of the keys of the
 * answers (as they have always been); the request and spec.json follow it.
 */
static const struct jl_job_field fields[] = {
	/* File only: made by jl_job_spec_new(); the shim and the daemon know the job by it. */
	{ .key = "id", .kind = JL_JOB_STRING, .views = JL_JOB_FILE, .offset = AT(id) },
	{ .key = "command",
	  .old_key = "argv",
	  .kind = JL_JOB_ARGV,
	  .views = VIEWS_ALL,
	  .offset = AT(argv) },
	{ .key = "env",
	  .flag = "--env",
	  .short_flag = "-e",
	  .kind = JL_JOB_ENV,
	  .views = VIEWS_ALL,
	  .offset = AT(env),
	  .flag_what = "KEY=VALUE" },
	/*
	 * Only in the request in full: answers and spec.json show `***`; the
	 * values reach the shim in memory (job_secrets.h).
	 */
	{ .key = "secret_env",
	  .flag = "--secret-env",
	  .short_flag = "-s",
	  .kind = JL_JOB_ENV,
	  .views = VIEWS_ALL | JL_JOB_SECRET,
	  .offset = AT(secret_env),
	  .flag_what = "KEY=VALUE" },
	{ .key = "max_cpu",
	  .flag = "--max-cpu",
	  .kind = JL_JOB_INT,
	  .views = VIEWS_ALL,
	  .offset = AT(max_cpu),
	  .parse = jl_parse_int64,
	  .flag_min = -1,
	  .flag_max = INT64_MAX,
	  .api_min = -1,
	  .api_max = INT32_MAX,
	  .flag_what = "a percentage of one core (100 = one core), or unlimited" },
	{ .key = "max_memory",
	  .old_key = "max_memory_mib",
	  .flag = "--max-memory",
	  .kind = JL_JOB_INT,
	  .views = VIEWS_ALL,
	  .offset = AT(max_memory_mib),
	  .parse = parse_mib,
	  .flag_min = -1,
	  .flag_max = INT64_MAX,
	  .api_min = -1,
	  .api_max = INT64_C(1) << 40,
	  .flag_what = "MiB (512), a size (2GiB), or unlimited" },
	{ .key = "max_disk",
	  .flag = "--max-disk",
	  .kind = JL_JOB_INT,
	  .views = VIEWS_ALL,
	  .offset = AT(max_disk_mib),
	  .parse = parse_mib,
	  .flag_min = -1,
	  .flag_max = INT64_MAX,
	  .api_min = -1,
	  .api_max = INT64_C(1) << 30,
	  .flag_what = "MiB of /work (1024), a size (10GiB), or unlimited" },
	{ .key = "max_iobps",
	  .flag = "--max-iobps",
	  .kind = JL_JOB_INT,
	  .views = VIEWS_ALL,
	  .offset = AT(max_iobps),
	  .parse = jl_parse_size,
	  .flag_min = -1,
	  .flag_max = INT64_MAX,
	  .api_min = -1,
	  .api_max = INT64_MAX,
	  .flag_what = "bytes per second (10485760 or 10MiB), or unlimited" },
	{ .key = "max_pids",
	  .flag = "--max-pids",
	  .kind = JL_JOB_INT,
	  .views = VIEWS_ALL,
	  .offset = AT(max_pids),
	  .parse = jl_parse_int64,
	  .flag_min = -1,
	  .flag_max = INT64_MAX,
	  .api_min = -1,
	  .api_max = INT32_MAX,
	  .flag_what = "a number of processes" },
	{ .key = "max_log",
	  .flag = "--max-log",
	  .kind = JL_JOB_INT,
	  .views = VIEWS_ALL,
	  .offset = AT(max_log_mib),
	  .parse = parse_mib,
	  .flag_min = 0,
	  .flag_max = INT64_MAX,
	  .api_min = 0,
	  .api_max = INT64_C(1) << 20,
	  .flag_what = "MiB of the job's log (64), or a size (1GiB); past it output is dropped" },
	{ .key = "cpu_cores",
	  .flag = "--cpu-cores",
	  .kind = JL_JOB_STRING,
	  .views = VIEWS_ALL,
	  .offset = AT(cpu_cores) },
	{ .key = "runtime",
	  .flag = "--runtime",
	  .kind = JL_JOB_STRING,
	  .views = VIEWS_ALL,
	  .offset = AT(runtime) },
	/* Set by jl_job_spec_validate(): the installed runtime the shim mounts.  Never asked for.
	 */
	{ .key = "runtime_path",
	  .old_key = "runtime_dir",
	  .kind = JL_JOB_STRING,
	  .views = JL_JOB_ANSWER | JL_JOB_FILE,
	  .offset = AT(runtime_dir) },
	{ .key = "timeout",
	  .old_key = "timeout_s",
	  .flag = "--timeout",
	  .kind = JL_JOB_INT,
	  .views = VIEWS_ALL,
	  .offset = AT(timeout_s),
	  .parse = jl_parse_duration,
	  .flag_min = -1,
	  .flag_max = INT64_MAX,
	  .api_min = -1,
	  .api_max = INT64_C(1) << 40,
	  .flag_what = "a duration (90, 90s, 5m, 1h30m), or unlimited" },
	{ .key = "workdir",
	  .flag = "--workdir",
	  .kind = JL_JOB_STRING,
	  .views = VIEWS_ALL,
	  .offset = AT(workdir),
	  .answer_unset = "/work" },
	{ .key = "network",
	  .flag = "--network",
	  .kind = JL_JOB_STRING,
	  .views = VIEWS_ALL,
	  .offset = AT(network_name),
	  .names = network_names,
	  .answer_unset = "none" },
	{ .key = "allow",
	  .flag = "--allow",
	  .kind = JL_JOB_LIST,
	  .views = VIEWS_ALL,
	  .offset = AT(allow) },
	{ .key = "max_net",
	  .flag = "--max-net",
	  .kind = JL_JOB_INT,
	  .views = VIEWS_ALL,
	  .offset = AT(max_net_bps),
	  .parse = parse_rate,
	  .flag_min = 0,
	  .flag_max = INT64_MAX,
	  .api_min = 0,
	  .api_max = INT64_MAX,
	  .flag_what = "bytes per second the job may send (1048576, 10M, 10MiB)" },
	{ .key = "schedule",
	  .old_key = "schedule_ns",
	  .flag = "--schedule",
	  .kind = JL_JOB_TIME,
	  .views = VIEWS_ALL,
	  .offset = AT(schedule_ns) },
	{ .key = "priority",
	  .flag = "--priority",
	  .kind = JL_JOB_INT,
	  .views = VIEWS_ALL,
	  .offset = AT(priority),
	  .parse = jl_parse_int64,
	  .flag_min = 0,
	  .flag_max = 1000,
	  .api_min = 0,
	  .api_max = 1000,
	  .flag_what = "a whole number from 0 to 1000 (higher first)" },
	{ .key = "cpus",
	  .flag = "--cpus",
	  .kind = JL_JOB_INT,
	  .views = VIEWS_ALL,
	  .offset = AT(cpus),
	  .parse = jl_parse_int64,
	  .flag_min = 1,
	  .flag_max = JL_CPUSET_MAX,
	  .api_min = 0,
	  .api_max = JL_CPUSET_MAX,
	  .flag_what = "a number of whole cores (1, 2, ...) for the job alone" },
	{ .key = "cron",
	  .flag = "--cron",
	  .kind = JL_JOB_STRING,
	  .views = VIEWS_ALL,
	  .offset = AT(cron) },
	/* Answers show it in the job's record (`name`), not in its spec. */
	{ .key = "name",
	  .flag = "--name",
	  .kind = JL_JOB_STRING,
	  .views = JL_JOB_REQUEST | JL_JOB_FILE,
	  .offset = AT(name) },
	/*
	 * Host paths in the flags and spec.json (copied into /work when the job
	 * is created: run-local, the runs of a recurring job); the API carries
	 * the files themselves, read by rnx and written by the daemon.
	 */
	{ .key = "uploads",
	  .flag = "--upload",
	  .kind = JL_JOB_UPLOADS,
	  .views = VIEWS_ALL,
	  .offset = AT(uploads) },
	/* Volumes the job mounts at /volumes/NAME (the daemon checks them: api_volumes.c). */
	{ .key = "volumes",
	  .flag = "--volume",
	  .kind = JL_JOB_LIST,
	  .views = VIEWS_ALL,
	  .offset = AT(volumes),
	  .flag_what = "NAME or NAME:ro" },
	/* File only: the host folder of each volume, written by the daemon. */
	{ .key = "volume_paths",
	  .kind = JL_JOB_LIST,
	  .views = JL_JOB_FILE,
	  .offset = AT(volume_paths) },
	/* File only, and only written by earlier releases: joblet-shim gives each job a uid. */
	{ .key = "uid", .kind = JL_JOB_INT, .views = JL_JOB_FILE, .offset = AT(uid) },
	{ .key = "gid", .kind = JL_JOB_INT, .views = JL_JOB_FILE, .offset = AT(gid) },
};

const struct jl_job_field *jl_job_schema(size_t *ret_n)
{
	*ret_n = ELEMENTSOF(fields);
	return fields;
}

static const struct jl_job_field *field_by_key(const char *key, unsigned view)
{
	for (size_t i = 0; i < ELEMENTSOF(fields); i++)
		if ((fields[i].views & view) && strcmp(fields[i].key, key) == 0)
			return &fields[i];
	return NULL;
}

/* The value named name, or 0. */
static int32_t enum_value(const struct jl_job_field *f, const char *name)
{
	for (const struct jl_job_enum_name *n = f->names; n->name; n++)
		if (strcmp(n->name, name) == 0)
			return n->value;
	return 0;
}

/* The name of value; an unset or unknown one is the first name (the default). */
static const struct jl_job_enum_name *enum_name(const struct jl_job_field *f, int32_t value)
{
	for (const struct jl_job_enum_name *n = f->names; n->name; n++)
		if (n->value == value)
			return n;
	return f->names;
}

static int64_t now_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

/* ------------------------------------------------------------------ flags */

static int bad_flag(struct joblet_error **err, const char *flag, const char *v, const char *what)
{
	return joblet_error_set(err, JOBLET_E_INVALID, 0, "%s `%s` is not valid: %s", flag, v,
				what);
}

/* The field whose flag is arg[0..len) (the part before `=`), or NULL. */
static const struct jl_job_field *field_by_flag(const char *arg, size_t len)
{
	for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
		const char *names[] = { fields[i].flag, fields[i].short_flag };

		for (size_t k = 0; k < ELEMENTSOF(names); k++)
			if (names[k] && strlen(names[k]) == len && strncmp(names[k], arg, len) == 0)
				return &fields[i];
	}
	return NULL;
}

int jl_job_spec_flag_takes_value(const char *arg)
{
	/* Every job flag takes a value; `--flag=VALUE` carries its own. */
	return !strchr(arg, '=') && field_by_flag(arg, strlen(arg)) != NULL;
}

/* A flag given once per entry of a list. */
static int push_flag(struct jl_job_spec *s, const struct jl_job_field *f, const char *v,
		     struct joblet_error **err)
{
	if (jl_strv_push(MEMBER(char **, s, f), v) < 0)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read the flags");
	return 0;
}

/* Field f from the value v of its flag, typed as flag. */
static int set_from_flag(struct jl_job_spec *s, const struct jl_job_field *f, const char *flag,
			 const char *v, struct joblet_error **err)
{
	int64_t n;
	int32_t e;
	int r;

	switch (f->kind) {
	case JL_JOB_ENV:
		if (!strchr(v, '='))
			return bad_flag(err, flag, f->views & JL_JOB_SECRET ? "..." : v,
					f->flag_what);
		return push_flag(s, f, v, err);
	case JL_JOB_UPLOADS:
	case JL_JOB_LIST:
		return push_flag(s, f, v, err);
	case JL_JOB_INT:
		/* A limit (flag_min -1): the word `unlimited` asks for none. */
		if (f->flag_min < 0 && strcmp(v, "unlimited") == 0)
			n = -1;
		else if (f->parse(v, &n) < 0 || n < f->flag_min || n > f->flag_max)
			return bad_flag(err, flag, v, f->flag_what);
		*MEMBER(int64_t, s, f) = n;
		return 0;
	case JL_JOB_STRING:
		return jl_job_spec_set_str(MEMBER(char *, s, f), v, err);
	case JL_JOB_ENUM:
		if (!(e = enum_value(f, v)))
			return bad_flag(err, flag, v, f->flag_what);
		*MEMBER(int32_t, s, f) = e;
		return 0;
	case JL_JOB_TIME:
		if ((r = jl_schedule_parse(v, now_ns(), &n, err)) < 0)
			return joblet_error_prefix(err, r, "%s", f->flag);
		*MEMBER(int64_t, s, f) = n;
		return 0;
	case JL_JOB_ARGV:
		break;
	}
	return joblet_error_set(err, JOBLET_E_INVALID, 0, "flag `%s` sets nothing", flag);
}

/* The job flag at argv[*i] (and its value, maybe the next word) into spec. */
static int parse_flag(struct jl_job_spec *spec, int argc, char **argv, int *i,
		      struct joblet_error **err)
{
	const char *a = argv[*i], *eq = strchr(a, '='), *v = NULL;
	size_t len = strlen(a);
	const struct jl_job_field *f;
	char flag[32];

	if (eq && a[1] == '-') {
		len = (size_t)(eq - a);
		v = eq + 1;
	}
	f = field_by_flag(a, len);
	if (!f) {
		const char *names[2 * ELEMENTSOF(fields)], *best;
		size_t n = 0;

		for (size_t k = 0; k < ELEMENTSOF(fields); k++) {
			if (fields[k].flag)
				names[n++] = fields[k].flag;
			if (fields[k].short_flag)
				names[n++] = fields[k].short_flag;
		}
		best = jl_closest_word(a, len, names, n);
		if (best)
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"unknown flag `%.*s`; did you mean `%s`? (`rnx job run --help` lists the flags)",
				(int)len, a, best);
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"unknown flag `%s`; the flags are --max-cpu, --max-memory, --max-disk, --max-iobps, --cpu-cores, --max-pids, --max-log, --timeout, --runtime, -e/--env, -s/--secret-env, --upload, --workdir, --network, --allow, --max-net, --volume, --schedule, --cron, --priority, --cpus, --name, then `--` and the command",
			a);
	}
	snprintf(flag, sizeof(flag), "%.*s", (int)len, a);
	if (!v) {
		if (*i + 1 >= argc)
			return joblet_error_set(err, JOBLET_E_INVALID, 0, "flag `%s` needs a value",
						flag);
		v = argv[++*i];
	}
	++*i;
	return set_from_flag(spec, f, flag, v, err);
}

int jl_job_spec_parse_args(struct jl_job_spec *spec, int argc, char **argv, int *ret_consumed,
			   struct joblet_error **err)
{
	int i = 0, r;

	while (i < argc) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (argv[i][0] != '-' || argv[i][1] == '\0')
			break;
		if ((r = parse_flag(spec, argc, argv, &i, err)) < 0)
			return r;
	}
	spec->network = jl_job_network_mode(spec->network_name);
	for (; i < argc; i++)
		if (jl_strv_push(&spec->argv, argv[i]) < 0)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
						"cannot read the command");
	if (ret_consumed)
		*ret_consumed = argc;
	return 0;
}

/* ------------------------------------------------------------------ JSON out */

/* What a view writes, and what the program that writes it adds. */
struct writer {
	unsigned view;			      /* JL_JOB_REQUEST, JL_JOB_ANSWER or JL_JOB_FILE */
	const struct jl_job_request_out *out; /* JL_JOB_REQUEST */
	json_object *uploads;		      /* JL_JOB_ANSWER: consumed */
};

/* KEY=VALUE entries as an object; secret values as `***` in answers and spec.json. */
static json_object *env_json(char *const *env, unsigned view, bool secret)
{
	json_object *o = json_object_new_object();

	for (; o && env && *env; env++) {
		const char *eq = strchr(*env, '=');
		char *key = eq ? strndup(*env, (size_t)(eq - *env)) : NULL;

		if (!eq)
			continue;
		if (!key) {
			json_object_put(o);
			return NULL;
		}
		/*
		 * A name given twice: spec.json keeps the later value at the later
		 * place, as the shim sets such a list (job_environment()); the
		 * request has always carried it at the earlier place.
		 */
		if (view == JL_JOB_FILE)
			json_object_object_del(o, key);
		json_object_object_add(o, key,
				       json_object_new_string(secret && view != JL_JOB_REQUEST
								      ? JL_JOB_SECRET_MASK
								      : eq + 1));
		free(key);
	}
	return o;
}

/*
 * A time with a date but no zone ("2026-12-03 10:00", "2026-12-03T10:00:00"):
 * rnx sends it as typed, for the node to read in its own local time.
 */
static bool zoneless_time(const char *v)
{
	const char *t;

	if (!v || strlen(v) < 16 || !isdigit((unsigned char)v[0]) || v[4] != '-' || v[7] != '-')
		return false;
	t = v + 10;
	return !strpbrk(t, "Zz+") && !strchr(t + 1, '-');
}

static json_object *time_json(const struct writer *w, int64_t ns)
{
	char buf[40];

	if (ns <= 0)
		return NULL;
	if (w->view == JL_JOB_REQUEST && zoneless_time(w->out->schedule_text))
		return json_object_new_string(w->out->schedule_text);
	jl_time_format_rfc3339(ns, buf, sizeof(buf));
	return json_object_new_string(buf);
}

/* A request carries only what is set (the daemon's defaults apply to the rest). */
static bool is_set(const struct jl_job_field *f, const struct jl_job_spec *s)
{
	char **v;
	int32_t e;

	switch (f->kind) {
	case JL_JOB_ARGV:
		return true;
	case JL_JOB_ENV:
	case JL_JOB_UPLOADS:
	case JL_JOB_LIST:
		v = *MEMBER(char **, s, f);
		return v && v[0];
	case JL_JOB_INT:
	case JL_JOB_TIME:
		return *MEMBER(int64_t, s, f) != 0;
	case JL_JOB_STRING:
		return *MEMBER(char *, s, f) != NULL;
	case JL_JOB_ENUM:
		e = *MEMBER(int32_t, s, f);
		return e != 0 && e != f->names[0].value;
	}
	return false;
}

static int uploads_json(const struct writer *w, char **paths, json_object **ret,
			struct joblet_error **err)
{
	if (w->view == JL_JOB_FILE) {
		*ret = jl_strv_json(paths);
		return 0;
	}
	if (w->view == JL_JOB_ANSWER) {
		*ret = w->uploads ? json_object_get(w->uploads) : json_object_new_array();
		return 0;
	}
	if (!w->out->uploads)
		return joblet_error_set(err, JOBLET_E_INVALID, 0, "cannot send uploads");
	return w->out->uploads(paths, ret, err);
}

/* Field f of s as view w writes it, into *ret (NULL = null). */
static int field_json(const struct writer *w, const struct jl_job_field *f,
		      const struct jl_job_spec *s, json_object **ret, struct joblet_error **err)
{
	const char *str;
	bool nullable = false;

	switch (f->kind) {
	case JL_JOB_ARGV:
	case JL_JOB_LIST:
		*ret = jl_strv_json(*MEMBER(char **, s, f));
		break;
	case JL_JOB_ENV:
		*ret = env_json(*MEMBER(char **, s, f), w->view, f->views & JL_JOB_SECRET);
		break;
	case JL_JOB_INT:
		*ret = json_object_new_int64(*MEMBER(int64_t, s, f));
		break;
	case JL_JOB_STRING:
		str = *MEMBER(char *, s, f);
		if (!str && w->view == JL_JOB_ANSWER)
			str = f->answer_unset;
		nullable = !str;
		*ret = str ? json_object_new_string(str) : NULL;
		break;
	case JL_JOB_ENUM:
		*ret = json_object_new_string(enum_name(f, *MEMBER(int32_t, s, f))->name);
		break;
	case JL_JOB_TIME:
		nullable = *MEMBER(int64_t, s, f) <= 0;
		*ret = time_json(w, *MEMBER(int64_t, s, f));
		break;
	case JL_JOB_UPLOADS:
		if (uploads_json(w, *MEMBER(char **, s, f), ret, err) < 0)
			return -1;
		break;
	}
	if (!*ret && !nullable)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot write the job spec");
	return 0;
}

/* The fields of s that view w shows, as a new string. */
static int write_view(const struct writer *w, const struct jl_job_spec *s, char **ret_json,
		      struct joblet_error **err)
{
	json_object *o = json_object_new_object();

	if (!o)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot write the job spec");
	for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
		const struct jl_job_field *f = &fields[i];
		json_object *v = NULL;

		if (!(f->views & w->view) || (w->view == JL_JOB_REQUEST && !is_set(f, s)))
			continue;
		if (field_json(w, f, s, &v, err) < 0) {
			json_object_put(o);
			return -1;
		}
		json_object_object_add(o, f->key, v);
	}
	/* The job's place on a network: spec.json only, outside the field table. */
	if (w->view == JL_JOB_FILE && s->net) {
		json_object *v = NULL;

		if (jl_job_net_to_json(s->net, &v, err) < 0) {
			json_object_put(o);
			return -1;
		}
		json_object_object_add(o, "net", v);
	}
	return jl_json_finish(o, ret_json, err);
}

int jl_job_spec_to_request(const struct jl_job_spec *spec, const struct jl_job_request_out *out,
			   char **ret_json, struct joblet_error **err)
{
	struct writer w = { JL_JOB_REQUEST, out, NULL };

	return write_view(&w, spec, ret_json, err);
}

int jl_job_spec_to_answer(const struct jl_job_spec *spec, json_object *uploads, char **ret_json,
			  struct joblet_error **err)
{
	struct writer w = { JL_JOB_ANSWER, NULL, uploads };
	int r = write_view(&w, spec, ret_json, err);

	json_object_put(uploads);
	return r;
}

int jl_job_spec_to_json(const struct jl_job_spec *spec, char **ret_json, struct joblet_error **err)
{
	struct writer w = { JL_JOB_FILE, NULL, NULL };

	return write_view(&w, spec, ret_json, err);
}

/* ------------------------------------------------------------------ the request in */

#define bad(err, fmt, field) joblet_error_set(err, JOBLET_E_INVALID, 0, fmt, field)

static int request_argv(const char *key, json_object *v, char ***list, struct joblet_error **err)
{
	size_t len;

	if (!json_object_is_type(v, json_type_array) || (len = json_object_array_length(v)) == 0)
		return bad(err, "`%s` must be a non-empty array of strings", key);
	jl_strv_free(*list);
	*list = calloc(len + 1, sizeof(char *));
	if (!*list)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	for (size_t i = 0; i < len; i++) {
		json_object *a = json_object_array_get_idx(v, i);

		if (!json_object_is_type(a, json_type_string))
			return bad(err, "`%s` must hold only strings", key);
		(*list)[i] = strdup(json_object_get_string(a));
		if (!(*list)[i] || strlen((*list)[i]) != (size_t)json_object_get_string_len(a))
			return bad(err, "`%s` holds a NUL byte or cannot be copied", key);
	}
	return 0;
}

/* An array of non-empty strings (maybe empty), at most JL_JOB_MAX_LIST. */
static int request_list(const char *key, json_object *v, char ***list, struct joblet_error **err)
{
	size_t len;

	if (!json_object_is_type(v, json_type_array) ||
	    (len = json_object_array_length(v)) > JL_JOB_MAX_LIST)
		return bad(err, "`%s` must be an array of at most 64 strings", key);
	jl_strv_free(*list);
	*list = NULL;
	if (len == 0)
		return 0;
	if (!(*list = calloc(len + 1, sizeof(char *))))
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	for (size_t i = 0; i < len; i++) {
		json_object *a = json_object_array_get_idx(v, i);

		if (!json_object_is_type(a, json_type_string) || json_object_get_string_len(a) == 0)
			return bad(err, "`%s` must hold only non-empty strings", key);
		(*list)[i] = strdup(json_object_get_string(a));
		if (!(*list)[i] || strlen((*list)[i]) != (size_t)json_object_get_string_len(a))
			return bad(err, "`%s` holds a NUL byte or cannot be copied", key);
	}
	return 0;
}

static int request_env(const char *key, json_object *v, char ***list, struct joblet_error **err)
{
	if (!json_object_is_type(v, json_type_object))
		return bad(err, "`%s` must be an object of names and string values", key);
	jl_strv_free(*list);
	*list = NULL;
	json_object_object_foreach(v, k, val)
	{
		_cleanup_free_ char *kv = NULL;

		if (!json_object_is_type(val, json_type_string))
			return joblet_error_set(err, JOBLET_E_INVALID, 0,
						"`%s.%s` must be a string", key, k);
		if (asprintf(&kv, "%s=%s", k, json_object_get_string(val)) < 0) {
			kv = NULL;
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
		}
		if (jl_strv_push(list, kv) < 0)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	}
	return 0;
}

static int request_int(const struct jl_job_field *f, json_object *v, int64_t *ret,
		       struct joblet_error **err)
{
	if (!json_object_is_type(v, json_type_int))
		return bad(err, "`%s` must be a whole number", f->key);
	errno = 0;
	*ret = json_object_get_int64(v);
	if (errno || *ret < f->api_min || *ret > f->api_max)
		return joblet_error_set(err, JOBLET_E_INVALID, 0, "`%s` must be from %lld to %lld",
					f->key, (long long)f->api_min, (long long)f->api_max);
	return 0;
}

static int request_enum(const struct jl_job_request_in *in, const struct jl_job_field *f,
			const char *t, int32_t *ret, struct joblet_error **err)
{
	for (const struct jl_job_enum_name *n = f->names; n->name; n++) {
		if (strcmp(n->name, t) != 0)
			continue;
		if (n->admin_only && !in->admin)
			return joblet_error_set(err, JOBLET_E_PERMISSION, 0, "%s", n->admin_only);
		*ret = n->value;
		return 0;
	}
	return joblet_error_set(err, JOBLET_E_INVALID, 0, "`%s` must be %s", f->key, f->api_what);
}

/* A field whose JSON value is a string: STRING, ENUM, TIME. */
static int request_text(const struct jl_job_request_in *in, const struct jl_job_field *f,
			json_object *v, struct jl_job_spec *s, struct joblet_error **err)
{
	const char *t;
	int64_t n;
	int r;

	if (!json_object_is_type(v, json_type_string))
		return bad(err, "`%s` must be a string", f->key);
	t = json_object_get_string(v);
	if (strlen(t) != (size_t)json_object_get_string_len(v))
		return bad(err, "`%s` holds a NUL byte", f->key);
	if (f->kind == JL_JOB_ENUM)
		return request_enum(in, f, t, MEMBER(int32_t, s, f), err);
	for (const struct jl_job_enum_name *n = f->names; f->names && n->name; n++)
		if (n->admin_only && !in->admin && strcmp(n->name, t) == 0)
			return joblet_error_set(err, JOBLET_E_PERMISSION, 0, "%s", n->admin_only);
	if (f->kind == JL_JOB_TIME) {
		/* Without a zone, a time is this daemon's local time. */
		if ((r = jl_schedule_parse(t, now_ns(), &n, err)) < 0)
			return joblet_error_prefix(err, r, "%s", f->key);
		*MEMBER(int64_t, s, f) = n;
		return 0;
	}
	free(*MEMBER(char *, s, f));
	*MEMBER(char *, s, f) = strdup(t);
	if (!*MEMBER(char *, s, f))
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	return 0;
}

static int request_field(const struct jl_job_request_in *in, const struct jl_job_field *f,
			 json_object *v, struct jl_job_spec *s, struct joblet_error **err)
{
	switch (f->kind) {
	case JL_JOB_ARGV:
		return request_argv(f->key, v, MEMBER(char **, s, f), err);
	case JL_JOB_LIST:
		return request_list(f->key, v, MEMBER(char **, s, f), err);
	case JL_JOB_ENV:
		return request_env(f->key, v, MEMBER(char **, s, f), err);
	case JL_JOB_INT:
		return request_int(f, v, MEMBER(int64_t, s, f), err);
	case JL_JOB_UPLOADS:
		if (!in->uploads)
			return joblet_error_set(err, JOBLET_E_INVALID, 0, "`%s` are not taken here",
						f->key);
		return in->uploads(v, in->userdata, err);
	case JL_JOB_STRING:
	case JL_JOB_ENUM:
	case JL_JOB_TIME:
		break;
	}
	return request_text(in, f, v, s, err);
}

int jl_job_spec_from_request(json_object *o, const struct jl_job_request_in *in,
			     struct jl_job_spec **ret_spec, struct joblet_error **err)
{
	struct jl_job_spec *s = NULL;
	int r = jl_job_spec_new(&s, err);

	if (r < 0)
		return r;
	json_object_object_foreach(o, key, v)
	{
		const struct jl_job_field *f = field_by_key(key, JL_JOB_REQUEST);

		if (!f)
			r = joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"`%s` is not a field of a job (command, env, secret_env, max_cpu, max_memory, max_disk, max_iobps, max_pids, max_log, cpu_cores, runtime, timeout, workdir, network, allow, max_net, volumes, schedule, cron, priority, cpus, name, uploads)",
				key);
		else
			r = request_field(in, f, v, s, err);
		if (r < 0)
			break;
	}
	s->network = jl_job_network_mode(s->network_name);
	if (r == 0 && (!s->argv || !s->argv[0]))
		r = bad(err, "`%s` is required: the command and its arguments", "command");
	if (r == 0 && !s->env && !(s->env = calloc(1, sizeof(char *))))
		r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	if (r < 0) {
		jl_job_spec_free(s);
		return r;
	}
	*ret_spec = s;
	return 0;
}

/* ------------------------------------------------------------------ spec.json in */

/* Field f's value in spec.json: under its key, or the key an earlier release wrote. */
static json_object *file_value(json_object *o, const struct jl_job_field *f)
{
	json_object *v = NULL;

	if (json_object_object_get_ex(o, f->key, &v))
		return v;
	if (f->old_key && json_object_object_get_ex(o, f->old_key, &v))
		return v;
	return NULL;
}

/* An array of strings into *list (replaced). */
static int file_strv(json_object *v, char ***list)
{
	jl_strv_free(*list);
	*list = calloc(1, sizeof(char *));
	if (!*list || !json_object_is_type(v, json_type_array))
		return -1;
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		json_object *a = json_object_array_get_idx(v, i);

		if (!json_object_is_type(a, json_type_string) ||
		    jl_strv_push(list, json_object_get_string(a)) < 0)
			return -1;
	}
	return 0;
}

/* An object of strings; a spec.json of an earlier release has an array of KEY=VALUE. */
static int file_env(json_object *v, char ***list)
{
	if (!json_object_is_type(v, json_type_object))
		return file_strv(v, list);
	jl_strv_free(*list);
	*list = calloc(1, sizeof(char *));
	if (!*list)
		return -1;
	json_object_object_foreach(v, k, val)
	{
		_cleanup_free_ char *kv = NULL;

		if (!json_object_is_type(val, json_type_string) ||
		    asprintf(&kv, "%s=%s", k, json_object_get_string(val)) < 0) {
			kv = NULL;
			return -1;
		}
		if (jl_strv_push(list, kv) < 0)
			return -1;
	}
	return 0;
}

/* A time: RFC 3339; a spec.json of an earlier release has ns (schedule_ns). */
static int file_time(json_object *v, int64_t *ret)
{
	if (json_object_is_type(v, json_type_int)) {
		*ret = json_object_get_int64(v);
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return -1;
	return jl_time_parse_rfc3339(json_object_get_string(v), ret, NULL);
}

/* Field f from its value v in spec.json (not null); -1 for a wrong type or no memory. */
static int file_field(const struct jl_job_field *f, json_object *v, struct jl_job_spec *s)
{
	bool text = json_object_is_type(v, json_type_string);
	const char *t = text ? json_object_get_string(v) : NULL;

	switch (f->kind) {
	case JL_JOB_ARGV:
	case JL_JOB_UPLOADS:
	case JL_JOB_LIST:
		return file_strv(v, MEMBER(char **, s, f));
	case JL_JOB_ENV:
		return file_env(v, MEMBER(char **, s, f));
	case JL_JOB_INT:
		if (!json_object_is_type(v, json_type_int))
			return -1;
		*MEMBER(int64_t, s, f) = json_object_get_int64(v);
		return 0;
	case JL_JOB_TIME:
		return file_time(v, MEMBER(int64_t, s, f));
	case JL_JOB_STRING:
		if (!text)
			return -1;
		free(*MEMBER(char *, s, f));
		*MEMBER(char *, s, f) = strdup(t);
		return *MEMBER(char *, s, f) ? 0 : -1;
	case JL_JOB_ENUM:
		if (!text || !enum_value(f, t))
			return -1;
		*MEMBER(int32_t, s, f) = enum_value(f, t);
		return 0;
	}
	return -1;
}

/* Every field of spec.json o into s; lists absent from it are empty. */
static int file_fields(json_object *o, struct jl_job_spec *s)
{
	for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
		const struct jl_job_field *f = &fields[i];
		json_object *v = file_value(o, f);
		bool list = f->kind == JL_JOB_ARGV || f->kind == JL_JOB_ENV ||
			    f->kind == JL_JOB_UPLOADS || f->kind == JL_JOB_LIST;

		if (!(f->views & JL_JOB_FILE))
			continue;
		if (v && !json_object_is_type(v, json_type_null)) {
			if (file_field(f, v, s) < 0)
				return -1;
		} else if (list && !*MEMBER(char **, s, f) &&
			   !(*MEMBER(char **, s, f) = calloc(1, sizeof(char *))))
			return -1;
	}
	return 0;
}

int jl_job_spec_from_json(const char *json, struct jl_job_spec **ret_spec,
			  struct joblet_error **err)
{
	json_object *o = json_tokener_parse(json), *net = NULL;
	struct jl_job_spec *s = calloc(1, sizeof(*s));
	int r = 0;

	if (!s)
		r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read the job spec");
	else if (!o || !json_object_is_type(o, json_type_object))
		r = joblet_error_set(err, JOBLET_E_PARSE, 0, "the job spec is not a JSON object");
	else {
		/* No user in the file: the shim gives it one (isolation.uid_range). */
		s->uid = s->gid = -1;
		if (file_fields(o, s) < 0)
			r = joblet_error_set(err, JOBLET_E_PARSE, 0,
					     "the job spec has fields of the wrong type");
		else if (json_object_object_get_ex(o, "net", &net) &&
			 !json_object_is_type(net, json_type_null))
			r = jl_job_net_from_json(net, &s->net, err);
		s->network = jl_job_network_mode(s->network_name);
	}
	json_object_put(o);
	/* The shim runs what this says: a spec without a command, or naming root, is refused. */
	if (r == 0 && (!s->id || !s->argv || !s->argv[0] || s->uid == 0 || s->gid == 0))
		r = joblet_error_set(
			err, JOBLET_E_PARSE, 0,
			"the job spec lacks its id or command, or names root (uid, gid 0)");
	if (r < 0) {
		jl_job_spec_free(s);
		return r;
	}
	*ret_spec = s;
	return 0;
}

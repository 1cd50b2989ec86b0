/*
 * test_job_schema.c - the job schema (job/job_schema.h): every field of its
 * table survives flags -> request (rnx) -> spec (daemon) -> spec.json ->
 * request unchanged, but for the secret values: answers and spec.json show
 * `***` instead (the shim gets them in memory); a spec.json of the
 * previous release is still read; the refusals name every flag and key.
 *
 * The tests iterate the table: a field added to it without a sample here,
 * or that one of the views forgets, fails them.
 */
#include <config.h>

#include <json.h>
#include <string.h>
#include <sys/stat.h>

#include "base/util.h"
#include "common/uploads.h"
#include "job/job_schema.h"
#include "job/job_spec.h"

#include "jl_test.h"
#include "jl_tmp.h"

#define MEMBER(type, spec, f) ((type *)((char *)(spec) + (f)->offset))

/* The upload the samples name: a file of the scratch directory. */
#define UPLOAD_NAME "job.py"
#define UPLOAD_TEXT "print('hi')\n"

/* What the flags give each field that has a flag ("@NAME": NAME in the scratch directory). */
static const struct {
	const char *key, *value;
} samples[] = {
	{ "env", "A=1" },
	{ "secret_env", "TOKEN=hunter2" },
	{ "max_cpu", "150" },
	{ "max_memory", "2GiB" },
	{ "max_disk", "512" },
	{ "max_iobps", "10MiB" },
	{ "max_pids", "64" },
	{ "max_log", "1GiB" },
	{ "cpu_cores", "0-1" },
	{ "runtime", "python-3.11@1.0.0" },
	{ "timeout", "1m30s" },
	{ "workdir", "/work/sub" },
	{ "network", "host" },
	{ "allow", "10.1.0.0/16:443" },
	{ "max_net", "10MiB" },
	{ "schedule", "2h" },
	{ "priority", "7" },
	{ "cpus", "2" },
	{ "cron", "*/5 * * * *" },
	{ "name", "nightly build" },
	{ "uploads", "@" UPLOAD_NAME },
	{ "volumes", "cache:ro" },
};

/*
 * spec.json holds the secret names with `***`, never a value: the values
 * reach the shim in memory (job/job_secrets.h), as here from orig.
 */
static void hand_over_secrets(struct jl_job_spec *from_file, const struct jl_job_spec *orig)
{
	size_t i;

	for (i = 0; orig->secret_env && orig->secret_env[i]; i++) {
		const char *eq = strchr(orig->secret_env[i], '=');

		ck_assert_ptr_nonnull(from_file->secret_env[i]);
		ck_assert(strncmp(from_file->secret_env[i], orig->secret_env[i],
				  (size_t)(eq - orig->secret_env[i]) + 1) == 0);
		ck_assert_str_eq(strchr(from_file->secret_env[i], '=') + 1, "***");
	}
	ck_assert_ptr_null(from_file->secret_env ? from_file->secret_env[i] : NULL);
	jl_strv_free(from_file->secret_env);
	from_file->secret_env = NULL;
	for (i = 0; orig->secret_env && orig->secret_env[i]; i++)
		ck_assert_int_eq(jl_strv_push(&from_file->secret_env, orig->secret_env[i]), 0);
}

/* What only the daemon sets (jl_job_spec_validate()), as it would. */
static void daemon_fields(struct jl_job_spec *s)
{
	free(s->runtime_dir);
	s->runtime_dir = strdup("/var/lib/joblet/runtimes/python-3.11/1.0.0");
	s->uid = 1000;
	s->gid = 1001;
	jl_strv_free(s->volume_paths);
	s->volume_paths = NULL;
	jl_strv_push(&s->volume_paths, "/var/lib/joblet/volumes/cache/data");
}

static struct jl_job_spec *spec;
static struct joblet_error *err;

static void setup(void)
{
	jl_tmp_setup();
	jl_tmp_write(UPLOAD_NAME, UPLOAD_TEXT);
	chmod(jl_tmp_path(UPLOAD_NAME), 0640);
	spec = NULL;
	err = NULL;
}

static void teardown(void)
{
	jl_job_spec_free(spec);
	joblet_error_free(err);
	jl_tmp_teardown();
}

static const char *sample(const char *key)
{
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		if (strcmp(samples[i].key, key) == 0)
			return samples[i].value;
	return NULL;
}

static bool same_strv(char *const *a, char *const *b)
{
	size_t i = 0;

	for (; a && b && a[i] && b[i]; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return !(a && a[i]) && !(b && b[i]);
}

/* Field f holds the same in a and b. */
static bool same_value(const struct jl_job_field *f, const struct jl_job_spec *a,
		       const struct jl_job_spec *b)
{
	const char *x, *y;

	switch (f->kind) {
	case JL_JOB_ARGV:
	case JL_JOB_ENV:
	case JL_JOB_UPLOADS:
	case JL_JOB_LIST:
		return same_strv(*MEMBER(char **, a, f), *MEMBER(char **, b, f));
	case JL_JOB_INT:
	case JL_JOB_TIME:
		return *MEMBER(int64_t, a, f) == *MEMBER(int64_t, b, f);
	case JL_JOB_ENUM:
		return *MEMBER(int32_t, a, f) == *MEMBER(int32_t, b, f);
	case JL_JOB_STRING:
		x = *MEMBER(char *, a, f);
		y = *MEMBER(char *, b, f);
		return x == y || (x && y && strcmp(x, y) == 0);
	}
	ck_abort_msg("field `%s` has a kind this test does not know", f->key);
	return false;
}

/* The flags of every sample, then the command; into the fixture's spec. */
static void parse_samples(void)
{
	size_t n;
	const struct jl_job_field *fields = jl_job_schema(&n);
	char *argv[64], buf[64][512];
	int argc = 0;

	for (size_t i = 0; i < n; i++) {
		const char *v = sample(fields[i].key);

		if (!fields[i].flag) {
			ck_assert_msg(!v, "field `%s` has a sample but no flag", fields[i].key);
			continue;
		}
		ck_assert_msg(v, "field `%s` (%s) has no sample in test_job_schema.c",
			      fields[i].key, fields[i].flag);
		snprintf(buf[argc], sizeof(buf[argc]), "%s=%s", fields[i].flag,
			 v[0] == '@' ? jl_tmp_path(v + 1) : v);
		argv[argc] = buf[argc];
		argc++;
	}
	argv[argc++] = (char *)"--";
	argv[argc++] = (char *)"sh";
	argv[argc++] = (char *)"-c";
	argv[argc++] = (char *)"echo \"quoted\" $A";
	argv[argc] = NULL;
	ck_assert_int_eq(jl_job_spec_new(&spec, NULL), 0);
	ck_assert_msg(jl_job_spec_parse_args(spec, argc, argv, NULL, &err) == 0, "%s",
		      joblet_error_message(err));
}

static char *request_of(const struct jl_job_spec *s)
{
	struct jl_job_request_out out = { sample("schedule"), jl_uploads_encode };
	char *json = NULL;

	ck_assert_msg(jl_job_spec_to_request(s, &out, &json, &err) == 0, "%s",
		      joblet_error_message(err));
	return json;
}

static struct jl_job_spec *spec_of_request(const char *json, struct jl_uploads *u)
{
	struct jl_job_request_in in = { true, jl_uploads_decode, u };
	struct jl_job_spec *s = NULL;
	json_object *o = json_tokener_parse(json);

	ck_assert_ptr_nonnull(o);
	ck_assert_msg(jl_job_spec_from_request(o, &in, &s, &err) == 0, "%s",
		      joblet_error_message(err));
	json_object_put(o);
	return s;
}

static struct jl_job_spec *through_file(const struct jl_job_spec *s)
{
	struct jl_job_spec *back = NULL;
	char *json = NULL;

	ck_assert_int_eq(jl_job_spec_to_json(s, &json, NULL), 0);
	ck_assert_msg(jl_job_spec_from_json(json, &back, &err) == 0, "%s: %s",
		      joblet_error_message(err), json);
	free(json);
	return back;
}

/* The uploads the daemon decoded are the sample file, under its name, with its mode. */
static void assert_uploads(const struct jl_uploads *u)
{
	ck_assert_uint_eq(u->n, 1);
	ck_assert_str_eq(u->items[0].path, UPLOAD_NAME);
	ck_assert_uint_eq(u->items[0].len, strlen(UPLOAD_TEXT));
	ck_assert(memcmp(u->items[0].data, UPLOAD_TEXT, strlen(UPLOAD_TEXT)) == 0);
	ck_assert_int_eq(u->items[0].mode, 0640);
	ck_assert(!u->items[0].dir);
}

START_TEST(test_round_trip_every_field)
{
	size_t n;
	const struct jl_job_field *fields = jl_job_schema(&n);
	struct jl_job_spec *fresh = NULL, *daemon, *file;
	struct jl_uploads up = { NULL, 0 }, up_again = { NULL, 0 };
	json_object *req1, *req2;
	char *text1, *text2;

	parse_samples();
	ck_assert_int_eq(jl_job_spec_new(&fresh, NULL), 0);
	text1 = request_of(spec);
	req1 = json_tokener_parse(text1);
	daemon = spec_of_request(text1, &up);
	daemon_fields(daemon);
	file = through_file(daemon);
	hand_over_secrets(file, daemon);
	text2 = request_of(file);
	req2 = json_tokener_parse(text2);
	for (size_t i = 0; i < n; i++) {
		const struct jl_job_field *f = &fields[i];
		json_object *v1 = NULL, *v2 = NULL;

		if (f->flag)
			ck_assert_msg(!same_value(f, spec, fresh), "%s sets nothing", f->flag);
		if (f->views & JL_JOB_FILE)
			ck_assert_msg(same_value(f, daemon, file), "`%s` changes through spec.json",
				      f->key);
		if (!(f->views & JL_JOB_REQUEST))
			continue;
		ck_assert_msg(json_object_object_get_ex(req1, f->key, &v1),
			      "rnx does not send `%s`: %s", f->key, text1);
		if (f->kind == JL_JOB_UPLOADS) {
			/* The daemon writes them into /work: they come back as files, not as a
			 * field. */
			assert_uploads(&up);
			ck_assert_ptr_null(daemon->uploads[0]);
			continue;
		}
		ck_assert_msg(json_object_object_get_ex(req2, f->key, &v2),
			      "`%s` is lost on the way through the daemon and spec.json: %s",
			      f->key, text2);
		ck_assert_msg(json_object_equal(v1, v2), "`%s` changes on the way: %s, then %s",
			      f->key, json_object_to_json_string(v1),
			      json_object_to_json_string(v2));
	}
	/* ... and the request made again sends the same files. */
	json_object_object_del(req1, "uploads");
	ck_assert_msg(json_object_equal(req1, req2), "%s\n%s", text1, text2);
	jl_job_spec_free(spec_of_request(text1, &up_again));
	assert_uploads(&up_again);
	jl_uploads_done(&up);
	jl_uploads_done(&up_again);
	json_object_put(req1);
	json_object_put(req2);
	free(text1);
	free(text2);
	jl_job_spec_free(fresh);
	jl_job_spec_free(daemon);
	jl_job_spec_free(file);
}
END_TEST

/* run-local and the runs of a recurring job: host paths in spec.json, every field kept. */
START_TEST(test_file_round_trip)
{
	size_t n;
	const struct jl_job_field *fields = jl_job_schema(&n);
	struct jl_job_spec *back;
	char *json;

	parse_samples();
	daemon_fields(spec);
	/* spec.json keeps a time as the API does, to the millisecond. */
	spec->schedule_ns -= spec->schedule_ns % 1000000;
	/* No secret value in spec.json, at any time. */
	ck_assert_int_eq(jl_job_spec_to_json(spec, &json, NULL), 0);
	ck_assert_ptr_null(strstr(json, "hunter2"));
	free(json);
	back = through_file(spec);
	ck_assert_str_eq(back->secret_env[0], "TOKEN=***");
	hand_over_secrets(back, spec);
	for (size_t i = 0; i < n; i++)
		if (fields[i].views & JL_JOB_FILE)
			ck_assert_msg(same_value(&fields[i], spec, back),
				      "`%s` changes through spec.json", fields[i].key);
	ck_assert_str_eq(back->uploads[0], jl_tmp_path(UPLOAD_NAME));
	jl_job_spec_free(back);
}
END_TEST

/* A name given twice: the later value wins, at the later place, as the shim sets it. */
START_TEST(test_file_env_twice)
{
	struct jl_job_spec *back;

	ck_assert_int_eq(jl_job_spec_new(&spec, NULL), 0);
	ck_assert_int_eq(jl_strv_push(&spec->argv, "env"), 0);
	ck_assert_int_eq(jl_strv_push(&spec->env, "A=1"), 0);
	ck_assert_int_eq(jl_strv_push(&spec->env, "B=2"), 0);
	ck_assert_int_eq(jl_strv_push(&spec->env, "A=3"), 0);
	daemon_fields(spec);
	back = through_file(spec);
	ck_assert_str_eq(back->env[0], "B=2");
	ck_assert_str_eq(back->env[1], "A=3");
	ck_assert_ptr_null(back->env[2]);
	jl_job_spec_free(back);
}
END_TEST

/* What the previous release wrote into a job's folder is still read. */
START_TEST(test_file_of_the_previous_release)
{
	static const char old[] =
		"{\"id\":\"0b6c7a8e-3f5d-4c1e-9a2b-5d6e7f809a1b\",\"argv\":[\"sh\",\"-c\",\"echo hi\"],"
		"\"env\":[\"A=1\",\"B=x=y\"],\"max_cpu\":50,\"max_memory_mib\":64,\"max_iobps\":1024,"
		"\"max_pids\":100,\"timeout_s\":5,\"cpu_cores\":\"0\",\"runtime\":\"py@1\","
		"\"runtime_dir\":\"/rt/py/1\",\"uploads\":[\"/tmp/a\"],\"workdir\":\"/work\","
		"\"uid\":65534,\"gid\":65533,\"network\":\"host\",\"secret_env\":[\"S=1\"],"
		"\"name\":\"n\",\"priority\":3,\"schedule_ns\":1796300000123456789,\"cpus\":0,"
		"\"cron\":\"* * * * *\"}";
	size_t n;
	const struct jl_job_field *fields = jl_job_schema(&n);
	struct jl_job_spec *back;

	ck_assert_msg(jl_job_spec_from_json(old, &spec, &err) == 0, "%s",
		      joblet_error_message(err));
	ck_assert_str_eq(spec->id, "0b6c7a8e-3f5d-4c1e-9a2b-5d6e7f809a1b");
	ck_assert_str_eq(spec->argv[2], "echo hi");
	ck_assert_str_eq(spec->env[1], "B=x=y");
	ck_assert_int_eq(spec->max_cpu, 50);
	ck_assert_int_eq(spec->max_memory_mib, 64);
	ck_assert_int_eq(spec->max_iobps, 1024);
	ck_assert_int_eq(spec->max_pids, 100);
	ck_assert_int_eq(spec->timeout_s, 5);
	ck_assert_str_eq(spec->cpu_cores, "0");
	ck_assert_str_eq(spec->runtime, "py@1");
	ck_assert_str_eq(spec->runtime_dir, "/rt/py/1");
	ck_assert_str_eq(spec->uploads[0], "/tmp/a");
	ck_assert_int_eq(spec->uid, 65534);
	ck_assert_int_eq(spec->gid, 65533);
	ck_assert_int_eq(spec->network, JOBLET_NETWORK_HOST);
	ck_assert_str_eq(spec->secret_env[0], "S=1");
	ck_assert_str_eq(spec->name, "n");
	ck_assert_int_eq(spec->priority, 3);
	ck_assert_int_eq(spec->schedule_ns, INT64_C(1796300000123456789));
	ck_assert_str_eq(spec->cron, "* * * * *");
	/* Written again in today's keys, it reads the same (the schedule to the millisecond). */
	back = through_file(spec);
	hand_over_secrets(back, spec);
	spec->schedule_ns -= spec->schedule_ns % 1000000;
	for (size_t i = 0; i < n; i++)
		if (fields[i].views & JL_JOB_FILE)
			ck_assert_msg(same_value(&fields[i], spec, back), "`%s`", fields[i].key);
	jl_job_spec_free(back);
	/* Still refused: a wrong type, no command, root; no user is the shim's to give. */
	ck_assert_int_lt(jl_job_spec_from_json("{\"argv\": 3}", &back, &err), 0);
	ck_assert_int_eq(err->code, JOBLET_E_PARSE);
	ck_assert_int_lt(jl_job_spec_from_json("{\"id\": \"x\"}", &back, &err), 0);
	ck_assert_int_lt(
		jl_job_spec_from_json("{\"id\": \"x\", \"command\": [\"true\"], \"uid\": 0}", &back,
				      &err),
		0);
	ck_assert_int_eq(
		jl_job_spec_from_json("{\"id\": \"x\", \"command\": [\"true\"]}", &back, &err), 0);
	ck_assert_int_eq(back->uid, -1);
	jl_job_spec_free(back);
	ck_assert_int_lt(jl_job_spec_from_json("{\"id\": \"x\", \"command\": [\"true\"], "
					       "\"uid\": 1, \"gid\": 1, \"network\": 5}",
					       &back, &err),
			 0);
}
END_TEST

/* Answers and the store: every answer field, secret values as `***` and nowhere else. */
START_TEST(test_answer)
{
	size_t n;
	const struct jl_job_field *fields = jl_job_schema(&n);
	struct jl_uploads up = { NULL, 0 };
	struct jl_job_spec *daemon;
	char *text, *answer;
	json_object *o, *v;

	parse_samples();
	text = request_of(spec);
	daemon = spec_of_request(text, &up);
	daemon_fields(daemon);
	ck_assert_int_eq(jl_job_spec_to_answer(daemon, jl_uploads_paths(&up), &answer, NULL), 0);
	ck_assert_ptr_null(strstr(answer, "hunter2"));
	o = json_tokener_parse(answer);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(json_object_object_get_ex(o, fields[i].key, NULL) ==
				      !!(fields[i].views & JL_JOB_ANSWER),
			      "`%s` in the answer: %s", fields[i].key, answer);
	ck_assert(json_object_object_get_ex(o, "secret_env", &v));
	ck_assert_str_eq(json_object_get_string(json_object_object_get(v, "TOKEN")), "***");
	ck_assert(json_object_object_get_ex(o, "uploads", &v));
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(v, 0)), UPLOAD_NAME);
	/* An unset working folder shows as the default. */
	free(daemon->workdir);
	daemon->workdir = NULL;
	free(answer);
	ck_assert_int_eq(jl_job_spec_to_answer(daemon, NULL, &answer, NULL), 0);
	ck_assert_ptr_nonnull(strstr(answer, "\"workdir\":\"/work\""));
	ck_assert_ptr_nonnull(strstr(answer, "\"uploads\":[]"));
	json_object_put(o);
	free(answer);
	free(text);
	jl_uploads_done(&up);
	jl_job_spec_free(daemon);
}
END_TEST

/* A mistyped job flag gets the flag it most likely meant named. */
START_TEST(test_typo_suggests_the_flag)
{
	static const char *const cases[][2] = {
		{ "--max-cpus=50", "unknown flag `--max-cpus`; did you mean `--max-cpu`?" },
		{ "--max-memroy", "unknown flag `--max-memroy`; did you mean `--max-memory`?" },
		{ "--timout=5m", "unknown flag `--timout`; did you mean `--timeout`?" },
		{ "--schedul=2min", "unknown flag `--schedul`; did you mean `--schedule`?" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[] = { (char *)cases[i][0], (char *)"x", NULL };

		ck_assert_int_eq(jl_job_spec_new(&spec, NULL), 0);
		ck_assert_int_lt(jl_job_spec_parse_args(spec, 2, argv, NULL, &err), 0);
		ck_assert_msg(strstr(joblet_error_message(err), cases[i][1]) != NULL, "%s: %s",
			      cases[i][0], joblet_error_message(err));
		joblet_error_clear(&err);
		jl_job_spec_free(spec);
		spec = NULL;
	}
}
END_TEST

/* The refusals of an unknown flag and an unknown key list every flag and key there is. */
START_TEST(test_refusals_name_every_field)
{
	size_t n;
	const struct jl_job_field *fields = jl_job_schema(&n);
	char *argv[] = { (char *)"--frobnicate", NULL };
	struct jl_job_request_in in = { true, jl_uploads_decode, NULL };
	json_object *o = json_tokener_parse("{\"frobnicate\": 1}");
	struct jl_job_spec *s = NULL;
	char flag_msg[1024], key_msg[1024];

	ck_assert_int_eq(jl_job_spec_new(&spec, NULL), 0);
	ck_assert_int_lt(jl_job_spec_parse_args(spec, 1, argv, NULL, &err), 0);
	snprintf(flag_msg, sizeof(flag_msg), "%s,", joblet_error_message(err));
	joblet_error_clear(&err);
	ck_assert_int_lt(jl_job_spec_from_request(o, &in, &s, &err), 0);
	ck_assert_int_eq(err->code, JOBLET_E_INVALID);
	snprintf(key_msg, sizeof(key_msg), "%s", joblet_error_message(err));
	json_object_put(o);
	for (size_t i = 0; i < n; i++) {
		char want[64];

		if (fields[i].flag) {
			if (fields[i].short_flag)
				snprintf(want, sizeof(want), " %s/%s,", fields[i].short_flag,
					 fields[i].flag);
			else
				snprintf(want, sizeof(want), " %s,", fields[i].flag);
			ck_assert_msg(strstr(flag_msg, want), "`%s` lacks `%s`", flag_msg, want);
		}
		if (fields[i].views & JL_JOB_REQUEST) {
			snprintf(want, sizeof(want), "%s%s", fields[i].key,
				 strcmp(fields[i].key, "uploads") == 0 ? ")" : ",");
			ck_assert_msg(strstr(key_msg, want), "`%s` lacks `%s`", key_msg, want);
		}
	}
}
END_TEST

/* The daemon's view of a request: its refusals keep their words. */
START_TEST(test_request_refused)
{
	static const struct {
		const char *body, *text;
		int32_t code;
	} bad[] = {
		{ "{}", "`command` is required: the command and its arguments", JOBLET_E_INVALID },
		{ "{\"command\": []}", "`command` must be a non-empty array of strings",
		  JOBLET_E_INVALID },
		{ "{\"command\": [1]}", "`command` must hold only strings", JOBLET_E_INVALID },
		{ "{\"command\": [\"a\\u0000b\"]}",
		  "`command` holds a NUL byte or cannot be copied", JOBLET_E_INVALID },
		{ "{\"command\": [\"t\"], \"env\": []}",
		  "`env` must be an object of names and string values", JOBLET_E_INVALID },
		{ "{\"command\": [\"t\"], \"secret_env\": {\"K\": 1}}",
		  "`secret_env.K` must be a string", JOBLET_E_INVALID },
		{ "{\"command\": [\"t\"], \"max_cpu\": \"5\"}", "`max_cpu` must be a whole number",
		  JOBLET_E_INVALID },
		{ "{\"command\": [\"t\"], \"priority\": 1001}", "`priority` must be from 0 to 1000",
		  JOBLET_E_INVALID },
		{ "{\"command\": [\"t\"], \"cpus\": -1}", "`cpus` must be from 0 to 4096",
		  JOBLET_E_INVALID },
		{ "{\"command\": [\"t\"], \"workdir\": 5}", "`workdir` must be a string",
		  JOBLET_E_INVALID },
		{ "{\"command\": [\"t\"], \"name\": \"a\\u0000b\"}", "`name` holds a NUL byte",
		  JOBLET_E_INVALID },
		{ "{\"command\": [\"t\"], \"network\": [\"bridge\"]}", "`network` must be a string",
		  JOBLET_E_INVALID },
		{ "{\"command\": [\"t\"], \"allow\": \"10.0.0.0/8\"}",
		  "`allow` must be an array of at most 64 strings", JOBLET_E_INVALID },
		{ "{\"command\": [\"t\"], \"network\": \"host\"}",
		  "network `host` gives a job the host's network; only the admin role may ask for it",
		  JOBLET_E_PERMISSION },
		{ "{\"command\": [\"t\"], \"schedule\": \"soon\"}",
		  "schedule: `soon` is not a time", JOBLET_E_INVALID },
		{ "{\"command\": [\"t\"], \"uid\": 0}", "`uid` is not a field of a job",
		  JOBLET_E_INVALID },
		{ "{\"command\": [\"t\"], \"runtime_path\": \"/\"}",
		  "`runtime_path` is not a field of a job", JOBLET_E_INVALID },
		{ "{\"command\": [\"t\"], \"uploads\": {}}",
		  "`uploads` must be an array of {path, data} objects", JOBLET_E_INVALID },
		{ "{\"command\": [\"t\"], \"uploads\": [{\"path\": \"../x\"}]}",
		  "uploads[0]: path `../x` must be relative to /work", JOBLET_E_INVALID },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct jl_uploads up = { NULL, 0 };
		struct jl_job_request_in in = { false, jl_uploads_decode, &up };
		json_object *o = json_tokener_parse(bad[i].body);
		struct jl_job_spec *s = NULL;

		ck_assert_msg(o, "%s", bad[i].body);
		ck_assert_msg(jl_job_spec_from_request(o, &in, &s, &err) < 0, "%s", bad[i].body);
		ck_assert_msg(strstr(joblet_error_message(err), bad[i].text), "%s: %s", bad[i].body,
			      joblet_error_message(err));
		ck_assert_int_eq(err->code, bad[i].code);
		joblet_error_clear(&err);
		json_object_put(o);
		jl_uploads_done(&up);
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("job_schema");
	TCase *tc = tcase_create("schema");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_round_trip_every_field);
	tcase_add_test(tc, test_file_round_trip);
	tcase_add_test(tc, test_file_env_twice);
	tcase_add_test(tc, test_file_of_the_previous_release);
	tcase_add_test(tc, test_answer);
	tcase_add_test(tc, test_refusals_name_every_field);
	tcase_add_test(tc, test_typo_suggests_the_flag);
	tcase_add_test(tc, test_request_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return jl_run_suite(suite());
}

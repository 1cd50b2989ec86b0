/*
 * mcp_tools.c - the tools of rnx mcp (mcp.h, docs/mcp.md): a job run in
 * one call, a job's status, log and files, stopping one, the jobs and the
 * runtimes of the node.  Each calls the node's API (docs/api.md) as the
 * identity of rnx's client certificate, so the node's roles and tenancy
 * rules decide what an agent may see and do, as for rnx itself.
 *
 * What a result holds of a job's output or a file is bounded
 * (max_output_bytes, rnx mcp --max-output): past it the result says so and
 * how to read on (job_logs' cursor, read_file's offset).
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <json.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "base/cleanup.h"
#include "base/utf8.h"
#include "common/base64.h"
#include "common/log_event.h"
#include "mcp.h"
#include "rnx.h"

/* How long a wait may be asked for, in seconds; and the default of run_job's. */
#define WAIT_MAX_S 3600
#define RUN_WAIT_S 30
/* How long stop_job waits for the job to end. */
#define STOP_WAIT_S 15
/* How long run_job tries again while the node answers 429 or 503. */
#define SUBMIT_RETRY_S 60
/* The fewest bytes a result may be asked to hold (a character is up to 4). */
#define MCP_MIN_BUDGET 16
/* list_jobs' default and largest count. */
#define LIST_DEFAULT 50
#define LIST_MAX     1000

/* ------------------------------------------------------------ helpers */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *arg_str(const struct mcp_call *call, const char *key, const char *dflt)
{
	json_object *v;

	if (json_object_object_get_ex(mcp_call_args(call), key, &v) &&
	    json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return dflt;
}

static int64_t arg_int(const struct mcp_call *call, const char *key, int64_t dflt)
{
	json_object *v;

	if (json_object_object_get_ex(mcp_call_args(call), key, &v) && v)
		return json_object_get_int64(v);
	return dflt;
}

static bool arg_bool(const struct mcp_call *call, const char *key, bool dflt)
{
	json_object *v;

	if (json_object_object_get_ex(mcp_call_args(call), key, &v) && v)
		return json_object_get_boolean(v);
	return dflt;
}

/* An integer argument within [lo, hi]: 0, or JOBLET_E_INVALID naming the range. */
static int arg_range(const struct mcp_call *call, const char *key, int64_t dflt, int64_t lo,
		     int64_t hi, int64_t *ret, struct joblet_error **err)
{
	*ret = arg_int(call, key, dflt);
	if (*ret < lo || *ret > hi)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"%s %" PRId64 " is out of range: give %" PRId64
					" to %" PRId64,
					key, *ret, lo, hi);
	return 0;
}

/* max_output_bytes of the call, else rnx mcp's --max-output. */
static int arg_budget(const struct mcp_call *call, const char *key, size_t *ret,
		      struct joblet_error **err)
{
	int64_t v;

	if (arg_range(call, key, (int64_t)mcp_call_max_output(call), MCP_MIN_BUDGET,
		      (int64_t)MCP_MAX_OUTPUT_CEILING, &v, err) < 0)
		return -1;
	*ret = (size_t)v;
	return 0;
}

/* A job id as the API takes it: its UUID or a start of it. */
static int arg_job_id(const struct mcp_call *call, const char **ret, struct joblet_error **err)
{
	const char *id = arg_str(call, "job_id", "");
	size_t n = strlen(id);

	if (n == 0 || n > 36 || strspn(id, "0123456789abcdef-") != n)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"`%s` is not a job id: give a job's id (or a unique start of it) as run_job and list_jobs return them",
			id);
	*ret = id;
	return 0;
}

/* One call of the API whose answer is JSON: 0 and *ret, or negative with *err. */
static int api_json(struct mcp_call *call, const char *method, const char *path, const char *body,
		    json_object **ret, struct joblet_error **err)
{
	struct rnx_api *api;
	char *text = NULL;

	if (mcp_call_api(call, &api, err) < 0 ||
	    rnx_api_request(api, method, path, body, body ? strlen(body) : 0, &text, NULL, err) < 0)
		return -1;
	*ret = json_tokener_parse(text);
	free(text);
	if (!*ret)
		return joblet_error_set(err, JOBLET_E_PARSE, 0,
					"the node's answer to %s %s was not JSON", method, path);
	return 0;
}

static bool state_ended(const char *s)
{
	static const char *const ended[] = { "COMPLETED", "FAILED",  "STOPPED",
					     "CANCELED",  "TIMEOUT", "OOM_KILLED" };

	for (size_t i = 0; s && i < sizeof(ended) / sizeof(*ended); i++)
		if (strcmp(s, ended[i]) == 0)
			return true;
	return false;
}

/*
 * Job id's record, once it has ended or when until_ms (CLOCK_MONOTONIC) has
 * come, asking every few milliseconds at first and every tenth of a second
 * later.  A cancelled call stops waiting.
 */
static int wait_job(struct mcp_call *call, const char *id, int64_t until_ms, json_object **ret,
		    struct joblet_error **err)
{
	int64_t start = now_ms(), delay = 5;
	char path[96];

	snprintf(path, sizeof(path), "/v1/jobs/%s", id);
	for (;;) {
		json_object *rec;
		int64_t now, left;
		char msg[160];

		if (api_json(call, "GET", path, NULL, &rec, err) < 0)
			return -1;
		now = now_ms();
		left = until_ms - now;
		if (state_ended(rnx_jstr(rec, "state", NULL)) || left <= 0 ||
		    mcp_call_cancelled(call)) {
			*ret = rec;
			return 0;
		}
		if (now - start >= 1000) {
			snprintf(msg, sizeof(msg), "job %s is %s after %" PRId64 " s",
				 rnx_jstr(rec, "id", id), rnx_jstr(rec, "state", "?"),
				 (now - start) / 1000);
			mcp_call_progress(call, (double)((now - start) / 1000), msg);
		}
		json_object_put(rec);
		usleep((useconds_t)(delay < left ? delay : left) * 1000);
		if (delay < 100)
			delay *= 2;
	}
}

/* ------------------------------------------------------------ a job's output */

struct text {
	char *buf;
	size_t len, cap;
};

static int text_room(struct text *t, size_t more)
{
	if (t->len + more + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 4096;
		char *b;

		while (cap < t->len + more + 1)
			cap *= 2;
		b = realloc(t->buf, cap);
		if (!b)
			return -1;
		t->buf = b;
		t->cap = cap;
	}
	return 0;
}

/*
 * Append n bytes as valid UTF-8: a byte that starts no valid sequence
 * becomes U+FFFD.  Returns the bytes of p taken: all of them, or fewer when
 * the last sequence is cut at the end (partial is then true).
 */
static size_t text_add(struct text *t, const char *p, size_t n, bool *bad)
{
	const uint8_t *s = (const uint8_t *)p;
	size_t i = 0;

	if (text_room(t, n * 3) < 0)
		return 0;
	while (i < n) {
		size_t k = s[i] < 0x80 ? 1 : jl_utf8_seq(s + i, n - i);

		if (k == 0) {
			memcpy(t->buf + t->len, "\xef\xbf\xbd", 3);
			t->len += 3;
			*bad = true;
			i++;
			continue;
		}
		memcpy(t->buf + t->len, s + i, k);
		t->len += k;
		i += k;
	}
	t->buf[t->len] = '\0';
	return i;
}

/* The end of the longest start of p[0..n) that does not end inside a UTF-8 sequence. */
static size_t utf8_cut(const char *p, size_t n)
{
	size_t j = n;

	while (j > 0 && n - j < 3 && ((uint8_t)p[j - 1] & 0xc0) == 0x80)
		j--;
	if (j > 0 && (uint8_t)p[j - 1] >= 0xc0) {
		uint8_t c = (uint8_t)p[j - 1];
		size_t want = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;

		if (j - 1 + want > n)
			return j - 1;
	}
	return n;
}

/*
 * What collect_logs() gathers of a job's log.  Where it stopped is a
 * cursor: the last record wholly returned, and the bytes of the next one
 * returned too when a record was cut at the budget ("N" or "N:BYTES").
 */
struct logs {
	struct mcp_call *call;
	struct text out, err;
	json_object *notes; /* strings */
	size_t budget, used;
	int64_t cursor;	 /* the last record wholly taken */
	int64_t partial; /* bytes of record cursor + 1 taken before (in) this call */
	bool more;	 /* stopped before the end of what the log holds */
	bool ended;	 /* the exit event came */
	bool bad_utf8;
	json_object *exit; /* the exit event's data */
};

static void note(struct logs *lg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct logs *lg, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_object_array_add(lg->notes, json_object_new_string(buf));
}

static json_object *cursor_json(const struct logs *lg)
{
	char buf[64];

	if (lg->partial > 0)
		snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64, lg->cursor, lg->partial);
	else
		snprintf(buf, sizeof(buf), "%" PRId64, lg->cursor);
	return json_object_new_string(buf);
}

static int on_log_event(void *userdata, const struct rnx_sse_event *ev)
{
	struct logs *lg = userdata;
	int32_t stream = jl_log_event_stream_parse(ev->event);
	int64_t id = strtoll(ev->id, NULL, 10), before = 0;
	const char *data = ev->data;
	size_t len, room, take;
	ssize_t n;

	if (strcmp(ev->event, "exit") == 0) {
		lg->ended = true;
		json_object_put(lg->exit);
		lg->exit = json_tokener_parse(ev->data);
		return 0;
	}
	if (!stream)
		return 0;
	n = jl_log_event_decode(ev->data, ev->len, ev->data);
	if (n < 0) {
		note(lg, "log record %s was not understood and is left out", ev->id);
		lg->cursor = id;
		lg->partial = 0;
		return 0;
	}
	if (stream == JL_LOG_EVENT_SYSTEM) {
		note(lg, "joblet: %.*s", (int)n, ev->data);
		lg->cursor = id;
		lg->partial = 0;
		return 0;
	}
	len = (size_t)n;
	/* The part of a cut record an earlier call returned. */
	if (lg->partial > 0 && id == lg->cursor + 1) {
		before = lg->partial < (int64_t)len ? lg->partial : (int64_t)len;
		data += before;
		len -= (size_t)before;
	}
	room = lg->budget - lg->used;
	if (len > room) {
		/* What fits, ending on a whole character; the rest comes in the next call. */
		take = utf8_cut(data, room);
		if (take == 0 && lg->used == 0)
			take = room;
		text_add(stream == JL_LOG_EVENT_STDERR ? &lg->err : &lg->out, data, take,
			 &lg->bad_utf8);
		lg->used += take;
		lg->cursor = id - 1;
		lg->partial = before + (int64_t)take;
		lg->more = true;
		return 1;
	}
	text_add(stream == JL_LOG_EVENT_STDERR ? &lg->err : &lg->out, data, len, &lg->bad_utf8);
	lg->used += len;
	lg->cursor = id;
	lg->partial = 0;
	return mcp_call_abandoned(lg->call) ? 1 : 0;
}

/* A cursor argument: "N", "N:BYTES", or the number N. */
static int arg_cursor(const struct mcp_call *call, struct logs *lg, struct joblet_error **err)
{
	json_object *v = NULL;
	const char *text;
	char *end;

	if (!json_object_object_get_ex(mcp_call_args(call), "cursor", &v) || !v)
		return 0;
	if (json_object_is_type(v, json_type_int)) {
		lg->cursor = json_object_get_int64(v);
		if (lg->cursor >= 0)
			return 0;
	} else {
		text = json_object_get_string(v);
		errno = 0;
		lg->cursor = strtoll(text, &end, 10);
		if (*end == ':')
			lg->partial = strtoll(end + 1, &end, 10);
		if (!errno && end != text && *end == '\0' && lg->cursor >= 0 && lg->partial >= 0)
			return 0;
	}
	return joblet_error_set(
		err, JOBLET_E_INVALID, 0,
		"cursor `%s` is not one this server gave: pass the cursor of a run_job or job_logs answer as it is, or leave it out to read from the start",
		json_object_get_string(v));
}

/*
 * Called about once a second while a log is followed: tells the client how
 * long the job has run, and ends the stream when the wait is over or the
 * call is cancelled.
 */
struct follow_watch {
	struct mcp_call *call;
	const char *id;
	int64_t start_ms, until_ms;
};

static int follow_over(void *userdata)
{
	const struct follow_watch *w = userdata;
	int64_t now = now_ms();
	char msg[128];

	if (now - w->start_ms >= 1000) {
		snprintf(msg, sizeof(msg), "job %s has not ended after %" PRId64 " s", w->id,
			 (now - w->start_ms) / 1000);
		mcp_call_progress(w->call, (double)((now - w->start_ms) / 1000), msg);
	}
	return now >= w->until_ms || mcp_call_cancelled(w->call);
}

/*
 * The log of job id after lg->cursor (and lg->partial), up to lg->budget
 * bytes of output.  With until_ms, follow it until the job ends (lg->ended),
 * the budget is full (lg->more), or that time (CLOCK_MONOTONIC, ms) has come,
 * which is noticed within about a second.
 */
static int collect_logs(struct mcp_call *call, const char *id, struct logs *lg, int64_t until_ms,
			struct joblet_error **err)
{
	struct follow_watch w = { call, id, now_ms(), until_ms };
	struct rnx_api *api;
	char path[160];
	int r;

	lg->call = call;
	if (!lg->notes)
		lg->notes = json_object_new_array();
	snprintf(path, sizeof(path), "/v1/jobs/%s/logs?coalesce=0&after=%" PRId64 "%s", id,
		 lg->cursor, until_ms ? "&follow=1" : "");
	if (mcp_call_api(call, &api, err) < 0)
		return -1;
	if (until_ms)
		rnx_api_set_watch(api, follow_over, &w);
	r = rnx_api_stream(api, "GET", path, NULL, 0, NULL, on_log_event, lg, err);
	rnx_api_set_watch(api, NULL, NULL);
	if (r < 0)
		return -1;
	if (lg->bad_utf8)
		note(lg,
		     "bytes that are not UTF-8 are shown as U+FFFD; `rnx job log` prints them as they are");
	return 0;
}

static void logs_done(struct logs *lg)
{
	free(lg->out.buf);
	free(lg->err.buf);
	json_object_put(lg->notes);
	json_object_put(lg->exit);
}

static json_object *text_json(struct text *t)
{
	return json_object_new_string_len(t->buf ? t->buf : "", (int)t->len);
}

/* The members of a job record that say how it ended, copied into out. */
static void add_ending(json_object *out, json_object *rec)
{
	static const char *const keys[] = { "exit_code", "signal", "reason" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
		json_object *v = NULL;

		json_object_object_get_ex(rec, keys[i], &v);
		json_object_object_add(out, keys[i], v ? json_object_get(v) : NULL);
	}
}

/* ------------------------------------------------------------ run_job */

/* The file name run_job gives a script, by its interpreter. */
static const char *script_name(const char *interp)
{
	static const struct {
		const char *word, *name;
	} names[] = { { "python", "main.py" }, { "node", "main.js" }, { "bash", "main.sh" },
		      { "ruby", "main.rb" },   { "perl", "main.pl" }, { "php", "main.php" },
		      { "sh", "main.sh" } };
	const char *base = strrchr(interp, '/');

	base = base ? base + 1 : interp;
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (strncmp(base, names[i].word, strlen(names[i].word)) == 0)
			return names[i].name;
	return "main";
}

/* An upload of n bytes at data to path, its folders made first (dirs: those made). */
static int add_upload(json_object *uploads, json_object *dirs, const char *path, const void *data,
		      size_t n, int mode, struct joblet_error **err)
{
	json_object *u;
	char *b64;

	for (const char *s = strchr(path, '/'); s; s = strchr(s + 1, '/')) {
		char dir[4096];
		json_object *d;

		if ((size_t)(s - path) >= sizeof(dir))
			break;
		memcpy(dir, path, (size_t)(s - path));
		dir[s - path] = '\0';
		if (!dir[0] || json_object_object_get_ex(dirs, dir, NULL))
			continue;
		json_object_object_add(dirs, dir, NULL);
		d = json_object_new_object();
		json_object_object_add(d, "path", json_object_new_string(dir));
		json_object_object_add(d, "dir", json_object_new_boolean(1));
		json_object_array_add(uploads, d);
	}
	b64 = malloc((n + 2) / 3 * 4 + 1);
	if (!b64)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	b64[jl_base64_encode(data, n, b64)] = '\0';
	u = json_object_new_object();
	json_object_object_add(u, "path", json_object_new_string(path));
	json_object_object_add(u, "data", json_object_new_string(b64));
	json_object_object_add(u, "mode", json_object_new_int(mode));
	json_object_array_add(uploads, u);
	free(b64);
	return 0;
}

/* run_job's `files`, into uploads. */
static int add_files(json_object *files, json_object *uploads, json_object *dirs,
		     struct joblet_error **err)
{
	for (size_t i = 0; i < json_object_array_length(files); i++) {
		json_object *f = json_object_array_get_idx(files, i), *path = NULL, *text = NULL,
			    *b64 = NULL, *exe = NULL;
		int r;

		if (!json_object_is_type(f, json_type_object) ||
		    !json_object_object_get_ex(f, "path", &path) ||
		    !json_object_is_type(path, json_type_string))
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"files[%zu] needs a `path` (relative to /work) and a `content` or `content_base64`",
				i);
		json_object_object_foreach(f, key, val)
		{
			(void)val;
			if (strcmp(key, "path") != 0 && strcmp(key, "content") != 0 &&
			    strcmp(key, "content_base64") != 0 && strcmp(key, "executable") != 0)
				return joblet_error_set(
					err, JOBLET_E_INVALID, 0,
					"files[%zu] has no field `%s`; a file takes path, content or content_base64, and executable",
					i, key);
		}
		json_object_object_get_ex(f, "content", &text);
		json_object_object_get_ex(f, "content_base64", &b64);
		json_object_object_get_ex(f, "executable", &exe);
		if (!!text == !!b64 || (text && !json_object_is_type(text, json_type_string)) ||
		    (b64 && !json_object_is_type(b64, json_type_string)))
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"files[%zu] (`%s`) needs either `content` (text) or `content_base64`, as a string",
				i, json_object_get_string(path));
		if (text)
			r = add_upload(uploads, dirs, json_object_get_string(path),
				       json_object_get_string(text),
				       (size_t)json_object_get_string_len(text),
				       exe && json_object_get_boolean(exe) ? 0755 : 0644, err);
		else {
			size_t len = (size_t)json_object_get_string_len(b64);
			void *bytes = malloc(len / 4 * 3 + 3);
			int64_t n =
				bytes ? jl_base64_decode(json_object_get_string(b64), len, bytes)
				      : -1;

			if (n < 0) {
				free(bytes);
				return joblet_error_set(
					err, JOBLET_E_INVALID, 0,
					"files[%zu] (`%s`): content_base64 is not base64 (RFC 4648)",
					i, json_object_get_string(path));
			}
			r = add_upload(uploads, dirs, json_object_get_string(path), bytes,
				       (size_t)n, exe && json_object_get_boolean(exe) ? 0755 : 0644,
				       err);
			free(bytes);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* The body of POST /v1/jobs from run_job's arguments. */
static int run_body(struct mcp_call *call, json_object **ret, struct joblet_error **err)
{
	/* Arguments the API takes as they are (docs/api.md, POST /v1/jobs). */
	static const char *const same[] = { "env",     "secret_env", "runtime",	 "name",
					    "network", "workdir",    "volumes",	 "max_memory",
					    "max_cpu", "max_disk",   "max_pids", "timeout" };
	json_object *args = mcp_call_args(call), *body, *uploads, *dirs, *command = NULL,
		    *files = NULL, *v;
	const char *script = arg_str(call, "script", NULL);
	int r = 0;

	json_object_object_get_ex(args, "command", &command);
	json_object_object_get_ex(args, "files", &files);
	if (!!command == !!script)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"run_job needs either `command` (the program and its arguments) or `script` (with `interpreter`), not %s",
			command ? "both" : "neither");
	if (!script && json_object_object_get_ex(args, "interpreter", NULL))
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"`interpreter` runs a `script`; with `command`, name the program in it");
	if (command && json_object_array_length(command) == 0)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"`command` is empty: give the program and its arguments, e.g. [\"python3\", \"-c\", \"print(1)\"]");
	for (size_t i = 0; command && i < json_object_array_length(command); i++)
		if (!json_object_is_type(json_object_array_get_idx(command, i), json_type_string))
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"`command` must be an array of strings; item %zu is not", i);

	body = json_object_new_object();
	uploads = json_object_new_array();
	dirs = json_object_new_object();
	if (script) {
		const char *interp = arg_str(call, "interpreter", "sh");
		const char *name = script_name(interp);
		char where[64];
		json_object *cmd = json_object_new_array();

		/* Relative to the working folder, /work, unless the job names another. */
		snprintf(where, sizeof(where), "%s%s",
			 json_object_object_get_ex(args, "workdir", NULL) ? "/work/" : "", name);
		json_object_array_add(cmd, json_object_new_string(interp));
		json_object_array_add(cmd, json_object_new_string(where));
		json_object_object_add(body, "command", cmd);
		r = add_upload(uploads, dirs, name, script, strlen(script), 0644, err);
	} else
		json_object_object_add(body, "command", json_object_get(command));
	if (r == 0 && files)
		r = add_files(files, uploads, dirs, err);
	json_object_put(dirs);
	if (r < 0) {
		json_object_put(uploads);
		json_object_put(body);
		return r;
	}
	if (json_object_array_length(uploads) > 0)
		json_object_object_add(body, "uploads", uploads);
	else
		json_object_put(uploads);
	for (size_t i = 0; i < sizeof(same) / sizeof(*same); i++)
		if (json_object_object_get_ex(args, same[i], &v))
			json_object_object_add(body, same[i], json_object_get(v));
	*ret = body;
	return 0;
}

/* POST /v1/jobs, again while the node answers 429 or 503 with Retry-After. */
static int submit(struct mcp_call *call, const char *body, json_object **ret,
		  struct joblet_error **err)
{
	int64_t start = now_ms();

	for (;;) {
		struct joblet_error *e = NULL;
		struct rnx_api *api;
		long after;

		if (api_json(call, "POST", "/v1/jobs", body, ret, &e) == 0)
			return 0;
		if (mcp_call_api(call, &api, err) < 0) {
			joblet_error_free(e);
			return -1;
		}
		after = rnx_api_retry_after(api);
		if (after < 0 || (e->detail != 429 && e->detail != 503) ||
		    now_ms() - start > SUBMIT_RETRY_S * 1000 || mcp_call_cancelled(call)) {
			*err = e;
			return -1;
		}
		joblet_error_free(e);
		mcp_call_progress(call, (double)(now_ms() - start) / 1000.0 + 0.001,
				  "the node is busy; submitting again");
		sleep((unsigned)(after < 1 ? 1 : after > 10 ? 10 : after));
	}
}

/* A job this call started and nobody else knows of: stop it. */
static void stop_orphan(struct mcp_call *call, const char *id)
{
	struct joblet_error *e = NULL;
	json_object *rec = NULL;
	char path[96];

	snprintf(path, sizeof(path), "/v1/jobs/%s/stop", id);
	if (api_json(call, "POST", path, NULL, &rec, &e) < 0)
		joblet_error_free(e);
	json_object_put(rec);
}

static int run_job(struct mcp_call *call, json_object **ret, struct joblet_error **err)
{
	json_object *body = NULL, *rec = NULL, *done = NULL, *out;
	struct logs lg = { 0 };
	int64_t wait_s, until;
	char id[64];
	bool wait = arg_bool(call, "wait", true);
	int r;

	if (arg_range(call, "wait_seconds", RUN_WAIT_S, 0, WAIT_MAX_S, &wait_s, err) < 0 ||
	    arg_budget(call, "max_output_bytes", &lg.budget, err) < 0 ||
	    run_body(call, &body, err) < 0)
		return -1;
	r = submit(call,
		   json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN |
								JSON_C_TO_STRING_NOSLASHESCAPE),
		   &rec, err);
	json_object_put(body);
	if (r < 0)
		return -1;
	snprintf(id, sizeof(id), "%s", rnx_jstr(rec, "id", ""));
	if (!id[0] || strspn(id, "0123456789abcdef-") != strlen(id)) {
		json_object_put(rec);
		return joblet_error_set(err, JOBLET_E_PARSE, 0,
					"the node's answer to POST /v1/jobs has no job id");
	}
	out = json_object_new_object();
	json_object_object_add(out, "job_id", json_object_new_string(id));
	if (!wait) {
		json_object_object_add(out, "state",
				       json_object_new_string(rnx_jstr(rec, "state", "")));
		json_object_object_add(out, "ended", json_object_new_boolean(0));
		if (rnx_jstr(rec, "waiting", NULL))
			json_object_object_add(
				out, "waiting",
				json_object_new_string(rnx_jstr(rec, "waiting", "")));
		json_object_put(rec);
		*ret = out;
		return 0;
	}
	json_object_put(rec);
	/*
	 * Follow its log until it ends (the exit event says how), the output
	 * fills the budget or the wait is over; then, unless it ended, its record.
	 */
	until = now_ms() + wait_s * 1000;
	r = collect_logs(call, id, &lg, until > 0 ? until : 1, err);
	if (r == 0 && lg.ended && lg.exit)
		done = json_object_get(lg.exit);
	else if (r == 0)
		r = wait_job(call, id, until, &done, err);
	if (r < 0 || mcp_call_abandoned(call)) {
		/* Its answer would be the only word of the job's id: without it, stop the job. */
		if (mcp_call_abandoned(call)) {
			stop_orphan(call, id);
			joblet_error_free(*err);
			*err = NULL;
			joblet_error_set(err, JOBLET_E_CANCELED, 0, "cancelled; job %s was stopped",
					 id);
		} else
			joblet_error_prefix(
				err, -1,
				"job %s was submitted; job_status and job_logs follow it, but", id);
		json_object_put(done);
		json_object_put(out);
		logs_done(&lg);
		return -1;
	}
	json_object_object_add(out, "state", json_object_new_string(rnx_jstr(done, "state", "")));
	json_object_object_add(out, "ended",
			       json_object_new_boolean(state_ended(rnx_jstr(done, "state", ""))));
	add_ending(out, done);
	json_object_object_add(out, "stdout", text_json(&lg.out));
	json_object_object_add(out, "stderr", text_json(&lg.err));
	json_object_object_add(out, "truncated", json_object_new_boolean(lg.more));
	json_object_object_add(out, "cursor", cursor_json(&lg));
	if (lg.more)
		note(&lg,
		     "the output is cut at %zu bytes (max_output_bytes): job_logs with cursor \"%s\" reads on",
		     lg.budget, json_object_get_string(json_object_object_get(out, "cursor")));
	if (!state_ended(rnx_jstr(done, "state", "")))
		note(&lg,
		     "job %s is still %s after %" PRId64
		     " s; job_status with wait_seconds waits for it, job_logs with cursor \"%s\" reads its output on, stop_job stops it",
		     id, rnx_jstr(done, "state", ""), wait_s,
		     json_object_get_string(json_object_object_get(out, "cursor")));
	if (rnx_jstr(done, "waiting", NULL))
		json_object_object_add(out, "waiting",
				       json_object_new_string(rnx_jstr(done, "waiting", "")));
	json_object_object_add(out, "notes", json_object_get(lg.notes));
	json_object_put(done);
	logs_done(&lg);
	*ret = out;
	return 0;
}

/* ------------------------------------------------------------ the other tools */

static int job_status(struct mcp_call *call, json_object **ret, struct joblet_error **err)
{
	const char *id;
	int64_t wait_s;

	if (arg_job_id(call, &id, err) < 0 ||
	    arg_range(call, "wait_seconds", 0, 0, WAIT_MAX_S, &wait_s, err) < 0)
		return -1;
	return wait_job(call, id, now_ms() + wait_s * 1000, ret, err);
}

static int job_logs(struct mcp_call *call, json_object **ret, struct joblet_error **err)
{
	struct logs lg = { 0 };
	const char *id;
	json_object *out;

	if (arg_job_id(call, &id, err) < 0 || arg_cursor(call, &lg, err) < 0 ||
	    arg_budget(call, "max_bytes", &lg.budget, err) < 0)
		return -1;
	if (collect_logs(call, id, &lg, 0, err) < 0) {
		logs_done(&lg);
		return -1;
	}
	out = json_object_new_object();
	json_object_object_add(out, "job_id", json_object_new_string(id));
	json_object_object_add(out, "stdout", text_json(&lg.out));
	json_object_object_add(out, "stderr", text_json(&lg.err));
	json_object_object_add(out, "cursor", cursor_json(&lg));
	json_object_object_add(out, "more", json_object_new_boolean(lg.more));
	json_object_object_add(out, "ended", json_object_new_boolean(lg.ended && !lg.more));
	if (lg.ended && lg.exit) {
		json_object_object_add(out, "state",
				       json_object_new_string(rnx_jstr(lg.exit, "state", "")));
		add_ending(out, lg.exit);
	}
	json_object_object_add(out, "notes", json_object_get(lg.notes));
	logs_done(&lg);
	*ret = out;
	return 0;
}

static int stop_job(struct mcp_call *call, json_object **ret, struct joblet_error **err)
{
	json_object *rec = NULL;
	const char *id;
	char path[96], full[64];

	if (arg_job_id(call, &id, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "/v1/jobs/%s/stop", id);
	if (api_json(call, "POST", path, NULL, &rec, err) < 0)
		return -1;
	/* The whole id (the argument may be a start of it), then its end. */
	snprintf(full, sizeof(full), "%s", rnx_jstr(rec, "id", id));
	json_object_put(rec);
	if (strspn(full, "0123456789abcdef-") != strlen(full))
		snprintf(full, sizeof(full), "%s", id);
	return wait_job(call, full, now_ms() + STOP_WAIT_S * 1000, ret, err);
}

static int list_jobs(struct mcp_call *call, json_object **ret, struct joblet_error **err)
{
	const char *state = arg_str(call, "state", NULL), *owner = arg_str(call, "owner", NULL);
	json_object *all, *jobs, *out;
	char path[512];
	size_t n, from;
	int64_t limit;

	if (arg_range(call, "limit", LIST_DEFAULT, 1, LIST_MAX, &limit, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "/v1/jobs");
	if (state) {
		if (strspn(state, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz") !=
			    strlen(state) ||
		    strlen(state) > 20)
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"state `%s` is not a job state: PENDING, SCHEDULED, RUNNING, COMPLETED, FAILED, STOPPED, CANCELED, TIMEOUT or OOM_KILLED",
				state);
		rnx_query_add(path, sizeof(path), "status", state);
	}
	if (owner)
		rnx_query_add(path, sizeof(path), "owner", owner);
	if (api_json(call, "GET", path, NULL, &all, err) < 0)
		return -1;
	if (!json_object_is_type(all, json_type_array)) {
		json_object_put(all);
		return joblet_error_set(err, JOBLET_E_PARSE, 0,
					"the node's answer to GET /v1/jobs is not a list");
	}
	/* The newest `limit` jobs, newest first; without their specs and histories. */
	n = json_object_array_length(all);
	from = n > (size_t)limit ? n - (size_t)limit : 0;
	jobs = json_object_new_array();
	for (size_t i = n; i > from; i--) {
		json_object *j = json_object_array_get_idx(all, i - 1),
			    *s = json_object_new_object();

		json_object_object_foreach(j, key, val)
		{
			if (strcmp(key, "spec") != 0 && strcmp(key, "events") != 0)
				json_object_object_add(s, key, json_object_get(val));
		}
		json_object_array_add(jobs, s);
	}
	json_object_put(all);
	out = json_object_new_object();
	json_object_object_add(out, "jobs", jobs);
	json_object_object_add(out, "total", json_object_new_int64((int64_t)n));
	json_object_object_add(out, "truncated", json_object_new_boolean(from > 0));
	*ret = out;
	return 0;
}

static int list_runtimes(struct mcp_call *call, json_object **ret, struct joblet_error **err)
{
	bool available = arg_bool(call, "available", false);

	/* An empty registry is joblet.yml's own (docs/api.md, Runtimes). */
	return api_json(call, "GET", available ? "/v1/runtimes?registry=" : "/v1/runtimes", NULL,
			ret, err);
}

/* A path in /work as an argument: relative, without a leading slash. */
static const char *arg_rel_path(const struct mcp_call *call)
{
	const char *p = arg_str(call, "path", "");

	if (strncmp(p, "/work/", 6) == 0)
		p += 6;
	else if (strcmp(p, "/work") == 0)
		p += 5;
	while (*p == '/')
		p++;
	return p;
}

/*
 * The entry of rel in job id's /work (GET ...?stat=1) in *ret_stat, and the
 * URL of rel itself in *ret_url (a new string).
 */
static int stat_file(struct mcp_call *call, const char *id, const char *rel, json_object **ret_stat,
		     char **ret_url, struct joblet_error **err)
{
	_cleanup_free_ char *stat_url = NULL;
	char base[96];

	snprintf(base, sizeof(base), "/v1/jobs/%s/files", id);
	stat_url = rnx_files_url(base, rel, "?stat=1");
	*ret_url = rnx_files_url(base, rel, "");
	if (!stat_url || !*ret_url)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	return api_json(call, "GET", stat_url, NULL, ret_stat, err);
}

static int list_files(struct mcp_call *call, json_object **ret, struct joblet_error **err)
{
	const char *id, *rel = arg_rel_path(call);
	_cleanup_free_ char *list_url = NULL;
	json_object *st, *t;

	if (arg_job_id(call, &id, err) < 0 || stat_file(call, id, rel, &st, &list_url, err) < 0)
		return -1;
	if (json_object_object_get_ex(st, "type", &t) &&
	    strcmp(json_object_get_string(t), "dir") == 0) {
		json_object_put(st);
		return api_json(call, "GET", list_url, NULL, ret, err);
	}
	/* A file or link: the entry itself, in the shape of a listing. */
	*ret = json_object_new_object();
	json_object_object_add(*ret, "path", json_object_new_string(rel));
	json_object_object_add(*ret, "entries", json_object_new_array());
	json_object_array_add(json_object_object_get(*ret, "entries"), st);
	json_object_object_add(*ret, "truncated", json_object_new_boolean(0));
	return 0;
}

/* What read_file keeps of the bytes it downloads. */
struct slice {
	uint64_t skip; /* bytes still to skip (offset) */
	size_t want;   /* bytes to keep at most */
	char *buf;
	size_t len;
	bool more; /* bytes came after those kept */
};

/* The sink's own error: enough was read. */
#define SLICE_FULL 1

static int slice_sink(void *userdata, const char *ct, const void *buf, size_t n,
		      struct joblet_error **err)
{
	struct slice *s = userdata;
	const char *p = buf;
	size_t take;

	(void)ct;
	if (!buf)
		return 0;
	if (s->skip >= n) {
		s->skip -= n;
		return 0;
	}
	p += s->skip;
	n -= (size_t)s->skip;
	s->skip = 0;
	take = n < s->want - s->len ? n : s->want - s->len;
	memcpy(s->buf + s->len, p, take);
	s->len += take;
	if (take < n || s->len == s->want) {
		s->more = take < n;
		return joblet_error_set_detail(err, JOBLET_E_CANCELED, SLICE_FULL,
					       "enough was read");
	}
	return 0;
}

static bool utf8_text(const char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t k = (uint8_t)p[i] < 0x80 ? 1 : jl_utf8_seq((const uint8_t *)p + i, n - i);

		if (k == 0 || (p[i] == '\0'))
			return false;
		i += k;
	}
	return true;
}

static int read_file(struct mcp_call *call, json_object **ret, struct joblet_error **err)
{
	const char *id, *rel = arg_rel_path(call);
	_cleanup_free_ char *url = NULL;
	struct slice s = { 0 };
	struct rnx_api *api;
	int64_t offset, size;
	json_object *st = NULL, *t, *out;
	size_t budget;
	int r;

	if (arg_job_id(call, &id, err) < 0 ||
	    arg_range(call, "offset", 0, 0, INT64_MAX / 2, &offset, err) < 0 ||
	    arg_budget(call, "max_bytes", &budget, err) < 0)
		return -1;
	if (!*rel)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"read_file needs the `path` of a file in /work; list_files shows them");
	if (stat_file(call, id, rel, &st, &url, err) < 0)
		return -1;
	t = json_object_object_get(st, "type");
	if (!t || strcmp(json_object_get_string(t), "file") != 0) {
		r = joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"`%s` is a %s, not a file: read_file reads files; list_files lists folders",
			rel, t ? json_object_get_string(t) : "thing");
		json_object_put(st);
		return r;
	}
	size = json_object_get_int64(json_object_object_get(st, "size"));
	json_object_put(st);
	s.skip = (uint64_t)offset;
	s.want = budget;
	s.buf = malloc(budget);
	if (!s.buf)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	if (offset < size && mcp_call_api(call, &api, err) == 0) {
		struct joblet_error *e = NULL;

		r = rnx_api_download(api, url, slice_sink, &s, &e);
		if (r < 0 && e->code == JOBLET_E_CANCELED && e->detail == SLICE_FULL) {
			joblet_error_free(e);
			r = 0;
		} else if (r < 0)
			*err = e;
	} else
		r = offset < size ? -1 : 0;
	if (r < 0) {
		free(s.buf);
		return -1;
	}
	out = json_object_new_object();
	json_object_object_add(out, "path", json_object_new_string(rel));
	json_object_object_add(out, "size", json_object_new_int64(size));
	json_object_object_add(out, "offset", json_object_new_int64(offset));
	json_object_object_add(out, "length", json_object_new_int64((int64_t)s.len));
	json_object_object_add(out, "more",
			       json_object_new_boolean(s.more || offset + (int64_t)s.len < size));
	if (utf8_text(s.buf, s.len)) {
		json_object_object_add(out, "encoding", json_object_new_string("utf-8"));
		json_object_object_add(out, "content",
				       json_object_new_string_len(s.buf, (int)s.len));
	} else {
		char *b64 = malloc(s.len / 3 * 4 + 5);

		if (!b64) {
			free(s.buf);
			json_object_put(out);
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
		}
		b64[jl_base64_encode(s.buf, s.len, b64)] = '\0';
		json_object_object_add(out, "encoding", json_object_new_string("base64"));
		json_object_object_add(out, "content", json_object_new_string(b64));
		free(b64);
	}
	free(s.buf);
	*ret = out;
	return 0;
}

/* ------------------------------------------------------------ the table */

#define JOB_ID_ARG                                                                                 \
	"\"job_id\":{\"type\":\"string\",\"description\":\"The job's id, as run_job and "          \
	"list_jobs return it (a unique start of it will do)\"}"

#define ENDING_PROPS                                                                               \
	"\"exit_code\":{\"type\":[\"integer\",\"null\"],\"description\":\"The job's exit code; "   \
	"124 on timeout, 137 when killed, 128+N for signal N, 125 when it could not start\"},"     \
	"\"signal\":{\"type\":[\"integer\",\"null\"]},"                                            \
	"\"reason\":{\"type\":[\"string\",\"null\"],\"description\":\"Why it ended, in words\"}"

#define JOB_RECORD_SCHEMA                                                                          \
	"{\"type\":\"object\",\"description\":\"A job as the node's API shows it (docs/api.md, "   \
	"'A job')\",\"properties\":{\"id\":{\"type\":\"string\"},\"state\":{\"type\":"             \
	"\"string\"},\"owner\":{\"type\":\"string\"}," ENDING_PROPS "},"                           \
	"\"required\":[\"id\",\"state\"]}"

#define NOTES_PROP "\"notes\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}"

static const struct mcp_tool tools[] = {
	{ "run_job", "Run a job",
	  "Run a command or a script as a job on the joblet node, isolated (its own namespaces, root, cgroups) under memory, CPU, process and time limits, and by default wait for it: the answer has its state, exit code, stdout and stderr. "
	  "Files given in `files` are placed in /work, the job's working folder, before it starts; what it leaves in /work can be read afterwards with list_files and read_file. "
	  "A job that has not ended within wait_seconds goes on running: job_status waits for it, job_logs reads its output on. "
	  "A job that exits non-zero is a result, not a tool error.",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"command\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"minItems\":1,\"description\":\"The program and its arguments, run without a shell, e.g. [\\\"python3\\\", \\\"-c\\\", \\\"print(6*7)\\\"]. Give command or script.\"},"
	  "\"script\":{\"type\":\"string\",\"description\":\"A script to run instead of a command: placed in /work and run by interpreter.\"},"
	  "\"interpreter\":{\"type\":\"string\",\"description\":\"The program that runs script: sh (the default), bash, python3, node, ... as the job's root or runtime has it.\"},"
	  "\"files\":{\"type\":\"array\",\"description\":\"Files to place in /work before the job starts; folders on their way are made.\",\"items\":{\"type\":\"object\",\"properties\":{"
	  "\"path\":{\"type\":\"string\",\"description\":\"Relative to /work, e.g. src/main.py\"},"
	  "\"content\":{\"type\":\"string\",\"description\":\"The file's text\"},"
	  "\"content_base64\":{\"type\":\"string\",\"description\":\"The file's bytes in base64, instead of content\"},"
	  "\"executable\":{\"type\":\"boolean\",\"description\":\"Mode 0755 instead of 0644\"}},"
	  "\"required\":[\"path\"],\"additionalProperties\":false}},"
	  "\"env\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"},\"description\":\"Environment variables\"},"
	  "\"secret_env\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"},\"description\":\"Environment variables the node never shows again (***)\"},"
	  "\"runtime\":{\"type\":\"string\",\"description\":\"NAME[@VERSION] of a runtime installed on the node (list_runtimes), e.g. python-3.11\"},"
	  "\"name\":{\"type\":\"string\",\"description\":\"A label for the job\"},"
	  "\"max_memory\":{\"type\":\"integer\",\"description\":\"MiB; the job is killed beyond it (OOM_KILLED). Default: the node's (512)\"},"
	  "\"max_cpu\":{\"type\":\"integer\",\"description\":\"Percent of one core (100 = one core)\"},"
	  "\"max_disk\":{\"type\":\"integer\",\"description\":\"MiB of /work\"},"
	  "\"max_pids\":{\"type\":\"integer\",\"description\":\"Processes at most\"},"
	  "\"timeout\":{\"type\":\"integer\",\"description\":\"Seconds the job may run; it is killed after (TIMEOUT). Default: the node's\"},"
	  "\"network\":{\"type\":\"string\",\"description\":\"none (the default: no network), bridge, isolated, or a network's name\"},"
	  "\"volumes\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"description\":\"Volumes to mount at /volumes/NAME: NAME or NAME:ro\"},"
	  "\"workdir\":{\"type\":\"string\",\"description\":\"The working folder (default /work)\"},"
	  "\"wait\":{\"type\":\"boolean\",\"description\":\"Wait for the job to end (default true); false returns once it is submitted\"},"
	  "\"wait_seconds\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":3600,\"description\":\"How long to wait at most (default 30); the job goes on after\"},"
	  "\"max_output_bytes\":{\"type\":\"integer\",\"minimum\":16,\"description\":\"Bytes of stdout and stderr to return at most (default: rnx mcp --max-output, 64 KiB)\"}"
	  "},\"additionalProperties\":false}",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"job_id\":{\"type\":\"string\"},"
	  "\"state\":{\"type\":\"string\",\"description\":\"COMPLETED, FAILED, STOPPED, CANCELED, TIMEOUT, OOM_KILLED once ended; else PENDING, SCHEDULED or RUNNING\"},"
	  "\"ended\":{\"type\":\"boolean\"}," ENDING_PROPS ","
	  "\"stdout\":{\"type\":\"string\"},\"stderr\":{\"type\":\"string\"},"
	  "\"truncated\":{\"type\":\"boolean\",\"description\":\"The output was cut at max_output_bytes\"},"
	  "\"cursor\":{\"type\":\"string\",\"description\":\"Where the output returned ends: job_logs reads on from it\"},"
	  "\"waiting\":{\"type\":\"string\",\"description\":\"Why the job has not started yet\"}," NOTES_PROP
	  "},\"required\":[\"job_id\",\"state\",\"ended\"]}",
	  MCP_OPEN_WORLD, run_job },
	{ "job_status", "A job's status",
	  "A job's state, exit code, reason, times, limits and history; with wait_seconds, wait up to that long for it to end first.",
	  "{\"type\":\"object\",\"properties\":{" JOB_ID_ARG ","
	  "\"wait_seconds\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":3600,\"description\":\"Wait up to this long for the job to end (default 0: answer now)\"}"
	  "},\"required\":[\"job_id\"],\"additionalProperties\":false}",
	  JOB_RECORD_SCHEMA, MCP_READ_ONLY | MCP_IDEMPOTENT, job_status },
	{ "job_logs", "A job's output",
	  "A job's stdout and stderr so far, after a cursor: the cursor of the answer reads on from where it stopped (run_job returns one too). While the job runs, call again for what came since.",
	  "{\"type\":\"object\",\"properties\":{" JOB_ID_ARG ","
	  "\"cursor\":{\"type\":[\"string\",\"integer\"],\"description\":\"The cursor of a run_job or job_logs answer: read on from there (default: from the start)\"},"
	  "\"max_bytes\":{\"type\":\"integer\",\"minimum\":16,\"description\":\"Bytes of output to return at most (default: rnx mcp --max-output, 64 KiB)\"}"
	  "},\"required\":[\"job_id\"],\"additionalProperties\":false}",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"job_id\":{\"type\":\"string\"},\"stdout\":{\"type\":\"string\"},\"stderr\":{\"type\":\"string\"},"
	  "\"cursor\":{\"type\":\"string\",\"description\":\"Pass it to read on\"},"
	  "\"more\":{\"type\":\"boolean\",\"description\":\"The log holds more now: call again with cursor\"},"
	  "\"ended\":{\"type\":\"boolean\",\"description\":\"The job has ended and this is the end of its output\"},"
	  "\"state\":{\"type\":\"string\"}," ENDING_PROPS "," NOTES_PROP
	  "},\"required\":[\"job_id\",\"stdout\",\"stderr\",\"cursor\",\"more\",\"ended\"]}",
	  MCP_READ_ONLY, job_logs },
	{ "stop_job", "Stop a job",
	  "Stop a running job (its processes are killed: STOPPED), or cancel one that waits to start (CANCELED); answers the job once it has ended.",
	  "{\"type\":\"object\",\"properties\":{" JOB_ID_ARG
	  "},\"required\":[\"job_id\"],\"additionalProperties\":false}",
	  JOB_RECORD_SCHEMA, MCP_DESTRUCTIVE | MCP_IDEMPOTENT, stop_job },
	{ "list_jobs", "List jobs",
	  "The jobs this identity may see, newest first: id, name, state, owner, command, times, exit code.",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"state\":{\"type\":\"string\",\"enum\":[\"PENDING\",\"SCHEDULED\",\"RUNNING\",\"COMPLETED\",\"FAILED\",\"STOPPED\",\"CANCELED\",\"TIMEOUT\",\"OOM_KILLED\"],\"description\":\"Only jobs in this state\"},"
	  "\"owner\":{\"type\":\"string\",\"description\":\"Only jobs of this owner (a certificate's common name)\"},"
	  "\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":1000,\"description\":\"The newest this many (default 50)\"}"
	  "},\"additionalProperties\":false}",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"jobs\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"},\"state\":{\"type\":\"string\"}},\"required\":[\"id\",\"state\"]}},"
	  "\"total\":{\"type\":\"integer\",\"description\":\"Jobs that matched, before limit\"},"
	  "\"truncated\":{\"type\":\"boolean\"}},\"required\":[\"jobs\",\"total\",\"truncated\"]}",
	  MCP_READ_ONLY | MCP_IDEMPOTENT, list_jobs },
	{ "list_runtimes", "List runtimes",
	  "The runtimes installed on the node (language environments a job names in run_job's `runtime`); with available, those its registry offers.",
	  "{\"type\":\"object\",\"properties\":{"
	  "\"available\":{\"type\":\"boolean\",\"description\":\"List what the node's registry offers instead of what is installed\"}"
	  "},\"additionalProperties\":false}",
	  "{\"type\":\"object\",\"properties\":{\"runtimes\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}}},\"required\":[\"runtimes\"]}",
	  MCP_READ_ONLY | MCP_IDEMPOTENT, list_runtimes },
	{ "list_files", "List a job's files",
	  "The files a job has in /work (while it runs and after it ended): a folder's entries with type, size, mode and time; a file's own entry.",
	  "{\"type\":\"object\",\"properties\":{" JOB_ID_ARG ","
	  "\"path\":{\"type\":\"string\",\"description\":\"A folder or file relative to /work (default: /work itself)\"}"
	  "},\"required\":[\"job_id\"],\"additionalProperties\":false}",
	  "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"},"
	  "\"entries\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},\"type\":{\"type\":\"string\"},\"size\":{\"type\":\"integer\"}}}},"
	  "\"truncated\":{\"type\":\"boolean\"}},\"required\":[\"path\",\"entries\"]}",
	  MCP_READ_ONLY | MCP_IDEMPOTENT, list_files },
	{ "read_file", "Read a job's file",
	  "A file from a job's /work: text as it is, other bytes in base64; from offset, at most max_bytes (more says whether the file goes on).",
	  "{\"type\":\"object\",\"properties\":{" JOB_ID_ARG ","
	  "\"path\":{\"type\":\"string\",\"description\":\"The file, relative to /work\"},"
	  "\"offset\":{\"type\":\"integer\",\"minimum\":0,\"description\":\"Start at this byte (default 0)\"},"
	  "\"max_bytes\":{\"type\":\"integer\",\"minimum\":16,\"description\":\"Bytes to return at most (default: rnx mcp --max-output, 64 KiB)\"}"
	  "},\"required\":[\"job_id\",\"path\"],\"additionalProperties\":false}",
	  "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"},\"size\":{\"type\":\"integer\"},"
	  "\"offset\":{\"type\":\"integer\"},\"length\":{\"type\":\"integer\"},\"more\":{\"type\":\"boolean\"},"
	  "\"encoding\":{\"type\":\"string\",\"enum\":[\"utf-8\",\"base64\"]},\"content\":{\"type\":\"string\"}},"
	  "\"required\":[\"path\",\"size\",\"offset\",\"length\",\"more\",\"encoding\",\"content\"]}",
	  MCP_READ_ONLY | MCP_IDEMPOTENT, read_file },
	{ NULL },
};

int rnx_cmd_mcp(int argc, char **argv, void *userdata)
{
	return mcp_main(argc, argv, userdata, tools);
}

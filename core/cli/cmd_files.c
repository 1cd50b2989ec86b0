/*
 * cmd_files.c - rnx job files|download: the result files of a job's /work
 * (GET /v1/jobs/{id}/files/{path}, docs/results.md).
 *
 * `files` lists a folder (or shows one entry); `download` fetches a file
 * byte-exact into a temporary file beside DEST that is renamed onto DEST
 * once complete, or a folder as a tar stream unpacked (common/unpack.h:
 * no absolute names, no `..`, no link out of DEST, no entry through a
 * link, no device node or FIFO) into a temporary folder renamed onto DEST.
 * An existing DEST is never overwritten without --force, and a folder is
 * never merged into an existing one.  Memory stays bounded: bytes go to
 * disk as they arrive.
 *
 * rnx_files_list() and rnx_files_download() take the API path of the
 * files' root (/v1/jobs/ID/files), so other roots can use them.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <json.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "base/cleanup.h"
#include "base/fsutil.h"
#include "common/cli.h"
#include "common/unpack.h"
#include "rnx.h"

/* base + "/" + rel percent-encoded (all but unreserved bytes and `/`), with query. */
char *rnx_files_url(const char *base, const char *rel, const char *query)
{
	size_t n = strlen(base) + 3 * strlen(rel) + strlen(query) + 2;
	char *u = malloc(n), *w;

	if (!u)
		return NULL;
	w = u + snprintf(u, n, "%s%s", base, *rel ? "/" : "");
	for (const unsigned char *p = (const unsigned char *)rel; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p))
			*w++ = (char)*p;
		else
			w += snprintf(w, 4, "%%%02X", *p);
	}
	snprintf(w, n - (size_t)(w - u), "%s", query);
	return u;
}

static int64_t jnum(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

/* -rw-r--r-- from type and mode bits. */
static void mode_text(const char *type, int64_t mode, char out[11])
{
	const char *rwx = "rwxrwxrwx";

	out[0] = !strcmp(type, "dir")	 ? 'd'
		 : !strcmp(type, "link") ? 'l'
		 : !strcmp(type, "file") ? '-'
					 : '?';
	for (int i = 0; i < 9; i++)
		out[1 + i] = mode & (0400 >> i) ? rwx[i] : '-';
	out[10] = '\0';
}

static void print_entry(json_object *e)
{
	char mode[11];
	const char *target = rnx_jstr(e, "target", "");

	mode_text(rnx_jstr(e, "type", ""), jnum(e, "mode"), mode);
	/* Names are the job's: control characters would drive the terminal. */
	printf("%s %12lld  %-24s  ", mode, (long long)jnum(e, "size"), rnx_jstr(e, "mtime", ""));
	for (const char *p = rnx_jstr(e, "name", ""); *p; p++)
		putchar((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p);
	if (*target) {
		fputs(" -> ", stdout);
		for (const char *p = target; *p; p++)
			putchar((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p);
	}
	putchar('\n');
}

/* GET url as JSON; NULL after printing the error. */
static json_object *get_json(const struct rnx_ctx *ctx, const char *url, char **ret_text)
{
	char *answer = NULL;
	json_object *o;

	if (rnx_request(ctx, "GET", url, &answer) < 0)
		return NULL;
	o = json_tokener_parse(answer);
	if (!o) {
		fprintf(stderr, "rnx: the node's answer to GET %s is not JSON\n", url);
		free(answer);
		return NULL;
	}
	if (ret_text)
		*ret_text = answer;
	else
		free(answer);
	return o;
}

int rnx_files_list(const struct rnx_ctx *ctx, const char *base, const char *rel)
{
	_cleanup_free_ char *surl = rnx_files_url(base, rel, "?stat=1");
	_cleanup_free_ char *lurl = rnx_files_url(base, rel, "");
	_cleanup_free_ char *text = NULL;
	json_object *st, *o, *entries;

	if (!surl || !lurl)
		return JL_EXIT_FAILURE;
	st = get_json(ctx, surl, NULL);
	if (!st)
		return JL_EXIT_FAILURE;
	if (strcmp(rnx_jstr(st, "type", ""), "dir") != 0) {
		if (ctx->json)
			printf("%s\n", json_object_to_json_string_ext(st, JSON_C_TO_STRING_PRETTY));
		else
			print_entry(st);
		json_object_put(st);
		return JL_EXIT_OK;
	}
	json_object_put(st);
	o = get_json(ctx, lurl, &text);
	if (!o)
		return JL_EXIT_FAILURE;
	if (ctx->json)
		rnx_print_json(text);
	else if (json_object_object_get_ex(o, "entries", &entries)) {
		for (size_t i = 0; i < json_object_array_length(entries); i++)
			print_entry(json_object_array_get_idx(entries, i));
		if (json_object_get_boolean(json_object_object_get(o, "truncated")))
			printf("(only the first %zu entries)\n", json_object_array_length(entries));
	}
	json_object_put(o);
	return JL_EXIT_OK;
}

/* ------------------------------------------------------------------ download */

struct sink {
	bool folder;
	int fd;		     /* the temporary file */
	struct jl_unpack *u; /* or the unpacker */
	int64_t bytes;
};

static int sink_write(void *userdata, const char *ct, const void *buf, size_t n,
		      struct joblet_error **err)
{
	struct sink *s = userdata;
	const char *want = s->folder ? "application/x-tar" : "application/octet-stream";
	const char *p = buf;

	if (strncmp(ct, want, strlen(want)) != 0)
		return joblet_error_set(
			err, JOBLET_E_PARSE, 0,
			"the node answered with `%s`, not %s: the path changed between file and folder while rnx fetched it; try again",
			ct, want);
	if (s->folder)
		return buf ? jl_unpack_feed(s->u, buf, n, err) : jl_unpack_finish(s->u, err);
	while (n > 0) {
		ssize_t w = write(s->fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return joblet_error_set(err, JOBLET_E_IO, errno,
						"cannot write the downloaded file");
		p += w;
		n -= (size_t)w;
		s->bytes += w;
	}
	return 0;
}

static void skipped(void *cls, const char *name, const char *why)
{
	(void)cls;
	fprintf(stderr, "rnx: left out `");
	for (const char *p = name; *p; p++)
		fputc((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p, stderr);
	fprintf(stderr, "`: %s\n", why);
}

/* DEST for rel: -o as given (into it when it is a folder and rel a file), else ./basename. */
static int choose_dest(const char *rel, const char *out, bool folder, char *buf, size_t size)
{
	const char *base = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
	struct stat st;

	if (!*base)
		base = "work";
	if (!out)
		return snprintf(buf, size, "%s", base) < (int)size ? 0 : -1;
	if (!folder && stat(out, &st) == 0 && S_ISDIR(st.st_mode))
		return snprintf(buf, size, "%s/%s", out, base) < (int)size ? 0 : -1;
	return snprintf(buf, size, "%s", out) < (int)size ? 0 : -1;
}

static int download(struct rnx_api *api, const char *url, bool folder, const char *dest, bool force,
		    int64_t mode, struct sink *s, struct joblet_error **err)
{
	char tmp[PATH_MAX + 16];
	_cleanup_close_ int dfd = -1;
	int r;

	if (snprintf(tmp, sizeof(tmp), "%s.rnx-XXXXXX", dest) >= (int)sizeof(tmp))
		return joblet_error_set(err, JOBLET_E_INVALID, 0, "`%s` is too long", dest);
	if (!force && access(dest, F_OK) == 0)
		return joblet_error_set(
			err, JOBLET_E_CONFLICT, 0,
			folder ? "`%s` exists; rnx never merges a folder into an existing one: choose another -o"
			       : "`%s` exists; overwrite it with --force or choose another -o",
			dest);
	if (folder) {
		if (!mkdtemp(tmp) ||
		    (dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
			return joblet_error_set(err, JOBLET_E_IO, errno, "cannot make `%s`", tmp);
		r = jl_unpack_new(dfd, skipped, s, &s->u, err);
	} else {
		s->fd = mkostemp(tmp, O_CLOEXEC);
		r = s->fd < 0 ? joblet_error_set(err, JOBLET_E_IO, errno, "cannot make `%s`", tmp)
			      : 0;
	}
	if (r == 0)
		r = rnx_api_download(api, url, sink_write, s, err);
	if (r == 0 && !folder && (fchmod(s->fd, (mode_t)(mode & 0777)) < 0 || close(s->fd) < 0))
		r = joblet_error_set(err, JOBLET_E_IO, errno, "cannot write `%s`", tmp);
	if (!folder && s->fd >= 0 && r < 0)
		close(s->fd);
	s->fd = -1;
	/* Folders: DEST must still not exist (rename() would replace an empty one). */
	if (r == 0 && folder && access(dest, F_OK) == 0)
		r = joblet_error_set(err, JOBLET_E_CONFLICT, 0, "`%s` appeared meanwhile", dest);
	if (r == 0 && rename(tmp, dest) < 0)
		r = joblet_error_set(err, JOBLET_E_IO, errno, "cannot move the download to `%s`",
				     dest);
	/* Nothing half-made stays behind. */
	if (r < 0 && (folder ? dfd >= 0 : true)) {
		char parent[PATH_MAX + 16];
		char *slash;
		int pfd;

		snprintf(parent, sizeof(parent), "%s", tmp);
		slash = strrchr(parent, '/');
		if (slash)
			*slash = '\0';
		pfd = open(slash ? (slash == parent ? "/" : parent) : ".",
			   O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pfd >= 0) {
			jl_rm_rf_at(pfd, slash ? slash + 1 : parent, NULL);
			close(pfd);
		}
	}
	return r;
}

int rnx_files_download(const struct rnx_ctx *ctx, const char *base, const char *rel,
		       const char *out, bool force)
{
	/* What a link inside /work leads to decides between file and folder. */
	_cleanup_free_ char *surl = rnx_files_url(base, rel, "?stat=1&follow=1");
	struct joblet_error *e = NULL;
	struct rnx_api *api = NULL;
	struct sink s = { .fd = -1 };
	char dest[PATH_MAX];
	_cleanup_free_ char *url = NULL;
	json_object *st;
	int64_t mode, entries = 0;
	int r;

	if (!surl)
		return JL_EXIT_FAILURE;
	st = get_json(ctx, surl, NULL);
	if (!st)
		return JL_EXIT_FAILURE;
	s.folder = !strcmp(rnx_jstr(st, "type", ""), "dir");
	mode = !strcmp(rnx_jstr(st, "type", ""), "file") ? jnum(st, "mode") : 0644;
	json_object_put(st);
	url = rnx_files_url(base, rel, s.folder ? "?archive=tar" : "");
	if (!url || choose_dest(rel, out, s.folder, dest, sizeof(dest)) < 0) {
		fprintf(stderr, "rnx: the destination is too long\n");
		return JL_EXIT_FAILURE;
	}
	if (rnx_api_open(ctx->config_path, ctx->node, &api, &e) < 0) {
		rnx_print_error(e);
		joblet_error_free(e);
		return JL_EXIT_FAILURE;
	}
	r = download(api, url, s.folder, dest, force, mode, &s, &e);
	if (s.u)
		jl_unpack_counts(s.u, &entries, &s.bytes);
	jl_unpack_free(s.u);
	rnx_api_free(api);
	if (r < 0) {
		rnx_print_error(e);
		joblet_error_free(e);
		return JL_EXIT_FAILURE;
	}
	if (ctx->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "path", json_object_new_string(dest));
		json_object_object_add(o, "type",
				       json_object_new_string(s.folder ? "dir" : "file"));
		json_object_object_add(o, "bytes", json_object_new_int64(s.bytes));
		json_object_object_add(o, "entries", json_object_new_int64(entries));
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
	} else if (s.folder)
		printf("%s: %lld entries, %lld bytes\n", dest, (long long)entries,
		       (long long)s.bytes);
	else
		printf("%s: %lld bytes\n", dest, (long long)s.bytes);
	return JL_EXIT_OK;
}

/* ------------------------------------------------------------------ rnx job files|download */

static bool id_ok(const char *id)
{
	size_t n = strlen(id);

	return n > 0 && n <= 36 && strspn(id, "0123456789abcdef-") == n;
}

/* ID [PATH] and the options; 0, or the usage error's exit code. */
static int parse_files_args(int argc, char **argv, struct rnx_ctx *ctx, const char *cmd,
			    bool download, const char **ret_id, const char **ret_path,
			    const char **ret_out, bool *ret_force)
{
	const char *words[2] = { NULL, NULL };
	int n = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			ctx->json = 1;
		else if (download && !strcmp(argv[i], "--force"))
			*ret_force = true;
		else if (download && (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output"))) {
			if (++i >= argc)
				return rnx_usage(cmd, "-o needs a destination", NULL);
			*ret_out = argv[i];
		} else if (download && !strncmp(argv[i], "--output=", 9))
			*ret_out = argv[i] + 9;
		else if (argv[i][0] == '-' && argv[i][1])
			return rnx_usage(cmd, "unknown option", argv[i]);
		else if (n == 2)
			return rnx_usage(cmd, "give a job id and one path", NULL);
		else
			words[n++] = argv[i];
	}
	if (!words[0])
		return rnx_usage(cmd, "give the job's id (`rnx job list` shows them)", NULL);
	if (!id_ok(words[0])) {
		fprintf(stderr,
			"%s: `%s` is not a job id: give the UUID `rnx job list` shows, or a unique start of it (lower-case hex).\n",
			cmd, words[0]);
		return JL_EXIT_USAGE;
	}
	if (download && !words[1])
		return rnx_usage(cmd, "give the path in /work to download (`.` for all of it)",
				 NULL);
	*ret_id = words[0];
	*ret_path = words[1] ? words[1] : "";
	/* /work/x and x name the same file; `.` and `/work` the whole of it. */
	if (!strncmp(*ret_path, "/work", 5) && ((*ret_path)[5] == '/' || !(*ret_path)[5]))
		*ret_path += 5;
	while (**ret_path == '/')
		(*ret_path)++;
	if (!strcmp(*ret_path, "."))
		*ret_path = "";
	return 0;
}

int rnx_job_files(int argc, char **argv, void *userdata)
{
	struct rnx_ctx *ctx = userdata;
	const char *id = NULL, *path = NULL, *out = NULL;
	bool force = false;
	char base[96];
	int r = parse_files_args(argc, argv, ctx, "rnx job files", false, &id, &path, &out, &force);

	if (r)
		return r;
	snprintf(base, sizeof(base), "/v1/jobs/%s/files", id);
	return rnx_files_list(ctx, base, path);
}

int rnx_job_download(int argc, char **argv, void *userdata)
{
	struct rnx_ctx *ctx = userdata;
	const char *id = NULL, *path = NULL, *out = NULL;
	bool force = false;
	char base[96];
	int r = parse_files_args(argc, argv, ctx, "rnx job download", true, &id, &path, &out,
				 &force);

	if (r)
		return r;
	snprintf(base, sizeof(base), "/v1/jobs/%s/files", id);
	return rnx_files_download(ctx, base, path, out, force);
}

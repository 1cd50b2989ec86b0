/*
 * cmd_complete.c - `rnx __complete`: what the shell completion scripts ask
 * (contrib/completion).  Commands and flags come from the command tables
 * (common/cli_complete.c); job ids, runtimes, volumes and networks from the
 * node, kept a few seconds in $XDG_CACHE_HOME/rnx so a run of TABs asks once.
 *
 * A TAB must never hang: a node is given RNX_COMPLETE_TIMEOUT_MS in all
 * ($RNX_COMPLETE_TIMEOUT_MS changes it), and
 * a node that failed is remembered (as nothing) for as long as an answer.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "rnx.h"
#include "config/client_config.h"

#define RNX_COMPLETE_TIMEOUT_MS 500L
/* How long an answer of the node is used again, in seconds. */
#define RNX_COMPLETE_CACHE_S 5

static const struct jl_cli_value_kind rnx_kinds[] = {
	{ NULL, "ID", "jobs" },
	{ "runtime", "NAME[@VERSION]", "runtimes" },
	{ "--runtime", "NAME[@VER]", "runtimes" },
	{ "volume", "NAME", "volumes" },
	{ "--volume", "NAME[:ro]", "volumes" },
	{ "network", "NAME", "networks" },
	{ "--network", "NAME", "networks" },
	{ "--upload", "PATH", ":files" },
	{ "--node", "NAME", "nodes" },
	{ "--status", "STATE", "states" },
	{ NULL, NULL, NULL },
};

/* What a kind is asked of the node, and which member of the answer's objects it offers. */
static const struct node_source {
	const char *kind;
	const char *path;
	const char *key;
	const char *extra; /* "NAME@VERSION" as well, from this key; or NULL */
} node_sources[] = {
	{ "jobs", "/v1/jobs", "id", NULL },
	{ "runtimes", "/v1/runtimes", "name", "version" },
	{ "volumes", "/v1/volumes", "name", NULL },
	{ "networks", "/v1/networks", "name", NULL },
};

/*
 * How long a TAB may ask the node: $RNX_COMPLETE_TIMEOUT_MS (1 to 60000)
 * for slow links, else RNX_COMPLETE_TIMEOUT_MS.
 */
static long complete_timeout_ms(void)
{
	const char *v = getenv("RNX_COMPLETE_TIMEOUT_MS");
	char *end;
	long ms;

	if (!v || !*v)
		return RNX_COMPLETE_TIMEOUT_MS;
	ms = strtol(v, &end, 10);
	return *end == '\0' && ms >= 1 && ms <= 60000 ? ms : RNX_COMPLETE_TIMEOUT_MS;
}

/* $XDG_CACHE_HOME/rnx or ~/.cache/rnx, made 0700; NULL when there is none. */
static char *cache_dir(void)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char *base = NULL, *dir = NULL;

	if (xdg && xdg[0] == '/')
		base = strdup(xdg);
	else if (home && home[0] == '/' && asprintf(&base, "%s/.cache", home) < 0)
		base = NULL;
	if (!base)
		return NULL;
	if (asprintf(&dir, "%s/rnx", base) < 0)
		dir = NULL;
	/* An existing folder is fine; a failure shows when the file is written. */
	(void)mkdir(base, 0700);
	if (dir)
		(void)mkdir(dir, 0700);
	free(base);
	return dir;
}

/* FNV-1a of the strings, to name a node's cache file. */
static uint64_t hash_of(const char *const *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++) {
		for (const char *p = s[i] ? s[i] : ""; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
		h = (h ^ 0xff) * 1099511628211ull;
	}
	return h;
}

/* The cache file's text when it is younger than RNX_COMPLETE_CACHE_S, else NULL. */
static char *cache_read(const char *path)
{
	struct stat st;
	char *text;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    st.st_size > (1 << 20) || time(NULL) - st.st_mtime >= RNX_COMPLETE_CACHE_S ||
	    time(NULL) < st.st_mtime || !(text = malloc((size_t)st.st_size + 1))) {
		close(fd);
		return NULL;
	}
	n = read(fd, text, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size) {
		free(text);
		return NULL;
	}
	text[n] = '\0';
	return text;
}

/* Replace the cache file by text (a temporary file renamed); failures only cost a later TAB. */
static void cache_write(const char *path, const char *text)
{
	char *tmp = NULL;
	size_t len = strlen(text);
	int fd;

	if (asprintf(&tmp, "%s.%ld.tmp", path, (long)getpid()) < 0)
		return;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0) {
		bool ok = write(fd, text, len) == (ssize_t)len;

		if (close(fd) == 0 && ok && rename(tmp, path) == 0) {
			free(tmp);
			return;
		}
		(void)unlink(tmp);
	}
	free(tmp);
}

/* The names of the node's answer, one per line (new string; "" when it is not a list). */
static char *names_of(const char *answer, const struct node_source *src)
{
	json_object *a = json_tokener_parse(answer), *arr = a;
	char *buf = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&buf, &size);

	if (!out) {
		json_object_put(a);
		return NULL;
	}
	/* A list, or an object holding one ({"runtimes": [...]}). */
	if (a && json_object_is_type(a, json_type_object)) {
		json_object_object_foreach(a, key, val)
		{
			(void)key;
			if (json_object_is_type(val, json_type_array)) {
				arr = val;
				break;
			}
		}
	}
	for (size_t i = 0;
	     arr && json_object_is_type(arr, json_type_array) && i < json_object_array_length(arr);
	     i++) {
		json_object *o = json_object_array_get_idx(arr, i);
		const char *name = rnx_jstr(o, src->key, NULL);
		const char *extra = src->extra ? rnx_jstr(o, src->extra, NULL) : NULL;

		if (!name || strchr(name, '\n'))
			continue;
		fprintf(out, "%s\n", name);
		if (extra && !strchr(extra, '\n'))
			fprintf(out, "%s@%s\n", name, extra);
	}
	json_object_put(a);
	if (fclose(out) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The names of src on the node of --config/--node, from the cache or asked within the timeout. */
static char *node_names(const struct jl_cli_completion *c, const struct node_source *src)
{
	const char *config = jl_cli_complete_option(c, "--config");
	const char *node = jl_cli_complete_option(c, "--node");
	struct rnx_api *api = NULL;
	char *dir = cache_dir(), *path = NULL, *answer = NULL, *names = NULL;

	if (rnx_api_open(config, node, &api, NULL) < 0)
		goto out;
	if (dir) {
		const char *key[] = { rnx_api_config_path(api), rnx_api_node(api),
				      rnx_api_address(api), src->kind };

		if (asprintf(&path, "%s/complete-%016llx", dir,
			     (unsigned long long)hash_of(key, 4)) < 0)
			path = NULL;
	}
	if (path && (names = cache_read(path)))
		goto out;
	rnx_api_set_timeout(api, complete_timeout_ms());
	if (rnx_api_request(api, "GET", src->path, NULL, 0, &answer, NULL, NULL) == 0)
		names = names_of(answer, src);
	/* A node that did not answer is remembered too: the next TAB does not wait again. */
	if (path)
		cache_write(path, names ? names : "");
out:
	free(answer);
	free(path);
	free(dir);
	rnx_api_free(api);
	return names;
}

/* The nodes of the client configuration (no node is asked). */
static void config_nodes(const struct jl_cli_completion *c, FILE *out)
{
	struct jl_client_config *cfg = NULL;
	char *path = NULL;

	if (jl_client_config_locate(jl_cli_complete_option(c, "--config"), &path, NULL) == 0 &&
	    jl_client_config_load(path, &cfg, NULL) == 0)
		for (size_t i = 0; i < cfg->n_nodes; i++)
			fprintf(out, "%s\n", cfg->nodes[i].name);
	jl_client_config_free(cfg);
	free(path);
}

static void rnx_values(const struct jl_cli_completion *c, const char *kind, FILE *out)
{
	if (strcmp(kind, "nodes") == 0) {
		config_nodes(c, out);
		return;
	}
	if (strcmp(kind, "states") == 0) {
		fputs("PENDING\nSCHEDULED\nRUNNING\nCOMPLETED\nFAILED\nSTOPPED\nCANCELED\nTIMEOUT\n"
		      "OOM_KILLED\n",
		      out);
		return;
	}
	for (size_t i = 0; i < sizeof(node_sources) / sizeof(node_sources[0]); i++) {
		char *names;

		if (strcmp(kind, node_sources[i].kind) != 0)
			continue;
		names = node_names(c, &node_sources[i]);
		if (names)
			fputs(names, out);
		free(names);
	}
}

int rnx_complete(const struct jl_cli_command *root, int argc, char **argv)
{
	struct jl_cli_completion c = { .root = root, .kinds = rnx_kinds, .values = rnx_values };

	return jl_cli_complete_main(&c, argc, argv, stdout, stderr);
}

/*
 * registry/github - registries in GitHub repositories: `OWNER/REPO` (also
 * `github.com/OWNER/REPO` and `https://github.com/OWNER/REPO`) reads
 * `{raw_base}/OWNER/REPO/{branch}/registry.json`; packages come from the
 * index's download_url (GitHub release assets).
 *
 * Settings: raw_base (default https://raw.githubusercontent.com; mirrors
 * and tests point it elsewhere), branch (default main), and the HTTPS
 * client's ca_file, connect_timeout, stall_timeout, retries.
 */
#define _GNU_SOURCE /* asprintf */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <joblet/registry.h>

#include "http.h"

static struct registry_http_options github_opts;
static char github_raw_base[1024] = "https://raw.githubusercontent.com";
static char github_branch[256] = "main";

static int github_init(const struct joblet_plugin_host *host, struct joblet_error **err)
{
	const char *v = joblet_plugin_host_setting(host, "raw_base");
	int r = registry_http_options_from_settings(host, &github_opts, err);

	if (r < 0)
		return r;
	if (v) {
		size_t n = strlen(v);

		if (strncasecmp(v, "https://", 8) != 0 || n >= sizeof(github_raw_base))
			return joblet_error_set(
				err, JOBLET_E_CONFIG, 0,
				"setting `raw_base` must be an https:// URL, not `%s`", v);
		while (n > 8 && v[n - 1] == '/')
			n--;
		memcpy(github_raw_base, v, n);
		github_raw_base[n] = '\0';
	}
	v = joblet_plugin_host_setting(host, "branch");
	if (v) {
		if (!*v || strlen(v) >= sizeof(github_branch) || strstr(v, "..") || v[0] == '/')
			return joblet_error_set(err, JOBLET_E_CONFIG, 0,
						"setting `branch` must be a branch name, not `%s`",
						v);
		memcpy(github_branch, v, strlen(v) + 1);
	}
	return 0;
}

static bool github_part_ok(const char *s, size_t n)
{
	if (n == 0 || n > 100 || (n <= 2 && s[0] == '.'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-_.", s[i]))
			return false;
	return true;
}

/* OWNER/REPO from a spec, into owner/repo (caller's buffers); 0 or -1. */
static int github_parse(const char *spec, char owner[128], char repo[128])
{
	const char *p = spec, *slash;
	size_t no, nr;

	if (!spec)
		return -1;
	if (strncasecmp(p, "https://", 8) == 0)
		p += 8;
	if (strncasecmp(p, "github.com/", 11) == 0)
		p += 11;
	else if (p != spec)
		return -1; /* another https:// host: registry/https's */
	slash = strchr(p, '/');
	if (!slash)
		return -1;
	no = (size_t)(slash - p);
	nr = strlen(slash + 1);
	while (nr > 0 && slash[nr] == '/')
		nr--;
	if (nr > 4 && strncmp(slash + 1 + nr - 4, ".git", 4) == 0)
		nr -= 4;
	if (!github_part_ok(p, no) || !github_part_ok(slash + 1, nr))
		return -1;
	memcpy(owner, p, no);
	owner[no] = '\0';
	memcpy(repo, slash + 1, nr);
	repo[nr] = '\0';
	return 0;
}

static int32_t github_can_handle(const char *spec)
{
	char owner[128], repo[128];

	return github_parse(spec, owner, repo) == 0;
}

static char *github_index_url(const char *spec)
{
	char owner[128], repo[128], *url = NULL;

	if (github_parse(spec, owner, repo) < 0 ||
	    asprintf(&url, "%s/%s/%s/%s/registry.json", github_raw_base, owner, repo,
		     github_branch) < 0)
		return NULL;
	return url;
}

static int github_fetch_index(const struct joblet_registry_index_request *q,
			      struct joblet_registry_index_reply *a, struct joblet_error **err)
{
	char *url = github_index_url(q->spec);
	int r;

	if (!url)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"`%s` is not a GitHub repository (OWNER/REPO)", q->spec);
	joblet_buffer_append_str(a->location, url, NULL);
	r = registry_http_get(url, &github_opts, q->etag, a->body, a->etag, &a->not_modified, err);
	free(url);
	return r;
}

static int github_open_package(const char *spec, const char *url, struct joblet_stream **ret,
			       struct joblet_error **err)
{
	char *index = github_index_url(spec);
	int r;

	if (!index)
		return joblet_error_set(err, JOBLET_E_INVALID, 0, "cannot fetch `%s` from `%s`",
					url, spec);
	/* download_url may be relative to the index. */
	r = registry_http_open_ref(index, url, &github_opts, ret, err);
	free(index);
	return r;
}

static const char *const github_settings[] = { "raw_base", "branch", REGISTRY_HTTP_SETTING_NAMES,
					       NULL };

static const struct joblet_registry_ops github_ops = {
	.size = sizeof(struct joblet_registry_ops),
	.can_handle = github_can_handle,
	.fetch_index = github_fetch_index,
	.open_package = github_open_package,
};

JOBLET_PLUGIN_DEFINE(JOBLET_KIND_REGISTRY, "github", .version = "1.0.0",
		     .summary = "registries in GitHub repositories (OWNER/REPO, raw registry.json)",
		     .license = "Apache-2.0", .caps = JOBLET_CAP_NETWORK | JOBLET_CAP_THREAD_SAFE,
		     .settings = github_settings, .init = github_init, .ops = &github_ops);

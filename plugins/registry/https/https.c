/*
 * registry/https - a registry served by any HTTPS server (self-hosted
 * Gitea, GitLab, nginx): `https://host/path` serves `registry.json` (or the
 * spec names the .json itself), and relative download_url values are
 * taken relative to it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <joblet/registry.h>

#include "http.h"

static struct registry_http_options https_opts;

static int https_init(const struct joblet_plugin_host *host, struct joblet_error **err)
{
	return registry_http_options_from_settings(host, &https_opts, err);
}

static int32_t https_can_handle(const char *spec)
{
	return spec && strncasecmp(spec, "https://", 8) == 0 && spec[8] != '\0';
}

/* The index URL of a spec (malloc'd). */
static char *https_index_url(const char *spec)
{
	size_t n = strlen(spec);
	char *u;

	if (n > 5 && strcasecmp(spec + n - 5, ".json") == 0)
		return strdup(spec);
	while (n > 8 && spec[n - 1] == '/')
		n--;
	u = malloc(n + sizeof("/registry.json"));
	if (u) {
		memcpy(u, spec, n);
		memcpy(u + n, "/registry.json", sizeof("/registry.json"));
	}
	return u;
}

static int https_fetch_index(const struct joblet_registry_index_request *q,
			     struct joblet_registry_index_reply *a, struct joblet_error **err)
{
	char *url = https_index_url(q->spec);
	int r;

	if (!url)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot fetch `%s`", q->spec);
	joblet_buffer_append_str(a->location, url, NULL);
	r = registry_http_get(url, &https_opts, q->etag, a->body, a->etag, &a->not_modified, err);
	free(url);
	return r;
}

static int https_open_package(const char *spec, const char *url, struct joblet_stream **ret,
			      struct joblet_error **err)
{
	char *index = https_index_url(spec);
	int r;

	if (!index)
		return joblet_error_set(err, JOBLET_E_INVALID, 0, "cannot fetch `%s` from `%s`",
					url, spec);
	/* download_url may be relative to the index. */
	r = registry_http_open_ref(index, url, &https_opts, ret, err);
	free(index);
	return r;
}

static const char *const https_settings[] = { REGISTRY_HTTP_SETTING_NAMES, NULL };

static const struct joblet_registry_ops https_ops = {
	.size = sizeof(struct joblet_registry_ops),
	.can_handle = https_can_handle,
	.fetch_index = https_fetch_index,
	.open_package = https_open_package,
};

JOBLET_PLUGIN_DEFINE(JOBLET_KIND_REGISTRY, "https", .version = "1.0.0",
		     .summary = "registries on any HTTPS server (Gitea, GitLab, nginx)",
		     .license = "Apache-2.0", .caps = JOBLET_CAP_NETWORK | JOBLET_CAP_THREAD_SAFE,
		     .settings = https_settings, .init = https_init, .ops = &https_ops);

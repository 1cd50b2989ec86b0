/*
 * registry/local - a registry in a folder: registry.json plus packages.
 *
 * For air-gapped hosts and for testing a registry before publishing it.
 * Takes specs that are paths (`/srv/runtimes`, `./runtimes`, `../r`, `~/r`
 * is not expanded) or `file://` URLs.  Relative download_url values are
 * taken inside the folder (no `..`); `file://` and absolute paths are
 * allowed too (the operator wrote the index); other URLs (https://) are
 * left to the other registry plugins.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <joblet/registry.h>

static int32_t local_can_handle(const char *spec)
{
	return spec && (spec[0] == '/' || strncmp(spec, "./", 2) == 0 ||
			strncmp(spec, "../", 3) == 0 || strcmp(spec, ".") == 0 ||
			strncmp(spec, "file://", 7) == 0);
}

/* The folder a spec names, without a trailing registry.json; malloc'd. */
static char *local_dir(const char *spec)
{
	const char *p = strncmp(spec, "file://", 7) == 0 ? spec + 7 : spec;
	size_t n = strlen(p);
	char *d;

	if (n >= 14 && strcmp(p + n - 13, "registry.json") == 0 && p[n - 14] == '/')
		n -= 14;
	while (n > 1 && p[n - 1] == '/')
		n--;
	d = strndup(p, n);
	return d;
}

static bool local_path_ok(const char *rel)
{
	if (!*rel || rel[0] == '/')
		return false;
	for (const char *c = rel; *c;) {
		size_t len = strcspn(c, "/");

		if (len == 2 && c[0] == '.' && c[1] == '.')
			return false;
		c += len;
		while (*c == '/')
			c++;
	}
	return true;
}

static int local_fetch_index(const struct joblet_registry_index_request *q,
			     struct joblet_registry_index_reply *a, struct joblet_error **err)
{
	char *dir = local_dir(q->spec), *path = NULL, etag[64], buf[65536];
	struct stat st;
	int fd = -1, r;
	ssize_t n;

	if (!dir || asprintf(&path, "%s/registry.json", dir) < 0) {
		free(dir);
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read a local registry");
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = joblet_error_set(err, errno == ENOENT ? JOBLET_E_NOT_FOUND : JOBLET_E_IO, errno,
				     "cannot open `%s`", path);
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		r = joblet_error_set(err, JOBLET_E_IO, 0, "`%s` is not a regular file", path);
		goto out;
	}
	snprintf(etag, sizeof(etag), "\"%lld-%lld.%09ld\"", (long long)st.st_size,
		 (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	joblet_buffer_append_str(a->location, "file://", NULL);
	joblet_buffer_append_str(a->location, path, NULL);
	if (joblet_buffer_append_str(a->etag, etag, err) < 0) {
		r = -JOBLET_E_NOMEM;
		goto out;
	}
	if (q->etag && strcmp(q->etag, etag) == 0) {
		a->not_modified = 1;
		r = 0;
		goto out;
	}
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = joblet_error_set(err, JOBLET_E_IO, errno, "cannot read `%s`", path);
			goto out;
		}
		r = joblet_buffer_append(a->body, buf, (size_t)n, err);
		if (r < 0)
			goto out;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	free(path);
	free(dir);
	return r;
}

static int local_open_package(const char *spec, const char *url, struct joblet_stream **ret,
			      struct joblet_error **err)
{
	char *dir = NULL, *path = NULL;
	int fd, r;

	if (strncmp(url, "file://", 7) == 0)
		path = strdup(url + 7);
	else if (url[0] == '/')
		path = strdup(url);
	else if (strstr(url, "://"))
		return joblet_error_set(err, JOBLET_E_UNSUPPORTED, 0,
					"registry/local does not fetch `%s`", url);
	else if (!local_path_ok(url))
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"download_url `%s` leaves the registry folder; use a path "
					"inside it",
					url);
	else if ((dir = local_dir(spec)) && asprintf(&path, "%s/%s", dir, url) < 0)
		path = NULL;
	free(dir);
	if (!path)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot open `%s`", url);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = joblet_error_set(err, errno == ENOENT ? JOBLET_E_NOT_FOUND : JOBLET_E_IO, errno,
				     "cannot open package `%s`", path);
		free(path);
		return r;
	}
	r = joblet_stream_from_fd(fd, path, ret, err);
	free(path);
	return r;
}

static const struct joblet_registry_ops local_ops = {
	.size = sizeof(struct joblet_registry_ops),
	.can_handle = local_can_handle,
	.fetch_index = local_fetch_index,
	.open_package = local_open_package,
};

JOBLET_PLUGIN_DEFINE(JOBLET_KIND_REGISTRY, "local", .version = "1.0.0",
		     .summary = "registries in a local folder or file:// URL (air-gapped hosts)",
		     .license = "Apache-2.0", .caps = JOBLET_CAP_THREAD_SAFE, .ops = &local_ops);

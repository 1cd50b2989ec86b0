/*
 * registry/local - a registry in a folder: registry.json plus packages.
 *
 * For air-gapped hosts and for testing a registry before publishing it.
 * Takes specs that are paths (`/srv/runtimes`, `./runtimes`, `../r`, `~/r`
 * is not expanded) or `file://` URLs.  Relative download_url values are
 * taken inside the folder; `file://` URLs and absolute paths must point
 * into it too.  Nothing outside the folder is ever opened (no `..`, no
 * symlinks leading out), so a registry.json cannot make joblet read other
 * files.  Other URLs (https://) are left to the other registry plugins.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifdef __has_include
#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#define LOCAL_HAVE_OPENAT2_H 1
#endif
#endif

#include <joblet/registry.h>

static int32_t local_can_handle(const char *spec)
{
	return spec &&
	       (spec[0] == '/' || strncmp(spec, "./", 2) == 0 || strncmp(spec, "../", 3) == 0 ||
		strcmp(spec, ".") == 0 || strncmp(spec, "file://", 7) == 0);
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
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot read a local registry");
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

/*
 * Open rel below the registry folder, never leaving it: no `..`, and with
 * openat2(2) RESOLVE_BENEATH no symlink out of it either.
 */
static int local_open_beneath(const char *dir, const char *rel)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd = -1, saved;

	if (dfd < 0)
		return -1;
#if defined(SYS_openat2) && defined(LOCAL_HAVE_OPENAT2_H)
	{
		struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY,
					.resolve = RESOLVE_BENEATH };

		fd = (int)syscall(SYS_openat2, dfd, rel, &how, sizeof(how));
		if (fd < 0 && errno == EXDEV)
			errno = EPERM;
	}
	if (fd < 0 && errno == ENOSYS)
#endif
		fd = openat(dfd, rel, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
	saved = errno;
	close(dfd);
	errno = saved;
	return fd;
}

static int local_open_package(const char *spec, const char *url, struct joblet_stream **ret,
			      struct joblet_error **err)
{
	char *dir = local_dir(spec), *path = NULL;
	const char *rel = url;
	size_t dl;
	int fd, r;

	if (!dir)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot open `%s`", url);
	dl = strlen(dir);
	if (strncmp(url, "file://", 7) == 0 || url[0] == '/') {
		const char *abs = url[0] == '/' ? url : url + 7;

		/* Absolute paths are fine when they point into the folder. */
		if (strncmp(abs, dir, dl) != 0 || abs[dl] != '/') {
			r = joblet_error_set(
				err, JOBLET_E_PERMISSION, 0,
				"download_url `%s` is outside the registry folder `%s`; a local registry's packages live in its folder",
				url, dir);
			free(dir);
			return r;
		}
		rel = abs + dl + 1;
	} else if (strstr(url, "://")) {
		free(dir);
		return joblet_error_set(err, JOBLET_E_UNSUPPORTED, 0,
					"registry/local does not fetch `%s`", url);
	}
	if (!local_path_ok(rel)) {
		r = joblet_error_set(
			err, JOBLET_E_PERMISSION, 0,
			"download_url `%s` leaves the registry folder; use a path inside it", url);
		free(dir);
		return r;
	}
	fd = local_open_beneath(dir, rel);
	if (fd < 0) {
		r = joblet_error_set(err,
				     errno == ENOENT			? JOBLET_E_NOT_FOUND
				     : errno == EPERM || errno == ELOOP ? JOBLET_E_PERMISSION
									: JOBLET_E_IO,
				     errno, "cannot open package `%s` in `%s`", rel, dir);
		free(dir);
		return r;
	}
	if (asprintf(&path, "%s/%s", dir, rel) < 0)
		path = NULL;
	free(dir);
	r = joblet_stream_from_fd(fd, path ? path : url, ret, err);
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

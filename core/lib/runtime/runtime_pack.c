/*
 * runtime_pack.c - `runtime pack` and `runtime index`: building packages
 * and a registry.json without any CI service.
 */
#include <config.h>

#include <fcntl.h>
#include <json.h>
#include <sys/stat.h>
#include <time.h>

#include <joblet/archive.h>
#include "runtime/runtime.h"

#include "base/fsutil.h"
#include "runtime/install_private.h"
#include "config/platform.h"
#include "runtime/runtime_yml.h"
#include "runtime/semver.h"
#include "runtime/sha256.h"
#include "base/util.h"
#include "base/buffer.h"
#include "config/config.h"
#include "plugin/loader.h"
#include "plugin/ops_archive.h"

/* SHA-256 (hex) and size of an open file, from its start. */
static int hash_fd(int fd, const char *name, char ret_hex[65], int64_t *ret_size,
		   struct joblet_error **err)
{
	static const char hex[] = "0123456789abcdef";
	struct sha256_ctx h;
	uint8_t d[SHA256_DIGEST_SIZE];
	uint8_t buf[65536];
	int64_t size = 0;
	ssize_t n;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot hash `%s`", name);
	sha256_init(&h);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return joblet_error_set(err, JOBLET_E_IO, errno, "cannot read `%s`", name);
		}
		sha256_update(&h, (size_t)n, buf);
		size += n;
	}
	jl_sha256_digest(&h, d);
	for (int i = 0; i < 32; i++) {
		ret_hex[2 * i] = hex[d[i] >> 4];
		ret_hex[2 * i + 1] = hex[d[i] & 15];
	}
	ret_hex[64] = '\0';
	*ret_size = size;
	return 0;
}

int jl_runtime_pack(const struct jl_config *cfg, const struct jl_plugin_set *set,
			const char *dir, const char *out, char **ret_json, struct joblet_error **err)
{
	const struct joblet_plugin *packer = jl_archive_packer(set);
	struct joblet_archive_limits limits = { sizeof(limits), 0, (uint64_t)cfg->max_unpacked_bytes,
						(uint64_t)cfg->max_entries, 4096 };
	struct joblet_archive_stats stats = { sizeof(stats), 0, 0, 0 };
	struct jl_runtime_desc *desc = NULL;
	_cleanup_free_ char *top = NULL, *path = NULL, *tmp = NULL;
	_cleanup_close_ int dfd = -1, fd = -1;
	char sha[65];
	int64_t size;
	struct stat st;
	int r;

	if (!packer)
		return joblet_error_set(err, JOBLET_E_UNSUPPORTED, 0, "no loaded archive plugin can write packages (archive/tar can); see `joblet check`");
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return joblet_error_set(err, errno == ENOENT ? JOBLET_E_NOT_FOUND : JOBLET_E_IO, errno,
					"cannot open the runtime folder `%s`", dir);
	r = jl_runtime_yml_load(dfd, dir, &desc, err);
	if (r == -JOBLET_E_NOT_FOUND) {
		joblet_error_clear(err);
		return joblet_error_set(err, JOBLET_E_NOT_FOUND, 0,
					"`%s` has no runtime.yml; a runtime folder needs one with at "
					"least `name` and `version` (see docs/registry.md)",
					dir);
	}
	if (r < 0)
		return r;
	top = jl_strdup_printf("%s-%s", desc->name, desc->version);
	if (!top) {
		r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot pack `%s`", dir);
		goto out;
	}
	if (!out || (stat(out, &st) == 0 && S_ISDIR(st.st_mode))) {
		size_t ol = out ? strlen(out) : 1;

		while (ol > 1 && out && out[ol - 1] == '/')
			ol--;
		path = jl_strdup_printf("%.*s/%s%s", (int)ol, out ? out : ".", top,
				       jl_archive_create_suffix(packer));
	} else
		path = strdup(out);
	/* The package must not land in the folder being packed (it would pack itself). */
	{
		_cleanup_free_ char *real_dir = realpath(dir, NULL);
		_cleanup_free_ char *out_dir = path ? jl_dirname(path) : NULL;
		_cleanup_free_ char *real_out = out_dir ? realpath(out_dir, NULL) : NULL;
		size_t dl = real_dir ? strlen(real_dir) : 0;

		if (real_dir && real_out && strncmp(real_out, real_dir, dl) == 0 &&
		    (real_out[dl] == '\0' || real_out[dl] == '/' || dl == 1)) {
			r = joblet_error_set(err, JOBLET_E_INVALID, 0,
					     "the package `%s` would be written inside the folder being "
					     "packed (`%s`); write it elsewhere with -o",
					     path, dir);
			goto out;
		}
	}
	tmp = path ? jl_strdup_printf("%s.XXXXXX", path) : NULL;
	if (!path || !tmp) {
		r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot pack `%s`", dir);
		goto out;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		r = joblet_error_set(err, JOBLET_E_IO, errno, "cannot create `%s`", path);
		goto out;
	}
	r = jl_archive_create(packer, dfd, top, fd, &limits, &stats, err);
	if (r < 0)
		goto fail_tmp;
	if (fchmod(fd, 0644) < 0 || fsync(fd) < 0) {
		r = joblet_error_set(err, JOBLET_E_IO, errno, "cannot write `%s`", path);
		goto fail_tmp;
	}
	r = hash_fd(fd, path, sha, &size, err);
	if (r < 0)
		goto fail_tmp;
	if (rename(tmp, path) < 0) {
		r = joblet_error_set(err, JOBLET_E_IO, errno, "cannot write `%s`", path);
		goto fail_tmp;
	}
	{
		json_object *o = json_object_new_object();

		json_object_object_add(o, "path", json_object_new_string(path));
		json_object_object_add(o, "name", json_object_new_string(desc->name));
		json_object_object_add(o, "version", json_object_new_string(desc->version));
		json_object_object_add(o, "sha256", json_object_new_string(sha));
		json_object_object_add(o, "size", json_object_new_int64(size));
		json_object_object_add(o, "entries", json_object_new_int64((int64_t)stats.entries));
		r = jl_json_finish(o, ret_json, err);
	}
	goto out;
fail_tmp:
	unlink(tmp);
out:
	jl_runtime_desc_free(desc);
	return r;
}

/* ------------------------------------------------------------------ index */

struct pkg_info {
	char *file;
	struct jl_runtime_desc *desc;
	char sha[65];
	int64_t size;
};

static int pkg_cmp(const void *a, const void *b)
{
	const struct pkg_info *x = a, *y = b;
	int c = strcmp(x->desc->name, y->desc->name);

	return c ? c : -jl_semver_compare_text(x->desc->version, y->desc->version);
}

/* Unpack a package into a scratch folder just to read its runtime.yml. */
static int read_package(const struct jl_config *cfg, const struct jl_plugin_set *set,
			int dfd, const char *dir, const char *file, struct pkg_info *pi,
			struct joblet_error **err)
{
	struct joblet_archive_limits limits = { sizeof(limits), 0, (uint64_t)cfg->max_unpacked_bytes,
						(uint64_t)cfg->max_entries, 4096 };
	struct joblet_archive_stats stats = { sizeof(stats), 0, 0, 0 };
	const struct joblet_plugin *archive;
	struct joblet_stream *s = NULL;
	_cleanup_free_ char *scratch = jl_strdup_printf("%s/.index.XXXXXX", dir);
	_cleanup_free_ char *display = jl_strdup_printf("%s/%s", dir, file);
	_cleanup_close_ int sfd = -1;
	uint8_t head[JOBLET_ARCHIVE_PROBE_BYTES];
	ssize_t hn;
	int fd, r;

	if (!scratch || !display)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot index `%s`", file);
	fd = openat(dfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot open `%s`", display);
	r = hash_fd(fd, display, pi->sha, &pi->size, err);
	hn = r == 0 ? pread(fd, head, sizeof(head), 0) : -1;
	if (r < 0 || hn < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return r < 0 ? r : joblet_error_set(err, JOBLET_E_IO, errno, "cannot read `%s`", display);
	}
	archive = jl_archive_bid(set, head, (size_t)hn, file);
	if (!archive) {
		close(fd);
		return joblet_error_set(err, JOBLET_E_ARCHIVE, 0,
					"`%s` is in no format the archive plugins read", display);
	}
	r = joblet_stream_from_fd(fd, display, &s, err);
	if (r < 0)
		return r;
	if (!mkdtemp(scratch)) {
		jl_stream_close(s);
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot create a scratch folder in `%s`",
					dir);
	}
	sfd = open(scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	r = sfd < 0 ? joblet_error_set(err, JOBLET_E_IO, errno, "cannot open `%s`", scratch)
		    : jl_archive_extract(archive, s, sfd, &limits, &stats, err);
	jl_stream_close(s);
	if (r == 0) {
		/* The runtime.yml at the top, or in the package's single folder. */
		_cleanup_closedir_ DIR *d = fdopendir(dup(sfd));
		_cleanup_close_ int rfd = -1;
		char *only = NULL;
		int n = 0;

		for (struct dirent *de; d && (de = readdir(d));) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			n++;
			free(only);
			only = strdup(de->d_name);
		}
		rfd = faccessat(sfd, "runtime.yml", F_OK, AT_SYMLINK_NOFOLLOW) == 0 || n != 1 || !only
			      ? dup(sfd)
			      : openat(sfd, only, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		free(only);
		r = rfd < 0 ? joblet_error_set(err, JOBLET_E_ARCHIVE, 0, "`%s` has no runtime.yml",
					       display)
			    : jl_runtime_yml_load(rfd, display, &pi->desc, err);
	}
	{
		const char *base = strrchr(scratch, '/') + 1;
		_cleanup_close_ int parent = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (parent >= 0)
			jl_rm_rf_at(parent, base, NULL);
	}
	return r;
}

static bool is_package_name(const char *name)
{
	static const char *const suffixes[] = { ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.zst",
						".tar.bz2", ".tbz2", ".tar" };
	size_t n = strlen(name);

	if (name[0] == '.')
		return false;
	for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
		size_t m = strlen(suffixes[i]);

		if (n > m && strcmp(name + n - m, suffixes[i]) == 0)
			return true;
	}
	return false;
}

int jl_registry_index_dir(const struct jl_config *cfg, const struct jl_plugin_set *set,
			      const char *dir, const char *base_url, const char *default_platforms,
			      char **ret_json, struct joblet_error **err)
{
	_cleanup_strv_ char **fallback = NULL;
	_cleanup_free_ char *host = NULL, *out_path = NULL, *tmp = NULL;
	_cleanup_close_ int dfd = -1;
	struct pkg_info *pkgs = NULL;
	size_t n = 0;
	json_object *root = NULL, *runtimes;
	const char *text;
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	int r = 0, fd;

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return joblet_error_set(err, errno == ENOENT ? JOBLET_E_NOT_FOUND : JOBLET_E_IO, errno,
					"cannot open `%s`", dir);
	if (default_platforms && *default_platforms) {
		_cleanup_free_ char *copy = strdup(default_platforms);
		char *save = NULL;

		if (!copy)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot index `%s`", dir);
		for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
			if (!jl_platform_valid(p))
				return joblet_error_set(err, JOBLET_E_INVALID, 0,
							"platform `%s` is not {ubuntu|rhel|amzn}-"
							"{amd64|arm64}",
							p);
			if (jl_strv_push(&fallback, p) < 0)
				return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot index");
		}
	} else {
		r = jl_host_platform(cfg, &host, err);
		if (r < 0)
			return r;
		if (jl_strv_push(&fallback, host) < 0)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot index");
	}
	{
		_cleanup_closedir_ DIR *d = fdopendir(dup(dfd));

		for (struct dirent *de; d && (de = readdir(d));) {
			struct pkg_info *grown;

			if (!is_package_name(de->d_name))
				continue;
			grown = realloc(pkgs, (n + 1) * sizeof(*pkgs));
			if (!grown) {
				r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot index `%s`", dir);
				goto out;
			}
			pkgs = grown;
			memset(&pkgs[n], 0, sizeof(pkgs[n]));
			pkgs[n].file = strdup(de->d_name);
			n++;
			if (!pkgs[n - 1].file) {
				r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot index `%s`", dir);
				goto out;
			}
		}
	}
	if (n == 0) {
		r = joblet_error_set(err, JOBLET_E_NOT_FOUND, 0,
				     "`%s` holds no packages (*.tar.gz and the like); make them with "
				     "`joblet runtime pack`",
				     dir);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		r = read_package(cfg, set, dfd, dir, pkgs[i].file, &pkgs[i], err);
		if (r < 0)
			goto out;
	}
	qsort(pkgs, n, sizeof(*pkgs), pkg_cmp);
	for (size_t i = 1; i < n; i++)
		if (strcmp(pkgs[i].desc->name, pkgs[i - 1].desc->name) == 0 &&
		    strcmp(pkgs[i].desc->version, pkgs[i - 1].desc->version) == 0) {
			r = joblet_error_set(err, JOBLET_E_EXISTS, 0,
					     "`%s` and `%s` are both %s %s; keep one", pkgs[i - 1].file,
					     pkgs[i].file, pkgs[i].desc->name, pkgs[i].desc->version);
			goto out;
		}

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	root = json_object_new_object();
	runtimes = json_object_new_object();
	json_object_object_add(root, "version", json_object_new_string("1"));
	json_object_object_add(root, "updated_at", json_object_new_string(when));
	json_object_object_add(root, "runtimes", runtimes);
	for (size_t i = 0; i < n; i++) {
		const struct jl_runtime_desc *d = pkgs[i].desc;
		json_object *versions = json_object_object_get(runtimes, d->name);
		json_object *e = json_object_new_object();
		_cleanup_free_ char *url = NULL, *checksum = jl_strdup_printf("sha256:%s", pkgs[i].sha);
		size_t bl = base_url ? strlen(base_url) : 0;

		if (!versions) {
			versions = json_object_new_object();
			json_object_object_add(runtimes, d->name, versions);
		}
		url = bl ? jl_strdup_printf("%.*s/%s", (int)(base_url[bl - 1] == '/' ? bl - 1 : bl),
					    base_url, pkgs[i].file)
			 : strdup(pkgs[i].file);
		json_object_object_add(e, "version", json_object_new_string(d->version));
		json_object_object_add(e, "description", json_object_new_string(d->description));
		json_object_object_add(e, "download_url", json_object_new_string(url ? url : ""));
		json_object_object_add(e, "checksum", json_object_new_string(checksum ? checksum : ""));
		json_object_object_add(e, "size", json_object_new_int64(pkgs[i].size));
		json_object_object_add(e, "platforms",
				       jl_json_strv(d->platforms && d->platforms[0] ? d->platforms
										    : fallback));
		json_object_object_add(versions, d->version, e);
	}
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							    JSON_C_TO_STRING_NOSLASHESCAPE);
	out_path = jl_strdup_printf("%s/registry.json", dir);
	tmp = jl_strdup_printf("%s/.registry.json.XXXXXX", dir);
	if (!text || !out_path || !tmp) {
		r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot index `%s`", dir);
		goto out;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) || write(fd, "\n", 1) != 1 ||
	    fchmod(fd, 0644) < 0 || fsync(fd) < 0 || close(fd) < 0 || rename(tmp, out_path) < 0) {
		r = joblet_error_set(err, JOBLET_E_IO, errno, "cannot write `%s`", out_path);
		if (fd >= 0)
			unlink(tmp);
		goto out;
	}
	r = jl_json_finish(root, ret_json, err);
	root = NULL;
out:
	json_object_put(root);
	for (size_t i = 0; i < n; i++) {
		free(pkgs[i].file);
		jl_runtime_desc_free(pkgs[i].desc);
	}
	free(pkgs);
	return r;
}

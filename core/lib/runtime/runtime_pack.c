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

/* One `runtime pack`: a runtime folder written as a package by an archive plugin. */
struct pack {
	const struct jl_config *cfg;
	const struct joblet_plugin *packer; /* the archive plugin that writes it */
	const char *dir;		    /* the runtime folder, as given */
	int dfd;
	struct jl_runtime_desc *desc; /* its runtime.yml */
	char *top;		      /* NAME-VERSION: the folder every entry is under */
	char *path;		      /* the package file */
	struct joblet_archive_stats stats;
	char sha[65];
	int64_t size;
};

static void pack_done(struct pack *pk)
{
	jl_closep(&pk->dfd);
	jl_runtime_desc_free(pk->desc);
	free(pk->top);
	free(pk->path);
}

/* The folder and its runtime.yml. */
static int pack_open(struct pack *pk, struct joblet_error **err)
{
	int r;

	pk->dfd = open(pk->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pk->dfd < 0)
		return joblet_error_set(err, errno == ENOENT ? JOBLET_E_NOT_FOUND : JOBLET_E_IO,
					errno, "cannot open the runtime folder `%s`", pk->dir);
	r = jl_runtime_yml_load(pk->dfd, pk->dir, &pk->desc, err);
	if (r == -JOBLET_E_NOT_FOUND) {
		joblet_error_clear(err);
		return joblet_error_set(
			err, JOBLET_E_NOT_FOUND, 0,
			"`%s` has no runtime.yml; a runtime folder needs one with at least `name` and `version` (see docs/registry.md)",
			pk->dir);
	}
	if (r < 0)
		return r;
	pk->top = jl_strdup_printf("%s-%s", pk->desc->name, pk->desc->version);
	if (!pk->top)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot pack `%s`", pk->dir);
	return 0;
}

/*
 * Where the package goes: out itself, or NAME-VERSION.SUFFIX in out (a
 * folder) or in the current folder; never inside the folder being packed
 * (it would pack itself).
 */
static int pack_choose_path(struct pack *pk, const char *out, struct joblet_error **err)
{
	_cleanup_free_ char *real_dir = NULL, *out_dir = NULL, *real_out = NULL;
	struct stat st;
	size_t dl;

	if (!out || (stat(out, &st) == 0 && S_ISDIR(st.st_mode))) {
		size_t ol = out ? strlen(out) : 1;

		while (ol > 1 && out && out[ol - 1] == '/')
			ol--;
		pk->path = jl_strdup_printf("%.*s/%s%s", (int)ol, out ? out : ".", pk->top,
					    jl_archive_create_suffix(pk->packer));
	} else
		pk->path = strdup(out);
	real_dir = realpath(pk->dir, NULL);
	out_dir = pk->path ? jl_dirname(pk->path) : NULL;
	real_out = out_dir ? realpath(out_dir, NULL) : NULL;
	dl = real_dir ? strlen(real_dir) : 0;
	if (real_dir && real_out && strncmp(real_out, real_dir, dl) == 0 &&
	    (real_out[dl] == '\0' || real_out[dl] == '/' || dl == 1))
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"the package `%s` would be written inside the folder being packed (`%s`); write it elsewhere with -o",
			pk->path, pk->dir);
	if (!pk->path)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot pack `%s`", pk->dir);
	return 0;
}

/* Write the package to tmp (open at fd), hash it, and move it to its name. */
static int pack_write_at(struct pack *pk, int fd, const char *tmp, struct joblet_error **err)
{
	struct joblet_archive_limits limits = { sizeof(limits), 0,
						(uint64_t)pk->cfg->max_unpacked_bytes,
						(uint64_t)pk->cfg->max_entries, 4096 };
	int r;

	r = jl_archive_create(pk->packer, pk->dfd, pk->top, fd, &limits, &pk->stats, err);
	if (r < 0)
		return r;
	if (fchmod(fd, 0644) < 0 || fsync(fd) < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot write `%s`", pk->path);
	r = hash_fd(fd, pk->path, pk->sha, &pk->size, err);
	if (r < 0)
		return r;
	if (rename(tmp, pk->path) < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot write `%s`", pk->path);
	return 0;
}

/* The package appears under its name complete, or not at all. */
static int pack_write(struct pack *pk, struct joblet_error **err)
{
	_cleanup_free_ char *tmp = jl_strdup_printf("%s.XXXXXX", pk->path);
	_cleanup_close_ int fd = -1;
	int r;

	if (!tmp)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot pack `%s`", pk->dir);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot create `%s`", pk->path);
	r = pack_write_at(pk, fd, tmp, err);
	if (r < 0)
		/* Only the temporary file goes: failing to remove it is not the error to report. */
		(void)unlink(tmp);
	return r;
}

static int pack_report(const struct pack *pk, char **ret_json, struct joblet_error **err)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "path", json_object_new_string(pk->path));
	json_object_object_add(o, "name", json_object_new_string(pk->desc->name));
	json_object_object_add(o, "version", json_object_new_string(pk->desc->version));
	json_object_object_add(o, "sha256", json_object_new_string(pk->sha));
	json_object_object_add(o, "size", json_object_new_int64(pk->size));
	json_object_object_add(o, "entries", json_object_new_int64((int64_t)pk->stats.entries));
	return jl_json_finish(o, ret_json, err);
}

int jl_runtime_pack(const struct jl_config *cfg, const struct jl_plugin_set *set, const char *dir,
		    const char *out, char **ret_json, struct joblet_error **err)
{
	struct pack pk = {
		.cfg = cfg,
		.packer = jl_archive_packer(set),
		.dir = dir,
		.dfd = -1,
		.stats = { sizeof(struct joblet_archive_stats), 0, 0, 0 },
	};
	int r;

	if (!pk.packer)
		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, 0,
			"no loaded archive plugin can write packages (archive/tar can); see `joblet check`");
	r = pack_open(&pk, err);
	if (r == 0)
		r = pack_choose_path(&pk, out, err);
	if (r == 0)
		r = pack_write(&pk, err);
	if (r == 0)
		r = pack_report(&pk, ret_json, err);
	pack_done(&pk);
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

/*
 * The runtime.yml at the top of the unpacked package in sfd, or in its
 * single folder.
 */
static int read_unpacked_desc(int sfd, const char *display, struct jl_runtime_desc **ret_desc,
			      struct joblet_error **err)
{
	_cleanup_closedir_ DIR *d = fdopendir(dup(sfd));
	_cleanup_close_ int rfd = -1;
	_cleanup_free_ char *only = NULL;
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
	if (rfd < 0)
		return joblet_error_set(err, JOBLET_E_ARCHIVE, 0, "`%s` has no runtime.yml",
					display);
	return jl_runtime_yml_load(rfd, display, ret_desc, err);
}

/*
 * Unpack the package `s` delivers (consumed) with archive into the scratch
 * folder (a mkdtemp() template in dir), read its runtime.yml, and remove
 * the folder.
 */
static int unpack_to_read(const struct jl_config *cfg, const struct joblet_plugin *archive,
			  struct joblet_stream *s, const char *dir, char *scratch,
			  const char *display, struct pkg_info *pi, struct joblet_error **err)
{
	struct joblet_archive_limits limits = { sizeof(limits), 0,
						(uint64_t)cfg->max_unpacked_bytes,
						(uint64_t)cfg->max_entries, 4096 };
	struct joblet_archive_stats stats = { sizeof(stats), 0, 0, 0 };
	_cleanup_close_ int sfd = -1, parent = -1;
	int r;

	if (!mkdtemp(scratch)) {
		r = joblet_error_set(err, JOBLET_E_IO, errno,
				     "cannot create a scratch folder in `%s`", dir);
		jl_stream_close(s);
		return r;
	}
	sfd = open(scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	r = sfd < 0 ? joblet_error_set(err, JOBLET_E_IO, errno, "cannot open `%s`", scratch)
		    : jl_archive_extract(archive, s, sfd, &limits, &stats, err);
	jl_stream_close(s);
	if (r == 0)
		r = read_unpacked_desc(sfd, display, &pi->desc, err);
	/* Best effort: a scratch folder left behind is hidden and skipped by the next index. */
	parent = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (parent >= 0)
		(void)jl_rm_rf_at(parent, strrchr(scratch, '/') + 1, NULL);
	return r;
}

/* Hash a package and unpack it into a scratch folder just to read its runtime.yml. */
static int read_package(const struct jl_config *cfg, const struct jl_plugin_set *set, int dfd,
			const char *dir, const char *file, struct pkg_info *pi,
			struct joblet_error **err)
{
	_cleanup_free_ char *scratch = jl_strdup_printf("%s/.index.XXXXXX", dir);
	_cleanup_free_ char *display = jl_strdup_printf("%s/%s", dir, file);
	const struct joblet_plugin *archive;
	struct joblet_stream *s = NULL;
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
		if (r == 0)
			r = joblet_error_set(err, JOBLET_E_IO, errno, "cannot read `%s`", display);
		close(fd);
		return r;
	}
	archive = jl_archive_bid(set, head, (size_t)hn, file);
	if (!archive) {
		close(fd);
		return joblet_error_set(err, JOBLET_E_ARCHIVE, 0,
					"`%s` is in no format the archive plugins read", display);
	}
	/* The stream owns fd from here, also when it cannot be made. */
	r = joblet_stream_from_fd(fd, display, &s, err);
	if (r < 0)
		return r;
	return unpack_to_read(cfg, archive, s, dir, scratch, display, pi, err);
}

static bool is_package_name(const char *name)
{
	static const char *const suffixes[] = { ".tar.gz",  ".tgz",	".tar.xz", ".txz",
						".tar.zst", ".tar.bz2", ".tbz2",   ".tar" };
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

/* One `runtime index`: every package of a folder described in its registry.json. */
struct index_dir {
	const struct jl_config *cfg;
	const struct jl_plugin_set *set;
	const char *dir;      /* the folder, as given */
	const char *base_url; /* what download_url starts with, or NULL (relative) */
	int dfd;
	char **fallback; /* platforms of packages whose runtime.yml names none */
	struct pkg_info *pkgs;
	size_t n;
	json_object *root; /* the registry.json being built */
};

static void index_dir_done(struct index_dir *ix)
{
	jl_closep(&ix->dfd);
	jl_strv_free(ix->fallback);
	for (size_t i = 0; i < ix->n; i++) {
		free(ix->pkgs[i].file);
		jl_runtime_desc_free(ix->pkgs[i].desc);
	}
	free(ix->pkgs);
	json_object_put(ix->root);
}

/* The platforms given (a comma-separated list), else this host's. */
static int index_dir_platforms(struct index_dir *ix, const char *default_platforms,
			       struct joblet_error **err)
{
	_cleanup_free_ char *host = NULL, *copy = NULL;
	char *save = NULL;
	int r;

	if (!default_platforms || !*default_platforms) {
		r = jl_host_platform(ix->cfg, &host, err);
		if (r < 0)
			return r;
		if (jl_strv_push(&ix->fallback, host) < 0)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot index");
		return 0;
	}
	copy = strdup(default_platforms);
	if (!copy)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot index `%s`", ix->dir);
	for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (!jl_platform_valid(p))
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"platform `%s` is not {ubuntu|rhel|amzn}-{amd64|arm64}", p);
		if (jl_strv_push(&ix->fallback, p) < 0)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot index");
	}
	return 0;
}

/* The package files in the folder (by name; hidden files are not packages). */
static int index_dir_list(struct index_dir *ix, struct joblet_error **err)
{
	_cleanup_closedir_ DIR *d = fdopendir(dup(ix->dfd));

	for (struct dirent *de; d && (de = readdir(d));) {
		struct pkg_info *grown;

		if (!is_package_name(de->d_name))
			continue;
		grown = realloc(ix->pkgs, (ix->n + 1) * sizeof(*ix->pkgs));
		if (!grown)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot index `%s`",
						ix->dir);
		ix->pkgs = grown;
		memset(&ix->pkgs[ix->n], 0, sizeof(ix->pkgs[ix->n]));
		ix->pkgs[ix->n].file = strdup(de->d_name);
		ix->n++;
		if (!ix->pkgs[ix->n - 1].file)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot index `%s`",
						ix->dir);
	}
	if (ix->n == 0)
		return joblet_error_set(
			err, JOBLET_E_NOT_FOUND, 0,
			"`%s` holds no packages (*.tar.gz and the like); make them with `joblet runtime pack`",
			ix->dir);
	return 0;
}

/* Read every package's runtime.yml; sort by name, newest version first; refuse twins. */
static int index_dir_read(struct index_dir *ix, struct joblet_error **err)
{
	struct pkg_info *p = ix->pkgs;
	int r;

	for (size_t i = 0; i < ix->n; i++) {
		r = read_package(ix->cfg, ix->set, ix->dfd, ix->dir, p[i].file, &p[i], err);
		if (r < 0)
			return r;
	}
	qsort(p, ix->n, sizeof(*p), pkg_cmp);
	for (size_t i = 1; i < ix->n; i++)
		if (strcmp(p[i].desc->name, p[i - 1].desc->name) == 0 &&
		    strcmp(p[i].desc->version, p[i - 1].desc->version) == 0)
			return joblet_error_set(
				err, JOBLET_E_EXISTS, 0, "`%s` and `%s` are both %s %s; keep one",
				p[i - 1].file, p[i].file, p[i].desc->name, p[i].desc->version);
	return 0;
}

/* The registry.json entry of one package. */
static json_object *index_dir_entry(const struct index_dir *ix, const struct pkg_info *pi)
{
	const struct jl_runtime_desc *d = pi->desc;
	json_object *e = json_object_new_object();
	_cleanup_free_ char *url = NULL, *checksum = jl_strdup_printf("sha256:%s", pi->sha);
	size_t bl = ix->base_url ? strlen(ix->base_url) : 0;

	url = bl ? jl_strdup_printf("%.*s/%s", (int)(ix->base_url[bl - 1] == '/' ? bl - 1 : bl),
				    ix->base_url, pi->file)
		 : strdup(pi->file);
	json_object_object_add(e, "version", json_object_new_string(d->version));
	json_object_object_add(e, "description", json_object_new_string(d->description));
	json_object_object_add(e, "download_url", json_object_new_string(url ? url : ""));
	json_object_object_add(e, "checksum", json_object_new_string(checksum ? checksum : ""));
	json_object_object_add(e, "size", json_object_new_int64(pi->size));
	json_object_object_add(
		e, "platforms",
		jl_json_strv(d->platforms && d->platforms[0] ? d->platforms : ix->fallback));
	return e;
}

/* registry.json: { version, updated_at, runtimes: { NAME: { VERSION: entry } } }. */
static void index_dir_build(struct index_dir *ix)
{
	json_object *runtimes = json_object_new_object();
	time_t now = time(NULL);
	char when[32];
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	ix->root = json_object_new_object();
	json_object_object_add(ix->root, "version", json_object_new_string("1"));
	json_object_object_add(ix->root, "updated_at", json_object_new_string(when));
	json_object_object_add(ix->root, "runtimes", runtimes);
	for (size_t i = 0; i < ix->n; i++) {
		const char *name = ix->pkgs[i].desc->name;
		json_object *versions = json_object_object_get(runtimes, name);

		if (!versions) {
			versions = json_object_new_object();
			json_object_object_add(runtimes, name, versions);
		}
		json_object_object_add(versions, ix->pkgs[i].desc->version,
				       index_dir_entry(ix, &ix->pkgs[i]));
	}
}

/* Replace DIR/registry.json in one step. */
static int index_dir_write(const struct index_dir *ix, struct joblet_error **err)
{
	const int flags =
		JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE;
	const char *text = json_object_to_json_string_ext(ix->root, flags);
	_cleanup_free_ char *out_path = jl_strdup_printf("%s/registry.json", ix->dir);
	_cleanup_free_ char *tmp = jl_strdup_printf("%s/.registry.json.XXXXXX", ix->dir);
	_cleanup_close_ int fd = -1;
	size_t len = text ? strlen(text) : 0;

	if (!text || !out_path || !tmp)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot index `%s`", ix->dir);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot write `%s`", out_path);
	if (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 ||
	    fchmod(fd, 0644) < 0 || fsync(fd) < 0 || close(TAKE_FD(fd)) < 0 ||
	    rename(tmp, out_path) < 0) {
		int r = joblet_error_set(err, JOBLET_E_IO, errno, "cannot write `%s`", out_path);

		/* Only the temporary file goes: failing to remove it is not the error to report. */
		(void)unlink(tmp);
		return r;
	}
	return 0;
}

int jl_registry_index_dir(const struct jl_config *cfg, const struct jl_plugin_set *set,
			  const char *dir, const char *base_url, const char *default_platforms,
			  char **ret_json, struct joblet_error **err)
{
	struct index_dir ix = { .cfg = cfg, .set = set, .dir = dir, .base_url = base_url };
	int r;

	ix.dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ix.dfd < 0)
		return joblet_error_set(err, errno == ENOENT ? JOBLET_E_NOT_FOUND : JOBLET_E_IO,
					errno, "cannot open `%s`", dir);
	r = index_dir_platforms(&ix, default_platforms, err);
	if (r == 0)
		r = index_dir_list(&ix, err);
	if (r == 0)
		r = index_dir_read(&ix, err);
	if (r == 0) {
		index_dir_build(&ix);
		r = index_dir_write(&ix, err);
	}
	if (r == 0)
		r = jl_json_finish(TAKE_PTR(ix.root), ret_json, err);
	index_dir_done(&ix);
	return r;
}

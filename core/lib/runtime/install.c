/*
 * install.c - the runtime install pipeline and registry listings.
 *
 *   spec -> registry plugin (first can_handle) -> index (cached, ETag) ->
 *   resolve (SemVer, platform) -> lock -> download in a producer thread
 *   (SHA-256, size) -> archive plugin unpacks into staging as bytes arrive
 *   -> verify checksum and runtime.yml -> rename into place.
 *
 * Any failure removes the staging folder: the runtimes folder only ever
 * holds complete, verified runtimes.
 */
#include <config.h>

#include <fcntl.h>
#include <json.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include <joblet/archive.h>
#include <joblet/buffer.h>
#include <joblet/registry.h>
#include "runtime/runtime.h"

#include "base/fsutil.h"
#include "runtime/install_private.h"
#include "config/platform.h"
#include "runtime/prefetch.h"
#include "runtime/registry_index.h"
#include "runtime/runtime_spec.h"
#include "runtime/runtime_yml.h"
#include "runtime/sha256.h"
#include "base/util.h"
#include "base/buffer.h"
#include "config/config.h"
#include "plugin/loader.h"
#include "plugin/ops_archive.h"
#include "plugin/ops_registry.h"

/* ------------------------------------------------------------------ shared helpers */

int jl_json_finish(json_object *o, char **ret_json, struct joblet_error **err)
{
	const char *s = o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								     JSON_C_TO_STRING_NOSLASHESCAPE)
			  : NULL;
	char *copy = s ? strdup(s) : NULL;

	json_object_put(o);
	if (!copy)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot build a JSON answer");
	*ret_json = copy;
	return 0;
}

json_object *jl_json_strv(char *const *v)
{
	json_object *a = json_object_new_array();

	for (; a && v && *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

void jl_progress(const struct jl_install_request *req, int32_t phase, const char *name,
		 const char *version, uint64_t done, int64_t total, double rate, const char *fmt, ...)
{
	struct jl_install_progress p = { sizeof(p), phase, name, version, done, total, rate, NULL };
	char *msg = NULL;
	va_list ap;

	if (!req || !req->progress)
		return;
	if (fmt) {
		va_start(ap, fmt);
		if (vasprintf(&msg, fmt, ap) < 0)
			msg = NULL;
		va_end(ap);
	}
	p.message = msg;
	req->progress(&p, req->userdata);
	free(msg);
}

int jl_host_platform(const struct jl_config *cfg, char **ret, struct joblet_error **err)
{
	if (cfg->platform) {
		*ret = strdup(cfg->platform);
		return *ret ? 0 : joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot detect the platform");
	}
	return jl_platform_detect(NULL, NULL, ret, err);
}

int jl_registry_pick(const struct jl_config *cfg, const struct jl_plugin_set *set,
		     const char *registry, const struct joblet_plugin **ret_plugin,
		     struct joblet_error **err)
{
	_cleanup_strv_ char **asked = NULL;
	_cleanup_free_ char *list = NULL;

	for (char **n = cfg->registry_plugins; n && *n; n++) {
		const struct joblet_plugin *p = jl_plugin_set_find(set, JOBLET_KIND_REGISTRY, *n);

		if (jl_strv_push(&asked, *n) < 0)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot choose a registry");
		if (p && jl_registry_can_handle(p, registry)) {
			*ret_plugin = p;
			return 0;
		}
	}
	list = jl_strv_join(asked, ", ");
	return joblet_error_set(err, JOBLET_E_NOT_FOUND, 0, "failed to fetch registry `%s`: no registry plugin takes it (asked, in order: %s; see `joblet check` for the loaded ones). Use OWNER/REPO for GitHub, an https:// URL, or a local folder", registry, list && *list ? list : "none");
}

int jl_runtime_host_platform(const struct jl_config *cfg, char **ret_platform,
				 struct joblet_error **err)
{
	return jl_host_platform(cfg, ret_platform, err);
}

int jl_registry_plugin_for(const struct jl_config *cfg, const struct jl_plugin_set *set,
			       const char *registry, const struct joblet_plugin **ret_plugin,
			       struct joblet_error **err)
{
	return jl_registry_pick(cfg, set, registry && *registry ? registry : cfg->default_registry,
				ret_plugin, err);
}

/* ------------------------------------------------------------------ index cache */

static void cache_key(const char *registry, char ret[33])
{
	static const char hex[] = "0123456789abcdef";
	struct sha256_ctx h;
	uint8_t d[SHA256_DIGEST_SIZE];

	sha256_init(&h);
	sha256_update(&h, strlen(registry), (const uint8_t *)registry);
	jl_sha256_digest(&h, d);
	for (int i = 0; i < 16; i++) {
		ret[2 * i] = hex[d[i] >> 4];
		ret[2 * i + 1] = hex[d[i] & 15];
	}
	ret[32] = '\0';
}

/* Write path atomically (temp file + rename); failures only lose the cache. */
static void cache_write(const char *path, const char *data, size_t len)
{
	_cleanup_free_ char *tmp = jl_strdup_printf("%s.XXXXXX", path);
	int fd;

	if (!tmp || (fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		return;
	if (write(fd, data, len) != (ssize_t)len || fsync(fd) < 0 || close(fd) < 0 ||
	    rename(tmp, path) < 0) {
		unlink(tmp);
		return;
	}
}

int jl_index_fetch(const struct jl_config *cfg, const struct joblet_plugin *plugin,
		   const char *registry, bool revalidate, const struct jl_install_request *req,
		   struct jl_index **ret_index, bool *ret_cached_unchecked, struct joblet_error **err)
{
	struct joblet_buffer *body = NULL, *etag = NULL, *location = NULL;
	_cleanup_free_ char *dir = jl_strdup_printf("%s/cache/registries", cfg->state_dir);
	_cleanup_free_ char *json_path = NULL, *etag_path = NULL, *cached = NULL, *cached_etag = NULL;
	bool network = plugin->caps & JOBLET_CAP_NETWORK, use_cache;
	size_t cached_len = 0;
	char key[33];
	struct stat st;
	int r;

	*ret_cached_unchecked = false;
	if (!dir)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot fetch the registry index");
	cache_key(registry, key);
	/* The cache is a convenience: without a writable state folder there is none. */
	use_cache = jl_mkdir_p(cfg->state_dir, 0700, NULL) == 0 && jl_mkdir_p(dir, 0700, NULL) == 0;
	json_path = jl_strdup_printf("%s/%s.json", dir, key);
	etag_path = jl_strdup_printf("%s/%s.etag", dir, key);
	if (!json_path || !etag_path)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot fetch the registry index");
	if (use_cache && jl_read_file(json_path, JL_INDEX_MAX_BYTES, &cached, &cached_len, NULL) == 0 &&
	    stat(json_path, &st) == 0) {
		cached_etag = jl_read_line_file(etag_path);
		if (network && !revalidate && time(NULL) - st.st_mtime < cfg->index_ttl_s) {
			r = jl_index_parse(cached, cached_len, registry, ret_index, NULL);
			if (r == 0) {
				*ret_cached_unchecked = true;
				jl_progress(req, JL_INSTALL_RESOLVING, NULL, NULL, 0, -1, 0,
					    "using the index of `%s` fetched %ld s ago", registry,
					    (long)(time(NULL) - st.st_mtime));
				return 0;
			}
			/* A cache that does not parse is thrown away. */
			free(cached);
			cached = NULL;
		}
	}

	if (jl_buffer_new(&body, err) < 0 || jl_buffer_new(&etag, err) < 0 ||
	    jl_buffer_new(&location, err) < 0) {
		r = -JOBLET_E_NOMEM;
		goto out;
	}
	jl_buffer_set_limit(body, JL_INDEX_MAX_BYTES);
	{
		struct joblet_registry_index_request q = {
			sizeof(q), 0, registry, cached && cached_etag && *cached_etag ? cached_etag : NULL
		};
		struct joblet_registry_index_reply a = { sizeof(a), 0, body, etag, location };
		struct joblet_error *e = NULL;

		jl_progress(req, JL_INSTALL_RESOLVING, NULL, NULL, 0, -1, 0,
			    "fetching the index of `%s`", registry);
		r = jl_registry_fetch_index(plugin, &q, &a, &e);
		if (r < 0) {
			/*
			 * The guide's wording first, the cause after it.  When
			 * this host cannot fetch at all (no libcurl), the cause
			 * says what to install and the registry is not to blame.
			 */
			r = joblet_error_set(err, e ? e->code : JOBLET_E_NETWORK, 0,
					     "failed to fetch registry `%s`: %s%s", registry,
					     joblet_error_message(e),
					     e && e->code == JOBLET_E_UNSUPPORTED
						     ? ""
						     : ". Check that the registry exists and serves "
						       "registry.json");
			if (e && e->code == JOBLET_E_HTTP && err && *err)
				(*err)->detail = e->detail;
			joblet_error_free(e);
			goto out;
		}
		if (a.not_modified && cached) {
			r = jl_index_parse(cached, cached_len,
					   joblet_buffer_length(location) ? jl_buffer_data(location)
									  : registry,
					   ret_index, err);
			if (r == 0 && use_cache)
				utimensat(AT_FDCWD, json_path, NULL, 0);
			goto out;
		}
	}
	r = jl_index_parse(jl_buffer_data(body), joblet_buffer_length(body),
			   joblet_buffer_length(location) ? jl_buffer_data(location) : registry,
			   ret_index, err);
	if (r < 0)
		goto out;
	if (use_cache) {
		cache_write(json_path, jl_buffer_data(body), joblet_buffer_length(body));
		if (joblet_buffer_length(etag))
			cache_write(etag_path, jl_buffer_data(etag), joblet_buffer_length(etag));
		else
			unlink(etag_path);
	}
out:
	jl_buffer_free(body);
	jl_buffer_free(etag);
	jl_buffer_free(location);
	return r;
}

/* ------------------------------------------------------------------ install */

struct progress_ctx {
	const struct jl_install_request *req;
	const char *name;
	const char *version;
};

static void download_progress(uint64_t done, int64_t total, double rate, void *userdata)
{
	struct progress_ctx *c = userdata;

	jl_progress(c->req, JL_INSTALL_DOWNLOADING, c->name, c->version, done, total, rate, NULL);
}

/* Open the package through the registry's plugin, else any that can fetch the URL. */
static int open_package(const struct jl_config *cfg, const struct jl_plugin_set *set,
			const struct joblet_plugin *first, const char *registry, const char *url,
			struct joblet_stream **ret, struct joblet_error **err)
{
	int r = jl_registry_open_package(first, registry, url, ret, err);

	if (r != -JOBLET_E_UNSUPPORTED)
		return r;
	for (char **n = cfg->registry_plugins; n && *n; n++) {
		const struct joblet_plugin *p = jl_plugin_set_find(set, JOBLET_KIND_REGISTRY, *n);

		if (!p || p == first)
			continue;
		joblet_error_clear(err);
		r = jl_registry_open_package(p, registry, url, ret, err);
		if (r != -JOBLET_E_UNSUPPORTED)
			return r;
	}
	return r;
}

/* The archive plugin with the highest bid for this head, or an error. */
static int pick_archive(const struct jl_plugin_set *set, const uint8_t *head, size_t len,
			const char *url, const struct joblet_plugin **ret,
			struct joblet_error **err)
{
	const char *base = strrchr(url, '/');
	_cleanup_strv_ char **names = NULL;
	_cleanup_free_ char *list = NULL;

	base = base ? base + 1 : url;
	*ret = jl_archive_bid(set, head, len, base);
	if (*ret)
		return 0;
	for (size_t i = 0; i < jl_plugin_set_count(set); i++) {
		const struct joblet_plugin *p = jl_plugin_set_get(set, i, NULL);

		if (p->kind == JOBLET_KIND_ARCHIVE && jl_strv_push(&names, p->name) < 0)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot unpack `%s`", url);
	}
	list = jl_strv_join(names, ", ");
	return joblet_error_set(err, JOBLET_E_ARCHIVE, 0, "package `%s` is in no format the archive plugins read (loaded: %s)", url, list && *list ? list : "none; see `joblet check`");
}

/*
 * The folder to install: the staging folder itself, or its only entry when
 * the package wraps everything in one top-level folder.
 */
static int package_root(int stagefd, char **ret_sub, struct joblet_error **err)
{
	_cleanup_closedir_ DIR *d = NULL;
	char *only = NULL;
	int fd, n = 0;
	struct stat st;

	*ret_sub = NULL;
	if (faccessat(stagefd, "runtime.yml", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	fd = dup(stagefd);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot list the unpacked package");
	}
	for (struct dirent *de; (de = readdir(d));) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		n++;
		free(only);
		only = strdup(de->d_name);
		if (!only)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot unpack");
	}
	if (n == 1 && fstatat(stagefd, only, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
		*ret_sub = only;
		return 0;
	}
	free(only);
	return 0;
}

int jl_runtime_install(const struct jl_config *cfg, const struct jl_plugin_set *set,
			   const struct jl_install_request *req, char **ret_json,
			   struct joblet_error **err)
{
	const char *registry = req->registry && *req->registry ? req->registry : cfg->default_registry;
	bool force = req->flags & JL_INSTALL_FORCE, unchecked = false, replaced = false;
	struct jl_runtime_spec spec = { 0 };
	const struct joblet_plugin *plugin = NULL;
	const struct joblet_plugin *archive = NULL;
	const struct jl_index_entry *entry = NULL;
	struct jl_index *idx = NULL;
	struct jl_prefetch *pf = NULL;
	struct joblet_stream *stream = NULL;
	struct jl_runtime_desc *desc = NULL;
	_cleanup_free_ char *platform = NULL, *locks = NULL, *staging_dir = NULL, *lock_path = NULL;
	_cleanup_free_ char *target = NULL, *stage = NULL, *sub = NULL, *final_name = NULL;
	_cleanup_close_ int lock_fd = -1, runtimes_fd = -1, staging_fd = -1, stagefd = -1;
	char sha[65];
	uint64_t bytes = 0;
	struct stat st;
	int r;

	r = jl_runtime_spec_parse(req->spec, &spec, err);
	if (r < 0)
		return r;
	r = jl_registry_pick(cfg, set, registry, &plugin, err);
	if (r < 0)
		goto out;
	r = jl_host_platform(cfg, &platform, err);
	if (r < 0)
		goto out;

	/* Resolve; a cached index that lacks the version is checked again first. */
	r = jl_index_fetch(cfg, plugin, registry, false, req, &idx, &unchecked, err);
	if (r < 0)
		goto out;
	r = jl_index_resolve(idx, spec.name, spec.version, platform, &entry, err);
	if (r == -JOBLET_E_NOT_FOUND && unchecked) {
		joblet_error_clear(err);
		jl_index_free(idx);
		idx = NULL;
		r = jl_index_fetch(cfg, plugin, registry, true, req, &idx, &unchecked, err);
		if (r == 0)
			r = jl_index_resolve(idx, spec.name, spec.version, platform, &entry, err);
	}
	if (r < 0)
		goto out;
	jl_progress(req, JL_INSTALL_RESOLVING, entry->name, entry->version, 0, entry->size, 0,
		    "%s %s from `%s` (%s)", entry->name, entry->version, registry, platform);

	/* The runtimes folder, its lock and staging folders. */
	r = jl_mkdir_p(cfg->runtimes_dir, 0755, err);
	if (r < 0)
		goto out;
	locks = jl_strdup_printf("%s/.locks", cfg->runtimes_dir);
	staging_dir = jl_strdup_printf("%s/.staging", cfg->runtimes_dir);
	lock_path = jl_strdup_printf("%s/.locks/%s.lock", cfg->runtimes_dir, entry->name);
	final_name = jl_strdup_printf("%s-%s", entry->name, entry->version);
	target = jl_strdup_printf("%s/%s", cfg->runtimes_dir, final_name);
	if (!locks || !staging_dir || !lock_path || !final_name || !target) {
		r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot install `%s`", req->spec);
		goto out;
	}
	if ((r = jl_mkdir_p(locks, 0700, err)) < 0 || (r = jl_mkdir_p(staging_dir, 0700, err)) < 0)
		goto out;
	r = jl_lock_path(lock_path, false, &lock_fd, NULL);
	if (r == -JOBLET_E_BUSY) {
		jl_progress(req, JL_INSTALL_RESOLVING, entry->name, entry->version, 0, entry->size, 0,
			    "waiting for another install or removal of %s to finish", entry->name);
		r = jl_lock_path(lock_path, true, &lock_fd, err);
	}
	if (r < 0)
		goto out;
	runtimes_fd = open(cfg->runtimes_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	staging_fd = open(staging_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (runtimes_fd < 0 || staging_fd < 0) {
		r = joblet_error_set(err, JOBLET_E_IO, errno, "cannot open `%s`", cfg->runtimes_dir);
		goto out;
	}
	if (fstatat(runtimes_fd, final_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!force) {
			r = joblet_error_set(err, JOBLET_E_EXISTS, 0,
					     "runtime `%s@%s` is already installed at `%s`; use --force "
					     "to reinstall it",
					     entry->name, entry->version, target);
			goto out;
		}
		replaced = true;
	}

	/* Leftovers of this runtime's earlier, interrupted installs (we hold its lock). */
	{
		_cleanup_closedir_ DIR *d = fdopendir(dup(staging_fd));
		_cleanup_free_ char *prefix = jl_strdup_printf("%s@", entry->name);

		for (struct dirent *de; d && prefix && (de = readdir(d));)
			if (jl_startswith(de->d_name, prefix))
				jl_rm_rf_at(staging_fd, de->d_name, NULL);
	}
	stage = jl_strdup_printf("%s/%s@%s.XXXXXX", staging_dir, entry->name, entry->version);
	if (!stage || !mkdtemp(stage)) {
		r = joblet_error_set(err, JOBLET_E_IO, errno, "cannot create a staging folder in `%s`",
				     staging_dir);
		free(stage);
		stage = NULL;
		goto out;
	}
	stagefd = open(stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (stagefd < 0) {
		r = joblet_error_set(err, JOBLET_E_IO, errno, "cannot open `%s`", stage);
		goto out;
	}

	/* Download, hash and unpack at once. */
	r = open_package(cfg, set, plugin, registry, entry->download_url, &stream, err);
	if (r < 0) {
		r = joblet_error_prefix(err, r, "downloading %s %s", entry->name, entry->version);
		goto out;
	}
	{
		struct progress_ctx pc = { req, entry->name, entry->version };
		struct jl_prefetch_options po = { entry->size, cfg->max_download_bytes,
						  entry->download_url, download_progress, &pc };
		struct joblet_archive_limits limits = { sizeof(limits), 0,
							(uint64_t)cfg->max_unpacked_bytes,
							(uint64_t)cfg->max_entries, 4096 };
		struct joblet_archive_stats stats = { sizeof(stats), 0, 0, 0 };
		const uint8_t *head;
		size_t head_len;

		r = jl_prefetch_new(stream, &po, &pf, err);
		stream = NULL;
		if (r < 0)
			goto out;
		r = jl_prefetch_peek(pf, &head, JOBLET_ARCHIVE_PROBE_BYTES, &head_len, err);
		if (r == 0)
			r = pick_archive(set, head, head_len, entry->download_url, &archive, err);
		if (r == 0)
			r = jl_archive_extract(archive, jl_prefetch_stream(pf), stagefd, &limits,
					       &stats, err);
		if (r == 0)
			r = jl_prefetch_finish(pf, sha, &bytes, err);
		if (r < 0) {
			r = joblet_error_prefix(err, r, "installing %s %s", entry->name, entry->version);
			goto out;
		}
	}
	jl_progress(req, JL_INSTALL_VERIFYING, entry->name, entry->version, bytes, entry->size, 0,
		    "verifying %s %s", entry->name, entry->version);
	if (strcmp(sha, entry->sha256) != 0) {
		r = joblet_error_set(err, JOBLET_E_CHECKSUM, 0,
				     "checksum mismatch for %s %s: the registry index says "
				     "sha256:%s, the download is sha256:%s. The package or the index "
				     "changed; ask the registry's owner to publish the right checksum",
				     entry->name, entry->version, entry->sha256, sha);
		goto out;
	}

	/* What was unpacked must be a complete, matching runtime. */
	r = package_root(stagefd, &sub, err);
	if (r < 0)
		goto out;
	{
		_cleanup_close_ int rootfd = sub ? openat(stagefd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
									  O_CLOEXEC)
						 : dup(stagefd);

		if (rootfd < 0) {
			r = joblet_error_set(err, JOBLET_E_IO, errno, "cannot open the unpacked package");
			goto out;
		}
		r = jl_runtime_yml_load(rootfd, entry->download_url, &desc, err);
		if (r == -JOBLET_E_NOT_FOUND) {
			bool recipe = faccessat(rootfd, "setup.sh", F_OK, AT_SYMLINK_NOFOLLOW) == 0;

			joblet_error_clear(err);
			r = recipe ? joblet_error_set(err, JOBLET_E_UNSUPPORTED, 0,
						      "%s %s is a recipe package (setup.sh, no "
						      "runtime.yml): building recipes needs the job "
						      "executor, which this joblet does not have yet; "
						      "install a prebuilt package (made with `joblet "
						      "runtime pack`)",
						      entry->name, entry->version)
				   : joblet_error_set(err, JOBLET_E_ARCHIVE, 0,
						      "package of %s %s has no runtime.yml at its top "
						      "(nor in its single top-level folder); it is not a "
						      "joblet runtime",
						      entry->name, entry->version);
			goto out;
		}
		if (r < 0)
			goto out;
		if (strcmp(desc->name, entry->name) != 0 || strcmp(desc->version, entry->version) != 0) {
			r = joblet_error_set(err, JOBLET_E_ARCHIVE, 0,
					     "the package says it is %s %s (runtime.yml) but the "
					     "registry lists it as %s %s; the registry is wrong",
					     desc->name, desc->version, entry->name, entry->version);
			goto out;
		}
		if (fchmod(rootfd, 0755) < 0) {
			r = joblet_error_set(err, JOBLET_E_IO, errno, "cannot prepare `%s`", target);
			goto out;
		}
	}

	/* Into place in one step; --force swaps the old version out. */
	{
		_cleanup_free_ char *from = sub ? jl_strdup_printf("%s/%s", stage, sub) : strdup(stage);

		if (!from) {
			r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot install `%s`", req->spec);
			goto out;
		}
		if (renameat2(AT_FDCWD, from, runtimes_fd, final_name,
			      replaced ? RENAME_EXCHANGE : RENAME_NOREPLACE) < 0) {
			r = joblet_error_set(err, errno == EEXIST ? JOBLET_E_EXISTS : JOBLET_E_IO, errno,
					     "cannot move the runtime into `%s`", target);
			goto out;
		}
		fsync(runtimes_fd);
	}
	jl_progress(req, JL_INSTALL_DONE, entry->name, entry->version, bytes, entry->size, 0,
		    "installed %s %s at %s", entry->name, entry->version, target);
	{
		json_object *o = json_object_new_object();

		json_object_object_add(o, "name", json_object_new_string(entry->name));
		json_object_object_add(o, "version", json_object_new_string(entry->version));
		json_object_object_add(o, "path", json_object_new_string(target));
		json_object_object_add(o, "registry", json_object_new_string(registry));
		json_object_object_add(o, "source", json_object_new_string(entry->download_url));
		json_object_object_add(o, "sha256", json_object_new_string(sha));
		json_object_object_add(o, "bytes", json_object_new_int64((int64_t)bytes));
		json_object_object_add(o, "replaced", json_object_new_boolean(replaced));
		r = jl_json_finish(o, ret_json, err);
	}
out:
	jl_prefetch_free(pf);
	jl_stream_close(stream);
	if (stage && staging_fd >= 0) {
		/* Gone in every case: a failure's partial files, or the replaced version. */
		const char *base = strrchr(stage, '/') + 1;

		jl_rm_rf_at(staging_fd, base, NULL);
	}
	jl_runtime_desc_free(desc);
	jl_index_free(idx);
	jl_runtime_spec_done(&spec);
	return r;
}

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
#include "runtime/index_cache.h"
#include "runtime/install_private.h"
#include "config/platform.h"
#include "runtime/prefetch.h"
#include "runtime/registry_index.h"
#include "runtime/runtime_spec.h"
#include "runtime/runtime_yml.h"
#include "base/log.h"
#include "base/timefmt.h"
#include "base/util.h"
#include "base/buffer.h"
#include "config/config.h"
#include "plugin/loader.h"
#include "plugin/ops_archive.h"
#include "plugin/ops_registry.h"

/* ------------------------------------------------------------------ shared helpers */

int jl_json_finish(json_object *o, char **ret_json, struct joblet_error **err)
{
	const char *s = o ? json_object_to_json_string_ext(
				    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
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
		 const char *version, uint64_t done, int64_t total, double rate, const char *fmt,
		 ...)
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
		return *ret ? 0
			    : joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					       "cannot detect the platform");
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
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
						"cannot choose a registry");
		if (p && jl_registry_can_handle(p, registry)) {
			*ret_plugin = p;
			return 0;
		}
	}
	list = jl_strv_join(asked, ", ");
	return joblet_error_set(
		err, JOBLET_E_NOT_FOUND, 0,
		"failed to fetch registry `%s`: no registry plugin takes it (asked, in order: %s; see `joblet check` for the loaded ones). Use OWNER/REPO for GitHub, an https:// URL, or a local folder",
		registry, list && *list ? list : "none");
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

/* a and b name the same registry: equal, a trailing `/` aside. */
static bool registry_same(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	while (la > 1 && a[la - 1] == '/')
		la--;
	while (lb > 1 && b[lb - 1] == '/')
		lb--;
	return la == lb && memcmp(a, b, la) == 0;
}

bool jl_registry_is_configured(const struct jl_config *cfg, const char *registry)
{
	if (!registry || !*registry || registry_same(registry, cfg->default_registry))
		return true;
	for (char **a = cfg->allowed_registries; a && *a; a++)
		if (registry_same(registry, *a))
			return true;
	return false;
}

/* ------------------------------------------------------------------ index cache */

/* May the cached copy be used without asking?  Network registries, within index_ttl. */
static bool index_cache_fresh(const struct jl_config *cfg, const struct joblet_plugin *plugin,
			      bool revalidate, const struct jl_index_cache *c)
{
	return c->dated && (plugin->caps & JOBLET_CAP_NETWORK) && !revalidate &&
	       time(NULL) - c->mtime < cfg->index_ttl_s;
}

/* Ask the registry plugin, sending the cached copy's validator. */
static int index_request(const struct joblet_plugin *plugin, const char *registry,
			 const struct jl_index_cache *c, const struct jl_install_request *req,
			 struct joblet_registry_index_reply *reply, struct joblet_error **err)
{
	const char *etag = c->json && c->etag && *c->etag ? c->etag : NULL;
	struct joblet_registry_index_request q = { sizeof(q), 0, registry, etag };
	struct joblet_error *e = NULL;
	int r;

	jl_progress(req, JL_INSTALL_RESOLVING, NULL, NULL, 0, -1, 0, "fetching the index of `%s`",
		    registry);
	r = jl_registry_fetch_index(plugin, &q, reply, &e);
	if (r == 0)
		return 0;
	/*
	 * The guide's wording first, the cause after it.  When this host
	 * cannot fetch at all (a libcurl without an option or feature the
	 * plugin needs), the cause says what to install and the registry is
	 * not to blame.
	 */
	r = joblet_error_set(err, e ? e->code : JOBLET_E_NETWORK, 0,
			     "failed to fetch registry `%s`: %s%s", registry,
			     joblet_error_message(e),
			     e && e->code == JOBLET_E_UNSUPPORTED
				     ? ""
				     : ". Check that the registry exists and serves registry.json");
	if (e && e->code == JOBLET_E_HTTP && err && *err)
		(*err)->detail = e->detail;
	joblet_error_free(e);
	return r;
}

/* Fetch the index (or learn that the cached copy is current), parse it and cache it. */
static int index_ask(const struct jl_config *cfg, const struct joblet_plugin *plugin,
		     const char *registry, const struct jl_index_cache *c,
		     const struct jl_install_request *req, struct jl_index **ret_index,
		     struct joblet_error **err)
{
	struct joblet_buffer *body = NULL, *etag = NULL, *location = NULL;
	struct joblet_registry_index_reply a = { sizeof(a), 0, NULL, NULL, NULL };
	const char *where;
	int r;

	if (jl_buffer_new(&body, err) < 0 || jl_buffer_new(&etag, err) < 0 ||
	    jl_buffer_new(&location, err) < 0) {
		r = -JOBLET_E_NOMEM;
		goto out;
	}
	jl_buffer_set_limit(body, JL_INDEX_MAX_BYTES);
	a.body = body;
	a.etag = etag;
	a.location = location;
	r = index_request(plugin, registry, c, req, &a, err);
	if (r < 0)
		goto out;
	where = joblet_buffer_length(location) ? jl_buffer_data(location) : registry;
	if (a.not_modified && c->json) {
		r = jl_index_parse(c->json, c->json_len, where, ret_index, err);
		if (r == 0)
			jl_index_cache_validated(c);
		goto out;
	}
	r = jl_index_parse(jl_buffer_data(body), joblet_buffer_length(body), where, ret_index, err);
	if (r == 0)
		jl_index_cache_store(cfg, c, jl_buffer_data(body), joblet_buffer_length(body),
				     jl_buffer_data(etag), joblet_buffer_length(etag));
out:
	jl_buffer_free(body);
	jl_buffer_free(etag);
	jl_buffer_free(location);
	return r;
}

int jl_index_fetch(const struct jl_config *cfg, const struct joblet_plugin *plugin,
		   const char *registry, bool revalidate, const struct jl_install_request *req,
		   struct jl_index **ret_index, bool *ret_cached_unchecked,
		   struct joblet_error **err)
{
	struct jl_index_cache c = { 0 };
	int r;

	*ret_cached_unchecked = false;
	r = jl_index_cache_open(cfg, registry, &c, err);
	if (r < 0)
		goto out;
	if (index_cache_fresh(cfg, plugin, revalidate, &c)) {
		r = jl_index_parse(c.json, c.json_len, registry, ret_index, NULL);
		if (r == 0) {
			*ret_cached_unchecked = true;
			jl_progress(req, JL_INSTALL_RESOLVING, NULL, NULL, 0, -1, 0,
				    "using the index of `%s` fetched %ld s ago", registry,
				    (long)(time(NULL) - c.mtime));
			goto out;
		}
		/* A cache that does not parse is thrown away. */
		free(c.json);
		c.json = NULL;
	}
	r = index_ask(cfg, plugin, registry, &c, req, ret_index, err);
out:
	jl_index_cache_done(&c);
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
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot unpack `%s`",
						url);
	}
	list = jl_strv_join(names, ", ");
	return joblet_error_set(
		err, JOBLET_E_ARCHIVE, 0,
		"package `%s` is in no format the archive plugins read (loaded: %s)", url,
		list && *list ? list : "none; see `joblet check`");
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
		return joblet_error_set(err, JOBLET_E_IO, errno,
					"cannot list the unpacked package");
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
	if (n == 1 && fstatat(stagefd, only, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISDIR(st.st_mode)) {
		*ret_sub = only;
		return 0;
	}
	free(only);
	return 0;
}

/*
 * One install, from the spec to the runtime in its place.  The steps below
 * fill it in order; install_done() removes the staging folder (a failure's
 * partial files, or the version --force replaced) before it lets go of the
 * runtime's lock.
 */
struct install {
	const struct jl_config *cfg;
	const struct jl_plugin_set *set;
	const struct jl_install_request *req;
	const char *registry; /* the request's, or runtimes.registry (borrowed) */
	struct jl_runtime_spec spec;
	const struct joblet_plugin *plugin; /* the registry's plugin */
	char *platform;
	struct jl_index *idx;
	const struct jl_index_entry *entry; /* what to install (borrowed from idx) */
	char *staging_dir;		    /* RUNTIMES/.staging */
	char *final_name;		    /* NAME-VERSION */
	char *target;			    /* RUNTIMES/NAME-VERSION */
	char *stage;			    /* STAGING/NAME@VERSION.XXXXXX, once made */
	char *sub; /* the package's single top-level folder in stage, or NULL */
	bool replaced;
	bool already; /* installed before, and no --force: nothing was done */
	int lock_fd, runtimes_fd, staging_fd, stagefd;
	char sha[65];
	uint64_t bytes;
	struct jl_runtime_desc *desc;
};

static void install_done(struct install *in)
{
	/*
	 * Gone in every case: a failure's partial files, or the replaced
	 * version.  What cannot be removed now, the next install of this
	 * runtime removes (install_stage).
	 */
	if (in->stage && in->staging_fd >= 0)
		(void)jl_rm_rf_at(in->staging_fd, strrchr(in->stage, '/') + 1, NULL);
	jl_runtime_desc_free(in->desc);
	jl_index_free(in->idx);
	jl_runtime_spec_done(&in->spec);
	free(in->platform);
	free(in->staging_dir);
	free(in->final_name);
	free(in->target);
	free(in->stage);
	free(in->sub);
	jl_closep(&in->stagefd);
	jl_closep(&in->staging_fd);
	jl_closep(&in->runtimes_fd);
	/* Last: the lock covered the removal of the staging folder. */
	jl_closep(&in->lock_fd);
}

/* The registry's plugin and index entry; a cached index that lacks the version is checked again. */
static int install_resolve(struct install *in, struct joblet_error **err)
{
	bool unchecked = false;
	int r;

	r = jl_registry_pick(in->cfg, in->set, in->registry, &in->plugin, err);
	if (r == 0)
		r = jl_host_platform(in->cfg, &in->platform, err);
	if (r == 0)
		r = jl_index_fetch(in->cfg, in->plugin, in->registry, false, in->req, &in->idx,
				   &unchecked, err);
	if (r < 0)
		return r;
	r = jl_index_resolve(in->idx, in->spec.name, in->spec.version, in->platform, &in->entry,
			     err);
	if (r == -JOBLET_E_NOT_FOUND && unchecked) {
		joblet_error_clear(err);
		jl_index_free(in->idx);
		in->idx = NULL;
		r = jl_index_fetch(in->cfg, in->plugin, in->registry, true, in->req, &in->idx,
				   &unchecked, err);
		if (r == 0)
			r = jl_index_resolve(in->idx, in->spec.name, in->spec.version, in->platform,
					     &in->entry, err);
	}
	if (r < 0)
		return r;
	jl_progress(in->req, JL_INSTALL_RESOLVING, in->entry->name, in->entry->version, 0,
		    in->entry->size, 0, "%s %s from `%s` (%s)", in->entry->name, in->entry->version,
		    in->registry, in->platform);
	return 0;
}

/* The runtimes folder, its staging folder, and the runtime's lock (waited for). */
static int install_lock(struct install *in, struct joblet_error **err)
{
	const struct jl_index_entry *entry = in->entry;
	const char *runtimes = in->cfg->runtimes_dir;
	_cleanup_free_ char *locks = NULL, *lock_path = NULL;
	struct stat st;
	int r;

	r = jl_mkdir_p(runtimes, 0755, err);
	if (r < 0)
		return r;
	locks = jl_strdup_printf("%s/.locks", runtimes);
	in->staging_dir = jl_strdup_printf("%s/.staging", runtimes);
	lock_path = jl_strdup_printf("%s/.locks/%s.lock", runtimes, entry->name);
	in->final_name = jl_strdup_printf("%s-%s", entry->name, entry->version);
	in->target = jl_strdup_printf("%s/%s", runtimes, in->final_name);
	if (!locks || !in->staging_dir || !lock_path || !in->final_name || !in->target)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot install `%s`",
					in->req->spec);
	if ((r = jl_mkdir_p(locks, 0700, err)) < 0 ||
	    (r = jl_mkdir_p(in->staging_dir, 0700, err)) < 0)
		return r;
	r = jl_lock_path(lock_path, false, &in->lock_fd, NULL);
	if (r == -JOBLET_E_BUSY) {
		jl_progress(in->req, JL_INSTALL_RESOLVING, entry->name, entry->version, 0,
			    entry->size, 0,
			    "waiting for another install or removal of %s to finish", entry->name);
		r = jl_lock_path(lock_path, true, &in->lock_fd, err);
	}
	if (r < 0)
		return r;
	in->runtimes_fd = open(runtimes, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	in->staging_fd = open(in->staging_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (in->runtimes_fd < 0 || in->staging_fd < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot open `%s`", runtimes);
	/*
	 * Installed already: nothing to do, and that is success (scripts that
	 * install what they need, whatever is there, go on); --force installs it
	 * again.
	 */
	if (fstatat(in->runtimes_fd, in->final_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!(in->req->flags & JL_INSTALL_FORCE))
			in->already = true;
		else
			in->replaced = true;
	}
	return 0;
}

/* An empty staging folder, once this runtime's interrupted installs are gone (we hold its lock). */
static int install_stage(struct install *in, struct joblet_error **err)
{
	const struct jl_index_entry *entry = in->entry;
	_cleanup_closedir_ DIR *d = fdopendir(dup(in->staging_fd));
	_cleanup_free_ char *prefix = jl_strdup_printf("%s@", entry->name);
	char *stage;

	/* Best effort: a leftover that stays only takes room, never the new install's name. */
	for (struct dirent *de; d && prefix && (de = readdir(d));)
		if (jl_startswith(de->d_name, prefix))
			(void)jl_rm_rf_at(in->staging_fd, de->d_name, NULL);
	stage = jl_strdup_printf("%s/%s@%s.XXXXXX", in->staging_dir, entry->name, entry->version);
	if (!stage || !mkdtemp(stage)) {
		int saved = errno;

		free(stage);
		return joblet_error_set(err, JOBLET_E_IO, saved,
					"cannot create a staging folder in `%s`", in->staging_dir);
	}
	in->stage = stage;
	in->stagefd = open(stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (in->stagefd < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot open `%s`", stage);
	return 0;
}

/*
 * The archive plugin names the limit a package broke, not where it is set:
 * add the settings of joblet.yml that hold the limits.
 */
static int unpack_limit_hint(const struct jl_config *cfg, int r, struct joblet_error **err)
{
	_cleanup_free_ char *m = NULL;

	if (r != -JOBLET_E_LIMIT || !err || !*err || !(m = strdup(joblet_error_message(*err))))
		return r;
	return joblet_error_set(
		err, JOBLET_E_LIMIT, 0,
		"%s (the limits are runtimes.max_unpacked_bytes, %lld bytes, and runtimes.max_entries, %lld, of joblet.yml; raise them for a larger runtime you trust)",
		m, (long long)cfg->max_unpacked_bytes, (long long)cfg->max_entries);
}

/* Download, hash and unpack at once: the archive plugin reads as the bytes arrive. */
static int install_unpack(struct install *in, struct joblet_error **err)
{
	const struct jl_index_entry *entry = in->entry;
	struct progress_ctx pc = { in->req, entry->name, entry->version };
	struct jl_prefetch_options po = { entry->size, in->cfg->max_download_bytes,
					  entry->download_url, download_progress, &pc };
	struct joblet_archive_limits limits = { sizeof(limits), 0,
						(uint64_t)in->cfg->max_unpacked_bytes,
						(uint64_t)in->cfg->max_entries, 4096 };
	struct joblet_archive_stats stats = { sizeof(stats), 0, 0, 0 };
	const struct joblet_plugin *archive = NULL;
	struct joblet_stream *stream = NULL;
	struct jl_prefetch *pf = NULL;
	const uint8_t *head;
	size_t head_len;
	int r;

	r = open_package(in->cfg, in->set, in->plugin, in->registry, entry->download_url, &stream,
			 err);
	if (r < 0)
		return joblet_error_prefix(err, r, "downloading %s %s", entry->name,
					   entry->version);
	/* The prefetch owns the stream from here, also when it fails to start. */
	r = jl_prefetch_new(stream, &po, &pf, err);
	if (r == 0)
		r = jl_prefetch_peek(pf, &head, JOBLET_ARCHIVE_PROBE_BYTES, &head_len, err);
	if (r == 0)
		r = pick_archive(in->set, head, head_len, entry->download_url, &archive, err);
	if (r == 0)
		r = unpack_limit_hint(in->cfg,
				      jl_archive_extract(archive, jl_prefetch_stream(pf),
							 in->stagefd, &limits, &stats, err),
				      err);
	if (r == 0)
		r = jl_prefetch_finish(pf, in->sha, &in->bytes, err);
	jl_prefetch_free(pf);
	if (r < 0)
		return joblet_error_prefix(err, r, "installing %s %s", entry->name, entry->version);
	return 0;
}

/* The download must be what the index promised. */
static int install_verify(struct install *in, struct joblet_error **err)
{
	const struct jl_index_entry *entry = in->entry;

	jl_progress(in->req, JL_INSTALL_VERIFYING, entry->name, entry->version, in->bytes,
		    entry->size, 0, "verifying %s %s", entry->name, entry->version);
	if (strcmp(in->sha, entry->sha256) != 0)
		return joblet_error_set(
			err, JOBLET_E_CHECKSUM, 0,
			"checksum mismatch for %s %s: the registry index says sha256:%s, the download is sha256:%s. The package or the index changed; ask the registry's owner to publish the right checksum",
			entry->name, entry->version, entry->sha256, in->sha);
	return 0;
}

/* The unpacked runtime.yml must exist (a recipe has none) and name this runtime. */
static int install_check_desc(struct install *in, int rootfd, struct joblet_error **err)
{
	const struct jl_index_entry *entry = in->entry;
	int r;

	r = jl_runtime_yml_load(rootfd, entry->download_url, &in->desc, err);
	if (r == -JOBLET_E_NOT_FOUND) {
		joblet_error_clear(err);
		if (faccessat(rootfd, "setup.sh", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			return joblet_error_set(
				err, JOBLET_E_UNSUPPORTED, 0,
				"%s %s is a recipe package (setup.sh, no runtime.yml): building recipes needs the job executor, which this joblet does not have yet; install a prebuilt package (made with `joblet runtime pack`)",
				entry->name, entry->version);
		return joblet_error_set(
			err, JOBLET_E_ARCHIVE, 0,
			"package of %s %s has no runtime.yml at its top (nor in its single top-level folder); it is not a joblet runtime",
			entry->name, entry->version);
	}
	if (r < 0)
		return r;
	if (strcmp(in->desc->name, entry->name) != 0 ||
	    strcmp(in->desc->version, entry->version) != 0)
		return joblet_error_set(
			err, JOBLET_E_ARCHIVE, 0,
			"the package says it is %s %s (runtime.yml) but the registry lists it as %s %s; the registry is wrong",
			in->desc->name, in->desc->version, entry->name, entry->version);
	return 0;
}

/* What was unpacked must be a complete, matching runtime, readable by jobs. */
static int install_check_package(struct install *in, struct joblet_error **err)
{
	_cleanup_close_ int rootfd = -1;
	int r;

	r = package_root(in->stagefd, &in->sub, err);
	if (r < 0)
		return r;
	rootfd = in->sub ? openat(in->stagefd, in->sub,
				  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
			 : dup(in->stagefd);
	if (rootfd < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno,
					"cannot open the unpacked package");
	r = install_check_desc(in, rootfd, err);
	if (r < 0)
		return r;
	if (fchmod(rootfd, 0755) < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot prepare `%s`", in->target);
	return 0;
}

/*
 * Where it came from, for `runtime info`: RUNTIMES/.installed/NAME-VERSION.json
 * (JL_RUNTIME_RECORDS), written whole or not at all.  The runtime is
 * installed either way: a record that cannot be written is only a warning.
 */
static void install_record(const struct install *in)
{
	const struct jl_index_entry *entry = in->entry;
	_cleanup_free_ char *tmp = jl_strdup_printf("%s.json.tmp", in->final_name);
	_cleanup_free_ char *name = jl_strdup_printf("%s.json", in->final_name);
	_cleanup_close_ int dfd = -1;
	json_object *o = json_object_new_object();
	char when[40];
	const char *text;
	int fd = -1;
	bool ok = false;

	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	jl_time_format_rfc3339((int64_t)now.tv_sec * 1000000000 + now.tv_nsec, when, sizeof(when));
	json_object_object_add(o, "registry", json_object_new_string(in->registry));
	json_object_object_add(o, "description", json_object_new_string(entry->description));
	json_object_object_add(o, "source", json_object_new_string(entry->download_url));
	json_object_object_add(o, "sha256", json_object_new_string(in->sha));
	json_object_object_add(o, "bytes", json_object_new_int64((int64_t)in->bytes));
	json_object_object_add(o, "installed_at", json_object_new_string(when));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!tmp || !name) {
		errno = ENOMEM;
		goto out;
	}
	if (mkdirat(in->runtimes_fd, JL_RUNTIME_RECORDS, 0755) < 0 && errno != EEXIST)
		goto out;
	dfd = openat(in->runtimes_fd, JL_RUNTIME_RECORDS,
		     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd >= 0)
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd >= 0) {
		size_t len = strlen(text);

		ok = write(fd, text, len) == (ssize_t)len && close(fd) == 0 &&
		     renameat(dfd, tmp, dfd, name) == 0;
		if (!ok)
			(void)unlinkat(dfd, tmp, 0);
	}
out:
	if (!ok)
		jl_log(JOBLET_LOG_WARNING, NULL,
		       "installed %s %s, but cannot record where it came from in `%s/%s`: %s",
		       entry->name, entry->version, in->cfg->runtimes_dir, JL_RUNTIME_RECORDS,
		       strerror(errno));
	json_object_put(o);
}

/* Into place in one step; --force swaps the old version out (into the staging folder). */
static int install_place(struct install *in, struct joblet_error **err)
{
	_cleanup_free_ char *from =
		in->sub ? jl_strdup_printf("%s/%s", in->stage, in->sub) : strdup(in->stage);

	if (!from)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot install `%s`",
					in->req->spec);
	if (renameat2(AT_FDCWD, from, in->runtimes_fd, in->final_name,
		      in->replaced ? RENAME_EXCHANGE : RENAME_NOREPLACE) < 0)
		return joblet_error_set(err, errno == EEXIST ? JOBLET_E_EXISTS : JOBLET_E_IO, errno,
					"cannot move the runtime into `%s`", in->target);
	/* The rename is done; a failed sync only risks it on a crash, as before joblet saw it. */
	(void)fsync(in->runtimes_fd);
	install_record(in);
	jl_progress(in->req, JL_INSTALL_DONE, in->entry->name, in->entry->version, in->bytes,
		    in->entry->size, 0, "installed %s %s at %s", in->entry->name,
		    in->entry->version, in->target);
	return 0;
}

/* The answer: what was installed where, from where. */
static int install_report(const struct install *in, char **ret_json, struct joblet_error **err)
{
	const struct jl_index_entry *entry = in->entry;
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(entry->name));
	json_object_object_add(o, "version", json_object_new_string(entry->version));
	json_object_object_add(o, "path", json_object_new_string(in->target));
	json_object_object_add(o, "registry", json_object_new_string(in->registry));
	/* What was fetched: nothing when it was there already. */
	if (!in->already) {
		json_object_object_add(o, "source", json_object_new_string(entry->download_url));
		json_object_object_add(o, "sha256", json_object_new_string(in->sha));
		json_object_object_add(o, "bytes", json_object_new_int64((int64_t)in->bytes));
	}
	json_object_object_add(o, "replaced", json_object_new_boolean(in->replaced));
	json_object_object_add(o, "already_installed", json_object_new_boolean(in->already));
	return jl_json_finish(o, ret_json, err);
}

int jl_runtime_install(const struct jl_config *cfg, const struct jl_plugin_set *set,
		       const struct jl_install_request *req, char **ret_json,
		       struct joblet_error **err)
{
	struct install in = {
		.cfg = cfg,
		.set = set,
		.req = req,
		.registry = req->registry && *req->registry ? req->registry : cfg->default_registry,
		.lock_fd = -1,
		.runtimes_fd = -1,
		.staging_fd = -1,
		.stagefd = -1,
	};
	int r;

	r = jl_runtime_spec_parse(req->spec, &in.spec, err);
	if (r < 0)
		return r;
	r = install_resolve(&in, err);
	if (r == 0)
		r = install_lock(&in, err);
	if (r == 0 && in.already) {
		jl_progress(req, JL_INSTALL_DONE, in.entry->name, in.entry->version, 0, 0, 0,
			    "%s@%s is already installed at %s", in.entry->name, in.entry->version,
			    in.target);
		r = install_report(&in, ret_json, err);
		install_done(&in);
		return r;
	}
	if (r == 0)
		r = install_stage(&in, err);
	if (r == 0)
		r = install_unpack(&in, err);
	if (r == 0)
		r = install_verify(&in, err);
	if (r == 0)
		r = install_check_package(&in, err);
	if (r == 0)
		r = install_place(&in, err);
	if (r == 0)
		r = install_report(&in, ret_json, err);
	install_done(&in);
	return r;
}

/*
 * loader.c - finding, checking and keeping plugins (joblet_plugin_set_*).
 *
 * The acceptance checks are the ones listed in <joblet/plugin.h>; each
 * failure becomes a rejection with a reason a packager can act on, and the
 * scan goes on.  Checks that read the descriptor run before any plugin code
 * is called (init() last); ELF constructors of a plugin do run at dlopen(),
 * which is why the file and directory must be trusted (ownership, mode)
 * before dlopen() is attempted.
 */
#include <config.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <sys/stat.h>

#include <joblet/archive.h>
#include <joblet/isolation.h>
#include "plugin/loader.h"
#include <joblet/registry.h>
#include <joblet/scheduler.h>

#include "plugin/builtins.h"
#include "config/config.h"
#include "base/util.h"
#include "base/log.h"
#include "base/plugin_id.h"

/*
 * Sizes of ABI 2.0.  When a later minor version appends fields, these stay
 * as they are, and fields past a plugin's struct_size / ops size read as
 * absent (see JOBLET_OPS_HAS).
 */
#define DESC_SIZE_2_0	       sizeof(struct joblet_plugin)
#define REGISTRY_OPS_SIZE_2_0  sizeof(struct joblet_registry_ops)
#define ARCHIVE_OPS_SIZE_2_0   sizeof(struct joblet_archive_ops)
#define ISOLATION_OPS_SIZE_2_0 sizeof(struct joblet_isolation_ops)
#define SCHEDULER_OPS_SIZE_2_0 sizeof(struct joblet_scheduler_ops)

struct joblet_plugin_host {
	const struct jl_config *cfg;
	const char *plugin_id;
};

struct loaded_plugin {
	const struct joblet_plugin *desc;
	char *origin;
	void *handle;
	bool initialised;
};

struct rejection {
	char *path;
	char *reason;
};

struct jl_plugin_set {
	const struct jl_config *cfg;
	bool strict;
	int32_t only_kind; /* 0, or the one kind a scan loads (jl_plugin_set_restrict) */
	char **only_names; /* ... and the names of it */
	uint32_t kinds;	   /* the kinds a scan loads (jl_plugin_set_only_kinds); all at first */
	/* Guards loaded[] and rejected[] against jl_plugin_set_load_kinds() in another thread. */
	pthread_mutex_t lock;
	struct loaded_plugin *loaded;
	size_t n_loaded;
	struct rejection *rejected;
	size_t n_rejected;
	char **dirs;
};

const char *joblet_plugin_host_setting(const struct joblet_plugin_host *host, const char *key)
{
	return host ? jl_config_plugin_setting(host->cfg, host->plugin_id, key) : NULL;
}

/* Record a rejection and return -code (the reason also goes to *err). */
static int reject(struct jl_plugin_set *set, const char *path, struct joblet_error **err,
		  int32_t code, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int reject(struct jl_plugin_set *set, const char *path, struct joblet_error **err,
		  int32_t code, const char *fmt, ...)
{
	struct rejection *grown;
	char *reason = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&reason, fmt, ap) < 0)
		reason = NULL;
	va_end(ap);
	if (!reason)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot record a rejection");
	jl_log(JOBLET_LOG_DEBUG, NULL, "plugin `%s` rejected: %s", path, reason);
	grown = realloc(set->rejected, (set->n_rejected + 1) * sizeof(*grown));
	if (grown) {
		set->rejected = grown;
		grown[set->n_rejected].path = strdup(path);
		grown[set->n_rejected].reason = strdup(reason);
		if (grown[set->n_rejected].path && grown[set->n_rejected].reason)
			set->n_rejected++;
		else {
			free(grown[set->n_rejected].path);
			free(grown[set->n_rejected].reason);
		}
	}
	joblet_error_set(err, code, 0, "%s: %s", path, reason);
	free(reason);
	return -code;
}

#define REQUIRE_OP(ops, slot)                                                                      \
	do {                                                                                       \
		if (!(ops)->slot)                                                                  \
			return jl_strdup_printf("the REQUIRED op `%s` is NULL", #slot);            \
	} while (0)

#define CHECK_OPS_SIZE(ops, min)                                                                   \
	do {                                                                                       \
		if ((ops)->size < (min))                                                           \
			return jl_strdup_printf(                                                   \
				"its ops table is %u bytes; ABI 2.0 needs at least %zu",           \
				(ops)->size, (size_t)(min));                                       \
	} while (0)

/* NULL when the ops table of a plugin is acceptable, else the reason (malloc'd). */
static char *check_ops(const struct joblet_plugin *d)
{
	switch (d->kind) {
	case JOBLET_KIND_REGISTRY: {
		const struct joblet_registry_ops *o = d->ops;
		CHECK_OPS_SIZE(o, REGISTRY_OPS_SIZE_2_0);
		REQUIRE_OP(o, can_handle);
		REQUIRE_OP(o, fetch_index);
		REQUIRE_OP(o, open_package);
		return NULL;
	}
	case JOBLET_KIND_ARCHIVE: {
		const struct joblet_archive_ops *o = d->ops;
		CHECK_OPS_SIZE(o, ARCHIVE_OPS_SIZE_2_0);
		REQUIRE_OP(o, probe);
		REQUIRE_OP(o, extract);
		return NULL;
	}
	case JOBLET_KIND_ISOLATION: {
		const struct joblet_isolation_ops *o = d->ops;
		CHECK_OPS_SIZE(o, ISOLATION_OPS_SIZE_2_0);
		REQUIRE_OP(o, prepare);
		REQUIRE_OP(o, cleanup);
		return NULL;
	}
	case JOBLET_KIND_SCHEDULER: {
		const struct joblet_scheduler_ops *o = d->ops;
		CHECK_OPS_SIZE(o, SCHEDULER_OPS_SIZE_2_0);
		REQUIRE_OP(o, create);
		REQUIRE_OP(o, destroy);
		REQUIRE_OP(o, submit);
		REQUIRE_OP(o, remove);
		REQUIRE_OP(o, pick);
		REQUIRE_OP(o, count);
		return NULL;
	}
	}
	return jl_strdup_printf("unknown kind %u", d->kind);
}

/*
 * Check a descriptor.  expect_kind/expect_name come from the file name
 * (0/NULL for builtins).  Returns NULL or the reason (malloc'd).
 */
static char *check_descriptor(const struct jl_plugin_set *set, const struct joblet_plugin *d,
			      int32_t expect_kind, const char *expect_name)
{
	const char *kind;

	if (d->abi_major != JOBLET_PLUGIN_ABI_MAJOR)
		return jl_strdup_printf(
			"built for plugin ABI %u.%u but this joblet speaks %d.%d; major versions must match: rebuild the plugin against this joblet's SDK (`pkg-config --cflags --libs joblet-plugin`, docs/plugin-abi.md says what changed)",
			d->abi_major, d->abi_minor, JOBLET_PLUGIN_ABI_MAJOR,
			JOBLET_PLUGIN_ABI_MINOR);
	if (d->abi_minor > JOBLET_PLUGIN_ABI_MINOR)
		return jl_strdup_printf(
			"built for plugin ABI %u.%u, newer than this joblet's %d.%d: upgrade joblet, or rebuild the plugin against this joblet's SDK",
			d->abi_major, d->abi_minor, JOBLET_PLUGIN_ABI_MAJOR,
			JOBLET_PLUGIN_ABI_MINOR);
	if (d->struct_size < DESC_SIZE_2_0)
		return jl_strdup_printf("its descriptor is %u bytes; ABI 2.0 needs at least %zu",
					d->struct_size, DESC_SIZE_2_0);
	kind = jl_plugin_kind_name((int32_t)d->kind);
	if (!kind)
		return jl_strdup_printf("its descriptor has unknown kind %u", d->kind);
	if (expect_kind && (int32_t)d->kind != expect_kind)
		return jl_strdup_printf(
			"wrong kind: the file name says `%s` but the descriptor says `%s`",
			jl_plugin_kind_name(expect_kind), kind);
	if (!d->name || !jl_plugin_name_valid(d->name))
		return jl_strdup_printf("its name `%s` is not [a-z0-9_]+",
					d->name ? d->name : "(null)");
	if (expect_name && strcmp(d->name, expect_name) != 0)
		return jl_strdup_printf(
			"name mismatch: the descriptor says `%s`, so the file must be called `%s_%s.so`",
			d->name, kind, d->name);
	if (!d->version || !*d->version)
		return strdup("its descriptor has no version");
	if (!d->summary || !*d->summary)
		return strdup("its descriptor has no summary");
	for (size_t i = 0; i < ELEMENTSOF(d->reserved); i++)
		if (d->reserved[i])
			return jl_strdup_printf("reserved field %zu of its descriptor is not NULL",
						i);
	if (!d->ops)
		return strdup("its descriptor has no ops table");
	for (size_t i = 0; i < set->n_loaded; i++)
		if (set->loaded[i].desc->kind == d->kind &&
		    strcmp(set->loaded[i].desc->name, d->name) == 0)
			return jl_strdup_printf("duplicate: %s/%s is already loaded from `%s`",
						kind, d->name, set->loaded[i].origin);
	return check_ops(d);
}

/* NULL when the config's settings for this plugin are all known, else the reason. */
static char *check_settings(const struct jl_plugin_set *set, const struct joblet_plugin *d,
			    const char *plugin_id)
{
	const struct jl_plugin_settings *ps = jl_config_find_settings(set->cfg, plugin_id);

	if (!ps)
		return NULL;
	for (size_t i = 0; i < ps->n_items; i++) {
		bool known = false;

		for (const char *const *k = d->settings; k && *k; k++)
			known |= strcmp(*k, ps->items[i].key) == 0;
		if (!known) {
			_cleanup_free_ char *list = jl_strv_join((char *const *)d->settings, ", ");

			return jl_strdup_printf("`%s` line %d: `%s` is not a setting of %s (%s%s)",
						set->cfg->plugin_settings->source,
						ps->items[i].line, ps->items[i].key, plugin_id,
						d->settings && d->settings[0]
							? "it reads: "
							: "it takes no settings",
						d->settings && d->settings[0] && list ? list : "");
		}
	}
	return NULL;
}

/* Run the final checks and init(), then keep the plugin. */
static int accept_plugin(struct jl_plugin_set *set, const struct joblet_plugin *d,
			 const char *origin, void *handle, struct joblet_error **err)
{
	_cleanup_free_ char *id =
		jl_strdup_printf("%s/%s", jl_plugin_kind_name((int32_t)d->kind), d->name);
	_cleanup_free_ char *reason = NULL;
	struct joblet_plugin_host host = { set->cfg, id };
	struct loaded_plugin *grown;
	char *origin_copy;

	_cleanup_free_ char *label = handle ? strdup(origin) : jl_strdup_printf("builtin %s", id);

	if (!id || !label)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot load `%s`", origin);
	reason = check_settings(set, d, id);
	if (reason)
		return reject(set, label, err, JOBLET_E_CONFIG, "%s", reason);
	grown = realloc(set->loaded, (set->n_loaded + 1) * sizeof(*grown));
	origin_copy = strdup(origin);
	if (!grown || !origin_copy) {
		if (grown)
			set->loaded = grown;
		free(origin_copy);
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot load `%s`", origin);
	}
	set->loaded = grown;
	if (d->init) {
		_cleanup_error_ struct joblet_error *e = NULL;

		if (d->init(&host, &e) < 0) {
			free(origin_copy);
			return reject(set, label, err, JOBLET_E_PLUGIN, "init() failed: %s",
				      joblet_error_message(e));
		}
	}
	set->loaded[set->n_loaded++] = (struct loaded_plugin){
		.desc = d,
		.origin = origin_copy,
		.handle = handle,
		.initialised = true,
	};
	jl_log(JOBLET_LOG_DEBUG, NULL, "plugin %s %s loaded from `%s`", id, d->version, origin);
	return 0;
}

/*
 * A builtin goes through the same checks; its rejections (a wrong setting
 * in joblet.yml, say) are recorded like any other, under "builtin kind/name".
 */
static int register_builtin(struct jl_plugin_set *set, const struct joblet_plugin *d,
			    struct joblet_error **err)
{
	_cleanup_free_ char *label =
		jl_strdup_printf("builtin %s/%s", jl_plugin_kind_name((int32_t)d->kind), d->name);
	_cleanup_free_ char *reason = NULL;

	if (!label)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot register the builtins");
	reason = check_descriptor(set, d, 0, NULL);
	if (reason)
		return reject(set, label, err, JOBLET_E_INTERNAL, "%s", reason);
	return accept_plugin(set, d, "builtin", NULL, err);
}

int jl_plugin_set_new(const struct jl_config *cfg, uint32_t flags, struct jl_plugin_set **ret_set,
		      struct joblet_error **err)
{
	struct jl_plugin_set *set = calloc(1, sizeof(*set));
	int r;

	if (!set)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot create a plugin set");
	set->cfg = cfg;
	set->strict = (flags & JL_LOADER_STRICT) || jl_privileged();
	set->kinds = UINT32_MAX;
	pthread_mutex_init(&set->lock, NULL);
	if (!(flags & JL_LOADER_NO_BUILTINS)) {
		const struct joblet_plugin *const builtins[] = { &jl_builtin_isolation_none,
								 &jl_builtin_scheduler_fifo };

		for (size_t i = 0; i < ELEMENTSOF(builtins); i++) {
			_cleanup_error_ struct joblet_error *e = NULL;

			/* A rejected builtin is recorded; only running out of memory stops us. */
			r = register_builtin(set, builtins[i], &e);
			if (r == -JOBLET_E_NOMEM) {
				jl_plugin_set_free(set);
				joblet_error_move(err, &e);
				return r;
			}
		}
	}
	*ret_set = set;
	return 0;
}

void jl_plugin_set_free(struct jl_plugin_set *set)
{
	if (!set)
		return;
	/* fini in reverse order; the .so files stay mapped (resident). */
	for (size_t i = set->n_loaded; i-- > 0;) {
		if (set->loaded[i].initialised && set->loaded[i].desc->fini)
			set->loaded[i].desc->fini();
		free(set->loaded[i].origin);
	}
	for (size_t i = 0; i < set->n_rejected; i++) {
		free(set->rejected[i].path);
		free(set->rejected[i].reason);
	}
	free(set->loaded);
	free(set->rejected);
	jl_strv_free(set->dirs);
	jl_strv_free(set->only_names);
	pthread_mutex_destroy(&set->lock);
	free(set);
}

/* Why a file or directory with this owner and mode cannot be trusted, or NULL. */
static const char *unsafe_owner_mode(const struct jl_plugin_set *set, const struct stat *st)
{
	if ((st->st_mode & S_IWOTH) &&
	    !(S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX) && !set->strict))
		return "is world-writable";
	if (!set->strict)
		return NULL;
	if (st->st_uid != 0 && st->st_uid != geteuid())
		return "is not owned by root";
	if (st->st_mode & S_IWGRP)
		return "is group-writable";
	return NULL;
}

/* Split "<kind>_<name>.so"; returns 0 or -1. */
static int parse_file_name(const char *base, int32_t *ret_kind, char **ret_name)
{
	const char *us = strchr(base, '_');
	size_t len = strlen(base);
	_cleanup_free_ char *kind = NULL;
	char *name;

	if (!us || len < 4 || strcmp(base + len - 3, ".so") != 0)
		return -1;
	kind = strndup(base, (size_t)(us - base));
	if (!kind || jl_plugin_kind_parse(kind, ret_kind) < 0)
		return -1;
	name = strndup(us + 1, (size_t)(base + len - 3 - (us + 1)));
	if (!name)
		return -1;
	if (!jl_plugin_name_valid(name)) {
		free(name);
		return -1;
	}
	*ret_name = name;
	return 0;
}

/* One plugin file on its way in. */
struct plugin_file {
	const char *path;
	int32_t kind;	/* from the file name */
	char *name;	/* from the file name */
	int fd;		/* held while loading, so the checked inode cannot be reused */
	struct stat st; /* of fd: what dlopen() must map */
	char *rel;	/* path with a slash, so dlopen() does not search */
	void *handle;	/* once dlopen()ed */
};

static void plugin_file_done(struct plugin_file *f)
{
	if (f->handle)
		dlclose(f->handle);
	free(f->name);
	free(f->rel);
	jl_closep(&f->fd);
}

/* The name says kind and name; the file is a regular file nobody else may change. */
static int plugin_file_check(struct jl_plugin_set *set, struct plugin_file *f,
			     struct joblet_error **err)
{
	const char *base = strrchr(f->path, '/'), *why;

	base = base ? base + 1 : f->path;
	if (parse_file_name(base, &f->kind, &f->name) < 0)
		return reject(
			set, f->path, err, JOBLET_E_PLUGIN,
			"the file name is not <kind>_<name>.so (kind registry, archive, isolation or scheduler; name [a-z0-9_]+)");
	f->fd = open(f->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (f->fd < 0 && errno == ELOOP)
		return reject(set, f->path, err, JOBLET_E_PERMISSION,
			      "is a symbolic link; install the plugin as a regular file");
	if (f->fd < 0)
		return reject(set, f->path, err, JOBLET_E_IO, "cannot open it: %s",
			      strerror(errno));
	if (fstat(f->fd, &f->st) < 0)
		return reject(set, f->path, err, JOBLET_E_IO, "cannot stat it: %s",
			      strerror(errno));
	if (!S_ISREG(f->st.st_mode))
		return reject(set, f->path, err, JOBLET_E_PERMISSION, "is not a regular file");
	why = unsafe_owner_mode(set, &f->st);
	if (why)
		return reject(
			set, f->path, err, JOBLET_E_PERMISSION, "%s (mode %04o, owner uid %u); %s",
			why, (unsigned)(f->st.st_mode & 07777), (unsigned)f->st.st_uid,
			set->strict
				? "plugins must be root-owned and not group/world-writable (chown root: FILE; chmod go-w FILE)"
				: "plugins must not be world-writable (chmod o-w FILE)");
	return 0;
}

/*
 * Which file does handle map?  1: the one checked (same device and inode);
 * 0: another, or one gone (*ret_mapped, when asked for, gets its name);
 * -1: dlinfo() does not say.
 */
static int mapped_file(void *handle, const struct plugin_file *f, char **ret_mapped)
{
	struct link_map *map = NULL;
	struct stat st;

	if (dlinfo(handle, RTLD_DI_LINKMAP, &map) != 0 || !map || !map->l_name)
		return -1;
	if (stat(map->l_name, &st) == 0 && st.st_dev == f->st.st_dev && st.st_ino == f->st.st_ino)
		return 1;
	if (ret_mapped)
		*ret_mapped = strdup(map->l_name);
	return 0;
}

/*
 * dlopen() hands back a library it already mapped when the file has the
 * same device and inode.  That is fine when it is this very file (a plugin
 * set made earlier in this process), but an inode freed by deleting an old
 * plugin may be reused by the new file: the mapped code is then the old
 * one, and loading would lie.
 */
static int plugin_file_not_stale(struct jl_plugin_set *set, struct plugin_file *f,
				 struct joblet_error **err)
{
	void *handle = dlopen(f->rel, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
	_cleanup_free_ char *other = NULL;
	bool stale;

	if (!handle)
		return 0;
	/* Only a handle that says which file it maps can be told stale. */
	stale = mapped_file(handle, f, &other) == 0;
	dlclose(handle);
	if (stale)
		return reject(
			set, f->path, err, JOBLET_E_PLUGIN,
			"this process already runs an older copy of it (from `%s`, since replaced); restart joblet to load the new file",
			other ? other : "?");
	return 0;
}

/* dlopen() the checked file, and make sure that is what got mapped. */
static int plugin_file_open(struct jl_plugin_set *set, struct plugin_file *f,
			    struct joblet_error **err)
{
	int r;

	/* A name without a slash would make dlopen() search the library path. */
	f->rel = strchr(f->path, '/') ? strdup(f->path) : jl_strdup_printf("./%s", f->path);
	if (!f->rel)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot load `%s`", f->path);
	r = plugin_file_not_stale(set, f, err);
	if (r < 0)
		return r;
	dlerror();
	f->handle = dlopen(f->rel, RTLD_NOW | RTLD_LOCAL);
	if (!f->handle) {
		const char *e = dlerror();

		return reject(set, f->path, err, JOBLET_E_PLUGIN,
			      "dlopen failed: %s (run `ldd %s` to see missing libraries)",
			      e ? e : "unknown error", f->path);
	}
	if (mapped_file(f->handle, f, NULL) != 1)
		return reject(set, f->path, err, JOBLET_E_PERMISSION,
			      "the file changed while it was being loaded");
	return 0;
}

/* The descriptor must pass every check; then the plugin is kept (it keeps the handle). */
static int plugin_file_accept(struct jl_plugin_set *set, struct plugin_file *f,
			      struct joblet_error **err)
{
	const struct joblet_plugin *d = dlsym(f->handle, "joblet_plugin");
	_cleanup_free_ char *reason = NULL;
	int r;

	if (!d)
		return reject(
			set, f->path, err, JOBLET_E_PLUGIN,
			"missing symbol `joblet_plugin`: not a joblet plugin, or built without JOBLET_PLUGIN_DEFINE()");
	reason = check_descriptor(set, d, f->kind, f->name);
	if (reason) {
		bool abi = d->abi_major != JOBLET_PLUGIN_ABI_MAJOR ||
			   d->abi_minor > JOBLET_PLUGIN_ABI_MINOR;

		return reject(set, f->path, err, abi ? JOBLET_E_ABI : JOBLET_E_PLUGIN, "%s",
			      reason);
	}
	r = accept_plugin(set, d, f->path, f->handle, err);
	/* Rejected at init or by its settings: nothing refers to it, and it is closed. */
	if (r == 0)
		f->handle = NULL;
	return r;
}

int jl_plugin_set_load_file(struct jl_plugin_set *set, const char *path, struct joblet_error **err)
{
	struct plugin_file f = { .path = path, .fd = -1 };
	int r;

	r = plugin_file_check(set, &f, err);
	if (r == 0)
		r = plugin_file_open(set, &f, err);
	if (r == 0)
		r = plugin_file_accept(set, &f, err);
	plugin_file_done(&f);
	return r;
}

static int so_filter(const struct dirent *de)
{
	size_t len = strlen(de->d_name);

	return de->d_name[0] != '.' && len > 3 && strcmp(de->d_name + len - 3, ".so") == 0;
}

/* Under jl_plugin_set_restrict(): is file name `<kind>_<name>.so` one to load? */
static bool restricted_in(const struct jl_plugin_set *set, const char *file)
{
	const char *kind = set->only_kind ? jl_plugin_kind_name(set->only_kind) : NULL;
	_cleanup_free_ char *name = NULL;
	int32_t k_file;
	size_t k;

	if (parse_file_name(file, &k_file, &name) < 0) {
		/* Rejected for its name by one set only: one that loads isolation plugins. */
		if (!(set->kinds & JL_PLUGIN_KIND_BIT(JOBLET_KIND_ISOLATION)))
			return false;
	} else if (!(set->kinds & JL_PLUGIN_KIND_BIT(k_file))) {
		return false;
	}
	if (!kind)
		return true;
	k = strlen(kind);
	if (strncmp(file, kind, k) != 0 || file[k] != '_')
		return false;
	for (char **n = set->only_names; n && *n; n++) {
		size_t len = strlen(*n);

		if (strncmp(file + k + 1, *n, len) == 0 && strcmp(file + k + 1 + len, ".so") == 0)
			return true;
	}
	return false;
}

int jl_plugin_set_restrict(struct jl_plugin_set *set, int32_t kind, const char *const *names,
			   struct joblet_error **err)
{
	jl_strv_free(set->only_names);
	set->only_names = calloc(1, sizeof(char *));
	if (!set->only_names)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot restrict the plugin set");
	for (; names && *names; names++)
		if (jl_strv_push(&set->only_names, *names) < 0)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
						"cannot restrict the plugin set");
	set->only_kind = kind;
	return 0;
}

/*
 * Load what dir holds of the kinds the set loads now.  again: the scan
 * already said what is wrong with dir itself.
 */
static int load_dir_files(struct jl_plugin_set *set, const char *dir, bool again,
			  struct joblet_error **err)
{
	struct dirent **entries = NULL;
	const char *why;
	struct stat st;
	int n;

	/* What is wrong with dir itself is said once, by a set that loads isolation plugins. */
	if ((again || !(set->kinds & JL_PLUGIN_KIND_BIT(JOBLET_KIND_ISOLATION))) &&
	    (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || unsafe_owner_mode(set, &st)))
		return 0;
	if (stat(dir, &st) < 0)
		return reject(set, dir, err, errno == ENOENT ? JOBLET_E_NOT_FOUND : JOBLET_E_IO,
			      "plugin directory: %s", strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return reject(set, dir, err, JOBLET_E_IO, "plugin directory: not a directory");
	why = unsafe_owner_mode(set, &st);
	if (why)
		return reject(
			set, dir, err, JOBLET_E_PERMISSION,
			"plugin directory %s (mode %04o, owner uid %u); nothing in it is loaded",
			why, (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid);
	n = scandir(dir, &entries, so_filter, alphasort);
	if (n < 0)
		return reject(set, dir, err, JOBLET_E_IO, "plugin directory: %s", strerror(errno));
	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *path = jl_strdup_printf("%s/%s", dir, entries[i]->d_name);
		_cleanup_error_ struct joblet_error *e = NULL;
		if (!restricted_in(set, entries[i]->d_name)) {
			free(entries[i]);
			continue;
		}
		if (path && jl_plugin_set_load_file(set, path, &e) < 0 && e &&
		    e->code == JOBLET_E_NOMEM) {
			for (int j = i; j < n; j++)
				free(entries[j]);
			free(entries);
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot scan `%s`",
						dir);
		}
		free(entries[i]);
	}
	free(entries);
	return 0;
}

int jl_plugin_set_load_dir(struct jl_plugin_set *set, const char *dir, struct joblet_error **err)
{
	int r;

	/* A directory named twice (JOBLET_PLUGIN_PATH and plugins.dirs) is scanned once. */
	if (jl_strv_contains(set->dirs, dir))
		return 0;
	if (jl_strv_push(&set->dirs, dir) < 0)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot scan `%s`", dir);
	pthread_mutex_lock(&set->lock);
	r = load_dir_files(set, dir, false, err);
	pthread_mutex_unlock(&set->lock);
	return r;
}

void jl_plugin_set_only_kinds(struct jl_plugin_set *set, uint32_t kinds)
{
	set->kinds = kinds;
}

int jl_plugin_set_load_kinds(struct jl_plugin_set *set, uint32_t kinds, struct joblet_error **err)
{
	uint32_t before;
	int r = 0;

	pthread_mutex_lock(&set->lock);
	before = set->kinds;
	if ((before & kinds) == kinds) {
		pthread_mutex_unlock(&set->lock);
		return 0;
	}
	/* Only the kinds new to the set: what it loaded before stays as it is. */
	set->kinds = kinds & ~before;
	for (size_t i = 0; set->dirs && set->dirs[i] && r != -JOBLET_E_NOMEM; i++) {
		_cleanup_error_ struct joblet_error *e = NULL;

		r = load_dir_files(set, set->dirs[i], true, &e);
		if (r == -JOBLET_E_NOMEM)
			joblet_error_move(err, &e);
	}
	set->kinds = before | kinds;
	pthread_mutex_unlock(&set->lock);
	return r == -JOBLET_E_NOMEM ? r : 0;
}

int jl_plugin_set_scan(struct jl_plugin_set *set, struct joblet_error **err)
{
	const char *env = jl_privileged() ? NULL : jl_getenv("JOBLET_PLUGIN_PATH");
	char *const default_dirs[] = { (char *)JOBLET_PLUGINDIR, NULL };
	char *const *dirs = set->cfg ? set->cfg->plugin_dirs : default_dirs;
	int r;

	if (env && *env) {
		_cleanup_free_ char *copy = strdup(env);
		char *save = NULL;

		if (!copy)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot scan plugins");
		for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
			_cleanup_error_ struct joblet_error *e = NULL;

			r = jl_plugin_set_load_dir(set, d, &e);
			if (r == -JOBLET_E_NOMEM)
				return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
							"cannot scan plugins");
		}
	}
	for (size_t i = 0; dirs && dirs[i]; i++) {
		_cleanup_error_ struct joblet_error *e = NULL;

		r = jl_plugin_set_load_dir(set, dirs[i], &e);
		if (r == -JOBLET_E_NOMEM)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot scan plugins");
	}
	return 0;
}

/*
 * The set's lock, for readers: a const set may still grow in another thread
 * (jl_plugin_set_load_kinds()).  What they hand out (descriptors, origins,
 * reasons) lives as long as the set.
 */
static void set_lock(const struct jl_plugin_set *set)
{
	pthread_mutex_lock((pthread_mutex_t *)&set->lock);
}

static void set_unlock(const struct jl_plugin_set *set)
{
	pthread_mutex_unlock((pthread_mutex_t *)&set->lock);
}

size_t jl_plugin_set_count(const struct jl_plugin_set *set)
{
	size_t n;

	set_lock(set);
	n = set->n_loaded;
	set_unlock(set);
	return n;
}

const struct joblet_plugin *jl_plugin_set_get(const struct jl_plugin_set *set, size_t i,
					      const char **ret_origin)
{
	const struct joblet_plugin *d = NULL;

	set_lock(set);
	if (i < set->n_loaded) {
		if (ret_origin)
			*ret_origin = set->loaded[i].origin;
		d = set->loaded[i].desc;
	}
	set_unlock(set);
	return d;
}

const struct joblet_plugin *jl_plugin_set_find(const struct jl_plugin_set *set, int32_t kind,
					       const char *name)
{
	const struct joblet_plugin *d = NULL;

	set_lock(set);
	for (size_t i = 0; i < set->n_loaded && !d; i++)
		if ((int32_t)set->loaded[i].desc->kind == kind &&
		    jl_streq(set->loaded[i].desc->name, name))
			d = set->loaded[i].desc;
	set_unlock(set);
	return d;
}

/* The kind of plugin id "kind/name" into *ret_kind; the name, or NULL when id is not one. */
static const char *parse_id(const char *id, int32_t *ret_kind)
{
	const char *slash = id ? strchr(id, '/') : NULL;
	char kind[16];

	if (!slash || (size_t)(slash - id) >= sizeof(kind))
		return NULL;
	memcpy(kind, id, (size_t)(slash - id));
	kind[slash - id] = '\0';
	return jl_plugin_kind_parse(kind, ret_kind) < 0 ? NULL : slash + 1;
}

const struct joblet_plugin *jl_plugin_set_find_id(const struct jl_plugin_set *set, const char *id)
{
	int32_t k;
	const char *name = parse_id(id, &k);

	return name ? jl_plugin_set_find(set, k, name) : NULL;
}

size_t jl_plugin_set_rejected_count(const struct jl_plugin_set *set)
{
	size_t n;

	set_lock(set);
	n = set->n_rejected;
	set_unlock(set);
	return n;
}

int jl_plugin_set_rejected(const struct jl_plugin_set *set, size_t i, const char **ret_path,
			   const char **ret_reason)
{
	int r = -1;

	set_lock(set);
	if (i < set->n_rejected) {
		if (ret_path)
			*ret_path = set->rejected[i].path;
		if (ret_reason)
			*ret_reason = set->rejected[i].reason;
		r = 0;
	}
	set_unlock(set);
	return r;
}

const char *jl_plugin_set_dir(const struct jl_plugin_set *set, size_t i)
{
	return i < jl_strv_length(set->dirs) ? set->dirs[i] : NULL;
}

int jl_plugin_set_check_settings(const struct jl_plugin_set *set, struct joblet_error **err)
{
	const struct jl_config_settings *s = set->cfg ? set->cfg->plugin_settings : NULL;

	for (size_t i = 0; s && i < s->n_plugins; i++) {
		const char *id = s->plugins[i].plugin_id;
		_cleanup_free_ char *file = NULL, *builtin = jl_strdup_printf("builtin %s", id);
		int32_t kind;

		if (jl_plugin_set_find_id(set, id))
			continue;
		/* Settings of a kind this set does not load are another set's to check. */
		if (parse_id(id, &kind) && !(set->kinds & JL_PLUGIN_KIND_BIT(kind)))
			continue;
		/* Say why it is not loaded when a file of that name was rejected. */
		file = strdup(id);
		if (!file || !builtin)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
						"cannot check settings");
		*strchr(file, '/') = '_';
		for (size_t j = 0; j < jl_plugin_set_rejected_count(set); j++) {
			const char *path, *reason, *base;

			jl_plugin_set_rejected(set, j, &path, &reason);
			base = strrchr(path, '/');
			base = base ? base + 1 : path;
			if ((strncmp(base, file, strlen(file)) == 0 &&
			     strcmp(base + strlen(file), ".so") == 0) ||
			    strcmp(path, builtin) == 0)
				return joblet_error_set(
					err, JOBLET_E_CONFIG, 0,
					"`%s` line %d: settings for plugin `%s`, which was rejected: %s",
					s->source, s->plugins[i].line, id, reason);
		}
		return joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"`%s` line %d: settings for plugin `%s`, which is not loaded (see `joblet check`)",
			s->source, s->plugins[i].line, id);
	}
	return 0;
}

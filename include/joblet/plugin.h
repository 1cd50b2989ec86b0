/*
 * joblet/plugin.h - the plugin descriptor: what every joblet plugin exports.
 *
 * Part of the joblet SDK.  Build a plugin with
 *	cc -shared -fPIC $(pkg-config --cflags joblet-plugin) -o <kind>_<name>.so \
 *	   my.c $(pkg-config --libs joblet-plugin)
 * and install it into $(pkg-config --variable=plugindir joblet-plugin).
 *
 * A plugin exports exactly one symbol, `joblet_plugin`, a constant
 * descriptor made by JOBLET_PLUGIN_DEFINE():
 *
 *	static const struct joblet_archive_ops tar_ops = {
 *		.size = sizeof(struct joblet_archive_ops),
 *		.probe = tar_probe,
 *		.extract = tar_extract,
 *	};
 *	JOBLET_PLUGIN_DEFINE(JOBLET_KIND_ARCHIVE, "tar",
 *			     .version = "1.0.0",
 *			     .summary = "tar packages (gzip, xz, zstd, bzip2)",
 *			     .license = "Apache-2.0",
 *			     .ops = &tar_ops);
 *
 * The loader accepts it only if: the file is a regular file in a configured
 * plugin directory (root-owned and not group/world-writable when the daemon
 * runs as root), it dlopen()s with RTLD_NOW, `joblet_plugin` exists, the ABI
 * major equals the loader's and the minor is not newer, the sizes are at
 * least those of ABI 2.0, every REQUIRED ops slot is set, the reserved
 * fields are NULL, the name matches the file name <kind>_<name>.so, no plugin
 * with the same kind/name is loaded yet, and init() (when set) succeeds.
 * Accepted plugins stay resident until the process exits.
 * docs/plugin-abi.md has the full contract.
 */
#ifndef JOBLET_PLUGIN_H
#define JOBLET_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include <joblet/common.h>
#include <joblet/error.h>
#include <joblet/log.h>
#include <joblet/version.h>

JOBLET_BEGIN_DECLS

/* What a plugin is for; decides the type its ops pointer points to. */
enum joblet_plugin_kind {
	JOBLET_KIND_REGISTRY = 1,  /* struct joblet_registry_ops, <joblet/registry.h> */
	JOBLET_KIND_ARCHIVE = 2,   /* struct joblet_archive_ops, <joblet/archive.h> */
	JOBLET_KIND_ISOLATION = 3, /* struct joblet_isolation_ops, <joblet/isolation.h> */
	JOBLET_KIND_SCHEDULER = 4  /* struct joblet_scheduler_ops, <joblet/scheduler.h> */
};

/* Capability bits for joblet_plugin.caps.  Unknown bits are ignored. */
#define JOBLET_CAP_NEEDS_ROOT  (UINT64_C(1) << 0) /* works only when joblet runs as root */
#define JOBLET_CAP_NETWORK     (UINT64_C(1) << 1) /* talks to other hosts */
#define JOBLET_CAP_THREAD_SAFE (UINT64_C(1) << 2) /* ops may run on several threads at once */

/*
 * What the core offers a plugin during init().  Opaque; read it with the
 * joblet_plugin_host_* functions.  Borrowed: valid only during init(), so
 * copy what you need to keep.
 */
struct joblet_plugin_host;

/*
 * The descriptor.  Plugins fill it with JOBLET_PLUGIN_DEFINE(), which sets
 * the ABI numbers and struct_size; all strings are static.
 */
struct joblet_plugin {
	uint32_t abi_major;   /* JOBLET_PLUGIN_ABI_MAJOR at build time */
	uint32_t abi_minor;   /* JOBLET_PLUGIN_ABI_MINOR at build time */
	uint32_t struct_size; /* sizeof(struct joblet_plugin) at build time */
	uint32_t kind;	      /* enum joblet_plugin_kind */

	/* [a-z0-9_]+, equal to <name> in the file name <kind>_<name>.so. REQUIRED. */
	const char *name;
	/* The plugin's own version, free form ("1.2.0"). REQUIRED. */
	const char *version;
	/* One line for `rnx plugins list`. REQUIRED. */
	const char *summary;
	/* SPDX identifier. OPTIONAL. */
	const char *license;
	/* JOBLET_CAP_* bits. */
	uint64_t caps;
	/*
	 * OPTIONAL.  NULL-terminated list of the setting names this plugin
	 * reads from `plugins.settings."<kind>/<name>"` in joblet.yml.  A key
	 * there that is not listed is a configuration error naming the file,
	 * line and key; NULL means the plugin takes no settings.
	 */
	const char *const *settings;
	/*
	 * OPTIONAL.  Called once, after every other check passed and before
	 * any op.  Return 0, or negative with *err set: the plugin is then
	 * rejected with that message and fini() is not called.
	 */
	int (*init)(const struct joblet_plugin_host *host, struct joblet_error **err);
	/* OPTIONAL.  Called once when the plugin set that initialised it is freed. */
	void (*fini)(void);
	/* REQUIRED.  Points to the ops table of `kind`, which starts with its size. */
	const void *ops;
	/* Must be NULL: room for later minor versions. */
	void *reserved[4];
};

/*
 * Does an ops table (or any struct starting with a uint32_t size) built by a
 * plugin include `field`?  Fields appended by a later minor ABI version are
 * absent from tables built against an older one; the core checks with this
 * before it uses them.
 */
#define JOBLET_OPS_HAS(ops, type, field)                                                           \
	((ops)->size >= offsetof(type, field) + sizeof(((type *)0)->field))

/* The one symbol a plugin exports (defined by JOBLET_PLUGIN_DEFINE). */
JOBLET_API extern const struct joblet_plugin joblet_plugin;

/*
 * An initializer for a descriptor; the variadic part is designated
 * initializers (.version = ..., .ops = ...).  Builtins use it directly.
 */
#define JOBLET_PLUGIN_DESCRIPTOR(kind_, name_, ...)                                                \
	{                                                                                          \
		.abi_major = JOBLET_PLUGIN_ABI_MAJOR, .abi_minor = JOBLET_PLUGIN_ABI_MINOR,        \
		.struct_size = (uint32_t)sizeof(struct joblet_plugin), .kind = (kind_),            \
		.name = (name_), __VA_ARGS__                                                       \
	}

/* Define the exported descriptor of a plugin. Use once per .so. */
#define JOBLET_PLUGIN_DEFINE(kind_, name_, ...)                                                    \
	JOBLET_API const struct joblet_plugin joblet_plugin =                                      \
		JOBLET_PLUGIN_DESCRIPTOR(kind_, name_, __VA_ARGS__)

/*
 * Log as this plugin: the message reaches the process's sink with the
 * source "<kind>/<name>".  A file that is part of libjoblet (a builtin)
 * defines JOBLET_PLUGIN_SELF to its own descriptor before including this.
 */
#ifndef JOBLET_PLUGIN_SELF
#define JOBLET_PLUGIN_SELF joblet_plugin
#endif
#define joblet_plog_error(...) joblet_plugin_log(&JOBLET_PLUGIN_SELF, JOBLET_LOG_ERROR, __VA_ARGS__)
#define joblet_plog_warning(...)                                                                   \
	joblet_plugin_log(&JOBLET_PLUGIN_SELF, JOBLET_LOG_WARNING, __VA_ARGS__)
#define joblet_plog_info(...)  joblet_plugin_log(&JOBLET_PLUGIN_SELF, JOBLET_LOG_INFO, __VA_ARGS__)
#define joblet_plog_debug(...) joblet_plugin_log(&JOBLET_PLUGIN_SELF, JOBLET_LOG_DEBUG, __VA_ARGS__)

JOBLET_API void joblet_plugin_log(const struct joblet_plugin *self, int32_t level, const char *fmt,
				  ...) JOBLET_PRINTF(3, 4);

/*
 * The value of setting `key` for this plugin from joblet.yml, or NULL when
 * it is not set.  key must be listed in the descriptor's settings.  The
 * string is borrowed from host: copy it to keep it past init().
 */
JOBLET_API const char *joblet_plugin_host_setting(const struct joblet_plugin_host *host,
						  const char *key);

/*
 * Setting `key` read as a duration, the way joblet.yml writes them
 * everywhere: whole seconds (`90`) or numbers with the units s, m, h and d in
 * any combination (`15s`, `2m`, `1h30m`, `1d`).  Returns 1 and sets
 * *ret_seconds when the setting is set and lies from min_s to max_s; 0 when
 * it is not set (*ret_seconds is left as it is, so preset the default).
 * Otherwise JOBLET_E_CONFIG, worded
 *	setting `KEY` must be a duration from 1s to 1d (15s, 2m), not `VALUE`
 * (the bounds written as durations).  key must be listed in the
 * descriptor's settings.  Call it from init(), like
 * joblet_plugin_host_setting().  Since plugin ABI 2.0.
 */
JOBLET_API int joblet_plugin_host_setting_duration(const struct joblet_plugin_host *host,
						   const char *key, int64_t min_s, int64_t max_s,
						   int64_t *ret_seconds, struct joblet_error **err);

/*
 * Setting `key` read as a whole decimal number (an optional sign, digits,
 * nothing else).  Returns 1 and sets *ret_value when the setting is set and
 * lies from min to max; 0 when it is not set (*ret_value is left as it is).
 * Otherwise JOBLET_E_CONFIG, worded
 *	setting `KEY` must be a whole number from MIN to MAX, not `VALUE`
 * Call it from init().  Since plugin ABI 2.0.
 */
JOBLET_API int joblet_plugin_host_setting_int(const struct joblet_plugin_host *host,
					      const char *key, int64_t min, int64_t max,
					      int64_t *ret_value, struct joblet_error **err);

JOBLET_END_DECLS

#endif /* JOBLET_PLUGIN_H */

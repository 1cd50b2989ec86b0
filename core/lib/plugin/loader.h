/*
 * plugin/loader.h - finding, checking and keeping plugins.
 *
 * Private tier (base/private.h) (used by joblet, joblet-shim and rnx; plugins do
 * not need it).  A plugin set holds the builtins (isolation/none,
 * scheduler/fifo) and every plugin accepted from the scanned directories,
 * and remembers each rejected file with the reason.  A rejection never
 * fails a scan: the caller decides whether a missing plugin matters.
 *
 * Accepted plugins stay loaded for the life of the process (they are never
 * dlclose()d, so pointers into them stay valid).  A set is not thread-safe
 * while loading; once loaded, lookups may run on any thread.
 */
#ifndef JL_LOADER_H
#define JL_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "base/private.h"
#include "config/config.h"
#include <joblet/error.h>
#include <joblet/plugin.h>

struct jl_plugin_set;

/* Flags for jl_plugin_set_new(). */
/* Check ownership and mode of plugin files and directories (root-owned, not
 * group/world-writable).  Always on when the effective uid is 0. */
#define JL_LOADER_STRICT (UINT32_C(1) << 0)
/* Do not register isolation/none and scheduler/fifo. */
#define JL_LOADER_NO_BUILTINS (UINT32_C(1) << 1)

/*
 * A new set holding the builtins.  cfg (borrowed; may be NULL) supplies the
 * per-plugin settings handed to init() and checked against each plugin's
 * settings list; it must outlive the set.
 */
JL_API int jl_plugin_set_new(const struct jl_config *cfg, uint32_t flags,
			     struct jl_plugin_set **ret_set, struct joblet_error **err);

/*
 * From now on load only plugins of `kind` whose names are in `names`
 * (NULL-terminated): other files are not opened at all.  joblet-shim uses
 * it to load just the layers of its isolation stack.  Errors: JOBLET_E_NOMEM.
 */
JL_API int jl_plugin_set_restrict(struct jl_plugin_set *set, int32_t kind, const char *const *names,
				  struct joblet_error **err);

/* The bit of a kind (enum joblet_plugin_kind) in a mask of kinds. */
#define JL_PLUGIN_KIND_BIT(kind) (UINT32_C(1) << (kind))

/*
 * From now on load and check only plugins of the kinds in `kinds` (a mask
 * of JL_PLUGIN_KIND_BIT()): files of other kinds are not opened, and
 * settings in joblet.yml for plugins of other kinds are left to the set
 * that loads them (jl_plugin_set_check_settings()).  A file whose name
 * names no kind, and a plugin directory that cannot be used, are reported
 * by a set that loads isolation plugins.  The
 * daemon keeps registry and archive plugins (libcurl, libarchive and what
 * they link) out of its memory until an install needs them.
 */
JL_API void jl_plugin_set_only_kinds(struct jl_plugin_set *set, uint32_t kinds);

/*
 * Add `kinds` to what the set loads, and load the plugins of those kinds
 * from the directories it scanned; 0 at once when they are loaded already.
 * Safe while other threads use the set (jl_plugin_set_get(), _find(),
 * _count() and _to_json() take the set's lock).  Errors: JOBLET_E_NOMEM
 * (a rejected plugin is recorded as by a scan, not an error).
 */
JL_API int jl_plugin_set_load_kinds(struct jl_plugin_set *set, uint32_t kinds,
				    struct joblet_error **err);

/* Call fini() of every initialised plugin and free the set; NULL is fine. */
JL_API void jl_plugin_set_free(struct jl_plugin_set *set);

/*
 * Load every `*.so` in dir, in name order.  Files that fail a check are
 * recorded as rejected and skipped.  Returns 0, or negative when dir itself
 * cannot be used (missing: JOBLET_E_NOT_FOUND; unsafe ownership or mode:
 * JOBLET_E_PERMISSION; unreadable: JOBLET_E_IO) - that is recorded as a
 * rejection too.
 */
JL_API int jl_plugin_set_load_dir(struct jl_plugin_set *set, const char *dir,
				  struct joblet_error **err);

/*
 * Load one plugin file.  Returns 0 when accepted; negative when rejected,
 * with the reason in *err and in the rejected list.
 */
JL_API int jl_plugin_set_load_file(struct jl_plugin_set *set, const char *path,
				   struct joblet_error **err);

/*
 * The usual scan: the directories of JOBLET_PLUGIN_PATH (colon-separated;
 * honoured only when the process is not privileged) and then every
 * `plugins.dirs` entry of cfg (the compiled-in plugin directory when cfg is
 * NULL).  A configured directory that does not exist is noted as a
 * rejection; nothing here fails the scan except running out of memory.
 */
JL_API int jl_plugin_set_scan(struct jl_plugin_set *set, struct joblet_error **err);

/* Loaded plugins, builtins first, then in load order. */
JL_API size_t jl_plugin_set_count(const struct jl_plugin_set *set);

/*
 * The i-th loaded plugin, or NULL past the end.  *ret_origin (may be NULL)
 * gets the file it came from, or "builtin".  Borrowed from the set.
 */
JL_API const struct joblet_plugin *jl_plugin_set_get(const struct jl_plugin_set *set, size_t i,
						     const char **ret_origin);

/* The loaded plugin of that kind and name, or NULL. */
JL_API const struct joblet_plugin *jl_plugin_set_find(const struct jl_plugin_set *set, int32_t kind,
						      const char *name);

/* The same, by id "kind/name". */
JL_API const struct joblet_plugin *jl_plugin_set_find_id(const struct jl_plugin_set *set,
							 const char *id);

/* Rejected files (and unusable directories), in the order met. */
JL_API size_t jl_plugin_set_rejected_count(const struct jl_plugin_set *set);

/*
 * The i-th rejection: the path and the reason.  Returns 0, or -1 past the
 * end.  Borrowed from the set.
 */
JL_API int jl_plugin_set_rejected(const struct jl_plugin_set *set, size_t i, const char **ret_path,
				  const char **ret_reason);

/* The directories scanned so far, in order; NULL past the end. */
JL_API const char *jl_plugin_set_dir(const struct jl_plugin_set *set, size_t i);

/*
 * Check that cfg names no plugin settings for plugins that are not loaded.
 * Returns 0, or JOBLET_E_CONFIG naming the file, line and plugin id.
 */
JL_API int jl_plugin_set_check_settings(const struct jl_plugin_set *set, struct joblet_error **err);

/*
 * The set as JSON, the shape GET /v1/plugins answers with:
 *	{"plugins": [{"id": "archive/tar", "kind": "archive", "name": "tar",
 *	              "version": "...", "summary": "...", "license": "...",
 *	              "origin": "/usr/lib/joblet/plugins/archive_tar.so" | "builtin",
 *	              "caps": ["needs-root", ...]}, ...],
 *	 "rejected": [{"path": "...", "reason": "..."}, ...],
 *	 "dirs": ["..."]}
 * *ret_json is a new string.
 */
JL_API int jl_plugin_set_to_json(const struct jl_plugin_set *set, char **ret_json,
				 struct joblet_error **err);

/* Names of the JOBLET_CAP_* bits ("needs-root", "network", "thread-safe"); NULL otherwise. */
JL_API const char *jl_plugin_cap_name(uint64_t cap_bit);

#endif /* JL_LOADER_H */

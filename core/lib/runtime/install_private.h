/* install_private.h - what install.c shares with the other runtime files. */
#ifndef JL_INSTALL_PRIVATE_H
#define JL_INSTALL_PRIVATE_H

#include <json.h>
#include <stdbool.h>

#include "config/config.h"
#include "plugin/loader.h"
#include "runtime/runtime.h"

#include "runtime/registry_index.h"

/* Serialise o (consumed) into a new string. */
int jl_json_finish(json_object *o, char **ret_json, struct joblet_error **err);
/* A JSON array of the strings of v. */
json_object *jl_json_strv(char *const *v);

/* Report progress to req's callback (printf-style message, may be NULL). */
void jl_progress(const struct jl_install_request *req, int32_t phase, const char *name,
		 const char *version, uint64_t done, int64_t total, double rate, const char *fmt,
		 ...) __attribute__((format(printf, 8, 9)));

/* runtimes.platform, or the detected one. */
int jl_host_platform(const struct jl_config *cfg, char **ret, struct joblet_error **err);

/* The first registry plugin (in runtimes.registry_plugins order) that takes registry. */
int jl_registry_pick(const struct jl_config *cfg, const struct jl_plugin_set *set,
		     const char *registry, const struct joblet_plugin **ret_plugin,
		     struct joblet_error **err);

/*
 * The index of registry: from the cache while fresh (network registries,
 * runtimes.index_ttl) unless revalidate, else fetched with the cached ETag.
 * *ret_cached_unchecked tells that the copy was used without asking.
 */
int jl_index_fetch(const struct jl_config *cfg, const struct joblet_plugin *plugin,
		   const char *registry, bool revalidate, const struct jl_install_request *req,
		   struct jl_index **ret_index, bool *ret_cached_unchecked,
		   struct joblet_error **err);

struct jl_runtime_desc;

/*
 * The installed runtime for NAME[@VERSION] (no version: the highest
 * installed).  *ret_dir is its folder; *ret_desc (may be NULL) its
 * runtime.yml.  JOBLET_E_NOT_FOUND lists the installed versions.
 */
int jl_runtime_resolve(const struct jl_config *cfg, const char *spec, char **ret_dir,
		       struct jl_runtime_desc **ret_desc, struct joblet_error **err);

#endif /* JL_INSTALL_PRIVATE_H */

/*
 * plugin/ops_registry.h - calling registry plugins.
 *
 * core/lib/plugin is the only caller of plugin ops (ARCHITECTURE.md
 * section 2): the install pipeline and the registry listings in
 * core/lib/runtime go through these thin wrappers, one per slot of struct
 * joblet_registry_ops (<joblet/registry.h> says when each is called and
 * what it may do).  p is the descriptor of a loaded registry plugin
 * (borrowed).  The loader accepts only ABI 2.x plugins, whose ops tables
 * hold every 2.0 slot, and every registry slot is REQUIRED, so none needs
 * a check.  Errors are the plugin's own, passed on unchanged: the caller
 * adds the registry's name.
 *
 * Used only inside libjoblet, so hidden (no JL_API).
 */
#ifndef JL_PLUGIN_OPS_REGISTRY_H
#define JL_PLUGIN_OPS_REGISTRY_H

#include <stdbool.h>

#include <joblet/error.h>
#include <joblet/plugin.h>
#include <joblet/registry.h>
#include <joblet/stream.h>

/* can_handle(): does p serve the registry named by spec?  No I/O. */
bool jl_registry_can_handle(const struct joblet_plugin *p, const char *spec);

/* fetch_index(): fill reply (its buffers belong to the caller) for request. */
int jl_registry_fetch_index(const struct joblet_plugin *p,
			    const struct joblet_registry_index_request *request,
			    struct joblet_registry_index_reply *reply, struct joblet_error **err);

/*
 * open_package(): *ret_stream becomes a new stream of the package at url
 * (owned by the caller, closed with jl_stream_close()).  JOBLET_E_UNSUPPORTED
 * when p cannot fetch this kind of URL.
 */
int jl_registry_open_package(const struct joblet_plugin *p, const char *spec, const char *url,
			     struct joblet_stream **ret_stream, struct joblet_error **err);

#endif /* JL_PLUGIN_OPS_REGISTRY_H */

/*
 * ops_registry.c - the only calls into registry plugins' ops.
 */
#include <config.h>

#include "plugin/ops_registry.h"

static const struct joblet_registry_ops *ops_of(const struct joblet_plugin *p)
{
	return p->ops;
}

bool jl_registry_can_handle(const struct joblet_plugin *p, const char *spec)
{
	return ops_of(p)->can_handle(spec) == 1;
}

int jl_registry_fetch_index(const struct joblet_plugin *p,
			    const struct joblet_registry_index_request *request,
			    struct joblet_registry_index_reply *reply, struct joblet_error **err)
{
	return ops_of(p)->fetch_index(request, reply, err);
}

int jl_registry_open_package(const struct joblet_plugin *p, const char *spec, const char *url,
			     struct joblet_stream **ret_stream, struct joblet_error **err)
{
	return ops_of(p)->open_package(spec, url, ret_stream, err);
}

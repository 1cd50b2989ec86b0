/*
 * base/plugin_id.h - who a plugin is: its kind, its name, its id "kind/name".
 *
 * Private tier (base/private.h).  In base so that logging (which names a
 * plugin as a message's source), the configuration (which checks the ids
 * under plugins.settings) and the loader agree without calling each other.
 */
#ifndef JL_PLUGIN_ID_H
#define JL_PLUGIN_ID_H

#include <stdint.h>

#include "base/private.h"

/* "registry", "archive", "isolation", "scheduler", or NULL. Static. */
JL_API const char *jl_plugin_kind_name(int32_t kind);

/* Parse a kind name; returns 0 and sets *ret_kind, or -1 when unknown. */
JL_API int jl_plugin_kind_parse(const char *name, int32_t *ret_kind);

/* 1 when name is a valid plugin name ([a-z0-9_]+, at most 64 bytes). */
JL_API int jl_plugin_name_valid(const char *name);

#endif /* JL_PLUGIN_ID_H */

/*
 * config_private.h - what libjoblet's own files see of the configuration.
 */
#ifndef JL_CONFIG_PRIVATE_H
#define JL_CONFIG_PRIVATE_H

#include <joblet/config.h>

/* One `plugins.settings."<id>".<key>: <value>` line. */
struct jl_setting {
	char *key;
	char *value;
	int line;
};

/* The settings of one plugin id. */
struct jl_plugin_settings {
	char *plugin_id; /* "kind/name" */
	int line;
	struct jl_setting *items;
	size_t n_items;
};

struct joblet_config_settings {
	char *source; /* file name for messages */
	struct jl_plugin_settings *plugins;
	size_t n_plugins;
};

/* The settings of one plugin, or NULL. */
const struct jl_plugin_settings *jl_config_find_settings(const struct joblet_config *cfg,
							 const char *plugin_id);

/* 1 when name is a valid plugin name ([a-z0-9_]+, at most 64 bytes). */
int jl_plugin_name_valid(const char *name);

#endif /* JL_CONFIG_PRIVATE_H */

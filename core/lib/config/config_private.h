/*
 * config_private.h - what libjoblet's own files see of the configuration.
 */
#ifndef JL_CONFIG_PRIVATE_H
#define JL_CONFIG_PRIVATE_H

#include "config/config.h"

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

struct jl_config_settings {
	char *source; /* file name for messages */
	struct jl_plugin_settings *plugins;
	size_t n_plugins;
};

/* The settings of one plugin, or NULL. */
const struct jl_plugin_settings *jl_config_find_settings(const struct jl_config *cfg,
							 const char *plugin_id);

#endif /* JL_CONFIG_PRIVATE_H */

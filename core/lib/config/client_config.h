/*
 * config/client_config.h - the client's rnx-config.yml.
 *
 * Private tier (base/private.h): rnx.  YAML read with libyaml; errors as
 * for joblet.yml (config/config.h).
 */
#ifndef JL_CLIENT_CONFIG_H
#define JL_CLIENT_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include <joblet/error.h>

#include "base/private.h"

/*
 * One node of the client configuration.  The PEM fields always hold PEM
 * text: written inline in the file, or read from the file the value names
 * (a relative path is relative to the config file's folder); *_path keeps
 * that path, or NULL for inline PEM.
 */
struct jl_client_node {
	char *name;	 /* the key under `nodes:` */
	char *address;	 /* host:port */
	char *node_id;	 /* nodeId, display only; may be NULL */
	char *cert_pem;	 /* client certificate */
	char *key_pem;	 /* client private key */
	char *ca_pem;	 /* CA that signed the server certificate */
	char *cert_path; /* or NULL */
	char *key_path;
	char *ca_path;
	int32_t is_default; /* isDefault: true */
	int32_t reserved;
};

/* The client configuration (rnx-config.yml). */
struct jl_client_config {
	char *source;	    /* the file read */
	char *default_node; /* `default:`, or NULL */
	struct jl_client_node *nodes;
	size_t n_nodes;
};

/*
 * Find the client configuration: explicit_path when not NULL, else
 * $RNX_CONFIG, ~/.rnx/rnx-config.yml, then SYSCONFDIR/joblet/rnx-config.yml.
 * *ret_path is a new string.  JOBLET_E_NOT_FOUND lists what was tried.
 */
JL_API int jl_client_config_locate(const char *explicit_path, char **ret_path,
				   struct joblet_error **err);

/* Read a client configuration.  Errors as for jl_config_load(). */
JL_API int jl_client_config_load(const char *path, struct jl_client_config **ret_config,
				 struct joblet_error **err);

JL_API void jl_client_config_free(struct jl_client_config *cfg);

/*
 * Choose a node: `name` when not NULL; else `default:`; else the node with
 * isDefault: true; else the node called "default"; else the only node.
 * JOBLET_E_NOT_FOUND names the nodes there are.  *ret_node is borrowed.
 */
JL_API int jl_client_config_select(const struct jl_client_config *cfg, const char *name,
				   const struct jl_client_node **ret_node,
				   struct joblet_error **err);

#endif /* JL_CLIENT_CONFIG_H */

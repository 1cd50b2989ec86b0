/*
 * client_config.c - rnx-config.yml: the nodes rnx can talk to.
 *
 *	version: "3.0"            # optional (written by upstream tools)
 *	default: prod             # optional
 *	nodes:
 *	  prod:
 *	    address: "10.0.0.5:50051"
 *	    nodeId: "rack-4"       # optional, display only
 *	    isDefault: true        # optional
 *	    cert: /home/me/.rnx/client.pem   # or inline PEM
 *	    key:  /home/me/.rnx/client-key.pem
 *	    ca:   /home/me/.rnx/ca.pem
 */
#include <config.h>

#include <ctype.h>
#include <sys/stat.h>

#include "base/util.h"
#include "base/yaml_doc.h"
#include "config/client_config.h"

#define PEM_MAX_BYTES (256 * 1024)

void jl_client_config_free(struct jl_client_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n_nodes; i++) {
		struct jl_client_node *n = &cfg->nodes[i];

		free(n->name);
		free(n->address);
		free(n->node_id);
		free(n->cert_pem);
		if (n->key_pem) {
			explicit_bzero(n->key_pem, strlen(n->key_pem));
			free(n->key_pem);
		}
		free(n->ca_pem);
		free(n->cert_path);
		free(n->key_path);
		free(n->ca_path);
	}
	free(cfg->nodes);
	free(cfg->default_node);
	free(cfg->source);
	free(cfg);
}

static bool node_name_valid(const char *s)
{
	if (!*s || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._-", *s))
			return false;
	return true;
}

/* Inline PEM, or a path to read it from. */
static int read_pem(struct jl_yaml *y, yaml_node_t *node, const char *key, const char *base_dir,
		    char **ret_pem, char **ret_path, struct joblet_error **err)
{
	_cleanup_free_ char *value = NULL, *path = NULL, *data = NULL;
	_cleanup_error_ struct joblet_error *e = NULL;
	int r;

	r = jl_yaml_get_string(y, node, key, &value, err);
	if (r < 0)
		return r;
	if (strstr(value, "-----BEGIN ")) {
		*ret_pem = TAKE_PTR(value);
		*ret_path = NULL;
		return 0;
	}
	if (strchr(value, '\n'))
		return jl_yaml_error(y, node, err,
				     "`%s` is neither PEM (no `-----BEGIN` line) nor a file path",
				     key);
	path = value[0] == '/' ? strdup(value) : jl_strdup_printf("%s/%s", base_dir, value);
	if (!path)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read `%s`", key);
	r = jl_read_file(path, PEM_MAX_BYTES, &data, NULL, &e);
	if (r < 0)
		return jl_yaml_error(y, node, err, "`%s`: %s", key, joblet_error_message(e));
	if (!strstr(data, "-----BEGIN "))
		return jl_yaml_error(y, node, err,
				     "`%s`: `%s` holds no PEM block (`-----BEGIN ...`)", key, path);
	*ret_pem = TAKE_PTR(data);
	*ret_path = TAKE_PTR(path);
	return 0;
}

/* The settings a node may have, in the order of seen[] below. */
static const char *const node_keys[] = { "address", "cert", "key", "ca", "nodeId", "isDefault" };
enum { NODE_ADDRESS, NODE_CERT, NODE_KEY, NODE_CA, NODE_ID, NODE_IS_DEFAULT, NODE_N_KEYS };

/* Sort a node's settings into seen[] by name; address, cert, key and ca must be there. */
static int node_settings(struct jl_yaml *y, yaml_node_t *knode, yaml_node_t *map,
			 const char *prefix, yaml_node_t *seen[NODE_N_KEYS],
			 struct joblet_error **err)
{
	const char *name = jl_yaml_scalar(knode);
	int r;

	r = jl_yaml_check_mapping(y, map, prefix, err);
	if (r < 0)
		return r;
	jl_yaml_foreach_pair(p, map)
	{
		yaml_node_t *k = jl_yaml_node(y, p->key);
		size_t i;

		for (i = 0; i < NODE_N_KEYS; i++)
			if (jl_streq(jl_yaml_scalar(k), node_keys[i]))
				break;
		if (i == NODE_N_KEYS)
			return jl_yaml_error(
				y, k, err,
				"`%s.%s` is not a node setting (address, cert, key, ca, nodeId, isDefault)",
				prefix, jl_yaml_scalar(k));
		seen[i] = jl_yaml_node(y, p->value);
	}
	for (size_t i = NODE_ADDRESS; i <= NODE_CA; i++) {
		if (seen[i])
			continue;
		if (i == NODE_CERT || i == NODE_KEY)
			return jl_yaml_error(
				y, knode, err,
				"node `%s` has no client certificate (no `%s`): set cert and key (run `joblet certs init`)",
				name, node_keys[i]);
		return jl_yaml_error(
			y, knode, err,
			"node `%s` has no `%s`; every node needs address, cert, key and ca", name,
			node_keys[i]);
	}
	return 0;
}

/* The optional nodeId and isDefault. */
static int node_extras(struct jl_yaml *y, yaml_node_t *seen[NODE_N_KEYS], const char *prefix,
		       struct jl_client_node *n, struct joblet_error **err)
{
	_cleanup_free_ char *kid = jl_strdup_printf("%s.nodeId", prefix);
	_cleanup_free_ char *kdef = jl_strdup_printf("%s.isDefault", prefix);
	bool b;
	int r;

	if (!kid || !kdef)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot read the client configuration");
	if (seen[NODE_ID]) {
		r = jl_yaml_get_string(y, seen[NODE_ID], kid, &n->node_id, err);
		if (r < 0)
			return r;
	}
	if (seen[NODE_IS_DEFAULT]) {
		r = jl_yaml_get_bool(y, seen[NODE_IS_DEFAULT], kdef, &b, err);
		if (r < 0)
			return r;
		n->is_default = b;
	}
	return 0;
}

static int parse_node(struct jl_yaml *y, yaml_node_t *knode, yaml_node_t *map, const char *base_dir,
		      struct jl_client_node *n, struct joblet_error **err)
{
	const char *name = jl_yaml_scalar(knode);
	_cleanup_free_ char *prefix = jl_strdup_printf("nodes.%s", name);
	_cleanup_free_ char *kaddr = NULL, *kcert = NULL, *kkey = NULL, *kca = NULL;
	yaml_node_t *seen[NODE_N_KEYS] = { NULL };
	int r;

	if (!prefix)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot read the client configuration");
	if (!node_name_valid(name))
		return jl_yaml_error(
			y, knode, err,
			"node name `%s` may only hold letters, digits, `.`, `_` and `-`", name);
	n->name = strdup(name);
	if (!n->name)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot read the client configuration");
	r = node_settings(y, knode, map, prefix, seen, err);
	if (r < 0)
		return r;
	kaddr = jl_strdup_printf("%s.address", prefix);
	kcert = jl_strdup_printf("%s.cert", prefix);
	kkey = jl_strdup_printf("%s.key", prefix);
	kca = jl_strdup_printf("%s.ca", prefix);
	if (!kaddr || !kcert || !kkey || !kca)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot read the client configuration");
	r = jl_yaml_get_string(y, seen[NODE_ADDRESS], kaddr, &n->address, err);
	if (r < 0)
		return r;
	if (!jl_address_valid(n->address, 1))
		return jl_yaml_error(
			y, seen[NODE_ADDRESS], err,
			"`%s` must be host:port (for example 127.0.0.1:50051), not `%s`", kaddr,
			n->address);
	r = read_pem(y, seen[NODE_CERT], kcert, base_dir, &n->cert_pem, &n->cert_path, err);
	if (r == 0)
		r = read_pem(y, seen[NODE_KEY], kkey, base_dir, &n->key_pem, &n->key_path, err);
	if (r == 0)
		r = read_pem(y, seen[NODE_CA], kca, base_dir, &n->ca_pem, &n->ca_path, err);
	if (r < 0)
		return r;
	return node_extras(y, seen, prefix, n, err);
}

/* Reading one rnx-config.yml. */
struct client_load {
	const char *path;
	char *base_dir; /* relative cert, key and ca paths start here */
	struct jl_yaml *y;
	yaml_node_t *nodes; /* `nodes:`, or NULL */
	yaml_node_t *def;   /* `default:`, or NULL */
	int default_line;   /* where `default:` is */
	struct jl_client_config *cfg;
};

/* The top level: version (ignored), default and nodes. */
static int client_load_top(struct client_load *l, struct joblet_error **err)
{
	yaml_node_t *root = jl_yaml_root(l->y);
	int r;

	if (!root || jl_yaml_is_null(root))
		return joblet_error_set(err, JOBLET_E_CONFIG, 0,
					"`%s` is empty; it needs a `nodes:` mapping (see rnx(1))",
					l->path);
	r = jl_yaml_check_mapping(l->y, root, "", err);
	if (r < 0)
		return r;
	jl_yaml_foreach_pair(p, root)
	{
		yaml_node_t *k = jl_yaml_node(l->y, p->key);
		const char *name = jl_yaml_scalar(k);

		if (jl_streq(name, "nodes"))
			l->nodes = jl_yaml_node(l->y, p->value);
		else if (jl_streq(name, "default")) {
			l->def = jl_yaml_node(l->y, p->value);
			l->default_line = jl_yaml_line(k);
		} else if (jl_streq(name, "version")) {
			if (!jl_yaml_scalar(jl_yaml_node(l->y, p->value)))
				return jl_yaml_error(l->y, k, err,
						     "`version` must be a single value");
		} else
			return jl_yaml_error(
				l->y, k, err,
				"`%s` is not a setting (settings at the top level: version, default, nodes); see rnx(1)",
				name);
	}
	if (!l->nodes || jl_yaml_is_null(l->nodes))
		return jl_yaml_error(
			l->y, l->nodes ? l->nodes : root, err,
			"no `nodes:` defined; add at least one node with address, cert, key and ca");
	return 0;
}

/* Every node under `nodes:`; at least one. */
static int client_load_nodes(struct client_load *l, struct joblet_error **err)
{
	struct jl_client_config *cfg = l->cfg;
	yaml_node_t *nodes = l->nodes;
	size_t count;
	int r;

	r = jl_yaml_check_mapping(l->y, nodes, "nodes", err);
	if (r < 0)
		return r;
	count = (size_t)(nodes->data.mapping.pairs.top - nodes->data.mapping.pairs.start);
	cfg->nodes = calloc(count + 1, sizeof(*cfg->nodes));
	if (!cfg->nodes)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read `%s`", l->path);
	jl_yaml_foreach_pair(p, nodes)
	{
		struct jl_client_node *n = &cfg->nodes[cfg->n_nodes++];

		r = parse_node(l->y, jl_yaml_node(l->y, p->key), jl_yaml_node(l->y, p->value),
			       l->base_dir, n, err);
		if (r < 0)
			return r;
	}
	if (cfg->n_nodes == 0)
		return jl_yaml_error(l->y, nodes, err, "`nodes` is empty; add at least one node");
	return 0;
}

/* `default:` must name a node, and at most one node may say `isDefault: true`. */
static int client_load_default(struct client_load *l, struct joblet_error **err)
{
	struct jl_client_config *cfg = l->cfg;
	int r;

	if (l->def) {
		bool found = false;

		r = jl_yaml_get_string(l->y, l->def, "default", &cfg->default_node, err);
		if (r < 0)
			return r;
		for (size_t i = 0; i < cfg->n_nodes; i++)
			found |= strcmp(cfg->nodes[i].name, cfg->default_node) == 0;
		if (!found)
			return joblet_error_set(
				err, JOBLET_E_CONFIG, 0,
				"`%s` line %d: `default` names node `%s`, which is not under `nodes`",
				l->path, l->default_line, cfg->default_node);
	}
	for (size_t i = 0, marked = 0; i < cfg->n_nodes; i++)
		if (cfg->nodes[i].is_default && ++marked > 1)
			return joblet_error_set(
				err, JOBLET_E_CONFIG, 0,
				"`%s`: more than one node has `isDefault: true`; keep it on one",
				l->path);
	return 0;
}

int jl_client_config_load(const char *path, struct jl_client_config **ret_config,
			  struct joblet_error **err)
{
	struct client_load l = { .path = path };
	int r;

	r = jl_yaml_load_file(path, JOBLET_E_CONFIG, &l.y, err);
	if (r < 0)
		return r;
	l.cfg = calloc(1, sizeof(*l.cfg));
	l.base_dir = jl_dirname(path);
	if (!l.cfg || !l.base_dir || !(l.cfg->source = strdup(path)))
		r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read `%s`", path);
	if (r == 0)
		r = client_load_top(&l, err);
	if (r == 0)
		r = client_load_nodes(&l, err);
	if (r == 0)
		r = client_load_default(&l, err);
	if (r == 0)
		*ret_config = TAKE_PTR(l.cfg);
	jl_client_config_free(l.cfg);
	jl_yaml_free(l.y);
	free(l.base_dir);
	return r;
}

int jl_client_config_locate(const char *explicit_path, char **ret_path, struct joblet_error **err)
{
	_cleanup_free_ char *home_path = NULL;
	const char *env = jl_getenv("RNX_CONFIG");
	const char *home = jl_getenv("HOME");
	const char *candidates[2];
	struct stat st;
	char *copy;

	if (explicit_path || (env && *env)) {
		const char *p = explicit_path ? explicit_path : env;

		if (stat(p, &st) < 0)
			return joblet_error_set(err, JOBLET_E_NOT_FOUND, errno,
						"client configuration `%s`%s", p,
						explicit_path ? "" : " (from $RNX_CONFIG)");
		copy = strdup(p);
		goto found;
	}
	if (home && *home)
		home_path = jl_strdup_printf("%s/.rnx/rnx-config.yml", home);
	candidates[0] = home_path;
	candidates[1] = JOBLET_SYSCONFDIR "/joblet/rnx-config.yml";
	for (size_t i = 0; i < ELEMENTSOF(candidates); i++)
		if (candidates[i] && stat(candidates[i], &st) == 0) {
			copy = strdup(candidates[i]);
			goto found;
		}
	return joblet_error_set(
		err, JOBLET_E_NOT_FOUND, 0,
		"no client configuration: tried $RNX_CONFIG, `%s` and `%s`; pass --config FILE, or put the rnx-config.yml your joblet administrator gave you at ~/.rnx/rnx-config.yml (format: rnx(1))",
		home_path ? home_path : "~/.rnx/rnx-config.yml", candidates[1]);
found:
	if (!copy)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot locate the client configuration");
	*ret_path = copy;
	return 0;
}

int jl_client_config_select(const struct jl_client_config *cfg, const char *name,
			    const struct jl_client_node **ret_node, struct joblet_error **err)
{
	const char *want = name ? name : cfg->default_node;
	_cleanup_strv_ char **names = NULL;
	_cleanup_free_ char *list = NULL;

	if (want) {
		for (size_t i = 0; i < cfg->n_nodes; i++)
			if (strcmp(cfg->nodes[i].name, want) == 0) {
				*ret_node = &cfg->nodes[i];
				return 0;
			}
	} else {
		for (size_t i = 0; i < cfg->n_nodes; i++)
			if (cfg->nodes[i].is_default) {
				*ret_node = &cfg->nodes[i];
				return 0;
			}
		for (size_t i = 0; i < cfg->n_nodes; i++)
			if (strcmp(cfg->nodes[i].name, "default") == 0) {
				*ret_node = &cfg->nodes[i];
				return 0;
			}
		if (cfg->n_nodes == 1) {
			*ret_node = &cfg->nodes[0];
			return 0;
		}
	}
	for (size_t i = 0; i < cfg->n_nodes; i++)
		if (jl_strv_push(&names, cfg->nodes[i].name) < 0)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
						"cannot choose a node");
	list = jl_strv_join(names, ", ");
	if (want)
		return joblet_error_set(err, JOBLET_E_NOT_FOUND, 0,
					"no node `%s` in `%s` (nodes: %s)", want, cfg->source,
					list ? list : "?");
	return joblet_error_set(
		err, JOBLET_E_NOT_FOUND, 0,
		"`%s` has several nodes and none is the default; pass --node NAME (nodes: %s) or set `default:`",
		cfg->source, list ? list : "?");
}

/*
 * job_net.c - the "net" object of spec.json (job_net.h).
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "job/job_net.h"

void jl_job_net_free(struct jl_job_net *n)
{
	if (!n)
		return;
	free(n->network);
	free(n->bridge);
	free(n->table);
	free(n->address);
	free(n->gateway);
	jl_strv_free(n->allow);
	jl_strv_free(n->dns);
	free(n);
}

void jl_job_net_view(struct jl_job_net *n)
{
	n->view = (struct joblet_job_net){
		.size = sizeof(struct joblet_job_net),
		.network = n->network,
		.bridge = n->bridge,
		.table = n->table,
		.address = n->address,
		.gateway = n->gateway,
		.isolated_ports = n->isolated_ports,
		.n_allow = jl_strv_length(n->allow),
		.allow = (const char *const *)n->allow,
		.n_dns = jl_strv_length(n->dns),
		.dns = (const char *const *)n->dns,
		.max_net_bps = n->max_net_bps,
	};
}

/* A NULL-ended string list as a JSON array of strings (job_net.h). */
json_object *jl_strv_json(char *const *v)
{
	json_object *a = json_object_new_array();

	for (; a && v && *v; v++)
		if (json_object_array_add(a, json_object_new_string(*v)) < 0) {
			json_object_put(a);
			return NULL;
		}
	return a;
}

int jl_job_net_to_json(const struct jl_job_net *n, json_object **ret, struct joblet_error **err)
{
	json_object *o = json_object_new_object();
	const char *keys[] = { "network", "bridge", "table", "address", "gateway" };
	const char *vals[] = { n->network, n->bridge, n->table, n->address, n->gateway };
	json_object *allow = jl_strv_json(n->allow), *dns = jl_strv_json(n->dns);

	if (!o || !allow || !dns)
		goto oom;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		json_object_object_add(o, keys[i],
				       vals[i] ? json_object_new_string(vals[i]) : NULL);
	json_object_object_add(o, "isolated_ports", json_object_new_boolean(n->isolated_ports));
	json_object_object_add(o, "allow", allow);
	json_object_object_add(o, "dns", dns);
	json_object_object_add(o, "max_net_bps", json_object_new_int64(n->max_net_bps));
	*ret = o;
	return 0;
oom:
	json_object_put(o);
	json_object_put(allow);
	json_object_put(dns);
	return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot write the job's network");
}

static int str(json_object *o, const char *key, char **ret)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string) ||
	    strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v))
		return -1;
	*ret = strdup(json_object_get_string(v));
	return *ret ? 0 : -1;
}

static int list(json_object *o, const char *key, char ***ret)
{
	json_object *v;

	*ret = calloc(1, sizeof(char *));
	if (!*ret || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_array))
		return -1;
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		json_object *a = json_object_array_get_idx(v, i);

		if (!json_object_is_type(a, json_type_string) ||
		    jl_strv_push(ret, json_object_get_string(a)) < 0)
			return -1;
	}
	return 0;
}

int jl_job_net_from_json(json_object *v, struct jl_job_net **ret, struct joblet_error **err)
{
	struct jl_job_net *n = calloc(1, sizeof(*n));
	json_object *b, *bps;

	if (!n)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot read the job's network");
	if (!json_object_is_type(v, json_type_object) || str(v, "network", &n->network) < 0 ||
	    str(v, "bridge", &n->bridge) < 0 || str(v, "table", &n->table) < 0 ||
	    str(v, "address", &n->address) < 0 || str(v, "gateway", &n->gateway) < 0 ||
	    list(v, "allow", &n->allow) < 0 || list(v, "dns", &n->dns) < 0 ||
	    !json_object_object_get_ex(v, "isolated_ports", &b) ||
	    !json_object_is_type(b, json_type_boolean) ||
	    !json_object_object_get_ex(v, "max_net_bps", &bps) ||
	    !json_object_is_type(bps, json_type_int) || json_object_get_int64(bps) < 0) {
		jl_job_net_free(n);
		return joblet_error_set(
			err, JOBLET_E_PARSE, 0,
			"the job spec's `net` lacks network, bridge, table, address, gateway (strings), isolated_ports (boolean), allow, dns (arrays of strings) or max_net_bps (a number >= 0)");
	}
	n->isolated_ports = json_object_get_boolean(b);
	n->max_net_bps = json_object_get_int64(bps);
	jl_job_net_view(n);
	*ret = n;
	return 0;
}

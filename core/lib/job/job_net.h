/*
 * job/job_net.h - the job's place on a network: the "net" object of
 * spec.json, written by the daemon when it leases the job's address (at
 * start), read by joblet-shim and shown to plugins as struct
 * joblet_job_net (joblet_job_net() in <joblet/job.h>).
 *
 * Private tier (base/private.h): for joblet and joblet-shim.
 */
#ifndef JL_JOB_NET_H
#define JL_JOB_NET_H

#include <stdint.h>

#include <json-c/json.h>
#include <joblet/error.h>
#include <joblet/job.h>

#include "base/private.h"

/*
 * Owned strings (free with jl_job_net_free); allow and dns are
 * NULL-terminated (NULL = empty).  spec.json:
 *   "net": {"network":"bridge","bridge":"joblet0","table":"joblet",
 *           "address":"172.20.0.5/16","gateway":"172.20.0.1",
 *           "isolated_ports":false,"allow":["10.1.0.0/16:443"],
 *           "dns":["192.0.2.53"],"max_net_bps":0}
 */
struct jl_job_net {
	char *network, *bridge, *table, *address, *gateway;
	int32_t isolated_ports;
	char **allow;
	char **dns;
	int64_t max_net_bps;
	/* The plugins' view, pointing into the above; made by jl_job_net_view(). */
	struct joblet_job_net view;
};

JL_API void jl_job_net_free(struct jl_job_net *n);

/* n as the JSON object above (new reference in *ret).  Errors: JOBLET_E_NOMEM. */
int jl_job_net_to_json(const struct jl_job_net *n, json_object **ret, struct joblet_error **err);

/*
 * The "net" object v into a new *ret: every key of the form above
 * required, of the right type.  Errors: JOBLET_E_PARSE naming the key.
 */
int jl_job_net_from_json(json_object *v, struct jl_job_net **ret, struct joblet_error **err);

/* Fill n->view from n's fields (again after changing them). */
JL_API void jl_job_net_view(struct jl_job_net *n);

/*
 * A NULL-ended string list as a JSON array of strings; NULL when out of
 * memory.  Within libjoblet (job_schema.c uses it too).
 */
json_object *jl_strv_json(char *const *v);

#endif /* JL_JOB_NET_H */

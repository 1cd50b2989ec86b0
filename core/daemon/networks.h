/*
 * networks.h - the daemon's job networks (docs/networks.md): the records
 * (store.h), the built-ins from joblet.yml, the kernel side brought up at
 * every start (core/net/net.h), an address leased to each job on a network
 * when it starts and freed when it ends, and the routes of /v1/networks.
 *
 * Without job networks built (no HAVE_NET) or on a host that cannot have
 * them (not root, no nftables), the records are kept but no job may use a
 * network other than none or host: networks_why_not() says why.
 *
 * Thread safety: every function may be called from any thread.
 */
#ifndef JOBLET_DAEMON_NETWORKS_H
#define JOBLET_DAEMON_NETWORKS_H

#include <stdbool.h>

#include <joblet/error.h>

#include "auth.h"
#include "config/config.h"

struct daemon_ctx;
struct networks;

/*
 * Record the built-ins (networks.bridge, networks.isolated of joblet.yml)
 * and bring every network up (jl_net_host_init(), jl_net_network_up()).
 * Fails only on the store; a host that cannot have networks is logged and
 * remembered (networks_why_not()).
 */
int networks_start(struct daemon_ctx *d, struct networks **ret, struct joblet_error **err);
void networks_free(struct networks *nw);

/*
 * After the jobs were recovered: free the addresses of jobs that do not
 * run, and remove the per-job leftovers of every job not holding one
 * (jl_net_reclaim()).
 */
void networks_reclaim(struct networks *nw);

/*
 * Why jobs could not use networks with cfg on this host, told without
 * changing anything (for `joblet check`; serve also makes the daemon's
 * table, which may fail too): into buf, or NULL when nothing stands in the way.
 */
const char *networks_config_why_not(const struct jl_config *cfg, char *buf, size_t size);

/* NULL when jobs may use networks here, else why not (for errors and `joblet check`). */
const char *networks_why_not(const struct networks *nw);

/*
 * At submission: may who run a job on network name (NULL: none)?  none and
 * host pass (host's role check is the schema's).  JOBLET_E_UNSUPPORTED when
 * this node has no networks, JOBLET_E_NOT_FOUND for one that does not exist
 * or is another user's.
 */
int networks_check_use(struct networks *nw, const struct identity *who, const char *name,
		       struct joblet_error **err);

/*
 * At start (the job folder dir, before the shim runs): a job on a network
 * gets the next free address of it, and its spec.json the "net" object the
 * shim's isolation/network plugin reads.  Others: nothing.  On failure the
 * address is free again.
 */
int networks_job_start(struct networks *nw, const char *dir, const char *job_id,
		       struct joblet_error **err);

/* The job ended: its address is free (none held: nothing). */
void networks_job_end(struct networks *nw, const char *job_id);

#endif /* JOBLET_DAEMON_NETWORKS_H */

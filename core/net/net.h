/*
 * net.h - job networks on the kernel's own interfaces: netlink (libmnl)
 * for bridges, veth pairs, addresses and routes; nftables (libnftables)
 * for NAT and each job's egress policy.  Linked by joblet (the host-wide
 * objects: a network's bridge and NAT, the daemon's table, reclaiming
 * leftovers) and by the isolation/network plugin (a job's own interface
 * and rules).
 *
 * Contract between the daemon's networks (records, addresses, API) and the
 * kernel side.  Every function is idempotent: making what exists, or
 * removing what is gone, is success.
 */
#ifndef JOBLET_NET_H
#define JOBLET_NET_H

#include <stddef.h>
#include <stdint.h>

#include <joblet/error.h>

/* What one daemon owns on the host. */
struct jl_net_host {
	const char *table;	/* its nftables table (inet family), e.g. "joblet" */
	const char *const *dns; /* resolvers (IPv4 addresses) jobs may reach on port 53 */
	size_t n_dns;
};

/* One network: a bridge with the gateway (the CIDR's first address) on it. */
struct jl_net_network {
	const char *name;   /* "bridge", "isolated" or a custom network's name */
	const char *bridge; /* its bridge device (at most 15 bytes), e.g. "joblet0" */
	const char *cidr;   /* "172.20.0.0/16" */
	int isolated_ports; /* 1: the jobs on it cannot reach each other (`isolated`) */
};

/* The daemon's table and base chains, IPv4 forwarding on.  At every start. */
int jl_net_host_init(const struct jl_net_host *h, struct joblet_error **err);

/* The network's bridge, gateway address and NAT; at create and every start. */
int jl_net_network_up(const struct jl_net_host *h, const struct jl_net_network *n,
		      struct joblet_error **err);

/* Remove what jl_net_network_up() made (at `network remove`). */
int jl_net_network_down(const struct jl_net_host *h, const struct jl_net_network *n,
			struct joblet_error **err);

/*
 * Remove per-job leftovers (interfaces, rules) of every job whose id is
 * not in live_ids (job ids, as given to the shim): after a crash.
 */
int jl_net_reclaim(const struct jl_net_host *h, const char *const *live_ids, size_t n_live,
		   struct joblet_error **err);

#endif /* JOBLET_NET_H */

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

/*
 * ---- Added by the kernel side (NET-KERNEL) ----
 *
 * One job's interface and egress rules: used by the isolation/network
 * plugin in joblet-shim, and by tests.  All strings borrowed.
 */
struct jl_net_job {
	const char *id;		  /* the job's id (UUID): the interface's alias names it */
	const char *short_id;	  /* its first 8 characters: names the interface and the rules */
	const char *table;	  /* the daemon's table name (struct jl_net_host) */
	const char *bridge;	  /* the network's bridge */
	const char *address;	  /* the job's address with the network's prefix, "172.20.0.5/16" */
	const char *gateway;	  /* "172.20.0.1" */
	int isolated_ports;	  /* 1: its bridge port is isolated */
	const char *const *allow; /* CIDR[:PORT[-PORT]]; none: every destination not denied */
	size_t n_allow;
	const char *const *dns; /* resolvers it may reach on port 53 */
	size_t n_dns;
	int64_t max_net_bps; /* bytes per second the job may send; 0 = unlimited */
};

/* One entry of an allow-list, parsed: addr/prefix (host order), ports (0-0 = every port). */
struct jl_net_allow {
	uint32_t addr;
	uint32_t prefix;
	uint32_t port_lo, port_hi;
};

/*
 * Parse "CIDR[:PORT[-PORT]]" ("10.0.0.0/8", "1.2.3.4:443", "1.2.3.4/32:8000-8080";
 * a bare address is /32).  The address must be the network's first (no
 * host bits).  Errors: JOBLET_E_INVALID naming the entry and the form.
 */
int jl_net_allow_parse(const char *text, struct jl_net_allow *ret, struct joblet_error **err);

/* The host interface of a job: "jv" + short id (at most 15 bytes). */
int jl_net_job_ifname(const char *short_id, char ret[16], struct joblet_error **err);

/*
 * The nf_tables batch that makes job j's table (family netdev, named
 * "<table>_j<short id>") with its ingress chain on the job's host
 * interface, replacing a leftover of the same name.  Every value is
 * checked and written from its parsed form; ret NULL: only the checks.
 * Free *ret with jl_nfb_free().  Errors: JOBLET_E_INVALID, JOBLET_E_NOMEM.
 */
struct jl_nfb;
int jl_net_job_rules(const struct jl_net_job *j, struct jl_nfb **ret, struct joblet_error **err);
void jl_nfb_free(struct jl_nfb *b);

/* The script of jl_net_host_init() (the daemon's inet table), for tests. */
int jl_net_host_rules(const struct jl_net_host *h, char **ret_text, struct joblet_error **err);

/*
 * In joblet-shim, the job's first process being pid (it waits): the veth
 * pair (host side jv<short id>; the peer made as eth0 in pid's network
 * namespace), the job's rules, eth0 configured (j->address, up, default
 * route via j->gateway, through a netlink socket made in that namespace),
 * then the host side on j->bridge (isolated if asked) and up.  On failure
 * what was made is removed.
 */
int jl_net_job_attach(const struct jl_net_job *j, int32_t pid, struct joblet_error **err);

/* Bytes the job received and sent (the host side's counters, swapped). */
int jl_net_job_counters(const char *short_id, uint64_t *ret_rx, uint64_t *ret_tx,
			struct joblet_error **err);

/* Remove job short_id's interface and rules of the daemon's table; nothing found is success. */
int jl_net_job_remove(const char *table, const char *short_id, struct joblet_error **err);

#endif /* JOBLET_NET_H */

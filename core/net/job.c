/*
 * job.c - one job's interface and rules (the isolation/network plugin):
 * the veth pair, its nftables table, the address inside, the counters.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net_private.h"

static int job_table(const char *table, const char *short_id, char *ret, size_t size,
		     struct joblet_error **err)
{
	char ifname[16];
	int r;

	if ((r = jl_net_check_table(table, err)) < 0 ||
	    (r = jl_net_job_ifname(short_id, ifname, err)) < 0)
		return r;
	snprintf(ret, size, "%s_j%s", table, short_id);
	return 0;
}

int jl_net_job_remove(const char *table, const char *short_id, struct joblet_error **err)
{
	char name[JL_NET_TABLE_MAX + 16], ifname[16];
	struct jl_nl *nl = NULL;
	int r;

	if ((r = job_table(table, short_id, name, sizeof(name), err)) < 0)
		return r;
	jl_net_job_ifname(short_id, ifname, NULL);
	if ((r = jl_net_nft_drop_table(name, err)) < 0 || (r = jl_nl_open(&nl, err)) < 0)
		return r;
	r = jl_nl_link_del(nl, ifname, err);
	jl_nl_close(nl);
	return r;
}

/* Inside the job's namespace (a socket made there): eth0 gets its address, up, default route. */
static int job_inside(const struct jl_net_job *j, int32_t pid, struct joblet_error **err)
{
	struct jl_nl *nl = NULL;
	uint32_t addr, prefix, gw, index = 0;
	int r;

	if (jl_net_parse_cidr(j->address, &addr, &prefix) < 0 || prefix < 8 || prefix > 30 ||
	    jl_net_parse_ip(j->gateway, &gw) < 0)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"the job's address `%s` or gateway `%s` is not IPv4",
					j->address ? j->address : "", j->gateway ? j->gateway : "");
	if ((r = jl_nl_open_ns(pid, &nl, err)) < 0)
		return r;
	if ((r = jl_nl_ifindex(nl, "eth0", &index, err)) < 0)
		goto out;
	if (index == 0) {
		r = joblet_error_set(err, JOBLET_E_NOT_FOUND, ENODEV,
				     "the job's interface eth0 is missing");
		goto out;
	}
	if ((r = jl_nl_addr_add(nl, index, addr, prefix, err)) < 0 ||
	    (r = jl_nl_link_set(nl, index, NULL, 0, NULL, err)) < 0)
		goto out;
	r = jl_nl_route_default(nl, index, gw, err);
out:
	jl_nl_close(nl);
	return r;
}

static int job_link(struct jl_nl *nl, const struct jl_net_job *j, const char *ifname, int32_t pid,
		    struct jl_nfb *rules, struct joblet_error **err)
{
	uint32_t index = 0, master = 0;
	char alias[128];
	int r;

	snprintf(alias, sizeof(alias), "joblet %s %s", j->table, j->id ? j->id : j->short_id);
	if ((r = jl_nl_ifindex(nl, j->bridge, &master, err)) < 0)
		return r;
	if (master == 0)
		return joblet_error_set(
			err, JOBLET_E_NOT_FOUND, ENODEV,
			"the bridge `%s` of the job's network is missing: restart joblet, which makes it",
			j->bridge);
	if ((r = jl_nl_veth_add(nl, ifname, "eth0", pid, err)) < 0)
		return r;
	/*
	 * The rules and the job's side before the host side is up (the pair
	 * has no carrier until both are): no frame of the job passes unjudged,
	 * and the job's first frame finds its address and route in place.
	 */
	if ((r = jl_nfb_commit(rules, err)) < 0 || (r = job_inside(j, pid, err)) < 0 ||
	    (r = jl_nl_link_set(nl, 0, ifname, master, alias, err)) < 0)
		return r;
	if (!j->isolated_ports)
		return 0;
	if ((r = jl_nl_ifindex(nl, ifname, &index, err)) < 0)
		return r;
	return jl_nl_port_isolate(nl, index, err);
}

int jl_net_job_attach(const struct jl_net_job *j, int32_t pid, struct joblet_error **err)
{
	struct jl_nl *nl = NULL;
	struct jl_nfb *rules = NULL;
	char ifname[16];
	int r;

	if ((r = jl_net_job_rules(j, &rules, err)) < 0)
		return r;
	jl_net_job_ifname(j->short_id, ifname, NULL);
	/*
	 * A leftover of an earlier job with the same short id: its interface
	 * goes when the new pair's name is found taken (jl_nl_veth_add()), its
	 * table in the same transaction as the new rules (the batch of
	 * jl_net_job_rules() starts with add-and-delete of the table).
	 */
	if ((r = jl_nl_open(&nl, err)) < 0)
		goto out;
	r = job_link(nl, j, ifname, pid, rules, err);
	if (r < 0)
		jl_net_job_remove(j->table, j->short_id, NULL);
out:
	jl_nl_close(nl);
	jl_nfb_free(rules);
	return r;
}

int jl_net_job_counters(const char *short_id, uint64_t *ret_rx, uint64_t *ret_tx,
			struct joblet_error **err)
{
	struct jl_nl *nl = NULL;
	char ifname[16];
	uint64_t host_rx, host_tx;
	int r;

	if ((r = jl_net_job_ifname(short_id, ifname, err)) < 0 || (r = jl_nl_open(&nl, err)) < 0)
		return r;
	r = jl_nl_link_stats(nl, ifname, &host_rx, &host_tx, err);
	jl_nl_close(nl);
	if (r < 0)
		return r;
	/* What the job sends arrives on the host side. */
	*ret_rx = host_tx;
	*ret_tx = host_rx;
	return 0;
}

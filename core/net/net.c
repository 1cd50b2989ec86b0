/*
 * net.c - the host-wide objects of job networks (the daemon's table,
 * each network's bridge and NAT, reclaiming leftovers) and each job's
 * interface and rules.  See net.h and docs/networks.md ("How it is built").
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/net_private.h"

/* IPv4 forwarding in this network namespace; written only when off. */
static int forwarding_on(struct joblet_error **err)
{
	const char *path = "/proc/sys/net/ipv4/ip_forward";
	char c = 0;
	int fd = open(path, O_RDWR | O_CLOEXEC);
	int r = 0;

	if (fd < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot open `%s`", path);
	if (read(fd, &c, 1) != 1 ||
	    (c != '1' && (lseek(fd, 0, SEEK_SET) < 0 || write(fd, "1\n", 2) != 2)))
		r = joblet_error_set(err, JOBLET_E_SYSTEM, errno,
				     "cannot turn IPv4 forwarding on (`%s`)", path);
	close(fd);
	return r;
}

int jl_net_host_init(const struct jl_net_host *h, struct joblet_error **err)
{
	char *script = NULL;
	int r = jl_net_host_rules(h, &script, err);

	if (r < 0)
		return r;
	r = jl_net_nft_run(script, NULL, err);
	free(script);
	if (r < 0)
		return r;
	return forwarding_on(err);
}

static int network_addr(const struct jl_net_network *n, uint32_t *ret_gw, uint32_t *ret_prefix,
			struct joblet_error **err)
{
	uint32_t addr;

	if (jl_net_parse_cidr(n->cidr, &addr, ret_prefix) < 0 || *ret_prefix < 8 ||
	    *ret_prefix > 30)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"`%s` is not an IPv4 CIDR from /8 to /30 (e.g. 10.30.0.0/24)",
			n->cidr ? n->cidr : "");
	*ret_gw = (addr & jl_net_mask(*ret_prefix)) + 1;
	return 0;
}

int jl_net_network_up(const struct jl_net_host *h, const struct jl_net_network *n,
		      struct joblet_error **err)
{
	struct jl_nl *nl = NULL;
	char *script = NULL;
	uint32_t gw = 0, prefix = 0, index = 0;
	int r;

	if ((r = jl_net_network_rules(h, n, 1, &script, err)) < 0 ||
	    (r = network_addr(n, &gw, &prefix, err)) < 0 || (r = jl_nl_open(&nl, err)) < 0)
		goto out;
	if ((r = jl_nl_bridge_add(nl, n->bridge, err)) < 0 ||
	    (r = jl_nl_ifindex(nl, n->bridge, &index, err)) < 0)
		goto out;
	if (index == 0) {
		r = joblet_error_set(err, JOBLET_E_SYSTEM, ENODEV, "bridge `%s` vanished",
				     n->bridge);
		goto out;
	}
	if ((r = jl_nl_addr_add(nl, index, gw, prefix, err)) < 0 ||
	    (r = jl_nl_link_set(nl, index, 0, NULL, err)) < 0)
		goto out;
	r = jl_net_nft_run(script, NULL, err);
out:
	jl_nl_close(nl);
	free(script);
	if (r < 0)
		return joblet_error_prefix(err, r, "network `%s`", n->name ? n->name : n->bridge);
	return 0;
}

int jl_net_network_down(const struct jl_net_host *h, const struct jl_net_network *n,
			struct joblet_error **err)
{
	struct jl_nl *nl = NULL;
	char *script = NULL;
	int r;

	if ((r = jl_net_network_rules(h, n, 0, &script, err)) < 0 ||
	    (r = jl_net_nft_run(script, NULL, err)) < 0 || (r = jl_nl_open(&nl, err)) < 0)
		goto out;
	r = jl_nl_link_del(nl, n->bridge, err);
out:
	jl_nl_close(nl);
	free(script);
	return r;
}

static int live(const char *id, size_t n, const char *const *live_ids, size_t n_live)
{
	for (size_t i = 0; i < n_live; i++)
		if (live_ids[i] && strlen(live_ids[i]) >= n && strncmp(live_ids[i], id, n) == 0)
			return 1;
	return 0;
}

static int remove_table(const char *name, struct joblet_error **err)
{
	char *script = NULL;
	int r;

	if (asprintf(&script, "add table netdev %1$s\ndelete table netdev %1$s\n", name) < 0)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	r = jl_net_nft_run(script, NULL, err);
	free(script);
	return r;
}

struct reclaim {
	const struct jl_net_host *h;
	const char *const *live_ids;
	size_t n_live;
	struct jl_nl *nl;
};

static int reclaim_link(const char *name, const char *alias, void *userdata)
{
	struct reclaim *rc = userdata;
	const char *id = alias + strlen("joblet ") + strlen(rc->h->table) + 1;

	if (live(id, strlen(id), rc->live_ids, rc->n_live))
		return 0;
	/* One that cannot go does not keep the others: the next start tries again. */
	jl_nl_link_del(rc->nl, name, NULL);
	return 0;
}

/* The per-job tables ("<table>_j<short id>") of jobs not alive. */
static int reclaim_tables(const struct jl_net_host *h, const char *const *live_ids, size_t n_live,
			  struct joblet_error **err)
{
	char *out = NULL, prefix[JL_NET_TABLE_MAX + 24];
	int r = jl_net_nft_run("list tables netdev\n", &out, err);

	if (r < 0)
		return r;
	snprintf(prefix, sizeof(prefix), "table netdev %s_j", h->table);
	for (char *line = out, *next; line && *line && r == 0; line = next) {
		const char *short_id = line + strlen(prefix);

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (strncmp(line, prefix, strlen(prefix)) != 0 || !*short_id ||
		    live(short_id, strlen(short_id), live_ids, n_live))
			continue;
		r = remove_table(line + strlen("table netdev "), err);
	}
	free(out);
	return r;
}

int jl_net_reclaim(const struct jl_net_host *h, const char *const *live_ids, size_t n_live,
		   struct joblet_error **err)
{
	struct reclaim rc = { h, live_ids, n_live, NULL };
	char prefix[JL_NET_TABLE_MAX + 16];
	int r;

	if ((r = jl_net_check_table(h->table, err)) < 0 ||
	    (r = reclaim_tables(h, live_ids, n_live, err)) < 0 || (r = jl_nl_open(&rc.nl, err)) < 0)
		return r;
	snprintf(prefix, sizeof(prefix), "joblet %s ", h->table);
	r = jl_nl_links_by_alias(rc.nl, prefix, reclaim_link, &rc, err);
	jl_nl_close(rc.nl);
	return r;
}

/* ------------------------------------------------------------------ one job */

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
	if ((r = remove_table(name, err)) < 0 || (r = jl_nl_open(&nl, err)) < 0)
		return r;
	r = jl_nl_link_del(nl, ifname, err);
	jl_nl_close(nl);
	return r;
}

static int job_link(struct jl_nl *nl, const struct jl_net_job *j, const char *ifname, int32_t pid,
		    const char *rules, struct joblet_error **err)
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
			"the bridge `%s` of network `%s` is missing: restart joblet", j->bridge,
			j->bridge);
	if ((r = jl_nl_veth_add(nl, ifname, "eth0", pid, err)) < 0 ||
	    (r = jl_nl_ifindex(nl, ifname, &index, err)) < 0)
		return r;
	/* The rules before the link is up: no frame of the job passes unjudged. */
	if ((r = jl_net_nft_run(rules, NULL, err)) < 0 ||
	    (r = jl_nl_link_set(nl, index, master, alias, err)) < 0)
		return r;
	if (j->isolated_ports && (r = jl_nl_port_isolate(nl, index, err)) < 0)
		return r;
	return 0;
}

int jl_net_job_attach(const struct jl_net_job *j, int32_t pid, struct joblet_error **err)
{
	struct jl_nl *nl = NULL;
	char *rules = NULL, ifname[16];
	int r;

	if ((r = jl_net_job_rules(j, &rules, err)) < 0)
		return r;
	jl_net_job_ifname(j->short_id, ifname, NULL);
	/* A leftover of an earlier job with the same short id. */
	if ((r = jl_net_job_remove(j->table, j->short_id, err)) < 0 ||
	    (r = jl_nl_open(&nl, err)) < 0)
		goto out;
	r = job_link(nl, j, ifname, pid, rules, err);
	if (r < 0)
		jl_net_job_remove(j->table, j->short_id, NULL);
out:
	jl_nl_close(nl);
	free(rules);
	return r;
}

int jl_net_job_configure(const struct jl_net_job *j, struct joblet_error **err)
{
	struct jl_nl *nl = NULL;
	uint32_t addr, prefix, gw, index = 0;
	int r;

	if (jl_net_parse_cidr(j->address, &addr, &prefix) < 0 || prefix < 8 || prefix > 30 ||
	    jl_net_parse_ip(j->gateway, &gw) < 0)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"the job's address `%s` or gateway `%s` is not IPv4",
					j->address ? j->address : "", j->gateway ? j->gateway : "");
	if ((r = jl_nl_open(&nl, err)) < 0)
		return r;
	if ((r = jl_nl_ifindex(nl, "eth0", &index, err)) < 0)
		goto out;
	if (index == 0) {
		r = joblet_error_set(err, JOBLET_E_NOT_FOUND, ENODEV,
				     "the job's interface eth0 is missing");
		goto out;
	}
	if ((r = jl_nl_addr_add(nl, index, addr, prefix, err)) < 0 ||
	    (r = jl_nl_link_set(nl, index, 0, NULL, err)) < 0)
		goto out;
	r = jl_nl_route_default(nl, index, gw, err);
out:
	jl_nl_close(nl);
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

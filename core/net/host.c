/*
 * host.c - the host-wide objects of job networks: the daemon's table,
 * each network's bridge and NAT, reclaiming leftovers of dead jobs.  See
 * net.h and docs/networks.md ("How it is built").
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
	    (r = jl_nl_link_set(nl, index, NULL, 0, NULL, err)) < 0 ||
	    (r = jl_net_nft_run(script, NULL, err)) < 0)
		goto out;
	free(script);
	script = NULL;
	if ((r = jl_net_bridge_hook_rules(h, n, 1, &script, err)) < 0)
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
	uint32_t index = 0;
	int r;

	if ((r = jl_net_network_rules(h, n, 0, &script, err)) < 0 ||
	    (r = jl_net_nft_run(script, NULL, err)) < 0 || (r = jl_nl_open(&nl, err)) < 0 ||
	    (r = jl_nl_ifindex(nl, n->bridge, &index, err)) < 0 || index == 0)
		goto out;
	/* The bridge's chain names it: made and deleted while it is there. */
	free(script);
	script = NULL;
	if ((r = jl_net_bridge_hook_rules(h, n, 0, &script, err)) < 0 ||
	    (r = jl_net_nft_run(script, NULL, err)) < 0)
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

#define ALNUM "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

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
		/* Short ids are letters and digits: "T_jx_j1" is another daemon's (table T_jx). */
		if (strncmp(line, prefix, strlen(prefix)) != 0 || !*short_id ||
		    strspn(short_id, ALNUM) != strlen(short_id) ||
		    live(short_id, strlen(short_id), live_ids, n_live))
			continue;
		r = jl_net_nft_drop_table(line + strlen("table netdev "), err);
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

/*
 * netlink.c - the rtnetlink requests of job networks, through libmnl:
 * bridges, veth pairs (the peer made straight in the job's network
 * namespace with IFLA_NET_NS_PID), addresses, the default route, bridge
 * port isolation, counters.  Each request asks for an acknowledgement and
 * returns the kernel's errno.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "net/net_private.h"

struct jl_nl {
	struct mnl_socket *sk;
	uint32_t portid, seq;
	char buf[32768]; /* MNL_SOCKET_DUMP_SIZE: a dump message fits */
};

int jl_nl_open(struct jl_nl **ret, struct joblet_error **err)
{
	struct jl_nl *nl = calloc(1, sizeof(*nl));

	if (!nl)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	nl->sk = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sk || mnl_socket_bind(nl->sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		jl_nl_close(nl);
		return joblet_error_set(err, JOBLET_E_SYSTEM, e, "cannot open a netlink socket");
	}
	nl->portid = mnl_socket_get_portid(nl->sk);
	nl->seq = (uint32_t)time(NULL);
	*ret = nl;
	return 0;
}

int jl_nl_open_ns(int32_t pid, struct jl_nl **ret, struct joblet_error **err)
{
	char path[64];
	int self, theirs, r;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	theirs = open(path, O_RDONLY | O_CLOEXEC);
	if (self < 0 || theirs < 0 || setns(theirs, CLONE_NEWNET) < 0) {
		int e = errno;

		if (self >= 0)
			close(self);
		if (theirs >= 0)
			close(theirs);
		return joblet_error_set(err, JOBLET_E_SYSTEM, e,
					"cannot reach the network namespace of process %d",
					(int)pid);
	}
	/* A socket belongs to the namespace it was made in, wherever it is used from. */
	r = jl_nl_open(ret, err);
	if (setns(self, CLONE_NEWNET) < 0) {
		/* Never go on in the job's namespace: what follows acts on the host's. */
		fprintf(stderr, "joblet: cannot return to the host's network namespace: %s\n",
			strerror(errno));
		abort();
	}
	close(self);
	close(theirs);
	return r;
}

void jl_nl_close(struct jl_nl *nl)
{
	if (!nl)
		return;
	if (nl->sk)
		mnl_socket_close(nl->sk);
	free(nl);
}

static struct nlmsghdr *msg(struct jl_nl *nl, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(nl->buf);

	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	h->nlmsg_seq = ++nl->seq;
	return h;
}

/* Send h and read to its end: 0, or -errno (the kernel's answer). */
static int talk(struct jl_nl *nl, struct nlmsghdr *h, mnl_cb_t cb, void *data)
{
	uint32_t seq = h->nlmsg_seq;
	ssize_t n;
	int r;

	if (mnl_socket_sendto(nl->sk, h, h->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(nl->sk, nl->buf, sizeof(nl->buf));
		if (n < 0)
			return -errno;
		r = mnl_cb_run(nl->buf, (size_t)n, seq, nl->portid, cb, data);
		if (r < 0)
			return -errno;
		if (r == MNL_CB_STOP)
			return 0;
	}
}

static struct ifinfomsg *put_ifinfo(struct nlmsghdr *h, uint8_t family, uint32_t index)
{
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));

	ifi->ifi_family = family;
	ifi->ifi_index = (int)index;
	return ifi;
}

static int link_cb(const struct nlmsghdr *h, void *data)
{
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);

	*(uint32_t *)data = (uint32_t)ifi->ifi_index;
	return MNL_CB_OK;
}

int jl_nl_ifindex(struct jl_nl *nl, const char *name, uint32_t *ret, struct joblet_error **err)
{
	struct nlmsghdr *h = msg(nl, RTM_GETLINK, 0);
	int r;

	put_ifinfo(h, AF_UNSPEC, 0);
	mnl_attr_put_strz(h, IFLA_IFNAME, name);
	*ret = 0;
	r = talk(nl, h, link_cb, ret);
	if (r == -ENODEV) {
		*ret = 0;
		return 0;
	}
	if (r < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, -r, "cannot look up interface `%s`",
					name);
	return 0;
}

int jl_nl_bridge_add(struct jl_nl *nl, const char *name, struct joblet_error **err)
{
	struct nlmsghdr *h = msg(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct nlattr *info;
	int r;

	put_ifinfo(h, AF_UNSPEC, 0);
	mnl_attr_put_strz(h, IFLA_IFNAME, name);
	info = mnl_attr_nest_start(h, IFLA_LINKINFO);
	mnl_attr_put_strz(h, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(h, info);
	r = talk(nl, h, NULL, NULL);
	if (r < 0 && r != -EEXIST)
		return joblet_error_set(err, JOBLET_E_SYSTEM, -r, "cannot create bridge `%s`",
					name);
	return 0;
}

int jl_nl_link_del(struct jl_nl *nl, const char *name, struct joblet_error **err)
{
	struct nlmsghdr *h = msg(nl, RTM_DELLINK, 0);
	int r;

	put_ifinfo(h, AF_UNSPEC, 0);
	mnl_attr_put_strz(h, IFLA_IFNAME, name);
	r = talk(nl, h, NULL, NULL);
	if (r < 0 && r != -ENODEV)
		return joblet_error_set(err, JOBLET_E_SYSTEM, -r, "cannot delete interface `%s`",
					name);
	return 0;
}

int jl_nl_link_set(struct jl_nl *nl, uint32_t ifindex, const char *name, uint32_t master,
		   const char *alias, struct joblet_error **err)
{
	struct nlmsghdr *h = msg(nl, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = put_ifinfo(h, AF_UNSPEC, ifindex);
	int r;

	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	if (ifindex == 0)
		mnl_attr_put_strz(h, IFLA_IFNAME, name);
	if (master)
		mnl_attr_put_u32(h, IFLA_MASTER, master);
	if (alias)
		mnl_attr_put_strz(h, IFLA_IFALIAS, alias);
	r = talk(nl, h, NULL, NULL);
	if (r < 0 && ifindex)
		return joblet_error_set(err, JOBLET_E_SYSTEM, -r,
					"cannot bring up interface %u or put it on its bridge",
					ifindex);
	if (r < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, -r,
					"cannot bring up interface `%s` or put it on its bridge",
					name);
	return 0;
}

int jl_nl_port_isolate(struct jl_nl *nl, uint32_t ifindex, struct joblet_error **err)
{
	struct nlmsghdr *h = msg(nl, RTM_SETLINK, 0);
	struct nlattr *p;
	int r;

	put_ifinfo(h, AF_BRIDGE, ifindex);
	p = mnl_attr_nest_start(h, IFLA_PROTINFO);
	mnl_attr_put_u8(h, IFLA_BRPORT_ISOLATED, 1);
	mnl_attr_nest_end(h, p);
	r = talk(nl, h, NULL, NULL);
	if (r < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, -r,
					"cannot isolate bridge port %u (kernel 4.18 or later)",
					ifindex);
	return 0;
}

int jl_nl_addr_add(struct jl_nl *nl, uint32_t ifindex, uint32_t addr, uint32_t prefix,
		   struct joblet_error **err)
{
	struct nlmsghdr *h = msg(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(h, sizeof(*ifa));
	uint32_t be = htonl(addr);
	int r;

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (uint8_t)prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	mnl_attr_put_u32(h, IFA_LOCAL, be);
	mnl_attr_put_u32(h, IFA_ADDRESS, be);
	r = talk(nl, h, NULL, NULL);
	if (r < 0 && r != -EEXIST)
		return joblet_error_set(err, JOBLET_E_SYSTEM, -r,
					"cannot add an address to interface %u", ifindex);
	return 0;
}

int jl_nl_route_default(struct jl_nl *nl, uint32_t ifindex, uint32_t gw, struct joblet_error **err)
{
	struct nlmsghdr *h = msg(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE);
	struct rtmsg *rt = mnl_nlmsg_put_extra_header(h, sizeof(*rt));
	int r;

	rt->rtm_family = AF_INET;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = RTPROT_BOOT;
	rt->rtm_scope = RT_SCOPE_UNIVERSE;
	rt->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(h, RTA_GATEWAY, htonl(gw));
	mnl_attr_put_u32(h, RTA_OIF, ifindex);
	r = talk(nl, h, NULL, NULL);
	if (r < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, -r,
					"cannot add the default route of the job");
	return 0;
}

static int veth_add(struct jl_nl *nl, const char *host, const char *peer, int32_t pid)
{
	struct nlmsghdr *h = msg(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct nlattr *info, *data, *p;
	struct ifinfomsg *pi;

	put_ifinfo(h, AF_UNSPEC, 0);
	mnl_attr_put_strz(h, IFLA_IFNAME, host);
	info = mnl_attr_nest_start(h, IFLA_LINKINFO);
	mnl_attr_put_strz(h, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(h, IFLA_INFO_DATA);
	p = mnl_attr_nest_start(h, VETH_INFO_PEER);
	/* The peer's attributes follow its own struct ifinfomsg. */
	pi = (struct ifinfomsg *)((char *)h + h->nlmsg_len);
	memset(pi, 0, sizeof(*pi));
	pi->ifi_family = AF_UNSPEC;
	h->nlmsg_len += MNL_ALIGN(sizeof(*pi));
	mnl_attr_put_strz(h, IFLA_IFNAME, peer);
	mnl_attr_put_u32(h, IFLA_NET_NS_PID, (uint32_t)pid);
	mnl_attr_nest_end(h, p);
	mnl_attr_nest_end(h, data);
	mnl_attr_nest_end(h, info);
	return talk(nl, h, NULL, NULL);
}

int jl_nl_veth_add(struct jl_nl *nl, const char *host, const char *peer, int32_t pid,
		   struct joblet_error **err)
{
	int r = veth_add(nl, host, peer, pid);

	/* A leftover of the same name (a job whose supervisor died): it goes, then once more. */
	if (r == -EEXIST) {
		if ((r = jl_nl_link_del(nl, host, err)) < 0)
			return r;
		r = veth_add(nl, host, peer, pid);
	}
	if (r < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, -r,
					"cannot create the job's interface pair `%s`", host);
	return 0;
}

struct stats_out {
	uint64_t rx, tx;
	int found;
};

static int stats_attr(const struct nlattr *a, void *data)
{
	struct stats_out *o = data;
	struct rtnl_link_stats64 s;

	if (mnl_attr_get_type(a) != IFLA_STATS64 ||
	    mnl_attr_get_payload_len(a) < sizeof(struct rtnl_link_stats64))
		return MNL_CB_OK;
	/* Copied out: an attribute's payload is 4-byte aligned, the struct wants 8. */
	memcpy(&s, mnl_attr_get_payload(a), sizeof(s));
	o->rx = s.rx_bytes;
	o->tx = s.tx_bytes;
	o->found = 1;
	return MNL_CB_OK;
}

static int stats_cb(const struct nlmsghdr *h, void *data)
{
	return mnl_attr_parse(h, sizeof(struct ifinfomsg), stats_attr, data);
}

int jl_nl_link_stats(struct jl_nl *nl, const char *name, uint64_t *ret_rx, uint64_t *ret_tx,
		     struct joblet_error **err)
{
	struct nlmsghdr *h = msg(nl, RTM_GETLINK, 0);
	struct stats_out o = { 0 };
	int r;

	put_ifinfo(h, AF_UNSPEC, 0);
	mnl_attr_put_strz(h, IFLA_IFNAME, name);
	r = talk(nl, h, stats_cb, &o);
	if (r < 0 || !o.found)
		return joblet_error_set(err, JOBLET_E_SYSTEM, r < 0 ? -r : ENODATA,
					"cannot read the counters of interface `%s`", name);
	*ret_rx = o.rx;
	*ret_tx = o.tx;
	return 0;
}

/* Names and aliases of a link dump, as "name\0alias\0" records. */
struct dump {
	const char *prefix;
	char *buf;
	size_t len, cap;
	int nomem;
};

static int dump_cb(const struct nlmsghdr *h, void *data)
{
	struct dump *d = data;
	const struct nlattr *a;
	const char *name = NULL, *alias = NULL;
	size_t need;

	mnl_attr_for_each(a, h, sizeof(struct ifinfomsg))
	{
		if (mnl_attr_get_type(a) == IFLA_IFNAME &&
		    mnl_attr_validate(a, MNL_TYPE_STRING) == 0)
			name = mnl_attr_get_str(a);
		if (mnl_attr_get_type(a) == IFLA_IFALIAS &&
		    mnl_attr_validate(a, MNL_TYPE_STRING) == 0)
			alias = mnl_attr_get_str(a);
	}
	if (!name || !alias || strncmp(alias, d->prefix, strlen(d->prefix)) != 0)
		return MNL_CB_OK;
	need = strlen(name) + strlen(alias) + 2;
	if (d->len + need > d->cap) {
		size_t cap = (d->cap + need) * 2;
		char *n = realloc(d->buf, cap);

		if (!n) {
			d->nomem = 1;
			return MNL_CB_OK;
		}
		d->buf = n;
		d->cap = cap;
	}
	memcpy(d->buf + d->len, name, strlen(name) + 1);
	d->len += strlen(name) + 1;
	memcpy(d->buf + d->len, alias, strlen(alias) + 1);
	d->len += strlen(alias) + 1;
	return MNL_CB_OK;
}

int jl_nl_links_by_alias(struct jl_nl *nl, const char *prefix,
			 int (*fn)(const char *name, const char *alias, void *userdata),
			 void *userdata, struct joblet_error **err)
{
	struct nlmsghdr *h = msg(nl, RTM_GETLINK, NLM_F_DUMP);
	struct dump d = { prefix, NULL, 0, 0, 0 };
	int r;

	put_ifinfo(h, AF_UNSPEC, 0);
	r = talk(nl, h, dump_cb, &d);
	if (r < 0 || d.nomem) {
		free(d.buf);
		return joblet_error_set(err, r < 0 ? JOBLET_E_SYSTEM : JOBLET_E_NOMEM,
					r < 0 ? -r : ENOMEM, "cannot list the network interfaces");
	}
	r = 0;
	for (size_t o = 0; o < d.len && r == 0;) {
		const char *name = d.buf + o, *alias = name + strlen(name) + 1;

		o += strlen(name) + strlen(alias) + 2;
		r = fn(name, alias, userdata);
	}
	free(d.buf);
	return r;
}

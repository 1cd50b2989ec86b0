/*
 * nfbatch.c - an nf_tables transaction written straight as netlink
 * messages through libmnl: a job's table, chain and rules in one batch,
 * all applied or none.
 *
 * A job's start pays for this, so it does not go through libnftables,
 * whose context, ruleset cache and parser cost several milliseconds per
 * call: the rules are few and fixed in shape, and are written here as the
 * kernel's own expressions (meta, payload, bitwise, cmp, limit,
 * immediate).  `nft list table netdev NAME` shows them as rules.
 */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>

#include "net/net_private.h"

struct jl_nfb {
	char *buf;
	size_t size, len;
	uint32_t seq, n_msgs;
	int full;		    /* a message did not fit: jl_nfb_commit() refuses */
	struct nlmsghdr *rule;	    /* the rule being written, or NULL */
	struct nlattr *exprs;	    /* its NFTA_RULE_EXPRESSIONS */
	struct nlattr *elem, *data; /* the expression being written */
};

int jl_nfb_new(size_t n_rules, struct jl_nfb **ret, struct joblet_error **err)
{
	struct jl_nfb *b = calloc(1, sizeof(*b));

	/* Tables and the chain in 1 KiB; a rule is at most twelve expressions, under 1 KiB. */
	if (b) {
		b->size = 1024 + 1024 * n_rules;
		b->buf = malloc(b->size);
	}
	if (!b || !b->buf) {
		free(b);
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	}
	b->seq = (uint32_t)time(NULL);
	*ret = b;
	return 0;
}

void jl_nfb_free(struct jl_nfb *b)
{
	if (!b)
		return;
	free(b->buf);
	free(b);
}

static size_t room(const struct jl_nfb *b, const struct nlmsghdr *h)
{
	return b->size - (size_t)((const char *)h - b->buf);
}

/* A message at the end of the batch; NULL (and b->full) when it cannot fit. */
static struct nlmsghdr *put_msg(struct jl_nfb *b, uint16_t type, uint16_t flags, uint8_t family,
				uint16_t res_id)
{
	struct nlmsghdr *h;
	struct nfgenmsg *g;

	if (b->full || b->size - b->len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*g)) + 64) {
		b->full = 1;
		return NULL;
	}
	h = mnl_nlmsg_put_header(b->buf + b->len);
	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | flags;
	h->nlmsg_seq = b->seq++;
	g = mnl_nlmsg_put_extra_header(h, sizeof(*g));
	g->nfgen_family = family;
	g->version = NFNETLINK_V0;
	g->res_id = htons(res_id);
	return h;
}

static void close_msg(struct jl_nfb *b, struct nlmsghdr *h)
{
	b->len += h->nlmsg_len;
}

static void put(struct jl_nfb *b, struct nlmsghdr *h, uint16_t type, size_t len, const void *data)
{
	if (!b->full && !mnl_attr_put_check(h, room(b, h), type, len, data))
		b->full = 1;
}

static void put_str(struct jl_nfb *b, struct nlmsghdr *h, uint16_t type, const char *s)
{
	put(b, h, type, strlen(s) + 1, s);
}

static void put_u32(struct jl_nfb *b, struct nlmsghdr *h, uint16_t type, uint32_t host)
{
	uint32_t v = htonl(host);

	put(b, h, type, sizeof(v), &v);
}

static void put_u64(struct jl_nfb *b, struct nlmsghdr *h, uint16_t type, uint64_t host)
{
	uint64_t v = ((uint64_t)htonl((uint32_t)host) << 32) | htonl((uint32_t)(host >> 32));

	put(b, h, type, sizeof(v), &v);
}

static struct nlattr *nest(struct jl_nfb *b, struct nlmsghdr *h, uint16_t type)
{
	struct nlattr *a = b->full ? NULL : mnl_attr_nest_start_check(h, room(b, h), type);

	if (!a)
		b->full = 1;
	return a;
}

static void nest_end(struct jl_nfb *b, struct nlmsghdr *h, struct nlattr *a)
{
	if (!b->full && a)
		mnl_attr_nest_end(h, a);
}

/* A message of the batch proper: it asks for an acknowledgement, which jl_nfb_commit() counts. */
static struct nlmsghdr *put_nft(struct jl_nfb *b, uint16_t msg, uint16_t flags)
{
	struct nlmsghdr *h;

	if (b->n_msgs == 0) {
		h = put_msg(b, NFNL_MSG_BATCH_BEGIN, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
		if (!h)
			return NULL;
		close_msg(b, h);
	}
	h = put_msg(b, (uint16_t)((NFNL_SUBSYS_NFTABLES << 8) | msg), NLM_F_ACK | flags,
		    NFPROTO_NETDEV, 0);
	if (h)
		b->n_msgs++;
	return h;
}

void jl_nfb_table(struct jl_nfb *b, int add, const char *table)
{
	struct nlmsghdr *h =
		put_nft(b, add ? NFT_MSG_NEWTABLE : NFT_MSG_DELTABLE, add ? NLM_F_CREATE : 0);

	if (!h)
		return;
	put_str(b, h, NFTA_TABLE_NAME, table);
	if (!b->full)
		close_msg(b, h);
}

void jl_nfb_ingress_chain(struct jl_nfb *b, const char *table, const char *chain, const char *dev,
			  int32_t priority, uint32_t policy)
{
	struct nlmsghdr *h = put_nft(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE);
	struct nlattr *hook;

	if (!h)
		return;
	put_str(b, h, NFTA_CHAIN_TABLE, table);
	put_str(b, h, NFTA_CHAIN_NAME, chain);
	hook = nest(b, h, NFTA_CHAIN_HOOK);
	put_u32(b, h, NFTA_HOOK_HOOKNUM, NF_NETDEV_INGRESS);
	put_u32(b, h, NFTA_HOOK_PRIORITY, (uint32_t)priority);
	put_str(b, h, NFTA_HOOK_DEV, dev);
	nest_end(b, h, hook);
	put_u32(b, h, NFTA_CHAIN_POLICY, policy);
	put_str(b, h, NFTA_CHAIN_TYPE, "filter");
	if (!b->full)
		close_msg(b, h);
}

void jl_nfb_rule_begin(struct jl_nfb *b, const char *table, const char *chain)
{
	struct nlmsghdr *h = put_nft(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);

	b->rule = h;
	if (!h)
		return;
	put_str(b, h, NFTA_RULE_TABLE, table);
	put_str(b, h, NFTA_RULE_CHAIN, chain);
	b->exprs = nest(b, h, NFTA_RULE_EXPRESSIONS);
}

void jl_nfb_rule_end(struct jl_nfb *b)
{
	if (!b->rule)
		return;
	nest_end(b, b->rule, b->exprs);
	if (!b->full)
		close_msg(b, b->rule);
	b->rule = NULL;
}

static struct nlmsghdr *expr_begin(struct jl_nfb *b, const char *name)
{
	struct nlmsghdr *h = b->rule;

	if (!h || b->full) {
		b->full = 1;
		return NULL;
	}
	b->elem = nest(b, h, NFTA_LIST_ELEM);
	put_str(b, h, NFTA_EXPR_NAME, name);
	b->data = nest(b, h, NFTA_EXPR_DATA);
	return b->full ? NULL : h;
}

static void expr_end(struct jl_nfb *b, struct nlmsghdr *h)
{
	nest_end(b, h, b->data);
	nest_end(b, h, b->elem);
}

/* NFTA_DATA_VALUE nested in attribute type. */
static void put_value(struct jl_nfb *b, struct nlmsghdr *h, uint16_t type, const void *data,
		      size_t len)
{
	struct nlattr *a = nest(b, h, type);

	put(b, h, NFTA_DATA_VALUE, len, data);
	nest_end(b, h, a);
}

void jl_nfb_meta(struct jl_nfb *b, uint32_t key)
{
	struct nlmsghdr *h = expr_begin(b, "meta");

	if (!h)
		return;
	put_u32(b, h, NFTA_META_DREG, NFT_REG_1);
	put_u32(b, h, NFTA_META_KEY, key);
	expr_end(b, h);
}

void jl_nfb_payload(struct jl_nfb *b, uint32_t base, uint32_t offset, uint32_t len)
{
	struct nlmsghdr *h = expr_begin(b, "payload");

	if (!h)
		return;
	put_u32(b, h, NFTA_PAYLOAD_DREG, NFT_REG_1);
	put_u32(b, h, NFTA_PAYLOAD_BASE, base);
	put_u32(b, h, NFTA_PAYLOAD_OFFSET, offset);
	put_u32(b, h, NFTA_PAYLOAD_LEN, len);
	expr_end(b, h);
}

void jl_nfb_cmp(struct jl_nfb *b, uint32_t op, const void *data, size_t len)
{
	struct nlmsghdr *h = expr_begin(b, "cmp");

	if (!h)
		return;
	put_u32(b, h, NFTA_CMP_SREG, NFT_REG_1);
	put_u32(b, h, NFTA_CMP_OP, op);
	put_value(b, h, NFTA_CMP_DATA, data, len);
	expr_end(b, h);
}

void jl_nfb_mask(struct jl_nfb *b, const void *mask, size_t len)
{
	static const uint8_t zero[16];
	struct nlmsghdr *h = expr_begin(b, "bitwise");

	if (!h || len > sizeof(zero))
		return;
	put_u32(b, h, NFTA_BITWISE_SREG, NFT_REG_1);
	put_u32(b, h, NFTA_BITWISE_DREG, NFT_REG_1);
	put_u32(b, h, NFTA_BITWISE_LEN, (uint32_t)len);
	put_value(b, h, NFTA_BITWISE_MASK, mask, len);
	put_value(b, h, NFTA_BITWISE_XOR, zero, len);
	expr_end(b, h);
}

void jl_nfb_limit_bytes_over(struct jl_nfb *b, uint64_t bytes_per_second)
{
	struct nlmsghdr *h = expr_begin(b, "limit");

	if (!h)
		return;
	put_u64(b, h, NFTA_LIMIT_RATE, bytes_per_second);
	put_u64(b, h, NFTA_LIMIT_UNIT, 1);
	put_u32(b, h, NFTA_LIMIT_BURST, 0);
	put_u32(b, h, NFTA_LIMIT_TYPE, NFT_LIMIT_PKT_BYTES);
	put_u32(b, h, NFTA_LIMIT_FLAGS, NFT_LIMIT_F_INV);
	expr_end(b, h);
}

void jl_nfb_verdict(struct jl_nfb *b, uint32_t verdict)
{
	struct nlmsghdr *h = expr_begin(b, "immediate");
	struct nlattr *d, *v;

	if (!h)
		return;
	put_u32(b, h, NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
	d = nest(b, h, NFTA_IMMEDIATE_DATA);
	v = nest(b, h, NFTA_DATA_VERDICT);
	put_u32(b, h, NFTA_VERDICT_CODE, verdict);
	nest_end(b, h, v);
	nest_end(b, h, d);
	expr_end(b, h);
}

const void *jl_nfb_data(const struct jl_nfb *b, size_t *ret_len)
{
	*ret_len = b->len;
	return b->full ? NULL : b->buf;
}

/* Count the acknowledgements of one read; the first error's errno into *first_err. */
static void acks(const void *buf, size_t n, uint32_t *count, int *first_err)
{
	const struct nlmsghdr *h = buf;
	int len = (int)n;

	for (; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
		const struct nlmsgerr *e;

		if (h->nlmsg_type != NLMSG_ERROR ||
		    h->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(struct nlmsgerr))
			continue;
		e = mnl_nlmsg_get_payload(h);
		(*count)++;
		if (e->error < 0 && *first_err == 0)
			*first_err = -e->error;
	}
}

int jl_nfb_commit(struct jl_nfb *b, struct joblet_error **err)
{
	struct mnl_socket *sk;
	struct nlmsghdr *end;
	uint32_t n_acks = 0;
	int first_err = 0;
	uint32_t rbuf[2048]; /* netlink messages are 4-byte aligned */
	ssize_t n;

	if (b->n_msgs == 0)
		return 0;
	end = put_msg(b, NFNL_MSG_BATCH_END, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
	if (b->full || !end)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"the job's nftables rules do not fit their buffer");
	close_msg(b, end);
	sk = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!sk || mnl_socket_bind(sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		if (sk)
			mnl_socket_close(sk);
		return joblet_error_set(err, JOBLET_E_SYSTEM, e, "cannot open a netfilter socket");
	}
	/*
	 * The kernel runs the batch while sendto() is in it, then queues one
	 * answer per message that asked (an error or 0): when it returns, every
	 * answer is there to read without waiting.
	 */
	if (mnl_socket_sendto(sk, b->buf, b->len) < 0) {
		int e = errno;

		mnl_socket_close(sk);
		return joblet_error_set(err, JOBLET_E_SYSTEM, e,
					"cannot send the job's nftables rules");
	}
	while ((n = recv(mnl_socket_get_fd(sk), rbuf, sizeof(rbuf), MSG_DONTWAIT)) > 0)
		acks(rbuf, (size_t)n, &n_acks, &first_err);
	mnl_socket_close(sk);
	if (first_err)
		return joblet_error_set(err, JOBLET_E_SYSTEM, first_err,
					"nftables refused the job network's rules");
	if (n_acks != b->n_msgs)
		return joblet_error_set(
			err, JOBLET_E_SYSTEM, EPROTO,
			"nftables answered %u of the %u messages of the job's rules", n_acks,
			b->n_msgs);
	return 0;
}

int jl_net_nft_drop_table(const char *name, struct joblet_error **err)
{
	struct jl_nfb *b = NULL;
	int r;

	if ((r = jl_nfb_new(0, &b, err)) < 0)
		return r;
	/* Add, then delete: deleting what is not there is success. */
	jl_nfb_table(b, 1, name);
	jl_nfb_table(b, 0, name);
	r = jl_nfb_commit(b, err);
	jl_nfb_free(b);
	return r;
}

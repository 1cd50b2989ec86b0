/*
 * net/net_private.h - what the files of core/net share: value checks and
 * the netlink and nftables helpers.  Not for callers outside core/net.
 */
#ifndef JL_NET_PRIVATE_H
#define JL_NET_PRIVATE_H

#include <arpa/inet.h>
#include <stdint.h>

#include "net/net.h"

#define JL_NET_TABLE_MAX 24

/* Checks: 0, or JOBLET_E_INVALID saying what the name may hold. */
int jl_net_check_table(const char *table, struct joblet_error **err);
int jl_net_check_ifname(const char *name, struct joblet_error **err);

/* Parsing IPv4 text to host order: 0 or -1. */
int jl_net_parse_ip(const char *s, uint32_t *ret);
int jl_net_parse_cidr(const char *s, uint32_t *ret_addr, uint32_t *ret_prefix);
uint32_t jl_net_mask(uint32_t prefix);
void jl_net_ip_text(uint32_t addr, char ret[INET_ADDRSTRLEN]);

/* The elements network n adds to (up) or removes from the daemon's sets. */
int jl_net_network_rules(const struct jl_net_host *h, const struct jl_net_network *n, int up,
			 char **ret_text, struct joblet_error **err);

/* The bridge's ingress chain that keeps the kernel's ingress hook on (up), or its removal. */
int jl_net_bridge_hook_rules(const struct jl_net_host *h, const struct jl_net_network *n, int up,
			     char **ret_text, struct joblet_error **err);

/* nft.c (libnftables, the daemon's side): run a script in one transaction; *ret_out (may be NULL)
 * gets what it printed. */
int jl_net_nft_run(const char *script, char **ret_out, struct joblet_error **err);

/*
 * nfbatch.c: one nf_tables transaction (family netdev) written as netlink
 * messages.  The writers never fail: a batch that outgrew the room asked
 * for at jl_nfb_new() (n_rules rules of at most twelve expressions, beside
 * tables and a chain) is refused by jl_nfb_commit().  A rule is
 * jl_nfb_rule_begin(), expressions on register 1, jl_nfb_rule_end().
 */
int jl_nfb_new(size_t n_rules, struct jl_nfb **ret, struct joblet_error **err);
void jl_nfb_table(struct jl_nfb *b, int add, const char *table);
void jl_nfb_ingress_chain(struct jl_nfb *b, const char *table, const char *chain, const char *dev,
			  int32_t priority, uint32_t policy);
void jl_nfb_rule_begin(struct jl_nfb *b, const char *table, const char *chain);
void jl_nfb_meta(struct jl_nfb *b, uint32_t key);
void jl_nfb_payload(struct jl_nfb *b, uint32_t base, uint32_t offset, uint32_t len);
void jl_nfb_mask(struct jl_nfb *b, const void *mask, size_t len);
void jl_nfb_cmp(struct jl_nfb *b, uint32_t op, const void *data, size_t len);
void jl_nfb_limit_bytes_over(struct jl_nfb *b, uint64_t bytes_per_second);
void jl_nfb_verdict(struct jl_nfb *b, uint32_t verdict);
void jl_nfb_rule_end(struct jl_nfb *b);
/* The messages written so far (for tests); NULL when the batch outgrew its room. */
const void *jl_nfb_data(const struct jl_nfb *b, size_t *ret_len);
/* Send the batch and read the kernel's answers: 0, or the first error it gave. */
int jl_nfb_commit(struct jl_nfb *b, struct joblet_error **err);
/* Delete netdev table name; one that is not there is success. */
int jl_net_nft_drop_table(const char *name, struct joblet_error **err);

/* netlink.c (rtnetlink through libmnl), in the calling thread's network namespace. */
struct jl_nl;
int jl_nl_open(struct jl_nl **ret, struct joblet_error **err);
/*
 * A socket in the network namespace of process pid: the calling thread
 * enters it only to make the socket, then returns (or aborts: it never goes
 * on in the other namespace).
 */
int jl_nl_open_ns(int32_t pid, struct jl_nl **ret, struct joblet_error **err);
void jl_nl_close(struct jl_nl *nl);
/* ifindex of name, 0 when there is none. */
int jl_nl_ifindex(struct jl_nl *nl, const char *name, uint32_t *ret, struct joblet_error **err);
int jl_nl_bridge_add(struct jl_nl *nl, const char *name, struct joblet_error **err);
int jl_nl_link_del(struct jl_nl *nl, const char *name, struct joblet_error **err);
/* Up (ifindex, or name when ifindex is 0), and (when master > 0) enslaved to master, with the alias
 * when not NULL. */
int jl_nl_link_set(struct jl_nl *nl, uint32_t ifindex, const char *name, uint32_t master,
		   const char *alias, struct joblet_error **err);
int jl_nl_port_isolate(struct jl_nl *nl, uint32_t ifindex, struct joblet_error **err);
int jl_nl_addr_add(struct jl_nl *nl, uint32_t ifindex, uint32_t addr, uint32_t prefix,
		   struct joblet_error **err);
int jl_nl_route_default(struct jl_nl *nl, uint32_t ifindex, uint32_t gw, struct joblet_error **err);
/* A veth pair: host on this side, peer made in the network namespace of pid; a leftover named host
 * goes first. */
int jl_nl_veth_add(struct jl_nl *nl, const char *host, const char *peer, int32_t pid,
		   struct joblet_error **err);
int jl_nl_link_stats(struct jl_nl *nl, const char *name, uint64_t *ret_rx, uint64_t *ret_tx,
		     struct joblet_error **err);
/* Every link whose alias starts with prefix: callback with its name and alias. */
int jl_nl_links_by_alias(struct jl_nl *nl, const char *prefix,
			 int (*fn)(const char *name, const char *alias, void *userdata),
			 void *userdata, struct joblet_error **err);

#endif /* JL_NET_PRIVATE_H */

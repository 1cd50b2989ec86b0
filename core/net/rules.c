/*
 * rules.c - the nftables text of the daemon's table (for libnftables), each
 * job's egress chain (as an nf_tables batch, nfbatch.c), and the checks of
 * every value put into either.
 *
 * Nothing a user or the spec file gives goes into the daemon's script as
 * text: addresses and ports are parsed to numbers and written back, names
 * are checked against a narrow set of characters first.
 */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net_private.h"

static int name_ok(const char *s, size_t max, const char *extra)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > max)
		return 0;
	for (const char *c = s; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || (*c && strchr(extra, *c))))
			return 0;
	return 1;
}

int jl_net_check_table(const char *table, struct joblet_error **err)
{
	if (!name_ok(table, JL_NET_TABLE_MAX, "_") ||
	    !((table[0] >= 'a' && table[0] <= 'z') || (table[0] >= 'A' && table[0] <= 'Z')))
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"`%s` cannot name an nftables table: use 1 to 24 letters, digits or `_`, starting with a letter",
			table ? table : "");
	return 0;
}

int jl_net_check_ifname(const char *name, struct joblet_error **err)
{
	if (!name_ok(name, 15, "_.-") || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"`%s` cannot name a network interface: use 1 to 15 letters, digits, `_`, `.` or `-`",
			name ? name : "");
	return 0;
}

int jl_net_job_ifname(const char *short_id, char ret[16], struct joblet_error **err)
{
	if (!name_ok(short_id, 12, ""))
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"`%s` is not a job's short id (letters and digits)",
					short_id ? short_id : "");
	snprintf(ret, 16, "jv%s", short_id);
	return 0;
}

int jl_net_parse_ip(const char *s, uint32_t *ret)
{
	struct in_addr a;

	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*ret = ntohl(a.s_addr);
	return 0;
}

int jl_net_parse_cidr(const char *s, uint32_t *ret_addr, uint32_t *ret_prefix)
{
	char ip[INET_ADDRSTRLEN];
	const char *slash = s ? strchr(s, '/') : NULL;
	char *end;
	long p;

	if (!slash || (size_t)(slash - s) >= sizeof(ip) || !slash[1])
		return -1;
	memcpy(ip, s, (size_t)(slash - s));
	ip[slash - s] = '\0';
	errno = 0;
	p = strtol(slash + 1, &end, 10);
	if (errno || *end || p < 0 || p > 32 || slash[1] == '+' || slash[1] == '-' ||
	    slash[1] == ' ')
		return -1;
	if (jl_net_parse_ip(ip, ret_addr) < 0)
		return -1;
	*ret_prefix = (uint32_t)p;
	return 0;
}

uint32_t jl_net_mask(uint32_t prefix)
{
	return prefix == 0 ? 0 : UINT32_C(0xffffffff) << (32 - prefix);
}

void jl_net_ip_text(uint32_t addr, char ret[INET_ADDRSTRLEN])
{
	snprintf(ret, INET_ADDRSTRLEN, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff,
		 (addr >> 8) & 0xff, addr & 0xff);
}

static int parse_port(const char *s, const char *end, uint32_t *ret)
{
	uint32_t v = 0;

	if (s == end || end - s > 5)
		return -1;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (uint32_t)(*s - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*ret = v;
	return 0;
}

int jl_net_allow_parse(const char *text, struct jl_net_allow *ret, struct joblet_error **err)
{
	char cidr[INET_ADDRSTRLEN + 4];
	const char *colon = text ? strchr(text, ':') : NULL;
	size_t n = colon ? (size_t)(colon - text) : (text ? strlen(text) : 0);
	struct jl_net_allow a = { 0 };
	const char *dash;

	if (!text || n == 0 || n >= sizeof(cidr))
		goto bad;
	memcpy(cidr, text, n);
	cidr[n] = '\0';
	if (strchr(cidr, '/')) {
		if (jl_net_parse_cidr(cidr, &a.addr, &a.prefix) < 0)
			goto bad;
	} else if (jl_net_parse_ip(cidr, &a.addr) == 0)
		a.prefix = 32;
	else
		goto bad;
	if (a.addr & ~jl_net_mask(a.prefix))
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"allow entry `%s` has host bits set after the prefix: give the network's first address",
			text);
	if (colon) {
		const char *end = colon + 1 + strlen(colon + 1);

		dash = strchr(colon + 1, '-');
		if (parse_port(colon + 1, dash ? dash : end, &a.port_lo) < 0 ||
		    (dash && parse_port(dash + 1, end, &a.port_hi) < 0))
			goto bad;
		if (!dash)
			a.port_hi = a.port_lo;
		if (a.port_hi < a.port_lo)
			goto bad;
	}
	*ret = a;
	return 0;
bad:
	return joblet_error_set(
		err, JOBLET_E_INVALID, 0,
		"allow entry `%s` is not CIDR[:PORT[-PORT]] (e.g. 10.0.0.0/8, 1.2.3.4:443, 1.2.3.4/32:8000-8080)",
		text ? text : "");
}

/* "{ a, b }" of dns into f, each checked; 0 entries writes nothing and returns 0. */
static int dns_set(FILE *f, const char *const *dns, size_t n, struct joblet_error **err)
{
	char t[INET_ADDRSTRLEN];
	uint32_t a;

	for (size_t i = 0; i < n; i++) {
		if (jl_net_parse_ip(dns[i], &a) < 0)
			return joblet_error_set(err, JOBLET_E_INVALID, 0,
						"DNS server `%s` is not an IPv4 address",
						dns[i] ? dns[i] : "");
		jl_net_ip_text(a, t);
		fprintf(f, "%s%s", i ? ", " : "{ ", t);
	}
	if (n)
		fputs(" }", f);
	return 0;
}

int jl_net_host_rules(const struct jl_net_host *h, char **ret_text, struct joblet_error **err)
{
	const char *t = h->table;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	if ((r = jl_net_check_table(t, err)) < 0)
		return r;
	if (!(f = open_memstream(&buf, &len)))
		return joblet_error_set(err, JOBLET_E_NOMEM, errno, "out of memory");
	fprintf(f,
		"add table inet %1$s\n"
		"add set inet %1$s bridges { type ifname ; }\n"
		"add set inet %1$s nets { type ipv4_addr ; flags interval ; }\n"
		"add set inet %1$s dns { type ipv4_addr ; }\n"
		"add set inet %1$s peers { type ifname . ifname ; }\n"
		"flush set inet %1$s dns\n",
		t);
	if (h->n_dns) {
		fprintf(f, "add element inet %s dns ", t);
		if ((r = dns_set(f, h->dns, h->n_dns, err)) < 0) {
			fclose(f);
			free(buf);
			return r;
		}
		fputc('\n', f);
	}
	fprintf(f,
		"add chain inet %1$s input { type filter hook input priority -10 ; policy accept ; }\n"
		"add chain inet %1$s forward { type filter hook forward priority -10 ; policy accept ; }\n"
		"add chain inet %1$s postrouting { type nat hook postrouting priority 100 ; policy accept ; }\n"
		"flush chain inet %1$s input\n"
		"flush chain inet %1$s forward\n"
		"flush chain inet %1$s postrouting\n"
		"add rule inet %1$s input iifname @bridges ip daddr @dns meta l4proto { tcp, udp } th dport 53 accept\n"
		"add rule inet %1$s input iifname @bridges drop\n"
		"add rule inet %1$s forward iifname @bridges ip daddr 169.254.0.0/16 drop\n"
		"add rule inet %1$s forward iifname @bridges meta nfproto ipv6 drop\n"
		"add rule inet %1$s forward iifname . oifname @peers accept\n"
		"add rule inet %1$s forward iifname @bridges oifname @bridges drop\n"
		"add rule inet %1$s forward oifname @bridges ct state established,related accept\n"
		"add rule inet %1$s forward oifname @bridges drop\n"
		"add rule inet %1$s postrouting ip saddr @nets oifname != @bridges masquerade\n",
		t);
	if (fclose(f) != 0 || !buf) {
		free(buf);
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	}
	*ret_text = buf;
	return 0;
}

/*
 * The bridges' netdev table "<table>_net", a chain "b_<bridge>" for each:
 * ingress on it, no rule, policy accept.  It judges nothing: while it is
 * there the kernel's ingress hook stays switched on, so that a job's start
 * (its table's ingress chain) does not pay for patching it in, nor its end
 * for patching it out.  Up: made; down: made then deleted (the bridge must
 * exist for either).
 */
int jl_net_bridge_hook_rules(const struct jl_net_host *h, const struct jl_net_network *n, int up,
			     char **ret_text, struct joblet_error **err)
{
#define HOOK_UP                                                                                    \
	"add table netdev %1$s_net\n"                                                              \
	"add chain netdev %1$s_net b_%2$s { type filter hook ingress device \"%2$s\" priority 0 ; policy accept ; }\n"
	int r;

	if ((r = jl_net_check_table(h->table, err)) < 0 ||
	    (r = jl_net_check_ifname(n->bridge, err)) < 0)
		return r;
	if (asprintf(ret_text, up ? HOOK_UP : HOOK_UP "delete chain netdev %1$s_net b_%2$s\n",
		     h->table, n->bridge) < 0) {
		*ret_text = NULL;
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	}
	return 0;
#undef HOOK_UP
}

int jl_net_network_rules(const struct jl_net_host *h, const struct jl_net_network *n, int up,
			 char **ret_text, struct joblet_error **err)
{
	char ip[INET_ADDRSTRLEN];
	uint32_t addr, prefix;
	int r;

	if ((r = jl_net_check_table(h->table, err)) < 0 ||
	    (r = jl_net_check_ifname(n->bridge, err)) < 0)
		return r;
	if (jl_net_parse_cidr(n->cidr, &addr, &prefix) < 0 || prefix < 8 || prefix > 30)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"`%s` is not an IPv4 CIDR from /8 to /30 (e.g. 10.30.0.0/24)",
			n->cidr ? n->cidr : "");
	jl_net_ip_text(addr & jl_net_mask(prefix), ip);
	/*
	 * Down: add then delete, so that deleting what is not there is success.
	 * peers: the jobs of a network that is not isolated reach each other
	 * also where the bridge hands its frames to the IP hooks (br_netfilter).
	 */
	if (up && asprintf(ret_text,
			   "add element inet %1$s bridges { \"%2$s\" }\n"
			   "add element inet %1$s nets { %3$s/%4$u }\n",
			   h->table, n->bridge, ip, prefix) < 0)
		goto oom;
	if (up && !n->isolated_ports) {
		char *more = NULL;

		if (asprintf(&more, "%1$sadd element inet %2$s peers { \"%3$s\" . \"%3$s\" }\n",
			     *ret_text, h->table, n->bridge) < 0) {
			free(*ret_text);
			goto oom;
		}
		free(*ret_text);
		*ret_text = more;
	}
	if (up)
		return 0;
	if (asprintf(ret_text,
		     "add element inet %1$s bridges { \"%2$s\" }\n"
		     "add element inet %1$s nets { %3$s/%4$u }\n"
		     "add element inet %1$s peers { \"%2$s\" . \"%2$s\" }\n"
		     "delete element inet %1$s bridges { \"%2$s\" }\n"
		     "delete element inet %1$s nets { %3$s/%4$u }\n"
		     "delete element inet %1$s peers { \"%2$s\" . \"%2$s\" }\n",
		     h->table, n->bridge, ip, prefix) < 0)
		goto oom;
	return 0;
oom:
	*ret_text = NULL;
	return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
}

/* Everything of j checked; *ret_addr and *ret_gw parsed. */
static int check_job(const struct jl_net_job *j, uint32_t *ret_addr, uint32_t *ret_prefix,
		     uint32_t *ret_gw, struct joblet_error **err)
{
	char ifname[16];
	struct jl_net_allow a;
	uint32_t dns;
	int r;

	if ((r = jl_net_check_table(j->table, err)) < 0 ||
	    (r = jl_net_check_ifname(j->bridge, err)) < 0 ||
	    (r = jl_net_job_ifname(j->short_id, ifname, err)) < 0)
		return r;
	if (jl_net_parse_cidr(j->address, ret_addr, ret_prefix) < 0 || *ret_prefix < 8 ||
	    *ret_prefix > 30)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"the job's address `%s` is not ADDRESS/PREFIX (IPv4, /8 to /30)",
			j->address ? j->address : "");
	if (jl_net_parse_ip(j->gateway, ret_gw) < 0)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"the job's gateway `%s` is not an IPv4 address",
					j->gateway ? j->gateway : "");
	if (j->max_net_bps < 0)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"the job's network rate %lld is negative",
					(long long)j->max_net_bps);
	for (size_t i = 0; i < j->n_dns; i++)
		if (jl_net_parse_ip(j->dns[i], &dns) < 0)
			return joblet_error_set(err, JOBLET_E_INVALID, 0,
						"DNS server `%s` is not an IPv4 address",
						j->dns[i] ? j->dns[i] : "");
	for (size_t i = 0; i < j->n_allow; i++)
		if ((r = jl_net_allow_parse(j->allow[i], &a, err)) < 0)
			return r;
	return 0;
}

/*
 * The rules' matches, as nft writes them for an IPv4 frame at the netdev
 * ingress hook: payload offsets in the network header (12 source, 16
 * destination) and the transport header (2 destination port).
 */
#define IP_SADDR 12
#define IP_DADDR 16

static void match_ethertype(struct jl_nfb *b, uint32_t op, uint16_t type)
{
	uint16_t v = htons(type);

	jl_nfb_meta(b, NFT_META_PROTOCOL);
	jl_nfb_cmp(b, op, &v, sizeof(v));
}

/*
 * An IPv4 packet whose address at offset (IP_SADDR, IP_DADDR) is in
 * addr/prefix (op NFT_CMP_EQ) or not (NEQ).  The protocol is matched as nft
 * does, though earlier rules dropped all else: each rule stands alone, and
 * `nft list` shows it as `ip daddr ...`.
 */
static void match_ip(struct jl_nfb *b, uint32_t offset, uint32_t op, uint32_t addr, uint32_t prefix)
{
	uint32_t mask = htonl(jl_net_mask(prefix)), net = htonl(addr & jl_net_mask(prefix));
	/* Whole bytes of a prefix on a byte boundary, else the address masked, as nft does. */
	uint32_t nbytes = prefix % 8 ? 4 : prefix / 8;

	match_ethertype(b, NFT_CMP_EQ, ETH_P_IP);
	if (prefix == 0)
		return;
	jl_nfb_payload(b, NFT_PAYLOAD_NETWORK_HEADER, offset, nbytes);
	if (prefix % 8)
		jl_nfb_mask(b, &mask, nbytes);
	jl_nfb_cmp(b, op, &net, nbytes);
}

static void match_l4_dport(struct jl_nfb *b, uint8_t proto, uint32_t lo, uint32_t hi)
{
	uint16_t l = htons((uint16_t)lo), h = htons((uint16_t)hi);

	jl_nfb_meta(b, NFT_META_L4PROTO);
	jl_nfb_cmp(b, NFT_CMP_EQ, &proto, sizeof(proto));
	jl_nfb_payload(b, NFT_PAYLOAD_TRANSPORT_HEADER, 2, sizeof(l));
	if (lo == hi) {
		jl_nfb_cmp(b, NFT_CMP_EQ, &l, sizeof(l));
		return;
	}
	jl_nfb_cmp(b, NFT_CMP_GTE, &l, sizeof(l));
	jl_nfb_cmp(b, NFT_CMP_LTE, &h, sizeof(h));
}

/* A rule: the destination in addr/prefix, for TCP and UDP to ports lo-hi (0: any), then verdict. */
static void rule_to(struct jl_nfb *b, const char *tbl, uint32_t addr, uint32_t prefix, uint32_t lo,
		    uint32_t hi, uint32_t verdict)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP };

	if (lo == 0) {
		jl_nfb_rule_begin(b, tbl, "egress");
		match_ip(b, IP_DADDR, NFT_CMP_EQ, addr, prefix);
		jl_nfb_verdict(b, verdict);
		jl_nfb_rule_end(b);
		return;
	}
	for (size_t i = 0; i < sizeof(protos); i++) {
		jl_nfb_rule_begin(b, tbl, "egress");
		match_ip(b, IP_DADDR, NFT_CMP_EQ, addr, prefix);
		match_l4_dport(b, protos[i], lo, hi);
		jl_nfb_verdict(b, verdict);
		jl_nfb_rule_end(b);
	}
}

/*
 * netdev ingress on the host side of the job's veth: every frame the job
 * sends, bridged to a peer or routed out, before the bridge or the routing
 * sees it.  Stateless: only what the job sends is judged.  In order:
 * ARP for its own address; nothing but IPv4; its own source address; never
 * this network, loopback, link-local (cloud metadata) or multicast and
 * above; the rate; its resolvers on port 53; never the gateway (the host);
 * then the allow-list, or everything else when there is none.
 */
static void job_rules_write(struct jl_nfb *b, const struct jl_net_job *j, const char *tbl,
			    const char *ifname, uint32_t addr, uint32_t gw)
{
	static const struct {
		uint32_t addr, prefix;
	} never[] = { { 0x00000000, 8 }, { 0x7f000000, 8 }, { 0xa9fe0000, 16 }, { 0xe0000000, 3 } };
	uint32_t ip = htonl(addr);
	struct jl_net_allow a;

	/* Add, delete and add again: a leftover table of the same name goes in the same batch. */
	jl_nfb_table(b, 1, tbl);
	jl_nfb_table(b, 0, tbl);
	jl_nfb_table(b, 1, tbl);
	jl_nfb_ingress_chain(b, tbl, "egress", ifname, -500, NF_DROP);

	jl_nfb_rule_begin(b, tbl, "egress");
	match_ethertype(b, NFT_CMP_EQ, ETH_P_ARP);
	jl_nfb_payload(b, NFT_PAYLOAD_NETWORK_HEADER, 14, sizeof(ip)); /* the sender's address */
	jl_nfb_cmp(b, NFT_CMP_EQ, &ip, sizeof(ip));
	jl_nfb_verdict(b, NF_ACCEPT);
	jl_nfb_rule_end(b);

	jl_nfb_rule_begin(b, tbl, "egress");
	match_ethertype(b, NFT_CMP_NEQ, ETH_P_IP);
	jl_nfb_verdict(b, NF_DROP);
	jl_nfb_rule_end(b);

	jl_nfb_rule_begin(b, tbl, "egress");
	match_ip(b, IP_SADDR, NFT_CMP_NEQ, addr, 32);
	jl_nfb_verdict(b, NF_DROP);
	jl_nfb_rule_end(b);

	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		rule_to(b, tbl, never[i].addr, never[i].prefix, 0, 0, NF_DROP);

	if (j->max_net_bps > 0) {
		jl_nfb_rule_begin(b, tbl, "egress");
		jl_nfb_limit_bytes_over(b, (uint64_t)j->max_net_bps);
		jl_nfb_verdict(b, NF_DROP);
		jl_nfb_rule_end(b);
	}
	for (size_t i = 0; i < j->n_dns; i++) {
		uint32_t dns = 0;

		jl_net_parse_ip(j->dns[i], &dns);
		rule_to(b, tbl, dns, 32, 53, 53, NF_ACCEPT);
	}
	/* The gateway is the host: never, whatever the allow-list says. */
	rule_to(b, tbl, gw, 32, 0, 0, NF_DROP);

	for (size_t i = 0; i < j->n_allow; i++) {
		jl_net_allow_parse(j->allow[i], &a, NULL);
		rule_to(b, tbl, a.addr, a.prefix, a.port_lo, a.port_hi, NF_ACCEPT);
	}
	if (j->n_allow == 0) {
		jl_nfb_rule_begin(b, tbl, "egress");
		jl_nfb_verdict(b, NF_ACCEPT);
		jl_nfb_rule_end(b);
	}
}

int jl_net_job_rules(const struct jl_net_job *j, struct jl_nfb **ret, struct joblet_error **err)
{
	char tbl[JL_NET_TABLE_MAX + 16], ifname[16];
	uint32_t addr = 0, prefix = 0, gw = 0;
	struct jl_nfb *b = NULL;
	int r;

	if ((r = check_job(j, &addr, &prefix, &gw, err)) < 0)
		return r;
	if (!ret)
		return 0;
	jl_net_job_ifname(j->short_id, ifname, NULL);
	snprintf(tbl, sizeof(tbl), "%s_j%s", j->table, j->short_id);
	/* At most two rules for each resolver and allow entry, and twelve others. */
	if ((r = jl_nfb_new(12 + 2 * (j->n_dns + j->n_allow), &b, err)) < 0)
		return r;
	job_rules_write(b, j, tbl, ifname, addr, gw);
	*ret = b;
	return 0;
}

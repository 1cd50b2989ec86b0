/*
 * rules.c - the nftables text of the daemon's table and of each job's
 * egress chain, and the checks of every value put into it.
 *
 * libnftables takes a script; nothing a user or the spec file gives goes
 * into it as text: addresses and ports are parsed to numbers and written
 * back, names are checked against a narrow set of characters first.
 */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
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

/* The allow-list as rules of chain `egress`. */
static int allow_rules(FILE *f, const char *tbl, const struct jl_net_job *j,
		       struct joblet_error **err)
{
	char ip[INET_ADDRSTRLEN];
	struct jl_net_allow a;
	int r;

	if (j->n_allow == 0) {
		fprintf(f, "add rule netdev %s egress accept\n", tbl);
		return 0;
	}
	for (size_t i = 0; i < j->n_allow; i++) {
		if ((r = jl_net_allow_parse(j->allow[i], &a, err)) < 0)
			return r;
		jl_net_ip_text(a.addr, ip);
		fprintf(f, "add rule netdev %s egress ip daddr %s/%u", tbl, ip, a.prefix);
		if (a.port_lo == 0)
			fputs(" accept\n", f);
		else if (a.port_lo == a.port_hi)
			fprintf(f, " meta l4proto { tcp, udp } th dport %u accept\n", a.port_lo);
		else
			fprintf(f, " meta l4proto { tcp, udp } th dport %u-%u accept\n", a.port_lo,
				a.port_hi);
	}
	return 0;
}

/* Everything of j checked; *ret_addr and *ret_gw parsed. */
static int check_job(const struct jl_net_job *j, uint32_t *ret_addr, uint32_t *ret_prefix,
		     uint32_t *ret_gw, struct joblet_error **err)
{
	char ifname[16];
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
	return 0;
}

/*
 * netdev ingress on the host side of the job's veth: every frame the job
 * sends, bridged to a peer or routed out, before the bridge or the routing
 * sees it.  Stateless: only what the job sends is judged.
 */
static int job_rules_write(FILE *f, const struct jl_net_job *j, struct joblet_error **err)
{
	char tbl[JL_NET_TABLE_MAX + 16], ifname[16], ip[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN];
	uint32_t addr = 0, prefix = 0, gwa = 0;
	int r;

	if ((r = check_job(j, &addr, &prefix, &gwa, err)) < 0)
		return r;
	jl_net_job_ifname(j->short_id, ifname, NULL);
	snprintf(tbl, sizeof(tbl), "%s_j%s", j->table, j->short_id);
	jl_net_ip_text(addr, ip);
	jl_net_ip_text(gwa, gw);
	/* Add, delete and add again: a leftover table of the same name goes in the same batch. */
	fprintf(f,
		"add table netdev %1$s\n"
		"delete table netdev %1$s\n"
		"add table netdev %1$s\n"
		"add chain netdev %1$s egress { type filter hook ingress device \"%2$s\" priority -500 ; policy drop ; }\n"
		"add rule netdev %1$s egress meta protocol arp arp saddr ip %3$s accept\n"
		"add rule netdev %1$s egress meta protocol != ip drop\n"
		"add rule netdev %1$s egress ip saddr != %3$s drop\n"
		"add rule netdev %1$s egress ip daddr { 0.0.0.0/8, 127.0.0.0/8, 169.254.0.0/16, 224.0.0.0-255.255.255.255 } drop\n",
		tbl, ifname, ip);
	if (j->max_net_bps > 0)
		fprintf(f, "add rule netdev %s egress limit rate over %lld bytes/second drop\n",
			tbl, (long long)j->max_net_bps);
	if (j->n_dns) {
		fprintf(f, "add rule netdev %s egress ip daddr ", tbl);
		if ((r = dns_set(f, j->dns, j->n_dns, err)) < 0)
			return r;
		fputs(" meta l4proto { tcp, udp } th dport 53 accept\n", f);
	}
	/* The gateway is the host: never, whatever the allow-list says. */
	fprintf(f, "add rule netdev %s egress ip daddr %s drop\n", tbl, gw);
	return allow_rules(f, tbl, j, err);
}

int jl_net_job_rules(const struct jl_net_job *j, char **ret_text, struct joblet_error **err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r;

	if (!f)
		return joblet_error_set(err, JOBLET_E_NOMEM, errno, "out of memory");
	r = job_rules_write(f, j, err);
	if (fclose(f) != 0 && r == 0)
		r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret_text = buf;
	return 0;
}

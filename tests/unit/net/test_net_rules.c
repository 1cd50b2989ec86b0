/*
 * test_net_rules.c - core/net/rules.c: the allow-list entry parser, the
 * checks of every value put into nftables rules, the daemon's script and
 * the shape of a job's batch.  No root, no network: only memory.
 */
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "jl_test.h"
#include "net/net_private.h"

static int allow_ok(const char *s, uint32_t addr, uint32_t prefix, uint32_t lo, uint32_t hi)
{
	struct jl_net_allow a;
	struct joblet_error *e = NULL;

	if (jl_net_allow_parse(s, &a, &e) < 0) {
		joblet_error_free(e);
		return 0;
	}
	return a.addr == addr && a.prefix == prefix && a.port_lo == lo && a.port_hi == hi;
}

static int allow_bad(const char *s)
{
	struct jl_net_allow a;
	struct joblet_error *e = NULL;
	int r = jl_net_allow_parse(s, &a, &e);

	if (r == 0)
		return 0;
	r = e->code == JOBLET_E_INVALID && strstr(joblet_error_message(e), "allow");
	joblet_error_free(e);
	return r;
}

START_TEST(test_allow_parse)
{
	ck_assert(allow_ok("10.0.0.0/8", 0x0a000000, 8, 0, 0));
	ck_assert(allow_ok("1.2.3.4", 0x01020304, 32, 0, 0));
	ck_assert(allow_ok("1.2.3.4:443", 0x01020304, 32, 443, 443));
	ck_assert(allow_ok("1.2.3.4/32:8000-8080", 0x01020304, 32, 8000, 8080));
	ck_assert(allow_ok("0.0.0.0/0", 0, 0, 0, 0));
	ck_assert(allow_ok("192.168.1.0/24:1-65535", 0xc0a80100, 24, 1, 65535));
	ck_assert(allow_bad(""));
	ck_assert(allow_bad(NULL));
	ck_assert(allow_bad("10.0.0.1/8")); /* host bits */
	ck_assert(allow_bad("10.0.0.0/33"));
	ck_assert(allow_bad("10.0.0.0/-1"));
	ck_assert(allow_bad("10.0.0.0/ 8"));
	ck_assert(allow_bad("10.0.0.0/"));
	ck_assert(allow_bad("10.0.0"));
	ck_assert(allow_bad("example.com"));
	ck_assert(allow_bad("::1"));
	ck_assert(allow_bad("1.2.3.4:"));
	ck_assert(allow_bad("1.2.3.4:0"));
	ck_assert(allow_bad("1.2.3.4:65536"));
	ck_assert(allow_bad("1.2.3.4:80-"));
	ck_assert(allow_bad("1.2.3.4:90-80"));
	ck_assert(allow_bad("1.2.3.4:80-90-100"));
	ck_assert(allow_bad("1.2.3.4:+80"));
	ck_assert(allow_bad("1.2.3.4:80 accept"));
	ck_assert(allow_bad("1.2.3.4; flush ruleset"));
	ck_assert(allow_bad("1.2.3.4/32:80\naccept"));
}
END_TEST

static struct jl_net_job job(void)
{
	static const char *const allow[] = { "10.1.0.0/16:443", "1.2.3.4/32:8000-8080", "5.6.7.8" };
	static const char *const dns[] = { "192.0.2.53" };

	return (struct jl_net_job){ .id = "0a1b2c3d-0000",
				    .short_id = "0a1b2c3d",
				    .table = "joblet",
				    .bridge = "joblet0",
				    .address = "172.20.0.5/16",
				    .gateway = "172.20.0.1",
				    .allow = allow,
				    .n_allow = 3,
				    .dns = dns,
				    .n_dns = 1 };
}

static struct jl_nfb *rules_of(const struct jl_net_job *j)
{
	struct joblet_error *e = NULL;
	struct jl_nfb *b = NULL;

	if (jl_net_job_rules(j, &b, &e) < 0) {
		ck_assert_int_eq(e->code, JOBLET_E_INVALID);
		joblet_error_free(e);
		ck_assert_ptr_null(b);
		/* The checks alone say the same. */
		ck_assert_int_lt(jl_net_job_rules(j, NULL, NULL), 0);
		return NULL;
	}
	return b;
}

/* What a batch holds: its messages' nf_tables types, in order, and the chain's hook. */
struct batch {
	int begin, tables_added, tables_deleted, chains, rules;
	int order_ok; /* begin, then add, delete, add of the table, then the chain, then rules */
	char table[64], dev[16];
	uint32_t policy;
	int32_t priority;
};

static void read_batch(const struct jl_nfb *b, struct batch *ret)
{
	size_t n = 0;
	const char *p = jl_nfb_data(b, &n);
	const struct nlmsghdr *h = (const void *)p;
	int len = (int)n, step = 0;

	memset(ret, 0, sizeof(*ret));
	ck_assert_ptr_nonnull(p);
	ret->order_ok = 1;
	for (; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len), step++) {
		int type = h->nlmsg_type & 0xff;
		const struct nlattr *a;

		if (h->nlmsg_type == NFNL_MSG_BATCH_BEGIN) {
			ret->begin++;
			ret->order_ok &= step == 0;
			continue;
		}
		ck_assert_int_eq(h->nlmsg_type >> 8, NFNL_SUBSYS_NFTABLES);
		ck_assert(h->nlmsg_flags & NLM_F_ACK);
		switch (type) {
		case NFT_MSG_NEWTABLE:
			ret->tables_added++;
			ret->order_ok &= step == 1 || step == 3;
			mnl_attr_for_each(a, h, sizeof(struct nfgenmsg)) if (mnl_attr_get_type(a) ==
									     NFTA_TABLE_NAME)
				snprintf(ret->table, sizeof(ret->table), "%s", mnl_attr_get_str(a));
			break;
		case NFT_MSG_DELTABLE:
			ret->tables_deleted++;
			ret->order_ok &= step == 2;
			break;
		case NFT_MSG_NEWCHAIN:
			ret->chains++;
			ret->order_ok &= step == 4;
			mnl_attr_for_each(a, h, sizeof(struct nfgenmsg))
			{
				const struct nlattr *k;

				if (mnl_attr_get_type(a) == NFTA_CHAIN_POLICY)
					ret->policy = ntohl(mnl_attr_get_u32(a));
				if (mnl_attr_get_type(a) != NFTA_CHAIN_HOOK)
					continue;
				mnl_attr_for_each_nested(k, a)
				{
					if (mnl_attr_get_type(k) == NFTA_HOOK_DEV)
						snprintf(ret->dev, sizeof(ret->dev), "%s",
							 mnl_attr_get_str(k));
					if (mnl_attr_get_type(k) == NFTA_HOOK_PRIORITY)
						ret->priority = (int32_t)ntohl(mnl_attr_get_u32(k));
				}
			}
			break;
		case NFT_MSG_NEWRULE:
			ret->rules++;
			ret->order_ok &= step >= 5;
			break;
		default:
			ck_abort_msg("unexpected message type %d in the batch", type);
		}
	}
	ck_assert_int_eq(len, 0);
}

START_TEST(test_job_rules)
{
	struct jl_net_job j = job();
	struct jl_nfb *b = rules_of(&j);
	struct batch t;

	ck_assert_ptr_nonnull(b);
	read_batch(b, &t);
	ck_assert(t.order_ok);
	ck_assert_int_eq(t.begin, 1);
	ck_assert_int_eq(t.tables_added, 2);
	ck_assert_int_eq(t.tables_deleted, 1);
	ck_assert_int_eq(t.chains, 1);
	ck_assert_str_eq(t.table, "joblet_j0a1b2c3d");
	ck_assert_str_eq(t.dev, "jv0a1b2c3d");
	ck_assert_int_eq(t.priority, -500);
	ck_assert_int_eq(t.policy, NF_DROP);
	/*
	 * ARP, not IPv4, source, four never-reached ranges, the resolver (TCP
	 * and UDP), the gateway, 10.1.0.0/16:443 and 1.2.3.4:8000-8080 (two
	 * each), 5.6.7.8: what each rule does is checked against the kernel by
	 * test_net_kernel.sh.
	 */
	ck_assert_int_eq(t.rules, 3 + 4 + 2 + 1 + 2 + 2 + 1);
	jl_nfb_free(b);

	j.n_allow = 0;
	j.max_net_bps = 1048576;
	b = rules_of(&j);
	read_batch(b, &t);
	/* ... the rate, and "accept" for an empty allow-list. */
	ck_assert_int_eq(t.rules, 3 + 4 + 1 + 2 + 1 + 1);
	jl_nfb_free(b);
}
END_TEST

/* A long allow-list fits the batch's room. */
START_TEST(test_job_rules_long_allow_list)
{
	static char text[2000][32];
	static const char *allow[2000];
	struct jl_net_job j = job();
	struct jl_nfb *b;
	struct batch t;

	for (size_t i = 0; i < 2000; i++) {
		snprintf(text[i], sizeof(text[i]), "10.%zu.%zu.0/23:1000-2000", i / 128,
			 (i % 128) * 2);
		allow[i] = text[i];
	}
	j.allow = allow;
	j.n_allow = 2000;
	j.max_net_bps = 1;
	b = rules_of(&j);
	ck_assert_ptr_nonnull(b);
	read_batch(b, &t);
	ck_assert_int_eq(t.rules, 3 + 4 + 1 + 2 + 1 + 2 * 2000);
	jl_nfb_free(b);
}
END_TEST

START_TEST(test_job_rules_refuse_bad_values)
{
	static const char *const bad_allow[] = { "1.2.3.4:80 accept" };
	static const char *const bad_dns[] = { "8.8.8.8 }; flush ruleset; {" };
	struct jl_net_job j;

	j = job(), j.table = "joblet; flush ruleset";
	ck_assert_ptr_null(rules_of(&j));
	j = job(), j.table = "9joblet";
	ck_assert_ptr_null(rules_of(&j));
	j = job(), j.table = "_joblet";
	ck_assert_ptr_null(rules_of(&j));
	j = job(), j.table = "a_table_name_longer_than_24";
	ck_assert_ptr_null(rules_of(&j));
	j = job(), j.bridge = "br\" accept";
	ck_assert_ptr_null(rules_of(&j));
	j = job(), j.bridge = "a_bridge_name_too_long";
	ck_assert_ptr_null(rules_of(&j));
	j = job(), j.short_id = "0a1b/..";
	ck_assert_ptr_null(rules_of(&j));
	j = job(), j.address = "172.20.0.5";
	ck_assert_ptr_null(rules_of(&j));
	j = job(), j.address = "172.20.0.5/16 accept";
	ck_assert_ptr_null(rules_of(&j));
	j = job(), j.gateway = "gw";
	ck_assert_ptr_null(rules_of(&j));
	j = job(), j.allow = bad_allow, j.n_allow = 1;
	ck_assert_ptr_null(rules_of(&j));
	j = job(), j.dns = bad_dns, j.n_dns = 1;
	ck_assert_ptr_null(rules_of(&j));
	j = job(), j.max_net_bps = -1;
	ck_assert_ptr_null(rules_of(&j));
}
END_TEST

START_TEST(test_host_and_network_rules)
{
	static const char *const dns[] = { "192.0.2.53", "198.51.100.1" };
	struct jl_net_host h = { "joblet", dns, 2 };
	struct jl_net_network n = { "bridge", "joblet0", "172.20.0.0/16", 0 };
	struct joblet_error *e = NULL;
	char *t = NULL;

	ck_assert_int_eq(jl_net_host_rules(&h, &t, &e), 0);
	ck_assert(strstr(t, "add element inet joblet dns { 192.0.2.53, 198.51.100.1 }"));
	ck_assert(strstr(t, "input iifname @bridges drop"));
	ck_assert(strstr(t, "forward iifname @bridges oifname @bridges drop"));
	ck_assert(strstr(t, "forward oifname @bridges drop"));
	ck_assert(strstr(t, "ip saddr @nets oifname != @bridges masquerade"));
	free(t);
	h.n_dns = 0;
	ck_assert_int_eq(jl_net_host_rules(&h, &t, &e), 0);
	ck_assert(!strstr(t, "add element inet joblet dns"));
	free(t);

	ck_assert_int_eq(jl_net_network_rules(&h, &n, 1, &t, &e), 0);
	ck_assert(strstr(t, "add element inet joblet nets { 172.20.0.0/16 }"));
	ck_assert(strstr(t, "add element inet joblet peers { \"joblet0\" . \"joblet0\" }"));
	free(t);
	n.isolated_ports = 1;
	ck_assert_int_eq(jl_net_network_rules(&h, &n, 1, &t, &e), 0);
	ck_assert(!strstr(t, "peers"));
	free(t);
	ck_assert_int_eq(jl_net_network_rules(&h, &n, 0, &t, &e), 0);
	ck_assert(strstr(t, "delete element inet joblet nets { 172.20.0.0/16 }"));
	free(t);
	ck_assert_int_eq(jl_net_bridge_hook_rules(&h, &n, 1, &t, &e), 0);
	ck_assert(strstr(
		t,
		"add chain netdev joblet_net b_joblet0 { type filter hook ingress device \"joblet0\" priority 0 ; policy accept ; }\n"));
	ck_assert(!strstr(t, "delete"));
	free(t);
	ck_assert_int_eq(jl_net_bridge_hook_rules(&h, &n, 0, &t, &e), 0);
	ck_assert(strstr(t, "}\ndelete chain netdev joblet_net b_joblet0\n"));
	free(t);
	n.bridge = "x y";
	ck_assert_int_lt(jl_net_bridge_hook_rules(&h, &n, 1, &t, &e), 0);
	joblet_error_free(e);
	e = NULL;
	n.bridge = "joblet0";
	n.cidr = "172.20.0.0/31";
	ck_assert_int_lt(jl_net_network_rules(&h, &n, 1, &t, &e), 0);
	joblet_error_free(e);
	e = NULL;
	n.cidr = "172.20.0.0/16", n.bridge = "x\"y";
	ck_assert_int_lt(jl_net_network_rules(&h, &n, 1, &t, &e), 0);
	joblet_error_free(e);
}
END_TEST

static Suite *net_suite(void)
{
	Suite *s = suite_create("net_rules");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_allow_parse);
	tcase_add_test(tc, test_job_rules);
	tcase_add_test(tc, test_job_rules_long_allow_list);
	tcase_add_test(tc, test_job_rules_refuse_bad_values);
	tcase_add_test(tc, test_host_and_network_rules);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return jl_run_suite(net_suite());
}

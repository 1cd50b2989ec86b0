/*
 * test_net_rules.c - core/net/rules.c: the allow-list entry parser, the
 * checks of every value put into nftables text, and the text itself.  No
 * root, no network: only strings.
 */
#include <string.h>

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

static char *rules_of(const struct jl_net_job *j)
{
	struct joblet_error *e = NULL;
	char *t = NULL;

	if (jl_net_job_rules(j, &t, &e) < 0) {
		joblet_error_free(e);
		return NULL;
	}
	return t;
}

START_TEST(test_job_rules)
{
	struct jl_net_job j = job();
	char *t = rules_of(&j);

	ck_assert_ptr_nonnull(t);
	ck_assert(strstr(t, "add table netdev joblet_j0a1b2c3d\n"));
	ck_assert(strstr(t, "hook ingress device \"jv0a1b2c3d\" priority -500 ; policy drop ;"));
	ck_assert(strstr(t, "arp saddr ip 172.20.0.5 accept"));
	ck_assert(strstr(t, "ip saddr != 172.20.0.5 drop"));
	ck_assert(strstr(t, "169.254.0.0/16"));
	ck_assert(
		strstr(t, "ip daddr { 192.0.2.53 } meta l4proto { tcp, udp } th dport 53 accept"));
	ck_assert(strstr(t, "ip daddr 172.20.0.1 drop"));
	ck_assert(strstr(t, "ip daddr 10.1.0.0/16 meta l4proto { tcp, udp } th dport 443 accept"));
	ck_assert(strstr(
		t, "ip daddr 1.2.3.4/32 meta l4proto { tcp, udp } th dport 8000-8080 accept"));
	ck_assert(strstr(t, "ip daddr 5.6.7.8/32 accept"));
	ck_assert(!strstr(t, "egress accept\n"));
	ck_assert(!strstr(t, "limit"));
	/* Always-denied rules come before the allow-list. */
	ck_assert(strstr(t, "169.254.0.0/16") < strstr(t, "10.1.0.0/16"));
	ck_assert(strstr(t, "ip daddr 172.20.0.1 drop") < strstr(t, "5.6.7.8"));
	free(t);

	j.n_allow = 0;
	j.max_net_bps = 1048576;
	t = rules_of(&j);
	ck_assert_ptr_nonnull(t);
	ck_assert(strstr(t, "add rule netdev joblet_j0a1b2c3d egress accept\n"));
	ck_assert(strstr(t, "limit rate over 1048576 bytes/second drop"));
	free(t);
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
	tcase_add_test(tc, test_job_rules_refuse_bad_values);
	tcase_add_test(tc, test_host_and_network_rules);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return jl_run_suite(net_suite());
}

/*
 * test_client_config.c - rnx-config.yml (core/lib/config/client_config.c):
 * inline PEM and paths, choosing a node, mistakes, where it is looked for.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <joblet/error.h>

#include "config/config.h"
#include "config/client_config.h"

#include "jl_test.h"
#include "jl_tmp.h"

/* ------------------------------------------------------------ rnx-config.yml */

#define PEM_CERT "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
#define PEM_KEY	 "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"

static struct jl_client_config *client_ok(const char *text)
{
	struct jl_client_config *cfg = NULL;
	struct joblet_error *e = NULL;
	int r = jl_client_config_load(jl_tmp_write("rnx-config.yml", text), &cfg, &e);

	ck_assert_msg(r == 0, "unexpected error: %s", joblet_error_message(e));
	return cfg;
}

static void client_bad(const char *text, const char *needle1, const char *needle2)
{
	struct jl_client_config *cfg = NULL;
	struct joblet_error *e = NULL;
	const char *path = jl_tmp_write("rnx-config.yml", text);

	ck_assert_int_eq(jl_client_config_load(path, &cfg, &e), -JOBLET_E_CONFIG);
	ck_assert_ptr_null(cfg);
	ck_assert_msg(strstr(e->message, path), "message does not name the file: %s", e->message);
	ck_assert_msg(strstr(e->message, needle1), "`%s` not in: %s", needle1, e->message);
	if (needle2)
		ck_assert_msg(strstr(e->message, needle2), "`%s` not in: %s", needle2, e->message);
	joblet_error_free(e);
}

static void write_pems(void)
{
	jl_tmp_write("client.pem", PEM_CERT);
	jl_tmp_write("client-key.pem", PEM_KEY);
	jl_tmp_write("ca.pem", PEM_CERT);
}

START_TEST(test_client_inline_and_paths)
{
	struct jl_client_config *cfg;
	const struct jl_client_node *n = NULL;

	write_pems();
	cfg = client_ok("version: \"3.0\"\n"
			"nodes:\n"
			"  prod:\n"
			"    address: \"10.0.0.5:50051\"\n"
			"    nodeId: rack-4\n"
			"    cert: client.pem\n"
			"    key: client-key.pem\n"
			"    ca: |\n"
			"      -----BEGIN CERTIFICATE-----\n"
			"      MIIB\n"
			"      -----END CERTIFICATE-----\n");
	ck_assert_uint_eq(cfg->n_nodes, 1);
	ck_assert_int_eq(jl_client_config_select(cfg, NULL, &n, NULL), 0);
	ck_assert_str_eq(n->name, "prod");
	ck_assert_str_eq(n->address, "10.0.0.5:50051");
	ck_assert_str_eq(n->node_id, "rack-4");
	ck_assert_str_eq(n->cert_pem, PEM_CERT);
	ck_assert_str_eq(n->key_pem, PEM_KEY);
	ck_assert_str_eq(n->cert_path, jl_tmp_path("client.pem"));
	ck_assert_ptr_null(n->ca_path);
	ck_assert_ptr_nonnull(strstr(n->ca_pem, "BEGIN CERTIFICATE"));
	jl_client_config_free(cfg);
}
END_TEST

#define NODE(name, extra)                                                                          \
	"  " name ":\n"                                                                            \
	"    address: 127.0.0.1:50051\n"                                                           \
	"    cert: client.pem\n"                                                                   \
	"    key: client-key.pem\n"                                                                \
	"    ca: ca.pem\n" extra

START_TEST(test_client_node_selection)
{
	struct jl_client_config *cfg;
	const struct jl_client_node *n = NULL;
	struct joblet_error *e = NULL;

	write_pems();
	cfg = client_ok("default: b\nnodes:\n" NODE("a", "") NODE("b", "") NODE("c", ""));
	ck_assert_int_eq(jl_client_config_select(cfg, NULL, &n, NULL), 0);
	ck_assert_str_eq(n->name, "b");
	ck_assert_int_eq(jl_client_config_select(cfg, "c", &n, NULL), 0);
	ck_assert_str_eq(n->name, "c");
	ck_assert_int_eq(jl_client_config_select(cfg, "zz", &n, &e), -JOBLET_E_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(e->message, "nodes: a, b, c"));
	joblet_error_clear(&e);
	jl_client_config_free(cfg);

	cfg = client_ok("nodes:\n" NODE("a", "") NODE("b", "    isDefault: true\n"));
	ck_assert_int_eq(jl_client_config_select(cfg, NULL, &n, NULL), 0);
	ck_assert_str_eq(n->name, "b");
	jl_client_config_free(cfg);

	cfg = client_ok("nodes:\n" NODE("a", "") NODE("default", ""));
	ck_assert_int_eq(jl_client_config_select(cfg, NULL, &n, NULL), 0);
	ck_assert_str_eq(n->name, "default");
	jl_client_config_free(cfg);

	cfg = client_ok("nodes:\n" NODE("a", "") NODE("b", ""));
	ck_assert_int_eq(jl_client_config_select(cfg, NULL, &n, &e), -JOBLET_E_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(e->message, "--node"));
	joblet_error_free(e);
	jl_client_config_free(cfg);
}
END_TEST

START_TEST(test_client_mistakes)
{
	write_pems();
	client_bad(
		"nodes:\n  a:\n    address: 127.0.0.1:50051\n    cert: client.pem\n    key: client-key.pem\n",
		"line 2", "has no `ca`");
	client_bad(
		"nodes:\n  a:\n    address: 127.0.0.1:50051\n    key: client-key.pem\n    ca: ca.pem\n",
		"line 2", "node `a` has no client certificate (no `cert`): set cert and key");
	client_bad("nodes:\n" NODE("a", "    port: 5\n"), "line 7",
		   "`nodes.a.port` is not a node setting");
	client_bad(
		"nodes:\n  a:\n    address: localhost\n    cert: client.pem\n    key: client-key.pem\n    ca: ca.pem\n",
		"line 3", "host:port");
	client_bad(
		"nodes:\n  a:\n    address: h:99999\n    cert: client.pem\n    key: client-key.pem\n    ca: ca.pem\n",
		"line 3", "host:port");
	client_bad(
		"nodes:\n  a:\n    address: h:1\n    cert: missing.pem\n    key: client-key.pem\n    ca: ca.pem\n",
		"line 4", "missing.pem");
	client_bad(
		"nodes:\n  a:\n    address: h:1\n    cert: |\n      not pem\n      at all\n    key: client-key.pem\n    ca: ca.pem\n",
		"line 4", "neither PEM");
	client_bad("default: z\nnodes:\n" NODE("a", ""), "line 1", "`z`");
	client_bad("nodes:\n" NODE("a", "    isDefault: true\n") NODE("b", "    isDefault: yes\n"),
		   "isDefault", NULL);
	client_bad("nodes:\n" NODE("a", "    isDefault: maybe\n"), "line 7", "true or false");
	client_bad("nodez:\n" NODE("a", ""), "line 1", "`nodez` is not a setting");
	client_bad("version: 3\n", "line 1", "no `nodes:`");
	client_bad("nodes:\n  \"bad name\":\n    address: h:1\n", "line 2", "node name");
	client_bad("", "is empty", NULL);
}
END_TEST

START_TEST(test_client_locate)
{
	char *path = NULL;
	struct joblet_error *e = NULL;

	ck_assert_int_eq(jl_client_config_locate(jl_tmp_path("nope.yml"), &path, &e),
			 -JOBLET_E_NOT_FOUND);
	joblet_error_clear(&e);

	jl_tmp_write("explicit.yml", "x");
	ck_assert_int_eq(jl_client_config_locate(jl_tmp_path("explicit.yml"), &path, NULL), 0);
	ck_assert_str_eq(path, jl_tmp_path("explicit.yml"));
	free(path);

	setenv("RNX_CONFIG", jl_tmp_path("explicit.yml"), 1);
	ck_assert_int_eq(jl_client_config_locate(NULL, &path, NULL), 0);
	ck_assert_str_eq(path, jl_tmp_path("explicit.yml"));
	free(path);
	unsetenv("RNX_CONFIG");

	mkdir(jl_tmp_path(".rnx"), 0700);
	jl_tmp_write(".rnx/rnx-config.yml", "x");
	setenv("HOME", jl_tmpdir, 1);
	ck_assert_int_eq(jl_client_config_locate(NULL, &path, NULL), 0);
	ck_assert_str_eq(path, jl_tmp_path(".rnx/rnx-config.yml"));
	free(path);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("client_config");
	TCase *tc2 = tcase_create("rnx-config.yml");

	tcase_add_checked_fixture(tc2, jl_tmp_setup, jl_tmp_teardown);
	tcase_add_test(tc2, test_client_inline_and_paths);
	tcase_add_test(tc2, test_client_node_selection);
	tcase_add_test(tc2, test_client_mistakes);
	tcase_add_test(tc2, test_client_locate);
	suite_add_tcase(s, tc2);
	return s;
}

int main(void)
{
	return jl_run_suite(suite());
}

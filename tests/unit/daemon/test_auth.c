/*
 * test_auth.c - the role rules and TLS set-up of the daemon
 * (core/daemon/auth.c): roles from certificate OUs, whose jobs each role
 * sees and acts on, TLS priorities, and
 * server certificate files that are missing or not certificates.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "config/config.h"

#include "jl_test.h"
#include "jl_tmp.h"

static struct joblet_error *err;

static void setup(void)
{
	jl_tmp_setup();
	err = NULL;
}

static void teardown(void)
{
	joblet_error_clear(&err);
	jl_tmp_teardown();
}

START_TEST(test_roles)
{
	const char *admin[] = { "admin" }, *viewer[] = { "Viewer" }, *two[] = { "admin", "reader" },
		   *mixed[] = { "Engineering", "MAINTAINER" }, *none[] = { "superuser" },
		   *dev3[] = { "developer", "admin", "maintainer" };

	ck_assert_int_eq(role_from_ous(admin, 1), ROLE_ADMIN);
	ck_assert_int_eq(role_from_ous(viewer, 1), ROLE_READER);
	/* Several roles: the least privileged. */
	ck_assert_int_eq(role_from_ous(two, 2), ROLE_READER);
	ck_assert_int_eq(role_from_ous(dev3, 3), ROLE_DEVELOPER);
	/* OUs that name no role are ignored; none at all is no role. */
	ck_assert_int_eq(role_from_ous(mixed, 2), ROLE_MAINTAINER);
	ck_assert_int_eq(role_from_ous(none, 1), ROLE_NONE);
	ck_assert_int_eq(role_from_ous(NULL, 0), ROLE_NONE);
	ck_assert_str_eq(role_name(ROLE_DEVELOPER), "developer");
	ck_assert_ptr_nonnull(strstr(tls_priorities(13), "VERS-TLS1.3"));
	ck_assert_ptr_null(strstr(tls_priorities(13), "VERS-TLS1.2"));
	ck_assert_ptr_nonnull(strstr(tls_priorities(12), "VERS-TLS1.2"));
}
END_TEST

/* Whose jobs each role sees and acts on (docs/api.md, "Who sees which jobs"). */
START_TEST(test_job_scope)
{
	struct identity who = { .cn = "alice" };

	who.role = ROLE_ADMIN;
	ck_assert_ptr_null(auth_job_scope(&who, false));
	ck_assert_ptr_null(auth_job_scope(&who, true));
	who.role = ROLE_READER;
	ck_assert_ptr_null(auth_job_scope(&who, false));
	ck_assert_str_eq(auth_job_scope(&who, true), "alice");
	for (int32_t r = ROLE_NONE; r <= ROLE_MAINTAINER; r++) {
		if (r == ROLE_READER)
			continue;
		who.role = r;
		ck_assert_str_eq(auth_job_scope(&who, false), "alice");
		ck_assert_str_eq(auth_job_scope(&who, true), "alice");
	}
}
END_TEST

START_TEST(test_tls_files)
{
	struct jl_config *cfg = NULL;
	struct tls_creds *c = NULL;

	ck_assert_int_eq(jl_config_defaults(&cfg, NULL), 0);
	free(cfg->tls_cert);
	cfg->tls_cert = strdup(jl_tmp_path("missing.pem"));
	ck_assert_int_eq(tls_creds_load(cfg, &c, &err), -JOBLET_E_CONFIG);
	ck_assert_ptr_nonnull(strstr(joblet_error_message(err), "server.tls.cert"));
	ck_assert_ptr_nonnull(strstr(joblet_error_message(err), "joblet certs init"));
	joblet_error_clear(&err);
	free(cfg->tls_cert);
	cfg->tls_cert = strdup(jl_tmp_write("garbage.pem", "-----BEGIN CERTIFICATE-----\nno\n"));
	free(cfg->tls_key);
	cfg->tls_key = strdup(cfg->tls_cert);
	free(cfg->tls_client_ca);
	cfg->tls_client_ca = strdup(cfg->tls_cert);
	ck_assert_int_lt(tls_creds_load(cfg, &c, &err), 0);
	ck_assert_ptr_nonnull(strstr(joblet_error_message(err), "cannot be used"));
	jl_config_free(cfg);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("auth");
	TCase *tc = tcase_create("auth");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_roles);
	tcase_add_test(tc, test_job_scope);
	tcase_add_test(tc, test_tls_files);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return jl_run_suite(suite());
}

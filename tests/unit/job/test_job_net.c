/*
 * test_job_net.c - the "net" object of spec.json (core/lib/job/job_net.c):
 * written by the daemon, read by the shim, shown to plugins as
 * joblet_job_net().
 */
#include <string.h>

#include "jl_test.h"
#include "base/util.h"
#include "job/job_spec.h"

static const char *spec_with(const char *net)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf),
		 "{\"id\":\"0a1b2c3d-1111-4222-8333-444455556666\",\"command\":[\"true\"],"
		 "\"uid\":1000,\"gid\":1000%s%s}",
		 net ? ",\"net\":" : "", net ? net : "");
	return buf;
}

#define NET                                                                                        \
	"{\"network\":\"bridge\",\"bridge\":\"joblet0\",\"table\":\"joblet\","                     \
	"\"address\":\"172.20.0.5/16\",\"gateway\":\"172.20.0.1\",\"isolated_ports\":false,"       \
	"\"allow\":[\"10.1.0.0/16:443\",\"5.6.7.8/32\"],\"dns\":[\"192.0.2.53\"],"                 \
	"\"max_net_bps\":1000}"

START_TEST(test_round_trip)
{
	struct jl_job_spec *s = NULL, *back = NULL;
	struct joblet_error *e = NULL;
	const struct joblet_job_net *v;
	char *json = NULL;

	ck_assert_int_eq(jl_job_spec_from_json(spec_with(NET), &s, &e), 0);
	ck_assert_ptr_nonnull(s->net);
	v = &s->net->view;
	ck_assert_uint_eq(v->size, sizeof(*v));
	ck_assert_str_eq(v->network, "bridge");
	ck_assert_str_eq(v->bridge, "joblet0");
	ck_assert_str_eq(v->table, "joblet");
	ck_assert_str_eq(v->address, "172.20.0.5/16");
	ck_assert_str_eq(v->gateway, "172.20.0.1");
	ck_assert_int_eq(v->isolated_ports, 0);
	ck_assert_uint_eq(v->n_allow, 2);
	ck_assert_str_eq(v->allow[1], "5.6.7.8/32");
	ck_assert_uint_eq(v->n_dns, 1);
	ck_assert_str_eq(v->dns[0], "192.0.2.53");
	ck_assert_int_eq(v->max_net_bps, 1000);
	ck_assert_int_eq(jl_job_spec_to_json(s, &json, &e), 0);
	ck_assert_int_eq(jl_job_spec_from_json(json, &back, &e), 0);
	ck_assert_ptr_nonnull(back->net);
	ck_assert_str_eq(back->net->view.allow[0], "10.1.0.0/16:443");
	ck_assert_int_eq(back->net->view.max_net_bps, 1000);
	free(json);
	jl_job_spec_free(back);
	jl_job_spec_free(s);
}
END_TEST

START_TEST(test_absent_and_bad)
{
	struct jl_job_spec *s = NULL;
	struct joblet_error *e = NULL;
	char *json = NULL;

	ck_assert_int_eq(jl_job_spec_from_json(spec_with(NULL), &s, &e), 0);
	ck_assert_ptr_null(s->net);
	ck_assert_int_eq(jl_job_spec_to_json(s, &json, &e), 0);
	ck_assert(!strstr(json, "\"net\""));
	free(json);
	jl_job_spec_free(s);
	s = NULL;
	ck_assert_int_eq(jl_job_spec_from_json(spec_with("null"), &s, &e), 0);
	ck_assert_ptr_null(s->net);
	jl_job_spec_free(s);
	s = NULL;
	ck_assert_int_lt(jl_job_spec_from_json(spec_with("{\"network\":\"bridge\"}"), &s, &e), 0);
	ck_assert_int_eq(e->code, JOBLET_E_PARSE);
	joblet_error_free(e);
	e = NULL;
	ck_assert_int_lt(jl_job_spec_from_json(spec_with("[]"), &s, &e), 0);
	joblet_error_free(e);
}
END_TEST

static Suite *job_net_suite(void)
{
	Suite *s = suite_create("job_net");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_absent_and_bad);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return jl_run_suite(job_net_suite());
}

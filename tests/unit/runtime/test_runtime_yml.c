/*
 * test_runtime_yml.c - a runtime's runtime.yml (core/lib/runtime/runtime_yml.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include <joblet/error.h>

#include "runtime/runtime_yml.h"
#include "base/util.h"

#include "jl_test.h"
#include "jl_tmp.h"

/* ------------------------------------------------------------------ runtime.yml */

static struct jl_runtime_desc *yml_ok(const char *text)
{
	struct jl_runtime_desc *d = NULL;
	struct joblet_error *e = NULL;
	int fd;

	jl_tmp_write("runtime.yml", text);
	fd = open(jl_tmpdir, O_RDONLY | O_DIRECTORY);
	ck_assert_msg(jl_runtime_yml_load(fd, "pkg", &d, &e) == 0, "%s", joblet_error_message(e));
	close(fd);
	return d;
}

static void yml_bad(const char *text, int32_t code, const char *needle)
{
	struct jl_runtime_desc *d = NULL;
	struct joblet_error *e = NULL;
	int fd;

	jl_tmp_write("runtime.yml", text);
	fd = open(jl_tmpdir, O_RDONLY | O_DIRECTORY);
	ck_assert_int_eq(jl_runtime_yml_load(fd, "pkg", &d, &e), -code);
	close(fd);
	ck_assert_msg(strstr(e->message, needle), "`%s` not in: %s", needle, e->message);
	joblet_error_free(e);
}

START_TEST(test_runtime_yml_good)
{
	struct jl_runtime_desc *d =
		yml_ok("name: python-3.11-ml\n"
		       "language: python\n"
		       "version: \"1.3.3\"\n"
		       "description: ML stack\n"
		       "platforms: [ubuntu-amd64]\n"
		       "mounts:\n"
		       "  - {source: isolated/bin, target: /bin, readonly: true}\n"
		       "  - source: isolated/tmp\n"
		       "    target: /tmp\n"
		       "    readonly: false\n"
		       "    selective: [a]\n"
		       "  - {source: isolated/usr, target: /usr}\n"
		       "environment:\n"
		       "  PATH: /opt/venv/bin:/usr/bin:/bin\n"
		       "  OMP_NUM_THREADS: \"1\"\n"
		       "requirements: {architectures: [amd64, arm64]}\n"
		       "packages: [numpy]\n"
		       "build_info: {built_at: x}\n");

	ck_assert_str_eq(d->name, "python-3.11-ml");
	ck_assert_str_eq(d->version, "1.3.3");
	ck_assert_str_eq(d->description, "ML stack");
	ck_assert_str_eq(d->language, "python");
	ck_assert_str_eq(d->platforms[0], "ubuntu-amd64");
	ck_assert_uint_eq(d->n_mounts, 3);
	ck_assert_str_eq(d->mounts[1].source, "isolated/tmp");
	ck_assert(!d->mounts[1].readonly);
	ck_assert(d->mounts[2].readonly);
	ck_assert_str_eq(d->env[0], "PATH=/opt/venv/bin:/usr/bin:/bin");
	ck_assert_str_eq(d->env[1], "OMP_NUM_THREADS=1");
	jl_runtime_desc_free(d);

	d = yml_ok("name: x\nversion: 0.1.0\n");
	ck_assert_str_eq(d->description, "");
	ck_assert_uint_eq(d->n_mounts, 0);
	ck_assert_ptr_null(d->env[0]);
	jl_runtime_desc_free(d);
}
END_TEST

START_TEST(test_runtime_yml_bad)
{
	struct jl_runtime_desc *d = NULL;
	struct joblet_error *e = NULL;
	int fd = open(jl_tmpdir, O_RDONLY | O_DIRECTORY);

	ck_assert_int_eq(jl_runtime_yml_load(fd, "pkg", &d, &e), -JOBLET_E_NOT_FOUND);
	joblet_error_clear(&e);
	/* A package may plant runtime.yml as a symlink to a host file: never followed. */
	ck_assert_int_eq(symlinkat("/etc/passwd", fd, "runtime.yml"), 0);
	ck_assert_int_lt(jl_runtime_yml_load(fd, "pkg", &d, &e), 0);
	joblet_error_free(e);
	unlinkat(fd, "runtime.yml", 0);
	close(fd);

	yml_bad("version: 1.0.0\n", JOBLET_E_PARSE, "`name` is missing");
	yml_bad("name: x\n", JOBLET_E_PARSE, "`version` is missing");
	yml_bad("name: X Y\nversion: 1.0.0\n", JOBLET_E_PARSE, "not a runtime name");
	yml_bad("name: x\nversion: latest\n", JOBLET_E_PARSE, "not a semantic version");
	yml_bad("name: x\nversion: 1.0.0\nmounts: /usr\n", JOBLET_E_PARSE, "must be a list");
	yml_bad("name: x\nversion: 1.0.0\nmounts:\n  - {source: ../../etc, target: /etc}\n",
		JOBLET_E_PARSE, "inside the runtime folder");
	yml_bad("name: x\nversion: 1.0.0\nmounts:\n  - {source: /etc, target: /etc}\n",
		JOBLET_E_PARSE, "inside the runtime folder");
	yml_bad("name: x\nversion: 1.0.0\nmounts:\n  - {source: a, target: relative}\n",
		JOBLET_E_PARSE, "absolute path in the job");
	yml_bad("name: x\nversion: 1.0.0\nmounts:\n  - {source: a, target: /}\n", JOBLET_E_PARSE,
		"other than `/`");
	yml_bad("name: x\nversion: 1.0.0\nmounts:\n  - {source: a, target: /x/../etc}\n",
		JOBLET_E_PARSE, "no `..`");
	yml_bad("name: x\nversion: 1.0.0\nmounts:\n  - {source: a}\n", JOBLET_E_PARSE,
		"needs `source` and `target`");
	yml_bad("name: x\nversion: 1.0.0\nmounts:\n  - {source: a, target: /a, readonly: sometimes}\n",
		JOBLET_E_PARSE, "true or false");
	yml_bad("name: x\nversion: 1.0.0\nenvironment:\n  1BAD: x\n", JOBLET_E_PARSE,
		"not a variable name");
	yml_bad("name: x\nversion: 1.0.0\nenvironment:\n  A: [1]\n", JOBLET_E_PARSE,
		"single value");
	yml_bad("name: &a x\nversion: *a\n", JOBLET_E_PARSE, "anchors and aliases");
	yml_bad("", JOBLET_E_PARSE, "is empty");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("runtime_yml");
	TCase *yml = tcase_create("runtime.yml");

	tcase_add_checked_fixture(yml, jl_tmp_setup, jl_tmp_teardown);
	tcase_add_test(yml, test_runtime_yml_good);
	tcase_add_test(yml, test_runtime_yml_bad);
	suite_add_tcase(s, yml);
	return s;
}

int main(void)
{
	return jl_run_suite(suite());
}

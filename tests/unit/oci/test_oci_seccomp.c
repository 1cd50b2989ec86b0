/*
 * test_oci_seccomp.c - joblet-oci's linux.seccomp (core/oci/seccomp.c) and
 * its floor (core/oci/floor.c: isolation/seccomp from build-plugins/):
 * parse errors naming the field, then filters loaded for real by
 * oci_process_exec() in a forked child that execs busybox; the parent
 * looks at what the program printed and how it exited.
 *
 * Valgrind does not implement seccomp(2): under it the cases that load a
 * filter only build it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>
#include <seccomp.h>

#include "jl_test.h"
#include "jl_tmp.h"
#include "oci/oci.h"

static struct oci_ctx test_ctx;

static void setup(void)
{
	jl_tmp_setup();
	memset(&test_ctx, 0, sizeof(test_ctx));
	test_ctx.root = jl_tmpdir;
	test_ctx.log_fd = 2;
}

static void teardown(void)
{
	jl_tmp_teardown();
}

static bool under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");

	return p && strstr(p, "vgpreload");
}

static int sc_parse(const char *text, struct oci_seccomp **ret, char *msg, size_t len)
{
	json_object *o = json_tokener_parse(text);
	struct joblet_error *e = NULL;
	int r;

	ck_assert_msg(o != NULL, "bad test JSON: %s", text);
	r = oci_seccomp_parse(o, ret, &e);
	snprintf(msg, len, "%s", r < 0 ? joblet_error_message(e) : "");
	joblet_error_free(e);
	json_object_put(o);
	return r;
}

static void sc_fails(const char *text, const char *want)
{
	struct oci_seccomp *sc = NULL;
	char msg[1024];

	ck_assert_int_lt(sc_parse(text, &sc, msg, sizeof(msg)), 0);
	ck_assert_ptr_null(sc);
	ck_assert_msg(strstr(msg, want), "message `%s` lacks `%s`", msg, want);
}

/* ------------------------------------------------------------------ parsing */

START_TEST(parse_ok)
{
	struct oci_seccomp *sc = NULL;
	char msg[1024];

	ck_assert_int_eq(oci_seccomp_parse(NULL, &sc, NULL), 0);
	ck_assert_ptr_null(sc);
	ck_assert_int_eq(
		sc_parse(
			"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38, \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"], \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"], \"syscalls\": [{\"names\": [\"read\", \"write\", \"no_such_call_1\", \"no_such_call_2\"], \"action\": \"SCMP_ACT_ALLOW\"}, {\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"}, {\"index\": 0, \"value\": 8, \"op\": \"SCMP_CMP_EQ\"}]}, {\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 2114060288, \"valueTwo\": 0, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}, {\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\"}, {\"names\": [\"ptrace\"], \"action\": \"SCMP_ACT_KILL_PROCESS\"}, {\"names\": [\"reboot\"], \"action\": \"SCMP_ACT_LOG\"}]}",
			&sc, msg, sizeof(msg)),
		0);
	ck_assert_msg(sc != NULL, "%s", msg);
	ck_assert_uint_eq(oci_seccomp_unknown_count(sc), 2);
	oci_seccomp_free(sc);
	oci_seccomp_free(NULL);
}
END_TEST

START_TEST(parse_errors)
{
	sc_fails("[]", "config.json: linux.seccomp: must be an object");
	sc_fails("{}", "config.json: linux.seccomp.defaultAction: is required");
	sc_fails("{\"defaultAction\": \"SCMP_ACT_MAYBE\"}",
		 "config.json: linux.seccomp.defaultAction: unknown action `SCMP_ACT_MAYBE`");
	sc_fails("{\"defaultAction\": \"SCMP_ACT_NOTIFY\"}",
		 "config.json: linux.seccomp.defaultAction: SCMP_ACT_NOTIFY is not supported");
	sc_fails("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": -1}",
		 "config.json: linux.seccomp.defaultErrnoRet: must be an integer");
	sc_fails(
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/run/agent.sock\"}",
		"config.json: linux.seccomp.listenerPath: user notification (a seccomp agent) is not supported");
	sc_fails(
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_VAX\"]}",
		"config.json: linux.seccomp.architectures[0]: unknown architecture `SCMP_ARCH_VAX`");
	sc_fails(
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\", \"SECCOMP_FILTER_FLAG_NEW_LISTENER\"]}",
		"config.json: linux.seccomp.flags[1]: unknown or unsupported flag `SECCOMP_FILTER_FLAG_NEW_LISTENER`");
	sc_fails(
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"a\"], \"action\": \"SCMP_ACT_ALLOW\"}, {\"names\": [\"b\"], \"action\": \"SCMP_ACT_ALLOW\"}, {\"names\": [\"c\"], \"action\": \"SCMP_ACT_ALLOW\"}, {\"names\": [\"getcwd\"], \"action\": \"X\"}]}",
		"config.json: linux.seccomp.syscalls[3].action: unknown action `X`");
	sc_fails(
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getcwd\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}",
		"config.json: linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY is not supported");
	sc_fails(
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [], \"action\": \"SCMP_ACT_ERRNO\"}]}",
		"config.json: linux.seccomp.syscalls[0].names: must be a non-empty array");
	sc_fails(
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getcwd\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 70000}]}",
		"config.json: linux.seccomp.syscalls[0].errnoRet: must be an integer from 0 to 65535");
	sc_fails(
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 6, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
		"config.json: linux.seccomp.syscalls[0].args[0].index: must be an integer from 0 to 5");
	sc_fails(
		"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_ABOUT\"}]}]}",
		"config.json: linux.seccomp.syscalls[0].args[0].op: unknown comparison `SCMP_CMP_ABOUT`");
}
END_TEST

/* ------------------------------------------------------------------ the floor */

/* joblet.yml pointing at the build tree's plugins (as the integration tests do). */
static void use_build_plugins(const char *extra)
{
	char yml[4096];

	snprintf(yml, sizeof(yml), "plugins:\n  dirs: [%s/build-plugins]\n%s",
		 jl_test_env("JOBLET_TEST_BUILDDIR"), extra ? extra : "");
	test_ctx.policy.joblet_config = (char *)jl_tmp_write("joblet.yml", yml);
}

START_TEST(floor_missing_plugin)
{
	struct oci_floor *f = NULL;
	struct joblet_error *e = NULL;
	char yml[512];

	ck_assert_int_eq(mkdir(jl_tmp_path("noplugins"), 0755), 0);
	snprintf(yml, sizeof(yml), "plugins:\n  dirs: [%s]\n", jl_tmp_path("noplugins"));
	test_ctx.policy.joblet_config = (char *)jl_tmp_write("joblet.yml", yml);
	ck_assert_int_lt(oci_floor_prepare(&test_ctx, &f, &e), 0);
	ck_assert_ptr_null(f);
	ck_assert_msg(
		strstr(joblet_error_message(e),
		       "joblet-oci needs the isolation/seccomp plugin for its floor: isolation_seccomp.so is not in the plugin folders"),
		"%s", joblet_error_message(e));
	joblet_error_clear(&e);
	/* A named joblet.yml that is not there is an error too (only the default may be missing).
	 */
	test_ctx.policy.joblet_config = (char *)jl_tmp_path("absent.yml");
	ck_assert_int_lt(oci_floor_prepare(&test_ctx, &f, &e), 0);
	ck_assert_ptr_nonnull(
		strstr(joblet_error_message(e),
		       "joblet-oci needs the isolation/seccomp plugin for its floor"));
	joblet_error_free(e);
}
END_TEST

START_TEST(floor_prepare_caches)
{
	struct oci_floor *f = NULL;
	struct joblet_error *e = NULL;
	struct stat st;

	use_build_plugins(NULL);
	ck_assert_msg(oci_floor_prepare(&test_ctx, &f, &e) == 0, "%s", joblet_error_message(e));
	oci_floor_free(f);
	oci_floor_free(NULL);
	/*
	 * The compiled program is kept for the next container: the host's root
	 * keeps one cache for every --root, anyone else under <root>/cache.
	 */
	{
		const char *dir = geteuid() == 0 ? "/run/joblet-oci/cache" : jl_tmp_path("cache");
		DIR *d;
		struct dirent *de;
		int files = 0;

		ck_assert_int_eq(stat(dir, &st), 0);
		ck_assert(S_ISDIR(st.st_mode));
		ck_assert_int_eq(stat(jl_tmp_path("cache"), &st) == 0, geteuid() != 0);
		d = opendir(dir);
		ck_assert_ptr_nonnull(d);
		while ((de = readdir(d)))
			files += de->d_name[0] != '.';
		closedir(d);
		ck_assert_int_gt(files, 0);
	}
}
END_TEST

/* ------------------------------------------------------------------ loaded for real */

struct run {
	int code;	/* exit code, or 128 + signal */
	char out[4096]; /* stdout and stderr of the program, or our error */
};

/* Fork: oci_process_exec(args, floor, bundle filter); collect output and exit. */
static void run(const char *args_json, const struct oci_floor *floor, const struct oci_seccomp *sc,
		struct run *ret)
{
	char text[2048];
	json_object *o;
	struct oci_process *p = NULL;
	struct joblet_error *e = NULL;
	int out[2], st;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	snprintf(text, sizeof(text), "{\"args\": %s, \"cwd\": \"/\", \"env\": [\"PATH=/bin\"]}",
		 args_json);
	o = json_tokener_parse(text);
	ck_assert_int_eq(oci_process_parse(&test_ctx, o, &p, NULL), 0);
	json_object_put(o);
	ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(out[1], 1);
		dup2(out[1], 2);
		oci_process_exec(p, floor, sc, -1, &e);
		dprintf(2, "error: %s\n", joblet_error_message(e));
		_exit(127);
	}
	close(out[1]);
	while (got + 1 < sizeof(ret->out) &&
	       (n = read(out[0], ret->out + got, sizeof(ret->out) - 1 - got)) > 0)
		got += (size_t)n;
	ret->out[got] = '\0';
	close(out[0]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ret->code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	oci_process_free(p);
}

/* Everything allowed but mkdir and getcwd, which fail with errno 42 (ENOMSG). */
#define PROFILE_42                                                                                 \
	"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getcwd\", \"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 42}]}"

START_TEST(bundle_filter_applies)
{
	struct oci_seccomp *sc = NULL;
	char msg[1024], args[1024];
	struct run r;
	struct stat st;

	if (under_valgrind())
		return;
	ck_assert_int_eq(sc_parse(PROFILE_42, &sc, msg, sizeof(msg)), 0);
	snprintf(args, sizeof(args), "[\"busybox\", \"mkdir\", \"%s\"]", jl_tmp_path("made"));
	run(args, NULL, sc, &r);
	ck_assert_msg(r.code == 1, "exit %d: %s", r.code, r.out);
	ck_assert_msg(strstr(r.out, strerror(42)), "%s", r.out);
	ck_assert_int_lt(stat(jl_tmp_path("made"), &st), 0);
	/* Control: without the filter the same mkdir works. */
	run(args, NULL, NULL, &r);
	ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.out);
	ck_assert_int_eq(stat(jl_tmp_path("made"), &st), 0);
	oci_seccomp_free(sc);
}
END_TEST

/*
 * The floor holds under a bundle profile that allows everything: unshare()
 * of a mount namespace fails with EPERM, though this test runs as root
 * and the same call works without the floor.
 */
START_TEST(floor_under_allow_all)
{
	struct oci_seccomp *sc = NULL;
	struct oci_floor *f = NULL;
	struct joblet_error *e = NULL;
	char msg[1024];
	struct run r;

	if (under_valgrind())
		return;
	use_build_plugins(NULL);
	ck_assert_msg(oci_floor_prepare(&test_ctx, &f, &e) == 0, "%s", joblet_error_message(e));
	ck_assert_int_eq(sc_parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\"}", &sc, msg, sizeof(msg)),
			 0);
	run("[\"busybox\", \"unshare\", \"-m\", \"true\"]", f, sc, &r);
	ck_assert_msg(r.code != 0 && strstr(r.out, "Operation not permitted"), "exit %d: %s",
		      r.code, r.out);
	/* Ordinary work still runs under both filters. */
	run("[\"busybox\", \"echo\", \"hello\"]", f, sc, &r);
	ck_assert_msg(r.code == 0 && strcmp(r.out, "hello\n") == 0, "exit %d: %s", r.code, r.out);
	/* Control: no floor, same profile, same call: works (we are root here). */
	run("[\"busybox\", \"unshare\", \"-m\", \"true\"]", NULL, sc, &r);
	ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.out);
	oci_seccomp_free(sc);
	oci_floor_free(f);
}
END_TEST

/* Both stacked: the floor's denial and the bundle's errno each hold. */
START_TEST(floor_and_bundle_stack)
{
	struct oci_seccomp *sc = NULL;
	struct oci_floor *f = NULL;
	struct joblet_error *e = NULL;
	char msg[1024], args[1024];
	struct run r;

	if (under_valgrind())
		return;
	use_build_plugins(NULL);
	ck_assert_msg(oci_floor_prepare(&test_ctx, &f, &e) == 0, "%s", joblet_error_message(e));
	ck_assert_int_eq(sc_parse(PROFILE_42, &sc, msg, sizeof(msg)), 0);
	snprintf(args, sizeof(args), "[\"busybox\", \"mkdir\", \"%s\"]", jl_tmp_path("made"));
	run(args, f, sc, &r);
	ck_assert_msg(r.code == 1 && strstr(r.out, strerror(42)), "exit %d: %s", r.code, r.out);
	run("[\"busybox\", \"unshare\", \"-m\", \"true\"]", f, sc, &r);
	ck_assert_msg(r.code != 0 && strstr(r.out, "Operation not permitted"), "exit %d: %s",
		      r.code, r.out);
	oci_seccomp_free(sc);
	oci_floor_free(f);
}
END_TEST

static Suite *seccomp_suite(void)
{
	Suite *s = suite_create("oci_seccomp");
	TCase *tc = tcase_create("parse");
	TCase *tl = tcase_create("load");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, parse_ok);
	tcase_add_test(tc, parse_errors);
	tcase_add_test(tc, floor_missing_plugin);
	tcase_add_test(tc, floor_prepare_caches);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tl, setup, teardown);
	tcase_set_timeout(tl, 30);
	tcase_add_test(tl, bundle_filter_applies);
	jl_tcase_add_root(tl, floor_under_allow_all);
	tcase_add_test(tl, floor_and_bundle_stack);
	suite_add_tcase(s, tl);
	return s;
}

int main(void)
{
	/* Valgrind lacks seccomp(2), so libseccomp sees API level 0: build the filters all the
	 * same. */
	if (under_valgrind() && seccomp_api_get() < 4)
		seccomp_api_set(4);
	return jl_run_suite(seccomp_suite());
}

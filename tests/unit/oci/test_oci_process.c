/*
 * test_oci_process.c - joblet-oci's process module (core/oci/process.c,
 * caps.c): config.json's process parsed field by field, then applied for
 * real in a forked child that made its own user namespace (its uid 0 mapped
 * to an unprivileged host range), and exec'd through the exec fifo.
 *
 * After execve() no assertion can run in the child: it reports through a
 * pipe, or the parent looks at its exit status and output.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "jl_test.h"
#include "jl_tmp.h"
#include "oci/oci.h"

#define CAP_BIT(n) (UINT64_C(1) << (n))

static struct oci_ctx test_ctx;

/* Valgrind keeps RLIMIT_NOFILE for itself: a process under it cannot set that limit. */
static bool under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");

	return p && strstr(p, "vgpreload");
}

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

/* Parse a process object given as JSON text; returns 0 or the error code, message in *msg. */
static int parse(const char *text, struct oci_process **ret, char *msg, size_t len)
{
	json_object *o = json_tokener_parse(text);
	struct joblet_error *e = NULL;
	int r;

	ck_assert_msg(o != NULL, "bad test JSON: %s", text);
	r = oci_process_parse(&test_ctx, o, ret, &e);
	if (msg)
		snprintf(msg, len, "%s", r < 0 ? joblet_error_message(e) : "");
	joblet_error_free(e);
	json_object_put(o);
	return r;
}

/* The parse of text fails with a message containing want. */
static void parse_fails(const char *text, const char *want)
{
	struct oci_process *p = NULL;
	char msg[1024];

	ck_assert_int_lt(parse(text, &p, msg, sizeof(msg)), 0);
	ck_assert_ptr_null(p);
	ck_assert_msg(strstr(msg, want), "message `%s` lacks `%s`", msg, want);
}

#define BASE "\"args\": [\"true\"], \"cwd\": \"/\""

/* ------------------------------------------------------------------ caps.c */

START_TEST(caps_names)
{
	ck_assert_int_eq(oci_cap_from_name("CAP_CHOWN"), 0);
	ck_assert_int_eq(oci_cap_from_name("CAP_SYS_ADMIN"), 21);
	ck_assert_int_eq(oci_cap_from_name("CAP_CHECKPOINT_RESTORE"), 40);
	ck_assert_int_eq(oci_cap_from_name("CAP_NOPE"), -1);
	ck_assert_int_eq(oci_cap_from_name(NULL), -1);
	ck_assert_str_eq(oci_cap_name(10), "CAP_NET_BIND_SERVICE");
	ck_assert_ptr_null(oci_cap_name(41));
	ck_assert_ptr_null(oci_cap_name(-1));
	/* Docker's 14. */
	ck_assert_int_eq(__builtin_popcountll(oci_caps_default()), 14);
	ck_assert(oci_caps_default() & CAP_BIT(29));	/* AUDIT_WRITE */
	ck_assert(!(oci_caps_default() & CAP_BIT(21))); /* SYS_ADMIN */
	ck_assert(!(oci_caps_default() & CAP_BIT(12))); /* NET_ADMIN */
}
END_TEST

/* ------------------------------------------------------------------ parsing */

START_TEST(parse_ok)
{
	struct oci_process *p = NULL;
	unsigned rows, cols;
	char msg[1024];

	ck_assert_int_eq(
		parse("{\"args\": [\"sh\", \"-c\", \"x\"], \"env\": [\"PATH=/bin\", \"A=1\"], \"cwd\": \"/w\", \"terminal\": true, \"consoleSize\": {\"height\": 40, \"width\": 120}, \"user\": {\"uid\": 5, \"gid\": 6, \"umask\": 18, \"additionalGids\": [7]}, \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 512}, {\"type\": \"RLIMIT_CORE\", \"hard\": 18446744073709551615, \"soft\": 0}], \"noNewPrivileges\": false, \"oomScoreAdj\": 100, \"apparmorProfile\": \"\", \"selinuxLabel\": \"\", \"ioPriority\": {\"class\": \"IOPRIO_CLASS_BE\", \"priority\": 4}, \"scheduler\": {\"policy\": \"SCHED_BATCH\", \"nice\": 5}, \"capabilities\": {\"bounding\": [\"CAP_CHOWN\", \"CAP_AUDIT_WRITE\"], \"effective\": [\"CAP_CHOWN\"], \"ambient\": []}}",
		      &p, msg, sizeof(msg)),
		0);
	ck_assert(oci_process_terminal(p));
	oci_process_console_size(p, &rows, &cols);
	ck_assert_uint_eq(rows, 40);
	ck_assert_uint_eq(cols, 120);
	oci_process_set_terminal(p, false);
	ck_assert(!oci_process_terminal(p));
	oci_process_free(p);
	oci_process_free(NULL);
}
END_TEST

START_TEST(parse_field_errors)
{
	parse_fails("[]", "config.json: process: is required");
	parse_fails("{\"cwd\": \"/\"}", "config.json: process.args: is required");
	parse_fails("{\"args\": [], \"cwd\": \"/\"}",
		    "config.json: process.args: must name a program");
	parse_fails("{\"args\": [1], \"cwd\": \"/\"}",
		    "config.json: process.args[0]: must be a string");
	parse_fails("{\"args\": [\"x\"]}", "config.json: process.cwd: is required");
	parse_fails("{\"args\": [\"x\"], \"cwd\": \"work\"}",
		    "config.json: process.cwd: `work` is not an absolute path");
	parse_fails("{" BASE ", \"env\": [\"NOEQUALS\"]}",
		    "config.json: process.env[0]: `NOEQUALS` is not of the form NAME=VALUE");
	parse_fails("{" BASE ", \"env\": [\"=x\"]}", "process.env[0]");
	parse_fails("{" BASE ", \"user\": {\"uid\": -1}}",
		    "config.json: process.user.uid: must be an integer from 0 to");
	parse_fails("{" BASE ", \"user\": {\"umask\": 512}}", "config.json: process.user.umask");
	parse_fails("{" BASE ", \"user\": {\"additionalGids\": [1, \"x\"]}}",
		    "config.json: process.user.additionalGids[1]");
	parse_fails("{" BASE ", \"terminal\": \"yes\"}",
		    "config.json: process.terminal: must be true or false");
	parse_fails("{" BASE ", \"consoleSize\": {\"height\": 70000}}",
		    "config.json: process.consoleSize.height");
	parse_fails(
		"{" BASE ", \"oomScoreAdj\": 1001}",
		"config.json: process.oomScoreAdj: must be an integer from -1000 to 1000, not `1001`");
	parse_fails(
		"{" BASE ", \"apparmorProfile\": \"docker-default\"}",
		"config.json: process.apparmorProfile: `docker-default` cannot be applied: this host does not enforce AppArmor");
	parse_fails("{" BASE ", \"selinuxLabel\": \"system_u:system_r:container_t:s0\"}",
		    "this host does not enforce SELinux");
	parse_fails("{" BASE ", \"ioPriority\": {\"class\": \"IOPRIO_CLASS_X\"}}",
		    "config.json: process.ioPriority.class: unknown class `IOPRIO_CLASS_X`");
	parse_fails("{" BASE ", \"ioPriority\": {\"class\": \"IOPRIO_CLASS_BE\", \"priority\": 8}}",
		    "config.json: process.ioPriority.priority");
	parse_fails("{" BASE ", \"scheduler\": {\"policy\": \"SCHED_FIFO\", \"priority\": 10}}",
		    "config.json: process.scheduler.policy: `SCHED_FIFO` is not supported");
	parse_fails("{" BASE ", \"scheduler\": {\"policy\": \"SCHED_OTHER\", \"runtime\": 5}}",
		    "config.json: process.scheduler.runtime: is not supported");
	parse_fails("{" BASE ", \"scheduler\": {\"policy\": \"SCHED_OTHER\", \"nice\": 20}}",
		    "config.json: process.scheduler.nice");
}
END_TEST

START_TEST(parse_rlimit_errors)
{
	parse_fails("{" BASE
		    ", \"rlimits\": [{\"type\": \"RLIMIT_NOPE\", \"hard\": 1, \"soft\": 1}]}",
		    "config.json: process.rlimits[0].type: unknown limit `RLIMIT_NOPE`");
	parse_fails("{" BASE
		    ", \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 10, \"soft\": 20}]}",
		    "config.json: process.rlimits[0]: soft 20 is above hard 10 for RLIMIT_NOFILE");
	parse_fails(
		"{" BASE
		", \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 10, \"soft\": 1}, {\"type\": \"RLIMIT_NOFILE\", \"hard\": 10, \"soft\": 1}]}",
		"config.json: process.rlimits[1].type: `RLIMIT_NOFILE` is given twice");
	parse_fails("{" BASE
		    ", \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": -1, \"soft\": 1}]}",
		    "config.json: process.rlimits[0].hard: must be an integer");
	parse_fails("{" BASE ", \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 5}]}",
		    "config.json: process.rlimits[0].soft: is required");
	parse_fails("{" BASE ", \"rlimits\": {}}",
		    "config.json: process.rlimits: must be an array");
}
END_TEST

START_TEST(parse_caps_floor)
{
	struct oci_process *p = NULL;
	char msg[1024];

	/* Docker's 14 are granted without the operator. */
	ck_assert_int_eq(
		parse("{" BASE
		      ", \"capabilities\": {\"bounding\": [\"CAP_CHOWN\", \"CAP_DAC_OVERRIDE\", \"CAP_FSETID\", \"CAP_FOWNER\", \"CAP_MKNOD\", \"CAP_NET_RAW\", \"CAP_SETGID\", \"CAP_SETUID\", \"CAP_SETFCAP\", \"CAP_SETPCAP\", \"CAP_NET_BIND_SERVICE\", \"CAP_SYS_CHROOT\", \"CAP_KILL\", \"CAP_AUDIT_WRITE\"]}}",
		      &p, msg, sizeof(msg)),
		0);
	oci_process_free(p);
	parse_fails(
		"{" BASE ", \"capabilities\": {\"bounding\": [\"CAP_CHOWN\", \"CAP_SYS_ADMIN\"]}}",
		"config.json: process.capabilities.bounding: CAP_SYS_ADMIN is beyond joblet's floor; an operator may allow it in /etc/joblet/oci.yml (oci.allowed_capabilities)");
	parse_fails(
		"{" BASE ", \"capabilities\": {\"ambient\": [\"CAP_SYS_MODULE\"]}}",
		"config.json: process.capabilities.ambient: CAP_SYS_MODULE is beyond joblet's floor");
	parse_fails("{" BASE ", \"capabilities\": {\"effective\": [\"CAP_CHOWN\", \"CAP_FLY\"]}}",
		    "config.json: process.capabilities.effective[1]: unknown capability `CAP_FLY`");
	parse_fails("{" BASE ", \"capabilities\": {\"permitted\": \"CAP_CHOWN\"}}",
		    "config.json: process.capabilities.permitted: must be an array");
	/* The operator widens the floor capability by capability. */
	test_ctx.policy.allowed_caps = CAP_BIT(21);
	ck_assert_int_eq(
		parse("{" BASE
		      ", \"capabilities\": {\"bounding\": [\"CAP_SYS_ADMIN\"], \"effective\": [\"CAP_SYS_ADMIN\"]}}",
		      &p, msg, sizeof(msg)),
		0);
	oci_process_free(p);
	parse_fails("{" BASE
		    ", \"capabilities\": {\"bounding\": [\"CAP_SYS_ADMIN\", \"CAP_SYS_PTRACE\"]}}",
		    "CAP_SYS_PTRACE is beyond joblet's floor");
}
END_TEST

START_TEST(set_env_cwd)
{
	struct oci_process *p = NULL;
	struct joblet_error *e = NULL;

	ck_assert_int_eq(parse("{" BASE ", \"env\": [\"A=1\", \"B=2\"]}", &p, NULL, 0), 0);
	ck_assert_int_eq(oci_process_set_env(p, "A=3", NULL), 0);
	ck_assert_int_eq(oci_process_set_env(p, "C=4", NULL), 0);
	ck_assert_int_eq(oci_process_set_env(p, "AB=5", NULL), 0);
	ck_assert_int_lt(oci_process_set_env(p, "novalue", &e), 0);
	ck_assert_ptr_nonnull(
		strstr(joblet_error_message(e), "`novalue`: must be of the form NAME=VALUE"));
	joblet_error_clear(&e);
	ck_assert_int_lt(oci_process_set_cwd(p, "rel", &e), 0);
	ck_assert_ptr_nonnull(
		strstr(joblet_error_message(e), "--cwd `rel`: must be an absolute path"));
	joblet_error_clear(&e);
	ck_assert_int_eq(oci_process_set_cwd(p, "/tmp", NULL), 0);
	oci_process_free(p);
}
END_TEST

/* ------------------------------------------------------------------ applying, in a user namespace
 */

/* The value after "Name:\t" in /proc/self/status. */
static void status_field(const char *name, char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[512];
	size_t n = strlen(name);

	buf[0] = '\0';
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, name, n) == 0 && line[n] == ':') {
			char *v = line + n + 1;

			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = '\0';
			for (size_t k = strlen(v); k > 0 && v[k - 1] == ' '; k--)
				v[k - 1] = '\0';
			snprintf(buf, len, "%s", v);
		}
	if (f)
		fclose(f);
}

static bool can_unshare_userns(void)
{
	pid_t pid = fork();
	int st;

	if (pid == 0)
		_exit(unshare(CLONE_NEWUSER) == 0 ? 0 : 1);
	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	ck_assert_msg(write(fd, text, strlen(text)) == (ssize_t)strlen(text), "write %s: %s", path,
		      strerror(errno));
	close(fd);
}

/*
 * Fork a child that unshares a user namespace; the parent maps its 0..65535
 * to host 100000.. (unprivileged ids) with setgroups allowed, then the
 * child runs fn(p, report_fd) and _exits with what fn returns.
 */
static pid_t fork_in_userns(const struct oci_process *p, int (*fn)(const struct oci_process *, int),
			    int *ret_report)
{
	int go[2], ready[2], report[2];
	char path[64], c;
	pid_t pid;

	ck_assert_int_eq(pipe2(go, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(ready, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(report, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (unshare(CLONE_NEWUSER) < 0 || write(ready[1], "r", 1) != 1 ||
		    read(go[0], &c, 1) != 1)
			_exit(90);
		_exit(fn(p, report[1]));
	}
	close(report[1]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	write_file(path, "0 100000 65536\n");
	snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
	write_file(path, "allow\n");
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	write_file(path, "0 100000 65536\n");
	ck_assert_int_eq(write(go[1], "g", 1), 1);
	close(go[0]);
	close(go[1]);
	close(ready[0]);
	close(ready[1]);
	*ret_report = report[0];
	return pid;
}

/* Child: apply, then report what /proc/self/status and getrlimit say. */
static int apply_and_report(const struct oci_process *p, int fd)
{
	struct joblet_error *e = NULL;
	struct rlimit rl;
	char out[2048], v[7][128], cwd[256];
	static const char *const fields[] = { "CapBnd", "CapEff", "CapPrm", "CapInh",
					      "CapAmb", "Uid",	  "Gid" };
	char groups[256];
	int n;

	if (oci_process_apply(p, &e) < 0) {
		dprintf(fd, "error: %s\n", joblet_error_message(e));
		return 1;
	}
	for (int i = 0; i < 7; i++)
		status_field(fields[i], v[i], sizeof(v[i]));
	status_field("Groups", groups, sizeof(groups));
	getrlimit(RLIMIT_NOFILE, &rl);
	if (!getcwd(cwd, sizeof(cwd)))
		cwd[0] = '\0';
	n = snprintf(
		out, sizeof(out),
		"CapBnd=%s\nCapEff=%s\nCapPrm=%s\nCapInh=%s\nCapAmb=%s\nUid=%s\nGid=%s\nGroups=%s\nNOFILE=%llu/%llu\numask=%o\ncwd=%s\n",
		v[0], v[1], v[2], v[3], v[4], v[5], v[6], groups, (unsigned long long)rl.rlim_cur,
		(unsigned long long)rl.rlim_max, (unsigned)umask(0), cwd);
	n += snprintf(out + n, sizeof(out) - (size_t)n, "sched=%d nice=%d ioprio=%ld\n",
		      sched_getscheduler(0), getpriority(PRIO_PROCESS, 0),
		      syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0));
	return write(fd, out, (size_t)n) == n ? 0 : 2;
}

static void read_report(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got + 1 < len && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fd);
}

static int wait_exit(pid_t pid)
{
	int st;

	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st), "child died of signal %d", WTERMSIG(st));
	return WEXITSTATUS(st);
}

#define CAPS_2 "[\"CAP_CHOWN\", \"CAP_NET_BIND_SERVICE\"]"

START_TEST(apply_in_userns)
{
	const char *rlimits =
		under_valgrind() ? "[]"
				 : "[{\"type\": \"RLIMIT_NOFILE\", \"hard\": 100, \"soft\": 100}]";
	struct oci_process *p = NULL;
	char json[2048], msg[1024], rep[4096];
	int fd, code;
	pid_t pid;

	if (!can_unshare_userns()) {
		printf("# user namespaces are not available here; apply not tested\n");
		return;
	}
	snprintf(
		json, sizeof(json),
		"{\"args\": [\"true\"], \"cwd\": \"/tmp\", \"user\": {\"uid\": 1000, \"gid\": 1000, \"umask\": 63, \"additionalGids\": [10, 20]}, \"rlimits\": %s, \"capabilities\": {\"bounding\": " CAPS_2
		", \"effective\": " CAPS_2 ", \"permitted\": " CAPS_2 ", \"inheritable\": " CAPS_2
		", \"ambient\": " CAPS_2 "}}",
		rlimits);
	ck_assert_msg(parse(json, &p, msg, sizeof(msg)) == 0, "%s", msg);
	pid = fork_in_userns(p, apply_and_report, &fd);
	read_report(fd, rep, sizeof(rep));
	code = wait_exit(pid);
	ck_assert_msg(code == 0, "child exit %d: %s", code, rep);
	/* CAP_CHOWN (0) and CAP_NET_BIND_SERVICE (10): 0x401 in every set. */
	ck_assert_msg(strstr(rep, "CapBnd=0000000000000401\n"), "%s", rep);
	ck_assert_msg(strstr(rep, "CapEff=0000000000000401\n"), "%s", rep);
	ck_assert_msg(strstr(rep, "CapPrm=0000000000000401\n"), "%s", rep);
	ck_assert_msg(strstr(rep, "CapInh=0000000000000401\n"), "%s", rep);
	ck_assert_msg(strstr(rep, "CapAmb=0000000000000401\n"), "%s", rep);
	ck_assert_msg(strstr(rep, "Uid=1000\t1000\t1000\t1000\n"), "%s", rep);
	ck_assert_msg(strstr(rep, "Gid=1000\t1000\t1000\t1000\n"), "%s", rep);
	ck_assert_msg(strstr(rep, "Groups=10 20 1000\n"), "%s", rep);
	ck_assert_msg(under_valgrind() || strstr(rep, "NOFILE=100/100\n"), "%s", rep);
	ck_assert_msg(strstr(rep, "umask=77\n"), "%s", rep);
	ck_assert_msg(strstr(rep, "cwd=/tmp\n"), "%s", rep);
	oci_process_free(p);
}
END_TEST

/* Root of the namespace with no capabilities asked: none at all, not even in the bounding set. */
START_TEST(apply_no_caps)
{
	struct oci_process *p = NULL;
	char rep[4096];
	int fd, code;
	pid_t pid;

	if (!can_unshare_userns())
		return;
	ck_assert_int_eq(parse("{" BASE "}", &p, NULL, 0), 0);
	pid = fork_in_userns(p, apply_and_report, &fd);
	read_report(fd, rep, sizeof(rep));
	code = wait_exit(pid);
	ck_assert_msg(code == 0, "child exit %d: %s", code, rep);
	ck_assert_msg(strstr(rep, "CapBnd=0000000000000000\n"), "%s", rep);
	ck_assert_msg(strstr(rep, "CapEff=0000000000000000\n"), "%s", rep);
	ck_assert_msg(strstr(rep, "CapPrm=0000000000000000\n"), "%s", rep);
	ck_assert_msg(strstr(rep, "Uid=0\t0\t0\t0\n"), "%s", rep);
	ck_assert_msg(strstr(rep, "umask=22\n"), "%s", rep);
	oci_process_free(p);
}
END_TEST

/* ioPriority and the scheduler policies a process may choose for itself. */
START_TEST(apply_sched)
{
	struct oci_process *p = NULL;
	char msg[1024], rep[4096];
	int fd, code;
	pid_t pid;

	if (!can_unshare_userns())
		return;
	ck_assert_msg(
		parse("{" BASE
		      ", \"scheduler\": {\"policy\": \"SCHED_BATCH\", \"nice\": 7}, \"ioPriority\": {\"class\": \"IOPRIO_CLASS_BE\", \"priority\": 6}}",
		      &p, msg, sizeof(msg)) == 0,
		"%s", msg);
	pid = fork_in_userns(p, apply_and_report, &fd);
	read_report(fd, rep, sizeof(rep));
	code = wait_exit(pid);
	ck_assert_msg(code == 0, "child exit %d: %s", code, rep);
	/* SCHED_BATCH is 3; IOPRIO_PRIO_VALUE(IOPRIO_CLASS_BE = 2, 6) = (2 << 13) | 6. */
	ck_assert_msg(strstr(rep, "sched=3 nice=7 ioprio=16390\n"), "%s", rep);
	oci_process_free(p);
}
END_TEST

/* Errors the child reports: a hard limit raised without the host's CAP_SYS_RESOURCE, a missing cwd.
 */
START_TEST(apply_errors)
{
	struct oci_process *p = NULL;
	char rep[4096];
	int fd;
	pid_t pid;

	if (!can_unshare_userns())
		return;
	ck_assert_int_eq(parse("{\"args\": [\"x\"], \"cwd\": \"/no/such/folder\"}", &p, NULL, 0),
			 0);
	pid = fork_in_userns(p, apply_and_report, &fd);
	read_report(fd, rep, sizeof(rep));
	ck_assert_int_eq(wait_exit(pid), 1);
	ck_assert_msg(
		strstr(rep, "error: process.cwd `/no/such/folder`: No such file or directory"),
		"%s", rep);
	oci_process_free(p);

	ck_assert_int_eq(
		parse("{" BASE
		      ", \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1073741816, \"soft\": 1024}]}",
		      &p, NULL, 0),
		0);
	pid = fork_in_userns(p, apply_and_report, &fd);
	read_report(fd, rep, sizeof(rep));
	ck_assert_int_eq(wait_exit(pid), 1);
	ck_assert_msg(
		strstr(rep,
		       "error: process.rlimits: cannot set RLIMIT_NOFILE to soft 1024 hard 1073741816"),
		"%s", rep);
	oci_process_free(p);

	ck_assert_int_eq(parse("{" BASE ", \"oomScoreAdj\": -1000}", &p, NULL, 0), 0);
	pid = fork_in_userns(p, apply_and_report, &fd);
	read_report(fd, rep, sizeof(rep));
	ck_assert_int_eq(wait_exit(pid), 1);
	ck_assert_msg(strstr(rep, "error: process.oomScoreAdj: cannot lower oom_score_adj from"),
		      "%s", rep);
	oci_process_free(p);
}
END_TEST

/* ------------------------------------------------------------------ exec */

struct exec_args {
	const struct oci_process *p;
	int fifo_fd;
	int report_fd;
};

/* Fork: exec p through the fifo; an error is written to the report pipe. */
static pid_t fork_exec(const struct oci_process *p, int fifo_fd, int *ret_report)
{
	int report[2];
	pid_t pid;

	ck_assert_int_eq(pipe2(report, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct joblet_error *e = NULL;

		dup2(report[1], 2);
		oci_process_exec(p, NULL, NULL, fifo_fd, &e);
		dprintf(report[1], "error: %s\n", joblet_error_message(e));
		_exit(127);
	}
	close(report[1]);
	*ret_report = report[0];
	return pid;
}

START_TEST(exec_fifo)
{
	struct oci_process *p = NULL;
	const char *fifo = jl_tmp_path("exec.fifo");
	char rep[1024], c = 0;
	int fifo_fd, rfd, fd, st;
	pid_t pid;

	/* args[0] without a slash: found in the process's own PATH, not ours. */
	ck_assert_int_eq(
		parse("{\"args\": [\"busybox\", \"true\"], \"cwd\": \"/\", \"env\": [\"PATH=/no/such:/bin\"]}",
		      &p, NULL, 0),
		0);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	fifo_fd = open(fifo, O_PATH | O_CLOEXEC);
	ck_assert_int_ge(fifo_fd, 0);
	pid = fork_exec(p, fifo_fd, &rfd);
	close(fifo_fd);
	/* It waits for `start`: still there a while later. */
	usleep(200 * 1000);
	ck_assert_int_eq(waitpid(pid, &st, WNOHANG), 0);
	fd = open(fifo, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, &c, 1), 1);
	ck_assert_int_eq(c, '0');
	close(fd);
	read_report(rfd, rep, sizeof(rep));
	ck_assert_msg(wait_exit(pid) == 0, "%s", rep);
	oci_process_free(p);
}
END_TEST

START_TEST(exec_errors)
{
	struct oci_process *p = NULL;
	char rep[1024];
	int rfd;
	pid_t pid;

	ck_assert_int_eq(
		parse("{\"args\": [\"no-such-program\"], \"cwd\": \"/\", \"env\": [\"PATH=/bin\"]}",
		      &p, NULL, 0),
		0);
	pid = fork_exec(p, -1, &rfd);
	read_report(rfd, rep, sizeof(rep));
	ck_assert_int_eq(wait_exit(pid), 127);
	ck_assert_msg(
		strstr(rep,
		       "error: cannot exec `no-such-program` (searched PATH=/bin): No such file or directory"),
		"%s", rep);
	oci_process_free(p);

	/* Our own PATH is not used: without one in env, execvp's default applies. */
	ck_assert_int_eq(parse("{\"args\": [\"/no/such/prog\"], \"cwd\": \"/\"}", &p, NULL, 0), 0);
	pid = fork_exec(p, -1, &rfd);
	read_report(rfd, rep, sizeof(rep));
	ck_assert_int_eq(wait_exit(pid), 127);
	ck_assert_msg(strstr(rep, "error: cannot exec `/no/such/prog`: No such file or directory"),
		      "%s", rep);
	oci_process_free(p);
}
END_TEST

/* noNewPrivileges: false is tightened: the exec'd process has no_new_privs all the same. */
START_TEST(exec_sets_nnp)
{
	struct oci_process *p = NULL;
	char rep[1024];
	int rfd;
	pid_t pid;

	ck_assert_int_eq(
		parse("{\"args\": [\"/bin/busybox\", \"grep\", \"-q\", \"^NoNewPrivs:.1\", \"/proc/self/status\"], \"cwd\": \"/\", \"noNewPrivileges\": false}",
		      &p, NULL, 0),
		0);
	pid = fork_exec(p, -1, &rfd);
	read_report(rfd, rep, sizeof(rep));
	ck_assert_msg(wait_exit(pid) == 0, "NoNewPrivs not set: %s", rep);
	oci_process_free(p);
}
END_TEST

static Suite *process_suite(void)
{
	Suite *s = suite_create("oci_process");
	TCase *tc = tcase_create("parse");
	TCase *tr = tcase_create("apply");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, caps_names);
	tcase_add_test(tc, parse_ok);
	tcase_add_test(tc, parse_field_errors);
	tcase_add_test(tc, parse_rlimit_errors);
	tcase_add_test(tc, parse_caps_floor);
	tcase_add_test(tc, set_env_cwd);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tr, setup, teardown);
	tcase_set_timeout(tr, 30);
	jl_tcase_add_root(tr, apply_in_userns);
	jl_tcase_add_root(tr, apply_no_caps);
	jl_tcase_add_root(tr, apply_errors);
	jl_tcase_add_root(tr, apply_sched);
	tcase_add_test(tr, exec_fifo);
	tcase_add_test(tr, exec_errors);
	tcase_add_test(tr, exec_sets_nnp);
	suite_add_tcase(s, tr);
	return s;
}

int main(void)
{
	return jl_run_suite(process_suite());
}

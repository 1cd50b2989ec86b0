/*
 * test_oci_cgroup.c - joblet-oci's cgroup module (core/oci/cgroup.c) on this
 * host's real cgroups (v1 controllers, or v2): parsing and its errors, where
 * cgroupsPath resolves to, and as root the whole life of a cgroup with a
 * process in it.  Every cgroup made here is under /joblet-oci-test-<pid> of
 * each hierarchy and is removed by the teardown whatever happens.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "jl_test.h"
#include "oci/oci.h"

static struct oci_ctx ctx = {
	.root = (char *)"/tmp/joblet-oci-test-root",
	.log_fd = 2,
	.log_format = OCI_LOG_TEXT,
	.systemd_cgroup = false,
	.debug = false,
	.rootless = false,
};

static pid_t child = -1;
static pid_t main_pid;

/* ------------------------------------------------------------------ helpers */

static char *top_name(void)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "joblet-oci-test-%d-%d", (int)main_pid, (int)getpid());
	return buf;
}

static json_object *J(const char *text)
{
	json_object *o = json_tokener_parse(text);

	ck_assert_msg(o != NULL, "bad test JSON: %s", text);
	return o;
}

/* Parse {"cgroupsPath": path, "resources": res}; returns the error (NULL on success). */
static struct joblet_error *try_parse(const char *path, const char *res, struct oci_cgroup **ret)
{
	char text[4096];
	json_object *linux_obj;
	struct joblet_error *err = NULL;
	struct oci_cgroup *cg = NULL;
	int r;

	snprintf(text, sizeof(text), "{\"cgroupsPath\": %s%s%s}", path,
		 res ? ", \"resources\": " : "", res ? res : "");
	linux_obj = J(text);
	r = oci_cgroup_parse(&ctx, "ctr1", linux_obj, &cg, &err);
	json_object_put(linux_obj);
	if (r == 0) {
		ck_assert_ptr_null(err);
		if (ret)
			*ret = cg;
		else
			oci_cgroup_free(cg);
		return NULL;
	}
	ck_assert_ptr_nonnull(err);
	ck_assert_ptr_null(cg);
	return err;
}

static void expect_error(const char *path, const char *res, const char *needle)
{
	struct joblet_error *err = try_parse(path, res, NULL);

	ck_assert_msg(err != NULL, "no error for %s / %s", path, res ? res : "-");
	ck_assert_msg(strstr(err->message, needle), "error `%s` lacks `%s`", err->message, needle);
	joblet_error_free(err);
}

static char *read_file(const char *dir, const char *file)
{
	static char buf[8192];
	char p[4096];
	int fd;
	ssize_t n;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static bool is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The "dir" of the hierarchy whose controllers include ctrl ("" = v2), or NULL. */
static const char *dir_for(json_object *state, const char *ctrl)
{
	json_object *a, *v;

	ck_assert(json_object_object_get_ex(state, "hierarchies", &a));
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *h = json_object_array_get_idx(a, i);
		const char *c;
		char list[128];

		json_object_object_get_ex(h, "controllers", &v);
		c = json_object_get_string(v);
		snprintf(list, sizeof(list), ",%s,", c);
		char want[64];
		snprintf(want, sizeof(want), ",%s,", ctrl);
		if (!*c || strstr(list, want)) {
			json_object_object_get_ex(h, "dir", &v);
			return json_object_get_string(v);
		}
	}
	return NULL;
}

static int version_of(json_object *state)
{
	json_object *v;

	ck_assert(json_object_object_get_ex(state, "version", &v));
	return json_object_get_int(v);
}

static void rmdir_tree(const char *p)
{
	DIR *d = opendir(p);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char sub[4096];

		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", p, e->d_name);
		rmdir_tree(sub);
	}
	closedir(d);
	rmdir(p);
}

/* Every cgroup mount point (v1 controllers and v2) from mountinfo. */
static size_t cgroup_mounts(char mounts[][256], size_t max)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	size_t n = 0;

	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		char mp[256], *sep = strstr(line, " - ");

		if (!sep ||
		    (strncmp(sep, " - cgroup ", 10) != 0 && strncmp(sep, " - cgroup2 ", 11) != 0))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %255s", mp) == 1)
			snprintf(mounts[n++], 256, "%s", mp);
	}
	fclose(f);
	return n;
}

/* Thaw every cgroup of the tree (a frozen task does not die). */
static void thaw_tree(const char *p)
{
	DIR *d = opendir(p);
	struct dirent *e;
	char f[4096];
	int fd;

	if (!d)
		return;
	snprintf(f, sizeof(f), "%s/freezer.state", p);
	if ((fd = open(f, O_WRONLY | O_CLOEXEC)) >= 0) {
		(void)!write(fd, "THAWED", 6);
		close(fd);
	}
	snprintf(f, sizeof(f), "%s/cgroup.freeze", p);
	if ((fd = open(f, O_WRONLY | O_CLOEXEC)) >= 0) {
		(void)!write(fd, "0", 1);
		close(fd);
	}
	while ((e = readdir(d))) {
		char sub[4096];

		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", p, e->d_name);
		thaw_tree(sub);
	}
	closedir(d);
}

static void teardown(void)
{
	char mounts[32][256];
	size_t n = cgroup_mounts(mounts, 32);

	for (size_t i = 0; i < n; i++) {
		char p[512];

		snprintf(p, sizeof(p), "%s/%s", mounts[i], top_name());
		thaw_tree(p);
	}
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		child = -1;
	}
	for (size_t i = 0; i < n; i++) {
		char p[512];

		snprintf(p, sizeof(p), "%s/%s", mounts[i], top_name());
		rmdir_tree(p);
	}
}

static int go_fd = -1;

/* A child that, once told to go (go()), touches 4 MiB (charged to its new cgroup) and sleeps. */
/* SIGKILL what is left in the cgroups of tree p (only our test's cgroups are ever passed). */
static void kill_tree(const char *p)
{
	DIR *d = opendir(p);
	struct dirent *e;
	FILE *f;
	char sub[4096];
	int pid;

	if (!d)
		return;
	snprintf(sub, sizeof(sub), "%s/cgroup.procs", p);
	if ((f = fopen(sub, "re"))) {
		while (fscanf(f, "%d", &pid) == 1)
			if (pid > 1 && pid != getpid())
				kill(pid, SIGKILL);
		fclose(f);
	}
	while ((e = readdir(d))) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", p, e->d_name);
		kill_tree(sub);
	}
	closedir(d);
}

/* After the suite: whatever a failed case left under /joblet-oci-test-<main pid>-*. */
static void cleanup_all(void)
{
	char mounts[32][256], prefix[64];
	size_t n = cgroup_mounts(mounts, 32);

	snprintf(prefix, sizeof(prefix), "joblet-oci-test-%d-", (int)main_pid);
	for (int pass = 0; pass < 3; pass++) {
		for (size_t i = 0; i < n; i++) {
			DIR *d = opendir(mounts[i]);
			struct dirent *e;

			while (d && (e = readdir(d))) {
				char p[512];

				if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
					continue;
				snprintf(p, sizeof(p), "%s/%s", mounts[i], e->d_name);
				thaw_tree(p);
				kill_tree(p);
				usleep(50000);
				rmdir_tree(p);
			}
			if (d)
				closedir(d);
		}
	}
}

static pid_t spawn_sleeper(void)
{
	int p[2];
	pid_t pid;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		volatile char *mem;
		char c;

		close(p[1]);
		if (read(p[0], &c, 1) == 1 && (mem = malloc(4 << 20)))
			for (size_t i = 0; i < (4 << 20); i += 4096)
				mem[i] = 1;
		for (;;)
			pause();
	}
	close(p[0]);
	go_fd = p[1];
	child = pid;
	return pid;
}

static void go(void)
{
	ck_assert_int_eq(write(go_fd, "g", 1), 1);
	close(go_fd);
	go_fd = -1;
	usleep(100000);
}

/* 0 when a process in cg can open path for reading, else the errno it met. */
static int probe_open(struct oci_cgroup *cg, const char *path)
{
	struct joblet_error *err = NULL;
	int sync[2], status;
	pid_t pid;
	char c = 0;

	ck_assert_int_eq(pipe2(sync, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd;

		close(sync[1]);
		if (read(sync[0], &c, 1) != 1)
			_exit(100);
		fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		_exit(fd >= 0 ? 0 : errno);
	}
	close(sync[0]);
	ck_assert_int_eq(oci_cgroup_add(cg, pid, &err), 0);
	ck_assert_int_eq(write(sync[1], &c, 1), 1);
	close(sync[1]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static bool pids_have(struct oci_cgroup *cg, pid_t pid, size_t *ret_n)
{
	struct joblet_error *err = NULL;
	pid_t *pids = NULL;
	size_t n = 0;
	bool found = false;

	ck_assert_int_eq(oci_cgroup_pids(cg, &pids, &n, &err), 0);
	for (size_t i = 0; i < n; i++) {
		found |= pids[i] == pid;
		if (i)
			ck_assert_int_lt(pids[i - 1], pids[i]); /* sorted, unique */
	}
	free(pids);
	if (ret_n)
		*ret_n = n;
	return found;
}

/* Does this host have cgroup controller name mounted (v1) or available (v2)? */
static bool host_has(const char *name)
{
	char mounts[32][256], p[512];
	size_t n = cgroup_mounts(mounts, 32);
	char *list;

	for (size_t i = 0; i < n; i++) {
		const char *base = strrchr(mounts[i], '/');
		char b[300], w[80];

		snprintf(b, sizeof(b), ",%s,", base ? base + 1 : "");
		snprintf(w, sizeof(w), ",%s,", name);
		if (strstr(b, w))
			return true;
		list = read_file(mounts[i], "cgroup.controllers");
		snprintf(p, sizeof(p), " %s ", list ? list : "");
		char want[64];
		snprintf(want, sizeof(want), " %s ", name);
		if (list && strstr(p, want))
			return true;
	}
	return false;
}

/* ------------------------------------------------------------------ parsing */

START_TEST(test_parse_errors)
{
	expect_error("\"/a/../b\"", NULL, "`..`");
	expect_error("\"a/./b\"", NULL, "`.`");
	expect_error("\"/a//b\"", NULL, "empty component");
	expect_error("\"/a/b/\"", NULL, "empty component");
	expect_error("\"/\"", NULL, "root of the cgroup hierarchy");
	expect_error("\"/a b\"", NULL, "character");
	expect_error("5", NULL, "linux.cgroupsPath: must be a string");
	expect_error("\"/x\"", "[]", "linux.resources: must be an object");
	expect_error(
		"\"/x\"", "{\"memory\": {\"limit\": -5}}",
		"config.json: linux.resources.memory.limit: must be -1 (unlimited) or a positive number of bytes (0: not set), not `-5`");
	expect_error("\"/x\"", "{\"memory\": {\"limit\": \"64m\"}}",
		     "linux.resources.memory.limit: must be");
	expect_error("\"/x\"", "{\"memory\": {\"limit\": 1.5}}", "memory.limit");
	expect_error("\"/x\"", "{\"memory\": {\"limit\": 18446744073709551615}}", "memory.limit");
	expect_error("\"/x\"", "{\"memory\": {\"limit\": 100000000, \"swap\": 1000}}",
		     "linux.resources.memory.swap");
	expect_error("\"/x\"", "{\"memory\": {\"disableOOMKiller\": 1}}",
		     "memory.disableOOMKiller: must be true or false");
	expect_error("\"/x\"", "{\"memory\": {\"swappiness\": 101}}", "memory.swappiness");
	expect_error("\"/x\"", "{\"memory\": []}", "linux.resources.memory: must be an object");
	expect_error("\"/x\"", "{\"cpu\": {\"shares\": 1}}", "linux.resources.cpu.shares");
	expect_error("\"/x\"", "{\"cpu\": {\"shares\": 300000}}", "linux.resources.cpu.shares");
	expect_error("\"/x\"", "{\"cpu\": {\"quota\": 10}}", "linux.resources.cpu.quota");
	expect_error("\"/x\"", "{\"cpu\": {\"quota\": -2}}", "linux.resources.cpu.quota");
	expect_error("\"/x\"", "{\"cpu\": {\"period\": 10}}", "linux.resources.cpu.period");
	expect_error("\"/x\"", "{\"cpu\": {\"cpus\": \"0-\"}}",
		     "linux.resources.cpu.cpus: `0-` is not a list");
	expect_error("\"/x\"", "{\"cpu\": {\"mems\": \"3-1\"}}", "linux.resources.cpu.mems");
	expect_error("\"/x\"", "{\"pids\": {\"limit\": -2}}", "linux.resources.pids.limit");
	expect_error("\"/x\"", "{\"pids\": {\"limit\": true}}", "linux.resources.pids.limit");
	expect_error("\"/x\"", "{\"blockIO\": {\"weight\": 5}}", "linux.resources.blockIO");
	expect_error("\"/x\"", "{\"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": 8}]}}",
		     "throttleReadBpsDevice[0]: needs major and minor");
	expect_error(
		"\"/x\"",
		"{\"blockIO\": {\"throttleWriteIOPSDevice\": [{\"major\": 8, \"minor\": 0, \"rate\": -1}]}}",
		"throttleWriteIOPSDevice[0].rate");
	expect_error("\"/x\"", "{\"devices\": [{\"access\": \"rwm\"}]}",
		     "linux.resources.devices[0].allow: is required");
	expect_error("\"/x\"", "{\"devices\": [{\"allow\": false, \"access\": \"rwx\"}]}",
		     "devices[0].access");
	expect_error("\"/x\"", "{\"devices\": [{\"allow\": false, \"type\": \"z\"}]}",
		     "devices[0].type");
	expect_error(
		"\"/x\"",
		"{\"devices\": [{\"allow\": true, \"type\": \"b\", \"major\": 8, \"minor\": 0, \"access\": \"rw\"}]}",
		"allow_host_devices");
	expect_error("\"/x\"", "{\"devices\": [{\"allow\": true, \"access\": \"rwm\"}]}",
		     "linux.resources.devices[0]");
	expect_error("\"/x\"", "{\"hugepageLimits\": [{\"pageSize\": \"2XB\", \"limit\": 1}]}",
		     "hugepageLimits[0].pageSize");
	expect_error("\"/x\"", "{\"rdma\": {\"mlx5_0\": {\"hcaHandles\": 1}}}",
		     "linux.resources.rdma");
	expect_error("\"/x\"", "{\"unified\": {\"cgroup.procs\": \"1\"}}", "unified");
}
END_TEST

/* What the host lacks is an error naming the field, never dropped. */
START_TEST(test_parse_host_cannot)
{
	if (!host_has("hugetlb"))
		expect_error("\"/x\"",
			     "{\"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 2097152}]}",
			     "linux.resources.hugepageLimits");
	if (host_has("blkio") && !read_file("/sys/fs/cgroup/blkio", "blkio.weight") &&
	    !read_file("/sys/fs/cgroup/blkio", "blkio.bfq.weight"))
		expect_error("\"/x\"", "{\"blockIO\": {\"weight\": 500}}",
			     "linux.resources.blockIO.weight");
	if (!host_has("net_cls"))
		expect_error("\"/x\"", "{\"network\": {\"classID\": 1048577}}",
			     "linux.resources.network");
	if (!host_has("net_prio"))
		expect_error(
			"\"/x\"",
			"{\"network\": {\"priorities\": [{\"name\": \"eth0\", \"priority\": 5}]}}",
			"linux.resources.network");
	if (host_has("memory") && !host_has("cgroup2-only")) {
		struct oci_cgroup *cg = NULL;
		json_object *st = NULL;

		ck_assert_ptr_null(try_parse("\"/x\"", NULL, &cg));
		ck_assert_int_eq(oci_cgroup_to_json(cg, &st, NULL), 0);
		if (version_of(st) == 1)
			expect_error("\"/x\"", "{\"unified\": {\"memory.high\": \"1000000\"}}",
				     "is for cgroup v2");
		json_object_put(st);
		oci_cgroup_free(cg);
	}
}
END_TEST

START_TEST(test_systemd_path)
{
	static const char *const cases[][2] = {
		{ "system.slice:docker:abc", "/system.slice/docker-abc.scope" },
		{ "machine.slice:libpod:0123", "/machine.slice/libpod-0123.scope" },
		{ "a-b.slice:p:n", "/a.slice/a-b.slice/p-n.scope" },
		{ "kubepods-burstable-pod12.slice:cri-containerd:c1",
		  "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod12.slice/cri-containerd-c1.scope" },
		{ ":runc:ctr", "/system.slice/runc-ctr.scope" },
		{ "-.slice:x:y", "/x-y.scope" },
		{ "user.slice::y", "/user.slice/y.scope" },
		{ "a.slice:p:b.slice", "/a.slice/b.slice" },
	};
	static const char *const bad[] = { "a.slice:b",	   "a.slice:b:c:d",  "a:p:n",
					   "-a.slice:p:n", "a--b.slice:p:n", "a.slice:p:",
					   "a.slice:p:..", "a/b.slice:p:n",  "a.slice:p/q:n" };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = NULL;
		struct joblet_error *err = NULL;

		ck_assert_msg(oci_cgroup_systemd_path(cases[i][0], &out, &err) == 0, "%s: %s",
			      cases[i][0], joblet_error_message(err));
		ck_assert_str_eq(out, cases[i][1]);
		free(out);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *out = NULL;
		struct joblet_error *err = NULL;

		ck_assert_msg(oci_cgroup_systemd_path(bad[i], &out, &err) < 0, "%s accepted as %s",
			      bad[i], out ? out : "?");
		ck_assert_ptr_nonnull(strstr(err->message, "cgroupsPath"));
		joblet_error_free(err);
	}
}
END_TEST

/* The caller's own cgroup in the hierarchy whose /proc/self/cgroup entry names ctrls. */
static bool own_cgroup(const char *ctrls, char *buf, size_t size)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[1024];
	bool found = false;

	ck_assert_ptr_nonnull(f);
	while (!found && fgets(line, sizeof(line), f)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		if (!c2)
			continue;
		*c2 = '\0';
		c2[1 + strcspn(c2 + 1, "\n")] = '\0';
		if (strcmp(c1 + 1, ctrls) == 0) {
			snprintf(buf, size, "%s", strcmp(c2 + 1, "/") == 0 ? "" : c2 + 1);
			found = true;
		}
	}
	fclose(f);
	return found;
}

/* "a/b" and "" resolve under the caller's own cgroup of each hierarchy; "/a/b" from its root. */
static void check_paths(const char *spec, const char *tail, bool relative)
{
	struct oci_cgroup *cg = NULL;
	json_object *st = NULL, *a, *v;

	ck_assert_ptr_null(try_parse(spec, NULL, &cg));
	ck_assert_int_eq(oci_cgroup_to_json(cg, &st, NULL), 0);
	ck_assert(json_object_object_get_ex(st, "hierarchies", &a));
	ck_assert_int_gt(json_object_array_length(a), 0);
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *h = json_object_array_get_idx(a, i);
		char own[1024] = "", want[2048];
		const char *ctrls, *mount;

		json_object_object_get_ex(h, "controllers", &v);
		ctrls = json_object_get_string(v);
		json_object_object_get_ex(h, "mount", &v);
		mount = json_object_get_string(v);
		if (relative)
			ck_assert_msg(own_cgroup(ctrls, own, sizeof(own)), "no own cgroup for `%s`",
				      ctrls);
		snprintf(want, sizeof(want), "%s%s%s", mount, own, tail);
		json_object_object_get_ex(h, "dir", &v);
		ck_assert_str_eq(json_object_get_string(v), want);
		json_object_object_get_ex(h, "created", &v);
		ck_assert_int_eq(json_object_get_int(v), 0);
	}
	json_object_put(st);
	oci_cgroup_free(cg);
}

START_TEST(test_paths)
{
	check_paths("\"/abs/olute\"", "/abs/olute", false);
	check_paths("\"rel/ative\"", "/rel/ative", true);
	check_paths("\"\"", "/ctr1", true);
	ctx.systemd_cgroup = true;
	check_paths("\"machine.slice:libpod:x1\"", "/machine.slice/libpod-x1.scope", false);
	check_paths("\"\"", "/system.slice/runc-ctr1.scope", false);
	ctx.systemd_cgroup = false;
}
END_TEST

/* ------------------------------------------------------------------ real cgroups (root) */

#define MIB (1024LL * 1024)

static struct oci_cgroup *make(const char *leaf, const char *res)
{
	char path[256];
	struct oci_cgroup *cg = NULL;
	struct joblet_error *err = NULL;

	snprintf(path, sizeof(path), "\"/%s/%s\"", top_name(), leaf);
	err = try_parse(path, res, &cg);
	ck_assert_msg(err == NULL, "parse: %s", joblet_error_message(err));
	ck_assert_msg(oci_cgroup_create(cg, &err) == 0, "create: %s", joblet_error_message(err));
	return cg;
}

static json_object *state_of(struct oci_cgroup *cg)
{
	json_object *st = NULL;

	ck_assert_int_eq(oci_cgroup_to_json(cg, &st, NULL), 0);
	return st;
}

static void check_limits(json_object *st)
{
	const char *d;

	if (version_of(st) == 1) {
		ck_assert_str_eq(read_file(dir_for(st, "memory"), "memory.limit_in_bytes"),
				 "67108864");
		ck_assert_str_eq(read_file(dir_for(st, "pids"), "pids.max"), "32");
		ck_assert_str_eq(read_file(dir_for(st, "cpu"), "cpu.shares"), "512");
		ck_assert_str_eq(read_file(dir_for(st, "cpu"), "cpu.cfs_quota_us"), "50000");
		ck_assert_str_eq(read_file(dir_for(st, "cpu"), "cpu.cfs_period_us"), "100000");
		ck_assert_str_eq(read_file(dir_for(st, "cpuset"), "cpuset.cpus"), "0");
		if ((d = dir_for(st, "devices"))) {
			char *list = read_file(d, "devices.list");

			ck_assert_ptr_nonnull(list);
			ck_assert_str_ne(list, "a *:* rwm"); /* deny by default */
		}
		if ((d = dir_for(st, "memory")) && read_file(d, "memory.memsw.limit_in_bytes"))
			ck_assert_str_eq(read_file(d, "memory.memsw.limit_in_bytes"), "67108864");
	} else {
		d = dir_for(st, "");
		ck_assert_str_eq(read_file(d, "memory.max"), "67108864");
		ck_assert_str_eq(read_file(d, "pids.max"), "32");
		ck_assert_str_eq(read_file(d, "cpu.max"), "50000 100000");
		ck_assert_str_eq(read_file(d, "cpu.weight"), "20"); /* 1 + (510 * 9999) / 262142 */
		if (read_file(d, "memory.swap.max"))
			ck_assert_str_eq(read_file(d, "memory.swap.max"), "0");
	}
}

static const char *const lifecycle_res =
	"{\"memory\": {\"limit\": 67108864, \"swap\": 67108864}, \"pids\": {\"limit\": 32},"
	" \"cpu\": {\"shares\": 512, \"quota\": 50000, \"period\": 100000, \"cpus\": \"0\"},"
	" \"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
	" {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3, \"access\": \"rwm\"}]}";

START_TEST(test_lifecycle)
{
	struct oci_cgroup *cg = make("c1", lifecycle_res), *again = NULL;
	struct joblet_error *err = NULL;
	json_object *st = state_of(cg), *stats = NULL, *mem, *usage, *u, *upd;
	pid_t pid = spawn_sleeper();
	size_t n;
	int status;

	check_limits(st);
	if (dir_for(st, "devices")) {
		ck_assert_int_eq(probe_open(cg, "/dev/null"), 0);
		if (access("/dev/kmsg", R_OK) == 0)
			ck_assert_int_eq(probe_open(cg, "/dev/kmsg"), EPERM);
	}
	ck_assert_int_eq(oci_cgroup_add(cg, pid, &err), 0);
	go();
	ck_assert(pids_have(cg, pid, &n));
	ck_assert_int_eq(n, 1);

	/* pause / resume */
	ck_assert_int_eq(oci_cgroup_frozen(cg, NULL), 0);
	ck_assert_msg(oci_cgroup_freeze(cg, true, &err) == 0, "%s", joblet_error_message(err));
	ck_assert_int_eq(oci_cgroup_frozen(cg, NULL), 1);
	ck_assert_int_eq(oci_cgroup_freeze(cg, false, &err), 0);
	ck_assert_int_eq(oci_cgroup_frozen(cg, NULL), 0);

	/* events --stats */
	ck_assert_int_eq(oci_cgroup_stats(cg, &stats, &err), 0);
	ck_assert(json_object_object_get_ex(stats, "memory", &mem));
	ck_assert(json_object_object_get_ex(mem, "usage", &usage));
	ck_assert(json_object_object_get_ex(usage, "usage", &u));
	ck_assert_int_gt(json_object_get_int64(u), 0);
	ck_assert(json_object_object_get_ex(usage, "limit", &u));
	ck_assert_int_eq(json_object_get_int64(u), 64 * MIB);
	ck_assert(json_object_object_get_ex(stats, "pids", &mem));
	ck_assert(json_object_object_get_ex(mem, "current", &u));
	ck_assert_int_eq(json_object_get_int64(u), 1);
	ck_assert(json_object_object_get_ex(stats, "cpu", &mem));
	ck_assert_int_ge(oci_cgroup_oom_count(cg, NULL), 0);
	json_object_put(stats);

	/* update: raising memory (and memory+swap) works in either order */
	upd = J("{\"memory\": {\"limit\": 134217728, \"swap\": 134217728}, \"pids\": {\"limit\": -1}}");
	ck_assert_msg(oci_cgroup_update(cg, upd, &err) == 0, "%s", joblet_error_message(err));
	json_object_put(upd);
	if (version_of(st) == 1) {
		ck_assert_str_eq(read_file(dir_for(st, "memory"), "memory.limit_in_bytes"),
				 "134217728");
		ck_assert_str_eq(read_file(dir_for(st, "pids"), "pids.max"), "max");
	} else {
		ck_assert_str_eq(read_file(dir_for(st, ""), "memory.max"), "134217728");
	}
	upd = J("{\"memory\": {\"limit\": -3}}");
	ck_assert_int_lt(oci_cgroup_update(cg, upd, &err), 0);
	ck_assert_ptr_nonnull(strstr(err->message, "resources.memory.limit"));
	joblet_error_clear(&err);
	json_object_put(upd);

	/* state.json round trip: another process acts on it */
	ck_assert_msg(oci_cgroup_from_json(&ctx, st, &again, &err) == 0, "%s",
		      joblet_error_message(err));
	ck_assert(pids_have(again, pid, NULL));

	/* kill --all */
	ck_assert_msg(oci_cgroup_signal_all(again, SIGKILL, &err) == 0, "%s",
		      joblet_error_message(err));
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	child = -1;
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	/* delete: the leaf and the intermediate dir the path made, nothing else */
	ck_assert_msg(oci_cgroup_destroy(again, &err) == 0, "%s", joblet_error_message(err));
	{
		json_object *a, *h, *v;

		json_object_object_get_ex(st, "hierarchies", &a);
		for (size_t i = 0; i < json_object_array_length(a); i++) {
			char top[512];

			h = json_object_array_get_idx(a, i);
			json_object_object_get_ex(h, "dir", &v);
			ck_assert_msg(!is_dir(json_object_get_string(v)), "%s left",
				      json_object_get_string(v));
			json_object_object_get_ex(h, "created", &v);
			ck_assert_int_eq(json_object_get_int(v), 2);
			json_object_object_get_ex(h, "mount", &v);
			snprintf(top, sizeof(top), "%s/%s", json_object_get_string(v), top_name());
			ck_assert_msg(!is_dir(top), "%s left", top);
			ck_assert(is_dir(json_object_get_string(v)));
		}
	}
	/* gone: finding nothing is success (delete --force after a crash) */
	ck_assert_int_eq(oci_cgroup_destroy(cg, &err), 0);
	ck_assert_msg(oci_cgroup_signal_all(cg, SIGKILL, &err) == 0, "%s",
		      joblet_error_message(err));
	ck_assert(!pids_have(cg, pid, &n));
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(oci_cgroup_frozen(cg, NULL), 0);
	oci_cgroup_free(again);
	oci_cgroup_free(cg);
	json_object_put(st);
}
END_TEST

/* blockIO throttles reach the v1 blkio files (a real disk of this host: /sys/block/vda). */
START_TEST(test_blkio)
{
	struct oci_cgroup *cg;
	struct joblet_error *err = NULL;
	json_object *st;
	char res[512], want[64], *dev, *got;
	unsigned maj, min;

	dev = read_file("/sys/block/vda", "dev");
	if (!dev || sscanf(dev, "%u:%u", &maj, &min) != 2 || !host_has("blkio"))
		return; /* no such disk, or no blkio controller here */
	snprintf(
		res, sizeof(res),
		"{\"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": %u, \"minor\": %u, \"rate\": 1048576}], \"throttleWriteIOPSDevice\": [{\"major\": %u, \"minor\": %u, \"rate\": 100}]}}",
		maj, min, maj, min);
	cg = make("c1", res);
	st = state_of(cg);
	snprintf(want, sizeof(want), "%u:%u 1048576", maj, min);
	got = read_file(dir_for(st, "blkio"), "blkio.throttle.read_bps_device");
	ck_assert_str_eq(got, want);
	snprintf(want, sizeof(want), "%u:%u 100", maj, min);
	got = read_file(dir_for(st, "blkio"), "blkio.throttle.write_iops_device");
	ck_assert_str_eq(got, want);
	ck_assert_int_eq(oci_cgroup_destroy(cg, &err), 0);
	oci_cgroup_free(cg);
	json_object_put(st);
}
END_TEST

/* A parent that existed before (Slurm's, the kubelet's) is never removed. */
START_TEST(test_parent_kept)
{
	struct oci_cgroup *probe = NULL, *cg;
	struct joblet_error *err = NULL;
	json_object *st, *a, *v;
	char path[256];

	snprintf(path, sizeof(path), "\"/%s\"", top_name());
	ck_assert_ptr_null(try_parse(path, NULL, &probe));
	ck_assert_int_eq(oci_cgroup_create(probe, &err), 0); /* the "parent" made by someone else */
	cg = make("c1", "{\"memory\": {\"limit\": 33554432}}");
	st = state_of(cg);
	ck_assert_int_eq(oci_cgroup_destroy(cg, &err), 0);
	json_object_object_get_ex(st, "hierarchies", &a);
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *h = json_object_array_get_idx(a, i);
		char top[512];

		json_object_object_get_ex(h, "created", &v);
		ck_assert_int_eq(json_object_get_int(v), 1);
		json_object_object_get_ex(h, "dir", &v);
		ck_assert(!is_dir(json_object_get_string(v)));
		json_object_object_get_ex(h, "mount", &v);
		snprintf(top, sizeof(top), "%s/%s", json_object_get_string(v), top_name());
		ck_assert_msg(is_dir(top), "%s was removed", top);
	}
	json_object_put(st);
	oci_cgroup_free(cg);
	ck_assert_int_eq(oci_cgroup_destroy(probe, &err), 0);
	oci_cgroup_free(probe);
}
END_TEST

/* A cgroup with a process in it is not removed: destroy says so. */
START_TEST(test_destroy_busy)
{
	struct oci_cgroup *cg = make("c1", NULL);
	struct joblet_error *err = NULL;
	json_object *st = state_of(cg);
	pid_t pid = spawn_sleeper();
	const char *d;

	ck_assert_int_eq(oci_cgroup_add(cg, pid, &err), 0);
	ck_assert_int_lt(oci_cgroup_destroy(cg, &err), 0);
	ck_assert_ptr_nonnull(strstr(err->message, "processes are still in it"));
	joblet_error_clear(&err);
	d = dir_for(st, version_of(st) == 1 ? "pids" : "");
	if (d)
		ck_assert(is_dir(d));
	ck_assert_int_eq(oci_cgroup_signal_all(cg, SIGKILL, &err), 0);
	waitpid(pid, NULL, 0);
	child = -1;
	ck_assert_msg(oci_cgroup_destroy(cg, &err) == 0, "%s", joblet_error_message(err));
	json_object_put(st);
	oci_cgroup_free(cg);
}
END_TEST

/* A memory hog over its limit is OOM-killed, and the kill is counted. */
START_TEST(test_oom)
{
	struct oci_cgroup *cg =
		make("c1", "{\"memory\": {\"limit\": 16777216, \"swap\": 16777216}}");
	struct joblet_error *err = NULL;
	int sync[2], status;
	pid_t pid;
	char c = 0;

	ck_assert_int_eq(oci_cgroup_oom_count(cg, NULL), 0);
	ck_assert_int_eq(pipe2(sync, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		volatile char *p;

		(void)!read(sync[0], &c, 1);
		p = malloc(256 * MIB);
		for (size_t i = 0; p && i < 256 * MIB; i += 4096)
			p[i] = 1;
		_exit(0);
	}
	child = pid;
	ck_assert_int_eq(oci_cgroup_add(cg, pid, &err), 0);
	ck_assert_int_eq(write(sync[1], &c, 1), 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	child = -1;
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ck_assert_int_ge(oci_cgroup_oom_count(cg, NULL), 1);
	ck_assert_int_eq(oci_cgroup_destroy(cg, &err), 0);
	oci_cgroup_free(cg);
	close(sync[0]);
	close(sync[1]);
}
END_TEST

/* Rootless with nothing writable: the caller's cgroup is used as it is, unless limits are asked. */
START_TEST(test_rootless)
{
	struct oci_cgroup *cg = NULL;
	struct joblet_error *err = NULL;
	json_object *st;
	pid_t *pids = NULL;
	size_t n;
	char path[256];

	ck_assert_int_eq(setresgid(65534, 65534, 65534), 0);
	ck_assert_int_eq(setresuid(65534, 65534, 65534), 0);
	ctx.rootless = true;
	snprintf(path, sizeof(path), "\"/%s/c1\"", top_name());
	ck_assert_ptr_null(try_parse(path, NULL, &cg));
	ck_assert_msg(oci_cgroup_create(cg, &err) == 0, "%s", joblet_error_message(err));
	st = state_of(cg);
	ck_assert(!json_object_get_boolean(json_object_object_get(st, "managed")));
	ck_assert_int_eq(oci_cgroup_add(cg, getpid(), &err), 0);
	ck_assert_int_eq(oci_cgroup_pids(cg, &pids, &n, &err), -JOBLET_E_UNSUPPORTED);
	joblet_error_clear(&err);
	ck_assert_int_eq(oci_cgroup_destroy(cg, &err), 0);
	oci_cgroup_free(cg);
	json_object_put(st);

	/* device rules alone (podman's and containerd's specs have them) are not limits here */
	ck_assert_ptr_null(
		try_parse(path, "{\"devices\": [{\"allow\": false, \"access\": \"rwm\"}]}", &cg));
	ck_assert_msg(oci_cgroup_create(cg, &err) == 0, "%s", joblet_error_message(err));
	oci_cgroup_free(cg);
	ck_assert_ptr_null(try_parse(path, "{\"pids\": {\"limit\": 10}}", &cg));
	ck_assert_int_lt(oci_cgroup_create(cg, &err), 0);
	ck_assert_msg(
		strstr(err->message,
		       "rootless: cannot apply linux.resources: no delegated cgroup writable at `"),
		"%s", err->message);
	joblet_error_clear(&err);
	oci_cgroup_free(cg);
	ctx.rootless = false;
}
END_TEST

/* chown dir and its files to uid (a v1 or v2 delegation). */
static void delegate(const char *dir, uid_t uid)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(chown(dir, uid, uid), 0);
	while ((e = readdir(d))) {
		char p[4096];

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		ck_assert_int_eq(chown(p, uid, uid), 0);
	}
	closedir(d);
}

/* Rootless with a delegated cgroup: limits are applied there, the devices left alone. */
START_TEST(test_rootless_delegated)
{
	struct oci_cgroup *parent = NULL, *cg = NULL;
	struct joblet_error *err = NULL;
	json_object *pst, *st, *a, *v;
	char path[256];
	pid_t pid;

	snprintf(path, sizeof(path), "\"/%s/deleg\"", top_name());
	ck_assert_ptr_null(try_parse(path, NULL, &parent));
	ck_assert_int_eq(oci_cgroup_create(parent, &err), 0);
	pst = state_of(parent);
	json_object_object_get_ex(pst, "hierarchies", &a);
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object_object_get_ex(json_object_array_get_idx(a, i), "dir", &v);
		delegate(json_object_get_string(v), 65534);
	}
	ck_assert_int_eq(setresgid(65534, 65534, 65534), 0);
	ck_assert_int_eq(setresuid(65534, 65534, 65534), 0);
	ctx.rootless = true;
	snprintf(path, sizeof(path), "\"/%s/deleg/c1\"", top_name());
	ck_assert_ptr_null(try_parse(path, "{\"pids\": {\"limit\": 7}}", &cg));
	ck_assert_msg(oci_cgroup_create(cg, &err) == 0, "%s", joblet_error_message(err));
	st = state_of(cg);
	ck_assert(json_object_get_boolean(json_object_object_get(st, "managed")));
	if (version_of(st) == 1)
		ck_assert_str_eq(read_file(dir_for(st, "pids"), "pids.max"), "7");
	pid = spawn_sleeper(); /* the caller's own process */
	ck_assert_msg(oci_cgroup_add(cg, pid, &err) == 0, "%s", joblet_error_message(err));
	ck_assert(pids_have(cg, pid, NULL));
	ck_assert_int_eq(oci_cgroup_signal_all(cg, SIGKILL, &err), 0);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	child = -1;
	ck_assert_int_eq(oci_cgroup_destroy(cg, &err), 0);
	ck_assert(!is_dir(dir_for(st, version_of(st) == 1 ? "pids" : "")));
	ctx.rootless = false;
	oci_cgroup_free(cg);
	oci_cgroup_free(parent);
	json_object_put(st);
	json_object_put(pst);
}
END_TEST

/* state.json that points outside its hierarchy is refused. */
START_TEST(test_from_json_bad)
{
	static const char *const bad[] = {
		"{\"version\": 3, \"hierarchies\": []}",
		"{\"version\": 1}",
		"{\"version\": 1, \"hierarchies\": [{\"controllers\": \"memory\", \"mount\": \"/sys/fs/cgroup/memory\", \"dir\": \"/etc\", \"created\": 1}]}",
		"{\"version\": 1, \"hierarchies\": [{\"controllers\": \"memory\", \"mount\": \"/tmp\", \"dir\": \"/tmp/x\", \"created\": 1}]}",
		"{\"version\": 1, \"hierarchies\": [{\"controllers\": \"memory\", \"mount\": \"/sys/fs/cgroup/../../tmp\", \"dir\": \"/sys/fs/cgroup/../../tmp/x\", \"created\": 1}]}",
		"{\"version\": 1, \"hierarchies\": [{\"controllers\": \"memory\", \"mount\": \"/sys/fs/cgroup/memory\", \"dir\": \"/sys/fs/cgroup/memory/../../x\", \"created\": 1}]}",
		"{\"version\": 1, \"hierarchies\": [{\"controllers\": \"memory\", \"mount\": \"/sys/fs/cgroup/memory\", \"dir\": \"/sys/fs/cgroup/memory/a\", \"created\": 2}]}",
		"{\"version\": 1, \"hierarchies\": [{\"controllers\": \"memory\", \"mount\": \"/sys/fs/cgroup/memory\", \"dir\": \"/sys/fs/cgroup/memory\", \"created\": 0}]}",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_object *o = J(bad[i]);
		struct oci_cgroup *cg = NULL;
		struct joblet_error *err = NULL;

		ck_assert_msg(oci_cgroup_from_json(&ctx, o, &cg, &err) < 0, "accepted %s", bad[i]);
		ck_assert_ptr_nonnull(strstr(err->message, "state.json"));
		joblet_error_free(err);
		json_object_put(o);
	}
}
END_TEST

/*
 * cgroup v2 on this host: in a mount namespace of its own the test drops
 * the v1 mounts, so the module sees only the cgroup2 mount (on a hybrid
 * host: the unified one, without controllers) and runs its v2 paths.
 */
static bool enter_v2_only(void)
{
	FILE *f;
	char line[4096];
	bool v2 = false;

	if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return false;
	f = fopen("/proc/self/mountinfo", "re");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		char mp[256], *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*s %*s %255s", mp) != 1)
			continue;
		if (strncmp(sep, " - cgroup ", 10) == 0)
			ck_assert_int_eq(umount2(mp, MNT_DETACH), 0);
		v2 |= strncmp(sep, " - cgroup2 ", 11) == 0;
	}
	fclose(f);
	return v2;
}

START_TEST(test_v2)
{
	struct oci_cgroup *cg = NULL;
	struct joblet_error *err = NULL;
	json_object *st, *stats = NULL, *cpu;
	char path[256];
	const char *d;
	pid_t pid;
	int status;

	if (!enter_v2_only())
		return;			      /* no cgroup2 mount here: nothing to test */
	ctx.policy.allow_host_devices = true; /* for the update below */
	snprintf(path, sizeof(path), "\"/%s/c1\"", top_name());
	ck_assert_ptr_null(try_parse(path, NULL, &cg));
	st = state_of(cg);
	ck_assert_int_eq(version_of(st), 2);
	if (!host_has("memory")) {
		expect_error(
			path, "{\"memory\": {\"limit\": 1048576}}",
			"linux.resources.memory: this host has no memory cgroup controller (cgroup v2)");
		expect_error(path, "{\"unified\": {\"memory.high\": \"1048576\"}}",
			     "linux.resources.unified");
	}
	expect_error(path, "{\"memory\": {\"swappiness\": 10}}", "memory");
	ck_assert_msg(oci_cgroup_create(cg, &err) == 0, "%s", joblet_error_message(err));
	d = dir_for(st, "");
	ck_assert(is_dir(d));
	/* the device program: the default set only, then what an update allows */
	ck_assert_int_eq(probe_open(cg, "/dev/null"), 0);
	if (access("/dev/kmsg", R_OK) == 0) {
		json_object *upd = J(
			"{\"devices\": [{\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 11, \"access\": \"r\"}]}");

		ck_assert_int_eq(probe_open(cg, "/dev/kmsg"), EPERM);
		ck_assert_msg(oci_cgroup_update(cg, upd, &err) == 0, "%s",
			      joblet_error_message(err));
		ck_assert_int_eq(probe_open(cg, "/dev/kmsg"), 0);
		ck_assert_int_eq(probe_open(cg, "/dev/null"), 0);
		json_object_put(upd);
	}
	pid = spawn_sleeper();
	ck_assert_int_eq(oci_cgroup_add(cg, pid, &err), 0);
	go();
	ck_assert(pids_have(cg, pid, NULL));
	if (read_file(d, "cgroup.freeze")) {
		ck_assert_msg(oci_cgroup_freeze(cg, true, &err) == 0, "%s",
			      joblet_error_message(err));
		ck_assert_int_eq(oci_cgroup_frozen(cg, NULL), 1);
		ck_assert_int_eq(oci_cgroup_freeze(cg, false, &err), 0);
		ck_assert_int_eq(oci_cgroup_frozen(cg, NULL), 0);
	}
	ck_assert_int_eq(oci_cgroup_stats(cg, &stats, &err), 0);
	ck_assert(json_object_object_get_ex(stats, "cpu", &cpu));
	json_object_put(stats);
	ck_assert_msg(oci_cgroup_signal_all(cg, SIGKILL, &err) == 0, "%s",
		      joblet_error_message(err));
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	child = -1;
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ck_assert_msg(oci_cgroup_destroy(cg, &err) == 0, "%s", joblet_error_message(err));
	ck_assert(!is_dir(d));
	*strrchr((char *)d, '/') = '\0';
	ck_assert_msg(!is_dir(d), "%s left", d);
	json_object_put(st);
	oci_cgroup_free(cg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("oci_cgroup");
	int rc;
	TCase *pure = tcase_create("parse");
	TCase *real = tcase_create("real");

	tcase_add_test(pure, test_parse_errors);
	tcase_add_test(pure, test_parse_host_cannot);
	tcase_add_test(pure, test_systemd_path);
	tcase_add_test(pure, test_paths);
	tcase_add_test(pure, test_from_json_bad);
	suite_add_tcase(s, pure);

	tcase_add_checked_fixture(real, NULL, teardown);
	tcase_set_timeout(real, 60);
	jl_tcase_add_root(real, test_lifecycle);
	jl_tcase_add_root(real, test_parent_kept);
	jl_tcase_add_root(real, test_blkio);
	jl_tcase_add_root(real, test_destroy_busy);
	jl_tcase_add_root(real, test_oom);
	/* These two change the process (uid, mount namespace): only in a process of their own. */
	if (!getenv("CK_FORK") || strcmp(getenv("CK_FORK"), "no") != 0) {
		jl_tcase_add_root(real, test_rootless);
		jl_tcase_add_root(real, test_rootless_delegated);
		jl_tcase_add_root(real, test_v2);
	}
	suite_add_tcase(s, real);
	main_pid = getpid();
	rc = jl_run_suite(s);
	if (geteuid() == 0)
		cleanup_all();
	return rc;
}

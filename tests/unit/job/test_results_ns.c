/*
 * test_results_ns.c - the mount namespace that keeps the /work of ended
 * jobs (job/results_ns.h): made and pinned, found again, a tmpfs moved into
 * it and read through its root, counted, unmounted there by removing its
 * folder here, unpinned.  Each case runs (Check's fork mode) in a mount
 * namespace of its own, made first: nothing reaches the host's.  Below a
 * namespace that is not the first, pinning also takes the way around the
 * kernel's per-CPU namespace ids (results_ns.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../jl_test.h"
#include "../jl_tmp.h"
#include "job/results_ns.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

static char jobs[4096];

/* A mount namespace of the case's own, and STATE/jobs with job ID's work folder. */
static void setup_ns(void)
{
	char p[4200];

	ck_assert_int_eq(unshare(CLONE_NEWNS), 0);
	ck_assert_int_eq(mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL), 0);
	snprintf(jobs, sizeof(jobs), "%s/jobs", jl_tmpdir);
	ck_assert_int_eq(mkdir(jobs, 0700), 0);
	snprintf(p, sizeof(p), "%s/ID", jobs);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/ID/work", jobs);
	ck_assert_int_eq(mkdir(p, 0700), 0);
}

static void mount_work(const char *content)
{
	char p[4200];
	FILE *f;

	snprintf(p, sizeof(p), "%s/ID/work", jobs);
	ck_assert_int_eq(mount("tmpfs", p, "tmpfs", 0, "size=1m"), 0);
	snprintf(p, sizeof(p), "%s/ID/work/result", jobs);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(content, f);
	fclose(f);
}

/* An empty file at JOBS/rel. */
static void empty_file(const char *rel)
{
	char p[4200];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", jobs, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
}

static int is_mount(const char *rel)
{
	char p[4200], up[4300];
	struct stat st, pst;

	snprintf(p, sizeof(p), "%s/%s", jobs, rel);
	snprintf(up, sizeof(up), "%s/..", p);
	return stat(p, &st) == 0 && stat(up, &pst) == 0 && st.st_dev != pst.st_dev;
}

START_TEST(test_keep_and_release)
{
	struct joblet_error *e = NULL;
	char pin[4200], work[4200], buf[64] = { 0 };
	struct statfs sf;
	int root, fd;

	setup_ns();
	ck_assert_int_eq(jl_results_ns_root(jobs), -1);
	ck_assert_int_eq(errno, ENOENT);
	/* Without a results namespace there is nothing to move to. */
	mount_work("first\n");
	ck_assert_int_eq(jl_results_ns_keep(jobs, "ID", &e), 0);
	ck_assert(is_mount("ID/work"));

	ck_assert_int_eq(jl_results_ns_setup(jobs, &e), 1);
	ck_assert_ptr_null(e);
	snprintf(pin, sizeof(pin), "%s/" JL_RESULTS_NS_PIN_FILE, jobs);
	ck_assert_int_eq(statfs(pin, &sf), 0);
	ck_assert_int_eq((long)sf.f_type, (long)NSFS_MAGIC);
	/* The next daemon finds it. */
	ck_assert_int_eq(jl_results_ns_setup(jobs, &e), 0);
	ck_assert_int_eq(jl_results_ns_count(jobs), 0);

	/* A kernel without open_tree() (or valgrind, which does not know it) keeps it here. */
	if (syscall(SYS_open_tree, -1, "", 0) < 0 && errno == ENOSYS) {
		ck_assert_int_eq(jl_results_ns_keep(jobs, "ID", &e), 0);
		ck_assert(is_mount("ID/work"));
		snprintf(work, sizeof(work), "%s/ID/work", jobs);
		ck_assert_int_eq(umount2(work, MNT_DETACH), 0);
		ck_assert_int_eq(jl_results_ns_remove(jobs, &e), 0);
		return;
	}
	ck_assert_int_eq(jl_results_ns_keep(jobs, "ID", &e), 1);
	ck_assert_ptr_null(e);
	ck_assert(!is_mount("ID/work"));
	ck_assert_int_eq(jl_results_ns_count(jobs), 1);
	/* Nothing more to move: the folder is no mount point here now. */
	ck_assert_int_eq(jl_results_ns_keep(jobs, "ID", &e), 0);

	root = jl_results_ns_root(jobs);
	ck_assert_int_ge(root, 0);
	fd = openat(root, "ID/work/result", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, buf, sizeof(buf) - 1), 6);
	ck_assert_str_eq(buf, "first\n");
	close(fd);
	/* Removing the folder here unmounts the tmpfs there. */
	snprintf(work, sizeof(work), "%s/ID/work", jobs);
	ck_assert_int_eq(rmdir(work), 0);
	ck_assert_int_eq(jl_results_ns_count(jobs), 0);
	ck_assert_int_lt(openat(root, "ID/work/result", O_RDONLY | O_CLOEXEC), 0);
	close(root);

	ck_assert_int_eq(jl_results_ns_remove(jobs, &e), 0);
	ck_assert_int_ne(access(pin, F_OK), 0);
	snprintf(pin, sizeof(pin), "%s/" JL_RESULTS_NS_PIN, jobs);
	ck_assert_int_ne(access(pin, F_OK), 0);
	ck_assert_int_eq(jl_results_ns_root(jobs), -1);
}
END_TEST

/*
 * Under systemd / is shared, and each service with a mount namespace of its
 * own holds a slave copy of it: a namespace file bound where the mount
 * would propagate is refused (EINVAL).  Here: / made shared, and a child
 * holding a slave namespace of ours while the results namespace is made.
 */
START_TEST(test_shared_root)
{
	struct joblet_error *e = NULL;
	int ready[2], done[2];
	char c = 0;
	pid_t pid;

	setup_ns();
	ck_assert_int_eq(mount("none", "/", "none", MS_REC | MS_SHARED, NULL), 0);
	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(done), 0);
	pid = fork();
	if (pid == 0) {
		close(ready[0]);
		close(done[1]);
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount("none", "/", "none", MS_REC | MS_SLAVE, NULL) < 0)
			_exit(1);
		if (write(ready[1], &c, 1) != 1 || read(done[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	close(done[0]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	ck_assert_int_eq(jl_results_ns_setup(jobs, &e), 1);
	ck_assert_ptr_null(e);
	ck_assert_int_eq(jl_results_ns_count(jobs), 0);
	close(done[1]);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	ck_assert_int_eq(jl_results_ns_remove(jobs, &e), 0);
}
END_TEST

/* After a reboot the pin is a plain file: a new namespace is made over it. */
START_TEST(test_stale_pin)
{
	struct joblet_error *e = NULL;
	char pin[4200];

	setup_ns();
	snprintf(pin, sizeof(pin), "%s/" JL_RESULTS_NS_PIN, jobs);
	ck_assert_int_eq(mkdir(pin, 0700), 0);
	empty_file(JL_RESULTS_NS_PIN_FILE);
	ck_assert_int_eq(jl_results_ns_count(jobs), -1);
	ck_assert_int_eq(jl_results_ns_setup(jobs, &e), 1);
	ck_assert_int_eq(jl_results_ns_count(jobs), 0);
	ck_assert_int_eq(jl_results_ns_remove(jobs, &e), 0);
}
END_TEST

/* What cannot be made is said, and what stood there is left as it was. */
START_TEST(test_cannot_make)
{
	struct joblet_error *e = NULL;
	struct stat st;
	char pin[4200];

	setup_ns();
	empty_file(JL_RESULTS_NS_PIN);
	ck_assert_int_lt(jl_results_ns_setup(jobs, &e), 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_nonnull(strstr(joblet_error_message(e), "is not a folder"));
	joblet_error_free(e);
	snprintf(pin, sizeof(pin), "%s/" JL_RESULTS_NS_PIN, jobs);
	ck_assert_int_eq(lstat(pin, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	mount_work("x");
	e = NULL;
	ck_assert_int_eq(jl_results_ns_keep(jobs, "ID", &e), 0);
	ck_assert(is_mount("ID/work"));
	snprintf(pin, sizeof(pin), "%s/ID/work", jobs);
	ck_assert_int_eq(umount2(pin, MNT_DETACH), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("results_ns");
	TCase *tc = tcase_create("results_ns");

	tcase_add_checked_fixture(tc, jl_tmp_setup, jl_tmp_teardown);
	jl_tcase_add_root(tc, test_keep_and_release);
	jl_tcase_add_root(tc, test_stale_pin);
	jl_tcase_add_root(tc, test_shared_root);
	jl_tcase_add_root(tc, test_cannot_make);
	suite_add_tcase(s, tc);
	return jl_run_suite(s);
}

/* test_fsutil.c - careful file system helpers (core/lib/base/fsutil.c): removing a job's tree. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fsutil.h"

#include "jl_test.h"
#include "jl_tmp.h"

/*
 * What a hostile job leaves in its folder: a chain of depth folders, a read-only
 * file in every fifth, every tenth folder 0000 or read-only (0500), links
 * out of the tree (to the canary, and up with ../..).  Returns the fd of
 * the folder holding the tree.
 */
static int make_tree(const char *top, size_t depth, const char *canary)
{
	int root = open(jl_tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fd;

	ck_assert_int_ge(root, 0);
	ck_assert_int_eq(mkdirat(root, top, 0755), 0);
	fd = openat(root, top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	for (size_t i = 0; i < depth; i++) {
		int next;

		if (i % 5 == 0) {
			int file = openat(fd, "ro", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0400);

			ck_assert_int_ge(file, 0);
			ck_assert_int_eq(write(file, "x", 1), 1);
			close(file);
		}
		if (i % 50 == 0) {
			ck_assert_int_eq(symlinkat(canary, fd, "out"), 0);
			ck_assert_int_eq(symlinkat("../../../../../../../..", fd, "up"), 0);
		}
		ck_assert_int_eq(mkdirat(fd, "d", 0755), 0);
		next = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		ck_assert_int_ge(next, 0);
		/* Taken away once made: the job's uid did it after writing. */
		if (i % 10 == 0)
			ck_assert_int_eq(fchmod(fd, i % 20 == 0 ? 0000 : 0500), 0);
		close(fd);
		fd = next;
	}
	ck_assert_int_eq(symlinkat(canary, fd, "last"), 0);
	close(fd);
	return root;
}

/* The canary: a folder with a file, outside the tree; every link of the tree points at it. */
static const char *make_canary(void)
{
	ck_assert_int_eq(mkdir(jl_tmp_path("canary"), 0755), 0);
	jl_tmp_write("canary/keep", "keep me");
	return jl_tmp_path("canary");
}

static void assert_canary(const char *canary)
{
	struct stat st;
	char path[4200];

	snprintf(path, sizeof(path), "%s/keep", canary);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, 7);
	ck_assert_int_eq(stat(canary, &st), 0);
}

/* When the removal failed, clear the tree with rm(1) before failing: jl_tmp cannot. */
static void rm_rf_fallback(const char *top)
{
	pid_t pid = fork();

	if (pid == 0) {
		execlp("rm", "rm", "-rf", jl_tmp_path(top), (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

static void remove_deep(size_t depth)
{
	const char *canary = make_canary();
	_cleanup_close_ int root = make_tree("job", depth, canary);
	struct joblet_error *e = NULL;
	struct rlimit few = { 32, 32 };
	int r;

	/*
	 * One fd per level would run out long before the bottom.  Valgrind
	 * keeps descriptors of its own and refuses a lower limit: there the
	 * plain run (which must lower it) is what checks the bound.
	 */
	if (!getenv("JOBLET_TEST_UNDER_VALGRIND"))
		ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &few), 0);
	r = jl_rm_rf_at(root, "job", &e);
	if (r < 0) {
		fprintf(stderr, "jl_rm_rf_at: %s\n", joblet_error_message(e));
		rm_rf_fallback("job");
	}
	ck_assert_int_eq(r, 0);
	ck_assert_int_eq(faccessat(root, "job", F_OK, AT_SYMLINK_NOFOLLOW), -1);
	ck_assert_int_eq(errno, ENOENT);
	assert_canary(canary);
	joblet_error_free(e);
}

START_TEST(test_rm_300_levels)
{
	remove_deep(300);
}
END_TEST

START_TEST(test_rm_5000_levels)
{
	remove_deep(5000);
}
END_TEST

/* A link given as the top is removed, never followed; missing is fine. */
START_TEST(test_rm_link_and_missing)
{
	const char *canary = make_canary();
	_cleanup_close_ int root = open(jl_tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	ck_assert_int_eq(symlinkat(canary, root, "link"), 0);
	ck_assert_int_eq(jl_rm_rf_at(root, "link", NULL), 0);
	ck_assert_int_eq(faccessat(root, "link", F_OK, AT_SYMLINK_NOFOLLOW), -1);
	assert_canary(canary);
	ck_assert_int_eq(jl_rm_rf_at(root, "nothing-here", NULL), 0);
}
END_TEST

/* A wide folder: every entry goes, each scanned once or twice, not once per sibling. */
START_TEST(test_rm_wide)
{
	_cleanup_close_ int root = open(jl_tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int top = -1;
	char name[32];

	ck_assert_int_eq(mkdirat(root, "wide", 0755), 0);
	top = openat(root, "wide", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (int i = 0; i < 2000; i++) {
		int fd;

		snprintf(name, sizeof(name), "d%d", i);
		ck_assert_int_eq(mkdirat(top, name, 0755), 0);
		fd = openat(top, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		ck_assert_int_eq(mkdirat(fd, "sub", 0), 0);
		close(fd);
	}
	ck_assert_int_eq(jl_rm_rf_at(root, "wide", NULL), 0);
	ck_assert_int_eq(faccessat(root, "wide", F_OK, AT_SYMLINK_NOFOLLOW), -1);
}
END_TEST

static int count_made(int fd, const char *path, size_t len, void *cls, struct joblet_error **err)
{
	(void)fd;
	(void)err;
	ck_assert_int_eq(path[len], len == strlen(path) ? '\0' : '/');
	(*(int *)cls)++;
	return 0;
}

/* Folders on the way: made with the exact mode, each reported once; never through a link. */
START_TEST(test_open_folders)
{
	_cleanup_close_ int root = open(jl_tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct joblet_error *e = NULL;
	struct stat st;
	int made = 0, fd;
	mode_t old = umask(077);

	fd = jl_open_folders_at(root, "a/b/c/file", 5, 0755, count_made, &made, NULL);
	umask(old);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(made, 3);
	ck_assert_int_eq(fstatat(root, "a/b/c", &st, AT_SYMLINK_NOFOLLOW), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0755);
	ck_assert_int_eq(faccessat(root, "a/b/c/file", F_OK, AT_SYMLINK_NOFOLLOW), -1);
	/* Again: nothing new to make, the same folder. */
	fd = jl_open_folders_at(root, "a/b/c", 5, 0755, count_made, &made, NULL);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(made, 3);
	/* A link on the way or a file used as a folder: refused, nothing made past it. */
	ck_assert_int_eq(symlinkat(jl_tmpdir, root, "link"), 0);
	ck_assert_int_lt(jl_open_folders_at(root, "link/x", 6, 0755, NULL, NULL, &e), 0);
	ck_assert_int_eq(e->code, JOBLET_E_INVALID);
	joblet_error_free(e);
	e = NULL;
	ck_assert_int_eq(faccessat(root, "x", F_OK, AT_SYMLINK_NOFOLLOW), -1);
	fd = openat(root, "f", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	close(fd);
	ck_assert_int_lt(jl_open_folders_at(root, "f/g", 3, 0755, NULL, NULL, &e), 0);
	ck_assert_msg(strstr(joblet_error_message(e), "`f` is a file, not a folder"), "%s",
		      joblet_error_message(e));
	joblet_error_free(e);
}
END_TEST

/*
 * A kept /work tmpfs with a mount inside it, and a sibling whose name
 * starts the same: jl_unmount_under() detaches the two below the folder,
 * deepest first, and leaves the sibling.  Root, in a mount namespace of
 * the test's own (the fork of this test case), so the host sees nothing.
 */
START_TEST(test_unmount_under)
{
	struct joblet_error *e = NULL;
	char job[PATH_MAX], sib[PATH_MAX];
	int dfd;

	if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
		return; /* no mount namespace here: nothing to check */
	mkdir(jl_tmp_path("job"), 0755);
	mkdir(jl_tmp_path("job/work"), 0755);
	mkdir(jl_tmp_path("job-b"), 0755);
	ck_assert_ptr_nonnull(realpath(jl_tmp_path("job"), job));
	ck_assert_ptr_nonnull(realpath(jl_tmp_path("job-b"), sib));
	ck_assert_int_eq(mount("tmpfs", jl_tmp_path("job/work"), "tmpfs", 0, "size=1m"), 0);
	ck_assert_int_eq(mkdir(jl_tmp_path("job/work/sub"), 0755), 0);
	ck_assert_int_eq(mount("tmpfs", jl_tmp_path("job/work/sub"), "tmpfs", 0, "size=1m"), 0);
	ck_assert_int_eq(mount("tmpfs", jl_tmp_path("job-b"), "tmpfs", 0, "size=1m"), 0);
	jl_tmp_write("job/work/sub/file", "kept");
	ck_assert_int_eq(jl_mounts_under(job, &e), 2);
	/* rm_tree never crosses into a mount: refused while mounted. */
	dfd = open(jl_tmp_path(""), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(dfd, 0);
	ck_assert_int_lt(jl_rm_rf_at(dfd, "job", &e), 0);
	joblet_error_free(e);
	e = NULL;
	ck_assert_int_eq(jl_unmount_under(job, &e), 0);
	ck_assert_int_eq(jl_mounts_under(job, &e), 0);
	ck_assert_int_eq(jl_mounts_under(sib, &e), 1);
	ck_assert_int_eq(jl_rm_rf_at(dfd, "job", &e), 0);
	ck_assert_int_eq(jl_unmount_under(sib, &e), 0);
	close(dfd);
}
END_TEST

static Suite *fsutil_suite(void)
{
	Suite *s = suite_create("fsutil");
	TCase *tc = tcase_create("rm_rf");

	tcase_add_checked_fixture(tc, jl_tmp_setup, jl_tmp_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_rm_300_levels);
	tcase_add_test(tc, test_rm_5000_levels);
	tcase_add_test(tc, test_rm_link_and_missing);
	tcase_add_test(tc, test_rm_wide);
	tcase_add_test(tc, test_open_folders);
	jl_tcase_add_root(tc, test_unmount_under);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return jl_run_suite(fsutil_suite());
}

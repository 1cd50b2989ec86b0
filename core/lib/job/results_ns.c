/*
 * results_ns.c - the mount namespace that keeps the /work of ended jobs
 * (results_ns.h).
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "job/results_ns.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif

/* The pin as an fd of the namespace, or -1 (errno ENOENT: there is none). */
static int open_pin(const char *jobs_dir)
{
	char path[PATH_MAX];
	struct statfs sf;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/" JL_RESULTS_NS_PIN_FILE, jobs_dir) >=
	    sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* After a reboot the file is there, but nothing is mounted on it. */
	if (fstatfs(fd, &sf) < 0 || sf.f_type != NSFS_MAGIC) {
		close(fd);
		errno = ENOENT;
		return -1;
	}
	return fd;
}

static void put_errno(int fd, int e)
{
	ssize_t n = write(fd, &e, sizeof(e));

	(void)n;
}

/* The child's answer: 0, an errno, or EPIPE when it died without one. */
static int get_errno(int fd)
{
	int e;

	return read(fd, &e, sizeof(e)) == (ssize_t)sizeof(e) ? e : EPIPE;
}

static void wait_child(pid_t pid)
{
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/*
 * A child that runs setup(arg) and then waits until *done_fd is closed:
 * its pid, or -1 with errno (setup's, when that failed).  Its /proc/PID
 * files show the namespace it is in.  The child makes system calls only.
 */
static pid_t hold_child(int (*setup)(const void *arg), const void *arg, int *done_fd)
{
	int ready[2], done[2], e;
	pid_t pid;

	*done_fd = -1;
	if (pipe2(ready, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(done, O_CLOEXEC) < 0) {
		e = errno;
		close(ready[0]);
		close(ready[1]);
		errno = e;
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		char c;

		close(ready[0]);
		close(done[1]);
		put_errno(ready[1], setup(arg));
		while (read(done[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	e = pid < 0 ? errno : 0;
	close(ready[1]);
	close(done[0]);
	if (e == 0)
		e = get_errno(ready[0]);
	close(ready[0]);
	if (e != 0) {
		close(done[1]);
		if (pid > 0)
			wait_child(pid);
		errno = e;
		return -1;
	}
	*done_fd = done[1];
	return pid;
}

static void leave(pid_t pid, int done_fd)
{
	close(done_fd);
	wait_child(pid);
}

struct new_ns {
	const char *jobs_dir;
	int cpu; /* the CPU to make it on, or -1 */
};

/* In the child: a new mount namespace whose only mount is jobs_dir, its root. */
static int setup_new_ns(const void *arg)
{
	const struct new_ns *n = arg;

	if (n->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(n->cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount(n->jobs_dir, n->jobs_dir, "none", MS_BIND, NULL) < 0 || chdir(n->jobs_dir) < 0 ||
	    syscall(SYS_pivot_root, ".", ".") < 0 || umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		return errno;
	return 0;
}

/* In the child: the namespace of the pin (an fd). */
static int setup_enter(const void *arg)
{
	return setns(*(const int *)arg, CLONE_NEWNS) < 0 ? errno : 0;
}

/*
 * A new results namespace, pinned at pin: a child makes it and waits while
 * this process binds its nsfs file.  0 or an errno; *ret_bind_failed tells
 * whether the child's part worked and the bind did not.
 */
static int make_ns(const char *jobs_dir, const char *pin, int cpu, bool *ret_bind_failed)
{
	struct new_ns n = { jobs_dir, cpu };
	char src[64];
	int done, fd, e = 0;
	pid_t pid;

	*ret_bind_failed = false;
	pid = hold_child(setup_new_ns, &n, &done);
	if (pid < 0)
		return errno;
	fd = open(pin, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		e = errno;
	} else {
		close(fd);
		snprintf(src, sizeof(src), "/proc/%d/ns/mnt", (int)pid);
		if (mount(src, pin, "none", MS_BIND, NULL) < 0) {
			e = errno;
			*ret_bind_failed = true;
		}
	}
	leave(pid, done);
	return e;
}

/*
 * The pin's folder, a mount of its own with private propagation.  A mount
 * namespace file cannot be bound where the mount would propagate (the kernel
 * refuses to copy one): under systemd / is shared, and every service with a
 * namespace of its own (PrivateTmp=, ProtectSystem=) holds a slave copy.
 */
static int pin_folder(const char *dir, struct joblet_error **err)
{
	struct stat st;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot create `%s`", dir);
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return joblet_error_set(
			err, JOBLET_E_SYSTEM, errno ? errno : ENOTDIR,
			"`%s` is not a folder: it is where the mount namespace that keeps the /work of ended jobs is pinned",
			dir);
	/* EINVAL: not a mount point yet (iproute2 does the same for /run/netns). */
	if (mount("none", dir, "none", MS_PRIVATE, NULL) < 0) {
		if (errno != EINVAL || mount(dir, dir, "none", MS_BIND, NULL) < 0 ||
		    mount("none", dir, "none", MS_PRIVATE, NULL) < 0)
			return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
						"cannot make `%s` a private mount", dir);
	}
	return 0;
}

int jl_results_ns_setup(const char *jobs_dir, struct joblet_error **err)
{
	char dir[PATH_MAX], pin[PATH_MAX];
	cpu_set_t cpus;
	bool bind_failed;
	int fd = open_pin(jobs_dir), e;

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	snprintf(dir, sizeof(dir), "%s/" JL_RESULTS_NS_PIN, jobs_dir);
	snprintf(pin, sizeof(pin), "%s/" JL_RESULTS_NS_PIN_FILE, jobs_dir);
	if (pin_folder(dir, err) < 0)
		return -1;
	e = make_ns(jobs_dir, pin, -1, &bind_failed);
	/*
	 * A namespace file may only be bound into an older namespace, and the
	 * kernel's namespace ids come in batches per CPU: below a namespace that
	 * is not the first (a container's, a test's), a new one made on another
	 * CPU can look older.  Made on the CPU that made ours, it is newer.
	 */
	if (e == EINVAL && bind_failed && sched_getaffinity(0, sizeof(cpus), &cpus) == 0)
		for (int cpu = 0; cpu < CPU_SETSIZE && e == EINVAL && bind_failed; cpu++)
			if (CPU_ISSET(cpu, &cpus))
				e = make_ns(jobs_dir, pin, cpu, &bind_failed);
	if (e != 0) {
		struct joblet_error *ignored = NULL;

		jl_results_ns_remove(jobs_dir, &ignored);
		joblet_error_free(ignored);
		return joblet_error_set(
			err, JOBLET_E_SYSTEM, e,
			"cannot make the mount namespace that keeps the /work of ended jobs (pinned at `%s`)",
			pin);
	}
	return 1;
}

int jl_results_ns_root(const char *jobs_dir)
{
	_cleanup_close_ int ns = open_pin(jobs_dir);
	char path[64];
	int done, root, e;
	pid_t pid;

	if (ns < 0 || (pid = hold_child(setup_enter, &ns, &done)) < 0)
		return -1;
	/* The child's root is the namespace's: lookups from it follow its mounts. */
	snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	e = errno;
	leave(pid, done);
	errno = e;
	return root;
}

/* Whether path is a mount point (a file system other than its folder's). */
static bool is_mount_point(int dir_fd, const char *name)
{
	struct stat st, parent;

	return fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode) &&
	       fstat(dir_fd, &parent) == 0 && st.st_dev != parent.st_dev;
}

int jl_results_ns_keep(const char *jobs_dir, const char *id, struct joblet_error **err)
{
	_cleanup_close_ int ns = -1, dir = -1, tree = -1;
	char job[PATH_MAX], work[PATH_MAX + 8], target[PATH_MAX];
	int status = 0;
	pid_t pid;

	snprintf(job, sizeof(job), "%s/%s", jobs_dir, id);
	snprintf(work, sizeof(work), "%s/work", job);
	snprintf(target, sizeof(target), "/%s/work", id);
	dir = open(job, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0 || !is_mount_point(dir, "work"))
		return 0;
	ns = open_pin(jobs_dir);
	if (ns < 0)
		return 0;
	/* A detached copy of the tmpfs (the same files), to be attached there. */
	tree = (int)syscall(SYS_open_tree, dir, "work", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return errno == ENOSYS ? 0
				       : joblet_error_set(err, JOBLET_E_SYSTEM, errno,
							  "cannot copy the mount of `%s`", work);
	pid = fork();
	if (pid == 0) {
		if (setns(ns, CLONE_NEWNS) < 0 || syscall(SYS_move_mount, tree, "", AT_FDCWD,
							  target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
			_exit(errno > 0 && errno < 256 ? errno : EIO);
		_exit(0);
	}
	if (pid < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					"cannot move `%s` into the results namespace", work);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM,
					WIFEXITED(status) ? WEXITSTATUS(status) : EIO,
					"cannot move `%s` into the results namespace", work);
	/* There now: gone from here (anyone reading it keeps what is open). */
	if (umount2(work, MNT_DETACH) < 0)
		return joblet_error_set(
			err, JOBLET_E_SYSTEM, errno,
			"cannot unmount `%s` after moving it into the results namespace", work);
	return 1;
}

int jl_results_ns_count(const char *jobs_dir)
{
	_cleanup_close_ int ns = open_pin(jobs_dir);
	char path[64], buf[4096];
	int done, fd, lines = 0;
	ssize_t n = -1;
	pid_t pid;

	if (ns < 0 || (pid = hold_child(setup_enter, &ns, &done)) < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
	if (fd >= 0)
		close(fd);
	leave(pid, done);
	/* The namespace's root is one line; each kept /work is one more. */
	return n < 0 || lines < 1 ? -1 : lines - 1 > 254 ? 254 : lines - 1;
}

int jl_results_ns_remove(const char *jobs_dir, struct joblet_error **err)
{
	char dir[PATH_MAX], pin[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/" JL_RESULTS_NS_PIN, jobs_dir);
	snprintf(pin, sizeof(pin), "%s/" JL_RESULTS_NS_PIN_FILE, jobs_dir);
	if (umount2(pin, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot unmount `%s`", pin);
	if (unlink(pin) < 0 && errno != ENOENT && errno != ENOTDIR)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot remove `%s`", pin);
	/* The folder: its own mount (this process made it), then gone. */
	if (umount2(dir, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot unmount `%s`", dir);
	if (rmdir(dir) < 0 && errno != ENOENT && errno != ENOTDIR)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot remove `%s`", dir);
	return 0;
}

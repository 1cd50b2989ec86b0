/*
 * uid.c - the job's own uid and gid: the lowest of isolation.uid_range
 * that no running job holds, shared with no one (the configuration refuses
 * a range any account, group or subordinate id of the host uses).
 *
 * A uid is held by an exclusive flock on SHIM_UID_DIR/<uid>, taken here
 * before any layer runs and kept by the shim for its whole life: released
 * when the shim ends, however it ends (the kernel drops the lock with its
 * last fd), after everything of the job is gone; held across a restart of
 * the daemon, which the shim outlives.  The folder is the host's, so every
 * joblet of the host (daemons with other state folders, run-local) takes
 * its uids from the same locks.  The lowest free uid first keeps the files
 * there as few as the jobs that ever ran at once.
 */
#include <config.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "job/job.h"
#include "shim/shim.h"

#define SHIM_RUN_DIR "/run/joblet"
#define SHIM_UID_DIR SHIM_RUN_DIR "/uids"

/* Deeper folders in /work than this make the job fail to start (the chown recurses). */
#define MAX_DEPTH 128

/* SHIM_UID_DIR, made when missing: root's alone, or refused. */
static int open_uid_dir(struct joblet_error **err)
{
	struct stat st;
	int fd;

	/* A host (or a test's mount namespace) may lack /run: made like the rest. */
	if ((mkdir("/run", 0755) < 0 && errno != EEXIST) ||
	    (mkdir(SHIM_RUN_DIR, 0755) < 0 && errno != EEXIST) ||
	    (mkdir(SHIM_UID_DIR, 0700) < 0 && errno != EEXIST))
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot create `%s`",
					SHIM_UID_DIR);
	fd = open(SHIM_UID_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot open `%s`", SHIM_UID_DIR);
	if (fstat(fd, &st) < 0 || st.st_uid != 0 || (st.st_mode & 022)) {
		close(fd);
		return joblet_error_set(
			err, JOBLET_E_SYSTEM, EPERM,
			"`%s` must be root's and writable by root alone, as joblet-shim creates it; remove it",
			SHIM_UID_DIR);
	}
	return fd;
}

/* Give the tree below dfd to uid:gid, never following a link. */
static int chown_tree(int dfd, uid_t uid, gid_t gid, int depth, struct joblet_error **err)
{
	int copy = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	_cleanup_closedir_ DIR *d = copy >= 0 ? fdopendir(copy) : NULL;
	int r = 0;

	if (!d) {
		if (copy >= 0)
			close(copy);
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot read the job's /work");
	}
	if (depth > MAX_DEPTH)
		return joblet_error_set(err, JOBLET_E_LIMIT, 0,
					"the job's /work is nested more than %d folders deep",
					MAX_DEPTH);
	for (struct dirent *de; r == 0 && (de = readdir(d));) {
		int sub;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fchownat(dfd, de->d_name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
			return joblet_error_set(err, JOBLET_E_IO, errno,
						"cannot set the owner of `%s` in /work",
						de->d_name);
		sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue; /* not a folder (or a link to one): done with it */
		r = chown_tree(sub, uid, gid, depth + 1, err);
		close(sub);
	}
	return r;
}

/* The job's /work (STATE/jobs/ID/work, written by root) and all in it become the job's. */
static int give_work(struct joblet_job *job, uid_t uid, gid_t gid, struct joblet_error **err)
{
	_cleanup_close_ int fd =
		open(joblet_job_work_dir(job), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	/* No folder: nothing to give (a layer that needs one says so). */
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot open `%s`",
					joblet_job_work_dir(job));
	if (fchown(fd, uid, gid) < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot set the owner of `%s`",
					joblet_job_work_dir(job));
	return chown_tree(fd, uid, gid, 0, err);
}

/* uid's lock, when no one holds it: its fd; -EWOULDBLOCK when held; else an error. */
static int try_uid(int dfd, int64_t uid, const char *job_id, struct joblet_error **err)
{
	char name[32], line[64];
	int fd, n;

	snprintf(name, sizeof(name), "%lld", (long long)uid);
	fd = openat(dfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot open `%s/%s`",
					SHIM_UID_DIR, name);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;

		close(fd);
		if (e == EWOULDBLOCK)
			return -EWOULDBLOCK;
		return joblet_error_set(err, JOBLET_E_IO, e, "cannot lock `%s/%s`", SHIM_UID_DIR,
					name);
	}
	/* Who holds it, for people: the lock is what counts. */
	n = snprintf(line, sizeof(line), "%s\n", job_id);
	/*
	 * Written over the last holder's line, then cut to it: job ids are of
	 * one length, so nothing is freed.  Truncating to 0 first freed the
	 * file's block, which a filesystem mounted with `discard` then
	 * discards, waiting for the disk: 1 ms of every start here.
	 */
	if (pwrite(fd, line, (size_t)n, 0) != n || ftruncate(fd, n) < 0)
		jl_log(JOBLET_LOG_WARNING, NULL, "cannot note the job in `%s/%s`", SHIM_UID_DIR,
		       name);
	return fd;
}

int shim_uid_take(const struct jl_config *cfg, struct joblet_job *job, int *ret_fd,
		  struct joblet_error **err)
{
	_cleanup_close_ int dfd = -1;

	*ret_fd = -1;
	/* Without root (isolation/none) the job runs as whoever started it. */
	if (geteuid() != 0) {
		jl_job_set_user(job, (uint32_t)getuid(), (uint32_t)getgid());
		return 0;
	}
	dfd = open_uid_dir(err);
	if (dfd < 0)
		return dfd;
	for (int64_t uid = cfg->uid_first; uid <= cfg->uid_last; uid++) {
		int fd = try_uid(dfd, uid, joblet_job_id(job), err);

		if (fd == -EWOULDBLOCK)
			continue;
		if (fd < 0)
			return fd;
		*ret_fd = fd;
		jl_job_set_user(job, (uint32_t)uid, (uint32_t)uid);
		return give_work(job, (uid_t)uid, (gid_t)uid, err);
	}
	return joblet_error_set(
		err, JOBLET_E_LIMIT, 0,
		"every uid of isolation.uid_range (%lld-%lld) is held by a running job; widen the range",
		(long long)cfg->uid_first, (long long)cfg->uid_last);
}

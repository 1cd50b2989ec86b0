/*
 * disk.c - a job's /work of the size the job was given (--max-disk,
 * isolation.max_disk): a tmpfs of that size mounted by the supervisor at
 * the job's work folder (STATE/jobs/ID/work) in its own - the daemon's -
 * mount namespace, the uploads copied in by the child, bound into the
 * job's root as /work, and RLIMIT_FSIZE at the same size.  The tmpfs
 * outlives the job, so its results can be fetched (GET
 * /v1/jobs/{id}/files): when the job ends, the supervisor moves it into the
 * daemon's results namespace (core/lib/job/results_ns.h), and the daemon
 * unmounts it when the job is deleted or its results are released
 * (jobs.keep_results, jobs.results_memory).
 *
 * Why a tmpfs: the job gets ENOSPC when /work is full and nothing it writes
 * ever reaches the host's disk, whatever the state folder sits on; the
 * pages are charged to the job's memory cgroup, so /work also counts in
 * --max-memory and the scheduler's memory budget (a job cannot use RAM it
 * was not given by writing files instead; pages of a cgroup that is gone
 * stay charged to it, then to its parent, until the tmpfs is unmounted).  Measured against it: a
 * per-job loop-mounted ext4 image (not charged to memory, kept after the job) cost 25-40 ms per job
 * here (LOOP_CONFIGURE, the ext4 mount, unlinking the image), several times
 * a whole job start; project quotas need a state filesystem made and
 * mounted for them, which hosts rarely have.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk.h"

#define INODES_PER_MIB 64 /* one per 16 KiB, as mkfs.ext4's default ratio */
#define MAX_INODES     (INT64_C(1) << 22)

static int disk_err(struct joblet_error **err, int e, const char *what, const char *path)
{
	return joblet_error_set(err, JOBLET_E_SYSTEM, e, "%s `%s`", what, path);
}

/* Copy one regular file (an upload) into dir_fd as name. */
static int copy_file(int src_dir, int dst_dir, const char *name, const struct stat *st)
{
	static char buf[65536];
	int src = openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), dst, r = 0;
	ssize_t n = 0;

	if (src < 0)
		return -errno;
	dst = openat(dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		     st->st_mode & 07777);
	if (dst < 0) {
		r = -errno;
		close(src);
		return r;
	}
	while (r == 0 && (n = read(src, buf, sizeof(buf))) > 0)
		/* A short write is followed by one that says why (ENOSPC when /work is full). */
		for (ssize_t done = 0, w; r == 0 && done < n; done += w)
			if ((w = write(dst, buf + done, (size_t)(n - done))) < 0)
				r = -errno;
	if (r == 0 && n < 0)
		r = -errno;
	if (r == 0 && fchmod(dst, st->st_mode & 07777) < 0)
		r = -errno;
	close(src);
	if (close(dst) < 0 && r == 0)
		r = -errno;
	return r;
}

/*
 * Copy the tree at src (the host's work folder: uploads placed by the daemon)
 * into dst, everything owned by uid:gid.  Folders, files and symlinks; never
 * following a symlink.  depth bounds the recursion.
 */
static int copy_tree(int src, int dst, uid_t uid, gid_t gid, int depth)
{
	DIR *d;
	struct dirent *e;
	int r = 0, fd = dup(src);

	if (fd < 0)
		return -errno;
	if (depth > 256) {
		close(fd);
		return -ELOOP;
	}
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	while (r == 0 && (errno = 0, e = readdir(d))) {
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (fstatat(src, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = -errno;
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			int s2, d2;

			if (mkdirat(dst, e->d_name, st.st_mode & 07777) < 0) {
				r = -errno;
				break;
			}
			s2 = openat(src, e->d_name,
				    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			d2 = openat(dst, e->d_name,
				    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			r = s2 < 0 || d2 < 0 ? -errno : copy_tree(s2, d2, uid, gid, depth + 1);
			if (s2 >= 0)
				close(s2);
			if (d2 >= 0)
				close(d2);
		} else if (S_ISREG(st.st_mode)) {
			r = copy_file(src, dst, e->d_name, &st);
		} else if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t n = readlinkat(src, e->d_name, target, sizeof(target) - 1);

			if (n < 0) {
				r = -errno;
				break;
			}
			target[n] = '\0';
			if (symlinkat(target, dst, e->d_name) < 0)
				r = -errno;
		} else {
			continue; /* uploads are files, folders and links; anything else stays out
				   */
		}
		if (r == 0 && fchownat(dst, e->d_name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
			r = -errno;
	}
	if (r == 0 && errno != 0)
		r = -errno;
	closedir(d);
	return r;
}

/* The tmpfs (in the child, seen at the job's work folder): owned by the job, uploads in. */
static int fill_work(const struct joblet_job *job, int uploads_fd, struct joblet_error **err)
{
	int root = open(joblet_job_work_dir(job), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC),
	    r = 0;
	uid_t uid = joblet_job_uid(job);
	gid_t gid = joblet_job_gid(job);
	struct stat st;

	if (root < 0)
		return disk_err(err, errno, "cannot open the job's /work",
				joblet_job_work_dir(job));
	if (fstat(uploads_fd, &st) < 0)
		r = disk_err(err, errno, "cannot open the job's folder", joblet_job_work_dir(job));
	if (r == 0 && (fchown(root, uid, gid) < 0 || fchmod(root, st.st_mode & 07777) < 0))
		r = disk_err(err, errno, "cannot give the job its /work", joblet_job_work_dir(job));
	if (r == 0 && (r = copy_tree(uploads_fd, root, uid, gid, 0)) < 0)
		r = joblet_error_set(
			err, -r == ENOSPC ? JOBLET_E_LIMIT : JOBLET_E_SYSTEM, -r,
			r == -ENOSPC
				? "the uploads do not fit into the job's disk (--max-disk %lld MiB); ask for more with --max-disk or upload less"
				: "cannot copy the uploads into the job's disk (--max-disk %lld MiB)",
			(long long)joblet_job_limit(job, JOBLET_LIMIT_DISK_MIB));
	close(root);
	return r;
}

int rf_disk_prepare(struct joblet_job *job, int *ret_uploads_fd, struct joblet_error **err)
{
	int64_t mib = joblet_job_limit(job, JOBLET_LIMIT_DISK_MIB);
	char where[64], opts[96];
	struct stat st, parent;
	int fd, up;

	*ret_uploads_fd = -1;
	if (mib <= 0)
		return 0;
	/* The uploads stay reachable through this fd once the tmpfs covers their folder. */
	up = open(joblet_job_work_dir(job), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (up < 0)
		return disk_err(err, errno, "cannot open the job's folder",
				joblet_job_work_dir(job));
	if (fstat(up, &st) < 0 || stat(joblet_job_root_dir(job), &parent) < 0 ||
	    st.st_dev != parent.st_dev) {
		int e = errno ? errno : EBUSY;

		close(up);
		return joblet_error_set(
			err, JOBLET_E_SYSTEM, e,
			"the job's folder `%s` is already a mount point (a supervisor ran this job before); delete the job and run it again",
			joblet_job_work_dir(job));
	}
	fd = open(joblet_job_work_dir(job), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		close(up);
		return disk_err(err, errno, "cannot open the job's folder",
				joblet_job_work_dir(job));
	}
	snprintf(where, sizeof(where), "/proc/self/fd/%d", fd);
	/* Files as well as bytes: a tmpfs left to its default would let a job make millions. */
	snprintf(
		opts, sizeof(opts), "mode=0700,size=%lldm,nr_inodes=%lld", (long long)mib,
		(long long)(mib < MAX_INODES / INODES_PER_MIB ? mib * INODES_PER_MIB : MAX_INODES));
	/* In the supervisor's (the daemon's) mount namespace: it outlives the job. */
	if (mount("tmpfs", where, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0) {
		int e = errno;

		close(fd);
		close(up);
		return disk_err(err, e, "cannot mount the job's /work of --max-disk size on",
				joblet_job_work_dir(job));
	}
	close(fd);
	*ret_uploads_fd = up;
	return 0;
}

int rf_disk_fill(struct joblet_job *job, int uploads_fd, struct joblet_error **err)
{
	int64_t mib = joblet_job_limit(job, JOBLET_LIMIT_DISK_MIB);
	struct rlimit fsize;
	int r;

	if (mib <= 0)
		return 0;
	if (uploads_fd < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, EBADF,
					"the job's /work of --max-disk size was not mounted");
	/* Copied here, in the job's cgroup: the pages count for the job, not the supervisor. */
	if ((r = fill_work(job, uploads_fd, err)) < 0)
		return r;
	/* No single file the job writes may outgrow its disk, wherever it writes it. */
	fsize.rlim_cur = fsize.rlim_max = (rlim_t)mib << 20;
	if (setrlimit(RLIMIT_FSIZE, &fsize) < 0)
		return disk_err(err, errno,
				"cannot limit the size of the job's files (RLIMIT_FSIZE) to",
				"--max-disk");
	return 0;
}

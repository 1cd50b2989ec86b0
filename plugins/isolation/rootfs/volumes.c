/*
 * volumes.c - the job's volumes (volumes.h).
 *
 * Jobs run as uids of their own (isolation.uid_range), and the files of a
 * volume must be readable and writable by every job that mounts it.  The
 * daemon keeps every file of a volume owned on disk by one id (its root's
 * owner: volumes.owner_id); each job gets a bind of the volume whose mount
 * carries an idmapping (mount_setattr(MOUNT_ATTR_IDMAP)) from that id to
 * the job's uid and gid: the job sees the files as its own and what it
 * creates is stored under the volume's id again.  Files of any other id
 * show as the overflow id (nobody) and cannot be chowned in.
 *
 * The read-only of NAME:ro is the mount's own flag (MOUNT_ATTR_RDONLY), set
 * with the idmapping on the detached copy before it is attached: the job
 * has no capabilities to remount it, and a user namespace it might make
 * copies the mount with the flag locked by the kernel.  There is no
 * fallback: when the kernel refuses the idmapped mount, the job does not
 * start.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/sched.h>

#include "volumes.h"

#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef STATX_ATTR_MOUNT_ROOT
#define STATX_ATTR_MOUNT_ROOT 0x00002000
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

#define VOL_OPEN_TREE_CLONE	    1U
#define VOL_MOVE_MOUNT_F_EMPTY_PATH 0x04U
#define VOL_MOVE_MOUNT_T_EMPTY_PATH 0x40U
#define VOL_MOUNT_ATTR_RDONLY	    0x01ULL
#define VOL_MOUNT_ATTR_NOSUID	    0x02ULL
#define VOL_MOUNT_ATTR_NODEV	    0x04ULL
#define VOL_MOUNT_ATTR_IDMAP	    0x00100000ULL

struct vol_mount_attr {
	uint64_t attr_set;
	uint64_t attr_clr;
	uint64_t propagation;
	uint64_t userns_fd;
};

struct rf_volume {
	const char *name, *source; /* borrowed from the job */
	int32_t readonly;
	int userns_fd;	   /* the idmapping: the volume's owner to the job's uid and gid */
	uint32_t uid, gid; /* the volume's owner on disk */
};

struct rf_volumes {
	size_t n;
	struct rf_volume v[];
};

void rf_volumes_free(struct rf_volumes *vs)
{
	if (!vs)
		return;
	for (size_t i = 0; i < vs->n; i++)
		if (vs->v[i].userns_fd >= 0)
			close(vs->v[i].userns_fd);
	free(vs);
}

static int write_map(pid_t pid, const char *file, uint32_t inside, uint32_t outside)
{
	char path[64], line[64];
	int fd, n, r = 0;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	n = snprintf(line, sizeof(line), "%u %u 1\n", inside, outside);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, line, (size_t)n) != n)
		r = -errno;
	if (fd >= 0)
		close(fd);
	return r;
}

/*
 * A user namespace mapping uid `uid` to `to_uid` and gid `gid` to `to_gid`
 * (one id each), as an fd: a helper made with it waits until the maps are
 * written and the fd is open, then ends.  A clone child that sends no
 * signal, so the supervisor's reaping of its own children never sees it.
 */
static int make_userns(uint32_t uid, uint32_t gid, uint32_t to_uid, uint32_t to_gid)
{
	struct clone_args a = { 0 };
	int go[2], pidfd = -1, fd = -1, r = 0;
	siginfo_t si;
	char path[64];
	pid_t pid;

	if (pipe2(go, O_CLOEXEC) < 0)
		return -errno;
	a.flags = CLONE_NEWUSER | CLONE_PIDFD;
	a.pidfd = (uint64_t)(uintptr_t)&pidfd;
	pid = (pid_t)syscall(SYS_clone3, &a, sizeof(a));
	if (pid == 0) {
		char c;

		close(go[1]);
		/* EOF: the maps are written and the namespace is held. */
		while (read(go[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(go[0]);
	if (pid < 0) {
		r = -errno;
		close(go[1]);
		return r;
	}
	if ((r = write_map(pid, "uid_map", uid, to_uid)) == 0 &&
	    (r = write_map(pid, "gid_map", gid, to_gid)) == 0) {
		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			r = -errno;
	}
	close(go[1]);
	while (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED | __WALL) < 0 && errno == EINTR)
		;
	close(pidfd);
	return r < 0 ? r : fd;
}

/* The volume's folder: a directory, the root of a mount, owned by someone other than root. */
static int check_source(const char *name, const char *source, struct statx *stx,
			struct joblet_error **err)
{
	if (syscall(SYS_statx, AT_FDCWD, source, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, stx) < 0)
		return joblet_error_set(err, JOBLET_E_NOT_FOUND, errno,
					"volume `%s`: cannot look at its folder `%s`", name,
					source);
	if (!S_ISDIR(stx->stx_mode) || !(stx->stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) ||
	    !(stx->stx_attributes & STATX_ATTR_MOUNT_ROOT))
		return joblet_error_set(
			err, JOBLET_E_NOT_FOUND, 0,
			"volume `%s` is not mounted at `%s` (its size would not hold there); the daemon mounts volumes when it starts: see its log, or remove and create the volume again",
			name, source);
	if (stx->stx_uid == 0 || stx->stx_gid == 0)
		return joblet_error_set(
			err, JOBLET_E_PERMISSION, 0,
			"volume `%s`: its folder `%s` is owned by root, not by volumes.owner_id; a job never gets root's files",
			name, source);
	return 0;
}

int rf_volumes_prepare(struct joblet_job *job, struct rf_volumes **ret, struct joblet_error **err)
{
	size_t n = joblet_job_volume_count(job);
	struct rf_volumes *vs;

	*ret = NULL;
	if (n == 0)
		return 0;
	vs = calloc(1, sizeof(*vs) + n * sizeof(vs->v[0]));
	if (!vs)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		vs->v[i].userns_fd = -1;
	vs->n = n;
	for (size_t i = 0; i < n; i++) {
		struct rf_volume *v = &vs->v[i];
		struct statx stx;
		int r;

		if (joblet_job_volume(job, i, &v->name, &v->source, &v->readonly) < 0 ||
		    strchr(v->name, '/') || !*v->name || v->name[0] == '.') {
			rf_volumes_free(vs);
			return joblet_error_set(err, JOBLET_E_INVALID, 0,
						"volume %zu has no valid name", i);
		}
		if ((r = check_source(v->name, v->source, &stx, err)) < 0) {
			rf_volumes_free(vs);
			return r;
		}
		/* One namespace per owner (3-4 ms each): the volumes of a node share one. */
		for (size_t k = 0; k < i && v->userns_fd < 0; k++)
			if (vs->v[k].uid == stx.stx_uid && vs->v[k].gid == stx.stx_gid)
				v->userns_fd = fcntl(vs->v[k].userns_fd, F_DUPFD_CLOEXEC, 3);
		if (v->userns_fd < 0)
			v->userns_fd = make_userns(stx.stx_uid, stx.stx_gid, joblet_job_uid(job),
						   joblet_job_gid(job));
		v->uid = stx.stx_uid;
		v->gid = stx.stx_gid;
		if (v->userns_fd < 0) {
			r = joblet_error_set(
				err, JOBLET_E_UNSUPPORTED, -v->userns_fd,
				"volume `%s`: cannot make the user namespace of its idmapped mount; the job needs user namespaces (user.max_user_namespaces)",
				v->name);
			rf_volumes_free(vs);
			return r;
		}
	}
	*ret = vs;
	return 0;
}

/* One volume: an idmapped (and maybe read-only) copy of its mount, attached at dst_fd. */
static int mount_one(const struct rf_volume *v, int dst_fd, struct joblet_error **err)
{
	struct vol_mount_attr a = {
		.attr_set = VOL_MOUNT_ATTR_IDMAP | VOL_MOUNT_ATTR_NOSUID | VOL_MOUNT_ATTR_NODEV |
			    (v->readonly ? VOL_MOUNT_ATTR_RDONLY : 0),
		.propagation = MS_PRIVATE,
		.userns_fd = (uint64_t)v->userns_fd,
	};
	int src, tree, r = 0;

	src = open(v->source, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (src < 0)
		return joblet_error_set(err, JOBLET_E_NOT_FOUND, errno,
					"volume `%s`: cannot open `%s`", v->name, v->source);
	tree = (int)syscall(SYS_open_tree, src, "",
			    VOL_OPEN_TREE_CLONE | O_CLOEXEC | AT_EMPTY_PATH);
	close(src);
	if (tree < 0)
		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, errno,
			"volume `%s`: cannot copy its mount (open_tree; Linux 5.12 or later is needed)",
			v->name);
	if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0)
		r = joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, errno,
			"volume `%s`: the kernel refused an idmapped mount of it (ext4 needs Linux 5.12, tmpfs 6.3); the job does not start without one, as its files would not be its own",
			v->name);
	else if (syscall(SYS_move_mount, tree, "", dst_fd, "",
			 VOL_MOVE_MOUNT_F_EMPTY_PATH | VOL_MOVE_MOUNT_T_EMPTY_PATH) < 0)
		r = joblet_error_set(err, JOBLET_E_SYSTEM, errno,
				     "volume `%s`: cannot mount it at /volumes/%s", v->name,
				     v->name);
	close(tree);
	return r;
}

/* /volumes/NAME inside the root (a fresh tmpfs), as an O_PATH fd. */
static int mount_point(int root_fd, const char *name, struct joblet_error **err)
{
	int vols, fd;

	if (mkdirat(root_fd, "volumes", 0755) < 0 && errno != EEXIST)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot create /volumes");
	vols = openat(root_fd, "volumes", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (vols < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot open /volumes");
	if (mkdirat(vols, name, 0755) < 0 && errno != EEXIST) {
		close(vols);
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot create /volumes/%s",
					name);
	}
	fd = openat(vols, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	close(vols);
	if (fd < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot open /volumes/%s",
					name);
	return fd;
}

int rf_volumes_mount(struct joblet_job *job, const struct rf_volumes *vs, int root_fd,
		     struct joblet_error **err)
{
	(void)job;
	for (size_t i = 0; vs && i < vs->n; i++) {
		int dst = mount_point(root_fd, vs->v[i].name, err), r;

		if (dst < 0)
			return dst;
		r = mount_one(&vs->v[i], dst, err);
		close(dst);
		if (r < 0)
			return r;
	}
	return 0;
}

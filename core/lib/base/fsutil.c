/* fsutil.c - careful file system helpers (see fsutil.h). */
#include <config.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fsutil.h"
#include "base/util.h"

int jl_open_folders_at(int dirfd, const char *path, size_t len, mode_t mode,
		       int (*made)(int fd, const char *path, size_t len, void *cls,
				   struct joblet_error **err),
		       void *cls, struct joblet_error **err)
{
	_cleanup_close_ int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	char part[256];
	size_t at = 0;

	if (fd < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot open a folder for `%s`",
					path);
	while (at < len) {
		size_t n = strcspn(path + at, "/");
		bool new_one;
		int next, r;

		if (at + n > len)
			n = len - at;
		if (n == 0 || n >= sizeof(part))
			return joblet_error_set(err, JOBLET_E_INVALID, 0,
						"`%.*s` is not a folder name", (int)len, path);
		snprintf(part, sizeof(part), "%.*s", (int)n, path + at);
		new_one = mkdirat(fd, part, mode) == 0;
		if (!new_one && errno != EEXIST)
			return joblet_error_set(err, JOBLET_E_IO, errno,
						"cannot create the folder `%.*s`", (int)(at + n),
						path);
		next = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0)
			return joblet_error_set(err, JOBLET_E_INVALID, errno,
						"`%.*s` is a file, not a folder", (int)(at + n),
						path);
		close(fd);
		fd = next;
		if (new_one && fchmod(fd, mode) < 0)
			return joblet_error_set(err, JOBLET_E_IO, errno,
						"cannot set the mode of the folder `%.*s`",
						(int)(at + n), path);
		if (new_one && made && (r = made(fd, path, at + n, cls, err)) < 0)
			return r;
		at += n;
		if (at < len && path[at] == '/')
			at++;
	}
	return TAKE_FD(fd);
}

int jl_mkdir_p(const char *path, mode_t mode, struct joblet_error **err)
{
	_cleanup_free_ char *buf = strdup(path);

	if (!buf)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot create `%s`", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		/* The modes asked for, whatever the umask: a daemon's is 077. */
		if (mkdir(buf, 0755) == 0)
			(void)chmod(buf, 0755); /* failing leaves it stricter, never looser */
		else if (errno != EEXIST)
			return joblet_error_set(err, JOBLET_E_IO, errno, "cannot create `%s`", buf);
		*p = '/';
	}
	if (mkdir(buf, mode) == 0) {
		if (chmod(buf, mode) < 0)
			return joblet_error_set(err, JOBLET_E_IO, errno,
						"cannot set the mode of `%s`", buf);
	} else if (errno != EEXIST)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot create `%s`", buf);
	return 0;
}

/*
 * Removing a tree a job made: the job chose its depth (a chain of 100000
 * folders is cheap to make), its modes (folders 0000) and its links.  The
 * walk holds one folder open at a time and climbs back with "..", checking
 * that it lands on the folder it came from (a stack of inode numbers, 8
 * bytes a level: a level costs the job a block of disk, so this stays a small
 * fraction of what the job wrote).  No recursion, no fd per level, no path
 * longer than a name.
 */
struct rm_walk {
	int fd;	      /* the folder being emptied */
	dev_t dev;    /* the file system of the tree: never left */
	uint64_t mnt; /* its mount id (0: unknown), to stop at a bind mount too */
	ino_t *inos;  /* inode of each folder above fd, up to the top */
	size_t depth; /* how many of them */
	size_t cap;
	ino_t emptied;	 /* the folder just emptied (0: none), now to remove */
	const char *top; /* the name removed, for messages */
};

static uint64_t mount_id(int fd)
{
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) < 0 ||
	    !(stx.stx_mask & STATX_MNT_ID))
		return 0;
	return stx.stx_mnt_id;
}

/* Give the folder name below dirfd back to its owner (u+rwx): its job may have made it 0000. */
static int rm_allow(int dirfd, const char *name)
{
	char proc[64];
	_cleanup_close_ int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	/* Through the O_PATH fd: a link swapped in meanwhile is not followed. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return chmod(proc, 0700);
}

/* Open the folder name below dirfd, st as fstatat() saw it; checks it is that same folder. */
static int rm_open(struct rm_walk *w, int dirfd, const char *name, const struct stat *st,
		   struct joblet_error **err)
{
	struct stat now;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 && errno == EACCES && rm_allow(dirfd, name) == 0)
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot open `%s` in `%s`", name,
					w->top);
	if (fstat(fd, &now) < 0 || now.st_dev != st->st_dev || now.st_ino != st->st_ino ||
	    (w->mnt && mount_id(fd) != w->mnt)) {
		close(fd);
		return joblet_error_set(
			err, JOBLET_E_IO, EXDEV,
			"not removing `%s` in `%s`: it changed while being removed, or another file system is mounted there",
			name, w->top);
	}
	return fd;
}

/* unlinkat, once more after making the folder writable (a job may have made it read-only). */
static int rm_unlink(struct rm_walk *w, const char *name, int flags)
{
	if (unlinkat(w->fd, name, flags) == 0 || errno == ENOENT)
		return 0;
	if ((errno != EACCES && errno != EPERM) || fchmod(w->fd, 0700) < 0)
		return -1;
	return unlinkat(w->fd, name, flags) == 0 || errno == ENOENT ? 0 : -1;
}

static int rm_descend(struct rm_walk *w, const char *name, const struct stat *st,
		      struct joblet_error **err)
{
	struct stat here;
	int fd;

	if (w->depth == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 64;
		ino_t *more = realloc(w->inos, cap * sizeof(*more));

		if (!more)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot remove `%s`",
						w->top);
		w->inos = more;
		w->cap = cap;
	}
	if (fstat(w->fd, &here) < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot remove `%s`", w->top);
	fd = rm_open(w, w->fd, name, st, err);
	if (fd < 0)
		return fd;
	w->inos[w->depth++] = here.st_ino;
	close(w->fd);
	w->fd = fd;
	return 0;
}

/* Back to the parent of w->fd, which must be the folder we came down from. */
static int rm_ascend(struct rm_walk *w, struct joblet_error **err)
{
	struct stat st;
	int fd = openat(w->fd, "..", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot remove `%s`", w->top);
	if (fstat(fd, &st) < 0 || st.st_dev != w->dev || st.st_ino != w->inos[w->depth - 1]) {
		close(fd);
		return joblet_error_set(
			err, JOBLET_E_IO, EXDEV,
			"not removing `%s`: a folder in it was moved while being removed", w->top);
	}
	w->depth--;
	if (fstat(w->fd, &st) == 0)
		w->emptied = st.st_ino;
	close(w->fd);
	w->fd = fd;
	return 0;
}

/*
 * Remove what w->fd holds, as far as it can without going down: files and
 * links, and empty folders.  1 when it stopped at a folder that is not empty
 * (and went down into it), 0 when w->fd is empty, negative on error.
 */
static int rm_scan(struct rm_walk *w, struct joblet_error **err)
{
	_cleanup_closedir_ DIR *d = NULL;
	int fd = openat(w->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot list a folder of `%s`",
					w->top);
	}
	for (struct dirent *de; (errno = 0, de = readdir(d));) {
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(w->fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			return joblet_error_set(err, JOBLET_E_IO, errno,
						"cannot remove `%s` in `%s`", de->d_name, w->top);
		}
		if (!S_ISDIR(st.st_mode)) {
			if (rm_unlink(w, de->d_name, 0) < 0)
				return joblet_error_set(err, JOBLET_E_IO, errno,
							"cannot remove `%s` in `%s`", de->d_name,
							w->top);
			continue;
		}
		if (st.st_dev != w->dev)
			return joblet_error_set(
				err, JOBLET_E_IO, EXDEV,
				"not removing `%s` in `%s`: another file system is mounted there",
				de->d_name, w->top);
		if (rm_unlink(w, de->d_name, AT_REMOVEDIR) == 0)
			continue;
		/* Not empty right after it was emptied: something still writes there. */
		if ((errno != ENOTEMPTY && errno != EEXIST) || st.st_ino == w->emptied)
			return joblet_error_set(err, JOBLET_E_IO, errno,
						"cannot remove `%s` in `%s`", de->d_name, w->top);
		w->emptied = 0;
		return rm_descend(w, de->d_name, &st, err) < 0 ? -1 : 1;
	}
	w->emptied = 0;
	if (errno)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot list a folder of `%s`",
					w->top);
	return 0;
}

static int rm_tree(int parent_fd, const char *name, dev_t dev, struct joblet_error **err)
{
	struct rm_walk w = { .fd = -1, .dev = dev, .top = name };
	struct stat st;
	int r;

	if (fstatat(parent_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0
				       : joblet_error_set(err, JOBLET_E_IO, errno,
							  "cannot remove `%s`", name);
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(parent_fd, name, 0) < 0 && errno != ENOENT)
			return joblet_error_set(err, JOBLET_E_IO, errno, "cannot remove `%s`",
						name);
		return 0;
	}
	if (st.st_dev != dev)
		return joblet_error_set(err, JOBLET_E_IO, EXDEV,
					"not removing `%s`: another file system is mounted there",
					name);
	w.mnt = mount_id(parent_fd);
	w.fd = rm_open(&w, parent_fd, name, &st, err);
	if (w.fd < 0)
		return w.fd;
	/* Down to a folder that holds no folder, empty it, up one level, again. */
	while ((r = rm_scan(&w, err)) >= 0)
		if (r == 0) {
			if (w.depth == 0)
				break;
			if (rm_ascend(&w, err) < 0) {
				r = -1;
				break;
			}
		}
	close(w.fd);
	free(w.inos);
	if (r < 0)
		return -1;
	if (unlinkat(parent_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot remove `%s`", name);
	return 0;
}

int jl_rm_rf_at(int dirfd, const char *name, struct joblet_error **err)
{
	struct stat parent;

	if (fstat(dirfd, &parent) < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot remove `%s`", name);
	return rm_tree(dirfd, name, parent.st_dev, err);
}

int jl_lock_path(const char *path, bool wait, int *ret_fd, struct joblet_error **err)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot open the lock `%s`", path);
	while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
		int e = errno;

		if (e == EINTR)
			continue;
		close(fd);
		if (e == EWOULDBLOCK)
			return joblet_error_set(err, JOBLET_E_BUSY, 0,
						"`%s` is locked by another process", path);
		return joblet_error_set(err, JOBLET_E_IO, e, "cannot lock `%s`", path);
	}
	*ret_fd = fd;
	return 0;
}

/* Decode mountinfo's octal escapes (\040 for a blank) in place. */
static void mountinfo_unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

/*
 * The deepest mount point on or below path (into buf), or "" when none:
 * the count of them is returned, negative on error.
 */
static int mounts_under(const char *path, char *buf, size_t size, struct joblet_error **err)
{
	_cleanup_free_ char *line = NULL;
	size_t cap = 0, plen = strlen(path);
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int n = 0;

	if (buf)
		buf[0] = '\0';
	if (!f)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot read %s",
					"/proc/self/mountinfo");
	while (getline(&line, &cap, f) > 0) {
		/* id parent major:minor root mount-point ... */
		char *mp = line, *end;

		for (int i = 0; i < 4 && mp; i++)
			mp = strchr(mp, ' ') ? strchr(mp, ' ') + 1 : NULL;
		if (!mp)
			continue;
		if ((end = strchr(mp, ' ')))
			*end = '\0';
		mountinfo_unescape(mp);
		if (strncmp(mp, path, plen) != 0 || (mp[plen] != '\0' && mp[plen] != '/'))
			continue;
		n++;
		if (buf && strlen(mp) >= strlen(buf) && strlen(mp) < size)
			snprintf(buf, size, "%s", mp);
	}
	fclose(f);
	return n;
}

int jl_mounts_under(const char *path, struct joblet_error **err)
{
	return mounts_under(path, NULL, 0, err);
}

int jl_unmount_under(const char *path, struct joblet_error **err)
{
	char mp[4200];
	int n;

	/* Bounded: a mount that does not go (EINVAL, EPERM) must not loop forever. */
	for (int tries = 0; tries < 64; tries++) {
		n = mounts_under(path, mp, sizeof(mp), err);
		if (n <= 0)
			return n;
		if (!mp[0])
			break;
		if (umount2(mp, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL &&
		    errno != ENOENT)
			return joblet_error_set(err, JOBLET_E_IO, errno, "cannot unmount `%s`", mp);
	}
	return joblet_error_set(
		err, JOBLET_E_BUSY, 0,
		"`%s` still has something mounted in it; unmount it by hand (umount -l) before removing it",
		path);
}

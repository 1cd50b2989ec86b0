/* fsutil.c - careful file system helpers (see fsutil.h). */
#include <config.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "base/fsutil.h"
#include "base/util.h"

int jl_mkdir_p(const char *path, mode_t mode, struct joblet_error **err)
{
	_cleanup_free_ char *buf = strdup(path);

	if (!buf)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot create `%s`", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return joblet_error_set(err, JOBLET_E_IO, errno, "cannot create `%s`", buf);
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot create `%s`", buf);
	return 0;
}

static int rm_tree(int parent_fd, const char *name, dev_t dev, int depth, struct joblet_error **err)
{
	struct stat st;
	DIR *d;
	int fd;

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
	if (depth > 256)
		return joblet_error_set(err, JOBLET_E_LIMIT, 0,
					"`%s` is nested too deeply to remove", name);
	fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot open `%s`", name);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot list `%s`", name);
	}
	for (struct dirent *de; (de = readdir(d));) {
		int r;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		r = rm_tree(dirfd(d), de->d_name, dev, depth + 1, err);
		if (r < 0) {
			closedir(d);
			return r;
		}
	}
	closedir(d);
	if (unlinkat(parent_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot remove `%s`", name);
	return 0;
}

int jl_rm_rf_at(int dirfd, const char *name, struct joblet_error **err)
{
	struct stat parent;

	if (fstat(dirfd, &parent) < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot remove `%s`", name);
	return rm_tree(dirfd, name, parent.st_dev, 0, err);
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

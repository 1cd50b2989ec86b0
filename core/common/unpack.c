/*
 * unpack.c - a result folder's tar stream unpacked safely (unpack.h).
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/tar_stream.h"
#include "common/unpack.h"

struct jl_unpack {
	int dest_fd;
	void (*skipped)(void *cls, const char *name, const char *why);
	void *cls;
	struct jl_tar_reader *reader;
	int out_fd; /* the file being written, or -1 */
	char name[PATH_MAX];
	uint32_t mode;
	int64_t mtime;
	int64_t entries, bytes;
};

int jl_unpack_clean_name(const char *name, char *buf, size_t size, struct joblet_error **err)
{
	const char *p = name;
	size_t n;

	while (p[0] == '.' && p[1] == '/')
		p += 2;
	n = strlen(p);
	while (n > 0 && p[n - 1] == '/')
		n--;
	if (name[0] == '/')
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"the archive holds an absolute name `%s`; refused", name);
	if (n >= size)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"the archive holds a name longer than %zu bytes", size - 1);
	memcpy(buf, p, n);
	buf[n] = '\0';
	if (n == 0)
		return *name ? 0
			     : joblet_error_set(err, JOBLET_E_INVALID, 0,
						"the archive holds an entry without a name");
	for (const char *c = buf; c;) {
		const char *slash = strchr(c, '/');
		size_t len = slash ? (size_t)(slash - c) : strlen(c);

		if (len == 0 || (len == 1 && c[0] == '.') ||
		    (len == 2 && c[0] == '.' && c[1] == '.'))
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"the archive holds the name `%s` with an empty, `.` or `..` part; refused",
				name);
		c = slash ? slash + 1 : NULL;
	}
	return 0;
}

int jl_unpack_link_inside(const char *name, const char *target)
{
	long depth = 0;

	if (!target[0] || target[0] == '/')
		return 0;
	/* The link's folder: as many levels below the top as name has slashes. */
	for (const char *c = name; *c; c++)
		depth += *c == '/';
	for (const char *c = target; c;) {
		const char *slash = strchr(c, '/');
		size_t len = slash ? (size_t)(slash - c) : strlen(c);

		if (len == 2 && c[0] == '.' && c[1] == '.') {
			if (--depth < 0)
				return 0;
		} else if (len > 0 && !(len == 1 && c[0] == '.')) {
			depth++;
		}
		c = slash ? slash + 1 : NULL;
	}
	return 1;
}

/*
 * The folder that holds name (clean), walked down from dest one part at a
 * time without following a link; *ret_base points at name's last part.
 */
static int open_parent(struct jl_unpack *u, const char *name, const char **ret_base,
		       struct joblet_error **err)
{
	char part[NAME_MAX + 1];
	const char *c = name, *slash;
	int fd = dup(u->dest_fd);

	if (fd < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot open the destination");
	while ((slash = strchr(c, '/'))) {
		size_t len = (size_t)(slash - c);
		int next;

		if (len > NAME_MAX) {
			close(fd);
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"the archive holds the name `%s` with a part too long", name);
		}
		memcpy(part, c, len);
		part[len] = '\0';
		next = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		if (next < 0)
			return joblet_error_set(
				err, JOBLET_E_INVALID, errno,
				errno == ELOOP || errno == ENOTDIR
					? "the archive's entry `%s` goes through a symbolic link or a file; refused"
					: "the archive's entry `%s` has no folder before it",
				name);
		fd = next;
		c = slash + 1;
	}
	*ret_base = c;
	return fd;
}

static int on_entry(void *cls, const struct jl_tar_entry *e, struct joblet_error **err)
{
	struct jl_unpack *u = cls;
	const char *base;
	int dir, r = 0;

	if (jl_unpack_clean_name(e->name, u->name, sizeof(u->name), err) < 0)
		return -1;
	if (!u->name[0])
		return e->type == JL_TAR_DIR
			       ? 0
			       : joblet_error_set(err, JOBLET_E_INVALID, 0,
						  "the archive's top entry is not a folder");
	if (e->type != JL_TAR_FILE && e->type != JL_TAR_DIR && e->type != JL_TAR_SYMLINK) {
		if (u->skipped)
			u->skipped(u->cls, u->name,
				   e->type == JL_TAR_CHAR || e->type == JL_TAR_BLOCKDEV
					   ? "a device node"
				   : e->type == JL_TAR_FIFO	? "a FIFO"
				   : e->type == JL_TAR_HARDLINK ? "a hard link"
								: "an entry of an unknown type");
		return 0;
	}
	if (e->type == JL_TAR_SYMLINK && !jl_unpack_link_inside(u->name, e->linkname)) {
		if (u->skipped)
			u->skipped(u->cls, u->name,
				   "a symbolic link that points outside the destination");
		return 0;
	}
	dir = open_parent(u, u->name, &base, err);
	if (dir < 0)
		return dir;
	u->entries++;
	u->mode = e->mode & 0777;
	u->mtime = e->mtime;
	if (e->type == JL_TAR_DIR) {
		if (mkdirat(dir, base, u->mode | 0700) < 0)
			r = joblet_error_set(err, JOBLET_E_IO, errno, "cannot make the folder `%s`",
					     u->name);
	} else if (e->type == JL_TAR_SYMLINK) {
		if (symlinkat(e->linkname, dir, base) < 0)
			r = joblet_error_set(err, JOBLET_E_IO, errno,
					     "cannot make the symbolic link `%s`", u->name);
	} else {
		u->out_fd = openat(dir, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				   0600);
		if (u->out_fd < 0)
			r = joblet_error_set(err, JOBLET_E_IO, errno, "cannot make the file `%s`",
					     u->name);
	}
	close(dir);
	return r;
}

static int on_data(void *cls, const void *buf, size_t n, struct joblet_error **err)
{
	struct jl_unpack *u = cls;
	const char *p = buf;

	while (u->out_fd >= 0 && n > 0) {
		ssize_t w = write(u->out_fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return joblet_error_set(err, JOBLET_E_IO, errno, "cannot write `%s`",
						u->name);
		p += w;
		n -= (size_t)w;
		u->bytes += w;
	}
	return 0;
}

static int on_end(void *cls, struct joblet_error **err)
{
	struct jl_unpack *u = cls;
	struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_sec = u->mtime } };
	int fd = u->out_fd, r = 0;

	if (fd < 0)
		return 0;
	u->out_fd = -1;
	if (fchmod(fd, u->mode) < 0 || futimens(fd, ts) < 0)
		r = joblet_error_set(err, JOBLET_E_IO, errno, "cannot finish `%s`", u->name);
	if (close(fd) < 0 && r == 0)
		r = joblet_error_set(err, JOBLET_E_IO, errno, "cannot write `%s`", u->name);
	return r;
}

static const struct jl_tar_reader_ops unpack_ops = {
	.entry = on_entry,
	.data = on_data,
	.entry_end = on_end,
};

int jl_unpack_new(int dest_fd, void (*skipped)(void *cls, const char *name, const char *why),
		  void *cls, struct jl_unpack **ret, struct joblet_error **err)
{
	struct jl_unpack *u = calloc(1, sizeof(*u));
	int r;

	if (!u)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	u->dest_fd = dest_fd;
	u->skipped = skipped;
	u->cls = cls;
	u->out_fd = -1;
	r = jl_tar_reader_new(&unpack_ops, u, &u->reader, err);
	if (r < 0) {
		free(u);
		return r;
	}
	*ret = u;
	return 0;
}

int jl_unpack_feed(struct jl_unpack *u, const void *buf, size_t n, struct joblet_error **err)
{
	return jl_tar_reader_feed(u->reader, buf, n, err);
}

int jl_unpack_finish(struct jl_unpack *u, struct joblet_error **err)
{
	return jl_tar_reader_finish(u->reader, err);
}

void jl_unpack_counts(const struct jl_unpack *u, int64_t *ret_entries, int64_t *ret_bytes)
{
	*ret_entries = u->entries;
	*ret_bytes = u->bytes;
}

void jl_unpack_free(struct jl_unpack *u)
{
	if (!u)
		return;
	if (u->out_fd >= 0)
		close(u->out_fd);
	jl_tar_reader_free(u->reader);
	free(u);
}

/*
 * files.c - a folder's files over the API (files.h).
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifdef __has_include
#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#define FILES_HAVE_OPENAT2_H 1
#endif
#endif

#include "base/cleanup.h"
#include "base/log.h"
#include "base/timefmt.h"
#include "common/tar_stream.h"
#include "files.h"

#ifndef FILES_HAVE_OPENAT2_H
struct open_how {
	uint64_t flags, mode, resolve;
};
#define RESOLVE_NO_XDEV	      0x01
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_BENEATH	      0x08
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif

/* Bytes of a tar stream handed to MHD per call at most. */
#define TAR_CHUNK (64 * 1024)

/* path below root, O_PATH, never out of it; -errno on failure. */
static int resolve(int root_fd, const char *path, bool follow)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	int fd = (int)syscall(SYS_openat2, root_fd, *path ? path : ".", &how, sizeof(how));

	return fd < 0 ? -errno : fd;
}

/* An O_PATH fd opened for reading: the same inode, whatever the name holds now. */
static int reopen(int opath_fd, int flags, const struct stat *was)
{
	char proc[64];
	struct stat st;
	int fd;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", opath_fd);
	fd = open(proc, flags | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || st.st_ino != was->st_ino || st.st_dev != was->st_dev ||
	    (st.st_mode & S_IFMT) != (was->st_mode & S_IFMT)) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

static const char *type_name(mode_t m)
{
	return S_ISREG(m) ? "file" : S_ISDIR(m) ? "dir" : S_ISLNK(m) ? "link" : "other";
}

static const char *other_name(mode_t m)
{
	return S_ISFIFO(m)		  ? "a FIFO"
	       : S_ISSOCK(m)		  ? "a socket"
	       : S_ISCHR(m) || S_ISBLK(m) ? "a device node"
					  : "not a file or folder";
}

static json_object *entry_json(int dir_fd, const char *name, const struct stat *st)
{
	json_object *o = json_object_new_object();
	char when[40];

	jl_time_format_rfc3339((int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec, when,
			       sizeof(when));
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "type", json_object_new_string(type_name(st->st_mode)));
	json_object_object_add(o, "size", json_object_new_int64((int64_t)st->st_size));
	json_object_object_add(o, "mode", json_object_new_int((int)(st->st_mode & 07777)));
	json_object_object_add(o, "mtime", json_object_new_string(when));
	if (S_ISLNK(st->st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(dir_fd, name, target, sizeof(target) - 1);

		target[n < 0 ? 0 : n] = '\0';
		json_object_object_add(o, "target", json_object_new_string(target));
	}
	return o;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(
		json_object_get_string(json_object_object_get(*(json_object *const *)a, "name")),
		json_object_get_string(json_object_object_get(*(json_object *const *)b, "name")));
}

/* The listing of the folder dfd (O_PATH) at path. */
static int list_dir(struct request *rq, int dfd, const struct stat *st, const char *path)
{
	int fd = reopen(dfd, O_RDONLY | O_DIRECTORY, st);
	json_object *o, *entries;
	struct dirent *de;
	bool truncated = false;
	DIR *d;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return reply_error(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, JOBLET_E_IO,
				   "cannot read the folder `%s`: %s", path, strerror(errno));
	}
	o = json_object_new_object();
	entries = json_object_new_array();
	while ((de = readdir(d))) {
		struct stat es;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (json_object_array_length(entries) >= FILES_MAX_LIST) {
			truncated = true;
			break;
		}
		if (fstatat(dirfd(d), de->d_name, &es, AT_SYMLINK_NOFOLLOW) == 0)
			json_object_array_add(entries, entry_json(dirfd(d), de->d_name, &es));
	}
	json_object_array_sort(entries, by_name);
	json_object_object_add(o, "path", json_object_new_string(path));
	json_object_object_add(o, "entries", entries);
	json_object_object_add(o, "truncated", json_object_new_boolean(truncated));
	closedir(d);
	return reply_obj(rq, MHD_HTTP_OK, o);
}

/* ------------------------------------------------------------------ a file */

static int send_file(struct request *rq, int pfd, const struct stat *st, const char *path)
{
	int fd = reopen(pfd, O_RDONLY, st);
	struct MHD_Response *resp;

	if (fd < 0)
		return reply_error(rq, MHD_HTTP_CONFLICT, JOBLET_E_CONFLICT,
				   "`%s` changed while it was opened; try again", path);
	/* MHD reads it as it sends (sendfile or 16 KiB reads under TLS): memory stays flat. */
	resp = MHD_create_response_from_fd64((uint64_t)st->st_size, fd);
	if (!resp) {
		close(fd);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	return reply_response(rq, MHD_HTTP_OK, resp);
}

/* ------------------------------------------------------------------ a tar stream */

struct tar_level {
	DIR *d;
	size_t prefix_len; /* of the names in this folder, in tw->name */
};

struct tar_writer {
	struct tar_level stack[FILES_MAX_DEPTH];
	int depth;
	char name[PATH_MAX];
	char hdr[JL_TAR_HEADER_MAX];
	size_t hdr_len, hdr_off;
	int file_fd;	/* being sent, or -1 */
	uint64_t left;	/* of its data */
	size_t pad;	/* zeros after it */
	size_t trailer; /* zero bytes of the end still to send */
	bool ended;	/* the walk is over */
	char what[160];
};

static void tar_free(void *cls)
{
	struct tar_writer *tw = cls;

	if (!tw)
		return;
	for (int i = 0; i < tw->depth; i++)
		closedir(tw->stack[i].d);
	if (tw->file_fd >= 0)
		close(tw->file_fd);
	free(tw);
}

static int push_dir(struct tar_writer *tw, int fd, size_t prefix_len)
{
	DIR *d;

	if (tw->depth >= FILES_MAX_DEPTH) {
		close(fd);
		jl_log(JOBLET_LOG_WARNING, NULL,
		       "files: the archive of %s leaves out `%s`: folders nest deeper than %d levels",
		       tw->what, tw->name, FILES_MAX_DEPTH);
		return 0;
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	tw->stack[tw->depth].d = d;
	tw->stack[tw->depth].prefix_len = prefix_len;
	tw->depth++;
	return 0;
}

/* The header of one entry of the current folder into tw->hdr; 0 to skip it. */
static int tar_entry(struct tar_writer *tw, struct tar_level *lv, const char *base)
{
	struct jl_tar_entry e = { .name = tw->name };
	char target[PATH_MAX];
	struct stat st;
	int fd = -1, dfd = dirfd(lv->d);
	size_t len = lv->prefix_len;
	ssize_t n;

	if (len + strlen(base) + 2 >= sizeof(tw->name))
		return 0;
	snprintf(tw->name + len, sizeof(tw->name) - len, "%s", base);
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	e.mode = st.st_mode & 07777;
	e.mtime = st.st_mtim.tv_sec;
	if (S_ISREG(st.st_mode)) {
		struct stat now;

		/* O_NONBLOCK: swapped for a FIFO meanwhile, it would not make us wait. */
		fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &now) < 0 || !S_ISREG(now.st_mode) ||
		    now.st_ino != st.st_ino) {
			if (fd >= 0)
				close(fd);
			return 0;
		}
		e.type = JL_TAR_FILE;
		e.size = (uint64_t)now.st_size;
	} else if (S_ISDIR(st.st_mode)) {
		e.type = JL_TAR_DIR;
	} else if (S_ISLNK(st.st_mode)) {
		n = readlinkat(dfd, base, target, sizeof(target) - 1);
		if (n < 0)
			return 0;
		target[n] = '\0';
		e.type = JL_TAR_SYMLINK;
		e.linkname = target;
	} else {
		return 0; /* devices, FIFOs, sockets: left out */
	}
	n = jl_tar_header(&e, tw->hdr, sizeof(tw->hdr));
	if (n < 0) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	tw->hdr_len = (size_t)n;
	tw->hdr_off = 0;
	tw->file_fd = fd;
	tw->left = e.size;
	tw->pad = jl_tar_padding(e.size);
	if (e.type == JL_TAR_DIR) {
		int sub = openat(dfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		size_t nl = strlen(tw->name);

		tw->name[nl] = '/';
		tw->name[nl + 1] = '\0';
		if (sub >= 0)
			push_dir(tw, sub, nl + 1);
	}
	return 1;
}

/* The next entry's header, or the end: false when there is nothing more to walk. */
static bool tar_next(struct tar_writer *tw)
{
	while (tw->depth > 0) {
		struct tar_level *lv = &tw->stack[tw->depth - 1];
		struct dirent *de = readdir(lv->d);

		if (!de) {
			closedir(lv->d);
			tw->depth--;
			continue;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (tar_entry(tw, lv, de->d_name))
			return true;
	}
	return false;
}

static ssize_t tar_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct tar_writer *tw = cls;
	size_t out = 0;

	(void)pos;
	if (max > TAR_CHUNK)
		max = TAR_CHUNK;
	while (out < max) {
		size_t n;

		if (tw->hdr_off < tw->hdr_len) {
			n = tw->hdr_len - tw->hdr_off < max - out ? tw->hdr_len - tw->hdr_off
								  : max - out;
			memcpy(buf + out, tw->hdr + tw->hdr_off, n);
			tw->hdr_off += n;
			out += n;
		} else if (tw->left > 0) {
			ssize_t r = 0;

			n = tw->left < max - out ? (size_t)tw->left : max - out;
			if (tw->file_fd >= 0)
				r = read(tw->file_fd, buf + out, n);
			if (r < 0 && errno == EINTR)
				continue;
			/* A file that shrank while sent: zeros keep the archive whole. */
			if (r <= 0) {
				memset(buf + out, 0, n);
				r = (ssize_t)n;
			}
			tw->left -= (uint64_t)r;
			out += (size_t)r;
		} else if (tw->pad > 0) {
			n = tw->pad < max - out ? tw->pad : max - out;
			memset(buf + out, 0, n);
			tw->pad -= n;
			out += n;
		} else if (tw->file_fd >= 0) {
			close(tw->file_fd);
			tw->file_fd = -1;
		} else if (!tw->ended && tar_next(tw)) {
			continue;
		} else if (!tw->ended) {
			tw->ended = true;
			tw->trailer = 2 * JL_TAR_BLOCK;
		} else if (tw->trailer > 0) {
			n = tw->trailer < max - out ? tw->trailer : max - out;
			memset(buf + out, 0, n);
			tw->trailer -= n;
			out += n;
		} else {
			break;
		}
	}
	return out > 0 ? (ssize_t)out : MHD_CONTENT_READER_END_OF_STREAM;
}

static int send_tar(struct request *rq, int dfd, const struct stat *st, const char *path,
		    const char *what)
{
	struct tar_writer *tw = calloc(1, sizeof(*tw));
	struct MHD_Response *resp;
	int fd;

	if (!tw)
		return reply_error(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, JOBLET_E_NOMEM,
				   "out of memory");
	tw->file_fd = -1;
	snprintf(tw->what, sizeof(tw->what), "%s", what);
	fd = reopen(dfd, O_RDONLY | O_DIRECTORY, st);
	if (fd < 0 || push_dir(tw, fd, 0) < 0 || tw->depth == 0) {
		tar_free(tw);
		return reply_error(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, JOBLET_E_IO,
				   "cannot read the folder `%s`", path);
	}
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, TAR_CHUNK, tar_read, tw,
						 tar_free);
	if (!resp) {
		tar_free(tw);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/x-tar");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	return reply_response(rq, MHD_HTTP_OK, resp);
}

/* ------------------------------------------------------------------ entry */

static bool query_on(struct request *rq, const char *key)
{
	const char *v = request_query(rq, key);

	return v && (!strcmp(v, "1") || !strcmp(v, "true"));
}

int files_serve(struct request *rq, int root_fd, const char *path, const char *what)
{
	const char *archive = request_query(rq, "archive");
	bool stat_only = query_on(rq, "stat");
	_cleanup_close_ int fd = -1;
	char clean[PATH_MAX];
	size_t n;
	struct stat st;

	while (*path == '/')
		path++;
	n = strlen(path);
	while (n > 0 && path[n - 1] == '/')
		n--;
	if (n >= sizeof(clean))
		return reply_error(rq, MHD_HTTP_BAD_REQUEST, JOBLET_E_INVALID,
				   "the path is longer than %d bytes", PATH_MAX - 1);
	memcpy(clean, path, n);
	clean[n] = '\0';
	if (archive && strcmp(archive, "tar") != 0)
		return reply_error(rq, MHD_HTTP_BAD_REQUEST, JOBLET_E_INVALID,
				   "archive `%s` is not known: the only one is `tar`", archive);
	/* A listing shows a link as a link; ?stat=1&follow=1 says what it leads to (inside). */
	fd = resolve(root_fd, clean, !stat_only || query_on(rq, "follow"));
	if (fd == -ENOENT || fd == -ENOTDIR)
		return reply_error(rq, MHD_HTTP_NOT_FOUND, JOBLET_E_NOT_FOUND,
				   "there is no `%s` in %s", clean, what);
	if (fd == -EXDEV || fd == -ELOOP)
		return reply_error(
			rq, MHD_HTTP_BAD_REQUEST, JOBLET_E_INVALID,
			"`%s` leads out of %s through a symbolic link (or `..`), or through too many links; only what lies inside %s is served",
			clean, what, what);
	if (fd == -ENOSYS)
		return reply_error(rq, MHD_HTTP_NOT_IMPLEMENTED, JOBLET_E_UNSUPPORTED,
				   "serving files needs openat2() (Linux 5.6 or later)");
	if (fd < 0 || fstat(fd, &st) < 0)
		return reply_error(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, JOBLET_E_IO,
				   "cannot open `%s` in %s: %s", clean, what,
				   strerror(fd < 0 ? -fd : errno));
	if (stat_only) {
		int pfd = -1;
		json_object *o;
		_cleanup_free_ char *dir = NULL;
		const char *base = strrchr(clean, '/') ? strrchr(clean, '/') + 1 : clean;

		/* The entry as its folder lists it (a link's target read from there). */
		dir = strndup(clean, (size_t)(base - clean));
		pfd = dir ? resolve(root_fd, dir, true) : -ENOMEM;
		o = entry_json(pfd >= 0 ? pfd : fd, *base ? base : ".", &st);
		if (pfd >= 0)
			close(pfd);
		json_object_object_add(o, "path", json_object_new_string(clean));
		return reply_obj(rq, MHD_HTTP_OK, o);
	}
	if (S_ISDIR(st.st_mode))
		return archive ? send_tar(rq, fd, &st, clean, what) : list_dir(rq, fd, &st, clean);
	if (archive)
		return reply_error(rq, MHD_HTTP_BAD_REQUEST, JOBLET_E_INVALID,
				   "`%s` is a file, not a folder: download it without ?archive=tar",
				   clean);
	if (!S_ISREG(st.st_mode))
		return reply_error(
			rq, MHD_HTTP_BAD_REQUEST, JOBLET_E_INVALID,
			"`%s` in %s is %s: only regular files and folders are served, and it is never opened",
			clean, what, other_name(st.st_mode));
	return send_file(rq, fd, &st, clean);
}

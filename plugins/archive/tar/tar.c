/*
 * archive/tar - unpack tar packages (plain, gzip, xz, zstd, bzip2) safely.
 *
 * libarchive parses; this file decides what reaches the disk.  Every path
 * is created relative to the target directory fd, one component at a time,
 * with O_NOFOLLOW, so no entry can write through a symlink another entry
 * planted.  Refused, failing the whole package: absolute names, `..`
 * components, device nodes, FIFOs, sockets, setuid/setgid bits, symlinks
 * whose target is absolute or climbs out of the tree, hard links to
 * anything but a file already unpacked, and anything past the limits.
 * Sticky bits are dropped, group/other write bits are dropped, recorded
 * ownership is ignored.
 *
 * Symlinks are checked twice: lexically when created, and after the last
 * entry by resolving each one beneath the target with openat2(2)
 * RESOLVE_BENEATH, which also catches chains such as `a -> b/../..` where
 * `b -> ..` arrives later in the archive.
 */
#define _GNU_SOURCE /* O_PATH, openat2 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#ifdef __has_include
#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#define TAR_HAVE_OPENAT2_H 1
#endif
#endif

#include <joblet/archive.h>
#include <joblet/plugin.h>

#define TAR_READ_BLOCK (64 * 1024)

struct tar_input {
	struct joblet_stream *in;
	struct joblet_error *err; /* the stream's own error, passed on as is */
	uint8_t buf[TAR_READ_BLOCK];
};

struct tar_job {
	int rootfd;
	const struct joblet_archive_limits *limits;
	uint64_t entries;
	uint64_t bytes;
	char **symlinks; /* normalised names of the symlinks created, for the final check */
	size_t n_symlinks;
	size_t cap_symlinks;
};

static la_ssize_t tar_read_cb(struct archive *a, void *userdata, const void **buffer)
{
	struct tar_input *input = userdata;
	int64_t n = input->in->read(input->in, input->buf, sizeof(input->buf), &input->err);

	if (n < 0) {
		archive_set_error(a, EIO, "%s", joblet_error_message(input->err));
		return -1;
	}
	*buffer = input->buf;
	return (la_ssize_t)n;
}

/*
 * Normalise an entry name in place: drop `.` and empty components and a
 * leading `./`; refuse absolute names and `..`.  Returns 0 or -1 with *why.
 */
static int tar_normalise(char *name, const char **why)
{
	char *out = name, *p = name;

	if (name[0] == '/') {
		*why = "is an absolute path";
		return -1;
	}
	while (*p) {
		char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == 2 && p[0] == '.' && p[1] == '.') {
			*why = "has a `..` component";
			return -1;
		}
		if (len > 0 && !(len == 1 && p[0] == '.')) {
			if (out != name)
				*out++ = '/';
			memmove(out, p, len);
			out += len;
		}
		p += len;
		while (*p == '/')
			p++;
	}
	*out = '\0';
	if (out == name) {
		*why = "names the top directory itself";
		return -2;
	}
	return 0;
}

/* Does a symlink at `name` (normalised) with this target stay in the tree, lexically? */
static bool tar_link_stays_inside(const char *name, const char *target)
{
	long depth = 0;
	const char *p;

	if (target[0] == '/' || target[0] == '\0')
		return false;
	for (p = name; *p; p++)
		if (*p == '/')
			depth++;
	for (p = target; *p;) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (--depth < 0)
				return false;
		} else if (len > 0 && !(len == 1 && p[0] == '.'))
			depth++;
		p += len;
		while (*p == '/')
			p++;
	}
	return true;
}

/*
 * Open the directory that holds `name` (normalised), creating missing
 * directories, without following any symlink.  Returns an fd and points
 * *ret_base at the last component, or -1 with errno set.
 */
static int tar_open_parent(int rootfd, char *name, bool create, const char **ret_base)
{
	int fd = dup(rootfd);
	char *p = name, *slash;

	if (fd < 0)
		return -1;
	while ((slash = strchr(p, '/'))) {
		int next;

		*slash = '\0';
		next = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT && create) {
			if (mkdirat(fd, p, 0755) < 0 && errno != EEXIST) {
				*slash = '/';
				close(fd);
				return -1;
			}
			next = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (next >= 0)
				fchmod(next, 0755); /* whatever the umask */
		}
		*slash = '/';
		if (next < 0) {
			/* ELOOP/ENOTDIR: a component is a symlink or a file. */
			int saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
		close(fd);
		fd = next;
		p = slash + 1;
	}
	*ret_base = p;
	return fd;
}

static int tar_refuse(struct joblet_error **err, const char *name, const char *why)
{
	return joblet_error_set(err, JOBLET_E_ARCHIVE, 0,
				"package entry `%s` %s; the package is refused", name, why);
}

/* A new file at base in dirfd with mode; a later entry of the same name replaces it. */
static int tar_create_file(int dirfd, const char *base, const char *name, mode_t mode,
			   struct joblet_error **err)
{
	const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	int fd = openat(dirfd, base, flags, mode);

	/* A later entry of the same name replaces the earlier one (tar semantics). */
	if (fd < 0 && errno == EEXIST && unlinkat(dirfd, base, 0) == 0)
		fd = openat(dirfd, base, flags, mode);
	if (fd < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot create `%s`", name);
	/* Whatever the umask: jobs run as another user and must read runtimes. */
	if (fchmod(fd, mode) < 0) {
		int saved = errno;

		close(fd);
		return joblet_error_set(err, JOBLET_E_IO, saved, "cannot set the mode of `%s`",
					name);
	}
	return fd;
}

static int tar_too_big(const struct tar_job *job, const char *name, struct joblet_error **err)
{
	return joblet_error_set(
		err, JOBLET_E_LIMIT, 0,
		"the package unpacks to more than %llu bytes (at `%s`); the package is refused",
		(unsigned long long)job->limits->max_total_bytes, name);
}

/* The entry's data blocks, each at its offset (sparse files keep their holes). */
static int tar_copy_data(struct archive *a, struct tar_job *job, int fd, const char *name,
			 struct joblet_error **err)
{
	const void *block;
	size_t size;
	la_int64_t offset;
	int r;

	while ((r = archive_read_data_block(a, &block, &size, &offset)) != ARCHIVE_EOF) {
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return joblet_error_set(err, JOBLET_E_ARCHIVE, 0,
						"cannot read the data of `%s`: %s", name,
						archive_error_string(a));
		if (offset < 0 || (uint64_t)offset + size > job->limits->max_total_bytes ||
		    job->bytes + size > job->limits->max_total_bytes)
			return tar_too_big(job, name, err);
		for (size_t done = 0; done < size;) {
			ssize_t w = pwrite(fd, (const char *)block + done, size - done,
					   (off_t)offset + (off_t)done);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return joblet_error_set(err, JOBLET_E_IO, w < 0 ? errno : ENOSPC,
							"cannot write `%s`", name);
			done += (size_t)w;
		}
		job->bytes += size;
	}
	return 0;
}

/*
 * A sparse file may end in a hole: give it its declared size.  Holes count
 * like data: the limit is on the sum of the sizes of the files.  written is
 * what tar_copy_data() wrote.
 */
static int tar_count_holes(struct tar_job *job, int fd, uint64_t written, int64_t size_declared,
			   const char *name, struct joblet_error **err)
{
	struct stat st;
	uint64_t holes;

	if (fstat(fd, &st) < 0 ||
	    (st.st_size < size_declared && ftruncate(fd, (off_t)size_declared) < 0))
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot write `%s`", name);
	if (st.st_size < size_declared)
		st.st_size = (off_t)size_declared;
	if ((uint64_t)st.st_size <= written)
		return 0;
	holes = (uint64_t)st.st_size - written;
	if (holes > job->limits->max_total_bytes - job->bytes)
		return tar_too_big(job, name, err);
	job->bytes += holes;
	return 0;
}

static int tar_write_file(struct archive *a, struct tar_job *job, int dirfd, const char *base,
			  const char *name, mode_t mode, int64_t size_declared,
			  struct joblet_error **err)
{
	uint64_t start = job->bytes;
	int fd, r;

	fd = tar_create_file(dirfd, base, name, mode, err);
	if (fd < 0)
		return fd;
	r = tar_copy_data(a, job, fd, name, err);
	if (r == 0)
		r = tar_count_holes(job, fd, job->bytes - start, size_declared, name, err);
	if (r < 0) {
		close(fd);
		return r;
	}
	if (close(fd) < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot write `%s`", name);
	return 0;
}

static int tar_remember_symlink(struct tar_job *job, const char *name, struct joblet_error **err)
{
	if (job->n_symlinks == job->cap_symlinks) {
		size_t ncap = job->cap_symlinks ? job->cap_symlinks * 2 : 64;
		char **grown = realloc(job->symlinks, ncap * sizeof(char *));

		if (!grown)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot unpack");
		job->symlinks = grown;
		job->cap_symlinks = ncap;
	}
	job->symlinks[job->n_symlinks] = strdup(name);
	if (!job->symlinks[job->n_symlinks])
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot unpack");
	job->n_symlinks++;
	return 0;
}

/*
 * linkat() failed: when an earlier entry holds the name, it is replaced, as
 * tar does (unless it already is the target).  Returns true when the link
 * is in place, else false with errno set.
 */
static bool tar_relink(int tfd, const char *tbase, const struct stat *target, int dirfd,
		       const char *base)
{
	struct stat cur;

	if (errno != EEXIST)
		return false;
	if (fstatat(dirfd, base, &cur, AT_SYMLINK_NOFOLLOW) == 0 && cur.st_dev == target->st_dev &&
	    cur.st_ino == target->st_ino)
		return true;
	return unlinkat(dirfd, base, 0) == 0 && linkat(tfd, tbase, dirfd, base, 0) == 0;
}

/* One archive entry on its way to the disk. */
struct tar_item {
	struct archive_entry *entry;
	const char *display; /* the name as the package has it, for messages */
	const char *hard;    /* the hard link's target as recorded, or NULL */
	mode_t type;
	mode_t perm;	  /* as it will be created */
	char *name;	  /* normalised (owned) */
	int dirfd;	  /* the folder that holds it, or -1 */
	const char *base; /* its last component (points into name) */
};

/*
 * The entry's name, type, mode and size are acceptable, and it counts
 * against the limits.  1: nothing to create (the top folder itself).
 */
static int tar_item_check(struct tar_job *job, struct tar_item *it, struct joblet_error **err)
{
	const char *why = NULL;
	int n;

	if (!it->display || !*it->display)
		return joblet_error_set(err, JOBLET_E_ARCHIVE, 0,
					"a package entry has no name; the package is refused");
	if (strlen(it->display) > job->limits->max_path_length)
		return joblet_error_set(
			err, JOBLET_E_LIMIT, 0,
			"package entry `%s` has a name longer than %llu bytes; the package is refused",
			it->display, (unsigned long long)job->limits->max_path_length);
	if (++job->entries > job->limits->max_entries)
		return joblet_error_set(
			err, JOBLET_E_LIMIT, 0,
			"the package has more than %llu entries; the package is refused",
			(unsigned long long)job->limits->max_entries);
	it->name = strdup(it->display);
	if (!it->name)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot unpack `%s`",
					it->display);
	n = tar_normalise(it->name, &why);
	if (n == -2 && it->type == AE_IFDIR && !it->hard)
		return 1; /* `./` itself: nothing to create. */
	if (n < 0)
		return tar_refuse(err, it->display, why);
	if (it->perm & (S_ISUID | S_ISGID))
		return tar_refuse(err, it->display, "has the setuid or setgid bit");
	/* No group/other write; readable by everyone (jobs run as another user). */
	it->perm = (it->perm & 0755) | 0444;
	if (!it->hard && it->type != AE_IFREG && it->type != AE_IFDIR && it->type != AE_IFLNK)
		return tar_refuse(err, it->display,
				  it->type == AE_IFCHR || it->type == AE_IFBLK ? "is a device node"
				  : it->type == AE_IFIFO		       ? "is a FIFO"
				  : it->type == AE_IFSOCK		       ? "is a socket"
							  : "has an unknown type");
	if (!it->hard && it->type == AE_IFREG && archive_entry_size_is_set(it->entry) &&
	    (uint64_t)archive_entry_size(it->entry) > job->limits->max_total_bytes - job->bytes)
		return tar_too_big(job, it->display, err);
	return 0;
}

/* Open (making them as needed) the folders that hold the entry, never through a symlink. */
static int tar_item_parent(struct tar_job *job, struct tar_item *it, struct joblet_error **err)
{
	it->dirfd = tar_open_parent(job->rootfd, it->name, true, &it->base);
	if (it->dirfd >= 0)
		return 0;
	if (errno == ELOOP || errno == ENOTDIR)
		return tar_refuse(err, it->display, "goes through a symlink or a file");
	return joblet_error_set(err, JOBLET_E_IO, errno, "cannot create the folders of `%s`",
				it->display);
}

/* A hard link, only to a regular file unpacked before it. */
static int tar_make_hardlink(struct tar_job *job, struct tar_item *it, struct joblet_error **err)
{
	char *target = strdup(it->hard);
	const char *tbase, *why;
	struct stat st;
	int tfd, r = 0;

	if (!target)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot unpack `%s`",
					it->display);
	if (tar_normalise(target, &why) < 0) {
		free(target);
		return tar_refuse(err, it->display, "is a hard link to a path outside the package");
	}
	tfd = tar_open_parent(job->rootfd, target, false, &tbase);
	if (tfd < 0 || fstatat(tfd, tbase, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
		r = tar_refuse(err, it->display,
			       "is a hard link to something that is not a file unpacked before it");
	else if (linkat(tfd, tbase, it->dirfd, it->base, 0) < 0 &&
		 !tar_relink(tfd, tbase, &st, it->dirfd, it->base))
		r = joblet_error_set(err, JOBLET_E_IO, errno, "cannot link `%s` to `%s`",
				     it->display, it->hard);
	if (tfd >= 0)
		close(tfd);
	free(target);
	return r;
}

/* A folder; one that exists already (an earlier entry made it) is fine. */
static int tar_make_dir(struct tar_item *it, struct joblet_error **err)
{
	struct stat st;

	if (mkdirat(it->dirfd, it->base, 0755) < 0 &&
	    !(errno == EEXIST && fstatat(it->dirfd, it->base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	      S_ISDIR(st.st_mode)))
		return errno == EEXIST
			       ? tar_refuse(err, it->display,
					    "is a folder where a file or symlink already is")
			       : joblet_error_set(err, JOBLET_E_IO, errno, "cannot create `%s`",
						  it->display);
	if (fchmodat(it->dirfd, it->base, 0755, 0) < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot set the mode of `%s`",
					it->display);
	return 0;
}

/* A symlink that stays in the tree, lexically; remembered for the check after the last entry. */
static int tar_make_symlink(struct tar_job *job, struct tar_item *it, struct joblet_error **err)
{
	const char *target = archive_entry_symlink(it->entry);

	if (!target || !tar_link_stays_inside(it->name, target))
		return tar_refuse(err, it->display,
				  target && target[0] == '/'
					  ? "is a symlink to an absolute path"
					  : "is a symlink that points outside the package");
	if (symlinkat(target, it->dirfd, it->base) < 0) {
		/* Same name again: the later entry replaces a file or link. */
		if (errno != EEXIST || unlinkat(it->dirfd, it->base, 0) < 0 ||
		    symlinkat(target, it->dirfd, it->base) < 0)
			return joblet_error_set(err, JOBLET_E_IO, errno,
						"cannot create symlink `%s`", it->display);
	}
	return tar_remember_symlink(job, it->name, err);
}

static int tar_entry(struct archive *a, struct archive_entry *entry, struct tar_job *job,
		     struct joblet_error **err)
{
	struct tar_item it = {
		.entry = entry,
		.display = archive_entry_pathname(entry),
		.hard = archive_entry_hardlink(entry),
		.type = archive_entry_filetype(entry),
		.perm = archive_entry_perm(entry),
		.dirfd = -1,
	};
	int64_t size = archive_entry_size_is_set(entry) ? archive_entry_size(entry) : 0;
	int r;

	r = tar_item_check(job, &it, err);
	if (r == 0)
		r = tar_item_parent(job, &it, err);
	if (r == 0) {
		if (it.hard)
			r = tar_make_hardlink(job, &it, err);
		else if (it.type == AE_IFDIR)
			r = tar_make_dir(&it, err);
		else if (it.type == AE_IFLNK)
			r = tar_make_symlink(job, &it, err);
		else
			r = tar_write_file(a, job, it.dirfd, it.base, it.display, it.perm, size,
					   err);
	}
	if (it.dirfd >= 0)
		close(it.dirfd);
	free(it.name);
	return r > 0 ? 0 : r;
}

/*
 * Resolve every symlink beneath the tree; EXDEV means it escapes.  Without
 * openat2(2) the lexical check made at creation stands alone.
 */
static int tar_check_symlinks(struct tar_job *job, struct joblet_error **err)
{
#if defined(SYS_openat2) && defined(TAR_HAVE_OPENAT2_H)
	for (size_t i = 0; i < job->n_symlinks; i++) {
		struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_BENEATH };
		long fd = syscall(SYS_openat2, job->rootfd, job->symlinks[i], &how, sizeof(how));

		if (fd >= 0) {
			close((int)fd);
			continue;
		}
		if (errno == ENOSYS)
			return 0;
		if (errno == EXDEV)
			return tar_refuse(
				err, job->symlinks[i],
				"is a symlink that leads outside the package through other links");
		/* ENOENT and friends: dangling inside the tree, harmless. */
	}
#else
	(void)job;
	(void)err;
#endif
	return 0;
}

/*
 * A libarchive failure: when it happened because the stream failed, pass
 * the stream's own error on (network, checksum, limit); else describe it.
 */
static int tar_fail(struct tar_input *input, struct archive *a, struct joblet_error **err,
		    const char *what, unsigned long long entries)
{
	if (input->err) {
		int code = input->err->code;

		joblet_error_move(err, &input->err);
		return -code;
	}
	return joblet_error_set(err, JOBLET_E_ARCHIVE, 0, "%s after %llu entries: %s", what,
				entries, archive_error_string(a));
}

static int tar_extract(struct joblet_stream *in, int dirfd,
		       const struct joblet_archive_limits *limits,
		       struct joblet_archive_stats *ret_stats, struct joblet_error **err)
{
	struct tar_input *input = calloc(1, sizeof(*input));
	struct tar_job job = { .rootfd = dirfd, .limits = limits };
	struct archive *a = archive_read_new();
	struct archive_entry *entry;
	int r = 0;

	if (!input || !a) {
		r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot start unpacking");
		goto out;
	}
	input->in = in;
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_format_tar(a);
	if (archive_read_open(a, input, NULL, tar_read_cb, NULL) != ARCHIVE_OK) {
		r = tar_fail(input, a, err, "not a tar package (plain, gzip, xz, zstd or bzip2)",
			     0);
		goto out;
	}
	for (;;) {
		int h = archive_read_next_header(a, &entry);

		if (h == ARCHIVE_EOF)
			break;
		if (h != ARCHIVE_OK && h != ARCHIVE_WARN) {
			r = tar_fail(input, a, err, "the package is not a valid tar archive",
				     (unsigned long long)job.entries);
			goto out;
		}
		r = tar_entry(a, entry, &job, err);
		if (r < 0) {
			if (input->err) {
				/* The data read failed because the stream did: report the stream.
				 */
				joblet_error_clear(err);
				r = tar_fail(input, a, err, "", 0);
			}
			goto out;
		}
	}
	r = tar_check_symlinks(&job, err);
	if (r < 0)
		goto out;
	/* Read to the end, so whoever hashes the stream sees every byte. */
	for (;;) {
		int64_t n = in->read(in, input->buf, sizeof(input->buf), &input->err);

		if (n < 0) {
			/* The code comes from the stream's error, as above, not from n. */
			r = tar_fail(input, a, err, "cannot read the end of the package",
				     (unsigned long long)job.entries);
			goto out;
		}
		if (n == 0)
			break;
	}
	if (ret_stats) {
		ret_stats->entries = job.entries;
		ret_stats->bytes = job.bytes;
	}
out:
	if (a)
		archive_read_free(a);
	if (input) {
		joblet_error_free(input->err);
		free(input);
	}
	for (size_t i = 0; i < job.n_symlinks; i++)
		free(job.symlinks[i]);
	free(job.symlinks);
	return r;
}

static int32_t tar_probe(const uint8_t *head, size_t len, const char *name_hint)
{
	static const char *const suffixes[] = { ".tar.gz",  ".tgz",	".tar.xz", ".txz",
						".tar.zst", ".tar.bz2", ".tbz2",   ".tar" };
	int32_t score = 0;

	if (len >= 262 && memcmp(head + 257, "ustar", 5) == 0)
		score = 90;
	else if (len >= 2 && head[0] == 0x1f && head[1] == 0x8b)
		score = 70;
	else if (len >= 6 && memcmp(head,
				    "\xfd"
				    "7zXZ\0",
				    6) == 0)
		score = 70;
	else if (len >= 4 && memcmp(head, "\x28\xb5\x2f\xfd", 4) == 0)
		score = 70;
	else if (len >= 3 && memcmp(head, "BZh", 3) == 0)
		score = 60;
	if (score > 0 && name_hint) {
		size_t n = strlen(name_hint);

		for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
			size_t m = strlen(suffixes[i]);

			if (n >= m && strcmp(name_hint + n - m, suffixes[i]) == 0) {
				score += 10;
				break;
			}
		}
	}
	return score > 100 ? 100 : score;
}

/* ------------------------------------------------------------------ create */

struct tar_writer {
	struct archive *a;
	const struct joblet_archive_limits *limits;
	uint64_t entries;
	uint64_t bytes;
	uint8_t buf[TAR_READ_BLOCK];
};

static int tar_name_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The names in a folder, sorted (so the same tree gives the same package). */
static int tar_sorted_names(int fd, char ***ret, size_t *ret_n)
{
	DIR *d = fdopendir(dup(fd));
	char **v = NULL;
	size_t n = 0, cap = 0;

	if (!d)
		return -1;
	for (struct dirent *de; (de = readdir(d));) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			char **g = realloc(v, (cap = cap ? cap * 2 : 32) * sizeof(char *));

			if (!g)
				goto fail;
			v = g;
		}
		if (!(v[n] = strdup(de->d_name)))
			goto fail;
		n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(char *), tar_name_cmp);
	*ret = v;
	*ret_n = n;
	return 0;
fail:
	closedir(d);
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	errno = ENOMEM;
	return -1;
}

static int tar_write_header(struct tar_writer *w, struct archive_entry *e, const char *path,
			    struct joblet_error **err)
{
	if (archive_write_header(w->a, e) != ARCHIVE_OK)
		return joblet_error_set(err, JOBLET_E_IO, 0,
					"cannot write `%s` into the package: %s", path,
					archive_error_string(w->a));
	return 0;
}

/* One thing in a folder being packed. */
struct tar_pack_item {
	int dirfd;	  /* the folder holding it */
	const char *file; /* its name there */
	char *path;	  /* in the package: PREFIX/NAME */
	char *relpath;	  /* relative to the tree's top, for messages */
	struct stat st;
	struct archive_entry *e; /* its entry, with the fields every kind shares */
};

static int tar_add_dir(struct tar_writer *w, int fd, const char *prefix, const char *rel, int depth,
		       struct joblet_error **err);

/* Names, limits and mode bits an install would accept; then the entry's common fields. */
static int tar_pack_begin(struct tar_writer *w, struct tar_pack_item *it, const char *prefix,
			  const char *rel, struct joblet_error **err)
{
	if (asprintf(&it->path, "%s/%s", prefix, it->file) < 0)
		it->path = NULL;
	if (!it->path || asprintf(&it->relpath, "%s%s%s", rel, *rel ? "/" : "", it->file) < 0) {
		it->relpath = NULL;
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot pack");
	}
	if (fstatat(it->dirfd, it->file, &it->st, AT_SYMLINK_NOFOLLOW) < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot stat `%s`", it->relpath);
	if (++w->entries > w->limits->max_entries)
		return joblet_error_set(err, JOBLET_E_LIMIT, 0,
					"the folder has more than %llu entries",
					(unsigned long long)w->limits->max_entries);
	if (strlen(it->path) > w->limits->max_path_length)
		return joblet_error_set(err, JOBLET_E_LIMIT, 0,
					"`%s` has a name longer than %llu bytes", it->relpath,
					(unsigned long long)w->limits->max_path_length);
	if ((S_ISREG(it->st.st_mode) || S_ISDIR(it->st.st_mode)) &&
	    (it->st.st_mode & (S_ISUID | S_ISGID)))
		return joblet_error_set(
			err, JOBLET_E_ARCHIVE, 0,
			"`%s` has the setuid or setgid bit; installs refuse such files, so packing does too",
			it->relpath);
	it->e = archive_entry_new();
	if (!it->e)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot pack");
	archive_entry_set_pathname(it->e, it->path);
	archive_entry_set_uid(it->e, 0);
	archive_entry_set_gid(it->e, 0);
	archive_entry_set_mtime(it->e, it->st.st_mtim.tv_sec, 0);
	return 0;
}

/* A folder: its entry, then what it holds. */
static int tar_pack_dir(struct tar_writer *w, struct tar_pack_item *it, int depth,
			struct joblet_error **err)
{
	int sub = openat(it->dirfd, it->file, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int r;

	archive_entry_set_filetype(it->e, AE_IFDIR);
	archive_entry_set_perm(it->e, it->st.st_mode & 0755);
	if (sub < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot open `%s`", it->relpath);
	r = tar_write_header(w, it->e, it->path, err);
	if (r == 0)
		r = tar_add_dir(w, sub, it->path, it->relpath, depth + 1, err);
	close(sub);
	return r;
}

/* A symlink that stays in the tree, as an install requires. */
static int tar_pack_symlink(struct tar_writer *w, struct tar_pack_item *it,
			    struct joblet_error **err)
{
	char target[4096];
	ssize_t len = readlinkat(it->dirfd, it->file, target, sizeof(target) - 1);

	if (len < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot read link `%s`",
					it->relpath);
	target[len] = '\0';
	if (!tar_link_stays_inside(it->relpath, target))
		return joblet_error_set(
			err, JOBLET_E_ARCHIVE, 0,
			"`%s` is a symlink to `%s`, outside the folder; installs refuse such links, so packing does too",
			it->relpath, target);
	archive_entry_set_filetype(it->e, AE_IFLNK);
	archive_entry_set_perm(it->e, 0777);
	archive_entry_set_symlink(it->e, target);
	return tar_write_header(w, it->e, it->path, err);
}

/* Copy the st_size bytes the header announced from ffd; a file that changes fails. */
static int tar_pack_data(struct tar_writer *w, struct tar_pack_item *it, int ffd,
			 struct joblet_error **err)
{
	for (off_t left = it->st.st_size; left > 0;) {
		ssize_t got = read(ffd, w->buf, sizeof(w->buf));

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return joblet_error_set(err, JOBLET_E_IO, got < 0 ? errno : 0,
						"`%s` changed while it was being packed",
						it->relpath);
		if (got > left)
			got = (ssize_t)left;
		if (archive_write_data(w->a, w->buf, (size_t)got) != got)
			return joblet_error_set(err, JOBLET_E_IO, 0,
						"cannot write `%s` into the package: %s",
						it->relpath, archive_error_string(w->a));
		left -= got;
		w->bytes += (uint64_t)got;
	}
	return 0;
}

/* A regular file, within the byte limit. */
static int tar_pack_file(struct tar_writer *w, struct tar_pack_item *it, struct joblet_error **err)
{
	int ffd, r;

	if ((uint64_t)it->st.st_size > w->limits->max_total_bytes - w->bytes)
		return joblet_error_set(
			err, JOBLET_E_LIMIT, 0, "the folder holds more than %llu bytes (at `%s`)",
			(unsigned long long)w->limits->max_total_bytes, it->relpath);
	ffd = openat(it->dirfd, it->file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (ffd < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot open `%s`", it->relpath);
	archive_entry_set_filetype(it->e, AE_IFREG);
	archive_entry_set_perm(it->e, it->st.st_mode & 0755);
	archive_entry_set_size(it->e, it->st.st_size);
	r = tar_write_header(w, it->e, it->path, err);
	if (r == 0)
		r = tar_pack_data(w, it, ffd, err);
	close(ffd);
	return r;
}

/* One thing of a folder, by its kind; a runtime holds no device nodes, FIFOs or sockets. */
static int tar_pack_item(struct tar_writer *w, struct tar_pack_item *it, const char *prefix,
			 const char *rel, int depth, struct joblet_error **err)
{
	int r;

	r = tar_pack_begin(w, it, prefix, rel, err);
	if (r < 0)
		return r;
	if (S_ISDIR(it->st.st_mode))
		return tar_pack_dir(w, it, depth, err);
	if (S_ISLNK(it->st.st_mode))
		return tar_pack_symlink(w, it, err);
	if (S_ISREG(it->st.st_mode))
		return tar_pack_file(w, it, err);
	return joblet_error_set(
		err, JOBLET_E_ARCHIVE, 0,
		"`%s` is a device node, FIFO or socket; a runtime holds only files, folders and links",
		it->relpath);
}

/*
 * Add the folder open at fd, whose path in the package is `prefix` and
 * whose path relative to the tree's top is `rel` ("" at the top).
 */
static int tar_add_dir(struct tar_writer *w, int fd, const char *prefix, const char *rel, int depth,
		       struct joblet_error **err)
{
	char **names = NULL;
	size_t n = 0;
	int r = 0;

	if (depth > 128)
		return joblet_error_set(err, JOBLET_E_LIMIT, 0, "`%s` is nested too deeply",
					prefix);
	if (tar_sorted_names(fd, &names, &n) < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot list `%s`", prefix);
	for (size_t i = 0; i < n && r == 0; i++) {
		struct tar_pack_item it = { .dirfd = fd, .file = names[i] };

		r = tar_pack_item(w, &it, prefix, rel, depth, err);
		archive_entry_free(it.e);
		free(it.path);
		free(it.relpath);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

static int tar_create(int dirfd, const char *top, int out_fd,
		      const struct joblet_archive_limits *limits,
		      struct joblet_archive_stats *ret_stats, struct joblet_error **err)
{
	struct tar_writer *w = calloc(1, sizeof(*w));
	struct archive_entry *e = NULL;
	struct stat st;
	int r;

	if (!w)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot pack");
	w->limits = limits;
	w->a = archive_write_new();
	e = archive_entry_new();
	if (!w->a || !e) {
		r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot pack");
		goto out;
	}
	/* No time in the gzip header: the same tree gives the same bytes. */
	if (archive_write_set_format_pax_restricted(w->a) != ARCHIVE_OK ||
	    archive_write_add_filter_gzip(w->a) != ARCHIVE_OK ||
	    archive_write_set_filter_option(w->a, "gzip", "timestamp", NULL) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(w->a, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(w->a, out_fd) != ARCHIVE_OK) {
		r = joblet_error_set(err, JOBLET_E_IO, 0, "cannot start the package: %s",
				     archive_error_string(w->a));
		goto out;
	}
	fstat(dirfd, &st);
	archive_entry_set_pathname(e, top);
	archive_entry_set_filetype(e, AE_IFDIR);
	archive_entry_set_perm(e, 0755);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_set_mtime(e, st.st_mtim.tv_sec, 0);
	r = tar_write_header(w, e, top, err);
	if (r == 0)
		r = tar_add_dir(w, dirfd, top, "", 0, err);
	if (r == 0 && archive_write_close(w->a) != ARCHIVE_OK)
		r = joblet_error_set(err, JOBLET_E_IO, 0, "cannot finish the package: %s",
				     archive_error_string(w->a));
	if (r == 0 && ret_stats) {
		ret_stats->entries = w->entries + 1;
		ret_stats->bytes = w->bytes;
	}
out:
	archive_entry_free(e);
	if (w->a)
		archive_write_free(w->a);
	free(w);
	return r;
}

static const struct joblet_archive_ops tar_ops = {
	.size = sizeof(struct joblet_archive_ops),
	.probe = tar_probe,
	.extract = tar_extract,
	.create = tar_create,
	.create_suffix = ".tar.gz",
};

JOBLET_PLUGIN_DEFINE(JOBLET_KIND_ARCHIVE, "tar", .version = "1.0.0",
		     .summary = "tar packages (plain, gzip, xz, zstd, bzip2), unpacked safely",
		     .license = "Apache-2.0", .ops = &tar_ops);

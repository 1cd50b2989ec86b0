/*
 * test_tar.c - the archive/tar plugin, loaded from build-plugins/ through the
 * public loader exactly as joblet loads it, fed packages built here in
 * memory with libarchive's writer (so hostile entries can be crafted at
 * will) through a test stream that serves them in chunks of any size and
 * can fail on demand.  Every case extracts into <scratch>/out, so anything
 * that escapes lands next to it, in the scratch dir, where we look for it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include <archive.h>
#include <archive_entry.h>

#include <joblet/archive.h>
#include <joblet/archive.h>
#include <joblet/error.h>
#include <joblet/plugin.h>

#include "plugin/loader.h"

#include "jl_test.h"
#include "jl_tmp.h"

#ifdef __has_include
#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#define TEST_HAVE_OPENAT2_H 1
#endif
#endif

/* ------------------------------------------------------------------------ */
/* Fixture: the plugin, the target directory, and what a case must free.   */

enum filter { F_NONE = 1, F_GZIP, F_XZ, F_ZSTD, F_BZIP2 };
enum format { FMT_PAX = 1, FMT_USTAR, FMT_GNU, FMT_RAW /* one file's bytes, no tar */ };

/* A package under construction, then its bytes. */
struct pkg {
	struct archive *a;
	uint8_t *data;
	size_t len;
	size_t cap;
	struct pkg *next; /* every package of a case, freed by the teardown */
};

static struct jl_plugin_set *set;
static const struct joblet_archive_ops *ops;
static int tmpfd = -1;	       /* the scratch dir: must hold nothing but out/ and what a case put */
static int outfd = -1;	       /* <scratch>/out, the extraction target */
static struct joblet_error *e; /* the error of the last extract(), cleared by the teardown */
static struct pkg *pkgs;
static mode_t saved_umask;

static void setup(void)
{
	char path[4096];
	struct joblet_error *le = NULL;
	const struct joblet_plugin *p;

	jl_tmp_setup();
	/* No umask to hide behind: the plugin itself must drop group/other write. */
	saved_umask = umask(0);
	snprintf(path, sizeof(path), "%s/build-plugins/archive_tar.so",
		 jl_test_env("JOBLET_TEST_BUILDDIR"));
	ck_assert_int_eq(jl_plugin_set_new(NULL, JL_LOADER_STRICT, &set, NULL), 0);
	ck_assert_msg(jl_plugin_set_load_file(set, path, &le) == 0, "cannot load %s: %s", path,
		      joblet_error_message(le));
	p = jl_plugin_set_find(set, JOBLET_KIND_ARCHIVE, "tar");
	ck_assert_ptr_nonnull(p);
	ops = p->ops;
	ck_assert_uint_ge(ops->size, sizeof(struct joblet_archive_ops));

	tmpfd = open(jl_tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(tmpfd, 0);
	ck_assert_int_eq(mkdirat(tmpfd, "out", 0755), 0);
	outfd = openat(tmpfd, "out", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(outfd, 0);
}

/*
 * Remove without following anything.  Not jl_tmp_rm(): it chmods every
 * non-folder by path, which follows symlinks, and out/ may hold a link that
 * leads outside (the chain case points at the scratch dir's parent).
 */
static int rm_nofollow(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void remove_out(void)
{
	if (outfd >= 0)
		close(outfd);
	outfd = -1;
	if (jl_tmpdir[0] && faccessat(tmpfd, "out", F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		int r = nftw(jl_tmp_path("out"), rm_nofollow, 16, FTW_DEPTH | FTW_PHYS);

		ck_assert_int_eq(r, 0);
	}
}

/* A fresh, empty out/ (as the core gives extract()), for the next package of a case. */
static void reset_out(void)
{
	remove_out();
	ck_assert_int_eq(mkdirat(tmpfd, "out", 0755), 0);
	outfd = openat(tmpfd, "out", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(outfd, 0);
}

static void teardown(void)
{
	while (pkgs) {
		struct pkg *next = pkgs->next;

		if (pkgs->a)
			archive_write_free(pkgs->a);
		free(pkgs->data);
		free(pkgs);
		pkgs = next;
	}
	joblet_error_clear(&e);
	remove_out();
	if (tmpfd >= 0)
		close(tmpfd);
	tmpfd = -1;
	ops = NULL;
	jl_plugin_set_free(set);
	set = NULL;
	umask(saved_umask);
	jl_tmp_teardown();
}

/* ------------------------------------------------------------------------ */
/* Building packages in memory.                                             */

static la_ssize_t pkg_write_cb(struct archive *a, void *userdata, const void *buf, size_t len)
{
	struct pkg *p = userdata;

	(void)a;
	if (p->len + len > p->cap) {
		size_t ncap = p->cap ? p->cap : 65536;
		uint8_t *grown;

		while (ncap < p->len + len)
			ncap *= 2;
		grown = realloc(p->data, ncap);
		if (!grown)
			return -1;
		p->data = grown;
		p->cap = ncap;
	}
	memcpy(p->data + p->len, buf, len);
	p->len += len;
	return (la_ssize_t)len;
}

static struct pkg *pkg_new_format(enum filter filter, enum format format)
{
	struct pkg *p = calloc(1, sizeof(*p));
	int r = ARCHIVE_OK;

	ck_assert_ptr_nonnull(p);
	p->next = pkgs;
	pkgs = p;
	p->a = archive_write_new();
	ck_assert_ptr_nonnull(p->a);
	ck_assert_int_eq(format == FMT_USTAR ? archive_write_set_format_ustar(p->a)
			 : format == FMT_GNU ? archive_write_set_format_gnutar(p->a)
			 : format == FMT_RAW ? archive_write_set_format_raw(p->a)
					     : archive_write_set_format_pax_restricted(p->a),
			 ARCHIVE_OK);
	switch (filter) {
	case F_NONE:
		r = archive_write_add_filter_none(p->a);
		break;
	case F_GZIP:
		r = archive_write_add_filter_gzip(p->a);
		break;
	case F_XZ:
		r = archive_write_add_filter_xz(p->a);
		break;
	case F_ZSTD:
		r = archive_write_add_filter_zstd(p->a);
		break;
	case F_BZIP2:
		r = archive_write_add_filter_bzip2(p->a);
		break;
	}
	ck_assert_msg(r == ARCHIVE_OK, "libarchive cannot write filter %d: %s", filter,
		      archive_error_string(p->a));
	/*
	 * libarchive pads the compressed output to 10240 bytes with zeros, which
	 * its own zstd reader then takes for a broken frame (libarchive #1445).
	 * zstd packages come from `zstd` or from tar writing to a file: unpadded.
	 * The other compressors keep the padding, so reading to the end is tested.
	 */
	if (filter == F_ZSTD)
		ck_assert_int_eq(archive_write_set_bytes_in_last_block(p->a, 1), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_open(p->a, p, NULL, pkg_write_cb, NULL), ARCHIVE_OK);
	return p;
}

static struct pkg *pkg_new(enum filter filter)
{
	return pkg_new_format(filter, FMT_PAX);
}

/*
 * Add one entry.  Owners are set to someone else on purpose: the plugin
 * must ignore them.  size is the declared size; data (len bytes, may be
 * fewer than size: libarchive pads with zeros) is the content.
 */
static void pkg_add(struct pkg *p, const char *name, mode_t type, mode_t perm, int64_t size,
		    const void *data, size_t len, const char *symlink, const char *hardlink,
		    dev_t rdev)
{
	struct archive_entry *ent = archive_entry_new();

	ck_assert_ptr_nonnull(ent);
	archive_entry_set_pathname(ent, name);
	archive_entry_set_filetype(ent, type);
	archive_entry_set_perm(ent, perm);
	archive_entry_set_uid(ent, 4242);
	archive_entry_set_gid(ent, 4343);
	archive_entry_set_mtime(ent, 1700000000, 0);
	archive_entry_set_size(ent, size);
	if (symlink)
		archive_entry_set_symlink(ent, symlink);
	if (hardlink)
		archive_entry_set_hardlink(ent, hardlink);
	if (rdev)
		archive_entry_set_rdev(ent, rdev);
	ck_assert_msg(archive_write_header(p->a, ent) == ARCHIVE_OK, "cannot add `%s`: %s", name,
		      archive_error_string(p->a));
	if (len)
		ck_assert_int_eq(archive_write_data(p->a, data, len), (la_ssize_t)len);
	archive_entry_free(ent);
}

static void pkg_file(struct pkg *p, const char *name, mode_t perm, const char *content)
{
	size_t len = strlen(content);

	pkg_add(p, name, AE_IFREG, perm, (int64_t)len, content, len, NULL, NULL, 0);
}

static void pkg_dir(struct pkg *p, const char *name, mode_t perm)
{
	pkg_add(p, name, AE_IFDIR, perm, 0, NULL, 0, NULL, NULL, 0);
}

static void pkg_symlink(struct pkg *p, const char *name, const char *target)
{
	pkg_add(p, name, AE_IFLNK, 0777, 0, NULL, 0, target, NULL, 0);
}

static void pkg_hardlink(struct pkg *p, const char *name, const char *target)
{
	pkg_add(p, name, AE_IFREG, 0644, 0, NULL, 0, NULL, target, 0);
}

/* Close the archive: p->data[0..p->len) is the whole package. */
static struct pkg *pkg_end(struct pkg *p)
{
	ck_assert_int_eq(archive_write_close(p->a), ARCHIVE_OK);
	archive_write_free(p->a);
	p->a = NULL;
	return p;
}

/* ------------------------------------------------------------------------ */
/* A stream over a memory buffer, in chunks, failing on demand.             */

struct mem_stream {
	struct joblet_stream base; /* first, as stream.h asks */
	const uint8_t *data;
	size_t len;
	size_t pos;	/* bytes handed out so far */
	size_t chunk;	/* at most this many per read() */
	size_t fail_at; /* fail once pos reaches this (SIZE_MAX: never) */
	int32_t fail_code;
	bool fail_minus_one; /* stream.h only promises "negative": return -1, not -code */
	bool saw_end;	     /* read() returned 0 */
	bool closed;
};

static int64_t mem_read(struct joblet_stream *s, void *buf, size_t len, struct joblet_error **err)
{
	struct mem_stream *m = (struct mem_stream *)s;
	size_t n = m->len - m->pos;

	ck_assert_uint_gt(len, 0);
	/* An error repeats on every later call, as stream.h asks. */
	if (m->pos >= m->fail_at) {
		int r = joblet_error_set(err, m->fail_code, 0, "test stream: reset after %zu bytes",
					 m->fail_at);

		return m->fail_minus_one ? -1 : r;
	}
	if (n == 0) {
		m->saw_end = true;
		return 0;
	}
	if (n > len)
		n = len;
	if (n > m->chunk)
		n = m->chunk;
	if (m->fail_at != SIZE_MAX && n > m->fail_at - m->pos)
		n = m->fail_at - m->pos;
	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	return (int64_t)n;
}

static void mem_close(struct joblet_stream *s)
{
	((struct mem_stream *)s)->closed = true;
}

static void mem_init(struct mem_stream *m, const void *data, size_t len, size_t chunk)
{
	memset(m, 0, sizeof(*m));
	m->base.size = sizeof(m->base);
	m->base.length = (int64_t)len;
	m->base.read = mem_read;
	m->base.close = mem_close;
	m->data = data;
	m->len = len;
	m->chunk = chunk;
	m->fail_at = SIZE_MAX;
}

static const struct joblet_archive_limits generous = {
	.size = sizeof(struct joblet_archive_limits),
	.max_total_bytes = UINT64_C(1) << 30,
	.max_entries = 100000,
	.max_path_length = 4096,
};

/* Extract a package with a stream of the given chunk size; the error lands in e. */
static int extract_with(struct pkg *p, size_t chunk, const struct joblet_archive_limits *limits,
			struct joblet_archive_stats *stats, struct mem_stream *ret_m)
{
	struct mem_stream m;
	struct joblet_archive_stats st = { .size = sizeof(st) };
	int r;

	reset_out();
	mem_init(&m, p->data, p->len, chunk);
	joblet_error_clear(&e);
	r = ops->extract(&m.base, outfd, limits, stats ? stats : &st, &e);
	/* The stream is borrowed: closing it is the caller's business. */
	ck_assert(!m.closed);
	if (r == 0)
		ck_assert_ptr_null(e);
	else
		ck_assert_msg(e && e->message && *e->message, "extract returned %d, no error", r);
	if (ret_m)
		*ret_m = m;
	return r;
}

static int extract(struct pkg *p)
{
	return extract_with(p, 4096, &generous, NULL, NULL);
}

/* ------------------------------------------------------------------------ */
/* Looking at the result.                                                   */

static void assert_bytes(int dirfd, const char *name, int oflags, const void *want, size_t len)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | oflags);
	uint8_t *got = malloc(len + 1);
	size_t have = 0;
	ssize_t n;

	ck_assert_msg(fd >= 0, "cannot open `%s`: %s", name, strerror(errno));
	ck_assert_ptr_nonnull(got);
	/* Ask for one byte past the expected end to catch stale tails. */
	while ((n = read(fd, got + have, len + 1 - have)) > 0) {
		have += (size_t)n;
		if (have > len)
			break;
	}
	close(fd);
	ck_assert_msg(have == len, "`%s` has %zu bytes, want %zu", name, have, len);
	ck_assert_msg(memcmp(got, want, len) == 0, "`%s` differs", name);
	free(got);
}

/* The file itself (a symlink fails). */
static void assert_content(int dirfd, const char *name, const void *want, size_t len)
{
	assert_bytes(dirfd, name, O_NOFOLLOW, want, len);
}

/* What a program in the package reaches through symlinks. */
static void assert_resolves_to(int dirfd, const char *name, const void *want, size_t len)
{
	assert_bytes(dirfd, name, 0, want, len);
}

static void assert_text(int dirfd, const char *name, const char *want)
{
	assert_content(dirfd, name, want, strlen(want));
}

static void assert_mode(int dirfd, const char *name, mode_t type, mode_t perm)
{
	struct stat st;

	ck_assert_msg(fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0, "`%s`: %s", name,
		      strerror(errno));
	ck_assert_msg((st.st_mode & S_IFMT) == type, "`%s` has type %o, want %o", name,
		      st.st_mode & S_IFMT, type);
	ck_assert_msg((st.st_mode & 07777) == perm, "`%s` has mode %04o, want %04o", name,
		      st.st_mode & 07777, perm);
	/* Recorded owners (4242:4343) are ignored. */
	ck_assert_uint_eq(st.st_uid, geteuid());
	ck_assert_uint_eq(st.st_gid, getegid());
}

static void assert_symlink(int dirfd, const char *name, const char *target)
{
	char buf[4096];
	ssize_t n = readlinkat(dirfd, name, buf, sizeof(buf) - 1);

	ck_assert_msg(n >= 0, "`%s` is not a symlink: %s", name, strerror(errno));
	buf[n] = '\0';
	ck_assert_str_eq(buf, target);
}

static void assert_absent(int dirfd, const char *name)
{
	struct stat st;

	ck_assert_msg(fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT,
		      "`%s` exists and should not", name);
}

/*
 * Nothing escaped: the scratch dir holds out/ and the names given (NULL
 * terminated), nothing else.
 */
static void assert_scratch_holds_only(const char *const *allowed)
{
	int fd = openat(tmpfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fdopendir(fd);
	struct dirent *de;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		bool ok = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
			  !strcmp(de->d_name, "out");

		for (size_t i = 0; allowed && allowed[i] && !ok; i++)
			ok = !strcmp(de->d_name, allowed[i]);
		ck_assert_msg(ok, "`%s` appeared outside the target directory", de->d_name);
	}
	closedir(d);
}

static void assert_nothing_escaped(void)
{
	assert_scratch_holds_only(NULL);
}

/* The last extract() failed with code, and the message contains needle. */
static void assert_error(int r, int32_t code, const char *needle)
{
	ck_assert_msg(r == -code, "extract returned %d, want %d (%s)", r, -code,
		      joblet_error_message(e));
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->code, code);
	ck_assert_msg(strstr(e->message, needle), "`%s` not in: %s", needle, e->message);
}

/* Refused as a hostile package, the message naming the entry (in backticks). */
static void expect_refused(struct pkg *p, const char *entry)
{
	char needle[4200];

	snprintf(needle, sizeof(needle), "`%s`", entry);
	assert_error(extract(pkg_end(p)), JOBLET_E_ARCHIVE, needle);
}

/* ------------------------------------------------------------------------ */
/* 1, 2: a good package, every compression, any chunking.                   */

#define LIB_SIZE (150 * 1024) /* spans several 64 KiB reads and data blocks */

static uint8_t lib_bytes[LIB_SIZE];

static void fill_lib(void)
{
	uint32_t x = 2463534242u;

	for (size_t i = 0; i < LIB_SIZE; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		lib_bytes[i] = (uint8_t)x;
	}
}

static const char tool_sh[] = "#!/bin/sh\necho hello from the package\n";
static const char readme[] = "read me\n";
static const char conf[] = "secret=1\n";

/* Entries: 12; regular file bytes: tool + README + lib + conf + empty. */
#define GOOD_ENTRIES 12
#define GOOD_BYTES   (sizeof(tool_sh) - 1 + sizeof(readme) - 1 + LIB_SIZE + sizeof(conf) - 1)

static struct pkg *good_package(enum filter filter, enum format format)
{
	struct pkg *p = pkg_new_format(filter, format);

	fill_lib();
	pkg_dir(p, "./", 0755);
	pkg_dir(p, "./bin/", 0775);
	pkg_file(p, "./bin/tool", 0777, tool_sh);
	pkg_file(p, "./share/doc/README", 0666, readme); /* share/ and doc/ have no entries */
	pkg_add(p, "./lib/libx.so.1", AE_IFREG, 0644, LIB_SIZE, lib_bytes, LIB_SIZE, NULL, NULL, 0);
	pkg_symlink(p, "./lib/libx.so", "libx.so.1");
	pkg_symlink(p, "bin/up", "../lib/libx.so"); /* `..` that stays inside */
	pkg_symlink(p, "current", "share/doc/README");
	pkg_hardlink(p, "./bin/tool2", "./bin/tool");
	pkg_file(p, "etc/conf", 0600, conf); /* no `./` prefix, no folder entry */
	pkg_file(p, "./empty", 0644, "");
	pkg_dir(p, "./tmp/", 01777); /* sticky: dropped, not refused */
	return pkg_end(p);
}

static void check_good_tree(const struct joblet_archive_stats *st)
{
	struct stat a, b;

	assert_mode(outfd, "bin", S_IFDIR, 0755);
	assert_mode(outfd, "bin/tool", S_IFREG, 0755); /* exec kept, group/other write dropped */
	assert_text(outfd, "bin/tool", tool_sh);
	assert_mode(outfd, "share", S_IFDIR, 0755);
	assert_mode(outfd, "share/doc", S_IFDIR, 0755);
	assert_mode(outfd, "share/doc/README", S_IFREG, 0644);
	assert_text(outfd, "share/doc/README", readme);
	assert_mode(outfd, "lib/libx.so.1", S_IFREG, 0644);
	assert_content(outfd, "lib/libx.so.1", lib_bytes, LIB_SIZE);
	assert_symlink(outfd, "lib/libx.so", "libx.so.1");
	assert_symlink(outfd, "bin/up", "../lib/libx.so");
	assert_symlink(outfd, "current", "share/doc/README");
	/* Symlinks inside the tree resolve as packaged. */
	assert_resolves_to(outfd, "bin/up", lib_bytes, LIB_SIZE);
	assert_resolves_to(outfd, "current", readme, sizeof(readme) - 1);

	ck_assert_int_eq(fstatat(outfd, "bin/tool", &a, AT_SYMLINK_NOFOLLOW), 0);
	ck_assert_int_eq(fstatat(outfd, "bin/tool2", &b, AT_SYMLINK_NOFOLLOW), 0);
	ck_assert_uint_eq(a.st_ino, b.st_ino);
	ck_assert_uint_eq(a.st_dev, b.st_dev);
	ck_assert_uint_eq(a.st_nlink, 2);

	assert_mode(outfd, "etc", S_IFDIR, 0755);
	assert_mode(outfd, "etc/conf", S_IFREG, 0644); /* readable by the job user */
	assert_text(outfd, "etc/conf", conf);
	assert_mode(outfd, "empty", S_IFREG, 0644);
	assert_text(outfd, "empty", "");
	assert_mode(outfd, "tmp", S_IFDIR, 0755);

	/* `./` counts as an entry (it is one, for the limit too) but is not created. */
	ck_assert_uint_eq(st->entries, GOOD_ENTRIES);
	ck_assert_uint_eq(st->bytes, GOOD_BYTES);
	assert_nothing_escaped();
}

static void good_case(enum filter filter, enum format format, size_t chunk)
{
	struct pkg *p = good_package(filter, format);
	struct joblet_archive_stats st = { .size = sizeof(st) };
	struct mem_stream m;

	ck_assert_msg(extract_with(p, chunk, &generous, &st, &m) == 0, "extract failed: %s",
		      joblet_error_message(e));
	/* Read to the very end, so a hashing wrapper sees every byte. */
	ck_assert_uint_eq(m.pos, p->len);
	ck_assert(m.saw_end);
	check_good_tree(&st);
}

START_TEST(test_good_plain)
{
	good_case(F_NONE, FMT_PAX, 65536);
}
END_TEST

START_TEST(test_good_gzip)
{
	good_case(F_GZIP, FMT_PAX, 65536);
}
END_TEST

START_TEST(test_good_xz)
{
	good_case(F_XZ, FMT_PAX, 65536);
}
END_TEST

START_TEST(test_good_zstd)
{
	good_case(F_ZSTD, FMT_PAX, 65536);
}
END_TEST

START_TEST(test_good_bzip2)
{
	good_case(F_BZIP2, FMT_PAX, 65536);
}
END_TEST

START_TEST(test_good_ustar_and_gnutar)
{
	good_case(F_NONE, FMT_USTAR, 65536);
	good_case(F_GZIP, FMT_GNU, 65536);
}
END_TEST

START_TEST(test_chunk_1_byte)
{
	good_case(F_NONE, FMT_PAX, 1);
	good_case(F_GZIP, FMT_PAX, 1);
}
END_TEST

START_TEST(test_chunk_7_bytes)
{
	good_case(F_NONE, FMT_PAX, 7);
	good_case(F_XZ, FMT_PAX, 7);
}
END_TEST

START_TEST(test_chunk_odd_large)
{
	/* Bigger than the plugin's 64 KiB buffer, and not a multiple of 512. */
	good_case(F_NONE, FMT_PAX, 65536 + 1);
	good_case(F_ZSTD, FMT_PAX, 1000);
}
END_TEST

/* Long names: pax records and GNU longname headers both reach the plugin whole. */
static void long_name_case(enum format format)
{
	struct pkg *p = pkg_new_format(F_NONE, format);
	char name[400];

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	for (size_t i = 50; i < sizeof(name) - 1; i += 50)
		name[i] = '/';
	pkg_file(p, name, 0644, "deep\n");
	ck_assert_msg(extract(pkg_end(p)) == 0, "%s", joblet_error_message(e));
	assert_text(outfd, name, "deep\n");
}

START_TEST(test_long_names)
{
	long_name_case(FMT_PAX);
	long_name_case(FMT_GNU);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* 3: refusals.                                                             */

START_TEST(test_refuse_dotdot)
{
	struct pkg *p = pkg_new(F_NONE);

	pkg_file(p, "fine", 0644, "fine\n");
	pkg_file(p, "../evil", 0644, "escaped\n");
	expect_refused(p, "../evil");
	ck_assert_ptr_nonnull(strstr(e->message, "`..`"));
	assert_nothing_escaped();
}
END_TEST

START_TEST(test_refuse_inner_dotdot)
{
	struct pkg *p = pkg_new(F_GZIP);

	pkg_file(p, "a/../../evil", 0644, "escaped\n");
	expect_refused(p, "a/../../evil");
	assert_nothing_escaped();
	/* Even `a/..`, which stays inside, has a `..` component. */
	p = pkg_new(F_NONE);
	pkg_dir(p, "a/../", 0755);
	expect_refused(p, "a/../");
	p = pkg_new(F_NONE);
	pkg_dir(p, "../evil/", 0755);
	expect_refused(p, "../evil/");
	assert_nothing_escaped();
}
END_TEST

START_TEST(test_refuse_absolute)
{
	/* Aimed at the scratch dir, so a plugin that obeyed would be caught. */
	const char *abs = jl_tmp_path("evil");
	struct pkg *p = pkg_new(F_NONE);

	pkg_file(p, abs, 0644, "escaped\n");
	expect_refused(p, abs);
	ck_assert_ptr_nonnull(strstr(e->message, "absolute"));
	assert_nothing_escaped();
}
END_TEST

START_TEST(test_refuse_symlink_absolute)
{
	struct pkg *p = pkg_new(F_NONE);

	pkg_symlink(p, "root", jl_tmpdir);
	pkg_file(p, "root/evil", 0644, "escaped\n");
	expect_refused(p, "root");
	ck_assert_ptr_nonnull(strstr(e->message, "absolute"));
	assert_absent(outfd, "root");
	assert_nothing_escaped();
}
END_TEST

START_TEST(test_refuse_symlink_dotdot)
{
	struct pkg *p = pkg_new(F_NONE);

	pkg_symlink(p, "up", "..");
	expect_refused(p, "up");
	assert_absent(outfd, "up");

	p = pkg_new(F_NONE);
	pkg_symlink(p, "a/b/up", "../../../evil");
	expect_refused(p, "a/b/up");
	assert_absent(outfd, "a/b/up");

	p = pkg_new(F_NONE);
	pkg_symlink(p, "s", "d/../../evil");
	pkg_file(p, "s", 0644, "would write ../evil if followed\n");
	expect_refused(p, "s");
	assert_nothing_escaped();
}
END_TEST

/* Is openat2(2) usable here?  valgrind 3.19 and old kernels say ENOSYS. */
static bool have_openat2(void)
{
#if defined(SYS_openat2) && defined(TEST_HAVE_OPENAT2_H)
	struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_BENEATH };
	long fd = syscall(SYS_openat2, outfd, ".", &how, sizeof(how));

	if (fd >= 0)
		close((int)fd);
	return fd >= 0;
#else
	return false;
#endif
}

/*
 * `x -> d/l/../..` is fine by name when created (d/l is not a link yet);
 * `d/l -> ..` is fine by name too.  Together x leads out of the tree: only
 * the final openat2(RESOLVE_BENEATH) pass sees it.
 */
START_TEST(test_refuse_symlink_chain)
{
	struct pkg *p = pkg_new(F_NONE);
	int r;

	pkg_dir(p, "d/", 0755);
	pkg_symlink(p, "x", "d/l/../..");
	pkg_symlink(p, "d/l", "..");
	pkg_file(p, "after", 0644, "the last entry\n");
	r = extract(pkg_end(p));
	if (!have_openat2()) {
		/* Documented: without openat2 only the lexical check stands. */
		fprintf(stderr, "# openat2 unavailable: chain check not exercised\n");
		return;
	}
	assert_error(r, JOBLET_E_ARCHIVE, "`x`");
	ck_assert_ptr_nonnull(strstr(e->message, "through other links"));
	assert_nothing_escaped();
}
END_TEST

/* And nothing is ever written through such a chain while it is being built. */
START_TEST(test_refuse_write_through_chain)
{
	struct pkg *p = pkg_new(F_NONE);

	pkg_dir(p, "d/", 0755);
	pkg_symlink(p, "x", "d/l/../..");
	pkg_symlink(p, "d/l", "..");
	pkg_file(p, "x/evil", 0644, "escaped\n");
	expect_refused(p, "x/evil");
	ck_assert_ptr_nonnull(strstr(e->message, "through a symlink"));
	assert_nothing_escaped();
}
END_TEST

START_TEST(test_refuse_through_planted_symlink)
{
	struct pkg *p = pkg_new(F_NONE);

	pkg_dir(p, "sub/", 0755);
	pkg_symlink(p, "link", "sub"); /* harmless by itself: stays inside */
	pkg_file(p, "link/file", 0644, "through the link\n");
	expect_refused(p, "link/file");
	ck_assert_ptr_nonnull(strstr(e->message, "through a symlink"));
	assert_absent(outfd, "sub/file");
	assert_symlink(outfd, "link", "sub");
	assert_nothing_escaped();

	/* Deeper, and as a folder entry. */
	p = pkg_new(F_NONE);
	pkg_dir(p, "sub/", 0755);
	pkg_symlink(p, "link", "sub");
	pkg_dir(p, "link/new/", 0755);
	expect_refused(p, "link/new/");
	assert_absent(outfd, "sub/new");
	assert_nothing_escaped();
}
END_TEST

START_TEST(test_refuse_through_file)
{
	struct pkg *p = pkg_new(F_NONE);

	pkg_file(p, "f", 0644, "a file\n");
	pkg_file(p, "f/g", 0644, "under a file\n");
	expect_refused(p, "f/g");
	assert_text(outfd, "f", "a file\n");
}
END_TEST

START_TEST(test_refuse_dir_over_file)
{
	struct pkg *p = pkg_new(F_NONE);

	pkg_file(p, "f", 0644, "a file\n");
	pkg_dir(p, "f/", 0755);
	expect_refused(p, "f/");
	assert_mode(outfd, "f", S_IFREG, 0644);
	assert_text(outfd, "f", "a file\n");

	/* Over a symlink: refused, not taken as the folder it points to. */
	p = pkg_new(F_NONE);
	pkg_dir(p, "real/", 0755);
	pkg_symlink(p, "s", "real");
	pkg_dir(p, "s/", 0755);
	expect_refused(p, "s/");
	assert_symlink(outfd, "s", "real");
	assert_nothing_escaped();
}
END_TEST

/* A file next to the target that hard links must not reach. */
static void plant_secret(void)
{
	jl_tmp_write("secret", "s3cret\n");
}

static void assert_secret_untouched(void)
{
	static const char *const secret[] = { "secret", NULL };
	struct stat st;

	ck_assert_int_eq(fstatat(tmpfd, "secret", &st, AT_SYMLINK_NOFOLLOW), 0);
	ck_assert_uint_eq(st.st_nlink, 1);
	assert_text(tmpfd, "secret", "s3cret\n");
	assert_scratch_holds_only(secret);
}

START_TEST(test_refuse_hardlink_outside)
{
	struct pkg *p;

	plant_secret();
	p = pkg_new(F_NONE);
	pkg_hardlink(p, "h", "../secret");
	expect_refused(p, "h");
	assert_absent(outfd, "h");
	assert_secret_untouched();

	p = pkg_new(F_NONE);
	pkg_hardlink(p, "h", jl_tmp_path("secret"));
	expect_refused(p, "h");
	assert_absent(outfd, "h");
	assert_secret_untouched();

	/* Through an in-tree symlink: the target's path is not followed either. */
	p = pkg_new(F_NONE);
	pkg_dir(p, "d/", 0755);
	pkg_file(p, "d/secret", 0644, "inside\n");
	pkg_symlink(p, "dd", "d");
	pkg_hardlink(p, "h", "dd/secret");
	expect_refused(p, "h");
	assert_absent(outfd, "h");
	assert_secret_untouched();
}
END_TEST

START_TEST(test_refuse_hardlink_not_a_prior_file)
{
	struct pkg *p = pkg_new(F_NONE);

	pkg_hardlink(p, "h", "nothere");
	pkg_file(p, "nothere", 0644, "too late\n");
	expect_refused(p, "h");
	assert_absent(outfd, "h");

	/* Folders and symlinks are not files. */
	p = pkg_new(F_NONE);
	pkg_dir(p, "d/", 0755);
	pkg_hardlink(p, "hd", "d");
	expect_refused(p, "hd");
	assert_absent(outfd, "hd");

	p = pkg_new(F_NONE);
	pkg_file(p, "f", 0644, "file\n");
	pkg_symlink(p, "s", "f");
	pkg_hardlink(p, "hs", "s");
	expect_refused(p, "hs");
	assert_absent(outfd, "hs");
	assert_nothing_escaped();
}
END_TEST

START_TEST(test_refuse_char_device)
{
	struct pkg *p = pkg_new(F_NONE);

	pkg_add(p, "null", AE_IFCHR, 0666, 0, NULL, 0, NULL, NULL, makedev(1, 3));
	expect_refused(p, "null");
	ck_assert_ptr_nonnull(strstr(e->message, "device"));
	assert_absent(outfd, "null");
	assert_nothing_escaped();
}
END_TEST

START_TEST(test_refuse_block_device)
{
	struct pkg *p = pkg_new(F_NONE);

	pkg_add(p, "dev/sda", AE_IFBLK, 0660, 0, NULL, 0, NULL, NULL, makedev(8, 0));
	expect_refused(p, "dev/sda");
	ck_assert_ptr_nonnull(strstr(e->message, "device"));
	assert_absent(outfd, "dev/sda");
	assert_nothing_escaped();
}
END_TEST

START_TEST(test_refuse_fifo)
{
	struct pkg *p = pkg_new(F_NONE);

	pkg_add(p, "pipe", AE_IFIFO, 0644, 0, NULL, 0, NULL, NULL, 0);
	expect_refused(p, "pipe");
	ck_assert_ptr_nonnull(strstr(e->message, "FIFO"));
	assert_absent(outfd, "pipe");
	assert_nothing_escaped();
}
END_TEST

START_TEST(test_refuse_setuid)
{
	struct pkg *p = pkg_new(F_NONE);

	pkg_file(p, "su", 04755, "#!/bin/sh\n");
	expect_refused(p, "su");
	ck_assert_ptr_nonnull(strstr(e->message, "setuid"));
	assert_absent(outfd, "su");
}
END_TEST

START_TEST(test_refuse_setgid)
{
	struct pkg *p = pkg_new(F_NONE);

	pkg_file(p, "sg", 02755, "#!/bin/sh\n");
	expect_refused(p, "sg");
	assert_absent(outfd, "sg");

	p = pkg_new(F_NONE);
	pkg_dir(p, "sgdir/", 02755);
	expect_refused(p, "sgdir/");
	assert_absent(outfd, "sgdir");
}
END_TEST

/* Sticky bits are dropped, not refused (README). */
START_TEST(test_sticky_dropped)
{
	struct pkg *p = pkg_new(F_NONE);

	pkg_file(p, "f", 01755, "sticky\n");
	pkg_dir(p, "d/", 01777);
	ck_assert_msg(extract(pkg_end(p)) == 0, "%s", joblet_error_message(e));
	assert_mode(outfd, "f", S_IFREG, 0755);
	assert_mode(outfd, "d", S_IFDIR, 0755);
}
END_TEST

/* Jobs run as another user: modes do not depend on the installer's umask. */
START_TEST(test_modes_ignore_umask)
{
	struct pkg *p = pkg_new(F_NONE);
	mode_t old = umask(077);

	pkg_file(p, "a/b/secret", 0600, "x\n");
	pkg_file(p, "tool", 0700, "#!/bin/sh\n");
	pkg_dir(p, "c/", 0700);
	ck_assert_msg(extract(pkg_end(p)) == 0, "%s", joblet_error_message(e));
	umask(old);
	assert_mode(outfd, "a", S_IFDIR, 0755);
	assert_mode(outfd, "a/b", S_IFDIR, 0755);
	assert_mode(outfd, "a/b/secret", S_IFREG, 0644);
	assert_mode(outfd, "tool", S_IFREG, 0744);
	assert_mode(outfd, "c", S_IFDIR, 0755);
}
END_TEST

/* err may be NULL (error.h): the code still comes back, nothing leaks. */
START_TEST(test_refuse_without_err)
{
	struct pkg *p = pkg_end(pkg_new(F_NONE));
	struct pkg *q = pkg_new(F_NONE);
	struct joblet_archive_stats st = { .size = sizeof(st) };
	struct mem_stream m;

	pkg_file(q, "../evil", 0644, "x\n");
	pkg_end(q);
	mem_init(&m, q->data, q->len, 512);
	ck_assert_int_eq(ops->extract(&m.base, outfd, &generous, &st, NULL), -JOBLET_E_ARCHIVE);
	assert_nothing_escaped();

	/* And an empty but well-formed package is fine. */
	reset_out();
	mem_init(&m, p->data, p->len, 512);
	ck_assert_int_eq(ops->extract(&m.base, outfd, &generous, &st, NULL), 0);
	ck_assert_uint_eq(st.entries, 0);
	ck_assert_uint_eq(st.bytes, 0);
	ck_assert(m.saw_end);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* 4: limits.                                                               */

START_TEST(test_limit_declared_size)
{
	struct joblet_archive_limits lim = generous;
	struct pkg *p = pkg_new(F_GZIP);

	lim.max_total_bytes = 64 * 1024;
	pkg_file(p, "small", 0644, "fits\n");
	/* Declared 1 MiB; libarchive pads the missing data with zeros. */
	pkg_add(p, "big", AE_IFREG, 0644, 1024 * 1024, "x", 1, NULL, NULL, 0);
	assert_error(extract_with(pkg_end(p), 4096, &lim, NULL, NULL), JOBLET_E_LIMIT, "`big`");
	ck_assert_ptr_nonnull(strstr(e->message, "65536"));
	/* Refused on the header, before any byte was written. */
	assert_absent(outfd, "big");
	assert_nothing_escaped();
}
END_TEST

START_TEST(test_limit_many_small_files)
{
	struct joblet_archive_limits lim = generous;
	char data[1000], name[32];
	struct pkg *p;

	memset(data, 'z', sizeof(data));
	/* Ten files of 1000 bytes: exactly 10000 fits... */
	lim.max_total_bytes = 10000;
	p = pkg_new(F_NONE);
	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		pkg_add(p, name, AE_IFREG, 0644, sizeof(data), data, sizeof(data), NULL, NULL, 0);
	}
	pkg_end(p);
	ck_assert_msg(extract_with(p, 4096, &lim, NULL, NULL) == 0, "%s", joblet_error_message(e));

	/* ...9999 does not, and the tenth file is the one named. */
	lim.max_total_bytes = 9999;
	p = pkg_new(F_NONE);
	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		pkg_add(p, name, AE_IFREG, 0644, sizeof(data), data, sizeof(data), NULL, NULL, 0);
	}
	assert_error(extract_with(pkg_end(p), 4096, &lim, NULL, NULL), JOBLET_E_LIMIT, "`f9`");
	assert_nothing_escaped();
}
END_TEST

START_TEST(test_limit_entries)
{
	struct joblet_archive_limits lim = generous;
	struct joblet_archive_stats st = { .size = sizeof(st) };
	struct pkg *p = pkg_new(F_NONE);

	pkg_dir(p, "d/", 0755);
	pkg_file(p, "d/a", 0644, "a\n");
	pkg_symlink(p, "d/b", "a");
	pkg_hardlink(p, "d/c", "d/a");
	pkg_file(p, "e", 0644, "e\n");
	pkg_end(p);
	lim.max_entries = 5;
	ck_assert_msg(extract_with(p, 4096, &lim, &st, NULL) == 0, "%s", joblet_error_message(e));
	ck_assert_uint_eq(st.entries, 5);

	p = pkg_new(F_NONE);
	pkg_dir(p, "d/", 0755);
	pkg_file(p, "d/a", 0644, "a\n");
	pkg_symlink(p, "d/b", "a");
	pkg_hardlink(p, "d/c", "d/a");
	pkg_file(p, "e", 0644, "e\n");
	lim.max_entries = 4;
	assert_error(extract_with(pkg_end(p), 4096, &lim, NULL, NULL), JOBLET_E_LIMIT,
		     "more than 4 entries");
	assert_absent(outfd, "e");
}
END_TEST

START_TEST(test_limit_path_length)
{
	struct joblet_archive_limits lim = generous;
	char name[101];
	struct pkg *p;

	memset(name, 'p', 100);
	name[100] = '\0';
	name[40] = '/';
	lim.max_path_length = 100;
	p = pkg_new(F_NONE);
	pkg_file(p, name, 0644, "ok\n");
	ck_assert_msg(extract_with(pkg_end(p), 4096, &lim, NULL, NULL) == 0, "%s",
		      joblet_error_message(e));
	assert_text(outfd, name, "ok\n");

	lim.max_path_length = 99;
	p = pkg_new(F_NONE);
	pkg_file(p, name, 0644, "too long\n");
	assert_error(extract_with(pkg_end(p), 4096, &lim, NULL, NULL), JOBLET_E_LIMIT, name);
	name[40] = '\0';
	assert_absent(outfd, name);
}
END_TEST

/* A sparse file: declared size bytes, data only at [512, 1024). */
static void pkg_sparse(struct pkg *p, const char *name, int64_t size)
{
	struct archive_entry *ent = archive_entry_new();
	uint8_t head[1024] = { 0 };

	ck_assert_ptr_nonnull(ent);
	archive_entry_set_pathname(ent, name);
	archive_entry_set_filetype(ent, AE_IFREG);
	archive_entry_set_perm(ent, 0644);
	archive_entry_set_size(ent, size);
	archive_entry_sparse_add_entry(ent, 512, 512);
	ck_assert_int_eq(archive_write_header(p->a, ent), ARCHIVE_OK);
	/* The writer takes the whole file and keeps what the map covers. */
	memcpy(head + 512, lib_bytes, 512);
	ck_assert_int_eq(archive_write_data(p->a, head, sizeof(head)), (la_ssize_t)sizeof(head));
	archive_entry_free(ent);
}

/*
 * The limit is on the sum of the sizes of the files (archive.h): holes count,
 * or a small package of sparse files could unpack to any apparent size.
 */
START_TEST(test_limit_sparse)
{
	struct joblet_archive_limits lim = generous;
	struct joblet_archive_stats st = { .size = sizeof(st) };
	static uint8_t want[300000];
	struct stat sb;
	struct pkg *p;

	fill_lib();
	memcpy(want + 512, lib_bytes, 512);
	lim.max_total_bytes = 600000;
	p = pkg_new(F_NONE);
	pkg_sparse(p, "s0", 300000);
	pkg_sparse(p, "s1", 300000);
	pkg_end(p);
	/* Stored sparse: far smaller than what it unpacks to. */
	ck_assert_uint_lt(p->len, 100000);
	ck_assert_msg(extract_with(p, 4096, &lim, &st, NULL) == 0, "%s", joblet_error_message(e));
	ck_assert_int_eq(fstatat(outfd, "s1", &sb, AT_SYMLINK_NOFOLLOW), 0);
	ck_assert_int_eq(sb.st_size, 300000);
	assert_content(outfd, "s0", want, sizeof(want));
	assert_content(outfd, "s1", want, sizeof(want));
	ck_assert_uint_eq(st.bytes, 600000);

	p = pkg_new(F_NONE);
	pkg_sparse(p, "s0", 300000);
	pkg_sparse(p, "s1", 300000);
	pkg_sparse(p, "s2", 300000);
	assert_error(extract_with(pkg_end(p), 4096, &lim, NULL, NULL), JOBLET_E_LIMIT, "`s2`");
	assert_absent(outfd, "s2");
}
END_TEST

/* ------------------------------------------------------------------------ */
/* 5: not a tar at all.                                                     */

static void expect_not_tar(const void *data, size_t len, size_t chunk)
{
	struct mem_stream m;
	struct joblet_archive_stats st = { .size = sizeof(st) };
	int r;

	reset_out();
	mem_init(&m, data, len, chunk);
	joblet_error_clear(&e);
	r = ops->extract(&m.base, outfd, &generous, &st, &e);
	ck_assert_msg(r == -JOBLET_E_ARCHIVE, "extract of %zu bytes returned %d (%s)", len, r,
		      joblet_error_message(e));
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->code, JOBLET_E_ARCHIVE);
	ck_assert_msg(strlen(e->message) > 10, "a bare message: %s", e->message);
	ck_assert(!m.closed);
	assert_nothing_escaped();
}

START_TEST(test_not_tar_random)
{
	uint8_t junk[8192];
	uint32_t x = 12345;
	struct pkg *p;

	for (size_t i = 0; i < sizeof(junk); i++) {
		x = x * 1103515245u + 12345u;
		junk[i] = (uint8_t)(x >> 16);
	}
	junk[0] = 'R'; /* no compressor's magic by chance */
	expect_not_tar(junk, sizeof(junk), 4096);
	expect_not_tar(junk, sizeof(junk), 1);
	/* Text, gzip'd: the compression is fine, the content is not a tar. */
	p = pkg_new_format(F_GZIP, FMT_RAW);
	pkg_file(p, "text", 0644, "this is not a tar archive, only some text\n");
	pkg_end(p);
	expect_not_tar(p->data, p->len, 4096);
}
END_TEST

START_TEST(test_not_tar_empty)
{
	expect_not_tar("", 0, 4096);
}
END_TEST

START_TEST(test_not_tar_truncated)
{
	struct pkg *p = pkg_new(F_NONE);
	struct pkg *z;

	fill_lib();
	pkg_add(p, "big", AE_IFREG, 0644, 5000, lib_bytes, 5000, NULL, NULL, 0);
	pkg_file(p, "after", 0644, "after\n");
	pkg_end(p);
	/* Cut in the middle of the header, and in the middle of the data. */
	expect_not_tar(p->data, 300, 4096);
	expect_not_tar(p->data, 512 + 2000, 4096);
	expect_not_tar(p->data, 512 + 2000, 1);

	z = good_package(F_GZIP, FMT_PAX);
	expect_not_tar(z->data, z->len / 2, 4096);
	z = good_package(F_XZ, FMT_PAX);
	expect_not_tar(z->data, z->len / 2, 4096);
	z = good_package(F_ZSTD, FMT_PAX);
	expect_not_tar(z->data, z->len / 2, 7);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* 6: the stream's own error is passed on, not turned into `archive`.       */

static void expect_stream_error(struct pkg *p, size_t fail_at, size_t chunk, bool minus_one)
{
	struct mem_stream m;
	struct joblet_archive_stats st = { .size = sizeof(st) };
	char want[128];
	int r;

	reset_out();
	mem_init(&m, p->data, p->len, chunk);
	m.fail_at = fail_at;
	m.fail_code = JOBLET_E_NETWORK;
	m.fail_minus_one = minus_one;
	joblet_error_clear(&e);
	r = ops->extract(&m.base, outfd, &generous, &st, &e);
	ck_assert_msg(r == -JOBLET_E_NETWORK, "failing at %zu of %zu: extract returned %d (%s)",
		      fail_at, p->len, r, joblet_error_message(e));
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->code, JOBLET_E_NETWORK);
	snprintf(want, sizeof(want), "test stream: reset after %zu bytes", fail_at);
	ck_assert_str_eq(e->message, want);
	ck_assert(!m.closed);
	assert_nothing_escaped();
}

START_TEST(test_stream_error_passthrough)
{
	struct pkg *plain = good_package(F_NONE, FMT_PAX);
	struct pkg *gz = good_package(F_GZIP, FMT_PAX);

	/* Before the first byte, in headers, in file data (several sizes of read). */
	expect_stream_error(plain, 0, 4096, false);
	expect_stream_error(plain, 700, 4096, false);
	expect_stream_error(plain, 3000 + 512 * 8, 7, false);
	expect_stream_error(plain, plain->len / 2, 65536, false);
	expect_stream_error(gz, gz->len / 2, 4096, false);
	/*
	 * At the last byte: libarchive is done by then (it never reads the
	 * padding), so this is the plugin's own read to the end.
	 */
	expect_stream_error(plain, plain->len - 1, 512, false);
	expect_stream_error(gz, gz->len - 1, 1, false);
}
END_TEST

/* stream.h promises only "negative with *err set": the code comes from *err. */
START_TEST(test_stream_error_minus_one)
{
	struct pkg *plain = good_package(F_NONE, FMT_PAX);

	expect_stream_error(plain, 700, 4096, true);
	expect_stream_error(plain, plain->len - 1, 512, true);
}
END_TEST

/* Whatever the wrapper reports (a checksum mismatch here) keeps its own code. */
START_TEST(test_stream_error_other_code)
{
	struct pkg *plain = good_package(F_NONE, FMT_PAX);
	struct mem_stream m;
	struct joblet_archive_stats st = { .size = sizeof(st) };

	mem_init(&m, plain->data, plain->len, 4096);
	m.fail_at = 2048;
	m.fail_code = JOBLET_E_CHECKSUM;
	ck_assert_int_eq(ops->extract(&m.base, outfd, &generous, &st, &e), -JOBLET_E_CHECKSUM);
	ck_assert_int_eq(e->code, JOBLET_E_CHECKSUM);
	ck_assert_str_eq(e->message, "test stream: reset after 2048 bytes");
}
END_TEST

/* ------------------------------------------------------------------------ */
/* 7: probe().                                                              */

START_TEST(test_probe)
{
	static const struct {
		enum filter filter;
		enum format format;
		int32_t bare;
		const char *hint;
		int32_t hinted;
	} cases[] = {
		{ F_NONE, FMT_PAX, 90, "pkg-1.0.tar", 100 },
		{ F_NONE, FMT_USTAR, 90, "pkg.tar", 100 },
		{ F_NONE, FMT_GNU, 90, "pkg.tar", 100 },
		{ F_GZIP, FMT_PAX, 70, "pkg-1.0.tar.gz", 80 },
		{ F_GZIP, FMT_PAX, 70, "pkg.tgz", 80 },
		{ F_XZ, FMT_PAX, 70, "pkg.tar.xz", 80 },
		{ F_ZSTD, FMT_PAX, 70, "pkg.tar.zst", 80 },
		{ F_BZIP2, FMT_PAX, 60, "pkg.tar.bz2", 70 },
	};
	uint8_t junk[JOBLET_ARCHIVE_PROBE_BYTES];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pkg *p = pkg_new_format(cases[i].filter, cases[i].format);
		size_t len;

		pkg_file(p, "bin/tool", 0755, tool_sh);
		pkg_end(p);
		len = p->len < JOBLET_ARCHIVE_PROBE_BYTES ? p->len : JOBLET_ARCHIVE_PROBE_BYTES;
		ck_assert_int_eq(ops->probe(p->data, len, NULL), cases[i].bare);
		ck_assert_int_eq(ops->probe(p->data, len, cases[i].hint), cases[i].hinted);
		/* A name that is not a tar suffix adds nothing. */
		ck_assert_int_eq(ops->probe(p->data, len, "pkg.zip"), cases[i].bare);
		ck_assert_int_eq(ops->probe(p->data, len, ""), cases[i].bare);
	}

	/* Not a tar, whatever the name says. */
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 37 + 11);
	ck_assert_int_eq(ops->probe(junk, sizeof(junk), NULL), 0);
	ck_assert_int_eq(ops->probe(junk, sizeof(junk), "pkg.tar.gz"), 0);
	ck_assert_int_eq(ops->probe(junk, 0, "pkg.tar"), 0);
	ck_assert_int_eq(ops->probe(NULL, 0, NULL), 0);
	/* A head too short to hold the ustar magic at 257 is no plain tar. */
	{
		struct pkg *p = pkg_new(F_NONE);

		pkg_file(p, "f", 0644, "x\n");
		pkg_end(p);
		ck_assert_int_eq(ops->probe(p->data, 261, NULL), 0);
		ck_assert_int_eq(ops->probe(p->data, 262, NULL), 90);
	}
	/* One magic byte of gzip is not enough. */
	ck_assert_int_eq(ops->probe((const uint8_t *)"\x1f", 1, "x.tar.gz"), 0);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* 8: a later entry of the same name replaces the earlier one.              */

START_TEST(test_duplicates_replace)
{
	struct pkg *p = pkg_new(F_NONE);
	struct stat st;

	pkg_file(p, "f", 0644, "first version, the longer one\n");
	pkg_hardlink(p, "keep", "f");
	pkg_file(p, "f", 0755, "second\n");
	pkg_file(p, "s", 0644, "a file first\n");
	pkg_symlink(p, "s", "f");
	pkg_symlink(p, "t", "f");
	pkg_file(p, "t", 0600, "a file now\n");
	pkg_dir(p, "d/", 0755);
	pkg_dir(p, "d/", 0700); /* a folder again: fine, still 0755 */
	pkg_file(p, "g", 0644, "gee\n");
	pkg_file(p, "h", 0644, "old h\n");
	pkg_hardlink(p, "h", "g"); /* a hard link replaces a file too */
	pkg_hardlink(p, "h", "g"); /* and the same link twice is no harm */
	ck_assert_msg(extract(pkg_end(p)) == 0, "%s", joblet_error_message(e));

	/* Replaced, not overwritten in place: no stale tail, the new mode. */
	assert_text(outfd, "f", "second\n");
	assert_mode(outfd, "f", S_IFREG, 0755);
	/* The hard link still holds the first file, as with tar. */
	assert_text(outfd, "keep", "first version, the longer one\n");
	ck_assert_int_eq(fstatat(outfd, "keep", &st, 0), 0);
	ck_assert_uint_eq(st.st_nlink, 1);
	assert_symlink(outfd, "s", "f");
	assert_mode(outfd, "t", S_IFREG, 0644);
	assert_text(outfd, "t", "a file now\n");
	assert_mode(outfd, "d", S_IFDIR, 0755);
	assert_text(outfd, "h", "gee\n");
	ck_assert_int_eq(fstatat(outfd, "g", &st, AT_SYMLINK_NOFOLLOW), 0);
	ck_assert_uint_eq(st.st_nlink, 2);
	assert_nothing_escaped();
}
END_TEST

static Suite *tar_suite(void)
{
	Suite *s = suite_create("archive/tar");
	TCase *good = tcase_create("good");
	TCase *refuse = tcase_create("refuse");
	TCase *limits = tcase_create("limits");
	TCase *broken = tcase_create("broken");
	TCase *misc = tcase_create("misc");

	tcase_add_checked_fixture(good, setup, teardown);
	tcase_set_timeout(good, 120); /* 1-byte reads under valgrind */
	tcase_add_test(good, test_good_plain);
	tcase_add_test(good, test_good_gzip);
	tcase_add_test(good, test_good_xz);
	tcase_add_test(good, test_good_zstd);
	tcase_add_test(good, test_good_bzip2);
	tcase_add_test(good, test_good_ustar_and_gnutar);
	tcase_add_test(good, test_chunk_1_byte);
	tcase_add_test(good, test_chunk_7_bytes);
	tcase_add_test(good, test_chunk_odd_large);
	tcase_add_test(good, test_long_names);
	tcase_add_test(good, test_sticky_dropped);
	tcase_add_test(good, test_modes_ignore_umask);
	tcase_add_test(good, test_duplicates_replace);
	suite_add_tcase(s, good);

	tcase_add_checked_fixture(refuse, setup, teardown);
	tcase_add_test(refuse, test_refuse_dotdot);
	tcase_add_test(refuse, test_refuse_inner_dotdot);
	tcase_add_test(refuse, test_refuse_absolute);
	tcase_add_test(refuse, test_refuse_symlink_absolute);
	tcase_add_test(refuse, test_refuse_symlink_dotdot);
	tcase_add_test(refuse, test_refuse_symlink_chain);
	tcase_add_test(refuse, test_refuse_write_through_chain);
	tcase_add_test(refuse, test_refuse_through_planted_symlink);
	tcase_add_test(refuse, test_refuse_through_file);
	tcase_add_test(refuse, test_refuse_dir_over_file);
	tcase_add_test(refuse, test_refuse_hardlink_outside);
	tcase_add_test(refuse, test_refuse_hardlink_not_a_prior_file);
	tcase_add_test(refuse, test_refuse_char_device);
	tcase_add_test(refuse, test_refuse_block_device);
	tcase_add_test(refuse, test_refuse_fifo);
	tcase_add_test(refuse, test_refuse_setuid);
	tcase_add_test(refuse, test_refuse_setgid);
	tcase_add_test(refuse, test_refuse_without_err);
	suite_add_tcase(s, refuse);

	tcase_add_checked_fixture(limits, setup, teardown);
	tcase_add_test(limits, test_limit_declared_size);
	tcase_add_test(limits, test_limit_many_small_files);
	tcase_add_test(limits, test_limit_entries);
	tcase_add_test(limits, test_limit_path_length);
	tcase_add_test(limits, test_limit_sparse);
	suite_add_tcase(s, limits);

	tcase_add_checked_fixture(broken, setup, teardown);
	tcase_set_timeout(broken, 60);
	tcase_add_test(broken, test_not_tar_random);
	tcase_add_test(broken, test_not_tar_empty);
	tcase_add_test(broken, test_not_tar_truncated);
	tcase_add_test(broken, test_stream_error_passthrough);
	tcase_add_test(broken, test_stream_error_minus_one);
	tcase_add_test(broken, test_stream_error_other_code);
	suite_add_tcase(s, broken);

	tcase_add_checked_fixture(misc, setup, teardown);
	tcase_add_test(misc, test_probe);
	suite_add_tcase(s, misc);
	return s;
}

int main(void)
{
	return jl_run_suite(tar_suite());
}

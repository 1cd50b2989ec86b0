/*
 * test_tar_stream.c - the tar format of result downloads (common/tar_stream.h)
 * and rnx's unpacker (common/unpack.h): headers written and read back,
 * short and long (pax) names and links, fed a byte at a time; damaged
 * headers refused; names and links that leave the destination refused or
 * left out; an entry through a link refused.
 */
#include <config.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <joblet/error.h>

#include "common/tar_stream.h"
#include "common/unpack.h"
#include "jl_test.h"
#include "jl_tmp.h"

/* An archive built in memory. */
struct arc {
	char *buf;
	size_t len, cap;
};

static void put(struct arc *a, const void *p, size_t n)
{
	if (a->len + n > a->cap) {
		a->cap = (a->len + n) * 2 + 4096;
		a->buf = realloc(a->buf, a->cap);
		ck_assert_ptr_nonnull(a->buf);
	}
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

static void add(struct arc *a, const char *name, int type, const char *data, const char *link)
{
	struct jl_tar_entry e = { .name = name,
				  .type = type,
				  .size = data ? strlen(data) : 0,
				  .mode = 0640,
				  .mtime = 1700000000,
				  .linkname = link };
	char hdr[JL_TAR_HEADER_MAX], zero[JL_TAR_BLOCK] = { 0 };
	ssize_t n = jl_tar_header(&e, hdr, sizeof(hdr));

	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(n % JL_TAR_BLOCK, 0);
	put(a, hdr, (size_t)n);
	if (data) {
		put(a, data, strlen(data));
		put(a, zero, jl_tar_padding(strlen(data)));
	}
}

static void finish(struct arc *a)
{
	char zero[2 * JL_TAR_BLOCK] = { 0 };

	put(a, zero, sizeof(zero));
}

/* What the reader saw, as text: "NAME TYPE SIZE [-> LINK] [=DATA]\n" per entry. */
struct seen {
	char text[16384];
	size_t len;
};

static int on_entry(void *cls, const struct jl_tar_entry *e, struct joblet_error **err)
{
	struct seen *s = cls;

	(void)err;
	s->len += (size_t)snprintf(s->text + s->len, sizeof(s->text) - s->len, "%s %c %llu%s%s%s",
				   e->name, e->type, (unsigned long long)e->size,
				   e->linkname && *e->linkname ? " -> " : "",
				   e->linkname ? e->linkname : "", e->size ? "=" : "");
	return 0;
}

static int on_data(void *cls, const void *buf, size_t n, struct joblet_error **err)
{
	struct seen *s = cls;

	(void)err;
	s->len += (size_t)snprintf(s->text + s->len, sizeof(s->text) - s->len, "%.*s", (int)n,
				   (const char *)buf);
	return 0;
}

static int on_end(void *cls, struct joblet_error **err)
{
	struct seen *s = cls;

	(void)err;
	s->len += (size_t)snprintf(s->text + s->len, sizeof(s->text) - s->len, "\n");
	return 0;
}

static const struct jl_tar_reader_ops seen_ops = { on_entry, on_data, on_end };

static int read_all(const struct arc *a, size_t step, struct seen *s, struct joblet_error **err)
{
	struct jl_tar_reader *r = NULL;
	int rc;

	memset(s, 0, sizeof(*s));
	ck_assert_int_eq(jl_tar_reader_new(&seen_ops, s, &r, err), 0);
	rc = 0;
	for (size_t at = 0; rc == 0 && at < a->len; at += step)
		rc = jl_tar_reader_feed(r, a->buf + at, a->len - at < step ? a->len - at : step,
					err);
	if (rc == 0)
		rc = jl_tar_reader_finish(r, err);
	jl_tar_reader_free(r);
	return rc;
}

START_TEST(test_round_trip)
{
	struct arc a = { 0 };
	struct seen s;
	struct joblet_error *e = NULL;
	char longname[300], longlink[300], want[2048];

	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	memcpy(longname + 100, "/x/", 3);
	memset(longlink, 'l', sizeof(longlink) - 1);
	longlink[sizeof(longlink) - 1] = '\0';
	add(&a, "dir", JL_TAR_DIR, NULL, NULL);
	add(&a, "dir/file.txt", JL_TAR_FILE, "hello", NULL);
	add(&a, "dir/empty", JL_TAR_FILE, "", NULL);
	add(&a, "link", JL_TAR_SYMLINK, NULL, "dir/file.txt");
	add(&a, longname, JL_TAR_FILE, "long", NULL);
	add(&a, "longlink", JL_TAR_SYMLINK, NULL, longlink);
	finish(&a);
	snprintf(want, sizeof(want),
		 "dir/ 5 0\ndir/file.txt 0 5=hello\ndir/empty 0 0\nlink 2 0 -> dir/file.txt\n"
		 "%s 0 4=long\nlonglink 2 0 -> %s\n",
		 longname, longlink);
	/* Whole, and cut at every size from one byte. */
	for (size_t step = 1; step <= a.len; step = step < 16 ? step + 1 : step * 3) {
		ck_assert_int_eq(read_all(&a, step, &s, &e), 0);
		ck_assert_msg(strcmp(s.text, want) == 0, "step %zu: %s", step, s.text);
	}
	free(a.buf);
}
END_TEST

START_TEST(test_damaged)
{
	struct arc a = { 0 };
	struct seen s;
	struct joblet_error *e = NULL;

	add(&a, "file", JL_TAR_FILE, "data", NULL);
	finish(&a);
	a.buf[0] ^= 1; /* the checksum no longer matches */
	ck_assert_int_lt(read_all(&a, a.len, &s, &e), 0);
	ck_assert_int_eq(e->code, JOBLET_E_PARSE);
	joblet_error_free(e);
	e = NULL;
	a.buf[0] ^= 1;
	/* Cut in the middle of the data. */
	a.len = JL_TAR_BLOCK + 2;
	ck_assert_int_lt(read_all(&a, 7, &s, &e), 0);
	ck_assert(strstr(joblet_error_message(e), "middle of an entry"));
	joblet_error_free(e);
	free(a.buf);
}
END_TEST

START_TEST(test_clean_names)
{
	static const char *const good[][2] = {
		{ "a", "a" }, { "a/b/", "a/b" },	{ "./a/b", "a/b" },
		{ "./", "" }, { "..a/b..", "..a/b.." }, { NULL, NULL }
	};
	static const char *const bad[] = { "/etc/passwd", "../x", "a/../../b", "a//b", "a/./b",
					   "a/..",	  "..",	  "",	       NULL };
	char buf[256];

	for (size_t i = 0; good[i][0]; i++) {
		ck_assert_msg(jl_unpack_clean_name(good[i][0], buf, sizeof(buf), NULL) == 0,
			      "`%s` refused", good[i][0]);
		ck_assert_str_eq(buf, good[i][1]);
	}
	for (const char *const *p = bad; *p; p++)
		ck_assert_msg(jl_unpack_clean_name(*p, buf, sizeof(buf), NULL) < 0, "`%s` taken",
			      *p);
}
END_TEST

START_TEST(test_link_inside)
{
	ck_assert(jl_unpack_link_inside("a", "b"));
	ck_assert(jl_unpack_link_inside("d/a", "../b"));
	ck_assert(jl_unpack_link_inside("d/e/a", "../../b/./c"));
	ck_assert(jl_unpack_link_inside("d/a", "x/../../b"));
	ck_assert(!jl_unpack_link_inside("a", "../b"));
	ck_assert(!jl_unpack_link_inside("d/a", "../../b"));
	ck_assert(!jl_unpack_link_inside("d/a", "x/../../../b"));
	ck_assert(!jl_unpack_link_inside("a", "/etc/passwd"));
	ck_assert(!jl_unpack_link_inside("a", ""));
}
END_TEST

static int n_skipped;

static void count_skipped(void *cls, const char *name, const char *why)
{
	(void)cls;
	(void)name;
	(void)why;
	n_skipped++;
}

static int unpack(const struct arc *a, const char *dest, struct joblet_error **err)
{
	struct jl_unpack *u = NULL;
	int fd, r;

	mkdir(jl_tmp_path(dest), 0755);
	fd = open(jl_tmp_path(dest), O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(jl_unpack_new(fd, count_skipped, NULL, &u, err), 0);
	r = jl_unpack_feed(u, a->buf, a->len, err);
	if (r == 0)
		r = jl_unpack_finish(u, err);
	jl_unpack_free(u);
	close(fd);
	return r;
}

START_TEST(test_unpack)
{
	struct arc a = { 0 };
	struct joblet_error *e = NULL;
	char buf[64] = { 0 };
	struct stat st;
	int fd;

	add(&a, "d", JL_TAR_DIR, NULL, NULL);
	add(&a, "d/f", JL_TAR_FILE, "content", NULL);
	add(&a, "d/in", JL_TAR_SYMLINK, NULL, "f");
	add(&a, "d/out", JL_TAR_SYMLINK, NULL, "../../outside");
	add(&a, "abs", JL_TAR_SYMLINK, NULL, "/etc/passwd");
	add(&a, "fifo", JL_TAR_FIFO, NULL, NULL);
	add(&a, "dev", JL_TAR_CHAR, NULL, NULL);
	finish(&a);
	n_skipped = 0;
	ck_assert_int_eq(unpack(&a, "dest", &e), 0);
	fd = open(jl_tmp_path("dest/d/f"), O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 7);
	close(fd);
	ck_assert_str_eq(buf, "content");
	ck_assert_int_eq(stat(jl_tmp_path("dest/d/f"), &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0640);
	ck_assert_int_eq(st.st_mtime, 1700000000);
	ck_assert_int_eq(lstat(jl_tmp_path("dest/d/in"), &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	/* Left out, each said: two links out, a FIFO, a device node. */
	ck_assert_int_eq(n_skipped, 4);
	ck_assert_int_lt(lstat(jl_tmp_path("dest/d/out"), &st), 0);
	ck_assert_int_lt(lstat(jl_tmp_path("dest/abs"), &st), 0);
	ck_assert_int_lt(lstat(jl_tmp_path("dest/fifo"), &st), 0);
	ck_assert_int_lt(lstat(jl_tmp_path("dest/dev"), &st), 0);
	free(a.buf);
}
END_TEST

START_TEST(test_unpack_refuses)
{
	static const char *const names[] = { "/abs", "../up", "a/../../up", NULL };
	struct joblet_error *e = NULL;
	struct stat st;

	for (const char *const *p = names; *p; p++) {
		struct arc a = { 0 };

		add(&a, *p, JL_TAR_FILE, "x", NULL);
		finish(&a);
		ck_assert_msg(unpack(&a, "d1", &e) < 0, "`%s` unpacked", *p);
		ck_assert_int_eq(e->code, JOBLET_E_INVALID);
		joblet_error_free(e);
		e = NULL;
		free(a.buf);
	}
	ck_assert_int_lt(lstat(jl_tmp_path("up"), &st), 0);
	ck_assert_int_lt(lstat("/abs", &st), 0);
	/* A link inside, then an entry through it: refused, nothing written past it. */
	{
		struct arc a = { 0 };

		mkdir(jl_tmp_path("victim"), 0755);
		add(&a, "l", JL_TAR_SYMLINK, NULL, ".");
		add(&a, "sub", JL_TAR_SYMLINK, NULL, "l");
		add(&a, "sub/x", JL_TAR_FILE, "x", NULL);
		finish(&a);
		ck_assert_int_lt(unpack(&a, "d2", &e), 0);
		ck_assert_msg(strstr(joblet_error_message(e), "goes through a symbolic link"), "%s",
			      joblet_error_message(e));
		joblet_error_free(e);
		e = NULL;
		ck_assert_int_lt(lstat(jl_tmp_path("d2/x"), &st), 0);
		free(a.buf);
	}
	/* The same name twice: the second is refused (O_EXCL), not written through. */
	{
		struct arc a = { 0 };

		add(&a, "f", JL_TAR_SYMLINK, NULL, "g");
		add(&a, "f", JL_TAR_FILE, "x", NULL);
		finish(&a);
		ck_assert_int_lt(unpack(&a, "d3", &e), 0);
		joblet_error_free(e);
		ck_assert_int_lt(lstat(jl_tmp_path("d3/g"), &st), 0);
		free(a.buf);
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("tar_stream");
	TCase *tc = tcase_create("tar_stream");

	tcase_add_checked_fixture(tc, jl_tmp_setup, jl_tmp_teardown);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_damaged);
	tcase_add_test(tc, test_clean_names);
	tcase_add_test(tc, test_link_inside);
	tcase_add_test(tc, test_unpack);
	tcase_add_test(tc, test_unpack_refuses);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return jl_run_suite(suite());
}

/*
 * test_prefetch.c - the stream that reads ahead and hashes a package as it
 * arrives (core/lib/runtime/prefetch.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <joblet/error.h>

#include "runtime/prefetch.h"
#include "base/util.h"

#include "jl_test.h"
#include "jl_tmp.h"

/* ------------------------------------------------------------------ prefetch */

struct mem_src {
	struct joblet_stream base;
	const uint8_t *data;
	size_t len, pos, chunk;
	size_t fail_at; /* fail when pos reaches it (0 = never) */
	int closed;
};

static int64_t mem_read(struct joblet_stream *s, void *buf, size_t len, struct joblet_error **err)
{
	struct mem_src *m = (struct mem_src *)s;
	size_t n = m->len - m->pos;

	if (m->fail_at && m->pos >= m->fail_at)
		return joblet_error_set(err, JOBLET_E_NETWORK, 0, "connection reset (test)");
	if (n > len)
		n = len;
	if (n > m->chunk)
		n = m->chunk;
	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	return (int64_t)n;
}

static void mem_close(struct joblet_stream *s)
{
	((struct mem_src *)s)->closed++;
}

/*
 * A source of data[0..n) that hands out at most chunk bytes a read and fails
 * when it reaches fail_at (0 = never); length is what it announces (-1: nothing).
 */
static void mem_src_init(struct mem_src *m, const uint8_t *data, size_t n, int64_t length,
			 size_t chunk, size_t fail_at)
{
	memset(m, 0, sizeof(*m));
	m->base.size = sizeof(m->base);
	m->base.length = length;
	m->base.read = mem_read;
	m->base.close = mem_close;
	m->data = data;
	m->len = n;
	m->chunk = chunk;
	m->fail_at = fail_at;
}

/* The sha256 of a file by sha256sum, an implementation other than ours, in hex. */
static void sha256sum(const char *path, char hex[65])
{
	const char *out = jl_tmp_path("sum");
	pid_t pid = fork();
	int status;
	FILE *f;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
			_exit(126);
		execlp("sha256sum", "sha256sum", path, (char *)NULL);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "sha256sum %s failed (%d)",
		      path, status);
	f = fopen(out, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%64s", hex), 1);
	fclose(f);
}

/* n bytes of (i * 7) & 0xff, malloc'd. */
static uint8_t *pattern(size_t n)
{
	uint8_t *p = malloc(n);

	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7);
	return p;
}

static int drain(struct joblet_stream *s, uint8_t *out, size_t cap, size_t *got,
		 struct joblet_error **err)
{
	*got = 0;
	for (;;) {
		int64_t n = s->read(s, out + *got, cap - *got < 1000 ? cap - *got : 1000, err);

		if (n <= 0)
			return (int)n;
		*got += (size_t)n;
	}
}

START_TEST(test_prefetch_hash_and_bytes)
{
	size_t n = (1 << 20) + 123, got;
	uint8_t *data = pattern(n), *out = malloc(n + 1);
	struct mem_src src;
	struct jl_prefetch_options o = { (int64_t)n, 0, "mem", NULL, NULL };
	struct jl_prefetch *p = NULL;
	const uint8_t *head;
	size_t head_len;
	char hex[65], expect[65];
	uint64_t bytes;
	FILE *f;

	mem_src_init(&src, data, n, (int64_t)n, 4096, 0);
	ck_assert_int_eq(jl_prefetch_new(&src.base, &o, &p, NULL), 0);
	ck_assert_int_eq(jl_prefetch_peek(p, &head, 512, &head_len, NULL), 0);
	ck_assert_uint_eq(head_len, 512);
	ck_assert_int_eq(memcmp(head, data, 512), 0);
	/* Finishing before the end is refused. */
	ck_assert_int_lt(jl_prefetch_finish(p, hex, &bytes, NULL), 0);
	ck_assert_int_eq(drain(jl_prefetch_stream(p), out, n + 1, &got, NULL), 0);
	ck_assert_uint_eq(got, n);
	ck_assert_int_eq(memcmp(out, data, n), 0);
	ck_assert_int_eq(jl_prefetch_finish(p, hex, &bytes, NULL), 0);
	ck_assert_uint_eq(bytes, n);
	jl_prefetch_free(p);
	ck_assert_int_eq(src.closed, 1);

	/* Compare with sha256sum of the same bytes. */
	f = fopen(jl_tmp_path("data"), "w");
	fwrite(data, 1, n, f);
	fclose(f);
	sha256sum(jl_tmp_path("data"), expect);
	ck_assert_str_eq(hex, expect);
	free(data);
	free(out);
}
END_TEST

START_TEST(test_prefetch_size_rules_and_errors)
{
	size_t n = 300000, got;
	uint8_t *data = pattern(n), *out = malloc(n + 1);
	struct jl_prefetch *p = NULL;
	struct joblet_error *e = NULL;

	/* More than announced: fails, after the bytes before it. */
	{
		struct mem_src src;
		struct jl_prefetch_options o = { 1000, 0, "pkg-a", NULL, NULL };

		mem_src_init(&src, data, n, -1, 65536, 0);
		ck_assert_int_eq(jl_prefetch_new(&src.base, &o, &p, NULL), 0);
		ck_assert_int_eq(drain(jl_prefetch_stream(p), out, n + 1, &got, &e),
				 -JOBLET_E_LIMIT);
		ck_assert_ptr_nonnull(strstr(
			e->message, "larger than the 1000 bytes the registry index announces"));
		joblet_error_clear(&e);
		jl_prefetch_free(p);
	}
	/* Fewer than announced. */
	{
		struct mem_src src;
		struct jl_prefetch_options o = { (int64_t)n + 1, 0, "pkg-b", NULL, NULL };

		mem_src_init(&src, data, n, -1, 65536, 0);
		ck_assert_int_eq(jl_prefetch_new(&src.base, &o, &p, NULL), 0);
		ck_assert_int_eq(drain(jl_prefetch_stream(p), out, n + 1, &got, &e),
				 -JOBLET_E_CHECKSUM);
		ck_assert_ptr_nonnull(strstr(e->message, "ended after 300000 bytes"));
		ck_assert_uint_eq(got, n);
		joblet_error_clear(&e);
		jl_prefetch_free(p);
	}
	/* The limit, with no size announced. */
	{
		struct mem_src src;
		struct jl_prefetch_options o = { -1, 100000, "pkg-c", NULL, NULL };

		mem_src_init(&src, data, n, -1, 65536, 0);
		ck_assert_int_eq(jl_prefetch_new(&src.base, &o, &p, NULL), 0);
		ck_assert_int_eq(drain(jl_prefetch_stream(p), out, n + 1, &got, &e),
				 -JOBLET_E_LIMIT);
		ck_assert_ptr_nonnull(strstr(e->message, "max_download_bytes"));
		joblet_error_clear(&e);
		jl_prefetch_free(p);
	}
	/* The source's own error reaches the reader, in order. */
	{
		struct mem_src src;
		struct jl_prefetch_options o = { -1, 0, "pkg-d", NULL, NULL };

		mem_src_init(&src, data, n, -1, 1000, 150000);
		ck_assert_int_eq(jl_prefetch_new(&src.base, &o, &p, NULL), 0);
		ck_assert_int_eq(drain(jl_prefetch_stream(p), out, n + 1, &got, &e),
				 -JOBLET_E_NETWORK);
		ck_assert_str_eq(e->message, "connection reset (test)");
		ck_assert_uint_ge(got, 65536);
		ck_assert_int_eq(memcmp(out, data, got), 0);
		joblet_error_clear(&e);
		jl_prefetch_free(p);
	}
	/* Freed before the end: the producer stops, nothing leaks, the source is closed. */
	{
		struct mem_src src;
		struct jl_prefetch_options o = { -1, 0, "pkg-e", NULL, NULL };

		mem_src_init(&src, data, n, -1, 100, 0);
		ck_assert_int_eq(jl_prefetch_new(&src.base, &o, &p, NULL), 0);
		jl_prefetch_free(p);
		ck_assert_int_eq(src.closed, 1);
	}
	free(data);
	free(out);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("prefetch");
	TCase *pf = tcase_create("prefetch");

	tcase_add_checked_fixture(pf, jl_tmp_setup, jl_tmp_teardown);
	tcase_add_test(pf, test_prefetch_hash_and_bytes);
	tcase_add_test(pf, test_prefetch_size_rules_and_errors);
	suite_add_tcase(s, pf);
	return s;
}

int main(void)
{
	return jl_run_suite(suite());
}

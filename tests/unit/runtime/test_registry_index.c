/*
 * test_registry.c - registry.json parsing and resolution, runtime.yml,
 * and the prefetching hash stream.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include <joblet/archive.h>
#include <joblet/buffer.h>
#include <joblet/error.h>
#include <joblet/isolation.h>
#include <joblet/job.h>
#include <joblet/log.h>
#include <joblet/plugin.h>
#include <joblet/registry.h>
#include <joblet/scheduler.h>
#include <joblet/stream.h>
#include <joblet/version.h>


#include "runtime/prefetch.h"
#include "runtime/registry_index.h"
#include "runtime/runtime_yml.h"
#include "base/util.h"

#include "jl_test.h"
#include "jl_tmp.h"

#define SUM_A "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SUM_B "sha256:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"

#define ENTRY(v, plat)                                                                  \
	"\"" v "\": {\"version\": \"" v "\", \"description\": \"d " v "\", "            \
	"\"download_url\": \"https://x/" v ".tar.gz\", \"checksum\": \"" SUM_A "\", "    \
	"\"size\": 100, \"platforms\": [" plat "]}"

static const char good_index[] =
	"{\"_comment\": \"generated\", \"_workflow\": \"x\", \"version\": \"1\", "
	"\"updated_at\": \"2025-12-02T17:41:44Z\", \"runtimes\": {"
	"\"python-3.11-ml\": {" ENTRY("1.0.2", "\"ubuntu-amd64\"") ", " ENTRY("1.0.10", "\"ubuntu-amd64\"") ", "
	ENTRY("1.0.3", "\"ubuntu-amd64\"") ", " ENTRY("2.0.0-rc1", "\"ubuntu-amd64\"") "},"
	"\"openjdk-21\": {" ENTRY("1.3.1", "\"rhel-amd64\", \"amzn-arm64\"") ", "
	ENTRY("1.2.0", "\"ubuntu-amd64\"") "},"
	"\"anywhere\": {\"0.1.0\": {\"download_url\": \"a.tgz\", \"checksum\": \"" SUM_B "\"}}"
	"}}";

static struct jl_index *parse_ok(const char *json)
{
	struct jl_index *idx = NULL;
	struct joblet_error *e = NULL;

	ck_assert_msg(jl_index_parse(json, strlen(json), "test", &idx, &e) == 0, "%s",
		      joblet_error_message(e));
	return idx;
}

static void parse_bad(const char *json, const char *needle)
{
	struct jl_index *idx = NULL;
	struct joblet_error *e = NULL;

	ck_assert_int_lt(jl_index_parse(json, strlen(json), "reg", &idx, &e), 0);
	ck_assert_ptr_null(idx);
	ck_assert_msg(strstr(e->message, needle), "`%s` not in: %s", needle, e->message);
	ck_assert_ptr_nonnull(strstr(e->message, "registry index `reg`"));
	joblet_error_free(e);
}

START_TEST(test_index_good)
{
	struct jl_index *idx = parse_ok(good_index);

	ck_assert_uint_eq(idx->n, 7);
	ck_assert_str_eq(idx->updated_at, "2025-12-02T17:41:44Z");
	/* Sorted by name, newest version first (SemVer, not text order). */
	ck_assert_str_eq(idx->entries[0].name, "anywhere");
	ck_assert_str_eq(idx->entries[1].name, "openjdk-21");
	ck_assert_str_eq(idx->entries[1].version, "1.3.1");
	ck_assert_str_eq(idx->entries[3].name, "python-3.11-ml");
	ck_assert_str_eq(idx->entries[3].version, "2.0.0-rc1");
	ck_assert_str_eq(idx->entries[4].version, "1.0.10");
	ck_assert_str_eq(idx->entries[5].version, "1.0.3");
	ck_assert_str_eq(idx->entries[6].version, "1.0.2");
	ck_assert_int_eq(idx->entries[6].size, 100);
	ck_assert_str_eq(idx->entries[6].description, "d 1.0.2");
	ck_assert_str_eq(idx->entries[6].sha256, SUM_A + 7);
	/* Upper-case checksums are normalised; size and platforms are optional. */
	ck_assert_str_eq(idx->entries[0].sha256, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	ck_assert_int_eq(idx->entries[0].size, -1);
	ck_assert_ptr_null(idx->entries[0].platforms[0]);
	jl_index_free(idx);
}
END_TEST

START_TEST(test_index_resolve)
{
	struct jl_index *idx = parse_ok(good_index);
	const struct jl_index_entry *e = NULL;
	struct joblet_error *err = NULL;

	/* @latest is the highest precedence: a pre-release of 2.0.0 beats 1.0.10. */
	ck_assert_int_eq(jl_index_resolve(idx, "python-3.11-ml", NULL, "ubuntu-amd64", &e, NULL), 0);
	ck_assert_str_eq(e->version, "2.0.0-rc1");
	ck_assert_int_eq(jl_index_resolve(idx, "python-3.11-ml", "1.0.3", "ubuntu-amd64", &e, NULL), 0);
	ck_assert_str_eq(e->version, "1.0.3");
	/* Newest for this platform: 1.3.1 is rhel/amzn only. */
	ck_assert_int_eq(jl_index_resolve(idx, "openjdk-21", NULL, "ubuntu-amd64", &e, NULL), 0);
	ck_assert_str_eq(e->version, "1.2.0");
	ck_assert_int_eq(jl_index_resolve(idx, "anywhere", NULL, "amzn-arm64", &e, NULL), 0);

	ck_assert_int_eq(jl_index_resolve(idx, "nope", NULL, "ubuntu-amd64", &e, &err), -JOBLET_E_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(err->message, "runtime 'nope' not found in registry"));
	ck_assert_ptr_nonnull(strstr(err->message, "anywhere, openjdk-21, python-3.11-ml"));
	joblet_error_clear(&err);
	ck_assert_int_eq(jl_index_resolve(idx, "python-3.11-ml", "1.0.5", "ubuntu-amd64", &e, &err),
			 -JOBLET_E_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(err->message, "version '1.0.5' not found for runtime 'python-3.11-ml'"));
	ck_assert_ptr_nonnull(strstr(err->message, "2.0.0-rc1, 1.0.10, 1.0.3, 1.0.2"));
	joblet_error_clear(&err);
	ck_assert_int_eq(jl_index_resolve(idx, "openjdk-21", "1.3.1", "ubuntu-amd64", &e, &err),
			 -JOBLET_E_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(err->message, "does not support this host (ubuntu-amd64); it "
						   "supports: rhel-amd64, amzn-arm64"));
	joblet_error_clear(&err);
	ck_assert_int_eq(jl_index_resolve(idx, "openjdk-21", NULL, "rhel-arm64", &e, &err),
			 -JOBLET_E_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(err->message, "its versions support: rhel-amd64, amzn-arm64, ubuntu-amd64"));
	joblet_error_free(err);
	jl_index_free(idx);
}
END_TEST

START_TEST(test_index_malformed)
{
	parse_bad("", "not valid JSON");
	parse_bad("{\"version\": \"1\", \"runtimes\": {}", "not valid JSON");
	parse_bad("{\"version\": \"1\", \"runtimes\": {}} trailing", "unexpected data after");
	parse_bad("[1, 2]", "must be an object");
	parse_bad("{\"runtimes\": {}}", "`version` is missing");
	parse_bad("{\"version\": \"2\", \"runtimes\": {}}", "only registry format this joblet reads");
	parse_bad("{\"version\": \"1\"}", "`runtimes` must be an object");
	parse_bad("{\"version\": \"1\", \"runtimes\": []}", "`runtimes` must be an object");
	parse_bad("{\"version\": \"1\", \"runtimes\": {\"Bad Name\": {}}}", "not a valid runtime name");
	parse_bad("{\"version\": \"1\", \"runtimes\": {\"../x\": {}}}", "not a valid runtime name");
	parse_bad("{\"version\": \"1\", \"runtimes\": {\"x\": []}}", "must be an object of versions");
	parse_bad("{\"version\": \"1\", \"runtimes\": {\"x\": {\"v1\": {}}}}", "not a semantic version");
	parse_bad("{\"version\": \"1\", \"runtimes\": {\"x\": {\"1.0.0\": 5}}}", "must be an object");
	parse_bad("{\"version\": \"1\", \"runtimes\": {\"x\": {\"1.0.0\": {\"checksum\": \"" SUM_A "\"}}}}",
		  "`runtimes.\"x\".\"1.0.0\".download_url` is missing");
	parse_bad("{\"version\": \"1\", \"runtimes\": {\"x\": {\"1.0.0\": {\"download_url\": \"u\"}}}}",
		  "`runtimes.\"x\".\"1.0.0\".checksum` is missing");
	parse_bad("{\"version\": \"1\", \"runtimes\": {\"x\": {\"1.0.0\": {\"download_url\": \"u\", "
		  "\"checksum\": \"md5:abc\"}}}}",
		  "must be `sha256:` followed by 64 hex digits");
	parse_bad("{\"version\": \"1\", \"runtimes\": {\"x\": {\"1.0.0\": {\"download_url\": \"u\", "
		  "\"checksum\": \"sha256:zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\"}}}}",
		  "64 hex digits");
	parse_bad("{\"version\": \"1\", \"runtimes\": {\"x\": {\"1.0.0\": {\"download_url\": \"u\", "
		  "\"checksum\": \"" SUM_A "\", \"size\": -4}}}}",
		  "`runtimes.\"x\".\"1.0.0\".size` must be a whole number");
	parse_bad("{\"version\": \"1\", \"runtimes\": {\"x\": {\"1.0.0\": {\"download_url\": \"u\", "
		  "\"checksum\": \"" SUM_A "\", \"size\": \"big\"}}}}",
		  "size` must be a whole number");
	parse_bad("{\"version\": \"1\", \"runtimes\": {\"x\": {\"1.0.0\": {\"download_url\": \"u\", "
		  "\"checksum\": \"" SUM_A "\", \"platforms\": \"ubuntu-amd64\"}}}}",
		  "platforms` must be a list");
	parse_bad("{\"version\": \"1\", \"runtimes\": {\"x\": {\"1.0.0\": {\"version\": \"1.0.1\", "
		  "\"download_url\": \"u\", \"checksum\": \"" SUM_A "\"}}}}",
		  "differs from the key");
}
END_TEST

START_TEST(test_index_hostile)
{
	char *deep = malloc(200001), *big;
	size_t n = 0;

	/* Nesting far beyond anything real is refused, not recursed into. */
	for (int i = 0; i < 100000; i++)
		deep[n++] = '[';
	for (int i = 0; i < 100000; i++)
		deep[n++] = ']';
	deep[n] = '\0';
	parse_bad(deep, "not valid JSON");
	free(deep);
	/* Larger than the limit. */
	big = malloc(JL_INDEX_MAX_BYTES + 2);
	memset(big, ' ', JL_INDEX_MAX_BYTES + 1);
	big[JL_INDEX_MAX_BYTES + 1] = '\0';
	{
		struct jl_index *idx = NULL;
		struct joblet_error *e = NULL;

		ck_assert_int_eq(jl_index_parse(big, JL_INDEX_MAX_BYTES + 1, "reg", &idx, &e), -JOBLET_E_LIMIT);
		joblet_error_free(e);
	}
	free(big);
	/* NUL bytes inside strings and binary junk. */
	parse_bad("{\"version\": \"1\", \"runtimes\": {\"x\0y\": {}}}", "not valid JSON");
	parse_bad("\xff\xfe\x00\x01", "not valid JSON");
}
END_TEST

/* ------------------------------------------------------------------ runtime.yml */

static struct jl_runtime_desc *yml_ok(const char *text)
{
	struct jl_runtime_desc *d = NULL;
	struct joblet_error *e = NULL;
	int fd;

	jl_tmp_write("runtime.yml", text);
	fd = open(jl_tmpdir, O_RDONLY | O_DIRECTORY);
	ck_assert_msg(jl_runtime_yml_load(fd, "pkg", &d, &e) == 0, "%s", joblet_error_message(e));
	close(fd);
	return d;
}

static void yml_bad(const char *text, int32_t code, const char *needle)
{
	struct jl_runtime_desc *d = NULL;
	struct joblet_error *e = NULL;
	int fd;

	jl_tmp_write("runtime.yml", text);
	fd = open(jl_tmpdir, O_RDONLY | O_DIRECTORY);
	ck_assert_int_eq(jl_runtime_yml_load(fd, "pkg", &d, &e), -code);
	close(fd);
	ck_assert_msg(strstr(e->message, needle), "`%s` not in: %s", needle, e->message);
	joblet_error_free(e);
}

START_TEST(test_runtime_yml_good)
{
	struct jl_runtime_desc *d = yml_ok("name: python-3.11-ml\n"
					   "language: python\n"
					   "version: \"1.3.3\"\n"
					   "description: ML stack\n"
					   "platforms: [ubuntu-amd64]\n"
					   "mounts:\n"
					   "  - {source: isolated/bin, target: /bin, readonly: true}\n"
					   "  - source: isolated/tmp\n"
					   "    target: /tmp\n"
					   "    readonly: false\n"
					   "    selective: [a]\n"
					   "  - {source: isolated/usr, target: /usr}\n"
					   "environment:\n"
					   "  PATH: /opt/venv/bin:/usr/bin:/bin\n"
					   "  OMP_NUM_THREADS: \"1\"\n"
					   "requirements: {architectures: [amd64, arm64]}\n"
					   "packages: [numpy]\n"
					   "build_info: {built_at: x}\n");

	ck_assert_str_eq(d->name, "python-3.11-ml");
	ck_assert_str_eq(d->version, "1.3.3");
	ck_assert_str_eq(d->description, "ML stack");
	ck_assert_str_eq(d->language, "python");
	ck_assert_str_eq(d->platforms[0], "ubuntu-amd64");
	ck_assert_uint_eq(d->n_mounts, 3);
	ck_assert_str_eq(d->mounts[1].source, "isolated/tmp");
	ck_assert(!d->mounts[1].readonly);
	ck_assert(d->mounts[2].readonly);
	ck_assert_str_eq(d->env[0], "PATH=/opt/venv/bin:/usr/bin:/bin");
	ck_assert_str_eq(d->env[1], "OMP_NUM_THREADS=1");
	jl_runtime_desc_free(d);

	d = yml_ok("name: x\nversion: 0.1.0\n");
	ck_assert_str_eq(d->description, "");
	ck_assert_uint_eq(d->n_mounts, 0);
	ck_assert_ptr_null(d->env[0]);
	jl_runtime_desc_free(d);
}
END_TEST

START_TEST(test_runtime_yml_bad)
{
	struct jl_runtime_desc *d = NULL;
	struct joblet_error *e = NULL;
	int fd = open(jl_tmpdir, O_RDONLY | O_DIRECTORY);

	ck_assert_int_eq(jl_runtime_yml_load(fd, "pkg", &d, &e), -JOBLET_E_NOT_FOUND);
	joblet_error_clear(&e);
	/* A package may plant runtime.yml as a symlink to a host file: never followed. */
	ck_assert_int_eq(symlinkat("/etc/passwd", fd, "runtime.yml"), 0);
	ck_assert_int_lt(jl_runtime_yml_load(fd, "pkg", &d, &e), 0);
	joblet_error_free(e);
	unlinkat(fd, "runtime.yml", 0);
	close(fd);

	yml_bad("version: 1.0.0\n", JOBLET_E_PARSE, "`name` is missing");
	yml_bad("name: x\n", JOBLET_E_PARSE, "`version` is missing");
	yml_bad("name: X Y\nversion: 1.0.0\n", JOBLET_E_PARSE, "not a runtime name");
	yml_bad("name: x\nversion: latest\n", JOBLET_E_PARSE, "not a semantic version");
	yml_bad("name: x\nversion: 1.0.0\nmounts: /usr\n", JOBLET_E_PARSE, "must be a list");
	yml_bad("name: x\nversion: 1.0.0\nmounts:\n  - {source: ../../etc, target: /etc}\n",
		JOBLET_E_PARSE, "inside the runtime folder");
	yml_bad("name: x\nversion: 1.0.0\nmounts:\n  - {source: /etc, target: /etc}\n", JOBLET_E_PARSE,
		"inside the runtime folder");
	yml_bad("name: x\nversion: 1.0.0\nmounts:\n  - {source: a, target: relative}\n", JOBLET_E_PARSE,
		"absolute path in the job");
	yml_bad("name: x\nversion: 1.0.0\nmounts:\n  - {source: a, target: /}\n", JOBLET_E_PARSE,
		"other than `/`");
	yml_bad("name: x\nversion: 1.0.0\nmounts:\n  - {source: a, target: /x/../etc}\n", JOBLET_E_PARSE,
		"no `..`");
	yml_bad("name: x\nversion: 1.0.0\nmounts:\n  - {source: a}\n", JOBLET_E_PARSE,
		"needs `source` and `target`");
	yml_bad("name: x\nversion: 1.0.0\nmounts:\n  - {source: a, target: /a, readonly: sometimes}\n",
		JOBLET_E_PARSE, "true or false");
	yml_bad("name: x\nversion: 1.0.0\nenvironment:\n  1BAD: x\n", JOBLET_E_PARSE, "not a variable name");
	yml_bad("name: x\nversion: 1.0.0\nenvironment:\n  A: [1]\n", JOBLET_E_PARSE, "single value");
	yml_bad("name: &a x\nversion: *a\n", JOBLET_E_PARSE, "anchors and aliases");
	yml_bad("", JOBLET_E_PARSE, "is empty");
}
END_TEST

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

/* sha256 of 1 MiB + 123 bytes of (i * 7) & 0xff, computed with sha256sum once. */
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
	struct mem_src src = { { sizeof(struct joblet_stream), 0, (int64_t)n, mem_read, mem_close, { 0 } },
			       data, n, 0, 4096, 0, 0 };
	struct jl_prefetch_options o = { (int64_t)n, 0, "mem", NULL, NULL };
	struct jl_prefetch *p = NULL;
	const uint8_t *head;
	size_t head_len;
	char hex[65], expect[65];
	uint64_t bytes;
	FILE *f;

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
	{
		char cmd[4200];

		snprintf(cmd, sizeof(cmd), "sha256sum %s > %s", jl_tmp_path("data"), jl_tmp_path("sum"));
		ck_assert_int_eq(system(cmd), 0);
	}
	f = fopen(jl_tmp_path("sum"), "r");
	ck_assert_int_eq(fscanf(f, "%64s", expect), 1);
	fclose(f);
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
		struct mem_src src = { { sizeof(struct joblet_stream), 0, -1, mem_read, mem_close, { 0 } },
				       data, n, 0, 65536, 0, 0 };
		struct jl_prefetch_options o = { 1000, 0, "pkg-a", NULL, NULL };

		ck_assert_int_eq(jl_prefetch_new(&src.base, &o, &p, NULL), 0);
		ck_assert_int_eq(drain(jl_prefetch_stream(p), out, n + 1, &got, &e), -JOBLET_E_LIMIT);
		ck_assert_ptr_nonnull(strstr(e->message, "larger than the 1000 bytes the registry index announces"));
		joblet_error_clear(&e);
		jl_prefetch_free(p);
	}
	/* Fewer than announced. */
	{
		struct mem_src src = { { sizeof(struct joblet_stream), 0, -1, mem_read, mem_close, { 0 } },
				       data, n, 0, 65536, 0, 0 };
		struct jl_prefetch_options o = { (int64_t)n + 1, 0, "pkg-b", NULL, NULL };

		ck_assert_int_eq(jl_prefetch_new(&src.base, &o, &p, NULL), 0);
		ck_assert_int_eq(drain(jl_prefetch_stream(p), out, n + 1, &got, &e), -JOBLET_E_CHECKSUM);
		ck_assert_ptr_nonnull(strstr(e->message, "ended after 300000 bytes"));
		ck_assert_uint_eq(got, n);
		joblet_error_clear(&e);
		jl_prefetch_free(p);
	}
	/* The limit, with no size announced. */
	{
		struct mem_src src = { { sizeof(struct joblet_stream), 0, -1, mem_read, mem_close, { 0 } },
				       data, n, 0, 65536, 0, 0 };
		struct jl_prefetch_options o = { -1, 100000, "pkg-c", NULL, NULL };

		ck_assert_int_eq(jl_prefetch_new(&src.base, &o, &p, NULL), 0);
		ck_assert_int_eq(drain(jl_prefetch_stream(p), out, n + 1, &got, &e), -JOBLET_E_LIMIT);
		ck_assert_ptr_nonnull(strstr(e->message, "max_download_bytes"));
		joblet_error_clear(&e);
		jl_prefetch_free(p);
	}
	/* The source's own error reaches the reader, in order. */
	{
		struct mem_src src = { { sizeof(struct joblet_stream), 0, -1, mem_read, mem_close, { 0 } },
				       data, n, 0, 1000, 150000, 0 };
		struct jl_prefetch_options o = { -1, 0, "pkg-d", NULL, NULL };

		ck_assert_int_eq(jl_prefetch_new(&src.base, &o, &p, NULL), 0);
		ck_assert_int_eq(drain(jl_prefetch_stream(p), out, n + 1, &got, &e), -JOBLET_E_NETWORK);
		ck_assert_str_eq(e->message, "connection reset (test)");
		ck_assert_uint_ge(got, 65536);
		ck_assert_int_eq(memcmp(out, data, got), 0);
		joblet_error_clear(&e);
		jl_prefetch_free(p);
	}
	/* Freed before the end: the producer stops, nothing leaks, the source is closed. */
	{
		struct mem_src src = { { sizeof(struct joblet_stream), 0, -1, mem_read, mem_close, { 0 } },
				       data, n, 0, 100, 0, 0 };
		struct jl_prefetch_options o = { -1, 0, "pkg-e", NULL, NULL };

		ck_assert_int_eq(jl_prefetch_new(&src.base, &o, &p, NULL), 0);
		jl_prefetch_free(p);
		ck_assert_int_eq(src.closed, 1);
	}
	free(data);
	free(out);
}
END_TEST

static Suite *registry_suite(void)
{
	Suite *s = suite_create("registry");
	TCase *tc = tcase_create("index");
	TCase *yml = tcase_create("runtime.yml");
	TCase *pf = tcase_create("prefetch");

	tcase_add_test(tc, test_index_good);
	tcase_add_test(tc, test_index_resolve);
	tcase_add_test(tc, test_index_malformed);
	tcase_add_test(tc, test_index_hostile);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(yml, jl_tmp_setup, jl_tmp_teardown);
	tcase_add_test(yml, test_runtime_yml_good);
	tcase_add_test(yml, test_runtime_yml_bad);
	suite_add_tcase(s, yml);
	tcase_add_checked_fixture(pf, jl_tmp_setup, jl_tmp_teardown);
	tcase_set_timeout(pf, 30);
	tcase_add_test(pf, test_prefetch_hash_and_bytes);
	tcase_add_test(pf, test_prefetch_size_rules_and_errors);
	suite_add_tcase(s, pf);
	return s;
}

int main(void)
{
	return jl_run_suite(registry_suite());
}

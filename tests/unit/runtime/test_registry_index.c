/*
 * test_registry_index.c - registry.json (core/lib/runtime/registry_index.c):
 * parsing, resolving a version for a platform, malformed and hostile indexes.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include <joblet/error.h>

#include "runtime/registry_index.h"
#include "base/util.h"

#include "jl_test.h"
#include "jl_tmp.h"

/* ------------------------------------------------------------------ index */

#define SUM_A "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SUM_B "sha256:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"

#define ENTRY(v, plat)                                                                             \
	"\"" v "\": {\"version\": \"" v "\", \"description\": \"d " v "\", "                       \
	"\"download_url\": \"https://x/" v ".tar.gz\", \"checksum\": \"" SUM_A "\", "              \
	"\"size\": 100, \"platforms\": [" plat "]}"

static const char good_index[] =
	"{\"_comment\": \"generated\", \"_workflow\": \"x\", \"version\": \"1\", "
	"\"updated_at\": \"2025-12-02T17:41:44Z\", \"runtimes\": {"
	"\"python-3.11-ml\": {" ENTRY("1.0.2", "\"ubuntu-amd64\"") ", " ENTRY("1.0.10", "\"ubuntu-amd64\"") ", " ENTRY(
		"1.0.3",
		"\"ubuntu-amd64\"") ", " ENTRY("2.0.0-rc1",
					       "\"ubuntu-amd64\"") "},"
								   "\"openjdk-21\": {" ENTRY("1.3.1", "\"rhel-amd64\", \"amzn-arm64\"") ", " ENTRY(
									   "1.2.0",
									   "\"ubuntu-amd64\"") "},"
											       "\"anywhere\": {\"0.1.0\": {\"download_url\": \"a.tgz\", \"checksum\": \"" SUM_B
											       "\"}}}}";

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
	ck_assert_str_eq(idx->entries[0].sha256,
			 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
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
	ck_assert_int_eq(jl_index_resolve(idx, "python-3.11-ml", NULL, "ubuntu-amd64", &e, NULL),
			 0);
	ck_assert_str_eq(e->version, "2.0.0-rc1");
	ck_assert_int_eq(jl_index_resolve(idx, "python-3.11-ml", "1.0.3", "ubuntu-amd64", &e, NULL),
			 0);
	ck_assert_str_eq(e->version, "1.0.3");
	/* Newest for this platform: 1.3.1 is rhel/amzn only. */
	ck_assert_int_eq(jl_index_resolve(idx, "openjdk-21", NULL, "ubuntu-amd64", &e, NULL), 0);
	ck_assert_str_eq(e->version, "1.2.0");
	ck_assert_int_eq(jl_index_resolve(idx, "anywhere", NULL, "amzn-arm64", &e, NULL), 0);

	ck_assert_int_eq(jl_index_resolve(idx, "nope", NULL, "ubuntu-amd64", &e, &err),
			 -JOBLET_E_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(err->message, "runtime 'nope' not found in registry"));
	ck_assert_ptr_nonnull(strstr(err->message, "anywhere, openjdk-21, python-3.11-ml"));
	joblet_error_clear(&err);
	ck_assert_int_eq(jl_index_resolve(idx, "python-3.11-ml", "1.0.5", "ubuntu-amd64", &e, &err),
			 -JOBLET_E_NOT_FOUND);
	ck_assert_ptr_nonnull(
		strstr(err->message, "version '1.0.5' not found for runtime 'python-3.11-ml'"));
	ck_assert_ptr_nonnull(strstr(err->message, "2.0.0-rc1, 1.0.10, 1.0.3, 1.0.2"));
	joblet_error_clear(&err);
	ck_assert_int_eq(jl_index_resolve(idx, "openjdk-21", "1.3.1", "ubuntu-amd64", &e, &err),
			 -JOBLET_E_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(
		err->message,
		"does not support this host (ubuntu-amd64); it supports: rhel-amd64, amzn-arm64"));
	joblet_error_clear(&err);
	ck_assert_int_eq(jl_index_resolve(idx, "openjdk-21", NULL, "rhel-arm64", &e, &err),
			 -JOBLET_E_UNSUPPORTED);
	ck_assert_ptr_nonnull(
		strstr(err->message, "its versions support: rhel-amd64, amzn-arm64, ubuntu-amd64"));
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
	parse_bad("{\"version\": \"2\", \"runtimes\": {}}",
		  "only registry format this joblet reads");
	parse_bad("{\"version\": \"1\"}", "`runtimes` must be an object");
	parse_bad("{\"version\": \"1\", \"runtimes\": []}", "`runtimes` must be an object");
	parse_bad("{\"version\": \"1\", \"runtimes\": {\"Bad Name\": {}}}",
		  "not a valid runtime name");
	parse_bad("{\"version\": \"1\", \"runtimes\": {\"../x\": {}}}", "not a valid runtime name");
	parse_bad("{\"version\": \"1\", \"runtimes\": {\"x\": []}}",
		  "must be an object of versions");
	parse_bad("{\"version\": \"1\", \"runtimes\": {\"x\": {\"v1\": {}}}}",
		  "not a semantic version");
	parse_bad("{\"version\": \"1\", \"runtimes\": {\"x\": {\"1.0.0\": 5}}}",
		  "must be an object");
	parse_bad("{\"version\": \"1\", \"runtimes\": {\"x\": {\"1.0.0\": {\"checksum\": \"" SUM_A
		  "\"}}}}",
		  "`runtimes.\"x\".\"1.0.0\".download_url` is missing");
	parse_bad(
		"{\"version\": \"1\", \"runtimes\": {\"x\": {\"1.0.0\": {\"download_url\": \"u\"}}}}",
		"`runtimes.\"x\".\"1.0.0\".checksum` is missing");
	parse_bad(
		"{\"version\": \"1\", \"runtimes\": {\"x\": {\"1.0.0\": {\"download_url\": \"u\", "
		"\"checksum\": \"md5:abc\"}}}}",
		"must be `sha256:` followed by 64 hex digits");
	parse_bad(
		"{\"version\": \"1\", \"runtimes\": {\"x\": {\"1.0.0\": {\"download_url\": \"u\", "
		"\"checksum\": \"sha256:zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\"}}}}",
		"64 hex digits");
	parse_bad(
		"{\"version\": \"1\", \"runtimes\": {\"x\": {\"1.0.0\": {\"download_url\": \"u\", "
		"\"checksum\": \"" SUM_A "\", \"size\": -4}}}}",
		"`runtimes.\"x\".\"1.0.0\".size` must be a whole number");
	parse_bad(
		"{\"version\": \"1\", \"runtimes\": {\"x\": {\"1.0.0\": {\"download_url\": \"u\", "
		"\"checksum\": \"" SUM_A "\", \"size\": \"big\"}}}}",
		"size` must be a whole number");
	parse_bad(
		"{\"version\": \"1\", \"runtimes\": {\"x\": {\"1.0.0\": {\"download_url\": \"u\", "
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

		ck_assert_int_eq(jl_index_parse(big, JL_INDEX_MAX_BYTES + 1, "reg", &idx, &e),
				 -JOBLET_E_LIMIT);
		joblet_error_free(e);
	}
	free(big);
	/* NUL bytes inside strings and binary junk. */
	parse_bad("{\"version\": \"1\", \"runtimes\": {\"x\0y\": {}}}", "not valid JSON");
	parse_bad("\xff\xfe\x00\x01", "not valid JSON");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("registry_index");
	TCase *tc = tcase_create("index");

	tcase_add_test(tc, test_index_good);
	tcase_add_test(tc, test_index_resolve);
	tcase_add_test(tc, test_index_malformed);
	tcase_add_test(tc, test_index_hostile);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return jl_run_suite(suite());
}

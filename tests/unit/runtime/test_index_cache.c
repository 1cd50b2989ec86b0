/*
 * test_index_cache.c - the cache of registry indexes stays within
 * runtimes.index_cache_entries and runtimes.index_cache_bytes, dropping the
 * least recently used copies (core/lib/runtime/index_cache.c).
 */
#include <dirent.h>
#include <string.h>

#include <joblet/error.h>

#include "config/config.h"
#include "runtime/index_cache.h"
#include "base/util.h"

#include "jl_test.h"
#include "jl_tmp.h"

/* A configuration whose state folder is the test's scratch folder. */
static struct jl_config *cache_config(int64_t entries, int64_t bytes)
{
	struct jl_config *cfg = NULL;

	ck_assert_int_eq(jl_config_defaults(&cfg, NULL), 0);
	free(cfg->state_dir);
	cfg->state_dir = strdup(jl_tmp_path("state"));
	cfg->index_cache_entries = entries;
	cfg->index_cache_bytes = bytes;
	return cfg;
}

/* What a registry answered: an index of len bytes and a validator. */
static void store(const struct jl_config *cfg, const char *registry, size_t len)
{
	struct jl_index_cache c = { 0 };
	char *json = malloc(len);

	ck_assert_ptr_nonnull(json);
	memset(json, ' ', len);
	ck_assert_int_eq(jl_index_cache_open(cfg, registry, &c, NULL), 0);
	ck_assert(c.usable);
	jl_index_cache_store(cfg, &c, json, len, "\"v1\"", 4);
	jl_index_cache_done(&c);
	free(json);
}

/* Whether registry has a cached copy (opening it counts as a use). */
static bool cached(const struct jl_config *cfg, const char *registry)
{
	struct jl_index_cache c = { 0 };
	bool have;

	ck_assert_int_eq(jl_index_cache_open(cfg, registry, &c, NULL), 0);
	have = c.json != NULL;
	jl_index_cache_done(&c);
	return have;
}

/* Files in the cache folder, and their bytes. */
static size_t cache_files(int64_t *ret_bytes)
{
	DIR *d = opendir(jl_tmp_path("state/cache/registries"));
	size_t n = 0;

	ck_assert_ptr_nonnull(d);
	*ret_bytes = 0;
	for (struct dirent *de; (de = readdir(d));) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		ck_assert_int_eq(fstatat(dirfd(d), de->d_name, &st, 0), 0);
		*ret_bytes += st.st_size;
		n++;
	}
	closedir(d);
	return n;
}

START_TEST(test_many_registries_stay_within_entries)
{
	struct jl_config *cfg = cache_config(16, INT64_C(64) << 20);
	char reg[64];
	int64_t bytes;

	/* A reader naming registry after registry: the cache never holds more than 16. */
	for (int i = 0; i < 100; i++) {
		snprintf(reg, sizeof(reg), "https://127.0.0.1:%d/r", 1000 + i);
		store(cfg, reg, 1000);
		ck_assert_uint_le(cache_files(&bytes), 2 * 16);
	}
	ck_assert_uint_eq(cache_files(&bytes), 2 * 16); /* KEY.json and KEY.etag each */
	/* The most recent stay. */
	for (int i = 100 - 16; i < 100; i++) {
		snprintf(reg, sizeof(reg), "https://127.0.0.1:%d/r", 1000 + i);
		ck_assert_msg(cached(cfg, reg), "%s was dropped", reg);
	}
	snprintf(reg, sizeof(reg), "https://127.0.0.1:%d/r", 1000 + 100 - 17);
	ck_assert(!cached(cfg, reg));
	jl_config_free(cfg);
}
END_TEST

START_TEST(test_bytes_bound)
{
	/* Room for three copies of 1000 bytes and their 4-byte validators, not four. */
	struct jl_config *cfg = cache_config(100, 3 * 1004 + 500);
	char reg[64];
	int64_t bytes;

	for (int i = 0; i < 50; i++) {
		snprintf(reg, sizeof(reg), "/srv/registry-%d", i);
		store(cfg, reg, 1000);
		cache_files(&bytes);
		ck_assert_int_le(bytes, 3 * 1004 + 500);
	}
	ck_assert_uint_eq(cache_files(&bytes), 2 * 3);
	/* An index larger than the whole cache is not kept at all. */
	store(cfg, "/srv/huge", 5000);
	ck_assert(!cached(cfg, "/srv/huge"));
	cache_files(&bytes);
	ck_assert_int_le(bytes, 3 * 1004 + 500);
	jl_config_free(cfg);
}
END_TEST

START_TEST(test_least_recently_used_goes)
{
	struct jl_config *cfg = cache_config(3, INT64_C(64) << 20);
	int64_t bytes;

	store(cfg, "a/one", 100);
	store(cfg, "a/two", 100);
	store(cfg, "a/three", 100);
	/* Reading the oldest makes it the most recently used: the next store drops a/two. */
	ck_assert(cached(cfg, "a/one"));
	store(cfg, "a/four", 100);
	ck_assert_uint_eq(cache_files(&bytes), 2 * 3);
	ck_assert(!cached(cfg, "a/two"));
	ck_assert(cached(cfg, "a/one"));
	ck_assert(cached(cfg, "a/three"));
	ck_assert(cached(cfg, "a/four"));
	jl_config_free(cfg);
}
END_TEST

START_TEST(test_prune_leaves_other_files)
{
	struct jl_config *cfg = cache_config(1, INT64_C(64) << 20);
	size_t kept;

	store(cfg, "a/one", 100);
	jl_tmp_write("state/cache/registries/README", "not a copy");
	store(cfg, "a/two", 100);
	ck_assert(access(jl_tmp_path("state/cache/registries/README"), F_OK) == 0);
	jl_index_cache_prune(jl_tmp_path("state/cache/registries"), 1, INT64_C(1) << 20, &kept);
	ck_assert_uint_eq(kept, 1);
	/* A folder that is not there is no error. */
	jl_index_cache_prune(jl_tmp_path("nosuch"), 1, 1, &kept);
	ck_assert_uint_eq(kept, 0);
	jl_config_free(cfg);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("index_cache");
	TCase *tc = tcase_create("index_cache");

	tcase_add_checked_fixture(tc, jl_tmp_setup, jl_tmp_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_many_registries_stay_within_entries);
	tcase_add_test(tc, test_bytes_bound);
	tcase_add_test(tc, test_least_recently_used_goes);
	tcase_add_test(tc, test_prune_leaves_other_files);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return jl_run_suite(suite());
}

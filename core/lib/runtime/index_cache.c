/* index_cache.c - the bounded cache of registry indexes (see index_cache.h). */
#include <config.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/index_cache.h"
#include "runtime/registry_index.h"
#include "runtime/sha256.h"
#include "base/fsutil.h"
#include "base/util.h"

#define KEY_HEX 32 /* hex digits of a key */

static void cache_key(const char *registry, char ret[KEY_HEX + 1])
{
	static const char hex[] = "0123456789abcdef";
	struct sha256_ctx h;
	uint8_t d[SHA256_DIGEST_SIZE];

	sha256_init(&h);
	sha256_update(&h, strlen(registry), (const uint8_t *)registry);
	jl_sha256_digest(&h, d);
	for (int i = 0; i < KEY_HEX / 2; i++) {
		ret[2 * i] = hex[d[i] >> 4];
		ret[2 * i + 1] = hex[d[i] & 15];
	}
	ret[KEY_HEX] = '\0';
}

/*
 * Mark a copy used now: its atime, set from the clock rather than left to
 * the kernel (whose file times tick only every few milliseconds, and which
 * a noatime mount never updates).  The mtime (freshness) is left alone.
 */
static void used_now(struct timespec t[2])
{
	clock_gettime(CLOCK_REALTIME, &t[0]);
	t[1].tv_sec = 0;
	t[1].tv_nsec = UTIME_OMIT;
}

static void mark_used(const char *path)
{
	struct timespec t[2];

	used_now(t);
	/* Failing only makes the copy look older: it is removed sooner. */
	(void)utimensat(AT_FDCWD, path, t, 0);
}

/* Write path atomically (temp file + rename); failures only lose the cache. */
static void cache_write(const char *path, const char *data, size_t len)
{
	_cleanup_free_ char *tmp = jl_strdup_printf("%s.XXXXXX", path);
	struct timespec t[2];
	int fd;

	if (!tmp || (fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		return;
	used_now(t);
	/* As in mark_used(). */
	(void)futimens(fd, t);
	if (write(fd, data, len) != (ssize_t)len || fsync(fd) < 0 || close(fd) < 0 ||
	    rename(tmp, path) < 0) {
		unlink(tmp);
		return;
	}
}

void jl_index_cache_done(struct jl_index_cache *c)
{
	free(c->dir);
	free(c->json_path);
	free(c->etag_path);
	free(c->json);
	free(c->etag);
}

int jl_index_cache_open(const struct jl_config *cfg, const char *registry, struct jl_index_cache *c,
			struct joblet_error **err)
{
	char key[KEY_HEX + 1];
	struct stat st;

	c->dir = jl_strdup_printf("%s/cache/registries", cfg->state_dir);
	if (!c->dir)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot fetch the registry index");
	cache_key(registry, key);
	/* The cache is a convenience: without a writable state folder there is none. */
	c->usable =
		jl_mkdir_p(cfg->state_dir, 0700, NULL) == 0 && jl_mkdir_p(c->dir, 0700, NULL) == 0;
	c->json_path = jl_strdup_printf("%s/%s.json", c->dir, key);
	c->etag_path = jl_strdup_printf("%s/%s.etag", c->dir, key);
	if (!c->json_path || !c->etag_path)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot fetch the registry index");
	if (c->usable &&
	    jl_read_file(c->json_path, JL_INDEX_MAX_BYTES, &c->json, &c->json_len, NULL) == 0 &&
	    stat(c->json_path, &st) == 0) {
		c->etag = jl_read_line_file(c->etag_path);
		c->dated = true;
		c->mtime = st.st_mtime;
		mark_used(c->json_path);
	}
	return 0;
}

void jl_index_cache_validated(const struct jl_index_cache *c)
{
	if (c->usable)
		/* Failing only shortens the copy's life: it is asked about sooner. */
		(void)utimensat(AT_FDCWD, c->json_path, NULL, 0);
}

void jl_index_cache_store(const struct jl_config *cfg, const struct jl_index_cache *c,
			  const char *json, size_t len, const char *etag, size_t etag_len)
{
	if (!c->usable)
		return;
	cache_write(c->json_path, json, len);
	if (etag_len)
		cache_write(c->etag_path, etag, etag_len);
	else
		/* Missing is fine: a stale validator would only cost a full fetch. */
		(void)unlink(c->etag_path);
	jl_index_cache_prune(c->dir, cfg->index_cache_entries, cfg->index_cache_bytes, NULL);
}

/* One copy in the cache folder. */
struct cached {
	char key[KEY_HEX + 1];
	struct timespec used; /* atime */
	int64_t bytes;	      /* KEY.json and KEY.etag */
};

/* Newest use first; the key breaks ties, so the order is always the same. */
static int cached_cmp(const void *a, const void *b)
{
	const struct cached *x = a, *y = b;

	if (x->used.tv_sec != y->used.tv_sec)
		return x->used.tv_sec > y->used.tv_sec ? -1 : 1;
	if (x->used.tv_nsec != y->used.tv_nsec)
		return x->used.tv_nsec > y->used.tv_nsec ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* KEY.json, where KEY is KEY_HEX lower-case hex digits: the name of a copy. */
static bool copy_name(const char *name)
{
	if (strlen(name) != KEY_HEX + 5 || strcmp(name + KEY_HEX, ".json") != 0)
		return false;
	for (int i = 0; i < KEY_HEX; i++)
		if (!strchr("0123456789abcdef", name[i]))
			return false;
	return true;
}

/* Every copy in the folder (*ret_v: a new array), with its use time and bytes. */
static int list_copies(int dfd, struct cached **ret_v, size_t *ret_n)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct cached *v = NULL;
	size_t n = 0, cap = 0;
	int fd = dup(dfd);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	for (struct dirent *de; (de = readdir(d));) {
		char etag[KEY_HEX + 6];
		struct stat st, es;

		if (!copy_name(de->d_name) ||
		    fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			struct cached *g = reallocarray(v, cap ? cap * 2 : 32, sizeof(*v));

			if (!g) {
				free(v);
				return -1;
			}
			v = g;
			cap = cap ? cap * 2 : 32;
		}
		memcpy(v[n].key, de->d_name, KEY_HEX);
		v[n].key[KEY_HEX] = '\0';
		v[n].used = st.st_atim;
		v[n].bytes = (int64_t)st.st_size;
		snprintf(etag, sizeof(etag), "%s.etag", v[n].key);
		if (fstatat(dfd, etag, &es, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(es.st_mode))
			v[n].bytes += (int64_t)es.st_size;
		n++;
	}
	*ret_v = v;
	*ret_n = n;
	return 0;
}

void jl_index_cache_prune(const char *dir, int64_t max_entries, int64_t max_bytes, size_t *ret_kept)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_free_ struct cached *v = NULL;
	size_t n = 0, kept = 0;
	int64_t bytes = 0;

	if (ret_kept)
		*ret_kept = 0;
	if (dfd < 0 || list_copies(dfd, &v, &n) < 0)
		return;
	qsort(v, n, sizeof(*v), cached_cmp);
	/* The most recently used that fit stay; from the first that does not, all go. */
	for (size_t i = 0; i < n; i++) {
		char name[KEY_HEX + 6];
		bool keep =
			kept == i && (int64_t)kept < max_entries && bytes + v[i].bytes <= max_bytes;

		if (keep) {
			kept++;
			bytes += v[i].bytes;
			continue;
		}
		/* Another install may remove it at the same time: ENOENT is fine. */
		snprintf(name, sizeof(name), "%s.json", v[i].key);
		(void)unlinkat(dfd, name, 0);
		snprintf(name, sizeof(name), "%s.etag", v[i].key);
		(void)unlinkat(dfd, name, 0);
	}
	if (ret_kept)
		*ret_kept = kept;
}

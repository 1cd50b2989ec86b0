/*
 * index_cache.h - the copies of registry indexes kept between installs.
 *
 * STATE/cache/registries/KEY.json holds the last index a registry sent
 * and KEY.etag its validator (KEY: the first 128 bits of the SHA-256 of
 * the registry spec).  The file's mtime says when the copy was fetched or
 * last found current (runtimes.index_ttl), its atime when it was last used.
 *
 * The cache is bounded: after each store the least recently used copies
 * are removed until at most runtimes.index_cache_entries copies of at most
 * runtimes.index_cache_bytes bytes together (validators included) are
 * left.  A copy larger than that alone is not kept.  Anyone who may name a
 * registry can make the daemon fetch one, so without the bound the folder
 * grew by up to 16 MiB a registry.
 *
 * The cache is a convenience: none of these functions fails because the
 * state folder cannot be written; the index is then fetched every time.
 */
#ifndef JL_INDEX_CACHE_H
#define JL_INDEX_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config/config.h"
#include <joblet/error.h>

struct jl_index_cache {
	bool usable;	 /* the cache folder exists: the copy may be stored */
	char *dir;	 /* STATE/cache/registries */
	char *json_path; /* DIR/KEY.json */
	char *etag_path; /* DIR/KEY.etag: its validator */
	char *json;	 /* the cached index, or NULL */
	size_t json_len;
	char *etag;   /* its validator, or NULL */
	bool dated;   /* mtime is known */
	time_t mtime; /* when it was fetched, or last found current */
};

/*
 * Find registry's cached copy, if any (c->json), and mark it used.  Errors
 * only on out of memory (JOBLET_E_NOMEM); free c with jl_index_cache_done()
 * in every case.
 */
int jl_index_cache_open(const struct jl_config *cfg, const char *registry, struct jl_index_cache *c,
			struct joblet_error **err);
void jl_index_cache_done(struct jl_index_cache *c);

/*
 * Keep what the registry sent (etag may be empty), then bring the cache
 * back within its bounds.
 */
void jl_index_cache_store(const struct jl_config *cfg, const struct jl_index_cache *c,
			  const char *json, size_t len, const char *etag, size_t etag_len);

/* The registry said the copy is current: it counts as fetched now. */
void jl_index_cache_validated(const struct jl_index_cache *c);

/*
 * Remove the least recently used copies of dir until at most max_entries
 * copies of at most max_bytes bytes together are left.  *ret_kept (may be
 * NULL) is how many are left.  Best effort: what cannot be removed stays.
 */
void jl_index_cache_prune(const char *dir, int64_t max_entries, int64_t max_bytes,
			  size_t *ret_kept);

#endif /* JL_INDEX_CACHE_H */

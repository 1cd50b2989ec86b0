/*
 * registry_index.h - registry.json: parsing, checking and resolving.
 *
 *	{"version": "1", "updated_at": "...", "runtimes": {
 *	   "python-3.11-ml": {"1.0.3": {"version": "1.0.3", "description": "...",
 *	      "download_url": "https://...", "checksum": "sha256:<64 hex>",
 *	      "size": 123, "platforms": ["ubuntu-amd64", ...]}}}}
 *
 * Unknown top-level keys (`_comment`, `_generated_by`) and unknown keys of
 * entries are ignored; everything joblet uses is checked, and a mistake is
 * an error naming the field (`runtimes."x"."1.0.0".checksum`).
 */
#ifndef JL_REGISTRY_INDEX_H
#define JL_REGISTRY_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include <joblet/error.h>

/* Largest registry.json accepted. */
#define JL_INDEX_MAX_BYTES (16 * 1024 * 1024)

struct jl_index_entry {
	char *name;
	char *version;
	char *description; /* "" when absent */
	char *download_url;
	char sha256[65];  /* lower-case hex */
	int64_t size;	  /* bytes, or -1 when the index does not say */
	char **platforms; /* NULL-terminated; empty means every platform */
};

struct jl_index {
	char *source;			/* where it came from, for messages */
	char *updated_at;		/* or NULL */
	struct jl_index_entry *entries; /* by name, then newest version first */
	size_t n;
};

/* Parse and check.  Errors: JOBLET_E_PARSE naming source and field. */
int jl_index_parse(const char *json, size_t len, const char *source, struct jl_index **ret_index,
		   struct joblet_error **err);
void jl_index_free(struct jl_index *idx);

/*
 * The entry for name and version (NULL = the newest that supports
 * platform).  platform may be NULL (any).  Errors, worded as the registry
 * guide has them: JOBLET_E_NOT_FOUND "runtime 'X' not found in registry"
 * (with the names it has), "version 'V' not found for runtime 'X'" (with the
 * versions), JOBLET_E_UNSUPPORTED when no version fits this platform (with
 * the platforms it supports).  *ret_entry is borrowed from idx.
 */
int jl_index_resolve(const struct jl_index *idx, const char *name, const char *version,
		     const char *platform, const struct jl_index_entry **ret_entry,
		     struct joblet_error **err);

/* 1 when the entry lists platform (or lists none). */
int jl_index_entry_supports(const struct jl_index_entry *e, const char *platform);

#endif /* JL_REGISTRY_INDEX_H */

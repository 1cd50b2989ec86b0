/*
 * plugin/ops_archive.h - calling archive plugins, and choosing one.
 *
 * core/lib/plugin is the only caller of plugin ops (ARCHITECTURE.md
 * section 2): the install pipeline, `runtime pack` and `runtime index` in
 * core/lib/runtime go through these thin wrappers, one per slot of struct
 * joblet_archive_ops (<joblet/archive.h> says when each is called and what
 * it may do).  p is the descriptor of a loaded archive plugin (borrowed).
 * The loader accepts only ABI 2.x plugins, whose ops tables hold every 2.0
 * slot, so no slot needs JOBLET_OPS_HAS; create and create_suffix are
 * OPTIONAL and may be NULL.  Errors are the plugin's own, passed on
 * unchanged: the caller adds the package's name.
 *
 * Used only inside libjoblet, so hidden (no JL_API).
 */
#ifndef JL_PLUGIN_OPS_ARCHIVE_H
#define JL_PLUGIN_OPS_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <joblet/archive.h>
#include <joblet/error.h>
#include <joblet/plugin.h>
#include <joblet/stream.h>

#include "plugin/loader.h"

/* probe(): 0 (cannot) to 100 (certain) for a package starting with head[0..len). */
int32_t jl_archive_probe(const struct joblet_plugin *p, const uint8_t *head, size_t len,
			 const char *name_hint);

/* extract(): unpack all of `in` (borrowed, read to its end) into dirfd. */
int jl_archive_extract(const struct joblet_plugin *p, struct joblet_stream *in, int dirfd,
		       const struct joblet_archive_limits *limits,
		       struct joblet_archive_stats *ret_stats, struct joblet_error **err);

/* Can p write packages (both create and create_suffix set)? */
bool jl_archive_can_create(const struct joblet_plugin *p);

/* create(): write the tree below dirfd to out_fd; JOBLET_E_UNSUPPORTED without create. */
int jl_archive_create(const struct joblet_plugin *p, int dirfd, const char *top, int out_fd,
		      const struct joblet_archive_limits *limits,
		      struct joblet_archive_stats *ret_stats, struct joblet_error **err);

/* The file name suffix of what create() writes (".tar.gz"); NULL when p cannot create. */
const char *jl_archive_create_suffix(const struct joblet_plugin *p);

/*
 * The archive plugin of set with the highest probe() bid for head (ties go
 * to the one loaded first), or NULL when every plugin bids 0.
 */
const struct joblet_plugin *jl_archive_bid(const struct jl_plugin_set *set, const uint8_t *head,
					   size_t len, const char *name_hint);

/* The first archive plugin of set that can write packages, or NULL. */
const struct joblet_plugin *jl_archive_packer(const struct jl_plugin_set *set);

#endif /* JL_PLUGIN_OPS_ARCHIVE_H */

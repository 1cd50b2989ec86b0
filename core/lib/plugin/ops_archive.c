/*
 * ops_archive.c - the only calls into archive plugins' ops, and the
 * bidding that picks the plugin for a package.
 */
#include <config.h>

#include "plugin/ops_archive.h"

static const struct joblet_archive_ops *ops_of(const struct joblet_plugin *p)
{
	return p->ops;
}

int32_t jl_archive_probe(const struct joblet_plugin *p, const uint8_t *head, size_t len,
			 const char *name_hint)
{
	return ops_of(p)->probe(head, len, name_hint);
}

int jl_archive_extract(const struct joblet_plugin *p, struct joblet_stream *in, int dirfd,
		       const struct joblet_archive_limits *limits,
		       struct joblet_archive_stats *ret_stats, struct joblet_error **err)
{
	return ops_of(p)->extract(in, dirfd, limits, ret_stats, err);
}

bool jl_archive_can_create(const struct joblet_plugin *p)
{
	return ops_of(p)->create && ops_of(p)->create_suffix;
}

int jl_archive_create(const struct joblet_plugin *p, int dirfd, const char *top, int out_fd,
		      const struct joblet_archive_limits *limits,
		      struct joblet_archive_stats *ret_stats, struct joblet_error **err)
{
	if (!jl_archive_can_create(p))
		return joblet_error_set(err, JOBLET_E_UNSUPPORTED, 0,
					"archive/%s cannot write packages", p->name);
	return ops_of(p)->create(dirfd, top, out_fd, limits, ret_stats, err);
}

const char *jl_archive_create_suffix(const struct joblet_plugin *p)
{
	return jl_archive_can_create(p) ? ops_of(p)->create_suffix : NULL;
}

const struct joblet_plugin *jl_archive_bid(const struct jl_plugin_set *set, const uint8_t *head,
					   size_t len, const char *name_hint)
{
	const struct joblet_plugin *best = NULL;
	int32_t best_bid = 0;

	for (size_t i = 0; i < jl_plugin_set_count(set); i++) {
		const struct joblet_plugin *p = jl_plugin_set_get(set, i, NULL);
		int32_t bid;

		if (p->kind != JOBLET_KIND_ARCHIVE)
			continue;
		bid = jl_archive_probe(p, head, len, name_hint);
		if (bid > best_bid) {
			best_bid = bid;
			best = p;
		}
	}
	return best;
}

const struct joblet_plugin *jl_archive_packer(const struct jl_plugin_set *set)
{
	for (size_t i = 0; i < jl_plugin_set_count(set); i++) {
		const struct joblet_plugin *p = jl_plugin_set_get(set, i, NULL);

		if (p->kind == JOBLET_KIND_ARCHIVE && jl_archive_can_create(p))
			return p;
	}
	return NULL;
}

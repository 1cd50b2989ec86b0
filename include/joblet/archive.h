/*
 * joblet/archive.h - archive plugins: unpacking runtime packages safely.
 *
 * Part of the joblet SDK.  Archive plugins bid for a package: the core shows
 * every archive plugin the first bytes and the file name, and the highest
 * probe() score wins (ties go to the plugin loaded first).  The winner then
 * pulls the whole package from a stream and writes its entries below a
 * directory the core created empty, while the bytes still arrive.
 *
 * Packages come from the network and are hostile until proven otherwise.
 * extract() MUST refuse, failing the whole extraction with JOBLET_E_ARCHIVE:
 *   - entry names that are absolute or contain a `..` component;
 *   - symbolic links whose target is absolute or climbs out of the
 *     directory (resolved from the link's own folder), hard links to
 *     anything outside the directory or not yet extracted;
 *   - device nodes, FIFOs, sockets;
 *   - setuid, setgid or sticky bits (or drop them: documented per plugin);
 *   - writing through a symlink planted by an earlier entry (create every
 *     path component relative to dirfd without following symlinks);
 * and MUST stop with JOBLET_E_LIMIT when the limits are passed.  Ownership
 * recorded in the archive is ignored: files belong to the extracting user.
 * On failure it may leave partial output; the core removes the directory.
 */
#ifndef JOBLET_ARCHIVE_H
#define JOBLET_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

#include <joblet/common.h>
#include <joblet/error.h>
#include <joblet/plugin.h>
#include <joblet/stream.h>

JOBLET_BEGIN_DECLS

/* How many leading bytes the core shows probe() (fewer if the package is shorter). */
#define JOBLET_ARCHIVE_PROBE_BYTES 512

/* Limits for one extraction.  The core always sets every field. */
struct joblet_archive_limits {
	uint32_t size;		  /* sizeof at the core's build time */
	uint32_t flags;		  /* none defined yet; ignore unknown bits */
	uint64_t max_total_bytes; /* sum of the sizes of all regular files */
	uint64_t max_entries;	  /* files, directories and links together */
	uint64_t max_path_length; /* bytes in one entry name */
};

/* Filled by extract() on success. */
struct joblet_archive_stats {
	uint32_t size;
	uint32_t reserved;
	uint64_t entries; /* entries written */
	uint64_t bytes;	  /* bytes of regular file content written */
};

struct joblet_archive_ops {
	uint32_t size; /* sizeof(struct joblet_archive_ops) */

	/*
	 * REQUIRED.  How sure is this plugin that it can unpack a package that
	 * starts with head[0..len) and is called name_hint (the last path
	 * component of its URL; may be NULL)?  0 = cannot, 100 = certain.
	 * Must not do I/O or keep the pointers.
	 */
	int32_t (*probe)(const uint8_t *head, size_t len, const char *name_hint);

	/*
	 * REQUIRED.  Unpack everything `in` delivers into dirfd (an empty
	 * directory; do not close it) under the rules at the top of this file.
	 * `in` is borrowed: read it to the end, do not close it.  Returns 0 and
	 * fills *ret_stats, or negative with *err set (JOBLET_E_ARCHIVE for a
	 * malformed or refused package, naming the entry; JOBLET_E_LIMIT;
	 * JOBLET_E_IO for local write failures; errors of `in` passed on).
	 */
	int (*extract)(struct joblet_stream *in, int dirfd,
		       const struct joblet_archive_limits *limits,
		       struct joblet_archive_stats *ret_stats, struct joblet_error **err);

	/*
	 * OPTIONAL (with create_suffix).  Write the tree below dirfd as a
	 * package to out_fd, every path under the folder `top`, entries in a
	 * stable (sorted) order, owners 0:0, so the same tree gives the same
	 * bytes.  Refuses with JOBLET_E_ARCHIVE what extract() would refuse
	 * (device nodes, FIFOs, sockets, setuid/setgid, symlinks leaving the
	 * tree), and JOBLET_E_LIMIT past the limits.  Used by `runtime pack`.
	 */
	int (*create)(int dirfd, const char *top, int out_fd,
		      const struct joblet_archive_limits *limits,
		      struct joblet_archive_stats *ret_stats, struct joblet_error **err);

	/* The file name suffix of what create() writes (".tar.gz"); NULL without create. */
	const char *create_suffix;
};

JOBLET_END_DECLS

#endif /* JOBLET_ARCHIVE_H */

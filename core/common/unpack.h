/*
 * unpack.h - unpack a result download's tar stream (tar_stream.h) into a
 * folder, safely, as the bytes arrive: what `rnx job download` does with a
 * folder.
 *
 * Refused (the unpack stops with JOBLET_E_INVALID naming the entry):
 * absolute names, names with a `..` part, an entry whose path goes through
 * a symbolic link (every folder on the way is opened with O_NOFOLLOW), and
 * a name that appears twice.  Left out (skipped() is told, the unpack goes
 * on): a symbolic link that is absolute or whose target leaves the
 * destination, hard links, device nodes, FIFOs and any other type.  Files are made with
 * O_CREAT|O_EXCL|O_NOFOLLOW, modes without set-id bits; memory stays bounded whatever the archive
 * holds.
 */
#ifndef JL_COMMON_UNPACK_H
#define JL_COMMON_UNPACK_H

#include <stdint.h>
#include <stddef.h>

#include <joblet/error.h>

struct jl_unpack;

/*
 * Unpack into the folder dest_fd (borrowed; must stay open until freed).
 * skipped (may be NULL) hears of each entry left out: its name and why.
 */
int jl_unpack_new(int dest_fd, void (*skipped)(void *cls, const char *name, const char *why),
		  void *cls, struct jl_unpack **ret, struct joblet_error **err);
/* The next n bytes of the tar stream. */
int jl_unpack_feed(struct jl_unpack *u, const void *buf, size_t n, struct joblet_error **err);
/* The stream ended: 0 when it was a whole archive. */
int jl_unpack_finish(struct jl_unpack *u, struct joblet_error **err);
/* Entries and bytes unpacked so far. */
void jl_unpack_counts(const struct jl_unpack *u, int64_t *ret_entries, int64_t *ret_bytes);
void jl_unpack_free(struct jl_unpack *u);

/*
 * Whether name (an entry's) is a clean relative path: not empty, not
 * absolute, no `..` part, no empty part; a leading `./` and a trailing `/`
 * are allowed.  Into buf (size bytes): the name without them ("" for the
 * top folder itself).  Exposed for the unit tests.
 */
int jl_unpack_clean_name(const char *name, char *buf, size_t size, struct joblet_error **err);

/*
 * Whether a symbolic link at name (clean) with target stays inside the
 * destination, judged on the text alone: relative, and its `..` parts
 * never climb above the top.  Exposed for the unit tests.
 */
int jl_unpack_link_inside(const char *name, const char *target);

#endif

/*
 * tar_stream.h - the tar format of result downloads (GET
 * /v1/jobs/{id}/files/{path}?archive=tar): ustar headers with pax
 * extended headers for long names and large sizes, written by the daemon
 * (which does not link libarchive) and read back by rnx as the bytes
 * arrive, in bounded memory.
 *
 * Only what the daemon writes is read: regular files, folders, symbolic
 * links (and pax `x`/`g` headers).  Other types reach the entry callback,
 * which decides (rnx's unpacker refuses them).  No I/O here.
 */
#ifndef JL_COMMON_TAR_STREAM_H
#define JL_COMMON_TAR_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <joblet/error.h>

#define JL_TAR_BLOCK 512
/* The most header bytes jl_tar_header() writes for names of up to PATH_MAX bytes. */
#define JL_TAR_HEADER_MAX (4 * JL_TAR_BLOCK + 2 * 4096 + 512)
/* The largest pax extended header the reader accepts. */
#define JL_TAR_PAX_MAX (64 * 1024)

enum jl_tar_type {
	JL_TAR_FILE = '0',
	JL_TAR_HARDLINK = '1',
	JL_TAR_SYMLINK = '2',
	JL_TAR_CHAR = '3',
	JL_TAR_BLOCKDEV = '4',
	JL_TAR_DIR = '5',
	JL_TAR_FIFO = '6',
};

struct jl_tar_entry {
	const char *name;     /* relative, `/`-separated; a folder's without a trailing `/` */
	int type;	      /* enum jl_tar_type, or another type byte read */
	uint64_t size;	      /* bytes of data (files only) */
	uint32_t mode;	      /* permission bits */
	int64_t mtime;	      /* seconds since the epoch */
	const char *linkname; /* a link's target, else NULL or "" */
};

/*
 * The header block(s) of e into buf (size bytes, JL_TAR_HEADER_MAX is
 * enough): a pax header first when the name or link is longer than ustar
 * holds or the size is 8 GiB or more.  Returns the bytes written (a
 * multiple of 512), or -1 when buf is too small or a name is empty.
 * The file's data follows, padded with zeros to 512 (jl_tar_padding()),
 * and the archive ends with two zero blocks.
 */
ssize_t jl_tar_header(const struct jl_tar_entry *e, char *buf, size_t size);

/* Zero bytes after size bytes of data, up to the next block. */
size_t jl_tar_padding(uint64_t size);

/* What the reader calls; each returns 0, or negative (with err) to stop. */
struct jl_tar_reader_ops {
	/* An entry begins; e and its strings are valid until entry_end. */
	int (*entry)(void *cls, const struct jl_tar_entry *e, struct joblet_error **err);
	/* Data of the current entry (a regular file's), in order. */
	int (*data)(void *cls, const void *buf, size_t n, struct joblet_error **err);
	/* The current entry's data is complete. */
	int (*entry_end)(void *cls, struct joblet_error **err);
};

struct jl_tar_reader;

int jl_tar_reader_new(const struct jl_tar_reader_ops *ops, void *cls, struct jl_tar_reader **ret,
		      struct joblet_error **err);
/*
 * Feed the next n bytes of the archive.  Errors: JOBLET_E_PARSE (a
 * damaged header: bad checksum, bad number, bad pax record), whatever a
 * callback returned.  Bytes after the end of the archive are ignored.
 */
int jl_tar_reader_feed(struct jl_tar_reader *r, const void *buf, size_t n,
		       struct joblet_error **err);
/* The input ended: 0 when it ended at an entry boundary, else JOBLET_E_PARSE. */
int jl_tar_reader_finish(struct jl_tar_reader *r, struct joblet_error **err);
void jl_tar_reader_free(struct jl_tar_reader *r);

#endif

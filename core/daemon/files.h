/*
 * files.h - serve the files under a root folder over the API: a job's
 * /work (GET /v1/jobs/{id}/files/{path}, api_jobs.c) and anything else
 * with a root folder fd (a volume).
 *
 * path (relative; "" is the root itself) is resolved below root_fd with
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV): a
 * symbolic link that leads out of the root (absolute, or `..` above it)
 * is a 400, never followed.  What is found is opened O_PATH and fstat()ed
 * before it is opened for reading (through /proc/self/fd, so it is the
 * same inode): device nodes, FIFOs and sockets are refused (400) and
 * never opened, so a FIFO cannot make the daemon wait.  Then:
 *
 *   - a folder: a JSON listing
 *       {"path":"out","entries":[{"name":"a.txt","type":"file","size":3,
 *        "mode":420,"mtime":"2026-...Z"}, {"name":"l","type":"link",
 *        "target":"../x",...}],"truncated":false}
 *     (type file|dir|link|other; a link shows its target text, never
 *     followed; at most FILES_MAX_LIST entries, sorted by name);
 *   - with ?stat=1: the same object for the path itself (no entries; with
 *     &follow=1 for what a link inside the root leads to);
 *   - a folder with ?archive=tar: a tar stream (ustar/pax,
 *     common/tar_stream.h) of its regular files, folders and symbolic
 *     links (stored as links), names relative to the folder; other types
 *     are left out;
 *   - a regular file: its bytes, application/octet-stream with its
 *     Content-Length.
 *
 * Memory stays bounded whatever the size: files and archives are streamed
 * by MHD callback/fd responses.
 */
#ifndef JOBLET_DAEMON_FILES_H
#define JOBLET_DAEMON_FILES_H

#include "server.h"

#define FILES_MAX_LIST	10000
#define FILES_MAX_DEPTH 64

/*
 * Answer rq with path below root_fd (borrowed; any fd of the root folder).
 * what names the root in messages ("/work", "volume `x`").  Returns what
 * an MHD handler returns.
 */
int files_serve(struct request *rq, int root_fd, const char *path, const char *what);

#endif

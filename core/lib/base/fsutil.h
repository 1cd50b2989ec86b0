/* fsutil.h - careful file system helpers of libjoblet. */
#ifndef JL_FSUTIL_H
#define JL_FSUTIL_H

#include <stdbool.h>
#include <sys/types.h>

#include <joblet/error.h>

#include "base/private.h"

/* mkdir -p: missing parents 0755, the last component with mode, whatever the umask. */
JL_API int jl_mkdir_p(const char *path, mode_t mode, struct joblet_error **err);

/*
 * Open the folder named by the first len bytes of path (relative, parts
 * split by `/`) below dirfd, walking down one part at a time without
 * following a link.  A missing folder is made with mode (set exactly,
 * whatever the umask), and made(), when given, is called with its fd, path
 * and the length of path that names it.  Returns the folder's fd (dirfd's
 * duplicate for len 0), or a negative error: JOBLET_E_INVALID when a part is not
 * a folder, JOBLET_E_IO when one cannot be made, made()'s error.
 */
JL_API int jl_open_folders_at(int dirfd, const char *path, size_t len, mode_t mode,
			      int (*made)(int fd, const char *path, size_t len, void *cls,
					  struct joblet_error **err),
			      void *cls, struct joblet_error **err);

/*
 * Remove name (a file, link or whole tree) below dirfd.  Never follows a
 * symlink and never crosses into another file system: a mount inside the
 * tree is left alone and reported.  Missing is fine.
 */
JL_API int jl_rm_rf_at(int dirfd, const char *name, struct joblet_error **err);

/*
 * How many mounts of this process's mount namespace (/proc/self/mountinfo)
 * sit on path (absolute, clean) or below it: 0, 1, ..., or a negative
 * error when mountinfo cannot be read.
 */
JL_API int jl_mounts_under(const char *path, struct joblet_error **err);

/*
 * Detach (umount2 MNT_DETACH, never following a link) every mount on path
 * or below it, deepest first, until /proc/self/mountinfo shows none: a
 * folder is only ever removed once nothing is mounted in it.  0 when none
 * is left; JOBLET_E_BUSY when some stays, JOBLET_E_IO on other errors.
 */
JL_API int jl_unmount_under(const char *path, struct joblet_error **err);

/*
 * Take an exclusive flock on path (created 0600).  wait: block until free;
 * else JOBLET_E_BUSY.  *ret_fd keeps the lock until closed.
 */
int jl_lock_path(const char *path, bool wait, int *ret_fd, struct joblet_error **err);

#endif /* JL_FSUTIL_H */

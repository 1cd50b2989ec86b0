/* fsutil.h - careful file system helpers of libjoblet. */
#ifndef JL_FSUTIL_H
#define JL_FSUTIL_H

#include <stdbool.h>
#include <sys/types.h>

#include <joblet/error.h>

#include "base/private.h"

/* mkdir -p: missing parents 0755, the last component with mode, whatever the umask. */
int jl_mkdir_p(const char *path, mode_t mode, struct joblet_error **err);

/*
 * Remove name (a file, link or whole tree) below dirfd.  Never follows a
 * symlink and never crosses into another file system: a mount inside the
 * tree is left alone and reported.  Missing is fine.
 */
JL_API int jl_rm_rf_at(int dirfd, const char *name, struct joblet_error **err);

/*
 * Take an exclusive flock on path (created 0600).  wait: block until free;
 * else JOBLET_E_BUSY.  *ret_fd keeps the lock until closed.
 */
int jl_lock_path(const char *path, bool wait, int *ret_fd, struct joblet_error **err);

#endif /* JL_FSUTIL_H */

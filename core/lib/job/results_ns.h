/*
 * job/results_ns.h - the mount namespace that keeps the /work of ended jobs.
 *
 * A job's /work of --max-disk size is a tmpfs its supervisor mounts at
 * JOBS_DIR/ID/work in the daemon's mount namespace, and it is kept after
 * the job ended so that its files can be fetched (docs/results.md).  Kept
 * there, thousands of them would slow down every new job: each job's mount
 * namespace is a copy of the daemon's, and the cgroup v1 layer reads
 * /proc/self/mountinfo.  So when a job ends, its supervisor moves the tmpfs
 * into the results namespace:
 *
 *  - a mount namespace of its own whose root is JOBS_DIR (bound, then
 *    pivoted into: it holds no other mount of the host), with private
 *    propagation, pinned by a bind mount of its nsfs file at
 *    JOBS_DIR/.results-ns/mnt in the daemon's namespace, so that it
 *    outlives the daemon (a restart keeps the files, as before).  The
 *    folder .results-ns is a private mount of its own: the kernel refuses
 *    to bind a mount namespace file where the mount would propagate, as it
 *    would under systemd's shared /;
 *  - a job's kept /work is at /ID/work there; the daemon reads it through
 *    an O_PATH fd of the namespace's root (lookups from it follow that
 *    namespace's mounts);
 *  - removing the folder JOBS_DIR/ID/work in the daemon's namespace (a
 *    release, a delete) unmounts the tmpfs in the results namespace too:
 *    the kernel detaches mounts on a directory removed from another
 *    namespace.
 *
 * Without one (no pin: the daemon could not make it), a kept /work stays
 * where the supervisor mounted it, as before.  Each call forks a short-lived
 * child for the setns(); the child makes system calls only, so a threaded
 * caller may use them.
 *
 * Private tier (base/private.h).
 */
#ifndef JL_JOB_RESULTS_NS_H
#define JL_JOB_RESULTS_NS_H

#include <joblet/error.h>

#include "base/private.h"

#define JL_RESULTS_NS_PIN      ".results-ns"
#define JL_RESULTS_NS_PIN_FILE JL_RESULTS_NS_PIN "/mnt"

/*
 * Make sure JOBS_DIR/.results-ns/mnt pins a results namespace: 1 when one was
 * made, 0 when there already was one, <0 when none can be made (err says
 * why; the caller goes on without).
 */
JL_API int jl_results_ns_setup(const char *jobs_dir, struct joblet_error **err);

/*
 * An O_PATH fd of the results namespace's root (JOBS_DIR as that namespace
 * sees it): >= 0, or -1 with errno ENOENT when there is no namespace, or
 * another errno when it cannot be entered.
 */
JL_API int jl_results_ns_root(const char *jobs_dir);

/*
 * Move the tmpfs mounted at JOBS_DIR/ID/work into the results namespace:
 * 1 when moved, 0 when there is nothing to move (not a mount point, no
 * results namespace, a kernel without open_tree()), <0 when the move
 * failed (err says why; the tmpfs stays where it was).
 */
JL_API int jl_results_ns_keep(const char *jobs_dir, const char *id, struct joblet_error **err);

/*
 * How many kept /work the results namespace holds (0 to 254, where 254 means
 * 254 or more), or -1 when there is none or it cannot be entered.
 */
JL_API int jl_results_ns_count(const char *jobs_dir);

/*
 * Unpin the results namespace (it is gone once nothing holds it) and remove
 * the pin's folder: 0, or <0 when they cannot be unmounted or removed.
 */
JL_API int jl_results_ns_remove(const char *jobs_dir, struct joblet_error **err);

#endif

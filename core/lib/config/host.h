/*
 * config/host.h - what this host can do for isolation.
 *
 * Private tier (base/private.h).  `joblet check` prints it; the executor uses it
 * to choose backends (for example cgroup1 where cgroup v2 has no
 * controllers).  Probing reads /proc and /sys and, when running as root,
 * tries each namespace type in a short-lived child process; it changes
 * nothing on the host.
 */
#ifndef JL_HOST_H
#define JL_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "base/private.h"
#include <joblet/error.h>

/* How cgroups are mounted. */
enum jl_cgroup_mode {
	JL_CGROUP_NONE = 1,   /* no cgroup filesystem found */
	JL_CGROUP_V1 = 2,     /* only v1 hierarchies */
	JL_CGROUP_HYBRID = 3, /* v1 hierarchies plus a cgroup2 mount */
	JL_CGROUP_V2 = 4      /* unified: /sys/fs/cgroup is cgroup2 */
};

/* Namespace bits. */
#define JL_NS_MNT    (UINT32_C(1) << 0)
#define JL_NS_UTS    (UINT32_C(1) << 1)
#define JL_NS_IPC    (UINT32_C(1) << 2)
#define JL_NS_NET    (UINT32_C(1) << 3)
#define JL_NS_PID    (UINT32_C(1) << 4)
#define JL_NS_CGROUP (UINT32_C(1) << 5)
#define JL_NS_USER   (UINT32_C(1) << 6)
#define JL_NS_TIME   (UINT32_C(1) << 7)
#define JL_NS_ALL    (UINT32_C(0xff))

/* Kernel feature bits. */
#define JL_FEATURE_OPENAT2	  (UINT32_C(1) << 0) /* openat2(2), RESOLVE_IN_ROOT */
#define JL_FEATURE_CLONE3	  (UINT32_C(1) << 1) /* clone3(2) */
#define JL_FEATURE_PIDFD	  (UINT32_C(1) << 2) /* pidfd_open(2) */
#define JL_FEATURE_SECCOMP_FILTER (UINT32_C(1) << 3) /* SECCOMP_MODE_FILTER */
#define JL_FEATURE_CLOSE_RANGE	  (UINT32_C(1) << 4) /* close_range(2) */

struct jl_host_info {
	char *kernel_release;	    /* uname -r */
	char *machine;		    /* uname -m */
	int32_t privileged;	    /* effective uid 0 */
	int32_t cgroup_mode;	    /* enum jl_cgroup_mode */
	char *cgroup2_mount;	    /* where cgroup2 is mounted, or NULL */
	char **cgroup2_controllers; /* cgroup.controllers of that mount; NULL-terminated */
	char **cgroup1_controllers; /* mounted v1 controllers; NULL-terminated */
	uint32_t ns_present;	    /* namespace types this kernel has */
	uint32_t ns_usable;	    /* types unshare() accepted (tested only as root) */
	int32_t ns_tested;	    /* 1 when ns_usable comes from a test */
	uint32_t features;	    /* JL_FEATURE_* */
};

/* Probe the host.  Free the result with jl_host_info_free(). */
JL_API int jl_host_probe(struct jl_host_info **ret_info, struct joblet_error **err);

JL_API void jl_host_info_free(struct jl_host_info *info);

/* "mnt", "uts", ... for one JL_NS_* bit; NULL otherwise. Static. */
JL_API const char *jl_host_ns_name(uint32_t ns_bit);

/* "none", "v1", "hybrid", "v2". Static. */
JL_API const char *jl_host_cgroup_mode_name(int32_t mode);

#endif /* JL_HOST_H */

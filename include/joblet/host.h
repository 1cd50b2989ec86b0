/*
 * joblet/host.h - what this host can do for isolation.
 *
 * Part of the libjoblet API.  `joblet check` prints it; the executor uses it
 * to choose backends (for example cgroup1 where cgroup v2 has no
 * controllers).  Probing reads /proc and /sys and, when running as root,
 * tries each namespace type in a short-lived child process; it changes
 * nothing on the host.
 */
#ifndef JOBLET_HOST_H
#define JOBLET_HOST_H

#include <stddef.h>
#include <stdint.h>

#include <joblet/common.h>
#include <joblet/error.h>

JOBLET_BEGIN_DECLS

/* How cgroups are mounted. */
enum joblet_cgroup_mode {
	JOBLET_CGROUP_NONE = 1,	  /* no cgroup filesystem found */
	JOBLET_CGROUP_V1 = 2,	  /* only v1 hierarchies */
	JOBLET_CGROUP_HYBRID = 3, /* v1 hierarchies plus a cgroup2 mount */
	JOBLET_CGROUP_V2 = 4	  /* unified: /sys/fs/cgroup is cgroup2 */
};

/* Namespace bits. */
#define JOBLET_NS_MNT (UINT32_C(1) << 0)
#define JOBLET_NS_UTS (UINT32_C(1) << 1)
#define JOBLET_NS_IPC (UINT32_C(1) << 2)
#define JOBLET_NS_NET (UINT32_C(1) << 3)
#define JOBLET_NS_PID (UINT32_C(1) << 4)
#define JOBLET_NS_CGROUP (UINT32_C(1) << 5)
#define JOBLET_NS_USER (UINT32_C(1) << 6)
#define JOBLET_NS_TIME (UINT32_C(1) << 7)
#define JOBLET_NS_ALL (UINT32_C(0xff))

/* Kernel feature bits. */
#define JOBLET_FEATURE_OPENAT2 (UINT32_C(1) << 0)	  /* openat2(2), RESOLVE_IN_ROOT */
#define JOBLET_FEATURE_CLONE3 (UINT32_C(1) << 1)	  /* clone3(2) */
#define JOBLET_FEATURE_PIDFD (UINT32_C(1) << 2)	  /* pidfd_open(2) */
#define JOBLET_FEATURE_SECCOMP_FILTER (UINT32_C(1) << 3) /* SECCOMP_MODE_FILTER */
#define JOBLET_FEATURE_CLOSE_RANGE (UINT32_C(1) << 4)	  /* close_range(2) */

struct joblet_host_info {
	char *kernel_release;	   /* uname -r */
	char *machine;		   /* uname -m */
	int32_t privileged;	   /* effective uid 0 */
	int32_t cgroup_mode;	   /* enum joblet_cgroup_mode */
	char *cgroup2_mount;	   /* where cgroup2 is mounted, or NULL */
	char **cgroup2_controllers; /* cgroup.controllers of that mount; NULL-terminated */
	char **cgroup1_controllers; /* mounted v1 controllers; NULL-terminated */
	uint32_t ns_present;	   /* namespace types this kernel has */
	uint32_t ns_usable;	   /* types unshare() accepted (tested only as root) */
	int32_t ns_tested;	   /* 1 when ns_usable comes from a test */
	uint32_t features;	   /* JOBLET_FEATURE_* */
};

/* Probe the host.  Free the result with joblet_host_info_free(). */
JOBLET_API int joblet_host_probe(struct joblet_host_info **ret_info, struct joblet_error **err);

JOBLET_API void joblet_host_info_free(struct joblet_host_info *info);

/* "mnt", "uts", ... for one JOBLET_NS_* bit; NULL otherwise. Static. */
JOBLET_API const char *joblet_host_ns_name(uint32_t ns_bit);

/* "none", "v1", "hybrid", "v2". Static. */
JOBLET_API const char *joblet_host_cgroup_mode_name(int32_t mode);

JOBLET_END_DECLS

#endif /* JOBLET_HOST_H */

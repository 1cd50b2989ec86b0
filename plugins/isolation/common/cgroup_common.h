/*
 * cgroup_common.h - what isolation/cgroup1 and isolation/cgroup2 share: the
 * pure computations (limit strings, device lines), the block device behind
 * a path, parsers of flat-keyed cgroup files and of mountinfo, and careful
 * cgroup file I/O.
 *
 * Compiled into each of the two plugins (and into tests/unit/test_cgroup).
 * Every name starts with jl_cg_; nothing here is exported from a plugin (the
 * plugins build with -fvisibility=hidden and export only joblet_plugin).
 * Functions that touch the file system take the roots they read (sysfs,
 * mountinfo file, directory fds) as parameters, so tests point them at a
 * fake tree.
 */
#ifndef JL_CGROUP_COMMON_H
#define JL_CGROUP_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include <joblet/isolation.h>

/* ------------------------------------------------------------------ ownership */

static inline void jl_cg_freep(void *p)
{
	free(*(void **)p);
}

static inline void jl_cg_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

/* Free / close when the variable goes out of scope. */
#define jl_cg_autofree	__attribute__((cleanup(jl_cg_freep)))
#define jl_cg_autoclose __attribute__((cleanup(jl_cg_closep)))

/* ------------------------------------------------------------------ limits */

/* The CFS period joblet uses, in microseconds (cgroup v1 and v2). */
#define JL_CG_CPU_PERIOD_US 100000

/* What a job asks for; 0 / NULL = unlimited.  Strings are borrowed. */
struct jl_cg_limits {
	int64_t cpu_percent; /* percent of one core */
	int64_t memory_mib;
	int64_t io_bps; /* bytes per second, read and write */
	int64_t pids;
	const char *cpus;   /* cpuset list, or NULL */
	const char *mems;   /* memory nodes for cpuset.mems (from the parent), or NULL */
	bool host_has_swap; /* an active swap area exists (see jl_cg_host_has_swap) */
};

/* The limits of a job (mems and host_has_swap are left for the caller). */
void jl_cg_limits_from_job(const struct joblet_job *job, struct jl_cg_limits *ret);

/* CFS quota in microseconds for percent of one core: percent * period / 100; -1 = none. */
int64_t jl_cg_cfs_quota_us(int64_t percent);

/* cpu.max for percent ("50000 100000"; 0 = "max 100000").  0, or -ERANGE when buf is short. */
int jl_cg_cpu_max(int64_t percent, char *buf, size_t size);

/* A block device number. */
struct jl_cg_dev {
	uint32_t major, minor;
};

#define JL_CG_MAX_DEVS 16

/* A set of devices (no duplicates). */
struct jl_cg_devs {
	struct jl_cg_dev dev[JL_CG_MAX_DEVS];
	size_t n;
};

/* io.max line "8:16 rbps=N wbps=N".  0, or -ERANGE. */
int jl_cg_io_max_line(const struct jl_cg_dev *d, int64_t bps, char *buf, size_t size);

/* blkio.throttle.{read,write}_bps_device line "8:16 N".  0, or -ERANGE. */
int jl_cg_blkio_line(const struct jl_cg_dev *d, int64_t bps, char *buf, size_t size);

/* Is there an active swap area in swaps_file (/proc/swaps)? */
bool jl_cg_host_has_swap(const char *swaps_file);

/* ------------------------------------------------------------------ block devices */

/*
 * The whole disks behind block device major:minor, looked up under sysfs
 * ("/sys", or a fake tree with dev/block/M:m links): a partition becomes its
 * disk; a device with slaves/ (device-mapper, md) is kept and its slaves are
 * followed down to their disks.  Errors: JOBLET_E_UNSUPPORTED when M:m is
 * not a block device.
 */
int jl_cg_disks_of_dev(const char *sysfs, uint32_t major, uint32_t minor, struct jl_cg_devs *ret,
		       struct joblet_error **err);

/*
 * The whole disks behind the file system holding path.  A file system
 * without a device of its own (btrfs, overlay: anonymous major 0) is found
 * in mountinfo: btrfs by its source device, overlay by its upperdir.
 * Errors: JOBLET_E_UNSUPPORTED naming the file system when it is not
 * backed by a block device (tmpfs, overlay on tmpfs, network file systems).
 */
int jl_cg_disks_of_path(const char *sysfs, const char *mountinfo, const char *path,
			struct jl_cg_devs *ret, struct joblet_error **err);

/* ------------------------------------------------------------------ parsing */

/*
 * The value of key in flat-keyed text ("key value\n" lines: memory.events,
 * cpu.stat, memory.oom_control).  0, -ENOENT when the key is absent, -EINVAL
 * when its value is not a number.
 */
int jl_cg_flat_get(const char *text, const char *key, uint64_t *ret);

/* Sum of key=N over all lines of nested-keyed text (io.stat "8:0 rbytes=N wbytes=N"). */
uint64_t jl_cg_nested_sum(const char *text, const char *key);

/* Is word one of the space-separated words of list (cgroup.controllers)? */
bool jl_cg_word_in(const char *list, const char *word);

/* One line of /proc/PID/mountinfo, split in place (pointers into the line). */
struct jl_cg_mount {
	uint32_t major, minor;
	const char *root; /* the mount's root inside its file system */
	const char *mount_point;
	const char *fstype;
	const char *source;
	const char *super_opts;
};

/* Parse (and unescape) one mountinfo line in place.  0, or -EINVAL. */
int jl_cg_mountinfo_parse_line(char *line, struct jl_cg_mount *ret);

/* Is opt exactly one of the comma-separated options in opts? */
bool jl_cg_has_opt(const char *opts, const char *opt);

/* The value of key=value in comma-separated options, malloc'd; NULL when absent. */
char *jl_cg_opt_dup(const char *opts, const char *key);

/* The cgroup v1 controllers joblet uses, as indexes. */
#define JL_CG_V1_CPU	 0
#define JL_CG_V1_CPUACCT 1
#define JL_CG_V1_CPUSET	 2
#define JL_CG_V1_MEMORY	 3
#define JL_CG_V1_BLKIO	 4
#define JL_CG_V1_PIDS	 5
#define JL_CG_V1_FREEZER 6
#define JL_CG_V1_N	 7

/* "cpu", "cpuacct", ... for an index. */
const char *jl_cg_v1_name(int i);

#define JL_CG_MAX_V2_MOUNTS 8

/* Where cgroups are mounted.  Owned strings; free with jl_cg_layout_free(). */
struct jl_cg_layout {
	char *v1_mount[JL_CG_V1_N]; /* mount point of each v1 controller, or NULL */
	char *v2_mount[JL_CG_MAX_V2_MOUNTS];
	size_t n_v2;
};

/* Read the cgroup mounts from a mountinfo file. */
int jl_cg_layout_load(const char *mountinfo, struct jl_cg_layout *ret, struct joblet_error **err);
void jl_cg_layout_free(struct jl_cg_layout *l);

/* ------------------------------------------------------------------ cgroup files */

/* Read file in dirfd into buf (NUL-terminated).  Bytes read, or -errno. */
ssize_t jl_cg_read_at(int dirfd, const char *file, char *buf, size_t size);

/* Write value to file in dirfd with one write(2).  0, or -errno. */
int jl_cg_write_raw(int dirfd, const char *file, const char *value);

/*
 * Write value to dir/file (dirfd is dir) and, on failure, say precisely
 * what was written where and what the errno means for a cgroup file.
 */
int jl_cg_write(int dirfd, const char *dir, const char *file, const char *value,
		struct joblet_error **err);

/* Key of a flat-keyed file in dirfd.  0, or -errno (-ENOENT: file or key absent). */
int jl_cg_read_flat_at(int dirfd, const char *file, const char *key, uint64_t *ret);

/* A file holding one number ("max" reads as UINT64_MAX).  0, or -errno. */
int jl_cg_read_u64_at(int dirfd, const char *file, uint64_t *ret);

/* Is a relative cgroup path safe ([A-Za-z0-9._-] components, no `.`/`..`)? */
bool jl_cg_rel_path_ok(const char *p);

/*
 * Send sig to every process listed in dirfd's cgroup.procs.  *ret_n
 * (may be NULL) gets how many pids were listed.  0, or -errno.
 */
int jl_cg_signal_procs(int dirfd, int sig, size_t *ret_n);

/* Is the cgroup empty: `populated 0` in cgroup.events (v2), else no cgroup.procs line. */
bool jl_cg_is_empty(int dirfd);

/*
 * Remove the cgroup name in parent_fd (path parent for messages): wait up
 * to timeout_ms for it to empty, then rmdir, retrying while the kernel says
 * EBUSY.  A cgroup that is already gone is fine.
 */
int jl_cg_rmdir_wait(int parent_fd, const char *parent, const char *name, int timeout_ms,
		     struct joblet_error **err);

/*
 * What a dead supervisor left: kill every process of the cgroup
 * parent/name (thawed first: frozen tasks do not die), repeating SIGKILL
 * until it is empty or timeout_ms pass, then remove it.  0 when it is gone
 * or was never there.
 */
int jl_cg_reap_dir(const char *parent, const char *name, int timeout_ms, struct joblet_error **err);

/* Milliseconds on CLOCK_MONOTONIC. */
int64_t jl_cg_now_ms(void);

/* Sleep ms milliseconds. */
void jl_cg_sleep_ms(int ms);

#endif /* JL_CGROUP_COMMON_H */

/*
 * isolation/rootfs - the job's own root: a fresh read-only tree built from
 * an allow-list of host paths (or a runtime's mounts), with a new /proc,
 * a minimal /dev, a private /tmp and a writable /work, entered with
 * pivot_root.
 *
 * Everything happens in child(), in the job's new mount namespace, as root,
 * before any job code runs:
 *
 *   1. every mount becomes private (nothing reaches the host, nothing of
 *      the host's later mounts reaches the job);
 *   2. a small tmpfs becomes the job's root (STATE/jobs/ID/root);
 *   3. the allow-list of host paths is bound into it read-only, nosuid,
 *      nodev, recursively (each submount keeps those flags); host symlinks
 *      such as /bin -> usr/bin on merged-/usr systems are recreated as
 *      symlinks; /etc/passwd, /etc/group, /etc/hosts and /etc/resolv.conf
 *      are generated for the job;
 *   4. /work (writable: the job's host folder, on which the supervisor
 *      mounted a tmpfs of the job's --max-disk size in prepare() that
 *      outlives the job, the uploads copied in here, see disk.c),
 *      /tmp (a size-limited tmpfs),
 *      /dev (a tmpfs holding only null, zero, full, random, urandom, tty,
 *      a new devpts instance and a size-limited /dev/shm), then the
 *      runtime's mounts, if the job has a runtime, then the job's volumes
 *      at /volumes/NAME (idmapped binds, see volumes.c);
 *   5. a new /proc for the job's PID namespace, with the kernel's
 *      sensitive files masked and /proc/sys, /proc/sysrq-trigger and
 *      friends read-only (the lists of runc and systemd-nspawn);
 *   6. pivot_root into the new root, the old root detached, and the root
 *      itself made read-only.
 *
 * Paths inside the new root are resolved with openat2(RESOLVE_IN_ROOT,
 * RESOLVE_NO_SYMLINKS): a symlink planted on the way to a mount target
 * (from a runtime package, say) makes the job fail to start rather than
 * redirect a mount.  Mounts are made by file descriptor (open_tree,
 * mount_setattr, move_mount; the classic mount(2) with a remount of every
 * submount where the kernel predates them).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifdef __has_include
#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#define ROOTFS_HAVE_OPENAT2_H 1
#endif
#endif

#include <joblet/isolation.h>

#include "disk.h"
#include "volumes.h"

#ifndef ROOTFS_HAVE_OPENAT2_H
struct open_how {
	uint64_t flags;
	uint64_t mode;
	uint64_t resolve;
};
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS   0x04
#define RESOLVE_BENEATH	      0x08
#define RESOLVE_IN_ROOT	      0x10
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef SYS_pivot_root
#define SYS_pivot_root 155
#endif

/* The new mount API's constants (<linux/mount.h>, not always includable with <sys/mount.h>). */
#define RF_OPEN_TREE_CLONE	   1U
#define RF_MOVE_MOUNT_F_EMPTY_PATH 0x04U
#define RF_MOVE_MOUNT_T_EMPTY_PATH 0x40U
#define RF_MOUNT_ATTR_RDONLY	   0x01ULL
#define RF_MOUNT_ATTR_NOSUID	   0x02ULL
#define RF_MOUNT_ATTR_NODEV	   0x04ULL
#define RF_MOUNT_ATTR_NOEXEC	   0x08ULL
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

struct rf_mount_attr {
	uint64_t attr_set;
	uint64_t attr_clr;
	uint64_t propagation;
	uint64_t userns_fd;
};

#define DEFAULT_PATHS	 "/bin /lib /lib64 /usr /sbin /etc/ssl /etc/alternatives /etc/ld.so.cache"
#define DEFAULT_TMP_SIZE (INT64_C(256) << 20)
#define DEFAULT_SHM_SIZE (INT64_C(64) << 20)
#define MAX_PATHS	 64

/* Settings, read once in init(). */
static char *rf_paths[MAX_PATHS];
static size_t rf_n_paths;
static int64_t rf_tmp_size = DEFAULT_TMP_SIZE;
static int64_t rf_shm_size = DEFAULT_SHM_SIZE;
static bool rf_legacy_mounts; /* mount_api: legacy (tests of the fallback) */

static const char *const rf_settings[] = { "paths", "tmp_size", "shm_size", "mount_api", NULL };

/* Paths a job root keeps for itself: neither host binds nor runtime mounts may land there. */
static const char *const reserved_targets[] = { "/proc",       "/dev",
						"/work",       "/tmp",
						"/etc/passwd", "/etc/group",
						"/etc/hosts",  "/etc/resolv.conf" };

/* /proc entries hidden behind /dev/null (files) or an empty tmpfs (folders), as runc and nspawn. */
static const char *const proc_masked[] = { "kcore",	    "keys",	   "kallsyms",
					   "timer_list",    "timer_stats", "sched_debug",
					   "latency_stats", "acpi",	   "asound",
					   "scsi" };
/* /proc entries left visible but read-only. */
static const char *const proc_readonly[] = { "bus", "fs", "irq", "sys", "sysrq-trigger" };

/* The device nodes of /dev: name, major, minor. */
static const struct {
	const char *name;
	unsigned major, minor;
} dev_nodes[] = {
	{ "null", 1, 3 },   { "zero", 1, 5 },	 { "full", 1, 7 },
	{ "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

/* ------------------------------------------------------------------ settings */

/* A clean absolute path: no `.`, `..`, `//` or trailing `/`, not `/` itself. */
static bool clean_absolute(const char *p)
{
	if (p[0] != '/' || p[1] == '\0')
		return false;
	for (const char *c = p + 1;;) {
		size_t n = strcspn(c, "/");

		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		c += n;
		if (*c == '\0')
			return true;
		c++;
	}
}

static bool is_reserved(const char *p)
{
	for (size_t i = 0; i < sizeof(reserved_targets) / sizeof(reserved_targets[0]); i++) {
		size_t n = strlen(reserved_targets[i]);

		if (strncmp(p, reserved_targets[i], n) == 0 && (p[n] == '\0' || p[n] == '/'))
			return true;
	}
	return false;
}

/* "256MiB", "64m", "1G", "1048576": bytes. */
static int parse_size(const char *s, int64_t *ret)
{
	char *end;
	unsigned long long v;
	int shift = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	if (*end) {
		switch (tolower((unsigned char)*end)) {
		case 'k':
			shift = 10;
			break;
		case 'm':
			shift = 20;
			break;
		case 'g':
			shift = 30;
			break;
		default:
			return -1;
		}
		end++;
		if (strcasecmp(end, "ib") != 0 && strcasecmp(end, "b") != 0 && *end != '\0')
			return -1;
	}
	if (v == 0 || v > (UINT64_C(1) << 40) >> shift)
		return -1;
	*ret = (int64_t)(v << shift);
	return 0;
}

static void rf_fini(void)
{
	for (size_t i = 0; i < rf_n_paths; i++)
		free(rf_paths[i]);
	rf_n_paths = 0;
}

static int rf_init(const struct joblet_plugin_host *host, struct joblet_error **err)
{
	const char *paths = joblet_plugin_host_setting(host, "paths");
	const char *tmp = joblet_plugin_host_setting(host, "tmp_size");
	const char *shm = joblet_plugin_host_setting(host, "shm_size");
	const char *api = joblet_plugin_host_setting(host, "mount_api");
	char *copy, *save = NULL;

	rf_fini();
	if (tmp && parse_size(tmp, &rf_tmp_size) < 0)
		return joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"isolation/rootfs: tmp_size `%s` is not a size; write e.g. 256MiB", tmp);
	if (shm && parse_size(shm, &rf_shm_size) < 0)
		return joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"isolation/rootfs: shm_size `%s` is not a size; write e.g. 64MiB", shm);
	if (api && strcmp(api, "auto") != 0 && strcmp(api, "legacy") != 0)
		return joblet_error_set(err, JOBLET_E_CONFIG, 0,
					"isolation/rootfs: mount_api `%s` is not auto or legacy",
					api);
	rf_legacy_mounts = api && strcmp(api, "legacy") == 0;
	copy = strdup(paths ? paths : DEFAULT_PATHS);
	if (!copy)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"isolation/rootfs: out of memory");
	for (char *p = strtok_r(copy, " ,\t\n", &save); p; p = strtok_r(NULL, " ,\t\n", &save)) {
		if (!clean_absolute(p) || is_reserved(p)) {
			joblet_error_set(
				err, JOBLET_E_CONFIG, 0,
				"isolation/rootfs: paths entry `%s` is not allowed: give clean absolute host paths other than /, /proc, /dev, /work, /tmp and the generated /etc files",
				p);
			free(copy);
			rf_fini();
			return -JOBLET_E_CONFIG;
		}
		if (rf_n_paths == MAX_PATHS || !(rf_paths[rf_n_paths] = strdup(p))) {
			free(copy);
			rf_fini();
			return joblet_error_set(err, JOBLET_E_CONFIG, 0,
						"isolation/rootfs: at most %d paths", MAX_PATHS);
		}
		rf_n_paths++;
	}
	free(copy);
	return 0;
}

/* ------------------------------------------------------------------ fd-based paths */

static int openat2_(int dirfd, const char *path, uint64_t flags, uint64_t resolve)
{
	struct open_how how = { .flags = flags | O_CLOEXEC, .mode = 0, .resolve = resolve };

	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

/* Resolution inside the job root: never through a symlink, never out of the root. */
#define IN_ROOT (RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)

static void fd_path(int fd, char buf[64])
{
	snprintf(buf, 64, "/proc/self/fd/%d", fd);
}

static int sys_err(struct joblet_error **err, int e, const char *what, const char *path)
{
	if (e == ELOOP)
		return joblet_error_set(
			err, JOBLET_E_PERMISSION, e,
			"%s `%s`: a symlink is in the way inside the job's root; mount targets must be real folders",
			what, path);
	if (e == EXDEV)
		return joblet_error_set(err, JOBLET_E_PERMISSION, e,
					"%s `%s`: it leads out of its folder", what, path);
	return joblet_error_set(err, JOBLET_E_SYSTEM, e, "%s `%s`", what, path);
}

/*
 * Create every folder of `path` (absolute, inside root_fd) and open the
 * last one (O_PATH).  Folders that exist are used, but only when they are
 * real folders.
 */
static int mkdir_in_root(int root_fd, const char *path, struct joblet_error **err)
{
	char comp[PATH_MAX];
	int fd = dup(root_fd);

	if (fd < 0)
		return sys_err(err, errno, "cannot create", path);
	for (const char *c = path; *c;) {
		size_t n;
		int next;

		while (*c == '/')
			c++;
		n = strcspn(c, "/");
		if (n == 0)
			break;
		if (n >= sizeof(comp)) {
			close(fd);
			return sys_err(err, ENAMETOOLONG, "cannot create", path);
		}
		memcpy(comp, c, n);
		comp[n] = '\0';
		c += n;
		if (mkdirat(fd, comp, 0755) < 0 && errno != EEXIST) {
			int e = errno;

			close(fd);
			return sys_err(err, e, "cannot create the mount point", path);
		}
		next = openat2_(fd, comp, O_PATH | O_DIRECTORY,
				RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
		close(fd);
		if (next < 0)
			return sys_err(err, errno == ENOTDIR ? ELOOP : errno,
				       "cannot open the mount point", path);
		fd = next;
	}
	return fd;
}

/* The mount point for a file: the parent folders, then an empty file. */
static int mkfile_in_root(int root_fd, const char *path, struct joblet_error **err)
{
	char parent[PATH_MAX];
	const char *base = strrchr(path, '/');
	int pfd, fd;

	snprintf(parent, sizeof(parent), "%.*s", (int)(base - path), path);
	pfd = parent[0] ? mkdir_in_root(root_fd, parent, err) : dup(root_fd);
	if (pfd < 0)
		return pfd;
	fd = openat(pfd, base + 1, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 && errno != EEXIST) {
		int e = errno;

		close(pfd);
		return sys_err(err, e, "cannot create the mount point", path);
	}
	if (fd >= 0)
		close(fd);
	fd = openat2_(pfd, base + 1, O_PATH,
		      RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	close(pfd);
	if (fd < 0)
		return sys_err(err, errno, "cannot open the mount point", path);
	return fd;
}

/* Write a small file inside the root (a fresh tmpfs: nothing can be in the way). */
static int write_in_root(int root_fd, const char *path, const char *text, struct joblet_error **err)
{
	char parent[PATH_MAX];
	const char *base = strrchr(path, '/');
	size_t len = strlen(text);
	int pfd, fd, r = 0;

	snprintf(parent, sizeof(parent), "%.*s", (int)(base - path), path);
	pfd = mkdir_in_root(root_fd, parent, err);
	if (pfd < 0)
		return pfd;
	/* An O_PATH fd cannot create: reopen the folder for that. */
	fd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(pfd);
	if (fd < 0)
		return sys_err(err, errno, "cannot open the folder of", path);
	pfd = fd;
	fd = openat(pfd, base + 1, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		r = sys_err(err, errno, "cannot write", path);
	if (fd >= 0)
		close(fd);
	close(pfd);
	return r;
}

/* ------------------------------------------------------------------ mounting */

static unsigned long ms_flags(uint64_t attrs)
{
	return ((attrs & RF_MOUNT_ATTR_RDONLY) ? MS_RDONLY : 0) |
	       ((attrs & RF_MOUNT_ATTR_NOSUID) ? MS_NOSUID : 0) |
	       ((attrs & RF_MOUNT_ATTR_NODEV) ? MS_NODEV : 0) |
	       ((attrs & RF_MOUNT_ATTR_NOEXEC) ? MS_NOEXEC : 0);
}

/* Undo the octal escapes of a mountinfo field (\040 for a space). */
static void unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 3;
		} else
			*w++ = *r;
	}
	*w = '\0';
}

/*
 * The classic way: bind, then remount the bind and every mount below it
 * with the flags (a bind ignores them, and MS_REC does not carry them).
 */
static int bind_legacy(int src_fd, int dst_fd, uint64_t attrs, bool recursive, const char *what,
		       struct joblet_error **err)
{
	char src[64], dst[64], target[PATH_MAX], line[8192];
	ssize_t n;
	size_t tlen;
	FILE *f;

	fd_path(src_fd, src);
	fd_path(dst_fd, dst);
	if (mount(src, dst, NULL, MS_BIND | (recursive ? MS_REC : 0), NULL) < 0)
		return sys_err(err, errno, "cannot bind", what);
	/* Where the bind landed, as mountinfo spells it. */
	n = readlink(dst, target, sizeof(target) - 1);
	if (n <= 0)
		return sys_err(err, errno, "cannot find the mount of", what);
	target[n] = '\0';
	tlen = (size_t)n;
	if (mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | ms_flags(attrs), NULL) < 0)
		return sys_err(err, errno, "cannot make read-only", what);
	if (!recursive)
		return 0;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return sys_err(err, errno, "cannot read", "/proc/self/mountinfo");
	while (fgets(line, sizeof(line), f)) {
		char *fields[6] = { 0 }, *save = NULL, *p = line;
		int i;

		for (i = 0; i < 6 && (fields[i] = strtok_r(p, " ", &save)); i++)
			p = NULL;
		if (i < 6)
			continue;
		unescape(fields[4]);
		if (strncmp(fields[4], target, tlen) != 0 || fields[4][tlen] != '/')
			continue;
		if (mount(NULL, fields[4], NULL, MS_BIND | MS_REMOUNT | ms_flags(attrs), NULL) <
		    0) {
			int e = errno;

			fclose(f);
			return sys_err(err, e, "cannot make read-only the submount", fields[4]);
		}
	}
	fclose(f);
	return 0;
}

/* Bind src (an O_PATH fd) onto dst (an O_PATH fd) with attrs on every mount of the copy. */
static int bind_fd(int src_fd, int dst_fd, uint64_t attrs, bool recursive, const char *what,
		   struct joblet_error **err)
{
	struct rf_mount_attr a = { .attr_set = attrs, .propagation = MS_PRIVATE };
	int tree, r = 0;

	if (rf_legacy_mounts)
		return bind_legacy(src_fd, dst_fd, attrs, recursive, what, err);
	tree = (int)syscall(SYS_open_tree, src_fd, "",
			    RF_OPEN_TREE_CLONE | O_CLOEXEC | AT_EMPTY_PATH |
				    (recursive ? AT_RECURSIVE : 0));
	if (tree < 0 && (errno == ENOSYS || errno == EPERM))
		return bind_legacy(src_fd, dst_fd, attrs, recursive, what, err);
	if (tree < 0)
		return sys_err(err, errno, "cannot copy the mount of", what);
	if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)) < 0) {
		close(tree);
		if (errno == ENOSYS)
			return bind_legacy(src_fd, dst_fd, attrs, recursive, what, err);
		return sys_err(err, errno, "cannot set the flags of", what);
	}
	if (syscall(SYS_move_mount, tree, "", dst_fd, "",
		    RF_MOVE_MOUNT_F_EMPTY_PATH | RF_MOVE_MOUNT_T_EMPTY_PATH) < 0)
		r = sys_err(err, errno, "cannot mount", what);
	close(tree);
	return r;
}

/* A fresh filesystem (tmpfs, proc, devpts) on dst (an O_PATH fd). */
static int mount_fs(const char *type, int dst_fd, unsigned long flags, const char *data,
		    const char *what, struct joblet_error **err)
{
	char dst[64];

	fd_path(dst_fd, dst);
	if (mount(type, dst, type, flags, data) < 0)
		return sys_err(err, errno, "cannot mount", what);
	return 0;
}

/* Remount the mount at dst_fd with new per-mount flags. */
static int remount_fd(int dst_fd, unsigned long flags, const char *what, struct joblet_error **err)
{
	char dst[64];

	fd_path(dst_fd, dst);
	if (mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | flags, NULL) < 0)
		return sys_err(err, errno, "cannot make read-only", what);
	return 0;
}

/* ------------------------------------------------------------------ the root */

struct rf_state {
	int root_fd;	    /* O_PATH of the new root (in the child) */
	int uploads_fd;	    /* the work folder under the --max-disk tmpfs (disk.c), or -1 */
	dev_t shim_mnt_dev; /* the shim's mount namespace (/proc/self/ns/mnt) */
	ino_t shim_mnt_ino;
	struct rf_volumes *volumes; /* the job's volumes (volumes.h), or NULL */
};

/* One host path of the allow-list: bound read-only, or recreated when it is a symlink. */
static int add_host_path(int root_fd, const char *path, struct joblet_error **err)
{
	struct stat st;
	int src, dst, r;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0; /* /lib64 on hosts without it */
		return sys_err(err, errno, "cannot look at host path", path);
	}
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX], parent[PATH_MAX];
		const char *base = strrchr(path, '/');
		ssize_t n = readlink(path, target, sizeof(target) - 1);
		int pfd, wfd;

		if (n < 0)
			return sys_err(err, errno, "cannot read the host link", path);
		target[n] = '\0';
		snprintf(parent, sizeof(parent), "%.*s", (int)(base - path), path);
		pfd = mkdir_in_root(root_fd, parent[0] ? parent : "/", err);
		if (pfd < 0)
			return pfd;
		wfd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(pfd);
		if (wfd < 0 || (symlinkat(target, wfd, base + 1) < 0 && errno != EEXIST)) {
			r = sys_err(err, errno, "cannot recreate the host link", path);
			if (wfd >= 0)
				close(wfd);
			return r;
		}
		close(wfd);
		return 0;
	}
	src = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (src < 0)
		return sys_err(err, errno, "cannot open host path", path);
	dst = S_ISDIR(st.st_mode) ? mkdir_in_root(root_fd, path, err)
				  : mkfile_in_root(root_fd, path, err);
	if (dst < 0) {
		close(src);
		return dst;
	}
	r = bind_fd(src, dst, RF_MOUNT_ATTR_RDONLY | RF_MOUNT_ATTR_NOSUID | RF_MOUNT_ATTR_NODEV,
		    true, path, err);
	close(src);
	close(dst);
	return r;
}

static bool allow_listed(const char *path)
{
	for (size_t i = 0; i < rf_n_paths; i++)
		if (strcmp(rf_paths[i], path) == 0)
			return true;
	return false;
}

/* A job on a network: the resolvers its rules let it reach on port 53. */
static void net_resolv(const struct joblet_job_net *n, char *buf, size_t size)
{
	size_t o = (size_t)snprintf(buf, size, "# the DNS servers of network %s (joblet)\n",
				    n->network ? n->network : "");

	if (n->n_dns == 0 && o < size)
		snprintf(buf + o, size - o, "# none: joblet.yml networks.dns names none\n");
	for (size_t i = 0; i < n->n_dns && o < size; i++)
		o += (size_t)snprintf(buf + o, size - o, "nameserver %s\n", n->dns[i]);
}

/* /etc/passwd, /etc/group, /etc/hosts, /etc/resolv.conf for the job. */
static int write_etc(struct joblet_job *job, int root_fd, struct joblet_error **err)
{
	char passwd[512], group[256], hosts[256], resolv[4096];
	uint32_t uid = joblet_job_uid(job), gid = joblet_job_gid(job);
	const char *short_id = joblet_job_short_id(job);
	int r;

	snprintf(passwd, sizeof(passwd),
		 "root:x:0:0:root:/root:/usr/sbin/nologin\n"
		 "%s%s:x:%u:%u:joblet job:%s:/bin/sh\n",
		 uid == 65534 ? "" : "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
		 uid == 65534 ? "nobody" : "job", uid, gid, joblet_job_workdir(job));
	snprintf(group, sizeof(group), "root:x:0:\n%s%s:x:%u:\n",
		 gid == 65534 ? "" : "nogroup:x:65534:\n", gid == 65534 ? "nogroup" : "job", gid);
	snprintf(hosts, sizeof(hosts),
		 "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
		 "127.0.1.1\tjob-%s\n",
		 short_id);
	if (joblet_job_network(job) == JOBLET_NETWORK_HOST) {
		int fd = open("/etc/resolv.conf", O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, resolv, sizeof(resolv) - 1) : 0;

		if (fd >= 0)
			close(fd);
		resolv[n > 0 ? n : 0] = '\0';
	} else if (joblet_job_network(job) == JOBLET_NETWORK_BRIDGE && joblet_job_net(job))
		net_resolv(joblet_job_net(job), resolv, sizeof(resolv));
	else
		snprintf(resolv, sizeof(resolv), "# this job has no network (--network=none)\n");
	if (!allow_listed("/etc/passwd") &&
	    (r = write_in_root(root_fd, "/etc/passwd", passwd, err)) < 0)
		return r;
	if (!allow_listed("/etc/group") &&
	    (r = write_in_root(root_fd, "/etc/group", group, err)) < 0)
		return r;
	if (!allow_listed("/etc/hosts") &&
	    (r = write_in_root(root_fd, "/etc/hosts", hosts, err)) < 0)
		return r;
	if (!allow_listed("/etc/resolv.conf") &&
	    (r = write_in_root(root_fd, "/etc/resolv.conf", resolv, err)) < 0)
		return r;
	return 0;
}

/* /dev: a tmpfs with the six nodes, devpts, shm and the usual links; read-only after. */
static int make_dev(int root_fd, struct joblet_error **err)
{
	char opts[64];
	int dev, wfd = -1, fd, r = 0;

	dev = mkdir_in_root(root_fd, "/dev", err);
	if (dev < 0)
		return dev;
	r = mount_fs("tmpfs", dev, MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k,nr_inodes=64", "/dev",
		     err);
	if (r < 0)
		goto out;
	close(dev);
	/* Reopen: the fd above is the folder under the new tmpfs. */
	dev = openat2_(root_fd, "dev", O_PATH | O_DIRECTORY, IN_ROOT);
	wfd = dev >= 0 ? openat(dev, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (wfd < 0) {
		r = sys_err(err, errno, "cannot open", "/dev");
		goto out;
	}
	for (size_t i = 0; i < sizeof(dev_nodes) / sizeof(dev_nodes[0]); i++)
		if (mknodat(wfd, dev_nodes[i].name, S_IFCHR | 0666,
			    makedev(dev_nodes[i].major, dev_nodes[i].minor)) < 0 ||
		    fchmodat(wfd, dev_nodes[i].name, 0666, 0) < 0) {
			r = sys_err(err, errno, "cannot create the device /dev/",
				    dev_nodes[i].name);
			goto out;
		}
	if (symlinkat("/proc/self/fd", wfd, "fd") < 0 ||
	    symlinkat("/proc/self/fd/0", wfd, "stdin") < 0 ||
	    symlinkat("/proc/self/fd/1", wfd, "stdout") < 0 ||
	    symlinkat("/proc/self/fd/2", wfd, "stderr") < 0 ||
	    symlinkat("pts/ptmx", wfd, "ptmx") < 0 || mkdirat(wfd, "pts", 0755) < 0 ||
	    mkdirat(wfd, "shm", 01777) < 0) {
		r = sys_err(err, errno, "cannot populate", "/dev");
		goto out;
	}
	fd = openat2_(wfd, "pts", O_PATH | O_DIRECTORY, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
	if (fd < 0) {
		r = sys_err(err, errno, "cannot open", "/dev/pts");
		goto out;
	}
	r = mount_fs("devpts", fd, MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620",
		     "/dev/pts", err);
	close(fd);
	if (r < 0)
		goto out;
	fd = openat2_(wfd, "shm", O_PATH | O_DIRECTORY, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
	if (fd < 0) {
		r = sys_err(err, errno, "cannot open", "/dev/shm");
		goto out;
	}
	snprintf(opts, sizeof(opts), "mode=1777,size=%lld", (long long)rf_shm_size);
	r = mount_fs("tmpfs", fd, MS_NOSUID | MS_NODEV | MS_NOEXEC, opts, "/dev/shm", err);
	close(fd);
	if (r < 0)
		goto out;
	r = remount_fd(dev, MS_RDONLY | MS_NOSUID | MS_NOEXEC, "/dev", err);
out:
	if (wfd >= 0)
		close(wfd);
	if (dev >= 0)
		close(dev);
	return r;
}

/* The runtime's mounts: sources inside its folder, targets inside the root. */
static int add_runtime(struct joblet_job *job, int root_fd, struct joblet_error **err)
{
	const char *dir = joblet_job_runtime_dir(job);
	size_t n = joblet_job_runtime_mount_count(job);
	int rfd, r = 0;

	if (!dir || n == 0)
		return 0;
	rfd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rfd < 0)
		return sys_err(err, errno, "cannot open the runtime", dir);
	for (size_t i = 0; i < n && r == 0; i++) {
		const char *source, *target;
		int32_t readonly;
		struct stat st;
		int src, dst;

		if (joblet_job_runtime_mount(job, i, &source, &target, &readonly) < 0)
			continue;
		if (!clean_absolute(target) || is_reserved(target)) {
			r = joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"the runtime mounts onto `%s`, which a job keeps for itself (/proc, /dev, /work, /tmp, the generated /etc files) or is not a clean absolute path",
				target);
			break;
		}
		src = openat2_(rfd, source, O_PATH, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
		if (src < 0) {
			r = sys_err(err, errno, "cannot open the runtime's mount source", source);
			break;
		}
		if (fstat(src, &st) < 0) {
			r = sys_err(err, errno, "cannot look at the runtime's mount source",
				    source);
			close(src);
			break;
		}
		dst = S_ISDIR(st.st_mode) ? mkdir_in_root(root_fd, target, err)
					  : mkfile_in_root(root_fd, target, err);
		if (dst < 0) {
			r = dst;
			close(src);
			break;
		}
		r = bind_fd(src, dst,
			    (readonly ? RF_MOUNT_ATTR_RDONLY : 0) | RF_MOUNT_ATTR_NOSUID |
				    RF_MOUNT_ATTR_NODEV,
			    true, target, err);
		close(src);
		close(dst);
	}
	close(rfd);
	return r;
}

/* A new /proc for the job's PID namespace, with the dangerous parts hidden or read-only. */
static int make_proc(int root_fd, struct joblet_error **err)
{
	int proc, devnull = -1, r;

	proc = mkdir_in_root(root_fd, "/proc", err);
	if (proc < 0)
		return proc;
	r = mount_fs("proc", proc, MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, "/proc", err);
	close(proc);
	if (r < 0)
		return r;
	proc = openat2_(root_fd, "proc", O_PATH | O_DIRECTORY, IN_ROOT);
	devnull = openat2_(root_fd, "dev/null", O_PATH, IN_ROOT);
	if (proc < 0 || devnull < 0) {
		r = sys_err(err, errno, "cannot open", proc < 0 ? "/proc" : "/dev/null");
		goto out;
	}
	for (size_t i = 0; i < sizeof(proc_masked) / sizeof(proc_masked[0]) && r == 0; i++) {
		struct stat st;
		int fd = openat2_(proc, proc_masked[i], O_PATH,
				  RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);

		if (fd < 0)
			continue; /* not on this kernel */
		if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
			r = mount_fs("tmpfs", fd, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
				     "size=4k,nr_inodes=1,mode=0555", proc_masked[i], err);
		else
			r = bind_fd(devnull, fd,
				    RF_MOUNT_ATTR_RDONLY | RF_MOUNT_ATTR_NOSUID |
					    RF_MOUNT_ATTR_NOEXEC,
				    false, proc_masked[i], err);
		close(fd);
	}
	for (size_t i = 0; i < sizeof(proc_readonly) / sizeof(proc_readonly[0]) && r == 0; i++) {
		int fd = openat2_(proc, proc_readonly[i], O_PATH,
				  RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);

		if (fd < 0)
			continue;
		r = bind_fd(fd, fd,
			    RF_MOUNT_ATTR_RDONLY | RF_MOUNT_ATTR_NOSUID | RF_MOUNT_ATTR_NODEV |
				    RF_MOUNT_ATTR_NOEXEC,
			    true, proc_readonly[i], err);
		close(fd);
	}
out:
	if (devnull >= 0)
		close(devnull);
	if (proc >= 0)
		close(proc);
	return r;
}

static int rf_probe(struct joblet_error **err)
{
	int fd = openat2_(AT_FDCWD, "/", O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS);

	if (fd < 0)
		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, errno,
			"this kernel has no openat2() (Linux 5.6 or later is needed to build job roots safely)");
	close(fd);
	if (geteuid() != 0)
		return joblet_error_set(err, JOBLET_E_UNSUPPORTED, EPERM,
					"building a job root needs root; run joblet as root");
	return 0;
}

static int rf_prepare(struct joblet_job *job, void **ret_state, struct joblet_error **err)
{
	struct rf_state *s;
	struct stat st;

	/* The root is built in the child; check here what would make it fail late. */
	if (lstat(joblet_job_root_dir(job), &st) < 0 || !S_ISDIR(st.st_mode))
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					"the job's root folder `%s` is missing",
					joblet_job_root_dir(job));
	if (stat("/proc/self/ns/mnt", &st) < 0)
		return joblet_error_set(
			err, JOBLET_E_SYSTEM, errno,
			"cannot tell which mount namespace the supervisor is in (/proc/self/ns/mnt)");
	s = calloc(1, sizeof(*s));
	if (!s)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	s->root_fd = -1;
	s->uploads_fd = -1;
	s->shim_mnt_dev = st.st_dev;
	s->shim_mnt_ino = st.st_ino;
	{
		int r = rf_volumes_prepare(job, &s->volumes, err);

		if (r < 0) {
			free(s);
			return r;
		}
	}
	*ret_state = s;
	return rf_disk_prepare(job, &s->uploads_fd, err);
}

static int rf_child(struct joblet_job *job, void *state, struct joblet_error **err)
{
	struct rf_state *s = state;
	char opts[64];
	int r, fd;

	/*
	 * 0. Everything below changes the mount namespace it runs in: that
	 * must be the job's own, never the supervisor's (the host's), or
	 * pivot_root would move the whole host into the job's root.  The
	 * namespaces layer (before this one in the stack) gives the job one.
	 */
	{
		struct stat st;

		if (stat("/proc/self/ns/mnt", &st) < 0)
			return sys_err(err, errno, "cannot tell the job's mount namespace from",
				       "/proc/self/ns/mnt");
		if (st.st_dev == s->shim_mnt_dev && st.st_ino == s->shim_mnt_ino)
			return joblet_error_set(
				err, JOBLET_E_CONFIG, 0,
				"isolation/rootfs needs the job to have its own mount namespace, and it shares the host's: put `namespaces` before `rootfs` in isolation.stack");
	}
	/* 1. Nothing propagates between the job and the host from here on. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return sys_err(err, errno, "cannot make the mounts private", "/");
	/* 2. The new root. */
	if (mount("tmpfs", joblet_job_root_dir(job), "tmpfs", MS_NOSUID | MS_NODEV,
		  "mode=0755,size=4m,nr_inodes=4096") < 0)
		return sys_err(err, errno, "cannot mount the job's root on",
			       joblet_job_root_dir(job));
	s->root_fd = open(joblet_job_root_dir(job), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s->root_fd < 0)
		return sys_err(err, errno, "cannot open the job's root", joblet_job_root_dir(job));
	/* 3. Host paths, then the job's own /etc files. */
	for (size_t i = 0; i < rf_n_paths; i++)
		if ((r = add_host_path(s->root_fd, rf_paths[i], err)) < 0)
			return r;
	if ((r = write_etc(job, s->root_fd, err)) < 0)
		return r;
	/* 4. /work, /tmp, /dev, the runtime. */
	fd = mkdir_in_root(s->root_fd, "/work", err);
	if (fd < 0)
		return fd;
	/* The job's folder, or the --max-disk tmpfs the supervisor mounted on it. */
	r = rf_disk_fill(job, s->uploads_fd, err);
	if (s->uploads_fd >= 0)
		close(s->uploads_fd);
	s->uploads_fd = -1;
	if (r < 0) {
		close(fd);
		return r;
	}
	{
		int src = open(joblet_job_work_dir(job),
			       O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		r = src < 0 ? sys_err(err, errno, "cannot open the job's folder",
				      joblet_job_work_dir(job))
			    : bind_fd(src, fd, RF_MOUNT_ATTR_NOSUID | RF_MOUNT_ATTR_NODEV, false,
				      "/work", err);
		if (src >= 0)
			close(src);
		close(fd);
		if (r < 0)
			return r;
	}
	fd = mkdir_in_root(s->root_fd, "/tmp", err);
	if (fd < 0)
		return fd;
	snprintf(opts, sizeof(opts), "mode=1777,size=%lld", (long long)rf_tmp_size);
	r = mount_fs("tmpfs", fd, MS_NOSUID | MS_NODEV, opts, "/tmp", err);
	close(fd);
	if (r < 0 || (r = make_dev(s->root_fd, err)) < 0 ||
	    (r = add_runtime(job, s->root_fd, err)) < 0 ||
	    (r = rf_volumes_mount(job, s->volumes, s->root_fd, err)) < 0)
		return r;
	/* 5. /proc. */
	if ((r = make_proc(s->root_fd, err)) < 0)
		return r;
	/* 6. Enter the root; the host's root is detached, not merely out of sight. */
	if (fchdir(s->root_fd) < 0)
		return sys_err(err, errno, "cannot enter", joblet_job_root_dir(job));
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return sys_err(err, errno, "pivot_root failed for", joblet_job_root_dir(job));
	if (umount2(".", MNT_DETACH) < 0)
		return sys_err(err, errno, "cannot detach the host's root from", "/");
	if (chdir("/") < 0)
		return sys_err(err, errno, "cannot enter", "/");
	if (mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) <
	    0)
		return sys_err(err, errno, "cannot make the job's root read-only", "/");
	close(s->root_fd);
	s->root_fd = -1;
	return 0;
}

static void rf_cleanup(struct joblet_job *job, void *state)
{
	struct rf_state *s = state;

	(void)job;
	if (!s)
		return;
	if (s->root_fd >= 0)
		close(s->root_fd);
	if (s->uploads_fd >= 0)
		close(s->uploads_fd);
	rf_volumes_free(s->volumes);
	free(s);
}

static const struct joblet_isolation_ops rf_ops = {
	.size = sizeof(struct joblet_isolation_ops),
	.probe = rf_probe,
	.prepare = rf_prepare,
	.child = rf_child,
	.cleanup = rf_cleanup,
};

JOBLET_PLUGIN_DEFINE(
	JOBLET_KIND_ISOLATION, "rootfs", .version = "1.0.0",
	.summary =
		"a private read-only root per job (pivot_root), with new /proc, minimal /dev, /tmp, a writable /work and the job's volumes",
	.license = "Apache-2.0", .settings = rf_settings, .init = rf_init, .fini = rf_fini,
	.ops = &rf_ops);

/*
 * oci/rootfs.c - the container's file system view: root.path, mounts, a
 * minimal /dev, linux.devices, maskedPaths, readonlyPaths,
 * rootfsPropagation, linux.sysctl and the hostname.
 *
 * oci_rootfs_parse() checks everything in the caller, where an error can
 * still be reported before anything is made.  oci_rootfs_setup() runs in
 * the container's first process, already in its new mount namespace (and
 * by default a user namespace where it is root without privilege on the
 * host), in this order, as runc does:
 *
 *   1. / becomes recursively slave (or rootfsPropagation): nothing of ours
 *      reaches the host;
 *   2. root.path is bound onto itself, so it is a mount point;
 *   3. /dev is a small tmpfs unless mounts gives one;
 *   4. mounts, in order; every destination is resolved inside the root
 *      with openat2(RESOLVE_IN_ROOT): a symlink in the bundle cannot send
 *      a mount out of it;
 *   5. the default devices are bound from the host's (mknod is impossible
 *      in a user namespace, and one way for every case is enough), then
 *      linux.devices when the policy allows host devices, and the usual
 *      links (/dev/fd, /dev/ptmx -> pts/ptmx, ...);
 *   6. linux.sysctl, then readonlyPaths, then maskedPaths;
 *   7. pivot_root(".", ".") into the root and the old root detached;
 *   8. root.readonly, the hostname and domainname.
 *
 * Mounts made by a user namespace keep the flags the kernel locked on the
 * host mount they copy (nosuid, nodev, noexec, ro, the atime flags): every
 * remount carries those over, or the kernel would refuse it.
 */
#include <config.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "oci/oci.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
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
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* <linux/mount.h> clashes with <sys/mount.h>: the few names used here. */
#define RF_MOUNT_ATTR_RDONLY	   0x01ULL
#define RF_MOUNT_ATTR_NOSUID	   0x02ULL
#define RF_MOUNT_ATTR_NODEV	   0x04ULL
#define RF_MOUNT_ATTR_NOEXEC	   0x08ULL
#define RF_OPEN_TREE_CLONE	   1U
#define RF_OPEN_TREE_CLOEXEC	   O_CLOEXEC
#define RF_MOVE_MOUNT_F_EMPTY_PATH 0x04U
#define RF_MOVE_MOUNT_T_EMPTY_PATH 0x40U

struct rf_mount_attr {
	uint64_t attr_set;
	uint64_t attr_clr;
	uint64_t propagation;
	uint64_t userns_fd;
};

/* Flags that describe a mount (not an operation): what a remount sets. */
#define MNT_PER_MOUNT                                                                              \
	(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME | \
	 MS_STRICTATIME | MS_NOSYMFOLLOW)
#define MNT_ATIME	(MS_NOATIME | MS_RELATIME | MS_STRICTATIME)
#define MNT_PROPAGATION (MS_PRIVATE | MS_SLAVE | MS_SHARED | MS_UNBINDABLE)

#define HOSTNAME_MAX_LEN 64

struct rf_mount {
	char *dest;		   /* absolute, inside the root */
	char *type;		   /* NULL for a bind */
	char *source;		   /* may be NULL */
	char *data;		   /* options the kernel's file system reads; may be NULL */
	unsigned long flags;	   /* MS_* asked for */
	unsigned long clear;	   /* MS_* asked off (rw, suid, dev, exec, ...) */
	unsigned long propagation; /* MS_PRIVATE... | MS_REC, or 0 */
	uint64_t rec_attr;	   /* rro, rnosuid, ...: MOUNT_ATTR_* for the whole tree */
	bool bind;
	bool copyup; /* tmpcopyup: the tmpfs starts with what the folder held */
	int tree;    /* a bind's source as a detached mount tree, once trees_open */
};

struct rf_device {
	char *path;
	char type; /* 'c' or 'b' */
	unsigned major, minor;
	mode_t mode;
	uid_t uid;
	gid_t gid;
};

struct rf_sysctl {
	char *key;
	char *value;
};

struct oci_rootfs {
	char *root; /* absolute */
	bool readonly;
	bool allow_host_devices; /* the policy's: binds of host device nodes */
	bool trees_open;	 /* oci_rootfs_open_sources() ran: root_tree and mounts[].tree */
	int root_tree;
	unsigned long propagation; /* of / in the container; 0 = rslave */
	struct rf_mount *mounts;
	size_t n_mounts;
	struct rf_device *devices; /* beyond the default set (policy allowed) */
	size_t n_devices;
	char **masked;
	size_t n_masked;
	char **ro_paths;
	size_t n_ro_paths;
	struct rf_sysctl *sysctls;
	size_t n_sysctls;
	char *hostname;
	char *domainname;
	/* The container's own cgroup folders (oci_rootfs_set_cgroups): what a cgroup mount shows.
	 */
	char **cg_mounts, **cg_dirs;
	size_t n_cg;
};

/* The devices every container has, bound from the host's. */
static const struct {
	const char *path;
	unsigned major, minor;
} default_devices[] = {
	{ "/dev/null", 1, 3 },	 { "/dev/zero", 1, 5 },	   { "/dev/full", 1, 7 },
	{ "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
};

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ parsing */

/* "config.json: FIELD: MESSAGE" with the field spelled as given. */
__attribute__((format(printf, 4, 5))) static int cfg_err(struct joblet_error **err, int code,
							 const char *field, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return joblet_error_set(err, code, 0, "config.json: %s: %s", field, msg);
}

static int nomem(struct joblet_error **err)
{
	return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
}

/* A string member of o (absent: *ret NULL); anything else than a string is an error. */
static int get_string(json_object *o, const char *key, const char *field, const char **ret,
		      struct joblet_error **err)
{
	json_object *v;

	*ret = NULL;
	if (!o || !json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return cfg_err(err, JOBLET_E_INVALID, field, "must be a string");
	*ret = json_object_get_string(v);
	return 0;
}

/* An array member (absent: *ret NULL). */
static int get_array(json_object *o, const char *key, const char *field, json_object **ret,
		     struct joblet_error **err)
{
	json_object *v;

	*ret = NULL;
	if (!o || !json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return cfg_err(err, JOBLET_E_INVALID, field, "must be an array");
	*ret = v;
	return 0;
}

/* An absolute path with no `..` part: what a destination inside the root must be. */
static int check_abs_path(const char *p, const char *field, struct joblet_error **err)
{
	if (!p || p[0] != '/')
		return cfg_err(err, JOBLET_E_INVALID, field, "must be an absolute path, not `%s`",
			       p ? p : "");
	if (strlen(p) >= PATH_MAX)
		return cfg_err(err, JOBLET_E_INVALID, field, "is longer than %d bytes", PATH_MAX);
	for (const char *c = p; *c;) {
		size_t n;

		while (*c == '/')
			c++;
		n = strcspn(c, "/");
		if (n == 2 && c[0] == '.' && c[1] == '.')
			return cfg_err(err, JOBLET_E_INVALID, field, "`%s` must not contain `..`",
				       p);
		c += n;
	}
	return 0;
}

static const struct {
	const char *name;
	unsigned long set, clear;
} mount_flag_table[] = {
	{ "defaults", 0, 0 },
	{ "ro", MS_RDONLY, 0 },
	{ "rw", 0, MS_RDONLY },
	{ "nosuid", MS_NOSUID, 0 },
	{ "suid", 0, MS_NOSUID },
	{ "nodev", MS_NODEV, 0 },
	{ "dev", 0, MS_NODEV },
	{ "noexec", MS_NOEXEC, 0 },
	{ "exec", 0, MS_NOEXEC },
	{ "sync", MS_SYNCHRONOUS, 0 },
	{ "async", 0, MS_SYNCHRONOUS },
	{ "dirsync", MS_DIRSYNC, 0 },
	{ "remount", MS_REMOUNT, 0 },
	{ "mand", MS_MANDLOCK, 0 },
	{ "nomand", 0, MS_MANDLOCK },
	{ "relatime", MS_RELATIME, 0 },
	{ "norelatime", 0, MS_RELATIME },
	{ "strictatime", MS_STRICTATIME, 0 },
	{ "nostrictatime", 0, MS_STRICTATIME },
	{ "noatime", MS_NOATIME, 0 },
	{ "atime", 0, MS_NOATIME },
	{ "nodiratime", MS_NODIRATIME, 0 },
	{ "diratime", 0, MS_NODIRATIME },
	{ "nosymfollow", MS_NOSYMFOLLOW, 0 },
	{ "symfollow", 0, MS_NOSYMFOLLOW },
	{ "silent", MS_SILENT, 0 },
	{ "loud", 0, MS_SILENT },
};

static const struct {
	const char *name;
	unsigned long flags;
} propagation_table[] = {
	{ "private", MS_PRIVATE },	 { "rprivate", MS_PRIVATE | MS_REC },
	{ "slave", MS_SLAVE },		 { "rslave", MS_SLAVE | MS_REC },
	{ "shared", MS_SHARED },	 { "rshared", MS_SHARED | MS_REC },
	{ "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
};

/* rro and friends (runc 1.1): the flag on every mount of a recursive bind. */
static const struct {
	const char *name;
	uint64_t attr;
} rec_attr_table[] = {
	{ "rro", RF_MOUNT_ATTR_RDONLY },
	{ "rnosuid", RF_MOUNT_ATTR_NOSUID },
	{ "rnodev", RF_MOUNT_ATTR_NODEV },
	{ "rnoexec", RF_MOUNT_ATTR_NOEXEC },
};

static int propagation_from_name(const char *name, unsigned long *ret)
{
	for (size_t i = 0; i < N_ELEMS(propagation_table); i++)
		if (strcmp(name, propagation_table[i].name) == 0) {
			*ret = propagation_table[i].flags;
			return 0;
		}
	return -1;
}

/* Append ",opt" (or "opt") to *data. */
static int data_append(char **data, const char *opt)
{
	size_t old = *data ? strlen(*data) : 0, n = strlen(opt);
	char *p = realloc(*data, old + n + 2);

	if (!p)
		return -1;
	if (old)
		p[old++] = ',';
	memcpy(p + old, opt, n + 1);
	*data = p;
	return 0;
}

/* Remove from the option string data every option starting with prefix; whether one was. */
static bool drop_option(char *data, const char *prefix)
{
	size_t n = strlen(prefix);
	bool dropped = false;
	char *w = data;

	for (char *r = data; *r;) {
		size_t k = strcspn(r, ",");

		if (strncmp(r, prefix, n) == 0)
			dropped = true;
		else {
			if (w != data)
				*w++ = ',';
			memmove(w, r, k);
			w += k;
		}
		r += k;
		if (*r == ',')
			r++;
	}
	*w = '\0';
	return dropped;
}

/* One word of mounts[i].options. */
static int parse_mount_option(struct rf_mount *m, const char *o, const char *field,
			      struct joblet_error **err)
{
	unsigned long prop;

	for (size_t i = 0; i < N_ELEMS(mount_flag_table); i++)
		if (strcmp(o, mount_flag_table[i].name) == 0) {
			m->flags =
				(m->flags & ~mount_flag_table[i].clear) | mount_flag_table[i].set;
			m->clear =
				(m->clear & ~mount_flag_table[i].set) | mount_flag_table[i].clear;
			return 0;
		}
	if (strcmp(o, "bind") == 0 || strcmp(o, "rbind") == 0) {
		m->bind = true;
		m->flags |= MS_BIND | (o[0] == 'r' ? MS_REC : 0);
		return 0;
	}
	if (propagation_from_name(o, &prop) == 0) {
		m->propagation = prop;
		return 0;
	}
	for (size_t i = 0; i < N_ELEMS(rec_attr_table); i++)
		if (strcmp(o, rec_attr_table[i].name) == 0) {
			m->rec_attr |= rec_attr_table[i].attr;
			return 0;
		}
	if (strcmp(o, "idmap") == 0 || strcmp(o, "ridmap") == 0)
		return cfg_err(
			err, JOBLET_E_UNSUPPORTED, field,
			"`%s` (id-mapped mounts) is not supported by joblet-oci yet; remove it and give the files the container's ids instead",
			o);
	if (strcmp(o, "tmpcopyup") == 0 || strcmp(o, "notmpcopyup") == 0) {
		m->copyup = o[0] == 't';
		return 0;
	}
	if (!*o)
		return cfg_err(err, JOBLET_E_INVALID, field, "an option is empty");
	if (strchr(o, ','))
		return cfg_err(err, JOBLET_E_INVALID, field,
			       "`%s`: give one option per array element", o);
	if (data_append(&m->data, o) < 0)
		return nomem(err);
	return 0;
}

static int parse_mount(json_object *o, size_t i, struct rf_mount *m, struct joblet_error **err)
{
	char field[96];
	const char *dest, *type, *source;
	json_object *opts, *v;
	int r;

	snprintf(field, sizeof(field), "mounts[%zu]", i);
	if (!json_object_is_type(o, json_type_object))
		return cfg_err(err, JOBLET_E_INVALID, field, "must be an object");
	snprintf(field, sizeof(field), "mounts[%zu].destination", i);
	if ((r = get_string(o, "destination", field, &dest, err)) < 0 ||
	    (r = check_abs_path(dest, field, err)) < 0)
		return r;
	snprintf(field, sizeof(field), "mounts[%zu].type", i);
	if ((r = get_string(o, "type", field, &type, err)) < 0)
		return r;
	snprintf(field, sizeof(field), "mounts[%zu].source", i);
	if ((r = get_string(o, "source", field, &source, err)) < 0)
		return r;
	if (json_object_object_get_ex(o, "uidMappings", &v) ||
	    json_object_object_get_ex(o, "gidMappings", &v)) {
		snprintf(field, sizeof(field), "mounts[%zu].uidMappings", i);
		return cfg_err(
			err, JOBLET_E_UNSUPPORTED, field,
			"id-mapped mounts are not supported by joblet-oci yet; remove the mappings");
	}
	if (!(m->dest = strdup(dest)) || (type && !(m->type = strdup(type))) ||
	    (source && !(m->source = strdup(source))))
		return nomem(err);
	snprintf(field, sizeof(field), "mounts[%zu].options", i);
	if ((r = get_array(o, "options", field, &opts, err)) < 0)
		return r;
	for (size_t k = 0; opts && k < json_object_array_length(opts); k++) {
		json_object *e = json_object_array_get_idx(opts, k);

		snprintf(field, sizeof(field), "mounts[%zu].options[%zu]", i, k);
		if (!json_object_is_type(e, json_type_string))
			return cfg_err(err, JOBLET_E_INVALID, field, "must be a string");
		if ((r = parse_mount_option(m, json_object_get_string(e), field, err)) < 0)
			return r;
	}
	if (type && strcmp(type, "bind") == 0)
		m->bind = true, m->flags |= MS_BIND;
	if (m->bind) {
		free(m->type);
		m->type = NULL;
	}
	if (!m->bind && (!type || !*type)) {
		snprintf(field, sizeof(field), "mounts[%zu].type", i);
		return cfg_err(err, JOBLET_E_INVALID, field,
			       "is needed unless options have `bind` or `rbind`");
	}
	if (m->bind && (!source || source[0] != '/')) {
		snprintf(field, sizeof(field), "mounts[%zu].source", i);
		return cfg_err(err, JOBLET_E_INVALID, field,
			       "a bind mount needs an absolute host path, not `%s`",
			       source ? source : "");
	}
	if (m->bind && m->data) {
		/* The kernel ignores data on a bind: an option would be silently lost. */
		snprintf(field, sizeof(field), "mounts[%zu].options", i);
		return cfg_err(err, JOBLET_E_INVALID, field,
			       "`%s` means nothing to a bind mount; remove it", m->data);
	}
	if (m->copyup && (m->bind || strcmp(m->type, "tmpfs") != 0)) {
		snprintf(field, sizeof(field), "mounts[%zu].options", i);
		return cfg_err(err, JOBLET_E_INVALID, field, "`tmpcopyup` needs type tmpfs");
	}
	if (m->rec_attr && !(m->bind && (m->flags & MS_REC))) {
		snprintf(field, sizeof(field), "mounts[%zu].options", i);
		return cfg_err(err, JOBLET_E_INVALID, field,
			       "rro, rnosuid, rnodev and rnoexec need `rbind`");
	}
	return 0;
}

static int parse_mounts(struct oci_rootfs *r, json_object *config, struct joblet_error **err)
{
	json_object *a;
	int ret;

	if ((ret = get_array(config, "mounts", "mounts", &a, err)) < 0 || !a)
		return ret;
	r->mounts = calloc(json_object_array_length(a) + 1, sizeof(*r->mounts));
	if (!r->mounts)
		return nomem(err);
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		ret = parse_mount(json_object_array_get_idx(a, i), i, &r->mounts[i], err);
		r->n_mounts = i + 1;
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* A member that must be a non-negative integer below max (absent: def). */
static int get_uint(json_object *o, const char *key, const char *field, uint64_t max, uint64_t def,
		    uint64_t *ret, struct joblet_error **err)
{
	json_object *v;
	int64_t n;

	*ret = def;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return cfg_err(err, JOBLET_E_INVALID, field, "must be an integer");
	n = json_object_get_int64(v);
	if (n < 0 || (uint64_t)n > max)
		return cfg_err(err, JOBLET_E_INVALID, field,
			       "must be between 0 and %llu, not `%lld`", (unsigned long long)max,
			       (long long)n);
	*ret = (uint64_t)n;
	return 0;
}

static int parse_device(const struct oci_ctx *ctx, json_object *o, size_t i, struct oci_rootfs *r,
			struct joblet_error **err)
{
	char field[96];
	const char *path, *type;
	uint64_t major, minor, mode, uid, gid;
	struct rf_device *d;
	int ret;

	snprintf(field, sizeof(field), "linux.devices[%zu]", i);
	if (!json_object_is_type(o, json_type_object))
		return cfg_err(err, JOBLET_E_INVALID, field, "must be an object");
	snprintf(field, sizeof(field), "linux.devices[%zu].path", i);
	if ((ret = get_string(o, "path", field, &path, err)) < 0 ||
	    (ret = check_abs_path(path, field, err)) < 0)
		return ret;
	snprintf(field, sizeof(field), "linux.devices[%zu].type", i);
	if ((ret = get_string(o, "type", field, &type, err)) < 0)
		return ret;
	if (!type || (strcmp(type, "c") != 0 && strcmp(type, "b") != 0 && strcmp(type, "u") != 0))
		return cfg_err(err, JOBLET_E_INVALID, field,
			       "must be `c`, `b` or `u` (joblet-oci makes no fifos), not `%s`",
			       type ? type : "");
	snprintf(field, sizeof(field), "linux.devices[%zu].major", i);
	if ((ret = get_uint(o, "major", field, 0xfff, UINT64_MAX, &major, err)) < 0)
		return ret;
	snprintf(field, sizeof(field), "linux.devices[%zu].minor", i);
	if ((ret = get_uint(o, "minor", field, 0xfffff, UINT64_MAX, &minor, err)) < 0)
		return ret;
	if (major == UINT64_MAX || minor == UINT64_MAX)
		return cfg_err(err, JOBLET_E_INVALID, field, "major and minor are required");
	snprintf(field, sizeof(field), "linux.devices[%zu].fileMode", i);
	if ((ret = get_uint(o, "fileMode", field, 07777, 0666, &mode, err)) < 0)
		return ret;
	snprintf(field, sizeof(field), "linux.devices[%zu].uid", i);
	if ((ret = get_uint(o, "uid", field, UINT32_MAX - 1, 0, &uid, err)) < 0)
		return ret;
	snprintf(field, sizeof(field), "linux.devices[%zu].gid", i);
	if ((ret = get_uint(o, "gid", field, UINT32_MAX - 1, 0, &gid, err)) < 0)
		return ret;
	for (size_t k = 0; k < N_ELEMS(default_devices); k++)
		if (strcmp(path, default_devices[k].path) == 0) {
			if (type[0] != 'b' && major == default_devices[k].major &&
			    minor == default_devices[k].minor)
				return 0; /* every container has it */
			snprintf(field, sizeof(field), "linux.devices[%zu].path", i);
			return cfg_err(err, JOBLET_E_INVALID, field,
				       "`%s` is one of the default devices and must be %u:%u", path,
				       default_devices[k].major, default_devices[k].minor);
		}
	snprintf(field, sizeof(field), "linux.devices[%zu].path", i);
	if (!ctx->policy.allow_host_devices)
		return cfg_err(
			err, JOBLET_E_PERMISSION, field,
			"`%s` is a host device, and containers get only the default ones (null, zero, full, random, urandom, tty); the operator may allow host devices with allow_host_devices in /etc/joblet/oci.yml",
			path);
	d = &r->devices[r->n_devices];
	if (!(d->path = strdup(path)))
		return nomem(err);
	r->n_devices++;
	d->type = type[0] == 'b' ? 'b' : 'c';
	d->major = (unsigned)major;
	d->minor = (unsigned)minor;
	d->mode = (mode_t)mode;
	d->uid = (uid_t)uid;
	d->gid = (gid_t)gid;
	return 0;
}

/* An array of absolute paths (maskedPaths, readonlyPaths). */
static int parse_paths(json_object *linux_obj, const char *key, char ***ret, size_t *ret_n,
		       struct joblet_error **err)
{
	char field[96];
	json_object *a;
	int r;

	snprintf(field, sizeof(field), "linux.%s", key);
	if ((r = get_array(linux_obj, key, field, &a, err)) < 0 || !a)
		return r;
	*ret = calloc(json_object_array_length(a) + 1, sizeof(char *));
	if (!*ret)
		return nomem(err);
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *e = json_object_array_get_idx(a, i);
		const char *p;

		snprintf(field, sizeof(field), "linux.%s[%zu]", key, i);
		if (!json_object_is_type(e, json_type_string))
			return cfg_err(err, JOBLET_E_INVALID, field, "must be a string");
		p = json_object_get_string(e);
		if ((r = check_abs_path(p, field, err)) < 0)
			return r;
		if (!((*ret)[i] = strdup(p)))
			return nomem(err);
		*ret_n = i + 1;
	}
	return 0;
}

/* Sysctls of the container's own namespaces (as runc allows); others would be the host's. */
static bool sysctl_namespaced(const char *k)
{
	static const char *const ipc[] = { "kernel.msgmax",   "kernel.msgmnb",
					   "kernel.msgmni",   "kernel.sem",
					   "kernel.shmall",   "kernel.shmmax",
					   "kernel.shmmni",   "kernel.shm_rmid_forced",
					   "kernel.hostname", "kernel.domainname" };

	if (strncmp(k, "net.", 4) == 0 || strncmp(k, "fs.mqueue.", 10) == 0)
		return true;
	for (size_t i = 0; i < N_ELEMS(ipc); i++)
		if (strcmp(k, ipc[i]) == 0)
			return true;
	return false;
}

static int parse_sysctl(json_object *linux_obj, struct oci_rootfs *r, struct joblet_error **err)
{
	json_object *o;
	char field[320];

	if (!linux_obj || !json_object_object_get_ex(linux_obj, "sysctl", &o) ||
	    json_object_is_type(o, json_type_null))
		return 0;
	if (!json_object_is_type(o, json_type_object))
		return cfg_err(err, JOBLET_E_INVALID, "linux.sysctl", "must be an object");
	r->sysctls = calloc((size_t)json_object_object_length(o) + 1, sizeof(*r->sysctls));
	if (!r->sysctls)
		return nomem(err);
	json_object_object_foreach(o, key, val)
	{
		struct rf_sysctl *s = &r->sysctls[r->n_sysctls];
		bool ok = *key && key[0] != '.' && strlen(key) < 200 && !strstr(key, "..");

		snprintf(field, sizeof(field), "linux.sysctl.%s", key);
		for (const char *c = key; ok && *c; c++)
			ok = isalnum((unsigned char)*c) || *c == '.' || *c == '_' || *c == '-';
		if (!ok)
			return cfg_err(err, JOBLET_E_INVALID, "linux.sysctl",
				       "`%s` is not a sysctl name", key);
		if (!sysctl_namespaced(key))
			return cfg_err(
				err, JOBLET_E_PERMISSION, field,
				"only sysctls of the container's own namespaces may be set (net.*, fs.mqueue.*, kernel.shm*, kernel.msg*, kernel.sem); this one is the host's");
		if (!json_object_is_type(val, json_type_string))
			return cfg_err(err, JOBLET_E_INVALID, field, "must be a string");
		if (!(s->key = strdup(key)) || !(s->value = strdup(json_object_get_string(val))))
			return nomem(err);
		r->n_sysctls++;
	}
	return 0;
}

static int parse_hostname(json_object *config, const char *key, char **ret,
			  struct joblet_error **err)
{
	const char *h;
	int r;

	if ((r = get_string(config, key, key, &h, err)) < 0 || !h)
		return r;
	if (strlen(h) > HOSTNAME_MAX_LEN)
		return cfg_err(err, JOBLET_E_INVALID, key, "is longer than %d bytes",
			       HOSTNAME_MAX_LEN);
	if (!(*ret = strdup(h)))
		return nomem(err);
	return 0;
}

static int parse_root(const char *bundle, json_object *config, struct oci_rootfs *r,
		      struct joblet_error **err)
{
	json_object *root, *v;
	const char *path;
	int ret;

	if (!json_object_object_get_ex(config, "root", &root) ||
	    !json_object_is_type(root, json_type_object))
		return cfg_err(err, JOBLET_E_INVALID, "root",
			       "is required and must be an object with a path");
	if ((ret = get_string(root, "path", "root.path", &path, err)) < 0)
		return ret;
	if (!path || !*path)
		return cfg_err(err, JOBLET_E_INVALID, "root.path", "is required");
	if (json_object_object_get_ex(root, "readonly", &v)) {
		if (!json_object_is_type(v, json_type_boolean))
			return cfg_err(err, JOBLET_E_INVALID, "root.readonly",
				       "must be true or false");
		r->readonly = json_object_get_boolean(v);
	}
	if (path[0] != '/' && (!bundle || bundle[0] != '/'))
		return joblet_error_set(err, JOBLET_E_INTERNAL, 0,
					"the bundle `%s` is not an absolute path",
					bundle ? bundle : "");
	if (path[0] == '/')
		r->root = strdup(path);
	else if (asprintf(&r->root, "%s/%s", bundle, path) < 0)
		r->root = NULL;
	if (!r->root)
		return nomem(err);
	if (strlen(r->root) >= PATH_MAX)
		return cfg_err(err, JOBLET_E_INVALID, "root.path", "is longer than %d bytes",
			       PATH_MAX);
	return 0;
}

static int parse_linux(const struct oci_ctx *ctx, json_object *config, struct oci_rootfs *r,
		       struct joblet_error **err)
{
	json_object *linux_obj = NULL, *devs;
	const char *prop;
	int ret;

	if (json_object_object_get_ex(config, "linux", &linux_obj) &&
	    !json_object_is_type(linux_obj, json_type_object))
		return cfg_err(err, JOBLET_E_INVALID, "linux", "must be an object");
	if ((ret = get_array(linux_obj, "devices", "linux.devices", &devs, err)) < 0)
		return ret;
	if (devs) {
		r->devices = calloc(json_object_array_length(devs) + 1, sizeof(*r->devices));
		if (!r->devices)
			return nomem(err);
		for (size_t i = 0; i < json_object_array_length(devs); i++)
			if ((ret = parse_device(ctx, json_object_array_get_idx(devs, i), i, r,
						err)) < 0)
				return ret;
	}
	if ((ret = parse_paths(linux_obj, "maskedPaths", &r->masked, &r->n_masked, err)) < 0 ||
	    (ret = parse_paths(linux_obj, "readonlyPaths", &r->ro_paths, &r->n_ro_paths, err)) <
		    0 ||
	    (ret = parse_sysctl(linux_obj, r, err)) < 0)
		return ret;
	if ((ret = get_string(linux_obj, "rootfsPropagation", "linux.rootfsPropagation", &prop,
			      err)) < 0)
		return ret;
	if (prop && *prop && propagation_from_name(prop, &r->propagation) < 0)
		return cfg_err(
			err, JOBLET_E_INVALID, "linux.rootfsPropagation",
			"must be one of private, rprivate, slave, rslave, shared, rshared, unbindable, runbindable, not `%s`",
			prop);
	return 0;
}

int oci_rootfs_parse(const struct oci_ctx *ctx, const char *bundle, json_object *config,
		     struct oci_rootfs **ret, struct joblet_error **err)
{
	struct oci_rootfs *r;
	int e;

	if (!config || !json_object_is_type(config, json_type_object))
		return joblet_error_set(err, JOBLET_E_INVALID, 0, "config.json must be an object");
	r = calloc(1, sizeof(*r));
	if (!r)
		return nomem(err);
	r->allow_host_devices = ctx->policy.allow_host_devices;
	if ((e = parse_root(bundle, config, r, err)) < 0 ||
	    (e = parse_mounts(r, config, err)) < 0 || (e = parse_linux(ctx, config, r, err)) < 0 ||
	    (e = parse_hostname(config, "hostname", &r->hostname, err)) < 0 ||
	    (e = parse_hostname(config, "domainname", &r->domainname, err)) < 0) {
		oci_rootfs_free(r);
		return e;
	}
	*ret = r;
	return 0;
}

/* A detached copy of the mount tree at path, private (it can reach no peer of the host's). */
static int open_tree_private(const char *path, bool rec, const char *field, int *ret_errno,
			     struct joblet_error **err)
{
	struct rf_mount_attr a = { .propagation = MS_PRIVATE };
	int fd = (int)syscall(SYS_open_tree, AT_FDCWD, path,
			      RF_OPEN_TREE_CLONE | RF_OPEN_TREE_CLOEXEC | (rec ? AT_RECURSIVE : 0));

	*ret_errno = fd < 0 ? errno : 0;
	if (fd < 0)
		return joblet_error_set(err,
					errno == ENOSYS ? JOBLET_E_UNSUPPORTED : JOBLET_E_SYSTEM,
					errno, "config.json: %s: cannot open `%s`", field, path);
	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)) < 0) {
		int e = errno;

		close(fd);
		return joblet_error_set(err, JOBLET_E_SYSTEM, e,
					"config.json: %s: cannot make the copy of `%s` private",
					field, path);
	}
	return fd;
}

static int make_target(int root_fd, const char *dest, bool file, struct joblet_error **err);

/* Is dest at or below the destination of a mount before mounts[i]? */
static bool under_earlier_mount(const struct oci_rootfs *r, size_t i, const char *dest)
{
	for (size_t k = 0; k < i; k++) {
		size_t n = strlen(r->mounts[k].dest);

		if (strncmp(dest, r->mounts[k].dest, n) == 0 &&
		    (dest[n] == '/' || dest[n] == '\0' || n == 1))
			return true;
	}
	return false;
}

/*
 * The mount points that lie on the bundle's root itself, made by the
 * caller (the host's root) as runc makes them: the container's root, an
 * unprivileged user on the host, cannot create them in folders of a
 * root-owned rootfs (containerd's /run, podman's /etc/hosts).  Those under
 * another mount (a tmpfs /dev) are the container's to make.  A failure is
 * left for setup to report.
 */
static void premake_targets(const struct oci_rootfs *r)
{
	_cleanup_close_ int root = open(r->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool dev = false;

	if (root < 0)
		return;
	for (size_t i = 0; i < r->n_mounts; i++) {
		const struct rf_mount *m = &r->mounts[i];
		struct stat st;
		bool file;
		int fd;

		dev = dev || strcmp(m->dest, "/dev") == 0;
		if (under_earlier_mount(r, i, m->dest))
			continue;
		file = m->bind && m->source && stat(m->source, &st) == 0 && !S_ISDIR(st.st_mode);
		fd = make_target(root, m->dest, file, NULL);
		if (fd >= 0)
			close(fd);
	}
	if (!dev && mkdirat(root, "dev", 0755) < 0 && errno != EEXIST)
		return;
}

int oci_rootfs_open_sources(struct oci_rootfs *r, struct joblet_error **err)
{
	char field[64];
	int e;

	if (r->trees_open)
		return 0;
	r->trees_open = true;
	r->root_tree = -1;
	for (size_t i = 0; i < r->n_mounts; i++)
		r->mounts[i].tree = -1;
	r->root_tree = open_tree_private(r->root, true, "root.path", &e, err);
	if (r->root_tree < 0 && (e == EPERM || e == ENOSYS)) {
		/* A rootless caller, or a kernel before 5.2: setup opens the paths itself. */
		joblet_error_clear(err);
		r->trees_open = false;
		return 0;
	}
	if (r->root_tree < 0)
		return r->root_tree;
	premake_targets(r);
	for (size_t i = 0; i < r->n_mounts; i++) {
		const struct rf_mount *m = &r->mounts[i];

		if (!m->bind)
			continue;
		snprintf(field, sizeof(field), "mounts[%zu].source", i);
		r->mounts[i].tree = open_tree_private(m->source, m->flags & MS_REC, field, &e, err);
		if (r->mounts[i].tree < 0)
			return r->mounts[i].tree;
	}
	return 0;
}

void oci_rootfs_free(struct oci_rootfs *r)
{
	if (r) {
		jl_strv_free(r->cg_mounts);
		jl_strv_free(r->cg_dirs);
	}
	if (!r)
		return;
	if (r->trees_open) {
		if (r->root_tree >= 0)
			close(r->root_tree);
		for (size_t i = 0; i < r->n_mounts; i++)
			if (r->mounts[i].tree >= 0)
				close(r->mounts[i].tree);
	}
	for (size_t i = 0; i < r->n_mounts; i++) {
		free(r->mounts[i].dest);
		free(r->mounts[i].type);
		free(r->mounts[i].source);
		free(r->mounts[i].data);
	}
	free(r->mounts);
	for (size_t i = 0; i < r->n_devices; i++)
		free(r->devices[i].path);
	free(r->devices);
	for (size_t i = 0; i < r->n_masked; i++)
		free(r->masked[i]);
	free(r->masked);
	for (size_t i = 0; i < r->n_ro_paths; i++)
		free(r->ro_paths[i]);
	free(r->ro_paths);
	for (size_t i = 0; i < r->n_sysctls; i++) {
		free(r->sysctls[i].key);
		free(r->sysctls[i].value);
	}
	free(r->sysctls);
	free(r->hostname);
	free(r->domainname);
	free(r->root);
	free(r);
}

/* ------------------------------------------------------------------ setup helpers */

struct setup {
	const struct oci_rootfs *r;
	int root_fd;	/* O_PATH of the root (the bind of root.path) */
	int host_null;	/* O_PATH of the host's /dev/null: what masks a file */
	bool dev_given; /* mounts has /dev */
	bool dev_bound; /* ... and it is a bind (the host's /dev): no devices made */
	bool uts_hosts; /* the uts namespace is the host's: no hostname then */
	bool pts_given; /* mounts has /dev/pts */
};

/*
 * Whether namespace ns ("net", "ipc", "uts") is the host's: the kernel's
 * initial one (fixed inode numbers, Linux 3.8; net's since 6.x), or pid 1's
 * where pid 1 can be looked at (not from a new pid namespace).  A user
 * namespace cannot change the host's anyway.
 */
static bool ns_is_hosts(const char *ns)
{
	char p[64];
	struct stat host, self;
	ino_t init_ino = strcmp(ns, "uts") == 0	  ? 0xEFFFFFFEU
			 : strcmp(ns, "ipc") == 0 ? 0xEFFFFFFFU
						  : 0xEFFFFFF9U;

	snprintf(p, sizeof(p), "/proc/self/ns/%s", ns);
	if (stat(p, &self) < 0)
		return false;
	if (self.st_ino == init_ino)
		return true;
	snprintf(p, sizeof(p), "/proc/1/ns/%s", ns);
	return stat(p, &host) == 0 && host.st_dev == self.st_dev && host.st_ino == self.st_ino;
}

static void fd_path(int fd, char buf[40])
{
	snprintf(buf, 40, "/proc/self/fd/%d", fd);
}

static int sys_err(struct joblet_error **err, int e, const char *what, const char *path)
{
	if (e == ELOOP || e == EXDEV)
		return joblet_error_set(
			err, JOBLET_E_PERMISSION, e,
			"%s `%s`: a symlink on the way cannot be followed inside the container's root (it dangles, loops, or is a /proc magic link)",
			what, path);
	if (e == EACCES)
		return joblet_error_set(
			err, JOBLET_E_PERMISSION, e,
			"%s `%s` (the container's root is an unprivileged user on the host: the path must be reachable by it)",
			what, path);
	return joblet_error_set(err, JOBLET_E_SYSTEM, e, "%s `%s`", what, path);
}

/*
 * Open path (absolute, as seen inside the container) below root_fd:
 * symlinks are followed as the container would see them, never out of the
 * root, never through /proc's magic links.
 */
static int open_in_root(int root_fd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};

	return (int)syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
}

/* Make the missing part `name` below the folder prefix (inside the root). */
static int make_one(int root_fd, const char *prefix, const char *name, bool file,
		    struct joblet_error **err)
{
	_cleanup_close_ int pfd =
		open_in_root(root_fd, *prefix ? prefix : "/", O_RDONLY | O_DIRECTORY);
	int fd;

	if (pfd < 0)
		return sys_err(err, errno, "cannot open the folder", *prefix ? prefix : "/");
	if (file) {
		fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd >= 0)
			close(fd);
	} else
		fd = mkdirat(pfd, name, 0755);
	if (fd < 0 && errno != EEXIST)
		return sys_err(err, errno, "cannot create the mount point in",
			       *prefix ? prefix : "/");
	return 0;
}

/*
 * The mount point dest inside the root, as an O_PATH fd: missing folders
 * are made on the way, and the last part is made a file when file is set
 * (a bind of a file needs one), else a folder.
 */
static int make_target(int root_fd, const char *dest, bool file, struct joblet_error **err)
{
	char buf[PATH_MAX];
	size_t len = strlen(dest);
	int fd, r;

	fd = open_in_root(root_fd, dest, O_PATH);
	if (fd >= 0)
		return fd;
	if (errno != ENOENT)
		return sys_err(err, errno, "cannot open the mount point", dest);
	if (len >= sizeof(buf))
		return sys_err(err, ENAMETOOLONG, "cannot open the mount point", dest);
	for (size_t i = 1; i <= len; i++) {
		char *slash;

		if ((i < len && dest[i] != '/') || dest[i - 1] == '/')
			continue;
		memcpy(buf, dest, i);
		buf[i] = '\0';
		fd = open_in_root(root_fd, buf, O_PATH);
		if (fd >= 0) {
			close(fd);
			continue;
		}
		if (errno != ENOENT)
			return sys_err(err, errno, "cannot open the mount point", buf);
		slash = strrchr(buf, '/');
		*slash = '\0';
		r = make_one(root_fd, buf, slash + 1, file && i == len, err);
		if (r < 0)
			return r;
	}
	fd = open_in_root(root_fd, dest, O_PATH);
	if (fd < 0)
		return sys_err(err, errno == ENOENT ? ELOOP : errno, "cannot open the mount point",
			       dest);
	return fd;
}

/* The per-mount flags of the mount at path (what a remount in a user namespace must keep). */
static int mount_flags_of(const char *path, unsigned long *ret)
{
	struct statvfs sv;
	unsigned long f = 0;

	if (statvfs(path, &sv) < 0)
		return -1;
	f |= (sv.f_flag & ST_RDONLY) ? MS_RDONLY : 0;
	f |= (sv.f_flag & ST_NOSUID) ? MS_NOSUID : 0;
	f |= (sv.f_flag & ST_NODEV) ? MS_NODEV : 0;
	f |= (sv.f_flag & ST_NOEXEC) ? MS_NOEXEC : 0;
	f |= (sv.f_flag & ST_NOATIME) ? MS_NOATIME : 0;
	f |= (sv.f_flag & ST_NODIRATIME) ? MS_NODIRATIME : 0;
	f |= (sv.f_flag & ST_RELATIME) ? MS_RELATIME : 0;
	if (!(f & (MS_NOATIME | MS_RELATIME)))
		f |= MS_STRICTATIME;
	*ret = f;
	return 0;
}

/*
 * Remount the bind at path with flags set and clear cleared; what is
 * neither stays as the mount has it (so locked flags are kept).
 */
static int remount_bind(const char *path, unsigned long set, unsigned long clear, const char *what,
			struct joblet_error **err)
{
	unsigned long cur, f;

	if (mount_flags_of(path, &cur) < 0)
		return sys_err(err, errno, "cannot read the mount flags of", what);
	if (set & MNT_ATIME)
		cur &= ~MNT_ATIME;
	f = ((cur & ~clear) | set) & MNT_PER_MOUNT;
	if (mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | f, NULL) < 0) {
		if (errno == EPERM)
			return joblet_error_set(
				err, JOBLET_E_PERMISSION, errno,
				"cannot change the flags of the bind mount `%s`: the host mount it copies is locked (nosuid, nodev, noexec or ro), and a container cannot lift that",
				what);
		return sys_err(err, errno, "cannot remount", what);
	}
	return 0;
}

/* The MOUNT_ATTR_* bits on every mount of the tree at fd. */
static int set_attr_recursive(int fd, uint64_t attr, const char *what, struct joblet_error **err)
{
	struct rf_mount_attr a = { .attr_set = attr };

	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)) < 0)
		return sys_err(
			err, errno,
			errno == ENOSYS
				? "this kernel (before 5.12) cannot make read-only recursively"
				: "cannot set the flags of every mount of",
			what);
	return 0;
}

/* A device node, a devpts, or the host's /dev (devtmpfs): what a bind must not give by the way. */
static bool is_host_device(int fd, const struct stat *st)
{
	struct stat dev, root;
	struct statfs sf;

	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
		return true;
	if (!S_ISDIR(st->st_mode))
		return false;
	if (fstatfs(fd, &sf) == 0 && sf.f_type == DEVPTS_SUPER_MAGIC)
		return true;
	return stat("/dev", &dev) == 0 && stat("/", &root) == 0 && dev.st_dev != root.st_dev &&
	       dev.st_dev == st->st_dev;
}

/*
 * Bind host path src onto the mount point dest (made inside the root as
 * needed).  Unless devices_ok, a source that is a device, or a folder of
 * the host's device file systems, is refused: host devices are the
 * policy's to give (allow_host_devices).
 */
static int bind_tree(struct setup *s, int tree, const char *src, const char *dest, bool rec,
		     bool devices_ok, struct joblet_error **err)
{
	char sp[40], dp[40];
	struct stat st;
	_cleanup_close_ int sfd = tree >= 0 ? -1 : open(src, O_PATH | O_CLOEXEC);
	_cleanup_close_ int dfd = -1;
	int fd = tree >= 0 ? tree : sfd;

	if (fd < 0 || fstat(fd, &st) < 0)
		return sys_err(err, errno, "cannot open the bind mount's source", src);
	if (!devices_ok && is_host_device(fd, &st))
		return joblet_error_set(
			err, JOBLET_E_PERMISSION, 0,
			"the bind mount's source `%s` is a host device (or a folder of them), and containers get only the default ones; the operator may allow host devices with allow_host_devices in /etc/joblet/oci.yml",
			src);
	dfd = make_target(s->root_fd, dest, !S_ISDIR(st.st_mode), err);
	if (dfd < 0)
		return dfd;
	if (tree >= 0) {
		/* Opened by the caller (open_sources): attached as it is. */
		if (syscall(SYS_move_mount, tree, "", dfd, "",
			    RF_MOVE_MOUNT_F_EMPTY_PATH | RF_MOVE_MOUNT_T_EMPTY_PATH) < 0)
			return sys_err(err, errno, "cannot attach the bind mount onto", dest);
		return 0;
	}
	fd_path(sfd, sp);
	fd_path(dfd, dp);
	if (mount(sp, dp, NULL, MS_BIND | (rec ? MS_REC : 0), NULL) < 0)
		return sys_err(err, errno, "cannot bind-mount onto", dest);
	return 0;
}

static int bind_host(struct setup *s, const char *src, const char *dest, bool rec, bool devices_ok,
		     struct joblet_error **err)
{
	return bind_tree(s, -1, src, dest, rec, devices_ok, err);
}

/* ------------------------------------------------------------------ cgroup mounts */

/*
 * The container's own cgroups, read-only, at dest: a user namespace cannot
 * mount cgroup v1, and binding the host's whole /sys/fs/cgroup would show
 * every other container's cgroups; so dest gets a small tmpfs holding, for
 * each hierarchy, a bind of the container's own cgroup folder.
 */
struct cg_line {
	char *ctrls; /* "cpu,cpuacct", "name=systemd", "" for v2 */
	char *path;
};

/* Whether the super options of a v1 hierarchy (sopts) hold controller list ctrls. */
static bool cg_match(const char *fstype, const char *sopts, const char *ctrls)
{
	size_t n = strcspn(ctrls, ",");

	if (!*ctrls)
		return strcmp(fstype, "cgroup2") == 0;
	if (strcmp(fstype, "cgroup") != 0)
		return false;
	for (const char *c = sopts; *c;) {
		size_t k = strcspn(c, ",");

		if (k == n && strncmp(c, ctrls, n) == 0)
			return true;
		c += k;
		if (*c == ',')
			c++;
	}
	return false;
}

/* Bind one hierarchy's own folder (mountinfo line fields) into dir_fd's folder. */
static int cg_bind_one(struct setup *s, const char *dest, const char *mnt, const char *root,
		       const char *own, struct joblet_error **err)
{
	char src[PATH_MAX], dst[PATH_MAX];
	const char *base = strrchr(mnt, '/');
	size_t rl = strlen(root);
	int r;

	if (strcmp(root, "/") == 0)
		rl = 0;
	else if (strncmp(own, root, rl) != 0 || (own[rl] != '/' && own[rl] != '\0'))
		return 0; /* not below what this mount shows: nothing of ours to bind */
	if ((size_t)snprintf(src, sizeof(src), "%s%s", mnt, own + rl) >= sizeof(src) ||
	    (size_t)snprintf(dst, sizeof(dst), "%s/%s", dest, base + 1) >= sizeof(dst))
		return sys_err(err, ENAMETOOLONG, "cannot bind the cgroup", mnt);
	if ((r = bind_host(s, src, dst, false, true, err)) < 0)
		return r;
	{
		char dp[40];
		_cleanup_close_ int fd = open_in_root(s->root_fd, dst, O_PATH);

		if (fd < 0)
			return sys_err(err, errno, "cannot open", dst);
		fd_path(fd, dp);
		return remount_bind(dp, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, 0, dst, err);
	}
}

static int cg_read_own(struct cg_line *lines, size_t max, size_t *ret_n, struct joblet_error **err)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/cgroup", "re");
	char buf[4096];
	size_t n = 0;

	if (!f)
		return sys_err(err, errno, "cannot read", "/proc/self/cgroup");
	while (n < max && fgets(buf, sizeof(buf), f)) {
		char *c1 = strchr(buf, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		if (!c2)
			continue;
		*c2 = '\0';
		c2[strcspn(c2 + 1, "\n") + 1] = '\0';
		lines[n].ctrls = strdup(c1 + 1);
		lines[n].path = strdup(c2 + 1);
		if (!lines[n].ctrls || !lines[n].path) {
			free(lines[n].ctrls);
			free(lines[n].path);
			return nomem(err);
		}
		n++;
	}
	*ret_n = n;
	return 0;
}

/* Walk mountinfo: each cgroup hierarchy under /sys/fs/cgroup that holds one of ours. */
static int cg_bind_all(struct setup *s, const char *dest, struct cg_line *own, size_t n_own,
		       struct joblet_error **err)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	int r = 0;

	if (!f)
		return sys_err(err, errno, "cannot read", "/proc/self/mountinfo");
	while (r == 0 && fgets(line, sizeof(line), f)) {
		char *fld[6], *sep = strstr(line, " - "), *save = NULL, *p = line, *fstype, *sopts;
		int k;

		if (!sep)
			continue;
		*sep = '\0';
		for (k = 0; k < 6 && (fld[k] = strtok_r(p, " ", &save)); k++)
			p = NULL;
		fstype = strtok_r(sep + 3, " ", &save);
		(void)strtok_r(NULL, " ", &save); /* the source */
		sopts = strtok_r(NULL, " \n", &save);
		if (k < 5 || !fstype || !sopts || strncmp(fld[4], "/sys/fs/cgroup/", 15) != 0 ||
		    strchr(fld[4] + 15, '/'))
			continue;
		for (size_t i = 0; i < n_own; i++)
			if (cg_match(fstype, sopts, own[i].ctrls)) {
				r = cg_bind_one(s, dest, fld[4], fld[3], own[i].path, err);
				break;
			}
	}
	return r;
}

int oci_rootfs_set_cgroups(struct oci_rootfs *r, json_object *cgroup, struct joblet_error **err)
{
	json_object *hs, *managed;

	if (json_object_object_get_ex(cgroup, "managed", &managed) &&
	    !json_object_get_boolean(managed))
		return 0;
	if (!json_object_object_get_ex(cgroup, "hierarchies", &hs))
		return 0;
	for (size_t i = 0; i < json_object_array_length(hs); i++) {
		json_object *h = json_object_array_get_idx(hs, i), *mnt, *dir;

		if (!json_object_object_get_ex(h, "mount", &mnt) ||
		    !json_object_object_get_ex(h, "dir", &dir))
			continue;
		if (jl_strv_push(&r->cg_mounts, json_object_get_string(mnt)) < 0 ||
		    jl_strv_push(&r->cg_dirs, json_object_get_string(dir)) < 0)
			return nomem(err);
		r->n_cg++;
	}
	return 0;
}

/* The hierarchies the caller made the container's cgroups in: each one's folder, by name. */
static int cg_bind_known(struct setup *s, const char *dest, struct joblet_error **err)
{
	for (size_t i = 0; i < s->r->n_cg; i++) {
		const char *base = strrchr(s->r->cg_mounts[i], '/');
		char dst[PATH_MAX], dp[40];
		int r;

		if (!base || strncmp(s->r->cg_mounts[i], "/sys/fs/cgroup/", 15) != 0)
			continue;
		if ((size_t)snprintf(dst, sizeof(dst), "%s/%s", dest, base + 1) >= sizeof(dst))
			return sys_err(err, ENAMETOOLONG, "cannot bind the cgroup",
				       s->r->cg_dirs[i]);
		if ((r = bind_host(s, s->r->cg_dirs[i], dst, false, true, err)) < 0)
			return r;
		{
			_cleanup_close_ int fd = open_in_root(s->root_fd, dst, O_PATH);

			if (fd < 0)
				return sys_err(err, errno, "cannot open", dst);
			fd_path(fd, dp);
			r = remount_bind(dp, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, 0, dst,
					 err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int mount_cgroup_v1(struct setup *s, const struct rf_mount *m, struct joblet_error **err)
{
	struct cg_line own[32];
	size_t n_own = 0;
	char dp[40];
	int r;
	_cleanup_close_ int fd = make_target(s->root_fd, m->dest, false, err);

	if (fd < 0)
		return fd;
	fd_path(fd, dp);
	if (mount("tmpfs", dp, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755,size=64k") < 0)
		return sys_err(err, errno, "cannot mount a tmpfs on", m->dest);
	/*
	 * Known from the caller: read from inside, the cgroup namespace hides
	 * where the container's folders are in each hierarchy.
	 */
	if (s->r->n_cg > 0)
		r = cg_bind_known(s, m->dest, err);
	else if ((r = cg_read_own(own, N_ELEMS(own), &n_own, err)) == 0)
		r = cg_bind_all(s, m->dest, own, n_own, err);
	for (size_t i = 0; i < n_own; i++) {
		free(own[i].ctrls);
		free(own[i].path);
	}
	if (r < 0)
		return r;
	close(fd);
	fd = open_in_root(s->root_fd, m->dest, O_PATH);
	if (fd < 0)
		return sys_err(err, errno, "cannot open", m->dest);
	fd_path(fd, dp);
	return remount_bind(dp, MS_RDONLY, 0, m->dest, err);
}

/* Unified host, no cgroup namespace of ours: the container's own cgroup, read-only. */
static int mount_cgroup_v2_own(struct setup *s, const struct rf_mount *m, struct joblet_error **err)
{
	struct cg_line own[32];
	size_t n_own = 0;
	char src[PATH_MAX] = "", dp[40];
	int r;
	_cleanup_close_ int fd = -1;

	if ((r = cg_read_own(own, N_ELEMS(own), &n_own, err)) < 0)
		return r;
	for (size_t i = 0; i < n_own; i++) {
		if (!*own[i].ctrls)
			snprintf(src, sizeof(src), "/sys/fs/cgroup%s", own[i].path);
		free(own[i].ctrls);
		free(own[i].path);
	}
	if (!*src)
		return joblet_error_set(err, JOBLET_E_SYSTEM, 0,
					"cannot find the container's cgroup in /proc/self/cgroup");
	if ((r = bind_host(s, src, m->dest, false, true, err)) < 0)
		return r;
	fd = open_in_root(s->root_fd, m->dest, O_PATH);
	if (fd < 0)
		return sys_err(err, errno, "cannot open", m->dest);
	fd_path(fd, dp);
	return remount_bind(dp, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, 0, m->dest, err);
}

/*
 * cgroup or cgroup2 at m->dest: a cgroup2 mount where the host is unified
 * and the kernel lets us (a cgroup namespace of our own), else the
 * container's own cgroups bound read-only.
 */
static int mount_cgroup(struct setup *s, const struct rf_mount *m, struct joblet_error **err)
{
	struct statfs sf;
	char dp[40];

	if (statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC) {
		_cleanup_close_ int fd = make_target(s->root_fd, m->dest, false, err);

		if (fd < 0)
			return fd;
		fd_path(fd, dp);
		if (mount("cgroup2", dp, "cgroup2", m->flags & MNT_PER_MOUNT, NULL) == 0)
			return 0;
		if (errno != EPERM && errno != EBUSY)
			return sys_err(err, errno, "cannot mount cgroup2 on", m->dest);
		return mount_cgroup_v2_own(s, m, err);
	}
	return mount_cgroup_v1(s, m, err);
}

/* ------------------------------------------------------------------ mounts */

static bool is_dev(const char *p)
{
	return strcmp(p, "/dev") == 0 || strcmp(p, "/dev/") == 0;
}

/* sysfs in a user namespace that does not own the network namespace: the host's, read-only. */
static int sysfs_fallback(struct setup *s, const struct rf_mount *m, struct joblet_error **err)
{
	char cg[PATH_MAX], dp[40];
	_cleanup_close_ int fd = -1;
	int r = bind_host(s, "/sys", m->dest, true, true, err);

	if (r < 0)
		return r;
	fd = open_in_root(s->root_fd, m->dest, O_PATH);
	if (fd < 0)
		return sys_err(err, errno, "cannot open", m->dest);
	r = set_attr_recursive(fd,
			       RF_MOUNT_ATTR_RDONLY | RF_MOUNT_ATTR_NOSUID | RF_MOUNT_ATTR_NODEV |
				       RF_MOUNT_ATTR_NOEXEC,
			       m->dest, err);
	if (r < 0)
		return r; /* The host's cgroup trees (every other container's) are not the
			     container's to see. */
	close(fd);
	if ((size_t)snprintf(cg, sizeof(cg), "%s/fs/cgroup", m->dest) >= sizeof(cg))
		return sys_err(err, ENAMETOOLONG, "cannot hide the host's cgroups under", m->dest);
	fd = open_in_root(s->root_fd, cg, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return errno == ENOENT ? 0 : sys_err(err, errno, "cannot open", cg);
	fd_path(fd, dp);
	if (mount("tmpfs", dp, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "size=4k,nr_inodes=1,mode=0555") < 0)
		return sys_err(err, errno, "cannot hide the host's cgroups under", cg);
	return 0;
}

#define COPYUP_MAX_DEPTH 64

static int copy_tree(int from, int to, int depth, const char *what, struct joblet_error **err);

/* One entry of a folder being copied up; never follows a symlink. */
static int copy_entry(int from, int to, const char *name, int depth, const char *what,
		      struct joblet_error **err)
{
	struct stat st;
	_cleanup_close_ int in = -1, out = -1;
	int r = 0;

	if (fstatat(from, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return sys_err(err, errno, "tmpcopyup: cannot look at an entry of", what);
	if (S_ISDIR(st.st_mode)) {
		if (mkdirat(to, name, 0700) < 0 ||
		    (in = openat(from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) <
			    0 ||
		    (out = openat(to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
			return sys_err(err, errno, "tmpcopyup: cannot copy a folder of", what);
		if ((r = copy_tree(in, out, depth + 1, what, err)) < 0)
			return r;
	} else if (S_ISREG(st.st_mode)) {
		char buf[16384];
		ssize_t n;

		in = openat(from, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		out = openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (in < 0 || out < 0)
			return sys_err(err, errno, "tmpcopyup: cannot copy a file of", what);
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (jl_write_all(out, buf, (size_t)n) < 0)
				return sys_err(err, errno, "tmpcopyup: cannot copy a file of",
					       what);
		if (n < 0)
			return sys_err(err, errno, "tmpcopyup: cannot read a file of", what);
	} else if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(from, name, target, sizeof(target) - 1);

		if (n < 0)
			return sys_err(err, errno, "tmpcopyup: cannot read a link of", what);
		target[n] = '\0';
		if (symlinkat(target, to, name) < 0)
			return sys_err(err, errno, "tmpcopyup: cannot copy a link of", what);
	} else
		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, 0,
			"tmpcopyup: `%s` holds `%s`, a special file that is not copied", what,
			name);
	/* Owners outside the container's ids cannot be given: such entries stay the container
	 * root's. */
	(void)!fchownat(to, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
	if (!S_ISLNK(st.st_mode) && fchmodat(to, name, st.st_mode & 07777, 0) < 0)
		return sys_err(err, errno, "tmpcopyup: cannot set the mode of an entry of", what);
	return 0;
}

/* tmpcopyup: the folder's content (from) into the new tmpfs on it (to). */
static int copy_tree(int from, int to, int depth, const char *what, struct joblet_error **err)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *e;
	int fd, r;

	if (depth > COPYUP_MAX_DEPTH)
		return joblet_error_set(err, JOBLET_E_LIMIT, 0,
					"tmpcopyup: `%s` is deeper than %d folders", what,
					COPYUP_MAX_DEPTH);
	fd = fcntl(from, F_DUPFD_CLOEXEC, 0);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return sys_err(err, errno, "tmpcopyup: cannot list", what);
	}
	while ((errno = 0, e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    (r = copy_entry(from, to, e->d_name, depth, what, err)) < 0)
			return r;
	if (errno)
		return sys_err(err, errno, "tmpcopyup: cannot list", what);
	return 0;
}

/* The tmpfs at dest (just mounted) gets what the folder under it held (old_fd). */
static int copy_up(struct setup *s, const struct rf_mount *m, int old_fd, struct joblet_error **err)
{
	_cleanup_close_ int fd = open_in_root(s->root_fd, m->dest, O_RDONLY | O_DIRECTORY);
	char dp[40];
	int r;

	if (fd < 0)
		return sys_err(err, errno, "cannot open the new mount", m->dest);
	if ((r = copy_tree(old_fd, fd, 0, m->dest, err)) < 0)
		return r;
	if (!(m->flags & MS_RDONLY))
		return 0;
	fd_path(fd, dp);
	return remount_bind(dp, MS_RDONLY, 0, m->dest, err);
}

/* A new file system of m->type (tmpfs, proc, sysfs, devpts, mqueue, ...). */
static int mount_fs(struct setup *s, const struct rf_mount *m, struct joblet_error **err)
{
	_cleanup_free_ char *data = m->data ? strdup(m->data) : NULL;
	_cleanup_close_ int fd = -1;
	unsigned long flags = m->flags & ~(MS_BIND | MS_REC);
	char dp[40];

	if (m->data && !data)
		return nomem(err);
	/* Never the host's pty instance. */
	if (strcmp(m->type, "devpts") == 0 && (!data || !strstr(data, "newinstance")) &&
	    data_append(&data, "newinstance") < 0)
		return nomem(err);
	fd = make_target(s->root_fd, m->dest, false, err);
	if (fd < 0)
		return fd;
	fd_path(fd, dp);
	if (m->copyup) {
		/* What the folder holds, before the tmpfs hides it; read-only after the copy. */
		_cleanup_close_ int old = open_in_root(s->root_fd, m->dest, O_RDONLY | O_DIRECTORY);

		if (old < 0)
			return sys_err(err, errno, "cannot open", m->dest);
		if (mount(m->source && *m->source ? m->source : m->type, dp, m->type,
			  flags & ~MS_RDONLY, data) < 0)
			return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
						"cannot mount %s on `%s`", m->type, m->dest);
		return copy_up(s, m, old, err);
	}
	if (mount(m->source && *m->source ? m->source : m->type, dp, m->type, flags, data) == 0)
		return 0;
	if (errno == EPERM && strcmp(m->type, "sysfs") == 0)
		return sysfs_fallback(s, m, err);
	/*
	 * Default specs ask devpts for gid=5 (tty), which a rootless user
	 * namespace of one id does not map: the pty then keeps the opener's group.
	 */
	if (errno == EINVAL && strcmp(m->type, "devpts") == 0 && data &&
	    drop_option(data, "gid=") &&
	    mount(m->source && *m->source ? m->source : m->type, dp, m->type, flags, data) == 0)
		return 0;
	return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot mount %s on `%s`", m->type,
				m->dest);
}

static int mount_one(struct setup *s, const struct rf_mount *m, struct joblet_error **err)
{
	_cleanup_close_ int fd = -1;
	char dp[40];
	int r;

	if (m->bind)
		r = bind_tree(s, s->r->trees_open ? m->tree : -1, m->source, m->dest,
			      m->flags & MS_REC, s->r->allow_host_devices, err);
	else if (strcmp(m->type, "cgroup") == 0 || strcmp(m->type, "cgroup2") == 0)
		return mount_cgroup(s, m, err);
	else
		r = mount_fs(s, m, err);
	if (r < 0)
		return r;
	/* The fd of what is mounted there now, for the flags. */
	fd = open_in_root(s->root_fd, m->dest, O_PATH);
	if (fd < 0)
		return sys_err(err, errno, "cannot open the new mount", m->dest);
	fd_path(fd, dp);
	if (m->bind && ((m->flags | m->clear) & MNT_PER_MOUNT) &&
	    (r = remount_bind(dp, m->flags & MNT_PER_MOUNT, m->clear & MNT_PER_MOUNT, m->dest,
			      err)) < 0)
		return r;
	if (m->rec_attr && (r = set_attr_recursive(fd, m->rec_attr, m->dest, err)) < 0)
		return r;
	if (m->propagation && mount(NULL, dp, NULL, m->propagation, NULL) < 0)
		return sys_err(err, errno, "cannot set the propagation of", m->dest);
	return 0;
}

/* A small /dev when mounts gives none (as runc's default spec has). */
static int mount_dev(struct setup *s, struct joblet_error **err)
{
	_cleanup_close_ int fd = make_target(s->root_fd, "/dev", false, err);
	char dp[40];

	if (fd < 0)
		return fd;
	fd_path(fd, dp);
	if (mount("tmpfs", dp, "tmpfs", MS_NOSUID | MS_NOEXEC | MS_STRICTATIME,
		  "mode=0755,size=65536k") < 0)
		return sys_err(err, errno, "cannot mount a tmpfs on", "/dev");
	return 0;
}

/* An allowed host device: made where the kernel lets us, else the host's node bound. */
static int make_device(struct setup *s, const struct rf_device *d, struct joblet_error **err)
{
	char parent[PATH_MAX];
	const char *base = strrchr(d->path, '/');
	mode_t type = d->type == 'b' ? S_IFBLK : S_IFCHR;
	struct stat st;
	_cleanup_close_ int pfd = -1, fd = -1;

	snprintf(parent, sizeof(parent), "%.*s", (int)(base - d->path), d->path);
	fd = make_target(s->root_fd, *parent ? parent : "/", false, err);
	if (fd < 0)
		return fd;
	pfd = open_in_root(s->root_fd, *parent ? parent : "/", O_RDONLY | O_DIRECTORY);
	if (pfd < 0)
		return sys_err(err, errno, "cannot open", *parent ? parent : "/");
	if (mknodat(pfd, base + 1, type | (d->mode & 07777), makedev(d->major, d->minor)) == 0) {
		if (fchownat(pfd, base + 1, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
			return sys_err(err, errno, "cannot give the device its owner", d->path);
		return 0;
	}
	if (errno != EPERM)
		return sys_err(err, errno, "cannot create the device", d->path);
	if (stat(d->path, &st) < 0 || (st.st_mode & S_IFMT) != type ||
	    st.st_rdev != makedev(d->major, d->minor))
		return joblet_error_set(
			err, JOBLET_E_PERMISSION, 0,
			"cannot create the device `%s` in a user namespace, and the host has no such device at that path to bind",
			d->path);
	return bind_host(s, d->path, d->path, false, true, err);
}

/* A pty instance of the container's own when mounts gives none (a terminal needs one). */
static int mount_pts(struct setup *s, struct joblet_error **err)
{
	_cleanup_close_ int fd = make_target(s->root_fd, "/dev/pts", false, err);
	char dp[40];

	if (fd < 0)
		return fd;
	fd_path(fd, dp);
	if (mount("devpts", dp, "devpts", MS_NOSUID | MS_NOEXEC,
		  "newinstance,ptmxmode=0666,mode=0620") < 0)
		return sys_err(err, errno, "cannot mount a devpts on", "/dev/pts");
	return 0;
}

/* /dev: the default devices, the allowed ones, the usual links, a devpts. */
static int make_devices(struct setup *s, struct joblet_error **err)
{
	static const char *const links[][2] = {
		{ "fd", "/proc/self/fd" },
		{ "stdin", "/proc/self/fd/0" },
		{ "stdout", "/proc/self/fd/1" },
		{ "stderr", "/proc/self/fd/2" },
	};
	_cleanup_close_ int dfd = -1;
	int r;

	for (size_t i = 0; i < N_ELEMS(default_devices); i++)
		if ((r = bind_host(s, default_devices[i].path, default_devices[i].path, false, true,
				   err)) < 0)
			return r;
	for (size_t i = 0; i < s->r->n_devices; i++)
		if ((r = make_device(s, &s->r->devices[i], err)) < 0)
			return joblet_error_prefix(err, r, "config.json: linux.devices[%zu]", i);
	if (!s->pts_given && (r = mount_pts(s, err)) < 0)
		return r;
	dfd = open_in_root(s->root_fd, "/dev", O_RDONLY | O_DIRECTORY);
	if (dfd < 0)
		return sys_err(err, errno, "cannot open", "/dev");
	for (size_t i = 0; i < N_ELEMS(links); i++)
		if (symlinkat(links[i][1], dfd, links[i][0]) < 0 && errno != EEXIST)
			return sys_err(err, errno, "cannot create the link /dev/", links[i][0]);
	/* /dev/ptmx is the container's own devpts instance's. */
	if (unlinkat(dfd, "ptmx", 0) < 0 && errno != ENOENT)
		return sys_err(err, errno, "cannot replace", "/dev/ptmx");
	if (symlinkat("pts/ptmx", dfd, "ptmx") < 0)
		return sys_err(err, errno, "cannot create the link", "/dev/ptmx");
	return 0;
}

/* ------------------------------------------------------------------ the root */

/*
 * The root the caller opened (oci_rootfs_open_sources) is attached over a
 * host folder: hidden in this mount namespace only, which leaves the
 * host's root at pivot_root anyway.  The container's root may be a host
 * user that could not reach root.path itself.
 */
static int attach_root(struct setup *s, struct joblet_error **err)
{
	static const char *const staging[] = { "/tmp", "/mnt", "/run", "/var/tmp", "/home" };

	for (size_t i = 0; i < N_ELEMS(staging); i++) {
		_cleanup_close_ int fd =
			open(staging[i], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (fd < 0)
			continue;
		if (syscall(SYS_move_mount, s->r->root_tree, "", fd, "",
			    RF_MOVE_MOUNT_F_EMPTY_PATH | RF_MOVE_MOUNT_T_EMPTY_PATH) < 0)
			return sys_err(err, errno, "cannot attach the container's root over",
				       staging[i]);
		s->root_fd = open(staging[i], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s->root_fd < 0)
			return sys_err(err, errno, "cannot open the container's root over",
				       staging[i]);
		return 0;
	}
	return joblet_error_set(err, JOBLET_E_SYSTEM, ENOENT,
				"no folder to attach the container's root over (/tmp, /mnt, /run)");
}

/* Steps 1 and 2: nothing propagates to the host, and root.path is a mount point. */
static int prepare_root(struct setup *s, struct joblet_error **err)
{
	const struct oci_rootfs *r = s->r;
	char rp[40];
	_cleanup_close_ int fd = -1;

	/*
	 * Slave first, whatever rootfsPropagation says: then no mount of ours
	 * can reach the host.  shared is applied after pivot_root, where it
	 * shares with nothing of the host's.
	 */
	if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return sys_err(err, errno, "cannot make slave the mounts under", "/");
	if (r->propagation && !(r->propagation & MS_SHARED) &&
	    mount(NULL, "/", NULL, r->propagation, NULL) < 0)
		return sys_err(err, errno, "config.json: linux.rootfsPropagation: cannot apply to",
			       "/");
	if (r->trees_open) {
		int ret = attach_root(s, err);

		if (ret < 0)
			return ret;
	} else {
		fd = open(r->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return sys_err(err, errno, "cannot open the container's root (root.path)",
				       r->root);
		fd_path(fd, rp);
		if (mount(rp, rp, NULL, MS_BIND | MS_REC, NULL) < 0)
			return sys_err(err, errno, "cannot bind-mount the container's root",
				       r->root);
		/* Now the bind's top. */
		s->root_fd = open(r->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (s->root_fd < 0)
			return sys_err(err, errno, "cannot open the container's root", r->root);
	}
	s->host_null = open("/dev/null", O_PATH | O_CLOEXEC);
	if (s->host_null < 0)
		return sys_err(err, errno, "cannot open", "/dev/null");
	return 0;
}

/* Step 6a: linux.sysctl through the container's own /proc. */
static int write_sysctls(struct setup *s, struct joblet_error **err)
{
	for (size_t i = 0; i < s->r->n_sysctls; i++) {
		const struct rf_sysctl *c = &s->r->sysctls[i];
		char path[256];
		size_t len = strlen(c->value);
		_cleanup_close_ int fd = -1;

		const char *ns = strncmp(c->key, "net.", 4) == 0 ? "net"
				 : strstr(c->key, "name")	 ? "uts"
								 : "ipc";

		if (ns_is_hosts(ns))
			return joblet_error_set(
				err, JOBLET_E_PERMISSION, 0,
				"config.json: linux.sysctl.%s: the container shares the host's %s namespace, so this would set the host's; give the container its own in linux.namespaces",
				c->key, ns);
		snprintf(path, sizeof(path), "/proc/sys/%s", c->key);
		for (char *p = path + 10; *p; p++)
			if (*p == '.')
				*p = '/';
		fd = open_in_root(s->root_fd, path, O_WRONLY);
		if (fd < 0)
			return joblet_error_set(
				err, JOBLET_E_SYSTEM, errno,
				"config.json: linux.sysctl.%s: cannot open `%s` (is there no such sysctl here, or no proc mount on /proc in mounts?)",
				c->key, path);
		if (jl_write_all(fd, c->value, len) < 0)
			return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
						"config.json: linux.sysctl.%s: cannot write `%s`",
						c->key, c->value);
	}
	return 0;
}

/*
 * The floor: what every container has masked and read-only whatever
 * config.json says (the lists of runc's default spec), as a privileged
 * container of another runtime would not.
 */
static const char *const floor_masked[] = {
	"/proc/acpi",
	"/proc/asound",
	"/proc/kcore",
	"/proc/keys",
	"/proc/latency_stats",
	"/proc/timer_list",
	"/proc/timer_stats",
	"/proc/sched_debug",
	"/proc/scsi",
	"/sys/firmware",
	"/sys/devices/virtual/powercap",
};
static const char *const floor_readonly[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

static bool in_list(char *const *list, size_t n, const char *p)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], p) == 0)
			return true;
	return false;
}

/* One read-only path: bound onto itself and made read-only; missing is fine. */
static int readonly_one(struct setup *s, const char *p, struct joblet_error **err)
{
	_cleanup_close_ int fd = open_in_root(s->root_fd, p, O_PATH);
	char dp[40];

	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return sys_err(err, errno, "cannot open the read-only path", p);
	fd_path(fd, dp);
	if (mount(dp, dp, NULL, MS_BIND | MS_REC, NULL) < 0)
		return sys_err(err, errno, "cannot bind the read-only path", p);
	close(fd);
	fd = open_in_root(s->root_fd, p, O_PATH);
	if (fd < 0)
		return sys_err(err, errno, "cannot open the read-only path", p);
	fd_path(fd, dp);
	return remount_bind(dp, MS_RDONLY, 0, p, err);
}

/* One masked path: /dev/null over a file, an empty read-only tmpfs over a folder. */
static int mask_one(struct setup *s, const char *p, struct joblet_error **err)
{
	_cleanup_close_ int fd = open_in_root(s->root_fd, p, O_PATH);
	struct stat st;
	char dp[40], np[40];
	int r;

	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 || fstat(fd, &st) < 0)
		return sys_err(err, errno, "cannot open the masked path", p);
	fd_path(fd, dp);
	fd_path(s->host_null, np);
	if (S_ISDIR(st.st_mode))
		r = mount("tmpfs", dp, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "size=4k,nr_inodes=1,mode=0555");
	else
		r = mount(np, dp, NULL, MS_BIND, NULL);
	if (r < 0)
		return sys_err(err, errno, "cannot mask", p);
	return 0;
}

/* Step 6b and 6c: readonlyPaths then maskedPaths, each with the floor's. */
static int protect_paths(struct setup *s, struct joblet_error **err)
{
	const struct oci_rootfs *r = s->r;
	int ret;

	for (size_t i = 0; i < r->n_ro_paths; i++)
		if ((ret = readonly_one(s, r->ro_paths[i], err)) < 0)
			return joblet_error_prefix(err, ret,
						   "config.json: linux.readonlyPaths[%zu]", i);
	for (size_t i = 0; i < N_ELEMS(floor_readonly); i++)
		if (!in_list(r->ro_paths, r->n_ro_paths, floor_readonly[i]) &&
		    (ret = readonly_one(s, floor_readonly[i], err)) < 0)
			return ret;
	for (size_t i = 0; i < r->n_masked; i++)
		if ((ret = mask_one(s, r->masked[i], err)) < 0)
			return joblet_error_prefix(err, ret, "config.json: linux.maskedPaths[%zu]",
						   i);
	for (size_t i = 0; i < N_ELEMS(floor_masked); i++)
		if (!in_list(r->masked, r->n_masked, floor_masked[i]) &&
		    (ret = mask_one(s, floor_masked[i], err)) < 0)
			return ret;
	return 0;
}

/* Step 7: into the root; the host's root detached, not merely out of sight. */
static int enter_root(struct setup *s, struct joblet_error **err)
{
	if (fchdir(s->root_fd) < 0)
		return sys_err(err, errno, "cannot enter", s->r->root);
	/* The old root is stacked under the new one, then detached from "." */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return sys_err(err, errno, "pivot_root failed for", s->r->root);
	/* Never let the detach reach a peer of the host's. */
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return sys_err(err, errno, "cannot make the old root a slave", "/");
	if (umount2(".", MNT_DETACH) < 0)
		return sys_err(err, errno, "cannot detach the host's root from", "/");
	if (chdir("/") < 0)
		return sys_err(err, errno, "cannot enter", "/");
	return 0;
}

/* Step 8. */
static int finish_root(struct setup *s, struct joblet_error **err)
{
	const struct oci_rootfs *r = s->r;
	int ret;

	if (r->readonly && (ret = remount_bind("/", MS_RDONLY, 0, "/", err)) < 0)
		return joblet_error_prefix(err, ret, "config.json: root.readonly");
	if (r->propagation & MS_SHARED && mount(NULL, "/", NULL, r->propagation, NULL) < 0)
		return sys_err(err, errno, "config.json: linux.rootfsPropagation: cannot apply to",
			       "/");
	if ((r->hostname || r->domainname) && s->uts_hosts)
		return joblet_error_set(
			err, JOBLET_E_PERMISSION, 0,
			"config.json: %s: the container shares the host's uts namespace, so this would rename the host; give the container its own in linux.namespaces",
			r->hostname ? "hostname" : "domainname");
	if (r->hostname && sethostname(r->hostname, strlen(r->hostname)) < 0)
		return joblet_error_set(
			err, JOBLET_E_SYSTEM, errno,
			"config.json: hostname: cannot set `%s` (the container needs its own uts namespace)",
			r->hostname);
	if (r->domainname && setdomainname(r->domainname, strlen(r->domainname)) < 0)
		return joblet_error_set(
			err, JOBLET_E_SYSTEM, errno,
			"config.json: domainname: cannot set `%s` (the container needs its own uts namespace)",
			r->domainname);
	return 0;
}

static int setup_run(struct setup *s, struct joblet_error **err)
{
	const struct oci_rootfs *r = s->r;
	int ret;

	for (size_t i = 0; i < r->n_mounts; i++)
		if (is_dev(r->mounts[i].dest)) {
			s->dev_given = true;
			s->dev_bound = r->mounts[i].bind;
		} else if (strcmp(r->mounts[i].dest, "/dev/pts") == 0)
			s->pts_given = true;
	s->uts_hosts = ns_is_hosts("uts");
	if ((ret = prepare_root(s, err)) < 0)
		return ret;
	if (!s->dev_given && (ret = mount_dev(s, err)) < 0)
		return ret;
	for (size_t i = 0; i < r->n_mounts; i++)
		if ((ret = mount_one(s, &r->mounts[i], err)) < 0)
			return joblet_error_prefix(err, ret, "config.json: mounts[%zu]", i);
	if (!s->dev_bound && (ret = make_devices(s, err)) < 0)
		return ret;
	if ((ret = write_sysctls(s, err)) < 0 || (ret = protect_paths(s, err)) < 0 ||
	    (ret = enter_root(s, err)) < 0)
		return ret;
	return finish_root(s, err);
}

int oci_rootfs_setup(const struct oci_rootfs *r, struct joblet_error **err)
{
	struct setup s = { .r = r, .root_fd = -1, .host_null = -1 };
	int ret = setup_run(&s, err);

	if (s.root_fd >= 0)
		close(s.root_fd);
	if (s.host_null >= 0)
		close(s.host_null);
	return ret;
}

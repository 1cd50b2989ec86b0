/*
 * cgroup.c - linux.cgroupsPath and linux.resources of an OCI bundle, on
 * cgroup v1 (every controller hierarchy, co-mounted or not) and cgroup v2.
 *
 * Where the cgroup goes follows runc:
 *   "/a/b"   from the root of each hierarchy;
 *   "a/b"    under the calling process's own cgroup, per hierarchy
 *            (/proc/self/cgroup);
 *   ""       runc's default: the container id, relative as above (runc's
 *            cgroupfs manager); with --systemd-cgroup ":runc:<id>";
 *   with --systemd-cgroup "slice:prefix:name": the slice expanded as
 *            systemd does ("a-b.slice" -> "/a.slice/a-b.slice") and the
 *            unit "prefix-name.scope".  We do not ask systemd over D-Bus
 *            for the scope: the resulting path is made through cgroupfs
 *            directly, as on a host without systemd.
 *
 * Which layout: when any v1 hierarchy with a controller is mounted, v1
 * (a hybrid host's unified mount without controllers is left alone);
 * otherwise the cgroup2 mount.  On v1 a directory is made in every
 * controller hierarchy the caller is in (named hierarchies such as
 * name=systemd are not ours to manage).
 *
 * Nothing is ever removed that this module did not make: every hierarchy
 * remembers how many trailing components of its directory we created
 * (kept in state.json by to_json), and destroy removes only those.
 *
 * Every resource is checked at parse time against the host: a limit the
 * host cannot enforce (controller or file missing) is an error naming the
 * field, never dropped.  One exception, said in docs/oci.md: memory.kernel
 * (kernel memory limits are gone from current kernels; runc ignores them
 * too) is accepted and ignored, with a line under --debug.
 *
 * Devices: deny by default, then the bundle's rules, then Docker's default
 * set (as runc): v1 devices.deny/devices.allow, v2 a BPF device program
 * attached to the cgroup.  Allowing a device beyond the default set needs
 * the operator's allow_host_devices.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <linux/magic.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "oci/oci.h"

#define CG_MAX_HIER  24
#define CG_UNSET     INT64_MIN
#define CG_FILE_MAX  (1024 * 1024)
#define CG_RMDIR_MS  2000
#define CG_FREEZE_MS 10000

/* One hierarchy: a v1 controller mount, or the v2 one. */
struct cg_hier {
	char *controllers; /* v1: "cpu,cpuacct" as /proc/self/cgroup names them; v2: "" */
	char *mount;	   /* its mount point */
	char *dir;	   /* the container's cgroup in it, absolute */
	int created;	   /* trailing components of dir that we made (0: none) */
};

struct cg_rate {
	int64_t major, minor, value;
};

struct cg_dev_rule {
	bool allow;
	char type;	      /* a, b, c */
	int64_t major, minor; /* -1 = any */
	char access[4];
};

struct cg_weight_dev {
	int64_t major, minor, weight, leaf_weight;
};

struct cg_hugepage {
	char *size; /* "2MB" */
	int64_t limit;
};

struct cg_prio {
	char *name;
	int64_t prio;
};

/* linux.resources as parsed: CG_UNSET (or NULL / 0 entries) when not given. */
struct cg_res {
	int64_t cpu_shares, cpu_quota, cpu_period, rt_runtime, rt_period, cpu_idle;
	char *cpus, *mems;
	int64_t mem_limit, mem_reservation, mem_swap, mem_kernel, mem_kernel_tcp, swappiness;
	int64_t disable_oom; /* 0 / 1 */
	bool use_hierarchy_given;
	int64_t pids_limit;
	int64_t blkio_weight, blkio_leaf_weight;
	struct cg_weight_dev *weight_dev;
	size_t n_weight_dev;
	struct cg_rate *throttle[4]; /* read bps, write bps, read iops, write iops */
	size_t n_throttle[4];
	struct cg_dev_rule *devices;
	size_t n_devices;
	bool devices_given;
	struct cg_hugepage *hugepages;
	size_t n_hugepages;
	int64_t net_classid;
	struct cg_prio *net_prios;
	size_t n_net_prios;
	json_object *unified; /* owned reference */
};

struct oci_cgroup {
	int version;  /* 1 or 2 */
	bool managed; /* false: rootless and nothing writable, every call a no-op */
	bool rootless;
	bool debug;
	bool allow_host_devices;
	char *path; /* the cgroup path every hierarchy's dir ends with (for messages) */
	struct cg_hier h[CG_MAX_HIER];
	size_t n;
	struct cg_res *res; /* NULL: no linux.resources */
};

static const char *const throttle_key[4] = {
	"throttleReadBpsDevice",
	"throttleWriteBpsDevice",
	"throttleReadIOPSDevice",
	"throttleWriteIOPSDevice",
};
static const char *const throttle_v1_file[4] = {
	"blkio.throttle.read_bps_device",
	"blkio.throttle.write_bps_device",
	"blkio.throttle.read_iops_device",
	"blkio.throttle.write_iops_device",
};
static const char *const throttle_v2_key[4] = { "rbps", "wbps", "riops", "wiops" };

/* ------------------------------------------------------------------ small helpers */

static void debug_note(const struct oci_cgroup *cg, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void debug_note(const struct oci_cgroup *cg, const char *fmt, ...)
{
	va_list ap;

	if (!cg->debug)
		return;
	va_start(ap, fmt);
	fputs("joblet-oci: cgroup: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static char *cg_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *cg_printf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return r < 0 ? NULL : s;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Read a whole (small) file; NULL with errno set on failure. */
static char *read_text(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	if (fd < 0)
		return NULL;
	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			char *nb;

			if (cap >= CG_FILE_MAX) {
				errno = EFBIG;
				return NULL;
			}
			nb = realloc(buf, cap + 65536);
			if (!nb)
				return NULL;
			buf = nb;
			cap += 65536;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return NULL;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (!buf && !(buf = calloc(1, 1)))
		return NULL;
	buf[len] = '\0';
	return TAKE_PTR(buf);
}

static char *read_in(const char *dir, const char *file)
{
	_cleanup_free_ char *p = cg_printf("%s/%s", dir, file);

	if (!p) {
		errno = ENOMEM;
		return NULL;
	}
	return read_text(p);
}

/* Write value to dir/file with one write(2): 0 or -errno. */
static int write_raw(const char *dir, const char *file, const char *value)
{
	_cleanup_free_ char *p = cg_printf("%s/%s", dir, file);
	_cleanup_close_ int fd = -1;
	size_t len = strlen(value);
	ssize_t n;

	if (!p)
		return -ENOMEM;
	fd = open(p, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	do
		n = write(fd, value, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static int write_file(const char *dir, const char *file, const char *value,
		      struct joblet_error **err)
{
	int r = write_raw(dir, file, value);

	if (r == -ENOENT)
		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, 0,
			"cannot write `%s` to `%s/%s`: this kernel has no such cgroup file (is the controller enabled?)",
			value, dir, file);
	if (r < 0)
		return joblet_error_set(
			err, r == -EINVAL || r == -ERANGE ? JOBLET_E_INVALID : JOBLET_E_SYSTEM, -r,
			"cannot write `%s` to `%s/%s`", value, dir, file);
	return 0;
}

static int write_i64(const char *dir, const char *file, int64_t v, struct joblet_error **err)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	return write_file(dir, file, buf, err);
}

static bool file_exists(const char *dir, const char *file)
{
	_cleanup_free_ char *p = cg_printf("%s/%s", dir, file);

	return p && access(p, F_OK) == 0;
}

/* The value of "key N" in flat-keyed text; false when absent. */
static bool flat_get(const char *text, const char *key, uint64_t *ret)
{
	size_t kl = strlen(key);

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		char *end;

		if (strncmp(l, key, kl) != 0 || (l[kl] != ' ' && l[kl] != '\t'))
			continue;
		errno = 0;
		*ret = strtoull(l + kl + 1, &end, 10);
		return errno == 0 && end != l + kl + 1;
	}
	return false;
}

/* Is word one of the sep-separated words of list? */
static bool word_in(const char *list, const char *word, char sep)
{
	size_t wl = strlen(word);

	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, sep);
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (l == wl && strncmp(p, word, wl) == 0)
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

/* What a rootless caller meets where nothing was delegated to it. */
static bool rootless_errno(int e)
{
	return e == EACCES || e == EPERM || e == EROFS;
}

static void hier_clear(struct cg_hier *h)
{
	free(h->controllers);
	free(h->mount);
	free(h->dir);
	memset(h, 0, sizeof(*h));
}

/* The hierarchy holding v1 controller name (or the v2 one), NULL when none. */
static struct cg_hier *hier_of(struct oci_cgroup *cg, const char *name)
{
	if (cg->version == 2)
		return cg->n ? &cg->h[0] : NULL;
	for (size_t i = 0; i < cg->n; i++)
		if (word_in(cg->h[i].controllers, name, ','))
			return &cg->h[i];
	return NULL;
}

/* ------------------------------------------------------------------ paths */

static bool name_char_ok(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.' || c == '@' ||
	       c == '+' || c == '=' || c == ',' || c == '~' || c == '%' || c == ':';
}

/*
 * A cgroupfs path: optional leading '/', then components of safe
 * characters, none empty, "." or "..".  0 or an error naming what.
 */
static int path_check(const char *what, const char *p, struct joblet_error **err)
{
	const char *s = p[0] == '/' ? p + 1 : p;

	if (!*s)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"%s: `%s` is the root of the cgroup hierarchy; give the container a cgroup of its own (e.g. `/joblet-oci/ID`)",
			what, p);
	if (strlen(p) > 2048)
		return joblet_error_set(err, JOBLET_E_INVALID, 0, "%s: longer than 2048 characters",
					what);
	for (const char *c = s; *c;) {
		const char *e = strchr(c, '/');
		size_t l = e ? (size_t)(e - c) : strlen(c);

		if (l == 0)
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"%s: `%s` has an empty component (`//` or a trailing `/`)", what,
				p);
		if ((l == 1 && c[0] == '.') || (l == 2 && c[0] == '.' && c[1] == '.'))
			return joblet_error_set(err, JOBLET_E_INVALID, 0,
						"%s: `%s` may not contain `.` or `..` components",
						what, p);
		for (size_t i = 0; i < l; i++)
			if (!name_char_ok(c[i]))
				return joblet_error_set(
					err, JOBLET_E_INVALID, 0,
					"%s: `%s` has a character a cgroup name may not have here (allowed: letters, digits and -_.@+=,~%%:)",
					what, p);
		if (e && !e[1])
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"%s: `%s` has an empty component (`//` or a trailing `/`)", what,
				p);
		c = e ? e + 1 : c + l;
	}
	return 0;
}

/* "a-b.slice" -> "/a.slice/a-b.slice"; "-.slice" or "" -> "" (the root). */
static int slice_expand(const char *slice, char **ret, struct joblet_error **err)
{
	size_t l = strlen(slice), bl;
	_cleanup_free_ char *out = NULL;
	size_t used = 0;

	if (l == 0 || strcmp(slice, "-.slice") == 0)
		return (*ret = strdup(""))
			       ? 0
			       : joblet_error_set(err, JOBLET_E_NOMEM, 0, "out of memory");
	if (l <= 6 || strcmp(slice + l - 6, ".slice") != 0)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"cgroupsPath: slice `%s` must end with `.slice`", slice);
	bl = l - 6;
	if (slice[0] == '-' || slice[bl - 1] == '-' || strstr(slice, "--"))
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"cgroupsPath: slice `%s` may not start or end with `-` or contain `--`",
			slice);
	for (size_t i = 0; i < bl; i++)
		if (!name_char_ok(slice[i]) || slice[i] == ':')
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"cgroupsPath: slice `%s` has a character a unit name may not have",
				slice);
	/* Each '-' starts one more level: its prefix plus ".slice". */
	out = malloc(l * l + 16);
	if (!out)
		return joblet_error_set(err, JOBLET_E_NOMEM, 0, "out of memory");
	for (size_t i = 0; i <= bl; i++) {
		if (i < bl && slice[i] != '-')
			continue;
		out[used++] = '/';
		memcpy(out + used, slice, i);
		used += i;
		memcpy(out + used, ".slice", 6);
		used += 6;
	}
	out[used] = '\0';
	*ret = TAKE_PTR(out);
	return 0;
}

int oci_cgroup_systemd_path(const char *spec, char **ret, struct joblet_error **err)
{
	const char *c1 = strchr(spec, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	_cleanup_free_ char *slice = NULL, *prefix = NULL, *parent = NULL, *path = NULL;
	const char *name;
	int r;

	if (!c1 || !c2 || strchr(c2 + 1, ':'))
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"cgroupsPath: `%s` is not of the form `slice:prefix:name` (--systemd-cgroup)",
			spec);
	slice = strndup(spec, (size_t)(c1 - spec));
	prefix = strndup(c1 + 1, (size_t)(c2 - c1 - 1));
	name = c2 + 1;
	if (!slice || !prefix)
		return joblet_error_set(err, JOBLET_E_NOMEM, 0, "out of memory");
	if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strchr(name, '/') ||
	    strchr(prefix, '/'))
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"cgroupsPath: `%s` needs a name, and neither prefix nor name may contain `/` or be `.` or `..`",
			spec);
	r = slice_expand(*slice ? slice : "system.slice", &parent, err);
	if (r < 0)
		return r;
	if (strlen(name) > 6 && strcmp(name + strlen(name) - 6, ".slice") == 0)
		path = cg_printf("%s/%s", parent, name);
	else if (*prefix)
		path = cg_printf("%s/%s-%s.scope", parent, prefix, name);
	else
		path = cg_printf("%s/%s.scope", parent, name);
	if (!path)
		return joblet_error_set(err, JOBLET_E_NOMEM, 0, "out of memory");
	r = path_check("cgroupsPath", path, err);
	if (r < 0)
		return joblet_error_prefix(err, r, "from `%s`", spec);
	*ret = TAKE_PTR(path);
	return 0;
}

/* ------------------------------------------------------------------ layout */

/* Undo mountinfo's octal escapes (\040) in place. */
static void unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

struct cg_mnt {
	char *root, *point, *fstype, *opts;
};

/* Split one mountinfo line in place; false when malformed. */
static bool mountinfo_line(char *line, struct cg_mnt *m)
{
	char *f[6] = { 0 }, *sep, *s = line;

	for (int i = 0; i < 6; i++) {
		f[i] = s;
		s = strchr(s, ' ');
		if (!s)
			return false;
		*s++ = '\0';
	}
	sep = strstr(s, "- ");
	if (sep != s && !(sep = strstr(s, " - ")))
		return false;
	if (sep != s)
		sep++;
	sep += 2;
	m->root = f[3];
	m->point = f[4];
	m->fstype = sep;
	if (!(s = strchr(sep, ' ')))
		return false;
	*s++ = '\0';
	if (!(s = strchr(s, ' ')))
		return false;
	m->opts = s + 1;
	unescape(m->root);
	unescape(m->point);
	return true;
}

/* Every controller of ctrls ("cpu,cpuacct") in the mount's options? */
static bool opts_have_all(const char *opts, const char *ctrls)
{
	_cleanup_free_ char *c = strdup(ctrls);
	char *save = NULL;

	if (!c)
		return false;
	for (char *w = strtok_r(c, ",", &save); w; w = strtok_r(NULL, ",", &save))
		if (!word_in(opts, w, ','))
			return false;
	return true;
}

/*
 * The mount of fstype (with ctrls, for v1) where own (the caller's cgroup
 * in that hierarchy) is visible; *ret_point and *ret_own (own below the
 * mount's root, "" for the root) are new strings.
 */
static int mount_find(const char *mountinfo, const char *fstype, const char *ctrls, const char *own,
		      char **ret_point, char **ret_own)
{
	_cleanup_free_ char *text = strdup(mountinfo);
	char *save = NULL;

	if (!text)
		return -ENOMEM;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		struct cg_mnt m;
		size_t rl;
		const char *rest;

		if (!mountinfo_line(l, &m) || strcmp(m.fstype, fstype) != 0)
			continue;
		if (ctrls && !opts_have_all(m.opts, ctrls))
			continue;
		rl = strcmp(m.root, "/") == 0 ? 0 : strlen(m.root);
		if (rl && (strncmp(own, m.root, rl) != 0 || (own[rl] && own[rl] != '/')))
			continue;
		rest = own + rl;
		if (strcmp(rest, "/") == 0)
			rest = "";
		*ret_point = strdup(m.point);
		*ret_own = strdup(rest);
		if (!*ret_point || !*ret_own)
			return -ENOMEM;
		return 0;
	}
	return -ENOENT;
}

/* Add a hierarchy: dir is mount + (own + "/" when relative) + target. */
static int hier_add(struct oci_cgroup *cg, const char *ctrls, char *point, char *own,
		    const char *target, struct joblet_error **err)
{
	struct cg_hier *h;

	if (cg->n >= CG_MAX_HIER) {
		free(point);
		free(own);
		return joblet_error_set(err, JOBLET_E_UNSUPPORTED, 0,
					"more than %d cgroup hierarchies are mounted", CG_MAX_HIER);
	}
	h = &cg->h[cg->n++];
	h->controllers = strdup(ctrls);
	h->mount = point;
	if (target[0] == '/')
		h->dir = cg_printf("%s%s", point, target);
	else
		h->dir = cg_printf("%s%s/%s", point, own, target);
	free(own);
	if (!h->controllers || !h->dir)
		return joblet_error_set(err, JOBLET_E_NOMEM, 0, "out of memory");
	return 0;
}

/* One v1 line of /proc/self/cgroup ("4:memory:/x"): its hierarchy, unless named only. */
static int layout_v1_line(struct oci_cgroup *cg, const char *mountinfo, char *ctrls,
			  const char *own, const char *target, struct joblet_error **err)
{
	char *point = NULL, *rel = NULL;
	int r;

	if (!*ctrls || strncmp(ctrls, "name=", 5) == 0)
		return 0;
	r = mount_find(mountinfo, "cgroup", ctrls, own, &point, &rel);
	if (r == -ENOENT)
		return 0; /* not mounted here: nothing we could write */
	if (r < 0) {
		free(point);
		free(rel);
		return joblet_error_set(err, JOBLET_E_NOMEM, 0, "out of memory");
	}
	return hier_add(cg, ctrls, point, rel, target, err);
}

/* Fill cg->h from /proc/self/{cgroup,mountinfo} for target (absolute or relative). */
static int layout_load(struct oci_cgroup *cg, const char *target, struct joblet_error **err)
{
	_cleanup_free_ char *self = read_text("/proc/self/cgroup");
	_cleanup_free_ char *mountinfo = read_text("/proc/self/mountinfo");
	char *save = NULL, *v2_own = NULL;
	int r;

	if (!self || !mountinfo)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					"cannot read /proc/self/cgroup and /proc/self/mountinfo");
	for (char *l = strtok_r(self, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		if (!c2)
			continue;
		*c2 = '\0';
		if (!c1[1]) {
			if (strcmp(l, "0:") == 0)
				v2_own = c2 + 1;
			continue;
		}
		r = layout_v1_line(cg, mountinfo, c1 + 1, c2 + 1, target, err);
		if (r < 0)
			return r;
	}
	cg->version = 1;
	if (cg->n == 0 && v2_own) {
		char *point = NULL, *rel = NULL;

		cg->version = 2;
		r = mount_find(mountinfo, "cgroup2", NULL, v2_own, &point, &rel);
		if (r == 0)
			return hier_add(cg, "", point, rel, target, err);
		free(point);
		free(rel);
	}
	if (cg->n == 0)
		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, 0,
			"no cgroup controller is mounted on this host (neither cgroup v1 controllers nor cgroup2 under /sys/fs/cgroup)");
	return 0;
}

/* ------------------------------------------------------------------ parsing linux.resources */

/* Where a field is, for messages: "config.json: linux.resources" + ".memory". */
struct pfx {
	const char *base;
	const char *sub;
};

static const char *jtext(json_object *v)
{
	const char *s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);

	return s ? s : "?";
}

/*
 * Integer field key of o in [min, max] (what says so in words), CG_UNSET
 * when absent or null.  Numbers beyond int64 are refused.
 */
static int get_i64(json_object *o, struct pfx p, const char *key, int64_t min, int64_t max,
		   const char *what, int64_t *ret, struct joblet_error **err)
{
	json_object *v;
	int64_t n;

	*ret = CG_UNSET;
	if (!o || !json_object_object_get_ex(o, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return joblet_error_set(err, JOBLET_E_INVALID, 0, "%s%s.%s: must be %s, not `%s`",
					p.base, p.sub, key, what, jtext(v));
	n = json_object_get_int64(v);
	if ((n == INT64_MAX && json_object_get_uint64(v) > (uint64_t)INT64_MAX) || n < min ||
	    n > max)
		return joblet_error_set(err, JOBLET_E_INVALID, 0, "%s%s.%s: must be %s, not `%s`",
					p.base, p.sub, key, what, jtext(v));
	*ret = n;
	return 0;
}

static int get_bool(json_object *o, struct pfx p, const char *key, int64_t *ret,
		    struct joblet_error **err)
{
	json_object *v;

	*ret = CG_UNSET;
	if (!o || !json_object_object_get_ex(o, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"%s%s.%s: must be true or false, not `%s`", p.base, p.sub,
					key, jtext(v));
	*ret = json_object_get_boolean(v) ? 1 : 0;
	return 0;
}

/* An object member (NULL when absent or null); error when of another type. */
static int get_typed(json_object *o, struct pfx p, const char *key, json_type t, json_object **ret,
		     struct joblet_error **err)
{
	json_object *v;

	*ret = NULL;
	if (!o || !json_object_object_get_ex(o, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, t))
		return joblet_error_set(err, JOBLET_E_INVALID, 0, "%s%s.%s: must be %s, not `%s`",
					p.base, p.sub, key,
					t == json_type_object  ? "an object"
					: t == json_type_array ? "an array"
							       : "a string",
					jtext(v));
	*ret = v;
	return 0;
}

/* A cpuset list "0-3,7": digits, ',' and '-' only, each range ordered. */
static bool cpu_list_ok(const char *s)
{
	const char *c = s;

	if (!*s || strlen(s) > 4096)
		return false;
	while (*c) {
		char *end;
		unsigned long a, b;

		if (!isdigit((unsigned char)*c))
			return false;
		a = strtoul(c, &end, 10);
		b = a;
		if (*end == '-') {
			if (!isdigit((unsigned char)end[1]))
				return false;
			b = strtoul(end + 1, &end, 10);
		}
		if (b < a || a > 65535 || b > 65535 || (*end && *end != ','))
			return false;
		c = *end ? end + 1 : end;
		if (*end && !*c)
			return false;
	}
	return true;
}

static int get_cpu_list(json_object *o, struct pfx p, const char *key, char **ret,
			struct joblet_error **err)
{
	json_object *v;
	int r = get_typed(o, p, key, json_type_string, &v, err);

	if (r < 0 || !v || !*json_object_get_string(v))
		return r;
	if (!cpu_list_ok(json_object_get_string(v)))
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"%s%s.%s: `%s` is not a list like `0-3,7`", p.base, p.sub,
					key, json_object_get_string(v));
	*ret = strdup(json_object_get_string(v));
	return *ret ? 0 : joblet_error_set(err, JOBLET_E_NOMEM, 0, "out of memory");
}

static void res_free(struct cg_res *r)
{
	if (!r)
		return;
	free(r->cpus);
	free(r->mems);
	free(r->weight_dev);
	for (int i = 0; i < 4; i++)
		free(r->throttle[i]);
	free(r->devices);
	for (size_t i = 0; i < r->n_hugepages; i++)
		free(r->hugepages[i].size);
	free(r->hugepages);
	for (size_t i = 0; i < r->n_net_prios; i++)
		free(r->net_prios[i].name);
	free(r->net_prios);
	json_object_put(r->unified);
	free(r);
}

static int parse_cpu(struct cg_res *res, json_object *cpu, struct pfx p, struct joblet_error **err)
{
	int r;

	p.sub = ".cpu";
	if ((r = get_i64(cpu, p, "shares", 0, 262144, "an integer of 2 to 262144 (0: not set)",
			 &res->cpu_shares, err)) < 0 ||
	    (r = get_i64(cpu, p, "quota", -1, INT64_MAX / 1000,
			 "-1 (unlimited) or at least 1000 (microseconds)", &res->cpu_quota, err)) <
		    0 ||
	    (r = get_i64(cpu, p, "period", 0, 1000000, "1000 to 1000000 (microseconds; 0: not set)",
			 &res->cpu_period, err)) < 0 ||
	    (r = get_i64(cpu, p, "realtimeRuntime", -1, INT64_MAX / 1000,
			 "-1 or a non-negative integer (microseconds)", &res->rt_runtime, err)) <
		    0 ||
	    (r = get_i64(cpu, p, "realtimePeriod", 0, 1000000, "0 to 1000000 (microseconds)",
			 &res->rt_period, err)) < 0 ||
	    (r = get_i64(cpu, p, "idle", 0, 1, "0 or 1", &res->cpu_idle, err)) < 0 ||
	    (r = get_cpu_list(cpu, p, "cpus", &res->cpus, err)) < 0 ||
	    (r = get_cpu_list(cpu, p, "mems", &res->mems, err)) < 0)
		return r;
	if (res->cpu_shares == 1)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"%s.cpu.shares: must be an integer of 2 to 262144 (0: not set), not `1`",
			p.base);
	if (res->cpu_shares == 0)
		res->cpu_shares = CG_UNSET;
	if (res->cpu_quota == 0)
		res->cpu_quota = CG_UNSET;
	if (res->cpu_quota > 0 && res->cpu_quota < 1000)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"%s.cpu.quota: must be -1 (unlimited) or at least 1000 (microseconds), not `%lld`",
			p.base, (long long)res->cpu_quota);
	if (res->cpu_period == 0)
		res->cpu_period = CG_UNSET;
	if (res->cpu_period != CG_UNSET && res->cpu_period < 1000)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"%s.cpu.period: must be 1000 to 1000000 (microseconds; 0: not set), not `%lld`",
			p.base, (long long)res->cpu_period);
	if (res->rt_runtime == 0)
		res->rt_runtime = CG_UNSET;
	if (res->rt_period == 0)
		res->rt_period = CG_UNSET;
	return 0;
}

static int parse_memory(struct cg_res *res, json_object *mem, struct pfx p,
			struct joblet_error **err)
{
	const char *lim = "-1 (unlimited) or a positive number of bytes (0: not set)";
	int r;

	p.sub = ".memory";
	if ((r = get_i64(mem, p, "limit", -1, INT64_MAX, lim, &res->mem_limit, err)) < 0 ||
	    (r = get_i64(mem, p, "reservation", -1, INT64_MAX, lim, &res->mem_reservation, err)) <
		    0 ||
	    (r = get_i64(mem, p, "swap", -1, INT64_MAX, lim, &res->mem_swap, err)) < 0 ||
	    (r = get_i64(mem, p, "kernel", -1, INT64_MAX, lim, &res->mem_kernel, err)) < 0 ||
	    (r = get_i64(mem, p, "kernelTCP", -1, INT64_MAX, lim, &res->mem_kernel_tcp, err)) < 0 ||
	    (r = get_i64(mem, p, "swappiness", 0, 100, "0 to 100", &res->swappiness, err)) < 0 ||
	    (r = get_bool(mem, p, "disableOOMKiller", &res->disable_oom, err)) < 0)
		return r;
	int64_t *zero_unset[] = { &res->mem_limit, &res->mem_reservation, &res->mem_swap,
				  &res->mem_kernel, &res->mem_kernel_tcp };
	for (size_t i = 0; i < ELEMENTSOF(zero_unset); i++)
		if (*zero_unset[i] == 0)
			*zero_unset[i] = CG_UNSET;
	if (res->mem_swap > 0 && res->mem_limit > 0 && res->mem_swap < res->mem_limit)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"%s.memory.swap: is memory plus swap (as runc reads it) and must be at least memory.limit (%lld), not `%lld`",
			p.base, (long long)res->mem_limit, (long long)res->mem_swap);
	if (json_object_object_get_ex(mem, "useHierarchy", NULL))
		res->use_hierarchy_given = true;
	return 0;
}

/* An array member whose entries are objects; *ret_n its length. */
static int get_obj_array(json_object *o, struct pfx p, const char *key, json_object **ret,
			 size_t *ret_n, struct joblet_error **err)
{
	int r = get_typed(o, p, key, json_type_array, ret, err);

	*ret_n = 0;
	if (r < 0 || !*ret)
		return r;
	*ret_n = json_object_array_length(*ret);
	if (*ret_n > 256)
		return joblet_error_set(err, JOBLET_E_INVALID, 0, "%s%s.%s: more than 256 entries",
					p.base, p.sub, key);
	for (size_t i = 0; i < *ret_n; i++)
		if (!json_object_is_type(json_object_array_get_idx(*ret, i), json_type_object))
			return joblet_error_set(err, JOBLET_E_INVALID, 0,
						"%s%s.%s[%zu]: must be an object", p.base, p.sub,
						key, i);
	return 0;
}

/* major and minor of a device entry, both required. */
static int get_majmin(json_object *e, struct pfx p, int64_t *major, int64_t *minor,
		      struct joblet_error **err)
{
	int r;

	if ((r = get_i64(e, p, "major", 0, 0xfffff, "a device major number", major, err)) < 0 ||
	    (r = get_i64(e, p, "minor", 0, 0xfffff, "a device minor number", minor, err)) < 0)
		return r;
	if (*major == CG_UNSET || *minor == CG_UNSET)
		return joblet_error_set(err, JOBLET_E_INVALID, 0, "%s%s: needs major and minor",
					p.base, p.sub);
	return 0;
}

static int parse_throttle(struct cg_res *res, json_object *bio, struct pfx p, int k,
			  struct joblet_error **err)
{
	json_object *arr;
	size_t n;
	int r = get_obj_array(bio, p, throttle_key[k], &arr, &n, err);

	if (r < 0 || n == 0)
		return r;
	res->throttle[k] = calloc(n, sizeof(struct cg_rate));
	if (!res->throttle[k])
		return joblet_error_set(err, JOBLET_E_NOMEM, 0, "out of memory");
	res->n_throttle[k] = n;
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		struct cg_rate *t = &res->throttle[k][i];
		char sub[96];
		struct pfx ep = { p.base, sub };

		snprintf(sub, sizeof(sub), "%s.%s[%zu]", p.sub, throttle_key[k], i);
		if ((r = get_majmin(e, ep, &t->major, &t->minor, err)) < 0 ||
		    (r = get_i64(e, ep, "rate", 0, INT64_MAX,
				 "a non-negative integer (0: no limit)", &t->value, err)) < 0)
			return r;
		if (t->value == CG_UNSET)
			return joblet_error_set(err, JOBLET_E_INVALID, 0, "%s%s: needs rate",
						p.base, sub);
	}
	return 0;
}

static int parse_blkio(struct cg_res *res, json_object *bio, struct pfx p,
		       struct joblet_error **err)
{
	const char *w = "10 to 1000 (0: not set)";
	json_object *arr;
	size_t n;
	int r;

	p.sub = ".blockIO";
	if ((r = get_i64(bio, p, "weight", 0, 1000, w, &res->blkio_weight, err)) < 0 ||
	    (r = get_i64(bio, p, "leafWeight", 0, 1000, w, &res->blkio_leaf_weight, err)) < 0)
		return r;
	if ((res->blkio_weight > 0 && res->blkio_weight < 10) ||
	    (res->blkio_leaf_weight > 0 && res->blkio_leaf_weight < 10))
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"%s.blockIO: weight and leafWeight must be 10 to 1000",
					p.base);
	if (res->blkio_weight == 0)
		res->blkio_weight = CG_UNSET;
	if (res->blkio_leaf_weight == 0)
		res->blkio_leaf_weight = CG_UNSET;
	for (int k = 0; k < 4; k++)
		if ((r = parse_throttle(res, bio, p, k, err)) < 0)
			return r;
	if ((r = get_obj_array(bio, p, "weightDevice", &arr, &n, err)) < 0 || n == 0)
		return r;
	res->weight_dev = calloc(n, sizeof(*res->weight_dev));
	if (!res->weight_dev)
		return joblet_error_set(err, JOBLET_E_NOMEM, 0, "out of memory");
	res->n_weight_dev = n;
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		struct cg_weight_dev *d = &res->weight_dev[i];
		char sub[64];
		struct pfx ep = { p.base, sub };

		snprintf(sub, sizeof(sub), ".blockIO.weightDevice[%zu]", i);
		if ((r = get_majmin(e, ep, &d->major, &d->minor, err)) < 0 ||
		    (r = get_i64(e, ep, "weight", 10, 1000, "10 to 1000", &d->weight, err)) < 0 ||
		    (r = get_i64(e, ep, "leafWeight", 10, 1000, "10 to 1000", &d->leaf_weight,
				 err)) < 0)
			return r;
	}
	return 0;
}

/*
 * Docker's (and runc's) default device set: what a container may be
 * allowed without the operator's allow_host_devices.
 */
static const struct cg_dev_rule default_devices[] = {
	{ true, 'c', -1, -1, "m" }, { true, 'b', -1, -1, "m" },	   { true, 'c', 1, 3, "rwm" },
	{ true, 'c', 1, 5, "rwm" }, { true, 'c', 1, 7, "rwm" },	   { true, 'c', 1, 8, "rwm" },
	{ true, 'c', 1, 9, "rwm" }, { true, 'c', 5, 0, "rwm" },	   { true, 'c', 5, 1, "rwm" },
	{ true, 'c', 5, 2, "rwm" }, { true, 'c', 136, -1, "rwm" }, { true, 'c', 10, 200, "rwm" },
};

static bool access_subset(const char *a, const char *of)
{
	for (; *a; a++)
		if (!strchr(of, *a))
			return false;
	return true;
}

/* Is the allow rule d within the default set? */
static bool device_default(const struct cg_dev_rule *d)
{
	for (size_t i = 0; i < ELEMENTSOF(default_devices); i++) {
		const struct cg_dev_rule *x = &default_devices[i];

		if (d->type == x->type && d->major == x->major &&
		    (d->minor == x->minor || (x->minor == -1 && d->minor >= 0)) &&
		    access_subset(d->access, x->access))
			return true;
	}
	return false;
}

static int parse_device(json_object *e, struct pfx ep, struct cg_dev_rule *d,
			struct joblet_error **err)
{
	json_object *v;
	int64_t allow;
	int r;

	if ((r = get_bool(e, ep, "allow", &allow, err)) < 0)
		return r;
	if (allow == CG_UNSET)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"%s%s.allow: is required (true or false)", ep.base, ep.sub);
	d->allow = allow == 1;
	d->type = 'a';
	if ((r = get_typed(e, ep, "type", json_type_string, &v, err)) < 0)
		return r;
	if (v) {
		const char *t = json_object_get_string(v);

		if (strlen(t) != 1 || !strchr("abc", t[0]))
			return joblet_error_set(err, JOBLET_E_INVALID, 0,
						"%s%s.type: must be `a`, `b` or `c`, not `%s`",
						ep.base, ep.sub, t);
		d->type = t[0];
	}
	if ((r = get_i64(e, ep, "major", -1, 0xfffff, "-1 (any) or a device major number",
			 &d->major, err)) < 0 ||
	    (r = get_i64(e, ep, "minor", -1, 0xfffff, "-1 (any) or a device minor number",
			 &d->minor, err)) < 0)
		return r;
	if (d->major == CG_UNSET)
		d->major = -1;
	if (d->minor == CG_UNSET)
		d->minor = -1;
	snprintf(d->access, sizeof(d->access), "rwm");
	if ((r = get_typed(e, ep, "access", json_type_string, &v, err)) < 0)
		return r;
	if (v && *json_object_get_string(v)) {
		const char *a = json_object_get_string(v);

		if (strlen(a) > 3 || !access_subset(a, "rwm"))
			return joblet_error_set(err, JOBLET_E_INVALID, 0,
						"%s%s.access: must be letters of `rwm`, not `%s`",
						ep.base, ep.sub, a);
		snprintf(d->access, sizeof(d->access), "%s", a);
	}
	return 0;
}

static int parse_devices(struct oci_cgroup *cg, struct cg_res *res, json_object *o, struct pfx p,
			 struct joblet_error **err)
{
	json_object *arr;
	size_t n;
	int r;

	p.sub = "";
	if ((r = get_obj_array(o, p, "devices", &arr, &n, err)) < 0 || !arr)
		return r;
	res->devices_given = true;
	if (n == 0)
		return 0;
	res->devices = calloc(n, sizeof(*res->devices));
	if (!res->devices)
		return joblet_error_set(err, JOBLET_E_NOMEM, 0, "out of memory");
	res->n_devices = n;
	for (size_t i = 0; i < n; i++) {
		struct cg_dev_rule *d = &res->devices[i];
		char sub[48];
		struct pfx ep = { p.base, sub };

		snprintf(sub, sizeof(sub), ".devices[%zu]", i);
		if ((r = parse_device(json_object_array_get_idx(arr, i), ep, d, err)) < 0)
			return r;
		if (d->allow && !device_default(d) && !cg->allow_host_devices)
			return joblet_error_set(
				err, JOBLET_E_PERMISSION, 0,
				"%s%s: allowing device `%c %lld:%lld %s` goes beyond the default device set; the operator may allow it with allow_host_devices in /etc/joblet/oci.yml",
				p.base, sub, d->type, (long long)d->major, (long long)d->minor,
				d->access);
	}
	return 0;
}

/* "2MB", "1GB", "64KB": a hugetlb page size as the kernel names its files. */
static bool page_size_ok(const char *s)
{
	size_t l = strlen(s), i = 0;

	while (i < l && isdigit((unsigned char)s[i]))
		i++;
	return i > 0 && i < 8 && l - i == 2 && strchr("KMG", s[i]) && s[i + 1] == 'B';
}

static int parse_hugepages(struct cg_res *res, json_object *o, struct pfx p,
			   struct joblet_error **err)
{
	json_object *arr, *v;
	size_t n;
	int r;

	p.sub = "";
	if ((r = get_obj_array(o, p, "hugepageLimits", &arr, &n, err)) < 0 || n == 0)
		return r;
	res->hugepages = calloc(n, sizeof(*res->hugepages));
	if (!res->hugepages)
		return joblet_error_set(err, JOBLET_E_NOMEM, 0, "out of memory");
	res->n_hugepages = n;
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		struct cg_hugepage *h = &res->hugepages[i];
		char sub[48];
		struct pfx ep = { p.base, sub };

		snprintf(sub, sizeof(sub), ".hugepageLimits[%zu]", i);
		if ((r = get_typed(e, ep, "pageSize", json_type_string, &v, err)) < 0)
			return r;
		if (!v || !page_size_ok(json_object_get_string(v)))
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"%s%s.pageSize: must be a size like `2MB` or `1GB`, not `%s`",
				p.base, sub, v ? json_object_get_string(v) : "");
		if (!(h->size = strdup(json_object_get_string(v))))
			return joblet_error_set(err, JOBLET_E_NOMEM, 0, "out of memory");
		if ((r = get_i64(e, ep, "limit", 0, INT64_MAX, "a non-negative number of bytes",
				 &h->limit, err)) < 0)
			return r;
		if (h->limit == CG_UNSET)
			return joblet_error_set(err, JOBLET_E_INVALID, 0, "%s%s.limit: is required",
						p.base, sub);
	}
	return 0;
}

static int parse_network(struct cg_res *res, json_object *net, struct pfx p,
			 struct joblet_error **err)
{
	json_object *arr, *v;
	size_t n;
	int r;

	p.sub = ".network";
	if ((r = get_i64(net, p, "classID", 0, UINT32_MAX, "a 32-bit class id", &res->net_classid,
			 err)) < 0 ||
	    (r = get_obj_array(net, p, "priorities", &arr, &n, err)) < 0 || n == 0)
		return r;
	res->net_prios = calloc(n, sizeof(*res->net_prios));
	if (!res->net_prios)
		return joblet_error_set(err, JOBLET_E_NOMEM, 0, "out of memory");
	res->n_net_prios = n;
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		char sub[48];
		struct pfx ep = { p.base, sub };

		snprintf(sub, sizeof(sub), ".network.priorities[%zu]", i);
		if ((r = get_typed(e, ep, "name", json_type_string, &v, err)) < 0)
			return r;
		if (!v || !*json_object_get_string(v) || strlen(json_object_get_string(v)) > 15 ||
		    strpbrk(json_object_get_string(v), " \n/"))
			return joblet_error_set(err, JOBLET_E_INVALID, 0,
						"%s%s.name: must be an interface name", p.base,
						sub);
		if (!(res->net_prios[i].name = strdup(json_object_get_string(v))))
			return joblet_error_set(err, JOBLET_E_NOMEM, 0, "out of memory");
		if ((r = get_i64(e, ep, "priority", 0, UINT32_MAX, "a 32-bit priority",
				 &res->net_prios[i].prio, err)) < 0)
			return r;
		if (res->net_prios[i].prio == CG_UNSET)
			return joblet_error_set(err, JOBLET_E_INVALID, 0,
						"%s%s.priority: is required", p.base, sub);
	}
	return 0;
}

/* linux.resources.unified: "controller.file": "value", cgroup v2 only. */
static int parse_unified(struct oci_cgroup *cg, struct cg_res *res, json_object *o, struct pfx p,
			 struct joblet_error **err)
{
	json_object *u;
	int r;

	p.sub = "";
	if ((r = get_typed(o, p, "unified", json_type_object, &u, err)) < 0 || !u ||
	    json_object_object_length(u) == 0)
		return r;
	if (cg->version != 2)
		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, 0,
			"%s.unified: is for cgroup v2, and this host uses cgroup v1 controllers",
			p.base);
	json_object_object_foreach(u, key, val)
	{
		const char *dot = strchr(key, '.');

		if (!dot || dot == key || !dot[1] || strchr(key, '/') || strstr(key, "..") ||
		    strncmp(key, "cgroup.", 7) == 0)
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"%s.unified: `%s` is not a controller file (like `memory.high`); cgroup.* files are joblet-oci's",
				p.base, key);
		if (!json_object_is_type(val, json_type_string))
			return joblet_error_set(err, JOBLET_E_INVALID, 0,
						"%s.unified.%s: must be a string, not `%s`", p.base,
						key, jtext(val));
	}
	res->unified = json_object_get(u);
	return 0;
}

static struct cg_res *res_new(void)
{
	struct cg_res *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->cpu_shares = r->cpu_quota = r->cpu_period = r->rt_runtime = r->rt_period = CG_UNSET;
	r->cpu_idle = r->mem_limit = r->mem_reservation = r->mem_swap = CG_UNSET;
	r->mem_kernel = r->mem_kernel_tcp = r->swappiness = r->disable_oom = CG_UNSET;
	r->pids_limit = r->blkio_weight = r->blkio_leaf_weight = r->net_classid = CG_UNSET;
	return r;
}

/* Parse a linux.resources object (o) into *ret; base names it for messages. */
static int res_parse(struct oci_cgroup *cg, json_object *o, const char *base, struct cg_res **ret,
		     struct joblet_error **err)
{
	struct cg_res *res = res_new();
	struct pfx p = { base, "" };
	json_object *cpu, *mem, *pids, *bio, *net, *rdma;
	int r;

	if (!res)
		return joblet_error_set(err, JOBLET_E_NOMEM, 0, "out of memory");
	if (!json_object_is_type(o, json_type_object)) {
		res_free(res);
		return joblet_error_set(err, JOBLET_E_INVALID, 0, "%s: must be an object, not `%s`",
					base, jtext(o));
	}
	if ((r = get_typed(o, p, "cpu", json_type_object, &cpu, err)) < 0 ||
	    (r = get_typed(o, p, "memory", json_type_object, &mem, err)) < 0 ||
	    (r = get_typed(o, p, "pids", json_type_object, &pids, err)) < 0 ||
	    (r = get_typed(o, p, "blockIO", json_type_object, &bio, err)) < 0 ||
	    (r = get_typed(o, p, "network", json_type_object, &net, err)) < 0 ||
	    (r = get_typed(o, p, "rdma", json_type_object, &rdma, err)) < 0 ||
	    (r = parse_cpu(res, cpu, p, err)) < 0 || (r = parse_memory(res, mem, p, err)) < 0 ||
	    (r = get_i64(pids, (struct pfx){ base, ".pids" }, "limit", -1, INT64_MAX,
			 "-1 (unlimited) or a positive integer (0: not set)", &res->pids_limit,
			 err)) < 0 ||
	    (r = parse_blkio(res, bio, p, err)) < 0 ||
	    (r = parse_devices(cg, res, o, p, err)) < 0 ||
	    (r = parse_hugepages(res, o, p, err)) < 0 ||
	    (r = parse_network(res, net, p, err)) < 0 ||
	    (r = parse_unified(cg, res, o, p, err)) < 0) {
		res_free(res);
		return r;
	}
	if (res->pids_limit == 0)
		res->pids_limit = CG_UNSET;
	if (cg->rootless && res->devices_given) {
		/* as runc: a user namespace cannot make device nodes, and writing devices.* needs
		 * CAP_SYS_ADMIN */
		debug_note(
			cg,
			"rootless: %s.devices are not applied (the user namespace cannot make device nodes)",
			base);
		free(res->devices);
		res->devices = NULL;
		res->n_devices = 0;
		res->devices_given = false;
	}
	if (rdma && json_object_object_length(rdma) > 0) {
		res_free(res);
		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, 0,
			"%s.rdma: joblet-oci does not manage the rdma controller; remove linux.resources.rdma",
			base);
	}
	*ret = res;
	return 0;
}

/* ------------------------------------------------------------------ checking against the host */

/*
 * Is there an active swap area?  Without one a memory+swap limit holds by
 * itself (nothing can be swapped out), so a kernel without swap accounting
 * can still honour it.
 */
static bool host_has_swap(void)
{
	_cleanup_free_ char *s = read_text("/proc/swaps");
	char *nl = s ? strchr(s, '\n') : NULL;

	return !s || (nl && nl[1] != '\0'); /* unreadable: assume there is */
}

static bool res_empty(const struct cg_res *r)
{
	if (!r)
		return true;
	return r->cpu_shares == CG_UNSET && r->cpu_quota == CG_UNSET && r->cpu_period == CG_UNSET &&
	       r->rt_runtime == CG_UNSET && r->rt_period == CG_UNSET && r->cpu_idle == CG_UNSET &&
	       !r->cpus && !r->mems && r->mem_limit == CG_UNSET && r->mem_reservation == CG_UNSET &&
	       r->mem_swap == CG_UNSET && r->mem_kernel_tcp == CG_UNSET &&
	       r->swappiness == CG_UNSET && r->disable_oom == CG_UNSET &&
	       r->pids_limit == CG_UNSET && r->blkio_weight == CG_UNSET &&
	       r->blkio_leaf_weight == CG_UNSET && !r->n_weight_dev && !r->n_throttle[0] &&
	       !r->n_throttle[1] && !r->n_throttle[2] && !r->n_throttle[3] && !r->n_devices &&
	       !r->n_hugepages && r->net_classid == CG_UNSET && !r->n_net_prios && !r->unified;
}

/* Does this host have controller name (v1: a hierarchy; v2: in the root's cgroup.controllers)? */
static bool have_controller(struct oci_cgroup *cg, const char *name)
{
	_cleanup_free_ char *list = NULL;

	if (cg->version == 1)
		return hier_of(cg, name) != NULL;
	list = read_in(cg->h[0].mount, "cgroup.controllers");
	if (!list)
		return false;
	list[strcspn(list, "\n")] = '\0';
	return word_in(list, name, ' ');
}

/* Does the hierarchy of controller name have file at its root? */
static bool have_file(struct oci_cgroup *cg, const char *name, const char *file)
{
	struct cg_hier *h = hier_of(cg, name);

	return h && file_exists(h->mount, file);
}

static int need(struct oci_cgroup *cg, bool asked, const char *ctrl, const char *base,
		const char *field, struct joblet_error **err)
{
	if (!asked || have_controller(cg, ctrl))
		return 0;
	return joblet_error_set(
		err, JOBLET_E_UNSUPPORTED, 0,
		"%s.%s: this host has no %s cgroup controller (cgroup v%d) to enforce it; remove the field or enable the controller",
		base, field, ctrl, cg->version);
}

static int need_file(struct oci_cgroup *cg, bool asked, const char *ctrl, const char *file,
		     const char *base, const char *field, struct joblet_error **err)
{
	if (!asked || have_file(cg, ctrl, file))
		return 0;
	return joblet_error_set(
		err, JOBLET_E_UNSUPPORTED, 0,
		"%s.%s: this kernel has no `%s` in the %s controller to enforce it; remove the field",
		base, field, file, ctrl);
}

static int v2_refuse(struct oci_cgroup *cg, bool asked, const char *base, const char *field,
		     const char *why, struct joblet_error **err)
{
	if (!asked || cg->version != 2)
		return 0;
	return joblet_error_set(err, JOBLET_E_UNSUPPORTED, 0,
				"%s.%s: cgroup v2 has no such setting (%s); remove the field", base,
				field, why);
}

static int res_check_v1(struct oci_cgroup *cg, const struct cg_res *r, const char *b,
			struct joblet_error **err)
{
	char file[96];
	int x;

	if ((x = need_file(cg, r->rt_runtime != CG_UNSET || r->rt_period != CG_UNSET, "cpu",
			   "cpu.rt_runtime_us", b, "cpu.realtimeRuntime", err)) < 0 ||
	    (x = need_file(cg, r->cpu_idle != CG_UNSET, "cpu", "cpu.idle", b, "cpu.idle", err)) <
		    0 ||
	    (x = need_file(cg, r->mem_swap > 0 && host_has_swap(), "memory",
			   "memory.memsw.limit_in_bytes", b,
			   "memory.swap (swap accounting is off: boot with swapaccount=1)", err)) <
		    0 ||
	    (x = need_file(cg, r->mem_kernel_tcp != CG_UNSET, "memory",
			   "memory.kmem.tcp.limit_in_bytes", b, "memory.kernelTCP", err)) < 0 ||
	    (x = need_file(cg, r->swappiness != CG_UNSET, "memory", "memory.swappiness", b,
			   "memory.swappiness", err)) < 0 ||
	    (x = need_file(cg, r->disable_oom != CG_UNSET, "memory", "memory.oom_control", b,
			   "memory.disableOOMKiller", err)) < 0 ||
	    (x = need_file(cg, r->blkio_leaf_weight != CG_UNSET, "blkio", "blkio.leaf_weight", b,
			   "blockIO.leafWeight", err)) < 0 ||
	    (x = need(cg, r->n_net_prios > 0, "net_prio", b, "network.priorities", err)) < 0 ||
	    (x = need(cg, r->net_classid != CG_UNSET, "net_cls", b, "network.classID", err)) < 0)
		return x;
	if ((r->blkio_weight != CG_UNSET || r->n_weight_dev) &&
	    !have_file(cg, "blkio", "blkio.weight") && !have_file(cg, "blkio", "blkio.bfq.weight"))
		return need_file(cg, true, "blkio", "blkio.weight", b, "blockIO.weight", err);
	for (int k = 0; k < 4; k++)
		if ((x = need_file(cg, r->n_throttle[k] > 0, "blkio", throttle_v1_file[k], b,
				   throttle_key[k], err)) < 0)
			return x;
	for (size_t i = 0; i < r->n_hugepages; i++) {
		snprintf(file, sizeof(file), "hugetlb.%s.limit_in_bytes", r->hugepages[i].size);
		if ((x = need_file(cg, true, "hugetlb", file, b, "hugepageLimits", err)) < 0)
			return x;
	}
	return 0;
}

static int res_check_v2(struct oci_cgroup *cg, const struct cg_res *r, const char *b,
			struct joblet_error **err)
{
	int x;

	if ((x = v2_refuse(cg, r->rt_runtime > 0 || r->rt_period != CG_UNSET, b,
			   "cpu.realtimeRuntime", "no real-time group scheduling", err)) < 0 ||
	    (x = v2_refuse(cg, r->swappiness != CG_UNSET, b, "memory.swappiness",
			   "no per-cgroup swappiness", err)) < 0 ||
	    (x = v2_refuse(cg, r->disable_oom == 1, b, "memory.disableOOMKiller",
			   "the OOM killer cannot be turned off per cgroup", err)) < 0 ||
	    (x = v2_refuse(cg, r->mem_kernel_tcp != CG_UNSET, b, "memory.kernelTCP",
			   "TCP buffers count in memory.max", err)) < 0 ||
	    (x = v2_refuse(cg, r->blkio_leaf_weight != CG_UNSET, b, "blockIO.leafWeight",
			   "no leaf weights", err)) < 0 ||
	    (x = v2_refuse(cg, r->net_classid != CG_UNSET || r->n_net_prios, b, "network",
			   "no net_cls or net_prio controller", err)) < 0 ||
	    (x = need(cg, r->n_hugepages > 0, "hugetlb", b, "hugepageLimits", err)) < 0)
		return x;
	if (r->unified) {
		json_object_object_foreach(r->unified, key, val)
		{
			char ctrl[64];

			(void)val;
			snprintf(ctrl, sizeof(ctrl), "%.*s", (int)(strchr(key, '.') - key), key);
			if ((x = need(cg, true, ctrl, b, "unified", err)) < 0)
				return joblet_error_prefix(err, x, "`%s`", key);
		}
	}
	return 0;
}

/* Can this host enforce every resource of r?  b names the object for messages. */
static int res_check(struct oci_cgroup *cg, const struct cg_res *r, const char *b,
		     struct joblet_error **err)
{
	bool cpu = r->cpu_shares != CG_UNSET || r->cpu_quota != CG_UNSET ||
		   r->cpu_period != CG_UNSET || r->cpu_idle != CG_UNSET ||
		   r->rt_runtime != CG_UNSET || r->rt_period != CG_UNSET;
	bool mem = r->mem_limit != CG_UNSET || r->mem_reservation != CG_UNSET ||
		   r->mem_swap != CG_UNSET || r->mem_kernel_tcp != CG_UNSET ||
		   r->swappiness != CG_UNSET || r->disable_oom != CG_UNSET;
	bool io = r->blkio_weight != CG_UNSET || r->blkio_leaf_weight != CG_UNSET ||
		  r->n_weight_dev || r->n_throttle[0] || r->n_throttle[1] || r->n_throttle[2] ||
		  r->n_throttle[3];
	int x;

	if ((x = need(cg, cpu, "cpu", b, "cpu", err)) < 0 ||
	    (x = need(cg, r->cpus || r->mems, "cpuset", b, "cpu.cpus/mems", err)) < 0 ||
	    (x = need(cg, mem, "memory", b, "memory", err)) < 0 ||
	    (x = need(cg, r->pids_limit != CG_UNSET, "pids", b, "pids.limit", err)) < 0 ||
	    (x = need(cg, io, cg->version == 1 ? "blkio" : "io", b, "blockIO", err)) < 0 ||
	    (x = need(cg, r->n_devices > 0 && cg->version == 1, "devices", b, "devices", err)) < 0)
		return x;
	if (r->mem_kernel != CG_UNSET)
		debug_note(
			cg,
			"%s.memory.kernel is ignored: kernel memory limits are gone from current kernels (runc ignores them too)",
			b);
	if (r->use_hierarchy_given)
		debug_note(
			cg,
			"%s.memory.useHierarchy is ignored: hierarchical accounting is always on",
			b);
	return cg->version == 1 ? res_check_v1(cg, r, b, err) : res_check_v2(cg, r, b, err);
}

/* ------------------------------------------------------------------ applying: cgroup v1 */

/* A limit for files that take "max" for none (pids.max, v2 files). */
static void v2_num(int64_t v, char *buf, size_t size)
{
	if (v < 0)
		snprintf(buf, size, "max");
	else
		snprintf(buf, size, "%lld", (long long)v);
}

static const char *dir_of(struct oci_cgroup *cg, const char *ctrl)
{
	struct cg_hier *h = hier_of(cg, ctrl);

	return h ? h->dir : NULL;
}

static int v1_cpu(struct oci_cgroup *cg, const struct cg_res *r, struct joblet_error **err)
{
	const char *d = dir_of(cg, "cpu");
	int x = 0;

	if (!d)
		return 0;
	if (r->cpu_shares != CG_UNSET && (x = write_i64(d, "cpu.shares", r->cpu_shares, err)) < 0)
		return x;
	if (r->cpu_period != CG_UNSET &&
	    (x = write_i64(d, "cpu.cfs_period_us", r->cpu_period, err)) < 0)
		return x;
	if (r->cpu_quota != CG_UNSET &&
	    (x = write_i64(d, "cpu.cfs_quota_us", r->cpu_quota, err)) < 0)
		return x;
	if (r->rt_period != CG_UNSET &&
	    (x = write_i64(d, "cpu.rt_period_us", r->rt_period, err)) < 0)
		return x;
	if (r->rt_runtime != CG_UNSET &&
	    (x = write_i64(d, "cpu.rt_runtime_us", r->rt_runtime, err)) < 0)
		return x;
	if (r->cpu_idle != CG_UNSET)
		x = write_i64(d, "cpu.idle", r->cpu_idle, err);
	return x;
}

/* memory.limit_in_bytes and memory.memsw.limit_in_bytes, in an order the kernel accepts. */
static int v1_memory_limits(const char *d, const struct cg_res *r, struct joblet_error **err)
{
	bool memsw = r->mem_swap != CG_UNSET && file_exists(d, "memory.memsw.limit_in_bytes");
	char lim[32], sw[32];
	int x;

	snprintf(lim, sizeof(lim), "%lld", (long long)r->mem_limit);
	snprintf(sw, sizeof(sw), "%lld", (long long)r->mem_swap);
	if (r->mem_limit == CG_UNSET)
		return memsw ? write_file(d, "memory.memsw.limit_in_bytes", sw, err) : 0;
	/* memsw must stay >= limit: raising both, memsw goes first; lowering, limit does. */
	x = write_raw(d, "memory.limit_in_bytes", lim);
	if (x == -EINVAL && memsw) {
		if ((x = write_file(d, "memory.memsw.limit_in_bytes", sw, err)) < 0)
			return x;
		return write_file(d, "memory.limit_in_bytes", lim, err);
	}
	if (x < 0)
		return write_file(d, "memory.limit_in_bytes", lim, err);
	return memsw ? write_file(d, "memory.memsw.limit_in_bytes", sw, err) : 0;
}

static int v1_memory(struct oci_cgroup *cg, const struct cg_res *r, struct joblet_error **err)
{
	const char *d = dir_of(cg, "memory");
	int x;

	if (!d)
		return 0;
	if ((x = v1_memory_limits(d, r, err)) < 0)
		return x;
	if (r->mem_reservation != CG_UNSET &&
	    (x = write_i64(d, "memory.soft_limit_in_bytes", r->mem_reservation, err)) < 0)
		return x;
	if (r->mem_kernel_tcp != CG_UNSET &&
	    (x = write_i64(d, "memory.kmem.tcp.limit_in_bytes", r->mem_kernel_tcp, err)) < 0)
		return x;
	if (r->swappiness != CG_UNSET &&
	    (x = write_i64(d, "memory.swappiness", r->swappiness, err)) < 0)
		return x;
	if (r->disable_oom != CG_UNSET &&
	    (x = write_i64(d, "memory.oom_control", r->disable_oom, err)) < 0)
		return x;
	return 0;
}

static int v1_blkio(struct oci_cgroup *cg, const struct cg_res *r, struct joblet_error **err)
{
	const char *d = dir_of(cg, "blkio");
	bool bfq;
	char line[96];
	int x;

	if (!d)
		return 0;
	bfq = !file_exists(d, "blkio.weight") && file_exists(d, "blkio.bfq.weight");
	if (r->blkio_weight != CG_UNSET &&
	    (x = write_i64(d, bfq ? "blkio.bfq.weight" : "blkio.weight", r->blkio_weight, err)) < 0)
		return x;
	if (r->blkio_leaf_weight != CG_UNSET &&
	    (x = write_i64(d, "blkio.leaf_weight", r->blkio_leaf_weight, err)) < 0)
		return x;
	for (size_t i = 0; i < r->n_weight_dev; i++) {
		const struct cg_weight_dev *w = &r->weight_dev[i];

		snprintf(line, sizeof(line), "%lld:%lld %lld", (long long)w->major,
			 (long long)w->minor, (long long)w->weight);
		if (w->weight != CG_UNSET &&
		    (x = write_file(d, bfq ? "blkio.bfq.weight_device" : "blkio.weight_device",
				    line, err)) < 0)
			return x;
		snprintf(line, sizeof(line), "%lld:%lld %lld", (long long)w->major,
			 (long long)w->minor, (long long)w->leaf_weight);
		if (w->leaf_weight != CG_UNSET &&
		    (x = write_file(d, "blkio.leaf_weight_device", line, err)) < 0)
			return x;
	}
	for (int k = 0; k < 4; k++)
		for (size_t i = 0; i < r->n_throttle[k]; i++) {
			const struct cg_rate *t = &r->throttle[k][i];

			snprintf(line, sizeof(line), "%lld:%lld %lld", (long long)t->major,
				 (long long)t->minor, (long long)t->value);
			if ((x = write_file(d, throttle_v1_file[k], line, err)) < 0)
				return x;
		}
	return 0;
}

static void device_line(const struct cg_dev_rule *d, char *buf, size_t size)
{
	char maj[24] = "*", min[24] = "*";

	if (d->type == 'a' && d->major < 0 && d->minor < 0) {
		snprintf(buf, size, "a");
		return;
	}
	if (d->major >= 0)
		snprintf(maj, sizeof(maj), "%lld", (long long)d->major);
	if (d->minor >= 0)
		snprintf(min, sizeof(min), "%lld", (long long)d->minor);
	snprintf(buf, size, "%c %s:%s %s", d->type, maj, min, d->access);
}

/* Deny everything, then the bundle's rules in order, then the default set (as runc). */
static int v1_devices(struct oci_cgroup *cg, const struct cg_res *r, struct joblet_error **err)
{
	const char *d = dir_of(cg, "devices");
	char line[64];
	int x;

	if (!d)
		return 0;
	if ((x = write_file(d, "devices.deny", "a", err)) < 0)
		return x;
	for (size_t i = 0; i < r->n_devices; i++) {
		device_line(&r->devices[i], line, sizeof(line));
		if ((x = write_file(d, r->devices[i].allow ? "devices.allow" : "devices.deny", line,
				    err)) < 0)
			return x;
	}
	for (size_t i = 0; i < ELEMENTSOF(default_devices); i++) {
		device_line(&default_devices[i], line, sizeof(line));
		x = write_raw(d, "devices.allow", line);
		/* EPERM: our parent denies it (a nested runtime); denied here too is stricter. */
		if (x < 0 && x != -EPERM)
			return write_file(d, "devices.allow", line, err);
	}
	return 0;
}

static int v1_misc(struct oci_cgroup *cg, const struct cg_res *r, struct joblet_error **err)
{
	const char *d;
	char file[96], line[64];
	int x;

	if ((d = dir_of(cg, "cpuset")) &&
	    ((r->cpus && (x = write_file(d, "cpuset.cpus", r->cpus, err)) < 0) ||
	     (r->mems && (x = write_file(d, "cpuset.mems", r->mems, err)) < 0)))
		return x;
	if (r->pids_limit != CG_UNSET && (d = dir_of(cg, "pids"))) {
		v2_num(r->pids_limit, line, sizeof(line)); /* -1: "max", as v1 pids.max wants too */
		if ((x = write_file(d, "pids.max", line, err)) < 0)
			return x;
	}
	for (size_t i = 0; i < r->n_hugepages && (d = dir_of(cg, "hugetlb")); i++) {
		snprintf(file, sizeof(file), "hugetlb.%s.limit_in_bytes", r->hugepages[i].size);
		if ((x = write_i64(d, file, r->hugepages[i].limit, err)) < 0)
			return x;
	}
	if (r->net_classid != CG_UNSET && (d = dir_of(cg, "net_cls")) &&
	    (x = write_i64(d, "net_cls.classid", r->net_classid, err)) < 0)
		return x;
	for (size_t i = 0; i < r->n_net_prios && (d = dir_of(cg, "net_prio")); i++) {
		snprintf(line, sizeof(line), "%s %lld", r->net_prios[i].name,
			 (long long)r->net_prios[i].prio);
		if ((x = write_file(d, "net_prio.ifpriomap", line, err)) < 0)
			return x;
	}
	return 0;
}

/* creating: the device rules are written even when the bundle has none (deny by default). */
static int v1_apply(struct oci_cgroup *cg, const struct cg_res *r, bool creating,
		    struct joblet_error **err)
{
	int x;

	if ((x = v1_cpu(cg, r, err)) < 0 || (x = v1_memory(cg, r, err)) < 0 ||
	    (x = v1_blkio(cg, r, err)) < 0 || (x = v1_misc(cg, r, err)) < 0)
		return x;
	/* Rootless may not write devices.* (CAP_SYS_ADMIN); its user namespace cannot mknod. */
	if (((creating && !cg->rootless) || r->devices_given) && (x = v1_devices(cg, r, err)) < 0)
		return x;
	return 0;
}

/* ------------------------------------------------------------------ applying: cgroup v2 */

/* cpu.shares (2..262144) to cpu.weight (1..10000), as runc and crun convert. */
static int64_t shares_to_weight(int64_t shares)
{
	return 1 + ((shares - 2) * 9999) / 262142;
}

/* blkio weight (10..1000) to io.weight (1..10000). */
static int64_t blkio_to_io_weight(int64_t w)
{
	return 1 + ((w - 10) * 9999) / 990;
}

static int v2_cpu(const char *d, const struct cg_res *r, struct joblet_error **err)
{
	char quota[32] = "max", period[32] = "100000", line[80];
	_cleanup_free_ char *cur = NULL;
	int x;

	if (r->cpu_shares != CG_UNSET &&
	    (x = write_i64(d, "cpu.weight", shares_to_weight(r->cpu_shares), err)) < 0)
		return x;
	if (r->cpu_idle != CG_UNSET && (x = write_i64(d, "cpu.idle", r->cpu_idle, err)) < 0)
		return x;
	if (r->cpu_quota == CG_UNSET && r->cpu_period == CG_UNSET)
		return 0;
	/* cpu.max holds both: keep the half that is not being changed. */
	cur = read_in(d, "cpu.max");
	if (cur && sscanf(cur, "%31s %31s", quota, period) != 2)
		snprintf(period, sizeof(period), "100000");
	if (r->cpu_quota != CG_UNSET) {
		if (r->cpu_quota < 0)
			snprintf(quota, sizeof(quota), "max");
		else
			snprintf(quota, sizeof(quota), "%lld", (long long)r->cpu_quota);
	}
	if (r->cpu_period != CG_UNSET)
		snprintf(period, sizeof(period), "%lld", (long long)r->cpu_period);
	snprintf(line, sizeof(line), "%s %s", quota, period);
	return write_file(d, "cpu.max", line, err);
}

/* memory.max, memory.swap.max (swap is memory+swap in OCI: the kernel wants swap alone). */
static int v2_memory(const char *d, const struct cg_res *r, const char *base,
		     struct joblet_error **err)
{
	char buf[32];
	int64_t limit = r->mem_limit;
	int x;

	if (r->mem_limit != CG_UNSET) {
		v2_num(r->mem_limit, buf, sizeof(buf));
		if ((x = write_file(d, "memory.max", buf, err)) < 0)
			return x;
	}
	if (r->mem_reservation != CG_UNSET) {
		v2_num(r->mem_reservation, buf, sizeof(buf));
		if ((x = write_file(d, "memory.low", buf, err)) < 0)
			return x;
	}
	if (r->mem_swap != CG_UNSET) {
		if (limit == CG_UNSET) {
			_cleanup_free_ char *cur = read_in(d, "memory.max");

			limit = cur && isdigit((unsigned char)cur[0]) ? strtoll(cur, NULL, 10) : -1;
		}
		if (r->mem_swap >= 0 && limit < 0)
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"%s.memory.swap: a swap limit needs a memory limit (memory.limit)",
				base);
		if (r->mem_swap >= 0 && r->mem_swap < limit)
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"%s.memory.swap: is memory plus swap and must be at least the memory limit (%lld)",
				base, (long long)limit);
		v2_num(r->mem_swap < 0 ? -1 : r->mem_swap - limit, buf, sizeof(buf));
		if (!file_exists(d, "memory.swap.max") && (r->mem_swap < 0 || !host_has_swap()))
			return 0; /* unlimited, or nothing can swap: memory.max is memory plus swap
				   */
		if (!file_exists(d, "memory.swap.max"))
			return joblet_error_set(
				err, JOBLET_E_UNSUPPORTED, 0,
				"%s.memory.swap: this kernel has no swap accounting (memory.swap.max); remove the field",
				base);
		if ((x = write_file(d, "memory.swap.max", buf, err)) < 0)
			return x;
	}
	return 0;
}

static int v2_io(const char *d, const struct cg_res *r, struct joblet_error **err)
{
	bool bfq = !file_exists(d, "io.weight") && file_exists(d, "io.bfq.weight");
	char line[128];
	int x;

	if (r->blkio_weight != CG_UNSET) {
		if (bfq)
			snprintf(line, sizeof(line), "%lld", (long long)r->blkio_weight);
		else
			snprintf(line, sizeof(line), "default %lld",
				 (long long)blkio_to_io_weight(r->blkio_weight));
		if ((x = write_file(d, bfq ? "io.bfq.weight" : "io.weight", line, err)) < 0)
			return x;
	}
	for (size_t i = 0; i < r->n_weight_dev; i++) {
		const struct cg_weight_dev *w = &r->weight_dev[i];

		if (w->weight == CG_UNSET)
			continue;
		snprintf(line, sizeof(line), "%lld:%lld %lld", (long long)w->major,
			 (long long)w->minor,
			 (long long)(bfq ? w->weight : blkio_to_io_weight(w->weight)));
		if ((x = write_file(d, bfq ? "io.bfq.weight" : "io.weight", line, err)) < 0)
			return x;
	}
	for (int k = 0; k < 4; k++)
		for (size_t i = 0; i < r->n_throttle[k]; i++) {
			const struct cg_rate *t = &r->throttle[k][i];
			char v[32];

			v2_num(t->value == 0 ? -1 : t->value, v, sizeof(v));
			snprintf(line, sizeof(line), "%lld:%lld %s=%s", (long long)t->major,
				 (long long)t->minor, throttle_v2_key[k], v);
			if ((x = write_file(d, "io.max", line, err)) < 0)
				return x;
		}
	return 0;
}

/*
 * cgroup v2 has no devices files: access to device nodes is checked by a
 * BPF_PROG_TYPE_CGROUP_DEVICE program attached to the cgroup.  The rules
 * are those v1 would get (deny everything, the bundle's rules, the default
 * set), checked last to first: the first that matches decides, no match
 * denies.  An allow rule matches when every access asked for is in it, a
 * deny rule when any is.
 */
#define DEV_MAX_INSNS 4096

struct devprog {
	struct bpf_insn insn[DEV_MAX_INSNS];
	size_t n;
	bool overflow;
};

static size_t emit(struct devprog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off,
		   int32_t imm)
{
	if (p->n >= DEV_MAX_INSNS) {
		p->overflow = true;
		return p->n;
	}
	p->insn[p->n] = (struct bpf_insn){
		.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm
	};
	return p->n++;
}

static int access_bits(const char *a)
{
	return (strchr(a, 'm') ? BPF_DEVCG_ACC_MKNOD : 0) |
	       (strchr(a, 'r') ? BPF_DEVCG_ACC_READ : 0) |
	       (strchr(a, 'w') ? BPF_DEVCG_ACC_WRITE : 0);
}

/* One rule: jumps past its block when it does not match, else returns its verdict. */
static void emit_rule(struct devprog *p, const struct cg_dev_rule *d)
{
	size_t skip[4], ns = 0;
	int bits = access_bits(d->access), all = access_bits("rwm");

	if (d->type != 'a')
		skip[ns++] = emit(p, BPF_JMP | BPF_JNE | BPF_K, 3, 0, 0,
				  d->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
	if (d->major >= 0)
		skip[ns++] = emit(p, BPF_JMP | BPF_JNE | BPF_K, 5, 0, 0, (int32_t)d->major);
	if (d->minor >= 0)
		skip[ns++] = emit(p, BPF_JMP | BPF_JNE | BPF_K, 6, 0, 0, (int32_t)d->minor);
	if (bits != all) {
		emit(p, BPF_ALU64 | BPF_MOV | BPF_X, 7, 4, 0, 0);
		emit(p, BPF_ALU64 | BPF_AND | BPF_K, 7, 0, 0, d->allow ? (all & ~bits) : bits);
		/* allow: skip when a bit outside the rule is asked; deny: when none inside is */
		skip[ns++] = emit(p, BPF_JMP | (d->allow ? BPF_JNE : BPF_JEQ) | BPF_K, 7, 0, 0, 0);
	}
	emit(p, BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, d->allow ? 1 : 0);
	emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	for (size_t i = 0; i < ns && !p->overflow; i++)
		p->insn[skip[i]].off = (int16_t)(p->n - skip[i] - 1);
}

static void devprog_build(struct devprog *p, const struct cg_res *r)
{
	static const struct cg_dev_rule deny_all = { false, 'a', -1, -1, "rwm" };

	p->n = 0;
	p->overflow = false;
	/* r2 = access_type; r3 = device type; r4 = access; r5 = major; r6 = minor */
	emit(p, BPF_LDX | BPF_MEM | BPF_W, 2, 1, offsetof(struct bpf_cgroup_dev_ctx, access_type),
	     0);
	emit(p, BPF_ALU64 | BPF_MOV | BPF_X, 3, 2, 0, 0);
	emit(p, BPF_ALU64 | BPF_AND | BPF_K, 3, 0, 0, 0xffff);
	emit(p, BPF_ALU64 | BPF_MOV | BPF_X, 4, 2, 0, 0);
	emit(p, BPF_ALU64 | BPF_RSH | BPF_K, 4, 0, 0, 16);
	emit(p, BPF_LDX | BPF_MEM | BPF_W, 5, 1, offsetof(struct bpf_cgroup_dev_ctx, major), 0);
	emit(p, BPF_LDX | BPF_MEM | BPF_W, 6, 1, offsetof(struct bpf_cgroup_dev_ctx, minor), 0);
	for (size_t i = ELEMENTSOF(default_devices); i > 0; i--)
		emit_rule(p, &default_devices[i - 1]);
	for (size_t i = r ? r->n_devices : 0; i > 0; i--)
		emit_rule(p, &r->devices[i - 1]);
	emit_rule(p, &deny_all);
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* Ids of the device programs attached to the cgroup dir_fd (at most max). */
static size_t devprog_attached(int dir_fd, uint32_t *ids, size_t max)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.query.target_fd = (uint32_t)dir_fd;
	a.query.attach_type = BPF_CGROUP_DEVICE;
	a.query.prog_ids = (uint64_t)(uintptr_t)ids;
	a.query.prog_cnt = (uint32_t)max;
	if (sys_bpf(BPF_PROG_QUERY, &a) < 0)
		return 0;
	return a.query.prog_cnt < max ? a.query.prog_cnt : max;
}

/* Detach the program with id from dir_fd. */
static void devprog_detach(int dir_fd, uint32_t id)
{
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.prog_id = id;
	fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &a);
	if (fd < 0)
		return;
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)dir_fd;
	a.attach_bpf_fd = (uint32_t)fd;
	a.attach_type = BPF_CGROUP_DEVICE;
	sys_bpf(BPF_PROG_DETACH, &a); /* gone already is fine: the new program holds */
	close(fd);
}

/* Load the rules' program and attach it to d, replacing the ones we attached before. */
/* Load the program; on failure *log holds the verifier's last words (when it said any). */
static int devprog_load(const struct devprog *p, char *log, size_t size)
{
	union bpf_attr a;
	int fd;

	for (int attempt = 0; attempt < 2; attempt++) {
		memset(&a, 0, sizeof(a));
		a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
		a.insns = (uint64_t)(uintptr_t)p->insn;
		a.insn_cnt = (uint32_t)p->n;
		a.license = (uint64_t)(uintptr_t) "Apache-2.0";
		if (attempt == 1) { /* again, only to learn why */
			a.log_buf = (uint64_t)(uintptr_t)log;
			a.log_size = (uint32_t)size;
			a.log_level = 1;
		}
		fd = sys_bpf(BPF_PROG_LOAD, &a);
		if (fd >= 0 && attempt == 1)
			close(fd);
		if (fd >= 0 && attempt == 0)
			return fd;
		if (fd < 0 && attempt == 0 && (errno == EPERM || errno == EACCES))
			return -errno;
	}
	return -EINVAL;
}

/* Load the rules' program and attach it to d, replacing the ones we attached before. */
static int v2_devices(struct oci_cgroup *cg, const char *d, const struct cg_res *r,
		      struct joblet_error **err)
{
	_cleanup_free_ struct devprog *p = calloc(1, sizeof(*p));
	_cleanup_free_ char *log = calloc(1, 65536);
	_cleanup_close_ int dir_fd = -1, prog_fd = -1;
	uint32_t old[64];
	size_t n_old, ll;
	union bpf_attr a;

	if (!p || !log)
		return joblet_error_set(err, JOBLET_E_NOMEM, 0, "out of memory");
	devprog_build(p, r);
	if (p->overflow)
		return joblet_error_set(err, JOBLET_E_LIMIT, 0,
					"devices: too many rules for one device program");
	dir_fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot open cgroup `%s`", d);
	n_old = devprog_attached(dir_fd, old, ELEMENTSOF(old));
	prog_fd = devprog_load(p, log, 65536);
	if (prog_fd < 0 && cg->rootless && rootless_errno(-prog_fd)) {
		debug_note(
			cg,
			"rootless: no device program on `%s` (the user namespace cannot make device nodes)",
			d);
		return 0;
	}
	if (prog_fd < 0) {
		ll = strlen(log);
		return joblet_error_set(err, JOBLET_E_SYSTEM, -prog_fd,
					"cannot load the device program of cgroup `%s` (%s)", d,
					ll > 200 ? log + ll - 200 : log);
	}
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)dir_fd;
	a.attach_bpf_fd = (uint32_t)prog_fd;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	if (sys_bpf(BPF_PROG_ATTACH, &a) < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					"cannot attach the device program to cgroup `%s`", d);
	/* Only now the old ones go: there is never a moment without a program. */
	for (size_t i = 0; i < n_old; i++)
		devprog_detach(dir_fd, old[i]);
	return 0;
}

static int v2_apply(struct oci_cgroup *cg, const struct cg_res *r, const char *base, bool creating,
		    struct joblet_error **err)
{
	const char *d = cg->h[0].dir;
	char buf[96];
	int x;

	if ((x = v2_cpu(d, r, err)) < 0 || (x = v2_memory(d, r, base, err)) < 0 ||
	    (x = v2_io(d, r, err)) < 0)
		return x;
	if (((creating && !cg->rootless) || r->devices_given) &&
	    (x = v2_devices(cg, d, r, err)) < 0)
		return x;
	if ((r->cpus && (x = write_file(d, "cpuset.cpus", r->cpus, err)) < 0) ||
	    (r->mems && (x = write_file(d, "cpuset.mems", r->mems, err)) < 0))
		return x;
	if (r->pids_limit != CG_UNSET) {
		v2_num(r->pids_limit, buf, sizeof(buf));
		if ((x = write_file(d, "pids.max", buf, err)) < 0)
			return x;
	}
	for (size_t i = 0; i < r->n_hugepages; i++) {
		snprintf(buf, sizeof(buf), "hugetlb.%s.max", r->hugepages[i].size);
		if ((x = write_i64(d, buf, r->hugepages[i].limit, err)) < 0)
			return x;
	}
	if (r->unified) {
		json_object_object_foreach(r->unified, key, val)
		{
			if ((x = write_file(d, key, json_object_get_string(val), err)) < 0)
				return x;
		}
	}
	return 0;
}

static int res_apply(struct oci_cgroup *cg, const struct cg_res *r, const char *base, bool creating,
		     struct joblet_error **err)
{
	int x = cg->version == 1 ? v1_apply(cg, r, creating, err)
				 : v2_apply(cg, r, base, creating, err);

	return x < 0 ? joblet_error_prefix(err, x, "%s", base) : 0;
}

/* ------------------------------------------------------------------ parse */

void oci_cgroup_free(struct oci_cgroup *cg)
{
	if (!cg)
		return;
	for (size_t i = 0; i < cg->n; i++)
		hier_clear(&cg->h[i]);
	free(cg->path);
	res_free(cg->res);
	free(cg);
}

static struct oci_cgroup *cg_new(const struct oci_ctx *ctx)
{
	struct oci_cgroup *cg = calloc(1, sizeof(*cg));

	if (!cg)
		return NULL;
	cg->managed = true;
	cg->rootless = ctx->rootless;
	cg->debug = ctx->debug;
	cg->allow_host_devices = ctx->policy.allow_host_devices;
	return cg;
}

/* The path cgroupsPath names (absolute, or relative to our own cgroup), as a new string. */
static int target_path(const struct oci_ctx *ctx, const char *id, const char *spec, char **ret,
		       struct joblet_error **err)
{
	int r;

	if (ctx->systemd_cgroup) {
		_cleanup_free_ char *def = NULL;

		if (!*spec) {
			def = cg_printf(":runc:%s", id);
			if (!def)
				return joblet_error_set(err, JOBLET_E_NOMEM, 0, "out of memory");
		}
		return oci_cgroup_systemd_path(def ? def : spec, ret, err);
	}
	if (!*spec)
		spec = id; /* runc's cgroupfs default: the id, under our own cgroup */
	r = path_check("cgroupsPath", spec, err);
	if (r < 0)
		return r;
	*ret = strdup(spec);
	return *ret ? 0 : joblet_error_set(err, JOBLET_E_NOMEM, 0, "out of memory");
}

/* Does linux.resources ask for any limit (device rules are not one)? */
static bool limits_asked(json_object *res)
{
	if (!res)
		return false;
	json_object_object_foreach(res, key, val)
	{
		if (strcmp(key, "devices") != 0 && val && !json_object_is_type(val, json_type_null))
			return true;
	}
	return false;
}

int oci_cgroup_parse(const struct oci_ctx *ctx, const char *id, json_object *linux_obj,
		     struct oci_cgroup **ret, struct joblet_error **err)
{
	struct oci_cgroup *cg = cg_new(ctx);
	json_object *v = NULL, *res = NULL;
	const char *spec = "";
	struct pfx p = { "config.json: linux", "" };
	int r;

	if (!cg)
		return joblet_error_set(err, JOBLET_E_NOMEM, 0, "out of memory");
	if (linux_obj &&
	    ((r = get_typed(linux_obj, p, "cgroupsPath", json_type_string, &v, err)) < 0 ||
	     (r = get_typed(linux_obj, p, "resources", json_type_object, &res, err)) < 0))
		goto fail;
	if (v)
		spec = json_object_get_string(v);
	if ((r = target_path(ctx, id, spec, &cg->path, err)) < 0) {
		joblet_error_prefix(err, r, "config.json: linux");
		goto fail;
	}
	if ((r = layout_load(cg, cg->path, err)) < 0)
		goto fail;
	if (res && ((r = res_parse(cg, res, "config.json: linux.resources", &cg->res, err)) < 0 ||
		    (r = res_check(cg, cg->res, "config.json: linux.resources", err)) < 0))
		goto fail;
	/*
	 * Neither a cgroupsPath nor a limit (device rules aside): the caller
	 * placed us where it wants the container, as slurmstepd does in the
	 * step's cgroup, whose limits then hold and which it removes itself;
	 * a cgroup of ours nested inside would keep it from doing so.
	 */
	if (!*spec && !ctx->systemd_cgroup && !limits_asked(res)) {
		cg->managed = false;
		debug_note(
			cg,
			"no cgroupsPath and no limits: the container stays in the caller's cgroup");
	}
	*ret = cg;
	return 0;
fail:
	oci_cgroup_free(cg);
	return r;
}

/* ------------------------------------------------------------------ create */

/* Make h->dir below h->mount, counting what we made.  0 or -errno (h->created kept). */
static int mkdir_tree(struct cg_hier *h)
{
	size_t ml = strlen(h->mount);
	_cleanup_free_ char *p = strdup(h->dir);
	int made = 0;

	if (!p)
		return -ENOMEM;
	for (char *s = p + ml + 1;; s++) {
		char *slash = strchr(s, '/');
		struct stat st;

		if (slash)
			*slash = '\0';
		if (mkdir(p, 0755) == 0) {
			made++;
		} else if (errno != EEXIST) {
			h->created = made;
			return -errno;
		} else if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode)) {
			h->created = made;
			return -ENOTDIR;
		} else if (made) {
			made = 0; /* someone else made it meanwhile: not ours */
		}
		if (!slash)
			break;
		*slash = '/';
		s = slash;
	}
	h->created = made;
	return 0;
}

/* v1 cpuset: a new cpuset is empty and takes no task; give it its parent's cpus and mems. */
static int cpuset_fill(struct cg_hier *h, struct joblet_error **err)
{
	_cleanup_free_ char *p = strdup(h->dir);
	char *parts[256];
	int n = 0, x;

	if (!p)
		return joblet_error_set(err, JOBLET_E_NOMEM, 0, "out of memory");
	/* the dirs we made, top first */
	for (int i = 0; i < h->created && i < 256; i++) {
		char *slash = strrchr(p, '/');

		parts[n++] = strdup(p);
		*slash = '\0';
	}
	x = 0;
	for (int i = n - 1; i >= 0; i--) {
		_cleanup_free_ char *parent = strdup(parts[i]);
		static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };

		if (!parts[i] || !parent) {
			x = joblet_error_set(err, JOBLET_E_NOMEM, 0, "out of memory");
			break;
		}
		*strrchr(parent, '/') = '\0';
		for (size_t f = 0; f < 2 && x == 0; f++) {
			_cleanup_free_ char *mine = read_in(parts[i], files[f]);
			_cleanup_free_ char *theirs = read_in(parent, files[f]);

			if (!theirs || !mine) {
				x = joblet_error_set(err, JOBLET_E_SYSTEM, errno,
						     "cannot read `%s` of `%s` or its parent",
						     files[f], parts[i]);
				break;
			}
			theirs[strcspn(theirs, "\n")] = '\0';
			if (mine[0] == '\n' || !mine[0])
				x = write_file(parts[i], files[f], theirs, err);
		}
		if (x < 0)
			break;
	}
	for (int i = 0; i < n; i++)
		free(parts[i]);
	return x;
}

/* v2: enable the controllers in every cgroup from the root down to the leaf's parent. */
static int v2_enable(struct oci_cgroup *cg, struct joblet_error **err)
{
	static const char *const want[] = { "cpu", "cpuset", "io", "memory", "pids", "hugetlb" };
	struct cg_hier *h = &cg->h[0];
	_cleanup_free_ char *p = strdup(h->dir);
	char *end;

	if (!p)
		return joblet_error_set(err, JOBLET_E_NOMEM, 0, "out of memory");
	end = strrchr(p, '/');
	for (char *s = p + strlen(h->mount);; s++) {
		char *slash = strchr(s, '/');
		_cleanup_free_ char *avail = NULL, *on = NULL;

		if (slash)
			*slash = '\0';
		avail = read_in(p, "cgroup.controllers");
		on = read_in(p, "cgroup.subtree_control");
		for (size_t i = 0; avail && on && i < ELEMENTSOF(want); i++) {
			char plus[16];
			int x;

			avail[strcspn(avail, "\n")] = '\0';
			on[strcspn(on, "\n")] = '\0';
			if (!word_in(avail, want[i], ' ') || word_in(on, want[i], ' '))
				continue;
			snprintf(plus, sizeof(plus), "+%s", want[i]);
			x = write_raw(p, "cgroup.subtree_control", plus);
			if (x < 0 && cg->res && !res_empty(cg->res))
				return joblet_error_set(
					err, JOBLET_E_SYSTEM, -x,
					"cannot enable the %s controller in `%s/cgroup.subtree_control` (a cgroup with processes of its own cannot delegate controllers: give a cgroupsPath outside it)",
					want[i], p);
		}
		if (!slash || slash == end)
			break;
		*slash = '/';
		s = slash;
	}
	return 0;
}

/* rmdir with retries while the kernel still says EBUSY (tasks leaving) until `until`.  0 or -errno.
 */
static int rmdir_retry(const char *dir, int64_t until)
{
	for (;;) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY || now_ms() >= until)
			return -errno;
		sleep_ms(10);
	}
}

/* Remove the cgroups below dir (a container may make its own), deepest first. */
static int rmdir_children(const char *dir, int depth, int64_t until)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *e;
	int r = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	if (depth > 32)
		return -ELOOP;
	while ((e = readdir(d))) {
		_cleanup_free_ char *sub = NULL;

		if (e->d_type != DT_DIR || strcmp(e->d_name, ".") == 0 ||
		    strcmp(e->d_name, "..") == 0)
			continue;
		sub = cg_printf("%s/%s", dir, e->d_name);
		if (!sub)
			return -ENOMEM;
		if ((r = rmdir_children(sub, depth + 1, until)) < 0 ||
		    (r = rmdir_retry(sub, until)) < 0)
			return r;
	}
	return 0;
}

/* Remove what we made in h: the leaf (and what is below it), then our parents while empty. */
static int hier_remove(struct cg_hier *h, int64_t until, struct joblet_error **err)
{
	_cleanup_free_ char *p = strdup(h->dir);
	int x;

	if (!p)
		return joblet_error_set(err, JOBLET_E_NOMEM, 0, "out of memory");
	if (h->created <= 0)
		return 0;
	if ((x = rmdir_children(p, 0, until)) < 0 || (x = rmdir_retry(p, until)) < 0)
		return joblet_error_set(
			err, x == -EBUSY ? JOBLET_E_BUSY : JOBLET_E_SYSTEM, -x,
			"cannot remove cgroup `%s`%s", p,
			x == -EBUSY ? " (processes are still in it: kill them first)" : "");
	for (int i = 1; i < h->created; i++) {
		char *slash = strrchr(p, '/');

		*slash = '\0';
		if (rmdir(p) < 0 && errno != ENOENT) {
			if (errno == EBUSY || errno == ENOTEMPTY)
				break; /* in use by another container: its to keep */
			return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
						"cannot remove cgroup `%s`", p);
		}
	}
	h->created = 0;
	return 0;
}

int oci_cgroup_destroy(struct oci_cgroup *cg, struct joblet_error **err)
{
	int64_t until = now_ms() + CG_RMDIR_MS; /* one wait for all hierarchies */
	int first = 0;

	if (!cg->managed)
		return 0;
	for (size_t i = 0; i < cg->n; i++) {
		struct joblet_error *e = NULL;
		int x = hier_remove(&cg->h[i], until, &e);

		if (x < 0 && first == 0) {
			first = x;
			joblet_error_move(err, &e);
		}
		joblet_error_free(e);
	}
	return first;
}

/* The rootless case: nothing writable.  Forget what we made; no-op from now on. */
static int rootless_fallback(struct oci_cgroup *cg, size_t upto, const char *dir, int e,
			     struct joblet_error **err)
{
	for (size_t i = 0; i <= upto && i < cg->n; i++)
		hier_remove(&cg->h[i], now_ms() + CG_RMDIR_MS, NULL);
	if (cg->res && !res_empty(cg->res))
		return joblet_error_set(
			err, JOBLET_E_PERMISSION, e,
			"rootless: cannot apply linux.resources: no delegated cgroup writable at `%s`",
			dir);
	cg->managed = false;
	debug_note(cg, "rootless: `%s` is not writable; the container stays in the caller's cgroup",
		   dir);
	return 0;
}

int oci_cgroup_create(struct oci_cgroup *cg, struct joblet_error **err)
{
	struct cg_res *empty = NULL;
	int x = 0;

	if (!cg->managed)
		return 0;
	for (size_t i = 0; i < cg->n; i++) {
		struct cg_hier *h = &cg->h[i];

		x = mkdir_tree(h);
		if (x < 0 && cg->rootless && rootless_errno(-x))
			return rootless_fallback(cg, i, h->dir, -x, err);
		if (x < 0) {
			x = joblet_error_set(err, JOBLET_E_SYSTEM, -x, "cannot make cgroup `%s`",
					     h->dir);
			goto undo;
		}
		if (cg->version == 1 && word_in(h->controllers, "cpuset", ',') &&
		    (x = cpuset_fill(h, err)) < 0)
			goto undo;
	}
	if (cg->version == 2 && (x = v2_enable(cg, err)) < 0)
		goto undo;
	if (!cg->res && !(empty = res_new())) {
		x = joblet_error_set(err, JOBLET_E_NOMEM, 0, "out of memory");
		goto undo;
	}
	x = res_apply(cg, cg->res ? cg->res : empty, "config.json: linux.resources", true, err);
	res_free(empty);
	if (x == 0)
		return 0;
	if (cg->rootless && err && *err && rootless_errno((*err)->saved_errno))
		joblet_error_prefix(
			err, x,
			"rootless: cannot apply linux.resources: no delegated cgroup writable at `%s`",
			cg->h[0].dir);
undo:
	oci_cgroup_destroy(cg, NULL);
	return x;
}

int oci_cgroup_add(struct oci_cgroup *cg, pid_t pid, struct joblet_error **err)
{
	char buf[32];

	if (!cg->managed)
		return 0;
	if (pid <= 0)
		return joblet_error_set(err, JOBLET_E_INVALID, 0, "cannot put pid %d in a cgroup",
					(int)pid);
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (size_t i = 0; i < cg->n; i++) {
		int x = write_file(cg->h[i].dir, "cgroup.procs", buf, err);

		if (x < 0)
			return joblet_error_prefix(err, x, "cannot put process %d in its cgroup",
						   (int)pid);
	}
	return 0;
}

int oci_cgroup_update(struct oci_cgroup *cg, json_object *resources, struct joblet_error **err)
{
	struct cg_res *r = NULL;
	int x;

	if (!resources)
		return 0;
	if ((x = res_parse(cg, resources, "resources", &r, err)) < 0)
		return x;
	if (!cg->managed) {
		bool empty = res_empty(r);

		res_free(r);
		if (empty)
			return 0;
		return joblet_error_set(
			err, JOBLET_E_PERMISSION, 0,
			"rootless: cannot apply resources: the container has no delegated cgroup of its own");
	}
	if ((x = res_check(cg, r, "resources", err)) == 0)
		x = res_apply(cg, r, "resources", false, err);
	res_free(r);
	return x;
}

/* ------------------------------------------------------------------ freezer */

/* The freezer's directory and files: v1 freezer.state, v2 cgroup.freeze. */
static const char *freezer_dir(struct oci_cgroup *cg)
{
	if (cg->version == 2)
		return file_exists(cg->h[0].dir, "cgroup.freeze") ? cg->h[0].dir : NULL;
	return dir_of(cg, "freezer");
}

/* 1 frozen, 0 thawed, 2 on the way (v1 FREEZING), -errno. */
static int freezer_read(struct oci_cgroup *cg, const char *d)
{
	_cleanup_free_ char *s = read_in(d, cg->version == 2 ? "cgroup.events" : "freezer.state");
	uint64_t v;

	if (!s)
		return -errno;
	if (cg->version == 2)
		return flat_get(s, "frozen", &v) ? (int)(v != 0) : -EIO;
	if (strncmp(s, "FROZEN", 6) == 0)
		return 1;
	return strncmp(s, "THAWED", 6) == 0 ? 0 : 2;
}

int oci_cgroup_freeze(struct oci_cgroup *cg, bool frozen, struct joblet_error **err)
{
	const char *d, *file, *val;
	int64_t until = now_ms() + CG_FREEZE_MS, next_write = 0;

	if (!cg->managed)
		return joblet_error_set(err, JOBLET_E_UNSUPPORTED, 0,
					"rootless: the container has no cgroup of its own to %s",
					frozen ? "freeze" : "thaw");
	if (!(d = freezer_dir(cg)))
		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, 0,
			"this host has no cgroup freezer (v1 freezer controller or v2 cgroup.freeze)");
	file = cg->version == 2 ? "cgroup.freeze" : "freezer.state";
	val = cg->version == 2 ? (frozen ? "1" : "0") : (frozen ? "FROZEN" : "THAWED");
	for (;;) {
		int s, x;

		/* v1 may stop at FREEZING when a task is busy in the kernel: write again. */
		if (now_ms() >= next_write) {
			if ((x = write_file(d, file, val, err)) < 0)
				return x;
			next_write = now_ms() + 100;
		}
		s = freezer_read(cg, d);
		if (s < 0)
			return joblet_error_set(err, JOBLET_E_SYSTEM, -s,
						"cannot read the freezer state of `%s`", d);
		if (s == (frozen ? 1 : 0))
			return 0;
		if (now_ms() >= until)
			break;
		sleep_ms(2);
	}
	if (frozen)
		write_raw(d, file,
			  cg->version == 2 ? "0" : "THAWED"); /* best effort: leave it running */
	return joblet_error_set(err, JOBLET_E_TIMEOUT, 0,
				"the cgroup `%s` did not become %s within %d ms", d,
				frozen ? "frozen" : "thawed", CG_FREEZE_MS);
}

int oci_cgroup_frozen(struct oci_cgroup *cg, struct joblet_error **err)
{
	const char *d;
	int s;

	if (!cg->managed || !(d = freezer_dir(cg)))
		return 0;
	if (cg->version == 2) {
		_cleanup_free_ char *v = read_in(d, "cgroup.freeze");

		if (!v)
			return errno == ENOENT
				       ? 0
				       : joblet_error_set(err, JOBLET_E_SYSTEM, errno,
							  "cannot read `%s/cgroup.freeze`", d);
		return v[0] == '1';
	}
	s = freezer_read(cg, d);
	if (s == -ENOENT)
		return 0;
	if (s < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, -s, "cannot read `%s/freezer.state`",
					d);
	return s == 1;
}

/* ------------------------------------------------------------------ processes */

struct pidset {
	pid_t *v;
	size_t n, cap;
};

static int pidset_add_text(struct pidset *s, const char *text)
{
	for (const char *l = text; *l;) {
		char *end;
		long v = strtol(l, &end, 10);

		if (end == l)
			break;
		if (v > 0 && v <= INT_MAX) {
			if (s->n == s->cap) {
				size_t nc = s->cap ? s->cap * 2 : 64;
				pid_t *nv = reallocarray(s->v, nc, sizeof(pid_t));

				if (!nv)
					return -ENOMEM;
				s->v = nv;
				s->cap = nc;
			}
			s->v[s->n++] = (pid_t)v;
		}
		l = *end ? end + 1 : end;
	}
	return 0;
}

/* cgroup.procs of dir and of every cgroup below it. */
static int pidset_walk(struct pidset *s, const char *dir, int depth)
{
	_cleanup_free_ char *procs = read_in(dir, "cgroup.procs");
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *e;
	int r;

	if (!procs)
		return errno == ENOENT && depth > 0 ? 0 : -errno;
	if ((r = pidset_add_text(s, procs)) < 0)
		return r;
	if (depth > 32 || !(d = opendir(dir)))
		return 0;
	while ((e = readdir(d))) {
		_cleanup_free_ char *sub = NULL;

		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		if (!(sub = cg_printf("%s/%s", dir, e->d_name)))
			return -ENOMEM;
		if ((r = pidset_walk(s, sub, depth + 1)) < 0)
			return r;
	}
	return 0;
}

static int pid_cmp(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return x < y ? -1 : x > y;
}

int oci_cgroup_pids(struct oci_cgroup *cg, pid_t **ret, size_t *ret_n, struct joblet_error **err)
{
	struct pidset s = { 0 };
	size_t w = 0;

	*ret = NULL;
	*ret_n = 0;
	if (!cg->managed)
		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, 0,
			"rootless: the container has no cgroup of its own, so its processes cannot be listed");
	for (size_t i = 0; i < cg->n; i++) {
		int x = pidset_walk(&s, cg->h[i].dir, 0);

		if (x == -ENOENT)
			continue; /* gone already: nobody in it */
		if (x < 0) {
			free(s.v);
			return joblet_error_set(err, JOBLET_E_SYSTEM, -x,
						"cannot list the processes of cgroup `%s`",
						cg->h[i].dir);
		}
	}
	if (s.n)
		qsort(s.v, s.n, sizeof(pid_t), pid_cmp);
	for (size_t i = 0; i < s.n; i++)
		if (w == 0 || s.v[w - 1] != s.v[i])
			s.v[w++] = s.v[i];
	*ret = s.v;
	*ret_n = w;
	return 0;
}

static int signal_pids(struct oci_cgroup *cg, int sig, struct joblet_error **err)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n;
	int x = oci_cgroup_pids(cg, &pids, &n, err);

	for (size_t i = 0; x == 0 && i < n; i++)
		if (kill(pids[i], sig) < 0 && errno != ESRCH)
			x = joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					     "cannot send signal %d to process %d", sig,
					     (int)pids[i]);
	return x;
}

int oci_cgroup_signal_all(struct oci_cgroup *cg, int sig, struct joblet_error **err)
{
	const char *fz;
	int was, x;

	if (!cg->managed)
		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, 0,
			"rootless: the container has no cgroup of its own, so its processes cannot be signalled together");
	if (cg->version == 2 && sig == SIGKILL && file_exists(cg->h[0].dir, "cgroup.kill"))
		return write_file(cg->h[0].dir, "cgroup.kill", "1", err);
	fz = freezer_dir(cg);
	if (fz && access(fz, F_OK) < 0)
		fz = NULL; /* removed already: pids() finds what is left, if anything */
	if (!fz) {
		/* No freezer: go round until a pass finds nothing new to signal. */
		for (int round = 0; round < 3; round++)
			if ((x = signal_pids(cg, sig, err)) < 0)
				return x;
		return 0;
	}
	/* Frozen, no process can fork a new one past the signal. */
	was = oci_cgroup_frozen(cg, NULL);
	if (was != 1 && (x = oci_cgroup_freeze(cg, true, err)) < 0)
		return x;
	x = signal_pids(cg, sig, err);
	/* A frozen task does not die: thaw unless it was paused and the signal can wait. */
	if (was != 1 || sig == SIGKILL) {
		struct joblet_error *e = NULL;
		int t = oci_cgroup_freeze(cg, false, &e);

		if (t < 0 && x == 0) {
			x = t;
			joblet_error_move(err, &e);
		}
		joblet_error_free(e);
	}
	return x;
}

/* ------------------------------------------------------------------ stats */

static void put_u64(json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

/* A file holding one number ("max" reads as UINT64_MAX); false when absent. */
static bool read_u64(const char *dir, const char *file, uint64_t *ret)
{
	_cleanup_free_ char *s = dir ? read_in(dir, file) : NULL;

	if (!s)
		return false;
	if (strncmp(s, "max", 3) == 0) {
		*ret = UINT64_MAX;
		return true;
	}
	if (!isdigit((unsigned char)s[0]))
		return false;
	*ret = strtoull(s, NULL, 10);
	return true;
}

/* Every "key N" line of a flat-keyed file as an object. */
static json_object *flat_object(const char *dir, const char *file)
{
	_cleanup_free_ char *s = read_in(dir, file);
	json_object *o;
	char *save = NULL;

	if (!s || !(o = json_object_new_object()))
		return NULL;
	for (char *l = strtok_r(s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(l, ' ');

		if (!sp || !isdigit((unsigned char)sp[1]))
			continue;
		*sp = '\0';
		put_u64(o, l, strtoull(sp + 1, NULL, 10));
	}
	return o;
}

/* {"limit","usage","max","failcnt"} from v1 files with prefix ("memory", "memory.memsw"). */
static json_object *v1_mem_entry(const char *d, const char *prefix)
{
	static const char *const keys[][2] = { { "limit", "limit_in_bytes" },
					       { "usage", "usage_in_bytes" },
					       { "max", "max_usage_in_bytes" },
					       { "failcnt", "failcnt" } };
	json_object *o = json_object_new_object();

	for (size_t i = 0; o && i < ELEMENTSOF(keys); i++) {
		char file[80];
		uint64_t v;

		snprintf(file, sizeof(file), "%s.%s", prefix, keys[i][1]);
		if (read_u64(d, file, &v))
			put_u64(o, keys[i][0], v);
	}
	return o;
}

static void v1_stats_cpu(struct oci_cgroup *cg, json_object *cpu)
{
	const char *acct = dir_of(cg, "cpuacct"), *d = dir_of(cg, "cpu");
	json_object *usage = json_object_new_object(), *thr = NULL;
	_cleanup_free_ char *percpu = acct ? read_in(acct, "cpuacct.usage_percpu") : NULL;
	_cleanup_free_ char *st = acct ? read_in(acct, "cpuacct.stat") : NULL;
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t v;

	if (!usage)
		return;
	if (read_u64(acct, "cpuacct.usage", &v))
		put_u64(usage, "total", v);
	if (percpu) {
		json_object *a = json_object_new_array();

		for (char *p = percpu, *end; a && *p; p = end) {
			v = strtoull(p, &end, 10);
			if (end == p)
				break;
			json_object_array_add(a, json_object_new_uint64(v));
		}
		json_object_object_add(usage, "percpu", a);
	}
	if (st && hz > 0 && flat_get(st, "system", &v))
		put_u64(usage, "kernel", v * (1000000000ULL / (uint64_t)hz));
	if (st && hz > 0 && flat_get(st, "user", &v))
		put_u64(usage, "user", v * (1000000000ULL / (uint64_t)hz));
	json_object_object_add(cpu, "usage", usage);
	if (d && (thr = flat_object(d, "cpu.stat"))) {
		json_object *t = json_object_new_object(), *x;

		if (t && json_object_object_get_ex(thr, "nr_periods", &x))
			json_object_object_add(t, "periods", json_object_get(x));
		if (t && json_object_object_get_ex(thr, "nr_throttled", &x))
			json_object_object_add(t, "throttledPeriods", json_object_get(x));
		if (t && json_object_object_get_ex(thr, "throttled_time", &x))
			json_object_object_add(t, "throttledTime", json_object_get(x));
		json_object_object_add(cpu, "throttling", t);
		json_object_put(thr);
	}
}

static void v1_stats_memory(struct oci_cgroup *cg, json_object *mem)
{
	const char *d = dir_of(cg, "memory");
	json_object *raw;
	uint64_t v;

	if (!d)
		return;
	json_object_object_add(mem, "usage", v1_mem_entry(d, "memory"));
	if (file_exists(d, "memory.memsw.usage_in_bytes"))
		json_object_object_add(mem, "swap", v1_mem_entry(d, "memory.memsw"));
	if (file_exists(d, "memory.kmem.usage_in_bytes"))
		json_object_object_add(mem, "kernel", v1_mem_entry(d, "memory.kmem"));
	if (file_exists(d, "memory.kmem.tcp.usage_in_bytes"))
		json_object_object_add(mem, "kernelTCP", v1_mem_entry(d, "memory.kmem.tcp"));
	if ((raw = flat_object(d, "memory.stat"))) {
		json_object *c;

		if (json_object_object_get_ex(raw, "total_cache", &c) ||
		    json_object_object_get_ex(raw, "cache", &c))
			json_object_object_add(mem, "cache", json_object_get(c));
		json_object_object_add(mem, "raw", raw);
	}
	if (read_u64(d, "memory.use_hierarchy", &v))
		json_object_object_add(mem, "use_hierarchy", json_object_new_boolean(v != 0));
}

/* blkio "8:0 Read 4096" lines to runc's [{"major","minor","op","value"}]. */
static json_object *v1_blkio_entries(const char *d, const char *file)
{
	_cleanup_free_ char *s = read_in(d, file);
	json_object *a = json_object_new_array();
	char *save = NULL;

	if (!s || !a)
		return a;
	for (char *l = strtok_r(s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		unsigned maj, min;
		char op[16];
		unsigned long long v;
		json_object *e;

		if (sscanf(l, "%u:%u %15s %llu", &maj, &min, op, &v) != 4 ||
		    !(e = json_object_new_object()))
			continue;
		put_u64(e, "major", maj);
		put_u64(e, "minor", min);
		json_object_object_add(e, "op", json_object_new_string(op));
		put_u64(e, "value", v);
		json_object_array_add(a, e);
	}
	return a;
}

static void stats_v1(struct oci_cgroup *cg, json_object *o)
{
	json_object *cpu = json_object_new_object(), *mem = json_object_new_object();
	json_object *pids = json_object_new_object(), *bio = json_object_new_object();
	const char *d;
	uint64_t v;

	if (cpu)
		v1_stats_cpu(cg, cpu);
	if (mem)
		v1_stats_memory(cg, mem);
	if (pids && (d = dir_of(cg, "pids"))) {
		if (read_u64(d, "pids.current", &v))
			put_u64(pids, "current", v);
		if (read_u64(d, "pids.max", &v))
			put_u64(pids, "limit", v == UINT64_MAX ? 0 : v);
	}
	if (bio && (d = dir_of(cg, "blkio"))) {
		json_object_object_add(
			bio, "ioServiceBytesRecursive",
			v1_blkio_entries(d, "blkio.throttle.io_service_bytes_recursive"));
		json_object_object_add(bio, "ioServicedRecursive",
				       v1_blkio_entries(d, "blkio.throttle.io_serviced_recursive"));
	}
	json_object_object_add(o, "cpu", cpu);
	json_object_object_add(o, "memory", mem);
	json_object_object_add(o, "pids", pids);
	json_object_object_add(o, "blkio", bio);
}

static void copy_key(json_object *from, const char *fk, json_object *to, const char *tk,
		     uint64_t mul)
{
	json_object *x;

	if (from && to && json_object_object_get_ex(from, fk, &x))
		put_u64(to, tk, json_object_get_uint64(x) * mul);
}

/* io.stat "8:0 rbytes=N wbytes=N rios=N wios=N" to runc's blkio entries. */
static void v2_io_stats(const char *d, json_object *bio)
{
	_cleanup_free_ char *s = read_in(d, "io.stat");
	json_object *bytes = json_object_new_array(), *ios = json_object_new_array();
	char *save = NULL;

	for (char *l = s ? strtok_r(s, "\n", &save) : NULL; l && bytes && ios;
	     l = strtok_r(NULL, "\n", &save)) {
		static const char *const keys[][3] = { { "rbytes", "Read", "b" },
						       { "wbytes", "Write", "b" },
						       { "rios", "Read", "i" },
						       { "wios", "Write", "i" } };
		unsigned maj, min;

		if (sscanf(l, "%u:%u", &maj, &min) != 2)
			continue;
		for (size_t k = 0; k < ELEMENTSOF(keys); k++) {
			char pat[16];
			const char *at;
			json_object *e;

			snprintf(pat, sizeof(pat), " %s=", keys[k][0]);
			if (!(at = strstr(l, pat)) || !(e = json_object_new_object()))
				continue;
			put_u64(e, "major", maj);
			put_u64(e, "minor", min);
			json_object_object_add(e, "op", json_object_new_string(keys[k][1]));
			put_u64(e, "value", strtoull(at + strlen(pat), NULL, 10));
			json_object_array_add(keys[k][2][0] == 'b' ? bytes : ios, e);
		}
	}
	json_object_object_add(bio, "ioServiceBytesRecursive", bytes);
	json_object_object_add(bio, "ioServicedRecursive", ios);
}

static void stats_v2(struct oci_cgroup *cg, json_object *o)
{
	const char *d = cg->h[0].dir;
	json_object *cpu = json_object_new_object(), *usage = json_object_new_object();
	json_object *thr = json_object_new_object(), *mem = json_object_new_object();
	json_object *mu = json_object_new_object(), *sw = json_object_new_object();
	json_object *pids = json_object_new_object(), *bio = json_object_new_object();
	json_object *cs = flat_object(d, "cpu.stat"), *ev = flat_object(d, "memory.events");
	json_object *raw = flat_object(d, "memory.stat");
	uint64_t v;

	copy_key(cs, "usage_usec", usage, "total", 1000);
	copy_key(cs, "user_usec", usage, "user", 1000);
	copy_key(cs, "system_usec", usage, "kernel", 1000);
	copy_key(cs, "nr_periods", thr, "periods", 1);
	copy_key(cs, "nr_throttled", thr, "throttledPeriods", 1);
	copy_key(cs, "throttled_usec", thr, "throttledTime", 1000);
	json_object_object_add(cpu, "usage", usage);
	json_object_object_add(cpu, "throttling", thr);
	if (read_u64(d, "memory.current", &v))
		put_u64(mu, "usage", v);
	if (read_u64(d, "memory.max", &v))
		put_u64(mu, "limit", v);
	if (read_u64(d, "memory.peak", &v))
		put_u64(mu, "max", v);
	copy_key(ev, "max", mu, "failcnt", 1);
	if (read_u64(d, "memory.swap.current", &v))
		put_u64(sw, "usage", v);
	if (read_u64(d, "memory.swap.max", &v))
		put_u64(sw, "limit", v);
	json_object_object_add(mem, "usage", mu);
	json_object_object_add(mem, "swap", sw);
	copy_key(raw, "file", mem, "cache", 1);
	json_object_object_add(mem, "raw", raw);
	if (read_u64(d, "pids.current", &v))
		put_u64(pids, "current", v);
	if (read_u64(d, "pids.max", &v))
		put_u64(pids, "limit", v == UINT64_MAX ? 0 : v);
	if (bio)
		v2_io_stats(d, bio);
	json_object_put(cs);
	json_object_put(ev);
	json_object_object_add(o, "cpu", cpu);
	json_object_object_add(o, "memory", mem);
	json_object_object_add(o, "pids", pids);
	json_object_object_add(o, "blkio", bio);
}

int oci_cgroup_stats(struct oci_cgroup *cg, json_object **ret, struct joblet_error **err)
{
	json_object *o = json_object_new_object();

	if (!o)
		return joblet_error_set(err, JOBLET_E_NOMEM, 0, "out of memory");
	if (cg->managed && cg->version == 1)
		stats_v1(cg, o);
	else if (cg->managed)
		stats_v2(cg, o);
	*ret = o;
	return 0;
}

long long oci_cgroup_oom_count(struct oci_cgroup *cg, struct joblet_error **err)
{
	const char *d = cg->version == 2 ? cg->h[0].dir : dir_of(cg, "memory");
	_cleanup_free_ char *s = NULL;
	uint64_t v = 0;

	if (!cg->managed)
		return 0;
	if (!d)
		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, 0,
			"this host has no memory cgroup controller to count OOM kills");
	s = read_in(d, cg->version == 2 ? "memory.events" : "memory.oom_control");
	if (!s)
		return errno == ENOENT ? 0
				       : joblet_error_set(err, JOBLET_E_SYSTEM, errno,
							  "cannot read the OOM events of `%s`", d);
	if (!flat_get(s, "oom_kill", &v))
		v = 0; /* kernels before 4.13 do not count them */
	return (long long)v;
}

/* ------------------------------------------------------------------ state.json */

int oci_cgroup_to_json(const struct oci_cgroup *cg, json_object **ret, struct joblet_error **err)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();

	if (!o || !a) {
		json_object_put(o);
		json_object_put(a);
		return joblet_error_set(err, JOBLET_E_NOMEM, 0, "out of memory");
	}
	json_object_object_add(o, "version", json_object_new_int(cg->version));
	json_object_object_add(o, "managed", json_object_new_boolean(cg->managed));
	json_object_object_add(o, "path", json_object_new_string(cg->path ? cg->path : ""));
	for (size_t i = 0; i < cg->n; i++) {
		json_object *h = json_object_new_object();

		if (!h)
			continue;
		json_object_object_add(h, "controllers",
				       json_object_new_string(cg->h[i].controllers));
		json_object_object_add(h, "mount", json_object_new_string(cg->h[i].mount));
		json_object_object_add(h, "dir", json_object_new_string(cg->h[i].dir));
		json_object_object_add(h, "created", json_object_new_int(cg->h[i].created));
		json_object_array_add(a, h);
	}
	json_object_object_add(o, "hierarchies", a);
	*ret = o;
	return 0;
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* One entry of "hierarchies": dir must lie strictly below mount, created within its depth. */
static int hier_from_json(struct oci_cgroup *cg, json_object *e, struct joblet_error **err)
{
	const char *c = jstr(e, "controllers"), *m = jstr(e, "mount"), *d = jstr(e, "dir");
	json_object *cr;
	int64_t created, depth = 0;
	struct cg_hier *h;
	struct statfs fs;

	if (!c || !m || !d || m[0] != '/' || path_check("mount", m, NULL) < 0 ||
	    !json_object_object_get_ex(e, "created", &cr) ||
	    !json_object_is_type(cr, json_type_int) || strncmp(d, m, strlen(m)) != 0 ||
	    d[strlen(m)] != '/' || path_check("dir", d + strlen(m), NULL) < 0 ||
	    cg->n >= CG_MAX_HIER)
		return joblet_error_set(err, JOBLET_E_PARSE, 0,
					"state.json: cgroup.hierarchies: a malformed entry `%s`",
					jtext(e));
	for (const char *s = d + strlen(m); *s; s++)
		depth += *s == '/';
	created = json_object_get_int64(cr);
	if (created < 0 || created > depth)
		return joblet_error_set(
			err, JOBLET_E_PARSE, 0,
			"state.json: cgroup.hierarchies: `created` out of range in `%s`", jtext(e));
	/* What destroy will rmdir must be on a cgroup file system, or gone. */
	if (statfs(m, &fs) == 0 && fs.f_type != CGROUP_SUPER_MAGIC &&
	    fs.f_type != CGROUP2_SUPER_MAGIC)
		return joblet_error_set(
			err, JOBLET_E_PARSE, 0,
			"state.json: cgroup.hierarchies: `%s` is not a cgroup file system", m);
	h = &cg->h[cg->n++];
	h->controllers = strdup(c);
	h->mount = strdup(m);
	h->dir = strdup(d);
	h->created = (int)created;
	if (!h->controllers || !h->mount || !h->dir)
		return joblet_error_set(err, JOBLET_E_NOMEM, 0, "out of memory");
	return 0;
}

int oci_cgroup_from_json(const struct oci_ctx *ctx, json_object *o, struct oci_cgroup **ret,
			 struct joblet_error **err)
{
	struct oci_cgroup *cg = cg_new(ctx);
	json_object *v, *a;
	int r = 0;

	if (!cg)
		return joblet_error_set(err, JOBLET_E_NOMEM, 0, "out of memory");
	if (!o || !json_object_object_get_ex(o, "version", &v) ||
	    (json_object_get_int(v) != 1 && json_object_get_int(v) != 2) ||
	    !json_object_object_get_ex(o, "hierarchies", &a) ||
	    !json_object_is_type(a, json_type_array)) {
		r = joblet_error_set(err, JOBLET_E_PARSE, 0,
				     "state.json: cgroup: needs version (1 or 2) and hierarchies");
		goto fail;
	}
	cg->version = json_object_get_int(v);
	cg->managed = !json_object_object_get_ex(o, "managed", &v) || json_object_get_boolean(v);
	cg->path = strdup(jstr(o, "path") ? jstr(o, "path") : "");
	for (size_t i = 0; i < json_object_array_length(a) && r == 0; i++)
		r = hier_from_json(cg, json_object_array_get_idx(a, i), err);
	if (r == 0 && (!cg->path || (cg->version == 2 && cg->n != 1)))
		r = joblet_error_set(err, JOBLET_E_PARSE, 0,
				     "state.json: cgroup: a v2 cgroup has one hierarchy");
	if (r < 0)
		goto fail;
	*ret = cg;
	return 0;
fail:
	oci_cgroup_free(cg);
	return r;
}

/*
 * cgroup_common.c - helpers shared by isolation/cgroup1 and isolation/cgroup2
 * (see cgroup_common.h).  Nothing here keeps state; everything that reads
 * the host takes its root (sysfs, mountinfo, a directory fd) as a parameter.
 */
#include <config.h>

#include "cgroup_common.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

/* ------------------------------------------------------------------ limits */

void jl_cg_limits_from_job(const struct joblet_job *job, struct jl_cg_limits *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->cpu_percent = joblet_job_limit(job, JOBLET_LIMIT_CPU_PERCENT);
	ret->memory_mib = joblet_job_limit(job, JOBLET_LIMIT_MEMORY_MIB);
	ret->io_bps = joblet_job_limit(job, JOBLET_LIMIT_IO_BPS);
	ret->pids = joblet_job_limit(job, JOBLET_LIMIT_PIDS);
	/* One more for joblet's init, the job's PID 1: the job itself gets what it asked for. */
	if (ret->pids > 0)
		ret->pids++;
	ret->cpus = joblet_job_cpus(job);
	if (ret->cpus && !*ret->cpus)
		ret->cpus = NULL;
}

int64_t jl_cg_cfs_quota_us(int64_t percent)
{
	if (percent <= 0)
		return -1;
	if (percent > INT64_MAX / JL_CG_CPU_PERIOD_US)
		return INT64_MAX / 100;
	return percent * JL_CG_CPU_PERIOD_US / 100;
}

static int fmt(char *buf, size_t size, const char *f, ...) __attribute__((format(printf, 3, 4)));
static int fmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(buf, size, f, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= size ? -ERANGE : 0;
}

int jl_cg_cpu_max(int64_t percent, char *buf, size_t size)
{
	int64_t q = jl_cg_cfs_quota_us(percent);

	if (q < 0)
		return fmt(buf, size, "max %d", JL_CG_CPU_PERIOD_US);
	return fmt(buf, size, "%" PRId64 " %d", q, JL_CG_CPU_PERIOD_US);
}

int jl_cg_io_max_line(const struct jl_cg_dev *d, int64_t bps, char *buf, size_t size)
{
	return fmt(buf, size, "%" PRIu32 ":%" PRIu32 " rbps=%" PRId64 " wbps=%" PRId64, d->major,
		   d->minor, bps, bps);
}

int jl_cg_blkio_line(const struct jl_cg_dev *d, int64_t bps, char *buf, size_t size)
{
	return fmt(buf, size, "%" PRIu32 ":%" PRIu32 " %" PRId64, d->major, d->minor, bps);
}

bool jl_cg_host_has_swap(const char *swaps_file)
{
	FILE *f = fopen(swaps_file, "re");
	char line[512];
	bool first = true, any = false;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (first) { /* the header */
			first = false;
			continue;
		}
		if (line[strspn(line, " \t\n")] != '\0')
			any = true;
	}
	fclose(f);
	return any;
}

/* ------------------------------------------------------------------ block devices */

static int read_dev_file(const char *path, struct jl_cg_dev *ret)
{
	FILE *f = fopen(path, "re");
	unsigned ma, mi;
	int n;

	if (!f)
		return -errno;
	n = fscanf(f, "%u:%u", &ma, &mi);
	fclose(f);
	if (n != 2)
		return -EINVAL;
	ret->major = ma;
	ret->minor = mi;
	return 0;
}

static int devs_add(struct jl_cg_devs *d, struct jl_cg_dev dev, struct joblet_error **err)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->dev[i].major == dev.major && d->dev[i].minor == dev.minor)
			return 0;
	if (d->n == JL_CG_MAX_DEVS)
		return joblet_error_set(
			err, JOBLET_E_LIMIT, 0,
			"the job's storage spans more than %d block devices; joblet cannot limit its IO",
			JL_CG_MAX_DEVS);
	d->dev[d->n++] = dev;
	return 0;
}

static int disks_walk(const char *sysfs, struct jl_cg_dev dev, struct jl_cg_devs *ret, int depth,
		      struct joblet_error **err)
{
	char link[PATH_MAX], p[PATH_MAX];
	jl_cg_autofree char *dir = NULL;
	DIR *d;
	int r = 0;

	if (depth > 8)
		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, 0,
			"block device %u:%u is stacked more than 8 deep; joblet cannot find the disks behind it",
			dev.major, dev.minor);
	snprintf(link, sizeof(link), "%s/dev/block/%u:%u", sysfs, dev.major, dev.minor);
	dir = realpath(link, NULL);
	if (!dir)
		return joblet_error_set(err, errno == ENOENT ? JOBLET_E_UNSUPPORTED : JOBLET_E_IO,
					errno == ENOENT ? 0 : errno,
					"device %u:%u is not a block device (no `%s`)", dev.major,
					dev.minor, link);
	snprintf(p, sizeof(p), "%s/partition", dir);
	if (access(p, F_OK) == 0) {
		/* A partition: limits apply to the whole disk, its parent in sysfs. */
		char *slash = strrchr(dir, '/');

		if (!slash || slash == dir)
			return joblet_error_set(err, JOBLET_E_IO, 0,
						"partition %u:%u has no parent disk in `%s`",
						dev.major, dev.minor, sysfs);
		*slash = '\0';
		snprintf(p, sizeof(p), "%s/dev", dir);
		r = read_dev_file(p, &dev);
		if (r < 0)
			return joblet_error_set(err, JOBLET_E_IO, -r,
						"cannot read the disk of partition `%s/%s`", dir,
						slash + 1);
	}
	r = devs_add(ret, dev, err);
	if (r < 0)
		return r;
	/* device-mapper and md: the devices they are built on carry the IO too. */
	snprintf(p, sizeof(p), "%s/slaves", dir);
	d = opendir(p);
	if (!d)
		return 0;
	for (struct dirent *de; (de = readdir(d)) && r == 0;) {
		char dp[PATH_MAX];
		struct jl_cg_dev slave;

		if (de->d_name[0] == '.')
			continue;
		if (snprintf(dp, sizeof(dp), "%s/%s/dev", p, de->d_name) >= (int)sizeof(dp)) {
			r = joblet_error_set(err, JOBLET_E_IO, ENAMETOOLONG, "cannot read `%s`", p);
			break;
		}
		r = read_dev_file(dp, &slave);
		if (r < 0) {
			r = joblet_error_set(err, JOBLET_E_IO, -r, "cannot read `%s`", dp);
			break;
		}
		r = disks_walk(sysfs, slave, ret, depth + 1, err);
	}
	closedir(d);
	return r;
}

int jl_cg_disks_of_dev(const char *sysfs, uint32_t major, uint32_t minor, struct jl_cg_devs *ret,
		       struct joblet_error **err)
{
	struct jl_cg_dev dev = { major, minor };

	ret->n = 0;
	return disks_walk(sysfs, dev, ret, 0, err);
}

/* Is dir a path prefix of p on a component boundary? */
static bool path_under(const char *p, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return p[0] == '/';
	return strncmp(p, dir, n) == 0 && (p[n] == '/' || p[n] == '\0');
}

static int disks_of_path(const char *sysfs, const char *mountinfo, const char *path,
			 struct jl_cg_devs *ret, int depth, struct joblet_error **err)
{
	jl_cg_autofree char *real = NULL, *fstype = NULL, *source = NULL, *opts = NULL, *mnt = NULL,
			    *line = NULL;
	struct stat st;
	size_t cap = 0, best = 0;
	FILE *f;

	if (stat(path, &st) < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot find the storage of `%s`",
					path);
	if (major(st.st_dev) != 0)
		return disks_walk(sysfs, (struct jl_cg_dev){ major(st.st_dev), minor(st.st_dev) },
				  ret, 0, err);

	/* An anonymous device (tmpfs, overlay, btrfs subvolumes, NFS): ask mountinfo. */
	real = realpath(path, NULL);
	if (!real)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot resolve `%s`", path);
	f = fopen(mountinfo, "re");
	if (!f)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot read `%s`", mountinfo);
	while (getline(&line, &cap, f) > 0) {
		struct jl_cg_mount m;

		if (jl_cg_mountinfo_parse_line(line, &m) < 0 || m.major != major(st.st_dev) ||
		    m.minor != minor(st.st_dev) || !path_under(real, m.mount_point) ||
		    strlen(m.mount_point) < best)
			continue;
		best = strlen(m.mount_point);
		free(fstype);
		free(source);
		free(opts);
		free(mnt);
		fstype = strdup(m.fstype);
		source = strdup(m.source);
		opts = strdup(m.super_opts);
		mnt = strdup(m.mount_point);
		if (!fstype || !source || !opts || !mnt) {
			fclose(f);
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read `%s`",
						mountinfo);
		}
	}
	fclose(f);
	if (!fstype)
		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, 0,
			"`%s` is on device 0:%u, which has no block device and no entry in `%s`; IO limits need a disk-backed file system",
			path, minor(st.st_dev), mountinfo);
	if (source[0] == '/') {
		struct stat bs;

		/* btrfs and friends: the device named as the mount's source. */
		if (stat(source, &bs) == 0 && S_ISBLK(bs.st_mode))
			return disks_walk(
				sysfs, (struct jl_cg_dev){ major(bs.st_rdev), minor(bs.st_rdev) },
				ret, 0, err);
	}
	if (strcmp(fstype, "overlay") == 0 && depth < 4) {
		jl_cg_autofree char *upper = jl_cg_opt_dup(opts, "upperdir");

		/* What the job writes lands in the upper directory. */
		if (upper)
			return disks_of_path(sysfs, mountinfo, upper, ret, depth + 1, err);
	}
	return joblet_error_set(
		err, JOBLET_E_UNSUPPORTED, 0,
		"`%s` is on %s, `%s` mounted at `%s`, a file system that is not backed by a block device, so its IO cannot be limited; put paths.state_dir on a disk-backed file system, or run the job without an IO limit",
		path, fstype, source, mnt);
}

int jl_cg_disks_of_path(const char *sysfs, const char *mountinfo, const char *path,
			struct jl_cg_devs *ret, struct joblet_error **err)
{
	ret->n = 0;
	return disks_of_path(sysfs, mountinfo, path, ret, 0, err);
}

/* ------------------------------------------------------------------ parsing */

int jl_cg_flat_get(const char *text, const char *key, uint64_t *ret)
{
	size_t klen = strlen(key);

	for (const char *l = text; l && *l;) {
		const char *eol = strchr(l, '\n');

		if (strncmp(l, key, klen) == 0 && (l[klen] == ' ' || l[klen] == '\t')) {
			const char *v = l + klen;
			char *end;
			unsigned long long n;

			while (*v == ' ' || *v == '\t')
				v++;
			if (!isdigit((unsigned char)*v))
				return -EINVAL;
			errno = 0;
			n = strtoull(v, &end, 10);
			if (errno || (*end && *end != '\n' && *end != ' '))
				return -EINVAL;
			*ret = n;
			return 0;
		}
		l = eol ? eol + 1 : NULL;
	}
	return -ENOENT;
}

uint64_t jl_cg_nested_sum(const char *text, const char *key)
{
	size_t klen = strlen(key);
	uint64_t sum = 0;

	for (const char *p = text; p && *p; p++) {
		if ((p == text || p[-1] == ' ' || p[-1] == '\n') && strncmp(p, key, klen) == 0 &&
		    p[klen] == '=' && isdigit((unsigned char)p[klen + 1]))
			sum += strtoull(p + klen + 1, NULL, 10);
	}
	return sum;
}

bool jl_cg_word_in(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; p && *p;) {
		size_t len;

		p += strspn(p, " \t\n");
		len = strcspn(p, " \t\n");
		if (len == n && strncmp(p, word, n) == 0)
			return true;
		p += len;
	}
	return false;
}

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r;) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 4;
		} else
			*w++ = *r++;
	}
	*w = '\0';
}

int jl_cg_mountinfo_parse_line(char *line, struct jl_cg_mount *ret)
{
	char *field[64];
	size_t n = 0, sep = 0;
	unsigned ma, mi;

	line[strcspn(line, "\n")] = '\0';
	for (char *p = line; *p && n < 64;) {
		while (*p == ' ')
			*p++ = '\0';
		if (!*p)
			break;
		field[n++] = p;
		p += strcspn(p, " ");
	}
	/* id parent M:m root mount_point options [optional...] - fstype source super_opts */
	for (size_t i = 6; i < n; i++)
		if (strcmp(field[i], "-") == 0) {
			sep = i;
			break;
		}
	if (sep == 0 || sep + 2 >= n || sscanf(field[2], "%u:%u", &ma, &mi) != 2)
		return -EINVAL;
	ret->major = ma;
	ret->minor = mi;
	ret->root = field[3];
	ret->mount_point = field[4];
	ret->fstype = field[sep + 1];
	ret->source = field[sep + 2];
	ret->super_opts = sep + 3 < n ? field[sep + 3] : "";
	unescape(field[3]);
	unescape(field[4]);
	unescape(field[sep + 2]);
	return 0;
}

bool jl_cg_has_opt(const char *opts, const char *opt)
{
	size_t n = strlen(opt);

	for (const char *p = opts; p && *p;) {
		size_t len = strcspn(p, ",");

		if (len == n && strncmp(p, opt, n) == 0)
			return true;
		p += len;
		if (*p == ',')
			p++;
	}
	return false;
}

char *jl_cg_opt_dup(const char *opts, const char *key)
{
	size_t n = strlen(key);

	for (const char *p = opts; p && *p;) {
		size_t len = strcspn(p, ",");

		if (len > n && strncmp(p, key, n) == 0 && p[n] == '=')
			return strndup(p + n + 1, len - n - 1);
		p += len;
		if (*p == ',')
			p++;
	}
	return NULL;
}

static const char *const v1_names[JL_CG_V1_N] = {
	[JL_CG_V1_CPU] = "cpu",		[JL_CG_V1_CPUACCT] = "cpuacct",
	[JL_CG_V1_CPUSET] = "cpuset",	[JL_CG_V1_MEMORY] = "memory",
	[JL_CG_V1_BLKIO] = "blkio",	[JL_CG_V1_PIDS] = "pids",
	[JL_CG_V1_FREEZER] = "freezer",
};

const char *jl_cg_v1_name(int i)
{
	return i >= 0 && i < JL_CG_V1_N ? v1_names[i] : "?";
}

int jl_cg_layout_load(const char *mountinfo, struct jl_cg_layout *ret, struct joblet_error **err)
{
	jl_cg_autofree char *line = NULL;
	bool full_root[JL_CG_V1_N] = { false };
	size_t cap = 0;
	FILE *f;

	memset(ret, 0, sizeof(*ret));
	f = fopen(mountinfo, "re");
	if (!f)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot read `%s`", mountinfo);
	while (getline(&line, &cap, f) > 0) {
		struct jl_cg_mount m;

		if (jl_cg_mountinfo_parse_line(line, &m) < 0)
			continue;
		if (strcmp(m.fstype, "cgroup2") == 0) {
			if (ret->n_v2 < JL_CG_MAX_V2_MOUNTS &&
			    !(ret->v2_mount[ret->n_v2++] = strdup(m.mount_point)))
				goto oom;
			continue;
		}
		if (strcmp(m.fstype, "cgroup") != 0)
			continue;
		for (int i = 0; i < JL_CG_V1_N; i++) {
			bool root = strcmp(m.root, "/") == 0;

			if (!jl_cg_has_opt(m.super_opts, v1_names[i]))
				continue;
			/* A hierarchy mounted twice: prefer the mount of its whole tree. */
			if (ret->v1_mount[i] && (full_root[i] || !root))
				continue;
			free(ret->v1_mount[i]);
			ret->v1_mount[i] = strdup(m.mount_point);
			full_root[i] = root;
			if (!ret->v1_mount[i])
				goto oom;
		}
	}
	fclose(f);
	return 0;
oom:
	fclose(f);
	jl_cg_layout_free(ret);
	return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read `%s`", mountinfo);
}

void jl_cg_layout_free(struct jl_cg_layout *l)
{
	for (int i = 0; i < JL_CG_V1_N; i++) {
		free(l->v1_mount[i]);
		l->v1_mount[i] = NULL;
	}
	for (size_t i = 0; i < l->n_v2; i++)
		free(l->v2_mount[i]);
	l->n_v2 = 0;
}

/* ------------------------------------------------------------------ cgroup files */

ssize_t jl_cg_read_at(int dirfd, const char *file, char *buf, size_t size)
{
	int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	size_t got = 0;
	int saved;

	if (fd < 0)
		return -errno;
	while (got + 1 < size) {
		ssize_t n = read(fd, buf + got, size - 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			saved = errno;
			close(fd);
			return -saved;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	return (ssize_t)got;
}

int jl_cg_write_raw(int dirfd, const char *file, const char *value)
{
	int fd = openat(dirfd, file, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	size_t len = strlen(value);
	ssize_t n;
	int saved;

	if (fd < 0)
		return -errno;
	/* One write: the kernel parses each write(2) to a cgroup file on its own. */
	do
		n = write(fd, value, len);
	while (n < 0 && errno == EINTR);
	saved = n < 0 ? errno : (size_t)n != len ? EIO : 0;
	if (close(fd) < 0 && saved == 0 && errno != EINTR)
		saved = errno;
	return -saved;
}

int jl_cg_write(int dirfd, const char *dir, const char *file, const char *value,
		struct joblet_error **err)
{
	int r = jl_cg_write_raw(dirfd, file, value);
	const char *hint = "";
	int32_t code = JOBLET_E_SYSTEM;

	if (r == 0)
		return 0;
	switch (-r) {
	case ENOENT:
		code = JOBLET_E_UNSUPPORTED;
		hint = " (the file does not exist: its controller is not enabled for this cgroup, or this kernel lacks the feature)";
		break;
	case EACCES:
	case EPERM:
	case EROFS:
		code = JOBLET_E_PERMISSION;
		hint = " (joblet must run as root, or this cgroup must be delegated to its user)";
		break;
	case EINVAL:
	case ERANGE:
	case EOVERFLOW:
		code = JOBLET_E_INVALID;
		hint = " (the kernel refused the value)";
		break;
	case ENOSPC:
		code = JOBLET_E_INVALID;
		hint = " (the parent cgroup does not allow it: CPUs or memory nodes it lacks, or no room left)";
		break;
	case ENODEV:
		code = JOBLET_E_UNSUPPORTED;
		hint = " (the kernel cannot throttle that device: IO limits need a whole disk with a request queue)";
		break;
	case EBUSY:
		hint = " (the cgroup is busy: it has processes or child cgroups in the way)";
		break;
	default:
		break;
	}
	return joblet_error_set(err, code, -r, "cannot write `%s` to `%s/%s`%s", value, dir, file,
				hint);
}

int jl_cg_read_flat_at(int dirfd, const char *file, const char *key, uint64_t *ret)
{
	char buf[8192];
	ssize_t n = jl_cg_read_at(dirfd, file, buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	return jl_cg_flat_get(buf, key, ret);
}

int jl_cg_read_u64_at(int dirfd, const char *file, uint64_t *ret)
{
	char buf[128], *end;
	ssize_t n = jl_cg_read_at(dirfd, file, buf, sizeof(buf));
	unsigned long long v;

	if (n < 0)
		return (int)n;
	buf[strcspn(buf, "\n")] = '\0';
	if (strcmp(buf, "max") == 0) {
		*ret = UINT64_MAX;
		return 0;
	}
	if (!isdigit((unsigned char)buf[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

bool jl_cg_rel_path_ok(const char *p)
{
	if (!p || !*p || p[0] == '/' || strlen(p) > 200)
		return false;
	for (const char *c = p; *c;) {
		size_t len = strcspn(c, "/");

		if (len == 0 || (len == 1 && c[0] == '.') ||
		    (len == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		for (size_t i = 0; i < len; i++)
			if (!isalnum((unsigned char)c[i]) && c[i] != '.' && c[i] != '_' &&
			    c[i] != '-')
				return false;
		c += len;
		if (*c == '/') {
			c++;
			if (!*c)
				return false;
		}
	}
	return true;
}

int jl_cg_signal_procs(int dirfd, int sig, size_t *ret_n)
{
	int fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	pid_t self = getpid();
	size_t n = 0;
	FILE *f;
	long pid;

	if (ret_n)
		*ret_n = 0;
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "re");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	while (fscanf(f, "%ld", &pid) == 1) {
		n++;
		/* Never the host's init or ourselves, whatever the file says. */
		if (pid > 1 && pid != self)
			kill((pid_t)pid, sig);
	}
	fclose(f);
	if (ret_n)
		*ret_n = n;
	return 0;
}

bool jl_cg_is_empty(int dirfd)
{
	char buf[4096];
	uint64_t populated;

	if (jl_cg_read_at(dirfd, "cgroup.events", buf, sizeof(buf)) >= 0 &&
	    jl_cg_flat_get(buf, "populated", &populated) == 0)
		return populated == 0;
	if (jl_cg_read_at(dirfd, "cgroup.procs", buf, sizeof(buf)) >= 0)
		return buf[strspn(buf, " \n")] == '\0';
	return true;
}

int64_t jl_cg_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void jl_cg_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int jl_cg_rmdir_wait(int parent_fd, const char *parent, const char *name, int timeout_ms,
		     struct joblet_error **err)
{
	int64_t deadline = jl_cg_now_ms() + timeout_ms;
	jl_cg_autoclose int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int saved;

	if (fd < 0 && errno == ENOENT)
		return 0;
	while (fd >= 0 && !jl_cg_is_empty(fd) && jl_cg_now_ms() < deadline)
		jl_cg_sleep_ms(10);
	for (;;) {
		if (unlinkat(parent_fd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
			return 0;
		saved = errno;
		if (saved != EBUSY || jl_cg_now_ms() >= deadline)
			break;
		jl_cg_sleep_ms(10);
	}
	if (saved == EBUSY)
		return joblet_error_set(
			err, JOBLET_E_BUSY, saved,
			"cannot remove cgroup `%s/%s` after waiting %d ms for its processes to end (see its cgroup.procs)",
			parent, name, timeout_ms);
	return joblet_error_set(err, JOBLET_E_SYSTEM, saved, "cannot remove cgroup `%s/%s`", parent,
				name);
}

int jl_cg_reap_dir(const char *parent, const char *name, int timeout_ms, struct joblet_error **err)
{
	jl_cg_autoclose int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	jl_cg_autoclose int fd = -1;
	int64_t until = jl_cg_now_ms() + timeout_ms;
	size_t n = 1;

	if (pfd < 0)
		return errno == ENOENT ? 0
				       : joblet_error_set(err, JOBLET_E_SYSTEM, errno,
							  "cannot open `%s`", parent);
	fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0
				       : joblet_error_set(err, JOBLET_E_SYSTEM, errno,
							  "cannot open `%s/%s`", parent, name);
	/* Whichever of these exists: v2 freezer, v1 freezer, v2 kill (5.14). */
	jl_cg_write_raw(fd, "cgroup.freeze", "0");
	jl_cg_write_raw(fd, "freezer.state", "THAWED");
	jl_cg_write_raw(fd, "cgroup.kill", "1");
	while (n > 0 && !jl_cg_is_empty(fd) && jl_cg_now_ms() < until) {
		if (jl_cg_signal_procs(fd, SIGKILL, &n) < 0)
			break;
		jl_cg_sleep_ms(10);
	}
	return jl_cg_rmdir_wait(pfd, parent, name,
				(int)(until - jl_cg_now_ms() > 0 ? until - jl_cg_now_ms() : 0),
				err);
}

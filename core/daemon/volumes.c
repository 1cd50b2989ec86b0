/*
 * volumes.c - the daemon's volumes (volumes.h): the folders, the ext4
 * image on a loop device or the tmpfs that gives each its hard size, and
 * the checks that keep them from being removed under a job.
 *
 * Why these mechanisms: the size must be a quota the job meets as ENOSPC
 * and the host never pays beyond.  A `filesystem` volume is an ext4 image
 * whose every block is allocated at create (fallocate), so what the job
 * writes never needs one more block of the state filesystem; mkfs.ext4
 * (e2fsprogs) formats it, with -E nodiscard so it does not punch the
 * allocation back out, its inode tables and journal zeroed then
 * (lazy_itable_init=0, lazy_journal_init=0; mounted with noinit_itable):
 * ext4's lazy init zeroes them after the mount with zero-out requests,
 * which a loop device turns into holes punched in the image, freeing
 * blocks the host then owes again.  root_owner= makes the root belong to
 * volumes.owner_id.  Each mount first allocates the image again, so an
 * image that got holes before (an older joblet) is whole again.  It is
 * attached with LOOP_CTL_GET_FREE + LOOP_CONFIGURE and LO_FLAGS_AUTOCLEAR:
 * the device detaches itself when the volume is unmounted (or the mount
 * namespace holding it ends).  A `memory` volume is a tmpfs of the size
 * with a bounded number of inodes; its pages are charged to the memory
 * cgroup of the job that writes them, and a host reboot empties it.
 * Whether a volume is mounted is read from /proc/self/mountinfo (mount
 * point and filesystem type), never guessed from a path.
 */
#define _GNU_SOURCE
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/sched.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/timefmt.h"
#include "base/util.h"
#include "job/volume_ref.h"
#include "volumes.h"

#define MIN_FS_SIZE	(INT64_C(16) << 20) /* room for ext4's metadata and journal */
#define MIN_MEMORY_SIZE (INT64_C(1) << 20)
#define INODES_PER_MIB	64 /* a memory volume's inodes: one per 16 KiB, as ext4's default */
#define MAX_INODES	(INT64_C(1) << 22)
/* What a filesystem volume leaves free on the state filesystem at least. */
#define STATE_FS_MARGIN (INT64_C(256) << 20)

struct volumes {
	const struct jl_config *cfg; /* borrowed */
	struct store *store;	     /* borrowed */
	char *dir;		     /* STATE/volumes */
	pthread_mutex_t lock;
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int sys_error(struct joblet_error **err, int e, const char *what, const char *path)
{
	return joblet_error_set(err, JOBLET_E_SYSTEM, e, "volume: %s `%s`", what, path);
}

int volumes_new(const struct jl_config *cfg, struct store *store, struct volumes **ret,
		struct joblet_error **err)
{
	struct volumes *v = calloc(1, sizeof(*v));

	if (!v || asprintf(&v->dir, "%s/volumes", cfg->state_dir) < 0) {
		free(v);
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	}
	v->cfg = cfg;
	v->store = store;
	pthread_mutex_init(&v->lock, NULL);
	if (mkdir(v->dir, 0700) < 0 && errno != EEXIST) {
		int e = errno;

		volumes_free(v);
		return sys_error(err, e, "cannot make", cfg->state_dir);
	}
	*ret = v;
	return 0;
}

void volumes_free(struct volumes *v)
{
	if (!v)
		return;
	pthread_mutex_destroy(&v->lock);
	free(v->dir);
	free(v);
}

/* STATE/volumes/NAME[/leaf] into buf. */
static void vol_path(const struct volumes *v, const char *name, const char *leaf, char *buf,
		     size_t size)
{
	snprintf(buf, size, "%s/%s%s%s", v->dir, name, leaf ? "/" : "", leaf ? leaf : "");
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

/* Whether /proc/self/mountinfo has a mount of fstype on path (the newest one counts). */
static bool is_mounted(const char *path, const char *fstype)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[8192];
	bool found = false;

	while (f && fgets(line, sizeof(line), f)) {
		char *save = NULL, *p = line, *tok, *point = NULL, *dash = strstr(line, " - ");
		int i = 0;

		if (!dash)
			continue;
		*dash = '\0';
		for (; (tok = strtok_r(p, " ", &save)); p = NULL)
			if (++i == 5)
				point = tok;
		if (!point)
			continue;
		unescape(point);
		tok = strtok_r(dash + 3, " ", &save);
		if (strcmp(point, path) == 0)
			found = tok && strcmp(tok, fstype) == 0;
	}
	return found;
}

/*
 * Run argv (an absolute program) and wait for it; its stderr, trimmed,
 * goes into out.  The manager reaps the daemon's children with
 * waitpid(-1), which would take this one's status: so the daemon's child
 * is a clone child that sends no signal at its end (such a child is not
 * waited for without __WALL) and never execs (exec makes it an ordinary
 * child again); it runs the program as its own child and exits with its
 * status.
 */
static int run_program(char *const argv[], char *out, size_t out_size)
{
	static char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };
	struct clone_args a = { 0 };
	int pidfd = -1, pipefd[2], status = 125;
	siginfo_t si = { 0 };
	ssize_t n = 0, got;
	pid_t pid;

	out[0] = '\0';
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	a.flags = CLONE_PIDFD;
	a.pidfd = (uint64_t)(uintptr_t)&pidfd;
	a.exit_signal = 0;
	pid = (pid_t)syscall(SYS_clone3, &a, sizeof(a));
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC), st = 0;
		pid_t prog;

		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(pipefd[1], 2) < 0)
			_exit(126);
		prog = vfork();
		if (prog == 0) {
			execve(argv[0], argv, envp);
			_exit(127);
		}
		while (prog > 0 && waitpid(prog, &st, 0) < 0 && errno == EINTR)
			;
		_exit(prog > 0 && WIFEXITED(st) ? WEXITSTATUS(st) : 125);
	}
	close(pipefd[1]);
	if (pid < 0) {
		int e = errno;

		close(pipefd[0]);
		return -e;
	}
	while (n < (ssize_t)out_size - 1 &&
	       ((got = read(pipefd[0], out + n, out_size - 1 - (size_t)n)) > 0 ||
		(got < 0 && errno == EINTR)))
		n += got > 0 ? got : 0;
	out[n] = '\0';
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
		out[--n] = '\0';
	close(pipefd[0]);
	while (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED | __WALL) < 0 && errno == EINTR)
		;
	close(pidfd);
	if (si.si_code == CLD_EXITED)
		status = si.si_status;
	return status;
}

/*
 * mkfs.ext4 on image: no discard and nothing left to lazy init (both would
 * free blocks fallocate took), root is owner's.
 */
static int format_image(const struct volumes *v, const char *image, struct joblet_error **err)
{
	static const char *const mkfs[] = { "/usr/sbin/mkfs.ext4", "/sbin/mkfs.ext4" };
	const char *prog = NULL;
	char opts[128], out[1024];
	int r;

	for (size_t i = 0; i < sizeof(mkfs) / sizeof(mkfs[0]) && !prog; i++)
		if (access(mkfs[i], X_OK) == 0)
			prog = mkfs[i];
	if (!prog)
		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, ENOENT,
			"volume: mkfs.ext4 is not installed (/usr/sbin/mkfs.ext4); install e2fsprogs, or create a `memory` volume");
	snprintf(opts, sizeof(opts),
		 "nodiscard,lazy_itable_init=0,lazy_journal_init=0,root_owner=%lld:%lld",
		 (long long)v->cfg->volumes_owner_id, (long long)v->cfg->volumes_owner_id);
	{
		char *const argv[] = { (char *)prog, "-q", "-F",	  "-m", "0",
				       "-E",	     opts, (char *)image, NULL };

		r = run_program(argv, out, sizeof(out));
	}
	if (r < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, -r,
					"volume: cannot run mkfs.ext4 on `%s`", image);
	if (r != 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, 0,
					"volume: mkfs.ext4 failed on `%s` (exit %d): %s", image, r,
					out);
	return 0;
}

/*
 * A free loop device for image (LOOP_CTL_GET_FREE + LOOP_CONFIGURE,
 * autoclear); its fd.  The image's size bytes are allocated first: holes
 * an image got before are filled (they read as zeros, so nothing changes
 * for the filesystem in it).
 */
static int attach_loop(const char *image, int64_t size, char dev[64], struct joblet_error **err)
{
	_cleanup_close_ int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	_cleanup_close_ int img = open(image, O_RDWR | O_NOFOLLOW | O_CLOEXEC);

	if (ctl < 0)
		return sys_error(err, errno, "cannot open", "/dev/loop-control");
	if (img < 0)
		return sys_error(err, errno, "cannot open", image);
	if (fallocate(img, 0, 0, size) < 0)
		return joblet_error_set(
			err, errno == ENOSPC ? JOBLET_E_LIMIT : JOBLET_E_SYSTEM, errno,
			"cannot allocate the %lld MiB of `%s` on the state filesystem; free space there",
			(long long)(size >> 20), image);
	/* Another process may take the free device between the two calls: try again. */
	for (int tries = 0; tries < 8; tries++) {
		struct loop_config lc;
		int nr = ioctl(ctl, LOOP_CTL_GET_FREE), fd;

		if (nr < 0)
			return sys_error(err, errno, "no free loop device for", image);
		snprintf(dev, 64, "/dev/loop%d", nr);
		fd = open(dev, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return sys_error(err, errno, "cannot open", dev);
		memset(&lc, 0, sizeof(lc));
		lc.fd = (uint32_t)img;
		lc.info.lo_flags = LO_FLAGS_AUTOCLEAR;
		if (ioctl(fd, LOOP_CONFIGURE, &lc) == 0)
			return fd;
		close(fd);
		if (errno != EBUSY)
			return sys_error(err, errno, "cannot attach a loop device to", image);
	}
	return sys_error(err, EBUSY, "every free loop device was taken; cannot attach", image);
}

/* Mount volume name's filesystem on its data folder (it is not mounted). */
static int mount_volume(const struct volumes *v, const struct volume_record *rec,
			struct joblet_error **err)
{
	char data[4200], image[4200], loopdev[64], opts[160];
	int64_t id = v->cfg->volumes_owner_id;
	int loop, r = 0;

	vol_path(v, rec->name, "data", data, sizeof(data));
	if (mkdir(data, 0700) < 0 && errno != EEXIST)
		return sys_error(err, errno, "cannot make", data);
	if (strcmp(rec->type, "memory") == 0) {
		int64_t inodes = (rec->size_bytes >> 20) * INODES_PER_MIB;

		inodes = inodes < 1024 ? 1024 : inodes > MAX_INODES ? MAX_INODES : inodes;
		snprintf(opts, sizeof(opts), "size=%lld,nr_inodes=%lld,mode=0700,uid=%lld,gid=%lld",
			 (long long)rec->size_bytes, (long long)inodes, (long long)id,
			 (long long)id);
		if (mount("joblet-volume", data, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
			return sys_error(err, errno, "cannot mount a tmpfs on", data);
		return 0;
	}
	vol_path(v, rec->name, "image", image, sizeof(image));
	loop = attach_loop(image, rec->size_bytes, loopdev, err);
	if (loop < 0)
		return loop;
	if (mount(loopdev, data, "ext4", MS_NOSUID | MS_NODEV, "errors=remount-ro,noinit_itable") <
	    0)
		r = sys_error(err, errno, "cannot mount the ext4 image on", data);
	/* Mounted, the device stays; not mounted, closing it detaches it (autoclear). */
	close(loop);
	return r;
}

static const char *fstype_of(const struct volume_record *rec)
{
	return strcmp(rec->type, "memory") == 0 ? "tmpfs" : "ext4";
}

struct mount_all_ctx {
	struct volumes *v;
	int failed;
};

static int mount_one(const struct volume_record *rec, void *userdata)
{
	struct mount_all_ctx *c = userdata;
	struct joblet_error *e = NULL;
	char data[4200];

	vol_path(c->v, rec->name, "data", data, sizeof(data));
	if (is_mounted(data, fstype_of(rec)))
		return 0;
	if (mount_volume(c->v, rec, &e) < 0) {
		jl_log(JOBLET_LOG_ERROR, NULL,
		       "volume `%s` cannot be mounted, and jobs that use it will not start: %s",
		       rec->name, joblet_error_message(e));
		joblet_error_free(e);
		c->failed++;
		return 0;
	}
	jl_log(JOBLET_LOG_INFO, NULL, "volume `%s` (%s) mounted on `%s`%s", rec->name, rec->type,
	       data, strcmp(rec->type, "memory") == 0 ? " (a memory volume starts empty)" : "");
	return 0;
}

int volumes_mount_all(struct volumes *v)
{
	struct mount_all_ctx c = { v, 0 };
	struct joblet_error *e = NULL;

	pthread_mutex_lock(&v->lock);
	if (store_volume_foreach(v->store, mount_one, &c, &e) < 0) {
		jl_log(JOBLET_LOG_ERROR, NULL, "cannot read the volumes: %s",
		       joblet_error_message(e));
		joblet_error_free(e);
		c.failed++;
	}
	pthread_mutex_unlock(&v->lock);
	return c.failed;
}

/* ------------------------------------------------------------------ create */

struct totals {
	const char *owner;
	int64_t fs, memory;		/* every volume's bytes, by type */
	int64_t user_count, user_bytes; /* owner's volumes, of both types */
};

static int add_total(const struct volume_record *rec, void *userdata)
{
	struct totals *t = userdata;

	if (strcmp(rec->type, "memory") == 0)
		t->memory += rec->size_bytes;
	else
		t->fs += rec->size_bytes;
	if (rec->owner && strcmp(rec->owner, t->owner) == 0) {
		t->user_count++;
		t->user_bytes += rec->size_bytes;
	}
	return 0;
}

/* One owner's share: volumes.max_per_user and volumes.max_user_total (-1: no bound). */
static int check_user_share(struct volumes *v, const struct volume_record *rec,
			    const struct totals *t, struct joblet_error **err)
{
	int64_t count = v->cfg->volumes_max_per_user, bytes = v->cfg->volumes_max_user_total;

	if (count >= 0 && t->user_count >= count)
		return joblet_error_set(
			err, JOBLET_E_LIMIT, 0,
			"volume `%s` is refused: `%s` has %lld volumes, as many as volumes.max_per_user allows; remove one first",
			rec->name, rec->owner, (long long)t->user_count);
	if (bytes >= 0 && rec->size_bytes > bytes - t->user_bytes)
		return joblet_error_set(
			err, JOBLET_E_LIMIT, 0,
			"volume `%s` of %lld MiB does not fit: one user's volumes may hold %lld MiB together (volumes.max_user_total) and `%s` has %lld MiB; remove a volume or choose a smaller size",
			rec->name, (long long)(rec->size_bytes >> 20), (long long)(bytes >> 20),
			rec->owner, (long long)(t->user_bytes >> 20));
	return 0;
}

/*
 * The name is valid and free, the type and size valid, and they fit
 * volumes.max_total / max_memory_total and the owner's share.
 */
static int check_new(struct volumes *v, const struct volume_record *rec, struct joblet_error **err)
{
	bool memory = strcmp(rec->type, "memory") == 0;
	struct totals t = { .owner = rec->owner };
	struct volume_record old;
	int64_t min = memory ? MIN_MEMORY_SIZE : MIN_FS_SIZE;
	int64_t max = memory ? v->cfg->volumes_max_memory_total : v->cfg->volumes_max_total;
	int r;

	if (!jl_volume_name_valid(rec->name))
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"volume name `%s` is not valid: 1 to 63 letters, digits, `-` or `_`",
			rec->name);
	/* A name taken says so, whatever else is wrong. */
	if (store_volume_get(v->store, rec->name, &old, NULL) == 0) {
		volume_record_done(&old);
		return joblet_error_set(err, JOBLET_E_EXISTS, 0,
					"volume `%s` exists already; choose another name",
					rec->name);
	}
	if (!memory && strcmp(rec->type, "filesystem") != 0)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"volume type `%s` is not valid: filesystem or memory",
					rec->type);
	if (rec->size_bytes < min)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"a %s volume needs a size of at least %lld MiB", rec->type,
					(long long)(min >> 20));
	if ((r = store_volume_foreach(v->store, add_total, &t, err)) < 0)
		return r;
	if (rec->size_bytes > max - (memory ? t.memory : t.fs))
		return joblet_error_set(
			err, JOBLET_E_LIMIT, 0,
			"volume `%s` of %lld MiB does not fit: %s volumes may hold %lld MiB together (%s) and %lld MiB are taken; remove a volume or raise the setting",
			rec->name, (long long)(rec->size_bytes >> 20), rec->type,
			(long long)(max >> 20),
			memory ? "volumes.max_memory_total" : "volumes.max_total",
			(long long)((memory ? t.memory : t.fs) >> 20));
	return check_user_share(v, rec, &t, err);
}

/* The ext4 image: every block allocated now, so writing never takes more of the host. */
static int make_image(struct volumes *v, const struct volume_record *rec, struct joblet_error **err)
{
	char image[4200];
	struct statvfs st;
	_cleanup_close_ int fd = -1;
	int r;

	vol_path(v, rec->name, "image", image, sizeof(image));
	if (statvfs(v->dir, &st) == 0 &&
	    (int64_t)st.f_bavail * (int64_t)st.f_frsize - STATE_FS_MARGIN < rec->size_bytes)
		return joblet_error_set(
			err, JOBLET_E_LIMIT, ENOSPC,
			"volume `%s` of %lld MiB does not fit on the state filesystem (`%s`: %lld MiB free, %lld MiB kept free); choose a smaller size or free space",
			rec->name, (long long)(rec->size_bytes >> 20), v->dir,
			(long long)(((int64_t)st.f_bavail * (int64_t)st.f_frsize) >> 20),
			(long long)(STATE_FS_MARGIN >> 20));
	fd = open(image, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return sys_error(err, errno, "cannot create", image);
	if ((r = fallocate(fd, 0, 0, rec->size_bytes)) < 0)
		return joblet_error_set(
			err, errno == ENOSPC ? JOBLET_E_LIMIT : JOBLET_E_SYSTEM, errno,
			"volume `%s`: cannot allocate %lld MiB for its image on the state filesystem; choose a smaller size or free space",
			rec->name, (long long)(rec->size_bytes >> 20));
	if ((r = format_image(v, image, err)) < 0)
		return r;
	/*
	 * Again after mkfs: zeroing ranges, it may punch holes into the image
	 * (seen now and then), and a hole is room the host's disk has not
	 * given yet.  Holes read as zeros, so filling them changes nothing.
	 */
	if (fallocate(fd, 0, 0, rec->size_bytes) < 0)
		return joblet_error_set(
			err, errno == ENOSPC ? JOBLET_E_LIMIT : JOBLET_E_SYSTEM, errno,
			"volume `%s`: cannot allocate %lld MiB for its image on the state filesystem; choose a smaller size or free space",
			rec->name, (long long)(rec->size_bytes >> 20));
	return 0;
}

/* Unmount (if mounted) and remove everything of name on disk; best effort, says what stayed. */
static int remove_files(struct volumes *v, const char *name, const char *type,
			struct joblet_error **err)
{
	char data[4200], image[4200], dir[4200];

	vol_path(v, name, "data", data, sizeof(data));
	vol_path(v, name, "image", image, sizeof(image));
	vol_path(v, name, NULL, dir, sizeof(dir));
	while (is_mounted(data, strcmp(type, "memory") == 0 ? "tmpfs" : "ext4"))
		if (umount2(data, UMOUNT_NOFOLLOW) < 0)
			return joblet_error_set(
				err, errno == EBUSY ? JOBLET_E_BUSY : JOBLET_E_SYSTEM, errno,
				"volume `%s`: cannot unmount `%s`; something still uses it", name,
				data);
	if ((unlink(image) < 0 && errno != ENOENT) || (rmdir(data) < 0 && errno != ENOENT) ||
	    (rmdir(dir) < 0 && errno != ENOENT))
		return sys_error(err, errno, "cannot remove the folder of", name);
	return 0;
}

int volumes_create(struct volumes *v, const char *name, const char *type, int64_t size_bytes,
		   const char *owner, struct volume_record *ret, struct joblet_error **err)
{
	struct volume_record rec = { .size_bytes = size_bytes, .created_ns = now_ns() };
	char dir[4200], lost[4200];
	int r;

	snprintf(rec.name, sizeof(rec.name), "%s",
		 name && strlen(name) < sizeof(rec.name) ? name : "");
	snprintf(rec.type, sizeof(rec.type), "%s", type ? type : "filesystem");
	if (!(rec.owner = strdup(owner)))
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	pthread_mutex_lock(&v->lock);
	if ((r = check_new(v, &rec, err)) < 0)
		goto out;
	/* What a create that crashed half-way left behind goes first. */
	if ((r = remove_files(v, rec.name, rec.type, err)) < 0)
		goto out;
	vol_path(v, rec.name, NULL, dir, sizeof(dir));
	if (mkdir(dir, 0700) < 0) {
		r = sys_error(err, errno, "cannot make", dir);
		goto out;
	}
	if ((strcmp(rec.type, "memory") != 0 && (r = make_image(v, &rec, err)) < 0) ||
	    (r = mount_volume(v, &rec, err)) < 0 ||
	    (r = store_volume_insert(v->store, &rec, err)) < 0)
		goto undo;
	/* ext4's lost+found is root's: a job would see a folder it cannot use. */
	vol_path(v, rec.name, "data/lost+found", lost, sizeof(lost));
	(void)rmdir(lost); /* e2fsck makes it again when it needs it */
	if (ret) {
		*ret = rec;
		rec.owner = NULL;
	}
	goto out;
undo:
	remove_files(v, rec.name, rec.type, NULL);
out:
	pthread_mutex_unlock(&v->lock);
	volume_record_done(&rec);
	return r;
}

/* ------------------------------------------------------------------ jobs using volumes */

/* The names of the volumes a job's public spec (spec_json) mounts, into names (a strv). */
static bool spec_uses(const char *spec_json, const char *volume)
{
	json_object *spec = spec_json ? json_tokener_parse(spec_json) : NULL, *vols = NULL;
	bool uses = false;

	if (spec && json_object_object_get_ex(spec, "volumes", &vols) &&
	    json_object_is_type(vols, json_type_array))
		for (size_t i = 0; !uses && i < json_object_array_length(vols); i++) {
			char name[JL_VOLUME_NAME_MAX + 1];
			int32_t ro;
			const char *ref =
				json_object_get_string(json_object_array_get_idx(vols, i));

			uses = jl_volume_ref_parse(ref, name, &ro, NULL) == 0 &&
			       strcmp(name, volume) == 0;
		}
	json_object_put(spec);
	return uses;
}

struct users_ctx {
	const char *volume;
	json_object *ids; /* the jobs' ids, or NULL */
	char first[37];	  /* the first one */
	int32_t state;	  /* its state */
	int32_t reserved;
};

static int note_user(const struct job_record *r, void *userdata)
{
	struct users_ctx *c = userdata;

	if (!spec_uses(r->spec_json, c->volume))
		return 0;
	if (!c->first[0]) {
		snprintf(c->first, sizeof(c->first), "%s", r->id);
		c->state = r->state;
	}
	if (c->ids)
		json_object_array_add(c->ids, json_object_new_string(r->id));
	return 0;
}

/* The jobs that are pending, scheduled or running and mount c->volume. */
static int find_users(struct volumes *v, struct users_ctx *c, struct joblet_error **err)
{
	static const int32_t states[] = { JOB_RUNNING, JOB_PENDING, JOB_SCHEDULED };

	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		int r = store_job_foreach(v->store, states[i], note_user, c, err);

		if (r < 0)
			return r;
	}
	return 0;
}

/* The record of name if scope may see it; another's is not found, as a missing one. */
static int get_scoped(struct volumes *v, const char *name, const char *scope,
		      struct volume_record *ret, struct joblet_error **err)
{
	int r = store_volume_get(v->store, name, ret, err);

	if (r < 0)
		return r;
	if (scope && strcmp(scope, ret->owner) != 0) {
		volume_record_done(ret);
		return joblet_error_set(err, JOBLET_E_NOT_FOUND, 0, "volume `%s` not found", name);
	}
	return 0;
}

int volumes_remove(struct volumes *v, const char *name, const char *scope,
		   struct joblet_error **err)
{
	struct volume_record rec;
	struct users_ctx c = { .volume = name };
	int r;

	pthread_mutex_lock(&v->lock);
	if ((r = get_scoped(v, name, scope, &rec, err)) < 0)
		goto out;
	r = find_users(v, &c, err);
	if (r == 0 && c.first[0])
		r = joblet_error_set(
			err, JOBLET_E_CONFLICT, 0,
			"volume `%s` is used by job %s (%s); stop or cancel it (or wait for it to end) before removing the volume",
			name, c.first, job_state_name(c.state));
	if (r == 0)
		r = remove_files(v, name, rec.type, err);
	if (r == 0)
		r = store_volume_delete(v->store, name, err);
	volume_record_done(&rec);
out:
	pthread_mutex_unlock(&v->lock);
	return r;
}

/* ------------------------------------------------------------------ list, paths, jobs */

struct list_ctx {
	struct volumes *v;
	const char *scope;
	json_object *arr;
	struct joblet_error **err;
};

static json_object *time_json(int64_t ns)
{
	char buf[40];

	jl_time_format_rfc3339(ns, buf, sizeof(buf));
	return json_object_new_string(buf);
}

static int list_one(const struct volume_record *rec, void *userdata)
{
	struct list_ctx *c = userdata;
	struct users_ctx u = { .volume = rec->name, .ids = json_object_new_array() };
	json_object *o = json_object_new_object();
	char data[4200];
	struct statvfs st;
	bool mounted;

	if (c->scope && strcmp(c->scope, rec->owner) != 0) {
		json_object_put(o);
		json_object_put(u.ids);
		return 0;
	}
	vol_path(c->v, rec->name, "data", data, sizeof(data));
	mounted = is_mounted(data, fstype_of(rec));
	json_object_object_add(o, "name", json_object_new_string(rec->name));
	json_object_object_add(o, "type", json_object_new_string(rec->type));
	json_object_object_add(o, "size", json_object_new_int64(rec->size_bytes));
	json_object_object_add(o, "used",
			       mounted && statvfs(data, &st) == 0
				       ? json_object_new_int64((int64_t)(st.f_blocks - st.f_bfree) *
							       (int64_t)st.f_frsize)
				       : NULL);
	json_object_object_add(o, "mounted", json_object_new_boolean(mounted));
	json_object_object_add(o, "owner", json_object_new_string(rec->owner));
	json_object_object_add(o, "created", time_json(rec->created_ns));
	if (find_users(c->v, &u, c->err) < 0) {
		json_object_put(o);
		json_object_put(u.ids);
		return -1;
	}
	json_object_object_add(o, "jobs", u.ids);
	json_object_array_add(c->arr, o);
	return 0;
}

int volumes_list_json(struct volumes *v, const char *scope, json_object **ret,
		      struct joblet_error **err)
{
	struct list_ctx c = { v, scope, json_object_new_array(), err };
	int r;

	if (!c.arr)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	r = store_volume_foreach(v->store, list_one, &c, err);
	if (r < 0) {
		json_object_put(c.arr);
		return r;
	}
	*ret = c.arr;
	return 0;
}

/* The mounted data folder of name within scope, into buf. */
static int data_dir(struct volumes *v, const char *name, const char *scope, char *buf, size_t size,
		    struct joblet_error **err)
{
	struct volume_record rec;
	bool mounted;
	int r;

	if (!jl_volume_name_valid(name))
		return joblet_error_set(err, JOBLET_E_NOT_FOUND, 0, "volume `%s` not found", name);
	if ((r = get_scoped(v, name, scope, &rec, err)) < 0)
		return r;
	vol_path(v, name, "data", buf, size);
	mounted = is_mounted(buf, fstype_of(&rec));
	volume_record_done(&rec);
	if (!mounted)
		return joblet_error_set(
			err, JOBLET_E_NOT_FOUND, 0,
			"volume `%s` is not mounted (the daemon's log at its start says why); remove it and create it again",
			name);
	return 0;
}

int volumes_data_dir(struct volumes *v, const char *name, const char *scope, char **ret_path,
		     struct joblet_error **err)
{
	char buf[4200];
	int r;

	pthread_mutex_lock(&v->lock);
	r = data_dir(v, name, scope, buf, sizeof(buf), err);
	pthread_mutex_unlock(&v->lock);
	if (r < 0)
		return r;
	if (!(*ret_path = strdup(buf)))
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	return 0;
}

int volumes_hold_for_job(struct volumes *v, struct jl_job_spec *spec, const char *scope,
			 struct joblet_error **err)
{
	bool rootfs = false;

	pthread_mutex_lock(&v->lock);
	/* isolation/rootfs mounts them: without it they would be silently missing. */
	for (char **l = v->cfg->isolation_stack; l && *l; l++)
		rootfs = rootfs || strcmp(*l, "rootfs") == 0;
	if (!rootfs)
		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, 0,
			"this node's isolation.stack has no `rootfs`, which mounts volumes into jobs; run the job without --volume, or ask the operator to add rootfs to the stack");
	jl_strv_free(spec->volume_paths);
	spec->volume_paths = NULL;
	for (char **a = spec->volumes; a && *a; a++) {
		char name[JL_VOLUME_NAME_MAX + 1], buf[4200];
		int32_t ro;
		int r;

		if ((r = jl_volume_ref_parse(*a, name, &ro, err)) < 0 ||
		    (r = data_dir(v, name, scope, buf, sizeof(buf), err)) < 0)
			return r;
		if (jl_strv_push(&spec->volume_paths, buf) < 0)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	}
	return 0;
}

void volumes_release(struct volumes *v)
{
	pthread_mutex_unlock(&v->lock);
}

struct disks_ctx {
	struct volumes *v;
	void (*emit)(void *sink, const char *name, const char *path);
	void *sink;
};

static int disk_one(const struct volume_record *rec, void *userdata)
{
	struct disks_ctx *c = userdata;
	char data[4200], name[80];

	vol_path(c->v, rec->name, "data", data, sizeof(data));
	if (!is_mounted(data, fstype_of(rec)))
		return 0;
	snprintf(name, sizeof(name), "volume:%s", rec->name);
	c->emit(c->sink, name, data);
	return 0;
}

void volumes_each_disk(void *ctx, void (*emit)(void *sink, const char *name, const char *path),
		       void *sink)
{
	struct disks_ctx c = { .v = ctx, .emit = emit, .sink = sink };
	struct joblet_error *e = NULL;

	if (!c.v)
		return;
	pthread_mutex_lock(&c.v->lock);
	if (store_volume_foreach(c.v->store, disk_one, &c, &e) < 0)
		jl_log(JOBLET_LOG_WARNING, NULL, "the node's disks leave out the volumes: %s",
		       joblet_error_message(e));
	pthread_mutex_unlock(&c.v->lock);
	joblet_error_free(e);
}

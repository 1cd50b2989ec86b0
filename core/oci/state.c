/*
 * oci/state.c - a container between commands: <root>/<id>/.
 *
 *   <root>/            0700, made by the first create
 *   <root>/<id>/       0711 (the container's root may need to reach exec.fifo)
 *     lock             flock: create, start, delete and friends take it
 *     state.json       what create learnt (oci_state_save), 0600
 *     exec.fifo        exists from create until start: the init waits on it
 *
 * The status is never stored: it is read off the world each time (is the
 * init alive, with the start time recorded? is the fifo still there? is
 * the cgroup frozen?), so a container whose process ended while no
 * command ran is "stopped" without anyone having written so.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fsutil.h"
#include "base/util.h"
#include "oci/oci.h"

#define OCI_SPEC_VERSION "1.1.0"

bool oci_id_valid(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > 1024 || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return false;
	for (const char *c = id; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || strchr("_+.-", *c)))
			return false;
	return true;
}

static int bad_id(const char *id, struct joblet_error **err)
{
	return joblet_error_set(
		err, JOBLET_E_INVALID, 0,
		"`%s` is not a container id: use 1 to 1024 letters, digits, `_`, `+`, `.` and `-`",
		id);
}

static int open_root(const struct oci_ctx *ctx, bool create, struct joblet_error **err)
{
	int fd;

	/* --root and the folders above it, as runc makes them; --root itself its own only. */
	if (create && jl_mkdir_p(ctx->root, 0700, err) < 0)
		return joblet_error_prefix(err, -JOBLET_E_IO, "the state folder (--root)");
	fd = open(ctx->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return joblet_error_set(err, errno == ENOENT ? JOBLET_E_NOT_FOUND : JOBLET_E_IO,
					errno, "cannot open the state folder `%s` (--root)",
					ctx->root);
	return fd;
}

static int take_lock(int dir_fd, const char *id, struct joblet_error **err)
{
	int fd = openat(dir_fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno,
					"cannot open the lock of container `%s`", id);
	if (flock(fd, LOCK_EX) < 0) {
		int e = errno;

		close(fd);
		return joblet_error_set(err, JOBLET_E_BUSY, e, "cannot lock container `%s`", id);
	}
	return fd;
}

int oci_state_new(const struct oci_ctx *ctx, const char *id, struct oci_state **ret,
		  struct joblet_error **err)
{
	_cleanup_close_ int root_fd = -1;
	struct oci_state *st;

	if (!oci_id_valid(id))
		return bad_id(id, err);
	root_fd = open_root(ctx, true, err);
	if (root_fd < 0)
		return root_fd;
	if (mkdirat(root_fd, id, 0711) < 0)
		return joblet_error_set(err, errno == EEXIST ? JOBLET_E_EXISTS : JOBLET_E_IO, errno,
					errno == EEXIST ? "container `%s` already exists"
							: "cannot make the state of container `%s`",
					id);
	st = calloc(1, sizeof(*st));
	if (!st || !(st->id = strdup(id))) {
		free(st);
		unlinkat(root_fd, id, AT_REMOVEDIR);
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot create `%s`", id);
	}
	st->lock_fd = -1;
	st->owner = geteuid();
	st->rootless = ctx->rootless;
	st->dir_fd = openat(root_fd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (st->dir_fd < 0 || (st->lock_fd = take_lock(st->dir_fd, id, err)) < 0) {
		if (st->dir_fd < 0)
			joblet_error_set(err, JOBLET_E_IO, errno, "cannot open the state of `%s`",
					 id);
		unlinkat(st->dir_fd, "lock", 0);
		unlinkat(root_fd, id, AT_REMOVEDIR);
		oci_state_free(st);
		return -JOBLET_E_IO;
	}
	*ret = st;
	return 0;
}

static int add_json(json_object *o, const char *key, json_object *v)
{
	if (!v)
		return -1;
	json_object_object_add(o, key, v);
	return 0;
}

int oci_state_save(const struct oci_state *st, struct joblet_error **err)
{
	json_object *o = json_object_new_object(), *cg = NULL, *us = NULL;
	const char *text;
	_cleanup_close_ int fd = -1;
	int r = 0;

	if (!o)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot save `%s`", st->id);
	if ((st->cgroup && oci_cgroup_to_json(st->cgroup, &cg, err) < 0) ||
	    (st->userns && oci_userns_to_json(st->userns, &us, err) < 0)) {
		json_object_put(o);
		return -JOBLET_E_INTERNAL;
	}
	if (add_json(o, "id", json_object_new_string(st->id)) < 0 ||
	    add_json(o, "bundle", json_object_new_string(st->bundle ? st->bundle : "")) < 0 ||
	    add_json(o, "pid", json_object_new_int64(st->pid)) < 0 ||
	    add_json(o, "pid_start", json_object_new_uint64(st->pid_start)) < 0 ||
	    add_json(o, "created", json_object_new_string(st->created ? st->created : "")) < 0 ||
	    add_json(o, "owner", json_object_new_int64(st->owner)) < 0 ||
	    add_json(o, "rootless", json_object_new_boolean(st->rootless)) < 0)
		r = -1;
	if (st->annotations)
		json_object_object_add(o, "annotations", json_object_get(st->annotations));
	if (st->config)
		json_object_object_add(o, "config", json_object_get(st->config));
	if (cg)
		json_object_object_add(o, "cgroup", cg);
	if (us)
		json_object_object_add(o, "userns", us);
	text = r < 0 ? NULL : json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	if (!text) {
		json_object_put(o);
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot save `%s`", st->id);
	}
	fd = openat(st->dir_fd, "state.json.new",
		    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || jl_write_all(fd, text, strlen(text)) < 0 || fsync(fd) < 0 ||
	    renameat(st->dir_fd, "state.json.new", st->dir_fd, "state.json") < 0)
		r = joblet_error_set(err, JOBLET_E_IO, errno, "cannot write the state of `%s`",
				     st->id);
	json_object_put(o);
	return r;
}

static const char *get_str(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : NULL;
}

static int state_fill(const struct oci_ctx *ctx, struct oci_state *st, json_object *o,
		      struct joblet_error **err)
{
	json_object *v;
	const char *s;

	if ((s = get_str(o, "bundle")) && !(st->bundle = strdup(s)))
		return -JOBLET_E_NOMEM;
	if ((s = get_str(o, "created")) && !(st->created = strdup(s)))
		return -JOBLET_E_NOMEM;
	if (json_object_object_get_ex(o, "pid", &v))
		st->pid = (pid_t)json_object_get_int64(v);
	if (json_object_object_get_ex(o, "pid_start", &v))
		st->pid_start = json_object_get_uint64(v);
	if (json_object_object_get_ex(o, "owner", &v))
		st->owner = (uid_t)json_object_get_int64(v);
	if (json_object_object_get_ex(o, "rootless", &v))
		st->rootless = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "annotations", &v))
		st->annotations = json_object_get(v);
	if (json_object_object_get_ex(o, "config", &v))
		st->config = json_object_get(v);
	if (json_object_object_get_ex(o, "cgroup", &v) &&
	    oci_cgroup_from_json(ctx, v, &st->cgroup, err) < 0)
		return -JOBLET_E_INTERNAL;
	if (json_object_object_get_ex(o, "userns", &v) &&
	    oci_userns_from_json(ctx, v, &st->userns, err) < 0)
		return -JOBLET_E_INTERNAL;
	return 0;
}

int oci_state_load(const struct oci_ctx *ctx, const char *id, bool lock, struct oci_state **ret,
		   struct joblet_error **err)
{
	_cleanup_close_ int root_fd = -1, fd = -1;
	struct oci_state *st;
	json_object *o;
	int r;

	if (!oci_id_valid(id))
		return bad_id(id, err);
	root_fd = open_root(ctx, false, NULL);
	if (root_fd < 0)
		return joblet_error_set(err, JOBLET_E_NOT_FOUND, ENOENT,
					"container `%s` does not exist", id);
	st = calloc(1, sizeof(*st));
	if (!st || !(st->id = strdup(id))) {
		free(st);
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot load `%s`", id);
	}
	st->lock_fd = -1;
	st->dir_fd = openat(root_fd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (st->dir_fd < 0) {
		r = joblet_error_set(err, errno == ENOENT ? JOBLET_E_NOT_FOUND : JOBLET_E_IO, errno,
				     errno == ENOENT ? "container `%s` does not exist"
						     : "cannot open the state of container `%s`",
				     id);
		goto fail;
	}
	if (lock && (st->lock_fd = take_lock(st->dir_fd, id, err)) < 0) {
		r = st->lock_fd;
		goto fail;
	}
	fd = openat(st->dir_fd, "state.json", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		/* Made by a create that has not got far, or that failed half-way. */
		r = joblet_error_set(
			err, JOBLET_E_NOT_FOUND, errno,
			"container `%s` does not exist (it is being created, or its creation failed)",
			id);
		goto fail;
	}
	o = json_object_from_fd(fd);
	if (!o) {
		r = joblet_error_set(err, JOBLET_E_PARSE, 0,
				     "the state of container `%s` is damaged: %s", id,
				     json_util_get_last_err());
		goto fail;
	}
	r = state_fill(ctx, st, o, err);
	json_object_put(o);
	if (r < 0) {
		if (!err || !*err)
			joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot load `%s`", id);
		goto fail;
	}
	*ret = st;
	return 0;
fail:
	oci_state_free(st);
	return r;
}

int oci_pid_start(pid_t pid, unsigned long long *ret)
{
	char path[64], buf[1024], *p;
	_cleanup_close_ int fd = -1;
	ssize_t n;
	int field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: fields start after the last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	/* p + 2 is field 3 (state); the start time is field 22. */
	p += 2;
	if (*p == 'Z' || *p == 'X')
		return -ESRCH;
	for (field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p)
		return -EIO;
	*ret = strtoull(p, NULL, 10);
	return 0;
}

bool oci_pid_alive(pid_t pid, unsigned long long start)
{
	unsigned long long now;

	return pid > 0 && oci_pid_start(pid, &now) == 0 && now == start;
}

enum oci_status oci_state_status(const struct oci_state *st)
{
	if (st->pid <= 0)
		return OCI_STATUS_CREATING;
	if (!oci_pid_alive(st->pid, st->pid_start))
		return OCI_STATUS_STOPPED;
	if (faccessat(st->dir_fd, "exec.fifo", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return OCI_STATUS_CREATED;
	if (st->cgroup && oci_cgroup_frozen(st->cgroup, NULL) == 1)
		return OCI_STATUS_PAUSED;
	return OCI_STATUS_RUNNING;
}

const char *oci_status_name(enum oci_status s)
{
	switch (s) {
	case OCI_STATUS_CREATING:
		return "creating";
	case OCI_STATUS_CREATED:
		return "created";
	case OCI_STATUS_RUNNING:
		return "running";
	case OCI_STATUS_PAUSED:
		return "paused";
	case OCI_STATUS_STOPPED:
		return "stopped";
	}
	return "unknown";
}

int oci_state_json(const struct oci_state *st, json_object **ret, struct joblet_error **err)
{
	enum oci_status s = oci_state_status(st);
	json_object *o = json_object_new_object();
	_cleanup_free_ char *rootfs = NULL;
	json_object *root, *path;

	if (!o)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot show `%s`", st->id);
	if (st->config && json_object_object_get_ex(st->config, "root", &root) &&
	    json_object_object_get_ex(root, "path", &path)) {
		const char *p = json_object_get_string(path);

		rootfs = p[0] == '/' ? strdup(p) : jl_strdup_printf("%s/%s", st->bundle, p);
	}
	json_object_object_add(o, "ociVersion", json_object_new_string(OCI_SPEC_VERSION));
	json_object_object_add(o, "id", json_object_new_string(st->id));
	json_object_object_add(o, "pid",
			       json_object_new_int(s == OCI_STATUS_STOPPED ? 0 : (int)st->pid));
	json_object_object_add(o, "status", json_object_new_string(oci_status_name(s)));
	json_object_object_add(o, "bundle", json_object_new_string(st->bundle ? st->bundle : ""));
	json_object_object_add(o, "rootfs", json_object_new_string(rootfs ? rootfs : ""));
	json_object_object_add(o, "created",
			       json_object_new_string(st->created ? st->created : ""));
	json_object_object_add(o, "owner", json_object_new_string(""));
	json_object_object_add(o, "annotations",
			       st->annotations ? json_object_get(st->annotations)
					       : json_object_new_object());
	*ret = o;
	return 0;
}

void oci_state_free(struct oci_state *st)
{
	if (!st)
		return;
	free(st->id);
	free(st->bundle);
	free(st->created);
	json_object_put(st->annotations);
	json_object_put(st->config);
	oci_cgroup_free(st->cgroup);
	oci_userns_free(st->userns);
	if (st->dir_fd >= 0)
		close(st->dir_fd);
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	free(st);
}

int oci_state_remove(const struct oci_ctx *ctx, const struct oci_state *st,
		     struct joblet_error **err)
{
	_cleanup_close_ int root_fd = open_root(ctx, false, NULL);

	if (root_fd < 0)
		return 0;
	return jl_rm_rf_at(root_fd, st->id, err);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int oci_state_list(const struct oci_ctx *ctx, char ***ret, struct joblet_error **err)
{
	_cleanup_closedir_ DIR *d = NULL;
	char **ids = NULL;
	struct dirent *de;
	int fd;

	*ret = NULL;
	fd = open_root(ctx, false, NULL);
	if (fd < 0)
		return 0; /* no container was ever made here */
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot read `%s`", ctx->root);
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !oci_id_valid(de->d_name) ||
		    faccessat(dirfd(d), de->d_name, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (jl_strv_push(&ids, de->d_name) < 0) {
			jl_strv_free(ids);
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
						"cannot list containers");
		}
	}
	if (ids)
		qsort(ids, jl_strv_length(ids), sizeof(char *), cmp_str);
	*ret = ids;
	return 0;
}

/*
 * Every namespace is opened first (the paths are the host's), then joined
 * with the host's root: the ones the container's user namespace owns and
 * any it joined by path that the host owns; its user namespace last.
 */
static const struct {
	const char *name;
	int flag;
} ns_order[] = {
	{ "ipc", CLONE_NEWIPC },   { "uts", CLONE_NEWUTS },	  { "net", CLONE_NEWNET },
	{ "pid", CLONE_NEWPID },   { "cgroup", CLONE_NEWCGROUP }, { "mnt", CLONE_NEWNS },
	{ "user", CLONE_NEWUSER },
};

#define N_NS (sizeof(ns_order) / sizeof(ns_order[0]))

int oci_ns_join(pid_t pid, struct joblet_error **err)
{
	int fds[N_NS];
	int r = 0;

	for (size_t i = 0; i < N_NS; i++) {
		char theirs[64], ours[64];
		struct stat a, b;

		fds[i] = -1;
		snprintf(theirs, sizeof(theirs), "/proc/%d/ns/%s", (int)pid, ns_order[i].name);
		snprintf(ours, sizeof(ours), "/proc/self/ns/%s", ns_order[i].name);
		if (stat(theirs, &a) < 0) {
			r = joblet_error_set(err, JOBLET_E_NOT_FOUND, errno,
					     "the container's process %d is gone", (int)pid);
			break;
		}
		if (stat(ours, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			continue;
		fds[i] = open(theirs, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0) {
			r = joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					     "cannot open the %s namespace of the container",
					     ns_order[i].name);
			break;
		}
	}
	for (size_t i = 0; r == 0 && i < N_NS; i++)
		if (fds[i] >= 0 && setns(fds[i], ns_order[i].flag) < 0)
			r = joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					     "cannot join the %s namespace of the container",
					     ns_order[i].name);
	for (size_t i = 0; i < N_NS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return r;
}

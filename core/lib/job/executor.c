/*
 * executor.c - jobs from the outside: create the state folder, start the
 * shim, ask it to stop, read how the job ended.
 */
#include <config.h>

#include <fcntl.h>
#include <json.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <joblet/job.h>

#include "base/fsutil.h"
#include "runtime/install_private.h"
#include "job/job_private.h"
#include "base/util.h"
#include "config/config.h"
#include "job/executor.h"
#include "job/job_spec.h"

/* Copy a file or a folder tree from the host into dirfd/name, owned by uid:gid. */
static int copy_tree(const char *src, int dirfd, const char *name, uid_t uid, gid_t gid, int depth,
		     struct joblet_error **err)
{
	struct stat st;
	int r = 0;

	if (depth > 64)
		return joblet_error_set(err, JOBLET_E_LIMIT, 0, "upload `%s` is nested too deeply",
					src);
	if (lstat(src, &st) < 0)
		return joblet_error_set(err, JOBLET_E_NOT_FOUND, errno, "upload `%s`", src);
	if (S_ISDIR(st.st_mode)) {
		_cleanup_closedir_ DIR *d = opendir(src);
		int sub;

		if (!d)
			return joblet_error_set(err, JOBLET_E_IO, errno, "cannot read `%s`", src);
		if (mkdirat(dirfd, name, 0700) < 0)
			return joblet_error_set(err, JOBLET_E_IO, errno,
						"cannot create `%s` in /work", name);
		sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			return joblet_error_set(err, JOBLET_E_IO, errno, "cannot open `%s`", name);
		for (struct dirent *de; r == 0 && (de = readdir(d));) {
			_cleanup_free_ char *child = NULL;

			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			child = jl_strdup_printf("%s/%s", src, de->d_name);
			r = child ? copy_tree(child, sub, de->d_name, uid, gid, depth + 1, err)
				  : joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
						     "cannot copy uploads");
		}
		if (r == 0 && (fchmod(sub, st.st_mode & 0755) < 0 || fchown(sub, uid, gid) < 0))
			r = joblet_error_set(err, JOBLET_E_IO, errno,
					     "cannot set the owner of `%s`", name);
		close(sub);
		return r;
	}
	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlink(src, target, sizeof(target) - 1);

		if (n < 0)
			return joblet_error_set(err, JOBLET_E_IO, errno, "cannot read link `%s`",
						src);
		target[n] = '\0';
		if (symlinkat(target, dirfd, name) < 0 ||
		    fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
			return joblet_error_set(err, JOBLET_E_IO, errno, "cannot copy link `%s`",
						src);
		return 0;
	}
	if (S_ISREG(st.st_mode)) {
		_cleanup_close_ int in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		_cleanup_close_ int out = -1;
		char buf[65536];
		ssize_t n;

		if (in < 0)
			return joblet_error_set(err, JOBLET_E_IO, errno, "cannot open upload `%s`",
						src);
		out = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			     0600);
		if (out < 0)
			return joblet_error_set(err, JOBLET_E_IO, errno,
						"cannot create `%s` in /work", name);
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, (size_t)n) != n)
				return joblet_error_set(err, JOBLET_E_IO, errno, "cannot copy `%s`",
							src);
		if (n < 0)
			return joblet_error_set(err, JOBLET_E_IO, errno, "cannot read `%s`", src);
		if (fchmod(out, st.st_mode & 0755) < 0 || fchown(out, uid, gid) < 0)
			return joblet_error_set(err, JOBLET_E_IO, errno,
						"cannot set the owner of `%s`", name);
		return 0;
	}
	return joblet_error_set(err, JOBLET_E_INVALID, 0,
				"upload `%s` is neither a file, a folder nor a link", src);
}

int jl_job_create(const struct jl_config *cfg, const struct jl_job_spec *spec, char **ret_dir,
		  struct joblet_error **err)
{
	_cleanup_free_ char *jobs = jl_strdup_printf("%s/jobs", cfg->state_dir);
	_cleanup_free_ char *dir = NULL, *json = NULL, *spec_path = NULL;
	_cleanup_close_ int dfd = -1, wfd = -1;
	/* Without root (isolation/none only) the job runs as the caller and owns nothing else. */
	bool owner = geteuid() == 0;
	int fd, r;

	if (!jobs)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot create the job");
	if ((r = jl_mkdir_p(cfg->state_dir, 0700, err)) < 0 ||
	    (r = jl_mkdir_p(jobs, 0700, err)) < 0)
		return r;
	dir = jl_strdup_printf("%s/%s", jobs, spec->id);
	spec_path = jl_strdup_printf("%s/spec.json", dir ? dir : "");
	if (!dir || !spec_path)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot create the job");
	if (mkdir(dir, 0700) < 0)
		return joblet_error_set(err, errno == EEXIST ? JOBLET_E_EXISTS : JOBLET_E_IO, errno,
					"cannot create the job folder `%s`", dir);
	r = jl_job_spec_to_json(spec, &json, err);
	if (r < 0)
		goto fail;
	fd = open(spec_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	/* No fsync: a job does not survive the machine's crash, and its start waits on this. */
	if (fd < 0 || write(fd, json, strlen(json)) != (ssize_t)strlen(json) || close(fd) < 0) {
		r = joblet_error_set(err, JOBLET_E_IO, errno, "cannot write `%s`", spec_path);
		goto fail;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* The log exists from the start, so readers can follow it before the shim runs. */
	if (dfd < 0 ||
	    (fd = openat(dfd, "log", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0 ||
	    close(fd) < 0 || mkdirat(dfd, "root", 0700) < 0 || mkdirat(dfd, "work", 0700) < 0 ||
	    (wfd = openat(dfd, "work", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (owner && fchown(wfd, (uid_t)spec->uid, (gid_t)spec->gid) < 0)) {
		r = joblet_error_set(err, JOBLET_E_IO, errno, "cannot prepare `%s`", dir);
		goto fail;
	}
	for (char **u = spec->uploads; u && *u; u++) {
		const char *base = strrchr(*u, '/');

		r = copy_tree(*u, wfd, base ? base + 1 : *u, owner ? (uid_t)spec->uid : (uid_t)-1,
			      owner ? (gid_t)spec->gid : (gid_t)-1, 0, err);
		if (r < 0)
			goto fail;
	}
	*ret_dir = TAKE_PTR(dir);
	return 0;
fail : {
	_cleanup_close_ int jfd = open(jobs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (jfd >= 0)
		jl_rm_rf_at(jfd, spec->id, NULL);
}
	return r;
}

int jl_job_shim_pid(const char *state_dir, int32_t *ret_pid)
{
	_cleanup_free_ char *path = jl_strdup_printf("%s/lock", state_dir);
	_cleanup_free_ char *text = path ? jl_read_line_file(path) : NULL;
	long long pid;

	if (!text || sscanf(text, "%lld", &pid) != 1 || pid <= 1 || pid > INT32_MAX)
		return -1;
	*ret_pid = (int32_t)pid;
	return 0;
}

int jl_job_running(const char *state_dir)
{
	_cleanup_free_ char *path = jl_strdup_printf("%s/lock", state_dir);
	_cleanup_close_ int fd = path ? open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) : -1;

	if (fd < 0)
		return 0;
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		flock(fd, LOCK_UN);
		return 0;
	}
	return errno == EWOULDBLOCK;
}

int jl_job_stop(const char *state_dir, struct joblet_error **err)
{
	_cleanup_close_ int pidfd = -1;
	int32_t pid = 0;

	if (jl_job_shim_pid(state_dir, &pid) < 0 || pid <= 1)
		return joblet_error_set(err, JOBLET_E_NOT_FOUND, 0,
					"the job in `%s` is not running", state_dir);
	/* Pin the process first, then check it still is this job's shim (it holds the lock). */
	pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	if (pidfd < 0 && errno == ENOSYS) {
		/* No pidfds (old kernel, valgrind): the lock check narrows the pid-reuse window. */
		if (!jl_job_running(state_dir))
			return joblet_error_set(err, JOBLET_E_NOT_FOUND, 0,
						"the job in `%s` is not running", state_dir);
		if (kill((pid_t)pid, SIGTERM) < 0)
			return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
						"cannot signal the job supervisor");
		return 0;
	}
	if (pidfd < 0 || !jl_job_running(state_dir))
		return joblet_error_set(err, JOBLET_E_NOT_FOUND, 0,
					"the job in `%s` is not running", state_dir);
	if (syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0) < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					"cannot signal the job supervisor");
	return 0;
}

int jl_job_remove(const char *state_dir, struct joblet_error **err)
{
	_cleanup_free_ char *parent = jl_dirname(state_dir);
	_cleanup_close_ int pfd = -1;
	const char *base = strrchr(state_dir, '/');

	if (jl_job_running(state_dir))
		return joblet_error_set(err, JOBLET_E_BUSY, 0, "the job in `%s` still runs",
					state_dir);
	/* The job's /work may be a tmpfs kept after the job (isolation/rootfs): never recursed
	 * into. */
	{
		_cleanup_free_ char *real = realpath(state_dir, NULL);
		int r = real ? jl_unmount_under(real, err) : 0;

		if (r < 0)
			return r;
	}
	pfd = parent ? open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (pfd < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot remove `%s`", state_dir);
	return jl_rm_rf_at(pfd, base ? base + 1 : state_dir, err);
}

/* ------------------------------------------------------------------ status */

int jl_job_status_write(const char *state_dir, const struct jl_job_status *st,
			struct joblet_error **err)
{
	_cleanup_free_ char *path = jl_strdup_printf("%s/status.json", state_dir);
	_cleanup_free_ char *tmp = jl_strdup_printf("%s/.status.json.tmp", state_dir);
	json_object *o = json_object_new_object();
	const char *text;
	int fd, r = 0;

	json_object_object_add(o, "exited", json_object_new_boolean(st->exited));
	json_object_object_add(o, "exit_code", json_object_new_int(st->exit_code));
	json_object_object_add(o, "signal", json_object_new_int(st->signal));
	json_object_object_add(o, "oom", json_object_new_boolean(st->oom));
	json_object_object_add(o, "timeout", json_object_new_boolean(st->timeout));
	json_object_object_add(o, "stopped", json_object_new_boolean(st->stopped));
	json_object_object_add(o, "failed_to_start", json_object_new_boolean(st->failed_to_start));
	json_object_object_add(o, "cpu_usec", json_object_new_int64((int64_t)st->cpu_usec));
	json_object_object_add(o, "memory_peak_bytes",
			       json_object_new_int64((int64_t)st->memory_peak_bytes));
	json_object_object_add(o, "started_ns", json_object_new_int64(st->started_ns));
	json_object_object_add(o, "ended_ns", json_object_new_int64(st->ended_ns));
	json_object_object_add(o, "log_dropped_bytes",
			       json_object_new_int64((int64_t)st->log_dropped_bytes));
	json_object_object_add(o, "error", st->error ? json_object_new_string(st->error) : NULL);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	if (!path || !tmp || !text) {
		r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot write the job status");
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	/*
	 * Atomic (rename), not synced: after a crash of the machine a job
	 * without status.json is reported as failed, which is what it was.
	 */
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) || close(fd) < 0 ||
	    rename(tmp, path) < 0)
		r = joblet_error_set(err, JOBLET_E_IO, errno, "cannot write `%s`", path);
out:
	json_object_put(o);
	return r;
}

static int64_t jint(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

int jl_job_status_read(const char *state_dir, struct jl_job_status *ret, struct joblet_error **err)
{
	_cleanup_free_ char *path = jl_strdup_printf("%s/status.json", state_dir);
	_cleanup_free_ char *text = NULL;
	json_object *o, *v;
	int r;

	if (!path)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read the job status");
	r = jl_read_file(path, 1 << 20, &text, NULL, err);
	if (r < 0)
		return r;
	o = json_tokener_parse(text);
	if (!o)
		return joblet_error_set(err, JOBLET_E_PARSE, 0, "`%s` is not valid JSON", path);
	memset(ret, 0, sizeof(*ret));
	ret->exited = (int32_t)jint(o, "exited");
	ret->exit_code = (int32_t)jint(o, "exit_code");
	ret->signal = (int32_t)jint(o, "signal");
	ret->oom = (int32_t)jint(o, "oom");
	ret->timeout = (int32_t)jint(o, "timeout");
	ret->stopped = (int32_t)jint(o, "stopped");
	ret->failed_to_start = (int32_t)jint(o, "failed_to_start");
	ret->cpu_usec = (uint64_t)jint(o, "cpu_usec");
	ret->memory_peak_bytes = (uint64_t)jint(o, "memory_peak_bytes");
	ret->started_ns = jint(o, "started_ns");
	ret->ended_ns = jint(o, "ended_ns");
	ret->log_dropped_bytes = (uint64_t)jint(o, "log_dropped_bytes");
	if (json_object_object_get_ex(o, "error", &v) && json_object_is_type(v, json_type_string))
		ret->error = strdup(json_object_get_string(v));
	json_object_put(o);
	return 0;
}

void jl_job_status_done(struct jl_job_status *status)
{
	if (status) {
		free(status->error);
		status->error = NULL;
	}
}

int jl_job_status_exit_code(const struct jl_job_status *st)
{
	if (st->failed_to_start)
		return 125;
	if (st->timeout)
		return 124;
	if (st->oom)
		return 137;
	if (st->exited)
		return st->exit_code;
	if (st->signal)
		return st->signal == SIGKILL ? 137 : 128 + st->signal;
	return 125;
}

/*
 * api_jobs.c - /v1/jobs: run, list, status, stop, cancel, delete.
 *
 * Every route here sees and touches only the jobs request_job_owner()
 * allows (developer, maintainer: their own; reader: all, to read; admin:
 * all): per-job routes find their job through request_job(), so another
 * owner's job is a 404 like one that does not exist, and list and
 * delete-all filter by the same owner.
 *
 * POST /v1/jobs takes a JSON object whose fields are exactly those of the
 * job schema with JL_JOB_REQUEST (core/lib/job/job_schema.c; docs/api.md):
 * any other is refused, so a typo never becomes a silently ignored limit.
 * The uploads are decoded by common/uploads.c and written here.
 * The job runs as the configured user, never one the caller names, and
 * uploads are written only below its /work, created new, without links.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "manager.h"
#include "networks.h"
#include "server.h"
#include "store.h"
#include "upload_stream.h"
#include "volumes.h"
#include "base/fsutil.h"
#include "base/timefmt.h"
#include "common/uploads.h"
#include "job/job_schema.h"
#include "job/job_spec.h"

/* The uploads of a request, and the user to give them to. */
struct job_files {
	struct jl_uploads up;
	uid_t uid;
	gid_t gid;
};

/* A folder made on the way to an upload: the job's user owns it. */
static int give_folder(int fd, const char *path, size_t len, void *cls, struct joblet_error **err)
{
	const struct job_files *u = cls;

	(void)path;
	(void)len;
	if (geteuid() == 0 && fchown(fd, u->uid, u->gid) < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno,
					"upload: cannot give a folder to the job's user");
	return 0;
}

static int write_uploads(const char *state_dir, void *userdata, struct joblet_error **err)
{
	struct job_files *u = userdata;
	char work[4200];
	_cleanup_close_ int wfd = -1;

	snprintf(work, sizeof(work), "%s/work", state_dir);
	wfd = open(work, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (wfd < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot open `%s`", work);
	for (size_t i = 0; i < u->up.n; i++) {
		const struct jl_upload *up = &u->up.items[i];
		const char *base = strrchr(up->path, '/');
		int dfd, fd;
		size_t off = 0;

		if (up->dir) {
			dfd = jl_open_folders_at(wfd, up->path, strlen(up->path), 0755, give_folder,
						 u, err);
			if (dfd < 0)
				return dfd;
			if (fchmod(dfd, (mode_t)(up->mode & 0755)) < 0) {
				close(dfd);
				return joblet_error_set(err, JOBLET_E_IO, errno,
							"upload: cannot set the mode of `%s`",
							up->path);
			}
			close(dfd);
			continue;
		}
		dfd = jl_open_folders_at(wfd, up->path, base ? (size_t)(base - up->path) : 0, 0755,
					 give_folder, u, err);
		if (dfd < 0)
			return dfd;
		base = base ? base + 1 : up->path;
		fd = openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    (mode_t)(up->mode & 0755));
		if (fd < 0) {
			int e = errno;

			close(dfd);
			return joblet_error_set(err, e == EEXIST ? JOBLET_E_INVALID : JOBLET_E_IO,
						e, "upload `%s`: cannot create it%s", up->path,
						e == EEXIST ? " (given twice)" : "");
		}
		while (off < up->len) {
			ssize_t w = write(fd, up->data + off, up->len - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				int e = errno;

				close(fd);
				close(dfd);
				return joblet_error_set(err, JOBLET_E_IO, e,
							"upload `%s`: cannot write it", up->path);
			}
			off += (size_t)w;
		}
		if (fchmod(fd, (mode_t)(up->mode & 0755)) < 0 ||
		    (geteuid() == 0 && fchown(fd, u->uid, u->gid) < 0)) {
			int e = errno;

			close(fd);
			close(dfd);
			return joblet_error_set(err, JOBLET_E_IO, e,
						"upload `%s`: cannot set its owner and mode",
						up->path);
		}
		close(fd);
		close(dfd);
	}
	return 0;
}

/* ------------------------------------------------------------------ JSON out */

static json_object *time_json(int64_t ns)
{
	char buf[40];

	if (ns <= 0)
		return NULL;
	jl_time_format_rfc3339(ns, buf, sizeof(buf));
	return json_object_new_string(buf);
}

/* argv as one line, each word quoted when it needs it; at most 1000 bytes. */
static char *command_line(char *const *argv)
{
	char buf[1024];
	size_t o = 0;

	buf[0] = '\0';
	for (; argv && *argv && o < sizeof(buf) - 8; argv++) {
		bool quote = !**argv || strpbrk(*argv, " \t\n'\"\\$`;&|<>()*?[]#~") != NULL;

		if (o)
			buf[o++] = ' ';
		if (quote)
			buf[o++] = '\'';
		for (const char *c = *argv; *c && o < sizeof(buf) - 6; c++) {
			if (*c == '\'' && quote) {
				memcpy(buf + o, "'\\''", 4);
				o += 4;
			} else
				buf[o++] = (char)((unsigned char)*c < 0x20 ? '?' : *c);
		}
		if (quote)
			buf[o++] = '\'';
		buf[o] = '\0';
	}
	return strdup(buf);
}

static json_object *record_json(const struct job_record *r, bool detail)
{
	json_object *o = json_object_new_object();
	json_object *spec = r->spec_json ? json_tokener_parse(r->spec_json) : NULL;

	json_object_object_add(o, "id", json_object_new_string(r->id));
	json_object_object_add(o, "name", r->name ? json_object_new_string(r->name) : NULL);
	json_object_object_add(o, "state", json_object_new_string(job_state_name(r->state)));
	json_object_object_add(o, "command", json_object_new_string(r->command ? r->command : ""));
	json_object_object_add(o, "owner", json_object_new_string(r->owner ? r->owner : ""));
	json_object_object_add(o, "priority", json_object_new_int64(r->priority));
	json_object_object_add(o, "created", time_json(r->created_ns));
	json_object_object_add(o, "scheduled", time_json(r->scheduled_ns));
	json_object_object_add(o, "started", time_json(r->started_ns));
	json_object_object_add(o, "ended", time_json(r->ended_ns));
	json_object_object_add(o, "exit_code",
			       r->has_exit_code ? json_object_new_int(r->exit_code) : NULL);
	json_object_object_add(o, "signal", json_object_new_int(r->signal));
	json_object_object_add(o, "reason", r->reason ? json_object_new_string(r->reason) : NULL);
	json_object_object_add(o, "cron", r->cron ? json_object_new_string(r->cron) : NULL);
	json_object_object_add(o, "parent",
			       r->parent[0] ? json_object_new_string(r->parent) : NULL);
	json_object_object_add(o, "cores", r->cores[0] ? json_object_new_string(r->cores) : NULL);
	if (r->cron)
		json_object_object_add(o, "runs", json_object_new_int64(r->runs));
	if (detail) {
		json_object_object_add(o, "owner_role",
				       r->owner_role ? json_object_new_string(r->owner_role)
						     : NULL);
		json_object_object_add(o, "owner_serial",
				       r->owner_serial ? json_object_new_string(r->owner_serial)
						       : NULL);
		json_object_object_add(o, "cpu_usec", json_object_new_int64(r->cpu_usec));
		json_object_object_add(o, "memory_peak_bytes",
				       json_object_new_int64(r->memory_peak_bytes));
		json_object_object_add(o, "log_dropped_bytes",
				       json_object_new_int64(r->log_dropped_bytes));
		json_object_object_add(o, "spec", spec);
		spec = NULL;
	}
	json_object_put(spec);
	return o;
}

static int reply_record(struct request *rq, unsigned int status, const struct job_record *r,
			bool detail)
{
	return reply_obj(rq, status, record_json(r, detail));
}

static int reply_e(struct request *rq, struct joblet_error *e)
{
	int r = reply_joblet_error(rq, e);

	joblet_error_free(e);
	return r;
}

/* ------------------------------------------------------------------ handlers */

int api_job_run(struct request *rq)
{
	struct joblet_error *e = NULL;
	struct jl_job_spec *spec = NULL;
	struct job_files files = { { NULL, 0 }, 0, 0 };
	/* A multipart body has its files spooled already; the JSON form carries them. */
	struct jl_job_request_in in = { rq->who.role >= ROLE_ADMIN,
					rq->ups ? upload_stream_entries : jl_uploads_decode,
					rq->ups ? (void *)rq->ups : (void *)&files.up };
	int (*add_files)(const char *dir, void *userdata, struct joblet_error **err) = NULL;
	void *add_data = &files;
	struct timespec arrived;
	struct job_owner owner = { rq->who.cn, rq->who.serial, role_name(rq->who.role), 0 };
	struct job_record rec;
	json_object *o;
	char *pub = NULL, *cmd = NULL;
	bool held;
	int r;

	clock_gettime(CLOCK_REALTIME, &arrived);
	owner.received_ns = (int64_t)arrived.tv_sec * 1000000000 + arrived.tv_nsec;
	o = request_json(rq);
	if (!o)
		return MHD_YES;
	r = jl_job_spec_from_request(o, &in, &spec, &e);
	json_object_put(o);
	if (r == 0)
		r = jl_job_spec_validate(rq->d->cfg, spec, &e);
	if (r == 0)
		r = networks_check_use(rq->d->networks, &rq->who, spec->network_name, &e);
	if (r < 0) {
		jl_job_spec_free(spec);
		jl_uploads_done(&files.up);
		return reply_e(rq, e);
	}
	snprintf(rq->target, sizeof(rq->target), "%s", spec->id);
	files.uid = (uid_t)spec->uid;
	files.gid = (gid_t)spec->gid;
	if (rq->ups) {
		upload_stream_set_owner(rq->ups, files.uid, files.gid);
		add_files = upload_stream_has_files(rq->ups) ? upload_stream_move : NULL;
		add_data = rq->ups;
	} else if (files.up.n)
		add_files = write_uploads;
	/* Its only failure is memory, answered as such below. */
	if (jl_job_spec_to_answer(
		    spec, rq->ups ? upload_stream_paths(rq->ups) : jl_uploads_paths(&files.up),
		    &pub, &e) < 0)
		joblet_error_clear(&e);
	cmd = command_line(spec->argv);
	if (!pub || !cmd) {
		free(pub);
		free(cmd);
		jl_job_spec_free(spec);
		jl_uploads_done(&files.up);
		return reply_error(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, JOBLET_E_NOMEM,
				   "out of memory");
	}
	/*
	 * Its volumes: each must exist and be the caller's (another's is a 404),
	 * and none may be removed before the job is recorded as using it.
	 */
	held = spec->volumes && spec->volumes[0];
	r = held ? volumes_hold_for_job(rq->d->volumes, spec, request_job_owner(rq), &e) : 0;
	if (r == 0)
		r = manager_submit(rq->d->manager, spec, &owner, pub, cmd, add_files, add_data,
				   &rec, &e);
	else
		jl_job_spec_free(spec);
	if (held)
		volumes_release(rq->d->volumes);
	free(pub);
	free(cmd);
	jl_uploads_done(&files.up);
	if (r < 0)
		return reply_e(rq, e);
	o = record_json(&rec, true);
	{
		char why[1024];

		if (manager_waiting(rq->d->manager, rec.id, request_job_owner(rq), why,
				    sizeof(why)))
			json_object_object_add(o, "waiting", json_object_new_string(why));
	}
	job_record_done(&rec);
	return reply_obj(rq, MHD_HTTP_CREATED, o);
}

struct list_ctx {
	json_object *arr;
	const char *owner; /* ?owner=, or NULL */
	const char *scope; /* the only owner the caller may see, or NULL for all */
};

static int list_one(const struct job_record *r, void *userdata)
{
	struct list_ctx *c = userdata;

	if ((c->owner && strcmp(c->owner, r->owner) != 0) ||
	    (c->scope && strcmp(c->scope, r->owner) != 0))
		return 0;
	json_object_array_add(c->arr, record_json(r, false));
	return 0;
}

int api_job_list(struct request *rq)
{
	struct joblet_error *e = NULL;
	const char *status = request_query(rq, "status");
	struct list_ctx c = { json_object_new_array(), request_query(rq, "owner"),
			      request_job_owner(rq) };
	int32_t state = 0;

	if (status && *status && !(state = job_state_parse(status))) {
		json_object_put(c.arr);
		return reply_error(
			rq, MHD_HTTP_BAD_REQUEST, JOBLET_E_INVALID,
			"status `%s` is not a job state (PENDING, SCHEDULED, RUNNING, COMPLETED, FAILED, STOPPED, CANCELED, TIMEOUT, OOM_KILLED)",
			status);
	}
	if (store_job_foreach(rq->d->store, state, list_one, &c, &e) < 0) {
		json_object_put(c.arr);
		return reply_e(rq, e);
	}
	return reply_obj(rq, MHD_HTTP_OK, c.arr);
}

int api_job_status(struct request *rq)
{
	struct joblet_error *e = NULL;
	struct job_record rec;
	struct job_event *ev = NULL;
	size_t n = 0;
	json_object *o, *arr;

	if (request_job(rq) < 0)
		return MHD_YES;
	if (store_job_get(rq->d->store, rq->target, &rec, &e) < 0 ||
	    store_job_events(rq->d->store, rq->target, &ev, &n, &e) < 0) {
		job_record_done(&rec);
		return reply_e(rq, e);
	}
	o = record_json(&rec, true);
	{
		char why[1024];

		if (manager_waiting(rq->d->manager, rec.id, request_job_owner(rq), why,
				    sizeof(why)))
			json_object_object_add(o, "waiting", json_object_new_string(why));
	}
	arr = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *x = json_object_new_object();

		json_object_object_add(x, "time", time_json(ev[i].ts_ns));
		json_object_object_add(x, "state",
				       json_object_new_string(job_state_name(ev[i].state)));
		json_object_object_add(x, "reason",
				       ev[i].reason ? json_object_new_string(ev[i].reason) : NULL);
		json_object_array_add(arr, x);
	}
	json_object_object_add(o, "events", arr);
	job_events_free(ev, n);
	job_record_done(&rec);
	return reply_obj(rq, MHD_HTTP_OK, o);
}

static int act(struct request *rq, int (*fn)(struct manager *m, const char *id,
					     struct job_record *ret, struct joblet_error **err))
{
	struct joblet_error *e = NULL;
	struct job_record rec;
	int r;

	if (request_job(rq) < 0)
		return MHD_YES;
	if (fn(rq->d->manager, rq->target, &rec, &e) < 0)
		return reply_e(rq, e);
	r = reply_record(rq, MHD_HTTP_OK, &rec, false);
	job_record_done(&rec);
	return r;
}

int api_job_stop(struct request *rq)
{
	return act(rq, manager_stop);
}

int api_job_cancel(struct request *rq)
{
	return act(rq, manager_cancel);
}

int api_job_delete(struct request *rq)
{
	struct joblet_error *e = NULL;
	json_object *o;

	if (request_job(rq) < 0)
		return MHD_YES;
	if (manager_delete(rq->d->manager, rq->target, &e) < 0)
		return reply_e(rq, e);
	o = json_object_new_object();
	json_object_object_add(o, "deleted", json_object_new_string(rq->target));
	return reply_obj(rq, MHD_HTTP_OK, o);
}

int api_job_delete_all(struct request *rq)
{
	struct joblet_error *e = NULL;
	int64_t deleted = 0, skipped = 0;
	json_object *o;

	if (manager_delete_all(rq->d->manager, request_job_owner(rq), &deleted, &skipped, &e) < 0)
		return reply_e(rq, e);
	snprintf(rq->target, sizeof(rq->target), "%lld jobs", (long long)deleted);
	o = json_object_new_object();
	json_object_object_add(o, "deleted_count", json_object_new_int64(deleted));
	json_object_object_add(o, "skipped_count", json_object_new_int64(skipped));
	return reply_obj(rq, MHD_HTTP_OK, o);
}

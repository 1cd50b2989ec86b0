/*
 * api_jobs.c - /v1/jobs: run, list, status, stop, cancel, delete.
 *
 * POST /v1/jobs takes a JSON object whose fields are exactly these (any
 * other is refused, so a typo never becomes a silently ignored limit):
 *	command     ["python3", "job.py"]          required
 *	env         {"K": "V"}                      secret_env {"K": "V"}
 *	max_cpu     percent of one core             max_memory  MiB
 *	max_iobps   bytes/s                         max_pids    processes
 *	cpu_cores   "0-3,6"                         runtime     "NAME[@VERSION]"
 *	timeout     seconds                         workdir     "/work/sub"
 *	network     "none" | "host" (admin only)    schedule    RFC 3339 (no zone: the
 *	priority    0..1000                         name        a label       daemon's local time)
 *	cpus        whole cores pinned for it alone cron        "*\/5 * * * *": recurring
 *	uploads     [{"path": "dir/a.py", "data": base64, "mode": 420} | {"path": "dir", "dir": true}]
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
#include "server.h"
#include "store.h"
#include "base/timefmt.h"
#include "job/job_spec.h"
#include "common/base64.h"

#define MAX_UPLOADS 10000
#define MAX_UPLOAD_PATH 1024
#define MAX_UPLOAD_DEPTH 32

struct upload {
	char *path;
	uint8_t *data;
	size_t len;
	int mode;
	bool dir;
};

struct uploads {
	struct upload *items;
	size_t n;
	uid_t uid;
	gid_t gid;
};

static void uploads_done(struct uploads *u)
{
	for (size_t i = 0; i < u->n; i++) {
		free(u->items[i].path);
		free(u->items[i].data);
	}
	free(u->items);
}

/* dir/a/b.txt: relative, no `.`/`..`/empty parts, no NUL, bounded. */
static bool upload_path_ok(const char *p)
{
	size_t depth = 0;

	if (!*p || p[0] == '/' || strlen(p) > MAX_UPLOAD_PATH)
		return false;
	for (const char *c = p; *c;) {
		size_t n = strcspn(c, "/");

		if (n == 0 || n > 255 || (n == 1 && c[0] == '.') ||
		    (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		if (++depth > MAX_UPLOAD_DEPTH)
			return false;
		c += n;
		if (*c == '/')
			c++;
		else
			break;
	}
	return p[strlen(p) - 1] != '/';
}

/* Create (or open) every folder of path below dirfd; returns the fd of the last. */
static int open_parents(int dirfd, const char *path, uid_t uid, gid_t gid, bool last_too,
			struct joblet_error **err)
{
	char part[256];
	int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);

	for (const char *c = path; fd >= 0 && *c;) {
		size_t n = strcspn(c, "/");
		int next;

		if (!c[n] && !last_too)
			break;
		snprintf(part, sizeof(part), "%.*s", (int)n, c);
		if (mkdirat(fd, part, 0755) == 0) {
			if (geteuid() == 0 && fchownat(fd, part, uid, gid, AT_SYMLINK_NOFOLLOW) < 0) {
				close(fd);
				return joblet_error_set(err, JOBLET_E_IO, errno,
							"upload: cannot set the owner of `%s`", path);
			}
		} else if (errno != EEXIST) {
			close(fd);
			return joblet_error_set(err, JOBLET_E_IO, errno,
						"upload: cannot create the folder of `%s`", path);
		}
		/* O_NOFOLLOW: an uploaded name cannot be turned into a link out of /work. */
		next = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		if (next < 0)
			return joblet_error_set(err, JOBLET_E_INVALID, errno,
						"upload `%s`: `%s` is not a folder", path, part);
		fd = next;
		c += n;
		if (*c == '/')
			c++;
	}
	return fd;
}

static int write_uploads(const char *state_dir, void *userdata, struct joblet_error **err)
{
	struct uploads *u = userdata;
	char work[4200];
	_cleanup_close_ int wfd = -1;

	snprintf(work, sizeof(work), "%s/work", state_dir);
	wfd = open(work, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (wfd < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot open `%s`", work);
	for (size_t i = 0; i < u->n; i++) {
		const struct upload *up = &u->items[i];
		const char *base = strrchr(up->path, '/');
		int dfd, fd;
		size_t off = 0;

		if (up->dir) {
			dfd = open_parents(wfd, up->path, u->uid, u->gid, true, err);
			if (dfd < 0)
				return dfd;
			if (fchmod(dfd, (mode_t)(up->mode & 0755)) < 0) {
				close(dfd);
				return joblet_error_set(err, JOBLET_E_IO, errno,
							"upload: cannot set the mode of `%s`", up->path);
			}
			close(dfd);
			continue;
		}
		dfd = open_parents(wfd, up->path, u->uid, u->gid, false, err);
		if (dfd < 0)
			return dfd;
		base = base ? base + 1 : up->path;
		fd = openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    (mode_t)(up->mode & 0755));
		if (fd < 0) {
			int e = errno;

			close(dfd);
			return joblet_error_set(err, e == EEXIST ? JOBLET_E_INVALID : JOBLET_E_IO, e,
						"upload `%s`: cannot create it%s", up->path,
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
				return joblet_error_set(err, JOBLET_E_IO, e, "upload `%s`: cannot write it",
							up->path);
			}
			off += (size_t)w;
		}
		if (fchmod(fd, (mode_t)(up->mode & 0755)) < 0 ||
		    (geteuid() == 0 && fchown(fd, u->uid, u->gid) < 0)) {
			int e = errno;

			close(fd);
			close(dfd);
			return joblet_error_set(err, JOBLET_E_IO, e,
						"upload `%s`: cannot set its owner and mode", up->path);
		}
		close(fd);
		close(dfd);
	}
	return 0;
}

/* ------------------------------------------------------------------ the request */

#define bad(err, fmt, field) joblet_error_set(err, JOBLET_E_INVALID, 0, fmt, field)

static int get_int_field(json_object *v, const char *key, int64_t min, int64_t max, int64_t *ret,
			 struct joblet_error **err)
{
	if (!json_object_is_type(v, json_type_int))
		return bad(err, "`%s` must be a whole number", key);
	errno = 0;
	*ret = json_object_get_int64(v);
	if (errno || *ret < min || *ret > max)
		return joblet_error_set(err, JOBLET_E_INVALID, 0, "`%s` must be from %lld to %lld",
					key, (long long)min, (long long)max);
	return 0;
}

static int get_env_field(json_object *v, const char *key, char ***ret, struct joblet_error **err)
{
	if (!json_object_is_type(v, json_type_object))
		return bad(err, "`%s` must be an object of names and string values", key);
	json_object_object_foreach(v, k, val)
	{
		char *kv;

		if (!json_object_is_type(val, json_type_string))
			return joblet_error_set(err, JOBLET_E_INVALID, 0, "`%s.%s` must be a string",
						key, k);
		if (asprintf(&kv, "%s=%s", k, json_object_get_string(val)) < 0)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
		{
			size_t n = 0;
			char **g;

			while (*ret && (*ret)[n])
				n++;
			g = realloc(*ret, (n + 2) * sizeof(char *));
			if (!g) {
				free(kv);
				return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
			}
			g[n] = kv;
			g[n + 1] = NULL;
			*ret = g;
		}
	}
	return 0;
}

static int get_uploads(json_object *v, struct uploads *u, struct joblet_error **err)
{
	size_t n;

	if (!json_object_is_type(v, json_type_array))
		return bad(err, "`%s` must be an array of {path, data} objects", "uploads");
	n = json_object_array_length(v);
	if (n > MAX_UPLOADS)
		return joblet_error_set(err, JOBLET_E_LIMIT, 0, "more than %d uploads", MAX_UPLOADS);
	u->items = calloc(n ? n : 1, sizeof(*u->items));
	if (!u->items)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(v, i);
		struct upload *up = &u->items[u->n];
		const char *path = NULL, *data = NULL;
		size_t dlen = 0;

		if (!json_object_is_type(o, json_type_object))
			return bad(err, "each of `%s` must be an object {path, data, mode}", "uploads");
		up->mode = 0644;
		json_object_object_foreach(o, k, val)
		{
			if (strcmp(k, "path") == 0 && json_object_is_type(val, json_type_string))
				path = json_object_get_string(val);
			else if (strcmp(k, "data") == 0 && json_object_is_type(val, json_type_string)) {
				data = json_object_get_string(val);
				dlen = (size_t)json_object_get_string_len(val);
			} else if (strcmp(k, "mode") == 0 && json_object_is_type(val, json_type_int))
				up->mode = (int)(json_object_get_int64(val) & 07777);
			else if (strcmp(k, "dir") == 0 && json_object_is_type(val, json_type_boolean))
				up->dir = json_object_get_boolean(val);
			else
				return joblet_error_set(err, JOBLET_E_INVALID, 0,
							"uploads[%zu]: `%s` is not a field of an upload "
							"(path, data, mode, dir) or has the wrong type",
							i, k);
		}
		if (!path || !upload_path_ok(path))
			return joblet_error_set(err, JOBLET_E_INVALID, 0,
						"uploads[%zu]: path `%s` must be relative to /work, "
						"without `.`, `..` or empty parts",
						i, path ? path : "");
		if (up->dir && data)
			return joblet_error_set(err, JOBLET_E_INVALID, 0,
						"uploads[%zu] `%s`: a folder has no data", i, path);
		/* A folder without a mode must be enterable. */
		if (up->dir && !json_object_object_get_ex(o, "mode", NULL))
			up->mode = 0755;
		up->path = strdup(path);
		if (!up->path)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
		if (!up->dir) {
			int64_t got;

			up->data = malloc(dlen / 4 * 3 + 1);
			if (!up->data)
				return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
			got = data ? jl_base64_decode(data, dlen, up->data) : 0;
			if (got < 0) {
				u->n++;
				return joblet_error_set(err, JOBLET_E_INVALID, 0,
							"uploads[%zu] `%s`: data is not base64", i, path);
			}
			up->len = (size_t)got;
		}
		u->n++;
	}
	return 0;
}

/* The request body into a spec (new, with a fresh id) and its uploads. */
static int parse_run(json_object *o, bool may_host_network, struct jl_job_spec **ret,
		     struct uploads *u, struct joblet_error **err)
{
	struct jl_job_spec *s = NULL;
	int r = jl_job_spec_new(&s, err);

	if (r < 0)
		return r;
	json_object_object_foreach(o, key, v)
	{
		int64_t n;

		if (strcmp(key, "command") == 0) {
			size_t len;

			if (!json_object_is_type(v, json_type_array) ||
			    (len = json_object_array_length(v)) == 0) {
				r = bad(err, "`%s` must be a non-empty array of strings", key);
				goto fail;
			}
			free(s->argv);
			s->argv = calloc(len + 1, sizeof(char *));
			if (!s->argv) {
				r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
				goto fail;
			}
			for (size_t i = 0; i < len; i++) {
				json_object *a = json_object_array_get_idx(v, i);

				if (!json_object_is_type(a, json_type_string)) {
					r = bad(err, "`%s` must hold only strings", key);
					goto fail;
				}
				s->argv[i] = strdup(json_object_get_string(a));
				if (!s->argv[i] || strlen(s->argv[i]) !=
							   (size_t)json_object_get_string_len(a)) {
					r = bad(err, "`%s` holds a NUL byte or cannot be copied", key);
					goto fail;
				}
			}
		} else if (strcmp(key, "env") == 0) {
			free(s->env);
			s->env = NULL;
			if ((r = get_env_field(v, key, &s->env, err)) < 0)
				goto fail;
		} else if (strcmp(key, "secret_env") == 0) {
			if ((r = get_env_field(v, key, &s->secret_env, err)) < 0)
				goto fail;
		} else if (strcmp(key, "max_cpu") == 0) {
			if ((r = get_int_field(v, key, 0, INT32_MAX, &s->max_cpu, err)) < 0)
				goto fail;
		} else if (strcmp(key, "max_memory") == 0) {
			if ((r = get_int_field(v, key, 0, INT64_C(1) << 40, &s->max_memory_mib, err)) < 0)
				goto fail;
		} else if (strcmp(key, "max_iobps") == 0) {
			if ((r = get_int_field(v, key, 0, INT64_MAX, &s->max_iobps, err)) < 0)
				goto fail;
		} else if (strcmp(key, "max_pids") == 0) {
			if ((r = get_int_field(v, key, 0, INT32_MAX, &s->max_pids, err)) < 0)
				goto fail;
		} else if (strcmp(key, "timeout") == 0) {
			if ((r = get_int_field(v, key, 0, INT64_C(1) << 40, &s->timeout_s, err)) < 0)
				goto fail;
		} else if (strcmp(key, "priority") == 0) {
			if ((r = get_int_field(v, key, 0, 1000, &s->priority, err)) < 0)
				goto fail;
		} else if (strcmp(key, "cpus") == 0) {
			if ((r = get_int_field(v, key, 0, 4096, &s->cpus, err)) < 0)
				goto fail;
		} else if (strcmp(key, "cpu_cores") == 0 || strcmp(key, "runtime") == 0 ||
			   strcmp(key, "workdir") == 0 || strcmp(key, "name") == 0 ||
			   strcmp(key, "network") == 0 || strcmp(key, "schedule") == 0 ||
			   strcmp(key, "cron") == 0) {
			const char *t;
			char **slot = strcmp(key, "cron") == 0 ? &s->cron
				      : key[0] == 'c' ? &s->cpu_cores
				      : key[0] == 'r' ? &s->runtime
				      : key[0] == 'w' ? &s->workdir
						      : &s->name;

			if (!json_object_is_type(v, json_type_string)) {
				r = bad(err, "`%s` must be a string", key);
				goto fail;
			}
			t = json_object_get_string(v);
			if (strlen(t) != (size_t)json_object_get_string_len(v)) {
				r = bad(err, "`%s` holds a NUL byte", key);
				goto fail;
			}
			if (strcmp(key, "network") == 0) {
				if (strcmp(t, "none") == 0)
					s->network = JOBLET_NETWORK_NONE;
				else if (strcmp(t, "host") == 0) {
					if (!may_host_network) {
						r = joblet_error_set(err, JOBLET_E_PERMISSION, 0,
								     "network `host` gives a job the "
								     "host's network; only the admin "
								     "role may ask for it");
						goto fail;
					}
					s->network = JOBLET_NETWORK_HOST;
				} else {
					r = bad(err, "`%s` must be none or host", key);
					goto fail;
				}
				continue;
			}
			if (strcmp(key, "schedule") == 0) {
				struct timespec now;

				/* Without a zone, a time is this daemon's local time. */
				clock_gettime(CLOCK_REALTIME, &now);
				if ((r = jl_schedule_parse(t,
							       (int64_t)now.tv_sec * 1000000000 +
								       now.tv_nsec,
							       &n, err)) < 0) {
					joblet_error_prefix(err, r, "schedule");
					goto fail;
				}
				s->schedule_ns = n;
				continue;
			}
			free(*slot);
			*slot = strdup(t);
			if (!*slot) {
				r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
				goto fail;
			}
		} else if (strcmp(key, "uploads") == 0) {
			if ((r = get_uploads(v, u, err)) < 0)
				goto fail;
		} else {
			r = joblet_error_set(err, JOBLET_E_INVALID, 0,
					     "`%s` is not a field of a job (command, env, secret_env, "
					     "max_cpu, max_memory, max_iobps, max_pids, cpu_cores, "
					     "runtime, timeout, workdir, network, schedule, cron, "
					     "priority, cpus, name, uploads)",
					     key);
			goto fail;
		}
	}
	if (!s->argv || !s->argv[0]) {
		r = bad(err, "`%s` is required: the command and its arguments", "command");
		goto fail;
	}
	if (!s->env)
		s->env = calloc(1, sizeof(char *));
	*ret = s;
	return 0;
fail:
	jl_job_spec_free(s);
	return r;
}

/* ------------------------------------------------------------------ JSON out */

static json_object *env_json(char *const *env, bool secret)
{
	json_object *o = json_object_new_object();

	for (; env && *env; env++) {
		const char *eq = strchr(*env, '=');
		char key[256];

		if (!eq)
			continue;
		snprintf(key, sizeof(key), "%.*s", (int)(eq - *env), *env);
		json_object_object_add(o, key, json_object_new_string(secret ? "***" : eq + 1));
	}
	return o;
}

static json_object *time_json(int64_t ns)
{
	char buf[40];

	if (ns <= 0)
		return NULL;
	jl_time_format_rfc3339(ns, buf, sizeof(buf));
	return json_object_new_string(buf);
}

/* The spec as the API shows it: secret values are `***`. */
static char *public_spec(const struct jl_job_spec *s, const struct uploads *u)
{
	json_object *o = json_object_new_object(), *argv = json_object_new_array(),
		    *up = json_object_new_array();
	const char *t;
	char *out;

	for (char **a = s->argv; a && *a; a++)
		json_object_array_add(argv, json_object_new_string(*a));
	for (size_t i = 0; i < u->n; i++)
		json_object_array_add(up, json_object_new_string(u->items[i].path));
	json_object_object_add(o, "command", argv);
	json_object_object_add(o, "env", env_json(s->env, false));
	json_object_object_add(o, "secret_env", env_json(s->secret_env, true));
	json_object_object_add(o, "max_cpu", json_object_new_int64(s->max_cpu));
	json_object_object_add(o, "max_memory", json_object_new_int64(s->max_memory_mib));
	json_object_object_add(o, "max_iobps", json_object_new_int64(s->max_iobps));
	json_object_object_add(o, "max_pids", json_object_new_int64(s->max_pids));
	json_object_object_add(o, "cpu_cores", s->cpu_cores ? json_object_new_string(s->cpu_cores)
							    : NULL);
	json_object_object_add(o, "runtime", s->runtime ? json_object_new_string(s->runtime) : NULL);
	json_object_object_add(o, "runtime_path",
			       s->runtime_dir ? json_object_new_string(s->runtime_dir) : NULL);
	json_object_object_add(o, "timeout", json_object_new_int64(s->timeout_s));
	json_object_object_add(o, "workdir", json_object_new_string(s->workdir ? s->workdir : "/work"));
	json_object_object_add(o, "network", json_object_new_string(s->network == JOBLET_NETWORK_HOST
									     ? "host"
									     : "none"));
	json_object_object_add(o, "schedule", time_json(s->schedule_ns));
	json_object_object_add(o, "priority", json_object_new_int64(s->priority));
	json_object_object_add(o, "cpus", json_object_new_int64(s->cpus));
	json_object_object_add(o, "cron", s->cron ? json_object_new_string(s->cron) : NULL);
	json_object_object_add(o, "uploads", up);
	t = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	out = t ? strdup(t) : NULL;
	json_object_put(o);
	return out;
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
	json_object_object_add(o, "parent", r->parent[0] ? json_object_new_string(r->parent) : NULL);
	json_object_object_add(o, "cores", r->cores[0] ? json_object_new_string(r->cores) : NULL);
	if (r->cron)
		json_object_object_add(o, "runs", json_object_new_int64(r->runs));
	if (detail) {
		json_object_object_add(o, "owner_role",
				       r->owner_role ? json_object_new_string(r->owner_role) : NULL);
		json_object_object_add(o, "owner_serial", r->owner_serial
								  ? json_object_new_string(r->owner_serial)
								  : NULL);
		json_object_object_add(o, "cpu_usec", json_object_new_int64(r->cpu_usec));
		json_object_object_add(o, "memory_peak_bytes",
				       json_object_new_int64(r->memory_peak_bytes));
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

/* The {} segment as a job id (a unique prefix works) into rq->target. */
static int resolve(struct request *rq)
{
	struct joblet_error *e = NULL;

	if (store_job_resolve(rq->d->store, rq->arg, rq->target, &e) < 0) {
		reply_e(rq, e);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ handlers */

int api_job_run(struct request *rq)
{
	struct joblet_error *e = NULL;
	struct jl_job_spec *spec = NULL;
	struct uploads u = { NULL, 0, 0, 0 };
	struct timespec arrived;
	struct job_owner owner = { rq->who.cn, rq->who.serial, role_name(rq->who.role), 0 };
	struct job_record rec;
	json_object *o;
	char *pub = NULL, *cmd = NULL;
	int r;

	clock_gettime(CLOCK_REALTIME, &arrived);
	owner.received_ns = (int64_t)arrived.tv_sec * 1000000000 + arrived.tv_nsec;
	o = request_json(rq);
	if (!o)
		return MHD_YES;
	r = parse_run(o, rq->who.role >= ROLE_ADMIN, &spec, &u, &e);
	json_object_put(o);
	if (r == 0)
		r = jl_job_spec_validate(rq->d->cfg, spec, &e);
	if (r < 0) {
		jl_job_spec_free(spec);
		uploads_done(&u);
		return reply_e(rq, e);
	}
	snprintf(rq->target, sizeof(rq->target), "%s", spec->id);
	u.uid = (uid_t)spec->uid;
	u.gid = (gid_t)spec->gid;
	pub = public_spec(spec, &u);
	cmd = command_line(spec->argv);
	if (!pub || !cmd) {
		free(pub);
		free(cmd);
		jl_job_spec_free(spec);
		uploads_done(&u);
		return reply_error(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, JOBLET_E_NOMEM, "out of memory");
	}
	r = manager_submit(rq->d->manager, spec, &owner, pub, cmd, u.n ? write_uploads : NULL, &u,
			   &rec, &e);
	free(pub);
	free(cmd);
	uploads_done(&u);
	if (r < 0)
		return reply_e(rq, e);
	o = record_json(&rec, true);
	{
		char why[1024];

		if (manager_waiting(rq->d->manager, rec.id, why, sizeof(why)))
			json_object_object_add(o, "waiting", json_object_new_string(why));
	}
	job_record_done(&rec);
	return reply_obj(rq, MHD_HTTP_CREATED, o);
}

struct list_ctx {
	json_object *arr;
	const char *owner;
};

static int list_one(const struct job_record *r, void *userdata)
{
	struct list_ctx *c = userdata;

	if (c->owner && strcmp(c->owner, r->owner) != 0)
		return 0;
	json_object_array_add(c->arr, record_json(r, false));
	return 0;
}

int api_job_list(struct request *rq)
{
	struct joblet_error *e = NULL;
	const char *status = request_query(rq, "status");
	struct list_ctx c = { json_object_new_array(), request_query(rq, "owner") };
	int32_t state = 0;

	if (status && *status && !(state = job_state_parse(status))) {
		json_object_put(c.arr);
		return reply_error(rq, MHD_HTTP_BAD_REQUEST, JOBLET_E_INVALID,
				   "status `%s` is not a job state (PENDING, SCHEDULED, RUNNING, "
				   "COMPLETED, FAILED, STOPPED, CANCELED, TIMEOUT, OOM_KILLED)",
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

	if (resolve(rq) < 0)
		return MHD_YES;
	if (store_job_get(rq->d->store, rq->target, &rec, &e) < 0 ||
	    store_job_events(rq->d->store, rq->target, &ev, &n, &e) < 0) {
		job_record_done(&rec);
		return reply_e(rq, e);
	}
	o = record_json(&rec, true);
	{
		char why[1024];

		if (manager_waiting(rq->d->manager, rec.id, why, sizeof(why)))
			json_object_object_add(o, "waiting", json_object_new_string(why));
	}
	arr = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *x = json_object_new_object();

		json_object_object_add(x, "time", time_json(ev[i].ts_ns));
		json_object_object_add(x, "state", json_object_new_string(job_state_name(ev[i].state)));
		json_object_object_add(x, "reason",
				       ev[i].reason ? json_object_new_string(ev[i].reason) : NULL);
		json_object_array_add(arr, x);
	}
	json_object_object_add(o, "events", arr);
	job_events_free(ev, n);
	job_record_done(&rec);
	return reply_obj(rq, MHD_HTTP_OK, o);
}

static int act(struct request *rq,
	       int (*fn)(struct manager *m, const char *id, struct job_record *ret,
			 struct joblet_error **err))
{
	struct joblet_error *e = NULL;
	struct job_record rec;
	int r;

	if (resolve(rq) < 0)
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

	if (resolve(rq) < 0)
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

	if (manager_delete_all(rq->d->manager, &deleted, &skipped, &e) < 0)
		return reply_e(rq, e);
	snprintf(rq->target, sizeof(rq->target), "%lld jobs", (long long)deleted);
	o = json_object_new_object();
	json_object_object_add(o, "deleted_count", json_object_new_int64(deleted));
	json_object_object_add(o, "skipped_count", json_object_new_int64(skipped));
	return reply_obj(rq, MHD_HTTP_OK, o);
}

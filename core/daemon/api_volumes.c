/*
 * api_volumes.c - /v1/volumes: list, create, remove (volumes.h does the
 * work).  Whose volumes a request sees follows jobs (request_job_owner()):
 * a developer or maintainer only their own (another's is a 404, as a
 * missing one), a reader lists all, an admin sees and removes all.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "files.h"
#include "server.h"
#include "volumes.h"
#include "job/volume_ref.h"

static int reply_e(struct request *rq, struct joblet_error *e)
{
	int r = reply_joblet_error(rq, e);

	joblet_error_free(e);
	return r;
}

int api_volume_list(struct request *rq)
{
	struct joblet_error *e = NULL;
	json_object *arr = NULL;

	if (volumes_list_json(rq->d->volumes, request_job_owner(rq), &arr, &e) < 0)
		return reply_e(rq, e);
	return reply_obj(rq, MHD_HTTP_OK, arr);
}

/* `size`: a whole number of bytes, or a string as `rnx volume create --size` takes it. */
static int body_size(json_object *v, int64_t *ret)
{
	if (json_object_is_type(v, json_type_int)) {
		errno = 0;
		*ret = json_object_get_int64(v);
		return errno || *ret < 1 ? -1 : 0;
	}
	if (json_object_is_type(v, json_type_string))
		return jl_volume_size_parse(json_object_get_string(v), ret);
	return -1;
}

int api_volume_create(struct request *rq)
{
	struct joblet_error *e = NULL;
	struct volume_record rec;
	json_object *o = request_json(rq), *name = NULL, *size = NULL, *type = NULL, *ans;
	int64_t bytes = 0;
	int r;

	if (!o)
		return MHD_YES;
	json_object_object_foreach(o, key, val)
	{
		(void)val;
		if (strcmp(key, "name") != 0 && strcmp(key, "size") != 0 &&
		    strcmp(key, "type") != 0) {
			json_object_put(o);
			return reply_error(rq, MHD_HTTP_BAD_REQUEST, JOBLET_E_INVALID,
					   "`%s` is not a field of a volume (name, size, type)",
					   key);
		}
	}
	json_object_object_get_ex(o, "name", &name);
	json_object_object_get_ex(o, "size", &size);
	json_object_object_get_ex(o, "type", &type);
	if (!json_object_is_type(name, json_type_string) ||
	    !jl_volume_name_valid(json_object_get_string(name)) ||
	    (type && !json_object_is_type(type, json_type_string)) || !size ||
	    body_size(size, &bytes) < 0) {
		json_object_put(o);
		return reply_error(
			rq, MHD_HTTP_BAD_REQUEST, JOBLET_E_INVALID,
			"a volume needs `name` (1 to 63 letters, digits, `-` or `_`), `size` (bytes, or a string: MiB as a plain number, or 1GiB, 500MB) and maybe `type` (filesystem or memory)");
	}
	snprintf(rq->target, sizeof(rq->target), "volume %s", json_object_get_string(name));
	r = volumes_create(rq->d->volumes, json_object_get_string(name),
			   type ? json_object_get_string(type) : NULL, bytes, rq->who.cn, &rec, &e);
	json_object_put(o);
	if (r < 0)
		return reply_e(rq, e);
	ans = json_object_new_object();
	json_object_object_add(ans, "name", json_object_new_string(rec.name));
	json_object_object_add(ans, "type", json_object_new_string(rec.type));
	json_object_object_add(ans, "size", json_object_new_int64(rec.size_bytes));
	json_object_object_add(ans, "owner", json_object_new_string(rec.owner));
	volume_record_done(&rec);
	return reply_obj(rq, MHD_HTTP_CREATED, ans);
}

int api_volume_remove(struct request *rq)
{
	struct joblet_error *e = NULL;
	json_object *o;

	snprintf(rq->target, sizeof(rq->target), "volume %s", rq->arg ? rq->arg : "");
	if (!rq->arg || !jl_volume_name_valid(rq->arg))
		return reply_error(rq, MHD_HTTP_NOT_FOUND, JOBLET_E_NOT_FOUND,
				   "volume `%s` not found", rq->arg ? rq->arg : "");
	if (volumes_remove(rq->d->volumes, rq->arg, request_job_owner(rq), &e) < 0)
		return reply_e(rq, e);
	o = json_object_new_object();
	json_object_object_add(o, "removed", json_object_new_string(rq->arg));
	return reply_obj(rq, MHD_HTTP_OK, o);
}

/*
 * GET /v1/volumes/{name}/files/{path}: the files of a volume, as a job's
 * result files are served (files.h); who may read them: who may see the
 * volume (another developer's is a 404).
 */
int api_volume_files(struct request *rq)
{
	struct joblet_error *e = NULL;
	_cleanup_free_ char *dir = NULL;
	_cleanup_close_ int fd = -1;
	char what[96];

	snprintf(rq->target, sizeof(rq->target), "volume %s", rq->arg ? rq->arg : "");
	if (!rq->arg || !jl_volume_name_valid(rq->arg))
		return reply_error(rq, MHD_HTTP_NOT_FOUND, JOBLET_E_NOT_FOUND,
				   "volume `%s` not found", rq->arg ? rq->arg : "");
	if (volumes_data_dir(rq->d->volumes, rq->arg, request_job_owner(rq), &dir, &e) < 0)
		return reply_e(rq, e);
	fd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return reply_error(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, JOBLET_E_IO,
				   "cannot open volume `%s`: %s", rq->arg, strerror(errno));
	snprintf(what, sizeof(what), "volume `%s`", rq->arg);
	return files_serve(rq, fd, request_path_tail(rq), what);
}

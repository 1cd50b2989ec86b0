/*
 * api_files.c - GET /v1/jobs/{id}/files/{path}: the files of a job's
 * /work, while it runs and after it ended, until the job is deleted or its
 * files are released (results.h).  Who may read them: as for the job's
 * log (request_job()).  What is served and how: files.h.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "files.h"
#include "manager.h"
#include "results.h"
#include "server.h"

int api_job_files(struct request *rq)
{
	char dir[4200], why[512];
	_cleanup_close_ int fd = -1;

	/* Another owner's job is a 404, like one that does not exist. */
	if (request_job(rq) < 0)
		return MHD_YES;
	manager_job_dir(rq->d->manager, rq->target, dir, sizeof(dir));
	if (results_released(dir, why, sizeof(why)))
		return reply_error(rq, MHD_HTTP_GONE, JOBLET_E_NOT_FOUND,
				   "the files of job %s are gone: %s", rq->target, why);
	fd = results_open_work(rq->d->results, rq->target);
	if (fd < 0 && errno == ENOENT)
		return reply_error(rq, MHD_HTTP_NOT_FOUND, JOBLET_E_NOT_FOUND,
				   "job %s has no /work (yet)", rq->target);
	if (fd < 0)
		return reply_error(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, JOBLET_E_IO,
				   "cannot open the /work of job %s: %s", rq->target,
				   strerror(errno));
	return files_serve(rq, fd, request_path_tail(rq), "/work");
}

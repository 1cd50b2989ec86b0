/*
 * results.h - how long the daemon keeps the /work of ended jobs
 * (docs/results.md).
 *
 * A job with --max-disk has its /work on a tmpfs that the supervisor
 * mounted at STATE/jobs/ID/work (isolation/rootfs, disk.c): it stays after
 * the job ended, so its result files can be fetched, and holds host memory
 * meanwhile.  A job without a disk limit has it on the state folder's
 * disk.  The daemon releases (unmounts, or removes) a job's /work
 *
 *   - jobs.keep_results after the job ended (every job), and
 *   - when a job ends and the kept tmpfs /work of ended jobs together use
 *     more than jobs.results_memory: the oldest ended jobs' first, until
 *     the total is under it.
 *
 * Once a job ended, its supervisor moves the tmpfs into the results mount
 * namespace (job/results_ns.h) when the daemon made one: results_open_work()
 * finds a job's /work there or here.
 *
 * A released job keeps its record and log; STATE/jobs/ID/results-released
 * says when and why, and GET /v1/jobs/{id}/files answers 410 Gone with it.
 * Deleting a job removes everything (jl_job_remove() unmounts first).
 */
#ifndef JOBLET_DAEMON_RESULTS_H
#define JOBLET_DAEMON_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server.h"

#define RESULTS_RELEASED_FILE "results-released"

struct results;

int results_new(struct daemon_ctx *d, struct results **ret, struct joblet_error **err);
void results_free(struct results *r);

/* The daemon stops: an empty results namespace is unpinned when no job runs on. */
void results_stop(struct results *r, bool jobs_alive);

/*
 * An O_PATH fd of the job's /work: kept in the results namespace, or in the
 * job's folder here; -1 with errno when there is none.
 */
int results_open_work(struct results *r, const char *id);

/*
 * A job ended (any thread): its /work counts against jobs.results_memory
 * from the next results_run().
 */
void results_job_ended(struct results *r, const char *id);

/* Milliseconds until results_run() has work (at most max_ms). */
int results_timeout_ms(struct results *r, int max_ms);

/* Release what is due (main loop; never while holding the manager's lock). */
void results_run(struct results *r);

/*
 * 1 when the /work of the job in job_dir was released: why (with when)
 * into buf; 0 when it was not.
 */
int results_released(const char *job_dir, char *buf, size_t size);

#endif

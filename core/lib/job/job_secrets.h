/*
 * job/job_secrets.h - a job's secret env (-s KEY=VALUE) on its way to the
 * shim, never through a file in clear.
 *
 * spec.json lists the secret names with the value `***`
 * (JL_JOB_SECRET_MASK); the values travel in memory: whoever starts the
 * shim (the daemon, `joblet run-local`) packs them into a sealed memfd,
 * jl_shim_spawn() hands it to joblet-shim as fd 3 (`--secrets`), and the
 * shim reads it at start and closes it before the job exists.  The daemon
 * keeps the values of a job that has not started yet encrypted in the job
 * folder (JL_JOB_SECRETS_FILE, see core/daemon/secrets.h); the shim
 * removes that file once the job has started (it can never start again).
 *
 * The packed form: each KEY=VALUE followed by a NUL byte; no entries, no
 * bytes.
 *
 * Private tier (base/private.h): for joblet and joblet-shim.
 */
#ifndef JL_JOB_SECRETS_H
#define JL_JOB_SECRETS_H

#include <stddef.h>
#include <stdint.h>

#include <joblet/error.h>

#include "base/private.h"

/* The value spec.json and answers show for a secret. */
#define JL_JOB_SECRET_MASK "***"
/* The job folder's encrypted copy of the secrets of a job that waits to start. */
#define JL_JOB_SECRETS_FILE "secrets.enc"
/* The fd joblet-shim finds the sealed memfd on (`--secrets`). */
#define JL_JOB_SECRETS_FD 3
/* The most a packed list may hold (1024 values of 32 KiB, and their names). */
#define JL_JOB_SECRETS_MAX ((size_t)40 << 20)

/*
 * env (KEY=VALUE, NULL-terminated; NULL = none) packed into a new buffer
 * *ret_buf of *ret_len bytes (NULL and 0 for none).  Free it with
 * jl_job_secrets_wipe().  Errors: JOBLET_E_NOMEM, JOBLET_E_LIMIT.
 */
JL_API int jl_job_secrets_pack(char *const *env, uint8_t **ret_buf, size_t *ret_len,
			       struct joblet_error **err);

/* Overwrite len bytes of buf with zeros and free it; NULL is fine. */
JL_API void jl_job_secrets_wipe(void *buf, size_t len);

/*
 * A sealed, close-on-exec memfd holding the len bytes of buf (packed), for
 * jl_shim_spawn(): nothing can write, grow or shrink it any more.  The fd,
 * or negative with *err set (JOBLET_E_SYSTEM, JOBLET_E_IO).
 */
JL_API int jl_job_secrets_memfd(const uint8_t *buf, size_t len, struct joblet_error **err);

/*
 * The packed list in fd (the shim's end of jl_job_secrets_memfd(), read
 * from its start) into a new KEY=VALUE vector *ret_env (never NULL on
 * success; free it with jl_job_secrets_free()).  Errors: JOBLET_E_IO,
 * JOBLET_E_LIMIT, JOBLET_E_PARSE (an entry without `=` or a missing NUL).
 */
JL_API int jl_job_secrets_read_fd(int fd, char ***ret_env, struct joblet_error **err);

/* Wipe each value and free the vector; NULL is fine. */
JL_API void jl_job_secrets_free(char **env);

#endif /* JL_JOB_SECRETS_H */

/*
 * secrets.h - the secret env of jobs that wait to start, encrypted at rest.
 *
 * A job's secret values are never written in clear (job/job_secrets.h).
 * Until its shim has started, the daemon keeps them in the job folder as
 * JL_JOB_SECRETS_FILE: AES-256-GCM (GnuTLS), a random 96-bit nonce per
 * file, the job id as associated data (a file copied to another job's
 * folder does not open there), under a key of 32 random bytes kept outside
 * the state folder (security.secret_key_file; default `secrets.key` beside
 * server.tls.key), mode 0600, made by `joblet certs init` or at the
 * daemon's first start.  So a scheduled, pending or recurring job gets its
 * secrets after a restart, and the state folder, the store and the logs
 * never hold a value.
 *
 * The file: "JLSEC1\0\0" (8 bytes), the nonce (12), the ciphertext of the
 * packed list and the tag (16).  Associated data: the same 8 bytes and the
 * job id.
 *
 * Thread safety: a loaded key is read-only; every function may be called
 * from any thread.
 */
#ifndef JOBLET_DAEMON_SECRETS_H
#define JOBLET_DAEMON_SECRETS_H

#include <stdbool.h>

#include <joblet/error.h>

#include "config/config.h"

struct secret_key;

/*
 * The key file cfg names (security.secret_key_file, else `secrets.key` in
 * the folder of server.tls.key), as a new string.  NULL on out of memory.
 */
char *secret_key_path(const struct jl_config *cfg);

/*
 * Create the key file at path (0600, 32 random bytes as hex) unless it
 * exists; *ret_created (may be NULL) says whether it was made.  An
 * existing file is never replaced.  Errors: JOBLET_E_IO.
 */
int secret_key_create(const char *path, bool *ret_created, struct joblet_error **err);

/*
 * Load the key for cfg into *ret, creating its file first when missing
 * (*ret_created says so).  Refuses a file inside the state folder, not a
 * regular file, readable by group or others, or not 64 hex digits:
 * JOBLET_E_CONFIG naming the file and what to do.
 */
int secret_key_load(const struct jl_config *cfg, struct secret_key **ret, bool *ret_created,
		    struct joblet_error **err);
void secret_key_free(struct secret_key *key);

/*
 * Encrypt env (KEY=VALUE, NULL-terminated) for job id into
 * DIR/JL_JOB_SECRETS_FILE (a new file, 0600).  Nothing is written for an
 * empty env.  Errors: JOBLET_E_IO, JOBLET_E_EXISTS, JOBLET_E_SYSTEM.
 */
int secrets_seal(const struct secret_key *key, const char *dir, const char *id, char *const *env,
		 struct joblet_error **err);

/*
 * The secrets of job id in DIR/JL_JOB_SECRETS_FILE decrypted into a new
 * sealed memfd for jl_shim_spawn() in *ret_fd, or -1 when the job has no
 * such file.  Errors: JOBLET_E_IO, JOBLET_E_PARSE (not such a file, or it
 * does not open with this key and id: another key, another job, altered).
 */
int secrets_open_fd(const struct secret_key *key, const char *dir, const char *id, int *ret_fd,
		    struct joblet_error **err);

/*
 * The secrets of job from_id (in from_dir) sealed again for job to_id in
 * to_dir: a run of a recurring job.  Nothing when from_dir has none.
 */
int secrets_copy(const struct secret_key *key, const char *from_dir, const char *from_id,
		 const char *to_dir, const char *to_id, struct joblet_error **err);

#endif /* JOBLET_DAEMON_SECRETS_H */

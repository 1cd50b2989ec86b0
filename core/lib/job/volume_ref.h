/*
 * job/volume_ref.h - names of volumes, and a job's reference to one
 * (`--volume=NAME[:ro]`): the rules the daemon (creating a volume), the
 * job spec (validating a job) and joblet-shim (mounting it) share.
 *
 * Private tier (base/private.h): for joblet, joblet-shim, rnx and the tests.
 */
#ifndef JL_JOB_VOLUME_REF_H
#define JL_JOB_VOLUME_REF_H

#include <stdbool.h>
#include <stdint.h>

#include <joblet/error.h>

#include "base/private.h"

/* The longest volume name (upstream's rule: letters, digits, `-`, `_`, 1 to 63). */
#define JL_VOLUME_NAME_MAX 63
/* The most volumes one job may mount. */
#define JL_JOB_MAX_VOLUMES 16

/* Whether name is a volume name: 1 to 63 of A-Z a-z 0-9 - _. */
JL_API bool jl_volume_name_valid(const char *name);

/*
 * A job's reference NAME, NAME:ro or NAME:rw into ret_name (a valid name)
 * and *ret_readonly (1 for :ro).  Errors: JOBLET_E_INVALID naming it.
 */
JL_API int jl_volume_ref_parse(const char *ref, char ret_name[JL_VOLUME_NAME_MAX + 1],
			       int32_t *ret_readonly, struct joblet_error **err);

/*
 * A volume's size as `--size` and the API's string take it, read as
 * --max-disk reads its value: a plain number is MiB (512), else a size
 * with a unit (2GiB, 500MB; jl_parse_size()).  -1 on junk, 0 or overflow.
 */
JL_API int jl_volume_size_parse(const char *text, int64_t *ret_bytes);

#endif /* JL_JOB_VOLUME_REF_H */

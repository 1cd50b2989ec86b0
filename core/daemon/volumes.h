/*
 * volumes.h - the daemon's volumes: named folders with a hard size that
 * outlive jobs and daemon restarts (docs/volumes.md).
 *
 * A volume is a row of the store (store.h) and a folder STATE/volumes/NAME
 * (root's, 0700) holding, for a `filesystem` volume, `image` (an ext4 image
 * fully allocated at create, attached to a loop device) and, for both
 * types, `data`: the mount point of the volume's filesystem (the ext4, or
 * a tmpfs of the size for `memory`), mounted nosuid,nodev.  Every file of a
 * volume is owned on disk by volumes.owner_id; each job sees them as its
 * own through an idmapped bind (isolation/rootfs).
 *
 * Who may see a volume follows jobs: `scope` is request_job_owner()'s
 * answer (NULL = every volume; else only the volumes of that owner, and
 * another's volume is JOBLET_E_NOT_FOUND exactly like a missing one).
 *
 * Thread safety: every function may be called from any thread; create,
 * remove and the resolution of a job's volumes (with its submission) are
 * serialized by the volumes lock, so a volume is never removed between a
 * job's check and its record.
 */
#ifndef JOBLET_DAEMON_VOLUMES_H
#define JOBLET_DAEMON_VOLUMES_H

#include <stdint.h>

#include <json.h>

#include <joblet/error.h>

#include "config/config.h"
#include "job/job_spec.h"
#include "store.h"

struct volumes;

int volumes_new(const struct jl_config *cfg, struct store *store, struct volumes **ret,
		struct joblet_error **err);
void volumes_free(struct volumes *v);

/*
 * Mount every recorded volume whose filesystem is not mounted (as
 * /proc/self/mountinfo says): at daemon start.  A volume that cannot be
 * mounted is logged and stays unmounted (jobs naming it fail to start);
 * returns how many failed.
 */
int volumes_mount_all(struct volumes *v);

/*
 * Create volume name of type ("filesystem" or "memory"; NULL = filesystem)
 * and size_bytes, owned by owner, and mount it; *ret (may be NULL) gets its
 * record.  Errors: JOBLET_E_INVALID (name, type, size), JOBLET_E_EXISTS,
 * JOBLET_E_LIMIT (volumes.max_total, volumes.max_memory_total, the room of
 * the state filesystem), JOBLET_E_SYSTEM.
 */
int volumes_create(struct volumes *v, const char *name, const char *type, int64_t size_bytes,
		   const char *owner, struct volume_record *ret, struct joblet_error **err);

/*
 * Unmount (the loop device detaches itself), delete the image and folders,
 * and forget volume name.  JOBLET_E_NOT_FOUND outside scope,
 * JOBLET_E_CONFLICT naming the job while a pending, scheduled or running
 * job uses it.
 */
int volumes_remove(struct volumes *v, const char *name, const char *scope,
		   struct joblet_error **err);

/*
 * The volumes scope may see, as the JSON array GET /v1/volumes answers
 * (docs/api.md): name, type, size, used, owner, created, jobs.
 */
int volumes_list_json(struct volumes *v, const char *scope, json_object **ret,
		      struct joblet_error **err);

/*
 * The host folder of volume name (its mounted data folder, a new string)
 * after the owner check, for routes that read a volume's files.
 * JOBLET_E_NOT_FOUND outside scope or when it is not mounted.
 */
int volumes_data_dir(struct volumes *v, const char *name, const char *scope, char **ret_path,
		     struct joblet_error **err);

/*
 * A job's volumes: hold the volumes lock, check that each volume of spec
 * exists within scope and is mounted (JOBLET_E_NOT_FOUND otherwise), and
 * set spec->volume_paths.  The lock is held (also on failure) until
 * volumes_release(): call it once the job is recorded.
 */
int volumes_hold_for_job(struct volumes *v, struct jl_job_spec *spec, const char *scope,
			 struct joblet_error **err);
void volumes_release(struct volumes *v);

/*
 * Each mounted volume as a disk of the node (`volume:NAME` and its data
 * folder), for monitor_set_disks() (monitor.h): ctx is the struct volumes.
 */
void volumes_each_disk(void *ctx, void (*emit)(void *sink, const char *name, const char *path),
		       void *sink);

#endif /* JOBLET_DAEMON_VOLUMES_H */

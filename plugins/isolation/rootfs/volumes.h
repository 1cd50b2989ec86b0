/*
 * volumes.h - the job's volumes at /volumes/NAME (docs/volumes.md): each an
 * idmapped bind of the volume's filesystem root, so the files, owned on
 * disk by one fixed id (volumes.owner_id), are the job's own whatever uid
 * the job runs as; read-only for NAME:ro; nosuid, nodev.
 */
#ifndef ROOTFS_VOLUMES_H
#define ROOTFS_VOLUMES_H

#include <joblet/isolation.h>

struct rf_volumes;

/*
 * In prepare() (the supervisor, before the job's namespaces): check each
 * volume's folder (a directory that is a mount root, owned by a uid and
 * gid other than root) and make the user namespace of its idmapping (the
 * owner's ids to the job's).  *ret is NULL for a job without volumes.
 */
int rf_volumes_prepare(struct joblet_job *job, struct rf_volumes **ret, struct joblet_error **err);

/* In child(): mount each at /volumes/NAME inside root_fd.  Fails when the kernel refuses. */
int rf_volumes_mount(struct joblet_job *job, const struct rf_volumes *vs, int root_fd,
		     struct joblet_error **err);

void rf_volumes_free(struct rf_volumes *vs);

#endif /* ROOTFS_VOLUMES_H */

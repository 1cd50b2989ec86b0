/*
 * disk.h - a job's /work of its --max-disk size (disk.c).
 */
#ifndef ROOTFS_DISK_H
#define ROOTFS_DISK_H

#include <joblet/error.h>
#include <joblet/job.h>

/*
 * In the supervisor (the daemon's mount namespace), before the child:
 * mount a tmpfs of the job's disk limit, nosuid, nodev, inode-bounded, on
 * the job's work folder, and give in *ret_uploads_fd (owned) a fd of the
 * folder under it that holds the uploads.  Nothing (0, -1) when the job
 * has no disk limit.
 */
int rf_disk_prepare(struct joblet_job *job, int *ret_uploads_fd, struct joblet_error **err);

/*
 * In the child, in the job's mount namespace and cgroup: give the tmpfs to
 * the job's user with the uploads (uploads_fd) copied in, and set
 * RLIMIT_FSIZE to the limit.  Nothing (0) when the job has no disk limit.
 */
int rf_disk_fill(struct joblet_job *job, int uploads_fd, struct joblet_error **err);

#endif

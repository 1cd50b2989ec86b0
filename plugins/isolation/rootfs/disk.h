/*
 * disk.h - a job's /work of its --max-disk size (disk.c).
 */
#ifndef ROOTFS_DISK_H
#define ROOTFS_DISK_H

#include <joblet/error.h>
#include <joblet/job.h>

/*
 * In the child, in the job's mount namespace: mount a tmpfs of the job's
 * disk limit on work_fd (an O_PATH fd of "work" in the new root root_fd),
 * give it to the job's user with the uploads copied in, and set
 * RLIMIT_FSIZE to the limit.
 * Nothing (0) when the job has no disk limit.
 */
int rf_disk_mount(struct joblet_job *job, int root_fd, int work_fd, struct joblet_error **err);

#endif

/*
 * reap.c - `joblet-shim --reap STATE_DIR` (shim_reap): the daemon runs it
 * for a job whose shim it found dead, to remove what that shim would have
 * cleaned up: mounts in our namespace, the job's first process and session,
 * and through the layers' reap() whatever else is left (cgroups).
 */
#include <config.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "job/job.h"
#include "shim/shim.h"
#include "config/config.h"
#include "plugin/loader.h"

/*
 * The job's first process, as the shim recorded it, killed when it is still
 * that process.  It leads its own session (and, with the namespaces layer,
 * is its PID namespace's init, so the kernel ends the rest with it).
 */
static void kill_first_process(const char *state_dir)
{
	pid_t pid = shim_lock_job_process(state_dir);

	if (pid <= 1)
		return;
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	jl_log(JOBLET_LOG_INFO, NULL, "killed the job's first process %lld and its session",
	       (long long)pid);
}

/* Unmount whatever of the job is mounted in our mount namespace (below state_dir). */
static void unmount_leftovers(const char *state_dir)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	size_t n = strlen(state_dir);
	char line[8192];
	_cleanup_strv_ char **targets = NULL;

	while (f && fgets(line, sizeof(line), f)) {
		char target[4096];

		/* id parent major:minor root target ... */
		if (sscanf(line, "%*s %*s %*s %*s %4095s", target) != 1)
			continue;
		if (strncmp(target, state_dir, n) == 0 && (target[n] == '/' || target[n] == '\0'))
			jl_strv_push(&targets, target);
	}
	/* Deepest first: the later lines are mounted on top. */
	for (size_t i = jl_strv_length(targets); i-- > 0;) {
		if (umount2(targets[i], MNT_DETACH) == 0)
			jl_log(JOBLET_LOG_INFO, NULL, "unmounted `%s`, left by a dead job",
			       targets[i]);
		else
			jl_log(JOBLET_LOG_WARNING, NULL, "cannot unmount `%s`: %s", targets[i],
			       strerror(errno));
	}
}

int shim_reap(const struct jl_config *cfg, const struct jl_plugin_set *set, const char *state_dir,
	      struct joblet_error **err)
{
	_cleanup_free_ char *lock_path = jl_strdup_printf("%s/lock", state_dir);
	_cleanup_close_ int lock_fd = -1;
	struct joblet_job *job = NULL;
	struct shim_stack st = { 0 };
	int r, failed;

	if (!lock_path)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot reap the job");
	lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock_fd < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot open `%s`", lock_path);
	/* A live supervisor cleans up after itself. */
	if (flock(lock_fd, LOCK_EX | LOCK_NB) < 0)
		return joblet_error_set(err, JOBLET_E_BUSY, errno,
					"the job in `%s` has a live supervisor; nothing to reap",
					state_dir);
	r = jl_job_open(state_dir, &job, err);
	if (r == 0)
		r = shim_stack_resolve(cfg, set, &st, err);
	if (r < 0) {
		jl_job_free(job);
		return r;
	}
	unmount_leftovers(state_dir);
	kill_first_process(state_dir);
	failed = shim_stack_reap(&st, job);
	jl_log(JOBLET_LOG_INFO, NULL, "job %s reaped%s", joblet_job_id(job),
	       failed ? " (with errors above)" : "");
	jl_job_free(job);
	if (failed)
		return joblet_error_set(err, JOBLET_E_SYSTEM, 0,
					"%d isolation layers could not clean up the job", failed);
	return 0;
}

/*
 * shim_spawn.c - the one launcher of joblet-shim (jl_shim_spawn), for the
 * daemon's jobs and reapers and for `joblet run-local`.
 *
 * posix_spawn, not fork: the daemon is multi-threaded and large, and
 * glibc's posix_spawn runs nothing of the caller in the child (a vfork-like
 * clone straight into exec), so the start of a job copies no page tables
 * and takes no lock another thread may hold.
 */
#include <config.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>

#include "base/util.h"
#include "job/executor.h"
#include "job/job_secrets.h"

extern char **environ;

const char *jl_shim_path(void)
{
	const char *shim = jl_getenv("JOBLET_SHIM");

	return shim && *shim ? shim : JOBLET_LIBEXECDIR "/joblet-shim";
}

/* STATE_DIR/shim.log for the shim's stderr (appended: a reaper adds to it), above fd 2. */
static int open_shim_log(const char *state_dir, struct joblet_error **err)
{
	_cleanup_free_ char *path = jl_strdup_printf("%s/shim.log", state_dir);
	int fd, high;

	if (!path)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot start the job");
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot open `%s`", path);
	if (fd > STDERR_FILENO)
		return fd;
	/* The caller runs without a stderr: move it up, so the dup2 to 2 is not a no-op. */
	high = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	close(fd);
	if (high < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot open `%s`", path);
	return high;
}

/* stdin and stdout /dev/null, stderr the log; every signal default and unblocked; setsid. */
static void spawn_setup(posix_spawn_file_actions_t *fa, posix_spawnattr_t *attr, int logfd)
{
	sigset_t none, all;

	posix_spawn_file_actions_init(fa);
	posix_spawn_file_actions_addopen(fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(fa, logfd, STDERR_FILENO);
	posix_spawnattr_init(attr);
	sigemptyset(&none);
	sigfillset(&all);
	sigdelset(&all, SIGKILL);
	sigdelset(&all, SIGSTOP);
	/* The shim starts with no signal blocked or ignored, whatever the caller did. */
	posix_spawnattr_setsigmask(attr, &none);
	posix_spawnattr_setsigdefault(attr, &all);
	posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
					       POSIX_SPAWN_SETSID);
}

int jl_shim_spawn(const char *state_dir, const char *config_path, enum jl_shim_mode mode,
		  int secrets_fd, int32_t *ret_pid, int *ret_pidfd, struct joblet_error **err)
{
	const char *shim = jl_shim_path();
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	char *argv[7];
	int n = 0, logfd, r;
	_cleanup_close_ int high = -1;
	pid_t pid;

	if (access(shim, X_OK) < 0)
		return joblet_error_set(err, JOBLET_E_NOT_FOUND, errno,
					"cannot run the job supervisor `%s`; is joblet installed?",
					shim);
	/* Above fd 3, so its dup2 to 3 always happens (and clears close-on-exec there). */
	if (secrets_fd >= 0 &&
	    (high = fcntl(secrets_fd, F_DUPFD_CLOEXEC, JL_JOB_SECRETS_FD + 1)) < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					"cannot hand over the secret env");
	logfd = open_shim_log(state_dir, err);
	if (logfd < 0)
		return logfd;
	argv[n++] = (char *)"joblet-shim";
	if (config_path) {
		argv[n++] = (char *)"--config";
		argv[n++] = (char *)config_path;
	}
	if (mode == JL_SHIM_REAP)
		argv[n++] = (char *)"--reap";
	if (high >= 0)
		argv[n++] = (char *)"--secrets";
	argv[n++] = (char *)state_dir;
	argv[n] = NULL;
	spawn_setup(&fa, &attr, logfd);
	/* After stderr's dup2: logfd may be fd 3 itself. */
	if (high >= 0)
		posix_spawn_file_actions_adddup2(&fa, high, JL_JOB_SECRETS_FD);
	r = posix_spawn(&pid, shim, &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(logfd);
	if (r != 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, r,
					"cannot start the job supervisor `%s`", shim);
	*ret_pid = pid;
	if (ret_pidfd)
		*ret_pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	return 0;
}

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
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
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

/* Is joblet-shim there to run? */
static int shim_runnable(const char *shim, struct joblet_error **err)
{
	if (access(shim, X_OK) < 0)
		return joblet_error_set(err, JOBLET_E_NOT_FOUND, errno,
					"cannot run the job supervisor `%s`; is joblet installed?",
					shim);
	return 0;
}

/* An fd the shim gets as fd `to`: from (borrowed; -1 = none) moved up first. */
struct handed_fd {
	int from, to;
};

/*
 * posix_spawn joblet-shim [--config config_path] args...: stdin and stdout
 * /dev/null, stderr logfd (-1: the caller's), each of fds[n_fds] at its
 * `to` (from -1: none), every signal default and unblocked, a session of
 * its own.  The `from` fds are above every `to`, so no dup2 clobbers one.
 */
static int spawn_program(const char *shim, const char *config_path, const char *const *args,
			 int logfd, const struct handed_fd *fds, size_t n_fds, int32_t *ret_pid,
			 int *ret_pidfd, struct joblet_error **err)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	char *argv[8];
	int n = 0, r;
	pid_t pid;

	argv[n++] = (char *)"joblet-shim";
	if (config_path) {
		argv[n++] = (char *)"--config";
		argv[n++] = (char *)config_path;
	}
	for (; *args && n < 7; args++)
		argv[n++] = (char *)*args;
	argv[n] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	if (logfd >= 0)
		posix_spawn_file_actions_adddup2(&fa, logfd, STDERR_FILENO);
	/* After stderr's dup2: logfd may be one of the `to` fds itself. */
	for (size_t i = 0; i < n_fds; i++)
		if (fds[i].from >= 0)
			posix_spawn_file_actions_adddup2(&fa, fds[i].from, fds[i].to);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigfillset(&all);
	sigdelset(&all, SIGKILL);
	sigdelset(&all, SIGSTOP);
	/* The shim starts with no signal blocked or ignored, whatever the caller did. */
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
						POSIX_SPAWN_SETSID);
	r = posix_spawn(&pid, shim, &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (r != 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, r,
					"cannot start the job supervisor `%s`", shim);
	*ret_pid = pid;
	if (ret_pidfd)
		*ret_pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	return 0;
}

int jl_shim_spawn(const char *state_dir, const char *config_path, enum jl_shim_mode mode,
		  int secrets_fd, int notify_fd, int32_t *ret_pid, int *ret_pidfd,
		  struct joblet_error **err)
{
	const char *shim = jl_shim_path(), *args[5];
	_cleanup_close_ int secrets_high = -1, notify_high = -1;
	struct handed_fd fds[2];
	int n = 0, logfd, r;

	if ((r = shim_runnable(shim, err)) < 0)
		return r;
	/* Above fds 3 and 4, so their dup2s always happen (and clear close-on-exec there). */
	if (secrets_fd >= 0 &&
	    (secrets_high = fcntl(secrets_fd, F_DUPFD_CLOEXEC, JL_SHIM_NOTIFY_FD + 1)) < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					"cannot hand over the secret env");
	if (notify_fd >= 0 &&
	    (notify_high = fcntl(notify_fd, F_DUPFD_CLOEXEC, JL_SHIM_NOTIFY_FD + 1)) < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					"cannot hand over the log's notification pipe");
	logfd = open_shim_log(state_dir, err);
	if (logfd < 0)
		return logfd;
	if (mode == JL_SHIM_REAP)
		args[n++] = "--reap";
	if (secrets_high >= 0)
		args[n++] = "--secrets";
	if (notify_high >= 0)
		args[n++] = "--notify";
	args[n++] = state_dir;
	args[n] = NULL;
	fds[0] = (struct handed_fd){ secrets_high, JL_JOB_SECRETS_FD };
	fds[1] = (struct handed_fd){ notify_high, JL_SHIM_NOTIFY_FD };
	r = spawn_program(shim, config_path, args, logfd, fds, 2, ret_pid, ret_pidfd, err);
	close(logfd);
	return r;
}

int jl_shim_spawn_standby(const char *config_path, int32_t *ret_pid, int *ret_pidfd, int *ret_ctl,
			  struct joblet_error **err)
{
	const char *shim = jl_shim_path(), *args[] = { "--standby", NULL };
	int sv[2], r;

	if ((r = shim_runnable(shim, err)) < 0)
		return r;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					"cannot start a standby supervisor");
	r = spawn_program(shim, config_path, args, -1,
			  &(struct handed_fd){ sv[1], JL_SHIM_STANDBY_FD }, 1, ret_pid, ret_pidfd,
			  err);
	close(sv[1]);
	/*
	 * A standby prepares on idle CPU time only: the pool's refills must not
	 * slow the jobs that run (on 2 CPUs a refill beside a claimed standby
	 * delayed its job by a millisecond).  Whoever claims it gives it
	 * SCHED_OTHER back first (manager.c), and the shim takes it too.
	 * glibc's posix_spawn takes no SCHED_IDLE, so it is set here, as the
	 * new shim starts loading.  Without it only that is lost.
	 */
	if (r == 0)
		(void)sched_setscheduler(*ret_pid, SCHED_IDLE,
					 &(struct sched_param){ .sched_priority = 0 });
	if (r < 0)
		close(sv[0]);
	else
		*ret_ctl = sv[0];
	return r;
}

int jl_shim_claim(int ctl, const char *state_dir, int secrets_fd, struct joblet_error **err)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(2 * sizeof(int))];
	} c;
	struct iovec iov = { (void *)state_dir, strlen(state_dir) + 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *h;
	int fds[2], nfds = 0, logfd;
	ssize_t n;

	logfd = open_shim_log(state_dir, err);
	if (logfd < 0)
		return logfd;
	fds[nfds++] = logfd;
	if (secrets_fd >= 0)
		fds[nfds++] = secrets_fd;
	memset(&c, 0, sizeof(c));
	msg.msg_control = c.buf;
	msg.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
	h = CMSG_FIRSTHDR(&msg);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
	memcpy(CMSG_DATA(h), fds, (size_t)nfds * sizeof(int));
	n = sendmsg(ctl, &msg, MSG_NOSIGNAL);
	close(logfd);
	if (n != (ssize_t)iov.iov_len)
		return joblet_error_set(err, JOBLET_E_SYSTEM, n < 0 ? errno : EPIPE,
					"the standby supervisor did not take the job");
	return 0;
}

int jl_shim_standby_wait(int fd, char **ret_dir, int *ret_log, int *ret_secrets,
			 struct joblet_error **err)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(2 * sizeof(int))];
	} c;
	char dir[PATH_MAX + 1];
	struct iovec iov = { dir, sizeof(dir) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *h;
	int fds[2] = { -1, -1 };
	size_t nfds = 0;
	ssize_t n;

	msg.msg_control = c.buf;
	msg.msg_controllen = sizeof(c.buf);
	do
		n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return 0;
	if (n < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot wait for a job");
	h = CMSG_FIRSTHDR(&msg);
	if (h && h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS &&
	    h->cmsg_len >= CMSG_LEN(sizeof(int))) {
		nfds = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (nfds > 2)
			nfds = 2;
		memcpy(fds, CMSG_DATA(h), nfds * sizeof(int));
	}
	if (nfds < 1 || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || dir[n - 1] != '\0' ||
	    dir[0] != '/') {
		for (size_t i = 0; i < nfds; i++)
			close(fds[i]);
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"the job handed to this standby supervisor is malformed");
	}
	*ret_dir = strdup(dir);
	if (!*ret_dir) {
		for (size_t i = 0; i < nfds; i++)
			close(fds[i]);
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot take the job");
	}
	*ret_log = fds[0];
	*ret_secrets = fds[1];
	return 1;
}

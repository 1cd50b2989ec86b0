/*
 * init.c - the job's PID 1: joblet's own minimal init, run by the job's
 * first process once it is set up (child.c), so no binary of ours has to be
 * inside the job's root.
 *
 * A program that is PID 1 of its pid namespace gets from the outside only
 * the signals it has a handler for: `sleep` as PID 1 ignores SIGTERM, so
 * every stop used to wait for the grace period and end in SIGKILL.  And
 * every orphan of the namespace becomes PID 1's child: a command that never
 * waits for them leaves zombies that count against the job's pids limit.
 * So the job's command runs as PID 1's child, in a process group of its
 * own, and PID 1 (this file) only forwards signals and reaps.
 */
#include <config.h>

#include <errno.h>
#include <stdbool.h>
#include <signal.h>
#include <string.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shim/shim.h"

/* What init forwards to the job's process group. */
static const int forwarded[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

void shim_init_signals(sigset_t *ret_set)
{
	sigemptyset(ret_set);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(ret_set, forwarded[i]);
	sigaddset(ret_set, SIGCHLD);
	sigaddset(ret_set, SHIM_INIT_PARENT_GONE);
}

/*
 * /proc/1/cmdline would show the shim's command line, host paths included:
 * the job sees "joblet-init" instead (shim.h).  argv[] ends with a NUL; making the
 * last byte of the area non-NUL tells the kernel to stop at our first NUL.
 */
void shim_init_name(void)
{
	static const char name[] = "joblet-init";
	char buf[1024];
	unsigned long start = 0, end = 0;
	const char *p;
	FILE *f = fopen("/proc/self/stat", "re");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	(void)prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
	/* Fields 48 and 49 (arg_start, arg_end); fields 3 on follow the name in parentheses. */
	p = strrchr(buf, ')');
	for (int i = 0; p && i < 46; i++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p, " %lu %lu", &start, &end) != 2 || end <= start + sizeof(name))
		return;
	memset((void *)start, ' ', end - start);
	memcpy((void *)start, name, sizeof(name));
}

/* Every fd but keep closed; 1 and 2 become 0 (/dev/null): init holds no pipe of the job open. */
static void close_all_but(int keep)
{
	(void)dup2(0, 1);
	(void)dup2(0, 2);
	if (keep > 3 && syscall(SYS_close_range, 3U, (unsigned)keep - 1, 0U) == 0 &&
	    syscall(SYS_close_range, (unsigned)keep + 1, ~0U, 0U) == 0)
		return;
	/* No close_range (before 5.9): RLIMIT_NOFILE is 1024 by now, and the shim's fds are few. */
	for (int fd = 3; fd < 4096; fd++)
		if (fd != keep)
			(void)close(fd);
}

/* The job's own status, to the supervisor and as ours; never returns. */
static __attribute__((noreturn)) void init_exit(int status_fd, int wstatus)
{
	sigset_t all;

	/* A full pipe or a gone supervisor: then our own exit status is all it gets. */
	(void)!write(status_fd, &wstatus, sizeof(wstatus));
	if (WIFEXITED(wstatus))
		_exit(WEXITSTATUS(wstatus));
	/*
	 * PID 1 cannot die of its own signal (the kernel protects it); the
	 * supervisor reads the real status from the pipe.  Elsewhere (no pid
	 * namespace) the signal is raised again.
	 */
	if (getpid() != 1) {
		signal(WTERMSIG(wstatus), SIG_DFL);
		sigfillset(&all);
		sigprocmask(SIG_UNBLOCK, &all, NULL);
		raise(WTERMSIG(wstatus));
	}
	_exit(128 + WTERMSIG(wstatus));
}

/* Reap every child that ended; true when the job's own process was one, its status in *ws. */
static bool reap_all(pid_t job, int *ret_wstatus)
{
	bool job_done = false;
	pid_t p;
	int ws;

	while ((p = waitpid(-1, &ws, WNOHANG)) > 0)
		if (p == job) {
			*ret_wstatus = ws;
			job_done = true;
		}
	return job_done;
}

void shim_init_main(pid_t job, int status_fd, const sigset_t *set, bool signals_all)
{
	int wstatus = 0;

	close_all_but(status_fd);
	/* No one, not even a process of the same uid, attaches to init or reads its memory. */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(set, &si);

		if (sig < 0)
			continue;
		if (sig == SIGCHLD) {
			if (reap_all(job, &wstatus))
				break;
			continue;
		}
		/* The supervisor died (no pid namespace): the job goes with it, as it would in one.
		 */
		if (sig == SHIM_INIT_PARENT_GONE && getpid() != 1) {
			(void)kill(-job, SIGKILL);
			(void)kill(job, SIGKILL);
			_exit(128 + SIGKILL);
		}
		/*
		 * The supervisor (our parent: in a pid namespace it and getppid()
		 * are both 0 here) signalled every process of the job itself: the
		 * job has it once.  Any other: the job's group; when the job left
		 * it (setsid), the job itself.
		 */
		if (signals_all && si.si_pid == getppid())
			continue;
		if (kill(-job, sig) < 0 && errno == ESRCH)
			(void)kill(job, sig);
	}
	/*
	 * The job's own process ended: nothing of it may outlive it.  As PID 1
	 * our exit makes the kernel kill the whole namespace; without one, its
	 * process group goes (the cgroup layer, if any, takes the rest).
	 */
	if (getpid() != 1)
		(void)kill(-job, SIGKILL);
	init_exit(status_fd, wstatus);
}

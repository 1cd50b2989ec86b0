/*
 * lock.c - the job's lock file.  The shim holds an exclusive flock on it
 * for its whole life; its one line says who holds the job and which
 * process is the job's first, so `--reap` can kill that process only while
 * it still is the same one (pids are reused; start times are not).
 */
#include <config.h>

#include <stdio.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "shim/shim.h"

/* Field 22 of /proc/PID/stat: when the process started (clock ticks since boot), or 0. */
static unsigned long long proc_start_time(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long long t = 0;
	const char *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* After the command name in parentheses (which may hold spaces): fields 3 on. */
	p = strrchr(buf, ')');
	if (!p ||
	    sscanf(p + 2,
		   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
		   &t) != 1)
		return 0;
	return t;
}

void shim_lock_note(int lock_fd, pid_t shim, pid_t job)
{
	char line[96];
	int n = job > 0 ? snprintf(line, sizeof(line), "%ld %ld %llu\n", (long)shim, (long)job,
				   proc_start_time(job))
			: snprintf(line, sizeof(line), "%ld\n", (long)shim);

	/* Over the old line, then cut: truncating to 0 would free a block to discard (uid.c). */
	if (pwrite(lock_fd, line, (size_t)n, 0) != n || ftruncate(lock_fd, n) < 0)
		jl_log(JOBLET_LOG_WARNING, NULL, "cannot note our pid in the job's lock file");
}

pid_t shim_lock_job_process(const char *state_dir)
{
	_cleanup_free_ char *path = jl_strdup_printf("%s/lock", state_dir);
	_cleanup_free_ char *text = path ? jl_read_line_file(path) : NULL;
	long long shim = 0, pid = 0;
	unsigned long long start = 0;

	if (!text || sscanf(text, "%lld %lld %llu", &shim, &pid, &start) != 3 || pid <= 1)
		return 0;
	if (start == 0 || proc_start_time((pid_t)pid) != start)
		return 0;
	return (pid_t)pid;
}

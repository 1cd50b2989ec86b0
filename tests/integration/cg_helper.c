/*
 * cg_helper.c - the job programs of the cgroup tests (test_cgroup1.sh, the
 * cgroup2 VM suite).  Static, so it runs in any job root and in the VM.
 *
 *   cg_helper mem MIB        allocate and touch MIB MiB; prints "survived" if it could
 *   cg_helper fork N         try to fork N children; prints "forked=K", then ends them
 *   cg_helper spin SECONDS   busy loop; prints "cpu_ratio=R" (CPU time / wall time)
 *   cg_helper stubborn MARK  double-fork a SIGTERM-ignoring sleeper; prints "started"
 *   cg_helper termwatch      ignore SIGTERM, but double-fork a child that prints
 *                            "grandchild got SIGTERM" when it gets one; prints "started"
 *   cg_helper write MIB FILE write MIB MiB with O_DIRECT|O_SYNC; prints "bps=N"
 *   cg_helper sleep SECONDS  sleep (a job to look at while it runs)
 *
 * It never signals anything but its own children.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long arg(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*end || v < 0) {
		fprintf(stderr, "cg_helper: `%s` is not a number\n", s);
		exit(2);
	}
	return v;
}

static int mem(long mib)
{
	long page = sysconf(_SC_PAGESIZE);

	for (long i = 0; i < mib; i++) {
		char *p = malloc(1 << 20);

		if (!p) {
			printf("malloc failed at %ld MiB\n", i);
			return 1;
		}
		for (long off = 0; off < (1 << 20); off += page)
			p[off] = (char)i;
	}
	printf("survived: %ld MiB allocated\n", mib);
	return 0;
}

static int forker(long n)
{
	pid_t *kids = calloc((size_t)n + 1, sizeof(pid_t));
	long got = 0;

	if (!kids)
		return 1;
	for (long i = 0; i < n; i++) {
		pid_t p = fork();

		if (p == 0) {
			pause();
			_exit(0);
		}
		if (p < 0)
			continue;
		kids[got++] = p;
	}
	printf("forked=%ld\n", got);
	fflush(stdout);
	for (long i = 0; i < got; i++)
		kill(kids[i], SIGKILL);
	for (long i = 0; i < got; i++)
		waitpid(kids[i], NULL, 0);
	free(kids);
	return 0;
}

static int spin(long seconds)
{
	double t0 = now(), t;
	struct rusage ru;
	volatile unsigned long x = 0;

	do {
		for (int i = 0; i < 100000; i++)
			x += (unsigned long)i;
		t = now();
	} while (t - t0 < (double)seconds);
	getrusage(RUSAGE_SELF, &ru);
	printf("cpu_ratio=%.3f\n", (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
				    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6) /
					   (t - t0));
	return 0;
}

static int stubborn(const char *mark)
{
	pid_t p;

	signal(SIGTERM, SIG_IGN);
	p = fork();
	if (p == 0) {
		/* The grandchild leaves the tree: only the cgroup still knows it. */
		if (fork() == 0) {
			char *argv[] = { (char *)"cg_helper", (char *)"sleep", (char *)"3600",
					 (char *)mark, NULL };

			setsid();
			execv("/proc/self/exe", argv);
			_exit(127);
		}
		_exit(0);
	}
	waitpid(p, NULL, 0);
	printf("started\n");
	fflush(stdout);
	for (;;)
		pause();
}

static void termwatch_handler(int sig)
{
	static const char msg[] = "grandchild got SIGTERM\n";

	(void)sig;
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(0);
}

static int termwatch(void)
{
	int ready[2];
	char c;
	pid_t p;

	if (pipe(ready) < 0)
		return 1;
	signal(SIGTERM, SIG_IGN);
	p = fork();
	if (p == 0) {
		/* Out of the first process's tree and session: only the cgroup knows it. */
		if (fork() == 0) {
			setsid();
			signal(SIGTERM, termwatch_handler);
			close(ready[0]);
			if (write(ready[1], "r", 1) < 0)
				_exit(1);
			for (;;)
				pause();
		}
		_exit(0);
	}
	close(ready[1]);
	waitpid(p, NULL, 0);
	if (read(ready[0], &c, 1) != 1)
		return 1;
	printf("started\n");
	fflush(stdout);
	for (;;)
		pause();
}

static int writer(long mib, const char *file)
{
	static char buf[1 << 20] __attribute__((aligned(4096)));
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT | O_SYNC | O_CLOEXEC, 0600);
	double t0;

	if (fd < 0)
		fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_SYNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		printf("cannot open %s: %s\n", file, strerror(errno));
		return 1;
	}
	memset(buf, 'j', sizeof(buf));
	t0 = now();
	for (long i = 0; i < mib; i++)
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
			printf("write failed: %s\n", strerror(errno));
			return 1;
		}
	fsync(fd);
	close(fd);
	printf("bps=%.0f\n", (double)mib * (1 << 20) / (now() - t0));
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 3 && strcmp(argv[1], "mem") == 0)
		return mem(arg(argv[2]));
	if (argc >= 3 && strcmp(argv[1], "fork") == 0)
		return forker(arg(argv[2]));
	if (argc >= 3 && strcmp(argv[1], "spin") == 0)
		return spin(arg(argv[2]));
	if (argc >= 3 && strcmp(argv[1], "stubborn") == 0)
		return stubborn(argv[2]);
	if (argc >= 2 && strcmp(argv[1], "termwatch") == 0)
		return termwatch();
	if (argc >= 4 && strcmp(argv[1], "write") == 0)
		return writer(arg(argv[2]), argv[3]);
	if (argc >= 3 && strcmp(argv[1], "sleep") == 0) {
		signal(SIGTERM, SIG_IGN);
		sleep((unsigned)arg(argv[2]));
		return 0;
	}
	fprintf(stderr, "usage: cg_helper mem|fork|spin|stubborn|termwatch|write|sleep ARGS\n");
	return 2;
}

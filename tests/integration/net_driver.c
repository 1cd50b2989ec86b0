/*
 * net_driver.c - drives core/net (net.h) for test_net_kernel.sh, in the
 * network namespace it is started in (the test's own):
 *
 *   net_driver init TABLE [DNS...]                  jl_net_host_init
 *   net_driver up|down TABLE NAME BRIDGE CIDR 0|1   jl_net_network_up/down
 *   net_driver reclaim TABLE [LIVE_ID...]           jl_net_reclaim
 *   net_driver job TABLE BRIDGE ID ADDR/PFX GW 0|1 BPS [-a ALLOW]... [-d DNS]... -- CMD...
 *       a "job": a child in a new network namespace, attached as
 *       isolation/network does (jl_net_job_attach), runs CMD; at its end the counters are printed
 *       ("rx=N tx=N") and the job removed (jl_net_job_remove), unless -k.
 *   net_driver connect IP PORT                      exit 0 when a TCP connection is made in 1 s
 *   net_driver serve IP PORT [IP PORT]...           accept and close, forever
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net/net.h"

static int fail(struct joblet_error *e)
{
	fprintf(stderr, "net_driver: %s\n", joblet_error_message(e));
	joblet_error_free(e);
	return 1;
}

static int tcp_connect(const char *ip, const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)strtoul(port, NULL, 10)) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int e = 0;
	socklen_t len = sizeof(e);

	if (fd < 0 || inet_pton(AF_INET, ip, &a.sin_addr) != 1)
		return 2;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
		return 0;
	if (errno != EINPROGRESS || poll(&p, 1, 1000) != 1 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0 || e != 0)
		return 1;
	return 0;
}

static int serve(int argc, char **argv)
{
	struct pollfd p[16];
	int n = 0;

	for (int i = 0; i + 1 < argc && n < 16; i += 2, n++) {
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_port =
						 htons((uint16_t)strtoul(argv[i + 1], NULL, 10)) };
		int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (fd < 0 || inet_pton(AF_INET, argv[i], &a.sin_addr) != 1 ||
		    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 64) < 0) {
			fprintf(stderr, "net_driver: cannot listen on %s:%s: %s\n", argv[i],
				argv[i + 1], strerror(errno));
			return 1;
		}
		p[n] = (struct pollfd){ .fd = fd, .events = POLLIN };
	}
	for (;;) {
		if (poll(p, (nfds_t)n, -1) < 0)
			return 1;
		for (int i = 0; i < n; i++)
			if (p[i].revents & POLLIN) {
				int c = accept4(p[i].fd, NULL, NULL, SOCK_CLOEXEC);

				if (c >= 0)
					close(c);
			}
	}
}

static int job(int argc, char **argv)
{
	const char *allow[32], *dns[8];
	struct jl_net_job j = { 0 };
	struct joblet_error *e = NULL;
	int keep = 0, go[2], st = 0, i, r, nsfd;
	char nspath[64];
	struct timespec t0, t1;
	char c = 0, short_id[9];
	pid_t pid;
	uint64_t rx = 0, tx = 0;

	if (argc < 8)
		return 2;
	snprintf(short_id, sizeof(short_id), "%s", argv[3]);
	j = (struct jl_net_job){ .table = argv[1],
				 .bridge = argv[2],
				 .id = argv[3],
				 .short_id = short_id,
				 .address = argv[4],
				 .gateway = argv[5],
				 .isolated_ports = argv[6][0] == '1',
				 .max_net_bps = strtoll(argv[7], NULL, 10),
				 .allow = allow,
				 .dns = dns };
	for (i = 8; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "-k") == 0)
			keep = 1;
		else if (strcmp(argv[i], "-a") == 0 && i + 1 < argc && j.n_allow < 32)
			allow[j.n_allow++] = argv[++i];
		else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc && j.n_dns < 8)
			dns[j.n_dns++] = argv[++i];
	}
	if (i + 1 >= argc || pipe2(go, O_CLOEXEC) < 0)
		return 2;
	pid = fork();
	if (pid == 0) {
		close(go[1]);
		/* The parent sees the new namespace in /proc/PID/ns/net. */
		if (unshare(CLONE_NEWNET) < 0)
			_exit(3);
		if (read(go[0], &c, 1) != 1)
			_exit(3);
		execvp(argv[i + 1], argv + i + 1);
		_exit(127);
	}
	close(go[0]);
	{
		char mine[64] = "", theirs[64] = "", path[64];

		readlink("/proc/self/ns/net", mine, sizeof(mine) - 1);
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
		for (int t = 0; t < 5000; t++) {
			memset(theirs, 0, sizeof(theirs));
			if (readlink(path, theirs, sizeof(theirs) - 1) > 0 &&
			    strcmp(mine, theirs) != 0)
				break;
			usleep(1000);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = jl_net_job_attach(&j, pid, &e);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (r < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return fail(e);
	}
	/*
	 * To show the deny tests fail without the rules (test_net_kernel.sh
	 * with NET_DRIVER_NO_RULES=1): the job's table goes before it runs.
	 */
	if (getenv("NET_DRIVER_NO_RULES")) {
		char name[64];
		char *nft[] = { "nft", "delete", "table", "netdev", name, NULL };
		pid_t p;

		snprintf(name, sizeof(name), "%s_j%s", j.table, short_id);
		if (posix_spawnp(&p, "nft", NULL, NULL, nft, environ) == 0)
			waitpid(p, NULL, 0);
	}
	/* Held, as isolation/network holds it: the pair outlives the job until read. */
	snprintf(nspath, sizeof(nspath), "/proc/%d/ns/net", (int)pid);
	nsfd = open(nspath, O_RDONLY | O_CLOEXEC);
	if (write(go[1], "g", 1) != 1)
		return 2;
	close(go[1]);
	/* The counters while the job runs, and once more after its end. */
	while (waitpid(pid, &st, WNOHANG) == 0) {
		jl_net_job_counters(short_id, &rx, &tx, NULL);
		usleep(20000);
	}
	jl_net_job_counters(short_id, &rx, &tx, NULL);
	if (nsfd >= 0)
		close(nsfd);
	/* attach_us: what the shim's attach() costs (the start of a job on a network). */
	printf("rx=%llu tx=%llu attach_us=%lld\n", (unsigned long long)rx, (unsigned long long)tx,
	       (long long)((t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000));
	if (!keep && jl_net_job_remove(j.table, short_id, &e) < 0)
		return fail(e);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(int argc, char **argv)
{
	struct joblet_error *e = NULL;
	struct jl_net_host h = { 0 };
	struct jl_net_network n = { 0 };
	int r = 0;

	if (argc < 2)
		return 2;
	if (strcmp(argv[1], "connect") == 0 && argc == 4)
		return tcp_connect(argv[2], argv[3]);
	if (strcmp(argv[1], "serve") == 0)
		return serve(argc - 2, argv + 2);
	if (argc < 3)
		return 2;
	h.table = argv[2];
	if (strcmp(argv[1], "init") == 0) {
		h.dns = (const char *const *)argv + 3;
		h.n_dns = (size_t)(argc - 3);
		r = jl_net_host_init(&h, &e);
	} else if (strcmp(argv[1], "up") == 0 || strcmp(argv[1], "down") == 0) {
		if (argc != 7)
			return 2;
		n = (struct jl_net_network){ argv[3], argv[4], argv[5], argv[6][0] == '1' };
		r = argv[1][0] == 'u' ? jl_net_network_up(&h, &n, &e)
				      : jl_net_network_down(&h, &n, &e);
	} else if (strcmp(argv[1], "reclaim") == 0)
		r = jl_net_reclaim(&h, (const char *const *)argv + 3, (size_t)(argc - 3), &e);
	else if (strcmp(argv[1], "job") == 0)
		return job(argc - 1, argv + 1);
	else
		return 2;
	return r < 0 ? fail(e) : 0;
}

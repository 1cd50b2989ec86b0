/*
 * isolation/namespaces - the job's own PID, mount, UTS, IPC, network and
 * cgroup namespaces.
 *
 * prepare() asks the shim to clone the job's first process with
 * CLONE_NEWPID, CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC and (unless the
 * job's network mode is `host`) CLONE_NEWNET, and asks for CLONE_NEWCGROUP,
 * which the shim makes after every layer's child hook, once the cgroup layer
 * has placed the process (on cgroup v1 it moves the process from its child
 * hook): the job's own cgroup is the root of what it sees.  child() names
 * the host `job-<short id>` and brings the loopback interface of the new network namespace up: a
 * job without network still has 127.0.0.1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <joblet/isolation.h>

static const char *const ns_files[] = { "pid", "mnt", "uts", "ipc", "net", "cgroup" };

static int ns_probe(struct joblet_error **err)
{
	char path[64];

	for (size_t i = 0; i < sizeof(ns_files) / sizeof(ns_files[0]); i++) {
		snprintf(path, sizeof(path), "/proc/self/ns/%s", ns_files[i]);
		if (access(path, F_OK) < 0)
			return joblet_error_set(err, JOBLET_E_UNSUPPORTED, errno,
						"this kernel has no %s namespaces (%s is missing)",
						ns_files[i], path);
	}
	if (geteuid() != 0)
		return joblet_error_set(err, JOBLET_E_UNSUPPORTED, EPERM,
					"creating namespaces needs root; run joblet as root");
	return 0;
}

static int ns_prepare(struct joblet_job *job, void **ret_state, struct joblet_error **err)
{
	/* CLONE_NEWCGROUP: the shim makes it after every child hook (see <joblet/isolation.h>). */
	uint64_t flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP;

	(void)err;
	if (joblet_job_network(job) != JOBLET_NETWORK_HOST)
		flags |= CLONE_NEWNET;
	joblet_job_request_clone_flags(job, flags);
	*ret_state = NULL;
	return 0;
}

/* Bring `lo` up in the job's network namespace. */
static int loopback_up(struct joblet_error **err)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int r = 0;

	if (fd < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					"cannot open a socket to configure the loopback interface");
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		r = joblet_error_set(err, JOBLET_E_SYSTEM, errno,
				     "cannot read the loopback interface of the job's network");
	else if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			r = joblet_error_set(
				err, JOBLET_E_SYSTEM, errno,
				"cannot bring up the loopback interface of the job's network");
	}
	close(fd);
	return r;
}

static int ns_child(struct joblet_job *job, void *state, struct joblet_error **err)
{
	char name[64];
	int r;

	(void)state;
	snprintf(name, sizeof(name), "job-%s", joblet_job_short_id(job));
	if (sethostname(name, strlen(name)) < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					"cannot set the job's host name");
	if (joblet_job_network(job) != JOBLET_NETWORK_HOST) {
		r = loopback_up(err);
		if (r < 0)
			return r;
	}
	return 0;
}

static void ns_cleanup(struct joblet_job *job, void *state)
{
	(void)job;
	(void)state;
}

static const struct joblet_isolation_ops ns_ops = {
	.size = sizeof(struct joblet_isolation_ops),
	.probe = ns_probe,
	.prepare = ns_prepare,
	.child = ns_child,
	.cleanup = ns_cleanup,
};

JOBLET_PLUGIN_DEFINE(
	JOBLET_KIND_ISOLATION, "namespaces", .version = "1.0.0",
	.summary =
		"own PID, mount, UTS, IPC, network (loopback only) and cgroup namespaces per job",
	.license = "Apache-2.0", .ops = &ns_ops);

/*
 * isolation/network - a job's own interface on a network (bridge,
 * isolated or a custom one), and its egress rules.
 *
 * Only for a job whose joblet_job_network() is JOBLET_NETWORK_BRIDGE (the
 * daemon leased it an address; joblet_job_net() says where); every other
 * job passes through untouched.  Put it after isolation/namespaces, which
 * gives the job its network namespace.
 *
 *   attach():  a veth pair: jv<short id> on the network's bridge (its port
 *              isolated on `isolated`), the peer made as eth0 straight in the
 *              job's network namespace; the job's nftables table (netdev
 *              ingress on jv<short id>: everything the job sends), and eth0's
 *              address, up and default route, before the host side comes up.
 *   stats():   net_rx_bytes / net_tx_bytes from the host side's counters.
 *   cleanup(), reap(): the interface and the table go; nothing found is fine.
 *
 * core/net does the netlink work (libmnl), rules included: the plugin does
 * not load libnftables.
 */
#define _GNU_SOURCE
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <joblet/isolation.h>
#include <joblet/plugin.h>

#include "net/net.h"

static int network_probe(struct joblet_error **err)
{
	if (access("/proc/self/ns/net", F_OK) < 0)
		return joblet_error_set(err, JOBLET_E_UNSUPPORTED, errno,
					"this kernel has no network namespaces");
	if (geteuid() != 0)
		return joblet_error_set(err, JOBLET_E_UNSUPPORTED, EPERM,
					"job networks need root; run joblet as root");
	return 0;
}

/* The job as core/net takes it; 0 for a job without a network of its own. */
static int network_job(struct joblet_job *job, struct jl_net_job *ret)
{
	const struct joblet_job_net *n = joblet_job_net(job);

	if (joblet_job_network(job) != JOBLET_NETWORK_BRIDGE || !n)
		return 0;
	*ret = (struct jl_net_job){
		.id = joblet_job_id(job),
		.short_id = joblet_job_short_id(job),
		.table = n->table,
		.bridge = n->bridge,
		.address = n->address,
		.gateway = n->gateway,
		.isolated_ports = n->isolated_ports,
		.allow = n->allow,
		.n_allow = n->n_allow,
		.dns = n->dns,
		.n_dns = n->n_dns,
		.max_net_bps = n->max_net_bps,
	};
	return 1;
}

/*
 * A job's state: its network namespace, held from attach() until finish()
 * read the counters.  The pair dies with the namespace, and the namespace
 * with the job's last process unless someone holds it: without this a job
 * that sends and exits between two ticks would be counted as sending
 * nothing.
 */
struct network_state {
	int netns_fd; /* or -1 */
};

static int network_prepare(struct joblet_job *job, void **ret_state, struct joblet_error **err)
{
	struct network_state *st;
	struct jl_net_job j;
	int r;

	*ret_state = NULL;
	if (!network_job(job, &j))
		return 0;
	/* Every value checked before the job is created. */
	if ((r = jl_net_job_rules(&j, NULL, err)) < 0)
		return r;
	st = malloc(sizeof(*st));
	if (!st)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	st->netns_fd = -1;
	*ret_state = st;
	/* Its own network namespace, whatever the rest of the stack asks for. */
	joblet_job_request_clone_flags(job, CLONE_NEWNET);
	return 0;
}

/* The job's first process is in a network namespace other than ours. */
static int own_netns(int32_t pid, struct joblet_error **err)
{
	char path[64];
	struct stat mine, theirs;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	if (stat("/proc/self/ns/net", &mine) < 0 || stat(path, &theirs) < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					"cannot tell the job's network namespace");
	if (mine.st_ino == theirs.st_ino && mine.st_dev == theirs.st_dev)
		return joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"the job shares the host's network namespace: put isolation/namespaces in isolation.stack");
	return 0;
}

static int network_attach(struct joblet_job *job, void *state, int32_t pid,
			  struct joblet_error **err)
{
	struct jl_net_job j;

	struct network_state *st = state;
	char path[64];
	int r;

	if (!network_job(job, &j))
		return 0;
	if ((r = own_netns(pid, err)) < 0)
		return r;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	if (st && st->netns_fd < 0 && (st->netns_fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot hold `%s`", path);
	return jl_net_job_attach(&j, pid, err);
}

static void let_netns_go(struct network_state *st)
{
	if (st && st->netns_fd >= 0) {
		close(st->netns_fd);
		st->netns_fd = -1;
	}
}

static int network_stats(struct joblet_job *job, void *state, struct joblet_job_usage *usage,
			 struct joblet_error **err)
{
	struct jl_net_job j;
	uint64_t rx, tx;
	int r;

	(void)state;
	if (!network_job(job, &j) || usage->size < sizeof(struct joblet_job_usage))
		return 0;
	if ((r = jl_net_job_counters(j.short_id, &rx, &tx, err)) < 0)
		return r;
	usage->net_rx_bytes = rx;
	usage->net_tx_bytes = tx;
	return 0;
}

static int network_finish(struct joblet_job *job, void *state, struct joblet_job_usage *usage,
			  struct joblet_error **err)
{
	/* The namespace is held (attach()), so the pair and its counters are still there. */
	(void)err;
	(void)network_stats(job, state, usage, NULL);
	let_netns_go(state);
	return 0;
}

static int network_reap(struct joblet_job *job, struct joblet_error **err)
{
	struct jl_net_job j;

	if (!network_job(job, &j))
		return 0;
	return jl_net_job_remove(j.table, j.short_id, err);
}

static void network_cleanup(struct joblet_job *job, void *state)
{
	struct joblet_error *e = NULL;

	let_netns_go(state);
	free(state);
	if (network_reap(job, &e) < 0) {
		joblet_plog_warning("%s; the daemon removes it later", joblet_error_message(e));
		joblet_error_free(e);
	}
}

static const struct joblet_isolation_ops network_ops = {
	.size = sizeof(struct joblet_isolation_ops),
	.probe = network_probe,
	.prepare = network_prepare,
	.attach = network_attach,
	.stats = network_stats,
	.finish = network_finish,
	.cleanup = network_cleanup,
	.reap = network_reap,
};

JOBLET_PLUGIN_DEFINE(JOBLET_KIND_ISOLATION, "network", .version = "1.0.0",
		     .summary = "a job's own interface on a network, with its egress rules",
		     .license = "Apache-2.0", .ops = &network_ops);

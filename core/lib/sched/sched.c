/*
 * sched.c - the scheduler core: time schedules, capacity, exclusive core
 * pinning, and the policy plugin that orders what is ready.
 *
 * A job is in one of three places: the time heap (it waits for its start
 * time), the policy's queue (ready, waiting for its turn and for room), or
 * running (it holds a slot, its CPU and memory share and maybe cores).
 * The core keeps that place in job->core_state and the heap slot in
 * job->core_slot, so every move is O(log n) with no lookup.  Times are
 * CLOCK_REALTIME nanoseconds passed in by the caller: tests drive the core
 * with a virtual clock.
 *
 * Core pinning: the pinnable CPUs are grouped by NUMA node and by physical
 * core (sibling threads) from sysfs.  A job asking for N cores gets them
 * from one node when one node has N free (the node with the fewest free
 * that still fits, so large requests keep finding room), whole physical
 * cores first, the rest from the core with the fewest free threads that
 * still has enough (filling holes instead of splitting whole cores).
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <joblet/heap.h>
#include <joblet/job.h>
#include <joblet/scheduler.h>

#include "base/cpuset.h"
#include "base/util.h"
#include "base/timefmt.h"
#include "plugin/ops_scheduler.h"
#include "sched/sched.h"

enum {
	SJ_OUT = 0,	/* not in the core */
	SJ_TIMED = 1,	/* in the time heap */
	SJ_QUEUED = 2,	/* in the policy's queue */
	SJ_RUNNING = 3, /* holds its share */
};

struct cpu_topo {
	unsigned cpu;
	int node;     /* NUMA node, 0 when the host has none */
	int64_t core; /* package << 32 | core id: the same for sibling threads */
};

struct jl_sched {
	int64_t max_running, cpu_budget, memory_budget, disk_budget;
	const struct joblet_plugin *plugin; /* the policy, called through plugin/ops_scheduler.h */
	void *state;

	struct joblet_heap *timed; /* jobs waiting for start_at_ns, slot core_slot */

	int64_t running, cpu_used, memory_used, disk_used;
	struct jl_cpuset pinnable, held;
	struct cpu_topo *topo; /* one per pinnable CPU, by CPU number */
	size_t ntopo;
	size_t npin, nheld;  /* the counts of pinnable and held, kept (every decision reads them) */
	int64_t last_now_ns; /* the time of the last decision, for peek() in why */
};

/* ------------------------------------------------------------------ topology */

static int64_t read_number(const char *path, int64_t dflt)
{
	char buf[64];
	FILE *f = fopen(path, "re");
	long long v;

	if (!f)
		return dflt;
	if (!fgets(buf, sizeof(buf), f) || sscanf(buf, "%lld", &v) != 1)
		v = dflt;
	fclose(f);
	return v;
}

/* cpuN/nodeM names the node; no such entry: node 0 (no NUMA). */
static int read_node(const char *cpudir)
{
	DIR *d = opendir(cpudir);
	struct dirent *de;
	int node = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (strncmp(de->d_name, "node", 4) == 0 && de->d_name[4] >= '0' &&
		    de->d_name[4] <= '9') {
			node = (int)strtol(de->d_name + 4, NULL, 10);
			break;
		}
	closedir(d);
	return node;
}

static int load_topology(struct jl_sched *s, const char *sysfs, struct joblet_error **err)
{
	size_t n = jl_cpuset_count(&s->pinnable), k = 0;

	if (n == 0)
		return 0;
	s->topo = calloc(n, sizeof(*s->topo));
	if (!s->topo)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot read the CPU topology");
	for (unsigned cpu = 0; cpu < JL_CPUSET_MAX && k < n; cpu++) {
		char dir[4200], path[4300];
		int64_t pkg, core;

		if (!jl_cpuset_has(&s->pinnable, cpu))
			continue;
		snprintf(dir, sizeof(dir), "%s/cpu%u", sysfs, cpu);
		if (access(dir, F_OK) < 0)
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"CPU %u in scheduler.cores is not on this host (no `%s`); list only the CPUs in %s/online",
				cpu, dir, sysfs);
		snprintf(path, sizeof(path), "%s/topology/physical_package_id", dir);
		pkg = read_number(path, 0);
		snprintf(path, sizeof(path), "%s/topology/core_id", dir);
		/* No topology: every CPU a core of its own. */
		core = read_number(path, (int64_t)cpu + (INT64_C(1) << 30));
		s->topo[k].cpu = cpu;
		s->topo[k].node = read_node(dir);
		s->topo[k].core = (pkg << 32) | (core & 0xffffffff);
		k++;
	}
	s->ntopo = k;
	return 0;
}

/* ------------------------------------------------------------------ core allocation */

static bool cpu_free(const struct jl_sched *s, const struct cpu_topo *t)
{
	return !jl_cpuset_has(&s->held, t->cpu);
}

/* Free CPUs of node (or of every node when node < 0). */
static size_t node_free(const struct jl_sched *s, int node)
{
	size_t n = 0;

	for (size_t i = 0; i < s->ntopo; i++)
		if ((node < 0 || s->topo[i].node == node) && cpu_free(s, &s->topo[i]))
			n++;
	return n;
}

/* Free and total threads of physical core `core` on node. */
static void core_threads(const struct jl_sched *s, int node, int64_t core, size_t *ret_free,
			 size_t *ret_total)
{
	*ret_free = *ret_total = 0;
	for (size_t i = 0; i < s->ntopo; i++)
		if (s->topo[i].node == node && s->topo[i].core == core) {
			(*ret_total)++;
			if (cpu_free(s, &s->topo[i]))
				(*ret_free)++;
		}
}

static void take_from_core(struct jl_sched *s, int node, int64_t core, size_t want,
			   struct jl_cpuset *out, size_t *got)
{
	for (size_t i = 0; i < s->ntopo && want > 0; i++) {
		struct cpu_topo *t = &s->topo[i];

		if (t->node == node && t->core == core && cpu_free(s, t) &&
		    !jl_cpuset_has(out, t->cpu)) {
			jl_cpuset_add(out, t->cpu);
			jl_cpuset_add(&s->held, t->cpu);
			want--;
			(*got)++;
		}
	}
}

/* Up to want CPUs from node into out: whole free cores, then the tightest partial fits. */
static size_t take_from_node(struct jl_sched *s, int node, size_t want, struct jl_cpuset *out)
{
	size_t got = 0;

	/* Whole physical cores that fit entirely into what is still wanted. */
	for (size_t i = 0; i < s->ntopo && got < want; i++) {
		struct cpu_topo *t = &s->topo[i];
		size_t fr, tot;

		if (t->node != node || !cpu_free(s, t))
			continue;
		core_threads(s, node, t->core, &fr, &tot);
		if (fr == tot && tot <= want - got)
			take_from_core(s, node, t->core, tot, out, &got);
	}
	/*
	 * The rest: from the core with the fewest free threads that still has
	 * enough (it fills a hole), or else the one with the most.
	 */
	while (got < want) {
		size_t need = want - got, best_free = 0;
		int64_t best = 0;
		bool best_fits = false;

		for (size_t i = 0; i < s->ntopo; i++) {
			struct cpu_topo *t = &s->topo[i];
			size_t fr, tot;
			bool fits;

			if (t->node != node || !cpu_free(s, t))
				continue;
			core_threads(s, node, t->core, &fr, &tot);
			fits = fr >= need;
			if (best_free == 0 || (fits && (!best_fits || fr < best_free)) ||
			    (!fits && !best_fits && fr > best_free)) {
				best = t->core;
				best_free = fr;
				best_fits = fits;
			}
		}
		if (best_free == 0)
			break;
		take_from_core(s, node, best, need, out, &got);
	}
	return got;
}

static int alloc_cores(struct jl_sched *s, size_t n, struct jl_cpuset *out)
{
	int best = -1;
	size_t best_free = 0, got = 0;

	memset(out, 0, sizeof(*out));
	if (node_free(s, -1) < n)
		return -1;
	/* One node that holds them all, the tightest such. */
	for (size_t i = 0; i < s->ntopo; i++) {
		size_t fr = node_free(s, s->topo[i].node);

		if (fr >= n &&
		    (best < 0 || fr < best_free || (fr == best_free && s->topo[i].node < best))) {
			best = s->topo[i].node;
			best_free = fr;
		}
	}
	if (best >= 0)
		got = take_from_node(s, best, n, out);
	/* Else across nodes, the ones with most free first. */
	while (got < n) {
		int most = -1;
		size_t most_free = 0;

		for (size_t i = 0; i < s->ntopo; i++) {
			size_t fr = node_free(s, s->topo[i].node);

			if (fr > most_free) {
				most = s->topo[i].node;
				most_free = fr;
			}
		}
		if (most < 0)
			break;
		got += take_from_node(s, most, n - got, out);
	}
	return got == n ? 0 : -1;
}

/* ------------------------------------------------------------------ the time heap */

/* Keyed by start_at_ns, earliest first; at the same time, in submission order. */
static int timed_compare(const void *a, const void *b, void *userdata)
{
	const struct joblet_sched_job *x = a, *y = b;

	(void)userdata;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* ------------------------------------------------------------------ the core */

int jl_sched_new(const struct jl_sched_limits *limits, const struct joblet_plugin *policy,
		 struct jl_sched **ret, struct joblet_error **err)
{
	struct jl_sched *s;
	int r;

	if (!policy || policy->kind != JOBLET_KIND_SCHEDULER || !policy->ops)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"the scheduler core needs a scheduler plugin");
	s = calloc(1, sizeof(*s));
	if (!s)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot make the scheduler");
	s->max_running = limits->max_running_jobs;
	s->cpu_budget = limits->cpu_budget;
	s->memory_budget = limits->memory_budget_mib;
	s->disk_budget = limits->size >= offsetof(struct jl_sched_limits, disk_budget_mib) + 8
				 ? limits->disk_budget_mib
				 : -1;
	s->plugin = policy;
	if (limits->cores && *limits->cores &&
	    (r = jl_cpuset_parse(limits->cores, &s->pinnable, err)) < 0)
		goto fail;
	if ((r = load_topology(s, limits->sysfs_cpu ? limits->sysfs_cpu : "/sys/devices/system/cpu",
			       err)) < 0)
		goto fail;
	if ((r = joblet_heap_new(timed_compare, NULL, offsetof(struct joblet_sched_job, core_slot),
				 &s->timed, err)) < 0)
		goto fail;
	if ((r = jl_scheduler_create(s->plugin, &s->state, err)) < 0)
		goto fail;
	s->npin = jl_cpuset_count(&s->pinnable);
	*ret = s;
	return 0;
fail:
	joblet_heap_free(s->timed);
	free(s->topo);
	free(s);
	return r;
}

void jl_sched_free(struct jl_sched *s)
{
	if (!s)
		return;
	jl_scheduler_destroy(s->plugin, s->state);
	joblet_heap_free(s->timed);
	free(s->topo);
	free(s);
}

static int64_t jl_max0(int64_t v)
{
	return v > 0 ? v : 0;
}

static void capacity(const struct jl_sched *s, struct joblet_sched_capacity *cap)
{
	size_t pin = s->npin, held = s->nheld;

	*cap = (struct joblet_sched_capacity){ .size = sizeof(*cap) };
	cap->free_slots = s->max_running < 0 ? -1 : jl_max0(s->max_running - s->running);
	cap->free_cpu = s->cpu_budget < 0 ? -1 : jl_max0(s->cpu_budget - s->cpu_used);
	cap->free_memory_mib =
		s->memory_budget < 0 ? -1 : jl_max0(s->memory_budget - s->memory_used);
	cap->free_cores = (int64_t)(pin > held ? pin - held : 0);
	cap->free_disk_mib = s->disk_budget < 0 ? -1 : jl_max0(s->disk_budget - s->disk_used);
}

int jl_sched_check(const struct jl_sched *s, const struct joblet_sched_job *job,
		   struct joblet_error **err)
{
	size_t pin = s->npin;

	if (job->max_cpu < 0 || job->max_memory_mib < 0 || job->exclusive_cores < 0 ||
	    job->max_disk_mib < 0)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"job %s asks for a negative amount of CPU, memory, disk or cores", job->id);
	if (job->exclusive_cores > 0 && (size_t)job->exclusive_cores > pin)
		return joblet_error_set(
			err, JOBLET_E_LIMIT, 0,
			"the job asks for %lld exclusive cores (--cpus) but this node lets jobs pin %zu (scheduler.cores); ask for fewer, or use --cpu-cores to share cores",
			(long long)job->exclusive_cores, pin);
	if (s->cpu_budget >= 0 && job->max_cpu > s->cpu_budget)
		return joblet_error_set(
			err, JOBLET_E_LIMIT, 0,
			"the job needs %lld%% CPU but the whole CPU budget of this node is %lld%% (scheduler.cpu_budget); ask for at most that much with --max-cpu or --cpus",
			(long long)job->max_cpu, (long long)s->cpu_budget);
	if (s->memory_budget >= 0 && job->max_memory_mib > s->memory_budget)
		return joblet_error_set(
			err, JOBLET_E_LIMIT, 0,
			"the job needs %lld MiB of memory but the whole memory budget of this node is %lld MiB (scheduler.memory_budget); ask for at most that much with --max-memory",
			(long long)job->max_memory_mib, (long long)s->memory_budget);
	if (s->disk_budget >= 0 && job->max_disk_mib > s->disk_budget)
		return joblet_error_set(
			err, JOBLET_E_LIMIT, 0,
			"the job needs %lld MiB of disk but the whole disk budget of this node is %lld MiB (scheduler.disk_budget); ask for at most that much with --max-disk",
			(long long)job->max_disk_mib, (long long)s->disk_budget);
	return 0;
}

static int to_policy(struct jl_sched *s, struct joblet_sched_job *job, int64_t now_ns,
		     struct joblet_error **err)
{
	int r = jl_scheduler_submit(s->plugin, s->state, job, now_ns, err);

	if (r == 0)
		job->core_state = SJ_QUEUED;
	return r;
}

/*
 * A job without a memory limit may take all the memory there is: it counts
 * as the whole memory budget, so it runs alone as far as memory goes; so
 * does a job without a disk limit (its /work is the host's folder).  CPU
 * is not treated so: a job without a CPU limit shares the CPUs by the
 * kernel's weights and counts 0 (docs/scheduling.md).
 */
static void count_unlimited(const struct jl_sched *s, struct joblet_sched_job *job)
{
	if (job->max_memory_mib == 0 && s->memory_budget >= 0)
		job->max_memory_mib = s->memory_budget;
	if (job->size >= offsetof(struct joblet_sched_job, max_disk_mib) + 8 &&
	    job->max_disk_mib == 0 && s->disk_budget >= 0)
		job->max_disk_mib = s->disk_budget;
}

int jl_sched_add(struct jl_sched *s, struct joblet_sched_job *job, int64_t now_ns,
		 struct joblet_error **err)
{
	int r;

	count_unlimited(s, job);
	r = jl_sched_check(s, job, err);

	if (r < 0)
		return r;
	if (job->core_state != SJ_OUT)
		return joblet_error_set(err, JOBLET_E_INTERNAL, 0,
					"job %s is in the scheduler already", job->id);
	job->core_data = NULL;
	if (job->start_at_ns > now_ns) {
		if (joblet_heap_push(s->timed, job, JOBLET_HEAP_KEY_INT64(job->start_at_ns), NULL) <
		    0)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
						"cannot queue job %s for its start time", job->id);
		job->core_state = SJ_TIMED;
		return 0;
	}
	if (job->submit_time_ns == 0)
		job->submit_time_ns = now_ns;
	return to_policy(s, job, now_ns, err);
}

void jl_sched_cancel(struct jl_sched *s, struct joblet_sched_job *job)
{
	if (job->core_state == SJ_TIMED)
		joblet_heap_remove(s->timed, job);
	else if (job->core_state == SJ_QUEUED)
		jl_scheduler_remove(s->plugin, s->state, job);
	else
		return;
	job->core_state = SJ_OUT;
}

struct joblet_sched_job *jl_sched_due(struct jl_sched *s, int64_t now_ns)
{
	struct joblet_sched_job *j = joblet_heap_top(s->timed);

	if (!j || j->start_at_ns > now_ns)
		return NULL;
	/* It became ready at its start time, for aging and fair share. */
	j->submit_time_ns = j->start_at_ns;
	if (jl_scheduler_submit(s->plugin, s->state, j, now_ns, NULL) < 0)
		return NULL; /* out of memory: it stays due and goes next time */
	joblet_heap_remove(s->timed, j);
	j->core_state = SJ_QUEUED;
	return j;
}

static void hold(struct jl_sched *s, struct joblet_sched_job *job)
{
	s->running++;
	s->cpu_used += job->max_cpu;
	s->memory_used += job->max_memory_mib;
	s->disk_used += job->max_disk_mib;
	job->core_state = SJ_RUNNING;
}

struct joblet_sched_job *jl_sched_next(struct jl_sched *s, int64_t now_ns)
{
	struct joblet_sched_capacity cap;
	struct joblet_sched_job *job;
	struct jl_cpuset *cores = NULL;

	s->last_now_ns = now_ns;
	while (jl_sched_due(s, now_ns))
		;
	capacity(s, &cap);
	job = jl_scheduler_pick(s->plugin, s->state, &cap, now_ns);
	if (!job)
		return NULL;
	if (job->exclusive_cores > 0) {
		cores = malloc(sizeof(*cores));
		if (!cores || alloc_cores(s, (size_t)job->exclusive_cores, cores) < 0) {
			/* Out of memory, or a policy that ignored free_cores: it waits again. */
			if (cores)
				jl_cpuset_minus(&s->held, cores, &s->held);
			free(cores);
			if (to_policy(s, job, now_ns, NULL) < 0)
				job->core_state = SJ_OUT;
			return NULL;
		}
	}
	job->core_data = cores;
	if (cores)
		s->nheld = jl_cpuset_count(&s->held);
	hold(s, job);
	return job;
}

void jl_sched_job_cores(const struct joblet_sched_job *job, char *buf, size_t size)
{
	if (size == 0)
		return;
	buf[0] = '\0';
	if (job->core_state == SJ_RUNNING && job->core_data &&
	    jl_cpuset_format(job->core_data, buf, size) < 0)
		buf[0] = '\0';
}

int jl_sched_adopt(struct jl_sched *s, struct joblet_sched_job *job, const char *cores,
		   int64_t now_ns, struct joblet_error **err)
{
	struct jl_cpuset want, clash = { { 0 } };
	struct jl_cpuset *keep = NULL;
	int r;

	if (job->core_state != SJ_OUT)
		return joblet_error_set(err, JOBLET_E_INTERNAL, 0,
					"job %s is in the scheduler already", job->id);
	count_unlimited(s, job);
	if (cores && *cores) {
		if ((r = jl_cpuset_parse(cores, &want, err)) < 0)
			return r;
		for (size_t i = 0; i < ELEMENTSOF(want.bits); i++)
			clash.bits[i] = want.bits[i] & s->held.bits[i];
		if (jl_cpuset_count(&clash) > 0) {
			char list[256];

			jl_cpuset_format(&clash, list, sizeof(list));
			return joblet_error_set(
				err, JOBLET_E_CONFLICT, 0,
				"job %s holds cores %s, which another job holds too", job->id,
				list);
		}
		keep = malloc(sizeof(*keep));
		if (!keep)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
						"cannot note the cores of job %s", job->id);
		*keep = want;
		for (size_t i = 0; i < ELEMENTSOF(want.bits); i++)
			s->held.bits[i] |= want.bits[i];
		s->nheld = jl_cpuset_count(&s->held);
	}
	job->core_data = keep;
	hold(s, job);
	jl_scheduler_adopt(s->plugin, s->state, job, now_ns);
	return 0;
}

void jl_sched_release(struct jl_sched *s, struct joblet_sched_job *job, int64_t now_ns)
{
	if (job->core_state != SJ_RUNNING) {
		jl_sched_cancel(s, job);
		return;
	}
	s->running--;
	s->cpu_used -= job->max_cpu;
	s->memory_used -= job->max_memory_mib;
	s->disk_used -= job->max_disk_mib;
	if (job->core_data) {
		jl_cpuset_minus(&s->held, job->core_data, &s->held);
		s->nheld = jl_cpuset_count(&s->held);
		free(job->core_data);
		job->core_data = NULL;
	}
	job->core_state = SJ_OUT;
	jl_scheduler_finished(s->plugin, s->state, job, now_ns);
}

int64_t jl_sched_next_due(const struct jl_sched *s)
{
	const struct joblet_sched_job *j = joblet_heap_top(s->timed);

	return j ? j->start_at_ns : -1;
}

/* Why job, queued, cannot start for room; 0 when it would fit. */
static int room_why(const struct jl_sched *s, const struct joblet_sched_capacity *cap,
		    const struct joblet_sched_job *job, char *buf, size_t size)
{
	if (cap->free_slots == 0)
		snprintf(
			buf, size,
			"waits for a free slot: %lld jobs run, the most this node runs at once (scheduler.max_running_jobs)",
			(long long)s->running);
	else if (job->exclusive_cores > cap->free_cores)
		snprintf(buf, size,
			 "waits for cores: needs %lld exclusive cores, %lld of %zu are free",
			 (long long)job->exclusive_cores, (long long)cap->free_cores, s->npin);
	else if (cap->free_cpu >= 0 && job->max_cpu > cap->free_cpu)
		snprintf(
			buf, size,
			"waits for CPU: needs %lld%%, %lld%% of the %lld%% budget is free (scheduler.cpu_budget)",
			(long long)job->max_cpu, (long long)cap->free_cpu,
			(long long)s->cpu_budget);
	else if (cap->free_memory_mib >= 0 && job->max_memory_mib > cap->free_memory_mib)
		snprintf(
			buf, size,
			"waits for memory: needs %lld MiB, %lld MiB of the %lld MiB budget is free (scheduler.memory_budget)",
			(long long)job->max_memory_mib, (long long)cap->free_memory_mib,
			(long long)s->memory_budget);
	else if (cap->free_disk_mib >= 0 && job->max_disk_mib > cap->free_disk_mib)
		snprintf(
			buf, size,
			"waits for disk: needs %lld MiB, %lld MiB of the %lld MiB budget is free (scheduler.disk_budget)",
			(long long)job->max_disk_mib, (long long)cap->free_disk_mib,
			(long long)s->disk_budget);
	else
		return 0;
	return 1;
}

void jl_sched_why(const struct jl_sched *s, const struct joblet_sched_job *job, char *buf,
		  size_t size)
{
	jl_sched_why_for(s, job, NULL, buf, size);
}

void jl_sched_why_for(const struct jl_sched *s, const struct joblet_sched_job *job,
		      const char *viewer, char *buf, size_t size)
{
	struct joblet_sched_capacity cap;
	struct joblet_sched_job *head = NULL;
	char ahead[512];

	if (size == 0)
		return;
	capacity(s, &cap);
	if (job->core_state == SJ_TIMED) {
		char when[40];

		jl_time_format_rfc3339(job->start_at_ns, when, sizeof(when));
		snprintf(buf, size, "waits for its start time, %s", when);
		return;
	}
	if (job->core_state == SJ_RUNNING) {
		snprintf(buf, size, "running");
		return;
	}
	if (job->core_state != SJ_QUEUED) {
		snprintf(buf, size, "not waiting");
		return;
	}
	if (room_why(s, &cap, job, buf, size))
		return;
	/* It would fit: the policy's next job, which does not, holds it up (strict order). */
	head = jl_scheduler_peek(s->plugin, s->state, s->last_now_ns);
	if (head && head != job && room_why(s, &cap, head, ahead, sizeof(ahead))) {
		/* Another owner's job may not even be known to exist by this viewer. */
		bool named = !viewer || (head->owner && strcmp(head->owner, viewer) == 0);

		char who[64] = "another user's job";

		if (named)
			snprintf(who, sizeof(who), "job %s", head->id ? head->id : "?");
		snprintf(buf, size,
			 "waits its turn behind %s, the next in the %s policy's order, which %s",
			 who, s->plugin->name, ahead);
	} else
		snprintf(buf, size,
			 "waits its turn: %llu jobs are queued, in the order of the %s policy",
			 (unsigned long long)jl_scheduler_count(s->plugin, s->state),
			 s->plugin->name);
}

void jl_sched_usage(const struct jl_sched *s, struct jl_sched_usage *ret)
{
	*ret = (struct jl_sched_usage){ .size = sizeof(*ret) };
	ret->running = s->running;
	ret->scheduled = (int64_t)joblet_heap_count(s->timed);
	ret->queued = (int64_t)jl_scheduler_count(s->plugin, s->state);
	ret->cpu_used = s->cpu_used;
	ret->memory_used_mib = s->memory_used;
	ret->disk_used_mib = s->disk_used;
	ret->cores_used = (int64_t)s->nheld;
	ret->cores_total = (int64_t)s->npin;
}

/*
 * api_monitor.c - GET /v1/monitor/status (the node: CPU, memory, load,
 * disks, jobs, scheduler budgets), GET /v1/monitor/top (running jobs by
 * their latest sample) and the same figures for /metrics (docs/metrics.md).
 *
 * top and the per-job gauges of /metrics list the jobs the caller may see
 * (request_job_owner()): a developer only their own.
 */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "manager.h"
#include "monitor.h"
#include "server.h"
#include "store.h"
#include "base/util.h"
#include "job/job_metrics.h"
#include "sched/sched.h"

/* The most rows of top. */
#define TOP_MAX 1000

/* A small /proc file into buf (NUL-terminated): 0, or -1. */
static int read_small(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = '\0';
	return n > 0 ? 0 : -1;
}

/* Everything of the node the status shows, read once per request. */
struct node {
	char hostname[256];
	struct utsname uts;
	int64_t uptime_s;
	long cpus;
	double cpu_percent;
	double load[3];
	struct monitor_memory mem;
	struct manager_stats jobs;
	struct jl_sched_usage used;
	struct jl_sched_limits total;
};

static void node_read(struct daemon_ctx *d, struct node *n)
{
	char buf[8192];
	struct sysinfo si;

	memset(n, 0, sizeof(*n));
	gethostname(n->hostname, sizeof(n->hostname) - 1);
	if (uname(&n->uts) < 0)
		memset(&n->uts, 0, sizeof(n->uts));
	if (sysinfo(&si) == 0)
		n->uptime_s = si.uptime;
	n->cpus = sysconf(_SC_NPROCESSORS_ONLN);
	n->cpu_percent = monitor_cpu_usage(d->monitor);
	if (read_small("/proc/loadavg", buf, sizeof(buf)) < 0 ||
	    monitor_parse_loadavg(buf, n->load) < 0)
		n->load[0] = n->load[1] = n->load[2] = 0;
	if (read_small("/proc/meminfo", buf, sizeof(buf)) < 0)
		buf[0] = '\0';
	(void)monitor_parse_meminfo(buf, &n->mem); /* missing: zeros */
	manager_stats(d->manager, &n->jobs);
	manager_sched_usage(d->manager, &n->used, &n->total);
}

/* {"used": used, "total": total or null (no limit)}. */
static json_object *budget(int64_t used, int64_t total)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "used", json_object_new_int64(used));
	json_object_object_add(o, "total", total >= 0 ? json_object_new_int64(total) : NULL);
	return o;
}

static json_object *sched_json(const struct node *n)
{
	json_object *o = json_object_new_object();
	const struct jl_sched_limits *t = &n->total;
	const struct jl_sched_usage *u = &n->used;

	json_object_object_add(o, "jobs", budget(u->running, t->max_running_jobs));
	json_object_object_add(o, "cpu_percent", budget(u->cpu_used, t->cpu_budget));
	json_object_object_add(o, "memory_bytes",
			       budget(u->memory_used_mib << 20,
				      t->memory_budget_mib < 0 ? -1 : t->memory_budget_mib << 20));
	json_object_object_add(o, "disk_bytes",
			       budget(u->disk_used_mib << 20,
				      t->disk_budget_mib < 0 ? -1 : t->disk_budget_mib << 20));
	json_object_object_add(o, "cores", budget(u->cores_used, u->cores_total));
	return o;
}

/* One disk: its filesystem's size, used and free bytes (statvfs). */
struct disk {
	char name[256];
	char path[4096];
	int ok;
	uint64_t size, used, free;
};

static void disk_stat(struct disk *dk)
{
	struct statvfs v;

	dk->ok = statvfs(dk->path, &v) == 0;
	if (!dk->ok)
		return;
	dk->size = (uint64_t)v.f_blocks * v.f_frsize;
	dk->free = (uint64_t)v.f_bavail * v.f_frsize;
	dk->used = (uint64_t)(v.f_blocks - v.f_bfree) * v.f_frsize;
}

struct disk_list {
	struct disk *v;
	size_t n, cap;
};

static void disk_add(void *sink, const char *name, const char *path)
{
	struct disk_list *l = sink;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct disk *g = realloc(l->v, cap * sizeof(*g));

		if (!g)
			return; /* out of memory: this disk is left out */
		l->v = g;
		l->cap = cap;
	}
	snprintf(l->v[l->n].name, sizeof(l->v[l->n].name), "%s", name);
	snprintf(l->v[l->n].path, sizeof(l->v[l->n].path), "%s", path);
	disk_stat(&l->v[l->n]);
	l->n++;
}

/* The state folder's disk first, then what the extension point lists (volumes). */
static void disks_read(struct daemon_ctx *d, struct disk_list *l)
{
	memset(l, 0, sizeof(*l));
	disk_add(l, "state", d->cfg->state_dir);
	monitor_list_disks(d->monitor, disk_add, l);
}

static json_object *disks_json(const struct disk_list *l)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < l->n; i++) {
		json_object *o = json_object_new_object();
		const struct disk *dk = &l->v[i];

		json_object_object_add(o, "name", json_object_new_string(dk->name));
		json_object_object_add(o, "path", json_object_new_string(dk->path));
		json_object_object_add(o, "size_bytes",
				       dk->ok ? json_object_new_int64((int64_t)dk->size) : NULL);
		json_object_object_add(o, "used_bytes",
				       dk->ok ? json_object_new_int64((int64_t)dk->used) : NULL);
		json_object_object_add(o, "free_bytes",
				       dk->ok ? json_object_new_int64((int64_t)dk->free) : NULL);
		json_object_array_add(a, o);
	}
	return a;
}

static json_object *memory_json(uint64_t total, uint64_t used, uint64_t free_bytes)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "total_bytes", json_object_new_int64((int64_t)total));
	json_object_object_add(o, "used_bytes", json_object_new_int64((int64_t)used));
	json_object_object_add(o, "free_bytes", json_object_new_int64((int64_t)free_bytes));
	return o;
}

static json_object *cpu_json(const struct node *n)
{
	json_object *o = json_object_new_object(), *load = json_object_new_array();

	json_object_object_add(o, "count", json_object_new_int64(n->cpus));
	json_object_object_add(o, "usage_percent", json_object_new_double(n->cpu_percent));
	for (int i = 0; i < 3; i++)
		json_object_array_add(load, json_object_new_double(n->load[i]));
	json_object_object_add(o, "load", load);
	return o;
}

int api_monitor_status(struct request *rq)
{
	json_object *o = json_object_new_object(), *jobs = json_object_new_object();
	const struct monitor_memory *m;
	struct disk_list disks;
	struct node n;

	node_read(rq->d, &n);
	disks_read(rq->d, &disks);
	m = &n.mem;
	json_object_object_add(o, "hostname", json_object_new_string(n.hostname));
	json_object_object_add(o, "kernel", json_object_new_string(n.uts.release));
	json_object_object_add(o, "arch", json_object_new_string(n.uts.machine));
	json_object_object_add(o, "uptime_seconds", json_object_new_int64(n.uptime_s));
	json_object_object_add(o, "version", json_object_new_string(JOBLET_VERSION_STRING));
	json_object_object_add(o, "cpu", cpu_json(&n));
	json_object_object_add(o, "memory",
			       memory_json(m->total, m->total - m->available, m->available));
	json_object_object_add(
		o, "swap", memory_json(m->swap_total, m->swap_total - m->swap_free, m->swap_free));
	json_object_object_add(o, "disks", disks_json(&disks));
	json_object_object_add(jobs, "running", json_object_new_int64(n.jobs.running));
	json_object_object_add(jobs, "waiting",
			       json_object_new_int64(n.jobs.pending + n.jobs.scheduled));
	json_object_object_add(o, "jobs", jobs);
	json_object_object_add(o, "scheduler", sched_json(&n));
	free(disks.v);
	return reply_obj(rq, MHD_HTTP_OK, o);
}

/* ------------------------------------------------------------------ running jobs */

struct top_row {
	char id[37];
	char *name, *owner;
	struct jl_metrics_sample s;
	int has_sample;
};

struct top_list {
	struct daemon_ctx *d;
	const char *owner; /* whose jobs the caller may see; NULL: all */
	struct top_row *v;
	size_t n, cap;
};

static int top_add(const struct job_record *r, void *userdata)
{
	struct top_list *l = userdata;
	struct jl_metrics_reader *reader = NULL;
	struct top_row *row;
	char dir[4200];

	if (l->owner && (!r->owner || strcmp(r->owner, l->owner) != 0))
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct top_row *g = realloc(l->v, cap * sizeof(*g));

		if (!g)
			return -1;
		l->v = g;
		l->cap = cap;
	}
	row = &l->v[l->n];
	memset(row, 0, sizeof(*row));
	memcpy(row->id, r->id, sizeof(row->id));
	row->name = r->name ? strdup(r->name) : NULL;
	row->owner = r->owner ? strdup(r->owner) : NULL;
	manager_job_dir(l->d->manager, r->id, dir, sizeof(dir));
	if (jl_metrics_reader_open(dir, 0, &reader, NULL) == 0)
		row->has_sample = jl_metrics_reader_latest(reader, &row->s, NULL) == 1;
	jl_metrics_reader_free(reader);
	l->n++;
	return 0;
}

static void top_free(struct top_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].owner);
	}
	free(l->v);
}

static int by_cpu(const void *a, const void *b)
{
	const struct top_row *x = a, *y = b;

	return x->s.cpu_centipct < y->s.cpu_centipct   ? 1
	       : x->s.cpu_centipct > y->s.cpu_centipct ? -1
						       : strcmp(x->id, y->id);
}

static int by_memory(const void *a, const void *b)
{
	const struct top_row *x = a, *y = b;

	return x->s.memory_bytes < y->s.memory_bytes   ? 1
	       : x->s.memory_bytes > y->s.memory_bytes ? -1
						       : strcmp(x->id, y->id);
}

/* The running jobs rq may see, with their latest samples. */
static int top_read(struct request *rq, struct top_list *l, struct joblet_error **err)
{
	memset(l, 0, sizeof(*l));
	l->d = rq->d;
	l->owner = request_job_owner(rq);
	return store_job_foreach(rq->d->store, JOB_RUNNING, top_add, l, err);
}

static json_object *top_row_json(const struct top_row *row)
{
	json_object *o = json_object_new_object();
	const struct jl_metrics_sample *s = &row->s;

	json_object_object_add(o, "id", json_object_new_string(row->id));
	json_object_object_add(o, "name", row->name ? json_object_new_string(row->name) : NULL);
	json_object_object_add(o, "owner", row->owner ? json_object_new_string(row->owner) : NULL);
	if (!row->has_sample)
		return o;
	json_object_object_add(o, "ts", json_object_new_int64(s->ts_ns));
	json_object_object_add(o, "cpu_percent",
			       json_object_new_double((double)s->cpu_centipct / 100.0));
	json_object_object_add(o, "memory_bytes", json_object_new_int64((int64_t)s->memory_bytes));
	json_object_object_add(o, "memory_peak_bytes",
			       json_object_new_int64((int64_t)s->memory_peak_bytes));
	json_object_object_add(o, "io_read_bytes",
			       json_object_new_int64((int64_t)s->io_read_bytes));
	json_object_object_add(o, "io_write_bytes",
			       json_object_new_int64((int64_t)s->io_write_bytes));
	json_object_object_add(o, "pids", json_object_new_int64((int64_t)s->pids));
	if (s->flags & JL_METRICS_NET) {
		json_object_object_add(o, "net_rx_bytes",
				       json_object_new_int64((int64_t)s->net_rx_bytes));
		json_object_object_add(o, "net_tx_bytes",
				       json_object_new_int64((int64_t)s->net_tx_bytes));
	}
	return o;
}

int api_monitor_top(struct request *rq)
{
	const char *by = request_query(rq, "by"), *limit = request_query(rq, "limit");
	struct joblet_error *e = NULL;
	json_object *a;
	struct top_list l;
	int64_t max = 10;
	int r;

	if (by && strcmp(by, "cpu") != 0 && strcmp(by, "memory") != 0)
		return reply_error(rq, MHD_HTTP_BAD_REQUEST, JOBLET_E_INVALID,
				   "by=`%s` is not a way to rank jobs; use by=cpu or by=memory",
				   by);
	if (limit && (jl_parse_int64(limit, &max) < 0 || max < 1 || max > TOP_MAX))
		return reply_error(rq, MHD_HTTP_BAD_REQUEST, JOBLET_E_INVALID,
				   "limit=`%s` is not a number of jobs from 1 to %d", limit,
				   TOP_MAX);
	r = top_read(rq, &l, &e);
	if (r < 0) {
		top_free(&l);
		r = reply_joblet_error(rq, e);
		joblet_error_free(e);
		return r;
	}
	/* No job the caller may see: l.v is NULL, which qsort() must not be given. */
	if (l.n > 1)
		qsort(l.v, l.n, sizeof(*l.v), by && strcmp(by, "memory") == 0 ? by_memory : by_cpu);
	a = json_object_new_array();
	for (size_t i = 0; i < l.n && (int64_t)i < max; i++)
		json_object_array_add(a, top_row_json(&l.v[i]));
	top_free(&l);
	return reply_obj(rq, MHD_HTTP_OK, a);
}

/* ------------------------------------------------------------------ /metrics */

/* A label value as Prometheus' text format wants it: \ " and newline escaped. */
static void label(FILE *f, const char *v)
{
	for (; v && *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static void help(FILE *f, const char *name, const char *text)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", name, text, name);
}

/* The scheduler's budgets: what running jobs hold (used) and what there is (total). */
static void sched_metrics(FILE *f, const struct node *n)
{
	const struct jl_sched_usage *u = &n->used;
	const struct jl_sched_limits *t = &n->total;
	const char *name[] = { "jobs", "cpu_percent", "memory_bytes", "disk_bytes", "cores" };
	int64_t used[] = { u->running, u->cpu_used, u->memory_used_mib << 20,
			   u->disk_used_mib << 20, u->cores_used };
	int64_t total[] = { t->max_running_jobs, t->cpu_budget,
			    t->memory_budget_mib < 0 ? -1 : t->memory_budget_mib << 20,
			    t->disk_budget_mib < 0 ? -1 : t->disk_budget_mib << 20,
			    u->cores_total };

	help(f, "joblet_scheduler_used", "What running jobs hold of each scheduler budget.");
	for (int i = 0; i < 5; i++)
		fprintf(f, "joblet_scheduler_used{budget=\"%s\"} %" PRId64 "\n", name[i], used[i]);
	help(f, "joblet_scheduler_total", "Each scheduler budget (absent: no limit).");
	for (int i = 0; i < 5; i++)
		if (total[i] >= 0)
			fprintf(f, "joblet_scheduler_total{budget=\"%s\"} %" PRId64 "\n", name[i],
				total[i]);
}

static void node_metrics(FILE *f, const struct node *n, const struct disk_list *disks)
{
	help(f, "joblet_node_cpus", "Online CPUs of the node.");
	fprintf(f, "joblet_node_cpus %ld\n", n->cpus);
	help(f, "joblet_node_cpu_usage_percent",
	     "Percent of all CPUs busy, between the daemon's last two reads of /proc/stat.");
	fprintf(f, "joblet_node_cpu_usage_percent %.2f\n", n->cpu_percent);
	help(f, "joblet_node_load", "Load averages over 1, 5 and 15 minutes.");
	for (int i = 0; i < 3; i++)
		fprintf(f, "joblet_node_load{period=\"%s\"} %.2f\n",
			(const char *[]){ "1m", "5m", "15m" }[i], n->load[i]);
	help(f, "joblet_node_memory_bytes", "Memory of the node (/proc/meminfo).");
	fprintf(f, "joblet_node_memory_bytes{kind=\"total\"} %" PRIu64 "\n", n->mem.total);
	fprintf(f, "joblet_node_memory_bytes{kind=\"available\"} %" PRIu64 "\n", n->mem.available);
	help(f, "joblet_node_swap_bytes", "Swap of the node (/proc/meminfo).");
	fprintf(f, "joblet_node_swap_bytes{kind=\"total\"} %" PRIu64 "\n", n->mem.swap_total);
	fprintf(f, "joblet_node_swap_bytes{kind=\"free\"} %" PRIu64 "\n", n->mem.swap_free);
	help(f, "joblet_node_uptime_seconds", "Seconds since the node booted.");
	fprintf(f, "joblet_node_uptime_seconds %" PRId64 "\n", n->uptime_s);
	help(f, "joblet_node_disk_bytes",
	     "Filesystems of the state folder (disk=\"state\") and of volumes.");
	for (size_t i = 0; i < disks->n; i++) {
		const struct disk *dk = &disks->v[i];
		const char *kind[] = { "size", "used", "free" };
		uint64_t v[] = { dk->size, dk->used, dk->free };

		for (int k = 0; dk->ok && k < 3; k++) {
			fputs("joblet_node_disk_bytes{disk=\"", f);
			label(f, dk->name);
			fprintf(f, "\",kind=\"%s\"} %" PRIu64 "\n", kind[k], v[k]);
		}
	}
	sched_metrics(f, n);
}

static void job_labels(FILE *f, const struct top_row *row)
{
	fprintf(f, "{id=\"%s\",name=\"", row->id);
	label(f, row->name);
	fputs("\",owner=\"", f);
	label(f, row->owner);
	fputs("\"}", f);
}

void api_monitor_prometheus(struct request *rq, FILE *f)
{
	struct disk_list disks;
	struct top_list l;
	struct node n;

	node_read(rq->d, &n);
	disks_read(rq->d, &disks);
	node_metrics(f, &n, &disks);
	free(disks.v);
	/* A store that cannot be read leaves the per-job gauges out, not the rest. */
	if (top_read(rq, &l, NULL) < 0) {
		top_free(&l);
		return;
	}
	help(f, "joblet_job_cpu_percent",
	     "A running job's CPU over its latest sample's interval (100 = one core).");
	for (size_t i = 0; i < l.n; i++)
		if (l.v[i].has_sample) {
			fputs("joblet_job_cpu_percent", f);
			job_labels(f, &l.v[i]);
			fprintf(f, " %.2f\n", (double)l.v[i].s.cpu_centipct / 100.0);
		}
	help(f, "joblet_job_memory_bytes", "A running job's memory at its latest sample.");
	for (size_t i = 0; i < l.n; i++)
		if (l.v[i].has_sample) {
			fputs("joblet_job_memory_bytes", f);
			job_labels(f, &l.v[i]);
			fprintf(f, " %" PRIu64 "\n", l.v[i].s.memory_bytes);
		}
	top_free(&l);
}

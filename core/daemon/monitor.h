/*
 * monitor.h - the node's figures for GET /v1/monitor/status, /top and
 * /metrics (docs/metrics.md): CPU use between two reads of /proc/stat the
 * daemon keeps (never a sleep in a request), memory, load, disks.
 *
 * The parsers take the files' text, so tests feed them their own.
 *
 * Thread safety: every function may be called from any thread.
 */
#ifndef JOBLET_DAEMON_MONITOR_H
#define JOBLET_DAEMON_MONITOR_H

#include <stdint.h>

#include <joblet/error.h>

/* The "cpu" line of /proc/stat, in clock ticks. */
struct monitor_cpu_times {
	uint64_t busy;	/* user nice system irq softirq steal */
	uint64_t total; /* busy + idle + iowait */
};
/* The first line ("cpu ...") of text: 0, or -1 when it is not there. */
int monitor_parse_stat(const char *text, struct monitor_cpu_times *ret);
/* Percent of all CPUs busy from a to b (0..100; 0 when no tick passed). */
double monitor_cpu_percent(const struct monitor_cpu_times *a, const struct monitor_cpu_times *b);

/* /proc/meminfo, in bytes. */
struct monitor_memory {
	uint64_t total, available, free, swap_total, swap_free;
};
/* 0, or -1 when MemTotal is missing (the others stay 0 when missing). */
int monitor_parse_meminfo(const char *text, struct monitor_memory *ret);
/* /proc/loadavg: the three averages; 0, or -1. */
int monitor_parse_loadavg(const char *text, double ret[3]);

struct monitor;

/* Takes the first read of /proc/stat now: the first status compares with it. */
int monitor_new(struct monitor **ret, struct joblet_error **err);
void monitor_free(struct monitor *m);

/*
 * Percent of all CPUs busy: since the previous read when it is at least a
 * second old (that read is then replaced), else the last figure computed.
 */
double monitor_cpu_usage(struct monitor *m);

/*
 * The extension point for disks besides the state folder's: list(ctx,
 * emit, sink) calls emit(sink, name, path) for each (a volume's name and
 * its data folder); the status statvfs()es each path.  Set it once before
 * serving (NULL: none); list runs on a request's thread.
 */
typedef void (*monitor_disk_emit)(void *sink, const char *name, const char *path);
void monitor_set_disks(struct monitor *m,
		       void (*list)(void *ctx, monitor_disk_emit emit, void *sink), void *ctx);
void monitor_list_disks(struct monitor *m, monitor_disk_emit emit, void *sink);

#endif /* JOBLET_DAEMON_MONITOR_H */

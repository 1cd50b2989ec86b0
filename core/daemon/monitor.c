/* monitor.c - the node's figures from /proc (monitor.h). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "monitor.h"

struct monitor {
	pthread_mutex_t lock;
	struct monitor_cpu_times prev;
	int64_t prev_ns; /* CLOCK_MONOTONIC of prev */
	double usage;	 /* the last figure computed */
	void (*list)(void *ctx, monitor_disk_emit emit, void *sink);
	void *list_ctx;
};

int monitor_parse_stat(const char *text, struct monitor_cpu_times *ret)
{
	unsigned long long v[8] = { 0 };
	int n;

	if (strncmp(text, "cpu ", 4) != 0)
		return -1;
	n = sscanf(text + 4, "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7]);
	if (n < 4)
		return -1;
	/* user nice system idle iowait irq softirq steal; guest is inside user already. */
	ret->busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
	ret->total = ret->busy + v[3] + v[4];
	return 0;
}

double monitor_cpu_percent(const struct monitor_cpu_times *a, const struct monitor_cpu_times *b)
{
	if (b->total <= a->total || b->busy < a->busy)
		return 0;
	return 100.0 * (double)(b->busy - a->busy) / (double)(b->total - a->total);
}

/* The value of "Key:   N kB" in text, in bytes; 0 when missing. */
static uint64_t meminfo_value(const char *text, const char *key, int *found)
{
	size_t klen = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		unsigned long long kb;

		if (strncmp(p, key, klen) == 0 && p[klen] == ':' &&
		    sscanf(p + klen + 1, "%llu", &kb) == 1) {
			if (found)
				*found = 1;
			return (uint64_t)kb * 1024;
		}
	}
	return 0;
}

int monitor_parse_meminfo(const char *text, struct monitor_memory *ret)
{
	int found = 0;

	memset(ret, 0, sizeof(*ret));
	ret->total = meminfo_value(text, "MemTotal", &found);
	ret->free = meminfo_value(text, "MemFree", NULL);
	ret->available = meminfo_value(text, "MemAvailable", NULL);
	ret->swap_total = meminfo_value(text, "SwapTotal", NULL);
	ret->swap_free = meminfo_value(text, "SwapFree", NULL);
	return found ? 0 : -1;
}

int monitor_parse_loadavg(const char *text, double ret[3])
{
	return sscanf(text, "%lf %lf %lf", &ret[0], &ret[1], &ret[2]) == 3 ? 0 : -1;
}

/* The first 4 KiB of /proc/stat (its "cpu" line comes first). */
static int read_stat(struct monitor_cpu_times *ret)
{
	char buf[4096];
	int fd = open("/proc/stat", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return monitor_parse_stat(buf, ret);
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int monitor_new(struct monitor **ret, struct joblet_error **err)
{
	struct monitor *m = calloc(1, sizeof(*m));

	if (!m)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot start the monitor");
	pthread_mutex_init(&m->lock, NULL);
	/* Without /proc the figures stay 0; the daemon serves all the same. */
	(void)read_stat(&m->prev);
	m->prev_ns = mono_ns();
	*ret = m;
	return 0;
}

void monitor_free(struct monitor *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->lock);
	free(m);
}

double monitor_cpu_usage(struct monitor *m)
{
	struct monitor_cpu_times now;
	int64_t t = mono_ns();
	double usage;

	pthread_mutex_lock(&m->lock);
	if (t - m->prev_ns >= 1000000000 && read_stat(&now) == 0) {
		m->usage = monitor_cpu_percent(&m->prev, &now);
		m->prev = now;
		m->prev_ns = t;
	}
	usage = m->usage;
	pthread_mutex_unlock(&m->lock);
	return usage;
}

void monitor_set_disks(struct monitor *m,
		       void (*list)(void *ctx, monitor_disk_emit emit, void *sink), void *ctx)
{
	pthread_mutex_lock(&m->lock);
	m->list = list;
	m->list_ctx = ctx;
	pthread_mutex_unlock(&m->lock);
}

void monitor_list_disks(struct monitor *m, monitor_disk_emit emit, void *sink)
{
	void (*list)(void *ctx, monitor_disk_emit emit, void *sink);
	void *ctx;

	pthread_mutex_lock(&m->lock);
	list = m->list;
	ctx = m->list_ctx;
	pthread_mutex_unlock(&m->lock);
	if (list)
		list(ctx, emit, sink);
}

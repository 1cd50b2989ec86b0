/*
 * test_monitor.c - the node's figures (core/daemon/monitor.c): the parsers
 * of /proc/stat, /proc/meminfo and /proc/loadavg over fixed texts, CPU
 * percent between two reads, the monitor against this host's /proc, and the
 * disks' extension point.
 */
#include <config.h>

#include <string.h>

#include "monitor.h"
#include "jl_test.h"

START_TEST(test_parse_stat)
{
	struct monitor_cpu_times a, b;

	/* user nice system idle iowait irq softirq steal guest guest_nice */
	ck_assert_int_eq(monitor_parse_stat("cpu  100 0 50 800 50 0 0 0 7 0\ncpu0 1 2 3 4\n", &a),
			 0);
	ck_assert_uint_eq(a.busy, 150);
	ck_assert_uint_eq(a.total, 1000);
	ck_assert_int_eq(monitor_parse_stat("cpu  200 10 90 1500 100 5 5 0 0 0\n", &b), 0);
	ck_assert_uint_eq(b.busy, 310);
	ck_assert_uint_eq(b.total, 1910);
	/* (310 - 150) / (1910 - 1000) */
	ck_assert(monitor_cpu_percent(&a, &b) > 17.58 && monitor_cpu_percent(&a, &b) < 17.59);
	/* No tick between them, or the counters went back: 0, never a division by zero. */
	ck_assert(monitor_cpu_percent(&a, &a) == 0);
	ck_assert(monitor_cpu_percent(&b, &a) == 0);
	/* An old kernel's four fields still parse; anything else does not. */
	ck_assert_int_eq(monitor_parse_stat("cpu 1 2 3 4\n", &a), 0);
	ck_assert_uint_eq(a.total, 10);
	ck_assert_int_eq(monitor_parse_stat("cpu0 1 2 3 4\n", &a), -1);
	ck_assert_int_eq(monitor_parse_stat("cpu 1 2\n", &a), -1);
	ck_assert_int_eq(monitor_parse_stat("", &a), -1);
}
END_TEST

START_TEST(test_parse_meminfo)
{
	struct monitor_memory m;

	ck_assert_int_eq(monitor_parse_meminfo("MemTotal:        8000000 kB\n"
					       "MemFree:          100000 kB\n"
					       "MemAvailable:    4000000 kB\n"
					       "SwapCached:           0 kB\n"
					       "SwapTotal:       2000000 kB\n"
					       "SwapFree:        1500000 kB\n",
					       &m),
			 0);
	ck_assert_uint_eq(m.total, UINT64_C(8000000) * 1024);
	ck_assert_uint_eq(m.free, UINT64_C(100000) * 1024);
	ck_assert_uint_eq(m.available, UINT64_C(4000000) * 1024);
	ck_assert_uint_eq(m.swap_total, UINT64_C(2000000) * 1024);
	ck_assert_uint_eq(m.swap_free, UINT64_C(1500000) * 1024);
	/* A key that only starts like another does not count (MemTotalX, SwapFreeish). */
	ck_assert_int_eq(monitor_parse_meminfo("MemTotalX: 5 kB\nSwapFreeish: 1 kB\n", &m), -1);
	ck_assert_uint_eq(m.swap_free, 0);
	ck_assert_int_eq(monitor_parse_meminfo("", &m), -1);
}
END_TEST

START_TEST(test_parse_loadavg)
{
	double l[3];

	ck_assert_int_eq(monitor_parse_loadavg("0.52 1.25 2.00 3/512 12345\n", l), 0);
	ck_assert(l[0] == 0.52 && l[1] == 1.25 && l[2] == 2.0);
	ck_assert_int_eq(monitor_parse_loadavg("0.52\n", l), -1);
}
END_TEST

/* This host's /proc: a figure from 0 to 100, whatever the timing. */
START_TEST(test_monitor_host)
{
	struct monitor *m = NULL;
	double u;

	ck_assert_int_eq(monitor_new(&m, NULL), 0);
	u = monitor_cpu_usage(m);
	ck_assert(u >= 0 && u <= 100);
	monitor_free(m);
}
END_TEST

static int emitted;

static void count_disk(void *sink, const char *name, const char *path)
{
	(void)sink;
	if (strcmp(name, "vol1") == 0 && strcmp(path, "/srv/vol1") == 0)
		emitted++;
}

static void two_volumes(void *ctx, monitor_disk_emit emit, void *sink)
{
	ck_assert_ptr_eq(ctx, &emitted);
	emit(sink, "vol1", "/srv/vol1");
	emit(sink, "vol1", "/srv/vol1");
}

START_TEST(test_disks_extension)
{
	struct monitor *m = NULL;

	ck_assert_int_eq(monitor_new(&m, NULL), 0);
	emitted = 0;
	monitor_list_disks(m, count_disk, NULL);
	ck_assert_int_eq(emitted, 0);
	monitor_set_disks(m, two_volumes, &emitted);
	monitor_list_disks(m, count_disk, NULL);
	ck_assert_int_eq(emitted, 2);
	monitor_free(m);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("monitor");
	TCase *tc = tcase_create("monitor");

	tcase_add_test(tc, test_parse_stat);
	tcase_add_test(tc, test_parse_meminfo);
	tcase_add_test(tc, test_parse_loadavg);
	tcase_add_test(tc, test_monitor_host);
	tcase_add_test(tc, test_disks_extension);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return jl_run_suite(suite());
}

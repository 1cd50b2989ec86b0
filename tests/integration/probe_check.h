/*
 * probe_check.h - what the job-side probes (hostile/probe.c,
 * seccomp_probe.c) share: one verdict line per check, counted.
 *
 *	ok(cond, "what must hold", "what was seen instead: %s", ...);
 *	return probe_failures ? 1 : 0;
 *
 * Prints "ok - WHAT" or "FAIL - WHAT: DETAIL"; the test scripts read them.
 */
#ifndef PROBE_CHECK_H
#define PROBE_CHECK_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

static int probe_failures;

static void ok(bool cond, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void ok(bool cond, const char *what, const char *fmt, ...)
{
	va_list ap;

	if (cond) {
		printf("ok - %s\n", what);
		return;
	}
	probe_failures++;
	printf("FAIL - %s: ", what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* A whole decimal number argument, or def when it is not one. */
static inline long probe_arg(int argc, char **argv, int i, long def)
{
	char *end;
	long v;

	if (i >= argc)
		return def;
	errno = 0;
	v = strtol(argv[i], &end, 10);
	return errno || end == argv[i] || *end ? def : v;
}

#endif /* PROBE_CHECK_H */

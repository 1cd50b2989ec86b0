/*
 * jl_test.h - what every Check suite of joblet shares.
 *
 * Suites print TAP on stdout (tests/run-tests.sh counts it) and run in
 * Check's fork mode, so a crash fails one case, not the program.  Cases
 * that need root are added with jl_tcase_add_root(): without root they are
 * reported as "ok ... # SKIP needs root" instead of running.
 */
#ifndef JL_TEST_H
#define JL_TEST_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static unsigned jl_skipped_count;
static const char *jl_skipped[64];

#define jl_tcase_add_root(tc, fn)                                                                  \
	do {                                                                                       \
		if (geteuid() == 0)                                                                \
			tcase_add_test(tc, fn);                                                    \
		else if (jl_skipped_count < 64)                                                    \
			jl_skipped[jl_skipped_count++] = #fn;                                      \
	} while (0)

/* Run a suite; returns the exit status for main(). */
static inline int jl_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	fflush(stdout);
	for (unsigned i = 0; i < jl_skipped_count; i++)
		printf("ok - %s # SKIP needs root\n", jl_skipped[i]);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* A directory of the build tree or source tree from the test environment. */
static inline const char *jl_test_env(const char *name)
{
	const char *v = getenv(name);

	if (!v || !*v) {
		fprintf(stderr, "%s is not set; run the tests with `make check`\n", name);
		exit(99);
	}
	return v;
}

#endif /* JL_TEST_H */

/*
 * jl_tmp.h - a scratch directory per test case (Check checked fixture).
 *
 *	tcase_add_checked_fixture(tc, jl_tmp_setup, jl_tmp_teardown);
 *	const char *p = jl_tmp_write("joblet.yml", "logging:\n  level: debug\n");
 */
#ifndef JL_TMP_H
#define JL_TMP_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char jl_tmpdir[256];
static char jl_tmp_path_buf[8][4096];
static unsigned jl_tmp_path_next;

static inline void jl_tmp_teardown(void);

static inline void jl_tmp_setup(void)
{
	const char *base = getenv("TMPDIR");
	static int registered;

	/* A failed assertion ends a forked test with exit(): clean up then too. */
	if (!registered++)
		atexit(jl_tmp_teardown);

	snprintf(jl_tmpdir, sizeof(jl_tmpdir), "%s/joblet-test-XXXXXX",
		 base && *base ? base : "/tmp");
	if (!mkdtemp(jl_tmpdir))
		abort();
}

/*
 * Remove one entry.  Never chmod or follow anything here: a test may have
 * planted symlinks to `..` or `/`, and following one would touch the host.
 */
static inline int jl_tmp_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0; /* go on whatever happens */
}

static inline void jl_tmp_teardown(void)
{
	if (jl_tmpdir[0]) {
		nftw(jl_tmpdir, jl_tmp_rm, 16, FTW_DEPTH | FTW_PHYS);
		jl_tmpdir[0] = '\0';
	}
}

/* A path inside the scratch directory (a few stay valid at once). */
static inline const char *jl_tmp_path(const char *name)
{
	char *p = jl_tmp_path_buf[jl_tmp_path_next++ % 8];

	snprintf(p, 4096, "%s/%s", jl_tmpdir, name);
	return p;
}

/* Write a file in the scratch directory; returns its path. */
static inline const char *jl_tmp_write(const char *name, const char *content)
{
	const char *p = jl_tmp_path(name);
	FILE *f = fopen(p, "w");

	if (!f || fputs(content, f) < 0 || fclose(f) != 0)
		abort();
	return p;
}

#endif /* JL_TMP_H */

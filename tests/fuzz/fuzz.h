/*
 * tests/fuzz/fuzz.h - what the libFuzzer harnesses of tests/fuzz share.
 *
 * Each harness fuzz_<name>.c defines LLVMFuzzerTestOneInput() for one
 * parser of outside input; `make fuzz` builds them (--enable-fuzzing) and
 * tests/fuzz/run.sh runs them (docs/hacking.md, "Fuzzing").  Inputs that
 * a parser reads from a file reach it as /proc/self/fd/N of a memfd;
 * those it reads from a folder go to a private folder made with mkdtemp()
 * that is removed at exit.
 */
#ifndef JL_FUZZ_H
#define JL_FUZZ_H

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <joblet/error.h>

#include "base/fsutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* data[0..size) as a new NUL-terminated string (NUL bytes inside stay); NULL on ENOMEM. */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		return NULL;
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Write all of data to fd from offset 0: 0, or -1. */
static inline int fuzz_write_all(int fd, const uint8_t *data, size_t size)
{
	size_t at = 0;

	while (at < size) {
		ssize_t n = pwrite(fd, data + at, size - at, (off_t)at);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		at += (size_t)n;
	}
	return 0;
}

/* A memfd holding data, its path /proc/self/fd/N in path: the fd, or -1. */
static inline int fuzz_memfd(const uint8_t *data, size_t size, char *path, size_t path_size)
{
	int fd = memfd_create("fuzz-input", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fuzz_write_all(fd, data, size) < 0) {
		close(fd);
		return -1;
	}
	snprintf(path, path_size, "/proc/self/fd/%d", fd);
	return fd;
}

static char fuzz_dir_path[4096];

static inline void fuzz_dir_remove(void)
{
	char *slash = strrchr(fuzz_dir_path, '/');
	int parent;

	if (!fuzz_dir_path[0] || !slash)
		return;
	*slash = '\0';
	parent = open(fuzz_dir_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (parent >= 0) {
		jl_rm_rf_at(parent, slash + 1, NULL);
		close(parent);
	}
	fuzz_dir_path[0] = '\0';
}

/*
 * The private folder of this process (mode 0700, below $TMPDIR or /tmp),
 * made on the first call and removed at exit; NULL when it cannot be made.
 */
static inline const char *fuzz_dir(void)
{
	const char *tmp;

	if (fuzz_dir_path[0])
		return fuzz_dir_path;
	tmp = getenv("TMPDIR");
	snprintf(fuzz_dir_path, sizeof(fuzz_dir_path), "%s/joblet-fuzz.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fuzz_dir_path)) {
		fuzz_dir_path[0] = '\0';
		return NULL;
	}
	atexit(fuzz_dir_remove);
	return fuzz_dir_path;
}

/*
 * data as the file `name` of the private folder (made new each time), its
 * path in path: an fd of the folder, or -1.  Parsers that resolve relative
 * paths beside their file find only what is in that folder, never the
 * fuzzer's own descriptors (as they would beside /proc/self/fd/N).
 */
static inline int fuzz_file(const char *name, const uint8_t *data, size_t size, char *path,
			    size_t path_size)
{
	const char *dir = fuzz_dir();
	int dirfd, fd;

	if (!dir)
		abort();
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		abort();
	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || fuzz_write_all(fd, data, size) < 0)
		abort();
	close(fd);
	if (path)
		snprintf(path, path_size, "%s/%s", dir, name);
	return dirfd;
}

#endif /* JL_FUZZ_H */

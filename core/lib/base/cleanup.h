/*
 * cleanup.h - scope-bound cleanup in the crun/systemd manner, for the C
 * files of libjoblet and of the joblet programs (header only: macros and
 * inline functions, nothing to link).  Not installed.  Also jl_write_all(),
 * the one write loop every program needs.
 *
 * A variable declared _cleanup_free_ is freed when it leaves scope unless
 * ownership was handed on with TAKE_PTR().
 */
#ifndef JL_CLEANUP_H
#define JL_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <joblet/error.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_     __attribute__((unused))
#define _hidden_     __attribute__((visibility("hidden")))

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

/* Hand ownership of a pointer (or fd) on: returns it and clears the variable. */
#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) _take_ = (p);                                                        \
		(p) = NULL;                                                                        \
		_take_;                                                                            \
	})
#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int _take_ = (fd);                                                                 \
		(fd) = -1;                                                                         \
		_take_;                                                                            \
	})

static inline void jl_freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(jl_freep)

static inline void jl_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}
#define _cleanup_close_ _cleanup_(jl_closep)

static inline void jl_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(jl_fclosep)

static inline void jl_closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}
#define _cleanup_closedir_ _cleanup_(jl_closedirp)

static inline void jl_errorp(struct joblet_error **e)
{
	joblet_error_free(*e);
}
#define _cleanup_error_ _cleanup_(jl_errorp)

/* Write all n bytes of p to fd, going on after EINTR and short writes: 0, or -1 with errno set. */
static inline int jl_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

#endif /* JL_CLEANUP_H */

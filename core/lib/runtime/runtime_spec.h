/*
 * runtime_spec.h - runtime specs as users type them: NAME[@VERSION|@latest].
 *
 * Private to libjoblet (not installed).
 *
 *	python-3.11-ml			the latest version of python-3.11-ml
 *	python-3.11-ml@latest		the same
 *	python-3.11-ml@1.0.2		exactly 1.0.2 (a semantic version, see semver.h)
 *	python-beta@3.0.0-rc1		a pre-release, exactly
 *
 * A runtime name matches ^[a-z0-9][a-z0-9._-]*$ and is at most
 * JL_RUNTIME_NAME_MAX bytes, so it is safe as one path component and as a
 * registry key (no `/`, never `.` or `..`, no leading `-`).
 *
 * Thread safety: all functions are reentrant; none keeps state.
 */
#ifndef JL_RUNTIME_SPEC_H
#define JL_RUNTIME_SPEC_H

#include <stdbool.h>

#include <joblet/error.h>

/* Longest runtime name, in bytes. */
#define JL_RUNTIME_NAME_MAX 64

/* A parsed spec.  Fill it with jl_runtime_spec_parse(), empty it with jl_runtime_spec_done(). */
struct jl_runtime_spec {
	char *name;    /* owned; never NULL in a parsed spec */
	char *version; /* owned; the version exactly as given ("1.0.2+b1"), NULL for the latest */
};

/*
 * Parse text (borrowed) into *ret.  No `@` or `@latest` selects the latest
 * version (ret->version NULL); `@VERSION` must be a valid semantic version
 * and is stored as given.  On success *ret owns its strings and must be
 * emptied with jl_runtime_spec_done(); whatever *ret held before is
 * overwritten, not freed.  On failure *ret is not touched.
 *
 * Errors: JOBLET_E_INVALID (empty text, empty name or version, more than one
 * `@`, an invalid name, a version that is not a semantic version; the
 * message quotes the spec and says what is accepted); JOBLET_E_NOMEM.
 */
int jl_runtime_spec_parse(const char *text, struct jl_runtime_spec *ret, struct joblet_error **err);

/* Free the strings of s and clear it.  s may be NULL; NULL fields are fine. */
void jl_runtime_spec_done(struct jl_runtime_spec *s);

/* Is name (borrowed; NULL is not valid) a valid runtime name? */
bool jl_runtime_name_valid(const char *name);

#endif /* JL_RUNTIME_SPEC_H */

/*
 * semver.h - Semantic Versioning 2.0.0 (https://semver.org), strictly.
 *
 * Private to libjoblet (not installed).  Runtime versions in registry
 * indexes and in runtime specs (`python-3.11-ml@1.0.2`) are semantic
 * versions:
 *
 *	MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]
 *
 * MAJOR, MINOR and PATCH are decimal numbers without leading zeros (0
 * itself is fine) that fit in uint64_t.  PRERELEASE and BUILD are
 * dot-separated identifiers of [0-9A-Za-z-], none empty; numeric
 * pre-release identifiers have no leading zeros (build identifiers may).
 * Refused: a leading `v`, whitespace anywhere, empty text, anything the
 * grammar of semver.org does not produce.
 *
 * Thread safety: all functions are reentrant; none keeps state.
 */
#ifndef JL_SEMVER_H
#define JL_SEMVER_H

#include <stdint.h>

#include <joblet/error.h>

/* A parsed version.  Fill it with jl_semver_parse(), empty it with jl_semver_done(). */
struct jl_semver {
	uint64_t major;
	uint64_t minor;
	uint64_t patch;
	char *prerelease; /* owned; "rc.1" for 1.0.0-rc.1, NULL when there is none */
	char *build;	  /* owned; "build.5" for 1.0.0+build.5, NULL when there is none */
};

/*
 * Parse text (borrowed) into *ret.  On success *ret owns its strings and
 * must be emptied with jl_semver_done(); whatever *ret held before is
 * overwritten, not freed.  On failure *ret is not touched.
 *
 * Errors: JOBLET_E_INVALID with a message that quotes the text, says what is
 * wrong and what is accepted ("`1.02.3` is not a semantic version: `02` has
 * a leading zero; use MAJOR.MINOR.PATCH ..."); JOBLET_E_NOMEM.
 */
int jl_semver_parse(const char *text, struct jl_semver *ret, struct joblet_error **err);

/* Free the strings of v and clear it.  v may be NULL; NULL fields are fine. */
void jl_semver_done(struct jl_semver *v);

/*
 * SemVer precedence (semver.org section 11) of a and b (borrowed, not NULL):
 * -1 when a < b, 0 when they have the same precedence, 1 when a > b.  Build
 * metadata is ignored (1.0.0+a == 1.0.0+b).  Numeric identifiers compare as
 * numbers of any length, alphanumeric ones in ASCII order, numeric <
 * alphanumeric, a longer list of identifiers wins when all before are equal,
 * and a pre-release is lower than its release.  An empty prerelease string
 * counts as none.  Never fails, never allocates.
 */
int jl_semver_compare(const struct jl_semver *a, const struct jl_semver *b);

/*
 * Compare two version strings (borrowed; NULL counts as unparsable) for
 * ordering index entries: two valid versions compare by precedence, an
 * unparsable one sorts below every valid one, and two unparsable ones
 * compare with strcmp().  Returns -1, 0 or 1.  Never fails, never allocates.
 */
int jl_semver_compare_text(const char *a, const char *b);

#endif /* JL_SEMVER_H */

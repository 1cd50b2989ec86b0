/* cpuset.h - CPU lists as the kernel writes them: "0-3,6,8-9". */
#ifndef JL_CPUSET_H
#define JL_CPUSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <joblet/error.h>

#define JL_CPUSET_MAX 4096

struct jl_cpuset {
	uint64_t bits[JL_CPUSET_MAX / 64];
};

/*
 * Parse a list ("0-3,6,8-9"; spaces around items allowed).  Errors:
 * JOBLET_E_INVALID saying what is wrong (empty, a reversed range, a CPU
 * number past JL_CPUSET_MAX).
 */
int jl_cpuset_parse(const char *text, struct jl_cpuset *ret, struct joblet_error **err);

/* The CPUs this host has online (/sys/devices/system/cpu/online). */
int jl_cpuset_online(struct jl_cpuset *ret, struct joblet_error **err);

/* The online CPUs that list (as jl_cpuset_parse() reads it) does not name. */
int jl_cpuset_online_except(const char *list, struct jl_cpuset *ret, struct joblet_error **err);

bool jl_cpuset_has(const struct jl_cpuset *s, unsigned cpu);
void jl_cpuset_add(struct jl_cpuset *s, unsigned cpu);
size_t jl_cpuset_count(const struct jl_cpuset *s);
/* Members of a that are not in b, into ret. */
void jl_cpuset_minus(const struct jl_cpuset *a, const struct jl_cpuset *b, struct jl_cpuset *ret);

/* The canonical list ("0-3,6") into buf; "" for an empty set.  Returns 0 or -1 (too small). */
int jl_cpuset_format(const struct jl_cpuset *s, char *buf, size_t len);

#endif /* JL_CPUSET_H */

/* cpuset.c - CPU lists (see cpuset.h). */
#include <config.h>

#include <ctype.h>
#include <stdio.h>

#include "base/cpuset.h"
#include "base/util.h"

bool jl_cpuset_has(const struct jl_cpuset *s, unsigned cpu)
{
	return cpu < JL_CPUSET_MAX && (s->bits[cpu / 64] >> (cpu % 64)) & 1;
}

void jl_cpuset_add(struct jl_cpuset *s, unsigned cpu)
{
	if (cpu < JL_CPUSET_MAX)
		s->bits[cpu / 64] |= UINT64_C(1) << (cpu % 64);
}

size_t jl_cpuset_count(const struct jl_cpuset *s)
{
	size_t n = 0;

	for (size_t i = 0; i < ELEMENTSOF(s->bits); i++)
		n += (size_t)__builtin_popcountll(s->bits[i]);
	return n;
}

void jl_cpuset_minus(const struct jl_cpuset *a, const struct jl_cpuset *b, struct jl_cpuset *ret)
{
	for (size_t i = 0; i < ELEMENTSOF(a->bits); i++)
		ret->bits[i] = a->bits[i] & ~b->bits[i];
}

static int read_cpu(const char **p, unsigned long *ret)
{
	char *end;

	while (**p == ' ')
		(*p)++;
	if (!isdigit((unsigned char)**p))
		return -1;
	errno = 0;
	*ret = strtoul(*p, &end, 10);
	if (errno)
		return -1;
	*p = end;
	while (**p == ' ')
		(*p)++;
	return 0;
}

int jl_cpuset_parse(const char *text, struct jl_cpuset *ret, struct joblet_error **err)
{
	struct jl_cpuset s;
	const char *p = text;

	memset(&s, 0, sizeof(s));
	if (!text || !*text)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"the CPU list is empty; write CPUs and ranges such as 0-3,6");
	for (;;) {
		unsigned long a, b;

		if (read_cpu(&p, &a) < 0)
			goto bad;
		b = a;
		if (*p == '-') {
			p++;
			if (read_cpu(&p, &b) < 0)
				goto bad;
		}
		if (b < a)
			return joblet_error_set(err, JOBLET_E_INVALID, 0,
						"CPU range `%lu-%lu` in `%s` runs backwards", a, b,
						text);
		if (b >= JL_CPUSET_MAX)
			return joblet_error_set(err, JOBLET_E_INVALID, 0,
						"CPU %lu in `%s` is beyond the %d joblet supports",
						b, text, JL_CPUSET_MAX);
		for (unsigned long c = a; c <= b; c++)
			jl_cpuset_add(&s, (unsigned)c);
		if (*p == '\0')
			break;
		if (*p != ',')
			goto bad;
		p++;
	}
	*ret = s;
	return 0;
bad:
	return joblet_error_set(err, JOBLET_E_INVALID, 0,
				"`%s` is not a CPU list; write CPUs and ranges such as 0-3,6,8-9",
				text);
}

int jl_cpuset_online(struct jl_cpuset *ret, struct joblet_error **err)
{
	_cleanup_free_ char *line = jl_read_line_file("/sys/devices/system/cpu/online");
	long n;

	if (line)
		return jl_cpuset_parse(line, ret, err);
	/* No sysfs (some containers): every configured CPU counts as online. */
	n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					"cannot tell which CPUs are online");
	memset(ret, 0, sizeof(*ret));
	for (long c = 0; c < n; c++)
		jl_cpuset_add(ret, (unsigned)c);
	return 0;
}

int jl_cpuset_online_except(const char *list, struct jl_cpuset *ret, struct joblet_error **err)
{
	struct jl_cpuset named, online;
	int r;

	if ((r = jl_cpuset_parse(list, &named, err)) < 0 ||
	    (r = jl_cpuset_online(&online, err)) < 0)
		return r;
	jl_cpuset_minus(&online, &named, ret);
	return 0;
}

int jl_cpuset_format(const struct jl_cpuset *s, char *buf, size_t len)
{
	size_t used = 0;
	bool first = true;

	if (len == 0)
		return -1;
	buf[0] = '\0';
	for (unsigned c = 0; c < JL_CPUSET_MAX; c++) {
		unsigned end = c;
		int n;

		if (!jl_cpuset_has(s, c))
			continue;
		while (end + 1 < JL_CPUSET_MAX && jl_cpuset_has(s, end + 1))
			end++;
		n = end > c ? snprintf(buf + used, len - used, "%s%u-%u", first ? "" : ",", c, end)
			    : snprintf(buf + used, len - used, "%s%u", first ? "" : ",", c);
		if (n < 0 || (size_t)n >= len - used)
			return -1;
		used += (size_t)n;
		first = false;
		c = end;
	}
	return 0;
}

/* util.c - private helpers of libjoblet. */
#include <config.h>

#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <strings.h>
#include <sys/stat.h>

#include "base/util.h"

void jl_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

size_t jl_strv_length(char *const *v)
{
	size_t n = 0;

	if (v)
		while (v[n])
			n++;
	return n;
}

int jl_strv_push(char ***v, const char *s)
{
	size_t n = jl_strv_length(*v);
	char *copy = strdup(s);
	char **grown;

	if (!copy)
		return -ENOMEM;
	grown = realloc(*v, (n + 2) * sizeof(char *));
	if (!grown) {
		free(copy);
		return -ENOMEM;
	}
	grown[n] = copy;
	grown[n + 1] = NULL;
	*v = grown;
	return 0;
}

char **jl_strv_copy(char *const *v)
{
	size_t n = jl_strv_length(v);
	char **copy = calloc(n + 1, sizeof(char *));

	if (!copy)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		copy[i] = strdup(v[i]);
		if (!copy[i]) {
			jl_strv_free(copy);
			return NULL;
		}
	}
	return copy;
}

bool jl_strv_contains(char *const *v, const char *s)
{
	if (v)
		for (; *v; v++)
			if (strcmp(*v, s) == 0)
				return true;
	return false;
}

char *jl_strv_join(char *const *v, const char *sep)
{
	size_t len = 1, seplen = strlen(sep), n = jl_strv_length(v);
	char *out, *p;

	for (size_t i = 0; i < n; i++)
		len += strlen(v[i]) + seplen;
	out = malloc(len);
	if (!out)
		return NULL;
	p = out;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(v[i]);
		if (i > 0) {
			memcpy(p, sep, seplen);
			p += seplen;
		}
		memcpy(p, v[i], l);
		p += l;
	}
	*p = '\0';
	return out;
}

char *jl_strdup_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return r < 0 ? NULL : s;
}

int jl_read_file(const char *path, size_t max, char **ret_data, size_t *ret_len,
		 struct joblet_error **err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;
	struct stat st;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return joblet_error_set(err, errno == ENOENT ? JOBLET_E_NOT_FOUND : JOBLET_E_IO,
					errno, "cannot open `%s`", path);
	if (fstat(fd, &st) < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot stat `%s`", path);
	if (S_ISDIR(st.st_mode))
		return joblet_error_set(err, JOBLET_E_IO, EISDIR, "cannot read `%s`", path);
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max)
		return joblet_error_set(err, JOBLET_E_LIMIT, 0,
					"`%s` is %lld bytes, more than the %zu allowed", path,
					(long long)st.st_size, max);
	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			size_t ncap = cap ? cap * 2 : 8192;
			char *nbuf;

			if (ncap > max + 4097)
				ncap = max + 4097;
			if (ncap <= cap)
				return joblet_error_set(err, JOBLET_E_LIMIT, 0,
							"`%s` is larger than the %zu bytes allowed",
							path, max);
			nbuf = realloc(buf, ncap);
			if (!nbuf)
				return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
							"cannot read `%s`", path);
			buf = nbuf;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return joblet_error_set(err, JOBLET_E_IO, errno, "cannot read `%s`", path);
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max)
			return joblet_error_set(err, JOBLET_E_LIMIT, 0,
						"`%s` is larger than the %zu bytes allowed", path,
						max);
	}
	if (!buf) {
		buf = malloc(1);
		if (!buf)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read `%s`",
						path);
	}
	buf[len] = '\0';
	*ret_data = TAKE_PTR(buf);
	if (ret_len)
		*ret_len = len;
	return 0;
}

char *jl_read_line_file(const char *path)
{
	char *data = NULL;
	size_t len;

	if (jl_read_file(path, 1 << 20, &data, &len, NULL) < 0)
		return NULL;
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == ' ' || data[len - 1] == '\t'))
		data[--len] = '\0';
	return data;
}

int jl_parse_int64(const char *s, int64_t *ret)
{
	char *end;
	long long v;

	if (!s || !*s || strchr(" \t\n", *s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*ret = v;
	return 0;
}

char *jl_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

bool jl_privileged(void)
{
	return geteuid() == 0;
}

const char *jl_getenv(const char *name)
{
	return secure_getenv(name);
}

/*
 * The unit at s, a letter or a word in any case ("s", "sec", "seconds",
 * "min", "Hours"...), in seconds, with *ret_end after it; -1 if none.
 * The next number may follow at once ("2h30m").
 */
static int64_t duration_unit(const char *s, const char **ret_end)
{
	static const struct {
		const char *word;
		int64_t seconds;
	} units[] = {
		{ "s", 1 },	  { "sec", 1 },	     { "secs", 1 },	{ "second", 1 },
		{ "seconds", 1 }, { "m", 60 },	     { "min", 60 },	{ "mins", 60 },
		{ "minute", 60 }, { "minutes", 60 }, { "h", 3600 },	{ "hr", 3600 },
		{ "hrs", 3600 },  { "hour", 3600 },  { "hours", 3600 }, { "d", 86400 },
		{ "day", 86400 }, { "days", 86400 },
	};
	size_t n = 0;

	while ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z'))
		n++;
	for (size_t i = 0; n && i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i].word) == n && strncasecmp(s, units[i].word, n) == 0) {
			*ret_end = s + n;
			return units[i].seconds;
		}
	return -1;
}

int jl_parse_duration(const char *s, int64_t *ret_seconds)
{
	int64_t total = 0, n;
	bool any = false;
	const char *p = s;

	if (!s || !*s)
		return -1;
	if (jl_parse_int64(s, &n) == 0) {
		if (n < 0)
			return -1;
		*ret_seconds = n;
		return 0;
	}
	while (*p) {
		int64_t unit;
		char *end;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		if (*p < '0' || *p > '9')
			return -1;
		errno = 0;
		n = strtoll(p, &end, 10);
		if (errno || end == p)
			return -1;
		p = end;
		while (*p == ' ')
			p++;
		unit = duration_unit(p, &p);
		if (unit < 0 || n > (INT64_MAX - total) / unit)
			return -1;
		total += n * unit;
		any = true;
	}
	if (!any)
		return -1;
	*ret_seconds = total;
	return 0;
}

/* The edits from a[0..n) to b[0..m): optimal string alignment distance; cut off above 3. */
static size_t edit_distance(const char *a, size_t n, const char *b, size_t m)
{
	size_t d[34][34];

	if (n > 32 || m > 32)
		return n > m ? n - m + 3 : m - n + 3; /* long words: only exact or prefix matter */
	for (size_t i = 0; i <= n; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= m; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= n; i++)
		for (size_t j = 1; j <= m; j++) {
			size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[n][m];
}

const char *jl_closest_word(const char *word, size_t len, const char *const *candidates, size_t n)
{
	const char *best = NULL, *prefixed = NULL;
	size_t best_d = SIZE_MAX, allowed = len >= 5 ? 2 : 1, prefixes = 0;
	bool tie = false;

	for (size_t i = 0; i < n; i++) {
		const char *c = candidates[i];
		size_t d;

		if (!c)
			continue;
		d = edit_distance(word, len, c, strlen(c));
		if (d < best_d) {
			best = c;
			best_d = d;
			tie = false;
		} else if (d == best_d && strcmp(c, best) != 0) {
			tie = true;
		}
		if (len >= 3 && strlen(c) > len && strncmp(c, word, len) == 0 &&
		    (!prefixed || strcmp(c, prefixed) != 0)) {
			prefixed = c;
			prefixes++;
		}
	}
	if (best && best_d > 0 && best_d <= allowed && !tie)
		return best;
	return prefixes == 1 ? prefixed : NULL;
}

int jl_parse_size(const char *s, int64_t *ret_bytes)
{
	static const struct {
		const char *suffix;
		int64_t factor;
	} units[] = {
		{ "", 1 },
		{ "B", 1 },
		{ "K", INT64_C(1) << 10 },
		{ "KiB", INT64_C(1) << 10 },
		{ "KB", 1000 },
		{ "M", INT64_C(1) << 20 },
		{ "MiB", INT64_C(1) << 20 },
		{ "MB", 1000000 },
		{ "G", INT64_C(1) << 30 },
		{ "GiB", INT64_C(1) << 30 },
		{ "GB", 1000000000 },
		{ "T", INT64_C(1) << 40 },
		{ "TiB", INT64_C(1) << 40 },
		{ "TB", INT64_C(1000000000000) },
	};
	char *end;
	long long n;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno || n < 0)
		return -1;
	while (*end == ' ')
		end++;
	for (size_t i = 0; i < ELEMENTSOF(units); i++)
		if (strcmp(end, units[i].suffix) == 0) {
			if (n > INT64_MAX / units[i].factor)
				return -1;
			*ret_bytes = (int64_t)n * units[i].factor;
			return 0;
		}
	return -1;
}

/* host:port, [v6]:port; the port 1..65535. */
bool jl_address_valid(const char *a, int64_t min_port)
{
	const char *colon;
	int64_t port;

	if (a[0] == '[') {
		const char *close = strchr(a, ']');

		if (!close || close == a + 1 || close[1] != ':')
			return false;
		colon = close + 1;
	} else {
		colon = strrchr(a, ':');
		if (!colon || colon == a || memchr(a, ':', (size_t)(colon - a)))
			return false;
	}
	for (const char *p = a; p < colon; p++)
		if (isspace((unsigned char)*p) || *p == '/')
			return false;
	return jl_parse_int64(colon + 1, &port) == 0 && port >= min_port && port <= 65535;
}

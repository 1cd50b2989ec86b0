/* log.c - the log sink of libjoblet and of plugins. */
#include <config.h>

#include <time.h>

#include <pthread.h>
#include <strings.h>

#include <joblet/log.h>
#include <joblet/plugin.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "base/log.h"
#include "base/utf8.h"
#include "base/plugin_id.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static jl_log_sink_fn log_sink;
static void *log_userdata;
static int32_t log_level = JOBLET_LOG_INFO;

void jl_log_set_sink(jl_log_sink_fn sink, void *userdata)
{
	pthread_mutex_lock(&log_lock);
	log_sink = sink;
	log_userdata = userdata;
	pthread_mutex_unlock(&log_lock);
}

void jl_log_set_level(int32_t level)
{
	if (level < JOBLET_LOG_ERROR)
		level = JOBLET_LOG_ERROR;
	if (level > JOBLET_LOG_DEBUG)
		level = JOBLET_LOG_DEBUG;
	__atomic_store_n(&log_level, level, __ATOMIC_RELAXED);
}

int32_t jl_log_get_level(void)
{
	return __atomic_load_n(&log_level, __ATOMIC_RELAXED);
}

int jl_log_enabled(int32_t level)
{
	return level <= jl_log_get_level() && __atomic_load_n(&log_sink, __ATOMIC_RELAXED);
}

/*
 * Length of what may stand as it is at s (n bytes left): 1 for printable
 * ASCII, 2-4 for a valid UTF-8 sequence other than a C1 control (a terminal
 * may read U+009B as CSI); 0 for what must be escaped.
 */
static size_t plain_len(const uint8_t *s, size_t n)
{
	if (s[0] < 0x80)
		return s[0] >= 0x20 && s[0] != 0x7f && s[0] != '\\';
	if (s[0] == 0xc2 && n >= 2 && s[1] < 0xa0)
		return 0;
	return jl_utf8_seq(s, n);
}

char *jl_log_escape(const char *text)
{
	const uint8_t *s = (const uint8_t *)text;
	size_t n = 0, len = strlen(text);
	char *out, *o;

	/* The common case: nothing to escape, one copy. */
	for (size_t i = 0, k; i < len; i += k) {
		k = plain_len(s + i, len - i);
		if (k == 0)
			break;
		n = i + k;
	}
	if (n == len)
		return strdup(text);
	/* At most 4 bytes (\xNN) for each byte. */
	out = malloc(4 * len + 1);
	if (!out)
		return NULL;
	o = out;
	for (size_t i = 0, k; i < len; i += k) {
		k = plain_len(s + i, len - i);
		if (k > 0) {
			memcpy(o, s + i, k);
			o += k;
			continue;
		}
		k = 1;
		*o++ = '\\';
		switch (s[i]) {
		case '\n':
			*o++ = 'n';
			break;
		case '\r':
			*o++ = 'r';
			break;
		case '\t':
			*o++ = 't';
			break;
		case '\\':
			*o++ = '\\';
			break;
		default:
			o += snprintf(o, 4, "x%02x", s[i]);
		}
	}
	*o = '\0';
	return out;
}

void jl_logv(int32_t level, const char *source, const char *fmt, va_list ap)
{
	_cleanup_free_ char *msg = NULL, *safe = NULL, *safe_source = NULL;

	if (!jl_log_enabled(level))
		return;
	if (vasprintf(&msg, fmt, ap) < 0) {
		msg = NULL;
		return;
	}
	/*
	 * A message is one line by rule, and its fields come from clients (URL paths,
	 * names, certificate subjects): a newline or an escape sequence in one must not
	 * forge a line of the log or drive the terminal that reads it.
	 */
	safe = jl_log_escape(msg);
	safe_source = jl_log_escape(source ? source : "joblet");
	if (!safe || !safe_source)
		return;
	pthread_mutex_lock(&log_lock);
	if (log_sink)
		log_sink(level, safe_source, safe, log_userdata);
	pthread_mutex_unlock(&log_lock);
}

void jl_log(int32_t level, const char *source, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	jl_logv(level, source, fmt, ap);
	va_end(ap);
}

void joblet_plugin_log(const struct joblet_plugin *self, int32_t level, const char *fmt, ...)
{
	char source[96];
	const char *kind;
	va_list ap;

	if (!jl_log_enabled(level))
		return;
	kind = self ? jl_plugin_kind_name((int32_t)self->kind) : NULL;
	snprintf(source, sizeof(source), "%s/%s", kind ? kind : "plugin",
		 self && self->name ? self->name : "?");
	va_start(ap, fmt);
	jl_logv(level, source, fmt, ap);
	va_end(ap);
}

const char *jl_log_level_name(int32_t level)
{
	switch (level) {
	case JOBLET_LOG_ERROR:
		return "error";
	case JOBLET_LOG_WARNING:
		return "warning";
	case JOBLET_LOG_INFO:
		return "info";
	case JOBLET_LOG_DEBUG:
		return "debug";
	default:
		return "unknown";
	}
}

int jl_log_level_parse(const char *name, int32_t *ret_level)
{
	static const struct {
		const char *name;
		int32_t level;
	} names[] = {
		{ "error", JOBLET_LOG_ERROR },	{ "warning", JOBLET_LOG_WARNING },
		{ "warn", JOBLET_LOG_WARNING }, { "info", JOBLET_LOG_INFO },
		{ "debug", JOBLET_LOG_DEBUG },
	};

	if (!name)
		return -1;
	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		if (strcasecmp(name, names[i].name) == 0) {
			*ret_level = names[i].level;
			return 0;
		}
	return -1;
}

void jl_log_sink_stderr_stamped(int32_t level, const char *source, const char *message,
				void *userdata)
{
	struct timespec ts;
	struct tm tm;
	char when[32];

	(void)userdata;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ %-7s %s: %s\n", when, ts.tv_nsec / 1000000,
		jl_log_level_name(level), source, message);
	fflush(stderr);
}

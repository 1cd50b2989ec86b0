/* log.c - the log sink of libjoblet and of plugins. */
#include <config.h>

#include <time.h>

#include <pthread.h>
#include <strings.h>

#include <joblet/log.h>
#include <joblet/plugin.h>

#include "base/util.h"
#include "base/log.h"
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

void jl_logv(int32_t level, const char *source, const char *fmt, va_list ap)
{
	char *msg = NULL;

	if (!jl_log_enabled(level))
		return;
	if (vasprintf(&msg, fmt, ap) < 0)
		return;
	pthread_mutex_lock(&log_lock);
	if (log_sink)
		log_sink(level, source ? source : "joblet", msg, log_userdata);
	pthread_mutex_unlock(&log_lock);
	free(msg);
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

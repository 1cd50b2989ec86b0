/*
 * host_setting.c - plugin settings read as durations and whole numbers
 * (joblet_plugin_host_setting_duration/_int, <joblet/plugin.h>).
 *
 * Plugins get the parsers joblet.yml itself uses, so `15s` means the same in
 * a plugin's settings as in the rest of the file, and no plugin carries a
 * copy of them.
 */
#include <config.h>

#include <joblet/plugin.h>

#include "base/util.h"

/* A bound as a duration: the largest unit that divides it (86400 -> `1d`). */
static void duration_text(int64_t s, char *buf, size_t size)
{
	static const struct {
		int64_t seconds;
		char unit;
	} units[] = { { 86400, 'd' }, { 3600, 'h' }, { 60, 'm' } };

	for (size_t i = 0; i < ELEMENTSOF(units); i++)
		if (s > 0 && s % units[i].seconds == 0) {
			snprintf(buf, size, "%lld%c", (long long)(s / units[i].seconds),
				 units[i].unit);
			return;
		}
	snprintf(buf, size, "%llds", (long long)s);
}

int joblet_plugin_host_setting_duration(const struct joblet_plugin_host *host, const char *key,
					int64_t min_s, int64_t max_s, int64_t *ret_seconds,
					struct joblet_error **err)
{
	const char *v = joblet_plugin_host_setting(host, key);
	char lo[32], hi[32];
	int64_t n;

	if (!v)
		return 0;
	if (jl_parse_duration(v, &n) == 0 && n >= min_s && n <= max_s) {
		*ret_seconds = n;
		return 1;
	}
	duration_text(min_s, lo, sizeof(lo));
	duration_text(max_s, hi, sizeof(hi));
	return joblet_error_set(err, JOBLET_E_CONFIG, 0,
				"setting `%s` must be a duration from %s to %s (15s, 2m), not `%s`",
				key, lo, hi, v);
}

int joblet_plugin_host_setting_int(const struct joblet_plugin_host *host, const char *key,
				   int64_t min, int64_t max, int64_t *ret_value,
				   struct joblet_error **err)
{
	const char *v = joblet_plugin_host_setting(host, key);
	int64_t n;

	if (!v)
		return 0;
	if (jl_parse_int64(v, &n) == 0 && n >= min && n <= max) {
		*ret_value = n;
		return 1;
	}
	return joblet_error_set(err, JOBLET_E_CONFIG, 0,
				"setting `%s` must be a whole number from %lld to %lld, not `%s`",
				key, (long long)min, (long long)max, v);
}

/* plugin_id.c - plugin kinds and names (base/plugin_id.h). */
#include <config.h>

#include <string.h>

#include <joblet/plugin.h>

#include "base/plugin_id.h"

static const char *const kind_names[] = {
	[JOBLET_KIND_REGISTRY] = "registry",
	[JOBLET_KIND_ARCHIVE] = "archive",
	[JOBLET_KIND_ISOLATION] = "isolation",
	[JOBLET_KIND_SCHEDULER] = "scheduler",
};

const char *jl_plugin_kind_name(int32_t kind)
{
	if (kind <= 0 || (size_t)kind >= sizeof(kind_names) / sizeof(kind_names[0]))
		return NULL;
	return kind_names[kind];
}

int jl_plugin_kind_parse(const char *name, int32_t *ret_kind)
{
	for (size_t i = 1; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (name && strcmp(name, kind_names[i]) == 0) {
			*ret_kind = (int32_t)i;
			return 0;
		}
	return -1;
}

int jl_plugin_name_valid(const char *name)
{
	size_t n = 0;

	for (const char *p = name; *p; p++, n++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return 0;
	return n > 0 && n <= 64;
}

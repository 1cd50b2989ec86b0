/* volume_ref.c - volume names and a job's `NAME[:ro]` reference to one. */
#include <config.h>

#include <string.h>

#include "base/util.h"
#include "job/volume_ref.h"

bool jl_volume_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n < 1 || n > JL_VOLUME_NAME_MAX)
		return false;
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '_'))
			return false;
	return true;
}

int jl_volume_ref_parse(const char *ref, char ret_name[JL_VOLUME_NAME_MAX + 1],
			int32_t *ret_readonly, struct joblet_error **err)
{
	const char *colon = ref ? strchr(ref, ':') : NULL;
	size_t len = colon ? (size_t)(colon - ref) : (ref ? strlen(ref) : 0);
	int32_t ro = 0;

	if (colon && strcmp(colon, ":ro") == 0)
		ro = 1;
	else if (colon && strcmp(colon, ":rw") != 0)
		len = 0;
	if (len > 0 && len <= JL_VOLUME_NAME_MAX) {
		memcpy(ret_name, ref, len);
		ret_name[len] = '\0';
		if (jl_volume_name_valid(ret_name)) {
			*ret_readonly = ro;
			return 0;
		}
	}
	return joblet_error_set(
		err, JOBLET_E_INVALID, 0,
		"volume `%s` is not valid: give NAME or NAME:ro, the name 1 to 63 letters, digits, `-` or `_`",
		ref ? ref : "");
}

int jl_volume_size_parse(const char *text, int64_t *ret_bytes)
{
	int64_t n;

	if (!text)
		return -1;
	if (jl_parse_int64(text, &n) == 0) {
		if (n < 1 || n > (INT64_MAX >> 20))
			return -1;
		*ret_bytes = n << 20;
		return 0;
	}
	if (jl_parse_size(text, &n) < 0 || n < 1)
		return -1;
	*ret_bytes = n;
	return 0;
}

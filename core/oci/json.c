/*
 * oci/json.c - reading config.json's fields, with errors naming them.
 */
#include <config.h>

#include "oci/oci.h"

int oci_json_uint(json_object *v, const char *path, uint64_t max, uint64_t *ret,
		  struct joblet_error **err)
{
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0 ||
	    json_object_get_uint64(v) > max)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"config.json: %s: must be an integer from 0 to %llu, not `%s`", path,
			(unsigned long long)max, json_object_to_json_string(v));
	*ret = json_object_get_uint64(v);
	return 0;
}

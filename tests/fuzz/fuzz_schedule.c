/* Schedule times (core/lib/base/timefmt.c): --schedule and the API's `schedule`. */
#include "fuzz.h"

#include "base/timefmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct joblet_error *e = NULL;
	char *text = fuzz_str(data, size);
	char buf[64];
	int64_t t;

	if (!text)
		return 0;
	if (jl_schedule_parse(text, INT64_C(1767225600) * 1000000000, &t, &e) == 0)
		jl_time_format_rfc3339(t, buf, sizeof(buf));
	joblet_error_free(e);
	e = NULL;
	if (jl_time_parse_rfc3339(text, &t, &e) == 0)
		jl_time_format_rfc3339(t, buf, sizeof(buf));
	joblet_error_free(e);
	free(text);
	return 0;
}

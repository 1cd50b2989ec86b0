/* cron expressions (core/lib/base/cron.c): --schedule of recurring jobs. */
#include "fuzz.h"

#include "base/cron.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct joblet_error *e = NULL;
	struct jl_cron c;
	char *text = fuzz_str(data, size);

	if (!text)
		return 0;
	if (jl_cron_parse(text, &c, &e) == 0) {
		/* 2026-01-01T00:00:00Z, and the next after the next. */
		int64_t t = jl_cron_next(&c, INT64_C(1767225600) * 1000000000);

		if (t > 0)
			(void)jl_cron_next(&c, t);
	}
	joblet_error_free(e);
	free(text);
	return 0;
}

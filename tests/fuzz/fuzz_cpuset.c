/* cpuset lists (core/lib/base/cpuset.c): --cpuset and isolation settings. */
#include "fuzz.h"

#include "base/cpuset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct joblet_error *e = NULL;
	struct jl_cpuset s, t;
	char *text = fuzz_str(data, size);
	char buf[8192];

	if (!text)
		return 0;
	if (jl_cpuset_parse(text, &s, &e) == 0) {
		(void)jl_cpuset_count(&s);
		/* What parses formats to a list that parses to the same set. */
		if (jl_cpuset_format(&s, buf, sizeof(buf)) == 0 &&
		    (jl_cpuset_parse(buf, &t, NULL) != 0 || memcmp(&s, &t, sizeof(s)) != 0))
			abort();
	}
	joblet_error_free(e);
	free(text);
	return 0;
}

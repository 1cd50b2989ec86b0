/* SemVer (core/lib/runtime/semver.c): runtime versions from registries. */
#include "fuzz.h"

#include "runtime/semver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct joblet_error *e = NULL;
	struct jl_semver v = { 0 };
	const uint8_t *nl = memchr(data, '\n', size);
	char *text = fuzz_str(data, size), *other;

	if (!text)
		return 0;
	if (jl_semver_parse(text, &v, &e) == 0 && jl_semver_compare(&v, &v) != 0)
		abort();
	jl_semver_done(&v);
	joblet_error_free(e);
	/* Two versions on two lines: compared both ways, the answers agree. */
	if (nl) {
		text[nl - data] = '\0';
		other = text + (nl - data) + 1;
		if (jl_semver_compare_text(text, other) != -jl_semver_compare_text(other, text))
			abort();
	}
	free(text);
	return 0;
}

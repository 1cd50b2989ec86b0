/* runtime.yml (core/lib/runtime/runtime_yml.c): what a runtime package says of itself. */
#include "fuzz.h"

#include "runtime/runtime_yml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct joblet_error *e = NULL;
	struct jl_runtime_desc *d = NULL;
	int dirfd = fuzz_file("runtime.yml", data, size, NULL, 0);

	if (jl_runtime_yml_load(dirfd, "fuzz", &d, &e) == 0)
		jl_runtime_desc_free(d);
	joblet_error_free(e);
	close(dirfd);
	return 0;
}

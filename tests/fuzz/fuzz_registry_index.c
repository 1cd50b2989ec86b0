/* registry.json (core/lib/runtime/registry_index.c): what a registry serves. */
#include "fuzz.h"

#include "runtime/registry_index.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct joblet_error *e = NULL;
	struct jl_index *idx = NULL;
	const struct jl_index_entry *entry;

	if (jl_index_parse((const char *)data, size, "fuzz", &idx, &e) == 0) {
		for (size_t i = 0; i < idx->n; i++) {
			(void)jl_index_entry_supports(&idx->entries[i], "linux/amd64");
			if (jl_index_resolve(idx, idx->entries[i].name, NULL, "linux/amd64", &entry,
					     NULL) < 0)
				continue;
		}
		(void)jl_index_resolve(idx, "python", "3", NULL, &entry, NULL);
		jl_index_free(idx);
	}
	joblet_error_free(e);
	return 0;
}

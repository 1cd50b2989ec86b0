/* joblet.yml (core/lib/config/config.c): the daemon's configuration. */
#include "fuzz.h"

#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct joblet_error *e = NULL;
	struct jl_config *cfg = NULL;
	char path[4200];
	int fd = fuzz_file("joblet.yml", data, size, path, sizeof(path));

	if (jl_config_load(path, 0, &cfg, &e) == 0)
		jl_config_free(cfg);
	joblet_error_free(e);
	close(fd);
	return 0;
}

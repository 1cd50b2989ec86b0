/* rnx-config.yml (core/lib/config/client_config.c): the client's nodes. */
#include "fuzz.h"

#include "config/client_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct joblet_error *e = NULL;
	struct jl_client_config *cfg = NULL;
	const struct jl_client_node *node;
	char path[4200];
	int fd = fuzz_file("rnx-config.yml", data, size, path, sizeof(path));

	if (jl_client_config_load(path, &cfg, &e) == 0) {
		(void)jl_client_config_select(cfg, NULL, &node, NULL);
		(void)jl_client_config_select(cfg, "default", &node, NULL);
		jl_client_config_free(cfg);
	}
	joblet_error_free(e);
	close(fd);
	return 0;
}

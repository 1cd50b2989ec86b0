/* runtime.yml (core/lib/runtime/runtime_yml.c): what a runtime package says of itself. */
#include "fuzz.h"

#include "runtime/runtime_yml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct joblet_error *e = NULL;
	struct jl_runtime_desc *d = NULL;
	const char *dir = fuzz_dir();
	int dirfd, fd;

	if (!dir)
		abort();
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		abort();
	fd = openat(dirfd, "runtime.yml", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		    0600);
	if (fd < 0 || fuzz_write_all(fd, data, size) < 0)
		abort();
	close(fd);
	if (jl_runtime_yml_load(dirfd, "fuzz", &d, &e) == 0)
		jl_runtime_desc_free(d);
	joblet_error_free(e);
	close(dirfd);
	return 0;
}

/*
 * The tar plugin (plugins/archive/tar, compiled in) on an archive held in
 * memory, through the archive ops (core/lib/plugin/ops_archive.c) as the
 * install pipeline calls them: probe, then extract into a fresh folder
 * inside this process's private folder, removed again after each input.
 * A memfd is a regular file, so libarchive may seek it like a package.
 */
#include "fuzz.h"

#include <sys/stat.h>

#include <joblet/archive.h>
#include <joblet/plugin.h>
#include <joblet/stream.h>

#include "base/buffer.h"
#include "plugin/ops_archive.h"

/* The plugin's descriptor (plugins/archive/tar/tar.c). */
extern const struct joblet_plugin joblet_plugin;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct joblet_archive_limits limits = {
		.size = sizeof(limits),
		.max_total_bytes = 64 << 20,
		.max_entries = 10000,
		.max_path_length = 4096,
	};
	struct joblet_archive_stats stats = { .size = sizeof(stats) };
	struct joblet_stream *in = NULL;
	struct joblet_error *e = NULL;
	const char *dir = fuzz_dir();
	char path[64];
	int top, out, fd;

	if (!dir)
		abort();
	(void)jl_archive_probe(&joblet_plugin, data, size < 512 ? size : 512, "fuzz.tar.gz");
	fd = fuzz_memfd(data, size, path, sizeof(path));
	if (fd < 0)
		return 0;
	if (joblet_stream_from_fd(fd, "fuzz.tar.gz", &in, NULL) < 0) {
		close(fd);
		return 0;
	}
	top = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (top < 0 || mkdirat(top, "out", 0700) < 0)
		abort();
	out = openat(top, "out", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (out < 0)
		abort();
	(void)jl_archive_extract(&joblet_plugin, in, out, &limits, &stats, &e);
	joblet_error_free(e);
	jl_stream_close(in);
	close(out);
	/* Never past the folder: it is removed as a tree, links not followed. */
	if (jl_rm_rf_at(top, "out", NULL) < 0)
		abort();
	close(top);
	return 0;
}

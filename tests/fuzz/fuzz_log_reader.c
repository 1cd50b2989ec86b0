/* The framed job log (core/lib/job/job_log.c): records read back for `rnx job logs`. */
#include "fuzz.h"

#include "job/job_log.h"

static void read_all(const char *dir, uint64_t skip)
{
	struct joblet_error *e = NULL;
	struct jl_log_reader *r = NULL;
	struct jl_log_record rec;
	volatile uint8_t sink = 0;

	if (jl_log_reader_open_flags(dir, JL_LOG_READER_NO_WATCH, &r, &e) < 0)
		abort();
	if (!skip || jl_log_reader_skip(r, skip, NULL) == 0)
		while (jl_log_reader_next(r, &rec, NULL) == 1)
			if (rec.len)
				sink ^= rec.data[0] ^ rec.data[rec.len - 1];
	jl_log_reader_free(r);
	joblet_error_free(e);
	(void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *dir = fuzz_dir();

	close(fuzz_file("log", data, size, NULL, 0));
	read_all(dir, 0);
	/* A follower that resumes after Last-Event-ID skips records without reading them. */
	read_all(dir, size ? data[0] % 4 + 1 : 1);
	return 0;
}

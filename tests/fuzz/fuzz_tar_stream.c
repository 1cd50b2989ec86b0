/*
 * The tar stream reader of result downloads (core/common/tar_stream.c), as
 * rnx feeds it what a node sends, with the name and link checks of the
 * unpacker (core/common/unpack.c) on every entry.  The first byte of the
 * input sets where the stream is cut into reads.
 */
#include "fuzz.h"

#include "common/tar_stream.h"
#include "common/unpack.h"

struct state {
	uint64_t want, got;
};

static int on_entry(void *cls, const struct jl_tar_entry *e, struct joblet_error **err)
{
	struct state *s = cls;
	char clean[4096];

	(void)err;
	if (!e->name || !e->linkname)
		abort();
	s->want = e->size;
	s->got = 0;
	if (jl_unpack_clean_name(e->name, clean, sizeof(clean), NULL) == 0) {
		if (strstr(clean, "/../") || !strncmp(clean, "../", 3) || clean[0] == '/')
			abort();
		(void)jl_unpack_link_inside(clean, e->linkname);
	}
	return 0;
}

static int on_data(void *cls, const void *buf, size_t n, struct joblet_error **err)
{
	struct state *s = cls;

	(void)buf;
	(void)err;
	s->got += n;
	if (s->got > s->want)
		abort();
	return 0;
}

static int on_end(void *cls, struct joblet_error **err)
{
	struct state *s = cls;

	(void)err;
	if (s->got != s->want && s->want > 0 && s->got > 0)
		abort();
	return 0;
}

static const struct jl_tar_reader_ops ops = { on_entry, on_data, on_end };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jl_tar_reader *r = NULL;
	struct state s = { 0 };
	size_t step;
	int rc = 0;

	if (size < 1)
		return 0;
	step = (size_t)data[0] * 7 + 1;
	data++;
	size--;
	if (jl_tar_reader_new(&ops, &s, &r, NULL) < 0)
		return 0;
	for (size_t at = 0; rc == 0 && at < size; at += step)
		rc = jl_tar_reader_feed(r, data + at, size - at < step ? size - at : step, NULL);
	if (rc == 0)
		(void)jl_tar_reader_finish(r, NULL);
	jl_tar_reader_free(r);
	return 0;
}

/*
 * tar_stream.c - ustar/pax headers written and read (tar_stream.h).
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tar_stream.h"

#define USTAR_NAME     100
#define USTAR_PREFIX   155
#define USTAR_SIZE_MAX UINT64_C(077777777777)

/* ------------------------------------------------------------------ writer */

static void octal(char *field, size_t width, uint64_t v)
{
	/* width-1 digits, then NUL. */
	field[width - 1] = '\0';
	for (size_t i = width - 1; i > 0; i--) {
		field[i - 1] = (char)('0' + (v & 7));
		v >>= 3;
	}
}

static void checksum(char *h)
{
	unsigned sum = 0;

	memset(h + 148, ' ', 8);
	for (size_t i = 0; i < JL_TAR_BLOCK; i++)
		sum += (unsigned char)h[i];
	octal(h + 148, 7, sum);
	h[155] = ' ';
}

static void ustar_block(char *h, const char *name, int type, uint64_t size, uint32_t mode,
			int64_t mtime, const char *link)
{
	memset(h, 0, JL_TAR_BLOCK);
	memcpy(h, name, strnlen(name, USTAR_NAME));
	octal(h + 100, 8, mode & 07777);
	octal(h + 108, 8, 0);
	octal(h + 116, 8, 0);
	octal(h + 124, 12, size <= USTAR_SIZE_MAX ? size : 0);
	octal(h + 136, 12, mtime < 0 ? 0 : (uint64_t)mtime & USTAR_SIZE_MAX);
	h[156] = (char)type;
	if (link)
		memcpy(h + 157, link, strnlen(link, USTAR_NAME));
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	checksum(h);
}

/* One pax record "LEN key=value\n" into buf at *at; false when it does not fit. */
static bool pax_record(char *buf, size_t size, size_t *at, const char *key, const char *value)
{
	size_t body = 1 + strlen(key) + 1 + strlen(value) + 1, len = body, digits;
	int n;

	/* The length counts its own digits. */
	do {
		digits = (size_t)snprintf(NULL, 0, "%zu", len);
		len = body + digits;
	} while ((size_t)snprintf(NULL, 0, "%zu", len) != digits);
	if (*at + len + 1 > size)
		return false;
	n = snprintf(buf + *at, size - *at, "%zu %s=%s\n", len, key, value);
	if (n < 0 || (size_t)n != len)
		return false;
	*at += len;
	return true;
}

ssize_t jl_tar_header(const struct jl_tar_entry *e, char *buf, size_t size)
{
	char name[4096 + 2];
	const char *link = e->linkname && *e->linkname ? e->linkname : NULL;
	size_t nlen = strlen(e->name), at = JL_TAR_BLOCK, data;
	bool pax;

	if (nlen == 0 || nlen + 2 > sizeof(name) || size < 2 * JL_TAR_BLOCK)
		return -1;
	snprintf(name, sizeof(name), "%s%s", e->name,
		 e->type == JL_TAR_DIR && e->name[nlen - 1] != '/' ? "/" : "");
	pax = strlen(name) >= USTAR_NAME || (link && strlen(link) >= USTAR_NAME) ||
	      e->size > USTAR_SIZE_MAX;
	if (!pax) {
		ustar_block(buf, name, e->type, e->size, e->mode, e->mtime, link);
		return JL_TAR_BLOCK;
	}
	/* The pax records after a header block of their own. */
	if (strlen(name) >= USTAR_NAME && !pax_record(buf, size, &at, "path", name))
		return -1;
	if (link && strlen(link) >= USTAR_NAME && !pax_record(buf, size, &at, "linkpath", link))
		return -1;
	if (e->size > USTAR_SIZE_MAX) {
		char num[24];

		snprintf(num, sizeof(num), "%" PRIu64, e->size);
		if (!pax_record(buf, size, &at, "size", num))
			return -1;
	}
	data = at - JL_TAR_BLOCK;
	at += jl_tar_padding(data);
	if (at + JL_TAR_BLOCK > size)
		return -1;
	memset(buf + JL_TAR_BLOCK + data, 0, jl_tar_padding(data));
	ustar_block(buf, "PaxHeader", 'x', data, 0644, e->mtime, NULL);
	/* The ustar block keeps what fits; readers take the pax values. */
	ustar_block(buf + at, name, e->type, e->size, e->mode, e->mtime, link);
	return (ssize_t)(at + JL_TAR_BLOCK);
}

size_t jl_tar_padding(uint64_t size)
{
	return (size_t)((JL_TAR_BLOCK - size % JL_TAR_BLOCK) % JL_TAR_BLOCK);
}

/* ------------------------------------------------------------------ reader */

enum rstate {
	R_HEADER = 1, /* collecting a header block */
	R_PAX,	      /* collecting pax records */
	R_DATA,	      /* a file's data */
	R_SKIP,	      /* padding or data nobody wants */
	R_END,	      /* two zero blocks seen */
};

struct jl_tar_reader {
	const struct jl_tar_reader_ops *ops;
	void *cls;
	enum rstate state;
	char block[JL_TAR_BLOCK];
	size_t have;	 /* bytes in block */
	uint64_t left;	 /* of R_DATA, R_SKIP, R_PAX */
	size_t pad;	 /* padding after R_DATA / R_PAX */
	int zero_blocks; /* consecutive zero header blocks */
	char *pax;	 /* pax records being collected */
	size_t pax_len;
	char *pax_path; /* from the last `x` header, for the next entry */
	char *pax_link;
	int64_t pax_size;   /* or -1 */
	bool pax_is_global; /* a `g` header: read and dropped */
	char name[USTAR_PREFIX + 1 + USTAR_NAME + 1];
	char link[USTAR_NAME + 1];
	struct jl_tar_entry e;
	bool in_entry;
};

static int perr(struct joblet_error **err, const char *what)
{
	return joblet_error_set(err, JOBLET_E_PARSE, 0, "the tar stream is damaged: %s", what);
}

/* An octal field (spaces or NULs around); false when it is not one. */
static bool parse_octal(const char *f, size_t width, uint64_t *ret)
{
	size_t i = 0;
	uint64_t v = 0;
	bool digits = false;

	while (i < width && f[i] == ' ')
		i++;
	for (; i < width && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v > (UINT64_MAX >> 3))
			return false;
		v = (v << 3) | (uint64_t)(f[i] - '0');
		digits = true;
	}
	for (; i < width; i++)
		if (f[i] != ' ' && f[i] != '\0')
			return false;
	*ret = v;
	return digits || f[0] == '\0';
}

static void clear_pax(struct jl_tar_reader *r)
{
	free(r->pax_path);
	free(r->pax_link);
	r->pax_path = r->pax_link = NULL;
	r->pax_size = -1;
}

/* The records of a pax header in r->pax (pax_len bytes). */
static int parse_pax(struct jl_tar_reader *r, struct joblet_error **err)
{
	size_t at = 0;

	while (at < r->pax_len) {
		char *rec = r->pax + at, *sp, *eq, *end;
		size_t len = 0, i;

		for (i = 0; at + i < r->pax_len && rec[i] >= '0' && rec[i] <= '9' && i < 8; i++)
			len = len * 10 + (size_t)(rec[i] - '0');
		if (i == 0 || at + i >= r->pax_len || rec[i] != ' ' || len <= i + 1 ||
		    len > r->pax_len - at || rec[len - 1] != '\n')
			return perr(err, "a pax record has a bad length");
		sp = rec + i;
		end = rec + len - 1;
		eq = memchr(sp + 1, '=', (size_t)(end - sp - 1));
		if (!eq || memchr(sp + 1, '\0', (size_t)(end - sp - 1)))
			return perr(err, "a pax record is not `key=value`");
		*end = '\0';
		*eq = '\0';
		if (!r->pax_is_global) {
			const char *k = sp + 1, *v = eq + 1;

			if (!strcmp(k, "path")) {
				free(r->pax_path);
				r->pax_path = strdup(v);
				if (!r->pax_path)
					return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
								"out of memory");
			} else if (!strcmp(k, "linkpath")) {
				free(r->pax_link);
				r->pax_link = strdup(v);
				if (!r->pax_link)
					return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
								"out of memory");
			} else if (!strcmp(k, "size")) {
				char *e2;

				errno = 0;
				r->pax_size = (int64_t)strtoll(v, &e2, 10);
				if (errno || *e2 || !*v || r->pax_size < 0)
					return perr(err, "a pax size is not a number");
			}
		}
		at += len;
	}
	return 0;
}

static int entry_done(struct jl_tar_reader *r, struct joblet_error **err)
{
	int rc = 0;

	if (r->in_entry && r->ops->entry_end)
		rc = r->ops->entry_end(r->cls, err);
	r->in_entry = false;
	clear_pax(r);
	return rc;
}

/* A complete header block in r->block. */
static int header(struct jl_tar_reader *r, struct joblet_error **err)
{
	const char *h = r->block;
	uint64_t sum, size, mode, mtime;
	unsigned got = 0;
	int type;

	{
		bool zero = true;

		for (size_t i = 0; i < JL_TAR_BLOCK && zero; i++)
			zero = h[i] == '\0';
		if (zero) {
			if (++r->zero_blocks == 2)
				r->state = R_END;
			return 0;
		}
	}
	if (r->zero_blocks)
		return perr(err, "a zero block inside the archive");
	for (size_t i = 0; i < JL_TAR_BLOCK; i++)
		got += (i >= 148 && i < 156) ? ' ' : (unsigned char)h[i];
	if (!parse_octal(h + 148, 8, &sum) || sum != got)
		return perr(err, "a header's checksum does not match");
	if (!parse_octal(h + 124, 12, &size) || !parse_octal(h + 100, 8, &mode) ||
	    !parse_octal(h + 136, 12, &mtime))
		return perr(err, "a header holds a bad number");
	type = h[156] ? (unsigned char)h[156] : JL_TAR_FILE;
	if (type == 'x' || type == 'g') {
		if (size > JL_TAR_PAX_MAX)
			return perr(err, "a pax header is larger than 64 KiB");
		free(r->pax);
		r->pax = malloc(size + 1);
		if (!r->pax)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
		r->pax_len = 0;
		r->left = size;
		r->pad = jl_tar_padding(size);
		r->pax_is_global = type == 'g';
		r->state = R_PAX;
		return size == 0 ? (r->state = R_HEADER, 0) : 0;
	}
	if (r->pax_size >= 0)
		size = (uint64_t)r->pax_size;
	/* ustar: prefix "/" name; each field NUL-terminated unless full. */
	if (r->pax_path) {
		if (strlen(r->pax_path) >= 4096)
			return perr(err, "a name is longer than 4096 bytes");
		r->e.name = r->pax_path;
	} else {
		size_t pl = memcmp(h + 257, "ustar", 5) == 0 ? strnlen(h + 345, USTAR_PREFIX) : 0;

		snprintf(r->name, sizeof(r->name), "%.*s%s%.*s", (int)pl, h + 345, pl ? "/" : "",
			 (int)strnlen(h, USTAR_NAME), h);
		r->e.name = r->name;
	}
	snprintf(r->link, sizeof(r->link), "%.*s", (int)strnlen(h + 157, USTAR_NAME), h + 157);
	r->e.linkname = r->pax_link ? r->pax_link : r->link;
	r->e.type = type;
	r->e.size = type == JL_TAR_FILE || type == '7' ? size : 0;
	r->e.mode = (uint32_t)(mode & 07777);
	r->e.mtime = (int64_t)(mtime & INT64_MAX);
	r->in_entry = true;
	if (r->ops->entry) {
		int rc = r->ops->entry(r->cls, &r->e, err);

		if (rc < 0)
			return rc;
	}
	/* Data of other types (a hard link's is none; a damaged one's) is skipped. */
	r->left = size;
	r->pad = jl_tar_padding(size);
	r->state = (type == JL_TAR_FILE || type == '7') && size > 0 ? R_DATA : R_SKIP;
	if (r->state == R_SKIP && r->left + r->pad == 0) {
		r->state = R_HEADER;
		return entry_done(r, err);
	}
	if (r->state == R_SKIP) {
		int rc = entry_done(r, err);

		r->left += r->pad;
		r->pad = 0;
		return rc;
	}
	return 0;
}

static int feed_one(struct jl_tar_reader *r, const char **p, size_t *n, struct joblet_error **err)
{
	size_t take;
	int rc;

	switch (r->state) {
	case R_END:
		*n = 0;
		return 0;
	case R_HEADER:
		take = JL_TAR_BLOCK - r->have < *n ? JL_TAR_BLOCK - r->have : *n;
		memcpy(r->block + r->have, *p, take);
		r->have += take;
		*p += take;
		*n -= take;
		if (r->have < JL_TAR_BLOCK)
			return 0;
		r->have = 0;
		return header(r, err);
	case R_PAX:
	case R_DATA:
		take = r->left < *n ? (size_t)r->left : *n;
		if (r->state == R_PAX) {
			memcpy(r->pax + r->pax_len, *p, take);
			r->pax_len += take;
		} else if (r->ops->data && take && (rc = r->ops->data(r->cls, *p, take, err)) < 0) {
			return rc;
		}
		*p += take;
		*n -= take;
		r->left -= take;
		if (r->left > 0)
			return 0;
		if (r->state == R_PAX) {
			clear_pax(r);
			rc = parse_pax(r, err);
		} else {
			rc = entry_done(r, err);
		}
		r->left = r->pad;
		r->pad = 0;
		r->state = r->left ? R_SKIP : R_HEADER;
		return rc;
	case R_SKIP:
		take = r->left < *n ? (size_t)r->left : *n;
		*p += take;
		*n -= take;
		r->left -= take;
		if (r->left == 0)
			r->state = R_HEADER;
		return 0;
	}
	return perr(err, "the reader is in no state");
}

int jl_tar_reader_new(const struct jl_tar_reader_ops *ops, void *cls, struct jl_tar_reader **ret,
		      struct joblet_error **err)
{
	struct jl_tar_reader *r = calloc(1, sizeof(*r));

	if (!r)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	r->ops = ops;
	r->cls = cls;
	r->state = R_HEADER;
	r->pax_size = -1;
	*ret = r;
	return 0;
}

int jl_tar_reader_feed(struct jl_tar_reader *r, const void *buf, size_t n,
		       struct joblet_error **err)
{
	const char *p = buf;
	int rc;

	while (n > 0)
		if ((rc = feed_one(r, &p, &n, err)) < 0)
			return rc;
	return 0;
}

int jl_tar_reader_finish(struct jl_tar_reader *r, struct joblet_error **err)
{
	if (r->state == R_END || (r->state == R_HEADER && r->have == 0 && !r->in_entry &&
				  !r->pax_path && !r->pax_link && r->pax_size < 0))
		return 0;
	return perr(err, "it ends in the middle of an entry");
}

void jl_tar_reader_free(struct jl_tar_reader *r)
{
	if (!r)
		return;
	clear_pax(r);
	free(r->pax);
	free(r);
}

/*
 * sse.c - the text/event-stream parser of rnx (see sse.h for the rules).
 *
 * A follower may push a gigabyte of log through here, so the hot path is one
 * memchr() per line end kind, a memcpy() of each data line into the event's
 * data buffer and one callback per event.  Bytes are looked at one by one
 * only to compare field names.
 */
#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sse.h"

/* How much longer than max_event_bytes a line may be: `data: ` and the like. */
#define SSE_FIELD_ROOM 64

struct sse_buf {
	char *p;
	size_t len;
	size_t cap;
};

struct rnx_sse_parser {
	rnx_sse_cb cb;
	void *userdata;
	size_t max;		/* max_event_bytes, or SIZE_MAX for none */
	size_t line_max;	/* max plus room for a field name */
	struct sse_buf line;	/* a line cut by the end of a feed */
	struct sse_buf data;	/* data lines of the event, each followed by LF */
	struct sse_buf type;	/* event type buffer */
	struct sse_buf id;	/* last event ID buffer */
	struct sse_buf last_id; /* last event ID string: the id buffer at the last empty line */
	int id_changed;		/* id differs from last_id */
	int cr_pending;		/* the last feed ended in CR: skip an LF that starts the next */
	int first_line;		/* no line seen yet: a BOM may lead */
	int done;		/* 1: stopped by the callback; -1: failed */
};

static const char empty[] = "";
static char no_data[1];

/* Room for n more bytes and a NUL. */
static int buf_reserve(struct sse_buf *b, size_t n, struct joblet_error **err)
{
	size_t need, cap;
	char *np;

	if (n > SIZE_MAX - b->len - 1)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"an event of the stream is too large");
	need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	np = realloc(b->p, cap);
	if (!np)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot hold an event of %zu bytes", need);
	b->p = np;
	b->cap = cap;
	return 0;
}

static int buf_append(struct sse_buf *b, const char *s, size_t n, struct joblet_error **err)
{
	int r = buf_reserve(b, n, err);

	if (r < 0)
		return r;
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static int buf_set(struct sse_buf *b, const char *s, size_t n, struct joblet_error **err)
{
	b->len = 0;
	return buf_append(b, s, n, err);
}

static int too_large(struct rnx_sse_parser *p, int line, struct joblet_error **err)
{
	p->done = -1;
	if (line)
		return joblet_error_set(
			err, JOBLET_E_LIMIT, 0,
			"a line of the event stream is longer than the %zu bytes allowed",
			p->line_max);
	return joblet_error_set(
		err, JOBLET_E_LIMIT, 0,
		"an event of the event stream holds more than the %zu bytes of data allowed",
		p->max);
}

int rnx_sse_parser_new(rnx_sse_cb cb, void *userdata, size_t max_event_bytes,
		       struct rnx_sse_parser **ret, struct joblet_error **err)
{
	struct rnx_sse_parser *p;

	if (!cb)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"an event stream parser needs a callback");
	p = calloc(1, sizeof(*p));
	if (!p)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot allocate an event stream parser");
	p->cb = cb;
	p->userdata = userdata;
	p->max = max_event_bytes ? max_event_bytes : SIZE_MAX;
	p->line_max = p->max > SIZE_MAX - SSE_FIELD_ROOM ? SIZE_MAX : p->max + SSE_FIELD_ROOM;
	p->first_line = 1;
	*ret = p;
	return 0;
}

void rnx_sse_parser_free(struct rnx_sse_parser *p)
{
	if (!p)
		return;
	free(p->line.p);
	free(p->data.p);
	free(p->type.p);
	free(p->id.p);
	free(p->last_id.p);
	free(p);
}

const char *rnx_sse_parser_last_id(const struct rnx_sse_parser *p)
{
	return p->last_id.len ? p->last_id.p : empty;
}

/* An empty line: 0, 1 when the callback says stop, negative on error. */
static int dispatch(struct rnx_sse_parser *p, struct joblet_error **err)
{
	struct rnx_sse_event ev;
	int r;

	if (p->id_changed) {
		r = buf_set(&p->last_id, p->id.p ? p->id.p : empty, p->id.len, err);
		if (r < 0)
			return r;
		p->id_changed = 0;
	}
	if (p->data.len == 0 && p->type.len == 0)
		return 0;
	if (p->data.len > 0)
		p->data.len--; /* the LF after the last data line */
	if (p->data.p)
		p->data.p[p->data.len] = '\0';
	ev.event = p->type.len ? p->type.p : "message";
	ev.id = p->last_id.len ? p->last_id.p : empty;
	no_data[0] = '\0';
	ev.data = p->data.p ? p->data.p : no_data;
	ev.len = p->data.len;
	r = p->cb(p->userdata, &ev);
	p->data.len = 0;
	p->type.len = 0;
	return r ? 1 : 0;
}

/* One line, without its end: 0, 1 (stop) or negative. */
static int process_line(struct rnx_sse_parser *p, const char *s, size_t n,
			struct joblet_error **err)
{
	const char *colon, *value;
	size_t flen, vlen;

	if (p->first_line) {
		p->first_line = 0;
		if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
			s += 3;
			n -= 3;
		}
	}
	if (n == 0)
		return dispatch(p, err);
	if (s[0] == ':')
		return 0;
	colon = memchr(s, ':', n);
	if (colon) {
		flen = (size_t)(colon - s);
		value = colon + 1;
		vlen = n - flen - 1;
		if (vlen > 0 && value[0] == ' ') {
			value++;
			vlen--;
		}
	} else {
		flen = n;
		value = empty;
		vlen = 0;
	}
	switch (flen) {
	case 4:
		if (memcmp(s, "data", 4) == 0) {
			int r;

			/* data.len counts an LF per line: the joined data is one less. */
			if (p->data.len > p->max || vlen > p->max - p->data.len)
				return too_large(p, 0, err);
			r = buf_reserve(&p->data, vlen + 1, err);
			if (r < 0)
				return r;
			memcpy(p->data.p + p->data.len, value, vlen);
			p->data.len += vlen;
			p->data.p[p->data.len++] = '\n';
			p->data.p[p->data.len] = '\0';
		}
		break;
	case 5:
		if (memcmp(s, "event", 5) == 0)
			return buf_set(&p->type, value, vlen, err);
		break;
	case 2:
		if (memcmp(s, "id", 2) == 0 && !memchr(value, '\0', vlen)) {
			p->id_changed = 1;
			return buf_set(&p->id, value, vlen, err);
		}
		break;
	default:
		break; /* retry, and fields this parser does not know */
	}
	return 0;
}

/*
 * The first CR or LF in [s, end), or NULL.  *lf and *cr cache where the next
 * of each is (end when there is none; NULL before the first call), so a
 * stream of CR line ends does not rescan the buffer for an LF at every line.
 */
static const char *line_end(const char *s, const char *end, const char **lf, const char **cr)
{
	if (!*lf || *lf < s) {
		*lf = memchr(s, '\n', (size_t)(end - s));
		if (!*lf)
			*lf = end;
	}
	if (!*cr || *cr < s) {
		*cr = memchr(s, '\r', (size_t)(end - s));
		if (!*cr)
			*cr = end;
	}
	return *lf < *cr ? (*lf < end ? *lf : NULL) : (*cr < end ? *cr : NULL);
}

int rnx_sse_parser_feed(struct rnx_sse_parser *p, const char *buf, size_t len,
			struct joblet_error **err)
{
	const char *s = buf, *end = buf + len, *lf, *cr, *e;
	int r;

	if (p->done > 0)
		return 1;
	if (p->done < 0)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"the event stream already failed; start a new parser");
	if (len == 0)
		return 0;
	if (p->cr_pending) {
		p->cr_pending = 0;
		if (*s == '\n')
			s++;
	}
	lf = cr = NULL;
	while (s < end) {
		e = line_end(s, end, &lf, &cr);
		if (!e) {
			/* The rest is the start of a line the next feed ends. */
			if ((size_t)(end - s) > p->line_max - p->line.len)
				return too_large(p, 1, err);
			r = buf_append(&p->line, s, (size_t)(end - s), err);
			if (r < 0) {
				p->done = -1;
				return r;
			}
			return 0;
		}
		if (p->line.len > 0) {
			if ((size_t)(e - s) > p->line_max - p->line.len)
				return too_large(p, 1, err);
			r = buf_append(&p->line, s, (size_t)(e - s), err);
			if (r == 0)
				r = process_line(p, p->line.p, p->line.len, err);
			p->line.len = 0;
		} else if ((size_t)(e - s) > p->line_max)
			return too_large(p, 1, err);
		else
			r = process_line(p, s, (size_t)(e - s), err);
		if (r != 0) {
			p->done = r > 0 ? 1 : -1;
			return r;
		}
		if (*e == '\r') {
			if (e + 1 == end)
				p->cr_pending = 1;
			else if (e[1] == '\n')
				e++;
		}
		s = e + 1;
	}
	return 0;
}

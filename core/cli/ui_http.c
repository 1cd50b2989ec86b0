/*
 * ui_http.c - the strict HTTP/1.1 request parser of `rnx ui` (see ui_http.h).
 */
#include <config.h>

#include <string.h>
#include <strings.h>

#include "ui_http.h"

/* Refuse a request with status, saying why. */
static int refuse(const char **why, const char *text, int status)
{
	*why = text;
	return status;
}

/* RFC 9110 token characters (header names). */
static int is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* A header value's bytes: visible ASCII, blanks and tabs (no obs-text either). */
static int is_vchar(unsigned char c)
{
	return (c >= 0x20 && c < 0x7f) || c == '\t';
}

size_t ui_http_head_end(const char *buf, size_t len)
{
	/* The empty line; a bare LF one too, so that such a head is refused at once. */
	for (const char *p = buf, *end = buf + len; (p = memchr(p, '\n', (size_t)(end - p))); p++) {
		if (end - p >= 2 && p[1] == '\n')
			return (size_t)(p + 2 - buf);
		if (end - p >= 3 && p[1] == '\r' && p[2] == '\n')
			return (size_t)(p + 3 - buf);
	}
	return 0;
}

static int parse_request_line(char *line, struct ui_request *rq, const char **why)
{
	char *sp1 = strchr(line, ' '), *sp2, *target;
	size_t mlen, tlen;

	if (!sp1)
		return refuse(why, "the request line is not `METHOD /path HTTP/1.1`", 400);
	mlen = (size_t)(sp1 - line);
	if (mlen == 0 || mlen >= sizeof(rq->method))
		return refuse(why, "the method is empty or too long", 400);
	for (size_t i = 0; i < mlen; i++)
		if (line[i] < 'A' || line[i] > 'Z')
			return refuse(why, "the method is not upper-case letters", 400);
	memcpy(rq->method, line, mlen);
	rq->method[mlen] = '\0';
	target = sp1 + 1;
	sp2 = strchr(target, ' ');
	if (!sp2)
		return refuse(why, "the request line is not `METHOD /path HTTP/1.1`", 400);
	tlen = (size_t)(sp2 - target);
	if (tlen == 0 || target[0] != '/')
		return refuse(why, "the target does not start with `/`", 400);
	if (tlen > UI_HTTP_MAX_TARGET)
		return refuse(why, "the target is too long", 414);
	for (size_t i = 0; i < tlen; i++)
		if ((unsigned char)target[i] <= 0x20 || (unsigned char)target[i] >= 0x7f)
			return refuse(why, "the target holds a blank, control or non-ASCII byte",
				      400);
	*sp2 = '\0';
	if (strcmp(sp2 + 1, "HTTP/1.1") == 0)
		rq->minor = 1;
	else if (strcmp(sp2 + 1, "HTTP/1.0") == 0)
		rq->minor = 0;
	else if (strncmp(sp2 + 1, "HTTP/", 5) == 0)
		return refuse(why, "only HTTP/1.0 and HTTP/1.1 are spoken here", 505);
	else
		return refuse(why, "the request line is not `METHOD /path HTTP/1.1`", 400);
	rq->path = target;
	rq->query = strchr(target, '?');
	if (rq->query)
		*rq->query++ = '\0';
	return 0;
}

/* Set *slot to value; a second Host or Content-Length is an error. */
static int set_once(const char **slot, const char *value, const char **why, const char *what)
{
	if (*slot) {
		*why = what;
		return 400;
	}
	*slot = value;
	return 0;
}

static int parse_length(const char *v, size_t *ret, const char **why)
{
	size_t n = 0;

	if (!*v)
		return refuse(why, "Content-Length is empty", 400);
	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return refuse(why, "Content-Length is not a number", 400);
		n = n * 10 + (size_t)(*v - '0');
		if (n > UI_HTTP_MAX_BODY)
			return refuse(why, "the request body is larger than this dashboard takes",
				      413);
	}
	*ret = n;
	return 0;
}

static int header(struct ui_request *rq, char *name, char *value, const char **length,
		  const char **why)
{
	if (strcasecmp(name, "Host") == 0)
		return set_once(&rq->host, value, why, "Host is given twice");
	if (strcasecmp(name, "Content-Length") == 0)
		return set_once(length, value, why, "Content-Length is given twice");
	if (strcasecmp(name, "Transfer-Encoding") == 0)
		return refuse(why, "a chunked request body is not taken; send Content-Length", 501);
	if (strcasecmp(name, "Origin") == 0)
		return set_once(&rq->origin, value, why, "Origin is given twice");
	if (strcasecmp(name, "Authorization") == 0)
		return set_once(&rq->authorization, value, why, "Authorization is given twice");
	if (strcasecmp(name, "Cookie") == 0)
		rq->cookie = value;
	else if (strcasecmp(name, "Last-Event-ID") == 0)
		rq->last_event_id = value;
	else if (strcasecmp(name, "Content-Type") == 0)
		rq->content_type = value;
	else if (strcasecmp(name, "Connection") == 0) {
		if (strcasecmp(value, "close") == 0)
			rq->keep_alive = 0;
		else if (strcasecmp(value, "keep-alive") == 0)
			rq->keep_alive = 1;
	}
	return 0;
}

int ui_http_parse_head(char *buf, size_t len, struct ui_request *ret, const char **ret_why)
{
	struct ui_request rq = { .minor = 1 };
	const char *length = NULL, *why = "";
	char *line = buf, *end = buf + len, *eol;
	unsigned lines = 0;
	int r;

	*ret_why = "";
	if (len > UI_HTTP_MAX_HEAD)
		return refuse(ret_why, "the request head is too large", 431);
	if (len < 4 || memcmp(end - 4, "\r\n\r\n", 4) != 0 || memchr(buf, '\0', len))
		return refuse(ret_why,
			      "the request head is not CRLF lines ending with an empty one", 400);
	for (; line < end - 2; line = eol + 2) {
		char *colon, *v, *ve;

		eol = memchr(line, '\r', (size_t)(end - line));
		if (!eol || eol[1] != '\n' || memchr(line, '\n', (size_t)(eol - line)))
			return refuse(ret_why, "a line of the head does not end with CRLF", 400);
		*eol = '\0';
		if (lines++ == 0) {
			r = parse_request_line(line, &rq, &why);
			if (r)
				return refuse(ret_why, why, r);
			rq.keep_alive = rq.minor == 1;
			continue;
		}
		if (lines > UI_HTTP_MAX_HEADERS)
			return refuse(ret_why, "too many header lines", 431);
		colon = strchr(line, ':');
		if (!colon || colon == line)
			return refuse(ret_why, "a header line is not `Name: value`", 400);
		for (char *c = line; c < colon; c++)
			if (!is_tchar((unsigned char)*c))
				return refuse(ret_why, "a header name holds a byte a name may not",
					      400);
		*colon = '\0';
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		for (ve = v + strlen(v); ve > v && (ve[-1] == ' ' || ve[-1] == '\t'); ve--)
			;
		*ve = '\0';
		for (char *c = v; c < ve; c++)
			if (!is_vchar((unsigned char)*c))
				return refuse(ret_why,
					      "a header value holds a control or non-ASCII byte",
					      400);
		r = header(&rq, line, v, &length, &why);
		if (r)
			return refuse(ret_why, why, r);
	}
	if (lines == 0)
		return refuse(ret_why, "the request line is missing", 400);
	if (rq.minor == 1 && !rq.host)
		return refuse(ret_why, "an HTTP/1.1 request needs a Host header", 400);
	if (length) {
		r = parse_length(length, &rq.content_length, &why);
		if (r)
			return refuse(ret_why, why, r);
	}
	*ret = rq;
	return 0;
}

/* The value of `name` in a list of `name=value` separated by sep (and blanks). */
static int list_value(const char *list, char sep, const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name);
	const char *p = list;

	while (p && *p) {
		const char *e = strchr(p, sep);
		size_t n = e ? (size_t)(e - p) : strlen(p);

		while (n && *p == ' ') {
			p++;
			n--;
		}
		if (n > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
			size_t vlen = n - nlen - 1;

			while (vlen && p[nlen + vlen] == ' ')
				vlen--;
			if (vlen >= outlen)
				return -1;
			memcpy(out, p + nlen + 1, vlen);
			out[vlen] = '\0';
			return 0;
		}
		p = e ? e + 1 : NULL;
	}
	return -1;
}

int ui_http_cookie(const char *cookie, const char *name, char *out, size_t outlen)
{
	return cookie ? list_value(cookie, ';', name, out, outlen) : -1;
}

int ui_http_query(const char *query, const char *name, char *out, size_t outlen)
{
	return query ? list_value(query, '&', name, out, outlen) : -1;
}

int ui_http_same(const char *a, const char *b, size_t n)
{
	volatile unsigned char d = 0;

	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)a[i] ^ (unsigned char)b[i];
	return d == 0;
}

const char *ui_http_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 204:
		return "No Content";
	case 303:
		return "See Other";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 410:
		return "Gone";
	case 411:
		return "Length Required";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 415:
		return "Unsupported Media Type";
	case 421:
		return "Misdirected Request";
	case 422:
		return "Unprocessable Content";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Status";
	}
}

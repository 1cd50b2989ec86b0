/*
 * ui_http.h - the HTTP/1.1 that `rnx ui` speaks to the browser: a strict
 * parser of request heads and the writing of answers.
 *
 * Private to rnx.  Only what a browser on 127.0.0.1 sends is accepted:
 *
 *   - a request line `METHOD SP /target SP HTTP/1.x` CRLF: the method 1 to 15
 *     upper-case letters, the target in origin form (starts with `/`),
 *     printable ASCII without blanks, at most UI_HTTP_MAX_TARGET bytes;
 *   - header lines `Name: value` CRLF, names of token characters, values of
 *     visible ASCII, blanks and tabs; no line folding, no bare LF or CR, no
 *     NUL; the whole head at most UI_HTTP_MAX_HEAD bytes, ended by an empty
 *     line; at most UI_HTTP_MAX_HEADERS lines;
 *   - Host exactly once (HTTP/1.1); Content-Length at most once, digits
 *     only, at most UI_HTTP_MAX_BODY; no Transfer-Encoding (a chunked
 *     request body is refused with 501).
 *
 * A refused head gets the status ui_http_parse_head() says and the
 * connection is closed after it.
 */
#ifndef RNX_UI_HTTP_H
#define RNX_UI_HTTP_H

#include <stddef.h>

#define UI_HTTP_MAX_HEAD    16384
#define UI_HTTP_MAX_TARGET  4096
#define UI_HTTP_MAX_HEADERS 64
#define UI_HTTP_MAX_BODY    (64u << 10)

/*
 * A parsed request head.  Every string points into the buffer given to
 * ui_http_parse_head() (which is rewritten in place), NULL when the header
 * was not sent.
 */
struct ui_request {
	char method[16];
	char *path;  /* the target up to `?` */
	char *query; /* after `?`, or NULL */
	int minor;   /* HTTP/1.<minor> */
	const char *host;
	const char *origin;
	const char *cookie; /* the last Cookie line */
	const char *authorization;
	const char *last_event_id;
	const char *content_type;
	size_t content_length; /* 0 when not sent */
	int keep_alive;	       /* the client keeps the connection (1.1 default, `close`) */
};

/*
 * Parse the head buf[0..len) (ending with the empty line) into *ret.
 * Returns 0, or an HTTP status to refuse the request with (400, 413, 431,
 * 501, 505) and *ret_why a constant text saying why.
 */
int ui_http_parse_head(char *buf, size_t len, struct ui_request *ret, const char **ret_why);

/*
 * The end of a head in buf[0..len): the offset just after its empty line,
 * 0 when it has not all arrived yet.
 */
size_t ui_http_head_end(const char *buf, size_t len);

/*
 * The value of cookie `name` in a Cookie header into out (at most outlen-1
 * bytes): 0, or -1 when there is no such cookie or its value is longer.
 */
int ui_http_cookie(const char *cookie, const char *name, char *out, size_t outlen);

/* The value of query parameter `name` (not decoded) into out, as ui_http_cookie(). */
int ui_http_query(const char *query, const char *name, char *out, size_t outlen);

/* 1 when a and b are the same n bytes, compared in time that does not depend on them. */
int ui_http_same(const char *a, const char *b, size_t n);

/* The reason phrase of an HTTP status ("Not Found"). */
const char *ui_http_reason(int status);

#endif /* RNX_UI_HTTP_H */

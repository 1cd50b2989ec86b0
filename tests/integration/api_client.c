/*
 * api_client.c - drives rnx's API client (core/cli/api.c, compiled in) for
 * tests/integration/test_rnx_api.sh, until the daemon's API tests exist.
 *
 *   api_client CONFIG NODE STEP...
 *
 * NODE "-" is the default node.  The steps run in order on one rnx_api:
 *
 *   get PATH                          a GET; the body goes to stdout, then
 *                                     a line "--- N bytes"
 *   request METHOD PATH BODY          the same with a method and a JSON body
 *                                     ("-": none)
 *   stream PATH LAST_ID STOP_AFTER    a GET event stream: a line
 *                                     "event=TYPE id=ID len=N data=DATA" per
 *                                     event, then "result: R" and "last-id:
 *                                     ID"; LAST_ID "-" sends none,
 *                                     STOP_AFTER 0 never stops
 *
 * then "connections: N" (rnx_api_connections()).  Errors go to stderr as
 * "error CODE-NAME (detail D): MESSAGE".  Exit status 0 when every step
 * succeeded (a stop counts), 1 when one failed, 2 for bad usage.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "base/error.h"

struct stream_state {
	long stop_after;
	long n;
};

static int print_event(void *userdata, const struct rnx_sse_event *ev)
{
	struct stream_state *s = userdata;

	printf("event=%s id=%s len=%zu data=", ev->event, ev->id, ev->len);
	fwrite(ev->data, 1, ev->len, stdout);
	putchar('\n');
	fflush(stdout);
	return s->stop_after > 0 && ++s->n >= s->stop_after;
}

static void print_error(const struct joblet_error *e)
{
	fprintf(stderr, "error %s (detail %d): %s\n", jl_error_code_name(e ? e->code : 0),
		e ? e->detail : 0, joblet_error_message(e));
}

static int usage(void)
{
	fprintf(stderr,
		"usage: api_client CONFIG NODE STEP...\n"
		"  steps: get PATH | request METHOD PATH BODY | stream PATH LAST_ID STOP_AFTER\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct rnx_api *api = NULL;
	struct joblet_error *e = NULL;
	int status = 0, i, r;

	if (argc < 4)
		return usage();
	for (i = 3; i < argc;) {
		int n = !strcmp(argv[i], "get")	      ? 2
			: !strcmp(argv[i], "request") ? 4
			: !strcmp(argv[i], "stream")  ? 4
						      : 0;

		if (n == 0 || i + n > argc)
			return usage();
		i += n;
	}
	if (rnx_api_open(argv[1], strcmp(argv[2], "-") ? argv[2] : NULL, &api, &e) < 0) {
		print_error(e);
		joblet_error_free(e);
		return 1;
	}
	for (i = 3; i < argc;) {
		if (!strcmp(argv[i], "stream")) {
			struct stream_state s = { strtol(argv[i + 3], NULL, 10), 0 };
			const char *last = strcmp(argv[i + 2], "-") ? argv[i + 2] : NULL;

			r = rnx_api_stream(api, "GET", argv[i + 1], NULL, 0, last, print_event, &s,
					   &e);
			printf("result: %d\nlast-id: %s\n", r, rnx_api_last_event_id(api));
			i += 4;
		} else {
			int req = !strcmp(argv[i], "request");
			const char *method = req ? argv[i + 1] : "GET";
			const char *path = argv[i + (req ? 2 : 1)];
			const char *body = req && strcmp(argv[i + 3], "-") ? argv[i + 3] : NULL;
			char *answer = NULL;
			size_t len = 0;

			r = rnx_api_request(api, method, path, body, body ? strlen(body) : 0,
					    &answer, &len, &e);
			if (r == 0) {
				fwrite(answer, 1, len, stdout);
				printf("\n--- %zu bytes\n", len);
				free(answer);
			}
			i += req ? 4 : 2;
		}
		if (r < 0) {
			print_error(e);
			joblet_error_clear(&e);
			status = 1;
		}
		fflush(stdout);
	}
	printf("connections: %u\n", rnx_api_connections(api));
	rnx_api_free(api);
	return status;
}

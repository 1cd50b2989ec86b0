/*
 * common/runtime_text.h - the answers of the runtime verbs as text for
 * people, and an install's progress: what `joblet runtime` and `rnx
 * runtime` print, the same way.
 *
 * core/common is compiled into the joblet and rnx programs (not libjoblet):
 * the library returns JSON and never prints.
 */
#ifndef JL_RUNTIME_TEXT_H
#define JL_RUNTIME_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "runtime/runtime.h"

/* Which answer jl_runtime_print_text() is given. */
enum jl_runtime_text {
	JL_RUNTIME_TEXT_INSTALLED = 1, /* of jl_runtime_install() */
	JL_RUNTIME_TEXT_LIST = 2,      /* of jl_runtime_list() without a filter */
	JL_RUNTIME_TEXT_REGISTRY = 3,  /* of jl_registry_list() */
	JL_RUNTIME_TEXT_INFO = 4,      /* of jl_runtime_list() of one runtime */
	JL_RUNTIME_TEXT_REMOVED = 5    /* of jl_runtime_remove() */
};

/*
 * Print the JSON answer json of a runtime verb as `joblet runtime` and
 * `rnx runtime` show it: the text to out, notes (unusable runtime folders)
 * to errout prefixed with prog.  -1 when json is not such an answer.
 */
int jl_runtime_print_text(FILE *out, FILE *errout, const char *prog, int32_t what,
			  const char *json);

/* "1.5 MiB": bytes for people, into buf. */
void jl_size_format(double bytes, char *buf, size_t len);

/* State of an install's progress display (zero it, set tty, last_decile = -1). */
struct jl_progress_view {
	int32_t tty; /* 1: redraw a bar on one line; 0: a line per 10 % */
	int32_t last_decile;
	int32_t drawn; /* a bar is on the line */
	int32_t reserved;
};

/* Show one progress report on out (a terminal bar, or lines). */
void jl_install_progress_print(FILE *out, struct jl_progress_view *view,
			       const struct jl_install_progress *p);
/* End the bar's line, if one is drawn. */
void jl_install_progress_end(FILE *out, struct jl_progress_view *view);

#endif /* JL_RUNTIME_TEXT_H */

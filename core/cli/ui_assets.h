/*
 * ui_assets.h - the files of `rnx ui`'s pages, compiled into rnx.
 *
 * Private to rnx.  The table is generated at build time from the files
 * under core/cli/ui/ by core/cli/ui/embed.sh (ui_assets.c in the build
 * tree), so the dashboard needs nothing at run time and makes no request
 * beyond 127.0.0.1.
 */
#ifndef RNX_UI_ASSETS_H
#define RNX_UI_ASSETS_H

#include <stddef.h>

struct ui_asset {
	const char *path; /* as the browser asks for it: "/app.js" */
	const char *type; /* Content-Type */
	const unsigned char *data;
	size_t len;
};

/* Ends with a row whose path is NULL. */
extern const struct ui_asset ui_assets[];

#endif /* RNX_UI_ASSETS_H */

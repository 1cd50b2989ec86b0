/*
 * joblet/registry.h - registry plugins: where runtime packages come from.
 *
 * Part of the joblet SDK.  A registry is named by a spec, the text after
 * --registry= (`OWNER/REPO`, a directory, `file:///srv/rt`,
 * `https://git.example.org/rt/raw/main`).  The core keeps the registry
 * plugins in an ordered list and uses the first whose can_handle() accepts
 * the spec.  It then asks that plugin for the index (registry.json) and,
 * after resolving a version, for a stream of the package bytes.  Parsing,
 * version resolution, caching, checksums and unpacking are the core's work;
 * a registry plugin only moves bytes.
 *
 * Threading: ops may be called from several threads at once only when the
 * descriptor has JOBLET_CAP_THREAD_SAFE; otherwise the core serialises them.
 */
#ifndef JOBLET_REGISTRY_H
#define JOBLET_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include <joblet/buffer.h>
#include <joblet/common.h>
#include <joblet/error.h>
#include <joblet/plugin.h>
#include <joblet/stream.h>

JOBLET_BEGIN_DECLS

/* What the core asks for when it needs a registry's index. */
struct joblet_registry_index_request {
	uint32_t size;	  /* sizeof at the core's build time */
	uint32_t flags;	  /* none defined yet; ignore unknown bits */
	const char *spec; /* the registry spec, as can_handle() accepted it */
	/*
	 * The validator of the copy the core has cached (an HTTP ETag), or
	 * NULL.  A plugin that can revalidate sends it and reports
	 * not_modified when the copy is still current.
	 */
	const char *etag;
};

/* What the plugin answers.  The core allocated every buffer. */
struct joblet_registry_index_reply {
	uint32_t size;
	/* Set to 1 when the cached copy named by request->etag is current; body stays empty. */
	int32_t not_modified;
	/* The registry.json bytes.  The core may limit its size (JOBLET_E_LIMIT). */
	struct joblet_buffer *body;
	/* The new validator, if the source has one; leave empty otherwise. */
	struct joblet_buffer *etag;
	/* Where the index came from, for messages ("https://.../registry.json"). */
	struct joblet_buffer *location;
};

struct joblet_registry_ops {
	uint32_t size; /* sizeof(struct joblet_registry_ops) */

	/*
	 * REQUIRED.  Does this plugin serve the registry named by spec?
	 * Returns 1 or 0; must not do I/O.  Called for every install and
	 * listing, in the configured order, until a plugin says 1.
	 */
	int32_t (*can_handle)(const char *spec);

	/*
	 * REQUIRED.  Fetch the index.  Returns 0 with reply filled, or
	 * negative with *err set: JOBLET_E_NOT_FOUND (no registry.json there),
	 * JOBLET_E_HTTP with detail = status and a message like
	 * "HTTP 404: 404 Not Found", JOBLET_E_NETWORK / JOBLET_E_TIMEOUT for
	 * transient failures (the plugin has already retried), JOBLET_E_LIMIT.
	 */
	int (*fetch_index)(const struct joblet_registry_index_request *request,
			   struct joblet_registry_index_reply *reply, struct joblet_error **err);

	/*
	 * REQUIRED.  Open the package at url (as written in the index; may be
	 * relative to the registry) for reading.  On success *ret_stream is a
	 * new stream the core owns and closes; its length is the size the
	 * source announces, or -1.  Errors as for fetch_index.  Failures while
	 * reading are reported by the stream's read().  A plugin that cannot
	 * fetch this kind of URL (a local registry whose index points at
	 * https://) answers JOBLET_E_UNSUPPORTED; the core then asks the other
	 * registry plugins, in order.
	 */
	int (*open_package)(const char *spec, const char *url, struct joblet_stream **ret_stream,
			    struct joblet_error **err);
};

JOBLET_END_DECLS

#endif /* JOBLET_REGISTRY_H */

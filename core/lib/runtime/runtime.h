/*
 * runtime/runtime.h - runtimes: install from registries, list, inspect,
 * remove, and build packages and registry indexes.
 *
 * Private tier (base/private.h).  `joblet runtime ...` calls these directly on
 * the host; the daemon calls them for the API.  Results are JSON (the same
 * shapes the API answers with), so every front end prints the same facts.
 *
 * An install never leaves a partial runtime: the package is unpacked into a
 * staging folder beside the runtimes folder while it downloads, checked
 * (size, SHA-256, runtime.yml), and only then renamed into place in one
 * step.  Installs of the same runtime are serialised by a lock; installs of
 * different runtimes run in parallel.
 */
#ifndef JL_RUNTIME_H
#define JL_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>

#include "base/private.h"
#include "config/config.h"
#include <joblet/error.h>
#include "plugin/loader.h"

enum jl_install_phase {
	JL_INSTALL_RESOLVING = 1,   /* fetching the index, choosing the version */
	JL_INSTALL_DOWNLOADING = 2, /* bytes arriving (and being unpacked) */
	JL_INSTALL_VERIFYING = 3,   /* checksum, runtime.yml */
	JL_INSTALL_DONE = 4
};

/* Passed to the progress callback; every pointer is borrowed for the call. */
struct jl_install_progress {
	uint32_t size;
	int32_t phase;	     /* enum jl_install_phase */
	const char *name;    /* known once resolved, else NULL */
	const char *version; /* likewise */
	uint64_t done;	     /* bytes downloaded so far */
	int64_t total;	     /* bytes expected, or -1 */
	double rate_bps;     /* average download rate */
	const char *message; /* a line for people, or NULL */
};

/*
 * Called from the install's threads (the download runs in its own), never
 * at once; keep it short.
 */
typedef void (*jl_install_progress_fn)(const struct jl_install_progress *progress, void *userdata);

#define JL_INSTALL_FORCE (UINT32_C(1) << 0) /* replace an installed version */

struct jl_install_request {
	uint32_t size;	      /* sizeof(struct jl_install_request) */
	uint32_t flags;	      /* JL_INSTALL_* */
	const char *spec;     /* NAME, NAME@VERSION or NAME@latest */
	const char *registry; /* a registry spec; NULL = runtimes.registry of the config */
	jl_install_progress_fn progress; /* may be NULL */
	void *userdata;
};

/*
 * Install a runtime.  On success *ret_json (new string) describes it:
 *	{"name": ..., "version": ..., "path": ..., "registry": ..., "source": url,
 *	 "sha256": ..., "bytes": N, "replaced": bool}
 * Errors (worded as the registry guide has them): JOBLET_E_NOT_FOUND
 * (runtime or version not in the registry), JOBLET_E_UNSUPPORTED (no
 * version for this platform, or a recipe package), JOBLET_E_EXISTS
 * (installed; use JL_INSTALL_FORCE), JOBLET_E_CHECKSUM, JOBLET_E_HTTP,
 * JOBLET_E_NETWORK, JOBLET_E_ARCHIVE, JOBLET_E_LIMIT, JOBLET_E_PARSE (a bad
 * index or runtime.yml).
 */
JL_API int jl_runtime_install(const struct jl_config *cfg, const struct jl_plugin_set *set,
			      const struct jl_install_request *req, char **ret_json,
			      struct joblet_error **err);

/*
 * Where each installed runtime came from: RUNTIMES/.installed/NAME-VERSION.json,
 * {"registry", "description" (the registry's), "source", "sha256", "bytes",
 * "installed_at"}, written by an install, removed with the runtime.
 */
#define JL_RUNTIME_RECORDS ".installed"

/*
 * Installed runtimes, by name then version:
 *	{"dir": ..., "runtimes": [{"id": "name-version", "name", "version",
 *	  "description", "language", "path", "platforms": [...],
 *	  "mounts": [{"source", "target", "readonly"}], "environment": {...},
 *	  "installed": {"registry", "description", "source", "sha256", "bytes",
 *	  "installed_at"} or null (installed by hand, or before joblet kept it)}],
 *	 "problems": [{"path", "error"}]}
 * spec filters: NULL (all), NAME (every version) or NAME@VERSION; with a
 * filter that matches nothing the answer is JOBLET_E_NOT_FOUND.
 */
JL_API int jl_runtime_list(const struct jl_config *cfg, const char *spec, char **ret_json,
			   struct joblet_error **err);

/*
 * Remove NAME@VERSION, or every installed version of NAME.  The folder is
 * first renamed out of the way, so a half-removed runtime is never seen.
 * *ret_json: {"removed": [{"name", "version", "path"}]}.
 */
JL_API int jl_runtime_remove(const struct jl_config *cfg, const char *spec, char **ret_json,
			     struct joblet_error **err);

/*
 * What a registry offers (NULL = runtimes.registry), newest version first:
 *	{"registry": spec, "source": url, "platform": "ubuntu-amd64",
 *	 "runtimes": [{"name", "versions": [{"version", "description", "size",
 *	   "platforms": [...], "supported": bool, "installed": bool}]}]}
 */
JL_API int jl_registry_list(const struct jl_config *cfg, const struct jl_plugin_set *set,
			    const char *registry, char **ret_json, struct joblet_error **err);

/*
 * Pack the runtime folder dir (with a runtime.yml) into NAME-VERSION<suffix>
 * (.tar.gz with archive/tar) inside out_dir (NULL = the current folder), or
 * at out_file when it does not name a folder.  What an install would refuse
 * (device nodes, setuid files, links out of the folder) is refused here.
 * *ret_json: {"path", "name", "version", "sha256", "size", "entries"}.
 */
JL_API int jl_runtime_pack(const struct jl_config *cfg, const struct jl_plugin_set *set,
			   const char *dir, const char *out, char **ret_json,
			   struct joblet_error **err);

/*
 * Write dir/registry.json describing every package in dir (files whose
 * names end in a suffix an archive plugin writes), with download_url =
 * base_url + "/" + file name; checksums and sizes computed, name, version,
 * description and platforms read from each package's runtime.yml
 * (platforms: those it lists, else default_platforms, a comma-separated
 * list, else this host's).  *ret_json is the index written.
 */
JL_API int jl_registry_index_dir(const struct jl_config *cfg, const struct jl_plugin_set *set,
				 const char *dir, const char *base_url,
				 const char *default_platforms, char **ret_json,
				 struct joblet_error **err);

/*
 * The platform runtimes are chosen for: runtimes.platform, else detected
 * from /etc/os-release and the machine ("ubuntu-amd64").  *ret_platform is
 * a new string.  JOBLET_E_UNSUPPORTED names what was found.
 */
JL_API int jl_runtime_host_platform(const struct jl_config *cfg, char **ret_platform,
				    struct joblet_error **err);

/*
 * The registry plugin that takes registry (NULL = runtimes.registry): the
 * first of runtimes.registry_plugins whose can_handle() says yes.
 */
JL_API int jl_registry_plugin_for(const struct jl_config *cfg, const struct jl_plugin_set *set,
				  const char *registry, const struct joblet_plugin **ret_plugin,
				  struct joblet_error **err);

/*
 * true when registry is NULL or "" (runtimes.registry), runtimes.registry
 * itself, or one of runtimes.allowed_registries, compared as written (a
 * trailing `/` aside).  The daemon lets a reader or developer name only
 * these: any other registry is a host, port or folder the daemon (root)
 * would fetch or read for them.
 */
JL_API bool jl_registry_is_configured(const struct jl_config *cfg, const char *registry);

#endif /* JL_RUNTIME_H */

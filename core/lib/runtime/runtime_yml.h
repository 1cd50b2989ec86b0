/*
 * runtime_yml.h - runtime.yml, the descriptor at the top of an installed
 * runtime (and of a prebuilt package):
 *
 *	name: python-3.11-ml
 *	version: "1.0.3"
 *	description: "..."
 *	language: python
 *	platforms: [ubuntu-amd64]          # optional; used by `runtime index`
 *	mounts:
 *	  - {source: isolated/usr, target: /usr, readonly: true}
 *	environment: {PATH: "/usr/bin:/bin", PYTHONPATH: "..."}
 *
 * The keys joblet uses are checked strictly; other keys (requirements,
 * packages, build_info, ...) written by other tools are kept out of the way
 * and ignored.  Files come from packages, so the file is opened without
 * following symlinks and parsed with the strict YAML reader (no aliases,
 * size limit).
 */
#ifndef JL_RUNTIME_YML_H
#define JL_RUNTIME_YML_H

#include <stdbool.h>
#include <stddef.h>

#include <joblet/error.h>

struct jl_runtime_mount {
	char *source; /* relative to the runtime folder, no `..` */
	char *target; /* absolute path inside the job */
	bool readonly;
};

struct jl_runtime_desc {
	char *name;
	char *version;
	char *description; /* "" when absent */
	char *language;	   /* or NULL */
	char **platforms;  /* NULL-terminated, may be empty */
	struct jl_runtime_mount *mounts;
	size_t n_mounts;
	char **env; /* "KEY=value", NULL-terminated */
};

/*
 * Read <dirfd>/runtime.yml (display_dir names the folder in messages).
 * Errors: JOBLET_E_NOT_FOUND (no runtime.yml), JOBLET_E_PARSE (naming file,
 * line and key).
 */
int jl_runtime_yml_load(int dirfd, const char *display_dir, struct jl_runtime_desc **ret_desc,
			struct joblet_error **err);
void jl_runtime_desc_free(struct jl_runtime_desc *d);

#endif /* JL_RUNTIME_YML_H */

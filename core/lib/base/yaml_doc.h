/*
 * yaml_doc.h - reading YAML documents with line numbers for error messages.
 *
 * Private to libjoblet.  A document is parsed twice: once as events, to
 * refuse anchors/aliases (no "billion laughs") and oversized input, then
 * as a libyaml document whose nodes carry their line numbers.  Every error
 * is JOBLET_E_CONFIG (or the code given) and reads
 *	`<file>` line <n>: <what>
 */
#ifndef JL_YAML_DOC_H
#define JL_YAML_DOC_H

#include <stdbool.h>
#include <stdint.h>
#include <yaml.h>

#include <joblet/error.h>

struct jl_yaml {
	yaml_document_t doc;
	char *name;   /* file name for messages */
	int32_t code; /* error code for messages (JOBLET_E_CONFIG, JOBLET_E_PARSE) */
	bool loaded;
};

/* Largest YAML file read (joblet.yml, rnx-config.yml with inline PEM, runtime.yml). */
#define JL_YAML_MAX_BYTES (1024 * 1024)

int jl_yaml_load_file(const char *path, int32_t code, struct jl_yaml **ret_yaml,
		      struct joblet_error **err);
int jl_yaml_load_string(const char *data, size_t len, const char *name, int32_t code,
			struct jl_yaml **ret_yaml, struct joblet_error **err);
void jl_yaml_free(struct jl_yaml *y);

/* The root node, or NULL for an empty document. */
yaml_node_t *jl_yaml_root(struct jl_yaml *y);
yaml_node_t *jl_yaml_node(struct jl_yaml *y, int index);
int jl_yaml_line(const yaml_node_t *node);

/* Set an error "`name` line N: <fmt>" and return its negative code. */
int jl_yaml_error(struct jl_yaml *y, const yaml_node_t *node, struct joblet_error **err,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The text of a scalar node, or NULL for other kinds. */
const char *jl_yaml_scalar(const yaml_node_t *node);
/* A scalar that is a YAML null (~, null, empty, unquoted). */
bool jl_yaml_is_null(const yaml_node_t *node);

/*
 * Check that node is a mapping whose keys are distinct scalars.  `key` is
 * the dotted path of the mapping for messages ("" for the root).
 */
int jl_yaml_check_mapping(struct jl_yaml *y, const yaml_node_t *node, const char *key,
			  struct joblet_error **err);

/* Converters; `key` is the dotted path used in messages. */
int jl_yaml_get_string(struct jl_yaml *y, const yaml_node_t *node, const char *key,
		       char **ret_value, struct joblet_error **err);
int jl_yaml_get_int(struct jl_yaml *y, const yaml_node_t *node, const char *key, int64_t min,
		    int64_t max, int64_t *ret_value, struct joblet_error **err);
int jl_yaml_get_bool(struct jl_yaml *y, const yaml_node_t *node, const char *key, bool *ret_value,
		     struct joblet_error **err);
/* A sequence of non-empty scalars (a single scalar is refused). */
int jl_yaml_get_strv(struct jl_yaml *y, const yaml_node_t *node, const char *key, char ***ret_value,
		     struct joblet_error **err);

#define jl_yaml_foreach_pair(pair, node)                                                           \
	for (yaml_node_pair_t *pair = (node)->data.mapping.pairs.start;                            \
	     pair < (node)->data.mapping.pairs.top; pair++)

#endif /* JL_YAML_DOC_H */

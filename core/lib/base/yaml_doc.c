/* yaml_doc.c - libyaml documents with line numbers and strict checks. */
#include <config.h>

#include <strings.h>

#include "base/util.h"
#include "base/yaml_doc.h"

/* Events in one document; a joblet.yml has a few hundred. */
#define JL_YAML_MAX_EVENTS 200000

static int yaml_parser_error(const yaml_parser_t *p, const char *name, int32_t code,
			     struct joblet_error **err)
{
	const yaml_mark_t *mark = p->problem ? &p->problem_mark : &p->context_mark;

	return joblet_error_set(err, code, 0, "`%s` line %zu: %s%s%s", name, mark->line + 1,
				p->problem ? p->problem : "malformed YAML", p->context ? " " : "",
				p->context ? p->context : "");
}

/* First pass: refuse aliases and runaway documents. */
static int yaml_scan_events(const unsigned char *data, size_t len, const char *name, int32_t code,
			    struct joblet_error **err)
{
	yaml_parser_t parser;
	yaml_event_t event;
	size_t events = 0;
	int r = 0;

	if (!yaml_parser_initialize(&parser))
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot parse `%s`", name);
	yaml_parser_set_input_string(&parser, data, len);
	for (;;) {
		if (!yaml_parser_parse(&parser, &event)) {
			r = yaml_parser_error(&parser, name, code, err);
			break;
		}
		if (event.type == YAML_ALIAS_EVENT ||
		    (event.type == YAML_SCALAR_EVENT && event.data.scalar.anchor) ||
		    (event.type == YAML_MAPPING_START_EVENT && event.data.mapping_start.anchor) ||
		    (event.type == YAML_SEQUENCE_START_EVENT && event.data.sequence_start.anchor)) {
			r = joblet_error_set(
				err, code, 0,
				"`%s` line %zu: anchors and aliases (&, *) are not supported here; write the values out",
				name, event.start_mark.line + 1);
			yaml_event_delete(&event);
			break;
		}
		if (event.type == YAML_DOCUMENT_START_EVENT && events > 1) {
			r = joblet_error_set(
				err, code, 0,
				"`%s` line %zu: only one YAML document is allowed (remove the `---` separator)",
				name, event.start_mark.line + 1);
			yaml_event_delete(&event);
			break;
		}
		if (++events > JL_YAML_MAX_EVENTS) {
			r = joblet_error_set(err, JOBLET_E_LIMIT, 0,
					     "`%s` has more than %d YAML elements", name,
					     JL_YAML_MAX_EVENTS);
			yaml_event_delete(&event);
			break;
		}
		bool done = event.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&event);
		if (done)
			break;
	}
	yaml_parser_delete(&parser);
	return r;
}

int jl_yaml_load_string(const char *data, size_t len, const char *name, int32_t code,
			struct jl_yaml **ret_yaml, struct joblet_error **err)
{
	yaml_parser_t parser;
	struct jl_yaml *y;
	int r;

	if (len > JL_YAML_MAX_BYTES)
		return joblet_error_set(err, JOBLET_E_LIMIT, 0,
					"`%s` is larger than the %d bytes allowed", name,
					JL_YAML_MAX_BYTES);
	r = yaml_scan_events((const unsigned char *)data, len, name, code, err);
	if (r < 0)
		return r;
	y = calloc(1, sizeof(*y));
	if (!y)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot parse `%s`", name);
	y->code = code;
	y->name = strdup(name);
	if (!y->name || !yaml_parser_initialize(&parser)) {
		jl_yaml_free(y);
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot parse `%s`", name);
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	if (!yaml_parser_load(&parser, &y->doc)) {
		r = yaml_parser_error(&parser, name, code, err);
		yaml_parser_delete(&parser);
		jl_yaml_free(y);
		return r;
	}
	yaml_parser_delete(&parser);
	y->loaded = true;
	*ret_yaml = y;
	return 0;
}

int jl_yaml_load_file(const char *path, int32_t code, struct jl_yaml **ret_yaml,
		      struct joblet_error **err)
{
	_cleanup_free_ char *data = NULL;
	size_t len;
	int r;

	r = jl_read_file(path, JL_YAML_MAX_BYTES, &data, &len, err);
	if (r < 0)
		return r;
	if (memchr(data, '\0', len))
		return joblet_error_set(
			err, code, 0, "`%s` contains NUL bytes; it is not a YAML text file", path);
	return jl_yaml_load_string(data, len, path, code, ret_yaml, err);
}

void jl_yaml_free(struct jl_yaml *y)
{
	if (!y)
		return;
	if (y->loaded)
		yaml_document_delete(&y->doc);
	free(y->name);
	free(y);
}

yaml_node_t *jl_yaml_root(struct jl_yaml *y)
{
	return yaml_document_get_root_node(&y->doc);
}

yaml_node_t *jl_yaml_node(struct jl_yaml *y, int index)
{
	return yaml_document_get_node(&y->doc, index);
}

int jl_yaml_line(const yaml_node_t *node)
{
	return node ? (int)node->start_mark.line + 1 : 0;
}

int jl_yaml_error(struct jl_yaml *y, const yaml_node_t *node, struct joblet_error **err,
		  const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	return joblet_error_set(err, y->code, 0, "`%s` line %d: %s", y->name, jl_yaml_line(node),
				msg ? msg : "invalid value");
}

const char *jl_yaml_scalar(const yaml_node_t *node)
{
	if (!node || node->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)node->data.scalar.value;
}

bool jl_yaml_is_null(const yaml_node_t *node)
{
	const char *v = jl_yaml_scalar(node);

	if (!v || node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return *v == '\0' || strcmp(v, "~") == 0 || strcasecmp(v, "null") == 0;
}

static const char *node_kind(const yaml_node_t *node)
{
	switch (node->type) {
	case YAML_SCALAR_NODE:
		return "a single value";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "empty";
	}
}

int jl_yaml_check_mapping(struct jl_yaml *y, const yaml_node_t *node, const char *key,
			  struct joblet_error **err)
{
	if (node->type != YAML_MAPPING_NODE)
		return jl_yaml_error(y, node, err, "`%s` must be a mapping of settings, not %s",
				     *key ? key : "(top level)", node_kind(node));
	jl_yaml_foreach_pair(p, node)
	{
		yaml_node_t *k = jl_yaml_node(y, p->key);
		const char *name = jl_yaml_scalar(k);

		if (!name)
			return jl_yaml_error(y, k, err, "keys under `%s` must be plain names",
					     *key ? key : "(top level)");
		for (yaml_node_pair_t *q = node->data.mapping.pairs.start; q < p; q++) {
			const char *other = jl_yaml_scalar(jl_yaml_node(y, q->key));

			if (jl_streq(other, name))
				return jl_yaml_error(y, k, err,
						     "`%s%s%s` is set twice (also on line %d)", key,
						     *key ? "." : "", name,
						     jl_yaml_line(jl_yaml_node(y, q->key)));
		}
	}
	return 0;
}

int jl_yaml_get_string(struct jl_yaml *y, const yaml_node_t *node, const char *key,
		       char **ret_value, struct joblet_error **err)
{
	const char *v = jl_yaml_scalar(node);
	char *copy;

	if (!v)
		return jl_yaml_error(y, node, err, "`%s` must be a single value, not %s", key,
				     node_kind(node));
	if (jl_yaml_is_null(node))
		return jl_yaml_error(
			y, node, err,
			"`%s` has no value; give one or remove the line to use the default", key);
	copy = strdup(v);
	if (!copy)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read `%s`", key);
	*ret_value = copy;
	return 0;
}

int jl_yaml_get_int(struct jl_yaml *y, const yaml_node_t *node, const char *key, int64_t min,
		    int64_t max, int64_t *ret_value, struct joblet_error **err)
{
	const char *v = jl_yaml_scalar(node);
	int64_t n;

	if (!v || jl_yaml_is_null(node) || jl_parse_int64(v, &n) < 0)
		return jl_yaml_error(y, node, err, "`%s` must be a whole number, not `%s`", key,
				     v ? v : node_kind(node));
	if (n < min || n > max)
		return jl_yaml_error(y, node, err, "`%s` must be between %lld and %lld, not %lld",
				     key, (long long)min, (long long)max, (long long)n);
	*ret_value = n;
	return 0;
}

int jl_yaml_get_bool(struct jl_yaml *y, const yaml_node_t *node, const char *key, bool *ret_value,
		     struct joblet_error **err)
{
	static const char *const truthy[] = { "true", "yes", "on" };
	static const char *const falsy[] = { "false", "no", "off" };
	const char *v = jl_yaml_scalar(node);

	if (v && node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		for (size_t i = 0; i < ELEMENTSOF(truthy); i++)
			if (strcasecmp(v, truthy[i]) == 0) {
				*ret_value = true;
				return 0;
			}
		for (size_t i = 0; i < ELEMENTSOF(falsy); i++)
			if (strcasecmp(v, falsy[i]) == 0) {
				*ret_value = false;
				return 0;
			}
	}
	return jl_yaml_error(y, node, err, "`%s` must be true or false, not `%s`", key,
			     v ? v : node_kind(node));
}

int jl_yaml_get_strv(struct jl_yaml *y, const yaml_node_t *node, const char *key, char ***ret_value,
		     struct joblet_error **err)
{
	_cleanup_strv_ char **v = NULL;

	if (node->type != YAML_SEQUENCE_NODE)
		return jl_yaml_error(
			y, node, err,
			"`%s` must be a list (`[a, b]` or one `- item` per line), not %s", key,
			node_kind(node));
	v = calloc(1, sizeof(char *));
	if (!v)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read `%s`", key);
	for (yaml_node_item_t *it = node->data.sequence.items.start;
	     it < node->data.sequence.items.top; it++) {
		yaml_node_t *item = jl_yaml_node(y, *it);
		const char *s = jl_yaml_scalar(item);

		if (!s || jl_yaml_is_null(item))
			return jl_yaml_error(y, item, err,
					     "items of `%s` must be single non-empty values", key);
		if (jl_strv_push(&v, s) < 0)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read `%s`",
						key);
	}
	*ret_value = TAKE_PTR(v);
	return 0;
}

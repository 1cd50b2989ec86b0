/* runtime_yml.c - runtime.yml (see runtime_yml.h). */
#include <config.h>

#include <ctype.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "runtime/runtime_spec.h"
#include "runtime/runtime_yml.h"
#include "runtime/semver.h"
#include "base/util.h"
#include "base/yaml_doc.h"

#define RUNTIME_YML_MAX_BYTES (256 * 1024)

void jl_runtime_desc_free(struct jl_runtime_desc *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n_mounts; i++) {
		free(d->mounts[i].source);
		free(d->mounts[i].target);
	}
	free(d->mounts);
	free(d->name);
	free(d->version);
	free(d->description);
	free(d->language);
	jl_strv_free(d->platforms);
	jl_strv_free(d->env);
	free(d);
}

/* A relative path without `..` (or an absolute one when absolute is true). */
static bool path_ok(const char *p, bool absolute)
{
	if (!*p || (p[0] == '/') != absolute || strlen(p) > 4096)
		return false;
	for (const char *c = p; *c;) {
		const char *end = strchr(c, '/');
		size_t len = end ? (size_t)(end - c) : strlen(c);

		if (len == 2 && c[0] == '.' && c[1] == '.')
			return false;
		c += len;
		while (*c == '/')
			c++;
	}
	return true;
}

static bool env_name_ok(const char *s)
{
	if (!*s || !(isalpha((unsigned char)*s) || *s == '_'))
		return false;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return false;
	return true;
}

static int parse_mount(struct jl_yaml *y, yaml_node_t *node, size_t i, struct jl_runtime_mount *m,
		       struct joblet_error **err)
{
	_cleanup_free_ char *prefix = jl_strdup_printf("mounts[%zu]", i);
	yaml_node_t *src = NULL, *dst = NULL, *ro = NULL;
	int r;

	if (!prefix)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read runtime.yml");
	r = jl_yaml_check_mapping(y, node, prefix, err);
	if (r < 0)
		return r;
	jl_yaml_foreach_pair(p, node)
	{
		const char *k = jl_yaml_scalar(jl_yaml_node(y, p->key));
		yaml_node_t *v = jl_yaml_node(y, p->value);

		if (strcmp(k, "source") == 0)
			src = v;
		else if (strcmp(k, "target") == 0)
			dst = v;
		else if (strcmp(k, "readonly") == 0)
			ro = v;
		/* other keys (selective, ...) belong to other tools */
	}
	if (!src || !dst)
		return jl_yaml_error(y, node, err, "`%s` needs `source` and `target`", prefix);
	r = jl_yaml_get_string(y, src, "source", &m->source, err);
	if (r < 0)
		return r;
	if (!path_ok(m->source, false))
		return jl_yaml_error(
			y, src, err,
			"`%s.source` must be a path inside the runtime folder (relative, no `..`), not `%s`",
			prefix, m->source);
	r = jl_yaml_get_string(y, dst, "target", &m->target, err);
	if (r < 0)
		return r;
	if (!path_ok(m->target, true) || strcmp(m->target, "/") == 0)
		return jl_yaml_error(
			y, dst, err,
			"`%s.target` must be an absolute path in the job other than `/` (no `..`), not `%s`",
			prefix, m->target);
	m->readonly = true;
	if (ro)
		return jl_yaml_get_bool(y, ro, "readonly", &m->readonly, err);
	return 0;
}

static int parse_root(struct jl_yaml *y, yaml_node_t *root, struct jl_runtime_desc *d,
		      struct joblet_error **err)
{
	yaml_node_t *name = NULL, *version = NULL;
	int r;

	r = jl_yaml_check_mapping(y, root, "", err);
	if (r < 0)
		return r;
	jl_yaml_foreach_pair(p, root)
	{
		const char *k = jl_yaml_scalar(jl_yaml_node(y, p->key));
		yaml_node_t *v = jl_yaml_node(y, p->value);

		if (strcmp(k, "name") == 0)
			name = v;
		else if (strcmp(k, "version") == 0)
			version = v;
		else if (strcmp(k, "description") == 0 && !jl_yaml_is_null(v)) {
			r = jl_yaml_get_string(y, v, "description", &d->description, err);
			if (r < 0)
				return r;
		} else if (strcmp(k, "language") == 0 && !jl_yaml_is_null(v)) {
			r = jl_yaml_get_string(y, v, "language", &d->language, err);
			if (r < 0)
				return r;
		} else if (strcmp(k, "platforms") == 0 && !jl_yaml_is_null(v)) {
			jl_strv_free(d->platforms);
			d->platforms = NULL;
			r = jl_yaml_get_strv(y, v, "platforms", &d->platforms, err);
			if (r < 0)
				return r;
		} else if (strcmp(k, "mounts") == 0 && !jl_yaml_is_null(v)) {
			size_t n;

			if (v->type != YAML_SEQUENCE_NODE)
				return jl_yaml_error(y, v, err,
						     "`mounts` must be a list of "
						     "{source, target, readonly}");
			n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
			d->mounts = calloc(n + 1, sizeof(*d->mounts));
			if (!d->mounts)
				return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
							"cannot read runtime.yml");
			for (size_t i = 0; i < n; i++) {
				r = parse_mount(y, jl_yaml_node(y, v->data.sequence.items.start[i]),
						i, &d->mounts[i], err);
				d->n_mounts = i + 1;
				if (r < 0)
					return r;
			}
		} else if (strcmp(k, "environment") == 0 && !jl_yaml_is_null(v)) {
			r = jl_yaml_check_mapping(y, v, "environment", err);
			if (r < 0)
				return r;
			jl_yaml_foreach_pair(q, v)
			{
				yaml_node_t *kn = jl_yaml_node(y, q->key),
					    *vn = jl_yaml_node(y, q->value);
				const char *key = jl_yaml_scalar(kn), *val = jl_yaml_scalar(vn);
				_cleanup_free_ char *kv = NULL;

				if (!env_name_ok(key))
					return jl_yaml_error(
						y, kn, err,
						"`environment.%s` is not a variable name (letters, digits, `_`, not starting with a digit)",
						key);
				if (!val)
					return jl_yaml_error(
						y, vn, err,
						"`environment.%s` must be a single value", key);
				kv = jl_strdup_printf("%s=%s", key, jl_yaml_is_null(vn) ? "" : val);
				if (!kv || jl_strv_push(&d->env, kv) < 0)
					return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
								"cannot read runtime.yml");
			}
		}
	}
	if (!name || !version)
		return jl_yaml_error(y, root, err,
				     "`%s` is missing; runtime.yml needs `name` and `version`",
				     !name ? "name" : "version");
	r = jl_yaml_get_string(y, name, "name", &d->name, err);
	if (r < 0)
		return r;
	if (!jl_runtime_name_valid(d->name))
		return jl_yaml_error(y, name, err,
				     "`name` `%s` is not a runtime name (a-z, 0-9, `.`, `_`, `-`)",
				     d->name);
	r = jl_yaml_get_string(y, version, "version", &d->version, err);
	if (r < 0)
		return r;
	{
		struct jl_semver sv;

		if (jl_semver_parse(d->version, &sv, NULL) < 0)
			return jl_yaml_error(
				y, version, err,
				"`version` `%s` is not a semantic version (MAJOR.MINOR.PATCH)",
				d->version);
		jl_semver_done(&sv);
	}
	return 0;
}

int jl_runtime_yml_load(int dirfd, const char *display_dir, struct jl_runtime_desc **ret_desc,
			struct joblet_error **err)
{
	_cleanup_free_ char *display = jl_strdup_printf("%s/runtime.yml", display_dir);
	_cleanup_free_ char *data = NULL;
	_cleanup_close_ int fd = -1;
	struct jl_runtime_desc *d = NULL;
	struct jl_yaml *y = NULL;
	yaml_node_t *root;
	struct stat st;
	size_t len = 0;
	ssize_t n;
	int r;

	if (!display)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read runtime.yml");
	fd = openat(dirfd, "runtime.yml",
		    O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return joblet_error_set(err, errno == ENOENT ? JOBLET_E_NOT_FOUND : JOBLET_E_PARSE,
					errno, "cannot open `%s`", display);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return joblet_error_set(err, JOBLET_E_PARSE, 0, "`%s` is not a regular file",
					display);
	if (st.st_size > RUNTIME_YML_MAX_BYTES)
		return joblet_error_set(err, JOBLET_E_LIMIT, 0, "`%s` is larger than %d bytes",
					display, RUNTIME_YML_MAX_BYTES);
	data = malloc((size_t)st.st_size + 1);
	if (!data)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read `%s`", display);
	while (len < (size_t)st.st_size && (n = read(fd, data + len, (size_t)st.st_size - len)) > 0)
		len += (size_t)n;
	data[len] = '\0';
	r = jl_yaml_load_string(data, len, display, JOBLET_E_PARSE, &y, err);
	if (r < 0)
		return r;
	d = calloc(1, sizeof(*d));
	if (!d) {
		jl_yaml_free(y);
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read `%s`", display);
	}
	root = jl_yaml_root(y);
	if (!root || jl_yaml_is_null(root))
		r = joblet_error_set(err, JOBLET_E_PARSE, 0,
				     "`%s` is empty; it needs `name` and `version`", display);
	else
		r = parse_root(y, root, d, err);
	jl_yaml_free(y);
	if (r == 0 && !d->description && !(d->description = strdup("")))
		r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read `%s`", display);
	if (r == 0 && !d->platforms && !(d->platforms = calloc(1, sizeof(char *))))
		r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read `%s`", display);
	if (r == 0 && !d->env && !(d->env = calloc(1, sizeof(char *))))
		r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read `%s`", display);
	if (r < 0) {
		jl_runtime_desc_free(d);
		return r;
	}
	*ret_desc = d;
	return 0;
}

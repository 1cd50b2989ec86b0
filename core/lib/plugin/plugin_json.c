/* plugin_json.c - a plugin set as JSON (the body of GET /v1/plugins). */
#include <config.h>

#include <json.h>

#include "plugin/loader.h"

#include "base/util.h"
#include "base/plugin_id.h"

const char *jl_plugin_cap_name(uint64_t cap_bit)
{
	if (cap_bit == JOBLET_CAP_NEEDS_ROOT)
		return "needs-root";
	if (cap_bit == JOBLET_CAP_NETWORK)
		return "network";
	if (cap_bit == JOBLET_CAP_THREAD_SAFE)
		return "thread-safe";
	return NULL;
}

static int add_string(json_object *o, const char *key, const char *value)
{
	json_object *v = value ? json_object_new_string(value) : json_object_new_null();

	if (value && !v)
		return -1;
	return json_object_object_add(o, key, v);
}

static json_object *plugin_json(const struct joblet_plugin *p, const char *origin)
{
	json_object *o = json_object_new_object(), *caps = json_object_new_array();
	const char *kind = jl_plugin_kind_name((int32_t)p->kind);
	_cleanup_free_ char *id = jl_strdup_printf("%s/%s", kind, p->name);

	if (!o || !caps || !id)
		goto fail;
	for (int bit = 0; bit < 64; bit++) {
		const char *name = jl_plugin_cap_name(UINT64_C(1) << bit);

		if ((p->caps & (UINT64_C(1) << bit)) && name &&
		    json_object_array_add(caps, json_object_new_string(name)) < 0)
			goto fail;
	}
	if (add_string(o, "id", id) < 0 || add_string(o, "kind", kind) < 0 ||
	    add_string(o, "name", p->name) < 0 || add_string(o, "version", p->version) < 0 ||
	    add_string(o, "summary", p->summary) < 0 || add_string(o, "license", p->license) < 0 ||
	    add_string(o, "origin", origin) < 0 || json_object_object_add(o, "caps", caps) < 0)
		goto fail;
	return o;
fail:
	json_object_put(caps);
	json_object_put(o);
	return NULL;
}

int jl_plugin_set_to_json(const struct jl_plugin_set *set, char **ret_json,
			  struct joblet_error **err)
{
	json_object *root = json_object_new_object();
	json_object *plugins = json_object_new_array(), *rejected = json_object_new_array();
	json_object *dirs = json_object_new_array();
	const char *s, *path, *reason;
	char *copy;

	if (!root || !plugins || !rejected || !dirs)
		goto oom;
	for (size_t i = 0; i < jl_plugin_set_count(set); i++) {
		const char *origin;
		const struct joblet_plugin *p = jl_plugin_set_get(set, i, &origin);
		json_object *o = plugin_json(p, origin);

		if (!o || json_object_array_add(plugins, o) < 0) {
			json_object_put(o);
			goto oom;
		}
	}
	for (size_t i = 0; jl_plugin_set_rejected(set, i, &path, &reason) == 0; i++) {
		json_object *o = json_object_new_object();

		if (!o || add_string(o, "path", path) < 0 || add_string(o, "reason", reason) < 0 ||
		    json_object_array_add(rejected, o) < 0) {
			json_object_put(o);
			goto oom;
		}
	}
	for (size_t i = 0; (s = jl_plugin_set_dir(set, i)); i++)
		if (json_object_array_add(dirs, json_object_new_string(s)) < 0)
			goto oom;
	if (json_object_object_add(root, "plugins", plugins) < 0)
		goto oom;
	plugins = NULL;
	if (json_object_object_add(root, "rejected", rejected) < 0)
		goto oom;
	rejected = NULL;
	if (json_object_object_add(root, "dirs", dirs) < 0)
		goto oom;
	dirs = NULL;
	s = json_object_to_json_string_ext(root,
					   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	copy = s ? strdup(s) : NULL;
	if (!copy)
		goto oom;
	json_object_put(root);
	*ret_json = copy;
	return 0;
oom:
	json_object_put(plugins);
	json_object_put(rejected);
	json_object_put(dirs);
	json_object_put(root);
	return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot describe the plugins as JSON");
}

/* registry_index.c - registry.json (see registry_index.h). */
#include <config.h>

#include <ctype.h>
#include <json.h>

#include "runtime/registry_index.h"
#include "runtime/runtime_spec.h"
#include "runtime/semver.h"
#include "base/util.h"

void jl_index_free(struct jl_index *idx)
{
	if (!idx)
		return;
	for (size_t i = 0; i < idx->n; i++) {
		struct jl_index_entry *e = &idx->entries[i];

		free(e->name);
		free(e->version);
		free(e->description);
		free(e->download_url);
		jl_strv_free(e->platforms);
	}
	free(idx->entries);
	free(idx->source);
	free(idx->updated_at);
	free(idx);
}

static int field_error(struct joblet_error **err, const char *source, const char *name,
		       const char *version, const char *field, const char *what)
{
	if (version)
		return joblet_error_set(err, JOBLET_E_PARSE, 0,
					"registry index `%s`: `runtimes.\"%s\".\"%s\".%s` %s",
					source, name, version, field ? field : "", what);
	if (name)
		return joblet_error_set(err, JOBLET_E_PARSE, 0,
					"registry index `%s`: `runtimes.\"%s\"` %s", source, name,
					what);
	return joblet_error_set(err, JOBLET_E_PARSE, 0, "registry index `%s`: `%s` %s", source,
				field ? field : "(top level)", what);
}

static const char *get_string(json_object *o, const char *key, bool *present)
{
	json_object *v;

	*present = json_object_object_get_ex(o, key, &v);
	if (!*present || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int parse_entry(const char *source, const char *name, const char *version_key,
		       json_object *obj, struct jl_index_entry *e, struct joblet_error **err)
{
	const char *version, *desc, *url, *checksum;
	struct jl_semver sv;
	json_object *v;
	bool present;
	int r;

	if (!json_object_is_type(obj, json_type_object))
		return field_error(err, source, name, version_key, "(entry)", "must be an object");
	r = jl_semver_parse(version_key, &sv, NULL);
	if (r < 0)
		return joblet_error_set(
			err, JOBLET_E_PARSE, 0,
			"registry index `%s`: runtime `%s` has version key `%s`, which is not a semantic version (MAJOR.MINOR.PATCH)",
			source, name, version_key);
	jl_semver_done(&sv);

	version = get_string(obj, "version", &present);
	if (present && !version)
		return field_error(err, source, name, version_key, "version", "must be a string");
	if (version && strcmp(version, version_key) != 0)
		return field_error(err, source, name, version_key, "version",
				   "differs from the key it is listed under");

	desc = get_string(obj, "description", &present);
	if (present && !desc &&
	    !json_object_is_type(json_object_object_get(obj, "description"), json_type_null))
		return field_error(err, source, name, version_key, "description",
				   "must be a string");

	url = get_string(obj, "download_url", &present);
	if (!url || !*url)
		return field_error(err, source, name, version_key, "download_url",
				   present ? "must be a non-empty string" : "is missing");

	checksum = get_string(obj, "checksum", &present);
	if (!checksum)
		return field_error(err, source, name, version_key, "checksum",
				   present ? "must be a string" : "is missing");
	if (strncmp(checksum, "sha256:", 7) != 0 || strlen(checksum) != 7 + 64)
		return field_error(err, source, name, version_key, "checksum",
				   "must be `sha256:` followed by 64 hex digits");
	for (int i = 0; i < 64; i++) {
		char c = checksum[7 + i];

		if (!isxdigit((unsigned char)c))
			return field_error(err, source, name, version_key, "checksum",
					   "must be `sha256:` followed by 64 hex digits");
		e->sha256[i] = (char)tolower((unsigned char)c);
	}
	e->sha256[64] = '\0';

	e->size = -1;
	if (json_object_object_get_ex(obj, "size", &v) && !json_object_is_type(v, json_type_null)) {
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
			return field_error(err, source, name, version_key, "size",
					   "must be a whole number of bytes");
		e->size = json_object_get_int64(v);
	}

	e->platforms = calloc(1, sizeof(char *));
	if (!e->platforms)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot read the registry index");
	if (json_object_object_get_ex(obj, "platforms", &v) &&
	    !json_object_is_type(v, json_type_null)) {
		if (!json_object_is_type(v, json_type_array))
			return field_error(err, source, name, version_key, "platforms",
					   "must be a list of strings such as \"ubuntu-amd64\"");
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			json_object *p = json_object_array_get_idx(v, i);

			if (!json_object_is_type(p, json_type_string))
				return field_error(
					err, source, name, version_key, "platforms",
					"must be a list of strings such as \"ubuntu-amd64\"");
			if (jl_strv_push(&e->platforms, json_object_get_string(p)) < 0)
				return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
							"cannot read the registry index");
		}
	}
	e->name = strdup(name);
	e->version = strdup(version_key);
	e->description = strdup(desc ? desc : "");
	e->download_url = strdup(url);
	if (!e->name || !e->version || !e->description || !e->download_url)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot read the registry index");
	return 0;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct jl_index_entry *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : -jl_semver_compare_text(x->version, y->version);
}

int jl_index_parse(const char *json, size_t len, const char *source, struct jl_index **ret_index,
		   struct joblet_error **err)
{
	struct json_tokener *tok = NULL;
	json_object *root = NULL, *runtimes, *v;
	struct jl_index *idx = NULL;
	size_t total = 0;
	int r;

	if (len > JL_INDEX_MAX_BYTES)
		return joblet_error_set(err, JOBLET_E_LIMIT, 0,
					"registry index `%s` is larger than %d bytes", source,
					JL_INDEX_MAX_BYTES);
	tok = json_tokener_new_ex(16);
	if (!tok)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot read the registry index");
	root = json_tokener_parse_ex(tok, json, (int)len);
	if (!root || json_tokener_get_error(tok) != json_tokener_success) {
		r = joblet_error_set(err, JOBLET_E_PARSE, 0,
				     "registry index `%s` is not valid JSON: %s (near byte %zu)",
				     source, json_tokener_error_desc(json_tokener_get_error(tok)),
				     json_tokener_get_parse_end(tok));
		goto out;
	}
	/* Nothing but white space may follow the document. */
	for (size_t i = json_tokener_get_parse_end(tok); i < len; i++)
		if (!isspace((unsigned char)json[i])) {
			r = joblet_error_set(
				err, JOBLET_E_PARSE, 0,
				"registry index `%s`: unexpected data after the JSON document (byte %zu)",
				source, i);
			goto out;
		}
	if (!json_object_is_type(root, json_type_object)) {
		r = field_error(err, source, NULL, NULL, "(top level)", "must be an object");
		goto out;
	}
	if (!json_object_object_get_ex(root, "version", &v)) {
		r = field_error(err, source, NULL, NULL, "version",
				"is missing (this joblet reads \"1\")");
		goto out;
	}
	if (!(json_object_is_type(v, json_type_string) &&
	      strcmp(json_object_get_string(v), "1") == 0) &&
	    !(json_object_is_type(v, json_type_int) && json_object_get_int64(v) == 1)) {
		r = field_error(
			err, source, NULL, NULL, "version",
			"is not \"1\", the only registry format this joblet reads; upgrade joblet");
		goto out;
	}
	if (!json_object_object_get_ex(root, "runtimes", &runtimes) ||
	    !json_object_is_type(runtimes, json_type_object)) {
		r = field_error(err, source, NULL, NULL, "runtimes",
				"must be an object of runtimes (name: {version: entry})");
		goto out;
	}
	idx = calloc(1, sizeof(*idx));
	if (!idx || !(idx->source = strdup(source)))
		goto oom;
	if (json_object_object_get_ex(root, "updated_at", &v) &&
	    json_object_is_type(v, json_type_string) &&
	    !(idx->updated_at = strdup(json_object_get_string(v))))
		goto oom;
	json_object_object_foreach(runtimes, rname, versions)
	{
		if (!jl_runtime_name_valid(rname)) {
			r = field_error(err, source, rname, NULL, NULL,
					"is not a valid runtime name (a-z, 0-9, `.`, `_`, `-`)");
			goto out;
		}
		if (!json_object_is_type(versions, json_type_object)) {
			r = field_error(err, source, rname, NULL, NULL,
					"must be an object of versions (version: entry)");
			goto out;
		}
		total += (size_t)json_object_object_length(versions);
	}
	idx->entries = calloc(total + 1, sizeof(*idx->entries));
	if (!idx->entries)
		goto oom;
	json_object_object_foreach(runtimes, name, vers)
	{
		json_object_object_foreach(vers, vkey, entry)
		{
			r = parse_entry(source, name, vkey, entry, &idx->entries[idx->n], err);
			idx->n++;
			if (r < 0)
				goto out;
		}
	}
	qsort(idx->entries, idx->n, sizeof(*idx->entries), entry_cmp);
	*ret_index = idx;
	idx = NULL;
	r = 0;
	goto out;
oom:
	r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read the registry index");
out:
	jl_index_free(idx);
	json_object_put(root);
	json_tokener_free(tok);
	return r;
}

int jl_index_entry_supports(const struct jl_index_entry *e, const char *platform)
{
	if (!platform || !e->platforms || !e->platforms[0])
		return 1;
	return jl_strv_contains(e->platforms, platform);
}

int jl_index_resolve(const struct jl_index *idx, const char *name, const char *version,
		     const char *platform, const struct jl_index_entry **ret_entry,
		     struct joblet_error **err)
{
	_cleanup_strv_ char **names = NULL, **versions = NULL, **supported = NULL;
	_cleanup_free_ char *list = NULL;
	const struct jl_index_entry *newest_any = NULL;

	for (size_t i = 0; i < idx->n; i++) {
		const struct jl_index_entry *e = &idx->entries[i];

		if (strcmp(e->name, name) != 0) {
			if ((i == 0 || strcmp(idx->entries[i - 1].name, e->name) != 0) &&
			    jl_strv_push(&names, e->name) < 0)
				goto oom;
			continue;
		}
		if (jl_strv_push(&versions, e->version) < 0)
			goto oom;
		if (version && strcmp(e->version, version) == 0) {
			if (!jl_index_entry_supports(e, platform)) {
				list = jl_strv_join(e->platforms, ", ");
				return joblet_error_set(
					err, JOBLET_E_UNSUPPORTED, 0,
					"runtime '%s' version '%s' does not support this host (%s); it supports: %s",
					name, e->version, platform, list ? list : "?");
			}
			*ret_entry = e;
			return 0;
		}
		if (!version) {
			if (!newest_any)
				newest_any = e;
			/* Entries are newest first: the first that fits wins. */
			if (jl_index_entry_supports(e, platform)) {
				*ret_entry = e;
				return 0;
			}
		}
	}
	if (!versions) {
		list = names ? jl_strv_join(names, ", ") : strdup("(none)");
		return joblet_error_set(
			err, JOBLET_E_NOT_FOUND, 0,
			"runtime '%s' not found in registry `%s`; it has: %s. Check the name, and that the registry's registry.json lists it",
			name, idx->source, list ? list : "?");
	}
	if (version) {
		list = jl_strv_join(versions, ", ");
		return joblet_error_set(
			err, JOBLET_E_NOT_FOUND, 0,
			"version '%s' not found for runtime '%s' in registry `%s`; it has: %s",
			version, name, idx->source, list ? list : "?");
	}
	/* No version fits this platform: say which platforms there are. */
	for (size_t i = 0; i < idx->n; i++)
		if (strcmp(idx->entries[i].name, name) == 0)
			for (char **p = idx->entries[i].platforms; p && *p; p++)
				if (!jl_strv_contains(supported, *p) &&
				    jl_strv_push(&supported, *p) < 0)
					goto oom;
	list = jl_strv_join(supported, ", ");
	return joblet_error_set(
		err, JOBLET_E_UNSUPPORTED, 0,
		"runtime '%s' (newest %s) has no version for this host (%s); its versions support: %s",
		name, newest_any ? newest_any->version : "?", platform, list ? list : "?");
oom:
	return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot resolve `%s`", name);
}

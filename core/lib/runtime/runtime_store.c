/*
 * runtime_store.c - what is installed: list, info, remove; and what a
 * registry offers.
 *
 * An installed runtime is a folder <runtimes_dir>/<name>-<version> holding
 * a runtime.yml whose name and version say the same.  Folders starting
 * with `.` are joblet's own (locks, staging).
 */
#include <config.h>

#include <fcntl.h>
#include <json.h>
#include <strings.h>
#include <sys/stat.h>

#include "runtime/runtime.h"

#include "base/fsutil.h"
#include "runtime/install_private.h"
#include "runtime/runtime_spec.h"
#include "runtime/runtime_yml.h"
#include "runtime/semver.h"
#include "base/util.h"
#include "config/config.h"
#include "plugin/loader.h"

struct installed {
	struct jl_runtime_desc *desc;
	char *dirname;
};

static int installed_cmp(const void *a, const void *b)
{
	const struct installed *x = a, *y = b;
	int c = strcmp(x->desc->name, y->desc->name);

	return c ? c : jl_semver_compare_text(x->desc->version, y->desc->version);
}

static void installed_free(struct installed *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		jl_runtime_desc_free(v[i].desc);
		free(v[i].dirname);
	}
	free(v);
}

/*
 * Every installed runtime, sorted; folders that do not hold a valid runtime
 * go to problems (a JSON array, may be NULL).  A missing runtimes folder is
 * an empty list.
 */
static int scan_installed(const struct jl_config *cfg, struct installed **ret, size_t *ret_n,
			  json_object *problems, struct joblet_error **err)
{
	_cleanup_close_ int dfd = open(cfg->runtimes_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct installed *v = NULL;
	size_t n = 0;
	DIR *d;

	*ret = NULL;
	*ret_n = 0;
	if (dfd < 0) {
		if (errno == ENOENT)
			return 0;
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot open `%s`",
					cfg->runtimes_dir);
	}
	d = fdopendir(dup(dfd));
	if (!d)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot list `%s`",
					cfg->runtimes_dir);
	for (struct dirent *de; (de = readdir(d));) {
		_cleanup_free_ char *path = NULL;
		_cleanup_close_ int rfd = -1;
		struct jl_runtime_desc *desc = NULL;
		struct joblet_error *e = NULL;
		struct installed *grown;
		char *expect;
		bool ok;

		if (de->d_name[0] == '.')
			continue;
		path = jl_strdup_printf("%s/%s", cfg->runtimes_dir, de->d_name);
		rfd = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (!path || rfd < 0)
			continue;
		if (jl_runtime_yml_load(rfd, path, &desc, &e) < 0) {
			if (problems) {
				json_object *p = json_object_new_object();

				json_object_object_add(p, "path", json_object_new_string(path));
				json_object_object_add(
					p, "error",
					json_object_new_string(joblet_error_message(e)));
				json_object_array_add(problems, p);
			}
			joblet_error_free(e);
			continue;
		}
		expect = jl_strdup_printf("%s-%s", desc->name, desc->version);
		ok = expect && strcmp(expect, de->d_name) == 0;
		if (!ok && problems && expect) {
			json_object *p = json_object_new_object();
			_cleanup_free_ char *msg = jl_strdup_printf(
				"its runtime.yml says %s %s, so the folder should be `%s`",
				desc->name, desc->version, expect);

			json_object_object_add(p, "path", json_object_new_string(path));
			json_object_object_add(p, "error", json_object_new_string(msg ? msg : "?"));
			json_object_array_add(problems, p);
		}
		free(expect);
		if (!ok) {
			jl_runtime_desc_free(desc);
			continue;
		}
		grown = realloc(v, (n + 1) * sizeof(*v));
		if (!grown) {
			jl_runtime_desc_free(desc);
			closedir(d);
			installed_free(v, n);
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
						"cannot list runtimes");
		}
		v = grown;
		v[n].desc = desc;
		v[n].dirname = strdup(de->d_name);
		n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), installed_cmp);
	*ret = v;
	*ret_n = n;
	return 0;
}

/*
 * Does installed runtime i match the spec?  NAME matches every version,
 * NAME@V that version, NAME@latest only the newest installed one (the list
 * is sorted, so that is the last of its name).
 */
static bool matches(const struct installed *v, size_t n, size_t i,
		    const struct jl_runtime_spec *spec, bool latest)
{
	if (!spec)
		return true;
	if (strcmp(v[i].desc->name, spec->name) != 0)
		return false;
	if (spec->version)
		return strcmp(v[i].desc->version, spec->version) == 0;
	return !latest || i + 1 == n || strcmp(v[i + 1].desc->name, spec->name) != 0;
}

/* "NAME@latest": the newest installed version only. */
static bool spec_says_latest(const char *text)
{
	const char *at = text ? strchr(text, '@') : NULL;

	return at && strcmp(at + 1, "latest") == 0;
}

/* RUNTIMES/.installed/DIRNAME.json (install.c), or NULL when there is none usable. */
static json_object *install_record(const struct jl_config *cfg, const char *dirname)
{
	_cleanup_free_ char *path =
		jl_strdup_printf("%s/%s/%s.json", cfg->runtimes_dir, JL_RUNTIME_RECORDS, dirname);
	json_object *o = path ? json_object_from_file(path) : NULL;

	if (o && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	return o;
}

static json_object *runtime_json(const struct jl_config *cfg, const struct installed *r)
{
	const struct jl_runtime_desc *d = r->desc;
	json_object *o = json_object_new_object(), *mounts = json_object_new_array();
	json_object *env = json_object_new_object();
	_cleanup_free_ char *path = jl_strdup_printf("%s/%s", cfg->runtimes_dir, r->dirname);

	json_object_object_add(o, "id", json_object_new_string(r->dirname));
	json_object_object_add(o, "name", json_object_new_string(d->name));
	json_object_object_add(o, "version", json_object_new_string(d->version));
	json_object_object_add(o, "description", json_object_new_string(d->description));
	json_object_object_add(o, "language",
			       d->language ? json_object_new_string(d->language) : NULL);
	json_object_object_add(o, "path", json_object_new_string(path ? path : ""));
	json_object_object_add(o, "platforms", jl_json_strv(d->platforms));
	for (size_t i = 0; i < d->n_mounts; i++) {
		json_object *m = json_object_new_object();

		json_object_object_add(m, "source", json_object_new_string(d->mounts[i].source));
		json_object_object_add(m, "target", json_object_new_string(d->mounts[i].target));
		json_object_object_add(m, "readonly",
				       json_object_new_boolean(d->mounts[i].readonly));
		json_object_array_add(mounts, m);
	}
	json_object_object_add(o, "mounts", mounts);
	for (char **kv = d->env; kv && *kv; kv++) {
		char *eq = strchr(*kv, '=');
		_cleanup_free_ char *k = eq ? strndup(*kv, (size_t)(eq - *kv)) : NULL;

		if (k)
			json_object_object_add(env, k, json_object_new_string(eq + 1));
	}
	json_object_object_add(o, "environment", env);
	json_object_object_add(o, "installed", install_record(cfg, r->dirname));
	return o;
}

int jl_runtime_list(const struct jl_config *cfg, const char *spec_text, char **ret_json,
		    struct joblet_error **err)
{
	struct jl_runtime_spec spec = { 0 };
	struct installed *v = NULL;
	json_object *root, *list, *problems;
	size_t n = 0, shown = 0;
	int r;

	if (spec_text) {
		r = jl_runtime_spec_parse(spec_text, &spec, err);
		if (r < 0)
			return r;
	}
	root = json_object_new_object();
	list = json_object_new_array();
	problems = json_object_new_array();
	r = scan_installed(cfg, &v, &n, problems, err);
	if (r < 0)
		goto fail;
	for (size_t i = 0; i < n; i++)
		if (matches(v, n, i, spec_text ? &spec : NULL, spec_says_latest(spec_text))) {
			json_object_array_add(list, runtime_json(cfg, &v[i]));
			shown++;
		}
	if (spec_text && shown == 0) {
		r = joblet_error_set(
			err, JOBLET_E_NOT_FOUND, 0,
			"runtime `%s` is not installed in `%s`; see `joblet runtime list`",
			spec_text, cfg->runtimes_dir);
		goto fail;
	}
	json_object_object_add(root, "dir", json_object_new_string(cfg->runtimes_dir));
	json_object_object_add(root, "runtimes", list);
	json_object_object_add(root, "problems", problems);
	installed_free(v, n);
	jl_runtime_spec_done(&spec);
	return jl_json_finish(root, ret_json, err);
fail:
	json_object_put(list);
	json_object_put(problems);
	json_object_put(root);
	installed_free(v, n);
	jl_runtime_spec_done(&spec);
	return r;
}

int jl_runtime_remove(const struct jl_config *cfg, const char *spec_text, char **ret_json,
		      struct joblet_error **err)
{
	struct jl_runtime_spec spec = { 0 };
	struct installed *v = NULL;
	_cleanup_free_ char *lock_path = NULL, *staging = NULL, *locks = NULL;
	_cleanup_close_ int lock_fd = -1, dfd = -1, sfd = -1;
	json_object *removed = NULL;
	size_t n = 0;
	int r;

	r = jl_runtime_spec_parse(spec_text, &spec, err);
	if (r < 0)
		return r;
	locks = jl_strdup_printf("%s/.locks", cfg->runtimes_dir);
	lock_path = jl_strdup_printf("%s/.locks/%s.lock", cfg->runtimes_dir, spec.name);
	staging = jl_strdup_printf("%s/.staging", cfg->runtimes_dir);
	if (!locks || !lock_path || !staging) {
		r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot remove `%s`", spec_text);
		goto out;
	}
	if (access(cfg->runtimes_dir, F_OK) < 0) {
		r = joblet_error_set(err, JOBLET_E_NOT_FOUND, 0,
				     "runtime `%s` is not installed (`%s` does not exist)",
				     spec_text, cfg->runtimes_dir);
		goto out;
	}
	if ((r = jl_mkdir_p(locks, 0700, err)) < 0 || (r = jl_mkdir_p(staging, 0700, err)) < 0 ||
	    (r = jl_lock_path(lock_path, true, &lock_fd, err)) < 0)
		goto out;
	dfd = open(cfg->runtimes_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	sfd = open(staging, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0 || sfd < 0) {
		r = joblet_error_set(err, JOBLET_E_IO, errno, "cannot open `%s`",
				     cfg->runtimes_dir);
		goto out;
	}
	r = scan_installed(cfg, &v, &n, NULL, err);
	if (r < 0)
		goto out;
	removed = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *trash = NULL, *path = NULL;
		json_object *o;

		if (!matches(v, n, i, &spec, spec_says_latest(spec_text)))
			continue;
		/* Out of sight first, then gone: never a half-removed runtime. */
		trash = jl_strdup_printf("%s@removing.%d.%zu", spec.name, (int)getpid(), i);
		path = jl_strdup_printf("%s/%s", cfg->runtimes_dir, v[i].dirname);
		if (!trash || !path) {
			r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot remove `%s`",
					     spec_text);
			goto out;
		}
		if (renameat(dfd, v[i].dirname, sfd, trash) < 0) {
			r = joblet_error_set(err, JOBLET_E_IO, errno, "cannot remove `%s`", path);
			goto out;
		}
		r = jl_rm_rf_at(sfd, trash, err);
		if (r < 0)
			goto out;
		{
			_cleanup_free_ char *record =
				jl_strdup_printf("%s/%s.json", JL_RUNTIME_RECORDS, v[i].dirname);

			if (record)
				(void)unlinkat(dfd, record, 0);
		}
		o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(v[i].desc->name));
		json_object_object_add(o, "version", json_object_new_string(v[i].desc->version));
		json_object_object_add(o, "path", json_object_new_string(path));
		json_object_array_add(removed, o);
	}
	if (json_object_array_length(removed) == 0) {
		r = joblet_error_set(err, JOBLET_E_NOT_FOUND, 0,
				     "runtime `%s` is not installed; see `joblet runtime list`",
				     spec_text);
		goto out;
	}
	{
		json_object *root = json_object_new_object();

		json_object_object_add(root, "removed", removed);
		removed = NULL;
		r = jl_json_finish(root, ret_json, err);
	}
out:
	json_object_put(removed);
	installed_free(v, n);
	jl_runtime_spec_done(&spec);
	return r;
}

int jl_registry_list(const struct jl_config *cfg, const struct jl_plugin_set *set,
		     const char *registry_arg, char **ret_json, struct joblet_error **err)
{
	const char *registry = registry_arg && *registry_arg ? registry_arg : cfg->default_registry;
	const struct joblet_plugin *plugin = NULL;
	struct jl_index *idx = NULL;
	struct installed *inst = NULL;
	_cleanup_free_ char *platform = NULL;
	json_object *root = NULL, *runtimes = NULL, *cur = NULL, *versions = NULL;
	size_t n_inst = 0;
	bool unchecked;
	int r;

	r = jl_registry_pick(cfg, set, registry, &plugin, err);
	if (r == 0)
		r = jl_host_platform(cfg, &platform, err);
	if (r == 0)
		r = jl_index_fetch(cfg, plugin, registry, false, NULL, &idx, &unchecked, err);
	if (r == 0)
		r = scan_installed(cfg, &inst, &n_inst, NULL, err);
	if (r < 0)
		goto out;
	root = json_object_new_object();
	runtimes = json_object_new_array();
	for (size_t i = 0; i < idx->n; i++) {
		const struct jl_index_entry *e = &idx->entries[i];
		json_object *v = json_object_new_object();
		bool installed = false;

		if (!cur || strcmp(e->name, idx->entries[i - 1].name) != 0) {
			cur = json_object_new_object();
			versions = json_object_new_array();
			json_object_object_add(cur, "name", json_object_new_string(e->name));
			json_object_object_add(cur, "versions", versions);
			json_object_array_add(runtimes, cur);
		}
		for (size_t j = 0; j < n_inst; j++)
			installed |= strcmp(inst[j].desc->name, e->name) == 0 &&
				     strcmp(inst[j].desc->version, e->version) == 0;
		json_object_object_add(v, "version", json_object_new_string(e->version));
		json_object_object_add(v, "description", json_object_new_string(e->description));
		json_object_object_add(v, "size",
				       e->size >= 0 ? json_object_new_int64(e->size) : NULL);
		json_object_object_add(v, "platforms", jl_json_strv(e->platforms));
		json_object_object_add(
			v, "supported",
			json_object_new_boolean(jl_index_entry_supports(e, platform)));
		json_object_object_add(v, "installed", json_object_new_boolean(installed));
		json_object_array_add(versions, v);
	}
	json_object_object_add(root, "registry", json_object_new_string(registry));
	json_object_object_add(root, "source", json_object_new_string(idx->source));
	json_object_object_add(root, "platform", json_object_new_string(platform));
	json_object_object_add(root, "runtimes", runtimes);
	r = jl_json_finish(root, ret_json, err);
out:
	installed_free(inst, n_inst);
	jl_index_free(idx);
	return r;
}

int jl_runtime_resolve(const struct jl_config *cfg, const char *spec_text, char **ret_dir,
		       struct jl_runtime_desc **ret_desc, struct joblet_error **err)
{
	struct jl_runtime_spec spec = { 0 };
	struct installed *v = NULL;
	_cleanup_strv_ char **have = NULL;
	ssize_t pick = -1;
	size_t n = 0;
	int r;

	r = jl_runtime_spec_parse(spec_text, &spec, err);
	if (r < 0)
		return r;
	r = scan_installed(cfg, &v, &n, NULL, err);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].desc->name, spec.name) != 0)
			continue;
		jl_strv_push(&have, v[i].desc->version);
		/* Sorted by version: the last match is the highest. */
		if (!spec.version || strcmp(v[i].desc->version, spec.version) == 0)
			pick = (ssize_t)i;
	}
	if (pick < 0) {
		_cleanup_free_ char *list = have ? jl_strv_join(have, ", ") : NULL;

		r = joblet_error_set(
			err, JOBLET_E_NOT_FOUND, 0,
			"runtime `%s` is not installed in `%s`%s%s%s; install it with `joblet runtime install %s`",
			spec_text, cfg->runtimes_dir, list ? " (installed versions: " : "",
			list ? list : "", list ? ")" : "", spec_text);
		goto out;
	}
	*ret_dir = jl_strdup_printf("%s/%s", cfg->runtimes_dir, v[pick].dirname);
	if (!*ret_dir) {
		r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot resolve `%s`", spec_text);
		goto out;
	}
	if (ret_desc)
		*ret_desc = TAKE_PTR(v[pick].desc);
	r = 0;
out:
	installed_free(v, n);
	jl_runtime_spec_done(&spec);
	return r;
}

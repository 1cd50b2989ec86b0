/*
 * runtime_text.c - the answers of the runtime verbs as text for people,
 * shared by `joblet runtime` (on the host) and `rnx runtime` (through the
 * daemon), so both print the same.  Output goes to the FILEs the caller
 * gives.
 */
#include <config.h>

#include <json.h>

#include "common/runtime_text.h"

#include "base/util.h"
#include "runtime/runtime.h"

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : "";
}

void jl_size_format(double bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int u = 0;

	while (bytes >= 1024 && u < 4) {
		bytes /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
}

void jl_install_progress_print(FILE *out, struct jl_progress_view *b,
			       const struct jl_install_progress *p)
{
	char done[32], total[32], rate[32];

	if (p->message) {
		if (b->drawn)
			fputc('\n', out);
		b->drawn = 0;
		if (p->phase != JL_INSTALL_DONE)
			fprintf(out, "%s\n", p->message);
		return;
	}
	if (p->phase != JL_INSTALL_DOWNLOADING)
		return;
	jl_size_format((double)p->done, done, sizeof(done));
	jl_size_format(p->total > 0 ? (double)p->total : 0, total, sizeof(total));
	jl_size_format(p->rate_bps, rate, sizeof(rate));
	if (b->tty) {
		int pct = p->total > 0 ? (int)(100.0 * (double)p->done / (double)p->total) : 0;
		int width = 30, fill = p->total > 0 ? pct * width / 100 : 0;

		fprintf(out, "\r[%.*s%*s] %3d%% %s / %s  %s/s ", fill,
			"##############################", width - fill, "", pct, done,
			p->total > 0 ? total : "?", rate);
		b->drawn = 1;
	} else if (p->total > 0) {
		int decile = (int)(10 * p->done / (uint64_t)p->total);

		if (decile != b->last_decile) {
			b->last_decile = decile;
			fprintf(out, "downloaded %s of %s (%d%%), %s/s\n", done, total, decile * 10,
				rate);
		}
	}
}

void jl_install_progress_end(FILE *out, struct jl_progress_view *b)
{
	if (b->drawn)
		fputc('\n', out);
	b->drawn = 0;
}

static void print_installed(FILE *out, json_object *o)
{
	json_object *rep = NULL, *already = NULL;

	json_object_object_get_ex(o, "replaced", &rep);
	json_object_object_get_ex(o, "already_installed", &already);
	if (json_object_get_boolean(already))
		fprintf(out, "%s %s is already installed at %s (--force installs it again)\n",
			jstr(o, "name"), jstr(o, "version"), jstr(o, "path"));
	else
		fprintf(out, "%s %s %s at %s\n",
			json_object_get_boolean(rep) ? "reinstalled" : "installed", jstr(o, "name"),
			jstr(o, "version"), jstr(o, "path"));
}

static void print_problems(FILE *errout, const char *prog, json_object *o)
{
	json_object *problems = NULL;

	json_object_object_get_ex(o, "problems", &problems);
	for (size_t i = 0; problems && i < json_object_array_length(problems); i++) {
		json_object *p = json_object_array_get_idx(problems, i);

		fprintf(errout, "%s: warning: `%s` is not a usable runtime: %s\n", prog,
			jstr(p, "path"), jstr(p, "error"));
	}
}

static void print_list(FILE *out, FILE *errout, const char *prog, json_object *o)
{
	json_object *list = NULL;

	json_object_object_get_ex(o, "runtimes", &list);
	for (size_t i = 0; list && i < json_object_array_length(list); i++)
		fprintf(out, "%s\n", jstr(json_object_array_get_idx(list, i), "id"));
	if (!list || json_object_array_length(list) == 0)
		fprintf(errout, "no runtimes installed in %s\n", jstr(o, "dir"));
	print_problems(errout, prog, o);
}

static void print_registry(FILE *out, json_object *o)
{
	json_object *runtimes = NULL;

	fprintf(out, "registry %s (%s), this host: %s\n", jstr(o, "registry"), jstr(o, "source"),
		jstr(o, "platform"));
	json_object_object_get_ex(o, "runtimes", &runtimes);
	for (size_t i = 0; runtimes && i < json_object_array_length(runtimes); i++) {
		json_object *rt = json_object_array_get_idx(runtimes, i), *versions = NULL;
		const char *desc = "";

		json_object_object_get_ex(rt, "versions", &versions);
		fprintf(out, "  %s:", jstr(rt, "name"));
		for (size_t j = 0; versions && j < json_object_array_length(versions); j++) {
			json_object *v = json_object_array_get_idx(versions, j), *b;
			bool inst = json_object_object_get_ex(v, "installed", &b) &&
				    json_object_get_boolean(b);
			bool sup = !json_object_object_get_ex(v, "supported", &b) ||
				   json_object_get_boolean(b);

			if (j == 0)
				desc = jstr(v, "description");
			fprintf(out, "%s %s%s%s", j ? "," : "", jstr(v, "version"),
				inst ? " (installed)" : "", sup ? "" : " (not for this host)");
		}
		fprintf(out, "\n");
		if (*desc)
			fprintf(out, "      %s\n", desc);
	}
}

static void print_info(FILE *out, json_object *o)
{
	json_object *list = NULL;

	json_object_object_get_ex(o, "runtimes", &list);
	for (size_t i = 0; list && i < json_object_array_length(list); i++) {
		json_object *rt = json_object_array_get_idx(list, i), *mounts = NULL, *envo = NULL,
			    *platforms = NULL;

		json_object *inst = NULL;

		json_object_object_get_ex(rt, "installed", &inst);
		fprintf(out, "%s%s %s\n", i ? "\n" : "", jstr(rt, "name"), jstr(rt, "version"));
		fprintf(out, "  path:        %s\n", jstr(rt, "path"));
		if (*jstr(rt, "description"))
			fprintf(out, "  description: %s\n", jstr(rt, "description"));
		/* The registry's words, when they are not the runtime's own. */
		if (inst && *jstr(inst, "description") &&
		    strcmp(jstr(inst, "description"), jstr(rt, "description")) != 0)
			fprintf(out, "  registry says: %s\n", jstr(inst, "description"));
		if (inst) {
			json_object *bytes = NULL;

			json_object_object_get_ex(inst, "bytes", &bytes);
			fprintf(out, "  registry:    %s\n", jstr(inst, "registry"));
			fprintf(out, "  source:      %s\n", jstr(inst, "source"));
			fprintf(out, "  sha256:      %s\n", jstr(inst, "sha256"));
			fprintf(out, "  size:        %lld bytes\n",
				(long long)json_object_get_int64(bytes));
			fprintf(out, "  installed:   %s\n", jstr(inst, "installed_at"));
		}
		if (*jstr(rt, "language"))
			fprintf(out, "  language:    %s\n", jstr(rt, "language"));
		json_object_object_get_ex(rt, "platforms", &platforms);
		if (platforms && json_object_array_length(platforms)) {
			fprintf(out, "  platforms:  ");
			for (size_t j = 0; j < json_object_array_length(platforms); j++)
				fprintf(out, " %s",
					json_object_get_string(
						json_object_array_get_idx(platforms, j)));
			fprintf(out, "\n");
		}
		json_object_object_get_ex(rt, "mounts", &mounts);
		for (size_t j = 0; mounts && j < json_object_array_length(mounts); j++) {
			json_object *m = json_object_array_get_idx(mounts, j), *ro = NULL;

			json_object_object_get_ex(m, "readonly", &ro);
			fprintf(out, "  %s %s -> %s (%s)\n",
				j ? "            " : "mounts:     ", jstr(m, "source"),
				jstr(m, "target"),
				json_object_get_boolean(ro) ? "read-only" : "writable");
		}
		json_object_object_get_ex(rt, "environment", &envo);
		if (envo) {
			bool first = true;

			json_object_object_foreach(envo, k, v)
			{
				fprintf(out, "  %s %s=%s\n",
					first ? "environment:" : "            ", k,
					json_object_get_string(v));
				first = false;
			}
		}
	}
}

static void print_removed(FILE *out, json_object *o)
{
	json_object *list = NULL;

	json_object_object_get_ex(o, "removed", &list);
	for (size_t i = 0; list && i < json_object_array_length(list); i++) {
		json_object *rt = json_object_array_get_idx(list, i);

		fprintf(out, "removed %s %s (%s)\n", jstr(rt, "name"), jstr(rt, "version"),
			jstr(rt, "path"));
	}
}

int jl_runtime_print_text(FILE *out, FILE *errout, const char *prog, int32_t what, const char *json)
{
	json_object *o = json_tokener_parse(json);

	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return -1;
	}
	switch (what) {
	case JL_RUNTIME_TEXT_INSTALLED:
		print_installed(out, o);
		break;
	case JL_RUNTIME_TEXT_LIST:
		print_list(out, errout, prog, o);
		break;
	case JL_RUNTIME_TEXT_REGISTRY:
		print_registry(out, o);
		break;
	case JL_RUNTIME_TEXT_INFO:
		print_info(out, o);
		break;
	case JL_RUNTIME_TEXT_REMOVED:
		print_removed(out, o);
		break;
	default:
		json_object_put(o);
		return -1;
	}
	json_object_put(o);
	return 0;
}

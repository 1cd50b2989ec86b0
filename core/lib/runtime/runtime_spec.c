/* runtime_spec.c - NAME[@VERSION|@latest] as users type it (jl_runtime_spec_*). */
#include <config.h>

#include "runtime/runtime_spec.h"
#include "runtime/semver.h"
#include "base/util.h"

/* Longest part of the user's text quoted in a message; "%.*s%s" takes QUOTED(s). */
#define QUOTE_MAX 128
#define QUOTED(s) quote_len(s), (s), strlen(s) > QUOTE_MAX ? "..." : ""

static const char usage[] = "use NAME, NAME@VERSION or NAME@latest, e.g. python-3.11-ml@1.0.2";

static int quote_len(const char *s)
{
	size_t len = strlen(s);

	return len > QUOTE_MAX ? QUOTE_MAX : (int)len;
}

static bool is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool jl_runtime_name_valid(const char *name)
{
	size_t len;

	if (!name || !is_name_start(name[0]))
		return false;
	len = strlen(name);
	if (len > JL_RUNTIME_NAME_MAX)
		return false;
	for (size_t i = 1; i < len; i++)
		if (!is_name_start(name[i]) && name[i] != '.' && name[i] != '_' && name[i] != '-')
			return false;
	return true;
}

static int check_name(const char *text, const char *name, struct joblet_error **err)
{
	size_t len = strlen(name);

	if (len == 0)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"runtime spec `%.*s%s` has no name before `@`; %s",
					QUOTED(text), usage);
	if (len > JL_RUNTIME_NAME_MAX)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"runtime name `%.*s%s` is too long (%zu bytes): use at most %d bytes",
			QUOTED(name), len, JL_RUNTIME_NAME_MAX);
	if (!jl_runtime_name_valid(name))
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"runtime name `%.*s%s` is invalid: use lower-case letters, digits, `.`, `_` and `-`, starting with a letter or digit",
			QUOTED(name));
	return 0;
}

int jl_runtime_spec_parse(const char *text, struct jl_runtime_spec *ret, struct joblet_error **err)
{
	_cleanup_free_ char *name = NULL, *version = NULL;
	const char *at;
	int r;

	if (!text || !*text)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"an empty runtime spec is not valid; %s", usage);
	at = strchr(text, '@');
	if (at && strchr(at + 1, '@'))
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"runtime spec `%.*s%s` has more than one `@`; %s",
					QUOTED(text), usage);
	name = at ? strndup(text, (size_t)(at - text)) : strdup(text);
	if (!name)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot parse a runtime spec");
	r = check_name(text, name, err);
	if (r < 0)
		return r;

	if (at) {
		const char *v = at + 1;

		if (!*v)
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"runtime spec `%.*s%s` has no version after `@`; use NAME@VERSION (e.g. %s@1.2.3), NAME@latest or just NAME",
				QUOTED(text), name);
		if (strcmp(v, "latest") != 0) {
			struct jl_semver sv;

			r = jl_semver_parse(v, &sv, err);
			if (r < 0)
				return joblet_error_prefix(err, r, "runtime spec `%.*s%s`",
							   QUOTED(text));
			jl_semver_done(&sv);
			version = strdup(v);
			if (!version)
				return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
							"cannot parse a runtime spec");
		}
	}
	ret->name = TAKE_PTR(name);
	ret->version = TAKE_PTR(version);
	return 0;
}

void jl_runtime_spec_done(struct jl_runtime_spec *s)
{
	if (!s)
		return;
	free(s->name);
	free(s->version);
	*s = (struct jl_runtime_spec){ 0 };
}

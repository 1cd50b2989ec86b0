/*
 * The daemon's URL handling (core/daemon): the path of a request decoded
 * as libmicrohttpd decodes it, matched against the API's route table
 * (server.c server_route_find, api_routes.c), its {} segment resolved as a
 * job-id prefix (store.c store_job_resolve, on a store holding two jobs)
 * or a runtime's NAME[@VERSION] (runtime/runtime_spec.c), and the query's
 * values read as the handlers read them.
 * Input: METHOD SP PATH [? QUERY].
 */
#include "fuzz.h"

#include <microhttpd.h>

#include "daemon/server.h"
#include "daemon/store.h"
#include "runtime/runtime_spec.h"

static struct store *store;

static void open_store(void)
{
	static const char *const ids[] = { "0f1e2d3c-4b5a-4697-8877-665544332211",
					   "0f1e2d3c-ffff-4000-8000-000000000001" };
	struct job_record r;
	char path[4200];
	const char *dir = fuzz_dir();

	if (!dir)
		abort();
	snprintf(path, sizeof(path), "%s/joblet.db", dir);
	if (store_open(path, &store, NULL) < 0)
		abort();
	for (size_t i = 0; i < 2; i++) {
		memset(&r, 0, sizeof(r));
		snprintf(r.id, sizeof(r.id), "%s", ids[i]);
		r.seq = (int64_t)i + 1;
		r.owner = (char *)"alice";
		r.owner_serial = (char *)"abcd";
		r.owner_role = (char *)"developer";
		r.state = JOB_RUNNING;
		r.spec_json = (char *)"{\"command\":[\"true\"]}";
		r.command = (char *)"true";
		if (store_job_insert(store, &r, NULL) < 0)
			abort();
	}
}

static void query_values(char *query)
{
	char *kv;

	while ((kv = strsep(&query, "&"))) {
		char *v = strchr(kv, '=');

		if (!v)
			continue;
		*v++ = '\0';
		MHD_http_unescape(v);
		if (strcmp(kv, "status") == 0)
			(void)job_state_parse(v);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_str(data, size), *path, *query, *arg = NULL;
	const struct route *route;
	unsigned int status;
	char allow[64], id[37];

	if (!store)
		open_store();
	if (!text)
		return 0;
	path = strchr(text, ' ');
	if (!path)
		goto done;
	*path++ = '\0';
	query = strchr(path, '?');
	if (query)
		*query++ = '\0';
	MHD_http_unescape(path);
	route = server_route_find(api_routes, text, path, &arg, &status, allow, sizeof(allow));
	if (!route && status != MHD_HTTP_NOT_FOUND && status != MHD_HTTP_METHOD_NOT_ALLOWED)
		abort();
	if (route && arg && strncmp(route->pattern, "/v1/runtimes/", 13) == 0) {
		struct jl_runtime_spec spec;

		if (jl_runtime_spec_parse(arg, &spec, NULL) == 0)
			jl_runtime_spec_done(&spec);
	} else if (route && arg) {
		struct joblet_error *e = NULL;

		(void)store_job_resolve(store, arg, NULL, id, &e);
		joblet_error_free(e);
		(void)store_job_resolve(store, arg, "alice", id, NULL);
	}
	if (query)
		query_values(query);
done:
	free(arg);
	free(text);
	return 0;
}

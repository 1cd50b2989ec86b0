/*
 * api_routes.c - the routes of the API: one entry per method and path,
 * with the least role that may call it (docs/api.md lists them for people).
 *
 * The role is the first gate; whose jobs a route then sees or touches is
 * the second, the same for every job route (request_job_owner(),
 * request_job() in server.c): a developer or maintainer gets only their
 * own jobs, a reader reads all of them, an admin reads and acts on all.
 *
 * A table of its own, handed to server_start() by cmd_serve.c: the server
 * core (server.c) and the handlers (api_*.c) never name each other.
 */
#include <config.h>

#include "server.h"

const struct route api_routes[] = {
	{ "GET", "/v1/version", ROLE_READER, 0, api_version },
	{ "GET", "/v1/plugins", ROLE_READER, 0, api_plugins },
	{ "GET", "/metrics", ROLE_READER, 0, api_metrics },
	{ "GET", "/v1/audit", ROLE_ADMIN, 0, api_audit },
	{ "POST", "/v1/jobs", ROLE_DEVELOPER, ROUTE_MUTATING | ROUTE_UPLOAD, api_job_run },
	{ "GET", "/v1/jobs", ROLE_READER, 0, api_job_list },
	{ "DELETE", "/v1/jobs", ROLE_DEVELOPER, ROUTE_MUTATING, api_job_delete_all },
	{ "GET", "/v1/jobs/{}", ROLE_READER, 0, api_job_status },
	{ "DELETE", "/v1/jobs/{}", ROLE_DEVELOPER, ROUTE_MUTATING, api_job_delete },
	{ "GET", "/v1/jobs/{}/logs", ROLE_READER, ROUTE_STREAM, api_job_logs },
	{ "GET", "/v1/jobs/{}/files{*}", ROLE_READER, 0, api_job_files },
	{ "GET", "/v1/jobs/{}/metrics", ROLE_READER, ROUTE_STREAM, api_job_metrics },
	{ "GET", "/v1/monitor/status", ROLE_READER, 0, api_monitor_status },
	{ "GET", "/v1/monitor/top", ROLE_READER, 0, api_monitor_top },
	{ "POST", "/v1/jobs/{}/stop", ROLE_DEVELOPER, ROUTE_MUTATING, api_job_stop },
	{ "POST", "/v1/jobs/{}/cancel", ROLE_DEVELOPER, ROUTE_MUTATING, api_job_cancel },
	{ "GET", "/v1/runtimes", ROLE_READER, 0, api_runtime_list },
	{ "POST", "/v1/runtimes/install", ROLE_MAINTAINER, ROUTE_MUTATING | ROUTE_STREAM,
	  api_runtime_install },
	{ "GET", "/v1/runtimes/{}", ROLE_READER, 0, api_runtime_info },
	{ "DELETE", "/v1/runtimes/{}", ROLE_ADMIN, ROUTE_MUTATING, api_runtime_remove },
	{ "GET", "/v1/networks", ROLE_READER, 0, api_network_list },
	{ "POST", "/v1/networks", ROLE_DEVELOPER, ROUTE_MUTATING, api_network_create },
	{ "DELETE", "/v1/networks/{}", ROLE_DEVELOPER, ROUTE_MUTATING, api_network_remove },
	{ "GET", "/v1/volumes", ROLE_READER, 0, api_volume_list },
	{ "POST", "/v1/volumes", ROLE_DEVELOPER, ROUTE_MUTATING, api_volume_create },
	{ "DELETE", "/v1/volumes/{}", ROLE_DEVELOPER, ROUTE_MUTATING, api_volume_remove },
	{ "GET", "/v1/volumes/{}/files{*}", ROLE_READER, 0, api_volume_files },
	{ NULL, NULL, 0, 0, NULL },
};

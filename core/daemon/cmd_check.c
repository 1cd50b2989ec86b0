/*
 * cmd_check.c - joblet check: what this host and configuration give joblet.
 */
#include <config.h>

#include <grp.h>
#include <json.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "networks.h"
#include "common/cli.h"
#include "base/plugin_id.h"
#include "config/config.h"
#include "config/host.h"
#include "job/executor.h"
#include "plugin/loader.h"
#include "plugin/ops_isolation.h"
#include "runtime/runtime.h"

static const struct {
	uint32_t bit;
	const char *name;
} features[] = {
	{ JL_FEATURE_OPENAT2, "openat2" },
	{ JL_FEATURE_CLONE3, "clone3" },
	{ JL_FEATURE_PIDFD, "pidfd" },
	{ JL_FEATURE_CLOSE_RANGE, "close_range" },
	{ JL_FEATURE_SECCOMP_FILTER, "seccomp_filter" },
};

static json_object *strv_json(char *const *v)
{
	json_object *a = json_object_new_array();

	for (; v && *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

static json_object *ns_json(uint32_t mask)
{
	json_object *a = json_object_new_array();

	for (uint32_t bit = 1; bit & JL_NS_ALL; bit <<= 1)
		if (mask & bit)
			json_object_array_add(a, json_object_new_string(jl_host_ns_name(bit)));
	return a;
}

static void print_words(const char *label, char *const *v)
{
	printf("  %-22s", label);
	if (!v || !*v)
		printf(" (none)");
	for (; v && *v; v++)
		printf(" %s", *v);
	printf("\n");
}

static void print_ns(const char *label, uint32_t mask)
{
	printf("  %-22s", label);
	if (!mask)
		printf(" (none)");
	for (uint32_t bit = 1; bit & JL_NS_ALL; bit <<= 1)
		if (mask & bit)
			printf(" %s", jl_host_ns_name(bit));
	printf("\n");
}

/* probe() of every isolation plugin: can this host use it? */
struct isolation_verdict {
	const struct joblet_plugin *plugin;
	char *reason; /* NULL when usable */
};

static size_t probe_isolation(const struct jl_plugin_set *set, struct isolation_verdict *out,
			      size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < jl_plugin_set_count(set) && n < max; i++) {
		const struct joblet_plugin *p = jl_plugin_set_get(set, i, NULL);
		struct joblet_error *e = NULL;

		if (p->kind != JOBLET_KIND_ISOLATION)
			continue;
		out[n].plugin = p;
		out[n].reason = NULL;
		if (jl_isolation_probe(p, &e) < 0)
			out[n].reason = strdup(joblet_error_message(e));
		joblet_error_free(e);
		n++;
	}
	return n;
}

/* Can joblet-oci run here, as root and rootless (docs/oci.md)?  NULL = yes, else why not. */
struct oci_verdict {
	const char *root;
	const char *rootless;
};

/* Can a process running as uid (0: as we are) make a user namespace? */
static bool userns_usable(uid_t uid)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		if (uid != 0 && (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 ||
				 setresuid(uid, uid, uid) < 0))
			_exit(2);
		_exit(unshare(CLONE_NEWUSER) == 0 ? 0 : 1);
	}
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

static void oci_check(const struct jl_host_info *h, const struct isolation_verdict *iso,
		      size_t n_iso, struct oci_verdict *v)
{
	const char *seccomp = "the isolation/seccomp plugin (joblet-oci's floor) is not loaded";

	for (size_t i = 0; i < n_iso; i++)
		if (strcmp(iso[i].plugin->name, "seccomp") == 0)
			seccomp = iso[i].reason;
	v->root = v->rootless = NULL;
	if (access(JOBLET_SBINDIR "/joblet-oci", X_OK) < 0)
		v->root = v->rootless =
			"joblet-oci is not installed (configure --enable-oci, with libseccomp)";
	else if (seccomp)
		v->root = v->rootless = seccomp;
	if (!v->root && !h->privileged)
		v->root = "not tested (run as root)";
	else if (!v->root && !userns_usable(0))
		v->root = "user namespaces cannot be made (user.max_user_namespaces is 0?)";
	if (!v->rootless && h->privileged && !userns_usable(65534))
		v->rootless =
			"an unprivileged user cannot make a user namespace (sysctl kernel.unprivileged_userns_clone=1, user.max_user_namespaces)";
	else if (!v->rootless && !h->privileged && !userns_usable(0))
		v->rootless =
			"this user cannot make a user namespace (sysctl kernel.unprivileged_userns_clone=1, user.max_user_namespaces)";
}

static void print_text(const struct jl_config *cfg, const struct jl_host_info *h,
		       const struct jl_plugin_set *set, const struct isolation_verdict *iso,
		       size_t n_iso, const struct daemon_problems *problems)
{
	const char *path, *reason;

	printf("joblet %s, plugin ABI %s\n", JOBLET_VERSION_STRING, JOBLET_PLUGIN_ABI_STRING);
	printf("host:       Linux %s %s, %s\n", h->kernel_release ? h->kernel_release : "?",
	       h->machine ? h->machine : "?", h->privileged ? "running as root" : "not root");
	printf("config:     %s\n", cfg->source ? cfg->source : "built-in defaults (no joblet.yml)");

	printf("\ncgroups:    %s", jl_host_cgroup_mode_name(h->cgroup_mode));
	if (h->cgroup_mode == JL_CGROUP_HYBRID)
		printf(" (v1 controllers; cgroup2 mounted at %s)", h->cgroup2_mount);
	else if (h->cgroup2_mount)
		printf(" (cgroup2 at %s)", h->cgroup2_mount);
	printf("\n");
	if (h->cgroup2_mount)
		print_words("cgroup2 controllers:", h->cgroup2_controllers);
	if (h->cgroup_mode == JL_CGROUP_V1 || h->cgroup_mode == JL_CGROUP_HYBRID)
		print_words("cgroup1 controllers:", h->cgroup1_controllers);

	printf("namespaces:\n");
	print_ns("in the kernel:", h->ns_present);
	if (h->ns_tested)
		print_ns("usable (tested):", h->ns_usable);
	else
		printf("  %-22s not tested (run as root)\n", "usable:");

	printf("kernel:    ");
	for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++)
		printf(" %s %s%s", features[i].name, h->features & features[i].bit ? "yes" : "no",
		       i + 1 < sizeof(features) / sizeof(features[0]) ? "," : "\n");

	printf("\nplugins:    %zu loaded, %zu rejected; directories:", jl_plugin_set_count(set),
	       jl_plugin_set_rejected_count(set));
	for (size_t i = 0; (path = jl_plugin_set_dir(set, i)); i++)
		printf(" %s", path);
	printf("\n");
	for (size_t i = 0; i < jl_plugin_set_count(set); i++) {
		const char *origin;
		const struct joblet_plugin *p = jl_plugin_set_get(set, i, &origin);
		char id[96];

		snprintf(id, sizeof(id), "%s/%s", jl_plugin_kind_name((int32_t)p->kind), p->name);
		printf("  %-20s %-10s %s\n", id, p->version, origin);
	}
	if (jl_plugin_set_rejected_count(set) > 0) {
		printf("rejected:\n");
		for (size_t i = 0; jl_plugin_set_rejected(set, i, &path, &reason) == 0; i++)
			printf("  %s\n      %s\n", path, reason);
	}
	printf("isolation:  stack");
	for (char **name = cfg->isolation_stack; name && *name; name++) {
		const struct joblet_plugin *layers[16];
		size_t n = 0;

		printf(" %s", *name);
		/* Say which backend "cgroup" is on this host. */
		if (strcmp(*name, "cgroup") == 0) {
			struct jl_config one = *cfg;
			char *just[] = { *name, NULL };

			one.isolation_stack = just;
			if (jl_isolation_stack_resolve(&one, set, layers, 16, &n, NULL) == 0 &&
			    n == 1)
				printf(" (= %s)", layers[0]->name);
		}
	}
	printf("\n");
	for (size_t i = 0; i < n_iso; i++)
		printf("  %-20s %s%s\n", iso[i].plugin->name,
		       iso[i].reason ? "unusable: " : "usable", iso[i].reason ? iso[i].reason : "");
	if (!n_iso)
		printf("  (no isolation plugins)\n");
	printf("scheduler:  policy %s\n", cfg->scheduler_policy);
	{
		const struct joblet_plugin *rp = NULL;
		struct joblet_error *e = NULL;
		char *platform = NULL;

		printf("runtimes:   %s; registry %s", cfg->runtimes_dir, cfg->default_registry);
		if (jl_registry_plugin_for(cfg, set, NULL, &rp, NULL) == 0)
			printf(" (registry/%s)", rp->name);
		else
			printf(" (no registry plugin takes it)");
		if (jl_runtime_host_platform(cfg, &platform, &e) == 0)
			printf("; platform %s%s\n", platform, cfg->platform ? " (configured)" : "");
		else
			printf("; platform unknown: %s\n", joblet_error_message(e));
		free(platform);
		joblet_error_free(e);
	}

	{
		char why[512];
		const char *no = networks_config_why_not(cfg, why, sizeof(why));

		printf("networks:   bridge %s (%s), isolated %s (%s), table %s; jobs may use them: %s%s\n",
		       cfg->net_bridge_cidr, cfg->net_bridge_device, cfg->net_isolated_cidr,
		       cfg->net_isolated_device, cfg->net_table, no ? "no: " : "yes", no ? no : "");
	}
	{
		struct oci_verdict v;

		oci_check(h, iso, n_iso, &v);
		printf("joblet-oci: as root %s%s; rootless %s%s\n", v.root ? "no: " : "yes",
		       v.root ? v.root : "", v.rootless ? "no: " : "yes",
		       v.rootless ? v.rootless : "");
	}
	if (problems->n > 0) {
		printf("\nproblems (joblet serve will refuse to start):\n");
		for (size_t i = 0; i < problems->n; i++)
			printf("  - %s\n", problems->items[i]);
	} else
		printf("\nok: joblet can serve with this host and configuration\n");
}

static void print_json(const struct jl_config *cfg, const struct jl_host_info *h,
		       const struct jl_plugin_set *set, const struct isolation_verdict *iso,
		       size_t n_iso, const struct daemon_problems *problems)
{
	json_object *isoj = json_object_new_array();
	json_object *root = json_object_new_object(), *host = json_object_new_object();
	json_object *cg = json_object_new_object(), *ns = json_object_new_object();
	json_object *feat = json_object_new_object(), *plugins = NULL;
	char *pj = NULL;

	json_object_object_add(root, "version", json_object_new_string(JOBLET_VERSION_STRING));
	json_object_object_add(root, "plugin_abi",
			       json_object_new_string(JOBLET_PLUGIN_ABI_STRING));
	json_object_object_add(root, "config",
			       cfg->source ? json_object_new_string(cfg->source) : NULL);
	json_object_object_add(host, "kernel",
			       json_object_new_string(h->kernel_release ? h->kernel_release : ""));
	json_object_object_add(host, "machine",
			       json_object_new_string(h->machine ? h->machine : ""));
	json_object_object_add(host, "privileged", json_object_new_boolean(h->privileged));
	json_object_object_add(cg, "mode",
			       json_object_new_string(jl_host_cgroup_mode_name(h->cgroup_mode)));
	json_object_object_add(cg, "cgroup2_mount",
			       h->cgroup2_mount ? json_object_new_string(h->cgroup2_mount) : NULL);
	json_object_object_add(cg, "cgroup2_controllers", strv_json(h->cgroup2_controllers));
	json_object_object_add(cg, "cgroup1_controllers", strv_json(h->cgroup1_controllers));
	json_object_object_add(host, "cgroups", cg);
	json_object_object_add(ns, "present", ns_json(h->ns_present));
	json_object_object_add(ns, "usable", h->ns_tested ? ns_json(h->ns_usable) : NULL);
	json_object_object_add(host, "namespaces", ns);
	for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++)
		json_object_object_add(feat, features[i].name,
				       json_object_new_boolean(!!(h->features & features[i].bit)));
	json_object_object_add(host, "features", feat);
	json_object_object_add(root, "host", host);
	if (jl_plugin_set_to_json(set, &pj, NULL) == 0)
		plugins = json_tokener_parse(pj);
	free(pj);
	json_object_object_add(root, "plugins", plugins);
	for (size_t i = 0; i < n_iso; i++) {
		json_object *o = json_object_new_object();
		char id[96];

		snprintf(id, sizeof(id), "isolation/%s", iso[i].plugin->name);
		json_object_object_add(o, "id", json_object_new_string(id));
		json_object_object_add(o, "usable", json_object_new_boolean(!iso[i].reason));
		json_object_object_add(
			o, "reason", iso[i].reason ? json_object_new_string(iso[i].reason) : NULL);
		json_object_array_add(isoj, o);
	}
	json_object_object_add(root, "isolation", isoj);
	json_object_object_add(root, "scheduler_policy",
			       json_object_new_string(cfg->scheduler_policy));
	{
		json_object *rt = json_object_new_object();
		const struct joblet_plugin *rp = NULL;
		struct joblet_error *e = NULL;
		char *platform = NULL, id[96] = "";

		if (jl_registry_plugin_for(cfg, set, NULL, &rp, NULL) == 0)
			snprintf(id, sizeof(id), "registry/%s", rp->name);
		json_object_object_add(rt, "dir", json_object_new_string(cfg->runtimes_dir));
		json_object_object_add(rt, "registry",
				       json_object_new_string(cfg->default_registry));
		json_object_object_add(rt, "registry_plugin",
				       *id ? json_object_new_string(id) : NULL);
		if (jl_runtime_host_platform(cfg, &platform, &e) == 0)
			json_object_object_add(rt, "platform", json_object_new_string(platform));
		else {
			json_object_object_add(rt, "platform", NULL);
			json_object_object_add(rt, "platform_error",
					       json_object_new_string(joblet_error_message(e)));
		}
		free(platform);
		joblet_error_free(e);
		json_object_object_add(root, "runtimes", rt);
	}
	{
		json_object *oci = json_object_new_object(), *asroot = json_object_new_object(),
			    *rl = json_object_new_object();
		struct oci_verdict v;

		oci_check(h, iso, n_iso, &v);
		json_object_object_add(asroot, "usable", json_object_new_boolean(!v.root));
		json_object_object_add(asroot, "reason",
				       v.root ? json_object_new_string(v.root) : NULL);
		json_object_object_add(rl, "usable", json_object_new_boolean(!v.rootless));
		json_object_object_add(rl, "reason",
				       v.rootless ? json_object_new_string(v.rootless) : NULL);
		json_object_object_add(oci, "root", asroot);
		json_object_object_add(oci, "rootless", rl);
		json_object_object_add(root, "oci", oci);
	}
	{
		json_object *net = json_object_new_object();
		char why[512];
		const char *no = networks_config_why_not(cfg, why, sizeof(why));

		json_object_object_add(net, "usable", json_object_new_boolean(!no));
		json_object_object_add(net, "reason", no ? json_object_new_string(no) : NULL);
		json_object_object_add(net, "bridge", json_object_new_string(cfg->net_bridge_cidr));
		json_object_object_add(net, "isolated",
				       json_object_new_string(cfg->net_isolated_cidr));
		json_object_object_add(net, "table", json_object_new_string(cfg->net_table));
		json_object_object_add(root, "networks", net);
	}
	json_object *pa = json_object_new_array();
	for (size_t i = 0; i < problems->n; i++)
		json_object_array_add(pa, json_object_new_string(problems->items[i]));
	json_object_object_add(root, "problems", pa);
	json_object_object_add(root, "ok", json_object_new_boolean(problems->n == 0));
	puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
							  JSON_C_TO_STRING_SPACED |
							  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
}

int joblet_cmd_check(int argc, char **argv, void *userdata)
{
	struct joblet_ctx *ctx = userdata;
	struct jl_config *cfg = NULL;
	struct jl_host_info *host = NULL;
	struct jl_plugin_set *set = NULL;
	struct joblet_error *e = NULL;
	struct daemon_problems problems = { 0 };
	struct isolation_verdict iso[32];
	size_t n_iso = 0;
	int r, status;

	r = jl_cli_parse_json_only(argc, argv, "joblet check", &ctx->json, stderr);
	if (r)
		return r;
	if (daemon_load_config(ctx, &cfg, &e) < 0) {
		fprintf(stderr, "joblet: %s\n", joblet_error_message(e));
		joblet_error_free(e);
		return JL_EXIT_FAILURE;
	}
	r = jl_host_probe(&host, &e);
	if (r == 0)
		r = jl_plugin_set_new(cfg, 0, &set, &e);
	if (r == 0)
		r = jl_plugin_set_scan(set, &e);
	if (r < 0) {
		fprintf(stderr, "joblet: %s\n", joblet_error_message(e));
		joblet_error_free(e);
		status = JL_EXIT_FAILURE;
		goto out;
	}
	daemon_find_problems(cfg, set, &problems);
	n_iso = probe_isolation(set, iso, sizeof(iso) / sizeof(iso[0]));
	if (ctx->json)
		print_json(cfg, host, set, iso, n_iso, &problems);
	else
		print_text(cfg, host, set, iso, n_iso, &problems);
	status = problems.n > 0 ? JL_EXIT_FAILURE : JL_EXIT_OK;
out:
	for (size_t i = 0; i < n_iso; i++)
		free(iso[i].reason);
	daemon_problems_done(&problems);
	jl_plugin_set_free(set);
	jl_host_info_free(host);
	jl_config_free(cfg);
	return status;
}

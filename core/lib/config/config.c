/*
 * config.c - joblet.yml: defaults, the schema, and the checks that make
 * every mistake an error naming the file, the line and the key.
 *
 * To add a key: a field in struct jl_config, its default in
 * config_set_defaults(), a row in the schema below, a line in
 * docs/man/joblet.yml.5 and a case in tests/unit/test_config.c.
 */
#include <config.h>

#include "config/config.h"
#include <joblet/log.h>
#include <joblet/plugin.h>

#include "base/cpuset.h"
#include "base/ipv4.h"
#include "config/platform.h"
#include "base/util.h"
#include "base/yaml_doc.h"
#include "base/log.h"
#include "base/plugin_id.h"

enum key_type {
	KEY_SECTION = 1,
	KEY_PATH,	     /* an absolute path */
	KEY_NAME,	     /* a plugin name: [a-z0-9_]+ */
	KEY_LOG_LEVEL,	     /* error | warning | info | debug */
	KEY_PATH_LIST,	     /* a list of absolute paths */
	KEY_PLUGIN_SETTINGS, /* "kind/name": { key: scalar, ... } */
	KEY_STRING,	     /* a non-empty single value */
	KEY_DURATION,	     /* seconds, or 90s / 5m / 1h30m / 1d */
	KEY_SIZE,	     /* bytes, or 512MiB / 8GiB / 1GB */
	KEY_COUNT,	     /* a whole number >= 1 */
	KEY_NAME_LIST,	     /* a list of plugin names */
	KEY_PLATFORM,	     /* auto, or {ubuntu|rhel|amzn}-{amd64|arm64} */
	KEY_ADDRESS,	     /* host:port to listen on (IPv4, [IPv6] or a name) */
	KEY_TLS_VERSION,     /* "1.2" or "1.3" */
	KEY_LIMIT,	     /* a whole number >= 1, auto (0) or unlimited (-1) */
	KEY_SIZE_LIMIT,	     /* a size, auto (0) or unlimited (-1) */
	KEY_CPUS,	     /* a cpuset list, auto (NULL) or none ("") */
	KEY_BOOL,	     /* true or false (an int32_t) */
	KEY_DURATION_LIMIT,  /* a duration of at least 1 s, or unlimited (-1) */
	KEY_ID_RANGE,	     /* FIRST-LAST: two int64_t, 1 <= FIRST <= LAST <= JL_UID_MAX */
	KEY_GONE,	     /* a setting of an earlier release, refused with what replaced it */
	KEY_STRING_LIST,     /* a list of non-empty single values */
	KEY_AUTO_COUNT,	     /* a whole number >= 0, or auto (-1) */
	KEY_CIDR,	     /* a private IPv4 block, /8 to /29: 172.20.0.0/16 */
	KEY_IFNAME,	     /* a network device name: 1-15 of a-z, A-Z, 0-9, _, -, . */
	KEY_IPV4_LIST,	     /* a list of IPv4 addresses */
};

struct key_def {
	const char *name;
	enum key_type type;
	size_t offset; /* into struct jl_config */
	const struct key_def *children;
	bool takes_auto; /* KEY_LIMIT, KEY_SIZE_LIMIT: `auto` (0) means what the host has */
};

#define FIELD(f) offsetof(struct jl_config, f)

static const struct key_def logging_keys[] = {
	{ "level", KEY_LOG_LEVEL, FIELD(log_level), NULL },
	{ NULL },
};

static const struct key_def paths_keys[] = {
	{ "state_dir", KEY_PATH, FIELD(state_dir), NULL },
	{ "db", KEY_PATH, FIELD(db_path), NULL },
	{ NULL },
};

static const struct key_def plugins_keys[] = {
	{ "dirs", KEY_PATH_LIST, FIELD(plugin_dirs), NULL },
	{ "settings", KEY_PLUGIN_SETTINGS, FIELD(plugin_settings), NULL },
	{ NULL },
};

static const struct key_def scheduler_keys[] = {
	{ "policy", KEY_NAME, FIELD(scheduler_policy), NULL },
	{ "max_running_jobs", KEY_LIMIT, FIELD(max_running_jobs), NULL },
	{ "cpu_budget", KEY_LIMIT, FIELD(cpu_budget), NULL, true },
	{ "memory_budget", KEY_SIZE_LIMIT, FIELD(memory_budget), NULL, true },
	{ "disk_budget", KEY_SIZE_LIMIT, FIELD(disk_budget), NULL },
	{ "cores", KEY_CPUS, FIELD(pinnable_cores), NULL },
	{ "reserve_cores", KEY_BOOL, FIELD(reserve_cores), NULL },
	{ NULL },
};

static const struct key_def runtimes_keys[] = {
	{ "dir", KEY_PATH, FIELD(runtimes_dir), NULL },
	{ "registry", KEY_STRING, FIELD(default_registry), NULL },
	{ "registry_plugins", KEY_NAME_LIST, FIELD(registry_plugins), NULL },
	{ "allowed_registries", KEY_STRING_LIST, FIELD(allowed_registries), NULL },
	{ "index_cache_entries", KEY_COUNT, FIELD(index_cache_entries), NULL },
	{ "index_cache_bytes", KEY_SIZE, FIELD(index_cache_bytes), NULL },
	{ "index_ttl", KEY_DURATION, FIELD(index_ttl_s), NULL },
	{ "max_download_bytes", KEY_SIZE, FIELD(max_download_bytes), NULL },
	{ "max_unpacked_bytes", KEY_SIZE, FIELD(max_unpacked_bytes), NULL },
	{ "max_entries", KEY_COUNT, FIELD(max_entries), NULL },
	{ "platform", KEY_PLATFORM, FIELD(platform), NULL },
	{ NULL },
};

/* The most a job may ask for (-1 = unlimited); job/job_limits.c applies them. */
static const struct key_def ceiling_keys[] = {
	{ "memory", KEY_SIZE_LIMIT, FIELD(ceiling_memory), NULL },
	{ "cpu", KEY_LIMIT, FIELD(ceiling_cpu), NULL },
	{ "iobps", KEY_SIZE_LIMIT, FIELD(ceiling_iobps), NULL },
	{ "pids", KEY_LIMIT, FIELD(ceiling_pids), NULL },
	{ "timeout", KEY_DURATION_LIMIT, FIELD(ceiling_timeout_s), NULL },
	{ "disk", KEY_SIZE_LIMIT, FIELD(ceiling_disk), NULL },
	{ "log", KEY_SIZE_LIMIT, FIELD(ceiling_log), NULL },
	{ NULL },
};

static const struct key_def isolation_keys[] = {
	{ "stack", KEY_NAME_LIST, FIELD(isolation_stack), NULL },
	{ "uid_range", KEY_ID_RANGE, FIELD(uid_first), NULL },
	{ "uid", KEY_GONE, 0, NULL },
	{ "gid", KEY_GONE, 0, NULL },
	{ "grace_period", KEY_DURATION, FIELD(grace_period_s), NULL },
	{ "max_pids", KEY_COUNT, FIELD(default_max_pids), NULL },
	{ "max_cpu", KEY_LIMIT, FIELD(default_max_cpu), NULL },
	{ "max_memory", KEY_SIZE_LIMIT, FIELD(default_max_memory), NULL },
	{ "max_iobps", KEY_SIZE_LIMIT, FIELD(default_max_iobps), NULL },
	{ "max_disk", KEY_SIZE_LIMIT, FIELD(default_max_disk), NULL },
	{ "timeout", KEY_DURATION_LIMIT, FIELD(default_timeout_s), NULL },
	{ "ceiling", KEY_SECTION, 0, ceiling_keys },
	{ NULL },
};

static const struct key_def tls_keys[] = {
	{ "cert", KEY_PATH, FIELD(tls_cert), NULL },
	{ "key", KEY_PATH, FIELD(tls_key), NULL },
	{ "client_ca", KEY_PATH, FIELD(tls_client_ca), NULL },
	{ "crl", KEY_PATH, FIELD(tls_crl), NULL },
	{ "min_version", KEY_TLS_VERSION, FIELD(tls_min_version), NULL },
	{ NULL },
};

/* How long audit rows are kept (store.c prunes the oldest). */
static const struct key_def audit_retention_keys[] = {
	{ "max_age", KEY_DURATION_LIMIT, FIELD(audit_max_age_s), NULL },
	{ "max_rows", KEY_LIMIT, FIELD(audit_max_rows), NULL },
	{ NULL },
};

static const struct key_def server_keys[] = {
	{ "address", KEY_ADDRESS, FIELD(server_address), NULL },
	{ "tls", KEY_SECTION, 0, tls_keys },
	{ "handshake_timeout", KEY_DURATION, FIELD(handshake_timeout_s), NULL },
	{ "idle_timeout", KEY_DURATION, FIELD(idle_timeout_s), NULL },
	{ "max_connections", KEY_COUNT, FIELD(max_connections), NULL },
	{ "max_connections_per_client", KEY_COUNT, FIELD(max_connections_per_client), NULL },
	{ "max_request_bytes", KEY_SIZE, FIELD(max_request_bytes), NULL },
	{ "audit_retention", KEY_SECTION, 0, audit_retention_keys },
	{ "max_buffered_bytes", KEY_SIZE, FIELD(max_buffered_bytes), NULL },
	{ "max_uploads_per_identity", KEY_COUNT, FIELD(max_uploads_per_identity), NULL },
	{ "max_streamed_uploads", KEY_COUNT, FIELD(max_streamed_uploads), NULL },
	{ NULL },
};

static const struct key_def jobs_keys[] = {
	{ "max_active", KEY_COUNT, FIELD(max_active_jobs), NULL },
	{ "max_log", KEY_SIZE, FIELD(default_max_log), NULL },
	{ "keep_results", KEY_DURATION_LIMIT, FIELD(keep_results_s), NULL },
	{ "results_memory", KEY_SIZE_LIMIT, FIELD(results_memory), NULL },
	{ "metrics_interval", KEY_DURATION, FIELD(metrics_interval_s), NULL },
	{ "max_metrics", KEY_COUNT, FIELD(max_metrics), NULL },
	{ "warm_pool", KEY_AUTO_COUNT, FIELD(warm_pool), NULL },
	{ NULL },
};

static const struct key_def security_keys[] = {
	{ "secret_key_file", KEY_PATH, FIELD(secret_key_file), NULL },
	{ NULL },
};

/* joblet-oci's policy beyond its floor (docs/oci.md); the daemon ignores it. */
static const struct key_def oci_keys[] = {
	{ "allow_host_root", KEY_BOOL, FIELD(oci_allow_host_root), NULL },
	{ "allow_hooks", KEY_BOOL, FIELD(oci_allow_hooks), NULL },
	{ "allow_host_devices", KEY_BOOL, FIELD(oci_allow_host_devices), NULL },
	{ "allow_host_namespaces", KEY_BOOL, FIELD(oci_allow_host_namespaces), NULL },
	{ "allowed_capabilities", KEY_STRING_LIST, FIELD(oci_allowed_caps), NULL },
	{ "uid_range", KEY_ID_RANGE, FIELD(oci_uid_first), NULL },
	{ "ids_per_container", KEY_COUNT, FIELD(oci_ids_per_container), NULL },
	{ NULL },
};

/* Job networks (docs/networks.md): the two built-in networks and what every network shares. */
static const struct key_def net_bridge_keys[] = {
	{ "cidr", KEY_CIDR, FIELD(net_bridge_cidr), NULL },
	{ "device", KEY_IFNAME, FIELD(net_bridge_device), NULL },
	{ NULL },
};

static const struct key_def net_isolated_keys[] = {
	{ "cidr", KEY_CIDR, FIELD(net_isolated_cidr), NULL },
	{ "device", KEY_IFNAME, FIELD(net_isolated_device), NULL },
	{ NULL },
};

static const struct key_def networks_keys[] = {
	{ "table", KEY_NAME, FIELD(net_table), NULL },
	{ "dns", KEY_IPV4_LIST, FIELD(net_dns), NULL },
	{ "bridge", KEY_SECTION, 0, net_bridge_keys },
	{ "isolated", KEY_SECTION, 0, net_isolated_keys },
	{ NULL },
};

/* The daemon's volumes (docs/volumes.md). */
static const struct key_def volumes_keys[] = {
	{ "max_total", KEY_SIZE, FIELD(volumes_max_total), NULL },
	{ "max_memory_total", KEY_SIZE, FIELD(volumes_max_memory_total), NULL },
	{ "max_per_user", KEY_LIMIT, FIELD(volumes_max_per_user), NULL },
	{ "max_user_total", KEY_SIZE_LIMIT, FIELD(volumes_max_user_total), NULL },
	{ "owner_id", KEY_COUNT, FIELD(volumes_owner_id), NULL },
	{ NULL },
};

static const struct key_def root_keys[] = {
	{ "isolation", KEY_SECTION, 0, isolation_keys },
	{ "jobs", KEY_SECTION, 0, jobs_keys },
	{ "logging", KEY_SECTION, 0, logging_keys },
	{ "networks", KEY_SECTION, 0, networks_keys },
	{ "oci", KEY_SECTION, 0, oci_keys },
	{ "paths", KEY_SECTION, 0, paths_keys },
	{ "plugins", KEY_SECTION, 0, plugins_keys },
	{ "runtimes", KEY_SECTION, 0, runtimes_keys },
	{ "scheduler", KEY_SECTION, 0, scheduler_keys },
	{ "security", KEY_SECTION, 0, security_keys },
	{ "server", KEY_SECTION, 0, server_keys },
	{ "volumes", KEY_SECTION, 0, volumes_keys },
	{ NULL },
};

const char *jl_config_default_path(void)
{
	return JOBLET_SYSCONFDIR "/joblet/joblet.yml";
}

static void settings_free(struct jl_config_settings *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_plugins; i++) {
		struct jl_plugin_settings *p = &s->plugins[i];

		for (size_t j = 0; j < p->n_items; j++) {
			free(p->items[j].key);
			free(p->items[j].value);
		}
		free(p->items);
		free(p->plugin_id);
	}
	free(s->plugins);
	free(s->source);
	free(s);
}

void jl_config_free(struct jl_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->source);
	free(cfg->state_dir);
	jl_strv_free(cfg->plugin_dirs);
	free(cfg->scheduler_policy);
	free(cfg->pinnable_cores);
	settings_free(cfg->plugin_settings);
	free(cfg->runtimes_dir);
	free(cfg->default_registry);
	jl_strv_free(cfg->registry_plugins);
	jl_strv_free(cfg->allowed_registries);
	jl_strv_free(cfg->oci_allowed_caps);
	free(cfg->platform);
	jl_strv_free(cfg->isolation_stack);
	free(cfg->server_address);
	free(cfg->tls_cert);
	free(cfg->tls_key);
	free(cfg->tls_client_ca);
	free(cfg->tls_crl);
	free(cfg->db_path);
	free(cfg->secret_key_file);
	free(cfg->net_table);
	jl_strv_free(cfg->net_dns);
	free(cfg->net_bridge_cidr);
	free(cfg->net_bridge_device);
	free(cfg->net_isolated_cidr);
	free(cfg->net_isolated_device);
	free(cfg);
}

int jl_config_defaults(struct jl_config **ret_config, struct joblet_error **err)
{
	struct jl_config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg)
		goto oom;
	cfg->log_level = JOBLET_LOG_INFO;
	cfg->state_dir = strdup(JOBLET_LOCALSTATEDIR "/lib/joblet");
	cfg->scheduler_policy = strdup("fifo");
	cfg->plugin_settings = calloc(1, sizeof(*cfg->plugin_settings));
	cfg->runtimes_dir = strdup("/opt/joblet/runtimes");
	cfg->default_registry = strdup("ehsaniara/joblet-runtimes");
	cfg->index_ttl_s = 3600;
	cfg->max_download_bytes = INT64_C(8) << 30;
	/* What a runtime needs, not what a disk holds: a Python with CUDA and PyTorch fits. */
	cfg->max_unpacked_bytes = INT64_C(8) << 30;
	cfg->index_cache_entries = 16;
	cfg->index_cache_bytes = INT64_C(64) << 20;
	cfg->max_entries = 1000000;
	cfg->uid_first = JL_UID_RANGE_DEFAULT_FIRST;
	cfg->uid_last = JL_UID_RANGE_DEFAULT_LAST;
	cfg->oci_uid_first = JL_OCI_UID_RANGE_DEFAULT_FIRST;
	cfg->oci_uid_last = JL_OCI_UID_RANGE_DEFAULT_LAST;
	cfg->oci_ids_per_container = JL_OCI_IDS_PER_CONTAINER;
	cfg->volumes_max_total = INT64_C(16) << 30;
	cfg->volumes_max_memory_total = INT64_C(1) << 30;
	cfg->volumes_max_per_user = 32;
	cfg->volumes_max_user_total = -1;
	cfg->volumes_owner_id = JL_VOLUMES_OWNER_ID_DEFAULT;
	cfg->grace_period_s = 5;
	cfg->default_max_pids = 1024;
	cfg->server_address = strdup("0.0.0.0:50051");
	cfg->tls_cert = strdup(JOBLET_SYSCONFDIR "/joblet/certs/server.pem");
	cfg->tls_key = strdup(JOBLET_SYSCONFDIR "/joblet/certs/server-key.pem");
	cfg->tls_client_ca = strdup(JOBLET_SYSCONFDIR "/joblet/certs/ca.pem");
	cfg->tls_min_version = 13;
	cfg->handshake_timeout_s = 10;
	cfg->idle_timeout_s = 120;
	cfg->max_connections = 1024;
	cfg->max_connections_per_client = 128;
	cfg->max_request_bytes = INT64_C(64) << 20;
	cfg->audit_max_age_s = 90 * 86400;
	cfg->audit_max_rows = 1000000;
	cfg->max_buffered_bytes = INT64_C(8) << 20;
	cfg->max_uploads_per_identity = 8;
	cfg->max_streamed_uploads = 16;
	cfg->max_active_jobs = 10000;
	cfg->default_max_log = INT64_C(64) << 20;
	cfg->keep_results_s = 86400;
	cfg->warm_pool = 0;
	cfg->results_memory = INT64_C(1) << 30;
	/* A day of samples at the default interval: 2.2 MB per job at most (docs/metrics.md). */
	cfg->metrics_interval_s = 5;
	cfg->max_metrics = 17280;
	cfg->max_running_jobs = 100;
	/*
	 * Every job has a memory, process and time limit unless it asks for
	 * more (up to the ceilings) or the operator says otherwise; see
	 * joblet.yml(5) for why these values.  CPU and IO are shared by the
	 * kernel's fair schedulers and unlimited unless asked.
	 */
	cfg->default_max_cpu = -1;
	cfg->default_max_memory = INT64_C(512) << 20;
	cfg->default_max_iobps = -1;
	cfg->default_max_disk = INT64_C(1) << 30;
	cfg->disk_budget = -1;
	cfg->default_timeout_s = 3600;
	cfg->ceiling_memory = INT64_C(8) << 30;
	cfg->ceiling_cpu = -1;
	cfg->ceiling_iobps = -1;
	cfg->ceiling_pids = 4096;
	cfg->ceiling_timeout_s = 86400;
	cfg->ceiling_disk = INT64_C(8) << 30;
	cfg->ceiling_log = INT64_C(1) << 30;
	cfg->net_table = strdup("joblet");
	cfg->net_bridge_cidr = strdup("172.20.0.0/16");
	cfg->net_bridge_device = strdup("joblet0");
	cfg->net_isolated_cidr = strdup("172.21.0.0/16");
	cfg->net_isolated_device = strdup("joblet1");
	if (!cfg->server_address || !cfg->tls_cert || !cfg->tls_key || !cfg->tls_client_ca ||
	    !cfg->net_table || !cfg->net_bridge_cidr || !cfg->net_bridge_device ||
	    !cfg->net_isolated_cidr || !cfg->net_isolated_device)
		goto oom;
	if (jl_strv_push(&cfg->isolation_stack, "namespaces") < 0 ||
#ifdef HAVE_NET
	    /* Job networks built: a job's interface, after its namespaces. */
	    jl_strv_push(&cfg->isolation_stack, "network") < 0 ||
#endif
	    jl_strv_push(&cfg->isolation_stack, "rootfs") < 0 ||
	    jl_strv_push(&cfg->isolation_stack, "cgroup") < 0 ||
	    jl_strv_push(&cfg->isolation_stack, "seccomp") < 0)
		goto oom;
	if (!cfg->state_dir || !cfg->scheduler_policy || !cfg->plugin_settings ||
	    !cfg->runtimes_dir || !cfg->default_registry ||
	    jl_strv_push(&cfg->plugin_dirs, JOBLET_PLUGINDIR) < 0 ||
	    jl_strv_push(&cfg->registry_plugins, "local") < 0 ||
	    jl_strv_push(&cfg->registry_plugins, "github") < 0 ||
	    jl_strv_push(&cfg->registry_plugins, "https") < 0)
		goto oom;
	*ret_config = cfg;
	return 0;
oom:
	jl_config_free(cfg);
	return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
				"cannot build the default configuration");
}

static int parse_plugin_settings(struct jl_yaml *y, yaml_node_t *node, const char *key,
				 struct jl_config_settings *out, struct joblet_error **err)
{
	int r;

	r = jl_yaml_check_mapping(y, node, key, err);
	if (r < 0)
		return r;
	jl_yaml_foreach_pair(p, node)
	{
		yaml_node_t *idnode = jl_yaml_node(y, p->key);
		yaml_node_t *map = jl_yaml_node(y, p->value);
		const char *id = jl_yaml_scalar(idnode);
		const char *slash = strchr(id, '/');
		_cleanup_free_ char *kind = NULL, *sub = NULL;
		struct jl_plugin_settings *ps, *grown;
		int32_t k;

		kind = slash ? strndup(id, (size_t)(slash - id)) : NULL;
		if (!slash || !kind || jl_plugin_kind_parse(kind, &k) < 0 ||
		    !jl_plugin_name_valid(slash + 1))
			return jl_yaml_error(
				y, idnode, err,
				"`%s.%s` does not name a plugin; use `kind/name` with kind registry, archive, isolation or scheduler",
				key, id);
		sub = jl_strdup_printf("%s.\"%s\"", key, id);
		if (!sub)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read `%s`",
						key);
		/* An empty section is kept: it still names a plugin that must exist. */
		if (!jl_yaml_is_null(map)) {
			r = jl_yaml_check_mapping(y, map, sub, err);
			if (r < 0)
				return r;
		}
		grown = realloc(out->plugins, (out->n_plugins + 1) * sizeof(*grown));
		if (!grown)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read `%s`",
						key);
		out->plugins = grown;
		ps = &out->plugins[out->n_plugins];
		memset(ps, 0, sizeof(*ps));
		ps->plugin_id = strdup(id);
		ps->line = jl_yaml_line(idnode);
		if (!ps->plugin_id)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read `%s`",
						key);
		out->n_plugins++;
		if (jl_yaml_is_null(map))
			continue;
		ps->items = calloc(map->data.mapping.pairs.top - map->data.mapping.pairs.start + 1,
				   sizeof(*ps->items));
		if (!ps->items)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read `%s`",
						key);
		jl_yaml_foreach_pair(q, map)
		{
			yaml_node_t *knode = jl_yaml_node(y, q->key);
			yaml_node_t *vnode = jl_yaml_node(y, q->value);
			struct jl_setting *s = &ps->items[ps->n_items];
			_cleanup_free_ char *full =
				jl_strdup_printf("%s.%s", sub, jl_yaml_scalar(knode));

			if (!full)
				return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
							"cannot read `%s`", key);
			if (jl_yaml_is_null(vnode))
				return jl_yaml_error(
					y, vnode, err,
					"`%s` has no value; give one or remove the line", full);
			r = jl_yaml_get_string(y, vnode, full, &s->value, err);
			if (r < 0)
				return r;
			s->key = strdup(jl_yaml_scalar(knode));
			s->line = jl_yaml_line(knode);
			ps->n_items++;
			if (!s->key)
				return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
							"cannot read `%s`", key);
		}
	}
	return 0;
}

static int join_names(const struct key_def *defs, char **ret)
{
	_cleanup_strv_ char **names = NULL;

	for (const struct key_def *d = defs; d->name; d++)
		if (jl_strv_push(&names, d->name) < 0)
			return -ENOMEM;
	*ret = jl_strv_join(names, ", ");
	return *ret ? 0 : -ENOMEM;
}

/* Keys that must agree with each other, after the whole file is read. */
/* jobs.max_log: finite (there is no unlimited log), at least 1 MiB, at most 1 TiB. */
static int check_max_log(const struct jl_config *cfg, struct joblet_error **err)
{
	if (cfg->default_max_log < INT64_C(1) << 20 || cfg->default_max_log > INT64_C(1) << 40)
		return joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"%s: jobs.max_log (%lld bytes) must be from 1MiB to 1TiB: the most of its output a job without --max-log keeps in its log",
			cfg->source, (long long)cfg->default_max_log);
	return 0;
}

/* networks.bridge and networks.isolated: two networks, so two blocks and two devices. */
static int check_networks(const struct jl_config *cfg, struct joblet_error **err)
{
	uint32_t a, ap, b, bp;

	if (jl_ipv4_cidr_parse(cfg->net_bridge_cidr, &a, &ap) == 0 &&
	    jl_ipv4_cidr_parse(cfg->net_isolated_cidr, &b, &bp) == 0 &&
	    jl_ipv4_cidr_overlap(a, ap, b, bp))
		return joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"%s: networks.bridge.cidr (%s) and networks.isolated.cidr (%s) overlap; give each network a block of its own",
			cfg->source, cfg->net_bridge_cidr, cfg->net_isolated_cidr);
	if (cfg->net_table[0] < 'a' || cfg->net_table[0] > 'z' || strlen(cfg->net_table) > 24)
		return joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"%s: networks.table `%s` must start with a letter (a-z) and be at most 24 bytes: it names the daemon's nftables table and prefixes each job's",
			cfg->source, cfg->net_table);
	if (strcmp(cfg->net_bridge_device, cfg->net_isolated_device) == 0)
		return joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"%s: networks.bridge.device and networks.isolated.device are both `%s`; give each network a bridge of its own",
			cfg->source, cfg->net_bridge_device);
	return 0;
}

/* jobs.metrics_interval: 1 s to 1 h; jobs.max_metrics: 10 to 1000000 samples kept per job. */
static int check_metrics(const struct jl_config *cfg, struct joblet_error **err)
{
	if (cfg->metrics_interval_s < 1 || cfg->metrics_interval_s > 3600)
		return joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"%s: jobs.metrics_interval (%lld s) must be from 1s to 1h: how often the shim samples a running job's CPU, memory, IO and processes",
			cfg->source, (long long)cfg->metrics_interval_s);
	if (cfg->max_metrics < 10 || cfg->max_metrics > 1000000)
		return joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"%s: jobs.max_metrics (%lld) must be from 10 to 1000000: the most samples kept per job (128 bytes each); past it the oldest go",
			cfg->source, (long long)cfg->max_metrics);
	if (cfg->warm_pool > 64)
		return joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"%s: jobs.warm_pool (%lld) must be from 0 to 64, or auto (two per CPU): the job supervisors kept started ahead of jobs",
			cfg->source, (long long)cfg->warm_pool);
	return 0;
}

static int check_config(const struct jl_config *cfg, struct joblet_error **err)
{
	int r = check_max_log(cfg, err);

	if (r == 0)
		r = check_networks(cfg, err);
	if (r == 0)
		r = check_metrics(cfg, err);
	if (r < 0)
		return r;
	if (cfg->reserve_cores) {
		struct jl_cpuset rest;

		if (!cfg->pinnable_cores || !*cfg->pinnable_cores)
			return joblet_error_set(
				err, JOBLET_E_CONFIG, 0,
				"%s: scheduler.reserve_cores keeps scheduler.cores for --cpus jobs and runs the others on the rest, so scheduler.cores must name some of the CPUs (such as 2-7), not %s",
				cfg->source, cfg->pinnable_cores ? "none" : "auto");
		/* The list parsed when it was read; CPUs that cannot be told are not checked. */
		if (jl_cpuset_online_except(cfg->pinnable_cores, &rest, NULL) == 0 &&
		    jl_cpuset_count(&rest) == 0)
			return joblet_error_set(
				err, JOBLET_E_CONFIG, 0,
				"%s: scheduler.cores (%s) names every CPU of this host, so scheduler.reserve_cores leaves none for jobs without --cpus; name fewer",
				cfg->source, cfg->pinnable_cores);
	}
	if (cfg->default_max_memory > 0 && cfg->default_max_memory < INT64_C(4) << 20)
		return joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"%s: isolation.max_memory (%lld bytes) is too small to start anything; give at least 4MiB, or unlimited",
			cfg->source, (long long)cfg->default_max_memory);
	if (cfg->default_max_cpu > 0 && cfg->cpu_budget > 0 &&
	    cfg->default_max_cpu > cfg->cpu_budget)
		return joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"%s: isolation.max_cpu (%lld%%) is more than scheduler.cpu_budget (%lld%%): every job without --max-cpu would be refused; lower the one or raise the other",
			cfg->source, (long long)cfg->default_max_cpu, (long long)cfg->cpu_budget);
	if (cfg->default_max_memory > 0 && cfg->memory_budget > 0 &&
	    cfg->default_max_memory > cfg->memory_budget)
		return joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"%s: isolation.max_memory (%lld MiB) is more than scheduler.memory_budget (%lld MiB): every job without --max-memory would be refused; lower the one or raise the other",
			cfg->source, (long long)(cfg->default_max_memory >> 20),
			(long long)(cfg->memory_budget >> 20));
	return jl_config_check_uid_range(cfg, "/etc", err);
}

/* One `key: value` of joblet.yml whose key the schema knows. */
struct key_value {
	struct jl_yaml *y;
	yaml_node_t *node;	   /* the value */
	const struct key_def *def; /* its row of the schema */
	const char *full;	   /* the dotted key, for messages: "server.tls.cert" */
	struct jl_config *cfg;
	void *field; /* cfg + def->offset: what the value sets */
};

static int parse_section(struct jl_yaml *y, yaml_node_t *map, const struct key_def *defs,
			 const char *prefix, struct jl_config *cfg, struct joblet_error **err);

/* Put a new string into a char * field, freeing the old one (a default or an earlier key). */
static void set_string(const struct key_value *kv, char *v)
{
	char **slot = kv->field;

	free(*slot);
	*slot = v;
}

static void set_strv(const struct key_value *kv, char **v)
{
	char ***slot = kv->field;

	jl_strv_free(*slot);
	*slot = v;
}

/* The scalar value, or what to call a list or mapping in a message. */
static const char *scalar_or_what(const struct key_value *kv)
{
	const char *v = jl_yaml_scalar(kv->node);

	return v ? v : "a list or mapping";
}

static int parse_key_section(const struct key_value *kv, struct joblet_error **err)
{
	if (jl_yaml_is_null(kv->node))
		return 0;
	return parse_section(kv->y, kv->node, kv->def->children, kv->full, kv->cfg, err);
}

static int parse_key_path(const struct key_value *kv, struct joblet_error **err)
{
	_cleanup_free_ char *v = NULL;
	int r;

	r = jl_yaml_get_string(kv->y, kv->node, kv->full, &v, err);
	if (r < 0)
		return r;
	if (v[0] != '/')
		return jl_yaml_error(kv->y, kv->node, err,
				     "`%s` must be an absolute path, not `%s`", kv->full, v);
	set_string(kv, TAKE_PTR(v));
	return 0;
}

static int parse_key_name(const struct key_value *kv, struct joblet_error **err)
{
	_cleanup_free_ char *v = NULL;
	int r;

	r = jl_yaml_get_string(kv->y, kv->node, kv->full, &v, err);
	if (r < 0)
		return r;
	if (!jl_plugin_name_valid(v))
		return jl_yaml_error(kv->y, kv->node, err,
				     "`%s` must be a plugin name (a-z, 0-9, _), not `%s`", kv->full,
				     v);
	set_string(kv, TAKE_PTR(v));
	return 0;
}

static int parse_key_log_level(const struct key_value *kv, struct joblet_error **err)
{
	const char *v = jl_yaml_scalar(kv->node);
	int32_t level;

	if (!v || jl_log_level_parse(v, &level) < 0)
		return jl_yaml_error(kv->y, kv->node, err,
				     "`%s` must be error, warning, info or debug, not `%s`",
				     kv->full, scalar_or_what(kv));
	*(int32_t *)kv->field = level;
	return 0;
}

/* A list of values, each of which ok() accepts; what says what they must be. */
static int parse_list(const struct key_value *kv, int (*ok)(const char *), const char *what,
		      struct joblet_error **err)
{
	_cleanup_strv_ char **v = NULL;
	int r;

	r = jl_yaml_get_strv(kv->y, kv->node, kv->full, &v, err);
	if (r < 0)
		return r;
	for (char **s = v; *s; s++)
		if (!ok(*s))
			return jl_yaml_error(kv->y, kv->node, err, "`%s` must hold %s, not `%s`",
					     kv->full, what, *s);
	set_strv(kv, TAKE_PTR(v));
	return 0;
}

static int absolute_path(const char *s)
{
	return s[0] == '/';
}

static int non_empty(const char *s)
{
	return s[0] != '\0';
}

static int parse_key_path_list(const struct key_value *kv, struct joblet_error **err)
{
	return parse_list(kv, absolute_path, "absolute paths", err);
}

static int parse_key_string(const struct key_value *kv, struct joblet_error **err)
{
	_cleanup_free_ char *v = NULL;
	int r;

	r = jl_yaml_get_string(kv->y, kv->node, kv->full, &v, err);
	if (r < 0)
		return r;
	if (!*v)
		return jl_yaml_error(kv->y, kv->node, err,
				     "`%s` is empty; give a value or remove the line", kv->full);
	set_string(kv, TAKE_PTR(v));
	return 0;
}

/*
 * KEY_LIMIT, KEY_SIZE_LIMIT and KEY_DURATION_LIMIT: a number, size or
 * duration of at least 1, unlimited (-1), auto (0).
 */
static int parse_key_limit(const struct key_value *kv, struct joblet_error **err)
{
	const struct key_def *d = kv->def;
	const char *v = jl_yaml_scalar(kv->node);
	int64_t n = 0;
	int bad = !v;

	if (v && strcmp(v, "auto") == 0 && d->takes_auto)
		n = 0;
	else if (v && strcmp(v, "unlimited") == 0)
		n = -1;
	else if (d->type == KEY_SIZE_LIMIT)
		bad = !v || jl_parse_size(v, &n) < 0 || n < 1;
	else if (d->type == KEY_DURATION_LIMIT)
		bad = !v || jl_parse_duration(v, &n) < 0 || n < 1;
	else
		bad = !v || jl_parse_int64(v, &n) < 0 || n < 1;
	if (bad)
		return jl_yaml_error(
			kv->y, kv->node, err, "`%s` must be %s%s or unlimited, not `%s`", kv->full,
			d->type == KEY_SIZE_LIMIT	? "a size (bytes, or 512MiB, 8GiB, 1GB)"
			: d->type == KEY_DURATION_LIMIT ? "a duration (90s, 5m, 1h30m, 1d)"
							: "a whole number of at least 1",
			d->takes_auto ? ", auto" : "", scalar_or_what(kv));
	*(int64_t *)kv->field = n;
	return 0;
}

/* KEY_AUTO_COUNT: a whole number of at least 0, or auto (-1). */
static int parse_key_auto_count(const struct key_value *kv, struct joblet_error **err)
{
	const char *v = jl_yaml_scalar(kv->node);
	int64_t n = -1;

	if (!v || (strcmp(v, "auto") != 0 && (jl_parse_int64(v, &n) < 0 || n < 0)))
		return jl_yaml_error(kv->y, kv->node, err,
				     "`%s` must be a whole number (0: none) or auto, not `%s`",
				     kv->full, scalar_or_what(kv));
	*(int64_t *)kv->field = n;
	return 0;
}

static int parse_key_bool(const struct key_value *kv, struct joblet_error **err)
{
	const char *v = jl_yaml_scalar(kv->node);

	if (!v || (strcmp(v, "true") != 0 && strcmp(v, "false") != 0))
		return jl_yaml_error(kv->y, kv->node, err, "`%s` must be true or false, not `%s`",
				     kv->full, scalar_or_what(kv));
	*(int32_t *)kv->field = strcmp(v, "true") == 0;
	return 0;
}

/* A cpuset list, auto (NULL: every online CPU) or none (""). */
static int parse_key_cpus(const struct key_value *kv, struct joblet_error **err)
{
	const char *v = jl_yaml_scalar(kv->node);
	_cleanup_error_ struct joblet_error *e = NULL;
	struct jl_cpuset set;
	char *copy;

	if (v && strcmp(v, "auto") == 0) {
		set_string(kv, NULL);
		return 0;
	}
	if (v && strcmp(v, "none") == 0)
		copy = strdup("");
	else if (v && jl_cpuset_parse(v, &set, &e) == 0)
		copy = strdup(v);
	else
		return jl_yaml_error(
			kv->y, kv->node, err,
			"`%s` must be a CPU list (0-3,6), auto (every online CPU) or none (no exclusive pinning), not `%s`%s%s",
			kv->full, scalar_or_what(kv), e ? ": " : "",
			e ? joblet_error_message(e) : "");
	if (!copy)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read `%s`", kv->full);
	set_string(kv, copy);
	return 0;
}

/* FIRST-LAST into the field and the one after it (uid_first, uid_last). */
static int parse_key_id_range(const struct key_value *kv, struct joblet_error **err)
{
	const char *v = jl_yaml_scalar(kv->node);
	int64_t *field = kv->field;

	if (!v || jl_uid_range_parse(v, &field[0], &field[1]) < 0)
		return jl_yaml_error(
			kv->y, kv->node, err,
			"`%s` must be FIRST-LAST, uids from 1 to 4294967294 (such as 70000-99999), not `%s`",
			kv->full, scalar_or_what(kv));
	return 0;
}

/* isolation.uid and .gid: every job ran as that one user, which it shared with others. */
static int parse_key_gone(const struct key_value *kv, struct joblet_error **err)
{
	return jl_yaml_error(
		kv->y, kv->node, err,
		"`%s` is no longer a setting: each job now runs as a uid and gid of its own from isolation.uid_range (default 70000-99999); remove `%s` (and set isolation.uid_range if that range is taken on this host)",
		kv->full, kv->full);
}

/* KEY_DURATION, KEY_SIZE and KEY_COUNT: whole numbers, with units for the first two. */
static int parse_key_number(const struct key_value *kv, struct joblet_error **err)
{
	enum key_type type = kv->def->type;
	const char *v = jl_yaml_scalar(kv->node);
	int64_t n = 0;
	int bad;

	if (type == KEY_DURATION)
		bad = !v || jl_parse_duration(v, &n) < 0;
	else if (type == KEY_SIZE)
		bad = !v || jl_parse_size(v, &n) < 0 || n < 1;
	else
		bad = !v || jl_parse_int64(v, &n) < 0 || n < 1;
	if (bad)
		return jl_yaml_error(kv->y, kv->node, err, "`%s` must be %s, not `%s`", kv->full,
				     type == KEY_DURATION
					     ? "a duration (seconds, or 90s, 5m, 1h30m, 1d)"
				     : type == KEY_SIZE ? "a size (bytes, or 512MiB, 8GiB, 1GB)"
							: "a whole number of at least 1",
				     scalar_or_what(kv));
	*(int64_t *)kv->field = n;
	return 0;
}

static int parse_key_string_list(const struct key_value *kv, struct joblet_error **err)
{
	return parse_list(kv, non_empty, "non-empty values", err);
}

static int parse_key_name_list(const struct key_value *kv, struct joblet_error **err)
{
	return parse_list(kv, jl_plugin_name_valid, "plugin names (a-z, 0-9, _)", err);
}

static int parse_key_cidr(const struct key_value *kv, struct joblet_error **err)
{
	_cleanup_free_ char *v = NULL;
	uint32_t addr, prefix;
	int r;

	r = jl_yaml_get_string(kv->y, kv->node, kv->full, &v, err);
	if (r < 0)
		return r;
	if (jl_ipv4_cidr_parse(v, &addr, &prefix) < 0 || !strchr(v, '/') || prefix < 8 ||
	    prefix > 29 || !jl_ipv4_cidr_private(addr, prefix))
		return jl_yaml_error(
			kv->y, kv->node, err,
			"`%s` must be a private IPv4 block (in 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16) from /8 to /29, written as its first address (172.20.0.0/16), not `%s`",
			kv->full, v);
	set_string(kv, TAKE_PTR(v));
	return 0;
}

static int ifname_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 15 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") == n;
}

static int parse_key_ifname(const struct key_value *kv, struct joblet_error **err)
{
	_cleanup_free_ char *v = NULL;
	int r;

	r = jl_yaml_get_string(kv->y, kv->node, kv->full, &v, err);
	if (r < 0)
		return r;
	if (!ifname_valid(v))
		return jl_yaml_error(
			kv->y, kv->node, err,
			"`%s` must be a network device name (1 to 15 of a-z, A-Z, 0-9, _, -, .), not `%s`",
			kv->full, v);
	set_string(kv, TAKE_PTR(v));
	return 0;
}

static int ipv4_valid(const char *s)
{
	uint32_t a;

	return jl_ipv4_parse(s, &a) == 0;
}

static int parse_key_ipv4_list(const struct key_value *kv, struct joblet_error **err)
{
	return parse_list(kv, ipv4_valid, "IPv4 addresses (192.0.2.53)", err);
}

/* auto (NULL: detect it) or a platform name. */
static int parse_key_platform(const struct key_value *kv, struct joblet_error **err)
{
	_cleanup_free_ char *v = NULL;
	int r;

	r = jl_yaml_get_string(kv->y, kv->node, kv->full, &v, err);
	if (r < 0)
		return r;
	if (strcmp(v, "auto") == 0) {
		set_string(kv, NULL);
		return 0;
	}
	if (!jl_platform_valid(v))
		return jl_yaml_error(
			kv->y, kv->node, err,
			"`%s` must be auto or {ubuntu|rhel|amzn}-{amd64|arm64}, not `%s`", kv->full,
			v);
	set_string(kv, TAKE_PTR(v));
	return 0;
}

static int parse_key_address(const struct key_value *kv, struct joblet_error **err)
{
	_cleanup_free_ char *v = NULL;
	int r;

	r = jl_yaml_get_string(kv->y, kv->node, kv->full, &v, err);
	if (r < 0)
		return r;
	if (!jl_address_valid(v, 0))
		return jl_yaml_error(
			kv->y, kv->node, err,
			"`%s` must be HOST:PORT (0.0.0.0:50051, 127.0.0.1:50051, [::]:50051; port 0 = any free port), not `%s`",
			kv->full, v);
	set_string(kv, TAKE_PTR(v));
	return 0;
}

static int parse_key_tls_version(const struct key_value *kv, struct joblet_error **err)
{
	const char *v = jl_yaml_scalar(kv->node);

	if (!v || (strcmp(v, "1.2") != 0 && strcmp(v, "1.3") != 0))
		return jl_yaml_error(kv->y, kv->node, err,
				     "`%s` must be \"1.3\" (the default) or \"1.2\", not `%s`",
				     kv->full, scalar_or_what(kv));
	*(int32_t *)kv->field = strcmp(v, "1.2") == 0 ? 12 : 13;
	return 0;
}

static int parse_key_plugin_settings(const struct key_value *kv, struct joblet_error **err)
{
	if (jl_yaml_is_null(kv->node))
		return 0;
	return parse_plugin_settings(kv->y, kv->node, kv->full, kv->cfg->plugin_settings, err);
}

/* How each type of the schema reads its value into struct jl_config. */
static int (*const key_parsers[])(const struct key_value *kv, struct joblet_error **err) = {
	[KEY_SECTION] = parse_key_section,
	[KEY_PATH] = parse_key_path,
	[KEY_NAME] = parse_key_name,
	[KEY_LOG_LEVEL] = parse_key_log_level,
	[KEY_PATH_LIST] = parse_key_path_list,
	[KEY_PLUGIN_SETTINGS] = parse_key_plugin_settings,
	[KEY_STRING] = parse_key_string,
	[KEY_DURATION] = parse_key_number,
	[KEY_SIZE] = parse_key_number,
	[KEY_COUNT] = parse_key_number,
	[KEY_NAME_LIST] = parse_key_name_list,
	[KEY_PLATFORM] = parse_key_platform,
	[KEY_ADDRESS] = parse_key_address,
	[KEY_TLS_VERSION] = parse_key_tls_version,
	[KEY_LIMIT] = parse_key_limit,
	[KEY_SIZE_LIMIT] = parse_key_limit,
	[KEY_CPUS] = parse_key_cpus,
	[KEY_BOOL] = parse_key_bool,
	[KEY_DURATION_LIMIT] = parse_key_limit,
	[KEY_ID_RANGE] = parse_key_id_range,
	[KEY_GONE] = parse_key_gone,
	[KEY_STRING_LIST] = parse_key_string_list,
	[KEY_AUTO_COUNT] = parse_key_auto_count,
	[KEY_CIDR] = parse_key_cidr,
	[KEY_IFNAME] = parse_key_ifname,
	[KEY_IPV4_LIST] = parse_key_ipv4_list,
};

/* A key the schema does not have in this section: say which it has. */
static int unknown_key(struct jl_yaml *y, yaml_node_t *knode, const struct key_def *defs,
		       const char *prefix, const char *full, struct joblet_error **err)
{
	_cleanup_free_ char *known = NULL;

	if (join_names(defs, &known) < 0)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot read the configuration");
	return jl_yaml_error(y, knode, err,
			     "`%s` is not a setting (settings %s%s: %s); see joblet.yml(5)", full,
			     *prefix ? "under " : "at the top level", *prefix ? prefix : "", known);
}

static int parse_section(struct jl_yaml *y, yaml_node_t *map, const struct key_def *defs,
			 const char *prefix, struct jl_config *cfg, struct joblet_error **err)
{
	int r;

	r = jl_yaml_check_mapping(y, map, prefix, err);
	if (r < 0)
		return r;
	jl_yaml_foreach_pair(p, map)
	{
		yaml_node_t *knode = jl_yaml_node(y, p->key);
		const char *name = jl_yaml_scalar(knode);
		_cleanup_free_ char *full = NULL;
		const struct key_def *d;
		struct key_value kv;

		for (d = defs; d->name; d++)
			if (strcmp(d->name, name) == 0)
				break;
		full = *prefix ? jl_strdup_printf("%s.%s", prefix, name) : strdup(name);
		if (!full)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
						"cannot read the configuration");
		if (!d->name)
			return unknown_key(y, knode, defs, prefix, full, err);
		kv = (struct key_value){
			.y = y,
			.node = jl_yaml_node(y, p->value),
			.def = d,
			.full = full,
			.cfg = cfg,
			.field = (char *)cfg + d->offset,
		};
		r = key_parsers[d->type](&kv, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int jl_config_load(const char *path, uint32_t flags, struct jl_config **ret_config,
		   struct joblet_error **err)
{
	struct jl_config *cfg = NULL;
	struct jl_yaml *y = NULL;
	yaml_node_t *root;
	int r;

	r = jl_config_defaults(&cfg, err);
	if (r < 0)
		return r;
	r = jl_yaml_load_file(path, JOBLET_E_CONFIG, &y, err);
	if (r == -JOBLET_E_NOT_FOUND && (flags & JL_CONFIG_MISSING_OK)) {
		joblet_error_clear(err);
		*ret_config = cfg;
		return 0;
	}
	if (r < 0)
		goto fail;
	cfg->source = strdup(path);
	cfg->plugin_settings->source = strdup(path);
	if (!cfg->source || !cfg->plugin_settings->source) {
		r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read `%s`", path);
		goto fail;
	}
	root = jl_yaml_root(y);
	if (root && !jl_yaml_is_null(root)) {
		r = parse_section(y, root, root_keys, "", cfg, err);
		if (r == 0)
			r = check_config(cfg, err);
		if (r < 0)
			goto fail;
	}
	jl_yaml_free(y);
	*ret_config = cfg;
	return 0;
fail:
	jl_yaml_free(y);
	jl_config_free(cfg);
	return r;
}

const struct jl_plugin_settings *jl_config_find_settings(const struct jl_config *cfg,
							 const char *plugin_id)
{
	if (!cfg || !cfg->plugin_settings)
		return NULL;
	for (size_t i = 0; i < cfg->plugin_settings->n_plugins; i++)
		if (strcmp(cfg->plugin_settings->plugins[i].plugin_id, plugin_id) == 0)
			return &cfg->plugin_settings->plugins[i];
	return NULL;
}

const char *jl_config_plugin_setting(const struct jl_config *cfg, const char *plugin_id,
				     const char *key)
{
	const struct jl_plugin_settings *ps = jl_config_find_settings(cfg, plugin_id);

	if (!ps)
		return NULL;
	for (size_t i = 0; i < ps->n_items; i++)
		if (strcmp(ps->items[i].key, key) == 0)
			return ps->items[i].value;
	return NULL;
}

/* Every setting of a is in b with the same value. */
static bool settings_subset(const struct jl_config *a, const struct jl_config *b)
{
	const struct jl_config_settings *s = a->plugin_settings;

	for (size_t i = 0; s && i < s->n_plugins; i++) {
		const struct jl_plugin_settings *ps = &s->plugins[i];

		if (!jl_config_find_settings(b, ps->plugin_id))
			return false;
		for (size_t j = 0; j < ps->n_items; j++)
			if (!jl_streq(jl_config_plugin_setting(b, ps->plugin_id, ps->items[j].key),
				      ps->items[j].value))
				return false;
	}
	return true;
}

int jl_config_plugin_settings_equal(const struct jl_config *a, const struct jl_config *b)
{
	return settings_subset(a, b) && settings_subset(b, a);
}

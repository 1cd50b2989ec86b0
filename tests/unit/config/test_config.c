/*
 * test_config.c - joblet.yml (core/lib/config/config.c): defaults, good files,
 * every kind of mistake.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <joblet/error.h>
#include <joblet/log.h>

#include "config/config.h"
#include "config/client_config.h"

#include "jl_test.h"
#include "jl_tmp.h"

/* ------------------------------------------------------------ joblet.yml */

/* Load text as joblet.yml; returns the error message or NULL. */
static struct jl_config *load_ok(const char *text)
{
	struct jl_config *cfg = NULL;
	struct joblet_error *e = NULL;
	int r = jl_config_load(jl_tmp_write("joblet.yml", text), 0, &cfg, &e);

	ck_assert_msg(r == 0, "unexpected error: %s", joblet_error_message(e));
	return cfg;
}

/* Load text and expect a configuration error containing every needle. */
static void load_bad(const char *text, const char *needle1, const char *needle2)
{
	struct jl_config *cfg = NULL;
	struct joblet_error *e = NULL;
	const char *path = jl_tmp_write("joblet.yml", text);
	int r = jl_config_load(path, 0, &cfg, &e);

	ck_assert_int_eq(r, -JOBLET_E_CONFIG);
	ck_assert_ptr_null(cfg);
	ck_assert_ptr_nonnull(e);
	ck_assert_msg(strstr(e->message, path), "message does not name the file: %s", e->message);
	ck_assert_msg(strstr(e->message, needle1), "`%s` not in: %s", needle1, e->message);
	if (needle2)
		ck_assert_msg(strstr(e->message, needle2), "`%s` not in: %s", needle2, e->message);
	joblet_error_free(e);
}

START_TEST(test_defaults_when_missing_is_ok)
{
	struct jl_config *cfg = NULL;

	ck_assert_int_eq(
		jl_config_load(jl_tmp_path("absent.yml"), JL_CONFIG_MISSING_OK, &cfg, NULL), 0);
	ck_assert_ptr_null(cfg->source);
	ck_assert_int_eq(cfg->log_level, JOBLET_LOG_INFO);
	ck_assert_str_eq(cfg->scheduler_policy, "fifo");
	ck_assert_ptr_nonnull(cfg->plugin_dirs);
	ck_assert_ptr_nonnull(cfg->plugin_dirs[0]);
	ck_assert_int_eq(cfg->plugin_dirs[0][0], '/');
	ck_assert_int_eq(cfg->state_dir[0], '/');
	ck_assert_ptr_null(jl_config_plugin_setting(cfg, "archive/tar", "x"));
	jl_config_free(cfg);
}
END_TEST

START_TEST(test_missing_file_is_an_error_without_flag)
{
	struct jl_config *cfg = NULL;
	struct joblet_error *e = NULL;

	ck_assert_int_eq(jl_config_load(jl_tmp_path("absent.yml"), 0, &cfg, &e),
			 -JOBLET_E_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(e->message, "absent.yml"));
	joblet_error_free(e);
}
END_TEST

START_TEST(test_empty_file_gives_defaults)
{
	struct jl_config *cfg = load_ok("# nothing here\n");

	ck_assert_str_eq(cfg->source, jl_tmp_path("joblet.yml"));
	ck_assert_str_eq(cfg->scheduler_policy, "fifo");
	jl_config_free(cfg);
}
END_TEST

START_TEST(test_every_key)
{
	struct jl_config *cfg = load_ok("logging:\n"
					"  level: debug\n"
					"paths:\n"
					"  state_dir: /srv/joblet\n"
					"plugins:\n"
					"  dirs: [/opt/a, /opt/b]\n"
					"  settings:\n"
					"    registry/github:\n"
					"      raw_base: https://mirror.example/raw\n"
					"      retries: 3\n"
					"scheduler:\n"
					"  policy: priority\n");

	ck_assert_int_eq(cfg->log_level, JOBLET_LOG_DEBUG);
	ck_assert_str_eq(cfg->state_dir, "/srv/joblet");
	ck_assert_str_eq(cfg->plugin_dirs[0], "/opt/a");
	ck_assert_str_eq(cfg->plugin_dirs[1], "/opt/b");
	ck_assert_ptr_null(cfg->plugin_dirs[2]);
	ck_assert_str_eq(cfg->scheduler_policy, "priority");
	ck_assert_str_eq(jl_config_plugin_setting(cfg, "registry/github", "raw_base"),
			 "https://mirror.example/raw");
	ck_assert_str_eq(jl_config_plugin_setting(cfg, "registry/github", "retries"), "3");
	ck_assert_ptr_null(jl_config_plugin_setting(cfg, "registry/github", "other"));
	ck_assert_ptr_null(jl_config_plugin_setting(cfg, "registry/local", "raw_base"));
	jl_config_free(cfg);
}
END_TEST

/* security.secret_key_file: unset (NULL: secrets.key beside server.tls.key) or a path. */
START_TEST(test_security_keys)
{
	struct jl_config *cfg = load_ok("# nothing\n");

	ck_assert_ptr_null(cfg->secret_key_file);
	jl_config_free(cfg);
	cfg = load_ok("security:\n  secret_key_file: /etc/joblet/keys/secrets.key\n");
	ck_assert_str_eq(cfg->secret_key_file, "/etc/joblet/keys/secrets.key");
	jl_config_free(cfg);
	load_bad("security:\n  secret_key_file: keys/secrets.key\n", "line 2",
		 "must be an absolute path");
}
END_TEST

START_TEST(test_runtimes_keys)
{
	struct jl_config *cfg =
		load_ok("runtimes:\n"
			"  dir: /srv/runtimes\n"
			"  registry: acme/runtimes\n"
			"  registry_plugins: [github, local]\n"
			"  index_ttl: 1h30m\n"
			"  max_download_bytes: 2GiB\n"
			"  max_unpacked_bytes: 1TB\n"
			"  max_entries: 5000\n"
			"  allowed_registries: [/srv/registry, \"https://mirror.example/r\"]\n"
			"  index_cache_entries: 4\n"
			"  index_cache_bytes: 32MiB\n"
			"  platform: rhel-arm64\n");

	ck_assert_str_eq(cfg->runtimes_dir, "/srv/runtimes");
	ck_assert_str_eq(cfg->default_registry, "acme/runtimes");
	ck_assert_str_eq(cfg->registry_plugins[0], "github");
	ck_assert_str_eq(cfg->registry_plugins[1], "local");
	ck_assert_ptr_null(cfg->registry_plugins[2]);
	ck_assert_int_eq(cfg->index_ttl_s, 5400);
	ck_assert_int_eq(cfg->max_download_bytes, INT64_C(2) << 30);
	ck_assert_int_eq(cfg->max_unpacked_bytes, INT64_C(1000000000000));
	ck_assert_int_eq(cfg->max_entries, 5000);
	ck_assert_str_eq(cfg->allowed_registries[0], "/srv/registry");
	ck_assert_str_eq(cfg->allowed_registries[1], "https://mirror.example/r");
	ck_assert_ptr_null(cfg->allowed_registries[2]);
	ck_assert_int_eq(cfg->index_cache_entries, 4);
	ck_assert_int_eq(cfg->index_cache_bytes, INT64_C(32) << 20);
	ck_assert_str_eq(cfg->platform, "rhel-arm64");
	jl_config_free(cfg);

	cfg = load_ok("runtimes:\n  platform: auto\n  index_ttl: 0\n");
	ck_assert_ptr_null(cfg->platform);
	ck_assert_int_eq(cfg->index_ttl_s, 0);
	ck_assert_str_eq(cfg->runtimes_dir, "/opt/joblet/runtimes");
	ck_assert_str_eq(cfg->default_registry, "ehsaniara/joblet-runtimes");
	ck_assert_str_eq(cfg->registry_plugins[0], "local");
	/* What a runtime needs, not what a disk holds; a bounded index cache; no other registry. */
	ck_assert_int_eq(cfg->max_unpacked_bytes, INT64_C(8) << 30);
	ck_assert_int_eq(cfg->index_cache_entries, 16);
	ck_assert_int_eq(cfg->index_cache_bytes, INT64_C(64) << 20);
	ck_assert_ptr_null(cfg->allowed_registries);
	jl_config_free(cfg);

	load_bad("runtimes:\n  index_ttl: soon\n", "line 2", "a duration");
	load_bad("runtimes:\n  allowed_registries: /srv/registry\n", "line 2", "must be a list");
	load_bad("runtimes:\n  allowed_registries: [a/b, '']\n", "line 2",
		 "must hold non-empty values, not ``");
	load_bad("runtimes:\n  index_cache_entries: 0\n", "line 2", "at least 1");
	load_bad("runtimes:\n  index_cache_bytes: lots\n", "line 2", "a size");
	load_bad("runtimes:\n  max_download_bytes: 2 gigs\n", "line 2", "a size");
	load_bad("runtimes:\n  max_entries: 0\n", "line 2", "at least 1");
	load_bad("runtimes:\n  platform: windows-amd64\n", "line 2", "auto or {ubuntu|rhel|amzn}");
	load_bad("runtimes:\n  registry_plugins: [GitHub]\n", "line 2", "plugin names");
	load_bad("runtimes:\n  dir: runtimes\n", "line 2", "absolute path");
	load_bad("runtimes:\n  registry: ''\n", "line 2", "is empty");
}
END_TEST

START_TEST(test_scheduler_capacity_keys)
{
	struct jl_config *cfg = load_ok("");

	/* The defaults: 100 jobs, budgets and cores as the host has (auto). */
	ck_assert_int_eq(cfg->max_running_jobs, 100);
	ck_assert_int_eq(cfg->cpu_budget, 0);
	ck_assert_int_eq(cfg->memory_budget, 0);
	ck_assert_ptr_null(cfg->pinnable_cores);
	jl_config_free(cfg);
	cfg = load_ok("scheduler:\n"
		      "  max_running_jobs: 8\n"
		      "  cpu_budget: 400\n"
		      "  memory_budget: 16GiB\n"
		      "  cores: 2-5\n");
	ck_assert_int_eq(cfg->max_running_jobs, 8);
	ck_assert_int_eq(cfg->cpu_budget, 400);
	ck_assert_int_eq(cfg->memory_budget, INT64_C(16) << 30);
	ck_assert_str_eq(cfg->pinnable_cores, "2-5");
	jl_config_free(cfg);
	cfg = load_ok("scheduler:\n"
		      "  max_running_jobs: unlimited\n"
		      "  cpu_budget: unlimited\n"
		      "  memory_budget: auto\n"
		      "  cores: none\n");
	ck_assert_int_eq(cfg->max_running_jobs, -1);
	ck_assert_int_eq(cfg->cpu_budget, -1);
	ck_assert_int_eq(cfg->memory_budget, 0);
	ck_assert_str_eq(cfg->pinnable_cores, "");
	jl_config_free(cfg);
	load_bad("scheduler:\n  max_running_jobs: auto\n", "line 2",
		 "a whole number of at least 1 or unlimited");
	load_bad("scheduler:\n  cpu_budget: 0\n", "line 2", "auto or unlimited");
	load_bad("scheduler:\n  memory_budget: lots\n", "line 2", "a size");
	load_bad("scheduler:\n  cores: 5-2\n", "line 2", "a CPU list");
}
END_TEST

START_TEST(test_reserve_cores)
{
	struct jl_config *cfg = load_ok("");
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	char text[128];

	ck_assert_int_eq(cfg->reserve_cores, 0);
	jl_config_free(cfg);
	cfg = load_ok("scheduler:\n  cores: 0\n  reserve_cores: false\n");
	ck_assert_int_eq(cfg->reserve_cores, 0);
	jl_config_free(cfg);
	load_bad("scheduler:\n  reserve_cores: yes please\n", "line 2", "true or false");
	/* It needs a set of CPUs to keep, and CPUs left over for the rest. */
	load_bad("scheduler:\n  reserve_cores: true\n", "scheduler.cores must name some",
		 "not auto");
	load_bad("scheduler:\n  cores: none\n  reserve_cores: true\n", "scheduler.cores must name",
		 "not none");
	snprintf(text, sizeof(text), "scheduler:\n  cores: 0-%ld\n  reserve_cores: true\n",
		 ncpu - 1);
	load_bad(text, "names every CPU of this host", "leaves none for jobs without --cpus");
	if (ncpu >= 2) {
		snprintf(text, sizeof(text), "scheduler:\n  cores: 1-%ld\n  reserve_cores: true\n",
			 ncpu - 1);
		cfg = load_ok(text);
		ck_assert_int_eq(cfg->reserve_cores, 1);
		jl_config_free(cfg);
	}
}
END_TEST

START_TEST(test_default_job_limits)
{
	struct jl_config *cfg = load_ok("");

	/* Memory, processes and time are limited unless the operator says otherwise. */
	ck_assert_int_eq(cfg->default_max_cpu, -1);
	ck_assert_int_eq(cfg->default_max_memory, INT64_C(512) << 20);
	ck_assert_int_eq(cfg->default_max_iobps, -1);
	ck_assert_int_eq(cfg->default_max_pids, 1024);
	ck_assert_int_eq(cfg->default_timeout_s, 3600);
	ck_assert_int_eq(cfg->ceiling_memory, INT64_C(8) << 30);
	ck_assert_int_eq(cfg->ceiling_cpu, -1);
	ck_assert_int_eq(cfg->ceiling_iobps, -1);
	ck_assert_int_eq(cfg->ceiling_pids, 4096);
	ck_assert_int_eq(cfg->ceiling_timeout_s, 86400);
	ck_assert_int_eq(cfg->default_max_disk, INT64_C(1) << 30);
	ck_assert_int_eq(cfg->ceiling_disk, INT64_C(8) << 30);
	ck_assert_int_eq(cfg->ceiling_log, INT64_C(1) << 30);
	jl_config_free(cfg);
	cfg = load_ok("isolation:\n"
		      "  timeout: 30m\n"
		      "  ceiling:\n"
		      "    memory: 2GiB\n"
		      "    cpu: 200\n"
		      "    iobps: 100MiB\n"
		      "    pids: unlimited\n"
		      "    timeout: unlimited\n");
	ck_assert_int_eq(cfg->default_timeout_s, 1800);
	ck_assert_int_eq(cfg->ceiling_memory, INT64_C(2) << 30);
	ck_assert_int_eq(cfg->ceiling_cpu, 200);
	ck_assert_int_eq(cfg->ceiling_iobps, INT64_C(100) << 20);
	ck_assert_int_eq(cfg->ceiling_pids, -1);
	ck_assert_int_eq(cfg->ceiling_timeout_s, -1);
	jl_config_free(cfg);
	load_bad("isolation:\n  timeout: soon\n", "isolation.timeout",
		 "a duration (90s, 5m, 1h30m, 1d) or unlimited");
	load_bad("isolation:\n  ceiling:\n    memory: lots\n", "isolation.ceiling.memory",
		 "or unlimited");
	load_bad("isolation:\n  ceiling:\n    swap: 1GiB\n", "isolation.ceiling.swap",
		 "settings under isolation.ceiling");
	/* The disk and log ceilings. */
	cfg = load_ok("isolation:\n  ceiling:\n    disk: 2GiB\n    log: 128MiB\n");
	ck_assert_int_eq(cfg->ceiling_disk, INT64_C(2) << 30);
	ck_assert_int_eq(cfg->ceiling_log, INT64_C(128) << 20);
	jl_config_free(cfg);

	cfg = load_ok("isolation:\n"
		      "  max_cpu: 150\n"
		      "  max_memory: 512MiB\n"
		      "  max_iobps: 10MiB\n");
	ck_assert_int_eq(cfg->default_max_cpu, 150);
	ck_assert_int_eq(cfg->default_max_memory, INT64_C(512) << 20);
	ck_assert_int_eq(cfg->default_max_iobps, INT64_C(10) << 20);
	jl_config_free(cfg);
	cfg = load_ok("isolation:\n  max_cpu: unlimited\n  max_memory: unlimited\n");
	ck_assert_int_eq(cfg->default_max_cpu, -1);
	ck_assert_int_eq(cfg->default_max_memory, -1);
	jl_config_free(cfg);
	/* `auto` is for budgets: a job's limit is a number or none. */
	load_bad("isolation:\n  max_cpu: auto\n", "line 2",
		 "a whole number of at least 1 or unlimited");
	load_bad("isolation:\n  max_memory: 0\n", "line 2", "or unlimited");
	load_bad("isolation:\n  max_memory: 1MiB\n", "isolation.max_memory", "at least 4MiB");
	/* A default that no budget can hold would refuse every job that relies on it. */
	load_bad("isolation:\n  max_cpu: 300\nscheduler:\n  cpu_budget: 200\n",
		 "isolation.max_cpu (300%) is more than scheduler.cpu_budget (200%)", "--max-cpu");
	load_bad("isolation:\n  max_memory: 2GiB\nscheduler:\n  memory_budget: 1GiB\n",
		 "isolation.max_memory (2048 MiB) is more than scheduler.memory_budget (1024 MiB)",
		 "--max-memory");
	cfg = load_ok("isolation:\n  max_cpu: 200\nscheduler:\n  cpu_budget: 200\n");
	ck_assert_int_eq(cfg->default_max_cpu, 200);
	jl_config_free(cfg);
}
END_TEST

/* jobs.max_log: 64 MiB built in, a size, never unlimited (a log always has a cap). */
START_TEST(test_max_log)
{
	struct jl_config *cfg = load_ok("");

	ck_assert_int_eq(cfg->default_max_log, INT64_C(64) << 20);
	jl_config_free(cfg);
	cfg = load_ok("jobs:\n  max_log: 2GiB\n");
	ck_assert_int_eq(cfg->default_max_log, INT64_C(2) << 30);
	jl_config_free(cfg);
	load_bad("jobs:\n  max_log: unlimited\n", "line 2", "a size");
	load_bad("jobs:\n  max_log: 1000\n", "jobs.max_log (1000 bytes)", "from 1MiB to 1TiB");
	load_bad("jobs:\n  max_log: 2TiB\n", "jobs.max_log", "from 1MiB to 1TiB");
}
END_TEST

/* networks.*: the built-ins' blocks and devices, the table, the resolvers; each checked. */
START_TEST(test_networks)
{
	struct jl_config *cfg = load_ok("");

	ck_assert_str_eq(cfg->net_table, "joblet");
	ck_assert_str_eq(cfg->net_bridge_cidr, "172.20.0.0/16");
	ck_assert_str_eq(cfg->net_isolated_device, "joblet1");
	ck_assert_ptr_null(cfg->net_dns);
	jl_config_free(cfg);
	cfg = load_ok("networks:\n  table: jl_test\n  dns: [192.0.2.53, 198.51.100.1]\n"
		      "  bridge: {cidr: 10.40.0.0/16, device: jlb0}\n");
	ck_assert_str_eq(cfg->net_table, "jl_test");
	ck_assert_str_eq(cfg->net_dns[1], "198.51.100.1");
	ck_assert_str_eq(cfg->net_bridge_cidr, "10.40.0.0/16");
	ck_assert_str_eq(cfg->net_bridge_device, "jlb0");
	jl_config_free(cfg);
	load_bad("networks:\n  bridge:\n    cidr: 8.8.0.0/16\n", "networks.bridge.cidr",
		 "private IPv4 block");
	load_bad("networks:\n  bridge:\n    cidr: 10.1.2.3/16\n", "networks.bridge.cidr",
		 "first address");
	load_bad("networks:\n  isolated:\n    cidr: 10.0.0.0/30\n", "networks.isolated.cidr",
		 "/29");
	load_bad("networks:\n  bridge:\n    device: a-name-far-too-long\n",
		 "networks.bridge.device", "1 to 15");
	load_bad("networks:\n  dns: [resolver.example]\n", "networks.dns", "IPv4 addresses");
	load_bad("networks:\n  table: Bad-Name\n", "networks.table", NULL);
	load_bad("networks:\n  table: _x\n", "networks.table `_x`", "start with a letter");
	load_bad("networks:\n  isolated:\n    cidr: 172.20.128.0/17\n", "overlap", NULL);
	load_bad("networks:\n  isolated:\n    device: joblet0\n", "both `joblet0`", NULL);
}
END_TEST

/* volumes.*: totals, and an owner id that no range or account has. */
START_TEST(test_volumes)
{
	struct jl_config *cfg = load_ok("");

	ck_assert_int_eq(cfg->volumes_max_total, INT64_C(16) << 30);
	ck_assert_int_eq(cfg->volumes_max_memory_total, INT64_C(1) << 30);
	ck_assert_int_eq(cfg->volumes_owner_id, 69999);
	ck_assert_int_eq(cfg->volumes_max_per_user, 32);
	ck_assert_int_eq(cfg->volumes_max_user_total, -1);
	jl_config_free(cfg);
	cfg = load_ok("volumes:\n  max_total: 100GiB\n  max_memory_total: 2GiB\n  owner_id: 68000\n"
		      "  max_per_user: unlimited\n  max_user_total: 4GiB\n");
	ck_assert_int_eq(cfg->volumes_max_total, INT64_C(100) << 30);
	ck_assert_int_eq(cfg->volumes_max_memory_total, INT64_C(2) << 30);
	ck_assert_int_eq(cfg->volumes_owner_id, 68000);
	ck_assert_int_eq(cfg->volumes_max_per_user, -1);
	ck_assert_int_eq(cfg->volumes_max_user_total, INT64_C(4) << 30);
	jl_config_free(cfg);
	load_bad("volumes:\n  max_total: lots\n", "line 2", "a size");
	load_bad("volumes:\n  max_per_user: 0\n", "volumes.max_per_user", "unlimited");
	load_bad("volumes:\n  max_user_total: some\n", "volumes.max_user_total", "a size");
	load_bad("volumes:\n  owner_id: 0\n", "line 2", NULL);
	load_bad("volumes:\n  owner_id: 70001\n", "volumes.owner_id 70001", "isolation.uid_range");
	load_bad("volumes:\n  owner_id: 1073741830\n", "volumes.owner_id", "oci.uid_range");
	load_bad("volumes:\n  owner_id: 65534\n", "volumes.owner_id", "nobody");
	load_bad("isolation:\n  uid_range: 60000-79999\n", "volumes.owner_id 69999", NULL);
}
END_TEST

/* server.audit_retention: 90 days and a million rows built in, each may be unlimited. */
START_TEST(test_audit_retention)
{
	struct jl_config *cfg = load_ok("");

	ck_assert_int_eq(cfg->audit_max_age_s, 90 * 86400);
	ck_assert_int_eq(cfg->audit_max_rows, 1000000);
	jl_config_free(cfg);
	cfg = load_ok("server:\n  audit_retention:\n    max_age: 7d\n    max_rows: unlimited\n");
	ck_assert_int_eq(cfg->audit_max_age_s, 7 * 86400);
	ck_assert_int_eq(cfg->audit_max_rows, -1);
	jl_config_free(cfg);
	load_bad(
		"server:\n  audit_retention:\n    max_age: 0\n", "line 3",
		"`server.audit_retention.max_age` must be a duration (90s, 5m, 1h30m, 1d) or unlimited");
	load_bad("server:\n  audit_retention:\n    max_rows: lots\n", "line 3",
		 "a whole number of at least 1 or unlimited");
	load_bad("server:\n  audit_retention: 90d\n", "line 2", "must be a mapping");
}
END_TEST

START_TEST(test_body_limits)
{
	struct jl_config *cfg = load_ok("");

	ck_assert_int_eq(cfg->max_buffered_bytes, INT64_C(8) << 20);
	ck_assert_int_eq(cfg->max_uploads_per_identity, 8);
	ck_assert_int_eq(cfg->max_streamed_uploads, 16);
	jl_config_free(cfg);
	cfg = load_ok(
		"server:\n  max_buffered_bytes: 32MiB\n  max_uploads_per_identity: 2\n  max_streamed_uploads: 4\n");
	ck_assert_int_eq(cfg->max_buffered_bytes, INT64_C(32) << 20);
	ck_assert_int_eq(cfg->max_uploads_per_identity, 2);
	ck_assert_int_eq(cfg->max_streamed_uploads, 4);
	jl_config_free(cfg);
	load_bad("server:\n  max_buffered_bytes: lots\n", "line 2", "a size");
	load_bad("server:\n  max_uploads_per_identity: 0\n", "line 2", NULL);
	load_bad("server:\n  max_streamed_uploads: -1\n", "line 2", NULL);
}
END_TEST

START_TEST(test_unknown_keys_name_line_and_key)
{
	load_bad("logging:\n  level: info\nserverr:\n  port: 1\n", "line 3",
		 "`serverr` is not a setting");
	load_bad("logging:\n  levle: info\n", "line 2", "`logging.levle`");
	load_bad("logging:\n  levle: info\n", "settings under logging: level", NULL);
	load_bad("paths:\n  state_dir: /a\n  runtime_dir: /b\n", "line 3", "`paths.runtime_dir`");
}
END_TEST

START_TEST(test_wrong_types_and_values)
{
	load_bad("plugins:\n  dirs: /opt/plugins\n", "line 2", "`plugins.dirs` must be a list");
	load_bad("plugins:\n  dirs: [relative/dir]\n", "line 2", "absolute paths");
	load_bad("paths:\n  state_dir: var/lib\n", "line 2", "must be an absolute path");
	load_bad("paths:\n  state_dir: [/a]\n", "line 2", "must be a single value");
	load_bad("paths:\n  state_dir:\n", "line 2", "has no value");
	load_bad("logging:\n  level: loud\n", "line 2", "error, warning, info or debug");
	load_bad("scheduler:\n  policy: Fair-Share\n", "line 2", "plugin name");
	load_bad("logging: debug\n", "line 1", "`logging` must be a mapping");
	load_bad("- a\n- b\n", "line 1", "must be a mapping");
}
END_TEST

START_TEST(test_syntax_duplicates_aliases)
{
	load_bad("logging:\n  level: [debug\n", "line", NULL);
	load_bad("logging:\n  level: info\nlogging:\n  level: debug\n", "line 3",
		 "set twice (also on line 1)");
	load_bad("paths: &p\n  state_dir: /a\nother: *p\n", "line 1", "anchors and aliases");
	load_bad("logging:\n  level: info\n---\nlogging:\n  level: debug\n", "line 3",
		 "one YAML document");
}
END_TEST

START_TEST(test_plugin_settings_mistakes)
{
	load_bad("plugins:\n  settings:\n    github:\n      a: b\n", "line 3", "`kind/name`");
	load_bad("plugins:\n  settings:\n    network/x:\n      a: b\n", "line 3",
		 "does not name a plugin");
	load_bad("plugins:\n  settings:\n    registry/Git-Hub:\n      a: b\n", "line 3", NULL);
	load_bad("plugins:\n  settings:\n    registry/github:\n      a: [1, 2]\n", "line 4",
		 "must be a single value");
	load_bad("plugins:\n  settings:\n    registry/github: 5\n", "line 3", "must be a mapping");
	load_bad(
		"plugins:\n  settings:\n    registry/github:\n      a:\n", "line 4",
		"`plugins.settings.\"registry/github\".a` has no value; give one or remove the line");
}
END_TEST

/* isolation.uid_range: a uid per running job, shared with no account of the host. */
START_TEST(test_uid_range)
{
	struct jl_config *cfg = load_ok("isolation:\n  uid_range: 300000-300199\n");
	struct joblet_error *e = NULL;

	ck_assert_int_eq(cfg->uid_first, 300000);
	ck_assert_int_eq(cfg->uid_last, 300199);
	/* Against an /etc of our own: an account, a group, a subordinate id in the range. */
	mkdir(jl_tmp_path("etc"), 0700);
	jl_tmp_write("etc/passwd", "root:x:0:0::/root:/bin/sh\nsvc:x:299999:1::/:/bin/false\n");
	jl_tmp_write("etc/group", "root:x:0:\n");
	jl_tmp_write("etc/subuid", "alice:100000:65536\nbob:165536:65536\n");
	ck_assert_msg(jl_config_check_uid_range(cfg, jl_tmp_path("etc"), &e) == 0, "%s",
		      joblet_error_message(e));
	jl_tmp_write("etc/group", "root:x:0:\nbuilders:x:300005:svc\n");
	ck_assert_int_eq(jl_config_check_uid_range(cfg, jl_tmp_path("etc"), &e), -JOBLET_E_CONFIG);
	ck_assert_msg(strstr(e->message, "holds 300005, which `builders`"), "%s", e->message);
	joblet_error_clear(&e);
	jl_tmp_write("etc/group", "root:x:0:\n");
	jl_tmp_write("etc/subgid", "carol:299990:20\n");
	ck_assert_int_eq(jl_config_check_uid_range(cfg, jl_tmp_path("etc"), &e), -JOBLET_E_CONFIG);
	ck_assert_msg(strstr(e->message, "holds 300000, which `carol`"), "%s", e->message);
	joblet_error_clear(&e);
	cfg->max_running_jobs = 201;
	ck_assert_int_eq(jl_config_check_uid_range(cfg, jl_tmp_path("nowhere"), &e),
			 -JOBLET_E_CONFIG);
	ck_assert_msg(strstr(e->message, "more than the 200 uids"), "%s", e->message);
	joblet_error_free(e);
	jl_config_free(cfg);
	/* The default is above regular and dynamic users, below subordinate ids. */
	cfg = load_ok("");
	ck_assert_int_eq(cfg->uid_first, 70000);
	ck_assert_int_eq(cfg->uid_last, 99999);
	jl_config_free(cfg);
	load_bad("isolation:\n  uid_range: 0-100\n", "line 2", "FIRST-LAST");
	load_bad("isolation:\n  uid_range: 5000\n", "line 2", "FIRST-LAST");
	load_bad("isolation:\n  uid_range: 90-80\n", "line 2", "FIRST-LAST");
	load_bad("isolation:\n  uid_range: 1-4294967295\n", "line 2", "FIRST-LAST");
	/* The one shared uid of earlier releases is gone, loudly. */
	load_bad("isolation:\n  uid: 65534\n", "line 2",
		 "each job now runs as a uid and gid of its own");
	load_bad("isolation:\n  gid: 65534\n", "`isolation.gid` is no longer a setting", NULL);
}
END_TEST

START_TEST(test_binary_and_huge_files_refused)
{
	struct jl_config *cfg = NULL;
	struct joblet_error *e = NULL;
	const char *p = jl_tmp_path("big.yml");
	FILE *f = fopen(p, "w");

	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < 70000; i++)
		fputs("# padding padding\n", f);
	fclose(f);
	ck_assert_int_eq(jl_config_load(p, 0, &cfg, &e), -JOBLET_E_LIMIT);
	joblet_error_clear(&e);

	f = fopen(p, "w");
	fwrite("a: \0b\n", 1, 6, f);
	fclose(f);
	ck_assert_int_eq(jl_config_load(p, 0, &cfg, &e), -JOBLET_E_CONFIG);
	ck_assert_ptr_nonnull(strstr(e->message, "NUL"));
	joblet_error_free(e);
}
END_TEST

/* jobs.metrics_interval (1s..1h, 5s built in) and jobs.max_metrics (10..1000000). */
START_TEST(test_metrics_keys)
{
	struct jl_config *cfg = load_ok("");

	ck_assert_int_eq(cfg->metrics_interval_s, 5);
	ck_assert_int_eq(cfg->max_metrics, 17280);
	jl_config_free(cfg);
	cfg = load_ok("jobs:\n  metrics_interval: 1m\n  max_metrics: 100\n");
	ck_assert_int_eq(cfg->metrics_interval_s, 60);
	ck_assert_int_eq(cfg->max_metrics, 100);
	jl_config_free(cfg);
	load_bad("jobs:\n  metrics_interval: 2h\n", "jobs.metrics_interval (7200 s)",
		 "from 1s to 1h");
	load_bad("jobs:\n  metrics_interval: 0\n", "jobs.metrics_interval", "");
	load_bad("jobs:\n  max_metrics: 5\n", "jobs.max_metrics (5)", "from 10 to 1000000");
	load_bad("jobs:\n  max_metrics: 2000000\n", "jobs.max_metrics", "from 10 to 1000000");
}
END_TEST

/* jobs.warm_pool: 0 (none) built in, a count up to 64, or auto (-1). */
START_TEST(test_warm_pool_key)
{
	struct jl_config *cfg = load_ok("");

	ck_assert_int_eq(cfg->warm_pool, 0);
	jl_config_free(cfg);
	cfg = load_ok("jobs:\n  warm_pool: auto\n");
	ck_assert_int_eq(cfg->warm_pool, -1);
	jl_config_free(cfg);
	cfg = load_ok("jobs:\n  warm_pool: 8\n");
	ck_assert_int_eq(cfg->warm_pool, 8);
	jl_config_free(cfg);
	load_bad("jobs:\n  warm_pool: 65\n", "jobs.warm_pool (65)", "from 0 to 64, or auto");
	load_bad("jobs:\n  warm_pool: -1\n", "jobs.warm_pool", "a whole number (0: none) or auto");
	load_bad("jobs:\n  warm_pool: many\n", "jobs.warm_pool", "not `many`");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("joblet.yml");

	tcase_add_checked_fixture(tc, jl_tmp_setup, jl_tmp_teardown);
	tcase_add_test(tc, test_defaults_when_missing_is_ok);
	tcase_add_test(tc, test_missing_file_is_an_error_without_flag);
	tcase_add_test(tc, test_empty_file_gives_defaults);
	tcase_add_test(tc, test_every_key);
	tcase_add_test(tc, test_runtimes_keys);
	tcase_add_test(tc, test_security_keys);
	tcase_add_test(tc, test_scheduler_capacity_keys);
	tcase_add_test(tc, test_default_job_limits);
	tcase_add_test(tc, test_max_log);
	tcase_add_test(tc, test_metrics_keys);
	tcase_add_test(tc, test_warm_pool_key);
	tcase_add_test(tc, test_networks);
	tcase_add_test(tc, test_volumes);
	tcase_add_test(tc, test_audit_retention);
	tcase_add_test(tc, test_body_limits);
	tcase_add_test(tc, test_reserve_cores);
	tcase_add_test(tc, test_unknown_keys_name_line_and_key);
	tcase_add_test(tc, test_wrong_types_and_values);
	tcase_add_test(tc, test_syntax_duplicates_aliases);
	tcase_add_test(tc, test_plugin_settings_mistakes);
	tcase_add_test(tc, test_binary_and_huge_files_refused);
	tcase_add_test(tc, test_uid_range);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return jl_run_suite(suite());
}

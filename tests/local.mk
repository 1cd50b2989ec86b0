# Tests.  `make check` builds what is listed here, then tests/run-tests.sh
# runs every test and ends with the line "N passed, N failed".

JL_SCRIPT_TESTS = \
	tests/sdk/test_headers.sh \
	tests/sdk/test_abi.sh \
	tests/tree/test_deps.sh \
	tests/unit/plugin/test_plugin_contract.sh \
	tests/integration/test_cli.sh \
	tests/integration/test_completion.sh \
	tests/integration/test_certs.sh \
	tests/integration/test_rnx_api.sh \
	tests/integration/test_mcp.sh \
	tests/integration/test_ui_server.sh \
	tests/integration/test_ui.sh \
	tests/integration/test_serve.sh \
	tests/integration/test_api.sh \
	tests/integration/test_uploads.sh \
	tests/integration/test_results.sh \
	tests/integration/test_api_conns.sh \
	tests/integration/test_restart.sh \
	tests/integration/test_scheduler.sh \
	tests/integration/test_runtime.sh \
	tests/integration/test_run_local.sh \
	tests/integration/test_log_cap.sh \
	tests/integration/test_metrics.sh \
	tests/integration/hostile/test_hostile.sh \
	tests/integration/test_job_init.sh \
	tests/integration/test_warm_pool.sh \
	tests/integration/test_job_uid.sh \
	tests/integration/test_volumes.sh \
	tests/integration/test_daemon_hygiene.sh \
	tests/integration/test_net_kernel.sh \
	tests/integration/test_networks.sh \
	tests/integration/test_oci_lifecycle.sh \
	tests/integration/test_oci_containerd.sh \
	tests/integration/test_oci_podman.sh \
	tests/integration/test_oci_slurm.sh \
	tests/sdk/test_sdk.sh

EXTRA_DIST += \
	$(JL_SCRIPT_TESTS) \
	tests/run-tests.sh \
	tests/valgrind.supp \
	tests/lsan.supp \
	tests/integration/tap.sh \
	tests/integration/oci_clients.sh \
	tests/ui/ui_browser.py \
	tests/integration/prom_check.py \
	tests/unit/jl_tmp.h \
	tests/sdk/example_plugin.c \
	tests/fixtures/README.md \
	tests/fixtures/make-test-certs.sh \
	tests/fixtures/joblet.yml \
	tests/fixtures/rnx-config.yml \
	tests/fixtures/os-release \
	tests/bench/README.md \
	tests/bench/bench_install.sh \
	tests/bench/bench_isolation.sh \
	tests/bench/bench_oci.sh \
	tests/bench/bench_api.sh \
	tests/bench/bench_kept.sh \
	tests/bench/bench_cron.sh \
	tests/bench/bench_network.sh \
	tests/bench/bench_daemon.sh \
	tests/bench/bench_mcp.sh \
	tests/local.mk

JL_UNIT_TESTS =
check_PROGRAMS =
check_LTLIBRARIES =

if ENABLE_TESTS
JL_UNIT_TESTS += \
	tests/unit/cli/test_api \
	tests/unit/common/test_cli \
	tests/unit/common/test_log_event \
	tests/unit/config/test_config \
	tests/unit/config/test_client_config \
	tests/unit/base/test_cron \
	tests/unit/base/test_error \
	tests/unit/plugin/test_fifo \
	tests/unit/sched/test_heap \
	tests/unit/sched/test_sched \
	tests/unit/config/test_host \
	tests/unit/job/test_job_spec \
	tests/unit/job/test_job_net \
	tests/unit/job/test_volume_ref \
	tests/unit/job/test_job_log \
	tests/unit/job/test_job_metrics \
	tests/unit/job/test_executor \
	tests/unit/job/test_results_ns \
	tests/unit/base/test_cpuset \
	tests/unit/base/test_timefmt \
	tests/unit/common/test_base64 \
	tests/unit/common/test_uploads \
	tests/unit/common/test_tar_stream \
	tests/unit/job/test_job_schema \
	tests/unit/plugin/test_loader \
	tests/unit/runtime/test_registry_index \
	tests/unit/runtime/test_runtime_yml \
	tests/unit/runtime/test_prefetch \
	tests/unit/runtime/test_index_cache \
	tests/unit/runtime/test_semver \
	tests/unit/runtime/test_runtime_spec \
	tests/unit/config/test_platform \
	tests/unit/cli/test_sse \
	tests/unit/cli/test_ui_http \
	tests/unit/daemon/test_store \
	tests/unit/daemon/test_auth \
	tests/unit/daemon/test_secrets \
	tests/unit/daemon/test_monitor \
	tests/unit/base/test_util \
	tests/unit/base/test_fsutil \
	tests/unit/base/test_yaml_doc
if BUILD_PLUGIN_ARCHIVE_TAR
JL_UNIT_TESTS += tests/unit/plugins/archive/test_tar
endif
if BUILD_NET
JL_UNIT_TESTS += tests/unit/net/test_net_rules
endif
check_PROGRAMS += $(JL_UNIT_TESTS) tests/unit/plugin/plugin_contract tests/fixtures/fake_registry \
	tests/integration/api_client tests/integration/tls_conn

# The fake GitHub: an HTTPS file server with fault injection (tests/fixtures/README.md).
tests_fixtures_fake_registry_SOURCES = tests/fixtures/fake_registry.c
tests_fixtures_fake_registry_CFLAGS = $(AM_CFLAGS) $(MICROHTTPD_CFLAGS) $(GNUTLS_CFLAGS)
tests_fixtures_fake_registry_LDADD = $(MICROHTTPD_LIBS) $(GNUTLS_LIBS)

# rnx's API client driven from test_rnx_api.sh (core/cli/api.c compiled in).
tests_integration_api_client_SOURCES = tests/integration/api_client.c core/cli/api.c \
	core/cli/api.h core/cli/sse.c core/cli/sse.h
tests_integration_api_client_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core/cli -I$(top_srcdir)/core -I$(top_srcdir)/core/lib
tests_integration_api_client_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(CURL_CFLAGS) $(GNUTLS_CFLAGS)
tests_integration_api_client_LDADD = libjoblet.la $(JSONC_LIBS) $(CURL_LIBS) $(GNUTLS_LIBS)

# core/net: the allow-list parser and the nftables text (no root, no network).
tests_unit_net_test_net_rules_SOURCES = tests/unit/net/test_net_rules.c tests/unit/jl_test.h
tests_unit_net_test_net_rules_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core
tests_unit_net_test_net_rules_CFLAGS = $(JL_TEST_CFLAGS) $(MNL_CFLAGS)
tests_unit_net_test_net_rules_LDADD = libjlnet.la libjoblet.la $(MNL_LIBS) $(CHECK_LIBS)

# core/net driven by test_net_kernel.sh (job networks in the test's own namespaces).
if BUILD_NET
check_PROGRAMS += tests/integration/net_driver
endif
tests_integration_net_driver_SOURCES = tests/integration/net_driver.c
tests_integration_net_driver_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core
tests_integration_net_driver_LDADD = libjlnet_host.la libjlnet.la libjoblet.la

# Many TLS connections held open at once, for test_api.sh (caps, revocation).
tests_integration_tls_conn_SOURCES = tests/integration/tls_conn.c
tests_integration_tls_conn_CFLAGS = $(AM_CFLAGS) $(GNUTLS_CFLAGS)
tests_integration_tls_conn_LDADD = $(GNUTLS_LIBS)

JL_TEST_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) -D_GNU_SOURCE -Wno-missing-prototypes \
	-I$(top_srcdir)/tests/unit -I$(top_srcdir)/core -I$(top_srcdir)/core/lib
JL_TEST_LIBS = libjoblet_common.la libjoblet.la $(CHECK_LIBS)

tests_unit_common_test_cli_SOURCES = tests/unit/common/test_cli.c tests/unit/jl_test.h
tests_unit_common_test_cli_CFLAGS = $(JL_TEST_CFLAGS)
tests_unit_common_test_cli_LDADD = $(JL_TEST_LIBS)

tests_unit_common_test_log_event_SOURCES = tests/unit/common/test_log_event.c tests/unit/jl_test.h
tests_unit_common_test_log_event_CFLAGS = $(JL_TEST_CFLAGS) $(JSONC_CFLAGS)
tests_unit_common_test_log_event_LDADD = $(JL_TEST_LIBS) $(JSONC_LIBS)

tests_unit_config_test_config_SOURCES = tests/unit/config/test_config.c tests/unit/jl_test.h
tests_unit_config_test_config_CFLAGS = $(JL_TEST_CFLAGS)
tests_unit_config_test_config_LDADD = $(JL_TEST_LIBS)

tests_unit_config_test_client_config_SOURCES = tests/unit/config/test_client_config.c tests/unit/jl_test.h
tests_unit_config_test_client_config_CFLAGS = $(JL_TEST_CFLAGS)
tests_unit_config_test_client_config_LDADD = $(JL_TEST_LIBS)

tests_unit_base_test_cron_SOURCES = tests/unit/base/test_cron.c tests/unit/jl_test.h
tests_unit_base_test_cron_CFLAGS = $(JL_TEST_CFLAGS)
tests_unit_base_test_cron_LDADD = $(JL_TEST_LIBS)

tests_unit_base_test_error_SOURCES = tests/unit/base/test_error.c tests/unit/jl_test.h
tests_unit_base_test_error_CFLAGS = $(JL_TEST_CFLAGS)
tests_unit_base_test_error_LDADD = $(JL_TEST_LIBS)

tests_unit_plugin_test_fifo_SOURCES = tests/unit/plugin/test_fifo.c tests/unit/jl_test.h
tests_unit_plugin_test_fifo_CFLAGS = $(JL_TEST_CFLAGS)
tests_unit_plugin_test_fifo_LDADD = $(JL_TEST_LIBS)

tests_unit_sched_test_heap_SOURCES = tests/unit/sched/test_heap.c tests/unit/jl_test.h
tests_unit_sched_test_heap_CFLAGS = $(JL_TEST_CFLAGS)
tests_unit_sched_test_heap_LDADD = $(JL_TEST_LIBS)

tests_unit_sched_test_sched_SOURCES = tests/unit/sched/test_sched.c tests/unit/jl_test.h tests/unit/jl_tmp.h
tests_unit_sched_test_sched_CFLAGS = $(JL_TEST_CFLAGS)
tests_unit_sched_test_sched_LDADD = $(JL_TEST_LIBS)

tests_unit_config_test_host_SOURCES = tests/unit/config/test_host.c tests/unit/jl_test.h
tests_unit_config_test_host_CFLAGS = $(JL_TEST_CFLAGS)
tests_unit_config_test_host_LDADD = $(JL_TEST_LIBS)

tests_unit_plugin_test_loader_SOURCES = tests/unit/plugin/test_loader.c tests/unit/jl_test.h
tests_unit_plugin_test_loader_CFLAGS = $(JL_TEST_CFLAGS)
tests_unit_plugin_test_loader_LDADD = $(JL_TEST_LIBS)
EXTRA_tests_unit_plugin_test_loader_DEPENDENCIES = $(check_LTLIBRARIES)

# Private helpers: linked statically from the convenience library.
tests_unit_base_test_util_SOURCES = tests/unit/base/test_util.c tests/unit/jl_test.h
tests_unit_base_test_util_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/core/lib
tests_unit_base_test_util_CFLAGS = $(JL_TEST_CFLAGS) $(YAML_CFLAGS)
tests_unit_base_test_util_LDADD = libjoblet_core.la $(CHECK_LIBS)

tests_unit_base_test_fsutil_SOURCES = tests/unit/base/test_fsutil.c tests/unit/jl_test.h
tests_unit_base_test_fsutil_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/core/lib
tests_unit_base_test_fsutil_CFLAGS = $(JL_TEST_CFLAGS)
tests_unit_base_test_fsutil_LDADD = libjoblet_core.la $(CHECK_LIBS)

tests_unit_base_test_yaml_doc_SOURCES = tests/unit/base/test_yaml_doc.c tests/unit/jl_test.h
tests_unit_base_test_yaml_doc_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/core/lib
tests_unit_base_test_yaml_doc_CFLAGS = $(JL_TEST_CFLAGS) $(YAML_CFLAGS)
tests_unit_base_test_yaml_doc_LDADD = libjoblet_core.la $(CHECK_LIBS)

tests_unit_runtime_test_registry_index_SOURCES = tests/unit/runtime/test_registry_index.c tests/unit/jl_test.h
tests_unit_runtime_test_registry_index_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/core/lib
tests_unit_runtime_test_registry_index_CFLAGS = $(JL_TEST_CFLAGS) $(YAML_CFLAGS)
tests_unit_runtime_test_registry_index_LDADD = libjoblet_core.la $(CHECK_LIBS)

tests_unit_runtime_test_runtime_yml_SOURCES = tests/unit/runtime/test_runtime_yml.c tests/unit/jl_test.h
tests_unit_runtime_test_runtime_yml_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/core/lib
tests_unit_runtime_test_runtime_yml_CFLAGS = $(JL_TEST_CFLAGS) $(YAML_CFLAGS)
tests_unit_runtime_test_runtime_yml_LDADD = libjoblet_core.la $(CHECK_LIBS)

tests_unit_runtime_test_prefetch_SOURCES = tests/unit/runtime/test_prefetch.c tests/unit/jl_test.h
tests_unit_runtime_test_prefetch_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/core/lib
tests_unit_runtime_test_prefetch_CFLAGS = $(JL_TEST_CFLAGS) $(YAML_CFLAGS)
tests_unit_runtime_test_prefetch_LDADD = libjoblet_core.la $(CHECK_LIBS)

tests_unit_job_test_job_net_SOURCES = tests/unit/job/test_job_net.c tests/unit/jl_test.h
tests_unit_job_test_job_net_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/core/lib
tests_unit_job_test_job_net_CFLAGS = $(JL_TEST_CFLAGS) $(YAML_CFLAGS) $(JSONC_CFLAGS)
tests_unit_job_test_job_net_LDADD = libjoblet_core.la $(CHECK_LIBS)

tests_unit_job_test_job_spec_SOURCES = tests/unit/job/test_job_spec.c tests/unit/jl_test.h tests/unit/jl_tmp.h
tests_unit_job_test_job_spec_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/core/lib
tests_unit_job_test_job_spec_CFLAGS = $(JL_TEST_CFLAGS) $(YAML_CFLAGS)
tests_unit_job_test_job_spec_LDADD = libjoblet_core.la $(CHECK_LIBS)

tests_unit_job_test_volume_ref_SOURCES = tests/unit/job/test_volume_ref.c tests/unit/jl_test.h
tests_unit_job_test_volume_ref_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/core/lib
tests_unit_job_test_volume_ref_CFLAGS = $(JL_TEST_CFLAGS) $(YAML_CFLAGS)
tests_unit_job_test_volume_ref_LDADD = libjoblet_core.la $(CHECK_LIBS)

tests_unit_job_test_job_log_SOURCES = tests/unit/job/test_job_log.c tests/unit/jl_test.h tests/unit/jl_tmp.h
tests_unit_job_test_job_log_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/core/lib
tests_unit_job_test_job_log_CFLAGS = $(JL_TEST_CFLAGS) $(YAML_CFLAGS)
tests_unit_job_test_job_log_LDADD = libjoblet_core.la $(CHECK_LIBS)
tests_unit_job_test_job_metrics_SOURCES = tests/unit/job/test_job_metrics.c tests/unit/jl_test.h tests/unit/jl_tmp.h
tests_unit_job_test_job_metrics_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/core/lib
tests_unit_job_test_job_metrics_CFLAGS = $(JL_TEST_CFLAGS) $(YAML_CFLAGS)
tests_unit_job_test_job_metrics_LDADD = libjoblet_core.la $(CHECK_LIBS)

tests_unit_job_test_executor_SOURCES = tests/unit/job/test_executor.c tests/unit/jl_test.h tests/unit/jl_tmp.h
tests_unit_job_test_executor_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/core/lib
tests_unit_job_test_executor_CFLAGS = $(JL_TEST_CFLAGS) $(YAML_CFLAGS)
tests_unit_job_test_executor_LDADD = libjoblet_core.la $(CHECK_LIBS)

tests_unit_job_test_results_ns_SOURCES = tests/unit/job/test_results_ns.c tests/unit/jl_test.h tests/unit/jl_tmp.h
tests_unit_job_test_results_ns_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/core/lib
tests_unit_job_test_results_ns_CFLAGS = $(JL_TEST_CFLAGS)
tests_unit_job_test_results_ns_LDADD = libjoblet_core.la $(CHECK_LIBS)

tests_unit_base_test_cpuset_SOURCES = tests/unit/base/test_cpuset.c tests/unit/jl_test.h
tests_unit_base_test_cpuset_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/core/lib
tests_unit_base_test_cpuset_CFLAGS = $(JL_TEST_CFLAGS) $(YAML_CFLAGS)
tests_unit_base_test_cpuset_LDADD = libjoblet_core.la $(CHECK_LIBS)

tests_unit_base_test_timefmt_SOURCES = tests/unit/base/test_timefmt.c tests/unit/jl_test.h
tests_unit_base_test_timefmt_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/core/lib
tests_unit_base_test_timefmt_CFLAGS = $(JL_TEST_CFLAGS) $(YAML_CFLAGS)
tests_unit_base_test_timefmt_LDADD = libjoblet_core.la $(CHECK_LIBS)

tests_unit_common_test_base64_SOURCES = tests/unit/common/test_base64.c tests/unit/jl_test.h
tests_unit_common_test_base64_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/core/lib
tests_unit_common_test_base64_CFLAGS = $(JL_TEST_CFLAGS) $(YAML_CFLAGS)
tests_unit_common_test_base64_LDADD = libjoblet_common.la libjoblet_core.la $(CHECK_LIBS)
tests_unit_common_test_uploads_SOURCES = tests/unit/common/test_uploads.c tests/unit/jl_test.h tests/unit/jl_tmp.h
tests_unit_common_test_uploads_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/core/lib
tests_unit_common_test_uploads_CFLAGS = $(JL_TEST_CFLAGS) $(JSONC_CFLAGS)
tests_unit_common_test_uploads_LDADD = libjoblet_common.la libjoblet_core.la $(JSONC_LIBS) $(CHECK_LIBS)
tests_unit_common_test_tar_stream_SOURCES = tests/unit/common/test_tar_stream.c tests/unit/jl_test.h tests/unit/jl_tmp.h
tests_unit_common_test_tar_stream_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/core/lib
tests_unit_common_test_tar_stream_CFLAGS = $(JL_TEST_CFLAGS)
tests_unit_common_test_tar_stream_LDADD = libjoblet_common.la libjoblet_core.la $(JSONC_LIBS) $(CHECK_LIBS)

# The job schema's views: rnx's and the daemon's uploads (core/common) with it.
tests_unit_job_test_job_schema_SOURCES = tests/unit/job/test_job_schema.c tests/unit/jl_test.h tests/unit/jl_tmp.h
tests_unit_job_test_job_schema_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/core/lib
tests_unit_job_test_job_schema_CFLAGS = $(JL_TEST_CFLAGS) $(JSONC_CFLAGS)
tests_unit_job_test_job_schema_LDADD = libjoblet_common.la libjoblet_core.la $(CHECK_LIBS) $(JSONC_LIBS)

tests_unit_runtime_test_index_cache_SOURCES = tests/unit/runtime/test_index_cache.c tests/unit/jl_test.h tests/unit/jl_tmp.h
tests_unit_runtime_test_index_cache_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/core/lib
tests_unit_runtime_test_index_cache_CFLAGS = $(JL_TEST_CFLAGS) $(YAML_CFLAGS)
tests_unit_runtime_test_index_cache_LDADD = libjoblet_core.la $(CHECK_LIBS)

tests_unit_runtime_test_semver_SOURCES = tests/unit/runtime/test_semver.c tests/unit/jl_test.h
tests_unit_runtime_test_semver_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/core/lib
tests_unit_runtime_test_semver_CFLAGS = $(JL_TEST_CFLAGS)
tests_unit_runtime_test_semver_LDADD = libjoblet_core.la $(CHECK_LIBS)

tests_unit_runtime_test_runtime_spec_SOURCES = tests/unit/runtime/test_runtime_spec.c tests/unit/jl_test.h
tests_unit_runtime_test_runtime_spec_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/core/lib
tests_unit_runtime_test_runtime_spec_CFLAGS = $(JL_TEST_CFLAGS)
tests_unit_runtime_test_runtime_spec_LDADD = libjoblet_core.la $(CHECK_LIBS)

tests_unit_config_test_platform_SOURCES = tests/unit/config/test_platform.c tests/unit/jl_test.h
tests_unit_config_test_platform_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/core/lib
tests_unit_config_test_platform_CFLAGS = $(JL_TEST_CFLAGS)
tests_unit_config_test_platform_LDADD = libjoblet_core.la $(CHECK_LIBS)

# rnx's private modules: their sources are compiled into the test.
tests_unit_cli_test_api_SOURCES = tests/unit/cli/test_api.c tests/unit/jl_test.h tests/unit/jl_tmp.h \
	core/cli/api.c core/cli/api.h core/cli/sse.c core/cli/sse.h
tests_unit_cli_test_api_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core/cli -I$(top_srcdir)/core -I$(top_srcdir)/core/lib
tests_unit_cli_test_api_CFLAGS = $(JL_TEST_CFLAGS) $(JSONC_CFLAGS) $(CURL_CFLAGS) $(GNUTLS_CFLAGS)
tests_unit_cli_test_api_LDADD = $(JL_TEST_LIBS) $(JSONC_LIBS) $(CURL_LIBS) $(GNUTLS_LIBS)

tests_unit_cli_test_sse_SOURCES = tests/unit/cli/test_sse.c tests/unit/jl_test.h core/cli/sse.c \
	core/cli/sse.h
tests_unit_cli_test_sse_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core/cli
tests_unit_cli_test_sse_CFLAGS = $(JL_TEST_CFLAGS)
tests_unit_cli_test_sse_LDADD = $(JL_TEST_LIBS)

# rnx ui's request parser (core/cli/ui_http.c): hostile heads.
tests_unit_cli_test_ui_http_SOURCES = tests/unit/cli/test_ui_http.c tests/unit/jl_test.h \
	core/cli/ui_http.c core/cli/ui_http.h
tests_unit_cli_test_ui_http_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core/cli
tests_unit_cli_test_ui_http_CFLAGS = $(JL_TEST_CFLAGS)
tests_unit_cli_test_ui_http_LDADD = $(JL_TEST_LIBS)

# The daemon's store and role rules, compiled in from core/daemon.
tests_unit_daemon_test_store_SOURCES = tests/unit/daemon/test_store.c tests/unit/jl_test.h tests/unit/jl_tmp.h \
	core/daemon/store.c core/daemon/auth.c
tests_unit_daemon_test_store_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/core/lib -I$(top_srcdir)/core/daemon
tests_unit_daemon_test_store_CFLAGS = $(JL_TEST_CFLAGS) $(JSONC_CFLAGS) $(SQLITE3_CFLAGS) $(GNUTLS_CFLAGS)
tests_unit_daemon_test_store_LDADD = $(JL_TEST_LIBS) $(JSONC_LIBS) $(SQLITE3_LIBS) $(GNUTLS_LIBS) -lpthread

# The secrets of waiting jobs at rest, compiled in from core/daemon.
tests_unit_daemon_test_secrets_SOURCES = tests/unit/daemon/test_secrets.c tests/unit/jl_test.h \
	tests/unit/jl_tmp.h core/daemon/secrets.c core/daemon/secrets.h
tests_unit_daemon_test_secrets_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/core/lib -I$(top_srcdir)/core/daemon
tests_unit_daemon_test_secrets_CFLAGS = $(JL_TEST_CFLAGS) $(GNUTLS_CFLAGS)
tests_unit_daemon_test_secrets_LDADD = $(JL_TEST_LIBS) $(GNUTLS_LIBS)

# The node's figures (parsers of /proc), compiled in from core/daemon.
tests_unit_daemon_test_monitor_SOURCES = tests/unit/daemon/test_monitor.c tests/unit/jl_test.h \
	core/daemon/monitor.c core/daemon/monitor.h
tests_unit_daemon_test_monitor_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/core/lib -I$(top_srcdir)/core/daemon
tests_unit_daemon_test_monitor_CFLAGS = $(JL_TEST_CFLAGS)
tests_unit_daemon_test_monitor_LDADD = $(JL_TEST_LIBS) -lpthread

tests_unit_daemon_test_auth_SOURCES = tests/unit/daemon/test_auth.c tests/unit/jl_test.h tests/unit/jl_tmp.h \
	core/daemon/auth.c
tests_unit_daemon_test_auth_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/core/lib -I$(top_srcdir)/core/daemon
tests_unit_daemon_test_auth_CFLAGS = $(JL_TEST_CFLAGS) $(JSONC_CFLAGS) $(SQLITE3_CFLAGS) $(GNUTLS_CFLAGS)
tests_unit_daemon_test_auth_LDADD = $(JL_TEST_LIBS) $(JSONC_LIBS) $(SQLITE3_LIBS) $(GNUTLS_LIBS) -lpthread

tests_unit_plugins_archive_test_tar_SOURCES = tests/unit/plugins/archive/test_tar.c tests/unit/jl_test.h
tests_unit_plugins_archive_test_tar_CFLAGS = $(JL_TEST_CFLAGS) $(LIBARCHIVE_CFLAGS)
tests_unit_plugins_archive_test_tar_LDADD = $(JL_TEST_LIBS) $(LIBARCHIVE_LIBS)

tests_unit_plugin_plugin_contract_SOURCES = tests/unit/plugin/plugin_contract.c
tests_unit_plugin_plugin_contract_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/core/lib
tests_unit_plugin_plugin_contract_LDADD = libjoblet.la

# Plugins for the loader tests: one source, one variant each.
JL_TEST_PLUGIN_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared -rpath /nowhere -no-undefined \
	-export-symbols-regex '^(joblet_plugin|not_the_plugin)$$'
JL_TEST_PLUGIN_SRC = tests/unit/plugin/plugins/test_plugin.c
check_LTLIBRARIES += \
	tests/unit/plugin/plugins/scheduler_good.la \
	tests/unit/plugin/plugins/scheduler_second.la \
	tests/unit/plugin/plugins/scheduler_badmajor.la \
	tests/unit/plugin/plugins/scheduler_newminor.la \
	tests/unit/plugin/plugins/scheduler_nosym.la \
	tests/unit/plugin/plugins/registry_wrongkind.la \
	tests/unit/plugin/plugins/scheduler_mismatch.la \
	tests/unit/plugin/plugins/scheduler_noop.la \
	tests/unit/plugin/plugins/scheduler_smallops.la \
	tests/unit/plugin/plugins/scheduler_reserved.la \
	tests/unit/plugin/plugins/scheduler_initfail.la \
	tests/unit/plugin/plugins/scheduler_fifo.la \
	tests/unit/plugin/plugins/archive_old.la
tests_unit_plugin_plugins_archive_old_la_SOURCES = $(JL_TEST_PLUGIN_SRC)
tests_unit_plugin_plugins_archive_old_la_CFLAGS = $(AM_CFLAGS) -DJL_VARIANT_ARCHIVE10
tests_unit_plugin_plugins_archive_old_la_LDFLAGS = $(JL_TEST_PLUGIN_LDFLAGS)
tests_unit_plugin_plugins_archive_old_la_LIBADD = libjoblet.la
tests_unit_plugin_plugins_scheduler_good_la_SOURCES = $(JL_TEST_PLUGIN_SRC)
tests_unit_plugin_plugins_scheduler_good_la_CFLAGS = $(AM_CFLAGS) -DJL_VARIANT_GOOD
tests_unit_plugin_plugins_scheduler_good_la_LDFLAGS = $(JL_TEST_PLUGIN_LDFLAGS)
tests_unit_plugin_plugins_scheduler_good_la_LIBADD = libjoblet.la
tests_unit_plugin_plugins_scheduler_second_la_SOURCES = $(JL_TEST_PLUGIN_SRC)
tests_unit_plugin_plugins_scheduler_second_la_CFLAGS = $(AM_CFLAGS) -DJL_VARIANT_SECOND
tests_unit_plugin_plugins_scheduler_second_la_LDFLAGS = $(JL_TEST_PLUGIN_LDFLAGS)
tests_unit_plugin_plugins_scheduler_second_la_LIBADD = libjoblet.la
tests_unit_plugin_plugins_scheduler_badmajor_la_SOURCES = $(JL_TEST_PLUGIN_SRC)
tests_unit_plugin_plugins_scheduler_badmajor_la_CFLAGS = $(AM_CFLAGS) -DJL_VARIANT_BADMAJOR
tests_unit_plugin_plugins_scheduler_badmajor_la_LDFLAGS = $(JL_TEST_PLUGIN_LDFLAGS)
tests_unit_plugin_plugins_scheduler_badmajor_la_LIBADD = libjoblet.la
tests_unit_plugin_plugins_scheduler_newminor_la_SOURCES = $(JL_TEST_PLUGIN_SRC)
tests_unit_plugin_plugins_scheduler_newminor_la_CFLAGS = $(AM_CFLAGS) -DJL_VARIANT_NEWMINOR
tests_unit_plugin_plugins_scheduler_newminor_la_LDFLAGS = $(JL_TEST_PLUGIN_LDFLAGS)
tests_unit_plugin_plugins_scheduler_newminor_la_LIBADD = libjoblet.la
tests_unit_plugin_plugins_scheduler_nosym_la_SOURCES = $(JL_TEST_PLUGIN_SRC)
tests_unit_plugin_plugins_scheduler_nosym_la_CFLAGS = $(AM_CFLAGS) -DJL_VARIANT_NOSYM
tests_unit_plugin_plugins_scheduler_nosym_la_LDFLAGS = $(JL_TEST_PLUGIN_LDFLAGS)
tests_unit_plugin_plugins_scheduler_nosym_la_LIBADD = libjoblet.la
tests_unit_plugin_plugins_registry_wrongkind_la_SOURCES = $(JL_TEST_PLUGIN_SRC)
tests_unit_plugin_plugins_registry_wrongkind_la_CFLAGS = $(AM_CFLAGS) -DJL_VARIANT_WRONGKIND
tests_unit_plugin_plugins_registry_wrongkind_la_LDFLAGS = $(JL_TEST_PLUGIN_LDFLAGS)
tests_unit_plugin_plugins_registry_wrongkind_la_LIBADD = libjoblet.la
tests_unit_plugin_plugins_scheduler_mismatch_la_SOURCES = $(JL_TEST_PLUGIN_SRC)
tests_unit_plugin_plugins_scheduler_mismatch_la_CFLAGS = $(AM_CFLAGS) -DJL_VARIANT_MISMATCH
tests_unit_plugin_plugins_scheduler_mismatch_la_LDFLAGS = $(JL_TEST_PLUGIN_LDFLAGS)
tests_unit_plugin_plugins_scheduler_mismatch_la_LIBADD = libjoblet.la
tests_unit_plugin_plugins_scheduler_noop_la_SOURCES = $(JL_TEST_PLUGIN_SRC)
tests_unit_plugin_plugins_scheduler_noop_la_CFLAGS = $(AM_CFLAGS) -DJL_VARIANT_NOOP
tests_unit_plugin_plugins_scheduler_noop_la_LDFLAGS = $(JL_TEST_PLUGIN_LDFLAGS)
tests_unit_plugin_plugins_scheduler_noop_la_LIBADD = libjoblet.la
tests_unit_plugin_plugins_scheduler_smallops_la_SOURCES = $(JL_TEST_PLUGIN_SRC)
tests_unit_plugin_plugins_scheduler_smallops_la_CFLAGS = $(AM_CFLAGS) -DJL_VARIANT_SMALLOPS
tests_unit_plugin_plugins_scheduler_smallops_la_LDFLAGS = $(JL_TEST_PLUGIN_LDFLAGS)
tests_unit_plugin_plugins_scheduler_smallops_la_LIBADD = libjoblet.la
tests_unit_plugin_plugins_scheduler_reserved_la_SOURCES = $(JL_TEST_PLUGIN_SRC)
tests_unit_plugin_plugins_scheduler_reserved_la_CFLAGS = $(AM_CFLAGS) -DJL_VARIANT_RESERVED
tests_unit_plugin_plugins_scheduler_reserved_la_LDFLAGS = $(JL_TEST_PLUGIN_LDFLAGS)
tests_unit_plugin_plugins_scheduler_reserved_la_LIBADD = libjoblet.la
tests_unit_plugin_plugins_scheduler_initfail_la_SOURCES = $(JL_TEST_PLUGIN_SRC)
tests_unit_plugin_plugins_scheduler_initfail_la_CFLAGS = $(AM_CFLAGS) -DJL_VARIANT_INITFAIL
tests_unit_plugin_plugins_scheduler_initfail_la_LDFLAGS = $(JL_TEST_PLUGIN_LDFLAGS)
tests_unit_plugin_plugins_scheduler_initfail_la_LIBADD = libjoblet.la
tests_unit_plugin_plugins_scheduler_fifo_la_SOURCES = $(JL_TEST_PLUGIN_SRC)
tests_unit_plugin_plugins_scheduler_fifo_la_CFLAGS = $(AM_CFLAGS) -DJL_VARIANT_FIFO
tests_unit_plugin_plugins_scheduler_fifo_la_LDFLAGS = $(JL_TEST_PLUGIN_LDFLAGS)
tests_unit_plugin_plugins_scheduler_fifo_la_LIBADD = libjoblet.la
endif

# Fragments of the isolation plugins' tests.
include tests/unit/plugins/isolation/cgroup.mk
include tests/unit/plugins/isolation/seccomp.mk
include tests/unit/plugins/scheduler/scheduler.mk
include tests/unit/plugins/registry/registry.mk
include tests/unit/oci/cgroup.mk
include tests/unit/oci/oci.mk
include tests/unit/oci/proc.mk

JL_TEST_ENVIRONMENT = \
	JOBLET_TEST_SRCDIR='$(abs_top_srcdir)' \
	JOBLET_TEST_BUILDDIR='$(abs_top_builddir)' \
	JOBLET_TEST_CC='$(CC)' \
	JOBLET_TEST_NM='$(JOBLET_NM)' \
	JOBLET_TEST_MAKE='$(MAKE)' \
	JOBLET_TEST_PLUGINS='$(plugin_LTLIBRARIES)' \
	JOBLET_TEST_HAVE_UNIT='$(JL_UNIT_TESTS)' \
	JOBLET_TEST_SANITIZERS='$(JOBLET_SANITIZERS)' \
	LIBTOOL='$(LIBTOOL)' \
	SHELL='$(SHELL)'

# `make check-build`: build every test without running one.  In two steps:
# `all` runs a make of its own, which must not race the tests' links.
check-build:
	$(MAKE) $(AM_MAKEFLAGS) all
	$(MAKE) $(AM_MAKEFLAGS) $(check_PROGRAMS) $(check_LTLIBRARIES)
.PHONY: check-build

# `make check` runs every test; `make check TESTS='tests/unit/base/test_error
# tests/integration/test_api.sh'` runs only those (names as listed in
# JL_UNIT_TESTS and JL_SCRIPT_TESTS), still ending with "N passed, N failed".
check-local: all
	@tests='$(TESTS)'; test -n "$$tests" || tests='$(JL_UNIT_TESTS) $(JL_SCRIPT_TESTS)'; \
	$(JL_TEST_ENVIRONMENT) $(SHELL) $(srcdir)/tests/run-tests.sh $$tests

clean-local-tests:
	rm -rf tests/logs tests/tmp
.PHONY: clean-local-tests

# The hostile-job suite's probe: static, uploaded into each job.
if ENABLE_TESTS
check_PROGRAMS += tests/integration/hostile/probe
tests_integration_hostile_probe_SOURCES = tests/integration/hostile/probe.c \
	tests/integration/probe_check.h tests/integration/seccomp_abi.h
tests_integration_hostile_probe_CFLAGS = $(JL_NOSAN_CFLAGS) -Wno-missing-prototypes
tests_integration_hostile_probe_LDFLAGS = -all-static
endif
EXTRA_DIST += tests/integration/hostile/README.md
# The MCP client of test_mcp.sh and the npm packages it needs (node_modules is not shipped).
EXTRA_DIST += tests/mcp/client.mjs tests/mcp/bench.mjs tests/mcp/package.json \
	tests/mcp/package-lock.json

# The scheduler benchmark (not part of `make check`): make tests/bench/bench_sched
# && tests/bench/bench_sched build-plugins
EXTRA_PROGRAMS = tests/bench/bench_sched tests/bench/bench_log_event
tests_bench_bench_sched_SOURCES = tests/bench/bench_sched.c
tests_bench_bench_sched_CFLAGS = $(AM_CFLAGS) -Wno-missing-prototypes -I$(top_srcdir)/core/lib
tests_bench_bench_sched_LDADD = libjoblet.la
# The log stream's JSON codec beside json-c: make tests/bench/bench_log_event && tests/bench/bench_log_event
tests_bench_bench_log_event_SOURCES = tests/bench/bench_log_event.c
tests_bench_bench_log_event_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/core/lib
tests_bench_bench_log_event_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) -Wno-missing-prototypes
tests_bench_bench_log_event_LDADD = libjoblet_common.la libjoblet.la $(JSONC_LIBS)

# Tests of isolation/seccomp.  Included by tests/local.mk.
#
# test_seccomp loads the plugin from build-plugins/ with the loader of the
# convenience library (it needs jl_job_new() for a real job object), so the
# program exports its libjoblet symbols: the plugin then binds to that copy
# rather than to libjoblet.so.  It also calls libseccomp (see valgrind there).
# test_seccomp.sh runs seccomp_probe, a static program, as a real job.
if ENABLE_TESTS
if BUILD_PLUGIN_ISOLATION_SECCOMP
JL_UNIT_TESTS += tests/unit/plugins/isolation/test_seccomp
JL_SCRIPT_TESTS += tests/integration/test_seccomp.sh
check_PROGRAMS += tests/unit/plugins/isolation/test_seccomp tests/integration/seccomp_probe

tests_unit_plugins_isolation_test_seccomp_SOURCES = tests/unit/plugins/isolation/test_seccomp.c tests/unit/jl_test.h tests/unit/jl_tmp.h
tests_unit_plugins_isolation_test_seccomp_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/core/lib
tests_unit_plugins_isolation_test_seccomp_CFLAGS = $(JL_TEST_CFLAGS) $(YAML_CFLAGS) $(SECCOMP_CFLAGS) -pthread
tests_unit_plugins_isolation_test_seccomp_LDFLAGS = $(AM_LDFLAGS) -export-dynamic -pthread
tests_unit_plugins_isolation_test_seccomp_LDADD = libjoblet_core.la $(CHECK_LIBS) $(SECCOMP_LIBS)

tests_integration_seccomp_probe_SOURCES = tests/integration/seccomp_probe.c \
	tests/integration/probe_check.h tests/integration/seccomp_abi.h
tests_integration_seccomp_probe_CFLAGS = $(JL_NOSAN_CFLAGS) -pthread
tests_integration_seccomp_probe_LDFLAGS = -all-static -pthread
endif
endif
EXTRA_DIST += tests/integration/test_seccomp.sh tests/bench/bench_seccomp.sh

# Tests of the registry plugins' HTTPS client (plugins/registry/common).
# Included by tests/local.mk.
#
# test_http links the client's convenience library with libcurl and
# libjoblet.so and checks it alone (resolution, https only, error codes);
# its transfers are driven against the fake HTTPS registry by
# tests/integration/test_runtime.sh.
if ENABLE_TESTS
if BUILD_REGISTRY_HTTP
JL_UNIT_TESTS += tests/unit/plugins/registry/test_http
check_PROGRAMS += tests/unit/plugins/registry/test_http
endif
endif
tests_unit_plugins_registry_test_http_SOURCES = tests/unit/plugins/registry/test_http.c tests/unit/jl_test.h
tests_unit_plugins_registry_test_http_CPPFLAGS = $(REGISTRY_HTTP_CPPFLAGS)
tests_unit_plugins_registry_test_http_CFLAGS = $(JL_TEST_CFLAGS)
tests_unit_plugins_registry_test_http_LDADD = $(REGISTRY_HTTP_LIBADD) $(JL_TEST_LIBS)
EXTRA_DIST += tests/unit/plugins/registry/registry.mk

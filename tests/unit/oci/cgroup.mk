# Tests of joblet-oci's cgroup module (core/oci/cgroup.c).  Included by
# tests/local.mk.  test_oci_cgroup makes real cgroups (v1 or v2) under a
# subtree of its own and removes them; without root its cases that need
# cgroups are skipped.

JL_OCI_CG_UNIT =
if ENABLE_TESTS
if BUILD_OCI
JL_OCI_CG_UNIT += tests/unit/oci/test_oci_cgroup
endif
endif
JL_UNIT_TESTS += $(JL_OCI_CG_UNIT)
check_PROGRAMS += $(JL_OCI_CG_UNIT)

tests_unit_oci_test_oci_cgroup_SOURCES = tests/unit/oci/test_oci_cgroup.c tests/unit/jl_test.h \
	core/oci/cgroup.c core/oci/oci.h
tests_unit_oci_test_oci_cgroup_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/core/lib
tests_unit_oci_test_oci_cgroup_CFLAGS = $(JL_TEST_CFLAGS) $(JSONC_CFLAGS)
tests_unit_oci_test_oci_cgroup_LDADD = $(JL_TEST_LIBS) $(JSONC_LIBS)

EXTRA_DIST += tests/unit/oci/cgroup.mk

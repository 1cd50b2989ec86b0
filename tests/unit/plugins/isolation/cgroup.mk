# Tests of isolation/cgroup1 and isolation/cgroup2.  Included by tests/local.mk.
#
# test_cgroup (unit, no root needed for most cases) builds the plugins' shared
# helpers and file steps into one program; test_cgroup1.sh drives
# `joblet run-local` on this host's cgroup v1 hierarchies (root, exits 77
# elsewhere); tests/vm/test_cgroup2_vm.sh boots one qemu VM with a cgroup v2
# kernel and runs the cgroup2 cases there (about 30 s; exits 77 when no VM
# can be had, see plugins/isolation/cgroup2/README.md).

JL_CG_UNIT =
JL_CG_SHELL_TESTS =
if ENABLE_TESTS
if BUILD_PLUGIN_ISOLATION_CGROUP1
JL_CG_UNIT += tests/unit/plugins/isolation/test_cgroup
JL_CG_SHELL_TESTS += tests/integration/test_cgroup1.sh
else
if BUILD_PLUGIN_ISOLATION_CGROUP2
JL_CG_UNIT += tests/unit/plugins/isolation/test_cgroup
endif
endif
if BUILD_PLUGIN_ISOLATION_CGROUP2
JL_CG_SHELL_TESTS += tests/vm/test_cgroup2_vm.sh
endif
# The job programs of the integration tests (memory hog, fork bomb, spinner...).
check_PROGRAMS += tests/integration/cg_helper
tests_integration_cg_helper_SOURCES = tests/integration/cg_helper.c
tests_integration_cg_helper_CFLAGS = $(JL_NOSAN_CFLAGS) -Wno-missing-prototypes
tests_integration_cg_helper_LDFLAGS = -all-static
endif
JL_UNIT_TESTS += $(JL_CG_UNIT)
check_PROGRAMS += $(JL_CG_UNIT)
JL_SCRIPT_TESTS += $(JL_CG_SHELL_TESTS)

tests_unit_plugins_isolation_test_cgroup_SOURCES = tests/unit/plugins/isolation/test_cgroup.c tests/unit/jl_test.h \
	plugins/isolation/common/cgroup_common.c plugins/isolation/common/cgroup_common.h \
	plugins/isolation/cgroup1/cgroup1_files.c plugins/isolation/cgroup1/cgroup1_files.h \
	plugins/isolation/cgroup2/cgroup2_files.c plugins/isolation/cgroup2/cgroup2_files.h
tests_unit_plugins_isolation_test_cgroup_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/isolation/common \
	-I$(top_srcdir)/plugins/isolation/cgroup1 -I$(top_srcdir)/plugins/isolation/cgroup2
tests_unit_plugins_isolation_test_cgroup_CFLAGS = $(JL_TEST_CFLAGS)
tests_unit_plugins_isolation_test_cgroup_LDADD = $(JL_TEST_LIBS)

EXTRA_DIST += \
	tests/integration/test_cgroup1.sh \
	tests/vm/test_cgroup2_vm.sh \
	tests/vm/cgroup2_in_vm.sh \
	tests/vm/vm_run.sh \
	tests/fixtures/cgroup/mountinfo-hybrid \
	tests/fixtures/cgroup/mountinfo-v1-split \
	tests/fixtures/cgroup/mountinfo-v2

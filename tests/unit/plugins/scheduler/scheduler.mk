# Tests of scheduler/priority and scheduler/fairshare.  Included by tests/local.mk.
#
# Each loads its plugin from build-plugins/ through the loader of
# libjoblet.so and drives its ops with a virtual clock; test_policies_in_core
# drives both through the scheduler core.
JL_SCHED_TEST_SRC = tests/unit/jl_test.h tests/unit/jl_tmp.h tests/unit/plugins/scheduler/policy_test.h
if ENABLE_TESTS
if BUILD_PLUGIN_SCHEDULER_PRIORITY
JL_UNIT_TESTS += tests/unit/plugins/scheduler/test_priority
check_PROGRAMS += tests/unit/plugins/scheduler/test_priority
if BUILD_PLUGIN_SCHEDULER_FAIRSHARE
JL_UNIT_TESTS += tests/unit/plugins/scheduler/test_policies_in_core
check_PROGRAMS += tests/unit/plugins/scheduler/test_policies_in_core
endif
endif
if BUILD_PLUGIN_SCHEDULER_FAIRSHARE
JL_UNIT_TESTS += tests/unit/plugins/scheduler/test_fairshare
check_PROGRAMS += tests/unit/plugins/scheduler/test_fairshare
endif
endif
tests_unit_plugins_scheduler_test_priority_SOURCES = tests/unit/plugins/scheduler/test_priority.c \
	$(JL_SCHED_TEST_SRC)
tests_unit_plugins_scheduler_test_priority_CFLAGS = $(JL_TEST_CFLAGS)
tests_unit_plugins_scheduler_test_priority_LDADD = $(JL_TEST_LIBS)
tests_unit_plugins_scheduler_test_fairshare_SOURCES = tests/unit/plugins/scheduler/test_fairshare.c \
	$(JL_SCHED_TEST_SRC)
tests_unit_plugins_scheduler_test_fairshare_CFLAGS = $(JL_TEST_CFLAGS)
tests_unit_plugins_scheduler_test_fairshare_LDADD = $(JL_TEST_LIBS)
tests_unit_plugins_scheduler_test_policies_in_core_SOURCES = \
	tests/unit/plugins/scheduler/test_policies_in_core.c $(JL_SCHED_TEST_SRC)
tests_unit_plugins_scheduler_test_policies_in_core_CFLAGS = $(JL_TEST_CFLAGS)
tests_unit_plugins_scheduler_test_policies_in_core_LDADD = $(JL_TEST_LIBS)
EXTRA_DIST += tests/unit/plugins/scheduler/scheduler.mk

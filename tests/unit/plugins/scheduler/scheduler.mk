# Tests of scheduler/priority and scheduler/fairshare.  Included by tests/local.mk.
#
# test_sched_policies loads both plugins from build-plugins/ through the
# loader of libjoblet.so (public API only) and drives their ops with a
# virtual clock.
if ENABLE_TESTS
if BUILD_PLUGIN_SCHEDULER_PRIORITY
if BUILD_PLUGIN_SCHEDULER_FAIRSHARE
JL_UNIT_TESTS += tests/unit/plugins/scheduler/test_sched_policies
check_PROGRAMS += tests/unit/plugins/scheduler/test_sched_policies
endif
endif
endif
tests_unit_plugins_scheduler_test_sched_policies_SOURCES = tests/unit/plugins/scheduler/test_sched_policies.c tests/unit/jl_test.h \
	tests/unit/jl_tmp.h
tests_unit_plugins_scheduler_test_sched_policies_CFLAGS = $(JL_TEST_CFLAGS)
tests_unit_plugins_scheduler_test_sched_policies_LDADD = $(JL_TEST_LIBS)
EXTRA_DIST += tests/unit/plugins/scheduler/scheduler.mk

# Tests of joblet-oci's process, seccomp and floor modules (core/oci/).
# Included by tests/local.mk.  Each program links the module files it tests
# (they are not in a library) with libjoblet; the floor loads
# isolation/seccomp from build-plugins/.
if ENABLE_TESTS
if BUILD_OCI
JL_OCI_PROC_SRC = core/oci/oci.h core/oci/caps.c core/oci/floor.c core/oci/json.c core/oci/process.c \
	core/oci/seccomp.c tests/unit/jl_test.h tests/unit/jl_tmp.h
JL_OCI_PROC_CFLAGS = $(JL_TEST_CFLAGS) $(JSONC_CFLAGS) $(SECCOMP_CFLAGS)
JL_OCI_PROC_LIBS = libjoblet.la $(CHECK_LIBS) $(JSONC_LIBS) $(SECCOMP_LIBS)

JL_UNIT_TESTS += tests/unit/oci/test_oci_process tests/unit/oci/test_oci_seccomp
check_PROGRAMS += tests/unit/oci/test_oci_process tests/unit/oci/test_oci_seccomp

tests_unit_oci_test_oci_process_SOURCES = tests/unit/oci/test_oci_process.c $(JL_OCI_PROC_SRC)
tests_unit_oci_test_oci_process_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/core/lib
tests_unit_oci_test_oci_process_CFLAGS = $(JL_OCI_PROC_CFLAGS)
tests_unit_oci_test_oci_process_LDADD = $(JL_OCI_PROC_LIBS)

tests_unit_oci_test_oci_seccomp_SOURCES = tests/unit/oci/test_oci_seccomp.c $(JL_OCI_PROC_SRC)
tests_unit_oci_test_oci_seccomp_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/core/lib
tests_unit_oci_test_oci_seccomp_CFLAGS = $(JL_OCI_PROC_CFLAGS)
tests_unit_oci_test_oci_seccomp_LDADD = $(JL_OCI_PROC_LIBS)
endif
endif
EXTRA_DIST += tests/unit/oci/proc.mk

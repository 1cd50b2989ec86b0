# Tests of joblet-oci's modules (core/oci/).  Included by tests/local.mk.
#
# Each test program links only its module's files and libjoblet, so the
# modules can be tested before joblet-oci itself links.  Cases that build
# a container root need root and user namespaces; they run in forked
# children with namespaces of their own and never touch the host's mounts.
if ENABLE_TESTS
JL_UNIT_TESTS += tests/unit/oci/test_oci_rootfs
check_PROGRAMS += tests/unit/oci/test_oci_rootfs

tests_unit_oci_test_oci_rootfs_SOURCES = tests/unit/oci/test_oci_rootfs.c \
	core/oci/rootfs.c core/oci/console.c core/oci/oci.h tests/unit/jl_test.h
tests_unit_oci_test_oci_rootfs_CFLAGS = $(JL_TEST_CFLAGS) $(JSONC_CFLAGS)
tests_unit_oci_test_oci_rootfs_LDADD = libjoblet.la $(JSONC_LIBS) $(CHECK_LIBS)
endif

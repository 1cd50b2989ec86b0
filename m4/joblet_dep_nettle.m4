# joblet_dep_nettle.m4 - Nettle: SHA-256 of downloads, packages and index cache keys.
# Sets joblet_have_nettle, joblet_why_nettle, NETTLE_CFLAGS and NETTLE_LIBS (see joblet_dep.m4).
AC_DEFUN([JOBLET_DEP_NETTLE], [
	JOBLET_DEP([nettle], [NETTLE], [nettle >= 3.4], [nettle-dev])
])

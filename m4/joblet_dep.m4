# joblet_dep.m4 - the shared helper behind every m4/joblet_dep_<lib>.m4.
#
# JOBLET_DEP(ID, VARIABLE-PREFIX, PKG-CONFIG-MODULES, DEBIAN-PACKAGE)
#
# Looks the dependency up with pkg-config and never fails on its own: the
# callers (core requirements, plugins, tests) decide whether a missing
# dependency is an error.  Sets:
#   joblet_have_ID   yes | no
#   joblet_why_ID    why it is missing, with the Debian package to install
#   PREFIX_CFLAGS, PREFIX_LIBS (substituted)
AC_DEFUN([JOBLET_DEP], [
	PKG_CHECK_MODULES([$2], [$3],
		[joblet_have_$1=yes
		 joblet_why_$1=""],
		[joblet_have_$1=no
		 joblet_why_$1="$3 not found (apt-get install $4)"])
])

# JOBLET_REQUIRE_DEP(ID, WHAT) - stop configure when ID is missing, naming
# what needs it and how to get it.
AC_DEFUN([JOBLET_REQUIRE_DEP], [
	AS_IF([test "x$joblet_have_$1" != xyes],
		[AC_MSG_ERROR([$2 needs $joblet_why_$1])])
])

# joblet_dep_check.m4 - Check: the unit test framework.
# Sets joblet_have_check, joblet_why_check, CHECK_CFLAGS and CHECK_LIBS (see joblet_dep.m4).
AC_DEFUN([JOBLET_DEP_CHECK], [
	JOBLET_DEP([check], [CHECK], [check >= 0.13], [check])
])

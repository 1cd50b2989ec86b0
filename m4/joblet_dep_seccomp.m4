# joblet_dep_seccomp.m4 - libseccomp: the isolation/seccomp plugin.
# Sets joblet_have_seccomp, joblet_why_seccomp, SECCOMP_CFLAGS and SECCOMP_LIBS (see joblet_dep.m4).
AC_DEFUN([JOBLET_DEP_SECCOMP], [
	JOBLET_DEP([seccomp], [SECCOMP], [libseccomp >= 2.5], [libseccomp-dev])
])

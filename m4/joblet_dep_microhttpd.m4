# joblet_dep_microhttpd.m4 - libmicrohttpd: the daemon's HTTPS server.
# Sets joblet_have_microhttpd, joblet_why_microhttpd, MICROHTTPD_CFLAGS and MICROHTTPD_LIBS (see joblet_dep.m4).
AC_DEFUN([JOBLET_DEP_MICROHTTPD], [
	JOBLET_DEP([microhttpd], [MICROHTTPD], [libmicrohttpd >= 0.9.71], [libmicrohttpd-dev])
])

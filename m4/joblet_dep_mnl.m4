# joblet_dep_mnl.m4 - libmnl: the netlink requests of job networks (core/net:
# bridges, veth pairs, addresses, routes), linked by joblet and the
# isolation/network plugin only.
# Sets joblet_have_mnl, joblet_why_mnl, MNL_CFLAGS and MNL_LIBS (see joblet_dep.m4).
AC_DEFUN([JOBLET_DEP_MNL], [
	JOBLET_DEP([mnl], [MNL], [libmnl >= 1.0.4], [libmnl-dev])
])

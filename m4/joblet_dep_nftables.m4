# joblet_dep_nftables.m4 - libnftables: NAT and each job's egress rules
# (core/net), linked by joblet and the isolation/network plugin only.
# Sets joblet_have_nftables, joblet_why_nftables, NFTABLES_CFLAGS and NFTABLES_LIBS (see joblet_dep.m4).
AC_DEFUN([JOBLET_DEP_NFTABLES], [
	JOBLET_DEP([nftables], [NFTABLES], [libnftables >= 0.9.8], [libnftables-dev])
])

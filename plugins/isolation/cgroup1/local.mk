# isolation/cgroup1.  Included by Makefile.am.
if BUILD_PLUGIN_ISOLATION_CGROUP1
plugin_LTLIBRARIES += isolation_cgroup1.la
isolation_cgroup1_la_SOURCES = plugins/isolation/cgroup1/cgroup1.c \
	plugins/isolation/cgroup1/cgroup1_files.c plugins/isolation/cgroup1/cgroup1_files.h \
	plugins/isolation/common/cgroup_common.c plugins/isolation/common/cgroup_common.h
isolation_cgroup1_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/isolation/common
isolation_cgroup1_la_CFLAGS = $(AM_CFLAGS)
isolation_cgroup1_la_LIBADD = $(PLUGIN_LIBADD)
isolation_cgroup1_la_LDFLAGS = $(PLUGIN_LDFLAGS)
endif
EXTRA_DIST += plugins/isolation/cgroup1/local.mk plugins/isolation/cgroup1/README.md

# isolation/cgroup2.  Included by Makefile.am.
if BUILD_PLUGIN_ISOLATION_CGROUP2
plugin_LTLIBRARIES += isolation_cgroup2.la
isolation_cgroup2_la_SOURCES = plugins/isolation/cgroup2/cgroup2.c \
	plugins/isolation/cgroup2/cgroup2_files.c plugins/isolation/cgroup2/cgroup2_files.h \
	plugins/isolation/common/cgroup_common.c plugins/isolation/common/cgroup_common.h
isolation_cgroup2_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/isolation/common
isolation_cgroup2_la_CFLAGS = $(AM_CFLAGS)
isolation_cgroup2_la_LIBADD = $(PLUGIN_LIBADD)
isolation_cgroup2_la_LDFLAGS = $(PLUGIN_LDFLAGS)
endif
EXTRA_DIST += plugins/isolation/cgroup2/local.mk plugins/isolation/cgroup2/README.md

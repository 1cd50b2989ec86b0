# isolation/namespaces.  Included by Makefile.am.
if BUILD_PLUGIN_ISOLATION_NAMESPACES
plugin_LTLIBRARIES += isolation_namespaces.la
isolation_namespaces_la_SOURCES = plugins/isolation/namespaces/namespaces.c
isolation_namespaces_la_CFLAGS = $(AM_CFLAGS)
isolation_namespaces_la_LIBADD = $(PLUGIN_LIBADD)
isolation_namespaces_la_LDFLAGS = $(PLUGIN_LDFLAGS)
endif
EXTRA_DIST += plugins/isolation/namespaces/local.mk plugins/isolation/namespaces/README.md

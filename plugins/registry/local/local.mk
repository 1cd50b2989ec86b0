# registry/local.  Included by Makefile.am.
if BUILD_PLUGIN_REGISTRY_LOCAL
plugin_LTLIBRARIES += registry_local.la
registry_local_la_SOURCES = plugins/registry/local/local.c
registry_local_la_CFLAGS = $(AM_CFLAGS)
registry_local_la_LIBADD = $(PLUGIN_LIBADD)
registry_local_la_LDFLAGS = $(PLUGIN_LDFLAGS)
endif
EXTRA_DIST += plugins/registry/local/local.mk plugins/registry/local/README.md

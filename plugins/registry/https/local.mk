# registry/https.  Included by Makefile.am.
if BUILD_PLUGIN_REGISTRY_HTTPS
plugin_LTLIBRARIES += registry_https.la
registry_https_la_SOURCES = plugins/registry/https/https.c
registry_https_la_CPPFLAGS = $(REGISTRY_HTTP_CPPFLAGS)
registry_https_la_CFLAGS = $(AM_CFLAGS)
registry_https_la_LIBADD = $(PLUGIN_LIBADD) $(REGISTRY_HTTP_LIBADD)
registry_https_la_LDFLAGS = $(PLUGIN_LDFLAGS)
endif
EXTRA_DIST += plugins/registry/https/local.mk plugins/registry/https/README.md

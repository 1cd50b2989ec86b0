# registry/github.  Included by Makefile.am.
if BUILD_PLUGIN_REGISTRY_GITHUB
plugin_LTLIBRARIES += registry_github.la
registry_github_la_SOURCES = plugins/registry/github/github.c
registry_github_la_CPPFLAGS = $(REGISTRY_HTTP_CPPFLAGS)
registry_github_la_CFLAGS = $(AM_CFLAGS)
registry_github_la_LIBADD = $(PLUGIN_LIBADD) $(REGISTRY_HTTP_LIBADD)
registry_github_la_LDFLAGS = $(PLUGIN_LDFLAGS)
endif
EXTRA_DIST += plugins/registry/github/local.mk plugins/registry/github/README.md

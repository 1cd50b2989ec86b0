# plugins/registry/common: the HTTPS client of registry/github and
# registry/https (http.c, http.h; not installed).  Built once, as a libtool
# convenience library, when either plugin is; each of them links it and
# libcurl itself, so libcurl is a DT_NEEDED of those plugins only.
# Included by Makefile.am before the plugins that use it.
if BUILD_REGISTRY_HTTP
noinst_LTLIBRARIES += libregistry_http.la
libregistry_http_la_SOURCES = plugins/registry/common/http.c plugins/registry/common/http.h
libregistry_http_la_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS)
libregistry_http_la_LIBADD = -lpthread
endif
REGISTRY_HTTP_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/registry/common
REGISTRY_HTTP_LIBADD = libregistry_http.la $(CURL_LIBS)
EXTRA_DIST += plugins/registry/common/local.mk plugins/registry/common/README.md

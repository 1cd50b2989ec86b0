# isolation/seccomp.  Included by Makefile.am.
if BUILD_PLUGIN_ISOLATION_SECCOMP
plugin_LTLIBRARIES += isolation_seccomp.la
isolation_seccomp_la_SOURCES = plugins/isolation/seccomp/seccomp.c
isolation_seccomp_la_CFLAGS = $(AM_CFLAGS) $(SECCOMP_CFLAGS)
isolation_seccomp_la_LIBADD = $(PLUGIN_LIBADD) $(SECCOMP_LIBS)
isolation_seccomp_la_LDFLAGS = $(PLUGIN_LDFLAGS)
endif
EXTRA_DIST += plugins/isolation/seccomp/local.mk plugins/isolation/seccomp/README.md

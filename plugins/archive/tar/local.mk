# archive/tar: tar packages through libarchive.  Included by Makefile.am.
if BUILD_PLUGIN_ARCHIVE_TAR
plugin_LTLIBRARIES += archive_tar.la
archive_tar_la_SOURCES = plugins/archive/tar/tar.c
archive_tar_la_CFLAGS = $(AM_CFLAGS) $(LIBARCHIVE_CFLAGS)
archive_tar_la_LIBADD = $(PLUGIN_LIBADD) $(LIBARCHIVE_LIBS)
archive_tar_la_LDFLAGS = $(PLUGIN_LDFLAGS)
endif
EXTRA_DIST += plugins/archive/tar/local.mk plugins/archive/tar/README.md

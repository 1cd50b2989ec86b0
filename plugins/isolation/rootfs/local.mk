# isolation/rootfs.  Included by Makefile.am.
if BUILD_PLUGIN_ISOLATION_ROOTFS
plugin_LTLIBRARIES += isolation_rootfs.la
isolation_rootfs_la_SOURCES = plugins/isolation/rootfs/rootfs.c \
	plugins/isolation/rootfs/disk.c plugins/isolation/rootfs/disk.h \
	plugins/isolation/rootfs/volumes.c plugins/isolation/rootfs/volumes.h
isolation_rootfs_la_CFLAGS = $(AM_CFLAGS)
isolation_rootfs_la_LIBADD = $(PLUGIN_LIBADD)
isolation_rootfs_la_LDFLAGS = $(PLUGIN_LDFLAGS)
endif
EXTRA_DIST += plugins/isolation/rootfs/local.mk plugins/isolation/rootfs/README.md

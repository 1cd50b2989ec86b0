# scheduler/fairshare.  Included by Makefile.am.
if BUILD_PLUGIN_SCHEDULER_FAIRSHARE
plugin_LTLIBRARIES += scheduler_fairshare.la
scheduler_fairshare_la_SOURCES = plugins/scheduler/fairshare/fairshare.c
scheduler_fairshare_la_CFLAGS = $(AM_CFLAGS)
scheduler_fairshare_la_LIBADD = $(PLUGIN_LIBADD)
scheduler_fairshare_la_LDFLAGS = $(PLUGIN_LDFLAGS)
endif
EXTRA_DIST += plugins/scheduler/fairshare/local.mk plugins/scheduler/fairshare/README.md

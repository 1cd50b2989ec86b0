# scheduler/priority.  Included by Makefile.am.
if BUILD_PLUGIN_SCHEDULER_PRIORITY
plugin_LTLIBRARIES += scheduler_priority.la
scheduler_priority_la_SOURCES = plugins/scheduler/priority/priority.c
scheduler_priority_la_CFLAGS = $(AM_CFLAGS)
scheduler_priority_la_LIBADD = $(PLUGIN_LIBADD)
scheduler_priority_la_LDFLAGS = $(PLUGIN_LDFLAGS)
endif
EXTRA_DIST += plugins/scheduler/priority/local.mk plugins/scheduler/priority/README.md

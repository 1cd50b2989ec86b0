/*
 * joblet/log.h - where libjoblet and plugins send log messages.
 *
 * Part of the joblet SDK and of the libjoblet API.
 *
 * Plugins log through the joblet_plog_* macros of <joblet/plugin.h>, which
 * name the plugin as the source ("archive/tar"); the process that loaded
 * the plugin decides where messages go.  A message above the process's
 * level is dropped before it is formatted.  joblet_plugin_log() may be
 * called from any thread.
 */
#ifndef JOBLET_LOG_H
#define JOBLET_LOG_H

#include <stdarg.h>
#include <stdint.h>

#include <joblet/common.h>

JOBLET_BEGIN_DECLS

enum joblet_log_level {
	JOBLET_LOG_ERROR = 1,
	JOBLET_LOG_WARNING = 2,
	JOBLET_LOG_INFO = 3,
	JOBLET_LOG_DEBUG = 4
};

JOBLET_END_DECLS

#endif /* JOBLET_LOG_H */

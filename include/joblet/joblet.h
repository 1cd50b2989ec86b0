/*
 * joblet/joblet.h - everything libjoblet offers, in one include.
 *
 * Plugins usually include only <joblet/plugin.h> and the header of their
 * kind; joblet, joblet-shim and rnx include this.
 */
#ifndef JOBLET_JOBLET_H
#define JOBLET_JOBLET_H

#include <joblet/archive.h>
#include <joblet/buffer.h>
#include <joblet/cli.h>
#include <joblet/common.h>
#include <joblet/config.h>
#include <joblet/cron.h>
#include <joblet/error.h>
#include <joblet/host.h>
#include <joblet/http.h>
#include <joblet/isolation.h>
#include <joblet/job.h>
#include <joblet/loader.h>
#include <joblet/log.h>
#include <joblet/plugin.h>
#include <joblet/registry.h>
#include <joblet/runtime.h>
#include <joblet/scheduler.h>
#include <joblet/stream.h>
#include <joblet/version.h>

#endif /* JOBLET_JOBLET_H */

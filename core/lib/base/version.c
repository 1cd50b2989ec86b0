/* version.c - the version of the loaded libjoblet. */
#include "config.h"

#include <joblet/version.h>

const char *joblet_version_string(void)
{
	return JOBLET_VERSION_STRING;
}

/*
 * platform.h - which registry platform this host is: {ubuntu|rhel|amzn}-{amd64|arm64}.
 *
 * Private to libjoblet (not installed).  Runtime registries publish one
 * build of each runtime per platform; this picks the one for the host from
 * os-release(5) and uname(2):
 *
 *	OS family (ID first, then each word of ID_LIKE, in order)
 *	  ubuntu, debian (and derivatives that say so: linuxmint, pop, ...)	-> ubuntu
 *	  rhel, centos, rocky, almalinux, fedora, ol				-> rhel
 *	  amzn									-> amzn
 *	Architecture (uname machine)
 *	  x86_64								-> amd64
 *	  aarch64, arm64							-> arm64
 *
 * Thread safety: reentrant; no state is kept.
 */
#ifndef JL_PLATFORM_H
#define JL_PLATFORM_H

#include <joblet/error.h>

/* Largest os-release file read. */
#define JL_OS_RELEASE_MAX_BYTES (64 * 1024)

/*
 * Detect the platform of a host.
 *
 * os_release_path (borrowed): the os-release file to read; NULL means
 * /etc/os-release, or /usr/lib/os-release when that does not exist (as
 * os-release(5) says).  The file is shell-like KEY=value lines: values may
 * be in double quotes (backslash escapes `\"`, `\\`, `\$` and `` \` ``) or
 * single quotes (no escapes); `#` comments and blank lines are skipped,
 * other malformed lines ignored.  A missing ID means `linux`.
 * machine (borrowed): uname's machine name ("x86_64"); NULL means uname(2)'s.
 *
 * On success *ret_platform is a new string (owned by the caller, free()) such
 * as "ubuntu-amd64"; on failure it is not touched.
 *
 * Errors: JOBLET_E_UNSUPPORTED when the OS family or the architecture is not
 * one registries know (the message names what was found and what is
 * supported), also when neither default os-release file exists;
 * JOBLET_E_NOT_FOUND, JOBLET_E_IO, JOBLET_E_LIMIT when os_release_path cannot
 * be read; JOBLET_E_SYSTEM when uname(2) fails; JOBLET_E_NOMEM.
 */
int jl_platform_detect(const char *os_release_path, const char *machine, char **ret_platform,
		       struct joblet_error **err);

/* 1 when platform (borrowed; NULL gives 0) is one of the six platforms, else 0. */
int jl_platform_valid(const char *platform);

#endif /* JL_PLATFORM_H */

/*
 * base/error.h - naming and classifying error codes, for the programs.
 *
 * Private tier (base/private.h).  The error object itself and the codes are
 * the SDK's (<joblet/error.h>).
 */
#ifndef JL_ERROR_H
#define JL_ERROR_H

#include <stdint.h>

#include <joblet/error.h>

#include "base/private.h"

/* The newest code: move it when a code is appended to enum joblet_error_code. */
#define JL_E_LAST JOBLET_E_CONFLICT

/* What a caller may do about an error of a given code. */
enum jl_error_class {
	JL_ERROR_TRANSIENT = 1, /* trying again later may succeed */
	JL_ERROR_STEP = 2,	/* this job/install/request failed; the daemon goes on */
	JL_ERROR_FATAL = 3	/* the process cannot go on sensibly */
};

/* Stable name of a code ("invalid", "not-found", ...), or "unknown". Static. */
JL_API const char *jl_error_code_name(int32_t code);

/* enum jl_error_class of a code; unknown codes are JL_ERROR_FATAL. */
JL_API int32_t jl_error_code_class(int32_t code);

/* "transient", "step" or "fatal". Static. */
JL_API const char *jl_error_class_name(int32_t error_class);

#endif /* JL_ERROR_H */

/*
 * joblet/common.h - macros shared by every public joblet header.
 *
 * Part of the joblet SDK.  Self-contained: needs only the C99 standard
 * headers.  Nothing here is a function; it only decorates declarations.
 */
#ifndef JOBLET_COMMON_H
#define JOBLET_COMMON_H

#ifdef __cplusplus
#define JOBLET_BEGIN_DECLS extern "C" {
#define JOBLET_END_DECLS   }
#else
#define JOBLET_BEGIN_DECLS
#define JOBLET_END_DECLS
#endif

/* Marks a symbol exported from libjoblet (everything else is hidden). */
#if defined(__GNUC__) || defined(__clang__)
#define JOBLET_API			     __attribute__((visibility("default")))
#define JOBLET_PRINTF(fmt_index, args_index) __attribute__((format(printf, fmt_index, args_index)))
#define JOBLET_WARN_UNUSED		     __attribute__((warn_unused_result))
#else
#define JOBLET_API
#define JOBLET_PRINTF(fmt_index, args_index)
#define JOBLET_WARN_UNUSED
#endif

#endif /* JOBLET_COMMON_H */

/*
 * base/private.h - the private tier of libjoblet.
 *
 * libjoblet.so exports two version nodes (core/lib/libjoblet.sym.in):
 *   JOBLET_2                   the plugin SDK, <joblet/...>: what plugins call.
 *                              Stable for a plugin ABI major (docs/plugin-abi.md).
 *   JOBLET_PRIVATE_<release>   the jl_* functions marked JL_API in the private
 *                              headers of core/lib: shared by joblet's own
 *                              programs (joblet, joblet-shim, rnx) and tests.
 * The private node is named after the release, so a program refuses to start
 * against another release's library instead of misbehaving.  Plugins never
 * use it: tests/unit/test_abi.sh fails when one does.
 *
 * Everything else in core/lib is hidden (-fvisibility=hidden).
 */
#ifndef JL_BASE_PRIVATE_H
#define JL_BASE_PRIVATE_H

#define JL_API __attribute__((visibility("default")))

#endif /* JL_BASE_PRIVATE_H */

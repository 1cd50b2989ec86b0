/* builtins.h - the plugins compiled into libjoblet. */
#ifndef JL_BUILTINS_H
#define JL_BUILTINS_H

#include <joblet/plugin.h>

extern const struct joblet_plugin jl_builtin_isolation_none;
extern const struct joblet_plugin jl_builtin_scheduler_fifo;

#endif /* JL_BUILTINS_H */

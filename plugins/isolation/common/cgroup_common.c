/* cgroup_common.c - placeholder */
#include "config.h"
#include "cgroup_common.h"
extern int jl_cgroup_common_placeholder;
int jl_cgroup_common_placeholder;

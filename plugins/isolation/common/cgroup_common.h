/* cgroup_common.h - placeholder */
#ifndef JL_CGROUP_COMMON_H
#define JL_CGROUP_COMMON_H
#endif

/*
 * ipv4.h - IPv4 addresses, CIDR blocks and allow-list entries as text:
 * what joblet.yml's networks.*, `network create --cidr` and a job's
 * --allow take.  Pure: no system call.
 */
#ifndef JL_IPV4_H
#define JL_IPV4_H

#include <stddef.h>
#include <stdint.h>

#include "base/private.h"

/* An address in host order, its bits below prefix cleared or kept. */
static inline uint32_t jl_ipv4_mask(uint32_t prefix)
{
	return prefix == 0 ? 0 : ~UINT32_C(0) << (32 - prefix);
}

/* "a.b.c.d" (nothing else) into *ret, host order; -1 when it is not one. */
JL_API int jl_ipv4_parse(const char *text, uint32_t *ret);

/*
 * "a.b.c.d/N" (a bare address: /32) into *ret_addr and *ret_prefix; -1 when
 * it is not one, or when the address has bits set below the prefix (it must
 * be the block's first address: 10.1.0.0/16, not 10.1.2.3/16).
 */
JL_API int jl_ipv4_cidr_parse(const char *text, uint32_t *ret_addr, uint32_t *ret_prefix);

/* 1 when the whole block lies in 10/8, 172.16/12 or 192.168/16 (RFC 1918). */
JL_API int jl_ipv4_cidr_private(uint32_t addr, uint32_t prefix);

/* 1 when the two blocks share an address. */
JL_API int jl_ipv4_cidr_overlap(uint32_t a, uint32_t a_prefix, uint32_t b, uint32_t b_prefix);

/*
 * An allow-list entry "CIDR[:PORT[-PORT]]": the block (as
 * jl_ipv4_cidr_parse()) and the ports (1..65535, lo <= hi; no port: 0-0 =
 * every port).  -1 when it is not one.
 */
JL_API int jl_ipv4_allow_parse(const char *text, uint32_t *ret_addr, uint32_t *ret_prefix,
			       uint32_t *ret_port_lo, uint32_t *ret_port_hi);

/* addr as "a.b.c.d" into buf (at least 16 bytes). */
JL_API void jl_ipv4_format(uint32_t addr, char *buf, size_t size);

#endif /* JL_IPV4_H */

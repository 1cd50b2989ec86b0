/* ipv4.c - IPv4 addresses and blocks as text (see ipv4.h). */
#include <config.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ipv4.h"

int jl_ipv4_parse(const char *text, uint32_t *ret)
{
	struct in_addr a;

	/* inet_pton() takes exactly four decimal parts, without leading zeros or signs. */
	if (!text || inet_pton(AF_INET, text, &a) != 1)
		return -1;
	*ret = ntohl(a.s_addr);
	return 0;
}

/* A decimal number of at most 5 digits from lo to hi, the whole of text[0..len). */
static int small_number(const char *text, size_t len, uint32_t lo, uint32_t hi, uint32_t *ret)
{
	uint32_t n = 0;

	if (len == 0 || len > 5 || (len > 1 && text[0] == '0'))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return -1;
		n = n * 10 + (uint32_t)(text[i] - '0');
	}
	if (n < lo || n > hi)
		return -1;
	*ret = n;
	return 0;
}

int jl_ipv4_cidr_parse(const char *text, uint32_t *ret_addr, uint32_t *ret_prefix)
{
	char buf[16];
	const char *slash = text ? strchr(text, '/') : NULL;
	size_t len = slash ? (size_t)(slash - text) : (text ? strlen(text) : 0);
	uint32_t addr, prefix = 32;

	if (!text || len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (jl_ipv4_parse(buf, &addr) < 0)
		return -1;
	if (slash && small_number(slash + 1, strlen(slash + 1), 0, 32, &prefix) < 0)
		return -1;
	if (addr & ~jl_ipv4_mask(prefix))
		return -1;
	*ret_addr = addr;
	*ret_prefix = prefix;
	return 0;
}

static int inside(uint32_t addr, uint32_t prefix, uint32_t block, uint32_t block_prefix)
{
	return prefix >= block_prefix &&
	       (addr & jl_ipv4_mask(block_prefix)) == (block & jl_ipv4_mask(block_prefix));
}

int jl_ipv4_cidr_private(uint32_t addr, uint32_t prefix)
{
	return inside(addr, prefix, UINT32_C(0x0a000000), 8) ||
	       inside(addr, prefix, UINT32_C(0xac100000), 12) ||
	       inside(addr, prefix, UINT32_C(0xc0a80000), 16);
}

int jl_ipv4_cidr_overlap(uint32_t a, uint32_t a_prefix, uint32_t b, uint32_t b_prefix)
{
	uint32_t p = a_prefix < b_prefix ? a_prefix : b_prefix;

	return (a & jl_ipv4_mask(p)) == (b & jl_ipv4_mask(p));
}

int jl_ipv4_allow_parse(const char *text, uint32_t *ret_addr, uint32_t *ret_prefix,
			uint32_t *ret_port_lo, uint32_t *ret_port_hi)
{
	char buf[32];
	const char *colon = text ? strchr(text, ':') : NULL, *dash;
	size_t len = colon ? (size_t)(colon - text) : (text ? strlen(text) : 0);
	uint32_t lo = 0, hi = 0;

	if (!text || len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (jl_ipv4_cidr_parse(buf, ret_addr, ret_prefix) < 0)
		return -1;
	if (colon) {
		const char *p = colon + 1;

		dash = strchr(p, '-');
		if (small_number(p, dash ? (size_t)(dash - p) : strlen(p), 1, 65535, &lo) < 0)
			return -1;
		hi = lo;
		if (dash && small_number(dash + 1, strlen(dash + 1), lo, 65535, &hi) < 0)
			return -1;
	}
	*ret_port_lo = lo;
	*ret_port_hi = hi;
	return 0;
}

void jl_ipv4_format(uint32_t addr, char *buf, size_t size)
{
	snprintf(buf, size, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff, (addr >> 8) & 0xff,
		 addr & 0xff);
}

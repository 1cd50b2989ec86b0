/* utf8.h - checking UTF-8, inline for the log stream's hot path. */
#ifndef JL_UTF8_H
#define JL_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Length (2-4) of the valid multi-byte UTF-8 sequence at s (n bytes left),
 * or 0 when there is none: a stray or missing continuation byte, an
 * overlong form, a surrogate, or a code point above U+10FFFF.  ASCII bytes
 * are the caller's (0 here).
 */
static inline size_t jl_utf8_seq(const uint8_t *s, size_t n)
{
	uint8_t c = s[0];

	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef)
		return n >= 3 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 &&
				       !(c == 0xe0 && s[1] < 0xa0) && !(c == 0xed && s[1] > 0x9f)
			       ? 3
			       : 0;
	if (c >= 0xf0 && c <= 0xf4)
		return n >= 4 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 &&
				       (s[3] & 0xc0) == 0x80 && !(c == 0xf0 && s[1] < 0x90) &&
				       !(c == 0xf4 && s[1] > 0x8f)
			       ? 4
			       : 0;
	return 0;
}

#endif /* JL_UTF8_H */

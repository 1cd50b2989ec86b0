/*
 * common/base64.h - Base64 (RFC 4648) for the API's uploads and log data.
 *
 * core/common is compiled into the joblet and rnx programs (not libjoblet).
 */
#ifndef JL_BASE64_H
#define JL_BASE64_H

#include <stddef.h>
#include <stdint.h>

/*
 * Base64 (RFC 4648, standard alphabet, padded).  Encode data[0..len) into
 * out, which needs 4 * ((len + 2) / 3) + 1 bytes; returns the length
 * written (out is NUL-terminated).
 */
size_t jl_base64_encode(const void *data, size_t len, char *out);

/*
 * Decode text[0..len) into out, which needs 3 * (len / 4) bytes; returns
 * the bytes written, or -1 for a character outside the alphabet, a length
 * that is not a multiple of 4 or misplaced padding.
 */
int64_t jl_base64_decode(const char *text, size_t len, void *out);

#endif /* JL_BASE64_H */

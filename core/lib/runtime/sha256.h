/*
 * sha256.h - SHA-256 for libjoblet, from Nettle.
 *
 * Private to libjoblet (not installed).  Downloads, packages and index
 * cache keys are hashed with Nettle's sha256_ctx directly (sha256_init,
 * sha256_update), not through GnuTLS, so libjoblet does not link a TLS
 * library: Nettle is the code GnuTLS itself runs for SHA-256, alone.  Nettle
 * 4 dropped the length argument of the digest functions; jl_sha256_digest()
 * is the one call that differs.
 *
 * Thread safety: a context is used by one thread at a time.
 */
#ifndef JL_SHA256_H
#define JL_SHA256_H

#include <stdint.h>

#include <nettle/sha2.h>
#include <nettle/version.h>

/* Write the digest of what ctx was fed into ret; ctx starts over (as after sha256_init). */
static inline void jl_sha256_digest(struct sha256_ctx *ctx, uint8_t ret[SHA256_DIGEST_SIZE])
{
#if NETTLE_VERSION_MAJOR >= 4
	sha256_digest(ctx, ret);
#else
	sha256_digest(ctx, SHA256_DIGEST_SIZE, ret);
#endif
}

#endif

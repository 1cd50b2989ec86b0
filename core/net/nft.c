/*
 * nft.c - running an nftables script through libnftables, in one
 * transaction: all of it applies or none.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nftables/libnftables.h>

#include "net/net_private.h"

/* The first line of what nft said, for a message on one line. */
static void first_line(const char *s, char *ret, size_t size)
{
	size_t n = s ? strcspn(s, "\n") : 0;

	if (n >= size)
		n = size - 1;
	if (n)
		memcpy(ret, s, n);
	ret[n] = '\0';
}

int jl_net_nft_run(const char *script, char **ret_out, struct joblet_error **err)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	char why[512];
	int r = 0;

	if (!ctx)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot start libnftables");
	if (nft_ctx_buffer_output(ctx) < 0 || nft_ctx_buffer_error(ctx) < 0) {
		nft_ctx_free(ctx);
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot start libnftables");
	}
	if (nft_run_cmd_from_buffer(ctx, script) != 0) {
		first_line(nft_ctx_get_error_buffer(ctx), why, sizeof(why));
		r = joblet_error_set(err, JOBLET_E_SYSTEM, EINVAL,
				     "nftables refused the daemon's network rules: %s", why);
	} else if (ret_out) {
		*ret_out = strdup(nft_ctx_get_output_buffer(ctx));
		if (!*ret_out)
			r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	}
	nft_ctx_free(ctx);
	return r;
}

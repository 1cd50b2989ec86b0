/*
 * networks_private.h - what networks.c shares with api_networks.c (the
 * routes of /v1/networks).
 */
#ifndef JOBLET_DAEMON_NETWORKS_PRIVATE_H
#define JOBLET_DAEMON_NETWORKS_PRIVATE_H

#include <pthread.h>
#include <stdbool.h>

#include "auth.h"
#include "store.h"

struct daemon_ctx;

struct networks {
	struct daemon_ctx *d;
	pthread_mutex_t lock; /* one create or remove at a time */
	char **dns;	      /* the resolvers jobs get */
	char why_not[512];    /* why jobs may not use networks here, or "" */
};

/* 1 when who may see (acting false) or use and remove (acting true) network n. */
int networks_visible(const struct identity *who, bool acting, const struct net_record *n);

/* The kernel side of one network: made (at create), removed (at remove). */
int networks_up_one(struct networks *nw, const struct net_record *n, struct joblet_error **err);
int networks_down_one(struct networks *nw, const struct net_record *n, struct joblet_error **err);

#endif /* JOBLET_DAEMON_NETWORKS_PRIVATE_H */

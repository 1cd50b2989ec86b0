/*
 * api_networks.c - /v1/networks: list, create, remove (docs/api.md).
 *
 * Who sees what is the jobs' rule (auth_job_scope()): a reader and an
 * admin see every network, a developer or maintainer the built-ins and
 * their own; another's network is answered as one that does not exist.
 */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/ipv4.h"
#include "base/log.h"
#include "base/timefmt.h"
#include "base/util.h"
#include "job/job_spec.h"
#include "networks.h"
#include "networks_private.h"
#include "server.h"
#include "store.h"

/* The most custom networks one identity may have, and the node in all. */
#define NETWORKS_PER_OWNER 32
#define NETWORKS_MAX	   256

static int reply_e(struct request *rq, struct joblet_error *e)
{
	int r = reply_joblet_error(rq, e);

	joblet_error_free(e);
	return r;
}

struct list_ctx {
	struct request *rq;
	json_object *arr;
};

static json_object *net_json(struct request *rq, const struct net_record *n)
{
	json_object *o = json_object_new_object(), *allow;
	int64_t jobs = 0;
	char when[40];

	store_network_users(rq->d->store, n->name, &jobs, NULL);
	allow = n->allow_json ? json_tokener_parse(n->allow_json) : NULL;
	jl_time_format_rfc3339(n->created_ns, when, sizeof(when));
	json_object_object_add(o, "name", json_object_new_string(n->name));
	json_object_object_add(o, "cidr", json_object_new_string(n->cidr));
	json_object_object_add(o, "bridge", json_object_new_string(n->bridge));
	json_object_object_add(o, "builtin", json_object_new_boolean(n->builtin));
	json_object_object_add(o, "isolated", json_object_new_boolean(n->isolated_ports));
	json_object_object_add(o, "owner", n->owner ? json_object_new_string(n->owner) : NULL);
	json_object_object_add(o, "allow", allow ? allow : json_object_new_array());
	json_object_object_add(o, "jobs", json_object_new_int64(jobs));
	json_object_object_add(o, "created", json_object_new_string(when));
	return o;
}

static int list_one(const struct net_record *n, void *userdata)
{
	struct list_ctx *c = userdata;

	if (networks_visible(&c->rq->who, false, n))
		json_object_array_add(c->arr, net_json(c->rq, n));
	return 0;
}

int api_network_list(struct request *rq)
{
	struct joblet_error *e = NULL;
	struct list_ctx c = { rq, json_object_new_array() };

	if (store_network_foreach(rq->d->store, list_one, &c, &e) < 0) {
		json_object_put(c.arr);
		return reply_e(rq, e);
	}
	return reply_obj(rq, MHD_HTTP_OK, c.arr);
}

/* What create checks the block against: the other networks, and how many the caller has. */
struct clash_ctx {
	const struct identity *who;
	uint32_t net, prefix;
	char clash[128];
	int64_t mine, all;
};

static int clash_one(const struct net_record *n, void *userdata)
{
	struct clash_ctx *c = userdata;
	uint32_t a, p;

	if (!n->builtin) {
		c->all++;
		c->mine += n->owner && strcmp(n->owner, c->who->cn) == 0;
	}
	/* Another user's network is not named. */
	if (!c->clash[0] && jl_ipv4_cidr_parse(n->cidr, &a, &p) == 0 &&
	    jl_ipv4_cidr_overlap(a, p, c->net, c->prefix))
		snprintf(c->clash, sizeof(c->clash), "%s",
			 networks_visible(c->who, false, n) ? n->name : "another user's network");
	return 0;
}

/* A route or address of this host inside net/prefix: its text into buf, or "" */
static void host_clash(uint32_t net, uint32_t prefix, char *buf, size_t size)
{
	struct ifaddrs *ifa = NULL;
	char line[256];
	FILE *f;

	buf[0] = '\0';
	if (getifaddrs(&ifa) == 0) {
		for (struct ifaddrs *i = ifa; i && !buf[0]; i = i->ifa_next) {
			uint32_t a;

			if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
				continue;
			a = ntohl(((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr);
			if (jl_ipv4_cidr_overlap(a, 32, net, prefix)) {
				char t[16];

				jl_ipv4_format(a, t, sizeof(t));
				snprintf(buf, size, "the address %s of the host's interface %s", t,
					 i->ifa_name);
			}
		}
		freeifaddrs(ifa);
	}
	f = fopen("/proc/net/route", "re");
	while (f && !buf[0] && fgets(line, sizeof(line), f)) {
		char ifname[32], t[16];
		unsigned int dest, gw, flags, mask;

		if (sscanf(line, "%31s %x %x %x %*d %*d %*d %x", ifname, &dest, &gw, &flags,
			   &mask) != 5 ||
		    mask == 0)
			continue;
		/* The file has them in network order, as read on a little-endian host. */
		dest = ntohl(dest);
		mask = ntohl(mask);
		if (jl_ipv4_cidr_overlap(dest, (uint32_t)__builtin_popcount(mask), net, prefix)) {
			jl_ipv4_format(dest, t, sizeof(t));
			snprintf(buf, size, "the host's route to %s/%d on %s", t,
				 __builtin_popcount(mask), ifname);
		}
	}
	if (f)
		fclose(f);
}

/* The request's name, block and allow-list, checked; 0 or the refusal answered (-1, *ret). */
static int create_args(struct request *rq, json_object *o, const char **ret_name,
		       const char **ret_cidr, json_object **ret_allow, uint32_t *ret_net,
		       uint32_t *ret_prefix, int *ret)
{
	json_object *v;

	*ret_name = json_object_object_get_ex(o, "name", &v) ? json_object_get_string(v) : NULL;
	*ret_cidr = json_object_object_get_ex(o, "cidr", &v) ? json_object_get_string(v) : NULL;
	*ret_allow = json_object_object_get_ex(o, "allow", &v) ? v : NULL;
	json_object_object_foreach(o, key, val)
	{
		(void)val;
		if (strcmp(key, "name") != 0 && strcmp(key, "cidr") != 0 &&
		    strcmp(key, "allow") != 0)
			return *ret = reply_error(
				       rq, MHD_HTTP_BAD_REQUEST, JOBLET_E_INVALID,
				       "`%s` is not a field of a network (name, cidr, allow)", key),
			       -1;
	}
	if (!jl_network_name_valid(*ret_name))
		return *ret = reply_error(
			       rq, MHD_HTTP_BAD_REQUEST, JOBLET_E_INVALID,
			       "a network's `name` must be 1 to 63 of a-z, A-Z, 0-9, -, _, not `%s`",
			       *ret_name ? *ret_name : ""),
		       -1;
	if (strcmp(*ret_name, "none") == 0 || strcmp(*ret_name, "host") == 0)
		return *ret = reply_error(
			       rq, MHD_HTTP_BAD_REQUEST, JOBLET_E_INVALID,
			       "`%s` is a network mode of its own and cannot name a network; choose another name",
			       *ret_name),
		       -1;
	if (!*ret_cidr || jl_ipv4_cidr_parse(*ret_cidr, ret_net, ret_prefix) < 0 ||
	    !strchr(*ret_cidr, '/') || *ret_prefix < 8 || *ret_prefix > 29 ||
	    !jl_ipv4_cidr_private(*ret_net, *ret_prefix))
		return *ret = reply_error(
			       rq, MHD_HTTP_BAD_REQUEST, JOBLET_E_INVALID,
			       "`cidr` must be a private IPv4 block (in 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16) from /8 to /29, written as its first address (10.42.0.0/24), not `%s`",
			       *ret_cidr ? *ret_cidr : ""),
		       -1;
	if (*ret_allow && !json_object_is_type(*ret_allow, json_type_array))
		return *ret = reply_error(rq, MHD_HTTP_BAD_REQUEST, JOBLET_E_INVALID,
					  "`allow` must be an array of CIDR[:PORT[-PORT]] strings"),
		       -1;
	for (size_t i = 0; *ret_allow && i < json_object_array_length(*ret_allow); i++) {
		json_object *a = json_object_array_get_idx(*ret_allow, i);
		uint32_t x, p, lo, hi;

		if (!json_object_is_type(a, json_type_string) ||
		    jl_ipv4_allow_parse(json_object_get_string(a), &x, &p, &lo, &hi) < 0)
			return *ret = reply_error(
				       rq, MHD_HTTP_BAD_REQUEST, JOBLET_E_INVALID,
				       "allow `%s` is not valid: give CIDR[:PORT[-PORT]] with an IPv4 block written as its first address (10.1.0.0/16, 1.2.3.4, 1.2.3.4:443, 10.0.0.0/8:8000-8080)",
				       json_object_get_string(a)),
			       -1;
	}
	return 0;
}

/* The bridge of a custom network: "jln" and a hash of its name (at most 15 bytes). */
static void bridge_name(const char *name, int attempt, char *buf, size_t size)
{
	uint32_t h = 2166136261u;

	for (const char *p = name; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	snprintf(buf, size, "jln%08x", h + (uint32_t)attempt);
}

/* Under nw->lock: nothing clashes with net/prefix, and the caller has room for one more. */
static int create_checks(struct request *rq, uint32_t net, uint32_t prefix, int *ret)
{
	struct clash_ctx c = { &rq->who, net, prefix, "", 0, 0 };
	struct joblet_error *e = NULL;
	char host[256];

	if (store_network_foreach(rq->d->store, clash_one, &c, &e) < 0)
		return *ret = reply_e(rq, e), -1;
	if (c.clash[0])
		return *ret = reply_error(rq, MHD_HTTP_CONFLICT, JOBLET_E_CONFLICT,
					  "the block overlaps %s%s%s; choose a block of its own",
					  strchr(c.clash, ' ') ? "" : "network `", c.clash,
					  strchr(c.clash, ' ') ? "" : "`"),
		       -1;
	host_clash(net, prefix, host, sizeof(host));
	if (host[0])
		return *ret = reply_error(
			       rq, MHD_HTTP_CONFLICT, JOBLET_E_CONFLICT,
			       "the block overlaps %s: jobs could not reach what is there; choose another block",
			       host),
		       -1;
	if (c.mine >= NETWORKS_PER_OWNER || c.all >= NETWORKS_MAX)
		return *ret = reply_error(
			       rq, MHD_HTTP_TOO_MANY_REQUESTS, JOBLET_E_LIMIT,
			       "%s has %d networks already (the most: %d each, %d in all); remove one first",
			       c.mine >= NETWORKS_PER_OWNER ? "you" : "this node",
			       c.mine >= NETWORKS_PER_OWNER ? NETWORKS_PER_OWNER : NETWORKS_MAX,
			       NETWORKS_PER_OWNER, NETWORKS_MAX),
		       -1;
	return 0;
}

static int create_locked(struct request *rq, struct networks *nw, json_object *o)
{
	struct joblet_error *e = NULL;
	const char *name, *cidr;
	json_object *allow;
	uint32_t net, prefix;
	char bridge[16];
	int r = 0;

	if (create_args(rq, o, &name, &cidr, &allow, &net, &prefix, &r) < 0 ||
	    create_checks(rq, net, prefix, &r) < 0)
		return r;
	snprintf(rq->target, sizeof(rq->target), "%s", name);
	for (int attempt = 0;; attempt++) {
		struct net_record n = {
			.name = (char *)name,
			.cidr = (char *)cidr,
			.bridge = bridge,
			.owner = rq->who.cn,
			.allow_json = (char *)(allow ? json_object_to_json_string_ext(
							       allow, JSON_C_TO_STRING_PLAIN)
						     : "[]")
		};
		struct net_record got;
		bool taken;

		bridge_name(name, attempt, bridge, sizeof(bridge));
		if (store_network_put(rq->d->store, &n, &e) == 0) {
			if (networks_up_one(nw, &n, &e) < 0) {
				store_network_delete(rq->d->store, name, NULL);
				joblet_error_prefix(&e, -1, "cannot make network `%s`", name);
				return reply_e(rq, e);
			}
			if (store_network_get(rq->d->store, name, &got, &e) < 0)
				return reply_e(rq, e);
			r = reply_obj(rq, MHD_HTTP_CREATED, net_json(rq, &got));
			net_record_done(&got);
			return r;
		}
		/* The name taken: 409; a bridge name that clashes by chance: the next one. */
		taken = e->code == JOBLET_E_EXISTS && attempt < 8 &&
			store_network_get(rq->d->store, name, &got, NULL) == 0;
		if (taken)
			net_record_done(&got);
		if (e->code != JOBLET_E_EXISTS || attempt >= 8 || taken) {
			if (e->code == JOBLET_E_EXISTS) {
				joblet_error_free(e);
				return reply_error(
					rq, MHD_HTTP_CONFLICT, JOBLET_E_EXISTS,
					"a network named `%s` exists already; choose another name",
					name);
			}
			return reply_e(rq, e);
		}
		joblet_error_clear(&e);
	}
}

int api_network_create(struct request *rq)
{
	struct networks *nw = rq->d->networks;
	json_object *o = request_json(rq);
	int r;

	if (!o)
		return MHD_YES;
	if (networks_why_not(nw)) {
		json_object_put(o);
		return reply_error(rq, MHD_HTTP_UNPROCESSABLE_CONTENT, JOBLET_E_UNSUPPORTED,
				   "networks cannot be made on this node: %s",
				   networks_why_not(nw));
	}
	pthread_mutex_lock(&nw->lock);
	r = create_locked(rq, nw, o);
	pthread_mutex_unlock(&nw->lock);
	json_object_put(o);
	return r;
}

int api_network_remove(struct request *rq)
{
	struct networks *nw = rq->d->networks;
	struct joblet_error *e = NULL;
	struct net_record n;
	int r;

	snprintf(rq->target, sizeof(rq->target), "%s", rq->arg ? rq->arg : "");
	if (store_network_get(rq->d->store, rq->arg ? rq->arg : "", &n, &e) < 0)
		return reply_e(rq, e);
	if (!networks_visible(&rq->who, true, &n)) {
		net_record_done(&n);
		return reply_error(
			rq, MHD_HTTP_NOT_FOUND, JOBLET_E_NOT_FOUND,
			"there is no network `%s`; `rnx network list` shows the networks you may use",
			rq->arg);
	}
	if (n.builtin) {
		net_record_done(&n);
		return reply_error(
			rq, MHD_HTTP_FORBIDDEN, JOBLET_E_PERMISSION,
			"network `%s` is built in (joblet.yml networks.%s) and cannot be removed",
			rq->arg, rq->arg);
	}
	pthread_mutex_lock(&nw->lock);
	r = store_network_delete(rq->d->store, n.name, &e);
	if (r == 0 && !networks_why_not(nw) && networks_down_one(nw, &n, &e) < 0) {
		jl_log(JOBLET_LOG_WARNING, NULL,
		       "network `%s` removed, but not its bridge `%s`: %s", n.name, n.bridge,
		       joblet_error_message(e));
		joblet_error_clear(&e);
	}
	pthread_mutex_unlock(&nw->lock);
	if (r < 0) {
		net_record_done(&n);
		return reply_e(rq, e);
	}
	r = reply_obj(rq, MHD_HTTP_OK, net_json(rq, &n));
	net_record_done(&n);
	return r;
}

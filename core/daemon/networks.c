/*
 * networks.c - job networks on the daemon's side (see networks.h): the
 * records, the kernel side at start, the addresses of jobs.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json.h>

#include "base/cleanup.h"
#include "base/ipv4.h"
#include "base/log.h"
#include "base/util.h"
#include "job/job_spec.h"
#include "networks.h"
#include "networks_private.h"
#include "server.h"
#include "store.h"

#ifdef HAVE_NET
#include "net/net.h"
#endif

const char *networks_why_not(const struct networks *nw)
{
	return nw ? (nw->why_not[0] ? nw->why_not : NULL) : "job networks are not set up";
}

/* The non-loopback IPv4 nameservers of the host's /etc/resolv.conf. */
static int host_resolvers(char ***ret)
{
	char line[512];
	FILE *f = fopen("/etc/resolv.conf", "re");

	*ret = calloc(1, sizeof(char *));
	if (!*ret)
		return -1;
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char word[32], addr[64];
		uint32_t a;

		if (sscanf(line, "%31s %63s", word, addr) != 2 || strcmp(word, "nameserver") != 0)
			continue;
		if (jl_ipv4_parse(addr, &a) < 0 || (a >> 24) == 127)
			continue;
		if (jl_strv_push(ret, addr) < 0) {
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

/* A built-in network from joblet.yml into the store. */
static int put_builtin(struct networks *nw, const char *name, const char *cidr, const char *device,
		       int isolated_ports, struct joblet_error **err)
{
	struct net_record n = { .name = (char *)name,
				.cidr = (char *)cidr,
				.bridge = (char *)device,
				.allow_json = (char *)"[]",
				.builtin = 1,
				.isolated_ports = isolated_ports };

	return store_network_put(nw->d->store, &n, err);
}

const char *networks_config_why_not(const struct jl_config *cfg, char *buf, size_t size)
{
	bool layer = false;

	for (char **l = cfg->isolation_stack; l && *l; l++)
		layer |= strcmp(*l, "network") == 0;
#ifndef HAVE_NET
	(void)layer;
	snprintf(
		buf, size,
		"this joblet was built without job networks (configure --enable-networks, with libmnl and libnftables)");
#else
	if (!layer)
		snprintf(
			buf, size,
			"isolation.stack has no `network` layer (add it after namespaces), so no job could get an interface");
	else if (geteuid() != 0)
		snprintf(
			buf, size,
			"job networks need joblet to run as root (it makes bridges and nftables rules)");
	else
		return NULL;
#endif
	return buf;
}

#ifdef HAVE_NET
static void host_of(const struct networks *nw, struct jl_net_host *h)
{
	h->table = nw->d->cfg->net_table;
	h->dns = (const char *const *)nw->dns;
	h->n_dns = jl_strv_length(nw->dns);
}

int networks_up_one(struct networks *nw, const struct net_record *n, struct joblet_error **err)
{
	struct jl_net_host h;
	struct jl_net_network net = { n->name, n->bridge, n->cidr, n->isolated_ports };

	host_of(nw, &h);
	return jl_net_network_up(&h, &net, err);
}

int networks_down_one(struct networks *nw, const struct net_record *n, struct joblet_error **err)
{
	struct jl_net_host h;
	struct jl_net_network net = { n->name, n->bridge, n->cidr, n->isolated_ports };

	host_of(nw, &h);
	return jl_net_network_down(&h, &net, err);
}

static int up_each(const struct net_record *n, void *userdata)
{
	struct networks *nw = userdata;
	struct joblet_error *e = NULL;

	if (networks_up_one(nw, n, &e) < 0) {
		jl_log(JOBLET_LOG_ERROR, NULL, "network `%s` (%s on %s): %s", n->name, n->cidr,
		       n->bridge, joblet_error_message(e));
		joblet_error_free(e);
	}
	return 0;
}

/* The host side at start: the daemon's table, then every network. */
static void kernel_start(struct networks *nw)
{
	struct joblet_error *e = NULL;
	struct jl_net_host h;

	if (networks_config_why_not(nw->d->cfg, nw->why_not, sizeof(nw->why_not)))
		return;
	host_of(nw, &h);
	if (jl_net_host_init(&h, &e) < 0) {
		snprintf(nw->why_not, sizeof(nw->why_not),
			 "job networks cannot be set up on this host: %s", joblet_error_message(e));
		joblet_error_free(e);
		return;
	}
	store_network_foreach(nw->d->store, up_each, nw, NULL);
}
#else
int networks_up_one(struct networks *nw, const struct net_record *n, struct joblet_error **err)
{
	(void)nw;
	(void)n;
	return joblet_error_set(err, JOBLET_E_UNSUPPORTED, 0, "%s", networks_why_not(nw));
}

int networks_down_one(struct networks *nw, const struct net_record *n, struct joblet_error **err)
{
	(void)nw;
	(void)n;
	(void)err;
	return 0;
}

static void kernel_start(struct networks *nw)
{
	networks_config_why_not(nw->d->cfg, nw->why_not, sizeof(nw->why_not));
}
#endif

int networks_start(struct daemon_ctx *d, struct networks **ret, struct joblet_error **err)
{
	const struct jl_config *cfg = d->cfg;
	struct networks *nw = calloc(1, sizeof(*nw));
	int r;

	if (!nw)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot set up networks");
	nw->d = d;
	pthread_mutex_init(&nw->lock, NULL);
	r = 0;
	for (char **a = cfg->net_dns; a && *a && r == 0; a++)
		r = jl_strv_push(&nw->dns, *a);
	if (r == 0 && !cfg->net_dns)
		r = host_resolvers(&nw->dns);
	else if (r == 0 && !nw->dns)
		r = (nw->dns = calloc(1, sizeof(char *))) ? 0 : -1;
	if (r < 0) {
		networks_free(nw);
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot set up networks");
	}
	if ((r = put_builtin(nw, "bridge", cfg->net_bridge_cidr, cfg->net_bridge_device, 0, err)) <
		    0 ||
	    (r = put_builtin(nw, "isolated", cfg->net_isolated_cidr, cfg->net_isolated_device, 1,
			     err)) < 0) {
		networks_free(nw);
		return joblet_error_prefix(err, r, "networks");
	}
	kernel_start(nw);
	if (nw->why_not[0])
		jl_log(JOBLET_LOG_WARNING, NULL,
		       "jobs may use only --network=none or host here: %s", nw->why_not);
	*ret = nw;
	return 0;
}

void networks_free(struct networks *nw)
{
	if (!nw)
		return;
	jl_strv_free(nw->dns);
	pthread_mutex_destroy(&nw->lock);
	free(nw);
}

void networks_reclaim(struct networks *nw)
{
	struct joblet_error *e = NULL;
	_cleanup_strv_ char **live = NULL;
	int64_t freed = 0;

	if (!nw)
		return;
	if (store_lease_reclaim(nw->d->store, &freed, &e) < 0 ||
	    store_lease_jobs(nw->d->store, &live, &e) < 0) {
		jl_log(JOBLET_LOG_ERROR, NULL, "networks: %s", joblet_error_message(e));
		joblet_error_free(e);
		return;
	}
	if (freed > 0)
		jl_log(JOBLET_LOG_INFO, NULL,
		       "networks: freed the addresses of %lld jobs that no longer run",
		       (long long)freed);
#ifdef HAVE_NET
	if (!nw->why_not[0]) {
		struct jl_net_host h;
		host_of(nw, &h);
		if (jl_net_reclaim(&h, (const char *const *)live, jl_strv_length(live), &e) < 0) {
			jl_log(JOBLET_LOG_WARNING, NULL,
			       "networks: cannot remove what ended jobs left: %s",
			       joblet_error_message(e));
			joblet_error_free(e);
		}
	}
#endif
}

int networks_visible(const struct identity *who, bool acting, const struct net_record *n)
{
	const char *scope = auth_job_scope(who, acting);

	return n->builtin || !scope || (n->owner && strcmp(n->owner, scope) == 0);
}

int networks_check_use(struct networks *nw, const struct identity *who, const char *name,
		       struct joblet_error **err)
{
	struct net_record n;
	int r;

	if (jl_job_network_mode(name) != JOBLET_NETWORK_BRIDGE)
		return 0;
	if (networks_why_not(nw))
		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, 0,
			"--network=%s is not available on this node: %s; use --network=none (or host, admin only)",
			name, networks_why_not(nw));
	r = store_network_get(nw->d->store, name, &n, err);
	if (r < 0)
		return r;
	if (!networks_visible(who, true, &n))
		r = joblet_error_set(
			err, JOBLET_E_NOT_FOUND, 0,
			"there is no network `%s`; `rnx network list` shows the networks you may use",
			name);
	net_record_done(&n);
	return r;
}

/* ------------------------------------------------------------------ a job's address */

/* The spec.json of dir, parsed. */
static int read_spec_json(const char *path, json_object **ret, struct joblet_error **err)
{
	_cleanup_free_ char *text = NULL;
	FILE *f = fopen(path, "re");
	long n = -1;

	if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (text = calloc(1, (size_t)n + 1)) && fread(text, 1, (size_t)n, f) != (size_t)n)
		n = -1;
	if (f)
		fclose(f);
	if (!f || n < 0 || !text)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot read `%s`", path);
	*ret = json_tokener_parse(text);
	if (!*ret || !json_object_is_type(*ret, json_type_object)) {
		json_object_put(*ret);
		return joblet_error_set(err, JOBLET_E_PARSE, 0, "`%s` is not a JSON object", path);
	}
	return 0;
}

/* o as path, written beside and renamed, 0600. */
static int write_spec_json(const char *path, json_object *o, struct joblet_error **err)
{
	char tmp[4400];
	const char *text = json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	_cleanup_close_ int fd = -1;

	snprintf(tmp, sizeof(tmp), "%s.net", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (!text || fd < 0 || fchmod(fd, 0600) < 0 || jl_write_all(fd, text, strlen(text)) < 0 ||
	    close(TAKE_FD(fd)) < 0 || rename(tmp, path) < 0) {
		int r = joblet_error_set(err, JOBLET_E_IO, errno, "cannot write `%s`", path);

		unlink(tmp);
		return r;
	}
	return 0;
}

static json_object *strings_json(char *const *v)
{
	json_object *a = json_object_new_array();

	for (; a && v && *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

/* The job's allow-list: its own when it gave one, else the network's default. */
static json_object *allow_of(json_object *spec, const struct net_record *n)
{
	json_object *v = NULL;

	if (json_object_object_get_ex(spec, "allow", &v) &&
	    json_object_is_type(v, json_type_array) && json_object_array_length(v) > 0)
		return json_object_get(v);
	v = n->allow_json ? json_tokener_parse(n->allow_json) : NULL;
	if (v && json_object_is_type(v, json_type_array))
		return v;
	json_object_put(v);
	return json_object_new_array();
}

/* The "net" object of h16-netspec for a job at address on network n. */
static json_object *net_object(struct networks *nw, json_object *spec, const struct net_record *n,
			       uint32_t net, uint32_t prefix, uint32_t address)
{
	json_object *o = json_object_new_object(), *v = NULL;
	char addr[32], gw[16];
	int64_t max_net = 0;

	jl_ipv4_format(address, addr, sizeof(addr));
	snprintf(addr + strlen(addr), sizeof(addr) - strlen(addr), "/%u", prefix);
	jl_ipv4_format(net + 1, gw, sizeof(gw));
	if (json_object_object_get_ex(spec, "max_net", &v) && json_object_is_type(v, json_type_int))
		max_net = json_object_get_int64(v);
	if (!o)
		return NULL;
	json_object_object_add(o, "network", json_object_new_string(n->name));
	json_object_object_add(o, "bridge", json_object_new_string(n->bridge));
	json_object_object_add(o, "table", json_object_new_string(nw->d->cfg->net_table));
	json_object_object_add(o, "address", json_object_new_string(addr));
	json_object_object_add(o, "gateway", json_object_new_string(gw));
	json_object_object_add(o, "isolated_ports", json_object_new_boolean(n->isolated_ports));
	json_object_object_add(o, "allow", allow_of(spec, n));
	json_object_object_add(o, "dns", strings_json(nw->dns));
	json_object_object_add(o, "max_net_bps", json_object_new_int64(max_net));
	return o;
}

/* Lease an address of n to the job and add "net" to spec. */
static int lease_into(struct networks *nw, json_object *spec, const struct net_record *n,
		      const char *job_id, struct joblet_error **err)
{
	uint32_t net, prefix, address, last;
	json_object *o;
	int r;

	if (jl_ipv4_cidr_parse(n->cidr, &net, &prefix) < 0 || prefix > 30)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"network `%s` has a block `%s` joblet cannot use", n->name,
					n->cidr);
	/* The first address is the gateway's (the bridge), the last the broadcast. */
	last = (net | ~jl_ipv4_mask(prefix)) - 1;
	r = store_lease_take(nw->d->store, n->name, net + 2, last, job_id, &address, err);
	if (r < 0)
		return r;
	o = net_object(nw, spec, n, net, prefix, address);
	if (!o)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	json_object_object_add(spec, "net", o);
	return 0;
}

int networks_job_start(struct networks *nw, const char *dir, const char *job_id,
		       struct joblet_error **err)
{
	char path[4300];
	json_object *spec = NULL, *v = NULL;
	struct net_record n = { 0 };
	const char *name;
	int r;

	snprintf(path, sizeof(path), "%s/spec.json", dir);
	if ((r = read_spec_json(path, &spec, err)) < 0)
		return r;
	name = json_object_object_get_ex(spec, "network", &v) &&
			       json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : NULL;
	if (jl_job_network_mode(name) != JOBLET_NETWORK_BRIDGE) {
		json_object_put(spec);
		return 0;
	}
	if (networks_why_not(nw))
		r = joblet_error_set(err, JOBLET_E_UNSUPPORTED, 0, "%s", networks_why_not(nw));
	else
		r = store_network_get(nw->d->store, name, &n, err);
	if (r == 0)
		r = lease_into(nw, spec, &n, job_id, err);
	if (r == 0 && (r = write_spec_json(path, spec, err)) < 0)
		store_lease_release(nw->d->store, job_id, NULL);
	if (r < 0)
		joblet_error_prefix(err, r, "cannot give the job an address on network `%s`", name);
	net_record_done(&n);
	json_object_put(spec);
	return r;
}

void networks_job_end(struct networks *nw, const char *job_id)
{
	struct joblet_error *e = NULL;

	if (nw && store_lease_release(nw->d->store, job_id, &e) < 0) {
		jl_log(JOBLET_LOG_ERROR, NULL, "job %s: %s", job_id, joblet_error_message(e));
		joblet_error_free(e);
	}
}

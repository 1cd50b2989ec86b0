/*
 * oci/userns.c - the user namespace every container gets: joblet-oci's
 * floor is "no privilege on the host".
 *
 * A bundle without a user namespace gets one here: container ids
 * 0..ids_per_container-1 map to a host range of its own, so its root and
 * the capabilities granted to it count only inside.  The ranges come from
 * oci.uid_range; range k is taken by creating /run/joblet-oci/uids/<k>
 * (O_EXCL) naming the container, and given back by `delete`.  The folder
 * is the same whatever --root a caller uses (containerd, podman and a
 * person each have their own), so two containers never share a range.  A
 * file whose container no longer exists is taken again.
 *
 * A bundle that brings its own mappings keeps them, unless they map host
 * uid or gid 0 (real root), which oci.allow_host_root must allow, as it
 * must a container without a user namespace at all.  Rootless, the
 * caller's own uid and gid are container 0, the only mapping an
 * unprivileged process may write.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "oci/oci.h"

#define OCI_UID_DIR  "/run/joblet-oci/uids"
#define OCI_MAX_MAPS 32

struct oci_map {
	uint32_t container, host, size;
};

struct oci_userns {
	bool enabled;	/* the container has a user namespace */
	bool joined;	/* an existing one, by path (no maps written) */
	char *path;	/* joined: its path */
	long long slot; /* our range's number, or -1 */
	char *slot_tag; /* what the slot file holds: "<root>/<id>" */
	bool rootless;	/* setgroups must be denied before gid_map */
	struct oci_map uid[OCI_MAX_MAPS], gid[OCI_MAX_MAPS];
	size_t n_uid, n_gid;
};

static json_object *find_userns(json_object *config)
{
	json_object *linux_obj, *nss;

	if (!json_object_object_get_ex(config, "linux", &linux_obj) ||
	    !json_object_object_get_ex(linux_obj, "namespaces", &nss) ||
	    !json_object_is_type(nss, json_type_array))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(nss); i++) {
		json_object *ns = json_object_array_get_idx(nss, i), *type;

		if (json_object_object_get_ex(ns, "type", &type) &&
		    strcmp(json_object_get_string(type), "user") == 0)
			return ns;
	}
	return NULL;
}

static int parse_maps(json_object *config, const char *key, struct oci_map *maps, size_t *ret_n,
		      struct joblet_error **err)
{
	json_object *linux_obj, *arr;

	*ret_n = 0;
	if (!json_object_object_get_ex(config, "linux", &linux_obj) ||
	    !json_object_object_get_ex(linux_obj, key, &arr) ||
	    json_object_is_type(arr, json_type_null))
		return 0;
	if (!json_object_is_type(arr, json_type_array))
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"config.json: linux.%s: must be an array", key);
	if (json_object_array_length(arr) > OCI_MAX_MAPS)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"config.json: linux.%s: at most %d mappings", key,
					OCI_MAX_MAPS);
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *m = json_object_array_get_idx(arr, i);
		static const char *const names[] = { "containerID", "hostID", "size" };
		int64_t v[3];

		for (int k = 0; k < 3; k++) {
			json_object *f;

			if (!json_object_object_get_ex(m, names[k], &f) ||
			    !json_object_is_type(f, json_type_int) ||
			    (v[k] = json_object_get_int64(f)) < 0 || v[k] > UINT32_MAX - 1 ||
			    (k == 2 && v[k] == 0))
				return joblet_error_set(
					err, JOBLET_E_INVALID, 0,
					"config.json: linux.%s[%zu].%s: must be a%s whole number below 4294967295",
					key, i, names[k], k == 2 ? " positive" : " non-negative");
		}
		if (v[0] + v[2] > UINT32_MAX || v[1] + v[2] > UINT32_MAX)
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"config.json: linux.%s[%zu]: the range passes 4294967295", key, i);
		maps[i] = (struct oci_map){ (uint32_t)v[0], (uint32_t)v[1], (uint32_t)v[2] };
		*ret_n = i + 1;
	}
	return 0;
}

static bool maps_host_zero(const struct oci_map *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (m[i].host == 0)
			return true;
	return false;
}

/* Take a free range: the first slot file we can create, or one whose container is gone. */
static int take_slot(const struct oci_ctx *ctx, const char *id, struct oci_userns *u,
		     struct joblet_error **err)
{
	_cleanup_close_ int dir = -1, lock = -1;

	u->slot_tag = jl_strdup_printf("%s/%s", ctx->root, id);
	if (!u->slot_tag)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot allocate uids");
	(void)mkdir("/run/joblet-oci", 0700);
	if (mkdir(OCI_UID_DIR, 0700) < 0 && errno != EEXIST)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot make `%s`", OCI_UID_DIR);
	dir = open(OCI_UID_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dir < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot open `%s`", OCI_UID_DIR);
	lock = openat(dir, ".lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock < 0 || flock(lock, LOCK_EX) < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot lock `%s/.lock`",
					OCI_UID_DIR);
	for (uint32_t k = 0; k < ctx->policy.uid_slots; k++) {
		char name[16], held[4096];
		_cleanup_close_ int fd = -1;
		ssize_t n;

		snprintf(name, sizeof(name), "%u", k);
		fd = openat(dir, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0 && errno == EEXIST) {
			/* Taken: by a container that still exists? */
			fd = openat(dir, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
			if (fd < 0)
				continue;
			n = read(fd, held, sizeof(held) - 1);
			if (n <= 0)
				continue;
			held[n] = '\0';
			if (access(held, F_OK) == 0 || errno != ENOENT)
				continue;
			if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0)
				continue;
		}
		if (fd < 0)
			return joblet_error_set(err, JOBLET_E_IO, errno, "cannot take `%s/%s`",
						OCI_UID_DIR, name);
		if (write(fd, u->slot_tag, strlen(u->slot_tag)) != (ssize_t)strlen(u->slot_tag))
			return joblet_error_set(err, JOBLET_E_IO, errno, "cannot write `%s/%s`",
						OCI_UID_DIR, name);
		u->slot = k;
		return 0;
	}
	return joblet_error_set(
		err, JOBLET_E_LIMIT, 0,
		"every one of the %u uid ranges of oci.uid_range is taken by a container: delete stopped containers or widen oci.uid_range",
		ctx->policy.uid_slots);
}

static int own_range(const struct oci_ctx *ctx, const char *id, struct oci_userns *u,
		     struct joblet_error **err)
{
	if (ctx->rootless) {
		u->rootless = true;
		u->uid[0] = (struct oci_map){ 0, (uint32_t)geteuid(), 1 };
		u->gid[0] = (struct oci_map){ 0, (uint32_t)getegid(), 1 };
		u->n_uid = u->n_gid = 1;
		return 0;
	}
	if (take_slot(ctx, id, u, err) < 0)
		return -JOBLET_E_IO;
	uint32_t base = ctx->policy.uid_base + (uint32_t)u->slot * ctx->policy.uid_count;

	u->uid[0] = (struct oci_map){ 0, base, ctx->policy.uid_count };
	u->gid[0] = u->uid[0];
	u->n_uid = u->n_gid = 1;
	return 0;
}

static int joined(const struct oci_ctx *ctx, json_object *path, struct oci_userns *u,
		  struct joblet_error **err)
{
	struct stat theirs, host;

	u->path = strdup(json_object_get_string(path));
	if (!u->path)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read config.json");
	if (stat(u->path, &theirs) < 0)
		return joblet_error_set(
			err, JOBLET_E_INVALID, errno,
			"config.json: linux.namespaces: the user namespace `%s` cannot be opened",
			u->path);
	if (!ctx->policy.allow_host_namespaces && stat("/proc/1/ns/user", &host) == 0 &&
	    host.st_ino == theirs.st_ino && host.st_dev == theirs.st_dev)
		return joblet_error_set(
			err, JOBLET_E_PERMISSION, 0,
			"config.json: linux.namespaces: `%s` is the host's user namespace, beyond joblet's floor; an operator may allow it with oci.allow_host_namespaces",
			u->path);
	u->joined = true;
	return 0;
}

static int checked_maps(const struct oci_ctx *ctx, json_object *config, struct oci_userns *u,
			struct joblet_error **err)
{
	if (parse_maps(config, "uidMappings", u->uid, &u->n_uid, err) < 0 ||
	    parse_maps(config, "gidMappings", u->gid, &u->n_gid, err) < 0)
		return -JOBLET_E_INVALID;
	if ((u->n_uid == 0) != (u->n_gid == 0))
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"config.json: linux.uidMappings and linux.gidMappings: give both or neither");
	if (u->n_uid && !ctx->policy.allow_host_root &&
	    (maps_host_zero(u->uid, u->n_uid) || maps_host_zero(u->gid, u->n_gid)))
		return joblet_error_set(
			err, JOBLET_E_PERMISSION, 0,
			"config.json: linux.uidMappings/gidMappings map the host's uid or gid 0 (real root) into the container, beyond joblet's floor; map an unprivileged range, leave the mappings out (joblet-oci then gives the container a range of its own), or let an operator set oci.allow_host_root");
	if (u->n_uid && ctx->rootless &&
	    (u->n_uid != 1 || u->n_gid != 1 || u->uid[0].host != geteuid() || u->uid[0].size != 1 ||
	     u->gid[0].host != getegid() || u->gid[0].size != 1))
		return joblet_error_set(
			err, JOBLET_E_PERMISSION, 0,
			"config.json: linux.uidMappings/gidMappings: rootless, only your own uid %u and gid %u can be mapped (size 1); leave the mappings out to get exactly that",
			(unsigned)geteuid(), (unsigned)getegid());
	u->rootless = ctx->rootless;
	return 0;
}

int oci_userns_parse(const struct oci_ctx *ctx, const char *id, json_object *config,
		     struct oci_userns **ret, struct joblet_error **err)
{
	struct oci_userns *u = calloc(1, sizeof(*u));
	json_object *ns = find_userns(config), *path;
	int r = 0;

	if (!u)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read config.json");
	u->slot = -1;
	u->enabled = true;
	if (ns && json_object_object_get_ex(ns, "path", &path) &&
	    json_object_get_string_len(path) > 0)
		r = joined(ctx, path, u, err);
	else if (ns) {
		r = checked_maps(ctx, config, u, err);
		if (r == 0 && u->n_uid == 0)
			r = own_range(ctx, id, u, err);
	} else if (ctx->policy.allow_host_root && !ctx->rootless)
		u->enabled = false; /* the operator's choice: the host's user namespace */
	else
		r = own_range(ctx, id, u, err);
	if (r < 0) {
		oci_userns_release(u);
		oci_userns_free(u);
		return r;
	}
	*ret = u;
	return 0;
}

bool oci_userns_enabled(const struct oci_userns *u)
{
	return u && u->enabled;
}

bool oci_userns_joined(const struct oci_userns *u, const char **ret_path)
{
	if (u && u->joined && ret_path)
		*ret_path = u->path;
	return u && u->joined;
}

static long long map_one(const struct oci_map *m, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (id >= m[i].container && id - m[i].container < m[i].size)
			return (long long)m[i].host + (id - m[i].container);
	return -1;
}

long long oci_userns_host_uid(const struct oci_userns *u, uint32_t uid)
{
	if (!u || !u->enabled)
		return uid;
	return u->joined ? -1 : map_one(u->uid, u->n_uid, uid);
}

long long oci_userns_host_gid(const struct oci_userns *u, uint32_t gid)
{
	if (!u || !u->enabled)
		return gid;
	return u->joined ? -1 : map_one(u->gid, u->n_gid, gid);
}

static int write_map(pid_t pid, const char *file, const struct oci_map *m, size_t n,
		     struct joblet_error **err)
{
	char path[64], text[OCI_MAX_MAPS * 36 + 1];
	size_t len = 0;
	_cleanup_close_ int fd = -1;

	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%u %u %u\n",
					m[i].container, m[i].host, m[i].size);
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					"cannot write the container's %s", file);
	return 0;
}

int oci_userns_write_maps(const struct oci_userns *u, pid_t pid, struct joblet_error **err)
{
	if (!u || !u->enabled || u->joined)
		return 0;
	if (write_map(pid, "uid_map", u->uid, u->n_uid, err) < 0)
		return -JOBLET_E_SYSTEM;
	if (u->rootless) {
		char path[64];
		_cleanup_close_ int fd = -1;

		/* An unprivileged process may map its gid only once setgroups is denied. */
		snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "deny", 4) != 4)
			return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
						"cannot deny setgroups in the container");
	}
	return write_map(pid, "gid_map", u->gid, u->n_gid, err);
}

static json_object *maps_json(const struct oci_map *m, size_t n)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; a && i < n; i++) {
		json_object *e = json_object_new_array();

		json_object_array_add(e, json_object_new_int64(m[i].container));
		json_object_array_add(e, json_object_new_int64(m[i].host));
		json_object_array_add(e, json_object_new_int64(m[i].size));
		json_object_array_add(a, e);
	}
	return a;
}

int oci_userns_to_json(const struct oci_userns *u, json_object **ret, struct joblet_error **err)
{
	json_object *o = json_object_new_object();

	if (!o)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot save the user namespace");
	json_object_object_add(o, "enabled", json_object_new_boolean(u->enabled));
	json_object_object_add(o, "joined", json_object_new_boolean(u->joined));
	if (u->path)
		json_object_object_add(o, "path", json_object_new_string(u->path));
	json_object_object_add(o, "slot", json_object_new_int64(u->slot));
	if (u->slot_tag)
		json_object_object_add(o, "slot_tag", json_object_new_string(u->slot_tag));
	json_object_object_add(o, "rootless", json_object_new_boolean(u->rootless));
	json_object_object_add(o, "uid", maps_json(u->uid, u->n_uid));
	json_object_object_add(o, "gid", maps_json(u->gid, u->n_gid));
	*ret = o;
	return 0;
}

static void maps_from_json(json_object *a, struct oci_map *m, size_t *ret_n)
{
	*ret_n = 0;
	for (size_t i = 0; a && i < json_object_array_length(a) && i < OCI_MAX_MAPS; i++) {
		json_object *e = json_object_array_get_idx(a, i);

		m[i].container = (uint32_t)json_object_get_int64(json_object_array_get_idx(e, 0));
		m[i].host = (uint32_t)json_object_get_int64(json_object_array_get_idx(e, 1));
		m[i].size = (uint32_t)json_object_get_int64(json_object_array_get_idx(e, 2));
		*ret_n = i + 1;
	}
}

int oci_userns_from_json(const struct oci_ctx *ctx, json_object *o, struct oci_userns **ret,
			 struct joblet_error **err)
{
	struct oci_userns *u = calloc(1, sizeof(*u));
	json_object *v;

	(void)ctx;
	if (!u)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot load the user namespace");
	u->slot = -1;
	if (json_object_object_get_ex(o, "enabled", &v))
		u->enabled = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "joined", &v))
		u->joined = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "rootless", &v))
		u->rootless = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "slot", &v))
		u->slot = json_object_get_int64(v);
	if (json_object_object_get_ex(o, "path", &v))
		u->path = strdup(json_object_get_string(v));
	if (json_object_object_get_ex(o, "slot_tag", &v))
		u->slot_tag = strdup(json_object_get_string(v));
	if (json_object_object_get_ex(o, "uid", &v))
		maps_from_json(v, u->uid, &u->n_uid);
	if (json_object_object_get_ex(o, "gid", &v))
		maps_from_json(v, u->gid, &u->n_gid);
	*ret = u;
	return 0;
}

void oci_userns_release(struct oci_userns *u)
{
	char name[64], held[4096];
	_cleanup_close_ int fd = -1;
	ssize_t n;

	if (!u || u->slot < 0 || !u->slot_tag)
		return;
	snprintf(name, sizeof(name), OCI_UID_DIR "/%lld", u->slot);
	fd = open(name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	n = read(fd, held, sizeof(held) - 1);
	/* Only our own: a stale slot may have been taken again by another container. */
	if (n > 0 && (held[n] = '\0', strcmp(held, u->slot_tag) == 0))
		unlink(name);
	u->slot = -1;
}

void oci_userns_free(struct oci_userns *u)
{
	if (!u)
		return;
	free(u->path);
	free(u->slot_tag);
	free(u);
}

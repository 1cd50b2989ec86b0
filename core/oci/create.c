/*
 * oci/create.c - create, start and run: a container's first process.
 *
 * create (this process, host root, in the host's namespaces):
 *   parse config.json (every module checks its part before anything is
 *   made), make <root>/<id>, the cgroup, exec.fifo; then fork "stage 1".
 * stage 1: joins the namespaces config.json names by path (while still
 *   host root), makes the user namespace (we write its maps), becomes its
 *   root, makes the other namespaces and forks the init, whose host pid it
 *   tells us; then it exits, so the init is left to whoever called create
 *   (containerd's shim and conmon are subreapers; `run` makes itself one).
 * init (pid 1 of the new pid namespace): waits for our go, builds the
 *   root, the console, the process's credentials; says "ready"; then
 *   (oci_process_exec) loads the floor's and the bundle's filters, blocks
 *   on exec.fifo until `start` reads it, and execs the process.
 * Every message between us is one SOCK_SEQPACKET datagram on a socket
 * pair; anything failing in stage 1 or the init comes back as an error
 * message, and create removes what it made.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/timefmt.h"
#include "base/util.h"
#include "oci/oci.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

struct ns_join {
	int flag;
	char *path;
	int fd;
};

struct oci_create {
	struct oci_ctx *ctx;
	const char *id;
	const char *pid_file;
	const char *console_socket;
	int preserve_fds;
	bool detach;
	bool no_subreaper;
	json_object *config; /* owned */
	char *bundle;	     /* absolute, owned */
	struct oci_state *st;
	struct oci_userns *userns; /* moved into st on success */
	struct oci_cgroup *cgroup; /* moved into st on success */
	struct oci_rootfs *rootfs;
	struct oci_process *process;
	struct oci_seccomp *seccomp;
	struct oci_floor *floor;
	int new_flags; /* CLONE_NEW* stage 1 makes, but the user namespace */
	struct ns_join joins[8];
	size_t n_joins;
	int console_fd;
	int fifo_fd; /* O_PATH of exec.fifo, for the init */
	int sync[2];
	pid_t stage1, init;
	bool cgroup_made;
	int pty_peer; /* run's own terminal: where the init sends the master, or -1 */
};

static const struct {
	const char *type;
	int flag;
	const char *proc;
} ns_types[] = {
	{ "pid", CLONE_NEWPID, "pid" },		 { "network", CLONE_NEWNET, "net" },
	{ "mount", CLONE_NEWNS, "mnt" },	 { "ipc", CLONE_NEWIPC, "ipc" },
	{ "uts", CLONE_NEWUTS, "uts" },		 { "user", CLONE_NEWUSER, "user" },
	{ "cgroup", CLONE_NEWCGROUP, "cgroup" }, { "time", CLONE_NEWTIME, "time" },
};

/* --- messages ----------------------------------------------------- */

int oci_sync_send(int fd, char type, const char *text)
{
	char buf[4096];
	size_t n = 1;

	buf[0] = type;
	if (text) {
		n += strlen(text) > sizeof(buf) - 2 ? sizeof(buf) - 2 : strlen(text);
		memcpy(buf + 1, text, n - 1);
	}
	return send(fd, buf, n, MSG_NOSIGNAL) == (ssize_t)n ? 0 : -1;
}

/* One message; 0 with type '\0' at EOF. */
int oci_sync_recv(int fd, char *ret_type, char *text, size_t size)
{
	char buf[4096];
	ssize_t n;

	do
		n = recv(fd, buf, sizeof(buf) - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	*ret_type = n > 0 ? buf[0] : '\0';
	buf[n > 0 ? n : 0] = '\0';
	snprintf(text, size, "%s", n > 1 ? buf + 1 : "");
	return 0;
}

_Noreturn void oci_sync_fail(int fd, const char *what, struct joblet_error *e)
{
	char msg[4096];

	snprintf(msg, sizeof(msg), "%s%s%s", what, e ? ": " : "", e ? joblet_error_message(e) : "");
	oci_sync_send(fd, OCI_MSG_ERROR, msg);
	_exit(1);
}

/* --- parsing -------------------------------------------------------- */

static int host_ns_same(const char *proc, const char *path)
{
	char host[64];
	struct stat a, b;

	snprintf(host, sizeof(host), "/proc/1/ns/%s", proc);
	if (stat(host, &a) < 0 || stat(path, &b) < 0)
		return 0;
	return a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

static int parse_one_ns(struct oci_create *c, json_object *ns, size_t i, int *seen,
			struct joblet_error **err)
{
	json_object *type, *path;
	size_t k;

	if (!json_object_object_get_ex(ns, "type", &type) ||
	    !json_object_is_type(type, json_type_string))
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"config.json: linux.namespaces[%zu].type: must be a string",
					i);
	for (k = 0; k < sizeof(ns_types) / sizeof(ns_types[0]); k++)
		if (strcmp(ns_types[k].type, json_object_get_string(type)) == 0)
			break;
	if (k == sizeof(ns_types) / sizeof(ns_types[0]))
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"config.json: linux.namespaces[%zu].type: `%s` is not a namespace type (pid, network, mount, ipc, uts, user, cgroup, time)",
			i, json_object_get_string(type));
	if (*seen & ns_types[k].flag)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"config.json: linux.namespaces: `%s` is listed twice",
					ns_types[k].type);
	*seen |= ns_types[k].flag;
	if (ns_types[k].flag == CLONE_NEWUSER)
		return 0; /* userns.c */
	if (ns_types[k].flag == CLONE_NEWTIME)
		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, 0,
			"config.json: linux.namespaces[%zu]: time namespaces are not supported by joblet-oci",
			i);
	if (!json_object_object_get_ex(ns, "path", &path) ||
	    json_object_get_string_len(path) == 0) {
		c->new_flags |= ns_types[k].flag;
		return 0;
	}
	if (ns_types[k].flag == CLONE_NEWNS)
		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, 0,
			"config.json: linux.namespaces[%zu]: joining a mount namespace is not supported: each container gets its own",
			i);
	if (!c->ctx->policy.allow_host_namespaces &&
	    host_ns_same(ns_types[k].proc, json_object_get_string(path)))
		return joblet_error_set(
			err, JOBLET_E_PERMISSION, 0,
			"config.json: linux.namespaces[%zu]: `%s` is the host's %s namespace, beyond joblet's floor; an operator may allow it with oci.allow_host_namespaces",
			i, json_object_get_string(path), ns_types[k].type);
	c->joins[c->n_joins].flag = ns_types[k].flag;
	c->joins[c->n_joins].fd = -1;
	c->joins[c->n_joins].path = strdup(json_object_get_string(path));
	if (!c->joins[c->n_joins].path)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read config.json");
	c->n_joins++;
	return 0;
}

static int parse_namespaces(struct oci_create *c, struct joblet_error **err)
{
	static const int needed[] = { CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWIPC,
				      CLONE_NEWUTS };
	json_object *linux_obj = NULL, *nss = NULL;
	int seen = 0, r;

	if (json_object_object_get_ex(c->config, "linux", &linux_obj))
		json_object_object_get_ex(linux_obj, "namespaces", &nss);
	if (nss && !json_object_is_type(nss, json_type_array))
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"config.json: linux.namespaces: must be an array");
	for (size_t i = 0; nss && i < json_object_array_length(nss); i++) {
		r = parse_one_ns(c, json_object_array_get_idx(nss, i), i, &seen, err);
		if (r < 0)
			return r;
	}
	/* A namespace left out is the host's: only an operator may allow that. */
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		const char *name = "";

		if (seen & needed[i])
			continue;
		if (needed[i] == CLONE_NEWNS) {
			c->new_flags |= CLONE_NEWNS; /* always: the root is built in it */
			continue;
		}
		/*
		 * Rootless, the namespace left out is the caller's own, in which the
		 * container's user namespace gives it nothing the caller lacks
		 * (`runc spec --rootless` leaves the network out, as Slurm users do).
		 */
		if (c->ctx->policy.allow_host_namespaces || c->ctx->rootless)
			continue;
		for (size_t k = 0; k < sizeof(ns_types) / sizeof(ns_types[0]); k++)
			if (ns_types[k].flag == needed[i])
				name = ns_types[k].type;
		return joblet_error_set(
			err, JOBLET_E_PERMISSION, 0,
			"config.json: linux.namespaces has no `%s` namespace, so the container would share the host's, beyond joblet's floor; add {\"type\": \"%s\"} or let an operator set oci.allow_host_namespaces",
			name, name);
	}
	/* The cgroup namespace: always, so the container sees its own cgroup as the root. */
	if (!(seen & CLONE_NEWCGROUP))
		c->new_flags |= CLONE_NEWCGROUP;
	return 0;
}

static int check_hooks(struct oci_create *c, struct joblet_error **err)
{
	json_object *hooks;

	if (!json_object_object_get_ex(c->config, "hooks", &hooks) || !hooks)
		return 0;
	json_object_object_foreach(hooks, which, list)
	{
		if (!list || json_object_array_length(list) == 0)
			continue;
		if (!c->ctx->policy.allow_hooks)
			return joblet_error_set(
				err, JOBLET_E_PERMISSION, 0,
				"config.json: hooks.%s: hooks run programs on the host as root, beyond joblet's floor; an operator may allow them with oci.allow_hooks",
				which);
		if (strcmp(which, "prestart") != 0 && strcmp(which, "createRuntime") != 0 &&
		    strcmp(which, "poststart") != 0 && strcmp(which, "poststop") != 0)
			return joblet_error_set(
				err, JOBLET_E_UNSUPPORTED, 0,
				"config.json: hooks.%s: not supported by joblet-oci (prestart, createRuntime, poststart and poststop are)",
				which);
	}
	return 0;
}

static int read_config(struct oci_create *c, const char *bundle, struct joblet_error **err)
{
	_cleanup_free_ char *path = NULL;
	char real[PATH_MAX];
	json_object *v;

	if (!realpath(bundle, real))
		return joblet_error_set(err, JOBLET_E_NOT_FOUND, errno,
					"cannot open the bundle `%s`", bundle);
	c->bundle = strdup(real);
	path = jl_strdup_printf("%s/config.json", real);
	if (!c->bundle || !path)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read the bundle");
	c->config = json_object_from_file(path);
	if (!c->config)
		return joblet_error_set(err, JOBLET_E_PARSE, errno, "cannot read `%s`: %s", path,
					json_util_get_last_err());
	if (!json_object_is_type(c->config, json_type_object))
		return joblet_error_set(err, JOBLET_E_PARSE, 0, "`%s` is not a JSON object", path);
	if (!json_object_object_get_ex(c->config, "ociVersion", &v) ||
	    !json_object_is_type(v, json_type_string))
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"config.json: ociVersion: must be a string such as \"1.0.2\"");
	if (!json_object_object_get_ex(c->config, "process", &v) ||
	    !json_object_is_type(v, json_type_object))
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"config.json: process: a container needs a process to run");
	return 0;
}

static int parse_all(struct oci_create *c, struct joblet_error **err)
{
	json_object *process, *linux_obj = NULL, *seccomp = NULL;
	int r;

	json_object_object_get_ex(c->config, "process", &process);
	if (json_object_object_get_ex(c->config, "linux", &linux_obj))
		json_object_object_get_ex(linux_obj, "seccomp", &seccomp);
	r = parse_namespaces(c, err);
	if (r == 0)
		r = check_hooks(c, err);
	if (r == 0)
		r = oci_process_parse(c->ctx, process, &c->process, err);
	if (r == 0)
		r = oci_rootfs_parse(c->ctx, c->bundle, c->config, &c->rootfs, err);
	/* The container's root may not reach the bundle (containerd's are 0700): open it here. */
	if (r == 0)
		r = oci_rootfs_open_sources(c->rootfs, err);
	if (r == 0)
		r = oci_cgroup_parse(c->ctx, c->id, linux_obj, &c->cgroup, err);
	if (r == 0)
		r = oci_seccomp_parse(seccomp, &c->seccomp, err);
	if (r == 0 && oci_seccomp_unknown_count(c->seccomp) > 0)
		oci_log(c->ctx, "debug",
			"linux.seccomp: %zu system call names unknown to this kernel or libseccomp were left out",
			oci_seccomp_unknown_count(c->seccomp));
	if (r == 0 && oci_process_terminal(c->process) && !c->console_socket && c->detach)
		r = joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"process.terminal is true: give --console-socket to receive the terminal, or set it to false");
	return r;
}

/* --- stage 1 and the init ------------------------------------------- */

void oci_fds_for_exec(int preserve_fds)
{
	for (int i = 3; i < 3 + preserve_fds; i++)
		fcntl(i, F_SETFD, 0);
	if (syscall(SYS_close_range, 3 + preserve_fds, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */) < 0)
		for (int i = 3 + preserve_fds; i < 65536; i++)
			fcntl(i, F_SETFD, FD_CLOEXEC);
}

static _Noreturn void run_init(struct oci_create *c)
{
	_cleanup_error_ struct joblet_error *e = NULL;
	char type, text[64];
	unsigned rows, cols;
	int fd = c->sync[1];

	if (oci_sync_recv(fd, &type, text, sizeof(text)) < 0 || type != OCI_MSG_GO)
		_exit(1);
	if (oci_rootfs_setup(c->rootfs, &e) < 0)
		oci_sync_fail(fd, "building the container's root", e);
	if (c->console_fd >= 0) {
		oci_process_console_size(c->process, &rows, &cols);
		if (oci_console_setup(c->console_fd, rows, cols, &e) < 0)
			oci_sync_fail(fd, "setting up the terminal", e);
	}
	if (oci_process_apply(c->process, &e) < 0)
		oci_sync_fail(fd, "setting up the process", e);
	oci_fds_for_exec(c->preserve_fds);
	oci_sync_send(fd, OCI_MSG_READY, NULL);
	close(fd);
	oci_process_exec(c->process, c->floor, c->seccomp, c->fifo_fd, &e);
	/* Whoever called `start` is gone by now: say it where the container's output goes. */
	fprintf(stderr, "joblet-oci: %s\n", e ? joblet_error_message(e) : "cannot exec");
	_exit(127);
}

static int become_root(bool rootless)
{
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return -1;
	if (!rootless && setgroups(0, NULL) < 0)
		return -1;
	return 0;
}

static _Noreturn void run_stage1(struct oci_create *c)
{
	int fd = c->sync[1];
	const char *userns_path = NULL;
	char type, text[64], pid_text[32];
	pid_t init;

	/* The container's lock is create's: held by us, it would keep `start` out until exec. */
	close(c->st->lock_fd);
	close(c->st->dir_fd);
	c->st->lock_fd = c->st->dir_fd = -1;
	if (oci_sync_recv(fd, &type, text, sizeof(text)) < 0 || type != OCI_MSG_GO)
		_exit(1);
	{
		_cleanup_error_ struct joblet_error *e = NULL;

		if (oci_process_apply_rlimits(c->process, &e) < 0)
			oci_sync_fail(fd, "setting up the process", e);
	}
	/* Open every namespace first: their paths are the host's. */
	for (size_t i = 0; i < c->n_joins; i++) {
		c->joins[i].fd = open(c->joins[i].path, O_RDONLY | O_CLOEXEC);
		if (c->joins[i].fd < 0)
			oci_sync_fail(fd, "cannot open a namespace of linux.namespaces", NULL);
	}
	if (oci_userns_joined(c->userns, &userns_path)) {
		_cleanup_close_ int ufd = open(userns_path, O_RDONLY | O_CLOEXEC);

		if (ufd < 0 || setns(ufd, CLONE_NEWUSER) < 0 || become_root(false) < 0)
			oci_sync_fail(fd, "cannot join the user namespace of linux.namespaces",
				      NULL);
	}
	/* Joined before our own user namespace exists: joining needs the host's root. */
	for (size_t i = 0; i < c->n_joins; i++)
		if (setns(c->joins[i].fd, c->joins[i].flag) < 0) {
			snprintf(text, sizeof(text), "cannot join `%.40s`", c->joins[i].path);
			oci_sync_fail(fd, text, NULL);
		}
	if (oci_userns_enabled(c->userns) && !oci_userns_joined(c->userns, NULL)) {
		if (unshare(CLONE_NEWUSER) < 0)
			oci_sync_fail(fd, "cannot make the user namespace", NULL);
		if (oci_sync_send(fd, OCI_MSG_MAPS, NULL) < 0 ||
		    oci_sync_recv(fd, &type, text, sizeof(text)) < 0 || type != OCI_MSG_OK)
			_exit(1);
		if (become_root(c->ctx->rootless) < 0)
			oci_sync_fail(fd, "cannot become the container's root", NULL);
	}
	if (unshare(c->new_flags) < 0)
		oci_sync_fail(fd, "cannot make the container's namespaces", NULL);
	init = fork();
	if (init < 0)
		oci_sync_fail(fd, "cannot fork the container's process", NULL);
	if (init == 0)
		run_init(c);
	snprintf(pid_text, sizeof(pid_text), "%d", (int)init);
	oci_sync_send(fd, OCI_MSG_PID, pid_text);
	_exit(0);
}

/* --- the caller's side ---------------------------------------------- */

static int make_fifo(struct oci_create *c, struct joblet_error **err)
{
	long long uid = oci_userns_host_uid(c->userns, 0), gid = oci_userns_host_gid(c->userns, 0);

	/*
	 * The init opens it through /proc/self/fd after taking the process's
	 * uid, whatever that is: anyone may write it (0622), but only through
	 * that descriptor, as the folders above it are closed (0711, 0700).
	 */
	if (mkfifoat(c->st->dir_fd, "exec.fifo", 0622) < 0 ||
	    fchmodat(c->st->dir_fd, "exec.fifo", 0622, 0) < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot make exec.fifo");
	if (uid >= 0 && gid >= 0 &&
	    fchownat(c->st->dir_fd, "exec.fifo", (uid_t)uid, (gid_t)gid, AT_SYMLINK_NOFOLLOW) < 0 &&
	    !c->ctx->rootless)
		return joblet_error_set(err, JOBLET_E_IO, errno,
					"cannot hand exec.fifo to the container");
	c->fifo_fd = openat(c->st->dir_fd, "exec.fifo", O_PATH | O_CLOEXEC);
	if (c->fifo_fd < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot open exec.fifo");
	return 0;
}

static int write_pid_file(const char *path, pid_t pid, struct joblet_error **err)
{
	_cleanup_free_ char *tmp = jl_strdup_printf("%s.joblet-oci-%d", path, (int)getpid());
	_cleanup_close_ int fd = -1;
	char text[32];
	int n = snprintf(text, sizeof(text), "%d", (int)pid);

	if (!tmp)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot write --pid-file");
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, (size_t)n) != n || rename(tmp, path) < 0) {
		int e = errno;

		unlink(tmp);
		return joblet_error_set(err, JOBLET_E_IO, e, "cannot write --pid-file `%s`", path);
	}
	return 0;
}

/* The conversation with stage 1 and the init, until "ready" or an error. */
static int talk(struct oci_create *c, struct joblet_error **err)
{
	char type, text[4096];
	int fd = c->sync[0], status;

	for (;;) {
		if (oci_sync_recv(fd, &type, text, sizeof(text)) < 0)
			return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
						"cannot hear from the container's process");
		switch (type) {
		case OCI_MSG_MAPS:
			if (oci_userns_write_maps(c->userns, c->stage1, err) < 0)
				return -JOBLET_E_SYSTEM;
			oci_sync_send(fd, OCI_MSG_OK, NULL);
			break;
		case OCI_MSG_PID:
			c->init = (pid_t)strtol(text, NULL, 10);
			waitpid(c->stage1, &status, 0);
			c->stage1 = 0;
			if (c->init <= 0)
				return joblet_error_set(err, JOBLET_E_INTERNAL, 0,
							"stage 1 sent no pid");
			c->st->pid = c->init;
			if (oci_hooks_run(c->ctx, c->st, "createRuntime", err) < 0 ||
			    oci_hooks_run(c->ctx, c->st, "prestart", err) < 0)
				return -JOBLET_E_PLUGIN;
			oci_sync_send(fd, OCI_MSG_GO, NULL);
			break;
		case OCI_MSG_READY:
			return 0;
		case OCI_MSG_ERROR:
			return joblet_error_set(err, JOBLET_E_SYSTEM, 0, "%s", text);
		default:
			return joblet_error_set(
				err, JOBLET_E_SYSTEM, 0,
				"the container's process ended before it was ready");
		}
	}
}

static void undo(struct oci_create *c)
{
	int status;

	if (c->init > 0)
		kill(c->init, SIGKILL);
	if (c->stage1 > 0) {
		kill(c->stage1, SIGKILL);
		waitpid(c->stage1, &status, 0);
	}
	if (c->init > 0) {
		/* Our child only under `run` (a subreaper); else wait for it to go. */
		for (int i = 0; i < 200 && kill(c->init, 0) == 0; i++) {
			if (waitpid(c->init, &status, WNOHANG) == c->init)
				break;
			usleep(10000);
		}
	}
	if (c->cgroup_made)
		oci_cgroup_destroy(c->cgroup, NULL);
	oci_userns_release(c->userns);
	if (c->st)
		oci_state_remove(c->ctx, c->st, NULL);
}

static int spawn(struct oci_create *c, struct joblet_error **err)
{
	int r;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, c->sync) < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot make a socket pair");
	c->stage1 = fork();
	if (c->stage1 < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot fork");
	if (c->stage1 == 0) {
		close(c->sync[0]);
		run_stage1(c);
	}
	close(c->sync[1]);
	c->sync[1] = -1;
	r = oci_cgroup_add(c->cgroup, c->stage1, err);
	if (r < 0)
		return r;
	oci_sync_send(c->sync[0], OCI_MSG_GO, NULL);
	return talk(c, err);
}

static int finish_state(struct oci_create *c, struct joblet_error **err)
{
	struct timespec ts;
	char when[64];
	json_object *v;

	if (oci_pid_start(c->init, &c->st->pid_start) < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, ESRCH,
					"the container's process ended at once");
	clock_gettime(CLOCK_REALTIME, &ts);
	jl_time_format_rfc3339((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec, when, sizeof(when));
	c->st->pid = c->init;
	c->st->created = strdup(when);
	c->st->bundle = strdup(c->bundle);
	c->st->config = json_object_get(c->config);
	if (json_object_object_get_ex(c->config, "annotations", &v))
		c->st->annotations = json_object_get(v);
	if (!c->st->created || !c->st->bundle)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot save the container");
	return oci_state_save(c->st, err);
}

/* Every step of create; on failure everything made is removed. */
static int do_create(struct oci_create *c, const char *bundle, struct joblet_error **err)
{
	int r;

	r = read_config(c, bundle, err);
	if (r == 0)
		r = parse_all(c, err);
	/*
	 * run in the foreground, a terminal and no --console-socket: one end of
	 * a socket pair stands in for the console socket, run keeps the other.
	 */
	if (r == 0 && !c->detach && !c->console_socket && oci_process_terminal(c->process)) {
		int pair[2];

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
			return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
						"cannot make a socket pair for the terminal");
		c->pty_peer = pair[0];
		c->console_fd = pair[1];
	}
	if (r < 0)
		return r;
	r = oci_state_new(c->ctx, c->id, &c->st, err);
	if (r < 0)
		return r;
	r = oci_userns_parse(c->ctx, c->id, c->config, &c->userns, err);
	if (r == 0)
		r = oci_floor_prepare(c->ctx, &c->floor, err);
	if (r == 0 && c->console_socket)
		r = oci_console_connect(c->console_socket, &c->console_fd, err);
	if (r == 0) {
		/* state.json early: a concurrent `state` sees "creating", and `delete` finds the
		 * cgroup */
		c->st->cgroup = c->cgroup;
		c->st->userns = c->userns;
		r = oci_state_save(c->st, err);
		c->st->cgroup = NULL;
		c->st->userns = NULL;
	}
	if (r == 0)
		r = oci_cgroup_create(c->cgroup, err);
	if (r == 0) {
		json_object *cgj = NULL;

		/* Now what was made is recorded: a `delete` after a crash of ours removes it. */
		c->cgroup_made = true;
		if (oci_cgroup_to_json(c->cgroup, &cgj, err) < 0 ||
		    oci_rootfs_set_cgroups(c->rootfs, cgj, err) < 0)
			r = -JOBLET_E_NOMEM;
		json_object_put(cgj);
		c->st->cgroup = c->cgroup;
		c->st->userns = c->userns;
		if (r == 0)
			r = oci_state_save(c->st, err);
		c->st->cgroup = NULL;
		c->st->userns = NULL;
	}
	if (r == 0)
		r = make_fifo(c, err);
	if (r == 0)
		r = spawn(c, err);
	if (r == 0) {
		c->st->cgroup = c->cgroup;
		c->st->userns = c->userns;
		r = finish_state(c, err);
		if (r < 0) {
			c->st->cgroup = NULL;
			c->st->userns = NULL;
		}
	}
	if (r == 0 && c->pid_file)
		r = write_pid_file(c->pid_file, c->init, err);
	if (r < 0) {
		undo(c);
		return r;
	}
	c->cgroup = NULL; /* st owns them now */
	c->userns = NULL;
	return 0;
}

static void create_clear(struct oci_create *c)
{
	for (size_t i = 0; i < c->n_joins; i++)
		free(c->joins[i].path);
	json_object_put(c->config);
	free(c->bundle);
	oci_state_free(c->st);
	oci_userns_free(c->userns);
	oci_cgroup_free(c->cgroup);
	oci_rootfs_free(c->rootfs);
	oci_process_free(c->process);
	oci_seccomp_free(c->seccomp);
	oci_floor_free(c->floor);
	if (c->console_fd >= 0)
		close(c->console_fd);
	if (c->pty_peer >= 0)
		close(c->pty_peer);
	if (c->fifo_fd >= 0)
		close(c->fifo_fd);
	if (c->sync[0] >= 0)
		close(c->sync[0]);
	if (c->sync[1] >= 0)
		close(c->sync[1]);
}

/* --- commands -------------------------------------------------------- */

enum {
	OPT_BUNDLE = 'b',
	OPT_PID_FILE = 1000,
	OPT_CONSOLE_SOCKET,
	OPT_NO_PIVOT,
	OPT_NO_NEW_KEYRING,
	OPT_PRESERVE_FDS,
	OPT_NO_SUBREAPER,
	OPT_KEEP,
	OPT_DETACH = 'd',
};

static int parse_count(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	return errno || end == s || *end || v < 0 || v > 1000000 ? -1 : (int)v;
}

static int parse_create_args(struct oci_ctx *ctx, int argc, char **argv, bool is_run,
			     struct oci_create *c, const char **ret_bundle)
{
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, OPT_BUNDLE },
		{ "pid-file", required_argument, NULL, OPT_PID_FILE },
		{ "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
		{ "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
		{ "no-new-keyring", no_argument, NULL, OPT_NO_NEW_KEYRING },
		{ "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
		{ "no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER },
		{ "keep", no_argument, NULL, OPT_KEEP },
		{ "detach", no_argument, NULL, OPT_DETACH },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	*ret_bundle = ".";
	while ((o = getopt_long(argc, argv, is_run ? "b:d" : "b:", opts, NULL)) != -1) {
		switch (o) {
		case OPT_BUNDLE:
			*ret_bundle = optarg;
			break;
		case OPT_PID_FILE:
			c->pid_file = optarg;
			break;
		case OPT_CONSOLE_SOCKET:
			c->console_socket = optarg;
			break;
		case OPT_PRESERVE_FDS:
			c->preserve_fds = parse_count(optarg);
			if (c->preserve_fds < 0) {
				oci_log(ctx, "error",
					"--preserve-fds takes a number of descriptors, not `%s`",
					optarg);
				return -1;
			}
			break;
		case OPT_NO_SUBREAPER:
			c->no_subreaper = true;
			break;
		case OPT_DETACH:
			c->detach = true;
			break;
		case OPT_NO_PIVOT:
		case OPT_NO_NEW_KEYRING:
		case OPT_KEEP:
			break; /* accepted as runc's; joblet-oci always pivots */
		default:
			oci_log(ctx, "error",
				"usage: joblet-oci %s [--bundle DIR] [--pid-file F] [--console-socket S] ID",
				argv[0]);
			return -1;
		}
	}
	if (optind != argc - 1) {
		oci_log(ctx, "error", "`%s` takes exactly one container id", argv[0]);
		return -1;
	}
	c->id = argv[optind];
	return 0;
}

static void create_init(struct oci_ctx *ctx, struct oci_create *c)
{
	memset(c, 0, sizeof(*c));
	c->ctx = ctx;
	c->console_fd = c->fifo_fd = c->pty_peer = -1;
	c->sync[0] = c->sync[1] = -1;
}

int oci_cmd_create(struct oci_ctx *ctx, int argc, char **argv)
{
	_cleanup_error_ struct joblet_error *e = NULL;
	struct oci_create c;
	const char *bundle;
	int r;

	create_init(ctx, &c);
	c.detach = true;
	if (parse_create_args(ctx, argc, argv, false, &c, &bundle) < 0)
		return 1;
	r = do_create(&c, bundle, &e);
	if (r < 0)
		oci_log(ctx, "error", "create `%s`: %s", c.id, joblet_error_message(e));
	create_clear(&c);
	return r < 0 ? 1 : 0;
}

/* Open exec.fifo's reading end and take the init's byte: it then execs. */
static int start_state(const struct oci_ctx *ctx, struct oci_state *st, struct joblet_error **err)
{
	enum oci_status s = oci_state_status(st);
	_cleanup_close_ int fd = -1;
	char byte;

	if (s != OCI_STATUS_CREATED)
		return joblet_error_set(err, JOBLET_E_CONFLICT, 0,
					"cannot start container `%s`: it is %s, not created",
					st->id, oci_status_name(s));
	fd = openat(st->dir_fd, "exec.fifo", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot open exec.fifo of `%s`",
					st->id);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 100) > 0 && (n = read(fd, &byte, 1)) == 1)
			break;
		if (!oci_pid_alive(st->pid, st->pid_start))
			return joblet_error_set(
				err, JOBLET_E_SYSTEM, 0,
				"cannot start container `%s`: its process ended before it ran the command",
				st->id);
	}
	unlinkat(st->dir_fd, "exec.fifo", 0);
	return oci_hooks_run(ctx, st, "poststart", err) < 0 ? -JOBLET_E_PLUGIN : 0;
}

int oci_cmd_start(struct oci_ctx *ctx, int argc, char **argv)
{
	_cleanup_error_ struct joblet_error *e = NULL;
	struct oci_state *st = NULL;
	int r;

	if (argc != 2) {
		oci_log(ctx, "error", "usage: joblet-oci start ID");
		return 1;
	}
	r = oci_state_load(ctx, argv[1], true, &st, &e);
	if (r == 0)
		r = start_state(ctx, st, &e);
	if (r < 0)
		oci_log(ctx, "error", "%s", joblet_error_message(e));
	oci_state_free(st);
	return r < 0 ? 1 : 0;
}

/* The terminal's master, sent by the init over the socket pair (SCM_RIGHTS). */
static int recv_master(int sock)
{
	char data[256], control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = control,
			      .msg_controllen = sizeof(control) };
	struct cmsghdr *cm;
	int fd = -1;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) < 0)
		return -1;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* Copy what one side has to the other; false at its end. */
static bool pump(int from, int to)
{
	char buf[16384];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n <= 0)
		return false;
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(to, buf + off, (size_t)(n - off));

		if (w <= 0)
			return w < 0 && errno == EINTR;
		off += w;
	}
	return true;
}

int oci_wait_passing(pid_t child, int master)
{
	struct pollfd p[3];
	sigset_t set;
	_cleanup_close_ int sfd = -1;
	bool in_open = master >= 0;

	/* kill(0) would signal our own process group: never without the process's pid. */
	if (child <= 0)
		return 255;
	sigemptyset(&set);
	for (int s = 1; s < SIGRTMIN; s++)
		if (s != SIGKILL && s != SIGSTOP && s != SIGSEGV && s != SIGBUS && s != SIGILL &&
		    s != SIGFPE && s != SIGTTIN && s != SIGTTOU && s != SIGTSTP)
			sigaddset(&set, s);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	for (;;) {
		struct signalfd_siginfo si;
		int status;
		pid_t pid;

		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			if (pid == child) {
				/* What the terminal still holds, then the code. */
				while (master >= 0 &&
				       poll(&(struct pollfd){ master, POLLIN, 0 }, 1, 50) > 0 &&
				       pump(master, STDOUT_FILENO))
					;
				return WIFEXITED(status) ? WEXITSTATUS(status)
							 : 128 + WTERMSIG(status);
			}
		p[0] = (struct pollfd){ sfd, POLLIN, 0 };
		p[1] = (struct pollfd){ master, POLLIN, 0 };
		p[2] = (struct pollfd){ in_open ? STDIN_FILENO : -1, POLLIN, 0 };
		if (poll(p, 3, -1) < 0)
			continue;
		if ((p[1].revents & (POLLIN | POLLHUP)) && !pump(master, STDOUT_FILENO)) {
			close(master);
			master = -1;
		}
		if ((p[2].revents & (POLLIN | POLLHUP)) && !pump(STDIN_FILENO, master))
			in_open = false;
		if (!(p[0].revents & POLLIN) || read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGWINCH && master >= 0) {
			struct winsize ws;

			if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
				ioctl(master, TIOCSWINSZ, &ws);
		} else if (si.ssi_signo != SIGCHLD)
			kill(child, (int)si.ssi_signo);
	}
}

static void run_remove(struct oci_ctx *ctx, const char *id)
{
	_cleanup_error_ struct joblet_error *e = NULL;
	struct oci_state *st = NULL;

	if (oci_state_load(ctx, id, true, &st, &e) < 0)
		return;
	if (st->cgroup) {
		oci_cgroup_signal_all(st->cgroup, SIGKILL, NULL);
		if (oci_cgroup_destroy(st->cgroup, &e) < 0)
			oci_log(ctx, "warning", "%s", joblet_error_message(e));
	}
	oci_userns_release(st->userns);
	oci_hooks_run(ctx, st, "poststop", NULL);
	oci_state_remove(ctx, st, NULL);
	oci_state_free(st);
}

int oci_cmd_run(struct oci_ctx *ctx, int argc, char **argv)
{
	_cleanup_error_ struct joblet_error *e = NULL;
	struct oci_create c;
	struct termios saved;
	const char *bundle;
	int r, code, master = -1;
	bool restore = false;

	create_init(ctx, &c);
	if (parse_create_args(ctx, argc, argv, true, &c, &bundle) < 0)
		return 1;
	/* The init, orphaned when stage 1 exits, comes to us. */
	if (!c.detach && !c.no_subreaper)
		prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	r = do_create(&c, bundle, &e);
	if (r == 0 && c.pty_peer >= 0 && (master = recv_master(c.pty_peer)) < 0)
		r = joblet_error_set(&e, JOBLET_E_SYSTEM, errno, "the terminal did not come");
	/* create's state, its lock still held: started without a moment for another command. */
	if (r == 0)
		r = start_state(ctx, c.st, &e);
	/* Let `state`, `kill` and `delete` in while it runs. */
	if (c.st && c.st->lock_fd >= 0) {
		close(c.st->lock_fd);
		c.st->lock_fd = -1;
	}
	if (r < 0) {
		oci_log(ctx, "error", "run `%s`: %s", c.id, joblet_error_message(e));
		if (c.init > 0)
			run_remove(ctx, c.id);
		create_clear(&c);
		return 1;
	}
	if (c.detach) {
		create_clear(&c);
		return 0;
	}
	if (master >= 0 && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0) {
		struct termios raw = saved;
		struct winsize ws;

		cfmakeraw(&raw);
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
		restore = true;
		if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
			ioctl(master, TIOCSWINSZ, &ws);
	}
	code = oci_wait_passing(c.init, master);
	if (restore)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	run_remove(ctx, c.id);
	create_clear(&c);
	return code;
}

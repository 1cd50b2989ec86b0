/*
 * oci/exec.c - `exec`: a new process in a running container.
 *
 * The process is what --process FILE says, or the container's own
 * process with ARGS and the --env/--cwd/--tty/--user/--cap changes.  It
 * gets no more than the container's init could: the same checks of its
 * capabilities against the floor, the floor's filter and the bundle's,
 * no_new_privs, the container's cgroup.  As in create, a stage 1 (host
 * root) is placed in the cgroup, joins the init's namespaces (the user
 * namespace last: the others were joined with the host's root) and forks
 * the process, which is then inside the pid namespace too.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "oci/oci.h"

struct oci_exec {
	struct oci_ctx *ctx;
	struct oci_state *st;
	struct oci_process *process;
	struct oci_seccomp *seccomp;
	struct oci_floor *floor;
	const char *pid_file, *console_socket, *process_file;
	bool detach;
	int preserve_fds;
	int console_fd;
	int sync[2];
	pid_t stage1, pid;
};

static _Noreturn void exec_process(struct oci_exec *x)
{
	_cleanup_error_ struct joblet_error *e = NULL;
	unsigned rows, cols;
	int fd = x->sync[1];

	if (x->console_fd >= 0) {
		oci_process_console_size(x->process, &rows, &cols);
		if (oci_console_setup(x->console_fd, rows, cols, &e) < 0)
			oci_sync_fail(fd, "setting up the terminal", e);
	}
	if (oci_process_apply(x->process, &e) < 0)
		oci_sync_fail(fd, "setting up the process", e);
	oci_fds_for_exec(x->preserve_fds);
	oci_sync_send(fd, OCI_MSG_READY, NULL);
	oci_process_exec(x->process, x->floor, x->seccomp, -1, &e);
	oci_sync_fail(fd, "", e);
}

static _Noreturn void exec_stage1(struct oci_exec *x)
{
	_cleanup_error_ struct joblet_error *e = NULL;
	char type, text[64];
	pid_t pid;
	int fd = x->sync[1];

	if (oci_sync_recv(fd, &type, text, sizeof(text)) < 0 || type != OCI_MSG_GO)
		_exit(1);
	if (oci_process_apply_rlimits(x->process, &e) < 0)
		oci_sync_fail(fd, "setting up the process", e);
	if (oci_ns_join(x->st->pid, &e) < 0)
		oci_sync_fail(fd, "joining the container", e);
	if (oci_userns_enabled(x->st->userns) && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
		oci_sync_fail(fd, "cannot become the container's root", NULL);
	pid = fork();
	if (pid < 0)
		oci_sync_fail(fd, "cannot fork the process", NULL);
	if (pid == 0)
		exec_process(x);
	snprintf(text, sizeof(text), "%d", (int)pid);
	oci_sync_send(fd, OCI_MSG_PID, text);
	_exit(0);
}

/*
 * Until the socket's end: stage 1's pid message and the process's "ready"
 * come in either order (they are two processes); the end comes when both
 * are gone, the process through its exec.  An error message is a failure.
 */
static int exec_talk(struct oci_exec *x, struct joblet_error **err)
{
	char type, text[4096];
	bool ready = false;
	int status;

	for (;;) {
		if (oci_sync_recv(x->sync[0], &type, text, sizeof(text)) < 0)
			return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
						"cannot hear from the process");
		switch (type) {
		case OCI_MSG_PID:
			x->pid = (pid_t)strtol(text, NULL, 10);
			waitpid(x->stage1, &status, 0);
			x->stage1 = 0;
			break;
		case OCI_MSG_READY:
			ready = true;
			break;
		case OCI_MSG_ERROR:
			return joblet_error_set(err, JOBLET_E_SYSTEM, 0, "%s",
						text + (text[0] == ':' ? 2 : 0));
		case '\0':
			if (ready && x->pid > 0)
				return 0;
			return joblet_error_set(err, JOBLET_E_SYSTEM, 0,
						"the process ended before it ran");
		default:
			return joblet_error_set(err, JOBLET_E_SYSTEM, 0,
						"an unexpected message from the process");
		}
	}
}

/* The process object: --process FILE, or the container's with ARGS. */
static int exec_process_json(struct oci_exec *x, int argc, char **argv, json_object **ret,
			     struct joblet_error **err)
{
	json_object *p, *args;

	if (x->process_file) {
		*ret = json_object_from_file(x->process_file);
		if (!*ret)
			return joblet_error_set(err, JOBLET_E_PARSE, 0, "--process `%s`: %s",
						x->process_file, json_util_get_last_err());
		return 0;
	}
	if (argc == 0)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"exec needs a command (ARGS) or --process FILE");
	if (!x->st->config || !json_object_object_get_ex(x->st->config, "process", &p) ||
	    json_object_deep_copy(p, ret, NULL) < 0)
		return joblet_error_set(err, JOBLET_E_INTERNAL, 0,
					"the container's process is not recorded");
	args = json_object_new_array();
	for (int i = 0; i < argc; i++)
		json_object_array_add(args, json_object_new_string(argv[i]));
	json_object_object_add(*ret, "args", args);
	json_object_object_add(*ret, "terminal", json_object_new_boolean(0));
	return 0;
}

/* --user UID[:GID] and --cap CAP_X: changes to the process object before it is checked. */
static int exec_user_caps(json_object *pj, const char *user, char **caps, struct joblet_error **err)
{
	json_object *u, *c;
	static const char *const sets[] = { "bounding", "effective", "permitted" };

	if (user) {
		char *end;
		long uid = strtol(user, &end, 10), gid = 0;

		if (end == user || (*end && *end != ':'))
			return joblet_error_set(err, JOBLET_E_INVALID, 0,
						"--user takes UID[:GID] as numbers, not `%s`",
						user);
		if (*end == ':')
			gid = strtol(end + 1, NULL, 10);
		u = json_object_new_object();
		json_object_object_add(u, "uid", json_object_new_int64(uid));
		json_object_object_add(u, "gid", json_object_new_int64(gid));
		json_object_object_add(pj, "user", u);
	}
	for (char **cap = caps; cap && *cap; cap++) {
		if (!json_object_object_get_ex(pj, "capabilities", &c)) {
			c = json_object_new_object();
			json_object_object_add(pj, "capabilities", c);
		}
		for (size_t i = 0; i < 3; i++) {
			json_object *list;

			if (!json_object_object_get_ex(c, sets[i], &list)) {
				list = json_object_new_array();
				json_object_object_add(c, sets[i], list);
			}
			json_object_array_add(list, json_object_new_string(*cap));
		}
	}
	return 0;
}

enum {
	OPT_PROCESS = 'p',
	OPT_TTY = 't',
	OPT_DETACH = 'd',
	OPT_ENV = 'e',
	OPT_USER = 'u',
	OPT_CAP = 'c',
	OPT_CWD = 1000,
	OPT_PID_FILE,
	OPT_CONSOLE_SOCKET,
	OPT_PRESERVE_FDS,
	OPT_IGNORED,
	OPT_IGNORED_ARG,
};

struct exec_args {
	const char *cwd, *user;
	char **env, **caps;
	bool tty;
};

static int parse_exec_args(struct oci_exec *x, struct exec_args *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "process", required_argument, NULL, OPT_PROCESS },
		{ "tty", no_argument, NULL, OPT_TTY },
		{ "detach", no_argument, NULL, OPT_DETACH },
		{ "env", required_argument, NULL, OPT_ENV },
		{ "user", required_argument, NULL, OPT_USER },
		{ "cap", required_argument, NULL, OPT_CAP },
		{ "cwd", required_argument, NULL, OPT_CWD },
		{ "pid-file", required_argument, NULL, OPT_PID_FILE },
		{ "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
		{ "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
		{ "no-new-privs", no_argument, NULL, OPT_IGNORED },
		{ "ignore-paused", no_argument, NULL, OPT_IGNORED },
		{ "process-label", required_argument, NULL, OPT_IGNORED_ARG },
		{ "apparmor", required_argument, NULL, OPT_IGNORED_ARG },
		{ "cgroup", required_argument, NULL, OPT_IGNORED_ARG },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	while ((o = getopt_long(argc, argv, "+p:tde:u:c:", opts, NULL)) != -1) {
		switch (o) {
		case OPT_PROCESS:
			x->process_file = optarg;
			break;
		case OPT_TTY:
			a->tty = true;
			break;
		case OPT_DETACH:
			x->detach = true;
			break;
		case OPT_ENV:
			jl_strv_push(&a->env, optarg);
			break;
		case OPT_USER:
			a->user = optarg;
			break;
		case OPT_CAP:
			jl_strv_push(&a->caps, optarg);
			break;
		case OPT_CWD:
			a->cwd = optarg;
			break;
		case OPT_PID_FILE:
			x->pid_file = optarg;
			break;
		case OPT_CONSOLE_SOCKET:
			x->console_socket = optarg;
			break;
		case OPT_PRESERVE_FDS:
			x->preserve_fds = (int)strtol(optarg, NULL, 10);
			break;
		case OPT_IGNORED:
		case OPT_IGNORED_ARG:
			break;
		default:
			return -1;
		}
	}
	return optind < argc ? optind : -1;
}

static int exec_prepare(struct oci_exec *x, struct exec_args *a, int argc, char **argv,
			struct joblet_error **err)
{
	json_object *pj = NULL, *linux_obj, *seccomp = NULL;
	enum oci_status s = oci_state_status(x->st);
	int r;

	if (s != OCI_STATUS_RUNNING && s != OCI_STATUS_CREATED)
		return joblet_error_set(err, JOBLET_E_CONFLICT, 0,
					"cannot exec in container `%s`: it is %s", x->st->id,
					oci_status_name(s));
	r = exec_process_json(x, argc, argv, &pj, err);
	if (r == 0)
		r = exec_user_caps(pj, a->user, a->caps, err);
	if (r == 0)
		r = oci_process_parse(x->ctx, pj, &x->process, err);
	json_object_put(pj);
	for (char **e = a->env; r == 0 && e && *e; e++)
		r = oci_process_set_env(x->process, *e, err);
	if (r == 0 && a->cwd)
		r = oci_process_set_cwd(x->process, a->cwd, err);
	if (r == 0 && a->tty)
		oci_process_set_terminal(x->process, true);
	if (r == 0 && oci_process_terminal(x->process) && !x->console_socket)
		r = joblet_error_set(err, JOBLET_E_INVALID, 0,
				     "a terminal (--tty) needs --console-socket to hand it over");
	if (r == 0 && json_object_object_get_ex(x->st->config, "linux", &linux_obj))
		json_object_object_get_ex(linux_obj, "seccomp", &seccomp);
	if (r == 0)
		r = oci_seccomp_parse(seccomp, &x->seccomp, err);
	if (r == 0 && oci_seccomp_unknown_count(x->seccomp) > 0)
		oci_log(x->ctx, "debug",
			"linux.seccomp: %zu system call names unknown to this kernel or libseccomp were left out",
			oci_seccomp_unknown_count(x->seccomp));
	if (r == 0)
		r = oci_floor_prepare(x->ctx, &x->floor, err);
	if (r == 0 && x->console_socket)
		r = oci_console_connect(x->console_socket, &x->console_fd, err);
	return r;
}

static int exec_run(struct oci_exec *x, struct joblet_error **err)
{
	int r;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, x->sync) < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot make a socket pair");
	/* The process, orphaned when stage 1 exits, comes to us to be waited for. */
	if (!x->detach)
		prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	x->stage1 = fork();
	if (x->stage1 < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot fork");
	if (x->stage1 == 0) {
		close(x->sync[0]);
		exec_stage1(x);
	}
	close(x->sync[1]);
	x->sync[1] = -1;
	r = x->st->cgroup ? oci_cgroup_add(x->st->cgroup, x->stage1, err) : 0;
	if (r == 0) {
		oci_sync_send(x->sync[0], OCI_MSG_GO, NULL);
		r = exec_talk(x, err);
	}
	if (r < 0) {
		if (x->stage1 > 0) {
			kill(x->stage1, SIGKILL);
			waitpid(x->stage1, NULL, 0);
		}
		if (x->pid > 0)
			kill(x->pid, SIGKILL);
		return r;
	}
	if (x->pid_file) {
		_cleanup_free_ char *tmp =
			jl_strdup_printf("%s.tmp-%d", x->pid_file, (int)getpid());
		FILE *f = tmp ? fopen(tmp, "we") : NULL;

		if (!f || fprintf(f, "%d", (int)x->pid) < 0 || fclose(f) != 0 ||
		    rename(tmp, x->pid_file) < 0)
			return joblet_error_set(err, JOBLET_E_IO, errno,
						"cannot write --pid-file `%s`", x->pid_file);
	}
	return 0;
}

int oci_cmd_exec(struct oci_ctx *ctx, int argc, char **argv)
{
	_cleanup_error_ struct joblet_error *e = NULL;
	struct exec_args a = { 0 };
	struct oci_exec x = { .ctx = ctx, .console_fd = -1, .sync = { -1, -1 } };
	int first, r, code = 1;

	first = parse_exec_args(&x, &a, argc, argv);
	if (first < 0) {
		oci_log(ctx, "error",
			"usage: joblet-oci exec [--process FILE | ARGS...] [--detach] [--pid-file F] [--console-socket S] [--tty] [--env K=V] [--cwd DIR] ID");
		r = -1;
		goto out;
	}
	r = oci_state_load(ctx, argv[first], false, &x.st, &e);
	if (r == 0)
		r = exec_prepare(&x, &a, argc - first - 1, argv + first + 1, &e);
	if (r == 0)
		r = exec_run(&x, &e);
	if (r < 0)
		oci_log(ctx, "error", "exec in `%s`: %s", argv[first], joblet_error_message(e));
	else
		code = x.detach ? 0 : oci_wait_passing(x.pid, -1);
out:
	jl_strv_free(a.env);
	jl_strv_free(a.caps);
	oci_state_free(x.st);
	oci_process_free(x.process);
	oci_seccomp_free(x.seccomp);
	oci_floor_free(x.floor);
	if (x.console_fd >= 0)
		close(x.console_fd);
	if (x.sync[0] >= 0)
		close(x.sync[0]);
	return r < 0 ? 1 : code;
}

/*
 * oci/commands.c - the commands on an existing container (state, kill,
 * delete, list, ps, pause, resume, update, events), and the two that
 * describe the runtime (features, spec).
 *
 * Exit codes are runc's: 0 on success, 1 on any error, said on stderr
 * (and in --log).
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <joblet/version.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "oci/oci.h"

static int fail(const struct oci_ctx *ctx, struct joblet_error *e)
{
	oci_log(ctx, "error", "%s", joblet_error_message(e));
	return 1;
}

static int usage_error(const struct oci_ctx *ctx, const char *usage)
{
	oci_log(ctx, "error", "usage: joblet-oci %s", usage);
	return 1;
}

static void print_json(json_object *o, bool pretty)
{
	printf("%s\n",
	       json_object_to_json_string_ext(
		       o, pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
					   JSON_C_TO_STRING_NOSLASHESCAPE
				 : JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(stdout);
}

/* --- signals and hooks ---------------------------------------------- */

static const struct {
	const char *name;
	int sig;
} signals[] = {
	{ "HUP", SIGHUP },	 { "INT", SIGINT },   { "QUIT", SIGQUIT },     { "ILL", SIGILL },
	{ "TRAP", SIGTRAP },	 { "ABRT", SIGABRT }, { "IOT", SIGIOT },       { "BUS", SIGBUS },
	{ "FPE", SIGFPE },	 { "KILL", SIGKILL }, { "USR1", SIGUSR1 },     { "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 },	 { "PIPE", SIGPIPE }, { "ALRM", SIGALRM },     { "TERM", SIGTERM },
	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT },     { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP },	 { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },     { "URG", SIGURG },
	{ "XCPU", SIGXCPU },	 { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
	{ "WINCH", SIGWINCH },	 { "IO", SIGIO },     { "PWR", SIGPWR },       { "SYS", SIGSYS },
};

int oci_signal_parse(const char *s)
{
	char *end;
	long v;

	if (*s >= '0' && *s <= '9') {
		v = strtol(s, &end, 10);
		return *end || v < 1 || v >= NSIG ? -1 : (int)v;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (strcasecmp(s, signals[i].name) == 0)
			return signals[i].sig;
	return -1;
}

/* One hook: path, args, env, timeout; the state JSON on its stdin. */
static int hook_run(json_object *hook, const char *state, const char *which, size_t i,
		    struct joblet_error **err)
{
	json_object *v;
	_cleanup_strv_ char **args = NULL, **env = NULL;
	const char *path;
	int in[2], status;
	long timeout = 0;
	pid_t pid;

	if (!json_object_object_get_ex(hook, "path", &v) || !(path = json_object_get_string(v)) ||
	    path[0] != '/')
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"config.json: hooks.%s[%zu].path: must be an absolute path",
					which, i);
	if (json_object_object_get_ex(hook, "args", &v))
		for (size_t k = 0; k < json_object_array_length(v); k++)
			jl_strv_push(&args,
				     json_object_get_string(json_object_array_get_idx(v, k)));
	if (!args)
		jl_strv_push(&args, path);
	if (json_object_object_get_ex(hook, "env", &v))
		for (size_t k = 0; k < json_object_array_length(v); k++)
			jl_strv_push(&env, json_object_get_string(json_object_array_get_idx(v, k)));
	if (json_object_object_get_ex(hook, "timeout", &v))
		timeout = (long)json_object_get_int64(v);
	if (pipe2(in, O_CLOEXEC) < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot run hooks.%s[%zu]",
					which, i);
	pid = fork();
	if (pid == 0) {
		char *empty[] = { NULL };

		dup2(in[0], 0);
		execve(path, args, env ? env : empty);
		_exit(127);
	}
	close(in[0]);
	if (pid > 0 && write(in[1], state, strlen(state)) < 0)
		(void)0; /* a hook may not read its stdin */
	close(in[1]);
	if (pid < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot run hooks.%s[%zu]",
					which, i);
	for (long waited = 0;; waited += 10) {
		pid_t p = waitpid(pid, &status, WNOHANG);

		if (p == pid)
			break;
		if (timeout > 0 && waited >= timeout * 1000) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return joblet_error_set(
				err, JOBLET_E_TIMEOUT, 0,
				"hooks.%s[%zu] `%s` ran longer than its timeout of %lds", which, i,
				path, timeout);
		}
		usleep(10000);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return joblet_error_set(err, JOBLET_E_PLUGIN, 0,
					"hooks.%s[%zu] `%s` failed (status %d)", which, i, path,
					status);
	return 0;
}

int oci_hooks_run(const struct oci_ctx *ctx, const struct oci_state *st, const char *which,
		  struct joblet_error **err)
{
	json_object *hooks, *list, *state = NULL;
	int r = 0;

	if (!st->config || !json_object_object_get_ex(st->config, "hooks", &hooks) ||
	    !json_object_object_get_ex(hooks, which, &list) || json_object_array_length(list) == 0)
		return 0;
	if (!ctx->policy.allow_hooks)
		return joblet_error_set(err, JOBLET_E_PERMISSION, 0,
					"config.json: hooks.%s: not allowed (oci.allow_hooks)",
					which);
	if (oci_state_json(st, &state, err) < 0)
		return -JOBLET_E_NOMEM;
	for (size_t i = 0; r == 0 && i < json_object_array_length(list); i++)
		r = hook_run(json_object_array_get_idx(list, i),
			     json_object_to_json_string_ext(state, JSON_C_TO_STRING_PLAIN), which,
			     i, err);
	json_object_put(state);
	return r;
}

/* --- state, list ---------------------------------------------------- */

int oci_cmd_state(struct oci_ctx *ctx, int argc, char **argv)
{
	_cleanup_error_ struct joblet_error *e = NULL;
	struct oci_state *st = NULL;
	json_object *o = NULL;

	if (argc != 2)
		return usage_error(ctx, "state ID");
	if (oci_state_load(ctx, argv[1], false, &st, &e) < 0 || oci_state_json(st, &o, &e) < 0) {
		oci_state_free(st);
		return fail(ctx, e);
	}
	print_json(o, true);
	json_object_put(o);
	oci_state_free(st);
	return 0;
}

int oci_cmd_list(struct oci_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_error_ struct joblet_error *e = NULL;
	_cleanup_strv_ char **ids = NULL;
	bool json = false, quiet = false;
	json_object *all;
	int o;

	while ((o = getopt_long(argc, argv, "f:q", opts, NULL)) != -1) {
		if (o == 'f' && (strcmp(optarg, "json") == 0 || strcmp(optarg, "table") == 0))
			json = strcmp(optarg, "json") == 0;
		else if (o == 'q')
			quiet = true;
		else
			return usage_error(ctx, "list [--format table|json] [--quiet]");
	}
	if (oci_state_list(ctx, &ids, &e) < 0)
		return fail(ctx, e);
	all = json_object_new_array();
	if (!json && !quiet)
		printf("%-12s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE",
		       "CREATED", "OWNER");
	for (char **id = ids; id && *id; id++) {
		struct oci_state *st = NULL;
		json_object *s = NULL, *v;

		if (oci_state_load(ctx, *id, false, &st, NULL) < 0)
			continue; /* being created or removed */
		if (quiet)
			printf("%s\n", *id);
		else if (oci_state_json(st, &s, NULL) == 0) {
			if (json)
				json_object_array_add(all, s);
			else {
				json_object_object_get_ex(s, "pid", &v);
				printf("%-12s %-8d %-10s %-40s %-30s %s\n", st->id,
				       json_object_get_int(v),
				       oci_status_name(oci_state_status(st)),
				       st->bundle ? st->bundle : "", st->created ? st->created : "",
				       "root");
				json_object_put(s);
			}
		}
		oci_state_free(st);
	}
	if (json)
		print_json(all, false);
	json_object_put(all);
	return 0;
}

/* --- kill, delete --------------------------------------------------- */

static int signal_init(const struct oci_state *st, int sig, struct joblet_error **err)
{
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, st->pid, 0);

	/* The pidfd holds the process: checked after opening, the pid cannot be reused under us. */
	if (pidfd < 0 || !oci_pid_alive(st->pid, st->pid_start))
		return joblet_error_set(err, JOBLET_E_CONFLICT, ESRCH,
					"container `%s` is not running", st->id);
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot signal container `%s`",
					st->id);
	return 0;
}

int oci_cmd_kill(struct oci_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_error_ struct joblet_error *e = NULL;
	struct oci_state *st = NULL;
	bool all = false;
	enum oci_status s;
	int o, sig = SIGTERM, r;

	while ((o = getopt_long(argc, argv, "a", opts, NULL)) != -1) {
		if (o != 'a')
			return usage_error(ctx, "kill [--all] ID [SIGNAL]");
		all = true;
	}
	if (optind >= argc || argc - optind > 2)
		return usage_error(ctx, "kill [--all] ID [SIGNAL]");
	if (argc - optind == 2 && (sig = oci_signal_parse(argv[optind + 1])) < 0) {
		oci_log(ctx, "error",
			"`%s` is not a signal (give a name such as TERM or KILL, or a number)",
			argv[optind + 1]);
		return 1;
	}
	if (oci_state_load(ctx, argv[optind], false, &st, &e) < 0)
		return fail(ctx, e);
	s = oci_state_status(st);
	if (s == OCI_STATUS_STOPPED || s == OCI_STATUS_CREATING) {
		joblet_error_set(&e, JOBLET_E_CONFLICT, 0, "container `%s` is not running (%s)",
				 st->id, oci_status_name(s));
		r = -1;
	} else if (all && st->cgroup &&
		   (r = oci_cgroup_signal_all(st->cgroup, sig, &e)) != -JOBLET_E_UNSUPPORTED)
		; /* every process of its cgroup */
	else {
		/* Rootless without a cgroup of its own: its init, whose pid namespace ends with it.
		 */
		joblet_error_clear(&e);
		r = signal_init(st, sig, &e);
	}
	oci_state_free(st);
	return r < 0 ? fail(ctx, e) : 0;
}

/* Wait until the init and every process of the cgroup are gone (up to ~10 s). */
static void wait_gone(struct oci_state *st)
{
	for (int i = 0; i < 1000; i++) {
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;

		if (oci_pid_alive(st->pid, st->pid_start)) {
			usleep(10000);
			continue;
		}
		if (!st->cgroup || oci_cgroup_pids(st->cgroup, &pids, &n, NULL) < 0 || n == 0)
			return;
		usleep(10000);
	}
}

int oci_cmd_delete(struct oci_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_error_ struct joblet_error *e = NULL;
	struct oci_state *st = NULL;
	bool force = false;
	enum oci_status s;
	int o, r;

	while ((o = getopt_long(argc, argv, "f", opts, NULL)) != -1) {
		if (o != 'f')
			return usage_error(ctx, "delete [--force] ID");
		force = true;
	}
	if (optind != argc - 1)
		return usage_error(ctx, "delete [--force] ID");
	r = oci_state_load(ctx, argv[optind], true, &st, &e);
	if (r == -JOBLET_E_NOT_FOUND && force)
		return 0;
	if (r < 0)
		return fail(ctx, e);
	s = oci_state_status(st);
	if ((s == OCI_STATUS_RUNNING || s == OCI_STATUS_PAUSED) && !force) {
		joblet_error_set(
			&e, JOBLET_E_CONFLICT, 0,
			"cannot delete container `%s` that is %s: stop it first, or use --force",
			st->id, oci_status_name(s));
		oci_state_free(st);
		return fail(ctx, e);
	}
	if (s != OCI_STATUS_STOPPED) {
		if (st->cgroup)
			oci_cgroup_signal_all(st->cgroup, SIGKILL, NULL);
		if (s == OCI_STATUS_PAUSED && st->cgroup)
			oci_cgroup_freeze(st->cgroup, false, NULL);
		if (oci_pid_alive(st->pid, st->pid_start))
			signal_init(st, SIGKILL, NULL);
		wait_gone(st);
	} else if (st->cgroup) {
		/* Without a pid namespace of its own, a process may outlive the init. */
		oci_cgroup_signal_all(st->cgroup, SIGKILL, NULL);
		wait_gone(st);
	}
	r = 0;
	if (st->cgroup && oci_cgroup_destroy(st->cgroup, &e) < 0) {
		oci_log(ctx, "warning", "%s", joblet_error_message(e));
		joblet_error_clear(&e);
	}
	oci_userns_release(st->userns);
	if (oci_hooks_run(ctx, st, "poststop", &e) < 0) {
		oci_log(ctx, "warning", "%s", joblet_error_message(e));
		joblet_error_clear(&e);
	}
	if (oci_state_remove(ctx, st, &e) < 0)
		r = -1;
	oci_state_free(st);
	return r < 0 ? fail(ctx, e) : 0;
}

/* --- ps, pause, resume ---------------------------------------------- */

static int load_live(struct oci_ctx *ctx, const char *id, bool lock, struct oci_state **ret,
		     struct joblet_error **err)
{
	enum oci_status s;
	int r = oci_state_load(ctx, id, lock, ret, err);

	if (r < 0)
		return r;
	s = oci_state_status(*ret);
	if (s == OCI_STATUS_STOPPED || s == OCI_STATUS_CREATING)
		return joblet_error_set(err, JOBLET_E_CONFLICT, 0,
					"container `%s` is not running (%s)", id,
					oci_status_name(s));
	if (!(*ret)->cgroup)
		return joblet_error_set(err, JOBLET_E_UNSUPPORTED, 0,
					"container `%s` has no cgroup of its own", id);
	return 0;
}

static int ps_table(pid_t *pids, size_t n, int argc, char **argv)
{
	_cleanup_strv_ char **args = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	int out[2], status, col = -1;
	char line[8192];
	pid_t child;

	jl_strv_push(&args, "ps");
	if (argc == 0)
		jl_strv_push(&args, "-ef");
	for (int i = 0; i < argc; i++)
		jl_strv_push(&args, argv[i]);
	if (!args || pipe2(out, O_CLOEXEC) < 0)
		return -1;
	child = fork();
	if (child == 0) {
		dup2(out[1], 1);
		execvp("ps", args);
		_exit(127);
	}
	close(out[1]);
	f = fdopen(out[0], "r");
	if (!f || child < 0)
		return -1;
	for (int ln = 0; fgets(line, sizeof(line), f); ln++) {
		_cleanup_free_ char *copy = strdup(line);
		char *save = NULL, *w = copy ? strtok_r(copy, " \t\n", &save) : NULL;
		int c = 0;

		if (ln == 0) {
			for (; w; w = strtok_r(NULL, " \t\n", &save), c++)
				if (strcmp(w, "PID") == 0)
					col = c;
			fputs(line, stdout);
			continue;
		}
		for (; w && c < col; c++)
			w = strtok_r(NULL, " \t\n", &save);
		for (size_t i = 0; w && i < n; i++)
			if (strtol(w, NULL, 10) == pids[i])
				fputs(line, stdout);
	}
	waitpid(child, &status, 0);
	return col < 0 ? -1 : 0;
}

int oci_cmd_ps(struct oci_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_error_ struct joblet_error *e = NULL;
	_cleanup_free_ pid_t *pids = NULL;
	struct oci_state *st = NULL;
	bool json = false;
	size_t n = 0;
	int o, r;

	while ((o = getopt_long(argc, argv, "+f:", opts, NULL)) != -1) {
		if (o == 'f' && (strcmp(optarg, "json") == 0 || strcmp(optarg, "table") == 0))
			json = strcmp(optarg, "json") == 0;
		else
			return usage_error(ctx, "ps [--format table|json] ID [PS OPTIONS]");
	}
	if (optind >= argc)
		return usage_error(ctx, "ps [--format table|json] ID [PS OPTIONS]");
	r = load_live(ctx, argv[optind], false, &st, &e);
	if (r == 0)
		r = oci_cgroup_pids(st->cgroup, &pids, &n, &e);
	oci_state_free(st);
	if (r < 0)
		return fail(ctx, e);
	if (json) {
		json_object *a = json_object_new_array();

		for (size_t i = 0; i < n; i++)
			json_object_array_add(a, json_object_new_int(pids[i]));
		print_json(a, false);
		json_object_put(a);
		return 0;
	}
	if (ps_table(pids, n, argc - optind - 1, argv + optind + 1) < 0) {
		oci_log(ctx, "error",
			"cannot run ps(1) for the table (is procps installed?); --format json needs nothing");
		return 1;
	}
	return 0;
}

static int freeze(struct oci_ctx *ctx, int argc, char **argv, bool frozen)
{
	_cleanup_error_ struct joblet_error *e = NULL;
	struct oci_state *st = NULL;
	enum oci_status want = frozen ? OCI_STATUS_RUNNING : OCI_STATUS_PAUSED;
	int r;

	if (argc != 2)
		return usage_error(ctx, frozen ? "pause ID" : "resume ID");
	r = load_live(ctx, argv[1], true, &st, &e);
	if (r == 0 && oci_state_status(st) != want)
		r = joblet_error_set(&e, JOBLET_E_CONFLICT, 0, "container `%s` is %s, not %s",
				     st->id, oci_status_name(oci_state_status(st)),
				     oci_status_name(want));
	if (r == 0)
		r = oci_cgroup_freeze(st->cgroup, frozen, &e);
	oci_state_free(st);
	return r < 0 ? fail(ctx, e) : 0;
}

int oci_cmd_pause(struct oci_ctx *ctx, int argc, char **argv)
{
	return freeze(ctx, argc, argv, true);
}

int oci_cmd_resume(struct oci_ctx *ctx, int argc, char **argv)
{
	return freeze(ctx, argc, argv, false);
}

/* --- update, events ------------------------------------------------- */

/* runc's flags of `update`, each one place in linux.resources. */
static const struct {
	const char *flag;
	const char *section;
	const char *key;
	bool size;
	bool string;
} update_flags[] = {
	{ "memory", "memory", "limit", true, false },
	{ "memory-reservation", "memory", "reservation", true, false },
	{ "memory-swap", "memory", "swap", true, false },
	{ "cpu-shares", "cpu", "shares", false, false },
	{ "cpu-quota", "cpu", "quota", false, false },
	{ "cpu-period", "cpu", "period", false, false },
	{ "cpuset-cpus", "cpu", "cpus", false, true },
	{ "cpuset-mems", "cpu", "mems", false, true },
	{ "pids-limit", "pids", "limit", false, false },
	{ "blkio-weight", "blockIO", "weight", false, false },
};

static int update_flag(json_object *res, size_t k, const char *value, struct joblet_error **err)
{
	json_object *sec;
	int64_t v;

	if (!json_object_object_get_ex(res, update_flags[k].section, &sec)) {
		sec = json_object_new_object();
		json_object_object_add(res, update_flags[k].section, sec);
	}
	if (update_flags[k].string) {
		json_object_object_add(sec, update_flags[k].key, json_object_new_string(value));
		return 0;
	}
	if (strcmp(value, "-1") == 0)
		v = -1;
	else if ((update_flags[k].size ? jl_parse_size(value, &v) : jl_parse_int64(value, &v)) < 0)
		return joblet_error_set(err, JOBLET_E_INVALID, 0, "--%s: `%s` is not a %s",
					update_flags[k].flag, value,
					update_flags[k].size ? "size (such as 512M)" : "number");
	json_object_object_add(sec, update_flags[k].key, json_object_new_int64(v));
	return 0;
}

int oci_cmd_update(struct oci_ctx *ctx, int argc, char **argv)
{
	struct option opts[sizeof(update_flags) / sizeof(update_flags[0]) + 2];
	_cleanup_error_ struct joblet_error *e = NULL;
	struct oci_state *st = NULL;
	json_object *res = json_object_new_object();
	const char *file = NULL;
	int o, r = 0;
	size_t n = sizeof(update_flags) / sizeof(update_flags[0]);

	for (size_t i = 0; i < n; i++)
		opts[i] = (struct option){ update_flags[i].flag, required_argument, NULL,
					   (int)(1000 + i) };
	opts[n] = (struct option){ "resources", required_argument, NULL, 'r' };
	opts[n + 1] = (struct option){ NULL, 0, NULL, 0 };
	while (r == 0 && (o = getopt_long(argc, argv, "r:", opts, NULL)) != -1) {
		if (o == 'r')
			file = optarg;
		else if (o >= 1000 && o < 1000 + (int)n)
			r = update_flag(res, (size_t)(o - 1000), optarg, &e);
		else
			r = joblet_error_set(
				&e, JOBLET_E_INVALID, 0,
				"usage: joblet-oci update [--resources FILE|-] [--memory N ...] ID");
	}
	if (r == 0 && optind != argc - 1)
		r = joblet_error_set(
			&e, JOBLET_E_INVALID, 0,
			"usage: joblet-oci update [--resources FILE|-] [--memory N ...] ID");
	if (r == 0 && file) {
		json_object_put(res);
		res = strcmp(file, "-") == 0 ? json_object_from_fd(0) : json_object_from_file(file);
		if (!res)
			r = joblet_error_set(&e, JOBLET_E_PARSE, 0, "--resources `%s`: %s", file,
					     json_util_get_last_err());
	}
	if (r == 0)
		r = load_live(ctx, argv[optind], true, &st, &e);
	if (r == 0)
		r = oci_cgroup_update(st->cgroup, res, &e);
	oci_state_free(st);
	json_object_put(res);
	return r < 0 ? fail(ctx, e) : 0;
}

static int events_once(const struct oci_ctx *ctx, struct oci_state *st, struct joblet_error **err)
{
	json_object *o = json_object_new_object(), *data = NULL;

	(void)ctx;
	if (oci_cgroup_stats(st->cgroup, &data, err) < 0) {
		json_object_put(o);
		return -1;
	}
	json_object_object_add(o, "type", json_object_new_string("stats"));
	json_object_object_add(o, "id", json_object_new_string(st->id));
	json_object_object_add(o, "data", data);
	print_json(o, false);
	json_object_put(o);
	return 0;
}

int oci_cmd_events(struct oci_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "stats", no_argument, NULL, 's' },
		{ "interval", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_error_ struct joblet_error *e = NULL;
	struct oci_state *st = NULL;
	bool stats = false;
	int64_t interval = 5;
	long long ooms = 0, now;
	int o, r;

	while ((o = getopt_long(argc, argv, "si:", opts, NULL)) != -1) {
		if (o == 's')
			stats = true;
		else if (o == 'i' && jl_parse_duration(optarg, &interval) == 0 && interval > 0)
			continue;
		else
			return usage_error(ctx, "events [--stats] [--interval 5s] ID");
	}
	if (optind != argc - 1)
		return usage_error(ctx, "events [--stats] [--interval 5s] ID");
	r = load_live(ctx, argv[optind], false, &st, &e);
	if (r == 0 && stats)
		r = events_once(ctx, st, &e);
	if (r == 0 && !stats)
		ooms = oci_cgroup_oom_count(st->cgroup, NULL);
	while (r == 0 && !stats && oci_state_status(st) != OCI_STATUS_STOPPED) {
		r = events_once(ctx, st, &e);
		for (int64_t t = 0; r == 0 && t < interval * 10; t++) {
			now = oci_cgroup_oom_count(st->cgroup, NULL);
			if (now > ooms) {
				printf("{\"type\":\"oom\",\"id\":\"%s\"}\n", st->id);
				fflush(stdout);
				ooms = now;
			}
			if (oci_state_status(st) == OCI_STATUS_STOPPED)
				break;
			usleep(100000);
		}
	}
	oci_state_free(st);
	return r < 0 ? fail(ctx, e) : 0;
}

/*
 * cmd_serve.c - joblet serve: the daemon's life cycle.
 *
 * Start-up refuses what would make the daemon misbehave later (a broken
 * configuration, a missing scheduler policy, settings for plugins that are
 * not loaded, TLS files that cannot serve), then takes an exclusive lock on
 * <state_dir>/joblet.pid so two daemons never share a state directory,
 * opens the job store, brings back the jobs of the previous daemon and
 * starts the API.  The main thread waits on a signalfd and the job
 * manager: SIGHUP reloads joblet.yml and the TLS credentials (a broken file
 * is reported and the running ones kept; running jobs are untouched),
 * SIGTERM and SIGINT stop the daemon, and jobs keep running under their
 * shims for the next daemon to adopt.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "daemon.h"
#include "log_hub.h"
#include "results.h"
#include "monitor.h"
#include "manager.h"
#include "networks.h"
#include "secrets.h"
#include "server.h"
#include "upload_stream.h"
#include "store.h"
#include "volumes.h"
#include "common/cli.h"
#include "base/cleanup.h"
#include "base/log.h"
#include "base/plugin_id.h"
#include "config/config.h"
#include "job/job_limits.h"
#include "plugin/loader.h"

/*
 * The manager's news: a job that ended ends its followers' streams, and
 * the kept result files are checked against jobs.results_memory.
 */
static void job_event(void *userdata, const char *id, enum manager_job_event event)
{
	struct daemon_ctx *d = userdata;

	if (event == MANAGER_JOB_ENDED) {
		log_hub_job_ended(d->hub, id);
		results_job_ended(d->results, id);
	}
}

/* mkdir -p with mode for the last component. */
static int make_dirs(const char *path, mode_t mode)
{
	char buf[4096];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) == 0)
		return chmod(buf, mode) < 0 ? -errno : 0;
	if (errno != EEXIST)
		return -errno;
	return 0;
}

/*
 * The state folder holds the job store, jobs' folders and their secrets:
 * only its owner enters it.  One made by an older joblet, by hand or by a
 * package may be 0755, or owned by another user: tighten it, and say so.
 */
static int tighten_state_dir(const char *state_dir)
{
	_cleanup_close_ int fd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (fd < 0 || fstat(fd, &st) < 0) {
		jl_log(JOBLET_LOG_ERROR, NULL, "cannot open the state directory `%s`: %s",
		       state_dir, strerror(errno));
		return -1;
	}
	if (st.st_uid != uid || (uid == 0 && st.st_gid != gid)) {
		if (fchown(fd, uid, gid) < 0) {
			jl_log(JOBLET_LOG_ERROR, NULL,
			       "the state directory `%s` belongs to uid %ld, not to this daemon's uid %ld, and cannot be taken back: %s; chown it, or choose another paths.state_dir",
			       state_dir, (long)st.st_uid, (long)uid, strerror(errno));
			return -1;
		}
		jl_log(JOBLET_LOG_WARNING, NULL,
		       "the state directory `%s` belonged to uid %ld gid %ld; now to uid %ld gid %ld",
		       state_dir, (long)st.st_uid, (long)st.st_gid, (long)uid, (long)gid);
	}
	if ((st.st_mode & 07777) != 0700) {
		if (fchmod(fd, 0700) < 0) {
			jl_log(JOBLET_LOG_ERROR, NULL,
			       "cannot make the state directory `%s` private (mode 0700): %s",
			       state_dir, strerror(errno));
			return -1;
		}
		jl_log(JOBLET_LOG_WARNING, NULL,
		       "the state directory `%s` was mode %04o; made it 0700 (only the daemon enters it)",
		       state_dir, (unsigned)(st.st_mode & 07777));
	}
	return 0;
}

/* Lock <state_dir>/joblet.pid and write our pid; returns the fd (kept open). */
static int take_lock(const char *state_dir)
{
	char path[4096], other[32] = "";
	int fd, r;
	ssize_t n;

	r = make_dirs(state_dir, 0700);
	if (r < 0) {
		jl_log(JOBLET_LOG_ERROR, NULL, "cannot create the state directory `%s`: %s",
		       state_dir, strerror(-r));
		return -1;
	}
	if (tighten_state_dir(state_dir) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/joblet.pid", state_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	/* Nothing in the state folder is for others, whatever the umask. */
	if (fd >= 0 && fchmod(fd, 0600) < 0) {
		close(fd);
		fd = -1;
	}
	if (fd < 0) {
		jl_log(JOBLET_LOG_ERROR, NULL, "cannot open `%s`: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		n = pread(fd, other, sizeof(other) - 1, 0);
		other[n > 0 ? n : 0] = '\0';
		other[strcspn(other, "\n")] = '\0';
		jl_log(JOBLET_LOG_ERROR, NULL,
		       "another joblet (pid %s) is serving the state directory `%s`; stop it first, or give this one its own paths.state_dir",
		       *other ? other : "?", state_dir);
		close(fd);
		return -1;
	}
	if (ftruncate(fd, 0) == 0) {
		n = snprintf(other, sizeof(other), "%ld\n", (long)getpid());
		if (pwrite(fd, other, (size_t)n, 0) != n)
			jl_log(JOBLET_LOG_WARNING, NULL, "cannot write our pid into `%s`", path);
	}
	return fd;
}

static void log_plugins(const struct jl_plugin_set *set)
{
	const char *path, *reason;

	for (size_t i = 0; i < jl_plugin_set_count(set); i++) {
		const char *origin;
		const struct joblet_plugin *p = jl_plugin_set_get(set, i, &origin);

		jl_log(JOBLET_LOG_INFO, NULL, "plugin %s/%s %s from %s",
		       jl_plugin_kind_name((int32_t)p->kind), p->name, p->version, origin);
	}
	for (size_t i = 0; jl_plugin_set_rejected(set, i, &path, &reason) == 0; i++)
		jl_log(JOBLET_LOG_WARNING, NULL, "plugin `%s` rejected: %s", path, reason);
}

static bool jl_same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool strv_equal(char *const *a, char *const *b)
{
	for (; *a && *b; a++, b++)
		if (strcmp(*a, *b) != 0)
			return false;
	return !*a && !*b;
}

/*
 * Replace *cfg with a fresh read of its file.  boot is the configuration the
 * plugin set was built from: the set borrows it, so it stays alive, and what
 * is bound at start-up is compared against it.
 */
static void reload(struct joblet_ctx *ctx, const struct jl_config *boot, struct jl_config **cfg,
		   struct server *server)
{
	struct jl_config *fresh = NULL;
	struct joblet_error *e = NULL;
	int r;

	/* Started on defaults: look again, the file may exist now. */
	r = (*cfg)->source ? jl_config_load((*cfg)->source, 0, &fresh, &e)
			   : daemon_load_config(ctx, &fresh, &e);
	if (r < 0) {
		jl_log(JOBLET_LOG_ERROR, NULL,
		       "reload failed, keeping the running configuration: %s",
		       joblet_error_message(e));
		joblet_error_free(e);
		return;
	}
	if (strcmp(fresh->state_dir, boot->state_dir) != 0)
		jl_log(JOBLET_LOG_WARNING, NULL,
		       "paths.state_dir changed to `%s`; that takes effect at the next start",
		       fresh->state_dir);
	if (!strv_equal(fresh->plugin_dirs, boot->plugin_dirs) ||
	    !jl_config_plugin_settings_equal(fresh, boot) ||
	    strcmp(fresh->scheduler_policy, boot->scheduler_policy) != 0)
		jl_log(JOBLET_LOG_WARNING, NULL,
		       "plugins.dirs, plugins.settings and scheduler.policy are read at start-up; the changes take effect at the next start");
	if (fresh->warm_pool != boot->warm_pool)
		jl_log(JOBLET_LOG_WARNING, NULL,
		       "jobs.warm_pool is read at start-up; the change takes effect at the next start");
	if (!jl_same(fresh->server_address, boot->server_address) ||
	    fresh->tls_min_version != boot->tls_min_version ||
	    !jl_same(fresh->db_path, boot->db_path) ||
	    !jl_same(fresh->secret_key_file, boot->secret_key_file))
		jl_log(JOBLET_LOG_WARNING, NULL,
		       "server.address, server.tls.min_version, paths.db and security.secret_key_file are read at start-up; the changes take effect at the next start");
	if (server && server_reload_tls(server, fresh, &e) < 0) {
		jl_log(JOBLET_LOG_ERROR, NULL,
		       "TLS reload failed, keeping the running certificates: %s",
		       joblet_error_message(e));
		joblet_error_clear(&e);
	}
	jl_log_set_level(fresh->log_level);
	jl_log(JOBLET_LOG_INFO, NULL, "configuration reloaded from `%s`",
	       fresh->source ? fresh->source : "built-in defaults");
	if (*cfg != boot)
		jl_config_free(*cfg);
	*cfg = fresh;
}

/* The daemon's life: what joblet_cmd_serve() builds, step by step, and takes down. */
struct serve {
	struct joblet_ctx *ctx;
	struct jl_config *boot; /* the configuration at start-up: the plugin set borrows it */
	struct jl_config *cfg;	/* the running configuration (boot until a reload) */
	struct jl_plugin_set *set;
	char *deferred_json; /* check_deferred(): the deferred plugins as JSON */
	struct daemon_problems problems;
	struct daemon_ctx d;
	struct secret_key *secret_key;
	int lock_fd, sfd;
	struct joblet_error *e;
};

/*
 * The child of check_deferred(): load and check the deferred kinds, log
 * them as the daemon logs its plugins, write their JSON to fd.  Exits 0,
 * or 1 when a setting in joblet.yml is wrong for one of them.
 */
static void deferred_child(struct serve *s, int fd)
{
	struct jl_plugin_set *set = NULL;
	struct joblet_error *e = NULL;
	char *json = NULL;
	int bad = 0;

	if (jl_plugin_set_new(s->boot, JL_LOADER_NO_BUILTINS, &set, &e) < 0)
		_exit(2);
	jl_plugin_set_only_kinds(set, DAEMON_DEFERRED_KINDS);
	if (jl_plugin_set_scan(set, &e) < 0) {
		jl_log(JOBLET_LOG_ERROR, NULL, "%s", joblet_error_message(e));
		_exit(2);
	}
	log_plugins(set);
	if (jl_plugin_set_check_settings(set, &e) < 0) {
		jl_log(JOBLET_LOG_ERROR, NULL, "%s", joblet_error_message(e));
		joblet_error_clear(&e);
		bad = 1;
	}
	if (jl_plugin_set_to_json(set, &json, &e) < 0 || jl_write_all(fd, json, strlen(json)) < 0)
		_exit(2);
	_exit(bad);
}

/*
 * Registry and archive plugins (DAEMON_DEFERRED_KINDS) stay out of the
 * daemon until an install needs them, yet a broken one or a wrong setting
 * must stop the start as before: a child process loads and checks them,
 * and hands back their JSON for /v1/plugins.  Runs before any thread
 * exists, so fork() is safe.  0, or -1 (logged) when the daemon must not
 * start.
 */
static int check_deferred(struct serve *s)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int fds[2], st = 0;
	pid_t pid;
	ssize_t n;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		jl_log(JOBLET_LOG_ERROR, NULL, "cannot check the plugins: pipe: %s",
		       strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		jl_log(JOBLET_LOG_ERROR, NULL, "cannot check the plugins: fork: %s",
		       strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		deferred_child(s, fds[1]);
	}
	close(fds[1]);
	for (;;) {
		if (len + 4096 + 1 > cap) {
			char *g = realloc(buf, cap = cap ? cap * 2 : 16384);

			if (!g)
				break;
			buf = g;
		}
		n = read(fds[0], buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fds[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || !buf) {
		free(buf);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 1)
			return -1; /* the child said what is wrong */
		jl_log(JOBLET_LOG_ERROR, NULL,
		       "cannot check the registry and archive plugins (the checking process %s %d)",
		       WIFEXITED(st) ? "exited with" : "was killed by signal",
		       WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		return -1;
	}
	buf[len] = '\0';
	s->deferred_json = buf;
	return 0;
}

/* One daemon per state directory, decided before any plugin code runs; then the plugins. */
static int serve_lock_and_load(struct serve *s)
{
	bool deferred_bad;

	s->lock_fd = take_lock(s->cfg->state_dir);
	if (s->lock_fd < 0)
		return -1;
	/* Uploads a stopped daemon was receiving belong to no job. */
	if (upload_spool_clear(s->cfg->state_dir, &s->e) < 0) {
		jl_log(JOBLET_LOG_ERROR, NULL, "%s", joblet_error_message(s->e));
		return -1;
	}
	if (jl_plugin_set_new(s->boot, 0, &s->set, &s->e) < 0) {
		jl_log(JOBLET_LOG_ERROR, NULL, "%s", joblet_error_message(s->e));
		return -1;
	}
	jl_plugin_set_only_kinds(s->set, ~(uint32_t)DAEMON_DEFERRED_KINDS);
	if (jl_plugin_set_scan(s->set, &s->e) < 0) {
		jl_log(JOBLET_LOG_ERROR, NULL, "%s", joblet_error_message(s->e));
		return -1;
	}
	log_plugins(s->set);
	daemon_find_problems(s->cfg, s->set, &s->problems);
	deferred_bad = check_deferred(s) < 0;
	if (s->problems.n == 0 && !deferred_bad)
		return 0;
	for (size_t i = 0; i < s->problems.n; i++)
		jl_log(JOBLET_LOG_ERROR, NULL, "%s", s->problems.items[i]);
	jl_log(JOBLET_LOG_ERROR, NULL, "not starting; `joblet check` shows the details");
	return -1;
}

/* The process-wide settings of the daemon, made before any thread exists. */
static int serve_process_setup(struct serve *s)
{
	sigset_t mask;

	/* Connection threads come and go: two arenas keep their memory from piling up. */
	mallopt(M_ARENA_MAX, 2);
	/* The OOM killer takes jobs first, the daemon last (job/job_limits.h). */
	if (jl_oom_score_adj_set(0, JL_OOM_SCORE_ADJ_DAEMON, &s->e) < 0) {
		jl_log(JOBLET_LOG_WARNING, NULL,
		       "%s; the OOM killer may pick the daemon and the shims (they need CAP_SYS_RESOURCE to be protected)",
		       joblet_error_message(s->e));
		joblet_error_clear(&s->e);
	}
	/* Blocked before any thread exists, so only the signalfd sees them. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	signal(SIGPIPE, SIG_IGN);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (s->sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		jl_log(JOBLET_LOG_ERROR, NULL, "cannot set up signal handling: %s",
		       strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The key of the secrets of jobs that wait (secrets.h), made at the first
 * start.  The TLS files are read first: a daemon without them is refused
 * for that (the API's own check, later, says how to make them), and never
 * makes a key where no certificates are.
 */
static int serve_secret_key(struct serve *s)
{
	struct tls_creds *creds = NULL;
	bool created = false;

	if (tls_creds_load(s->boot, &creds, &s->e) < 0)
		return -1;
	tls_creds_unref(creds);
	if (secret_key_load(s->boot, &s->secret_key, &created, &s->e) < 0)
		return -1;
	s->d.secret_key = s->secret_key;
	if (created) {
		_cleanup_free_ char *path = secret_key_path(s->boot);

		jl_log(JOBLET_LOG_INFO, NULL,
		       "created the secret key `%s` (security.secret_key_file): back it up with the TLS key; jobs that wait keep their secrets under it",
		       path ? path : "?");
	}
	return 0;
}

/* server.audit_retention: prune now, and keep pruning as rows are written. */
static int serve_audit_retention(struct serve *s)
{
	int64_t pruned = 0;

	if (store_audit_retention(s->d.store, s->cfg->audit_max_age_s, s->cfg->audit_max_rows,
				  &pruned, &s->e) < 0)
		return -1;
	if (pruned > 0)
		jl_log(JOBLET_LOG_INFO, NULL,
		       "pruned %lld audit rows beyond server.audit_retention", (long long)pruned);
	return 0;
}

/* The store, the job manager, the log hub and the API, wired together. */
static int serve_start_parts(struct serve *s)
{
	struct daemon_ctx *d = &s->d;
	char db[4200];

	if (s->boot->db_path)
		snprintf(db, sizeof(db), "%s", s->boot->db_path);
	else
		snprintf(db, sizeof(db), "%s/joblet.db", s->boot->state_dir);
	d->cfg = s->boot;
	d->config_path = s->boot->source;
	d->set = s->set;
	d->loadable = s->set;
	d->deferred_json = s->deferred_json;
	d->body = &upload_body_hooks;
	d->started_ns = (int64_t)time(NULL) * 1000000000;
	if (serve_secret_key(s) < 0)
		goto fail;
	if (store_open(db, &d->store, &s->e) < 0 || manager_new(d, &d->manager, &s->e) < 0 ||
	    log_hub_new(&d->hub, &s->e) < 0 || monitor_new(&d->monitor, &s->e) < 0)
		goto fail;
	if (serve_audit_retention(s) < 0)
		goto fail;
	if (results_new(d, &d->results, &s->e) < 0)
		goto fail;
	/* Volumes are mounted before any job is recovered or started (volumes.h). */
	if (volumes_new(s->boot, d->store, &d->volumes, &s->e) < 0)
		goto fail;
	volumes_mount_all(d->volumes);
	monitor_set_disks(d->monitor, volumes_each_disk, d->volumes);
	manager_on_job_event(d->manager, job_event, d);
	if (networks_start(d, &d->networks, &s->e) < 0 || manager_recover(d->manager, &s->e) < 0)
		goto fail;
	networks_reclaim(d->networks);
	if (server_start(d, api_routes, &d->server, &s->e) < 0)
		goto fail;
	jl_log(JOBLET_LOG_INFO, NULL, "job store `%s`", db);
	return 0;
fail:
	jl_log(JOBLET_LOG_ERROR, NULL, "%s", joblet_error_message(s->e));
	jl_log(JOBLET_LOG_ERROR, NULL, "not starting; `joblet check` shows the details");
	return -1;
}

/* Signals and the manager's work until SIGTERM or SIGINT: 0, or -1 when waiting failed. */
static int serve_loop(struct serve *s)
{
	for (;;) {
		struct pollfd pfd[2] = { { s->sfd, POLLIN, 0 },
					 { manager_fd(s->d.manager), POLLIN, 0 } };
		struct signalfd_siginfo si;
		bool stop = false;
		int wait_ms = results_timeout_ms(s->d.results, 5000);
		int n = poll(pfd, 2, wait_ms);

		/* Result files due for release (results.h): unmounted here, off the API threads. */
		results_run(s->d.results);
		/* Quiet for 5 s: give back what bursts of connections left in malloc's arenas. */
		if (n == 0 && wait_ms == 5000)
			malloc_trim(0);
		if (n == 0)
			continue;
		if (n < 0 && errno != EINTR) {
			jl_log(JOBLET_LOG_ERROR, NULL, "waiting for events failed: %s",
			       strerror(errno));
			return -1;
		}
		if (pfd[1].revents & POLLIN)
			manager_dispatch(s->d.manager);
		while (read(s->sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGCHLD)
				manager_sigchld(s->d.manager);
			else if (si.ssi_signo == SIGHUP) {
				reload(s->ctx, s->boot, &s->cfg, s->d.server);
				if (serve_audit_retention(s) < 0) {
					jl_log(JOBLET_LOG_ERROR, NULL, "%s",
					       joblet_error_message(s->e));
					joblet_error_clear(&s->e);
				}
			} else {
				jl_log(JOBLET_LOG_INFO, NULL,
				       "stopping on %s; running jobs go on under their supervisors",
				       strsignal((int)si.ssi_signo));
				stop = true;
			}
		}
		if (stop)
			return 0;
	}
}

/* Streams end first (their threads wake), then the server stops; jobs go on. */
static void serve_stop(struct serve *s)
{
	struct daemon_ctx *d = &s->d;

	d->stopping = 1;
	if (d->hub)
		log_hub_shutdown(d->hub);
	if (d->manager) {
		struct manager_stats ms;

		manager_detach(d->manager);
		manager_on_job_event(d->manager, NULL, NULL);
		manager_stats(d->manager, &ms);
		results_stop(d->results, ms.running > 0);
	}
	server_stop(d->server);
	log_hub_free(d->hub);
	results_free(d->results);
	monitor_free(d->monitor);
	manager_free(d->manager);
	networks_free(d->networks);
	store_close(d->store);
	volumes_free(d->volumes);
	secret_key_free(s->secret_key);
	joblet_error_free(s->e);
	daemon_problems_done(&s->problems);
	if (s->sfd >= 0)
		close(s->sfd);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	jl_plugin_set_free(s->set);
	free(s->deferred_json);
	if (s->cfg != s->boot)
		jl_config_free(s->cfg);
	jl_config_free(s->boot);
}

const char joblet_daemon_module_version[] = JOBLET_VERSION_STRING;

int joblet_cmd_serve(int argc, char **argv, void *userdata)
{
	struct serve s = { .ctx = userdata, .lock_fd = -1, .sfd = -1 };
	int status = JL_EXIT_FAILURE;

	if (argc > 1) {
		fprintf(stderr,
			"joblet serve: unexpected argument `%s`; run `joblet serve --help`.\n",
			argv[1]);
		return JL_EXIT_USAGE;
	}
	jl_log_set_sink(jl_log_sink_stderr_stamped, NULL);
	/*
	 * What the daemon creates is its own: the store, pid file, jobs' folders.
	 * What others must read (runtimes, uploads, job folders given to the job's
	 * uid) gets an explicit mode; jobs get 022 back in joblet-shim.
	 */
	umask(077);
	if (daemon_load_config(s.ctx, &s.boot, &s.e) < 0) {
		jl_log(JOBLET_LOG_ERROR, NULL, "%s", joblet_error_message(s.e));
		joblet_error_free(s.e);
		return JL_EXIT_FAILURE;
	}
	s.cfg = s.boot;
	jl_log_set_level(s.cfg->log_level);
	jl_log(JOBLET_LOG_INFO, NULL, "joblet %s starting (plugin ABI %s), configuration: %s",
	       JOBLET_VERSION_STRING, JOBLET_PLUGIN_ABI_STRING,
	       s.cfg->source ? s.cfg->source : "built-in defaults");
	if (serve_lock_and_load(&s) == 0 && serve_process_setup(&s) == 0 &&
	    serve_start_parts(&s) == 0) {
		jl_log(JOBLET_LOG_INFO, NULL, "serving; state directory `%s`, pid %ld",
		       s.cfg->state_dir, (long)getpid());
		if (serve_loop(&s) == 0)
			status = JL_EXIT_OK;
	}
	serve_stop(&s);
	return status;
}

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
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "logs.h"
#include "manager.h"
#include "server.h"
#include "store.h"
#include "common/cli.h"
#include "base/log.h"
#include "base/plugin_id.h"
#include "config/config.h"
#include "plugin/loader.h"

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
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
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
	snprintf(path, sizeof(path), "%s/joblet.pid", state_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		jl_log(JOBLET_LOG_ERROR, NULL, "cannot open `%s`: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		n = pread(fd, other, sizeof(other) - 1, 0);
		other[n > 0 ? n : 0] = '\0';
		other[strcspn(other, "\n")] = '\0';
		jl_log(JOBLET_LOG_ERROR, NULL,
			   "another joblet (pid %s) is serving the state directory `%s`; stop it "
			   "first, or give this one its own paths.state_dir",
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
static void reload(struct joblet_ctx *ctx, const struct jl_config *boot,
		   struct jl_config **cfg, struct server *server)
{
	struct jl_config *fresh = NULL;
	struct joblet_error *e = NULL;
	int r;

	/* Started on defaults: look again, the file may exist now. */
	r = (*cfg)->source ? jl_config_load((*cfg)->source, 0, &fresh, &e)
			   : daemon_load_config(ctx, &fresh, &e);
	if (r < 0) {
		jl_log(JOBLET_LOG_ERROR, NULL, "reload failed, keeping the running configuration: %s",
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
			   "plugins.dirs, plugins.settings and scheduler.policy are read at start-up; "
			   "the changes take effect at the next start");
	if (!jl_same(fresh->server_address, boot->server_address) ||
	    fresh->tls_min_version != boot->tls_min_version ||
	    !jl_same(fresh->db_path, boot->db_path))
		jl_log(JOBLET_LOG_WARNING, NULL,
			   "server.address, server.tls.min_version and paths.db are read at "
			   "start-up; the changes take effect at the next start");
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

int joblet_cmd_serve(int argc, char **argv, void *userdata)
{
	struct joblet_ctx *ctx = userdata;
	struct jl_config *cfg = NULL, *boot = NULL;
	struct jl_plugin_set *set = NULL;
	struct joblet_error *e = NULL;
	struct daemon_problems problems = { 0 };
	int status = JL_EXIT_FAILURE, lock_fd = -1, sfd = -1;
	struct daemon_ctx d = { 0 };
	sigset_t mask;

	if (argc > 1) {
		fprintf(stderr, "joblet serve: unexpected argument `%s`; run `joblet serve --help`.\n",
			argv[1]);
		return JL_EXIT_USAGE;
	}
	jl_log_set_sink(jl_log_sink_stderr_stamped, NULL);
	if (daemon_load_config(ctx, &boot, &e) < 0) {
		jl_log(JOBLET_LOG_ERROR, NULL, "%s", joblet_error_message(e));
		joblet_error_free(e);
		return JL_EXIT_FAILURE;
	}
	cfg = boot;
	jl_log_set_level(cfg->log_level);
	jl_log(JOBLET_LOG_INFO, NULL, "joblet %s starting (plugin ABI %s), configuration: %s",
		   JOBLET_VERSION_STRING, JOBLET_PLUGIN_ABI_STRING,
		   cfg->source ? cfg->source : "built-in defaults");

	/* One daemon per state directory, decided before any plugin code runs. */
	lock_fd = take_lock(cfg->state_dir);
	if (lock_fd < 0)
		goto out;
	if (jl_plugin_set_new(boot, 0, &set, &e) < 0 || jl_plugin_set_scan(set, &e) < 0) {
		jl_log(JOBLET_LOG_ERROR, NULL, "%s", joblet_error_message(e));
		goto out;
	}
	log_plugins(set);
	daemon_find_problems(cfg, set, &problems);
	if (problems.n > 0) {
		for (size_t i = 0; i < problems.n; i++)
			jl_log(JOBLET_LOG_ERROR, NULL, "%s", problems.items[i]);
		jl_log(JOBLET_LOG_ERROR, NULL, "not starting; `joblet check` shows the details");
		goto out;
	}

	/* Connection threads come and go: two arenas keep their memory from piling up. */
	mallopt(M_ARENA_MAX, 2);
	/* Blocked before any thread exists, so only the signalfd sees them. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	signal(SIGPIPE, SIG_IGN);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		jl_log(JOBLET_LOG_ERROR, NULL, "cannot set up signal handling: %s", strerror(errno));
		goto out;
	}
	{
		char db[4200];

		if (boot->db_path)
			snprintf(db, sizeof(db), "%s", boot->db_path);
		else
			snprintf(db, sizeof(db), "%s/joblet.db", boot->state_dir);
		d.cfg = boot;
		d.config_path = boot->source;
		d.set = set;
		d.started_ns = (int64_t)time(NULL) * 1000000000;
		if (store_open(db, &d.store, &e) < 0 || manager_new(&d, &d.manager, &e) < 0 ||
		    log_hub_new(&d, &d.hub, &e) < 0 || manager_recover(d.manager, &e) < 0 ||
		    server_start(&d, &d.server, &e) < 0) {
			jl_log(JOBLET_LOG_ERROR, NULL, "%s", joblet_error_message(e));
			jl_log(JOBLET_LOG_ERROR, NULL, "not starting; `joblet check` shows the "
							   "details");
			goto out;
		}
		jl_log(JOBLET_LOG_INFO, NULL, "job store `%s`", db);
	}
	jl_log(JOBLET_LOG_INFO, NULL, "serving; state directory `%s`, pid %ld", cfg->state_dir,
		   (long)getpid());

	for (;;) {
		struct pollfd pfd[2] = { { sfd, POLLIN, 0 }, { manager_fd(d.manager), POLLIN, 0 } };
		struct signalfd_siginfo si;
		bool stop = false;

		int n = poll(pfd, 2, 5000);

		/* Quiet for 5 s: give back what bursts of connections left in malloc's arenas. */
		if (n == 0) {
			malloc_trim(0);
			continue;
		}
		if (n < 0 && errno != EINTR) {
			jl_log(JOBLET_LOG_ERROR, NULL, "waiting for events failed: %s",
				   strerror(errno));
			goto out;
		}
		if (pfd[1].revents & POLLIN)
			manager_dispatch(d.manager);
		while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGCHLD)
				manager_sigchld(d.manager);
			else if (si.ssi_signo == SIGHUP)
				reload(ctx, boot, &cfg, d.server);
			else {
				jl_log(JOBLET_LOG_INFO, NULL, "stopping on %s; running jobs go on "
								  "under their supervisors",
					   strsignal((int)si.ssi_signo));
				stop = true;
			}
		}
		if (stop)
			break;
	}
	status = JL_EXIT_OK;
out:
	/* Streams end first (their threads wake), then the server stops; jobs go on. */
	d.stopping = 1;
	if (d.hub)
		log_hub_shutdown(d.hub);
	if (d.manager)
		manager_detach(d.manager);
	server_stop(d.server);
	log_hub_free(d.hub);
	manager_free(d.manager);
	store_close(d.store);
	joblet_error_free(e);
	daemon_problems_done(&problems);
	if (sfd >= 0)
		close(sfd);
	if (lock_fd >= 0)
		close(lock_fd);
	jl_plugin_set_free(set);
	if (cfg != boot)
		jl_config_free(cfg);
	jl_config_free(boot);
	return status;
}

/*
 * cmd_ui.c - rnx ui: the web dashboard (docs/ui.md).  The server itself is
 * ui_server.c; this is the command: options, signals, the address printed,
 * --open.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rnx.h"
#include "common/cli.h"
#include "ui_server.h"

extern char **environ;

static int parse_port(const char *v, uint16_t *ret)
{
	unsigned long n = 0;

	if (!*v || strlen(v) > 5)
		return -1;
	for (const char *p = v; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		n = n * 10 + (unsigned long)(*p - '0');
	}
	if (n > 65535)
		return -1;
	*ret = (uint16_t)n;
	return 0;
}

static void *reap(void *arg)
{
	pid_t pid = (pid_t)(intptr_t)arg;

	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return NULL;
}

/* --open: xdg-open URL, when it is there; a note when it is not. */
static void open_browser(const char *url)
{
	char *argv[] = { (char *)"xdg-open", (char *)url, NULL };
	posix_spawn_file_actions_t fa;
	pthread_t t;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawnp(&pid, "xdg-open", &fa, NULL, argv, environ) != 0)
		fprintf(stderr,
			"rnx ui: cannot run xdg-open to open a browser; open the address above yourself.\n");
	else if (pthread_create(&t, NULL, reap, (void *)(intptr_t)pid) == 0)
		pthread_detach(t);
	posix_spawn_file_actions_destroy(&fa);
}

int rnx_cmd_ui(int argc, char **argv, void *userdata)
{
	const struct rnx_ctx *ctx = userdata;
	struct ui_options o = { .config_path = ctx->config_path,
				.node = ctx->node,
				.api = ui_proxy };
	struct ui_server *s = NULL;
	struct joblet_error *e = NULL;
	const char *port = NULL;
	bool open = false;
	sigset_t stop;
	int sfd, r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--open") == 0)
			open = true;
		else if (strncmp(argv[i], "--port=", 7) == 0)
			port = argv[i] + 7;
		else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
			port = argv[++i];
		else
			return rnx_usage("rnx ui", "unknown argument", argv[i]);
	}
	if (port && parse_port(port, &o.port) < 0)
		return rnx_usage("rnx ui", "--port takes a number from 0 to 65535, not", port);

	/* SIGINT and SIGTERM end the server through a signalfd, in every thread. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	/* A browser that goes away is a failed send, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &stop, SFD_CLOEXEC);
	if (sfd < 0) {
		fprintf(stderr, "rnx ui: cannot make a signalfd: %s\n", strerror(errno));
		return JL_EXIT_FAILURE;
	}
	r = ui_server_new(&o, &s, &e);
	if (r < 0) {
		rnx_print_error(e);
		joblet_error_free(e);
		close(sfd);
		return JL_EXIT_FAILURE;
	}
	printf("%s\n", ui_server_url(s));
	fflush(stdout);
	fprintf(stderr,
		"rnx ui: the dashboard of node `%s` is at the address above (127.0.0.1 only; the token in it is the key: do not share it); Ctrl-C stops it.\n",
		ui_server_node(s));
	if (open)
		open_browser(ui_server_url(s));
	r = ui_server_run(s, sfd, &e);
	if (r < 0)
		rnx_print_error(e);
	joblet_error_free(e);
	ui_server_free(s);
	close(sfd);
	return r < 0 ? JL_EXIT_FAILURE : JL_EXIT_OK;
}

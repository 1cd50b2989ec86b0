/*
 * tls_conn.c - holds many TLS connections to the daemon at once and asks on
 * each, for tests/integration/test_api.sh (connection caps, revocation on
 * open connections).  curl cannot keep connections open across steps.
 *
 *   tls_conn HOST PORT CA CERT KEY STEP...
 *
 * Steps, in order:
 *   open N      open N more connections (TCP and TLS handshake), keep them;
 *               prints "open: N ok, M failed" and a line per failure
 *   get PATH    a GET on every open connection in turn, each answer read
 *               whole: "conn I: STATUS retry-after=V close=yes|no
 *               closed=yes|no|-" (closed: the daemon ended the connection
 *               after an answer saying Connection: close) and "body I: TEXT";
 *               status 0 when no answer came
 *   tcp N       open N plain TCP connections that never start TLS
 *   tcpalive    "tcp alive: N" of those the daemon has not closed
 *   trickle S   on those, the start of a TLS record (a ClientHello) and then
 *               one byte a second for S seconds: never inactive, never done
 *   sleep S     sleep S seconds
 *   touch FILE  create FILE (a sign to the script)
 *   wait FILE   wait up to 60 s until FILE exists
 *
 * Exit status 0, or 2 for bad usage or setup.
 */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#define MAX_CONNS 4096

struct conn {
	int fd;
	gnutls_session_t tls;
};

static struct conn conns[MAX_CONNS];
static int n_conns;
static int tcp_fds[MAX_CONNS];
static int n_tcp;
static gnutls_certificate_credentials_t cred;
static struct sockaddr_in peer;

static int tcp_connect(void)
{
	struct timeval tv = { 10, 0 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&peer, sizeof(peer)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int open_one(struct conn *c, char *why, size_t size)
{
	int r;

	c->fd = tcp_connect();
	if (c->fd < 0) {
		snprintf(why, size, "connect: %s", strerror(errno));
		return -1;
	}
	gnutls_init(&c->tls, GNUTLS_CLIENT);
	gnutls_set_default_priority(c->tls);
	gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, cred);
	gnutls_transport_set_int(c->tls, c->fd);
	do
		r = gnutls_handshake(c->tls);
	while (r < 0 && !gnutls_error_is_fatal(r));
	if (r < 0) {
		snprintf(why, size, "handshake: %s", gnutls_strerror(r));
		gnutls_deinit(c->tls);
		close(c->fd);
		return -1;
	}
	return 0;
}

static void step_open(int n)
{
	int ok = 0, failed = 0;
	char why[256];

	for (int i = 0; i < n && n_conns < MAX_CONNS; i++) {
		if (open_one(&conns[n_conns], why, sizeof(why)) < 0) {
			printf("open failed: %s\n", why);
			failed++;
			continue;
		}
		n_conns++;
		ok++;
	}
	printf("open: %d ok, %d failed\n", ok, failed);
}

/* The value of header name in head (NUL-terminated), into buf. */
static void header(const char *head, const char *name, char *buf, size_t size)
{
	size_t nl = strlen(name);

	snprintf(buf, size, "-");
	for (const char *p = strstr(head, "\r\n"); p; p = strstr(p + 2, "\r\n")) {
		const char *line = p + 2;

		if (strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
			const char *v = line + nl + 1, *end = strstr(v, "\r\n");

			while (*v == ' ')
				v++;
			snprintf(buf, size, "%.*s", (int)(end ? end - v : (long)strlen(v)), v);
			return;
		}
	}
}

/* Has the daemon ended the connection (EOF or an error within 3 s)? */
static int ended(struct conn *c)
{
	char b[256];
	struct pollfd p = { c->fd, POLLIN, 0 };
	ssize_t r;

	if (gnutls_record_check_pending(c->tls) == 0 && poll(&p, 1, 3000) <= 0)
		return 0;
	r = gnutls_record_recv(c->tls, b, sizeof(b));
	return r <= 0;
}

static void drop(struct conn *c)
{
	gnutls_deinit(c->tls);
	close(c->fd);
	c->fd = -1;
}

static void get_one(int i, const char *path)
{
	struct conn *c = &conns[i];
	char req[1024], buf[65536], retry[64], connection[64], length[32];
	size_t len = 0;
	char *end = NULL, *body;
	int status = 0, closed = -1;
	long want;
	ssize_t r;

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: joblet\r\n\r\n", path);
	if (gnutls_record_send(c->tls, req, strlen(req)) < 0)
		goto out;
	while (!end && len < sizeof(buf) - 1) {
		r = gnutls_record_recv(c->tls, buf + len, sizeof(buf) - 1 - len);
		if (r <= 0)
			break;
		len += (size_t)r;
		buf[len] = '\0';
		end = strstr(buf, "\r\n\r\n");
	}
	if (!end || sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
		goto out;
	*end = '\0';
	body = end + 4;
	header(buf, "Retry-After", retry, sizeof(retry));
	header(buf, "Connection", connection, sizeof(connection));
	header(buf, "Content-Length", length, sizeof(length));
	want = strtol(length, NULL, 10);
	while ((long)(len - (size_t)(body - buf)) < want && len < sizeof(buf) - 1) {
		r = gnutls_record_recv(c->tls, buf + len, sizeof(buf) - 1 - len);
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	if (strcasecmp(connection, "close") == 0)
		closed = ended(c);
	printf("conn %d: %d retry-after=%s close=%s closed=%s\n", i, status, retry,
	       strcasecmp(connection, "close") == 0 ? "yes" : "no",
	       closed < 0 ? "-"
	       : closed	  ? "yes"
			  : "no");
	printf("body %d: %.300s\n", i, body);
	if (closed > 0)
		drop(c);
	return;
out:
	printf("conn %d: 0 retry-after=- close=no closed=yes\n", i);
	drop(c);
}

static void step_get(const char *path)
{
	for (int i = 0; i < n_conns; i++)
		if (conns[i].fd >= 0)
			get_one(i, path);
	fflush(stdout);
}

static void step_tcp(int n)
{
	for (int i = 0; i < n && n_tcp < MAX_CONNS; i++) {
		int fd = tcp_connect();

		if (fd >= 0)
			tcp_fds[n_tcp++] = fd;
	}
}

static void step_tcpalive(void)
{
	int alive = 0;

	for (int i = 0; i < n_tcp; i++) {
		struct pollfd p = { tcp_fds[i], POLLRDHUP, 0 };

		/* The daemon may send an alert before it closes: only its FIN counts. */
		if (poll(&p, 1, 0) == 0 || !(p.revents & (POLLRDHUP | POLLHUP | POLLERR)))
			alive++;
	}
	printf("tcp alive: %d\n", alive);
}

static void step_trickle(int seconds)
{
	static const unsigned char head[] = { 0x16, 0x03, 0x01, 0x3e, 0x80 };

	for (int i = 0; i < n_tcp; i++)
		(void)send(tcp_fds[i], head, sizeof(head), MSG_NOSIGNAL);
	for (int t = 0; t < seconds; t++) {
		sleep(1);
		for (int i = 0; i < n_tcp; i++)
			(void)send(tcp_fds[i], "\x01", 1, MSG_NOSIGNAL);
	}
}

static void step_wait(const char *file)
{
	struct stat st;

	for (int i = 0; i < 600 && stat(file, &st) < 0; i++)
		usleep(100 * 1000);
}

int main(int argc, char **argv)
{
	if (argc < 7) {
		fprintf(stderr, "usage: tls_conn HOST PORT CA CERT KEY STEP...\n");
		return 2;
	}
	peer.sin_family = AF_INET;
	peer.sin_port = htons((uint16_t)strtoul(argv[2], NULL, 10));
	if (inet_pton(AF_INET, argv[1], &peer.sin_addr) != 1) {
		fprintf(stderr, "tls_conn: `%s` is not an IPv4 address\n", argv[1]);
		return 2;
	}
	if (gnutls_certificate_allocate_credentials(&cred) < 0 ||
	    gnutls_certificate_set_x509_trust_file(cred, argv[3], GNUTLS_X509_FMT_PEM) <= 0 ||
	    gnutls_certificate_set_x509_key_file(cred, argv[4], argv[5], GNUTLS_X509_FMT_PEM) < 0) {
		fprintf(stderr, "tls_conn: cannot load the CA, certificate or key\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 6; i < argc; i++) {
		const char *step = argv[i], *arg = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(step, "tcpalive") == 0) {
			step_tcpalive();
			continue;
		}
		if (!arg) {
			fprintf(stderr, "tls_conn: step `%s` needs an argument\n", step);
			return 2;
		}
		i++;
		if (strcmp(step, "open") == 0)
			step_open((int)strtol(arg, NULL, 10));
		else if (strcmp(step, "get") == 0)
			step_get(arg);
		else if (strcmp(step, "tcp") == 0)
			step_tcp((int)strtol(arg, NULL, 10));
		else if (strcmp(step, "trickle") == 0)
			step_trickle((int)strtol(arg, NULL, 10));
		else if (strcmp(step, "sleep") == 0)
			sleep((unsigned)strtoul(arg, NULL, 10));
		else if (strcmp(step, "touch") == 0) {
			FILE *f = fopen(arg, "we");

			if (!f || fclose(f) != 0) {
				fprintf(stderr, "tls_conn: cannot create `%s`\n", arg);
				return 2;
			}
		} else if (strcmp(step, "wait") == 0)
			step_wait(arg);
		else {
			fprintf(stderr, "tls_conn: unknown step `%s`\n", step);
			return 2;
		}
	}
	return 0;
}

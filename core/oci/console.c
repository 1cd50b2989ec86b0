/*
 * oci/console.c - process.terminal with --console-socket: the container's
 * pty master is handed to whoever listens on that socket (containerd's
 * shim, podman's conmon), as runc does.
 *
 * The message runc sends carries the master in SCM_RIGHTS and a name as its
 * data ("/dev/ptmx"); receivers (go-runc's console socket, conmon) use the
 * fd and at most log the name, so the same is sent here.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "oci/oci.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

#define PTMX_NAME "/dev/ptmx"

int oci_console_connect(const char *path, int *ret_fd, struct joblet_error **err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -1;

	if (!path || !*path)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"--console-socket: give the path of a unix socket");
	if (strlen(path) >= sizeof(sa.sun_path))
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"--console-socket `%s`: the path is longer than a unix socket address may be (%zu bytes)",
			path, sizeof(sa.sun_path) - 1);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					"--console-socket `%s`: cannot make a socket", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return joblet_error_set(
			err, JOBLET_E_IO, errno,
			"--console-socket `%s`: cannot connect (is the caller listening there?)",
			path);
	*ret_fd = fd;
	fd = -1;
	return 0;
}

/* The master, with the name as data, in one SCM_RIGHTS message. */
static int send_master(int sock_fd, int master, struct joblet_error **err)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	char name[] = PTMX_NAME;
	struct iovec iov = { .iov_base = name, .iov_len = sizeof(name) - 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *c;
	ssize_t n;

	memset(&ctl, 0, sizeof(ctl));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &master, sizeof(int));
	do
		n = sendmsg(sock_fd, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno,
					"cannot send the terminal to --console-socket");
	return 0;
}

/* The pty pair: the container's /dev/ptmx, and its peer opened through the master. */
static int open_pty(unsigned rows, unsigned cols, int *ret_master, int *ret_slave,
		    struct joblet_error **err)
{
	_cleanup_close_ int master = open(PTMX_NAME, O_RDWR | O_NOCTTY | O_CLOEXEC);
	int slave, unlock = 0;

	if (master < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					"process.terminal: cannot open the container's /dev/ptmx");
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					"process.terminal: cannot unlock the pty");
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0 && (errno == EINVAL || errno == ENOTTY)) {
		/* Before Linux 4.13: by name, which is the container's own devpts here. */
		char name[64];

		if (ptsname_r(master, name, sizeof(name)) != 0)
			return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
						"process.terminal: cannot name the pty");
		slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	}
	if (slave < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					"process.terminal: cannot open the pty's terminal");
	if (rows && cols) {
		struct winsize ws = { .ws_row = (unsigned short)rows,
				      .ws_col = (unsigned short)cols };

		if (ioctl(master, TIOCSWINSZ, &ws) < 0) {
			close(slave);
			return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
						"process.consoleSize: cannot set the size");
		}
	}
	*ret_master = master;
	master = -1;
	*ret_slave = slave;
	return 0;
}

/* A new session whose controlling terminal is slave, as stdin, stdout and stderr. */
static int take_terminal(int slave, struct joblet_error **err)
{
	if (setsid() < 0 && getsid(0) != getpid())
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					"process.terminal: cannot start a new session");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return joblet_error_set(
			err, JOBLET_E_SYSTEM, errno,
			"process.terminal: cannot make the pty the controlling terminal");
	for (int fd = 0; fd < 3; fd++)
		if (slave != fd && dup2(slave, fd) < 0)
			return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
						"process.terminal: cannot make the pty fd %d", fd);
	/* dup2() gave 0, 1, 2 without close-on-exec; the slave itself may be one of them. */
	if (slave <= 2 && fcntl(slave, F_SETFD, 0) < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					"process.terminal: cannot keep the pty across exec");
	return 0;
}

int oci_console_setup(int sock_fd, unsigned rows, unsigned cols, struct joblet_error **err)
{
	int master = -1, slave = -1, r;

	r = open_pty(rows, cols, &master, &slave, err);
	if (r == 0) {
		r = send_master(sock_fd, master, err);
		close(master);
	}
	if (sock_fd >= 0)
		close(sock_fd);
	if (r == 0)
		r = take_terminal(slave, err);
	if (slave > 2)
		close(slave);
	return r;
}

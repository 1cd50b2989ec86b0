/*
 * log_hub.c - the followers of live job logs and the one inotify thread
 * that wakes them (see log_hub.h).
 */
#include <config.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "log_hub.h"

struct log_hub_watch {
	int wd;
	char id[37];
	int refs;
	uint64_t gen; /* bumped on every change in the job's folder */
	bool ended;   /* the job ended, or its folder went away */
	pthread_cond_t cond;
	struct log_hub_watch *next;
};

struct log_hub {
	pthread_mutex_t lock;
	int ifd;
	int stop_fd; /* eventfd: log_hub_free() asks the thread to return */
	pthread_t thread;
	bool thread_started;
	bool shutdown;
	struct log_hub_watch *watches;
	long followers;
};

static struct log_hub_watch *watch_by_id(struct log_hub *h, const char *id)
{
	for (struct log_hub_watch *w = h->watches; w; w = w->next)
		if (strcmp(w->id, id) == 0)
			return w;
	return NULL;
}

/* Wake the followers of the watches the events in buf[0..n) name. */
static void hub_note_events(struct log_hub *h, const char *buf, ssize_t n)
{
	for (const char *p = buf; p < buf + n;) {
		const struct inotify_event *ev = (const struct inotify_event *)p;

		for (struct log_hub_watch *w = h->watches; w; w = w->next)
			if (w->wd == ev->wd) {
				w->gen++;
				if (ev->mask & (IN_IGNORED | IN_DELETE_SELF))
					w->ended = true;
				pthread_cond_broadcast(&w->cond);
			}
		p += sizeof(*ev) + ev->len;
	}
}

/*
 * The thread sleeps in poll() until inotify has events or log_hub_free()
 * writes stop_fd, and then returns: it is never cancelled, so it never
 * unwinds out of the middle of a call (which AddressSanitizer cannot follow,
 * and which would leave the lock held if a cancellation point ever came
 * under it).
 */
static void *hub_main(void *arg)
{
	struct log_hub *h = arg;
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));

	for (;;) {
		struct pollfd pfd[2] = { { .fd = h->ifd, .events = POLLIN },
					 { .fd = h->stop_fd, .events = POLLIN } };
		ssize_t n;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents)
			break;
		n = read(h->ifd, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;
		pthread_mutex_lock(&h->lock);
		if (h->shutdown) {
			pthread_mutex_unlock(&h->lock);
			break;
		}
		hub_note_events(h, buf, n);
		pthread_mutex_unlock(&h->lock);
	}
	return NULL;
}

int log_hub_new(struct log_hub **ret, struct joblet_error **err)
{
	struct log_hub *h = calloc(1, sizeof(*h));
	int e;

	if (!h)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot start the log streams");
	pthread_mutex_init(&h->lock, NULL);
	/* The hub's thread sleeps in poll() on both. */
	h->ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (h->ifd < 0) {
		e = errno;
		pthread_mutex_destroy(&h->lock);
		free(h);
		return joblet_error_set(err, JOBLET_E_SYSTEM, e,
					"cannot watch job logs (inotify_init1)%s",
					e == EMFILE ? "; raise fs.inotify.max_user_instances" : "");
	}
	h->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (h->stop_fd < 0) {
		e = errno;
		close(h->ifd);
		pthread_mutex_destroy(&h->lock);
		free(h);
		return joblet_error_set(err, JOBLET_E_SYSTEM, e,
					"cannot start the log streams (eventfd)");
	}
	e = pthread_create(&h->thread, NULL, hub_main, h);
	if (e != 0) {
		close(h->stop_fd);
		close(h->ifd);
		pthread_mutex_destroy(&h->lock);
		free(h);
		return joblet_error_set(err, JOBLET_E_SYSTEM, e, "cannot start the log streams");
	}
	h->thread_started = true;
	*ret = h;
	return 0;
}

void log_hub_shutdown(struct log_hub *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	h->shutdown = true;
	for (struct log_hub_watch *w = h->watches; w; w = w->next)
		pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&h->lock);
}

void log_hub_free(struct log_hub *h)
{
	if (!h)
		return;
	log_hub_shutdown(h);
	if (h->thread_started) {
		uint64_t one = 1;

		/* An eventfd write of 1 cannot fail here: the counter is far from its maximum. */
		(void)!write(h->stop_fd, &one, sizeof(one));
		pthread_join(h->thread, NULL);
	}
	close(h->stop_fd);
	close(h->ifd);
	while (h->watches) {
		struct log_hub_watch *w = h->watches;

		h->watches = w->next;
		pthread_cond_destroy(&w->cond);
		free(w);
	}
	pthread_mutex_destroy(&h->lock);
	free(h);
}

void log_hub_job_ended(struct log_hub *h, const char *id)
{
	struct log_hub_watch *w;

	pthread_mutex_lock(&h->lock);
	w = watch_by_id(h, id);
	if (w) {
		w->ended = true;
		w->gen++;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&h->lock);
}

long log_hub_followers(struct log_hub *h)
{
	long n;

	pthread_mutex_lock(&h->lock);
	n = h->followers;
	pthread_mutex_unlock(&h->lock);
	return n;
}

/* A new watch of dir for job id, in the list; with h->lock held. */
static int watch_add(struct log_hub *h, const char *id, const char *dir, struct log_hub_watch **ret,
		     struct joblet_error **err)
{
	struct log_hub_watch *w;
	int wd = inotify_add_watch(h->ifd, dir,
				   IN_MODIFY | IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE_SELF |
					   IN_ONLYDIR);

	if (wd < 0) {
		int e = errno;

		return joblet_error_set(err, e == ENOSPC ? JOBLET_E_LIMIT : JOBLET_E_SYSTEM, e,
					"cannot follow the log of job %s%s", id,
					e == ENOSPC ? " (fs.inotify.max_user_watches)" : "");
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		/* The watch was made just now and nobody else knows its wd. */
		(void)inotify_rm_watch(h->ifd, wd);
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot follow the log");
	}
	w->wd = wd;
	snprintf(w->id, sizeof(w->id), "%s", id);
	pthread_cond_init(&w->cond, NULL);
	w->next = h->watches;
	h->watches = w;
	*ret = w;
	return 0;
}

int log_hub_attach(struct log_hub *h, const char *id, const char *dir, struct log_hub_watch **ret,
		   struct joblet_error **err)
{
	struct log_hub_watch *w;
	int r = 0;

	pthread_mutex_lock(&h->lock);
	w = watch_by_id(h, id);
	if (!w)
		r = watch_add(h, id, dir, &w, err);
	if (r == 0) {
		w->refs++;
		h->followers++;
		*ret = w;
	}
	pthread_mutex_unlock(&h->lock);
	return r;
}

void log_hub_detach(struct log_hub *h, struct log_hub_watch *w)
{
	pthread_mutex_lock(&h->lock);
	h->followers--;
	if (--w->refs == 0) {
		for (struct log_hub_watch **p = &h->watches; *p; p = &(*p)->next)
			if (*p == w) {
				*p = w->next;
				break;
			}
		/* Fails only when the folder is gone, which removed the watch already. */
		(void)inotify_rm_watch(h->ifd, w->wd);
		pthread_cond_destroy(&w->cond);
		free(w);
	}
	pthread_mutex_unlock(&h->lock);
}

void log_hub_state(struct log_hub *h, const struct log_hub_watch *w, struct log_hub_state *ret)
{
	pthread_mutex_lock(&h->lock);
	ret->gen = w->gen;
	ret->ended = w->ended;
	ret->shutdown = h->shutdown;
	pthread_mutex_unlock(&h->lock);
}

static bool woken(const struct log_hub *h, const struct log_hub_watch *w, uint64_t gen)
{
	return w->gen != gen || w->ended || h->shutdown;
}

int log_hub_wait(struct log_hub *h, struct log_hub_watch *w, uint64_t gen, int timeout_ms)
{
	struct timespec until;
	bool r;

	/* pthread_cond_timedwait() takes CLOCK_REALTIME, the condition's default clock. */
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&h->lock);
	while (!(r = woken(h, w, gen)))
		if (pthread_cond_timedwait(&w->cond, &h->lock, &until) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&h->lock);
	return r ? 1 : 0;
}

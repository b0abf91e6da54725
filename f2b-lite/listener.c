/* listener: accepting connections within a limit, each with a deadline. */
#include "listener.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop.h"
#include "xmalloc.h"

#define FULL_PAUSE	1.0	/* out of descriptors: accepting again after */

struct lconn {
	struct listener	  *ls;
	int		   fd;
	void		  *state;
	double		   deadline;	/* loop_now() when it is closed */
	struct loop_timer *timer;
	struct lconn	  *prev, *next;
	bool		   held;	/* lconn_hold */
};

struct listener {
	struct loop	  *loop;
	int		   fd;
	unsigned	   max, n;
	double		   timeout;
	const struct listener_ops *ops;
	void		  *arg;
	struct lconn	  *conns;
	struct loop_timer *resume;	/* paused: out of descriptors */
	bool		   at_max;	/* paused: max connections open */
	bool		   said_nofd, said_max;
};

static void
say(struct listener *ls, const char *msg)
{
	if (ls->ops->log)
		ls->ops->log(ls->arg, msg);
}

/* Accepting on when neither paused, off otherwise. */
static void
watch(struct listener *ls)
{
	if (ls->fd < 0)
		return;		/* listener_stop_accepting */
	loop_fd_mod(ls->loop, ls->fd, ls->resume == NULL && !ls->at_max ? EPOLLIN : 0);
}

static void
on_deadline(void *arg)
{
	struct lconn *c = arg;
	double left = c->deadline - loop_now();

	c->timer = NULL;
	if (c->held)
		left = c->ls->timeout;	/* lconn_hold: its deadline starts when released */
	if (left > 0)	/* touched since: not yet */
		c->timer = loop_timer_add(c->ls->loop, left, on_deadline, c);
	else
		lconn_close(c);
}

static void
on_event(void *arg, int fd, uint32_t events)
{
	struct lconn *c = arg;

	(void)fd;
	c->ls->ops->event(c->state, c, events);
}

static void
resume_accept(void *arg)
{
	struct listener *ls = arg;

	ls->resume = NULL;
	watch(ls);
}

static void
on_accept(void *arg, int lfd, uint32_t events)
{
	struct listener *ls = arg;
	int fd = -1;

	(void)events;
	while (ls->n < ls->max &&
	    (fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct lconn *c = xcalloc(1, sizeof(*c));

		c->ls = ls;
		c->fd = fd;
		if ((c->state = ls->ops->open(ls->arg, c)) == NULL) {
			close(fd);
			free(c);
			continue;
		}
		c->next = ls->conns;
		if (ls->conns)
			ls->conns->prev = c;
		ls->conns = c;
		ls->n++;
		c->deadline = loop_now() + ls->timeout;
		c->timer = loop_timer_add(ls->loop, ls->timeout, on_deadline, c);
		loop_fd_add(ls->loop, fd, EPOLLIN, on_event, c);
		ls->said_nofd = false;
	}
	if (ls->n >= ls->max) {
		/* the others wait in the backlog until one of these closes */
		if (!ls->said_max) {
			char msg[160];

			snprintf(msg, sizeof(msg), "%u connections open, the most allowed: new ones "
			    "wait until one closes (each is closed after %g s)", ls->n, ls->timeout);
			say(ls, msg);
		}
		ls->said_max = ls->at_max = true;
	} else if (fd < 0 && (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
	    errno == ENOMEM)) {
		/* the connection waits in the backlog: look again in a while, not at once */
		if (!ls->said_nofd)
			say(ls, "cannot accept a connection: out of file descriptors (trying again "
			    "every second)");
		ls->said_nofd = true;
		if (ls->resume == NULL)
			ls->resume = loop_timer_add(ls->loop, FULL_PAUSE, resume_accept, ls);
	}
	watch(ls);
}

struct listener *
listener_new(struct loop *l, int fd, unsigned max, double timeout,
    const struct listener_ops *ops, void *arg)
{
	struct listener *ls = xcalloc(1, sizeof(*ls));

	ls->loop = l;
	ls->fd = fd;
	ls->max = max > 0 ? max : 1;
	ls->timeout = timeout;
	ls->ops = ops;
	ls->arg = arg;
	loop_fd_add(l, fd, EPOLLIN, on_accept, ls);
	return ls;
}

void
listener_free(struct listener *ls)
{
	if (ls == NULL)
		return;
	while (ls->conns)
		lconn_close(ls->conns);
	listener_stop_accepting(ls);
	free(ls);
}

void
listener_stop_accepting(struct listener *ls)
{
	loop_timer_cancel(ls->loop, ls->resume);
	ls->resume = NULL;
	if (ls->fd >= 0)
		loop_fd_del(ls->loop, ls->fd);
	ls->fd = -1;
}

unsigned
listener_count(const struct listener *ls)
{
	return ls->n;
}

int
lconn_fd(const struct lconn *c)
{
	return c->fd;
}

void
lconn_want(struct lconn *c, uint32_t events)
{
	loop_fd_mod(c->ls->loop, c->fd, events);
}

void
lconn_touch(struct lconn *c)
{
	c->deadline = loop_now() + c->ls->timeout;
}

void
lconn_hold(struct lconn *c, bool on)
{
	c->held = on;
	lconn_touch(c);
}

void
lconn_close(struct lconn *c)
{
	struct listener *ls = c->ls;

	if (c->prev)
		c->prev->next = c->next;
	else
		ls->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	loop_timer_cancel(ls->loop, c->timer);
	loop_fd_del(ls->loop, c->fd);
	close(c->fd);
	ls->ops->close(c->state);
	free(c);
	ls->n--;
	if (ls->at_max && ls->n < ls->max) {
		ls->at_max = false;
		watch(ls);
	}
	if (ls->n <= ls->max / 2)
		ls->said_max = false;	/* said again when it fills up again */
}

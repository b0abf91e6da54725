/* control: fail2ban's socket protocol over non-blocking connections. */
#include "control.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop.h"
#include "pickle.h"
#include "pyval.h"
#include "strbuf.h"
#include "xmalloc.h"

#define END	"<F2B_END_COMMAND>"
#define CLOSE	"<F2B_CLOSE_COMMAND>"
#define ENDLEN	(sizeof(END) - 1)

struct conn {
	struct control	*ctl;
	int		 fd;
	struct strbuf	 in, out;
	size_t		 outpos;
	bool		 closing;	/* close once out is written */
	bool		 overflow;	/* dropping an oversized frame */
	bool		 eof;		/* the peer is done sending */
	struct control_reply *pending;	/* a request answered later */
	struct conn	*next;
};

struct control_reply {
	struct conn	*c;		/* NULL: the client left */
};

struct control {
	struct loop	*loop;
	int		 lfd;
	control_fn	*fn;
	control_log_fn	*logfn;
	void		*arg;
	struct conn	*conns;
	struct conn	*current;	/* whose request the handler runs */
	unsigned	 n;
	struct loop_timer *resume;	/* accepting paused: out of descriptors */
	bool		 said_full;
};

static void
conn_close(struct conn *c)
{
	struct control *ctl = c->ctl;
	struct conn **pp;

	for (pp = &ctl->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	if (c->pending)
		c->pending->c = NULL;
	loop_fd_del(ctl->loop, c->fd);
	close(c->fd);
	strbuf_free(&c->in);
	strbuf_free(&c->out);
	free(c);
	ctl->n--;
}

static void
flush_out(struct conn *c)
{
	while (c->outpos < c->out.len) {
		ssize_t n = send(c->fd, c->out.s + c->outpos, c->out.len - c->outpos,
		    MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				loop_fd_mod(c->ctl->loop, c->fd, c->eof ? EPOLLOUT :
				    EPOLLIN | EPOLLOUT);
				return;
			}
			conn_close(c);
			return;
		}
		c->outpos += (size_t)n;
	}
	strbuf_reset(&c->out);
	c->outpos = 0;
	/* a half-closed connection waiting for its answer reads nothing more */
	loop_fd_mod(c->ctl->loop, c->fd, c->eof ? 0 : EPOLLIN);
	if (c->closing && c->pending == NULL)
		conn_close(c);
}

static void
reply(struct conn *c, struct pyval *value, bool failed)
{
	struct pyval *ack = pyval_tuple();

	pyval_append(ack, pyval_int(failed ? 1 : 0));
	pyval_append(ack, value);
	pickle_dump(ack, &c->out);
	strbuf_add(&c->out, END, ENDLEN);
	pyval_free(ack);
}

static void
error_reply(struct conn *c, const char *msg)
{
	/* asyncserver answers a frame it cannot load with the bare string */
	struct pyval *v = pyval_str(msg);

	pickle_dump(v, &c->out);
	strbuf_add(&c->out, END, ENDLEN);
	pyval_free(v);
	if (c->ctl->logfn)
		c->ctl->logfn(c->ctl->arg, msg);
}

/* Handles the complete frames in c->in. */
static void
frames(struct conn *c)
{
	char *end;

	while (!c->closing && c->pending == NULL && c->in.len &&
	    (end = memmem(c->in.s, c->in.len, END, ENDLEN)) != NULL) {
		size_t flen = (size_t)(end - c->in.s);

		if (c->overflow) {
			c->overflow = false;
			error_reply(c, "ERROR: the request is too large");
		} else if (flen == sizeof(CLOSE) - 1 && memcmp(c->in.s, CLOSE, flen) == 0)
			c->closing = true;
		else {
			char *err = NULL;
			struct pyval *req = pickle_load(c->in.s, flen, &err);

			if (req == NULL) {
				char *m = xasprintf("ERROR: %s", err);

				error_reply(c, m);
				free(m);
				free(err);
			} else {
				bool failed = false;
				struct pyval *v;

				c->ctl->current = c;
				v = c->ctl->fn(c->ctl->arg, req, &failed);
				c->ctl->current = NULL;
				if (c->pending == NULL)
					reply(c, v, failed);
				pyval_free(req);
			}
		}
		memmove(c->in.s, end + ENDLEN, c->in.len - flen - ENDLEN);
		c->in.len -= flen + ENDLEN;
	}
}

static void
on_conn(void *arg, int fd, uint32_t events)
{
	struct conn *c = arg;
	char buf[65536];
	ssize_t n;

	if (events & EPOLLOUT) {
		flush_out(c);
		return;		/* c may be gone */
	}
	if (c->pending && (events & (EPOLLHUP | EPOLLERR))) {
		conn_close(c);	/* nobody waits for the answer any more */
		return;
	}
	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		strbuf_add(&c->in, buf, (size_t)n);
		if (c->in.s != NULL && c->in.len > CONTROL_MAX_FRAME + ENDLEN &&
		    memmem(c->in.s, c->in.len, END, ENDLEN) == NULL) {
			/* keep only a tail where a terminator could start */
			memmove(c->in.s, c->in.s + c->in.len - ENDLEN, ENDLEN);
			c->in.len = ENDLEN;
			c->overflow = true;
		}
	}
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		conn_close(c);
		return;
	}
	c->eof = n == 0;
	frames(c);
	if (c->eof)
		c->closing = true;	/* a half-close: what came before is answered */
	if (c->out.len || c->closing)
		flush_out(c);	/* closes it when closing and all is written */
}

static bool
peer_allowed(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return false;
	return cr.uid == 0 || cr.uid == geteuid();
}

static void
resume_accept(void *arg)
{
	struct control *ctl = arg;

	ctl->resume = NULL;
	loop_fd_mod(ctl->loop, ctl->lfd, EPOLLIN);
}

static void
on_accept(void *arg, int lfd, uint32_t events)
{
	struct control *ctl = arg;
	int fd;

	(void)events;
	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct conn *c;

		if (!peer_allowed(fd)) {
			if (ctl->logfn)
				ctl->logfn(ctl->arg, "refused a control connection from another user");
			close(fd);
			continue;
		}
		c = xcalloc(1, sizeof(*c));
		c->ctl = ctl;
		c->fd = fd;
		c->next = ctl->conns;
		ctl->conns = c;
		ctl->n++;
		loop_fd_add(ctl->loop, fd, EPOLLIN, on_conn, c);
	}
	if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
		/* the connection waits in the backlog: look again in a second, not at once */
		if (!ctl->said_full && ctl->logfn)
			ctl->logfn(ctl->arg, "cannot accept a control connection: out of file "
			    "descriptors (trying again every second)");
		ctl->said_full = true;
		loop_fd_mod(ctl->loop, lfd, 0);
		if (ctl->resume == NULL)
			ctl->resume = loop_timer_add(ctl->loop, 1.0, resume_accept, ctl);
	} else
		ctl->said_full = false;
}

struct control *
control_new(struct loop *l, int lfd, control_fn *fn, control_log_fn *logfn, void *arg)
{
	struct control *ctl = xcalloc(1, sizeof(*ctl));

	ctl->loop = l;
	ctl->lfd = lfd;
	ctl->fn = fn;
	ctl->logfn = logfn;
	ctl->arg = arg;
	loop_fd_add(l, lfd, EPOLLIN, on_accept, ctl);
	return ctl;
}

void
control_free(struct control *ctl)
{
	if (ctl == NULL)
		return;
	while (ctl->conns)
		conn_close(ctl->conns);
	control_stop_accepting(ctl);
	free(ctl);
}

void
control_stop_accepting(struct control *ctl)
{
	loop_timer_cancel(ctl->loop, ctl->resume);
	ctl->resume = NULL;
	if (ctl->lfd >= 0)
		loop_fd_del(ctl->loop, ctl->lfd);
	ctl->lfd = -1;
}

struct control_reply *
control_defer(struct control *ctl)
{
	struct control_reply *r = xcalloc(1, sizeof(*r));

	r->c = ctl->current;
	if (r->c)
		r->c->pending = r;
	return r;
}

void
control_answer(struct control_reply *r, struct pyval *value, bool failed)
{
	struct conn *c = r->c;

	free(r);
	if (c == NULL) {
		pyval_free(value);
		return;
	}
	c->pending = NULL;
	reply(c, value, failed);
	frames(c);	/* what the client sent meanwhile */
	if (c->eof)
		c->closing = true;
	flush_out(c);	/* closes it when closing and all is written */
}

unsigned
control_clients(const struct control *ctl)
{
	return ctl->n;
}

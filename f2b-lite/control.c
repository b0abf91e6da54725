/* control: fail2ban's socket protocol over non-blocking connections. */
#include "control.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "listener.h"
#include "loop.h"
#include "pickle.h"
#include "pyval.h"
#include "strbuf.h"
#include "xmalloc.h"

#define END	"<F2B_END_COMMAND>"
#define CLOSE	"<F2B_CLOSE_COMMAND>"
#define ENDLEN	(sizeof(END) - 1)

/*
 * What one connection gets in one loop turn: the other connections, the
 * logs and the jails get theirs in the same turn however much it sends.
 */
#define READ_PER_TURN	65536		/* bytes read */
#define FRAMES_PER_TURN	16		/* requests answered */
#define OUT_MAX		(1 << 20)	/* answers waiting: nothing read until sent */

struct conn {
	struct control	*ctl;
	struct lconn	*lc;
	struct strbuf	 in, out;
	size_t		 outpos;
	size_t		 scanned;	/* bytes of in searched for END without finding it */
	struct loop_timer *more;	/* frames left for the next turn */
	bool		 closing;	/* close once out is written */
	bool		 overflow;	/* dropping an oversized frame */
	bool		 eof;		/* the peer is done sending */
	struct control_reply *pending;	/* a request answered later */
};

struct control_reply {
	struct conn	*c;		/* NULL: the client left */
};

struct control {
	struct loop	*loop;
	struct listener	*ls;
	control_fn	*fn;
	control_log_fn	*logfn;
	void		*arg;
	struct conn	*current;	/* whose request the handler runs */
};

static void serve(struct conn *);

/*
 * What the connection waits for: input unless frames or answers pile up
 * (a client that sends without reading is not read), output while any.
 */
static void
want(struct conn *c)
{
	uint32_t ev = 0;

	if (!c->eof && !c->closing && c->more == NULL && c->pending == NULL &&
	    c->out.len - c->outpos < OUT_MAX)
		ev |= EPOLLIN;
	if (c->outpos < c->out.len)
		ev |= EPOLLOUT;
	lconn_want(c->lc, ev);
}

/* Sends what it can; false when the connection is gone. */
static bool
flush_out(struct conn *c)
{
	while (c->outpos < c->out.len) {
		ssize_t n = send(lconn_fd(c->lc), c->out.s + c->outpos, c->out.len - c->outpos,
		    MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return true;
			lconn_close(c->lc);
			return false;
		}
		c->outpos += (size_t)n;
		lconn_touch(c->lc);
	}
	strbuf_reset(&c->out);
	c->outpos = 0;
	if (c->closing && c->more == NULL && c->pending == NULL) {
		lconn_close(c->lc);
		return false;
	}
	return true;
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

/* Answers one frame: the flen bytes at f. */
static void
frame(struct conn *c, const char *f, size_t flen)
{
	char *err = NULL;
	struct pyval *req;

	if (c->overflow) {
		c->overflow = false;
		error_reply(c, "ERROR: the request is too large");
		return;
	}
	if (flen == sizeof(CLOSE) - 1 && memcmp(f, CLOSE, flen) == 0) {
		c->closing = true;
		return;
	}
	if ((req = pickle_load(f, flen, &err)) == NULL) {
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
			reply(c, v, failed);	/* else control_answer() will */
		pyval_free(req);
	}
}

/*
 * Handles up to FRAMES_PER_TURN complete frames of c->in; true when more
 * are there.  Each byte is searched for the terminator once, however the
 * frame arrives (a frame sent a byte at a time costs its length, not its
 * length squared).
 */
static bool
frames(struct conn *c)
{
	size_t off = 0, done = 0;
	bool more = false;

	while (!c->closing && c->pending == NULL && c->in.len > off) {
		size_t from = c->scanned >= ENDLEN ? c->scanned - (ENDLEN - 1) : 0;
		char *end = memmem(c->in.s + off + from, c->in.len - off - from, END, ENDLEN);
		size_t flen;

		if (end == NULL) {
			c->scanned = c->in.len - off;
			if (c->scanned > CONTROL_MAX_FRAME + ENDLEN) {
				/* keep only a tail where a terminator could start */
				off = c->in.len - (ENDLEN - 1);
				c->scanned = ENDLEN - 1;
				c->overflow = true;
			}
			break;
		}
		if (done == FRAMES_PER_TURN) {
			more = true;
			break;
		}
		flen = (size_t)(end - (c->in.s + off));
		frame(c, c->in.s + off, flen);
		off += flen + ENDLEN;
		c->scanned = 0;
		done++;
	}
	if (off > 0) {
		memmove(c->in.s, c->in.s + off, c->in.len - off);
		c->in.len -= off;
	}
	return more;
}

static void
on_more(void *arg)
{
	struct conn *c = arg;

	c->more = NULL;
	serve(c);
}

/* Answers what came in (a bounded number of frames), sends, and waits. */
static void
serve(struct conn *c)
{
	if (frames(c) && c->more == NULL)
		c->more = loop_timer_add(c->ctl->loop, 0, on_more, c);
	if (c->eof && c->more == NULL)
		c->closing = true;	/* a half-close: what came before is answered */
	if (!flush_out(c))
		return;		/* closed */
	want(c);
}

static void
on_conn(void *arg, struct lconn *lc, uint32_t events)
{
	struct conn *c = arg;
	char buf[READ_PER_TURN];
	ssize_t n;

	if ((events & EPOLLOUT) && !flush_out(c))
		return;
	if (c->pending && (events & (EPOLLHUP | EPOLLERR))) {
		lconn_close(lc);	/* nobody waits for the answer any more */
		return;
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)) || c->eof || c->closing) {
		want(c);
		return;
	}
	n = recv(lconn_fd(lc), buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		lconn_close(lc);
		return;
	}
	if (n > 0) {
		strbuf_add(&c->in, buf, (size_t)n);
		lconn_touch(lc);
	}
	c->eof = n == 0;
	if (c->more == NULL)
		serve(c);
	else
		want(c);
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

static void *
on_open(void *arg, struct lconn *lc)
{
	struct control *ctl = arg;
	struct conn *c;

	if (!peer_allowed(lconn_fd(lc))) {
		if (ctl->logfn)
			ctl->logfn(ctl->arg, "refused a control connection from another user");
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->ctl = ctl;
	c->lc = lc;
	return c;
}

static void
on_close(void *state)
{
	struct conn *c = state;

	loop_timer_cancel(c->ctl->loop, c->more);
	if (c->pending)
		c->pending->c = NULL;
	strbuf_free(&c->in);
	strbuf_free(&c->out);
	free(c);
}

static void
on_log(void *arg, const char *msg)
{
	struct control *ctl = arg;

	if (ctl->logfn)
		ctl->logfn(ctl->arg, msg);
}

static const struct listener_ops ops = { on_open, on_conn, on_close, on_log };

struct control *
control_new(struct loop *l, int lfd, control_fn *fn, control_log_fn *logfn, void *arg)
{
	struct control *ctl = xcalloc(1, sizeof(*ctl));

	ctl->loop = l;
	ctl->fn = fn;
	ctl->logfn = logfn;
	ctl->arg = arg;
	ctl->ls = listener_new(l, lfd, CONTROL_MAX_CONNS, CONTROL_IDLE, &ops, ctl);
	return ctl;
}

void
control_free(struct control *ctl)
{
	if (ctl == NULL)
		return;
	listener_free(ctl->ls);
	free(ctl);
}

unsigned
control_clients(const struct control *ctl)
{
	return listener_count(ctl->ls);
}

void
control_stop_accepting(struct control *ctl)
{
	listener_stop_accepting(ctl->ls);
}

struct control_reply *
control_defer(struct control *ctl)
{
	struct control_reply *r = xcalloc(1, sizeof(*r));

	r->c = ctl->current;
	if (r->c) {
		r->c->pending = r;
		lconn_hold(r->c->lc, true);	/* it waits for us, not we for it */
	}
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
	lconn_hold(c->lc, false);
	reply(c, value, failed);
	if (c->more == NULL)
		serve(c);	/* what the client sent meanwhile; sends; closes when closing */
	else
		want(c);
}

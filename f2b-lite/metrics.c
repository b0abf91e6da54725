/* metrics: Prometheus text, and a tiny HTTP/1.0 listener for it. */
#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "listener.h"
#include "loop.h"
#include "pyval.h"
#include "strbuf.h"
#include "xmalloc.h"

static const char *const names[][3] = {
	{ "failures_current", "gauge", "failures being counted now" },
	{ "failures_total", "counter", "failures found" },
	{ "bans_current", "gauge", "addresses banned now" },
	{ "bans_total", "counter", "bans made" },
	{ "action_errors", "counter", "action commands that failed for good" },
	{ "lines_read", "counter", "log lines read" },
};

void
metrics_text(const struct pyval *v, struct strbuf *out)
{
	const struct pyval *jails = pyval_dict_get(v, "jails");
	const struct pyval *db = pyval_dict_get(v, "database");
	const struct pyval *x;
	size_t k, i;

	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		strbuf_addf(out, "# HELP f2b_%s %s\n# TYPE f2b_%s %s\n", names[k][0], names[k][2],
		    names[k][0], names[k][1]);
		for (i = 0; jails && i < pyval_len(jails); i++) {
			const struct pyval *jm = pyval_dict_val(jails, i);

			x = pyval_dict_get(jm, names[k][0]);
			strbuf_addf(out, "f2b_%s{jail=\"%s\"} %lld\n", names[k][0],
			    pyval_as_str(pyval_dict_key(jails, i)), x ? pyval_as_int(x) : 0);
		}
	}
	/* the server's own: one sample, no label */
	x = db ? pyval_dict_get(db, "write_errors") : NULL;
	strbuf_addf(out, "# HELP f2b_db_write_errors database writes that failed (bans and log "
	    "positions not stored)\n# TYPE f2b_db_write_errors counter\n"
	    "f2b_db_write_errors %lld\n", x ? pyval_as_int(x) : 0);
}

/* ---- the listener --------------------------------------------------------- */

#define MAX_REQUEST	8192

struct conn {
	struct metrics	*m;
	struct lconn	*lc;
	struct strbuf	 in, out;
	size_t		 sent;
};

struct metrics {
	struct loop	*loop;
	int		 fd;
	metrics_fn	*fn;
	metrics_log_fn	*logfn;
	void		*arg;
	struct listener	*ls;
};

static void
respond(struct conn *c)
{
	struct strbuf body = STRBUF_INIT;
	bool ok = strncmp(c->in.s, "GET /metrics ", 13) == 0 || strncmp(c->in.s, "GET / ", 6) == 0;

	if (ok) {
		struct pyval *v = c->m->fn(c->m->arg);

		metrics_text(v, &body);
		pyval_free(v);
	} else
		strbuf_adds(&body, "not found\n");
	strbuf_addf(&c->out, "HTTP/1.0 %s\r\nContent-Type: text/plain; version=0.0.4\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n", ok ? "200 OK" : "404 Not Found",
	    body.len);
	strbuf_add(&c->out, body.s ? body.s : "", body.len);
	strbuf_free(&body);
	lconn_want(c->lc, EPOLLOUT);
}

static void
on_conn(void *arg, struct lconn *lc, uint32_t events)
{
	struct conn *c = arg;
	char buf[2048];
	ssize_t n;

	if (events & EPOLLOUT) {
		while (c->sent < c->out.len) {
			n = send(lconn_fd(lc), c->out.s + c->sent, c->out.len - c->sent,
			    MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n < 0) {
				if (errno == EAGAIN)
					return;
				break;
			}
			c->sent += (size_t)n;
		}
		lconn_close(lc);
		return;
	}
	/* one read per turn: a request is small, and nobody holds the loop */
	n = recv(lconn_fd(lc), buf, sizeof(buf), MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		lconn_close(lc);
		return;
	}
	if (n > 0)
		strbuf_add(&c->in, buf, (size_t)n);
	if (c->in.len > MAX_REQUEST) {
		lconn_close(lc);
		return;
	}
	if (c->in.len && memmem(c->in.s, c->in.len, "\r\n\r\n", 4) != NULL && c->out.len == 0)
		respond(c);
}

static void *
on_open(void *arg, struct lconn *lc)
{
	struct conn *c = xcalloc(1, sizeof(*c));

	c->m = arg;
	c->lc = lc;
	return c;
}

static void
on_close(void *state)
{
	struct conn *c = state;

	strbuf_free(&c->in);
	strbuf_free(&c->out);
	free(c);
}

static void
on_log(void *arg, const char *msg)
{
	struct metrics *m = arg;

	if (m->logfn)
		m->logfn(m->arg, msg);
}

static const struct listener_ops ops = { on_open, on_conn, on_close, on_log };

struct metrics *
metrics_listen(struct loop *l, const char *addr, metrics_fn *fn, metrics_log_fn *logfn,
    void *arg, char **err)
{
	char *host = xstrdup(addr), *port = strrchr(host, ':');
	struct addrinfo hints, *res = NULL;
	struct metrics *m;
	int fd = -1, one = 1;

	if (port == NULL) {
		*err = xasprintf("metrics: '%s' is not HOST:PORT", addr);
		free(host);
		return NULL;
	}
	*port++ = '\0';
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(host, port, &hints, &res) != 0) {
		*err = xasprintf("metrics: cannot use address '%s'", addr);
		free(host);
		return NULL;
	}
	/* loopback only: the counters are nobody else's business */
	if (!((res->ai_family == AF_INET &&
	    (ntohl(((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr) >> 24) == 127) ||
	    (res->ai_family == AF_INET6 &&
	    IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)res->ai_addr)->sin6_addr)))) {
		*err = xasprintf("metrics: %s is not a loopback address", host);
		goto fail;
	}
	if ((fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 16) < 0) {
		*err = xasprintf("metrics: cannot listen on %s: %s", addr, strerror(errno));
		goto fail;
	}
	freeaddrinfo(res);
	free(host);
	m = xcalloc(1, sizeof(*m));
	m->loop = l;
	m->fd = fd;
	m->fn = fn;
	m->logfn = logfn;
	m->arg = arg;
	m->ls = listener_new(l, fd, METRICS_MAX_CONNS, METRICS_TIMEOUT, &ops, m);
	return m;
fail:
	if (fd >= 0)
		close(fd);
	freeaddrinfo(res);
	free(host);
	return NULL;
}

void
metrics_close(struct metrics *m)
{
	if (m == NULL)
		return;
	listener_free(m->ls);
	close(m->fd);
	free(m);
}

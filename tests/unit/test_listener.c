/*
 * Unit tests for listener: at most max connections open (the next waits in
 * the backlog and is taken when one closes), a connection closed when its
 * deadline passes and kept while it is touched, a refused connection
 * closed at once, and out of descriptors a pause said once instead of a
 * busy loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "listener.h"
#include "loop.h"
#include "strbuf.h"
#include "tap.h"
#include "usock.h"
#include "xmalloc.h"

static struct loop *L;
static struct strbuf said = STRBUF_INIT;
static int opened, closed, events;
static bool refuse, touch;
static struct lconn *last;

static void stop(void *arg) { (void)arg; loop_stop(L); }

static void *
on_open(void *arg, struct lconn *c)
{
	(void)arg;
	if (refuse)
		return NULL;
	opened++;
	last = c;
	return xstrdup("state");
}

static void
on_event(void *state, struct lconn *c, uint32_t ev)
{
	char buf[64];
	ssize_t n = recv(lconn_fd(c), buf, sizeof(buf), MSG_DONTWAIT);

	(void)state;
	(void)ev;
	events++;
	if (n == 0)
		lconn_close(c);
	else if (n > 0 && touch)
		lconn_touch(c);
}

static void
on_close(void *state)
{
	closed++;
	free(state);
}

static void
on_log(void *arg, const char *msg)
{
	(void)arg;
	strbuf_addf(&said, "%s;", msg);
}

static const struct listener_ops ops = { on_open, on_event, on_close, on_log };

/* Runs the loop for up to `secs`, in short slices, until *what reaches want. */
static void
run_until(int *what, int want, double secs)
{
	double end = loop_now() + secs;

	while (*what < want && loop_now() < end) {
		loop_timer_add(L, 0.01, stop, NULL);
		loop_run(L);
	}
}

static int
occurs(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay++;
	}
	return n;
}


/* Whether the server closed fd (EOF within secs). */
static bool
closed_by_server(int fd, double secs)
{
	double end = loop_now() + secs;
	char c;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (loop_now() < end) {
		ssize_t n = recv(fd, &c, 1, 0);

		if (n == 0)
			return true;
		loop_timer_add(L, 0.01, stop, NULL);
		loop_run(L);
	}
	return false;
}

int
main(void)
{
	char dir[] = "/tmp/f2b-lst.XXXXXX";
	struct sockaddr_un sa;
	struct listener *ls;
	int lfd, c[4], i, fds[300], nfds = 0;
	struct rlimit old, low;

	L = loop_new();
	if ((lfd = usock_listen(dir, &sa)) < 0)
		return 1;

	/* the limit */
	ls = listener_new(L, lfd, 2, 30, &ops, NULL);
	for (i = 0; i < 3; i++)
		c[i] = usock_connect(&sa);
	run_until(&opened, 3, 0.3);
	is_int(listener_count(ls), 2, "two connections open, the most allowed");
	is_int(opened, 2, "... the third waits in the backlog");
	is_int(occurs(strbuf_str(&said), "2 connections open, the most allowed"), 1, "said once");
	close(c[0]);
	run_until(&opened, 3, 2);
	is_int(opened, 3, "one closes: the waiting one is taken");
	is_int(closed, 1, "... and the closed one's state freed");
	close(c[1]);
	close(c[2]);
	run_until(&closed, 3, 2);
	listener_free(ls);

	/* deadlines */
	opened = closed = 0;
	touch = false;
	ls = listener_new(L, lfd, 4, 0.3, &ops, NULL);
	c[0] = usock_connect(&sa);
	ok(closed_by_server(c[0], 3), "a connection is closed at its deadline");
	is_int(closed, 1, "... its state freed");
	close(c[0]);
	touch = true;
	c[1] = usock_connect(&sa);
	for (i = 0; i < 8; i++) {
		if (send(c[1], "x", 1, MSG_NOSIGNAL) != 1)
			break;
		loop_timer_add(L, 0.1, stop, NULL);
		loop_run(L);
	}
	is_int(closed, 1, "a connection that makes progress (touched) outlives its deadline");
	ok(closed_by_server(c[1], 3), "... and is closed once it stops");
	close(c[1]);
	listener_free(ls);

	/* refused */
	opened = closed = 0;
	refuse = true;
	ls = listener_new(L, lfd, 4, 30, &ops, NULL);
	c[0] = usock_connect(&sa);
	ok(closed_by_server(c[0], 3), "a refused connection is closed at once");
	is_int(listener_count(ls), 0, "... and not counted");
	close(c[0]);
	refuse = false;

	/* out of descriptors: paused, said once, taken when there are some again */
	strbuf_reset(&said);
	events = 0;
	getrlimit(RLIMIT_NOFILE, &old);
	low = old;
	low.rlim_cur = 64;
	setrlimit(RLIMIT_NOFILE, &low);
	c[0] = usock_connect(&sa);
	c[1] = usock_connect(&sa);
	while (nfds < 300 && (fds[nfds] = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
		nfds++;
	opened = 0;
	{
		double t0 = loop_now();
		unsigned long turns = loop_turn(L);

		run_until(&opened, 1, 0.5);
		is_int(opened, 0, "out of descriptors: nothing accepted");
		ok(loop_turn(L) - turns < 100, "... and no busy loop (%lu turns in %.2f s)",
		    loop_turn(L) - turns, loop_now() - t0);
	}
	is_int(occurs(strbuf_str(&said), "out of file descriptors"), 1, "said once");
	while (nfds > 0)
		close(fds[--nfds]);
	run_until(&opened, 2, 3);
	is_int(opened, 2, "descriptors back: both taken within the pause");
	setrlimit(RLIMIT_NOFILE, &old);
	close(c[0]);
	close(c[1]);
	listener_free(ls);

	close(lfd);
	unlink(sa.sun_path);
	rmdir(dir);
	strbuf_free(&said);
	loop_free(L);
	return tap_done();
}

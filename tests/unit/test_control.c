/*
 * Unit tests for control: frames split anywhere across reads (the
 * terminator too) are answered in order; a frame over CONTROL_MAX_FRAME
 * gets an error answer and the next one is read; a client that pipelines
 * many requests gets a bounded share of each loop turn while another
 * client's request is answered in the first turns; a client that sends
 * without reading its answers is no longer read (its answers do not pile
 * up); another user is refused.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "loop.h"
#include "pickle.h"
#include "pyval.h"
#include "strbuf.h"
#include "tap.h"
#include "usock.h"
#include "xmalloc.h"

#define END	"<F2B_END_COMMAND>"

static struct loop *L;
static unsigned long handled;

static void stop(void *arg) { (void)arg; loop_stop(L); }

/* Answers [word, ...] with word. */
static struct pyval *
on_request(void *arg, const struct pyval *req, bool *failed)
{
	(void)arg;
	*failed = false;
	handled++;
	return pyval_copy(pyval_at(req, 0));
}

static void
one_turn(void)
{
	loop_timer_add(L, 0, stop, NULL);
	loop_run(L);
}

/* A client that does not block (usock_connect's, made non-blocking). */
static int
client(const struct sockaddr_un *sa)
{
	int fd = usock_connect(sa);

	if (fd >= 0)
		fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

/* A request frame: ['word'] pickled, with the terminator. */
static void
frame(struct strbuf *out, const char *word)
{
	struct pyval *v = pyval_list();

	pyval_append(v, pyval_str(word));
	pickle_dump(v, out);
	strbuf_add(out, END, strlen(END));
	pyval_free(v);
}

/* The answers fd has sent so far, appended to got; how many complete ones. */
static int
answers(int fd, struct strbuf *got)
{
	char buf[65536];
	ssize_t n;
	const char *p;
	int k = 0;

	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
		strbuf_add(got, buf, (size_t)n);
	for (p = got->s; p && (p = memmem(p, got->len - (size_t)(p - got->s), END,
	    strlen(END))) != NULL; p += strlen(END))
		k++;
	return k;
}

/* The answers' values, "a,b,c," (each a pickled (0, 'word') tuple). */
static void
words(const struct strbuf *got, struct strbuf *out)
{
	const char *p = got->s, *end;

	while (p && (end = memmem(p, got->len - (size_t)(p - got->s), END, strlen(END))) != NULL) {
		char *err = NULL;
		struct pyval *v = pickle_load(p, (size_t)(end - p), &err);

		strbuf_addf(out, "%s,", v && pyval_type(v) == PY_TUPLE ?
		    pyval_as_str(pyval_at(v, 1)) : v ? pyval_as_str(v) : err);
		pyval_free(v);
		free(err);
		p = end + strlen(END);
	}
}

int
main(void)
{
	char dir[] = "/tmp/f2b-ctl.XXXXXX";
	struct sockaddr_un sa;
	struct control *ctl;
	struct strbuf req = STRBUF_INIT, got = STRBUF_INIT, w = STRBUF_INIT;
	int lfd, a, b, i, k, turns;
	size_t at;

	L = loop_new();
	if ((lfd = usock_listen(dir, &sa)) < 0)
		return 1;
	ctl = control_new(L, lfd, on_request, NULL, NULL);

	/* three frames sent a byte at a time: the terminator split too */
	frame(&req, "one");
	frame(&req, "two");
	frame(&req, "three");
	a = client(&sa);
	for (at = 0; at < req.len; at++) {
		if (send(a, req.s + at, 1, MSG_NOSIGNAL) != 1)
			break;
		one_turn();
	}
	for (i = 0; i < 100 && answers(a, &got) < 3; i++)
		one_turn();
	words(&got, &w);
	is_str(strbuf_str(&w), "one,two,three,", "frames sent a byte at a time: answered in order");
	strbuf_reset(&got);
	strbuf_reset(&w);

	/* an oversized frame, then a good one */
	strbuf_reset(&req);
	for (k = 0; k < CONTROL_MAX_FRAME / 65536 + 2; k++) {
		char chunk[65536];

		memset(chunk, 'x', sizeof(chunk));
		strbuf_add(&req, chunk, sizeof(chunk));
	}
	strbuf_add(&req, END, strlen(END));
	frame(&req, "after");
	for (at = 0, i = 0; i < 2000 && answers(a, &got) < 2; i++) {
		ssize_t n = at < req.len ? send(a, req.s + at, req.len - at, MSG_NOSIGNAL) : 0;

		if (n > 0)
			at += (size_t)n;
		one_turn();
	}
	words(&got, &w);
	is_str(strbuf_str(&w), "ERROR: the request is too large,after,",
	    "a frame over the limit: an error answer, and the next frame is read");
	close(a);
	strbuf_reset(&got);
	strbuf_reset(&w);

	/* a busy client and a quiet one */
	strbuf_reset(&req);
	for (k = 0; k < 1000; k++)
		frame(&req, "busy");
	a = client(&sa);
	b = client(&sa);
	for (at = 0; at < req.len; ) {
		ssize_t n = send(a, req.s + at, req.len - at, MSG_NOSIGNAL);

		if (n <= 0)
			break;
		at += (size_t)n;
	}
	strbuf_reset(&req);
	frame(&req, "quiet");
	if (send(b, req.s, req.len, MSG_NOSIGNAL) != (ssize_t)req.len)
		return 1;
	handled = 0;
	for (turns = 1; turns < 100; turns++) {
		one_turn();
		if (answers(b, &w) == 1)
			break;
	}
	ok(turns <= 3, "a request beside a client that sent 1000 is answered in turn %d", turns);
	ok(handled <= 3 * 2 * 16 + 1, "... the busy client got a bounded share meanwhile "
	    "(%lu requests answered)", handled);
	for (i = 0; i < 1000 && answers(a, &got) < 1000; i++)
		one_turn();
	is_int(answers(a, &got), 1000, "... and all of its answers in the turns after");
	close(a);
	close(b);
	strbuf_reset(&got);
	strbuf_reset(&w);

	/* a client that sends and never reads */
	{
		const char *word = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
		struct pyval *ans = pyval_tuple();
		struct strbuf one = STRBUF_INIT;
		int small = 4096;
		size_t size;
		unsigned long before;

		pyval_append(ans, pyval_int(0));
		pyval_append(ans, pyval_str(word));
		pickle_dump(ans, &one);
		size = one.len + strlen(END);	/* an answer's size */
		pyval_free(ans);
		strbuf_free(&one);
		strbuf_reset(&req);
		for (k = 0; k < 10; k++)
			frame(&req, word);
		a = client(&sa);
		setsockopt(a, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
		handled = 0;
		for (i = 0; i < 100000; i++) {
			if (send(a, req.s, req.len, MSG_NOSIGNAL) < 0)
				break;	/* the server stopped reading: the socket is full */
			before = handled;
			for (k = 0; k < 5 && handled < before + 10; k++)
				one_turn();
		}
		ok(i < 100000 && handled * size >= CONTROL_MAX_FRAME / 4 &&
		    handled * size < (1 << 20) + (1 << 19), "a client that never reads its "
		    "answers is no longer read once about 1 MiB of them waits (%lu KiB)",
		    handled * size / 1024);
		close(a);
		for (i = 0; i < 10; i++)
			one_turn();
	}

	control_free(ctl);
	close(lfd);
	unlink(sa.sun_path);
	rmdir(dir);
	strbuf_free(&req);
	strbuf_free(&got);
	strbuf_free(&w);
	loop_free(L);
	return tap_done();
}

/* loop: epoll, a timer heap, signalfd and child reaping. */
#include "loop.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "xmalloc.h"

struct handler {
	int		 fd;
	loop_fd_fn	*fn;
	void		*arg;
	bool		 dead;
	struct handler	*next_dead;
};

struct loop_timer {
	double		 when;
	size_t		 idx;		/* position in the heap */
	unsigned long	 seq;		/* ties run in the order they were added */
	loop_timer_fn	*fn;
	void		*arg;
};

struct sigent {
	int		 signo;
	loop_signal_fn	*fn;
	void		*arg;
};

struct child {
	pid_t		 pid;
	loop_child_fn	*fn;
	void		*arg;
	int		 status;	/* once reaped: its wait status, -1: unknown */
};

struct loop {
	int		  ep;
	struct handler	**fds;		/* by fd */
	size_t		  nfds;
	struct handler	 *dead;		/* freed at the end of a turn */
	struct loop_timer **heap;
	size_t		  nheap, capheap;
	unsigned long	  seq;
	int		  sfd;		/* signalfd, -1 until a signal is taken */
	sigset_t	  sigs;
	struct sigent	 *sig;
	size_t		  nsig;
	struct child	 *kids;
	size_t		  nkids, capkids;
	struct child	 *gone;		/* reaped, their callbacks being called */
	size_t		  ngone;
	bool		  stop;
	unsigned long	  turn;		/* epoll_wait calls so far */
	loop_timer_fn	 *idle;		/* before each wait */
	void		 *idle_arg;
};

double
loop_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct loop *
loop_new(void)
{
	struct loop *l = xcalloc(1, sizeof(*l));

	if ((l->ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		abort();
	l->sfd = -1;
	sigemptyset(&l->sigs);
	return l;
}

static void
reap_dead(struct loop *l)
{
	while (l->dead) {
		struct handler *h = l->dead;

		l->dead = h->next_dead;
		free(h);
	}
}

void
loop_free(struct loop *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->nfds; i++)
		free(l->fds[i]);
	reap_dead(l);
	for (i = 0; i < l->nheap; i++)
		free(l->heap[i]);
	free(l->heap);
	free(l->fds);
	free(l->sig);
	free(l->kids);
	if (l->sfd >= 0)
		close(l->sfd);
	close(l->ep);
	free(l);
}

/* ---- file descriptors --------------------------------------------------- */

int
loop_fd_add(struct loop *l, int fd, uint32_t events, loop_fd_fn *fn, void *arg)
{
	struct epoll_event ev;
	struct handler *h;

	if (fd < 0)
		return -1;
	if ((size_t)fd >= l->nfds) {
		size_t n = l->nfds ? l->nfds : 16;

		while (n <= (size_t)fd)
			n *= 2;
		l->fds = xrealloc(l->fds, n * sizeof(*l->fds));
		memset(l->fds + l->nfds, 0, (n - l->nfds) * sizeof(*l->fds));
		l->nfds = n;
	}
	h = xcalloc(1, sizeof(*h));
	h->fd = fd;
	h->fn = fn;
	h->arg = arg;
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = h;
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		free(h);
		return -1;
	}
	l->fds[fd] = h;
	return 0;
}

int
loop_fd_mod(struct loop *l, int fd, uint32_t events)
{
	struct epoll_event ev;

	if (fd < 0 || (size_t)fd >= l->nfds || l->fds[fd] == NULL)
		return -1;
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = l->fds[fd];
	return epoll_ctl(l->ep, EPOLL_CTL_MOD, fd, &ev);
}

void
loop_fd_del(struct loop *l, int fd)
{
	struct handler *h;

	if (fd < 0 || (size_t)fd >= l->nfds || (h = l->fds[fd]) == NULL)
		return;
	epoll_ctl(l->ep, EPOLL_CTL_DEL, fd, NULL);
	l->fds[fd] = NULL;
	h->dead = true;		/* an event for it may still be pending this turn */
	h->next_dead = l->dead;
	l->dead = h;
}

/* ---- timers ------------------------------------------------------------- */

static bool
before(const struct loop_timer *a, const struct loop_timer *b)
{
	return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static void
heap_swap(struct loop *l, size_t i, size_t j)
{
	struct loop_timer *t = l->heap[i];

	l->heap[i] = l->heap[j];
	l->heap[j] = t;
	l->heap[i]->idx = i;
	l->heap[j]->idx = j;
}

static void
heap_up(struct loop *l, size_t i)
{
	while (i > 0 && before(l->heap[i], l->heap[(i - 1) / 2])) {
		heap_swap(l, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void
heap_down(struct loop *l, size_t i)
{
	for (;;) {
		size_t c = 2 * i + 1, m = i;

		if (c < l->nheap && before(l->heap[c], l->heap[m]))
			m = c;
		if (c + 1 < l->nheap && before(l->heap[c + 1], l->heap[m]))
			m = c + 1;
		if (m == i)
			return;
		heap_swap(l, i, m);
		i = m;
	}
}

struct loop_timer *
loop_timer_add(struct loop *l, double delay, loop_timer_fn *fn, void *arg)
{
	struct loop_timer *t = xcalloc(1, sizeof(*t));

	t->when = loop_now() + (delay > 0 ? delay : 0);
	t->seq = l->seq++;
	t->fn = fn;
	t->arg = arg;
	l->heap = xgrow(l->heap, &l->capheap, l->nheap + 1, sizeof(*l->heap));
	t->idx = l->nheap;
	l->heap[l->nheap++] = t;
	heap_up(l, t->idx);
	return t;
}

void
loop_timer_cancel(struct loop *l, struct loop_timer *t)
{
	size_t i;

	if (t == NULL)
		return;
	i = t->idx;
	if (i >= l->nheap || l->heap[i] != t)
		return;
	l->nheap--;
	if (i != l->nheap) {
		l->heap[i] = l->heap[l->nheap];
		l->heap[i]->idx = i;
		heap_down(l, i);
		heap_up(l, i);
	}
	free(t);
}

static void
run_timers(struct loop *l)
{
	double now = loop_now();

	while (l->nheap > 0 && l->heap[0]->when <= now && !l->stop) {
		struct loop_timer *t = l->heap[0];
		loop_timer_fn *fn = t->fn;
		void *arg = t->arg;

		loop_timer_cancel(l, t);	/* frees t */
		fn(arg);
	}
}

/* ---- signals and children ----------------------------------------------- */

static void reap_children(struct loop *);

/*
 * The signals pending now: one read a turn (a signal raised meanwhile, a
 * child started and gone in this turn, is seen in the next).
 */
static void
on_signalfd(void *arg, int fd, uint32_t events)
{
	struct loop *l = arg;
	struct signalfd_siginfo si[16];
	ssize_t n = read(fd, si, sizeof(si));
	bool chld = false;
	size_t k, i;

	(void)events;
	for (k = 0; n > 0 && k < (size_t)n / sizeof(si[0]); k++) {
		if ((int)si[k].ssi_signo == SIGCHLD) {
			chld = true;
			continue;
		}
		for (i = 0; i < l->nsig; i++)
			if (l->sig[i].signo == (int)si[k].ssi_signo)
				l->sig[i].fn(l->sig[i].arg, (int)si[k].ssi_signo);
	}
	if (chld)
		reap_children(l);
}

static int
take_signal(struct loop *l, int signo)
{
	if (sigismember(&l->sigs, signo))
		return 0;
	sigaddset(&l->sigs, signo);
	if (sigprocmask(SIG_BLOCK, &l->sigs, NULL) < 0)
		return -1;
	if (l->sfd < 0) {
		if ((l->sfd = signalfd(-1, &l->sigs, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
			return -1;
		return loop_fd_add(l, l->sfd, EPOLLIN, on_signalfd, l);
	}
	return signalfd(l->sfd, &l->sigs, 0) < 0 ? -1 : 0;
}

int
loop_signal(struct loop *l, int signo, loop_signal_fn *fn, void *arg)
{
	l->sig = xrealloc(l->sig, (l->nsig + 1) * sizeof(*l->sig));
	l->sig[l->nsig].signo = signo;
	l->sig[l->nsig].fn = fn;
	l->sig[l->nsig].arg = arg;
	l->nsig++;
	return take_signal(l, signo);
}

void
loop_child(struct loop *l, pid_t pid, loop_child_fn *fn, void *arg)
{
	bool taken = sigismember(&l->sigs, SIGCHLD);

	take_signal(l, SIGCHLD);
	l->kids = xgrow(l->kids, &l->capkids, l->nkids + 1, sizeof(*l->kids));
	l->kids[l->nkids].pid = pid;
	l->kids[l->nkids].fn = fn;
	l->kids[l->nkids].arg = arg;
	l->nkids++;
	/*
	 * It may have exited before SIGCHLD was ours.  Once it is, an exit is
	 * seen in a later turn: reaping here would let a caller that starts the
	 * next command from the callback run a whole queue in one turn.
	 */
	if (!taken)
		reap_children(l);
}

void
loop_child_forget(struct loop *l, pid_t pid)
{
	size_t i;

	for (i = 0; i < l->nkids; i++)
		if (l->kids[i].pid == pid) {
			l->kids[i] = l->kids[--l->nkids];
			return;
		}
	for (i = 0; i < l->ngone; i++)
		if (l->gone[i].pid == pid)
			l->gone[i].fn = NULL;	/* its callback is not to be called */
}

/*
 * The children that have exited, then their callbacks: a child a callback
 * starts is not looked at before the next SIGCHLD, so commands started
 * one after another from callbacks take one turn each, not one turn all.
 */
static void
reap_children(struct loop *l)
{
	struct child *gone = NULL;
	size_t ngone = 0, i = 0;

	while (i < l->nkids) {
		int st;
		pid_t r = waitpid(l->kids[i].pid, &st, WNOHANG);

		if (r == l->kids[i].pid || (r < 0 && errno == ECHILD)) {
			gone = xrealloc(gone, (ngone + 1) * sizeof(*gone));
			gone[ngone] = l->kids[i];
			gone[ngone++].status = r < 0 ? -1 : st;
			l->kids[i] = l->kids[--l->nkids];
			continue;
		}
		i++;
	}
	l->gone = gone;		/* loop_child_forget() may strike some off */
	l->ngone = ngone;
	for (i = 0; i < ngone; i++)
		if (gone[i].fn)
			gone[i].fn(gone[i].arg, gone[i].pid, gone[i].status);
	l->gone = NULL;
	l->ngone = 0;
	free(gone);
}

/* ---- running ------------------------------------------------------------ */

void
loop_on_idle(struct loop *l, loop_timer_fn *fn, void *arg)
{
	l->idle = fn;
	l->idle_arg = arg;
}

unsigned long
loop_turn(const struct loop *l)
{
	return l->turn;
}

void
loop_stop(struct loop *l)
{
	l->stop = true;
}

int
loop_run(struct loop *l)
{
	struct epoll_event evs[64];

	l->stop = false;
	while (!l->stop) {
		int n, i, timeout = -1;

		if (l->idle)
			l->idle(l->idle_arg);
		if (l->nheap > 0) {
			double d = l->heap[0]->when - loop_now();

			timeout = d <= 0 ? 0 : (int)(d * 1000) + 1;
		}
		n = epoll_wait(l->ep, evs, 64, timeout);
		if (n < 0 && errno != EINTR)
			abort();
		l->turn++;
		for (i = 0; i < n && !l->stop; i++) {
			struct handler *h = evs[i].data.ptr;

			if (!h->dead)
				h->fn(h->arg, h->fd, evs[i].events);
		}
		reap_dead(l);
		if (!l->stop)
			run_timers(l);
	}
	return 0;
}

/* Unit tests for loop: timers in order and cancelled, fd readiness, signals
 * through the signalfd, children reaped - a child started from a child's
 * callback in a later turn, so a chain of commands cannot hold one turn. */
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loop.h"
#include "tap.h"

static struct loop *L;
static char order[16];
static int norder;

static void tick(void *arg) { order[norder++] = *(const char *)arg; }
static void stop(void *arg) { (void)arg; loop_stop(L); }

static int readable;
static void
on_fd(void *arg, int fd, uint32_t ev)
{
	char c;

	(void)arg;
	if ((ev & EPOLLIN) && read(fd, &c, 1) == 1)
		readable++;
}

static int got_sig;
static void on_sig(void *arg, int signo) { (void)arg; got_sig = signo; }

static int child_status = -1;
static void
on_child(void *arg, pid_t pid, int status)
{
	(void)arg;
	(void)pid;
	child_status = status;
	loop_stop(L);
}

/* Each callback starts the next child, up to 5: the turn each was reaped in. */
static unsigned long chain_turns[5];
static int nchain;

static void
on_chain(void *arg, pid_t pid, int status)
{
	pid_t next;
	siginfo_t si;

	(void)arg;
	(void)pid;
	(void)status;
	chain_turns[nchain++] = loop_turn(L);
	if (nchain == 5) {
		loop_stop(L);
		return;
	}
	if ((next = fork()) == 0)
		_exit(0);
	/* it has exited (not reaped: WNOWAIT) before it is registered */
	waitid(P_PID, (id_t)next, &si, WEXITED | WNOWAIT);
	loop_child(L, next, on_chain, NULL);
}

static int idles;
static char idle_saw[8];

static void
on_idle(void *arg)
{
	(void)arg;
	if (idles < 7)
		idle_saw[idles] = norder ? order[norder - 1] : '-';
	idles++;
}

int
main(void)
{
	struct loop_timer *t;
	int p[2];
	pid_t pid;

	L = loop_new();
	loop_timer_add(L, 0.03, tick, "c");
	loop_timer_add(L, 0.01, tick, "a");
	t = loop_timer_add(L, 0.02, tick, "x");
	loop_timer_add(L, 0.02, tick, "b");
	loop_timer_add(L, 0, tick, "0");
	loop_timer_cancel(L, t);
	loop_timer_add(L, 0.05, stop, NULL);
	loop_run(L);
	order[norder] = '\0';
	is_str(order, "0abc", "timers run in time order, ties in order, cancelled never");

	if (pipe(p) < 0)
		return 1;
	loop_fd_add(L, p[0], EPOLLIN, on_fd, NULL);
	if (write(p[1], "xy", 2) != 2)
		return 1;
	loop_timer_add(L, 0.02, stop, NULL);
	loop_run(L);
	is_int(readable, 2, "readable fd served until drained");
	loop_fd_del(L, p[0]);

	loop_signal(L, SIGUSR1, on_sig, NULL);
	kill(getpid(), SIGUSR1);
	loop_timer_add(L, 0.02, stop, NULL);
	loop_run(L);
	is_int(got_sig, SIGUSR1, "signal delivered through the loop");

	pid = fork();
	if (pid == 0)
		_exit(7);
	loop_child(L, pid, on_child, NULL);
	loop_timer_add(L, 2, stop, NULL);
	loop_run(L);
	ok(WIFEXITED(child_status) && WEXITSTATUS(child_status) == 7, "child reaped with its status");

	pid = fork();
	if (pid == 0)
		_exit(0);
	loop_child(L, pid, on_chain, NULL);
	loop_timer_add(L, 5, stop, NULL);
	loop_run(L);
	ok(nchain == 5 && chain_turns[0] < chain_turns[1] && chain_turns[1] < chain_turns[2] &&
	    chain_turns[2] < chain_turns[3] && chain_turns[3] < chain_turns[4],
	    "a child started by a child's callback is reaped in a later turn (turns %lu %lu %lu "
	    "%lu %lu)", chain_turns[0], chain_turns[1], chain_turns[2], chain_turns[3],
	    chain_turns[4]);

	norder = 0;
	loop_on_idle(L, on_idle, NULL);
	loop_timer_add(L, 0, tick, "p");
	loop_timer_add(L, 0.01, tick, "q");
	loop_timer_add(L, 0.02, stop, NULL);
	loop_run(L);
	ok(idles >= 3 && strncmp(idle_saw, "-pq", 3) == 0,
	    "the idle hook runs before each wait, after that turn's work");
	loop_on_idle(L, NULL, NULL);
	close(p[0]);
	close(p[1]);
	loop_free(L);
	return tap_done();
}

/*
 * loop: the daemon's one event loop (epoll): file descriptors, one-shot
 * timers on the monotonic clock (a binary heap), signals through a
 * signalfd, and child processes reaped on SIGCHLD.  Callbacks run one at a
 * time on the loop's thread; a callback may add or remove anything,
 * including itself.  Leaf module.
 */
#ifndef F2B_LOOP_H
#define F2B_LOOP_H

#include <stdint.h>
#include <sys/types.h>

struct loop;
struct loop_timer;

typedef void loop_fd_fn(void *arg, int fd, uint32_t events);
typedef void loop_timer_fn(void *arg);
typedef void loop_signal_fn(void *arg, int signo);
typedef void loop_child_fn(void *arg, pid_t pid, int status);

struct loop	*loop_new(void);
void		 loop_free(struct loop *);

/* Watches fd for events (EPOLLIN...); -1 with errno on failure. */
int		 loop_fd_add(struct loop *, int fd, uint32_t events, loop_fd_fn *, void *);
int		 loop_fd_mod(struct loop *, int fd, uint32_t events);
void		 loop_fd_del(struct loop *, int fd);

/*
 * Calls fn once after delay seconds (0: at the end of this turn, or in the
 * next turn when added by a timer's callback).
 */
struct loop_timer *loop_timer_add(struct loop *, double delay, loop_timer_fn *, void *);
void		 loop_timer_cancel(struct loop *, struct loop_timer *);

/* Delivers signo to fn (the signal is blocked and read from a signalfd). */
int		 loop_signal(struct loop *, int signo, loop_signal_fn *, void *);
/*
 * Calls fn when child pid exits (SIGCHLD is taken over by the loop), in a
 * later turn (in this call only when SIGCHLD was not the loop's yet).
 */
void		 loop_child(struct loop *, pid_t, loop_child_fn *, void *);
/* Stops watching pid (reaped elsewhere). */
void		 loop_child_forget(struct loop *, pid_t);

/* Calls fn each time the loop is about to wait for events (one at most). */
void		 loop_on_idle(struct loop *, loop_timer_fn *, void *);
/* Runs until loop_stop(); returns 0. */
int		 loop_run(struct loop *);
void		 loop_stop(struct loop *);
/*
 * The turns so far (one wait for events, its callbacks and timers): work
 * bounded per turn compares it with the turn its budget was counted in.
 */
unsigned long	 loop_turn(const struct loop *);
/* Seconds on the monotonic clock. */
double		 loop_now(void);

#endif

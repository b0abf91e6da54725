/*
 * runner: runs action commands without blocking the loop.  A runner (one
 * per jail) keeps a queue and runs up to RUNNER_PARALLEL commands at once,
 * under two ordering rules: commands with the same key (the address a ban
 * or unban is for) run one after another in the order they were queued - a
 * ban always before its unban - and a command without a key (actionstart,
 * actionstop, actionflush...) is a barrier: it waits for everything queued
 * before it, and everything after waits for it.
 *
 * A command is a shell script with positional arguments, run as
 * `/bin/sh -c SCRIPT ARGS...` in its own process group with stdout and
 * stderr collected; past its timeout the whole group gets SIGTERM, then
 * SIGKILL.  Lines that are plain ipset invocations run in-process (see
 * ipset.h) when the script is a simple list of commands; those reached in
 * one loop turn run together at its end, adds and dels to one set in one
 * netlink message.  Leaf module: results go to the done callback.
 */
#ifndef F2B_RUNNER_H
#define F2B_RUNNER_H

#include <stdbool.h>
#include <stddef.h>

struct action_cmd;
struct loop;
struct runner;

#define RUNNER_PARALLEL	16	/* commands running at once, per runner */
#define RUNNER_TIMEOUT	(-1)	/* killed after the timeout */
#define RUNNER_NOSPAWN	(-2)	/* could not start /bin/sh */

/*
 * status: the exit status (of the last command), 128+N when killed by
 * signal N, or RUNNER_TIMEOUT / RUNNER_NOSPAWN.  output: stdout and stderr.
 */
typedef void runner_done_fn(void *arg, int status, const char *output);

struct runner	*runner_new(struct loop *);
/* Frees the runner; commands still running are killed. */
void		 runner_free(struct runner *);
/*
 * Queues cmd (taken over) with a timeout in seconds (0: killed unless it
 * is done at once, as in fail2ban); key NULL: a barrier.
 */
void		 runner_submit(struct runner *, struct action_cmd *, double timeout,
		    const char *key, runner_done_fn *, void *arg);
/*
 * Queues cmd ahead of everything waiting (a retry from a done callback: it
 * still waits for running commands of its key).
 */
void		 runner_submit_next(struct runner *, struct action_cmd *, double timeout,
		    const char *key, runner_done_fn *, void *arg);
/*
 * on: nothing queued starts until the hold ends (commands submitted one by
 * one that must run in their queue order); off: what may start, starts.
 */
void		 runner_hold(struct runner *, bool on);
/*
 * A barrier without a command: done (status 0, no output) is called, from
 * the loop, once everything queued before it is done; what is queued
 * after waits for it (the end of a group of commands someone waits for).
 */
void		 runner_barrier(struct runner *, runner_done_fn *, void *arg);
/* Whether anything is running or queued. */
bool		 runner_busy(const struct runner *);
/* Commands started so far. */
unsigned long	 runner_started(const struct runner *);
/* Netlink messages the batched ipset commands took. */
unsigned long	 runner_batches(const struct runner *);
/*
 * The open files soft limit children get (the one the daemon was started
 * with, before it raised its own: programs that loop over every possible
 * descriptor, or use select(), expect the usual 1024); 0: left as it is.
 */
void		 runner_child_nofile(unsigned long);

#endif

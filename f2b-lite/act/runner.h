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
 * SIGKILL.  A command that cannot start (no descriptor, no process) is
 * not failed: it keeps its place, the runner pauses and tries it again
 * after a back-off (runner_on_retry says so), so a ban is never lost for
 * want of a descriptor; commands take from a process-wide descriptor
 * reserve (runner_reserve) that nothing else can use up.  Lines that are plain ipset invocations run in-process (see
 * ipset.h) when the script is a simple list of commands; those reached in
 * one loop turn run together at its end, adds and dels to one set in one
 * netlink message.  An in-process line that cannot have worked - an
 * ipset add of an address of the other family than its set's - fails its
 * script even when a later line succeeds (the shell's status is its last
 * line's and would hide it).  It never logs: results go to the done
 * callback (a command that could not start, to runner_on_retry's; what a
 * failed line needs fixed, to runner_on_note's).  No leaf: it runs
 * what action made (struct action_cmd), the lines ipset and logger take
 * in-process, and its processes and timeouts on the loop.
 */
#ifndef F2B_RUNNER_H
#define F2B_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct action_cmd;
struct loop;
struct runner;

#define RUNNER_PARALLEL	16	/* commands running at once, per runner */
#define RUNNER_TIMEOUT	(-1)	/* killed after the timeout */
#define RUNNER_NOTED	(-2)	/* failed as runner_on_note said: nothing to say per command */

/*
 * status: the exit status (of the last command, or of an in-process line
 * that cannot have worked), 128+N when killed by signal N, or
 * RUNNER_TIMEOUT.  output: stdout and stderr.
 */
typedef void runner_done_fn(void *arg, int status, const char *output);
/*
 * A command (arg: its done callback's) could not start - err is the
 * errno (EMFILE, EAGAIN...) - for the attempt-th time; it is tried again
 * in delay seconds, nothing of the runner starting meanwhile.
 */
typedef void runner_retry_fn(void *arg, int err, unsigned attempt, double delay);
/*
 * An in-process line failed in a way the admin must fix: msg says what and
 * how, key what it is about; arg is the command's.  once: an address of
 * the other family than its ipset set, told once per runner for key (the
 * set and family).  Otherwise a full set, told at each address it refused
 * (msg: the sentence, a newline, the fix): the command's status is
 * RUNNER_NOTED and its output left out, for the callee to say it as
 * seldom as it likes, with a count.
 */
typedef void runner_note_fn(void *arg, const char *key, const char *msg, bool once);

struct runner	*runner_new(struct loop *);
/* Tells fn about each command that could not start (none: said nowhere). */
void		 runner_on_retry(struct runner *, runner_retry_fn *fn);
/* Tells fn what an in-process line's failure needs fixed (none: said nowhere). */
void		 runner_on_note(struct runner *, runner_note_fn *fn);
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
/*
 * Holds n descriptors (at most 64) aside for every runner's commands: a
 * command's pipe, or an in-process command's socket, takes from them when
 * no other descriptor is free, and they are taken back once it is closed.
 * Call once the open files limit is what it will stay.
 */
void		 runner_reserve(unsigned n);
/* Descriptors held in the reserve now (tests). */
unsigned	 runner_reserved(void);
/*
 * Runs fn(arg, fd) in a child process, a fork without exec (the daemon's
 * configuration reader, which reads files while the socket already
 * answers): fn writes its result to fd, the child exits with what fn
 * returns.  Returns the pipe's read end (non-blocking, close-on-exec) with
 * *pid, or -1 (errno).  The caller reaps the child (loop_child()).  With
 * the shells of the commands, this is every process f2b-lite starts but
 * the daemon's own going to the background (process.c).
 */
int		 runner_fork_call(int (*fn)(void *arg, int fd), void *arg, pid_t *pid);

#endif

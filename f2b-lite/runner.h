/*
 * runner: runs action commands without blocking the loop.  Each runner is
 * a queue served in order, one command at a time (one per jail: a jail's
 * ban of an address always runs before its unban).  A command is a shell
 * script with positional arguments, run as `/bin/sh -c SCRIPT ARGS...` in
 * its own process group with stdout and stderr collected; past its timeout
 * the whole group gets SIGTERM, then SIGKILL.  Lines that are plain ipset
 * invocations run in-process (see ipset.h) when the script is a simple list
 * of commands.  Leaf module: results go to the done callback.
 */
#ifndef F2B_RUNNER_H
#define F2B_RUNNER_H

#include <stdbool.h>
#include <stddef.h>

struct action_cmd;
struct loop;
struct runner;

#define RUNNER_TIMEOUT	(-1)	/* killed after the timeout */
#define RUNNER_NOSPAWN	(-2)	/* could not start /bin/sh */

/*
 * status: the exit status (of the last command), 128+N when killed by
 * signal N, or RUNNER_TIMEOUT / RUNNER_NOSPAWN.  output: stdout and stderr.
 */
typedef void runner_done_fn(void *arg, int status, const char *output);

struct runner	*runner_new(struct loop *);
/* Frees the runner; a command still running is killed. */
void		 runner_free(struct runner *);
/* Queues cmd (taken over) with a timeout in seconds. */
void		 runner_submit(struct runner *, struct action_cmd *, double timeout,
		    runner_done_fn *, void *arg);
/* Queues cmd to run right after the command now finishing (retries). */
void		 runner_submit_next(struct runner *, struct action_cmd *, double timeout,
		    runner_done_fn *, void *arg);
/* Whether anything is running or queued. */
bool		 runner_busy(const struct runner *);
/* Commands started so far, and how many ran in-process. */
unsigned long	 runner_started(const struct runner *);
unsigned long	 runner_native(const struct runner *);

#endif

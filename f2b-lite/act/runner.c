/* runner: queued, keyed, parallel command execution. */
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "action.h"
#include "dict.h"
#include "ipset.h"
#include "logger.h"
#include "loop.h"
#include "strbuf.h"
#include "xmalloc.h"

#define KILL_GRACE	0.2	/* SIGTERM, then SIGKILL this much later */
#define RETRY_FIRST	0.1	/* a command that could not start: tried again after */
#define RETRY_MAX	5.0	/* ... doubling up to this */
#define RESERVE_MAX	64

/*
 * The descriptor reserve (runner_reserve): descriptors of /dev/null held
 * open for the commands.  Every other user of descriptors (connections,
 * logs) fails first when they run out; a command's pipe or in-process
 * socket takes from the reserve when nothing else is free, and it is
 * filled again when they are closed.
 */
static int reserve[RESERVE_MAX];
static unsigned nreserve, want_reserve;

static void
reserve_fill(void)
{
	while (nreserve < want_reserve) {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			return;
		reserve[nreserve++] = fd;
	}
}

/* Frees up to n descriptors of the reserve; whether any was there. */
static bool
reserve_take(unsigned n)
{
	bool any = nreserve > 0;

	while (n-- > 0 && nreserve > 0)
		close(reserve[--nreserve]);
	return any;
}

void
runner_reserve(unsigned n)
{
	want_reserve = n < RESERVE_MAX ? n : RESERVE_MAX;
	while (nreserve > want_reserve)
		close(reserve[--nreserve]);
	reserve_fill();
}

unsigned
runner_reserved(void)
{
	return nreserve;
}

static unsigned long child_nofile;	/* runner_child_nofile */

/*
 * A command run in-process: ipset or logger.  ipset commands are batched:
 * those reached in one loop turn run together at its end (ipset_run_many).
 */
struct native {
	bool	(*split)(const char *, char ***, int *);
	int	(*run)(int, char **, struct strbuf *);
	/* runs many in order, as run() would each (NULL: one by one) */
	size_t	(*run_many)(size_t, char **const[], const int[], int[], struct strbuf *const[]);
	/* a failure that cannot be left to the last line's status: why (heap), or NULL */
	char	*(*for_good)(int, char **, char **key);
	/* a failure said seldom, not per command: why (heap), or NULL (msg: its output) */
	char	*(*noted)(int, char **, const char *msg, char **key);
};

static const struct native natives[] = {
	{ ipset_native, ipset_run, ipset_run_many, ipset_family_mismatch, ipset_full },
	{ logger_native, logger_run, NULL, NULL, NULL },
};
#define NNATIVES	(sizeof(natives) / sizeof(natives[0]))

/* A piece of a script: a native command's argv, or shell text. */
struct seg {
	const struct native *how;	/* native */
	char	**argv;
	int	  argc;
	char	 *text;			/* shell */
};

struct job {
	struct runner	  *r;
	struct action_cmd  cmd;
	double		   timeout;
	char		  *key;		/* NULL: barrier */
	runner_done_fn	  *done;
	void		  *arg;
	struct seg	  *segs;
	size_t		   nsegs, cur;
	bool		   running;
	/* the child of the current piece */
	pid_t		   pid;		/* the shell; 0 once it exited */
	pid_t		   pgid;	/* its process group (setsid) */
	int		   outfd;
	bool		   exited, killed;
	int		   status;
	int		   failed;	/* an in-process line's status that stands */
	size_t		   piece_out;	/* where the current piece's output starts in out */
	unsigned	   attempts;	/* starts that failed (no descriptor, no process) */
	struct strbuf	   out;
	struct loop_timer *timer;
	struct job	  *prev, *next;
};

struct runner {
	struct loop	*loop;
	struct job	*head, *tail;	/* queued and running, in order */
	unsigned	 nrunning;
	/*
	 * what may_start() and step() need without walking the queue (a burst
	 * queues thousands): jobs not started, barriers queued, and per key
	 * the number of its jobs queued or running
	 */
	unsigned	 nwaiting, nbarriers;
	struct dict	*keys;
	unsigned long	 started, batches;
	bool		*alive;		/* cleared by runner_free during a callback */
	bool		 stepping;
	bool		 held;		/* runner_hold(): nothing starts */
	/* jobs waiting at a batched piece, run at the end of this turn */
	struct job	**pending;
	size_t		  npending, cpending;
	struct loop_timer *flush;
	bool		 *flush_alive;
	bool		  flushing;	/* in flush_pending: what comes waits for its next round */
	/* a command could not start: nothing starts until the retry */
	struct loop_timer *retry;
	double		   backoff;
	runner_retry_fn	  *retry_fn;
	runner_note_fn	  *note_fn;
	struct dict	  *noted;	/* what note_fn was told about */
};

/* ---- splitting a script ------------------------------------------------ */

/* A line the shell could not read on its own: part of a compound command. */
static bool
complex_line(const char *l)
{
	static const char *const kw[] = { "if", "then", "else", "elif", "fi", "for",
	    "while", "until", "do", "done", "case", "esac", "{", "}", "(", ")", NULL };
	size_t n = strlen(l), i;

	while (*l == ' ' || *l == '\t')
		l++, n--;
	while (n && (l[n - 1] == ' ' || l[n - 1] == '\t'))
		n--;
	if (n == 0)
		return false;
	if (l[n - 1] == '\\' || l[n - 1] == '|' || l[n - 1] == '&' || l[n - 1] == '{' ||
	    l[n - 1] == '(')
		return true;
	for (i = 0; kw[i]; i++) {
		size_t k = strlen(kw[i]);

		if (strncmp(l, kw[i], k) == 0 && (l[k] == '\0' || l[k] == ' ' ||
		    l[k] == '\t' || l[k] == ';'))
			return true;
	}
	return strstr(l, "<<") != NULL;	/* heredocs span lines */
}

static void
add_seg(struct job *j, const struct native *how, char **argv, int argc, char *text)
{
	j->segs = xrealloc(j->segs, (j->nsegs + 1) * sizeof(*j->segs));
	j->segs[j->nsegs].how = how;
	j->segs[j->nsegs].argv = argv;
	j->segs[j->nsegs].argc = argc;
	j->segs[j->nsegs].text = text;
	j->nsegs++;
}

/*
 * A script runs in-process when every line of it is a native command (the
 * seed's "ipset add" + "logger" pair); one line the shell must run sends it
 * all to the shell - its lines share variables, "exit" and "set -e", quotes
 * spanning lines and the timeout.
 */
static void
split(struct job *j)
{
	char *line, *save = NULL, *copy;
	bool simple = j->cmd.nargs == 0;
	size_t quotes = 0, k, n = 0;
	const char *p;
	struct seg *segs = NULL;

	for (p = j->cmd.script; *p; p++)
		if (*p == '\'' || *p == '"')
			quotes++;
	if (quotes % 2)
		simple = false;
	copy = xstrdup(j->cmd.script);
	for (line = simple ? strtok_r(copy, "\n", &save) : NULL; line;
	    line = strtok_r(NULL, "\n", &save)) {
		char **argv = NULL;
		int argc = 0;

		k = NNATIVES;
		if (!complex_line(line))
			for (k = 0; k < NNATIVES; k++)
				if (natives[k].split(line, &argv, &argc))
					break;
		if (k == NNATIVES) {
			simple = false;
			break;
		}
		segs = xrealloc(segs, (n + 1) * sizeof(*segs));
		segs[n++] = (struct seg){ &natives[k], argv, argc, NULL };
	}
	free(copy);
	if (simple && n > 0) {
		j->segs = segs;
		j->nsegs = n;
		return;
	}
	for (k = 0; k < n; k++)
		strv_free(segs[k].argv);
	free(segs);
	add_seg(j, NULL, NULL, 0, xstrdup(j->cmd.script));
}

/* key's count of jobs in the queue, changed by delta (+1, -1) */
static void
key_count(struct runner *r, const char *key, int delta)
{
	uintptr_t n = (uintptr_t)dict_get(r->keys, key, NULL) + (uintptr_t)(intptr_t)delta;

	if (n == 0)
		dict_del(r->keys, key);
	else
		dict_set(r->keys, key, (void *)n);
}

static void
job_unlink(struct runner *r, struct job *j)
{
	if (!j->running)
		r->nwaiting--;
	if (j->key == NULL)
		r->nbarriers--;
	else
		key_count(r, j->key, -1);
	if (j->prev)
		j->prev->next = j->next;
	else
		r->head = j->next;
	if (j->next)
		j->next->prev = j->prev;
	else
		r->tail = j->prev;
	j->prev = j->next = NULL;
}

static void
job_free(struct job *j)
{
	size_t i;

	for (i = 0; i < j->nsegs; i++) {
		strv_free(j->segs[i].argv);
		free(j->segs[i].text);
	}
	free(j->segs);
	action_cmd_free(&j->cmd);
	strbuf_free(&j->out);
	free(j->key);
	free(j);
}

/* ---- running ------------------------------------------------------------- */

static void step(struct runner *);
static void run_piece(struct job *);

static void
finish(struct job *j, int status)
{
	struct runner *r = j->r;
	bool alive = true;

	job_unlink(r, j);
	r->nrunning--;
	r->alive = &alive;
	if (j->done)
		j->done(j->arg, status, strbuf_str(&j->out));
	job_free(j);
	if (!alive)
		return;
	r->alive = NULL;
	step(r);
}

/*
 * A failed in-process line that cannot have worked: its status stands for
 * the script's, and what to fix is said once (for a full set: told at each
 * refused address, the status RUNNER_NOTED, and true - its own status no
 * longer counts).
 */
static bool
failed_for_good(struct job *j, int st)
{
	struct seg *s = &j->segs[j->cur];
	struct runner *r = j->r;
	char *key, *why;
	bool noted = false;

	if (s->how == NULL)
		return false;
	if (s->how->for_good && (why = s->how->for_good(s->argc, s->argv, &key)) != NULL) {
		if (j->failed == 0)
			j->failed = st;
		if (r->note_fn && !dict_has(r->noted, key)) {
			dict_set(r->noted, key, NULL);
			r->note_fn(j->arg, key, why, true);
		}
	} else if (s->how->noted && (why = s->how->noted(s->argc, s->argv,
	    strbuf_str(&j->out) + j->piece_out, &key)) != NULL) {
		if (j->failed == 0)
			j->failed = RUNNER_NOTED;
		j->out.s[j->out.len = j->piece_out] = '\0';	/* said by note_fn instead */
		if (r->note_fn)
			r->note_fn(j->arg, key, why, false);
		noted = true;
	} else
		return false;
	free(key);
	free(why);
	return noted;
}

/* The current piece ended with st: the next one, or the job is done. */
static void
piece_done(struct job *j, int st)
{
	if (st != 0 && st != RUNNER_TIMEOUT && failed_for_good(j, st))
		st = 0;		/* j->failed stands for it */
	if (j->cur + 1 < j->nsegs && st != RUNNER_TIMEOUT) {
		j->cur++;
		run_piece(j);	/* the last piece's status is the script's, as with sh */
		return;
	}
	finish(j, st == 0 && j->failed ? j->failed : st);
}

/* Takes what the command wrote so far; at the end, stops listening. */
static void
drain(struct job *j, bool last)
{
	char buf[4096];
	ssize_t n;

	if (j->outfd < 0)
		return;
	while ((n = read(j->outfd, buf, sizeof(buf))) > 0)
		if (j->out.len < 65536)
			strbuf_add(&j->out, buf, (size_t)n);
	if (last || n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		loop_fd_del(j->r->loop, j->outfd);
		close(j->outfd);
		j->outfd = -1;
		reserve_fill();
	}
}

/*
 * The shell exited: the piece is done, as fail2ban waits for the shell
 * alone (a command it put in the background may hold the output open; what
 * it writes later is not read).  After a timeout the whole process group
 * is killed, as fail2ban's tout_kill_tree does.
 */
static void
child_exited(struct job *j)
{
	int st;

	drain(j, true);
	loop_timer_cancel(j->r->loop, j->timer);
	j->timer = NULL;
	if (j->killed) {
		kill(-j->pgid, SIGKILL);
		st = RUNNER_TIMEOUT;
	} else if (WIFEXITED(j->status))
		st = WEXITSTATUS(j->status);
	else if (WIFSIGNALED(j->status))
		st = 128 + WTERMSIG(j->status);
	else
		st = 127;	/* cannot happen: waitpid reports exits and signals */
	j->pid = 0;
	piece_done(j, st);
}

static void
on_output(void *arg, int fd, uint32_t events)
{
	(void)fd;
	(void)events;
	drain(arg, false);
}

static void
on_exit_child(void *arg, pid_t pid, int status)
{
	struct job *j = arg;

	(void)pid;
	j->exited = true;
	j->status = status;
	child_exited(j);
}

static void
on_kill(void *arg)
{
	struct job *j = arg;

	j->timer = NULL;
	if (j->pid <= 0)
		return;
	if (!j->killed) {
		j->killed = true;
		kill(-j->pgid, SIGTERM);
		j->timer = loop_timer_add(j->r->loop, KILL_GRACE, on_kill, j);
	} else
		kill(-j->pgid, SIGKILL);
}

/*
 * The child: /bin/sh -c TEXT ARGS... in a session of its own, stdin
 * /dev/null, stdout and stderr the pipe, no other descriptor of ours
 * (fail2ban: close_fds), no signal blocked, SIGPIPE as default (Python's
 * subprocess restores it).  Run after vfork(): system calls only, no
 * allocation, never returns.
 */
static void __attribute__((noreturn))
child(int out, char *const argv[])
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	setsid();
	if (out <= 2 && (out = fcntl(out, F_DUPFD, 3)) < 0)
		_exit(127);
	dup2(out, 1);
	dup2(out, 2);
	close(0);
	if (open("/dev/null", O_RDONLY) != 0)	/* the lowest free: 0 */
		_exit(127);
	close_range(3, ~0U, 0);
	if (child_nofile) {	/* runner_child_nofile */
		struct rlimit rl;

		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > child_nofile) {
			rl.rlim_cur = child_nofile;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	execv("/bin/sh", argv);
	_exit(127);
}

static void resume(void *);

/*
 * The piece could not start (err: why): it waits where it is in the queue,
 * nothing else of this runner starts, and it is tried again after a
 * back-off (RETRY_FIRST doubling up to RETRY_MAX) - a ban must not be lost
 * because descriptors or processes ran out for a moment.
 */
static void
spawn_failed(struct job *j, int err)
{
	struct runner *r = j->r;
	double delay = r->backoff > 0 ? r->backoff : RETRY_FIRST;

	r->backoff = delay * 2 < RETRY_MAX ? delay * 2 : RETRY_MAX;
	j->attempts++;
	j->running = false;
	r->nrunning--;
	r->nwaiting++;
	if (r->retry == NULL)
		r->retry = loop_timer_add(r->loop, delay, resume, r);
	if (r->retry_fn)
		r->retry_fn(j->arg, err, j->attempts, delay);
}

/* Starts the shell for a piece; false (errno set) when it could not. */
static bool
start_shell(struct job *j, const char *text)
{
	char **argv = xcalloc(j->cmd.nargs + 4, sizeof(*argv));
	int p[2], err;
	pid_t pid;
	size_t i;

	argv[0] = "/bin/sh";
	argv[1] = "-c";
	argv[2] = (char *)text;
	for (i = 0; i < j->cmd.nargs; i++)
		argv[3 + i] = j->cmd.args[i];
	if (pipe2(p, O_CLOEXEC) < 0 && !((errno == EMFILE || errno == ENFILE) &&
	    reserve_take(2) && pipe2(p, O_CLOEXEC) == 0)) {
		err = errno;
		free(argv);
		reserve_fill();
		errno = err;
		return false;
	}
	/*
	 * vfork: the child shares our memory until it runs exec, so starting a
	 * command costs the same however large the daemon is (fork copied
	 * its page tables and made every page copy-on-write)
	 */
	pid = vfork();
	if (pid == 0)
		child(p[1], argv);
	err = errno;
	free(argv);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		reserve_fill();
		errno = err;
		return false;
	}
	reserve_fill();
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	j->pid = j->pgid = pid;
	j->outfd = p[0];
	j->exited = j->killed = false;
	loop_fd_add(j->r->loop, p[0], EPOLLIN, on_output, j);
	return true;
}

int
runner_fork_call(int (*fn)(void *, int), void *arg, pid_t *pid)
{
	int p[2], err;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	if ((*pid = fork()) < 0) {
		err = errno;
		close(p[0]);
		close(p[1]);
		errno = err;
		return -1;
	}
	if (*pid == 0) {
		close(p[0]);
		_exit(fn(arg, p[1]));
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	return p[0];
}

static void
spawn(struct job *j, const char *text)
{
	if (!start_shell(j, text)) {
		spawn_failed(j, errno);
		return;
	}
	j->r->backoff = 0;
	/* timeout 0 (or less): fail2ban polls once, then kills */
	j->timer = loop_timer_add(j->r->loop, j->timeout > 0 ? j->timeout : 0, on_kill, j);
	/* last: a child that already exited may be reaped here, and j be gone */
	loop_child(j->r->loop, j->pid, on_exit_child, j);
}

/*
 * The in-process pieces reached this turn, run together: ipset's adds and
 * dels through ipset_run_many (one netlink message for many), the others
 * one by one.  A job's next in-process piece (the seed's logger line after
 * its ipset line) runs in the same flush, in a next round; the descriptor
 * reserve is drawn on once for it all.
 */
static void
flush_pending(void *arg)
{
	struct runner *r = arg;
	bool alive = true;

	r->flush = NULL;
	r->flushing = true;
	r->flush_alive = &alive;
	reserve_take(2);	/* the netlink and syslog sockets */
	while (alive && r->npending > 0) {
		struct job **jobs = r->pending;
		size_t n = r->npending, i, nb = 0;
		char ***argv = xcalloc(n, sizeof(*argv));
		int *argc = xcalloc(n, sizeof(*argc)), *status = xcalloc(n, sizeof(*status));
		int *bstatus = xcalloc(n, sizeof(*bstatus));
		struct strbuf **msg = xcalloc(n, sizeof(*msg));

		const struct native *many = NULL;	/* the one that batches: ipset */

		r->pending = NULL;
		r->npending = r->cpending = 0;
		for (i = 0; i < n; i++) {
			struct seg *sg = &jobs[i]->segs[jobs[i]->cur];

			if (sg->how->run_many == NULL || (many && sg->how != many))
				continue;
			many = sg->how;
			argv[nb] = sg->argv;
			argc[nb] = sg->argc;
			msg[nb++] = &jobs[i]->out;
		}
		if (nb > 0)
			r->batches += many->run_many(nb, argv, argc, bstatus, msg);
		for (i = 0, nb = 0; i < n; i++) {
			struct seg *sg = &jobs[i]->segs[jobs[i]->cur];

			status[i] = sg->how == many ? bstatus[nb++] :
			    sg->how->run(sg->argc, sg->argv, &jobs[i]->out);
		}
		for (i = 0; i < n && alive; i++)
			piece_done(jobs[i], status[i]);
		free(argv);
		free(argc);
		free(status);
		free(bstatus);
		free(msg);
		free(jobs);
	}
	if (alive) {
		r->flush_alive = NULL;
		r->flushing = false;
	}
	reserve_fill();
}

static void
run_piece(struct job *j)
{
	struct seg *s = &j->segs[j->cur];
	struct runner *r = j->r;

	if (s->how != NULL) {
		j->piece_out = j->out.len;
		if (r->npending == r->cpending) {
			r->cpending = r->cpending ? 2 * r->cpending : 16;
			r->pending = xrealloc(r->pending, r->cpending * sizeof(*r->pending));
		}
		r->pending[r->npending++] = j;
		if (r->flush == NULL && !r->flushing)
			r->flush = loop_timer_add(r->loop, 0, flush_pending, r);
		return;
	}
	spawn(j, s->text);
}

/* Whether j may start now: nothing before it of its key, no barrier. */
static bool
may_start(const struct runner *r, const struct job *j)
{
	const struct job *o;

	if (r->nrunning - r->npending >= RUNNER_PARALLEL)
		return false;	/* those waiting for a batch take no slot */
	if (j->key == NULL)
		return r->head == j;
	if (r->nbarriers == 0 && (uintptr_t)dict_get(r->keys, j->key, NULL) == 1)
		return true;	/* the only one of its key, no barrier: the usual case */
	for (o = r->head; o != j; o = o->next) {
		if (o->key == NULL || j->key == NULL)
			return false;	/* a barrier waits for all before it, and all wait for it */
		if (strcmp(o->key, j->key) == 0)
			return false;
	}
	return true;
}

/* A barrier's turn came: it ends from the loop, never inside step(). */
static void
barrier_done(void *arg)
{
	struct job *j = arg;

	j->timer = NULL;
	finish(j, 0);
}

/* Starts j (may_start() said yes); false when it could not start (a retry waits). */
static bool
start_job(struct runner *r, struct job *j)
{
	j->running = true;
	r->nwaiting--;
	r->nrunning++;
	if (j->cmd.script == NULL) {	/* runner_barrier() */
		j->timer = loop_timer_add(r->loop, 0, barrier_done, j);
		return true;
	}
	if (j->segs == NULL)
		split(j);
	run_piece(j);	/* may finish at once (in-process), or fail to start */
	if (r->retry)
		return false;	/* it could not start: all wait for its retry */
	r->started++;
	return true;
}

static void
step(struct runner *r)
{
	struct job *j, *next;

	if (r->stepping || r->held || r->retry || r->nwaiting == 0)
		return;		/* the outer call goes on; or later; or nothing waits */
	r->stepping = true;
again:
	for (j = r->head; j != NULL && r->nrunning - r->npending < RUNNER_PARALLEL; j = next) {
		next = j->next;
		if (j->running || !may_start(r, j))
			continue;
		if (j->cmd.script == NULL) {
			start_job(r, j);
			continue;
		}
		if (!start_job(r, j))
			break;
		goto again;	/* the list may have changed */
	}
	r->stepping = false;
}

static void
resume(void *arg)
{
	struct runner *r = arg;

	r->retry = NULL;
	step(r);
}

void
runner_on_retry(struct runner *r, runner_retry_fn *fn)
{
	r->retry_fn = fn;
}

void
runner_on_note(struct runner *r, runner_note_fn *fn)
{
	r->note_fn = fn;
}

struct runner *
runner_new(struct loop *l)
{
	struct runner *r = xcalloc(1, sizeof(*r));

	r->loop = l;
	r->noted = dict_new(NULL);
	r->keys = dict_new(NULL);
	return r;
}

void
runner_free(struct runner *r)
{
	if (r == NULL)
		return;
	if (r->alive)
		*r->alive = false;
	if (r->flush_alive)
		*r->flush_alive = false;
	loop_timer_cancel(r->loop, r->flush);
	loop_timer_cancel(r->loop, r->retry);
	free(r->pending);
	dict_free(r->noted);
	while (r->head) {
		struct job *j = r->head;

		if (j->pid > 0) {
			kill(-j->pid, SIGKILL);
			loop_child_forget(r->loop, j->pid);
			waitpid(j->pid, NULL, 0);
		}
		if (j->outfd >= 0 && j->running) {
			loop_fd_del(r->loop, j->outfd);
			close(j->outfd);
		}
		loop_timer_cancel(r->loop, j->timer);
		job_unlink(r, j);
		job_free(j);
	}
	dict_free(r->keys);
	free(r);
}

static struct job *
job_new(struct runner *r, struct action_cmd *cmd, double timeout, const char *key,
    runner_done_fn *done, void *arg)
{
	struct job *j = xcalloc(1, sizeof(*j));

	j->r = r;
	j->cmd = *cmd;
	memset(cmd, 0, sizeof(*cmd));
	j->timeout = timeout;
	j->key = key ? xstrdup(key) : NULL;
	j->done = done;
	j->arg = arg;
	j->outfd = -1;
	return j;
}

/* Queues j before `before` (NULL: at the end), then starts what may start. */
static void
job_insert(struct runner *r, struct job *j, struct job *before)
{
	j->next = before;
	j->prev = before ? before->prev : r->tail;
	if (j->prev)
		j->prev->next = j;
	else
		r->head = j;
	if (before)
		before->prev = j;
	else
		r->tail = j;
	if (j->key == NULL)
		r->nbarriers++;
	else
		key_count(r, j->key, +1);
	/*
	 * the usual case, a job at the end while nothing else waits: only it
	 * can start, so it alone is looked at (step() walks the queue, which
	 * a burst fills with thousands of running jobs)
	 */
	if (++r->nwaiting == 1 && before == NULL && !r->stepping && !r->held && !r->retry) {
		if (may_start(r, j))
			start_job(r, j);
		return;
	}
	step(r);
}

void
runner_submit(struct runner *r, struct action_cmd *cmd, double timeout, const char *key,
    runner_done_fn *done, void *arg)
{
	job_insert(r, job_new(r, cmd, timeout, key, done, arg), NULL);
}

void
runner_submit_next(struct runner *r, struct action_cmd *cmd, double timeout,
    const char *key, runner_done_fn *done, void *arg)
{
	struct job *o;

	/* after the running ones, before everything waiting */
	for (o = r->head; o && o->running; o = o->next)
		;
	job_insert(r, job_new(r, cmd, timeout, key, done, arg), o);
}

void
runner_barrier(struct runner *r, runner_done_fn *done, void *arg)
{
	struct action_cmd none = { NULL, NULL, 0 };

	job_insert(r, job_new(r, &none, 0, NULL, done, arg), NULL);
}

void
runner_hold(struct runner *r, bool on)
{
	r->held = on;
	if (!on)
		step(r);
}

bool
runner_busy(const struct runner *r)
{
	return r->head != NULL;
}

unsigned long
runner_started(const struct runner *r)
{
	return r->started;
}

unsigned long
runner_batches(const struct runner *r)
{
	return r->batches;
}

void
runner_child_nofile(unsigned long soft)
{
	child_nofile = soft;
}

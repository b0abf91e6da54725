/* runner: queued, asynchronous command execution. */
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "action.h"
#include "ipset.h"
#include "loop.h"
#include "strbuf.h"
#include "xmalloc.h"

#define KILL_GRACE	0.2	/* SIGTERM, then SIGKILL this much later */

/* A piece of a script: native ipset argv, or shell text. */
struct seg {
	char	**argv;		/* native */
	int	  argc;
	char	 *text;		/* shell */
};

struct job {
	struct action_cmd cmd;
	double		  timeout;
	runner_done_fn	 *done;
	void		 *arg;
	struct seg	 *segs;
	size_t		  nsegs, cur;
	struct job	 *next;
};

struct runner {
	struct loop	  *loop;
	struct job	  *head, *tail;
	bool		   running;
	pid_t		   pid;
	int		   outfd;
	bool		   exited, eof;
	int		   status;
	struct strbuf	   out;
	struct loop_timer *timer;
	bool		   killed;
	unsigned long	   started, native;
	bool		  *alive;	/* cleared by runner_free during a callback */
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
	/* quotes or heredocs spanning lines */
	return strstr(l, "<<") != NULL;
}

static void
split(struct job *j)
{
	char *s = j->cmd.script, *line, *save = NULL, *copy;
	struct strbuf sh = STRBUF_INIT;
	bool simple = j->cmd.nargs == 0, any_native = false;
	size_t quotes = 0;
	const char *p;

	for (p = s; *p; p++)
		if (*p == '\'' || *p == '"')
			quotes++;
	if (quotes % 2)
		simple = false;
	if (simple) {
		copy = xstrdup(s);
		for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			if (complex_line(line))
				simple = false;
		free(copy);
	}
	if (simple) {
		copy = xstrdup(s);
		for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char **argv;
			int argc;

			if (ipset_native(line, &argv, &argc)) {
				if (sh.len) {
					j->segs = xrealloc(j->segs, (j->nsegs + 1) * sizeof(*j->segs));
					memset(&j->segs[j->nsegs], 0, sizeof(*j->segs));
					j->segs[j->nsegs++].text = strbuf_detach(&sh);
				}
				j->segs = xrealloc(j->segs, (j->nsegs + 1) * sizeof(*j->segs));
				j->segs[j->nsegs].argv = argv;
				j->segs[j->nsegs].argc = argc;
				j->segs[j->nsegs++].text = NULL;
				any_native = true;
			} else {
				if (sh.len)
					strbuf_addc(&sh, '\n');
				strbuf_adds(&sh, line);
			}
		}
		free(copy);
	}
	if (!any_native) {
		strbuf_free(&sh);
		j->segs = xrealloc(j->segs, sizeof(*j->segs));
		memset(j->segs, 0, sizeof(*j->segs));
		j->segs[0].text = xstrdup(s);
		j->nsegs = 1;
		return;
	}
	if (sh.len) {
		j->segs = xrealloc(j->segs, (j->nsegs + 1) * sizeof(*j->segs));
		memset(&j->segs[j->nsegs], 0, sizeof(*j->segs));
		j->segs[j->nsegs++].text = strbuf_detach(&sh);
	}
	strbuf_free(&sh);
}

static void
job_free(struct job *j)
{
	size_t i;

	for (i = 0; i < j->nsegs; i++) {
		ipset_argv_free(j->segs[i].argv);
		free(j->segs[i].text);
	}
	free(j->segs);
	action_cmd_free(&j->cmd);
	free(j);
}

/* ---- running ------------------------------------------------------------- */

static void step(struct runner *);

static void
finish_job(struct runner *r, int status)
{
	struct job *j = r->head;
	bool alive = true;

	r->head = j->next;
	if (r->head == NULL)
		r->tail = NULL;
	r->running = false;
	r->alive = &alive;
	if (j->done)
		j->done(j->arg, status, strbuf_str(&r->out));
	job_free(j);
	if (!alive)
		return;
	r->alive = NULL;
	strbuf_reset(&r->out);
	step(r);
}

static void
child_settled(struct runner *r)
{
	int st;

	if (!r->exited || !r->eof)
		return;
	loop_timer_cancel(r->loop, r->timer);
	r->timer = NULL;
	if (r->killed)
		st = RUNNER_TIMEOUT;
	else if (WIFEXITED(r->status))
		st = WEXITSTATUS(r->status);
	else if (WIFSIGNALED(r->status))
		st = 128 + WTERMSIG(r->status);
	else
		st = RUNNER_NOSPAWN;
	r->pid = 0;
	/* the last piece's status is the script's, as with sh */
	if (r->head->cur + 1 < r->head->nsegs && st != RUNNER_TIMEOUT) {
		r->head->cur++;
		r->running = false;
		step(r);
		return;
	}
	finish_job(r, st);
}

static void
on_output(void *arg, int fd, uint32_t events)
{
	struct runner *r = arg;
	char buf[4096];
	ssize_t n;

	(void)events;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (r->out.len < 65536)
			strbuf_add(&r->out, buf, (size_t)n);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		loop_fd_del(r->loop, fd);
		close(fd);
		r->outfd = -1;
		r->eof = true;
		child_settled(r);
	}
}

static void
on_exit_child(void *arg, pid_t pid, int status)
{
	struct runner *r = arg;

	(void)pid;
	r->exited = true;
	r->status = status;
	child_settled(r);
}

static void
on_kill(void *arg)
{
	struct runner *r = arg;

	r->timer = NULL;
	if (r->pid <= 0)
		return;
	if (!r->killed) {
		r->killed = true;
		kill(-r->pid, SIGTERM);
		r->timer = loop_timer_add(r->loop, KILL_GRACE, on_kill, r);
	} else
		kill(-r->pid, SIGKILL);
}

static void
spawn(struct runner *r, const char *text, const struct action_cmd *cmd)
{
	int p[2];
	pid_t pid;
	size_t i;

	if (pipe2(p, O_CLOEXEC) < 0) {
		finish_job(r, RUNNER_NOSPAWN);
		return;
	}
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		finish_job(r, RUNNER_NOSPAWN);
		return;
	}
	if (pid == 0) {
		char **argv = calloc(cmd->nargs + 4, sizeof(*argv));
		sigset_t all;
		int devnull = open("/dev/null", O_RDONLY);

		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		setsid();
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		if (argv == NULL)
			_exit(127);
		argv[0] = "/bin/sh";
		argv[1] = "-c";
		argv[2] = (char *)text;
		for (i = 0; i < cmd->nargs; i++)
			argv[3 + i] = cmd->args[i];
		execv("/bin/sh", argv);
		_exit(127);
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	r->pid = pid;
	r->outfd = p[0];
	r->exited = r->eof = r->killed = false;
	loop_fd_add(r->loop, p[0], EPOLLIN, on_output, r);
	loop_child(r->loop, pid, on_exit_child, r);
	if (r->head->timeout > 0)
		r->timer = loop_timer_add(r->loop, r->head->timeout, on_kill, r);
}

static void
step(struct runner *r)
{
	while (r->head != NULL && !r->running) {
		struct job *j = r->head;
		struct seg *s;

		if (j->segs == NULL)
			split(j);
		s = &j->segs[j->cur];
		r->running = true;
		if (j->cur == 0)
			r->started++;
		if (s->argv != NULL) {
			int st;

			r->native++;
			st = ipset_run(s->argc, s->argv, &r->out);
			if (j->cur + 1 < j->nsegs) {
				j->cur++;
				r->running = false;
				continue;
			}
			finish_job(r, st);
			return;		/* finish_job went on with the queue */
		}
		spawn(r, s->text, &j->cmd);
	}
}

struct runner *
runner_new(struct loop *l)
{
	struct runner *r = xcalloc(1, sizeof(*r));

	r->loop = l;
	r->outfd = -1;
	return r;
}

void
runner_free(struct runner *r)
{
	if (r == NULL)
		return;
	if (r->alive)
		*r->alive = false;
	if (r->pid > 0) {
		kill(-r->pid, SIGKILL);
		loop_child_forget(r->loop, r->pid);
		waitpid(r->pid, NULL, 0);
	}
	if (r->outfd >= 0) {
		loop_fd_del(r->loop, r->outfd);
		close(r->outfd);
	}
	loop_timer_cancel(r->loop, r->timer);
	while (r->head) {
		struct job *j = r->head;

		r->head = j->next;
		job_free(j);
	}
	strbuf_free(&r->out);
	free(r);
}

void
runner_submit(struct runner *r, struct action_cmd *cmd, double timeout,
    runner_done_fn *done, void *arg)
{
	struct job *j = xcalloc(1, sizeof(*j));

	j->cmd = *cmd;
	memset(cmd, 0, sizeof(*cmd));
	j->timeout = timeout;
	j->done = done;
	j->arg = arg;
	if (r->tail)
		r->tail->next = j;
	else
		r->head = j;
	r->tail = j;
	step(r);
}

void
runner_submit_next(struct runner *r, struct action_cmd *cmd, double timeout,
    runner_done_fn *done, void *arg)
{
	struct job *j = xcalloc(1, sizeof(*j));

	j->cmd = *cmd;
	memset(cmd, 0, sizeof(*cmd));
	j->timeout = timeout;
	j->done = done;
	j->arg = arg;
	if (r->running && r->head) {
		/* behind the running one */
		j->next = r->head->next;
		r->head->next = j;
		if (r->tail == r->head)
			r->tail = j;
	} else {
		j->next = r->head;
		r->head = j;
		if (r->tail == NULL)
			r->tail = j;
	}
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
runner_native(const struct runner *r)
{
	return r->native;
}

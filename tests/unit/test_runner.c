/* Unit tests for runner: order, exit status and output, positional
 * arguments never parsed by the shell, timeouts killing the process group,
 * a script with one shell line run whole by the shell, a command put in the
 * background not holding the action up, a barrier without a command; out of
 * descriptors, a command waits and is tried again (never failed), and the
 * descriptor reserve lets it run; the child's descriptors and signals. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "action.h"
#include "loop.h"
#include "runner.h"
#include "strbuf.h"
#include "tap.h"
#include "xmalloc.h"

static struct loop *L;
static struct strbuf log_ = STRBUF_INIT;

static void
done(void *arg, int status, const char *out)
{
	strbuf_addf(&log_, "%s:%d:%s;", (const char *)arg, status, out);
}

static void stop(void *arg) { (void)arg; loop_stop(L); }

static void
cmd(struct runner *r, const char *script, const char *arg0, double timeout, const char *tag)
{
	struct action_cmd c = { xstrdup(script), NULL, 0 };

	if (arg0) {
		c.args = xcalloc(2, sizeof(*c.args));
		c.args[0] = xstrdup(arg0);
		c.nargs = 1;
	}
	runner_submit(r, &c, timeout, NULL, done, (void *)tag);
}

static void
wait_idle(struct runner *r)
{
	while (runner_busy(r)) {
		loop_timer_add(L, 0.05, stop, NULL);
		loop_run(L);
	}
}

/* Scripts mixing native lines (logger) with shell lines; background jobs. */
static void
shell_rules(const char *dir)
{
	struct runner *r = runner_new(L);
	char script[512], path[300];
	struct stat st;

	strbuf_reset(&log_);
	cmd(r, "v=1\nlogger -t f2b-test x\necho v=$v", NULL, 5, "a");
	wait_idle(r);
	ok(strstr(strbuf_str(&log_), "v=1") != NULL,
	    "a shell line beside a native one: one shell runs all (variables kept)");
	strbuf_reset(&log_);
	cmd(r, "exit 3\nlogger -t f2b-test x", NULL, 5, "b");
	wait_idle(r);
	is_str(strbuf_str(&log_), "b:3:;", "exit stops the script before its native line");
	strbuf_reset(&log_);
	cmd(r, "sleep 3 &\necho bg", NULL, 1, "c");
	wait_idle(r);
	is_str(strbuf_str(&log_), "c:0:bg\n;",
	    "a command left in the background holding the output: done when the shell exits");
	strbuf_reset(&log_);
	snprintf(path, sizeof(path), "%s/survived", dir);
	snprintf(script, sizeof(script), "(trap '' TERM; sleep 1; echo x > %s) > /dev/null 2>&1 &\n"
	    "sleep 5", path);
	cmd(r, script, NULL, 0.3, "d");
	wait_idle(r);
	is_str(strbuf_str(&log_), "d:-1:;", "timed out");
	strbuf_reset(&log_);
	cmd(r, "sleep 2", NULL, 0, "z");
	wait_idle(r);
	is_str(strbuf_str(&log_), "z:-1:;", "timeout 0: killed at once (fail2ban's wait_for)");
	loop_timer_add(L, 1.5, stop, NULL);
	loop_run(L);
	ok(stat(path, &st) < 0, "a timeout kills the whole group, even after the shell is gone");
	runner_free(r);
}

/* runner_barrier: done once everything before it is, before what follows. */
static void
barrier(const char *dir)
{
	struct runner *r = runner_new(L);
	char gate[512];
	struct action_cmd c;
	int gfd;

	/*
	 * the first command ends once the gate opens (the test holds the gate's
	 * lock until then): nothing after the barrier may start before
	 */
	snprintf(gate, sizeof(gate), "%s/gate", dir);
	gfd = open(gate, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	ok(gfd >= 0 && flock(gfd, LOCK_EX) == 0, "the gate is closed");
	c = (struct action_cmd){ xasprintf("flock -s -w 30 %s true; echo slow", gate), NULL, 0 };
	strbuf_reset(&log_);
	runner_submit(r, &c, 5, "192.0.2.1", done, (void *)"ban");
	runner_barrier(r, done, (void *)"barrier");
	is_str(strbuf_str(&log_), "", "a barrier is not done while a command before it runs");
	cmd(r, "echo after", NULL, 5, "next");
	is_int(runner_started(r), 1, "a command after the barrier waits for it");
	if (gfd >= 0)
		close(gfd);	/* the gate opens */
	wait_idle(r);
	is_str(strbuf_str(&log_), "ban:0:slow\n;barrier:0:;next:0:after\n;",
	    "a barrier ends after the commands before it, before those after it");
	is_int(runner_started(r), 2, "a barrier is no command started");
	strbuf_reset(&log_);
	runner_barrier(r, done, (void *)"alone");
	is_str(strbuf_str(&log_), "", "a barrier ends from the loop, never inside the call");
	wait_idle(r);
	is_str(strbuf_str(&log_), "alone:0:;", "a barrier with nothing before it ends at once");
	runner_barrier(r, done, (void *)"freed");
	runner_free(r);		/* a barrier left queued goes with its runner */
}

static struct strbuf retries = STRBUF_INIT;

static void
on_retry(void *arg, int err, unsigned attempt, double delay)
{
	strbuf_addf(&retries, "%s:%s:%u:%g;", (const char *)arg, err == EMFILE ? "EMFILE" : "?",
	    attempt, delay);
}

/* Takes every free descriptor (the limit lowered first); returns how many. */
static int
exhaust(int *fds, int max)
{
	int n = 0;

	while (n < max && (fds[n] = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
		n++;
	return n;
}

/* Out of descriptors: retried with a back-off, never failed; the reserve. */
static void
no_descriptors(void)
{
	struct runner *r = runner_new(L);
	struct rlimit old, low;
	int fds[256], n, i;

	getrlimit(RLIMIT_NOFILE, &old);
	low = old;
	low.rlim_cur = 64;
	setrlimit(RLIMIT_NOFILE, &low);
	runner_on_retry(r, on_retry);
	runner_reserve(0);
	strbuf_reset(&log_);
	n = exhaust(fds, 256);
	cmd(r, "echo ran", NULL, 5, "x");
	cmd(r, "echo after", NULL, 5, "y");
	for (i = 0; i < 100 && (strchr(strbuf_str(&retries), ';') == NULL ||
	    strchr(strbuf_str(&retries), ';') == strrchr(strbuf_str(&retries), ';')); i++) {
		loop_timer_add(L, 0.05, stop, NULL);	/* until two attempts failed (5 s at most) */
		loop_run(L);
	}
	is_str(strbuf_str(&retries), "x:EMFILE:1:0.1;x:EMFILE:2:0.2;",
	    "no descriptor: the command waits and is tried again, the delay doubling");
	is_str(strbuf_str(&log_), "", "... not failed meanwhile, nor anything after it started");
	for (i = 0; i < n; i++)
		close(fds[i]);
	wait_idle(r);
	is_str(strbuf_str(&log_), "x:0:ran\n;y:0:after\n;",
	    "descriptors back: it runs, in its place, and the rest after it");
	runner_free(r);

	/* with a reserve, nothing else can take the descriptors the commands need */
	r = runner_new(L);
	runner_on_retry(r, on_retry);
	runner_reserve(4);
	is_int(runner_reserved(), 4, "the reserve is held");
	strbuf_reset(&retries);
	strbuf_reset(&log_);
	n = exhaust(fds, 256);
	cmd(r, "echo reserved", NULL, 5, "z");
	wait_idle(r);
	is_str(strbuf_str(&log_), "z:0:reserved\n;", "out of descriptors, a command runs on the reserve");
	is_str(strbuf_str(&retries), "", "... at once");
	for (i = 0; i < n; i++)
		close(fds[i]);
	cmd(r, "true", NULL, 5, "w");
	wait_idle(r);
	is_int(runner_reserved(), 4, "the reserve is filled again once its descriptors are back");
	runner_reserve(0);
	runner_free(r);
	setrlimit(RLIMIT_NOFILE, &old);
}

/* What a command inherits: 0-2 only, no blocked signal, SIGPIPE as default. */
static void
child_hygiene(void)
{
	struct runner *r = runner_new(L);
	int keep = open("/dev/null", O_RDONLY);	/* not close-on-exec: still not theirs */
	sigset_t blocked, old;

	sigemptyset(&blocked);
	sigaddset(&blocked, SIGUSR1);
	sigprocmask(SIG_BLOCK, &blocked, &old);
	signal(SIGPIPE, SIG_IGN);	/* as the daemon has it */
	strbuf_reset(&log_);
	cmd(r, "ls /proc/self/fd | sort -n | tr '\\n' ' '", NULL, 5, "fds");
	cmd(r, "grep -E '^Sig(Blk|Ign)' /proc/self/status | tr '\\n\\t' '  '", NULL, 5, "sig");
	cmd(r, "yes | head -n 1", NULL, 5, "pipe");
	wait_idle(r);
	is_str(strbuf_str(&log_), "fds:0:0 1 2 3 ;sig:0:SigBlk: 0000000000000000 "
	    "SigIgn: 0000000000000000 ;pipe:0:y\n;", "a child has 0-2 (3: ls's own), "
	    "no signal blocked or ignored (a writer to a closed pipe ends quietly)");
	signal(SIGPIPE, SIG_DFL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(keep);
	runner_free(r);
}

int
main(void)
{
	struct runner *r;
	char dir[] = "/tmp/f2b-run.XXXXXX", script[512];
	struct stat st;

	L = loop_new();
	r = runner_new(L);
	if (mkdtemp(dir) == NULL)
		return 1;
	cmd(r, "echo one", NULL, 5, "a");
	cmd(r, "echo two >&2; exit 3", NULL, 5, "b");
	snprintf(script, sizeof(script), "v=$0 \ntouch %s/ran; echo \"$v\"", dir);
	cmd(r, script, "$(touch pwned) `id` ; | ' \"", 5, "c");
	cmd(r, "sleep 5", NULL, 0.3, "d");
	cmd(r, "echo after", NULL, 5, "e");
	ok(runner_busy(r), "queued");
	loop_timer_add(L, 3, stop, NULL);
	while (runner_busy(r)) {
		loop_timer_add(L, 0.05, stop, NULL);
		loop_run(L);
	}
	is_str(strbuf_str(&log_), "a:0:one\n;b:3:two\n;c:0:$(touch pwned) `id` ; | ' \"\n;"
	    "d:-1:;e:0:after\n;", "in order; status and output; argument text untouched; "
	    "timeout kills, the queue goes on");
	ok(stat("pwned", &st) < 0, "nothing in the argument ran");
	snprintf(script, sizeof(script), "%s/ran", dir);
	ok(stat(script, &st) == 0, "the script itself ran");
	is_int(runner_started(r), 5, "five commands started");
	runner_free(r);
	shell_rules(dir);
	barrier(dir);
	no_descriptors();
	child_hygiene();
	snprintf(script, sizeof(script), "rm -rf %s", dir);
	if (system(script) != 0)
		return 1;
	strbuf_free(&log_);
	strbuf_free(&retries);
	loop_free(L);
	return tap_done();
}

/*
 * process: fail2ban-server as a process - the command line, going to the
 * background, the pidfile, the control socket and the requests that wait
 * on it, the signals, metrics, and the start: the configuration read (by a
 * child in the foreground, while the socket already answers a ping) and
 * applied a slice per loop turn.  It owns the loop and one server
 * (server.h: the jails and their state) and wires the control socket to
 * the transmitter, the transmitter to the server.
 *
 * Processes: daemonize() is the one fork of f2b-lite outside the runner
 * (act/runner.c); a daemon cannot have itself started by a child.  The
 * configuration reader child is the runner's (runner_fork_call()).
 *
 * Sections:
 *   the start          read the configuration, apply it a slice per turn, ready
 *   socket and pidfile refuse a second server, bind, write and remove the pidfile
 *   the control socket a request now, or queued behind a stop or reload
 *   metrics and signals
 *   the command line   options, fail2ban.conf's, going to the background, the loop
 */
#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "control.h"
#include "diag.h"
#include "dict.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "pickle.h"
#include "pyval.h"
#include "runner.h"
#include "server.h"
#include "strbuf.h"
#include "systemd.h"
#include "transmitter.h"
#include "xmalloc.h"

struct process {
	struct server	*server;
	struct loop	*loop;
	char		*socket, *pidfile;
	struct dict	*params;	/* command-line options, fail2ban.conf's added (char *) */
	bool		 foreground;
	int		 listen_fd;
	struct control	*control;
	struct queued	*queue, **queue_end;	/* requests waiting for an operation, in order */
	struct loop_timer *queue_timer;
	bool		 hup;		/* SIGHUP during an operation: reload after it */
	struct metrics	*metrics;	/* --metrics HOST:PORT */
	int		 exit_code;
	/* the configuration at start, applied a slice per loop turn */
	struct pyval	*boot;
	size_t		 boot_pos;
	struct loop_timer *boot_timer;
	int		 boot_fd;	/* from the reader child, while it reads */
	pid_t		 boot_pid;
	struct strbuf	 boot_buf;
	struct dict	*boot_broken;	/* jail -> why a command of its failed */
};

/* A request that waits behind a stop or reload. */
struct queued {
	struct pyval	*req;
	struct control_reply *reply;
	struct queued	*next;
};

static void boot_abandon(struct process *);

/* ---- the start ------------------------------------------------------------------ */

/*
 * The configuration did not load: nothing starts, status 255.  msgs (may be
 * NULL): what the reader said, its errors repeated on stderr when the log
 * goes elsewhere (they are for the shell that started us).
 */
static void
config_failed(struct process *p, const struct pyval *msgs)
{
	const char *target = server_logtarget(p->server);
	size_t i;

	if (target && strcasecmp(target, "STDERR") != 0)
		for (i = 0; msgs && i < pyval_len(msgs); i++) {
			const struct pyval *e = pyval_at(msgs, i);

			if (pyval_as_int(pyval_at(e, 0)) >= LOG_LVL_ERROR)
				fprintf(stderr, "ERROR: %s\n", pyval_as_str(pyval_at(e, 2)));
		}
	fprintf(stderr, "ERROR: Failed during configuration: the configuration "
	    "has errors (see above); nothing was started\n");
	p->exit_code = 255;
}

/* A ["ping"] request (a list, or a tuple, as the transmitter takes both) */
static bool
is_ping(const struct pyval *req)
{
	return (pyval_type(req) == PY_LIST || pyval_type(req) == PY_TUPLE) &&
	    pyval_len(req) > 0 && pyval_type(pyval_at(req, 0)) == PY_STR &&
	    strcmp(pyval_as_str(pyval_at(req, 0)), "ping") == 0;
}

/* Type=notify: ready once the jails are up */
static void
ready(struct process *p)
{
	server_restore_bans(p->server);	/* after every jail started, as fail2ban's actions threads */
	pyval_pool_trim();	/* the configuration's memory goes back */
	malloc_trim(0);
	systemd_notify("READY=1\nSTATUS=jails running");
	if (p->foreground) {
		printf("Server ready\n");
		fflush(stdout);
	}
}

#define BOOT_SLICE	0.002	/* seconds of the start stream per loop turn */

/* Applies the start stream for about `budget` seconds (< 0: all); true when done. */
static bool
boot_run(struct process *p, double budget)
{
	double until = loop_now() + budget;

	while (p->boot_pos < pyval_len(p->boot)) {
		server_apply(p->server, pyval_at(p->boot, p->boot_pos++), p->boot_broken);
		if (budget >= 0 && loop_now() >= until)
			return false;
	}
	pyval_free(p->boot);
	p->boot = NULL;
	dict_free(p->boot_broken);
	p->boot_broken = NULL;
	ready(p);
	return true;
}

static void
boot_step(void *arg)
{
	struct process *p = arg;

	p->boot_timer = NULL;
	if (!boot_run(p, BOOT_SLICE))
		p->boot_timer = loop_timer_add(p->loop, 0, boot_step, p);
}

/*
 * The configuration read (msgs: what the reader said): its jails start a
 * slice per turn, or the server stops with none.
 */
static void
boot_take(struct process *p, struct pyval *stream, bool ok, const struct pyval *msgs)
{
	if (stream == NULL || !ok) {
		config_failed(p, msgs);
		pyval_free(stream);
		boot_abandon(p);
		server_quit(p->server);
		return;
	}
	p->boot_broken = dict_new(free);
	p->boot = stream;
	p->boot_pos = 0;
	p->boot_timer = loop_timer_add(p->loop, 0, boot_step, p);
}

/* Without a reader child: the configuration is read here. */
static void
boot_read_here(struct process *p)
{
	bool ok = false;
	struct pyval *msgs = pyval_list(), *stream = server_read_config(p->server, &ok, msgs);

	server_report_config(p->server, msgs);
	boot_take(p, stream, ok, msgs);
	pyval_free(msgs);
}

/* Reads what the reader child sent so far; true at its end. */
static bool
boot_drain(struct process *p)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(p->boot_fd, buf, sizeof(buf))) > 0)
		strbuf_add(&p->boot_buf, buf, (size_t)n);
	return !(n < 0 && (errno == EAGAIN || errno == EINTR));
}

/* The reader's answer is all there: [ok, messages, stream]. */
static void
boot_reader_done(struct process *p)
{
	struct pyval *res = NULL;
	char *err = NULL;

	loop_fd_del(p->loop, p->boot_fd);
	close(p->boot_fd);
	p->boot_fd = -1;
	if (p->boot_buf.len)
		res = pickle_load(p->boot_buf.s, p->boot_buf.len, &err);
	free(err);
	strbuf_free(&p->boot_buf);
	if (res && pyval_type(res) == PY_LIST && pyval_len(res) == 3 &&
	    pyval_type(pyval_at(res, 1)) == PY_LIST) {
		server_report_config(p->server, pyval_at(res, 1));
		boot_take(p, pyval_type(pyval_at(res, 2)) == PY_LIST ?
		    pyval_copy(pyval_at(res, 2)) : NULL, pyval_as_bool(pyval_at(res, 0)),
		    pyval_at(res, 1));
	} else
		boot_read_here(p);	/* the reader died: read it here */
	pyval_free(res);
}

static void
on_boot_data(void *arg, int fd, uint32_t events)
{
	struct process *p = arg;

	(void)fd;
	(void)events;
	if (boot_drain(p))
		boot_reader_done(p);
}

static void
on_boot_reaped(void *arg, pid_t pid, int status)
{
	struct process *p = arg;

	(void)pid;
	(void)status;
	p->boot_pid = 0;
}

/* The reader child: the configuration, pickled as [ok, messages, stream], to fd. */
static int
read_in_child(void *arg, int fd)
{
	struct process *p = arg;
	struct pyval *res = pyval_list(), *msgs = pyval_list(), *stream;
	struct strbuf out = STRBUF_INIT;
	bool ok = false;
	size_t off = 0;

	stream = server_read_config(p->server, &ok, msgs);
	pyval_append(res, pyval_bool(ok));
	pyval_append(res, msgs);
	pyval_append(res, stream ? stream : pyval_none());
	pickle_dump(res, &out);
	while (off < out.len) {
		ssize_t n = write(fd, out.s + off, out.len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 1;
		off += (size_t)n;
	}
	return 0;
}

/*
 * In the foreground the configuration is read by a child process (the
 * runner's) while the socket already answers a ping; it sends back the
 * stream and what the reader said.  The child only reads files: nothing
 * else is touched.
 */
static void
boot_reader_start(struct process *p)
{
	pid_t pid;
	int fd;

	if ((fd = runner_fork_call(read_in_child, p, &pid)) < 0) {
		boot_read_here(p);
		return;
	}
	p->boot_fd = fd;
	p->boot_pid = pid;
	loop_fd_add(p->loop, fd, EPOLLIN, on_boot_data, p);
	loop_child(p->loop, pid, on_boot_reaped, p);
}

/* The rest of the start at once (before a command that needs every jail). */
static void
boot_finish(struct process *p)
{
	if (p->boot_fd >= 0) {
		fcntl(p->boot_fd, F_SETFL, 0);	/* wait for the reader */
		while (!boot_drain(p))
			;
		boot_reader_done(p);
	}
	loop_timer_cancel(p->loop, p->boot_timer);
	p->boot_timer = NULL;
	if (p->boot)
		boot_run(p, -1);
}

/* Stopping while starting: the jails not started yet never are. */
static void
boot_abandon(struct process *p)
{
	if (p->boot_fd >= 0) {
		loop_fd_del(p->loop, p->boot_fd);
		close(p->boot_fd);
		p->boot_fd = -1;
	}
	if (p->boot_pid > 0)
		kill(p->boot_pid, SIGKILL);
	strbuf_free(&p->boot_buf);
	loop_timer_cancel(p->loop, p->boot_timer);
	p->boot_timer = NULL;
	pyval_free(p->boot);
	p->boot = NULL;
	dict_free(p->boot_broken);
	p->boot_broken = NULL;
}

/* ---- socket and pidfile --------------------------------------------------------- */

static int
socket_check(const char *path, bool force)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd;

	if (stat(path, &st) < 0) {
		char to[4096];
		ssize_t n;

		if (lstat(path, &st) < 0 || !S_ISLNK(st.st_mode))
			return 0;
		/*
		 * A dangling link: bind() would not follow it and fail, leaving a
		 * server no client reaches (fail2ban-server cannot bind either).
		 * The server never makes a link there, so it is no stale socket of
		 * ours to replace, -x or not: someone's, to be removed by them.
		 */
		n = readlink(path, to, sizeof(to) - 1);
		to[n > 0 ? n : 0] = '\0';
		fprintf(stderr, "ERROR: Fail2ban seems to be in unexpected state (the socket path "
		    "%s is a symbolic link to %s, which does not exist; the server does not replace "
		    "a link it did not make: remove it)\n", path, to);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(fd);
		fprintf(stderr, "ERROR: Server already running\n");
		return -1;
	}
	if (fd >= 0)
		close(fd);
	if (!force) {
		fprintf(stderr, "ERROR: Fail2ban seems to be in unexpected state (not running "
		    "but the socket exists)\n");
		return -1;
	}
	unlink(path);
	return 0;
}

static int
socket_listen(const char *path)
{
	struct sockaddr_un sa;
	int fd;
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');

	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755);
	}
	free(dir);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
write_pidfile(const char *path)
{
	FILE *f;
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');

	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755);
	}
	free(dir);
	if ((f = fopen(path, "we")) == NULL)
		return -1;
	fprintf(f, "%d\n", (int)getpid());
	return fclose(f);
}

/* ---- the control socket ------------------------------------------------------------ */

/* The requests still waiting: never run (their connections are closed). */
static void
drop_queue(struct process *p)
{
	while (p->queue) {
		struct queued *q = p->queue;

		p->queue = q->next;
		control_answer(q->reply, NULL, false);	/* only frees it: its client left */
		pyval_free(q->req);
		free(q);
	}
	p->queue_end = &p->queue;
}

/* On the way out: a `stop` that came while stopping is answered as the first. */
static void
answer_stops(struct process *p)
{
	struct queued **pp = &p->queue, *q;

	while ((q = *pp) != NULL) {
		const struct pyval *r = q->req;

		if (pyval_len(r) == 1 && pyval_type(pyval_at(r, 0)) == PY_STR &&
		    strcmp(pyval_as_str(pyval_at(r, 0)), "stop") == 0) {
			*pp = q->next;
			control_answer(q->reply, pyval_none(), false);
			pyval_free(q->req);
			free(q);
		} else
			pp = &q->next;
	}
	p->queue_end = pp;
}

static void drain_queue(void *);

/* An operation ended: the requests that waited behind it run, in a turn of their own. */
static void
on_idle(void *arg)
{
	struct process *p = arg;

	if ((p->queue || p->hup) && p->queue_timer == NULL)
		p->queue_timer = loop_timer_add(p->loop, 0, drain_queue, p);
}

/* SIGHUP's reload (RELOADING=1 said): READY=1 once it is done. */
static void
hup_reload(struct process *p)
{
	char *err = NULL;

	if (server_reload(p->server, NULL, NULL, SERVER_RELOAD_NOTIFY, &err) < 0) {
		free(err);
		systemd_notify("READY=1");
	}
}

/* The requests that waited behind an operation, while none is under way. */
static void
drain_queue(void *arg)
{
	struct process *p = arg;

	p->queue_timer = NULL;
	while (!server_busy(p->server) && (p->queue || p->hup)) {
		struct queued *q = p->queue;
		struct pyval *v;
		bool failed = false;

		if (q == NULL) {	/* a SIGHUP came during the operation */
			p->hup = false;
			hup_reload(p);
			continue;
		}
		if ((p->queue = q->next) == NULL)
			p->queue_end = &p->queue;
		if ((v = server_request(p->server, q->req, p->control, q->reply, &failed)) != NULL)
			control_answer(q->reply, v, failed);
		pyval_free(q->req);
		free(q);
	}
}

static struct pyval *
on_request(void *arg, const struct pyval *req, bool *failed)
{
	struct process *p = arg;

	if (is_ping(req))
		return server_request(p->server, req, p->control, NULL, failed);
	boot_finish(p);		/* all but ping see every jail of the configuration */
	if (server_busy(p->server) || p->queue) {
		/* one at a time, in order: it waits for the operation under way */
		struct queued *q = xcalloc(1, sizeof(*q));

		q->req = pyval_copy(req);
		q->reply = control_defer(p->control);
		*p->queue_end = q;
		p->queue_end = &q->next;
		return NULL;
	}
	return server_request(p->server, req, p->control, NULL, failed);
}

static void
on_control_log(void *arg, const char *msg)
{
	(void)arg;
	log_msg(LOG_LVL_ERROR, LOG_SERVER, "PROTO-error: %s", msg);
}

/* Removes the pidfile if it is still ours (a new server may have started). */
static void
remove_pidfile(const char *path)
{
	FILE *f = fopen(path, "re");
	int pid = -1;

	if (f == NULL)
		return;
	if (fscanf(f, "%d", &pid) != 1)
		pid = -1;
	fclose(f);
	if (pid == (int)getpid())
		unlink(path);
}

/*
 * The socket goes (no new client), the connections stay: kept until the
 * server exits, as fail2ban keeps it - no second server starts while this
 * one still runs its stop actions.
 */
static void
stop_listening(struct process *p)
{
	if (p->control)
		control_stop_accepting(p->control);
	if (p->listen_fd >= 0) {
		close(p->listen_fd);
		unlink(p->socket);
		p->listen_fd = -1;
	}
}

static void
close_listener(struct process *p)
{
	stop_listening(p);
	control_free(p->control);
	p->control = NULL;
}

/* ---- metrics and signals ---------------------------------------------------------- */

static struct pyval *
on_metrics(void *arg)
{
	return server_metrics(arg);
}

static void
on_metrics_log(void *arg, const char *msg)
{
	(void)arg;
	log_msg(LOG_LVL_WARNING, LOG_SERVER, "metrics: %s", msg);
}

static void
on_signal(void *arg, int signo)
{
	struct process *p = arg;

	switch (signo) {
	case SIGTERM:
	case SIGINT:
		boot_abandon(p);
		server_quit(p->server);
		break;
	case SIGHUP:
		boot_finish(p);
		if (server_quitting(p->server))
			break;
		systemd_notify("RELOADING=1");
		if (server_busy(p->server) || p->queue)
			p->hup = true;	/* after what is under way */
		else
			hup_reload(p);
		break;
	case SIGUSR1:
		server_flush_logs(p->server);
		break;
	}
}

/* ---- the command line ------------------------------------------------------------ */

/* path made absolute against the current directory (the daemon moves to /) */
static char *
absolute(const char *path)
{
	char cwd[4096];

	if (path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return xstrdup(path);
	return xasprintf("%s/%s", cwd, path);
}

/*
 * The open files soft limit goes up to the hard one: a logpath glob may
 * match thousands of files (tail keeps a reserve under the limit for the
 * socket, the database and actions).  Children get the old one back.
 */
static void
raise_nofile(void)
{
	struct rlimit rl;
	unsigned long nr_open;
	rlim_t was;
	FILE *f;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= rl.rlim_max)
		return;
	was = rl.rlim_cur;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0 &&
	    (f = fopen("/proc/sys/fs/nr_open", "re")) != NULL) {
		/* an unlimited hard limit: the kernel's own cap is the most there is */
		if (fscanf(f, "%lu", &nr_open) == 1 && nr_open < rl.rlim_max) {
			rl.rlim_cur = nr_open;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
		fclose(f);
	}
	runner_child_nofile(was);
}

/*
 * The one fork of the daemon outside the runner (see the header): -1 when
 * it failed, 1 in the process that started us, 0 in the daemon.
 */
static int
daemonize(void)
{
	pid_t pid;
	int fd;

	fflush(NULL);	/* nothing buffered is written twice */
	if ((pid = fork()) < 0)
		return -1;
	if (pid > 0) {
		/* it forks the daemon and exits at once: no zombie left to a client that lives on */
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return 1;
	}
	setsid();
	pid = fork();
	if (pid < 0)
		exit(255);
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		_exit(255);
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return 0;
}

static void
flush_log(void *arg)
{
	(void)arg;
	log_flush();
}

/* The command line: 0, or the exit status (255) when it is wrong. */
static int
parse_args(struct process *p, int argc, char **argv, const char **conf, bool *force,
    bool *async)
{
	static const struct option longopts[] = {
		{ "conf", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "pname", required_argument, NULL, 1 },
		{ "loglevel", required_argument, NULL, 2 },
		{ "logtarget", required_argument, NULL, 3 },
		{ "syslogsocket", required_argument, NULL, 4 },
		{ "async", no_argument, NULL, 5 },
		{ "timeout", required_argument, NULL, 6 },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "dp", no_argument, NULL, 7 },
		{ "dump-pretty", no_argument, NULL, 7 },
		{ "test", no_argument, NULL, 't' },
		{ "str2sec", required_argument, NULL, 8 },
		{ "metrics", required_argument, NULL, 9 },
		{ NULL, 0, NULL, 0 },
	};
	int c, i;

	optind = 0;	/* a fresh scan, also when the client calls us */
	while ((c = getopt_long(argc, argv, "+c:s:p:xfbivqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': *conf = optarg; break;
		case 's': dict_set(p->params, "socket", xstrdup(optarg)); break;
		case 'p': dict_set(p->params, "pidfile", xstrdup(optarg)); break;
		case 2: dict_set(p->params, "loglevel", xstrdup(optarg)); break;
		case 3: dict_set(p->params, "logtarget", xstrdup(optarg)); break;
		case 4: dict_set(p->params, "syslogsocket", xstrdup(optarg)); break;
		case 'x': *force = true; break;
		case 'f': p->foreground = true; break;
		case 'b': p->foreground = false; break;
		case 5: *async = true; break;
		case 9: dict_set(p->params, "metrics", xstrdup(optarg)); break;
		case 1: case 6: case 'i': case 'v': case 'q': break;
		default:
			return 255;
		}
	}
	for (i = optind; i < argc; i++)
		if (strcmp(argv[i], "start") != 0) {
			fprintf(stderr, "ERROR: the server takes no command but 'start' (got '%s')\n",
			    argv[i]);
			return 255;
		}
	return 0;
}

/*
 * fail2ban.conf's options under the command line's: socket and pidfile
 * made absolute, the log level set.  -1 when conf does not exist.
 */
static int
settle_options(struct process *p, const char *conf)
{
	struct dict *cmdline = dict_copy(p->params, dict_copy_str);
	struct diag *d = diag_new();
	const char *lt, *ll;
	char *abs;

	if (config_early(conf, p->params, d) < 0) {
		printf("ERROR: Base configuration directory %s does not exist \n", conf);
		diag_free(d);
		dict_free(cmdline);
		return -1;
	}
	diag_free(d);
	p->socket = absolute(dict_get(p->params, "socket", NULL) ? (char *)dict_get(p->params,
	    "socket", NULL) : "/var/run/fail2ban/fail2ban.sock");
	p->pidfile = absolute(dict_get(p->params, "pidfile", NULL) ? (char *)dict_get(p->params,
	    "pidfile", NULL) : "/var/run/fail2ban/fail2ban.pid");
	/* a log file named relative to where we were started */
	lt = dict_get(p->params, "logtarget", NULL);
	if (lt && lt[0] != '/' && strcasecmp(lt, "STDOUT") && strcasecmp(lt, "STDERR") &&
	    strcasecmp(lt, "SYSOUT") && strcasecmp(lt, "SYSLOG") &&
	    strncasecmp(lt, "SYSTEMD-JOURNAL", 15)) {
		abs = absolute(lt);
		if (dict_has(cmdline, "logtarget"))
			dict_set(cmdline, "logtarget", xstrdup(abs));
		dict_set(p->params, "logtarget", abs);
	}
	/* kept absolute: the daemon changes to / and reloads later */
	abs = realpath(conf, NULL);
	server_set_config(p->server, abs ? abs : conf, cmdline);
	free(abs);
	dict_free(cmdline);
	ll = dict_get(p->params, "loglevel", NULL);
	log_set_level(ll && log_level_parse(ll) >= 0 ? log_level_parse(ll) : LOG_LVL_INFO);
	return 0;
}

/* Metrics on --metrics HOST:PORT, when asked for. */
static void
open_metrics(struct process *p)
{
	const char *where = dict_get(p->params, "metrics", NULL);
	char *err = NULL;

	if (where == NULL)
		return;
	if ((p->metrics = metrics_listen(p->loop, where, on_metrics, on_metrics_log, p->server,
	    &err)) == NULL) {
		log_msg(LOG_LVL_ERROR, LOG_SERVER, "%s", err);
		free(err);
	} else
		log_msg(LOG_LVL_INFO, LOG_SERVER, "Metrics on http://%s/metrics", where);
}

/*
 * Up to the loop: the socket bound, the pidfile written, signals taken.
 * -1 (the exit status set) when no client could reach us.
 */
static int
serve(struct process *p, struct pyval *stream, bool async)
{
	struct rlimit rl;
	const char *lt = dict_get(p->params, "logtarget", NULL);

	if (lt) {
		log_open(lt, dict_get(p->params, "syslogsocket", NULL));
		server_log_opened(p->server, lt);
	}
	/* descriptors no connection or log can take: the actions' (runner.h) */
	runner_reserve(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 256 ? 4 : 16);
	p->loop = loop_new();
	server_set_loop(p->server, p->loop);
	if ((p->listen_fd = socket_listen(p->socket)) < 0) {
		/* a server no client can reach is not started (nor said ready) */
		log_msg(LOG_LVL_ERROR, LOG_SERVER, "Could not start server: Unable to bind socket "
		    "%s: %s", p->socket, strerror(errno));
		if (lt && p->foreground)
			fprintf(stderr, "ERROR: Unable to bind socket %s: %s\n", p->socket,
			    strerror(errno));
		pyval_free(stream);
		p->exit_code = 255;
		return -1;
	}
	p->control = control_new(p->loop, p->listen_fd, on_request, on_control_log, p);
	if (write_pidfile(p->pidfile) < 0)
		log_msg(LOG_LVL_ERROR, LOG_SERVER, "Unable to write the pidfile %s: %s",
		    p->pidfile, strerror(errno));
	log_msg(LOG_LVL_INFO, LOG_SERVER, "%s", "--------------------------------------------------");
	log_msg(LOG_LVL_INFO, LOG_SERVER, "Starting Fail2ban v%s", FAIL2BAN_VERSION);
	log_msg(LOG_LVL_INFO, LOG_SERVER, "f2b-lite v%s, compatible with fail2ban v%s",
	    F2B_LITE_VERSION, FAIL2BAN_VERSION);
	open_metrics(p);
	loop_signal(p->loop, SIGTERM, on_signal, p);
	loop_signal(p->loop, SIGINT, on_signal, p);
	loop_signal(p->loop, SIGHUP, on_signal, p);
	loop_signal(p->loop, SIGUSR1, on_signal, p);
	signal(SIGPIPE, SIG_IGN);
	server_on_idle(p->server, on_idle, p);
	/* the socket answers a ping at once; the jails start a slice per turn */
	if (stream)
		boot_take(p, stream, true, NULL);
	else if (!async)
		boot_reader_start(p);
	else
		ready(p);
	return 0;
}

/* The loop ended: the database closed, the socket and pidfile gone, `stop` answered. */
static void
wind_down(struct process *p)
{
	boot_abandon(p);
	log_defer(false);
	metrics_close(p->metrics);
	if (server_close_db(p->server))
		log_msg(LOG_LVL_INFO, LOG_DATABASE, "Connection to database closed.");
	log_msg(LOG_LVL_INFO, LOG_SERVER, "Exiting Fail2ban");
	/*
	 * Every action has run: the socket and the pidfile go, then `stop` is
	 * answered - a client that returns finds nothing left of this server
	 * (under systemd, nothing left for its stop to kill)
	 */
	stop_listening(p);
	remove_pidfile(p->pidfile);
	server_end_op(p->server);
	answer_stops(p);
	close_listener(p);
	drop_queue(p);		/* never run: their clients see the server gone */
}

int
process_main(int argc, char **argv)
{
	struct process p = { .listen_fd = -1, .boot_fd = -1 };
	struct pyval *stream = NULL;
	const char *conf = "/etc/fail2ban";
	bool force = false, async = false, ok = false;

	p.queue_end = &p.queue;
	p.params = dict_new(free);
	p.server = server_create(NULL, transmitter_proceed);
	if ((p.exit_code = parse_args(&p, argc, argv, &conf, &force, &async)) != 0)
		goto out;
	if (settle_options(&p, conf) < 0) {
		p.exit_code = 255;
		goto out;
	}
	umask(077);
	raise_nofile();

	/*
	 * The whole configuration is read before anything starts: here when
	 * going to the background (its errors are for the shell that started
	 * us), in the loop's first turn in the foreground.
	 */
	if (!async && !p.foreground) {
		struct pyval *msgs = pyval_list();

		stream = server_read_config(p.server, &ok, msgs);
		server_report_config(p.server, msgs);
		pyval_free(msgs);
		if (stream == NULL || !ok) {
			config_failed(&p, NULL);	/* the log is not open: said on stderr */
			pyval_free(stream);
			goto out;
		}
	}
	if (socket_check(p.socket, force) < 0) {
		pyval_free(stream);
		p.exit_code = 255;
		goto out;
	}
	if (!p.foreground) {
		switch (daemonize()) {
		case -1:
			p.exit_code = 255;
			/* FALLTHROUGH */
		case 1:
			pyval_free(stream);
			goto out;	/* the daemon runs on; a caller waits for its socket */
		}
	}
	if (serve(&p, stream, async) == 0) {
		fflush(stdout);
		log_defer(true);	/* log lines written once per turn of the loop */
		loop_on_idle(p.loop, flush_log, NULL);
		if (!server_quitting(p.server))	/* a broken configuration read without a child */
			loop_run(p.loop);
		wind_down(&p);
	}
out:
	server_destroy(p.server);
	loop_timer_cancel(p.loop, p.queue_timer);
	loop_free(p.loop);
	dict_free(p.params);
	free(p.socket);
	free(p.pidfile);
	return p.exit_code;
}

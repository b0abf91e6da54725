/* server: fail2ban-server. */
#include "server.h"

#include <ctype.h>
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
#include <unistd.h>


#include "client.h"
#include "clock.h"
#include "config.h"
#include "db.h"
#include "diag.h"
#include "dict.h"
#include "jail.h"
#include "log.h"
#include "metrics.h"
#include "control.h"
#include "optspec.h"
#include "pickle.h"
#include "loop.h"
#include "pyval.h"
#include "runner.h"
#include "sha1.h"
#include "strbuf.h"
#include "systemd.h"
#include "timestr.h"
#include "transmitter.h"
#include "xmalloc.h"

#define LOG_SERVER	"fail2ban.server"

struct server {
	struct loop	*loop;
	struct jail	**jails;
	size_t		 njails;
	struct jail	**stopping;	/* jails being stopped, freed when done */
	size_t		 nstopping;
	char		*conf;
	char		*socket, *pidfile;
	struct dict	*params;	/* command-line options, fail2ban.conf's added (char *) */
	struct dict	*cmdline;	/* the command line's alone: they override fail2ban.conf */
	char		*loglevel, *logtarget, *syslogsocket, *dbfile;
	bool		 allow_ipv6;
	bool		 quitting, reloading;
	int		 listen_fd;
	struct control	*control;
	struct op	*op;		/* the stop or reload under way */
	struct queued	*queue, **queue_end;	/* requests waiting for it, in order */
	struct loop_timer *queue_timer;
	bool		 hup;		/* SIGHUP during an operation: reload after it */
	struct db	*db;
	struct loop_timer *commit_timer, *purge_timer;
	struct pyval	*early;		/* configuration warnings: [level, logger, text] */
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
	bool		 foreground;
};

/*
 * ---- operations ------------------------------------------------------------
 *
 * A stop or a reload takes as long as its actions run: the client that asked
 * is answered when it is done (fail2ban's transmitter runs it to its end
 * before answering), and the requests that come meanwhile wait behind it, in
 * order, as behind fail2ban's one command thread (a ping is answered at
 * once).  SIGTERM, SIGHUP and the start stream use the same paths.
 */

enum op_kind { OP_STOP_JAIL, OP_STOP_ALL, OP_RELOAD, OP_QUIT };

struct op {
	enum op_kind	 kind;
	char		*jail;		/* OP_STOP_JAIL */
	struct reload	*rl;		/* OP_RELOAD */
	struct control_reply *reply;	/* NULL: nobody waits (yet) */
	struct pyval	*answer;	/* the answer, once deferred */
	bool		 notify;	/* a SIGHUP's reload: READY=1 when done */
};

struct queued {
	struct pyval	*req;
	struct control_reply *reply;
	struct queued	*next;
};

static void reload_step(struct server *);
static void reload_free(struct reload *);
static void restore_bans(struct server *);

static struct op *
op_new(struct server *s, enum op_kind kind)
{
	struct op *o = xcalloc(1, sizeof(*o));

	o->kind = kind;
	s->op = o;
	return o;
}

static void drain_queue(void *);

/* The operation is done: its client answered, the next request may run. */
static void
op_finish(struct server *s)
{
	struct op *o = s->op;

	s->op = NULL;
	if (o->notify)
		systemd_notify("READY=1");
	if (o->reply)
		control_answer(o->reply, o->answer ? o->answer : pyval_none(), false);
	else
		pyval_free(o->answer);
	reload_free(o->rl);
	free(o->jail);
	free(o);
	if ((s->queue || s->hup) && s->queue_timer == NULL && !s->quitting)
		s->queue_timer = loop_timer_add(s->loop, 0, drain_queue, s);
}

/* A jail stopped (or an in-place reload ended): is the operation done? */
static void
op_progress(struct server *s)
{
	size_t i;

	if (s->op == NULL)
		return;
	switch (s->op->kind) {
	case OP_STOP_JAIL:
		for (i = 0; i < s->nstopping; i++)
			if (strcmp(jail_name(s->stopping[i]), s->op->jail) == 0)
				return;
		op_finish(s);
		break;
	case OP_STOP_ALL:
		if (s->nstopping == 0)
			op_finish(s);
		break;
	case OP_RELOAD:
		reload_step(s);
		break;
	case OP_QUIT:
		break;		/* answered on the way out */
	}
}

/* ---- jails ------------------------------------------------------------------ */

struct loop *
server_loop(struct server *s)
{
	return s->loop;
}

struct jail *
server_jail(struct server *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->njails; i++)
		if (strcmp(jail_name(s->jails[i]), name) == 0)
			return s->jails[i];
	return NULL;
}

size_t
server_njails(const struct server *s)
{
	return s->njails;
}

struct jail *
server_jail_at(struct server *s, size_t i)
{
	return i < s->njails ? s->jails[i] : NULL;
}

/* Jail._setBackend: NULL, or why the backend is unknown. */
static char *
backend_error(const char *backend)
{
	static const char *const known[] = { "auto", "pyinotify", "gamin", "polling", "systemd" };
	struct dict *args = NULL;
	char *name = NULL, *err = NULL;
	size_t i;

	if (optspec_parse(backend, &name, &args, &err) < 0)
		return err;
	dict_free(args);
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcasecmp(name, known[i]) == 0) {
			free(name);
			return NULL;
		}
	err = xasprintf("Unknown backend %s. Must be among ['pyinotify', 'gamin', 'polling', "
	    "'systemd'] or 'auto'", name);
	free(name);
	return err;
}

struct jail *
server_add_jail(struct server *s, const char *name, const char *backend, char **err)
{
	struct jail_env env = { s->loop, s->allow_ipv6, s->db };
	struct jail *j;

	if (server_jail(s, name) != NULL) {
		*err = xasprintf("%s", name);	/* DuplicateJailException */
		return NULL;
	}
	if ((*err = backend_error(backend)) != NULL) {
		log_msg(LOG_LVL_ERROR, "fail2ban.jail", "%s", *err);
		return NULL;
	}
	j = jail_new(&env, name, backend);
	s->jails = xrealloc(s->jails, (s->njails + 1) * sizeof(*s->jails));
	s->jails[s->njails++] = j;
	return j;
}

static void
check_quit(struct server *s)
{
	if (s->quitting && s->njails == 0 && s->nstopping == 0)
		loop_stop(s->loop);
}

static void
on_jail_stopped(void *arg, struct jail *j)
{
	struct server *s = arg;
	size_t i;

	for (i = 0; i < s->nstopping; i++)
		if (s->stopping[i] == j) {
			s->stopping[i] = s->stopping[--s->nstopping];
			break;
		}
	/* Server.delJail: disabled in the database, unless it runs again already */
	if (s->db && server_jail(s, jail_name(j)) == NULL)
		db_del_jail(s->db, jail_name(j));
	jail_free(j);
	check_quit(s);
	op_progress(s);
}

static void
stop_jail_at(struct server *s, size_t i)
{
	struct jail *j = s->jails[i];

	memmove(&s->jails[i], &s->jails[i + 1], (s->njails - i - 1) * sizeof(*s->jails));
	s->njails--;
	s->stopping = xrealloc(s->stopping, (s->nstopping + 1) * sizeof(*s->stopping));
	s->stopping[s->nstopping++] = j;
	jail_stop(j, on_jail_stopped, s);
}

void
server_stop_jail(struct server *s, const char *name)
{
	size_t i;

	if (s->op == NULL) {
		if (name)
			op_new(s, OP_STOP_JAIL)->jail = xstrdup(name);
		else
			op_new(s, OP_STOP_ALL);
	}
	if (name == NULL) {
		/* stop --all: Server.stopAllJail */
		log_msg(LOG_LVL_INFO, LOG_SERVER, "Stopping all jails");
		while (s->njails > 0)
			stop_jail_at(s, 0);
	}
	for (i = 0; name && i < s->njails; i++)
		if (strcmp(jail_name(s->jails[i]), name) == 0) {
			stop_jail_at(s, i);
			break;
		}
	op_progress(s);
}

/*
 * The socket goes (no new client), the connections stay: kept until the
 * server exits, as fail2ban keeps it - no second server starts while this
 * one still runs its stop actions.
 */
static void
stop_listening(struct server *s)
{
	if (s->control)
		control_stop_accepting(s->control);
	if (s->listen_fd >= 0) {
		close(s->listen_fd);
		unlink(s->socket);
		s->listen_fd = -1;
	}
}

static void
close_listener(struct server *s)
{
	stop_listening(s);
	control_free(s->control);
	s->control = NULL;
}

static void boot_abandon(struct server *);

void
server_quit(struct server *s)
{
	if (s->quitting)
		return;
	s->quitting = true;
	boot_abandon(s);
	systemd_notify("STOPPING=1");
	log_msg(LOG_LVL_INFO, LOG_SERVER, "Shutdown in progress...");
	/* a stop or reload under way (SIGTERM meanwhile) ends here: answered now */
	if (s->op)
		op_finish(s);
	op_new(s, OP_QUIT);	/* `stop` is answered on the way out */
	log_msg(LOG_LVL_INFO, LOG_SERVER, "Stopping all jails");
	/* all at once, in the order they were added, as Server.stopAllJail */
	while (s->njails > 0)
		stop_jail_at(s, 0);
	check_quit(s);
}

static void open_db(struct server *, const char *file);
static char *config_error_jail(const struct pyval *cmd);
static bool db_change_refused(struct server *, const char *file);
#define DB_CHANGE_REFUSED	"Cannot change database when there are jails present"

static void replay_early(struct server *, const char *target);

/* ---- options ---------------------------------------------------------------- */

/*
 * Server.flushLogs (flushlogs, SIGUSR1): a log file is reopened (after
 * logrotate moved it), the others flushed; the answer and the line say which.
 */
static const char *
flush_logs(struct server *s)
{
	const char *t = s->logtarget ? s->logtarget : "STDERR";
	size_t n = strcspn(t, "[");

	if ((n == 6 && (strncmp(t, "STDERR", 6) == 0 || strncmp(t, "STDOUT", 6) == 0 ||
	    strncmp(t, "SYSLOG", 6) == 0)) || (n == 15 && strncmp(t, "SYSTEMD-JOURNAL", 15) == 0)) {
		log_flush();
		log_msg(LOG_LVL_INFO, LOG_SERVER, "flush performed on %s", t);
		return "flushed";
	}
	log_reopen();
	log_msg(LOG_LVL_INFO, LOG_SERVER, "rollover performed on %s", t);
	return "rolled over";
}

static void
replace(char **slot, const char *v)
{
	free(*slot);
	*slot = v ? xstrdup(v) : NULL;
}

struct pyval *
server_set(struct server *s, const char *opt, const struct pyval *v, char **err)
{
	struct strbuf sb = STRBUF_INIT;
	struct pyval *ret = NULL;

	*err = NULL;
	if (pyval_len(v) > 0)
		pyval_to_text(pyval_at(v, 0), &sb);
	if (strcmp(opt, "loglevel") == 0) {
		/* Server.setLogLevel: upper-cased, checked only when it changes */
		char *up = xstrdup(strbuf_str(&sb)), *p;
		int l;

		for (p = up; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		if (s->loglevel && strcmp(s->loglevel, up) == 0)
			ret = pyval_str(up);
		else if ((l = log_level_parse(up)) < 0) {
			struct pyval *given = pyval_str(up);
			struct strbuf r = STRBUF_INIT;

			pyval_repr(given, &r);
			*err = xasprintf("Invalid log level %s", strbuf_str(&r));
			strbuf_free(&r);
			pyval_free(given);
		} else {
			log_set_level(l);
			replace(&s->loglevel, up);
			ret = pyval_str(up);
		}
		free(up);
	} else if (strcmp(opt, "logtarget") == 0) {
		/*
		 * As fail2ban: the value given now.  The start stream carries the
		 * command line's --logtarget (the loader lets it override
		 * fail2ban.conf's), a reload stream fail2ban.conf's, a `set
		 * logtarget` its own.
		 */
		const char *t = strbuf_str(&sb);

		if (s->logtarget == NULL || strcmp(s->logtarget, t) != 0) {
			if (log_open(t, s->syslogsocket) < 0)
				log_msg(LOG_LVL_ERROR, LOG_SERVER, "Unable to log to '%s'", t);
			replace(&s->logtarget, t);
			replay_early(s, t);
		}
		ret = pyval_str(t);
	} else if (strcmp(opt, "syslogsocket") == 0) {
		replace(&s->syslogsocket, strbuf_str(&sb));
		ret = pyval_str(strbuf_str(&sb));
	} else if (strcmp(opt, "allowipv6") == 0) {
		const char *a = strbuf_str(&sb);

		s->allow_ipv6 = strcmp(a, "auto") == 0 || config_parse_bool(a);
		ret = pyval_str(a);
	} else if (strcmp(opt, "dbfile") == 0) {
		const char *f = strbuf_str(&sb);

		if (db_change_refused(s, f))
			*err = xstrdup(DB_CHANGE_REFUSED);
		else {
			if (!(s->db && strcmp(s->dbfile, f) == 0) &&
			    !(s->db == NULL && strcasecmp(f, "none") == 0))
				open_db(s, f);
			ret = s->db ? pyval_str(s->dbfile) : pyval_none();
		}
	} else if (strcmp(opt, "dbmaxmatches") == 0) {
		long long n;
		int rc;

		if ((rc = config_parse_int(strbuf_str(&sb), &n)) < 0)
			*err = xasprintf("invalid literal for int() with base 10: '%s'",
			    strbuf_str(&sb));
		else {
			if (rc > 0)
				log_msg(LOG_LVL_WARNING, LOG_SERVER, "dbmaxmatches '%s' is past the "
				    "largest integer f2b-lite keeps: saturated to it", strbuf_str(&sb));
			if (s->db)
				db_set_maxmatches(s->db, (long)n);
			ret = s->db ? pyval_int(n) : pyval_none();
		}
	} else if (strcmp(opt, "dbpurgeage") == 0) {
		double age;
		bool sat;

		if (timestr_seconds(strbuf_str(&sb), &age, &sat, err) == 0) {
			if (sat)
				log_msg(LOG_LVL_WARNING, LOG_SERVER, "dbpurgeage '%s' is past the "
				    "largest time (10^15 seconds) f2b-lite keeps: saturated to it",
				    strbuf_str(&sb));
			if (s->db)
				db_set_purgeage(s->db, age);
			ret = s->db ? pyval_int((long long)age) : pyval_none();
		}
	} else if (strcmp(opt, "flushlogs") == 0)
		ret = pyval_str(flush_logs(s));
	else
		*err = xasprintf("Invalid command '%s' (no set action or not yet implemented)",
		    opt);
	strbuf_free(&sb);
	return ret;
}

struct pyval *
server_get(struct server *s, const char *opt, char **err)
{
	*err = NULL;
	if (strcmp(opt, "loglevel") == 0)
		return pyval_str(s->loglevel ? s->loglevel : "INFO");
	if (strcmp(opt, "logtarget") == 0)
		return pyval_str(s->logtarget ? s->logtarget : "STDERR");
	if (strcmp(opt, "syslogsocket") == 0)
		return pyval_str(s->syslogsocket ? s->syslogsocket : "auto");
	if (strcmp(opt, "dbfile") == 0)
		return s->db ? pyval_str(s->dbfile) : pyval_none();
	if (strcmp(opt, "dbpurgeage") == 0)
		return s->db ? pyval_int((long long)db_purgeage(s->db)) : pyval_none();
	if (strcmp(opt, "dbmaxmatches") == 0)
		return s->db ? pyval_int(db_maxmatches(s->db)) : pyval_none();
	*err = xstrdup("Invalid command (no get action or not yet implemented)");
	return NULL;
}

/* The configuration's warnings, into a log target other than stderr. */
static void
replay_early(struct server *s, const char *target)
{
	size_t i;

	if (s->early == NULL || target == NULL || strcasecmp(target, "STDERR") == 0)
		return;
	for (i = 0; i < pyval_len(s->early); i++) {
		const struct pyval *e = pyval_at(s->early, i);

		log_msg((int)pyval_as_int(pyval_at(e, 0)), pyval_as_str(pyval_at(e, 1)), "%s",
		    pyval_as_str(pyval_at(e, 2)));
	}
	pyval_free(s->early);
	s->early = NULL;
}

/* ---- the database ------------------------------------------------------------- */

static void
on_commit(void *arg)
{
	struct server *s = arg;
	char *err = NULL;
	size_t i;

	s->commit_timer = NULL;
	if (s->db == NULL)
		return;
	/* the logs' positions go with the bans found in them */
	for (i = 0; i < s->njails; i++)
		jail_save_positions(s->jails[i]);
	if (db_commit(s->db, &err) < 0)
		free(err);	/* the database has said so (on_db_note), once per run of failures */
}

static void
on_db_begin(void *arg)
{
	struct server *s = arg;

	if (s->commit_timer == NULL)
		s->commit_timer = loop_timer_add(s->loop, 0, on_commit, s);
}

static void
on_purge(void *arg)
{
	struct server *s = arg;

	s->purge_timer = loop_timer_add(s->loop, 3600, on_purge, s);
	if (s->db)
		db_purge(s->db, clock_now());
}

static void
close_db(struct server *s)
{
	if (s->db == NULL)
		return;
	on_commit(s);
	loop_timer_cancel(s->loop, s->commit_timer);
	s->commit_timer = NULL;
	loop_timer_cancel(s->loop, s->purge_timer);
	s->purge_timer = NULL;
	db_close(s->db);
	s->db = NULL;
}

static void
on_db_note(void *arg, enum db_level level, const char *msg)
{
	static const int levels[] = { [DB_DEBUG] = LOG_LVL_DEBUG, [DB_INFO] = LOG_LVL_INFO,
	    [DB_WARNING] = LOG_LVL_WARNING, [DB_ERROR] = LOG_LVL_ERROR };

	(void)arg;
	log_msg(levels[level], "fail2ban.database", "%s", msg);
}

static void
open_db(struct server *s, const char *file)
{
	char *err = NULL;

	close_db(s);
	replace(&s->dbfile, file);
	if (strcasecmp(file, "none") == 0 || *file == '\0')
		return;
	if (file[0] == '/') {
		/* as fail2ban (_make_file_path): the last directory is made on demand */
		char *dir = xstrdup(file);

		*strrchr(dir, '/') = '\0';
		if (*dir)
			mkdir(dir, 0755);
		free(dir);
	}
	if ((s->db = db_open(file, on_db_note, s, &err)) == NULL) {
		log_msg(LOG_LVL_ERROR, "fail2ban.database", "%s", err);
		free(err);
		return;
	}
	db_set_hook(s->db, on_db_begin, s);
	db_del_jail(s->db, NULL);	/* setDatabase: the jails added next enable theirs */
	s->purge_timer = loop_timer_add(s->loop, 3600, on_purge, s);
}

/* ---- the configuration ------------------------------------------------------- */

/*
 * Reads the configuration without logging: the command stream, and what the
 * reader said as [level, logger, text] lists appended to msgs.
 */
static struct pyval *
read_config_quiet(struct server *s, bool *ok, struct pyval *msgs)
{
	struct config_request req = { .basedir = s->conf, .journal_fallback = true,
	    .skip_broken_jails = true, .mainopts = s->cmdline };
	struct diag *d = diag_new();
	struct pyval *stream;
	size_t i;

	stream = config_stream(&req, d, ok);
	for (i = 0; i < diag_count(d); i++) {
		/* "file:line: warning: text" -> "file:line: text" */
		const char *m = diag_text(d, i), *w = strstr(m, "warning: ");
		struct strbuf sb = STRBUF_INIT;
		struct pyval *e;
		int lvl;

		if (diag_level(d, i) == DIAG_NOTICE)
			continue;
		if (w) {
			strbuf_add(&sb, m, (size_t)(w - m));
			strbuf_adds(&sb, w + 9);
		} else
			strbuf_adds(&sb, m);
		lvl = diag_level(d, i) == DIAG_WARNING ? LOG_LVL_WARNING : LOG_LVL_ERROR;
		e = pyval_list();
		pyval_append(e, pyval_int(lvl));
		pyval_append(e, pyval_str(lvl == LOG_LVL_WARNING ? "fail2ban.configreader" :
		    "fail2ban"));
		pyval_append(e, pyval_str(strbuf_str(&sb)));
		pyval_append(msgs, e);
		strbuf_free(&sb);
	}
	/* JailsReader.getOptions(ignoreWrong=True): a broken jail is skipped */
	for (i = 0; stream && i < pyval_len(stream); i++) {
		char *name = config_error_jail(pyval_at(stream, i));
		struct pyval *e;

		if (name == NULL)
			continue;
		e = pyval_list();
		pyval_append(e, pyval_int(LOG_LVL_ERROR));
		pyval_append(e, pyval_str("fail2ban.jailsreader"));
		pyval_append(e, pyval_str_take(xasprintf("Errors in jail '%s'. Skipping...", name)));
		pyval_append(msgs, e);
		free(name);
	}
	diag_free(d);
	return stream;
}

/*
 * Logs what the reader said, kept to be said again in the log file once it
 * is open.  The warnings fail2ban's own reader gives ("'allowipv6' not
 * defined in 'Definition'. Using default one") go to stderr only, as
 * fail2ban's do: its reader runs before its server has set up the log
 * (under systemd they reach the journal).  f2b-lite's own warnings (a jail
 * moved to the journal...) are for the log.
 */
static void
report_config(struct server *s, const struct pyval *msgs)
{
	size_t i;

	for (i = 0; i < pyval_len(msgs); i++) {
		const struct pyval *e = pyval_at(msgs, i);
		int level = (int)pyval_as_int(pyval_at(e, 0));
		const char *text = pyval_as_str(pyval_at(e, 2));

		if (level < LOG_LVL_ERROR &&
		    strstr(text, " not defined in 'Definition'. Using default one: ")) {
			log_console(level, pyval_as_str(pyval_at(e, 1)), "%s", text);
			continue;
		}
		log_msg(level, pyval_as_str(pyval_at(e, 1)), "%s", text);
		if (s->logtarget != NULL)
			continue;	/* the log is open: said there */
		/* said on stderr for now: replay_early() writes them to the log */
		if (s->early == NULL)
			s->early = pyval_list();
		pyval_append(s->early, pyval_copy(e));
	}
}

/*
 * The configuration did not load: nothing starts, status 255.  msgs (may be
 * NULL): what the reader said, its errors repeated on stderr when the log
 * goes elsewhere (they are for the shell that started us).
 */
static void
config_failed(struct server *s, const struct pyval *msgs)
{
	size_t i;

	if (s->logtarget && strcasecmp(s->logtarget, "STDERR") != 0)
		for (i = 0; msgs && i < pyval_len(msgs); i++) {
			const struct pyval *e = pyval_at(msgs, i);

			if (pyval_as_int(pyval_at(e, 0)) >= LOG_LVL_ERROR)
				fprintf(stderr, "ERROR: %s\n", pyval_as_str(pyval_at(e, 2)));
		}
	fprintf(stderr, "ERROR: Failed during configuration: the configuration "
	    "has errors (see above); nothing was started\n");
	s->exit_code = 255;
}

static struct pyval *
read_config(struct server *s, bool *ok)
{
	struct pyval *msgs = pyval_list(), *stream = read_config_quiet(s, ok, msgs);

	report_config(s, msgs);
	pyval_free(msgs);
	return stream;
}

/* "Command %r has failed. Received %r" */
static void
log_failed(const struct pyval *cmd, const struct pyval *exc)
{
	struct strbuf c = STRBUF_INIT, e = STRBUF_INIT;
	const struct pyval *cls = pyval_dict_get(exc, PICKLE_EXC_KEY);
	const struct pyval *args = pyval_dict_get(exc, "args");
	const char *name = cls ? strrchr(pyval_as_str(cls), '.') : NULL;
	size_t i;

	pyval_repr(cmd, &c);
	/* Python 3's repr: Name('x'), not Python 2's Name('x',) */
	strbuf_addf(&e, "%s(", name ? name + 1 : "Exception");
	for (i = 0; args && i < pyval_len(args); i++) {
		if (i)
			strbuf_adds(&e, ", ");
		pyval_repr(pyval_at(args, i), &e);
	}
	strbuf_addc(&e, ')');
	log_msg(LOG_LVL_ERROR, "fail2ban.transmitter", "Command %s has failed. Received %s",
	    strbuf_str(&c), strbuf_str(&e));
	strbuf_free(&c);
	strbuf_free(&e);
}

/* The jail a stream command is about (add/set/multi-set/start), or NULL. */
static const char *
cmd_jail(const struct pyval *cmd)
{
	const struct pyval *c0 = pyval_len(cmd) > 1 ? pyval_at(cmd, 0) : NULL;
	const struct pyval *c1 = c0 ? pyval_at(cmd, 1) : NULL;
	const char *w0, *w1;

	if (c0 == NULL || pyval_type(c0) != PY_STR || pyval_type(c1) != PY_STR)
		return NULL;
	w0 = pyval_as_str(c0);
	w1 = pyval_as_str(c1);
	if (strcmp(w0, "add") == 0 || strcmp(w0, "start") == 0)
		return w1;
	/* set <jail> <opt> <value>...; set <opt> <value> is the server's */
	if ((strcmp(w0, "set") == 0 || strcmp(w0, "multi-set") == 0) && pyval_len(cmd) > 3)
		return w1;
	return NULL;
}

/* The first word of a command ("" when it is none). */
static const char *
cmd_word(const struct pyval *cmd)
{
	const struct pyval *c0 = pyval_len(cmd) ? pyval_at(cmd, 0) : NULL;

	return c0 && pyval_type(c0) == PY_STR ? pyval_as_str(c0) : "";
}

/* The jail a config-error command skips ("Jail 'NAME' skipped, ..."), heap; or NULL. */
static char *
config_error_jail(const struct pyval *cmd)
{
	const char *m = pyval_len(cmd) > 1 ? pyval_as_str(pyval_at(cmd, 1)) : NULL;
	const char *e;

	if (strcmp(cmd_word(cmd), "config-error") != 0 || m == NULL ||
	    strncmp(m, "Jail '", 6) != 0 || (e = strstr(m + 6, "' skipped")) == NULL)
		return NULL;
	return xstrndup(m + 6, (size_t)(e - m - 6));
}

/* args[0] of an exception answer, as text (the reason a jail is skipped). */
static char *
exc_text(const struct pyval *exc)
{
	const struct pyval *args = pyval_dict_get(exc, "args");
	struct strbuf sb = STRBUF_INIT;
	char *t;

	if (args && pyval_len(args))
		pyval_to_text(pyval_at(args, 0), &sb);
	t = strbuf_detach(&sb);
	return t ? t : xstrdup("failed");
}

/*
 * A jail of the start stream (or a new one of a reload) that cannot be made
 * is skipped, the others run: fail2ban 1.0.2 stops the whole server when a
 * command of its start stream fails, f2b-lite keeps it to that jail.  It
 * was never started; it goes.
 */
static void
skip_jail(struct server *s, const char *name, const char *why)
{
	size_t i;

	log_msg(LOG_LVL_ERROR, "fail2ban.transmitter", "Jail '%s' skipped, because of wrong "
	    "configuration: %s", name, why);
	for (i = 0; i < s->njails; i++)
		if (strcmp(jail_name(s->jails[i]), name) == 0 && !jail_started(s->jails[i])) {
			struct jail *j = s->jails[i];

			memmove(&s->jails[i], &s->jails[i + 1], (s->njails - i - 1) *
			    sizeof(*s->jails));
			s->njails--;
			jail_free(j);
			break;
		}
}

/*
 * Runs one command of a configuration stream; a failure is logged.  With
 * broken (jail -> why): the first failure of a jail's command marks it, its
 * other commands are left out and its `start` skips it.
 */
static void
apply_cmd(struct server *s, const struct pyval *cmd, struct dict *broken)
{
	static const char *const conf_words[] = { "add", "set", "multi-set", "start",
	    "config-error", NULL };
	const char *j = cmd_jail(cmd), *w = cmd_word(cmd);
	struct pyval *exc = NULL, *r;
	size_t k;

	if (j && broken && dict_has(broken, j)) {
		if (strcmp(w, "start") == 0)
			skip_jail(s, j, dict_get(broken, j, NULL));
		return;
	}
	for (k = 0; conf_words[k] && strcmp(w, conf_words[k]) != 0; k++)
		;
	if (conf_words[k] == NULL) {
		/* what a configuration has: no stop or reload in the middle of one */
		exc = pickle_exception("builtins.ValueError", "not a configuration command");
		log_failed(cmd, exc);
		pyval_free(exc);
		return;
	}
	r = transmitter_proceed(s, cmd, &exc);
	if (r == NULL) {
		log_failed(cmd, exc);
		if (j && broken)
			dict_set(broken, j, exc_text(exc));
	}
	pyval_free(exc);
	pyval_free(r);
}

/*
 * The commands of jail name in the stream, tried on a jail of their own
 * that never starts and logs nothing: NULL if they all run, else why not
 * (and the failure, logged as it would have been).  Every new configuration
 * of a reload is tried first: a jail whose new configuration fails keeps
 * running as it was (fail2ban 1.0.2 removes it).
 */
static char *
try_jail(struct server *s, const struct pyval *stream, const char *name)
{
	struct jail_env env = { s->loop, s->allow_ipv6, NULL };
	struct jail *trial = NULL, **slot = NULL;
	struct pyval *exc = NULL;
	const struct pyval *failed = NULL;
	char *why = NULL;
	int level = log_get_level();
	size_t i;

	log_set_level(LOG_LVL_CRITICAL + 1);
	for (i = 0; i < pyval_len(stream) && why == NULL; i++) {
		const struct pyval *cmd = pyval_at(stream, i);
		const char *w = cmd_word(cmd), *j = cmd_jail(cmd);

		if (j == NULL || strcmp(j, name) != 0 || strcmp(w, "start") == 0)
			continue;
		if (strcmp(w, "add") == 0) {
			const struct pyval *be = pyval_len(cmd) > 2 ? pyval_at(cmd, 2) : NULL;

			if (trial)
				continue;
			if ((why = backend_error(be && pyval_as_str(be) ? pyval_as_str(be) :
			    "auto")) != NULL) {
				exc = pickle_exception("builtins.ValueError", why);
				failed = cmd;
				break;
			}
			trial = jail_new(&env, name, be && pyval_as_str(be) ?
			    pyval_as_str(be) : "auto");
			/* the transmitter finds it by its name: in the running one's place */
			for (slot = s->jails; slot < s->jails + s->njails; slot++)
				if (strcmp(jail_name(*slot), name) == 0)
					break;
			if (slot == s->jails + s->njails) {
				s->jails = xrealloc(s->jails, (s->njails + 1) * sizeof(*s->jails));
				slot = &s->jails[s->njails++];
				*slot = NULL;
			}
			continue;
		}
		{
			struct jail *keep = *slot;
			struct pyval *r;

			if (trial == NULL)
				continue;
			*slot = trial;
			r = transmitter_proceed(s, cmd, &exc);
			*slot = keep;
			if (r == NULL) {
				why = exc_text(exc);
				failed = cmd;
			}
			pyval_free(r);
		}
	}
	if (slot && *slot == NULL)
		s->njails--;	/* the place made for it */
	jail_free(trial);
	log_set_level(level);
	if (failed)
		log_failed(failed, exc);
	pyval_free(exc);
	return why;
}

/* ---- start: a slice of the stream per loop turn ------------------------------------------------ */

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
ready(struct server *s)
{
	restore_bans(s);	/* after every jail started, as fail2ban's actions threads */
	pyval_pool_trim();	/* the configuration's memory goes back */
	malloc_trim(0);
	systemd_notify("READY=1\nSTATUS=jails running");
	if (s->foreground) {
		printf("Server ready\n");
		fflush(stdout);
	}
}

#define BOOT_SLICE	0.002	/* seconds of the start stream per loop turn */

/* Applies the start stream for about `budget` seconds (< 0: all); true when done. */
static bool
boot_run(struct server *s, double budget)
{
	double until = loop_now() + budget;

	while (s->boot_pos < pyval_len(s->boot)) {
		apply_cmd(s, pyval_at(s->boot, s->boot_pos++), s->boot_broken);
		if (budget >= 0 && loop_now() >= until)
			return false;
	}
	pyval_free(s->boot);
	s->boot = NULL;
	dict_free(s->boot_broken);
	s->boot_broken = NULL;
	ready(s);
	return true;
}

static void
boot_step(void *arg)
{
	struct server *s = arg;

	s->boot_timer = NULL;
	if (!boot_run(s, BOOT_SLICE))
		s->boot_timer = loop_timer_add(s->loop, 0, boot_step, s);
}

/*
 * The configuration read (msgs: what the reader said): its jails start a
 * slice per turn, or the server stops with none.
 */
static void
boot_take(struct server *s, struct pyval *stream, bool ok, const struct pyval *msgs)
{
	if (stream == NULL || !ok) {
		config_failed(s, msgs);
		pyval_free(stream);
		server_quit(s);
		return;
	}
	s->boot_broken = dict_new(free);
	s->boot = stream;
	s->boot_pos = 0;
	s->boot_timer = loop_timer_add(s->loop, 0, boot_step, s);
}

/* Without a reader child: the configuration is read here. */
static void
boot_read_here(struct server *s)
{
	bool ok = false;
	struct pyval *msgs = pyval_list(), *stream = read_config_quiet(s, &ok, msgs);

	report_config(s, msgs);
	boot_take(s, stream, ok, msgs);
	pyval_free(msgs);
}

/* Reads what the reader child sent so far; true at its end. */
static bool
boot_drain(struct server *s)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(s->boot_fd, buf, sizeof(buf))) > 0)
		strbuf_add(&s->boot_buf, buf, (size_t)n);
	return !(n < 0 && (errno == EAGAIN || errno == EINTR));
}

/* The reader's answer is all there: [ok, messages, stream]. */
static void
boot_reader_done(struct server *s)
{
	struct pyval *res = NULL;
	char *err = NULL;

	loop_fd_del(s->loop, s->boot_fd);
	close(s->boot_fd);
	s->boot_fd = -1;
	if (s->boot_buf.len)
		res = pickle_load(s->boot_buf.s, s->boot_buf.len, &err);
	free(err);
	strbuf_free(&s->boot_buf);
	if (res && pyval_type(res) == PY_LIST && pyval_len(res) == 3 &&
	    pyval_type(pyval_at(res, 1)) == PY_LIST) {
		report_config(s, pyval_at(res, 1));
		boot_take(s, pyval_type(pyval_at(res, 2)) == PY_LIST ?
		    pyval_copy(pyval_at(res, 2)) : NULL, pyval_as_bool(pyval_at(res, 0)),
		    pyval_at(res, 1));
	} else
		boot_read_here(s);	/* the reader died: read it here */
	pyval_free(res);
}

static void
on_boot_data(void *arg, int fd, uint32_t events)
{
	struct server *s = arg;

	(void)fd;
	(void)events;
	if (boot_drain(s))
		boot_reader_done(s);
}

static void
on_boot_reaped(void *arg, pid_t pid, int status)
{
	struct server *s = arg;

	(void)pid;
	(void)status;
	s->boot_pid = 0;
}

/*
 * In the foreground the configuration is read by a child process while the
 * socket already answers a ping; it sends back the stream (pickled) and what
 * the reader said.  The child only reads files: nothing else is touched.
 */
static void
boot_fork(struct server *s)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0) {
		boot_read_here(s);
		return;
	}
	if ((pid = fork()) < 0) {
		close(p[0]);
		close(p[1]);
		boot_read_here(s);
		return;
	}
	if (pid == 0) {
		struct pyval *res = pyval_list(), *msgs = pyval_list(), *stream;
		struct strbuf out = STRBUF_INIT;
		bool ok = false;
		size_t off = 0;

		close(p[0]);
		stream = read_config_quiet(s, &ok, msgs);
		pyval_append(res, pyval_bool(ok));
		pyval_append(res, msgs);
		pyval_append(res, stream ? stream : pyval_none());
		pickle_dump(res, &out);
		while (off < out.len) {
			ssize_t n = write(p[1], out.s + off, out.len - off);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				_exit(1);
			off += (size_t)n;
		}
		_exit(0);
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	s->boot_fd = p[0];
	s->boot_pid = pid;
	loop_fd_add(s->loop, p[0], EPOLLIN, on_boot_data, s);
	loop_child(s->loop, pid, on_boot_reaped, s);
}

/* The rest of the start at once (before a command that needs every jail). */
static void
boot_finish(struct server *s)
{
	if (s->boot_fd >= 0) {
		fcntl(s->boot_fd, F_SETFL, 0);	/* wait for the reader */
		while (!boot_drain(s))
			;
		boot_reader_done(s);
	}
	loop_timer_cancel(s->loop, s->boot_timer);
	s->boot_timer = NULL;
	if (s->boot)
		boot_run(s, -1);
}

/* Stopping while starting: the jails not started yet never are. */
static void
boot_abandon(struct server *s)
{
	if (s->boot_fd >= 0) {
		loop_fd_del(s->loop, s->boot_fd);
		close(s->boot_fd);
		s->boot_fd = -1;
	}
	if (s->boot_pid > 0)
		kill(s->boot_pid, SIGKILL);
	strbuf_free(&s->boot_buf);
	loop_timer_cancel(s->loop, s->boot_timer);
	s->boot_timer = NULL;
	pyval_free(s->boot);
	s->boot = NULL;
	dict_free(s->boot_broken);
	s->boot_broken = NULL;
}

/* ---- reload ------------------------------------------------------------------ */

/*
 * Server.reloadJails with the stream applied in between.  The running jails
 * the reload is about are reloaded in place (their bans, failures, log
 * positions and started actions stay; `actionreload` runs), stopped first
 * and made again (--restart, another backend), or stopped (no longer in the
 * configuration), strictly in this order: every stop and its unbans are
 * done before a jail of the same name starts again, whose bans follow its
 * start.  The client is answered when all that ran.
 */
struct reload {
	struct pyval	*stream;
	struct dict	*broken;	/* jail -> why its new configuration is refused */
	struct dict	*inplace;	/* running jails reloaded in place */
	struct dict	*restart;	/* running jails with another backend now */
	struct dict	*begun;		/* in-place reloads begun, not ended yet */
	struct dict	*removed;	/* running jails the configuration no longer has */
	size_t		 pos;		/* the next command of the stream */
	size_t		 ends;		/* jail_reload_end()s not done yet */
	bool		 applied;
};

static void
reload_free(struct reload *rl)
{
	if (rl == NULL)
		return;
	pyval_free(rl->stream);
	dict_free(rl->broken);
	dict_free(rl->inplace);
	dict_free(rl->restart);
	dict_free(rl->begun);
	dict_free(rl->removed);
	free(rl);
}

static void
restore_bans(struct server *s)
{
	size_t i;

	for (i = 0; i < s->njails; i++)
		jail_restore_bans(s->jails[i]);
}

/* The backend the stream adds jail name with, or NULL when it has no such jail. */
static const char *
stream_backend(const struct pyval *stream, const char *name)
{
	size_t i;

	for (i = 0; i < pyval_len(stream); i++) {
		const struct pyval *cmd = pyval_at(stream, i);
		const char *j = cmd_jail(cmd);

		if (j && strcmp(j, name) == 0 && strcmp(cmd_word(cmd), "add") == 0)
			return pyval_len(cmd) > 2 && pyval_as_str(pyval_at(cmd, 2)) ?
			    pyval_as_str(pyval_at(cmd, 2)) : "auto";
	}
	return NULL;
}

/* Server.setDatabase's rule: the database does not change while jails exist. */
static bool
db_change_refused(struct server *s, const char *file)
{
	if (s->db && s->dbfile && strcmp(s->dbfile, file) == 0)
		return false;	/* the same */
	if (s->db == NULL && strcasecmp(file, "none") == 0)
		return false;
	return s->njails + s->nstopping > 0;
}

static void
on_reload_end(void *arg, struct jail *j)
{
	struct server *s = arg;

	(void)j;
	if (s->op && s->op->rl) {
		s->op->rl->ends--;
		reload_step(s);
	}
}

/*
 * The stream, from where it stopped: a jail added with another backend is
 * stopped there (Server.addJail), and the stream goes on once it is.
 * Returns false while waiting for that stop.
 */
static bool
reload_apply(struct server *s, struct reload *rl)
{
	const char *name;
	struct jail *jl;
	size_t i, pos = 0;
	void *v;

	for (; rl->pos < pyval_len(rl->stream); rl->pos++) {
		const struct pyval *cmd = pyval_at(rl->stream, rl->pos);
		const char *j = cmd_jail(cmd), *w = cmd_word(cmd);

		jl = j ? server_jail(s, j) : NULL;
		if (j && jl && dict_has(rl->restart, j) && strcmp(w, "add") == 0) {
			log_msg(LOG_LVL_INFO, LOG_SERVER, "Restart jail '%s' (reason: '%s' != '%s')",
			    j, jail_backend(jl), stream_backend(rl->stream, j));
			dict_del(rl->restart, j);
			for (i = 0; s->jails[i] != jl; i++)
				;
			stop_jail_at(s, i);
			return false;	/* this add again once it stopped */
		}
		if (j == NULL || !dict_has(rl->inplace, j) || jl == NULL) {
			apply_cmd(s, cmd, rl->broken);
			continue;
		}
		if (strcmp(w, "add") == 0) {
			log_msg(LOG_LVL_INFO, LOG_SERVER, "Reload jail '%s'", j);
			dict_set(rl->begun, j, NULL);
			jail_reload_begin(jl);
		} else if (strcmp(w, "start") == 0 && dict_has(rl->begun, j)) {
			log_msg(LOG_LVL_INFO, LOG_SERVER, "Jail '%s' reloaded", j);
			dict_del(rl->begun, j);
			rl->ends++;
			jail_reload_end(jl, on_reload_end, s);
		} else
			apply_cmd(s, cmd, NULL);
	}
	/* a stream (not fail2ban-client's) that never starts a jail it reloads */
	while (dict_next(rl->begun, &pos, &name, &v))
		if ((jl = server_jail(s, name)) != NULL) {
			rl->ends++;
			jail_reload_end(jl, on_reload_end, s);
		}
	pos = 0;
	/* a jail whose new configuration failed runs on as it was */
	while (dict_next(rl->broken, &pos, &name, &v))
		if ((server_jail(s, name)) != NULL && jail_started(server_jail(s, name)))
			log_msg(LOG_LVL_WARNING, LOG_SERVER, "Jail '%s' keeps running with its "
			    "previous configuration", name);
	/* Server.reloadJails(begin=False): the jails no longer configured go */
	for (i = 0; i < s->njails; i++)
		if (dict_has(rl->removed, jail_name(s->jails[i])))
			stop_jail_at(s, i--);
	rl->applied = true;
	return true;
}

/* Goes on with the reload when what it waits for is done. */
static void
reload_step(struct server *s)
{
	struct reload *rl = s->op ? s->op->rl : NULL;

	if (rl == NULL || s->quitting || s->nstopping > 0)
		return;
	if (!rl->applied && (!reload_apply(s, rl) || s->nstopping > 0))
		return;
	if (rl->ends > 0)
		return;
	log_msg(LOG_LVL_INFO, LOG_SERVER, "Reload finished.");
	op_finish(s);
	restore_bans(s);
}

int
server_reload(struct server *s, const struct pyval *given, const char *only,
    unsigned flags, char **err)
{
	bool ok = given != NULL;
	struct pyval *stream = given ? pyval_copy(given) : read_config(s, &ok);
	struct reload *rl;
	size_t i;

	if (s->op) {	/* only from a stream of its own: requests wait their turn */
		pyval_free(stream);
		*err = xstrdup("Reload already in progress");
		return -1;
	}
	if (stream == NULL || !ok) {
		pyval_free(stream);
		*err = xstrdup("the new configuration does not load; the running one is kept");
		log_msg(LOG_LVL_ERROR, LOG_SERVER, "Reload failed: %s", *err);
		return -1;
	}
	if (only)
		log_msg(LOG_LVL_INFO, LOG_SERVER, "Reload jail %s", only);
	else
		log_msg(LOG_LVL_INFO, LOG_SERVER, "Reload all jails");
	if (only && !(flags & SERVER_RELOAD_IF_EXISTS) && server_jail(s, only) == NULL) {
		log_msg(LOG_LVL_INFO, LOG_SERVER, "Reload finished.");
		pyval_free(stream);
		*err = xstrdup(only);
		return SERVER_RELOAD_NO_JAIL;
	}
	for (i = 0; i < pyval_len(stream); i++) {
		const struct pyval *cmd = pyval_at(stream, i);

		/* refused before anything changed: fail2ban refuses it half-way */
		if (strcmp(cmd_word(cmd), "set") == 0 && pyval_len(cmd) == 3 &&
		    pyval_as_str(pyval_at(cmd, 1)) && pyval_as_str(pyval_at(cmd, 2)) &&
		    strcmp(pyval_as_str(pyval_at(cmd, 1)), "dbfile") == 0 &&
		    db_change_refused(s, pyval_as_str(pyval_at(cmd, 2)))) {
			log_msg(LOG_LVL_INFO, LOG_SERVER, "Reload finished.");
			pyval_free(stream);
			*err = xstrdup(DB_CHANGE_REFUSED);
			return -1;
		}
	}
	rl = xcalloc(1, sizeof(*rl));
	rl->stream = stream;
	rl->broken = dict_new(free);
	rl->inplace = dict_new(NULL);
	rl->restart = dict_new(NULL);
	rl->begun = dict_new(NULL);
	rl->removed = dict_new(NULL);
	op_new(s, OP_RELOAD)->rl = rl;
	/* every jail of the new configuration is tried first */
	for (i = 0; i < pyval_len(stream); i++) {
		const struct pyval *cmd = pyval_at(stream, i);
		char *skipped = config_error_jail(cmd), *why;

		if (skipped) {
			dict_set(rl->broken, skipped, xstrdup(pyval_as_str(pyval_at(cmd, 1))));
			free(skipped);
		} else if (strcmp(cmd_word(cmd), "add") == 0 && cmd_jail(cmd) &&
		    !dict_has(rl->broken, cmd_jail(cmd)) &&
		    (why = try_jail(s, stream, cmd_jail(cmd))) != NULL)
			dict_set(rl->broken, cmd_jail(cmd), why);
	}
	/* first unban all (not restored after a restart), then stop what restarts */
	for (i = 0; i < s->njails; i++)
		if ((flags & SERVER_RELOAD_UNBAN) && (!only || strcmp(only,
		    jail_name(s->jails[i])) == 0))
			jail_unban_all(s->jails[i]);
	if (!only && (flags & SERVER_RELOAD_RESTART))
		log_msg(LOG_LVL_INFO, LOG_SERVER, "Stopping all jails");
	for (i = 0; i < s->njails; i++) {
		const char *jn = jail_name(s->jails[i]), *be;

		if ((only && strcmp(only, jn) != 0) || dict_has(rl->broken, jn))
			continue;	/* not the reload's, or kept as it runs */
		be = stream_backend(stream, jn);
		if (flags & SERVER_RELOAD_RESTART)
			stop_jail_at(s, i--);
		else if (be == NULL)
			dict_set(rl->removed, jn, NULL);
		else if (strcmp(be, jail_backend(s->jails[i])) != 0)
			dict_set(rl->restart, jn, NULL);	/* stopped where it is added */
		else
			dict_set(rl->inplace, jn, NULL);
	}
	reload_step(s);
	return 0;
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

/*
 * Runs a request: its answer, or NULL when an operation it started answers
 * later (through reply, or a reply deferred now when reply is NULL).
 */
static struct pyval *
run_request(struct server *s, const struct pyval *req, struct control_reply *reply,
    bool *failed)
{
	struct pyval *exc = NULL, *r = transmitter_proceed(s, req, &exc);

	if (r == NULL) {
		log_failed(req, exc);
		*failed = true;
		return exc;
	}
	if (s->op && s->op->reply == NULL && s->op->answer == NULL) {
		s->op->reply = reply ? reply : control_defer(s->control);
		s->op->answer = r;
		return NULL;
	}
	restore_bans(s);	/* a start outside the start stream */
	return r;
}

/* The requests still waiting: never run (their connections are closed). */
static void
drop_queue(struct server *s)
{
	while (s->queue) {
		struct queued *q = s->queue;

		s->queue = q->next;
		control_answer(q->reply, NULL, false);	/* only frees it: its client left */
		pyval_free(q->req);
		free(q);
	}
	s->queue_end = &s->queue;
}

/* On the way out: a `stop` that came while stopping is answered as the first. */
static void
answer_stops(struct server *s)
{
	struct queued **pp = &s->queue, *q;

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
	s->queue_end = pp;
}

/* SIGHUP's reload (RELOADING=1 said): READY=1 once it is done. */
static void
hup_reload(struct server *s)
{
	char *err = NULL;

	if (server_reload(s, NULL, NULL, 0, &err) < 0)
		free(err);
	if (s->op && s->op->kind == OP_RELOAD)
		s->op->notify = true;
	else
		systemd_notify("READY=1");
}

/* The requests that waited behind an operation, while none is under way. */
static void
drain_queue(void *arg)
{
	struct server *s = arg;

	s->queue_timer = NULL;
	while (s->op == NULL && !s->quitting && (s->queue || s->hup)) {
		struct queued *q = s->queue;
		struct pyval *v;
		bool failed = false;

		if (q == NULL) {	/* a SIGHUP came during the operation */
			s->hup = false;
			hup_reload(s);
			continue;
		}
		if ((s->queue = q->next) == NULL)
			s->queue_end = &s->queue;
		if ((v = run_request(s, q->req, q->reply, &failed)) != NULL)
			control_answer(q->reply, v, failed);
		pyval_free(q->req);
		free(q);
	}
}

static struct pyval *
on_request(void *arg, const struct pyval *req, bool *failed)
{
	struct server *s = arg;

	if (is_ping(req))
		return run_request(s, req, NULL, failed);
	boot_finish(s);		/* all but ping see every jail of the configuration */
	if (s->op || s->queue || s->quitting) {
		/* one at a time, in order: it waits for the operation under way */
		struct queued *q = xcalloc(1, sizeof(*q));

		q->req = pyval_copy(req);
		q->reply = control_defer(s->control);
		*s->queue_end = q;
		s->queue_end = &q->next;
		return NULL;
	}
	return run_request(s, req, NULL, failed);
}

static void
on_control_log(void *arg, const char *msg)
{
	(void)arg;
	log_msg(LOG_LVL_ERROR, "fail2ban.server", "PROTO-error: %s", msg);
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

struct pyval *
server_metrics(struct server *s)
{
	struct pyval *m = pyval_dict(), *jails = pyval_dict(), *db = pyval_dict();
	size_t i;

	for (i = 0; i < s->njails; i++)
		pyval_dict_set(jails, pyval_str(jail_name(s->jails[i])), jail_metrics(s->jails[i]));
	pyval_dict_set(m, pyval_str("jails"), jails);
	pyval_dict_set(db, pyval_str("file"), s->db ? pyval_str(db_path(s->db)) : pyval_none());
	pyval_dict_set(db, pyval_str("write_errors"), pyval_int(s->db ?
	    (long long)db_write_errors(s->db) : 0));
	pyval_dict_set(m, pyval_str("database"), db);
	return m;
}

static struct pyval *
on_metrics(void *arg)
{
	return server_metrics(arg);
}

/* ---- signals -------------------------------------------------------------------- */

static void
on_metrics_log(void *arg, const char *msg)
{
	(void)arg;
	log_msg(LOG_LVL_WARNING, LOG_SERVER, "metrics: %s", msg);
}

static void
on_signal(void *arg, int signo)
{
	struct server *s = arg;

	switch (signo) {
	case SIGTERM:
	case SIGINT:
		server_quit(s);
		break;
	case SIGHUP:
		boot_finish(s);
		if (s->quitting)
			break;
		systemd_notify("RELOADING=1");
		if (s->op || s->queue)
			s->hup = true;	/* after what is under way */
		else
			hup_reload(s);
		break;
	case SIGUSR1:
		flush_logs(s);
		break;
	}
}

/* ---- a bare server ------------------------------------------------------------------ */

/* A server with no jails, no socket yet and no options (server_main, server_create). */
static void
server_init(struct server *s, struct loop *l)
{
	memset(s, 0, sizeof(*s));
	s->loop = l;
	s->params = dict_new(free);
	s->allow_ipv6 = true;
	s->listen_fd = -1;
	s->boot_fd = -1;
	s->queue_end = &s->queue;
}

struct server *
server_create(struct loop *l)
{
	struct server *s = xmalloc(sizeof(*s));

	server_init(s, l);
	return s;
}

void
server_destroy(struct server *s)
{
	size_t i;

	if (s == NULL)
		return;
	close_db(s);
	for (i = 0; i < s->njails; i++)
		jail_free(s->jails[i]);
	for (i = 0; i < s->nstopping; i++)
		jail_free(s->stopping[i]);
	free(s->jails);
	free(s->stopping);
	dict_free(s->params);
	dict_free(s->cmdline);
	drop_queue(s);
	if (s->op) {
		reload_free(s->op->rl);
		pyval_free(s->op->answer);
		free(s->op->jail);
		free(s->op);
	}
	loop_timer_cancel(s->loop, s->queue_timer);
	pyval_free(s->early);
	free(s->conf);
	free(s->socket);
	free(s->pidfile);
	free(s->loglevel);
	free(s->logtarget);
	free(s->syslogsocket);
	free(s->dbfile);
	free(s);
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

static void
daemonize(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		exit(255);
	if (pid > 0)
		_exit(0);
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
}

static void
flush_log(void *arg)
{
	(void)arg;
	log_flush();
}

int
server_main(int argc, char **argv)
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
	struct server s;
	struct diag *d;
	struct pyval *stream = NULL;
	bool foreground = false, force = false, async = false, ok = false;
	const char *conf = "/etc/fail2ban";
	int c, i;

	/* options that only inspect the configuration behave as the client's */
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-V") == 0 || strcmp(argv[i], "--version") == 0 ||
		    strcmp(argv[i], "-d") == 0 || strcmp(argv[i], "--dp") == 0 ||
		    strcmp(argv[i], "--dump-pretty") == 0 || strcmp(argv[i], "--str2sec") == 0 ||
		    strcmp(argv[i], "-t") == 0 || strcmp(argv[i], "--test") == 0)
			return client_main(argc, argv);

	server_init(&s, NULL);
	optind = 0;	/* a fresh scan, also when the client calls us */
	while ((c = getopt_long(argc, argv, "+c:s:p:xfbivqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': conf = optarg; break;
		case 's': dict_set(s.params, "socket", xstrdup(optarg)); break;
		case 'p': dict_set(s.params, "pidfile", xstrdup(optarg)); break;
		case 2: dict_set(s.params, "loglevel", xstrdup(optarg)); break;
		case 3: dict_set(s.params, "logtarget", xstrdup(optarg)); break;
		case 4: dict_set(s.params, "syslogsocket", xstrdup(optarg)); break;
		case 'x': force = true; break;
		case 'f': foreground = true; break;
		case 'b': foreground = false; break;
		case 5: async = true; break;
		case 9: dict_set(s.params, "metrics", xstrdup(optarg)); break;
		case 1: case 6: case 'i': case 'v': case 'q': break;
		default:
			dict_free(s.params);
			return 255;
		}
	}
	for (i = optind; i < argc; i++)
		if (strcmp(argv[i], "start") != 0) {
			fprintf(stderr, "ERROR: the server takes no command but 'start' (got '%s')\n",
			    argv[i]);
			dict_free(s.params);
			return 255;
		}
	{
		/* kept absolute: the daemon changes to / and reloads later */
		char *abs = realpath(conf, NULL);

		s.conf = abs ? abs : xstrdup(conf);
	}

	s.cmdline = dict_copy(s.params, dict_copy_str);
	d = diag_new();
	if (config_early(conf, s.params, d) < 0) {
		printf("ERROR: Base configuration directory %s does not exist \n", conf);
		diag_free(d);
		dict_free(s.params);
		dict_free(s.cmdline);
		free(s.conf);
		return 255;
	}
	diag_free(d);
	s.socket = absolute(dict_get(s.params, "socket", NULL) ? (char *)dict_get(s.params,
	    "socket", NULL) : "/var/run/fail2ban/fail2ban.sock");
	s.pidfile = absolute(dict_get(s.params, "pidfile", NULL) ? (char *)dict_get(s.params,
	    "pidfile", NULL) : "/var/run/fail2ban/fail2ban.pid");
	{
		/* a log file named relative to where we were started */
		const char *lt = dict_get(s.params, "logtarget", NULL);

		if (lt && lt[0] != '/' && strcasecmp(lt, "STDOUT") && strcasecmp(lt, "STDERR") &&
		    strcasecmp(lt, "SYSOUT") && strcasecmp(lt, "SYSLOG") &&
		    strncasecmp(lt, "SYSTEMD-JOURNAL", 15)) {
			char *abs = absolute(lt);

			if (dict_has(s.cmdline, "logtarget"))
				dict_set(s.cmdline, "logtarget", xstrdup(abs));
			dict_set(s.params, "logtarget", abs);
		}
	}
	{
		const char *ll = dict_get(s.params, "loglevel", NULL);

		log_set_level(ll && log_level_parse(ll) >= 0 ? log_level_parse(ll) :
		    LOG_LVL_INFO);
	}
	umask(077);
	raise_nofile();

	/*
	 * The whole configuration is read before anything starts: here when
	 * going to the background (its errors are for the shell that started
	 * us), in the loop's first turn in the foreground.
	 */
	if (!async && !foreground) {
		stream = read_config(&s, &ok);
		if (stream == NULL || !ok) {
			config_failed(&s, NULL);	/* the log is not open: said on stderr */
			pyval_free(stream);
			goto out;
		}
	}
	if (socket_check(s.socket, force) < 0) {
		pyval_free(stream);
		s.exit_code = 255;
		goto out;
	}
	if (!foreground)
		daemonize();
	{
		const char *lt = dict_get(s.params, "logtarget", NULL);

		if (lt) {
			log_open(lt, dict_get(s.params, "syslogsocket", NULL));
			s.logtarget = xstrdup(lt);
			replay_early(&s, lt);
		}
	}
	{
		/* descriptors no connection or log can take: the actions' (runner.h) */
		struct rlimit rl;

		runner_reserve(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 256 ? 4 : 16);
	}
	s.loop = loop_new();
	if ((s.listen_fd = socket_listen(s.socket)) < 0) {
		/* a server no client can reach is not started (nor said ready) */
		log_msg(LOG_LVL_ERROR, LOG_SERVER, "Could not start server: Unable to bind socket "
		    "%s: %s", s.socket, strerror(errno));
		if (s.logtarget && foreground)
			fprintf(stderr, "ERROR: Unable to bind socket %s: %s\n", s.socket,
			    strerror(errno));
		pyval_free(stream);
		s.exit_code = 255;
		goto out;
	}
	s.control = control_new(s.loop, s.listen_fd, on_request, on_control_log, &s);
	if (write_pidfile(s.pidfile) < 0)
		log_msg(LOG_LVL_ERROR, LOG_SERVER, "Unable to write the pidfile %s: %s",
		    s.pidfile, strerror(errno));
	log_msg(LOG_LVL_INFO, LOG_SERVER, "%s", "--------------------------------------------------");
	log_msg(LOG_LVL_INFO, LOG_SERVER, "Starting Fail2ban v%s", FAIL2BAN_VERSION);
	log_msg(LOG_LVL_INFO, LOG_SERVER, "f2b-lite v%s, compatible with fail2ban v%s",
	    F2B_LITE_VERSION, FAIL2BAN_VERSION);
	if (dict_get(s.params, "metrics", NULL)) {
		char *err = NULL;

		if ((s.metrics = metrics_listen(s.loop, dict_get(s.params, "metrics", NULL),
		    on_metrics, on_metrics_log, &s, &err)) == NULL) {
			log_msg(LOG_LVL_ERROR, LOG_SERVER, "%s", err);
			free(err);
		} else
			log_msg(LOG_LVL_INFO, LOG_SERVER, "Metrics on http://%s/metrics",
			    (char *)dict_get(s.params, "metrics", NULL));
	}
	loop_signal(s.loop, SIGTERM, on_signal, &s);
	loop_signal(s.loop, SIGINT, on_signal, &s);
	loop_signal(s.loop, SIGHUP, on_signal, &s);
	loop_signal(s.loop, SIGUSR1, on_signal, &s);
	signal(SIGPIPE, SIG_IGN);
	s.foreground = foreground;
	/* the socket answers a ping at once; the jails start a slice per turn */
	if (stream)
		boot_take(&s, stream, true, NULL);
	else if (!async)
		boot_fork(&s);
	else
		ready(&s);
	fflush(stdout);
	log_defer(true);	/* log lines written once per turn of the loop */
	loop_on_idle(s.loop, flush_log, NULL);
	if (!s.quitting)	/* a broken configuration read without a child */
		loop_run(s.loop);
	boot_abandon(&s);
	log_defer(false);
	metrics_close(s.metrics);
	if (s.db) {
		close_db(&s);
		log_msg(LOG_LVL_INFO, "fail2ban.database", "Connection to database closed.");
	}
	log_msg(LOG_LVL_INFO, LOG_SERVER, "Exiting Fail2ban");
	/*
	 * Every action has run: the socket and the pidfile go, then `stop` is
	 * answered - a client that returns finds nothing left of this server
	 * (under systemd, nothing left for its stop to kill)
	 */
	stop_listening(&s);
	remove_pidfile(s.pidfile);
	if (s.op)
		op_finish(&s);
	answer_stops(&s);
	close_listener(&s);
	drop_queue(&s);		/* never run: their clients see the server gone */
out:
	for (i = 0; i < (int)s.njails; i++)
		jail_free(s.jails[i]);
	free(s.jails);
	free(s.stopping);
	loop_free(s.loop);
	dict_free(s.params);
	dict_free(s.cmdline);
	free(s.conf);
	free(s.socket);
	free(s.pidfile);
	free(s.loglevel);
	free(s.logtarget);
	free(s.syslogsocket);
	free(s.dbfile);
	pyval_free(s.early);
	return s.exit_code;
}

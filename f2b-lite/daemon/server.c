/*
 * server: the state of a running fail2ban-server - its jails, the database,
 * the server-wide options (fail2ban's `set|get loglevel|dbfile...`, one
 * table), and the operations that take a while (stop, reload) with the
 * answer they owe.  The process around it (command line, socket, pidfile,
 * signals, the start) is process.c's; commands reach it through the
 * transmitter, which the process hands over as the server's command_fn
 * (the server applies configuration streams through it, never includes it).
 *
 * Sections:
 *   operations        a stop or reload under way, who is answered when it ends
 *   jails             add, look up, stop, quit
 *   options           the server option table; server_set, server_get
 *   the database      open, commit once per turn, purge hourly, close
 *   the configuration read it, log what the reader said, apply a stream
 *   reload            Server.reloadJails: in place, restarted or removed
 *   requests          a client's request, metrics
 *   a bare server     create, destroy
 */
#include "server.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "clock.h"
#include "config.h"
#include "control.h"
#include "db.h"
#include "diag.h"
#include "dict.h"
#include "jail.h"
#include "log.h"
#include "loop.h"
#include "optspec.h"
#include "optval.h"
#include "pickle.h"
#include "pyval.h"
#include "strbuf.h"
#include "systemd.h"
#include "timestr.h"
#include "xmalloc.h"

struct server {
	struct loop	*loop;
	server_command_fn *command;	/* the transmitter */
	struct jail	**jails;
	size_t		 njails;
	struct jail	**stopping;	/* jails being stopped, freed when done */
	size_t		 nstopping;
	char		*conf;
	struct dict	*cmdline;	/* the command line's options: they override fail2ban.conf */
	char		*loglevel, *logtarget, *syslogsocket, *dbfile;
	bool		 allow_ipv6;
	bool		 quitting;
	struct op	*op;		/* the stop or reload under way */
	void		(*on_idle)(void *);	/* it ended: requests waiting may run */
	void		*idle_arg;
	struct db	*db;
	struct loop_timer *commit_timer, *purge_timer;
	struct pyval	*early;		/* configuration warnings: [level, logger, text] */
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

static void reload_step(struct server *);
static void reload_free(struct reload *);

static struct op *
op_new(struct server *s, enum op_kind kind)
{
	struct op *o = xcalloc(1, sizeof(*o));

	o->kind = kind;
	s->op = o;
	return o;
}

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
	if (s->on_idle && !s->quitting)
		s->on_idle(s->idle_arg);
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
		log_msg(LOG_LVL_ERROR, LOG_JAIL, "%s", *err);
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


void
server_quit(struct server *s)
{
	if (s->quitting)
		return;
	s->quitting = true;
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

/*
 * ---- options ----------------------------------------------------------------
 *
 * The server-wide options, one table for `set` and `get` (and the
 * transmitter, which asks server_option_known() before it looks for a jail
 * of that name).  A setter gets the text of the first value and returns the
 * answer, or NULL with *err; no setter or no getter: fail2ban's "Invalid
 * command" answer for that verb.
 */

struct server_option {
	const char	*name;
	struct pyval	*(*set)(struct server *, const char *value, char **err);
	struct pyval	*(*get)(struct server *);
};

/*
 * Server.flushLogs (flushlogs, SIGUSR1): a log file is reopened (after
 * logrotate moved it), the others flushed; the answer and the line say which.
 */
const char *
server_flush_logs(struct server *s)
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

/* Server.setLogLevel: upper-cased, checked only when it changes */
static struct pyval *
set_loglevel(struct server *s, const char *v, char **err)
{
	struct pyval *ret = NULL;
	char *up = xstrdup(v), *p;
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
	return ret;
}

static struct pyval *
get_loglevel(struct server *s)
{
	return pyval_str(s->loglevel ? s->loglevel : "INFO");
}

/*
 * As fail2ban: the value given now.  The start stream carries the command
 * line's --logtarget (the loader lets it override fail2ban.conf's), a
 * reload stream fail2ban.conf's, a `set logtarget` its own.
 */
static struct pyval *
set_logtarget(struct server *s, const char *t, char **err)
{
	(void)err;
	if (s->logtarget == NULL || strcmp(s->logtarget, t) != 0) {
		if (log_open(t, s->syslogsocket) < 0)
			log_msg(LOG_LVL_ERROR, LOG_SERVER, "Unable to log to '%s'", t);
		server_log_opened(s, t);
	}
	return pyval_str(t);
}

static struct pyval *
get_logtarget(struct server *s)
{
	return pyval_str(s->logtarget ? s->logtarget : "STDERR");
}

static struct pyval *
set_syslogsocket(struct server *s, const char *v, char **err)
{
	(void)err;
	replace(&s->syslogsocket, v);
	return pyval_str(v);
}

static struct pyval *
get_syslogsocket(struct server *s)
{
	return pyval_str(s->syslogsocket ? s->syslogsocket : "auto");
}

static struct pyval *
set_allowipv6(struct server *s, const char *v, char **err)
{
	(void)err;
	s->allow_ipv6 = strcmp(v, "auto") == 0 || optval_bool(v);
	return pyval_str(v);
}

static struct pyval *
set_dbfile(struct server *s, const char *f, char **err)
{
	if (db_change_refused(s, f)) {
		*err = xstrdup(DB_CHANGE_REFUSED);
		return NULL;
	}
	if (!(s->db && strcmp(s->dbfile, f) == 0) &&
	    !(s->db == NULL && strcasecmp(f, "none") == 0))
		open_db(s, f);
	return s->db ? pyval_str(s->dbfile) : pyval_none();
}

static struct pyval *
get_dbfile(struct server *s)
{
	return s->db ? pyval_str(s->dbfile) : pyval_none();
}

static struct pyval *
set_dbmaxmatches(struct server *s, const char *v, char **err)
{
	long long n;
	int rc;

	if ((rc = optval_int(v, &n)) < 0) {
		*err = xasprintf("invalid literal for int() with base 10: '%s'", v);
		return NULL;
	}
	if (rc > 0)
		log_msg(LOG_LVL_WARNING, LOG_SERVER, "dbmaxmatches '%s' is past the "
		    "largest integer f2b-lite keeps: saturated to it", v);
	if (s->db)
		db_set_maxmatches(s->db, (long)n);
	return s->db ? pyval_int(n) : pyval_none();
}

static struct pyval *
get_dbmaxmatches(struct server *s)
{
	return s->db ? pyval_int(db_maxmatches(s->db)) : pyval_none();
}

static struct pyval *
set_dbpurgeage(struct server *s, const char *v, char **err)
{
	double age;
	bool sat;

	if (timestr_seconds(v, &age, &sat, err) < 0)
		return NULL;
	if (sat)
		log_msg(LOG_LVL_WARNING, LOG_SERVER, "dbpurgeage '%s' is past the "
		    "largest time (10^15 seconds) f2b-lite keeps: saturated to it", v);
	if (s->db)
		db_set_purgeage(s->db, age);
	return s->db ? pyval_int((long long)age) : pyval_none();
}

static struct pyval *
get_dbpurgeage(struct server *s)
{
	return s->db ? pyval_int((long long)db_purgeage(s->db)) : pyval_none();
}

static struct pyval *
set_flushlogs(struct server *s, const char *v, char **err)
{
	(void)v;
	(void)err;
	return pyval_str(server_flush_logs(s));
}

static const struct server_option server_options[] = {
	{ "loglevel", set_loglevel, get_loglevel },
	{ "logtarget", set_logtarget, get_logtarget },
	{ "syslogsocket", set_syslogsocket, get_syslogsocket },
	{ "dbfile", set_dbfile, get_dbfile },
	{ "dbmaxmatches", set_dbmaxmatches, get_dbmaxmatches },
	{ "dbpurgeage", set_dbpurgeage, get_dbpurgeage },
	{ "allowipv6", set_allowipv6, NULL },
	{ "flushlogs", set_flushlogs, NULL },
	{ "thread", NULL, NULL },	/* fail2ban's thread options: known, not kept */
};

static const struct server_option *
server_option(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(server_options) / sizeof(server_options[0]); i++)
		if (strcmp(server_options[i].name, name) == 0)
			return &server_options[i];
	return NULL;
}

bool
server_option_known(const char *name)
{
	return server_option(name) != NULL;
}

struct pyval *
server_set(struct server *s, const char *opt, const struct pyval *v, char **err)
{
	const struct server_option *o = server_option(opt);
	struct strbuf sb = STRBUF_INIT;
	struct pyval *ret;

	*err = NULL;
	if (o == NULL || o->set == NULL) {
		*err = xasprintf("Invalid command '%s' (no set action or not yet implemented)",
		    opt);
		return NULL;
	}
	if (pyval_len(v) > 0)
		pyval_to_text(pyval_at(v, 0), &sb);
	ret = o->set(s, strbuf_str(&sb), err);
	strbuf_free(&sb);
	return ret;
}

struct pyval *
server_get(struct server *s, const char *opt, char **err)
{
	const struct server_option *o = server_option(opt);

	*err = NULL;
	if (o == NULL || o->get == NULL) {
		*err = xstrdup("Invalid command (no get action or not yet implemented)");
		return NULL;
	}
	return o->get(s);
}

void
server_log_opened(struct server *s, const char *target)
{
	size_t i;

	if (target != s->logtarget)
		replace(&s->logtarget, target);
	/* the configuration's warnings, into a log target other than stderr */
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

bool
server_close_db(struct server *s)
{
	if (s->db == NULL)
		return false;
	close_db(s);
	return true;
}

static void
on_db_note(void *arg, enum db_level level, const char *msg)
{
	static const int levels[] = { [DB_DEBUG] = LOG_LVL_DEBUG, [DB_INFO] = LOG_LVL_INFO,
	    [DB_WARNING] = LOG_LVL_WARNING, [DB_ERROR] = LOG_LVL_ERROR };

	(void)arg;
	log_msg(levels[level], LOG_DATABASE, "%s", msg);
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
		log_msg(LOG_LVL_ERROR, LOG_DATABASE, "%s", err);
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
struct pyval *
server_read_config(struct server *s, bool *ok, struct pyval *msgs)
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
		pyval_append(e, pyval_str(lvl == LOG_LVL_WARNING ? LOG_CONFIGREADER :
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
		pyval_append(e, pyval_str(LOG_JAILSREADER));
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
void
server_report_config(struct server *s, const struct pyval *msgs)
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
		/* said on stderr for now: server_log_opened() writes them to the log */
		if (s->early == NULL)
			s->early = pyval_list();
		pyval_append(s->early, pyval_copy(e));
	}
}

static struct pyval *
read_config(struct server *s, bool *ok)
{
	struct pyval *msgs = pyval_list(), *stream = server_read_config(s, ok, msgs);

	server_report_config(s, msgs);
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
	log_msg(LOG_LVL_ERROR, LOG_TRANSMITTER, "Command %s has failed. Received %s",
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

	log_msg(LOG_LVL_ERROR, LOG_TRANSMITTER, "Jail '%s' skipped, because of wrong "
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
void
server_apply(struct server *s, const struct pyval *cmd, struct dict *broken)
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
	r = s->command(s, cmd, &exc);
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
			r = s->command(s, cmd, &exc);
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

void
server_restore_bans(struct server *s)
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
			server_apply(s, cmd, rl->broken);
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
			server_apply(s, cmd, NULL);
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
	server_restore_bans(s);
}

int
server_reload(struct server *s, const struct pyval *given, const char *only,
    unsigned flags, char **err)
{
	bool ok = given != NULL;
	struct pyval *stream = given ? pyval_copy(given) : read_config(s, &ok);
	struct reload *rl;
	struct op *o;
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
	o = op_new(s, OP_RELOAD);
	o->rl = rl;
	o->notify = (flags & SERVER_RELOAD_NOTIFY) != 0;
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

/* ---- requests ------------------------------------------------------------------ */

struct pyval *
server_request(struct server *s, const struct pyval *req, struct control *control,
    struct control_reply *reply, bool *failed)
{
	struct pyval *exc = NULL, *r = s->command(s, req, &exc);

	if (r == NULL) {
		log_failed(req, exc);
		*failed = true;
		return exc;
	}
	if (s->op && s->op->reply == NULL && s->op->answer == NULL) {
		s->op->reply = reply ? reply : control_defer(control);
		s->op->answer = r;
		return NULL;
	}
	server_restore_bans(s);	/* a start outside the start stream */
	return r;
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

/* ---- a bare server ------------------------------------------------------------------ */

struct server *
server_create(struct loop *l, server_command_fn *command)
{
	struct server *s = xcalloc(1, sizeof(*s));

	s->loop = l;
	s->command = command;
	s->allow_ipv6 = true;
	return s;
}

void
server_set_loop(struct server *s, struct loop *l)
{
	s->loop = l;
}

void
server_set_config(struct server *s, const char *conf, const struct dict *cmdline)
{
	replace(&s->conf, conf);
	dict_free(s->cmdline);
	s->cmdline = cmdline ? dict_copy(cmdline, dict_copy_str) : NULL;
}

void
server_on_idle(struct server *s, void (*fn)(void *), void *arg)
{
	s->on_idle = fn;
	s->idle_arg = arg;
}

bool
server_busy(const struct server *s)
{
	return s->op != NULL || s->quitting;
}

bool
server_quitting(const struct server *s)
{
	return s->quitting;
}

const char *
server_logtarget(const struct server *s)
{
	return s->logtarget;
}

void
server_end_op(struct server *s)
{
	if (s->op)
		op_finish(s);
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
	dict_free(s->cmdline);
	if (s->op) {
		reload_free(s->op->rl);
		pyval_free(s->op->answer);
		free(s->op->jail);
		free(s->op);
	}
	pyval_free(s->early);
	free(s->conf);
	free(s->loglevel);
	free(s->logtarget);
	free(s->syslogsocket);
	free(s->dbfile);
	free(s);
}

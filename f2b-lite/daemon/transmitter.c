/* transmitter: command dispatch, one table of commands (see transmitter.h). */
#include "transmitter.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "jail.h"
#include "log.h"
#include "pickle.h"
#include "pyval.h"
#include "server.h"
#include "strbuf.h"
#include "xmalloc.h"

/* The text of item i of cmd ("" when missing). */
static char *
word(const struct pyval *cmd, size_t i)
{
	struct strbuf sb = STRBUF_INIT;
	char *s;

	if (i < pyval_len(cmd))
		pyval_to_text(pyval_at(cmd, i), &sb);
	s = strbuf_detach(&sb);
	return s ? s : xstrdup("");
}

/* cmd[from:] as a new list */
static struct pyval *
rest(const struct pyval *cmd, size_t from)
{
	struct pyval *l = pyval_list();
	size_t i;

	for (i = from; i < pyval_len(cmd); i++)
		pyval_append(l, pyval_copy(pyval_at(cmd, i)));
	return l;
}

static struct pyval *
set_jail(struct jail *j, const struct pyval *cmd, bool multi, char **err)
{
	char *opt = word(cmd, 2);
	struct pyval *args = rest(cmd, 3), *ret = NULL;

	if (multi && strcmp(opt, "action") != 0 && pyval_len(args) == 1 &&
	    pyval_type(pyval_at(args, 0)) == PY_LIST) {
		/* multi-set <jail> addfailregex [r1, r2...]: one set per value */
		const struct pyval *vals = pyval_at(args, 0);
		size_t i;

		ret = pyval_list();
		for (i = 0; i < pyval_len(vals); i++) {
			struct pyval *one = pyval_list(), *r;

			pyval_append(one, pyval_copy(pyval_at(vals, i)));
			r = jail_set(j, opt, one, err);
			pyval_free(one);
			if (r == NULL) {
				pyval_free(ret);
				ret = NULL;
				break;
			}
			pyval_free(r);
		}
		if (ret) {
			pyval_free(ret);
			ret = jail_get(j, strncmp(opt, "add", 3) == 0 ? opt + 3 : opt, NULL, err);
			if (ret == NULL) {
				free(*err);
				*err = NULL;
				ret = pyval_none();
			}
		}
	} else
		ret = jail_set(j, opt, args, err);
	pyval_free(args);
	free(opt);
	return ret;
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static struct pyval *
status(struct server *s, const struct pyval *cmd, char **err)
{
	struct pyval *ret;
	size_t i;

	if (pyval_len(cmd) > 3) {
		*err = xstrdup("Invalid command (no status)");
		return NULL;
	}
	if (pyval_len(cmd) > 1) {
		char *name = word(cmd, 1), *flavor = word(cmd, 2);
		struct jail *j = server_jail(s, name);

		if (j == NULL) {
			*err = xasprintf("Sorry but the jail '%s' does not exist", name);
			ret = NULL;
		} else
			ret = jail_status(j, flavor);
		free(name);
		free(flavor);
		return ret;
	}
	{
		struct pyval *p;
		struct strbuf sb = STRBUF_INIT;
		size_t n = server_njails(s);
		const char **names = xcalloc(n ? n : 1, sizeof(*names));

		/* Server.status: the names sorted (Python sorts str by code point: strcmp) */
		for (i = 0; i < n; i++)
			names[i] = jail_name(server_jail_at(s, i));
		qsort(names, n, sizeof(*names), cmp_name);
		for (i = 0; i < n; i++) {
			if (i)
				strbuf_adds(&sb, ", ");
			strbuf_adds(&sb, names[i]);
		}
		free(names);
		ret = pyval_list();
		p = pyval_tuple();
		pyval_append(p, pyval_str("Number of jail"));
		pyval_append(p, pyval_int((long long)server_njails(s)));
		pyval_append(ret, p);
		p = pyval_tuple();
		pyval_append(p, pyval_str("Jail list"));
		pyval_append(p, pyval_str(sb.s ? sb.s : ""));
		pyval_append(ret, p);
		strbuf_free(&sb);
	}
	return ret;
}

#define UNKNOWN_JAIL	"fail2ban.exceptions.UnknownJailException"

/*
 * ---- the commands ----------------------------------------------------------
 *
 * One handler per command word, found in the table below.  A handler gets
 * the request with its first two words as text ("" when missing) and
 * returns the answer, or NULL with *err (and *cls when the exception is not
 * builtins.Exception, or error_class() cannot tell it from the text).
 */

struct request {
	struct server	*s;
	const struct pyval *cmd;
	const char	*c0, *c1;
	char		**err;
	const char	**cls;
};

static struct pyval *proceed(struct server *, const struct pyval *, char **, const char **);

static struct pyval *
cmd_ping(struct request *r)
{
	(void)r;
	return pyval_str("pong");
}

/* a jail the configuration could not make: skipped, the rest runs */
static struct pyval *
cmd_config_error(struct request *r)
{
	log_msg(LOG_LVL_ERROR, LOG_TRANSMITTER, "%s", r->c1);
	return pyval_none();
}

static struct pyval *
cmd_echo(struct request *r)
{
	return rest(r->cmd, 1);
}

static struct pyval *
cmd_version(struct request *r)
{
	(void)r;
	return pyval_str(FAIL2BAN_VERSION);
}

static struct pyval *
cmd_add(struct request *r)
{
	char *backend = word(r->cmd, 2);
	struct pyval *ret = NULL;

	if (strcmp(r->c1, "--all") == 0) {
		struct strbuf sb = STRBUF_INIT;

		pyval_repr(pyval_at(r->cmd, 1), &sb);
		*r->err = xasprintf("Reserved name %s", strbuf_str(&sb));
		strbuf_free(&sb);
	} else if (server_add_jail(r->s, r->c1, *backend ? backend : "auto", r->err) != NULL)
		ret = pyval_str(r->c1);
	free(backend);
	return ret;
}

static struct pyval *
cmd_server_status(struct request *r)
{
	(void)r;
	return pyval_str("Server ready");
}

/* each command in turn; the first failure is the answer */
static struct pyval *
cmd_server_stream(struct request *r)
{
	const struct pyval *stream = pyval_at(r->cmd, 1);
	struct pyval *ret = pyval_none();
	size_t i;

	if (pyval_type(stream) != PY_LIST && pyval_type(stream) != PY_TUPLE &&
	    !(pyval_type(stream) == PY_STR && pyval_strlen(stream) == 0)) {
		/* a word: Python iterates its letters, none a command */
		pyval_free(ret);
		*r->err = xstrdup("Invalid command");
		return NULL;
	}
	for (i = 0; ret != NULL && pyval_type(stream) != PY_STR && i < pyval_len(stream); i++) {
		struct pyval *one = proceed(r->s, pyval_at(stream, i), r->err, r->cls);

		if (one == NULL) {
			pyval_free(ret);
			ret = NULL;
		}
		pyval_free(one);
	}
	return ret;
}

/*
 * fail2ban's server sleeps in its socket handler; here that would stop
 * every jail, so the answer is given at once.
 */
static struct pyval *
cmd_sleep(struct request *r)
{
	char *end;

	errno = 0;
	if (*r->c1 == '\0' || (strtod(r->c1, &end), *end != '\0' &&
	    !isspace((unsigned char)*end))) {
		struct strbuf sb = STRBUF_INIT;

		pyval_repr(pyval_at(r->cmd, 1), &sb);
		*r->cls = "builtins.ValueError";
		*r->err = xasprintf("could not convert string to float: %s", strbuf_str(&sb));
		strbuf_free(&sb);
		return NULL;
	}
	return pyval_none();
}

static struct pyval *
cmd_start(struct request *r)
{
	struct jail *j = server_jail(r->s, r->c1);

	if (j == NULL) {
		*r->cls = UNKNOWN_JAIL;
		*r->err = xstrdup(r->c1);
		return NULL;
	}
	return jail_start(j, r->err) == 0 ? pyval_none() : NULL;
}

static struct pyval *
cmd_stop(struct request *r)
{
	if (pyval_len(r->cmd) > 1 && strcmp(r->c1, "--all") == 0)
		server_stop_jail(r->s, NULL);
	else if (pyval_len(r->cmd) > 1) {
		if (server_jail(r->s, r->c1) == NULL) {
			*r->cls = UNKNOWN_JAIL;
			*r->err = xstrdup(r->c1);
			return NULL;
		}
		server_stop_jail(r->s, r->c1);
	} else
		server_quit(r->s);
	return pyval_none();
}

/* ['reload', jail|'--all', opts, stream] from fail2ban-client */
static struct pyval *
cmd_reload(struct request *r)
{
	const struct pyval *cmd = r->cmd;
	const struct pyval *stream = pyval_len(cmd) > 3 &&
	    pyval_type(pyval_at(cmd, 3)) == PY_LIST ? pyval_at(cmd, 3) : NULL;
	const struct pyval *opts = pyval_len(cmd) > 2 ? pyval_at(cmd, 2) : NULL;
	unsigned flags = 0;
	size_t i;

	for (i = 0; opts && pyval_type(opts) == PY_LIST && i < pyval_len(opts); i++) {
		const char *o = pyval_as_str(pyval_at(opts, i));

		if (o && strcmp(o, "--restart") == 0)
			flags |= SERVER_RELOAD_RESTART;
		else if (o && strcmp(o, "--unban") == 0)
			flags |= SERVER_RELOAD_UNBAN;
		else if (o && strcmp(o, "--if-exists") == 0)
			flags |= SERVER_RELOAD_IF_EXISTS;
	}
	switch (server_reload(r->s, stream, *r->c1 && strcmp(r->c1, "--all") ? r->c1 : NULL,
	    flags, r->err)) {
	case 0:
		return pyval_str("OK");
	case SERVER_RELOAD_NO_JAIL:
		*r->cls = UNKNOWN_JAIL;
		break;
	}
	return NULL;
}

static struct pyval *
cmd_status(struct request *r)
{
	struct pyval *ret = status(r->s, r->cmd, r->err);

	if (ret == NULL && pyval_len(r->cmd) <= 3) {
		*r->cls = UNKNOWN_JAIL;
		free(*r->err);
		*r->err = xstrdup(r->c1);
	}
	return ret;
}

static struct pyval *
cmd_flushlogs(struct request *r)
{
	return pyval_str(server_flush_logs(r->s));
}

/* set|multi-set: a jail's option, or the server's */
static struct pyval *
cmd_set(struct request *r)
{
	struct jail *j = server_jail(r->s, r->c1);
	struct pyval *v, *ret;

	if (j != NULL)
		return set_jail(j, r->cmd, r->c0[0] == 'm', r->err);
	if (pyval_len(r->cmd) < 3) {
		*r->err = xasprintf("Invalid command (no set action or not yet implemented)");
		return NULL;
	}
	v = rest(r->cmd, 2);
	ret = server_set(r->s, r->c1, v, r->err);
	pyval_free(v);
	return ret;
}

static struct pyval *
cmd_get(struct request *r)
{
	struct jail *j = server_jail(r->s, r->c1);
	struct pyval *args, *ret;
	char *opt;

	if (j == NULL)
		return server_get(r->s, r->c1, r->err);
	opt = word(r->cmd, 2);
	args = rest(r->cmd, 3);
	ret = jail_get(j, opt, args, r->err);
	pyval_free(args);
	free(opt);
	return ret;
}

static struct pyval *
cmd_unban(struct request *r)
{
	long n = 0;
	size_t i, k;

	if (pyval_len(r->cmd) < 2) {
		*r->err = xasprintf("Invalid command");
		return NULL;
	}
	for (i = 0; i < server_njails(r->s); i++) {
		struct jail *j = server_jail_at(r->s, i);

		if (strcmp(r->c1, "--all") == 0)
			n += jail_unban_all(j);
		else
			for (k = 1; k < pyval_len(r->cmd); k++) {
				char *ip = word(r->cmd, k);

				n += jail_unban_text(j, ip);
				free(ip);
			}
	}
	return pyval_int(n);
}

/* f2b-lite's: counters for monitoring */
static struct pyval *
cmd_metrics(struct request *r)
{
	return server_metrics(r->s);
}

static struct pyval *
cmd_banned(struct request *r)
{
	struct pyval *ret = pyval_list();
	size_t i, k;

	if (pyval_len(r->cmd) > 1)
		for (k = 1; k < pyval_len(r->cmd); k++) {
			char *ip = word(r->cmd, k);
			struct pyval *jl = pyval_list();

			for (i = 0; i < server_njails(r->s); i++)
				if (jail_is_banned(server_jail_at(r->s, i), ip))
					pyval_append(jl, pyval_str(jail_name(server_jail_at(r->s, i))));
			pyval_append(ret, jl);
			free(ip);
		}
	else
		for (i = 0; i < server_njails(r->s); i++) {
			struct pyval *d = pyval_dict(), *none = NULL;
			struct jail *j = server_jail_at(r->s, i);
			char *e2 = NULL;

			pyval_dict_set(d, pyval_str(jail_name(j)), jail_get(j, "banned", none, &e2));
			free(e2);
			pyval_append(ret, d);
		}
	return ret;
}

/*
 * The commands, in the manner of tmux's cmd_entry: the word, the words it
 * needs after it (fail2ban indexes them and answers IndexError when one is
 * missing), the handler, and - for the few fail2ban-client's help does not
 * list - why not (tests/unit/test_transmitter.c holds every other one to
 * the help text).
 */
static const struct transmitter_cmd {
	const char	*name;
	unsigned	 nargs;
	struct pyval	*(*run)(struct request *);
	const char	*unlisted;
} commands[] = {
	{ "ping", 0, cmd_ping, NULL },
	{ "echo", 0, cmd_echo, NULL },
	{ "version", 0, cmd_version, NULL },
	{ "add", 1, cmd_add, NULL },
	{ "start", 1, cmd_start, NULL },
	{ "stop", 0, cmd_stop, NULL },
	{ "reload", 0, cmd_reload, NULL },
	{ "status", 0, cmd_status, NULL },
	{ "flushlogs", 0, cmd_flushlogs, NULL },
	{ "set", 2, cmd_set, NULL },
	{ "get", 1, cmd_get, NULL },
	{ "unban", 0, cmd_unban, NULL },
	{ "banned", 0, cmd_banned, NULL },
	{ "multi-set", 2, cmd_set, "the configuration stream's: several values at once" },
	{ "config-error", 1, cmd_config_error, "the configuration stream's: a jail skipped" },
	{ "server-stream", 1, cmd_server_stream, "fail2ban-client's: the start stream" },
	{ "server-status", 0, cmd_server_status, "fail2ban-client's: waiting for the start" },
	{ "sleep", 1, cmd_sleep, "fail2ban's tests'" },
	{ "metrics", 0, cmd_metrics, "f2b-lite's own (fail2ban's help stays as it is)" },
};

static const struct transmitter_cmd *
command(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

const char *
transmitter_command(size_t i, const char **unlisted)
{
	if (i >= sizeof(commands) / sizeof(commands[0]))
		return NULL;
	*unlisted = commands[i].unlisted;
	return commands[i].name;
}

static struct pyval *
proceed(struct server *s, const struct pyval *cmd, char **err, const char **cls)
{
	const struct transmitter_cmd *c;
	struct request r = { s, cmd, NULL, NULL, err, cls };
	struct pyval *ret;
	char *c0, *c1;

	*err = NULL;
	if (cmd == NULL || (pyval_type(cmd) != PY_LIST && pyval_type(cmd) != PY_TUPLE) ||
	    pyval_len(cmd) == 0) {
		*cls = "builtins.IndexError";
		*err = xstrdup("list index out of range");
		return NULL;
	}
	r.c0 = c0 = word(cmd, 0);
	r.c1 = c1 = word(cmd, 1);
	if ((c = command(c0)) != NULL)
		ret = c->run(&r);
	else {
		*err = xasprintf("Invalid command");
		ret = NULL;
	}
	free(c0);
	free(c1);
	return ret;
}

/* The Python exception class fail2ban raises for an error text. */
static const char *
error_class(const char *err, const char *cls)
{
	if (strcmp(cls, "builtins.Exception") != 0 || err == NULL)
		return cls;
	if (strncmp(err, "invalid literal for int()", 25) == 0)
		return "builtins.ValueError";
	if (strncmp(err, "Unable to compile regular expression", 36) == 0)
		return "fail2ban.server.failregex.RegexException";
	if (strncmp(err, "name '", 6) == 0)
		return "builtins.NameError";
	if (strncmp(err, "invalid syntax", 14) == 0)
		return "builtins.SyntaxError";
	if (strstr(err, " is not banned") != NULL || strncmp(err, "not banned: ", 12) == 0 ||
	    strncmp(err, "Invalid log level ", 18) == 0)
		return "builtins.ValueError";
	if (strncmp(err, "Invalid Action name: ", 21) == 0)
		return "builtins.KeyError";
	if (strncmp(err, "Cannot change database", 22) == 0)
		return "builtins.RuntimeError";
	if (strncmp(err, "Unknown backend ", 16) == 0 ||
	    strcmp(err, "Reload already in progress") == 0)
		return "builtins.ValueError";
	if (strstr(err, "object has no attribute") != NULL)
		return "builtins.AttributeError";
	return cls;
}

/*
 * The words `set|get JAIL OPT` needs after OPT (fail2ban indexes them and
 * answers IndexError when one is missing).  An option not in its table is
 * answered "Invalid command" whatever the jail.
 */
struct arity {
	const char	*name;
	unsigned	 n;
};

static const struct arity set_args[] = {
	{ "idle", 1 }, { "ignoreself", 1 }, { "addignoreip", 0 }, { "delignoreip", 1 },
	{ "ignorecommand", 1 }, { "ignorecache", 1 }, { "addlogpath", 1 }, { "dellogpath", 1 },
	{ "logencoding", 1 }, { "addjournalmatch", 0 }, { "deljournalmatch", 0 },
	{ "prefregex", 1 }, { "addfailregex", 1 }, { "delfailregex", 1 },
	{ "addignoreregex", 1 }, { "delignoreregex", 1 }, { "usedns", 1 }, { "findtime", 1 },
	{ "datepattern", 1 }, { "logtimezone", 1 }, { "maxmatches", 1 }, { "maxretry", 1 },
	{ "maxlines", 1 }, { "bantime", 1 }, { "attempt", 0 }, { "bantime.", 1 },
	{ "banip", 0 }, { "unbanip", 1 }, { "addaction", 1 }, { "delaction", 1 },
	{ "action", 2 },	/* multi-set JAIL action ACT [[PROP, VALUE]...] */
	/* f2b-lite's own: globs followed as they appear, lines fed by tests, prefix bans */
	{ "addlogglob", 1 }, { "addlogline", 1 }, { "ipv4prefix", 1 }, { "ipv6prefix", 1 },
	{ NULL, 0 }
};

static const struct arity get_args[] = {
	{ "banned", 0 }, { "logpath", 0 }, { "logencoding", 0 }, { "journalmatch", 0 },
	{ "ignoreself", 0 }, { "ignoreip", 0 }, { "ignorecommand", 0 }, { "ignorecache", 0 },
	{ "prefregex", 0 }, { "failregex", 0 }, { "ignoreregex", 0 }, { "usedns", 0 },
	{ "findtime", 0 }, { "datepattern", 0 }, { "logtimezone", 0 }, { "maxmatches", 0 },
	{ "maxretry", 0 }, { "maxlines", 0 }, { "bantime", 0 }, { "banip", 0 },
	{ "bantime.", 0 }, { "actions", 0 }, { "action", 2 }, { "actionproperties", 1 },
	{ "actionmethods", 1 },
	/* f2b-lite's own: prefix bans */
	{ "ipv4prefix", 0 }, { "ipv6prefix", 0 },
	{ NULL, 0 }
};

/* set JAIL action ACT PROP VALUE */
static const struct arity set_action = { "action", 3 };

/* The entry of name in t ("bantime." stands for every bantime.X), or NULL. */
static const struct arity *
arity_of(const struct arity *t, const char *name)
{
	for (; t->name; t++)
		if (strcmp(t->name, name) == 0 ||
		    (strcmp(t->name, "bantime.") == 0 && strncmp(name, "bantime.", 8) == 0))
			return t;
	return NULL;
}

/*
 * What fail2ban answers before it looks at the jail: a missing word
 * (IndexError), an option it does not know; then a jail that does not exist.
 * NULL when the command can go on.
 */
static struct pyval *
precheck(struct server *s, const struct pyval *cmd)
{
	struct pyval *exc = NULL;
	char *c0, *c1, *c2;
	const struct transmitter_cmd *c;
	const struct arity *a;
	size_t n = pyval_len(cmd);
	bool set, get;

	if (n == 0)
		return pickle_exception("builtins.IndexError", "list index out of range");
	c0 = word(cmd, 0);
	c1 = word(cmd, 1);
	c2 = word(cmd, 2);
	set = strcmp(c0, "set") == 0 || strcmp(c0, "multi-set") == 0;
	get = strcmp(c0, "get") == 0;
	if ((c = command(c0)) != NULL && n < 1 + c->nargs &&
	    !(get && n == 2 && server_option_known(c1)))
		exc = pickle_exception("builtins.IndexError", "list index out of range");
	else if ((set || get) && !server_option_known(c1)) {
		a = n < 3 ? NULL : arity_of(set ? set_args : get_args, c2);
		if (a != NULL && strcmp(c0, "set") == 0 && strcmp(c2, "action") == 0)
			a = &set_action;
		if (n < 3 || (a != NULL && n < 3 + a->n))
			exc = pickle_exception("builtins.IndexError", "list index out of range");
		else if (a == NULL && get)
			exc = pickle_exception("builtins.Exception",
			    "Invalid command (no get action or not yet implemented)");
		else if (a == NULL) {
			struct strbuf r = STRBUF_INIT;
			char *m;

			pyval_repr(pyval_at(cmd, 2), &r);
			m = xasprintf("Invalid command %s (no set action or not yet implemented)",
			    strbuf_str(&r));
			exc = pickle_exception("builtins.Exception", m);
			free(m);
			strbuf_free(&r);
		} else if (server_jail(s, c1) == NULL)
			exc = pickle_exception(UNKNOWN_JAIL, c1);
	}
	free(c0);
	free(c1);
	free(c2);
	return exc;
}

struct pyval *
transmitter_proceed(struct server *s, const struct pyval *cmd, struct pyval **exc)
{
	const char *cls = "builtins.Exception";
	char *err = NULL;
	struct pyval *ret;

	if (cmd == NULL || (pyval_type(cmd) != PY_LIST && pyval_type(cmd) != PY_TUPLE)) {
		*exc = pickle_exception("builtins.IndexError", "list index out of range");
		return NULL;
	}
	if ((*exc = precheck(s, cmd)) != NULL)
		return NULL;
	ret = proceed(s, cmd, &err, &cls);
	cls = error_class(err, cls);
	*exc = NULL;
	if (ret == NULL)
		*exc = pickle_exception(cls, err ? err : "failed");
	free(err);
	return ret;
}

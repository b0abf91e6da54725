/* transmitter: command dispatch. */
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

static struct pyval *
proceed(struct server *s, const struct pyval *cmd, char **err, const char **cls)
{
	char *c0, *c1;
	struct pyval *ret = NULL;
	struct jail *j;

	*err = NULL;
	if (cmd == NULL || (pyval_type(cmd) != PY_LIST && pyval_type(cmd) != PY_TUPLE) ||
	    pyval_len(cmd) == 0) {
		*cls = "builtins.IndexError";
		*err = xstrdup("list index out of range");
		return NULL;
	}
	c0 = word(cmd, 0);
	c1 = word(cmd, 1);
	if (strcmp(c0, "ping") == 0)
		ret = pyval_str("pong");
	else if (strcmp(c0, "config-error") == 0) {
		/* a jail the configuration could not make: skipped, the rest runs */
		log_msg(LOG_LVL_ERROR, LOG_TRANSMITTER, "%s", c1);
		ret = pyval_none();
	}
	else if (strcmp(c0, "echo") == 0)
		ret = rest(cmd, 1);
	else if (strcmp(c0, "version") == 0)
		ret = pyval_str(FAIL2BAN_VERSION);
	else if (strcmp(c0, "add") == 0) {
		char *backend = word(cmd, 2);

		if (strcmp(c1, "--all") == 0) {
			struct strbuf r = STRBUF_INIT;

			pyval_repr(pyval_at(cmd, 1), &r);
			*err = xasprintf("Reserved name %s", strbuf_str(&r));
			strbuf_free(&r);
		} else if (server_add_jail(s, c1, *backend ? backend : "auto", err) != NULL)
			ret = pyval_str(c1);
		free(backend);
	} else if (strcmp(c0, "server-status") == 0)
		ret = pyval_str("Server ready");
	else if (strcmp(c0, "server-stream") == 0) {
		/* each command in turn; the first failure is the answer */
		const struct pyval *stream = pyval_at(cmd, 1);
		size_t i;

		ret = pyval_none();
		if (pyval_type(stream) != PY_LIST && pyval_type(stream) != PY_TUPLE &&
		    !(pyval_type(stream) == PY_STR && pyval_strlen(stream) == 0)) {
			/* a word: Python iterates its letters, none a command */
			pyval_free(ret);
			ret = NULL;
			*err = xstrdup("Invalid command");
		}
		for (i = 0; ret != NULL && pyval_type(stream) != PY_STR && i < pyval_len(stream);
		    i++) {
			struct pyval *r = proceed(s, pyval_at(stream, i), err, cls);

			if (r == NULL) {
				pyval_free(ret);
				ret = NULL;
			}
			pyval_free(r);
		}
	} else if (strcmp(c0, "sleep") == 0) {
		/*
		 * fail2ban's server sleeps in its socket handler; here that would
		 * stop every jail, so the answer is given at once.
		 */
		char *end;

		errno = 0;
		if (*c1 == '\0' || (strtod(c1, &end), *end != '\0' && !isspace((unsigned char)*end))) {
			struct strbuf r = STRBUF_INIT;

			pyval_repr(pyval_at(cmd, 1), &r);
			*cls = "builtins.ValueError";
			*err = xasprintf("could not convert string to float: %s", strbuf_str(&r));
			strbuf_free(&r);
		} else
			ret = pyval_none();
	} else if (strcmp(c0, "start") == 0) {
		if ((j = server_jail(s, c1)) == NULL) {
			*cls = UNKNOWN_JAIL;
			*err = xstrdup(c1);
		}
		else if (jail_start(j, err) == 0)
			ret = pyval_none();
	} else if (strcmp(c0, "stop") == 0) {
		if (pyval_len(cmd) > 1 && strcmp(c1, "--all") == 0) {
			server_stop_jail(s, NULL);
			ret = pyval_none();
		} else if (pyval_len(cmd) > 1) {
			if (server_jail(s, c1) == NULL) {
				*cls = UNKNOWN_JAIL;
				*err = xstrdup(c1);
			} else {
				server_stop_jail(s, c1);
				ret = pyval_none();
			}
		} else {
			server_quit(s);
			ret = pyval_none();
		}
	} else if (strcmp(c0, "reload") == 0) {
		/* ['reload', jail|'--all', opts, stream] from fail2ban-client */
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
		switch (server_reload(s, stream, *c1 && strcmp(c1, "--all") ? c1 : NULL, flags,
		    err)) {
		case 0:
			ret = pyval_str("OK");
			break;
		case SERVER_RELOAD_NO_JAIL:
			*cls = UNKNOWN_JAIL;
			break;
		}
	} else if (strcmp(c0, "status") == 0) {
		ret = status(s, cmd, err);
		if (ret == NULL && pyval_len(cmd) <= 3) {
			*cls = UNKNOWN_JAIL;
			free(*err);
			*err = xstrdup(c1);
		}
	}
	else if (strcmp(c0, "flushlogs") == 0) {
		struct pyval *v = pyval_list();

		pyval_append(v, pyval_str("flushlogs"));
		ret = server_set(s, "flushlogs", v, err);
		pyval_free(v);
	} else if (strcmp(c0, "set") == 0 || strcmp(c0, "multi-set") == 0) {
		if ((j = server_jail(s, c1)) != NULL)
			ret = set_jail(j, cmd, c0[0] == 'm', err);
		else if (pyval_len(cmd) >= 3) {
			struct pyval *v = rest(cmd, 2);

			ret = server_set(s, c1, v, err);
			pyval_free(v);
		} else
			*err = xasprintf("Invalid command (no set action or not yet implemented)");
	} else if (strcmp(c0, "get") == 0) {
		if ((j = server_jail(s, c1)) != NULL) {
			char *opt = word(cmd, 2);
			struct pyval *args = rest(cmd, 3);

			ret = jail_get(j, opt, args, err);
			pyval_free(args);
			free(opt);
		} else
			ret = server_get(s, c1, err);
	} else if (strcmp(c0, "unban") == 0 && pyval_len(cmd) >= 2) {
		long n = 0;
		size_t i, k;

		for (i = 0; i < server_njails(s); i++) {
			j = server_jail_at(s, i);
			if (strcmp(c1, "--all") == 0)
				n += jail_unban_all(j);
			else
				for (k = 1; k < pyval_len(cmd); k++) {
					char *ip = word(cmd, k);

					n += jail_unban_text(j, ip);
					free(ip);
				}
		}
		ret = pyval_int(n);
	} else if (strcmp(c0, "metrics") == 0)
		ret = server_metrics(s);	/* f2b-lite's: counters for monitoring */ else if (strcmp(c0, "banned") == 0) {
		size_t i, k;

		ret = pyval_list();
		if (pyval_len(cmd) > 1)
			for (k = 1; k < pyval_len(cmd); k++) {
				char *ip = word(cmd, k);
				struct pyval *jl = pyval_list();

				for (i = 0; i < server_njails(s); i++)
					if (jail_is_banned(server_jail_at(s, i), ip))
						pyval_append(jl, pyval_str(jail_name(server_jail_at(s, i))));
				pyval_append(ret, jl);
				free(ip);
			}
		else
			for (i = 0; i < server_njails(s); i++) {
				struct pyval *d = pyval_dict(), *none = NULL;
				char *e2 = NULL;

				j = server_jail_at(s, i);
				pyval_dict_set(d, pyval_str(jail_name(j)), jail_get(j, "banned", none, &e2));
				free(e2);
				pyval_append(ret, d);
			}
	} else
		*err = xasprintf("Invalid command");
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

static const char *const global_opts[] = {
	"loglevel", "logtarget", "syslogsocket", "dbfile", "dbmaxmatches", "dbpurgeage",
	"allowipv6", "flushlogs", "thread", NULL
};

/*
 * The words a command needs after its name (fail2ban indexes them and answers
 * IndexError when one is missing): the command's own, and for `set|get JAIL
 * OPT` the option's after OPT.  An option not in its table is answered
 * "Invalid command" whatever the jail.
 */
struct arity {
	const char	*name;
	unsigned	 n;
};

static const struct arity command_args[] = {
	{ "add", 1 }, { "start", 1 }, { "server-stream", 1 }, { "sleep", 1 },
	{ "set", 2 }, { "multi-set", 2 }, { "get", 1 }, { "config-error", 1 },
	{ NULL, 0 }
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
	/* f2b-lite's own: globs followed as they appear, lines fed by tests */
	{ "addlogglob", 1 }, { "addlogline", 1 },
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

static bool
is_global(const char *opt)
{
	size_t i;

	for (i = 0; global_opts[i]; i++)
		if (strcmp(opt, global_opts[i]) == 0)
			return true;
	return false;
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
	if ((a = arity_of(command_args, c0)) != NULL && n < 1 + a->n &&
	    !(get && n == 2 && is_global(c1)))
		exc = pickle_exception("builtins.IndexError", "list index out of range");
	else if ((set || get) && !is_global(c1)) {
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

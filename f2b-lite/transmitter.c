/* transmitter: command dispatch. */
#include "transmitter.h"

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
		log_msg(LOG_LVL_ERROR, "fail2ban.transmitter", "%s", c1);
		ret = pyval_none();
	}
	else if (strcmp(c0, "echo") == 0)
		ret = rest(cmd, 1);
	else if (strcmp(c0, "version") == 0)
		ret = pyval_str("1.0.2");
	else if (strcmp(c0, "add") == 0) {
		char *backend = word(cmd, 2);

		if (server_add_jail(s, c1, *backend ? backend : "auto", err) != NULL)
			ret = pyval_str(c1);
		free(backend);
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
		if (ret == NULL) {
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
	} else if (strcmp(c0, "metrics") == 0) {
		/* f2b-lite's: per jail counters for monitoring */
		size_t i;

		ret = pyval_dict();
		for (i = 0; i < server_njails(s); i++) {
			j = server_jail_at(s, i);
			pyval_dict_set(ret, pyval_str(jail_name(j)), jail_metrics(j));
		}
	} else if (strcmp(c0, "banned") == 0) {
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
				pyval_dict_set(d, pyval_str(jail_name(j)), jail_get(j, "banip", none, &e2));
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
	if (strstr(err, " is not banned") != NULL)
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

struct pyval *
transmitter_proceed(struct server *s, const struct pyval *cmd, struct pyval **exc)
{
	const char *cls = "builtins.Exception";
	char *err = NULL;
	struct pyval *ret;
	size_t i;

	/* set/get <name> <opt>...: a name that is no jail and no option */
	if (cmd && pyval_type(cmd) == PY_LIST && pyval_len(cmd) >= 3) {
		char *c0 = word(cmd, 0), *c1 = word(cmd, 1);
		bool global = false;

		for (i = 0; global_opts[i]; i++)
			if (strcmp(c1, global_opts[i]) == 0)
				global = true;
		if ((!strcmp(c0, "set") || !strcmp(c0, "get") || !strcmp(c0, "multi-set")) &&
		    !global && server_jail(s, c1) == NULL &&
		    !(strcmp(c0, "set") == 0 && pyval_len(cmd) == 3)) {
			*exc = pickle_exception(UNKNOWN_JAIL, c1);
			free(c0);
			free(c1);
			return NULL;
		}
		free(c0);
		free(c1);
	}
	ret = proceed(s, cmd, &err, &cls);
	cls = error_class(err, cls);
	*exc = NULL;
	if (ret == NULL)
		*exc = pickle_exception(cls, err ? err : "failed");
	free(err);
	return ret;
}

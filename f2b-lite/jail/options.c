/*
 * jail/options: fail2ban's `set <jail> NAME ...` and `get <jail> NAME ...`
 * (server.py's setters and getters of a jail): each option applied to the
 * running jail or answered, with fail2ban's answers and errors.  The names
 * and which function sets or gets each are the rows of conf/jailopts.h,
 * the table the configuration loader reads too.
 *
 *   helpers            arguments as text, time values, the ignoreip list,
 *                      the journal matches, bantime.* answers, actions
 *   set                one function per option (or family: add/del...)
 *   get                one function per option; action properties, the
 *                      ban list
 *   the option table   conf/jailopts.h's rows with these functions;
 *                      jail_set and jail_get look the name up there
 *   the filter         rebuilt from the recorded settings
 */
#include "jail.h"
#include "jail_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "addr.h"
#include "banlist.h"
#include "clock.h"
#include "datedet.h"
#include "db.h"
#include "dict.h"
#include "failmgr.h"
#include "filter.h"
#include "linescan.h"
#include "jailopts.h"
#include "journal.h"
#include "log.h"
#include "optval.h"
#include "pyval.h"
#include "recode.h"
#include "strbuf.h"
#include "tail.h"
#include "ticket.h"
#include "timestr.h"
#include "xmalloc.h"

/* ---- helpers ----------------------------------------------------------------- */

static const char *
pystr(const struct pyval *v, struct strbuf *tmp)
{
	strbuf_reset(tmp);
	if (v == NULL)
		return "";
	pyval_to_text(v, tmp);
	return strbuf_str(tmp);
}

static const char *
arg_str(const struct pyval *args, size_t i, struct strbuf *tmp)
{
	return i < pyval_len(args) ? pystr(pyval_at(args, i), tmp) : "";
}

/* A number past what f2b-lite keeps (fail2ban's Python numbers have no end). */
static void
saturated(const struct jail *j, const char *opt, const char *v, const char *what)
{
	log_msg(LOG_LVL_WARNING, LOG_JAIL, "[%s] %s '%s' is past the largest %s f2b-lite keeps: "
	    "saturated to it", j->name, opt, v, what);
}

/* MyTime.str2seconds for a time option, saturated to TIMESTR_MAX. */
int
jail_set_time(const struct jail *j, const char *opt, const char *v, double *out, char **err)
{
	bool sat;

	if (timestr_seconds(v, out, &sat, err) < 0)
		return -1;
	if (sat)
		saturated(j, opt, v, "time (10^15 seconds)");
	return 0;
}

static void
add_ignoreip(struct jail *j, const char *v)
{
	struct ignorenet in;
	size_t i;

	memset(&in, 0, sizeof(in));
	if (addr_parse(&in.net, v, ADDR_CIDR_UNSPEC) < 0 || !addr_valid(&in.net)) {
		addr_clear(&in.net);
		in.name = xstrdup(v);
	}
	for (i = 0; i < j->nign; i++)
		if ((in.name && j->ign[i].name && strcmp(in.name, j->ign[i].name) == 0) ||
		    (!in.name && !j->ign[i].name && addr_equal(&in.net, &j->ign[i].net))) {
			addr_clear(&in.net);
			free(in.name);
			return;
		}
	j->ign = xrealloc(j->ign, (j->nign + 1) * sizeof(*j->ign));
	j->ign[j->nign++] = in;
}

/* The value of a time string as MyTime.str2seconds gives it: an int or a float. */
static struct pyval *
time_value(const char *v)
{
	struct timestr_val t;
	char *err = NULL;

	if (timestr_parse(v, &t, &err) < 0) {
		free(err);
		return NULL;
	}
	/* past what f2b-lite keeps: the saturated value jail_set_time() applied */
	if (t.is_int && (t.i > (long long)TIMESTR_MAX || t.i < -(long long)TIMESTR_MAX))
		return pyval_int(t.i > 0 ? (long long)TIMESTR_MAX : -(long long)TIMESTR_MAX);
	return t.is_int ? pyval_int((long long)t.i) : pyval_float(timestr_clamp(t.f, NULL));
}

/* "  findtime: 600", "  banTime: 90.0": what fail2ban logs when one is set. */
static void
log_time(const char *logger, const char *what, const char *v)
{
	struct pyval *t = time_value(v);
	struct strbuf sb = STRBUF_INIT;

	if (t == NULL)
		return;
	pyval_repr(t, &sb);
	log_msg(LOG_LVL_INFO, logger, "%s%s", what, strbuf_str(&sb));
	strbuf_free(&sb);
	pyval_free(t);
}

/*
 * getIgnoreIP: networks and names in the order given, then the single
 * addresses (fail2ban keeps those in a set, whose order changes from one
 * run of its server to the next: here the order given).
 */
static struct pyval *
ignore_list(struct jail *j)
{
	struct pyval *ret = pyval_list();
	char buf[ADDR_STRLEN];
	size_t i;
	int singles;

	for (singles = 0; singles < 2; singles++)
		for (i = 0; i < j->nign; i++) {
			if ((!j->ign[i].name && addr_single(&j->ign[i].net)) != singles)
				continue;
			pyval_append(ret, pyval_str(j->ign[i].name ? j->ign[i].name :
			    addr_str(&j->ign[i].net, buf, sizeof(buf))));
		}
	return ret;
}

/* getJournalMatch: a journal jail's matches; a jail on files has none. */
static struct pyval *
journal_matches(struct jail *j)
{
	if (strncmp(j->backend, "systemd", 7) != 0 || j->journalmatch == NULL)
		return pyval_list();
	return pyval_copy(j->journalmatch);
}

/* getBanTimeExtra: None when unset, increment a bool, maxtime/rndtime seconds. */
static struct pyval *
ban_extra(struct jail *j, const char *opt)
{
	const char *v = dict_get(j->extra, opt, NULL);
	struct pyval *t;

	if (v == NULL)
		return pyval_none();
	if (strcmp(opt, "bantime.increment") == 0)
		return pyval_bool(optval_bool(v));
	if ((strcmp(opt, "bantime.maxtime") == 0 || strcmp(opt, "bantime.rndtime") == 0) &&
	    (t = time_value(v)) != NULL)
		return t;
	return pyval_str(v);
}

/* CommandAction.clearAllParams: the commands and the timeout back to none. */
static void
clear_commands(struct action *a)
{
	static const char *const cmds[] = { "timeout", "actionstart", "actionban",
	    "actionreban", "actionunban", "actioncheck", "actionrepair", "actionflush",
	    "actionstop", "actionreload" };
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		action_set(a, cmds[i], NULL);
}

static struct jact *
find_action(struct jail *j, const char *name, size_t *idx)
{
	size_t i;

	for (i = 0; i < j->nacts; i++)
		if (!j->acts[i].deleted &&
		    strcmp(action_name(j->acts[i].a), name) == 0) {
			if (idx)
				*idx = i;
			return &j->acts[i];
		}
	return NULL;
}

/* ---- set --------------------------------------------------------------------- */

/*
 * The set functions of the option table: v is the first argument's text
 * ("" without one), args all of them; each returns the answer (a new
 * pyval) or NULL with *err set.  They and the get functions have the
 * table's one signature, of which most use a part: no unused-parameter
 * warnings for them.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"

/* addfailregex, addignoreregex: the list after it (getFailRegex...) */
static struct pyval *
set_addregex(struct jail *j, const char *opt, const char *v, const struct pyval *args,
    char **err)
{
	int rc = opt[3] == 'f' ? filter_add_failregex(j->filter, v, err) :
	    filter_add_ignoreregex(j->filter, v, err);

	if (rc != 0)
		return NULL;
	pyval_append(opt[3] == 'f' ? j->fc.fail : j->fc.ign, pyval_str(v));
	return jail_get(j, opt + 3, NULL, err);
}

static struct pyval *
set_prefregex(struct jail *j, const char *opt, const char *v, const struct pyval *args,
    char **err)
{
	if (filter_set_prefregex(j->filter, v, err) != 0)
		return NULL;
	free(j->fc.prefregex);
	j->fc.prefregex = xstrdup(v);
	return jail_get(j, opt, NULL, err);
}

static struct pyval *
set_datepattern(struct jail *j, const char *opt, const char *v, const struct pyval *args,
    char **err)
{
	if (filter_set_datepattern(j->filter, v, err) != 0)
		return NULL;
	free(j->fc.datepattern);
	j->fc.datepattern = xstrdup(v);
	j->fc.datepattern_set = true;
	return jail_get(j, opt, NULL, err);
}

static struct pyval *
set_logtimezone(struct jail *j, const char *opt, const char *v, const struct pyval *args,
    char **err)
{
	if (filter_set_logtimezone(j->filter, v, err) != 0)
		return NULL;
	free(j->fc.logtimezone);
	j->fc.logtimezone = xstrdup(v);
	return pyval_str(v);
}

static struct pyval *
set_usedns(struct jail *j, const char *opt, const char *v, const struct pyval *args,
    char **err)
{
	if (filter_set_usedns(j->filter, v, err) != 0)
		return NULL;
	free(j->fc.usedns);
	j->fc.usedns = xstrdup(filter_usedns(j->filter));
	return pyval_str(filter_usedns(j->filter));	/* 'no' for a bad value */
}

static struct pyval *
set_maxlines(struct jail *j, const char *opt, const char *v, const struct pyval *args,
    char **err)
{
	long long n;
	int rc;

	if ((rc = optval_int(v, &n)) < 0) {
		*err = xasprintf("invalid literal for int() with base 10: '%s'", v);
		return NULL;
	}
	if (filter_set_maxlines(j->filter, (long)n, err) != 0)
		return NULL;
	if (rc > 0)
		saturated(j, opt, v, "integer");
	j->fc.maxlines = (long)n;
	log_msg(LOG_LVL_INFO, LOG_FILTER, "  maxLines: %lld", n);
	return pyval_int(n);
}

/* maxretry, maxmatches: the fail table's */
static struct pyval *
set_failcount(struct jail *j, const char *opt, const char *v, const struct pyval *args,
    char **err)
{
	long long n;
	int rc;

	if ((rc = optval_int(v, &n)) < 0) {
		*err = xasprintf("invalid literal for int() with base 10: '%s'", v);
		return NULL;
	}
	if (rc > 0)
		saturated(j, opt, v, "integer");
	if (opt[3] == 'r') {
		failmgr_set_maxretry(j->fm, (long)n);
		log_msg(LOG_LVL_INFO, LOG_FILTER, "  maxRetry: %lld", n);
	} else
		failmgr_set_maxmatches(j->fm, (long)n);
	return pyval_int(n);
}

/* ipv4prefix, ipv6prefix: the prefix length failures are counted and banned by */
static struct pyval *
set_prefix(struct jail *j, const char *opt, const char *v, const struct pyval *args,
    char **err)
{
	int max = opt[3] == '4' ? ADDR_PREFIX4_FULL : ADDR_PREFIX6_FULL;
	long long n;

	if (optval_int(v, &n) < 0 || n < 1 || n > max) {
		*err = xasprintf("%s: a prefix length from 1 to %d, not '%s'", opt, max, v);
		return NULL;
	}
	*(opt[3] == '4' ? &j->prefix4 : &j->prefix6) = (int)n;
	return pyval_int(n);
}

static struct pyval *
set_findtime(struct jail *j, const char *opt, const char *v, const struct pyval *args,
    char **err)
{
	double d;

	if (jail_set_time(j, opt, v, &d, err) != 0)
		return NULL;
	failmgr_set_findtime(j->fm, d);
	filter_set_findtime(j->filter, d);
	log_time(LOG_FILTER, "  findtime: ", v);
	dict_set(j->extra, "findtime", xstrdup(v));	/* its type, for get */
	return time_value(v);
}

static struct pyval *
set_bantime(struct jail *j, const char *opt, const char *v, const struct pyval *args,
    char **err)
{
	double d;

	if (jail_set_time(j, opt, v, &d, err) != 0)
		return NULL;
	banlist_set_bantime(j->bl, (long long)d);
	if (j->started)
		jail_schedule_unban(j);	/* the bans end at their new time */
	log_time(LOG_ACTIONS, "  banTime: ", v);
	dict_set(j->extra, "bantime", xstrdup(v));
	return time_value(v);
}

/* setBanTimeExtra: '' unsets; the answer is getBanTimeExtra's */
static struct pyval *
set_bantime_extra(struct jail *j, const char *opt, const char *v, const struct pyval *args,
    char **err)
{
	if (jail_set_increment(j, opt + 8, v, err) < 0)
		return NULL;
	log_msg(LOG_LVL_INFO, LOG_JAIL, "Set banTime.%s = %s", opt + 8, *v ? v : "None");
	if (*v || strcmp(opt, "bantime.increment") == 0)
		dict_set(j->extra, opt, xstrdup(*v ? v : "false"));
	else
		dict_del(j->extra, opt);
	return ban_extra(j, opt);
}

static struct pyval *
set_ignoreself(struct jail *j, const char *opt, const char *v, const struct pyval *args,
    char **err)
{
	j->ignoreself = optval_bool(v);
	return pyval_bool(j->ignoreself);
}

static struct pyval *
set_addignoreip(struct jail *j, const char *opt, const char *v, const struct pyval *args,
    char **err)
{
	struct strbuf tmp = STRBUF_INIT;
	size_t i;

	for (i = 0; i < pyval_len(args); i++)
		add_ignoreip(j, arg_str(args, i, &tmp));
	strbuf_free(&tmp);
	return ignore_list(j);
}

static struct pyval *
set_delignoreip(struct jail *j, const char *opt, const char *v, const struct pyval *args,
    char **err)
{
	struct strbuf tmp = STRBUF_INIT;
	size_t i;

	for (i = 0; i < j->nign; ) {
		char buf[ADDR_STRLEN];
		const char *s = j->ign[i].name ? j->ign[i].name :
		    addr_str(&j->ign[i].net, buf, sizeof(buf));
		size_t k;
		bool hit = false;

		for (k = 0; k < pyval_len(args); k++)
			if (strcmp(arg_str(args, k, &tmp), s) == 0)
				hit = true;
		if (hit) {
			addr_clear(&j->ign[i].net);
			free(j->ign[i].name);
			memmove(&j->ign[i], &j->ign[i + 1], (j->nign - i - 1) *
			    sizeof(*j->ign));
			j->nign--;
		} else
			i++;
	}
	strbuf_free(&tmp);
	return ignore_list(j);
}

static struct pyval *
set_ignorecommand(struct jail *j, const char *opt, const char *v, const struct pyval *args,
    char **err)
{
	free(j->ignorecommand);
	j->ignorecommand = xstrdup(v);
	return pyval_str(v);
}

static struct pyval *
set_ignorecache(struct jail *j, const char *opt, const char *v, const struct pyval *args,
    char **err)
{
	if (jail_set_ignorecache(j, v, err) < 0)
		return NULL;
	free(j->ignorecache);
	j->ignorecache = xstrdup(v);
	return pyval_str(v);
}

static struct pyval *
set_logencoding(struct jail *j, const char *opt, const char *v, const struct pyval *args,
    char **err)
{
	struct recode *rc = recode_new(v, err);
	struct pyval *ret;

	if (*err != NULL)
		return NULL;
	recode_free(j->recode);
	j->recode = rc;
	free(j->logencoding);
	j->logencoding = xstrdup(v);
	ret = pyval_str(strcasecmp(v, "auto") == 0 ? recode_preferred() : v);
	log_msg(LOG_LVL_INFO, LOG_FILTER, "  encoding: %s", pyval_as_str(ret));
	return ret;
}

/* The log files' paths: the answer of addlogpath and dellogpath. */
static struct pyval *
log_paths(struct jail *j)
{
	struct pyval *ret = pyval_list();
	size_t i;

	for (i = 0; i < j->nlogs; i++)
		pyval_append(ret, pyval_str(j->logs[i].path));
	return ret;
}

static struct pyval *
set_addlogpath(struct jail *j, const char *opt, const char *v, const struct pyval *args,
    char **err)
{
	struct strbuf tmp = STRBUF_INIT;
	const char *mode = arg_str(args, 1, &tmp);
	size_t i;

	for (i = 0; i < j->nlogs; i++)
		if (strcmp(j->logs[i].path, v) == 0)
			break;
	if (i < j->nlogs)
		j->logs[i].stale = false;	/* named again by a reload: kept */
	else {
		j->logs = xrealloc(j->logs, (j->nlogs + 1) * sizeof(*j->logs));
		struct jlog *lg = &j->logs[j->nlogs];
		char hash[41];

		lg->path = xstrdup(v);
		lg->start = strcmp(mode, "tail") == 0 ? TAIL_TAIL : TAIL_HEAD;
		lg->t = NULL;
		lg->stale = false;
		lg->dbpos = lg->saved = -1;
		tail_first_line_hash(v, hash);
		if (j->env.db && lg->start == TAIL_HEAD)
			lg->dbpos = db_add_log(j->env.db, j->name, v, *hash ? hash : NULL, 0);
		j->nlogs++;
		log_msg(LOG_LVL_INFO, LOG_FILTER, "Added logfile: '%s' (pos = %lld, hash = %s)",
		    v, lg->dbpos > 0 ? lg->dbpos : 0, hash);
		if (j->started)
			jail_follow(j, lg);
	}
	strbuf_free(&tmp);
	return log_paths(j);
}

static struct pyval *
set_dellogpath(struct jail *j, const char *opt, const char *v, const struct pyval *args,
    char **err)
{
	size_t i;

	for (i = 0; i < j->nlogs; i++)
		if (strcmp(j->logs[i].path, v) == 0) {
			if (j->logs[i].t)
				tail_unfollow(j->logs[i].t, j);
			log_msg(LOG_LVL_INFO, LOG_FILTER, "Removed logfile: '%s'", v);
			free(j->logs[i].path);
			memmove(&j->logs[i], &j->logs[i + 1], (j->nlogs - i - 1) *
			    sizeof(*j->logs));
			j->nlogs--;
			break;
		}
	return log_paths(j);
}

/* f2b-lite: files matching the pattern later are followed too */
static struct pyval *
set_addlogglob(struct jail *j, const char *opt, const char *v, const struct pyval *args,
    char **err)
{
	struct strbuf tmp = STRBUF_INIT;
	struct pyval *g = pyval_list();

	pyval_append(g, pyval_str(v));
	pyval_append(g, pyval_str(arg_str(args, 1, &tmp)));
	if (j->globs == NULL)
		j->globs = pyval_list();
	pyval_append(j->globs, g);
	strbuf_free(&tmp);
	return pyval_str(v);
}

static struct pyval *
set_addjournalmatch(struct jail *j, const char *opt, const char *v, const struct pyval *args,
    char **err)
{
	if (j->journalmatch == NULL)
		j->journalmatch = pyval_list();
	pyval_append(j->journalmatch, pyval_copy(args));
	return journal_matches(j);
}

/* the match group equal to the words given */
static struct pyval *
set_deljournalmatch(struct jail *j, const char *opt, const char *v, const struct pyval *args,
    char **err)
{
	size_t i;

	for (i = 0; j->journalmatch && i < pyval_len(j->journalmatch); i++)
		if (pyval_equal(pyval_at(j->journalmatch, i), args)) {
			struct pyval *keep = pyval_list();
			size_t k;

			for (k = 0; k < pyval_len(j->journalmatch); k++)
				if (k != i)
					pyval_append(keep, pyval_copy(pyval_at(j->journalmatch, k)));
			pyval_free(j->journalmatch);
			j->journalmatch = keep;
			break;
		}
	return journal_matches(j);
}

static struct pyval *
set_addaction(struct jail *j, const char *opt, const char *v, const struct pyval *args,
    char **err)
{
	struct strbuf tmp = STRBUF_INIT;
	const char *py = pyval_len(args) > 1 ? arg_str(args, 1, &tmp) : "";
	size_t pl = strlen(py);

	if (pl > 3 && strcmp(py + pl - 3, ".py") == 0) {
		/* a Python action (action.d/NAME.py): f2b-lite runs no Python */
		log_msg(LOG_LVL_ERROR, LOG_ACTIONS, "[%s] Python action '%s' (%s) is not "
		    "supported by f2b-lite and will not run; use a command action "
		    "(f2b-lite(8), DIFFERENCES)", j->name, v, py);
	} else {
		struct jact *ja = find_action(j, v, NULL);

		if (ja == NULL) {
			j->acts = xrealloc(j->acts, (j->nacts + 1) * sizeof(*j->acts));
			memset(&j->acts[j->nacts], 0, sizeof(*j->acts));
			j->acts[j->nacts].a = action_new(v);
			j->acts[j->nacts++].reload = j->reloading ? ACT_NEW : ACT_KEPT;
		} else if (j->reloading && ja->reload == ACT_STALE) {
			/* Actions.add(reload=True): the same action, its commands
			 * cleared for the new ones (the other properties stay) */
			clear_commands(ja->a);
			ja->reload = ACT_KEPT;
		}
	}
	strbuf_free(&tmp);
	return pyval_str(v);
}

static struct pyval *
set_delaction(struct jail *j, const char *opt, const char *v, const struct pyval *args,
    char **err)
{
	struct jact *ja = find_action(j, v, NULL);

	if (ja == NULL) {
		*err = xasprintf("Invalid Action name: %s", v);
		return NULL;
	}
	/* as fail2ban: the action is forgotten, not stopped - its rules
	 * stay until removed by hand; the slot stays for the runner */
	ja->state[0] = ja->state[1] = ja->state[2] = 0;
	ja->deleted = true;
	return pyval_none();
}

/* set <jail> action <act> <prop> <value>  |  multi-set: [[prop, value]...] */
static struct pyval *
set_action(struct jail *j, const char *opt, const char *v, const struct pyval *args,
    char **err)
{
	struct jact *ja = find_action(j, v, NULL);
	const struct pyval *rest = pyval_len(args) > 1 ? pyval_at(args, 1) : NULL;
	struct pyval *ret = NULL;
	size_t i;

	if (ja == NULL)
		*err = xasprintf("Invalid Action name: %s", v);
	else if (rest && pyval_type(rest) == PY_LIST) {
		for (i = 0; i < pyval_len(rest) && *err == NULL; i++) {
			const struct pyval *kv = pyval_at(rest, i);
			struct strbuf k = STRBUF_INIT, val = STRBUF_INIT;

			/* setattr(action, cmd[0], cmd[1]): a pair it must be */
			if (pyval_type(kv) != PY_LIST && pyval_type(kv) != PY_TUPLE) {
				*err = xstrdup("action properties must be [name, value] pairs");
				break;
			}
			if (pyval_len(kv) < 2) {
				*err = xstrdup("list index out of range");
				break;
			}
			pyval_to_text(pyval_at(kv, 0), &k);
			pyval_to_text(pyval_at(kv, 1), &val);
			action_set(ja->a, k.s ? k.s : "", val.s ? val.s : "");
			strbuf_free(&k);
			strbuf_free(&val);
		}
		if (*err == NULL)
			ret = pyval_copy(rest);
	} else {
		struct strbuf k = STRBUF_INIT, tmp = STRBUF_INIT;
		const char *key = arg_str(args, 1, &k);

		action_set(ja->a, key, arg_str(args, 2, &tmp));
		ret = pyval_str(arg_str(args, 2, &tmp));
		strbuf_free(&k);
		strbuf_free(&tmp);
	}
	return ret;
}

/* delfailregex, delignoreregex: by index, Python's list index */
static struct pyval *
set_delregex(struct jail *j, const char *opt, const char *v, const struct pyval *args,
    char **err)
{
	struct pyval *list = opt[3] == 'f' ? j->fc.fail : j->fc.ign, *keep;
	long long idx;
	size_t i;

	if (optval_int(v, &idx) < 0) {
		*err = xasprintf("invalid literal for int() with base 10: '%s'", v);
		return NULL;
	}
	if (idx < -(long long)pyval_len(list) || idx >= (long long)pyval_len(list)) {
		/* Filter.delFailRegex logs the bad index and answers the list */
		log_msg(LOG_LVL_ERROR, LOG_FILTER, "Cannot remove regular expression. "
		    "Index %lld is not valid", idx);
		return jail_get(j, opt + 3, NULL, err);
	}
	if (idx < 0)
		idx += (long long)pyval_len(list);
	keep = pyval_list();
	for (i = 0; i < pyval_len(list); i++)
		if ((long long)i != idx)
			pyval_append(keep, pyval_copy(pyval_at(list, i)));
	if (opt[3] == 'f') {
		pyval_free(j->fc.fail);
		j->fc.fail = keep;
	} else {
		pyval_free(j->fc.ign);
		j->fc.ign = keep;
	}
	if (jail_rebuild_filter(j, err) != 0)
		return NULL;
	return jail_get(j, opt + 3, NULL, err);
}

/* addAttemptIP: failures of ip now, one per line given (or one) */
static struct pyval *
set_attempt(struct jail *j, const char *opt, const char *v, const struct pyval *args,
    char **err)
{
	struct pyval *data = pyval_dict(), *m = pyval_list();
	struct filter_failure ff;
	long cnt = pyval_len(args) > 1 ? (long)pyval_len(args) - 1 : 1;
	struct ticket *tk, *tb;
	char buf[ADDR_STRLEN], when[32];
	long attempts;
	size_t i;

	for (i = 1; i < pyval_len(args); i++)
		pyval_append(m, pyval_copy(pyval_at(args, i)));
	pyval_dict_set(data, pyval_str("matches"), m);
	memset(&ff, 0, sizeof(ff));
	if (addr_parse(&ff.id, v, ADDR_CIDR_UNSPEC) < 0) {
		*err = xasprintf("invalid address: %s", v);
		pyval_free(data);
		return NULL;
	}
	tk = ticket_new(&ff.id, clock_now(), data);
	clock_str(tk->time, when, sizeof(when));
	log_msg(LOG_LVL_INFO, LOG_FILTER, "[%s] Attempt %s - %s", j->name,
	    addr_str(&tk->id, buf, sizeof(buf)), when);
	jail_keep_matches(j);
	attempts = failmgr_add(j->fm, &tk->id, tk->time, tk->data, cnt);
	tk->data = NULL;
	j->found_total++;
	if (attempts >= failmgr_maxretry(j->fm) &&
	    (tb = failmgr_toban(j->fm, &tk->id)) != NULL)
		jail_ban(j, tb);
	ticket_free(tk);
	addr_clear(&ff.id);
	return pyval_int(1);	/* Filter.addAttempt answers 1 */
}

static struct pyval *
set_idle(struct jail *j, const char *opt, const char *v, const struct pyval *args,
    char **err)
{
	if (strcmp(v, "on") != 0 && strcmp(v, "off") != 0) {
		*err = xstrdup("Invalid idle option, must be 'on' or 'off'");
		return NULL;
	}
	j->idle = v[1] == 'n';
	return pyval_bool(j->idle);
}

static struct pyval *
set_banip(struct jail *j, const char *opt, const char *v, const struct pyval *args,
    char **err)
{
	struct strbuf tmp = STRBUF_INIT;
	long n = 0;
	size_t i;

	for (i = 0; i < pyval_len(args); i++)
		n += jail_ban_text(j, arg_str(args, i, &tmp));
	strbuf_free(&tmp);
	return pyval_int(n);
}

/* removeBannedIP: the banned ones are unbanned, the others reported after */
static struct pyval *
set_unbanip(struct jail *j, const char *opt, const char *v, const struct pyval *args,
    char **err)
{
	struct strbuf tmp = STRBUF_INIT;
	struct pyval *missed = NULL, *ret = NULL;
	long n = 0;
	size_t from = 0, i;

	if (pyval_len(args) && strcmp(arg_str(args, 0, &tmp), "--report-absent") == 0) {
		from = 1;
		missed = pyval_list();
	}
	for (i = from; i < pyval_len(args); i++) {
		const char *ip = arg_str(args, i, &tmp);

		if (missed && !jail_is_banned(j, ip))
			pyval_append(missed, pyval_str(ip));
		n += jail_unban_text(j, ip);
	}
	if (missed && pyval_len(missed)) {
		struct strbuf r = STRBUF_INIT;

		pyval_repr(missed, &r);
		*err = xasprintf("not banned: %s", strbuf_str(&r));
		strbuf_free(&r);
	} else
		ret = pyval_int(n);
	pyval_free(missed);
	strbuf_free(&tmp);
	return ret;
}

/* journalmatch (a filter's setting, f2b-lite reads addjournalmatch): kept for get */
static struct pyval *
set_kept(struct jail *j, const char *opt, const char *v, const struct pyval *args,
    char **err)
{
	dict_set(j->extra, opt, xstrdup(v));
	return pyval_str(v);
}

/* a line as if read from a log of the jail; the last one kept for get */
static struct pyval *
set_addlogline(struct jail *j, const char *opt, const char *v, const struct pyval *args,
    char **err)
{
	jail_feed(j, v, strlen(v));
	return set_kept(j, opt, v, args, err);
}

/* ---- get --------------------------------------------------------------------- */

/*
 * The get functions of the option table: args are the words after the
 * option's name (NULL: none); each returns the answer (a new pyval) or
 * NULL with *err set.
 */

#define NO_GET	"Invalid command (no get action or not yet implemented)"

static struct pyval *
get_maxretry(struct jail *j, const char *opt, const struct pyval *args, char **err)
{
	return pyval_int(failmgr_maxretry(j->fm));
}

static struct pyval *
get_prefix(struct jail *j, const char *opt, const struct pyval *args, char **err)
{
	return pyval_int(opt[3] == '4' ? j->prefix4 : j->prefix6);
}

static struct pyval *
get_maxmatches(struct jail *j, const char *opt, const struct pyval *args, char **err)
{
	return pyval_int(failmgr_maxmatches(j->fm));
}

/* findtime, bantime: as set (90.0 for "1.5m"), else the seconds in use */
static struct pyval *
get_time(struct jail *j, const char *opt, const struct pyval *args, char **err)
{
	struct pyval *ret;

	if (dict_has(j->extra, opt) && (ret = time_value(dict_get(j->extra, opt, NULL))) != NULL)
		return ret;
	if (strcmp(opt, "findtime") == 0)
		return pyval_int((long long)failmgr_findtime(j->fm));
	return pyval_int(banlist_bantime(j->bl));
}

static struct pyval *
get_bantime_extra(struct jail *j, const char *opt, const struct pyval *args, char **err)
{
	return ban_extra(j, opt);
}

static struct pyval *
get_usedns(struct jail *j, const char *opt, const struct pyval *args, char **err)
{
	return pyval_str(filter_usedns(j->filter));
}

static struct pyval *
get_maxlines(struct jail *j, const char *opt, const struct pyval *args, char **err)
{
	return pyval_int(filter_maxlines(j->filter));
}

static struct pyval *
get_ignoreself(struct jail *j, const char *opt, const struct pyval *args, char **err)
{
	return pyval_bool(j->ignoreself);
}

static struct pyval *
get_ignorecommand(struct jail *j, const char *opt, const struct pyval *args, char **err)
{
	return pyval_str(j->ignorecommand ? j->ignorecommand : "");
}

static struct pyval *
get_journalmatch(struct jail *j, const char *opt, const struct pyval *args, char **err)
{
	return journal_matches(j);
}

/* Filter.getDatePattern: (pattern, name), or None without dates */
static struct pyval *
get_datepattern(struct jail *j, const char *opt, const struct pyval *args, char **err)
{
	struct datedet *dd = filter_datedet(j->filter);
	struct pyval *ret;

	if (dd == NULL)
		return pyval_none();
	ret = pyval_tuple();
	if (!j->fc.datepattern_set || datedet_count(dd) == 0 || datedet_count(dd) > 2) {
		pyval_append(ret, pyval_none());
		pyval_append(ret, pyval_str("Default Detectors"));
	} else {
		const char *pat = datedet_pattern(dd, 0);

		pyval_append(ret, pat ? pyval_str(pat) : pyval_none());
		pyval_append(ret, pyval_str(datedet_name(dd, 0)));
	}
	return ret;
}

static struct pyval *
get_logencoding(struct jail *j, const char *opt, const struct pyval *args, char **err)
{
	return pyval_str(j->logencoding == NULL || strcasecmp(j->logencoding, "auto") == 0 ?
	    recode_preferred() : j->logencoding);
}

static struct pyval *
get_logtimezone(struct jail *j, const char *opt, const struct pyval *args, char **err)
{
	return j->fc.logtimezone ? pyval_str(j->fc.logtimezone) : pyval_none();
}

static struct pyval *
get_prefregex(struct jail *j, const char *opt, const struct pyval *args, char **err)
{
	return pyval_str(filter_prefregex(j->filter) ? filter_prefregex(j->filter) : "");
}

static struct pyval *
get_ignorecache(struct jail *j, const char *opt, const struct pyval *args, char **err)
{
	struct pyval *ret;

	if (j->icache_cfg.key == NULL)
		return pyval_none();
	ret = pyval_list();
	pyval_append(ret, pyval_str(action_get(j->icache_cfg.key, "key")));
	pyval_append(ret, pyval_int(j->icache_cfg.maxcount));
	pyval_append(ret, pyval_float(j->icache_cfg.maxtime));
	return ret;
}

/* The attributes every CommandAction has (dir(), public, not callable). */
static const char *const base_props[] = {
	"ESCAPE_CRE", "ESCAPE_VN_CRE", "actionban", "actioncheck", "actionflush",
	"actionreban", "actionreload", "actionrepair", "actionstart", "actionstop",
	"actionunban", "banEpoch", "timeout"
};
#define NBASE_PROPS	(sizeof(base_props) / sizeof(base_props[0]))

static bool
is_base_prop(const char *p)
{
	size_t i;

	for (i = 0; i < NBASE_PROPS; i++)
		if (strcmp(base_props[i], p) == 0)
			return true;
	return false;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* get JAIL actionproperties ACT: sorted(base + every property set, no "_x") */
static struct pyval *
action_properties(const struct action *a)
{
	size_t n = 0, i, np = action_nprops(a);
	const char **v = xcalloc(NBASE_PROPS + np, sizeof(*v));
	struct pyval *ret = pyval_list();

	for (i = 0; i < NBASE_PROPS; i++)
		v[n++] = base_props[i];
	for (i = 0; i < np; i++)
		if (action_prop_name(a, i)[0] != '_' && !is_base_prop(action_prop_name(a, i)))
			v[n++] = action_prop_name(a, i);
	qsort(v, n, sizeof(*v), cmp_str);
	for (i = 0; i < n; i++)
		if (i == 0 || strcmp(v[i], v[i - 1]) != 0)
			pyval_append(ret, pyval_str(v[i]));
	free(v);
	return ret;
}

/* get <jail> action <act> <prop> | actionproperties <act> | actionmethods <act> */
static struct pyval *
get_action(struct jail *j, const char *opt, const struct pyval *args, char **err)
{
	const char *an = args && pyval_len(args) ? pyval_as_str(pyval_at(args, 0)) : NULL;
	struct jact *ja = an ? find_action(j, an, NULL) : NULL;
	struct pyval *ret = NULL;
	size_t i;

	if (ja == NULL || ja->deleted)
		*err = xasprintf("Invalid Action name: %s", an ? an : "");
	else if (opt[6] == '\0') {
		const char *prop = pyval_len(args) > 1 ? pyval_as_str(pyval_at(args, 1)) : "";
		const char *val = action_get(ja->a, prop ? prop : "");

		if (val)
			ret = pyval_str(val);
		else if (prop && strcmp(prop, "timeout") == 0)
			ret = pyval_int(60);
		else if (prop && strcmp(prop, "banEpoch") == 0)
			ret = pyval_int(0);
		else if (prop && is_base_prop(prop))
			ret = pyval_str("");
		else
			*err = xasprintf("'CommandAction' object has no attribute '%s'",
			    prop ? prop : "");
	} else if (opt[6] == 'p')
		ret = action_properties(ja->a);
	else {
		static const char *const methods[] = { "ban", "clearAllParams",
		    "consistencyCheck", "escapeTag", "executeCmd", "flush",
		    "invalidateBanEpoch", "prolong", "reban", "reload",
		    "replaceDynamicTags", "replaceTag", "start", "stop", "unban" };

		ret = pyval_list();
		for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
			pyval_append(ret, pyval_str(methods[i]));
	}
	return ret;
}

static struct pyval *
get_logpath(struct jail *j, const char *opt, const struct pyval *args, char **err)
{
	return log_paths(j);
}

static struct pyval *
get_ignoreip(struct jail *j, const char *opt, const struct pyval *args, char **err)
{
	return ignore_list(j);
}

/* failregex, ignoreregex: the filter's, in order */
static struct pyval *
get_regexes(struct jail *j, const char *opt, const struct pyval *args, char **err)
{
	bool fail = opt[0] == 'f';
	size_t n = fail ? filter_nfailregex(j->filter) : filter_nignoreregex(j->filter), i;
	struct pyval *ret = pyval_list();

	for (i = 0; i < n; i++)
		pyval_append(ret, pyval_str(fail ? filter_failregex(j->filter, i) :
		    filter_ignoreregex(j->filter, i)));
	return ret;
}

static struct pyval *
get_actions(struct jail *j, const char *opt, const struct pyval *args, char **err)
{
	struct pyval *ret = pyval_list();
	size_t i;

	for (i = 0; i < j->nacts; i++)
		if (!j->acts[i].deleted)
			pyval_append(ret, pyval_str(action_name(j->acts[i].a)));
	return ret;
}

static struct pyval *
get_banned(struct jail *j, const char *opt, const struct pyval *args, char **err)
{
	struct strbuf tmp = STRBUF_INIT;
	struct pyval *ret;
	size_t i;

	if (args && pyval_len(args) == 1)
		ret = pyval_int(jail_is_banned(j, arg_str(args, 0, &tmp)));	/* getBanned([ip]) */
	else if (args && pyval_len(args) > 1) {
		/* getBanned(ids): 1 or 0 per address */
		ret = pyval_list();
		for (i = 0; i < pyval_len(args); i++)
			pyval_append(ret, pyval_int(jail_is_banned(j, arg_str(args, i, &tmp))));
	} else {
		/* getBanned([]): the bans in the order they were made */
		struct ticket *t;
		char buf[ADDR_STRLEN];
		size_t pos = 0;

		ret = pyval_list();
		while ((t = banlist_next(j->bl, &pos)) != NULL)
			pyval_append(ret, pyval_str(addr_str(&t->id, buf, sizeof(buf))));
	}
	strbuf_free(&tmp);
	return ret;
}

/* The bans ordered by their end (getBanList(ordered=True)), maybe with times. */
static struct pyval *
ban_list(struct jail *j, bool with_time)
{
	struct pyval *ret = pyval_list();
	struct ticket *t, **v = NULL;
	size_t n = 0, i = 0, k;

	while ((t = banlist_next(j->bl, &i)) != NULL) {
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = t;
	}
	/* a stable insertion sort by end of ban (permanent last) */
	for (i = 1; i < n; i++) {
		double e = ticket_ban_end(v[i], banlist_bantime(j->bl));

		e = e < 0 ? 1e300 : e;
		for (k = i; k > 0; k--) {
			double f = ticket_ban_end(v[k - 1], banlist_bantime(j->bl));

			if ((f < 0 ? 1e300 : f) <= e)
				break;
			t = v[k];
			v[k] = v[k - 1];
			v[k - 1] = t;
		}
	}
	for (i = 0; i < n; i++) {
		char buf[ADDR_STRLEN], t1[32], t2[32];
		long long bt = v[i]->bantime != TICKET_BANTIME_UNSET ? v[i]->bantime :
		    banlist_bantime(j->bl);
		double end = ticket_ban_end(v[i], banlist_bantime(j->bl));
		const char *ip = addr_str(&v[i]->id, buf, sizeof(buf));

		if (!with_time) {
			pyval_append(ret, pyval_str(ip));
			continue;
		}
		clock_str(v[i]->time, t1, sizeof(t1));
		if (end < 0)
			snprintf(t2, sizeof(t2), "%s", "9999-12-31 23:59:59");
		else
			clock_str(end, t2, sizeof(t2));
		{
			char *s = xasprintf("%s \t%s + %lld = %s", ip, t1, bt, t2);

			pyval_append(ret, pyval_str(s));
			free(s);
		}
	}
	free(v);
	return ret;
}

static struct pyval *
get_banip(struct jail *j, const char *opt, const struct pyval *args, char **err)
{
	struct strbuf tmp = STRBUF_INIT;
	bool with_time = args && pyval_len(args) && strcmp(arg_str(args, 0, &tmp),
	    "--with-time") == 0;

	strbuf_free(&tmp);
	return ban_list(j, with_time);
}

/* addlogline: the last line given */
static struct pyval *
get_kept(struct jail *j, const char *opt, const struct pyval *args, char **err)
{
	if (!dict_has(j->extra, opt)) {
		*err = xstrdup(NO_GET);
		return NULL;
	}
	return pyval_str(dict_get(j->extra, opt, NULL));
}

#pragma GCC diagnostic pop

/* ---- the option table ---------------------------------------------------------- */

typedef struct pyval *jailopt_set_fn(struct jail *, const char *opt, const char *v,
    const struct pyval *args, char **err);
typedef struct pyval *jailopt_get_fn(struct jail *, const char *opt,
    const struct pyval *args, char **err);

/* A row of conf/jailopts.h: the name and how the jail sets and gets it. */
struct jailopt {
	const char	*name;
	jailopt_set_fn	*set;
	jailopt_get_fn	*get;
};

#define JAILOPT_ROW(name, load, type, def, set, get)	{ name, set, get },

static const struct jailopt jailopts[] = {
	JAIL_OPTIONS(JAILOPT_ROW)
};

/* The row of name: its own, else the prefix ("bantime.") it starts with. */
static const struct jailopt *
jailopt_find(const char *name)
{
	const struct jailopt *prefix = NULL;
	size_t i, n;

	for (i = 0; i < sizeof(jailopts) / sizeof(jailopts[0]); i++) {
		if (strcmp(jailopts[i].name, name) == 0)
			return &jailopts[i];
		n = strlen(jailopts[i].name);
		if (prefix == NULL && n > 0 && jailopts[i].name[n - 1] == '.' &&
		    strncmp(jailopts[i].name, name, n) == 0)
			prefix = &jailopts[i];
	}
	return prefix;
}

struct pyval *
jail_set(struct jail *j, const char *opt, const struct pyval *args, char **err)
{
	const struct jailopt *o = jailopt_find(opt);
	struct strbuf tmp = STRBUF_INIT;
	struct pyval *ret;

	*err = NULL;
	if (o == NULL || o->set == NULL) {
		*err = xasprintf("Invalid command '%s' (no set action or not yet implemented)", opt);
		return NULL;
	}
	ret = o->set(j, opt, arg_str(args, 0, &tmp), args, err);
	strbuf_free(&tmp);
	return ret;
}

struct pyval *
jail_get(struct jail *j, const char *opt, const struct pyval *args, char **err)
{
	const struct jailopt *o = jailopt_find(opt);

	*err = NULL;
	if (o == NULL || o->get == NULL) {
		*err = xstrdup(NO_GET);
		return NULL;
	}
	return o->get(j, opt, args, err);
}

/* ---- the filter ----------------------------------------------------------------- */

/* A new filter with the recorded settings (after delfailregex...). */
int
jail_rebuild_filter(struct jail *j, char **err)
{
	struct filter *f = filter_new(), *old = j->filter;
	size_t i;
	int rc = 0;

	linescan_set(filter_linescan(f), true, false);
	filter_set_check_findtime(f, true);
	filter_set_in_operation(f, true);
	filter_set_defer_dns(f, true);
	filter_set_findtime(f, failmgr_findtime(j->fm));
	if ((j->fc.usedns && filter_set_usedns(f, j->fc.usedns, err) < 0) ||
	    filter_set_maxlines(f, j->fc.maxlines, err) < 0 ||
	    (j->fc.prefregex && filter_set_prefregex(f, j->fc.prefregex, err) < 0) ||
	    (j->fc.datepattern_set && filter_set_datepattern(f, j->fc.datepattern, err) < 0) ||
	    (j->fc.logtimezone && filter_set_logtimezone(f, j->fc.logtimezone, err) < 0))
		rc = -1;
	for (i = 0; rc == 0 && i < pyval_len(j->fc.ign); i++)
		rc = filter_add_ignoreregex(f, pyval_as_str(pyval_at(j->fc.ign, i)), err);
	for (i = 0; rc == 0 && i < pyval_len(j->fc.fail); i++)
		rc = filter_add_failregex(f, pyval_as_str(pyval_at(j->fc.fail, i)), err);
	if (rc < 0) {
		filter_free(f);
		return -1;
	}
	if (j->journal) {
		char *e2 = NULL;

		filter_set_datepattern(f, NULL, &e2);
		free(e2);
	}
	j->filter = f;
	filter_free(old);
	return 0;
}

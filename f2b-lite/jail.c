/* jail: a jail's pipeline from log lines to actions. */
#include "jail.h"

#include <glob.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "action.h"
#include "addr.h"
#include "banlist.h"
#include "cache.h"
#include "clock.h"
#include "config.h"
#include "db.h"
#include "dict.h"
#include "dns.h"
#include "expr.h"
#include "failmgr.h"
#include "journal.h"
#include "optspec.h"
#include "recode.h"
#include "filter.h"
#include "log.h"
#include "loop.h"
#include "pyint.h"
#include "pyval.h"
#include "runner.h"
#include "strbuf.h"
#include "tail.h"
#include "ticket.h"
#include "timestr.h"
#include "utf8.h"
#include "xmalloc.h"

#define LOG_FILTER	"fail2ban.filter"
#define LOG_ACTIONS	"fail2ban.actions"
#define LOG_OBSERVER	"fail2ban.observer"
#define LOG_JAIL	"fail2ban.jail"
#define LOG_ACTION	"fail2ban.utils"

#define FAM_NONE	0
#define FAM_INET4	1
#define FAM_INET6	2

struct jact {
	struct action	*a;
	bool		 deleted;	/* delaction: no longer used */
	unsigned	 state[3];	/* by family: 1 started, 2 holds bans, 4 banned there */
	unsigned	 epoch;		/* the jail's ban epoch of its last repair */
	enum { ACT_KEPT, ACT_STALE, ACT_NEW } reload;	/* during a reload */
};

struct jlog {
	char		*path;
	enum tail_start	 start;
	long long	 dbpos;		/* position kept in the database, -1: none */
	long long	 saved;		/* last position written there */
	char		 saved_hash[41];	/* with this first-line hash */
	struct tail	*t;
	bool		 stale;		/* reload: not named again (yet) */
};

struct ignorenet {
	struct addr	 net;		/* valid: an address or network */
	char		*name;		/* otherwise a DNS name */
};

struct jail {
	struct jail_env	 env;
	char		*name;
	char		*backend;
	struct filter	*filter;
	struct failmgr	*fm;
	struct banlist	*bl;
	struct runner	*runner;
	struct jact	*acts;
	size_t		 nacts;
	struct jlog	*logs;
	size_t		 nlogs;
	struct pyval	*globs;		/* [pattern, head|tail] watched for new files */
	struct {			/* the filter's settings, to rebuild it (del*regex) */
		char		*usedns, *prefregex, *datepattern, *logtimezone;
		bool		 datepattern_set;
		long		 maxlines;
		struct pyval	*fail, *ign;	/* lists of str */
	} fc;
	double		 next_glob;
	struct ignorenet *ign;
	size_t		 nign;
	bool		 ignoreself;
	char		*ignorecommand;
	char		*ignorecache;
	struct {
		struct action	*key;		/* property "key": the key's template */
		long		 maxcount;
		double		 maxtime;
		struct cache	*entries;	/* key -> the answer (const bool *) */
	} icache_cfg;
	char		*logencoding;
	struct pyval	*journalmatch;
	struct journal	*journal;	/* backend systemd */
	double		 jtime, jsaved;	/* last entry's time; saved in the database */
	char		*jiso;
	struct {
		bool		 on, overall;
		struct expr	*formula;	/* NULL: fail2ban's default */
		double		 factor;
		long		*mult;
		size_t		 nmult;
		double		 maxtime, rndtime;	/* < 0: unset */
	} incr;
	struct dict	*extra;		/* other options, kept for `get` */
	bool		 started, stopping, idle;
	bool		 restored;	/* the database's bans came back (once a start) */
	bool		 reloading;	/* between jail_reload_begin and _end */
	struct pyval	*reload_jm;	/* the journal matches before the reload */
	struct loop_timer *unban_timer;
	struct loop_timer *svc_timer;
	jail_done_fn	*done;
	void		*done_arg;
	unsigned long	 found_total;
	unsigned long	 lines;		/* log lines read */
	double		 next_hazard_log;	/* limit hits and cut lines: once a minute */
	unsigned long	 limit_hits, cut_lines;
	struct recode	*recode;	/* logencoding other than UTF-8 */
	struct strbuf	 recoded;
	bool		 warned_encoding;
	unsigned long	 action_errors;	/* commands that failed for good */
	/*
	 * fail2ban's ban epoch: a failed invariant check raises it, and a
	 * banned address that offends again is banned again by the actions
	 * repaired since its ban
	 */
	unsigned	 ban_epoch;
	double		 last_consistency;	/* the last check an offender asked for */
	size_t		 nofd;		/* log files not opened for want of descriptors */
	char		*nofd_first;
	long long	 nofd_limit;
	struct loop_timer *nofd_timer;	/* says so once for a batch */
	struct {			/* failures on their way in (see "failures in order") */
		struct pend	*head, *tail;	/* the queue */
		struct dict	*held;		/* address -> struct held: its ignorecommand runs */
		struct held	*ready;		/* held failures left for the next turn */
		struct dict	*names;		/* name -> struct namereq: looked up now */
		struct runner	*runner;	/* the ignorecommands */
		struct loop_timer *timer;	/* the next turn's share */
		unsigned long	 turn;		/* the loop turn `used` counts in */
		unsigned	 used;
		bool		 draining;
	} in;
};

static void held_free(void *);
static void namereq_free(void *);
static void drop_pending(struct jail *);
static bool pending(const struct jail *);
static void on_op_retry(void *arg, int err, unsigned attempt, double delay);

/* ---- small helpers ----------------------------------------------------------- */

static const char *
fam_name(int f)
{
	return f == FAM_INET4 ? "inet4" : f == FAM_INET6 ? "inet6" : "";
}

static int
fam_index(const char *f)
{
	return strcmp(f, "inet4") == 0 ? FAM_INET4 : strcmp(f, "inet6") == 0 ? FAM_INET6 :
	    FAM_NONE;
}

static int
ticket_fam(const struct ticket *t)
{
	return t->id.family == ADDR_IPV4 ? FAM_INET4 : t->id.family == ADDR_IPV6 ?
	    FAM_INET6 : FAM_NONE;
}

static const char *
pystr(const struct pyval *v, struct strbuf *tmp)
{
	strbuf_reset(tmp);
	if (v == NULL)
		return "";
	pyval_to_text(v, tmp);
	return strbuf_str(tmp);
}

/* ---- lifecycle ------------------------------------------------------------------ */

struct jail *
jail_new(const struct jail_env *env, const char *name, const char *backend)
{
	struct jail *j = xcalloc(1, sizeof(*j));

	j->env = *env;
	j->name = xstrdup(name);
	j->backend = xstrdup(backend ? backend : "auto");
	j->filter = filter_new();
	filter_set_check_findtime(j->filter, true);
	filter_set_in_operation(j->filter, false);
	j->fc.maxlines = 1;
	j->fc.fail = pyval_list();
	j->fc.ign = pyval_list();
	j->fm = failmgr_new();
	j->bl = banlist_new();
	j->runner = runner_new(env->loop);
	runner_on_retry(j->runner, on_op_retry);
	filter_set_defer_dns(j->filter, true);
	j->in.held = dict_new(held_free);
	j->in.names = dict_new(namereq_free);
	j->ignoreself = true;
	j->incr.factor = 1;
	j->incr.maxtime = j->incr.rndtime = -1;
	j->extra = dict_new(free);
	log_msg(LOG_LVL_INFO, LOG_JAIL, "Creating new jail '%s'", name);
	if (env->db)
		db_add_jail(env->db, name);
	log_msg(LOG_LVL_INFO, LOG_JAIL, "Initiated '%s' backend",
	    strncmp(j->backend, "polling", 7) == 0 ? "polling" :
	    strncmp(j->backend, "systemd", 7) == 0 ? "systemd" : "pyinotify");
	return j;
}

void
jail_free(struct jail *j)
{
	size_t i;

	if (j == NULL)
		return;
	for (i = 0; i < j->nlogs; i++) {
		if (j->logs[i].t)
			tail_unfollow(j->logs[i].t, j);
		free(j->logs[i].path);
	}
	free(j->logs);
	loop_timer_cancel(j->env.loop, j->unban_timer);
	loop_timer_cancel(j->env.loop, j->svc_timer);
	loop_timer_cancel(j->env.loop, j->nofd_timer);
	free(j->nofd_first);
	drop_pending(j);
	dict_free(j->in.held);
	dict_free(j->in.names);
	runner_free(j->runner);
	for (i = 0; i < j->nacts; i++)
		action_free(j->acts[i].a);
	free(j->acts);
	for (i = 0; i < j->nign; i++) {
		addr_clear(&j->ign[i].net);
		free(j->ign[i].name);
	}
	free(j->ign);
	filter_free(j->filter);
	failmgr_free(j->fm);
	banlist_free(j->bl);
	dict_free(j->extra);
	pyval_free(j->journalmatch);
	pyval_free(j->reload_jm);
	pyval_free(j->globs);
	free(j->fc.usedns);
	free(j->fc.prefregex);
	free(j->fc.datepattern);
	free(j->fc.logtimezone);
	pyval_free(j->fc.fail);
	pyval_free(j->fc.ign);
	journal_close(j->journal);
	free(j->jiso);
	recode_free(j->recode);
	strbuf_free(&j->recoded);
	expr_free(j->incr.formula);
	free(j->incr.mult);
	free(j->ignorecommand);
	free(j->ignorecache);
	action_free(j->icache_cfg.key);
	cache_free(j->icache_cfg.entries);
	free(j->logencoding);
	free(j->backend);
	free(j->name);
	free(j);
}

const char *
jail_name(const struct jail *j)
{
	return j->name;
}

const char *
jail_backend(const struct jail *j)
{
	return j->backend;
}

bool
jail_started(const struct jail *j)
{
	return j->started;
}

/* ---- action info: the dynamic tags ----------------------------------------- */

struct info {
	struct jail	*j;
	struct ticket	*t;		/* NULL: start/stop/flush */
	const char	*family;
};

static char *
info_value(void *arg, const char *tag)
{
	struct info *in = arg;
	struct ticket *t = in->t;
	struct jail *j = in->j;
	struct strbuf sb = STRBUF_INIT;
	char buf[ADDR_STRLEN];

	if (strcmp(tag, "family") == 0)
		return xstrdup(in->family);
	if (t == NULL) {
		if (strcmp(tag, "time") == 0) {
			pyval_repr_float(clock_now(), &sb);
			return strbuf_detach(&sb);
		}
		return NULL;
	}
	if (strcmp(tag, "ip") == 0) {
		ticket_ip_text(t, &sb);
		return strbuf_detach(&sb);
	}
	if (strcmp(tag, "fid") == 0)
		return xstrdup(addr_str(&t->id, buf, sizeof(buf)));
	if (strcmp(tag, "ip-rev") == 0)
		return addr_valid(&t->id) ? addr_ptr(&t->id, "") : NULL;
	if (strcmp(tag, "ip-host") == 0)
		return dns_to_name(&t->id);
	if (strcmp(tag, "failures") == 0 || strcmp(tag, "ipfailures") == 0 ||
	    strcmp(tag, "ipjailfailures") == 0)
		return xasprintf("%ld", t->failures);
	if (strcmp(tag, "time") == 0) {
		pyval_repr_float(t->time, &sb);
		return strbuf_detach(&sb);
	}
	if (strcmp(tag, "bantime") == 0)
		return xasprintf("%lld", t->bantime != TICKET_BANTIME_UNSET ? t->bantime :
		    banlist_bantime(j->bl));
	if (strcmp(tag, "bancount") == 0)
		return xasprintf("%ld", t->bancount);
	if (strcmp(tag, "restored") == 0)
		return xstrdup(t->restored ? "1" : "0");
	if (strcmp(tag, "matches") == 0 || strcmp(tag, "ipmatches") == 0 ||
	    strcmp(tag, "ipjailmatches") == 0) {
		ticket_matches_text(t, &sb);
		return strbuf_detach(&sb);
	}
	if (strcmp(tag, "jail.banned") == 0)
		return xasprintf("%zu", banlist_size(j->bl));
	if (strcmp(tag, "jail.banned_total") == 0)
		return xasprintf("%lu", banlist_total(j->bl));
	if (strcmp(tag, "jail.found") == 0)
		return xasprintf("%zu", failmgr_size(j->fm));
	if (strcmp(tag, "jail.found_total") == 0)
		return xasprintf("%lu", j->found_total);
	if (strncmp(tag, "F-*", 3) == 0) {
		struct pyval *v = pyval_dict_get(t->data, tag + 3);

		if (v == NULL || pyval_type(v) == PY_NONE)
			return NULL;
		pyval_to_text(v, &sb);
		return strbuf_detach(&sb);
	}
	return NULL;
}

/* ---- running operations ------------------------------------------------------- */

struct opctx {
	struct jail	*j;
	size_t		 act;
	char		*op;
	int		 fam;
	struct ticket	*t;		/* a copy, for a retry */
	int		 stage;		/* ST_RUN ... (see op_done) */
	bool		 consist;	/* the consistency check t (a ban) asked for */
};

/*
 * The stages of a command, as fail2ban's _processCmd and _invariantCheck
 * take a failed ban, unban or prolong: the check; if it fails the repair
 * (or stop and start), the check again, then one retry.
 */
enum {
	ST_RUN,		/* the command itself */
	ST_CHECK,	/* actioncheck after it failed */
	ST_REPAIR,	/* actionrepair after the check failed */
	ST_RETRY,	/* the command again; also a restart's stop and start */
	ST_RECHECK	/* actioncheck after the repair or restart */
};

static void op_done(void *arg, int status, const char *output);

static void
opctx_free(struct opctx *c)
{
	ticket_free(c->t);
	free(c->op);
	free(c);
}

/* The runner's key of a ticket's command: its address (NULL: a barrier). */
static const char *
key(const struct ticket *t, char buf[ADDR_STRLEN])
{
	return t ? addr_str(&t->id, buf, ADDR_STRLEN) : NULL;
}

/* Submits op of action ja for family with ticket t (copied). */
static bool
submit(struct jail *j, size_t act, const char *op, int fam, const struct ticket *t,
    int stage, bool next)
{
	struct jact *ja = &j->acts[act];
	struct info in = { j, (struct ticket *)t, fam_name(fam) };
	struct action_cmd cmd;
	struct opctx *c;
	char *err = NULL, ipkey[ADDR_STRLEN];

	if (!action_command(ja->a, op, fam_name(fam), info_value, &in, &cmd, &err)) {
		if (err) {
			log_msg(LOG_LVL_ERROR, LOG_ACTIONS, "[%s] %s: %s", j->name,
			    action_name(ja->a), err);
			free(err);
		}
		return false;
	}
	c = xcalloc(1, sizeof(*c));
	c->j = j;
	c->act = act;
	c->op = xstrdup(op);
	c->fam = fam;
	c->t = t ? ticket_copy(t) : NULL;
	c->stage = stage;
	log_msg(LOG_LVL_DEBUG, LOG_ACTION, "[%s] %s %s: %s", j->name, action_name(ja->a), op,
	    cmd.script);
	if (next)
		runner_submit_next(j->runner, &cmd, action_timeout(ja->a), key(t, ipkey), op_done, c);
	else
		runner_submit(j->runner, &cmd, action_timeout(ja->a), key(t, ipkey), op_done, c);
	return true;
}

/* The command that ran: c's, or the check or the repair of a failed one. */
static const char *
stage_op(const struct opctx *c)
{
	return c->stage == ST_CHECK || c->stage == ST_RECHECK ? "actioncheck" :
	    c->stage == ST_REPAIR ? "actionrepair" : c->op;
}

static void
log_failure(struct opctx *c, int status, const char *output)
{
	struct jail *j = c->j;
	const char *an = action_name(j->acts[c->act].a);
	const char *op = stage_op(c);

	if (output && *output)
		log_msg(LOG_LVL_ERROR, LOG_ACTION, "[%s] %s %s -- stderr: '%s'", j->name, an,
		    op, output);
	if (status == RUNNER_TIMEOUT)
		log_msg(LOG_LVL_ERROR, LOG_ACTION, "[%s] %s %s -- timed out after %g seconds.",
		    j->name, an, op, action_timeout(j->acts[c->act].a));
	else if (status > 128)
		log_msg(LOG_LVL_ERROR, LOG_ACTION, "[%s] %s %s -- killed with signal %d",
		    j->name, an, op, status - 128);
	else
		log_msg(LOG_LVL_ERROR, LOG_ACTION, "[%s] %s %s -- returned %d%s", j->name, an,
		    op, status, status == 127 ? " -- Command not found" : "");
}

/* A command that could not start: said, tried again (runner_on_retry). */
static void
on_op_retry(void *arg, int err, unsigned attempt, double delay)
{
	struct opctx *c = arg;
	struct jail *j = c->j;
	char ipbuf[ADDR_STRLEN];

	log_msg(LOG_LVL_ERROR, LOG_ACTION, "[%s] %s %s%s%s -- failed with [Errno %d] %s; "
	    "trying again in %g s (attempt %u)", j->name, action_name(j->acts[c->act].a),
	    stage_op(c), c->t ? " " : "", c->t ? addr_str(&c->t->id, ipbuf, sizeof(ipbuf)) : "",
	    err, strerror(err), delay, attempt);
}

static bool
nonempty(const char *s)
{
	return s != NULL && *s != '\0';
}

/* Queues the check or the repair of c's command next, as stage; false if none. */
static bool
followup(struct opctx *c, const char *op, int stage)
{
	struct jail *j = c->j;
	struct jact *ja = &j->acts[c->act];
	struct info in = { j, NULL, fam_name(c->fam) };
	struct action_cmd cmd;
	struct opctx *k;
	char *err = NULL;

	if (!action_command(ja->a, op, fam_name(c->fam), info_value, &in, &cmd, &err)) {
		free(err);
		return false;
	}
	k = xcalloc(1, sizeof(*k));
	*k = *c;
	k->op = xstrdup(c->op);
	k->t = c->t ? ticket_copy(c->t) : NULL;
	k->stage = stage;
	runner_submit_next(j->runner, &cmd, action_timeout(ja->a), NULL, op_done, k);
	return true;
}

/*
 * _invariantCheck after a failed check: a new ban epoch, then the repair,
 * or stop and start; either is checked again.
 */
static void
restore(struct opctx *c)
{
	struct jail *j = c->j;
	struct jact *ja = &j->acts[c->act];
	int f = action_start_on_demand(ja->a) ? c->fam : FAM_NONE;

	log_msg(LOG_LVL_ERROR, LOG_ACTION, "[%s] %s: Invariant check failed. Trying to "
	    "restore a sane environment", j->name, action_name(ja->a));
	ja->epoch = ++j->ban_epoch;
	if (action_has(ja->a, "actionrepair", fam_name(c->fam)) &&
	    followup(c, "actionrepair", ST_REPAIR))
		return;
	/*
	 * no repair: stop and start the action, check it again - queued next
	 * in reverse, none started before all are in.  fail2ban 1.0.2 skips
	 * this start when the action ran its actionstart for the other family
	 * too; f2b-lite starts it.
	 */
	runner_hold(j->runner, true);
	followup(c, "actioncheck", ST_RECHECK);
	submit(j, c->act, "actionstart", f, NULL, ST_RETRY, true);
	submit(j, c->act, "actionstop", f, NULL, ST_RETRY, true);
	runner_hold(j->runner, false);
}

/*
 * __reBan: t (in the ban list) banned again by the actions repaired since
 * its ban; its epoch is the jail's then.
 */
static void
reban(struct jail *j, struct ticket *t)
{
	size_t i, n = 0, last = 0;
	int fam = ticket_fam(t);
	char buf[ADDR_STRLEN];

	for (i = 0; i < j->nacts; i++)
		if (!j->acts[i].deleted && j->acts[i].epoch > t->epoch) {
			n++;
			last = i;
		}
	if (n == 0)
		return;
	if (n == 1)
		log_msg(LOG_LVL_NOTICE, LOG_ACTIONS, "[%s] Reban %s, action '%s'", j->name,
		    addr_str(&t->id, buf, sizeof(buf)), action_name(j->acts[last].a));
	else
		log_msg(LOG_LVL_NOTICE, LOG_ACTIONS, "[%s] Reban %s", j->name,
		    addr_str(&t->id, buf, sizeof(buf)));
	for (i = 0; i < j->nacts; i++) {
		struct jact *ja = &j->acts[i];

		if (ja->deleted || ja->epoch <= t->epoch)
			continue;
		submit(j, i, action_has(ja->a, "actionreban", fam_name(fam)) ? "actionreban" :
		    "actionban", fam, t, ST_RUN, false);
	}
	t->epoch = j->ban_epoch;
}

/*
 * The environment is sane (again) after c's check, repair or restart: the
 * failed command once more; for a consistency check, after a repair, the
 * address that asked for it banned again at once.
 */
static void
sane(struct opctx *c)
{
	struct ticket *t;

	if (!c->consist)
		submit(c->j, c->act, c->op, c->fam, c->t, ST_RETRY, true);
	else if (c->stage != ST_CHECK && (t = banlist_get(c->j->bl, &c->t->id)) != NULL &&
	    t->epoch < c->j->ban_epoch)
		reban(c->j, t);
}

static void
op_done(void *arg, int status, const char *output)
{
	struct opctx *c = arg;
	struct jail *j = c->j;
	struct jact *ja = &j->acts[c->act];
	const char *an = action_name(ja->a);
	const char *fam = fam_name(c->fam);
	/* the slot of the action's started/has-bans bits */
	int f = action_start_on_demand(ja->a) ? c->fam : FAM_NONE;
	bool ban_op = strcmp(c->op, "actionban") == 0 || strcmp(c->op, "actionreban") == 0;
	char ipbuf[ADDR_STRLEN];

	if (status == 0) {
		if (output && *output)
			log_msg(LOG_LVL_DEBUG, LOG_ACTION, "[%s] %s %s -- stdout: '%s'", j->name,
			    an, c->op, output);
		if (c->stage == ST_REPAIR) {
			if (!followup(c, "actioncheck", ST_RECHECK))	/* checked again first */
				sane(c);
		} else if (c->stage == ST_CHECK || c->stage == ST_RECHECK)
			sane(c);
		else if (strcmp(c->op, "actionstart") == 0 && !ja->deleted)
			ja->state[c->fam] |= 1;
		else if (ban_op && !ja->deleted) {
			ja->state[f] |= 3;	/* started, and holds bans */
			ja->state[c->fam] |= 4;	/* the address's family (f may be none) */
		}
		opctx_free(c);
		return;
	}
	log_failure(c, status, output);
	if (c->stage == ST_RUN && strcmp(c->op, "actionstart") == 0)
		ja->state[c->fam] &= ~1;	/* not started: the next ban starts it again */
	if (c->stage == ST_RUN && c->t != NULL && action_has(ja->a, "actioncheck", fam)) {
		if (followup(c, "actioncheck", ST_CHECK)) {
			opctx_free(c);
			return;
		}
	} else if (c->stage == ST_CHECK && !c->consist && strcmp(c->op, "actionunban") == 0 &&
	    !nonempty(action_get(ja->a, "actionrepair_on_unban"))) {
		/* fail2ban tests the property's text: any non-empty value repairs */
		log_msg(LOG_LVL_ERROR, LOG_ACTION, "[%s] %s: Invariant check failed. Unban is "
		    "impossible.", j->name, an);
	} else if (c->stage == ST_CHECK) {
		restore(c);
		opctx_free(c);
		return;
	} else if (c->stage == ST_REPAIR || c->stage == ST_RECHECK) {
		log_msg(LOG_LVL_CRITICAL, LOG_ACTION, "[%s] %s: Unable to restore environment",
		    j->name, an);
		if (c->consist) {
			opctx_free(c);	/* no command of the ban's failed */
			return;
		}
	}
	j->action_errors++;
	if (strcmp(c->op, "actionban") == 0 && c->t)
		log_msg(LOG_LVL_ERROR, LOG_ACTIONS, "Failed to execute ban jail '%s' action '%s' "
		    "info '%s': Error banning %s", j->name, an, addr_str(&c->t->id, ipbuf,
		    sizeof(ipbuf)), addr_str(&c->t->id, ipbuf, sizeof(ipbuf)));
	else if (strcmp(c->op, "actionunban") == 0 && c->t)
		log_msg(LOG_LVL_ERROR, LOG_ACTIONS, "Failed to execute unban jail '%s' action '%s' "
		    "info '%s': Error unbanning %s", j->name, an, addr_str(&c->t->id, ipbuf,
		    sizeof(ipbuf)), addr_str(&c->t->id, ipbuf, sizeof(ipbuf)));
	else
		log_msg(LOG_LVL_ERROR, LOG_ACTIONS, "Failed to %s jail '%s' action '%s'",
		    c->op + 6, j->name, an);
	opctx_free(c);
}

/* ---- bans and unbans -------------------------------------------------------------- */

static void schedule_unban(struct jail *);
static bool increment(struct jail *, struct ticket *, long long *count, long long *tob);
static void log_increment(struct jail *, struct ticket *, long long count, long long tob);
static int set_time(const struct jail *, const char *, const char *, double *, char **);
static void enqueue(struct jail *, struct ticket *, const char *host, double time,
    struct pyval *data);
static int rebuild_filter(struct jail *, char **);
static int set_ignorecache(struct jail *, const char *, char **);
static struct pyval *ban_list(struct jail *, bool with_time);

static void
start_family(struct jail *j, size_t i, int fam)
{
	if (j->acts[i].state[fam] & 1)
		return;
	j->acts[i].state[fam] |= 1;	/* queued: later bans go behind it */
	submit(j, i, "actionstart", fam, NULL, 0, false);
}

static void
run_ban(struct jail *j, struct ticket *t)
{
	size_t i;
	int fam = ticket_fam(t);

	for (i = 0; i < j->nacts; i++) {
		struct jact *ja = &j->acts[i];
		int f = action_start_on_demand(ja->a) ? fam : FAM_NONE;

		if (ja->deleted || (t->restored && action_norestored(ja->a)))
			continue;
		if (action_start_on_demand(ja->a))
			start_family(j, i, f);
		submit(j, i, "actionban", fam, t, 0, false);
		ja->state[f] |= 2;
	}
}

static void
run_unban(struct jail *j, struct ticket *t)
{
	size_t i;
	int fam = ticket_fam(t);

	for (i = 0; i < j->nacts; i++) {
		struct jact *ja = &j->acts[i];
		int f = action_start_on_demand(ja->a) ? fam : FAM_NONE;

		if (ja->deleted || (t->restored && action_norestored(ja->a)))
			continue;
		if (!(ja->state[f] & 1) && action_start_on_demand(ja->a))
			continue;	/* never started for this family */
		submit(j, i, "actionunban", fam, t, 0, false);
	}
}

/*
 * consistencyCheck: each action with an actioncheck, for each family it
 * is started for, is checked; a failure is repaired (restore()) and the
 * banned address b that asked for it banned again.  fail2ban counts an
 * action started for a family once it banned an address of it, besides
 * the family its actionstart ran for ('' unless started on demand).
 */
static void
consistency_check(struct jail *j, const struct ticket *b)
{
	size_t i;
	int fam;

	for (i = 0; i < j->nacts; i++) {
		struct jact *ja = &j->acts[i];

		for (fam = 0; fam < 3; fam++) {
			struct opctx c = { j, i, (char *)"actionban", fam, (struct ticket *)b,
			    ST_RUN, true };
			bool started = (ja->state[fam] & (1 | 4)) != 0;

			if (ja->deleted || !started || !action_has(ja->a, "actioncheck", fam_name(fam)))
				continue;
			followup(&c, "actioncheck", ST_CHECK);
		}
	}
}

/* Takes t (a ticket leaving the fail table). */
static void
ban(struct jail *j, struct ticket *t)
{
	struct ticket *old = NULL;
	char buf[ADDR_STRLEN];
	double now = clock_now();
	long long count = 0, tob = 0;
	/* the observer increases a new ban only; an address banned now is prolonged by bantime */
	bool incr = banlist_get(j->bl, &t->id) == NULL && increment(j, t, &count, &tob);

	t->epoch = j->ban_epoch;
	switch (banlist_add(j->bl, t, now, &old)) {
	case BAN_NEW:
		log_msg(LOG_LVL_NOTICE, LOG_ACTIONS, "[%s] %sBan %s", j->name,
		    t->restored ? "Restore " : "", addr_str(&t->id, buf, sizeof(buf)));
		if (incr)
			log_increment(j, t, count, tob);
		/*
		 * banFound writes it, unless the failure is no later than the last
		 * ban found there (a line read again: incrBanTime marks it restored)
		 * or the increased ban is already over ("Ignore old bantime")
		 */
		if (j->env.db && !t->restored && !(incr && t->time <= (double)tob) &&
		    !(incr && t->bantime >= 0 && t->time + (double)t->bantime < now))
			db_add_ban(j->env.db, j->name, t, t->bantime != TICKET_BANTIME_UNSET ?
			    t->bantime : banlist_bantime(j->bl));
		run_ban(j, t);
		schedule_unban(j);
		return;
	case BAN_ALREADY: {
		double dif = t->time - old->time;

		log_msg(dif < 3 ? LOG_LVL_DEBUG : dif < 60 ? LOG_LVL_NOTICE : LOG_LVL_WARNING,
		    LOG_ACTIONS, "[%s] %s already banned", j->name,
		    addr_str(&t->id, buf, sizeof(buf)));
		/* long after its ban: is the firewall still sane?  (at most every 3 s) */
		if (old->epoch == j->ban_epoch && dif > 3 && now > j->last_consistency + 3) {
			j->last_consistency = now;
			consistency_check(j, old);
		}
		/* banned before a repair: banned again by the repaired actions */
		if (old->epoch < j->ban_epoch)
			reban(j, old);
		schedule_unban(j);
		break;
	}
	case BAN_EXPIRED:
		log_msg(LOG_LVL_INFO, LOG_ACTIONS, "[%s] Ignore %s, expired bantime", j->name,
		    addr_str(&t->id, buf, sizeof(buf)));
		break;
	}
	ticket_free(t);
}

static void
unban(struct jail *j, struct ticket *t)
{
	char buf[ADDR_STRLEN];

	log_msg(LOG_LVL_NOTICE, LOG_ACTIONS, "[%s] Unban %s", j->name,
	    addr_str(&t->id, buf, sizeof(buf)));
	run_unban(j, t);
	ticket_free(t);
}

static void
on_unban_timer(void *arg)
{
	struct jail *j = arg;
	struct ticket *t;
	double now = clock_now();

	j->unban_timer = NULL;
	while ((t = banlist_pop_expired(j->bl, now)) != NULL)
		unban(j, t);
	schedule_unban(j);
}

static void
schedule_unban(struct jail *j)
{
	double end = banlist_next_end(j->bl), delay;

	loop_timer_cancel(j->env.loop, j->unban_timer);
	j->unban_timer = NULL;
	if (end < 0 || j->stopping)
		return;
	/* BanTicket.isTimedOut: now > end */
	delay = end - clock_now() + 0.001;
	j->unban_timer = loop_timer_add(j->env.loop, delay > 0 ? delay : 0, on_unban_timer, j);
}

/* ---- ignore checks -------------------------------------------------------------- */

/* This host's name, for getSelfIPs. */
static const char *
self_host(void)
{
	static char host[256];
	static bool got;

	if (!got) {
		if (gethostname(host, sizeof(host)) < 0)
			host[0] = '\0';
		host[sizeof(host) - 1] = '\0';
		got = true;
	}
	return host;
}

static struct addr *self;	/* DNSUtils.getSelfIPs, found once */
static size_t nself;

static bool
is_self(const struct addr *a)
{
	const char *names[3] = { "localhost", self_host(), NULL };
	size_t i, k;

	if (self == NULL) {
		for (k = 0; k < 2 && names[k] && *names[k]; k++) {
			const struct addr *ips;
			size_t nips = dns_to_ips(names[k], &ips, NULL), m;

			self = xrealloc(self, (nself + nips) * sizeof(*self));
			for (m = 0; m < nips; m++)
				addr_copy(&self[nself++], &ips[m]);
		}
		self = xrealloc(self, (nself + 2) * sizeof(*self));
		addr_parse(&self[nself++], "127.0.0.1", ADDR_CIDR_UNSPEC);
		addr_parse(&self[nself++], "::1", ADDR_CIDR_UNSPEC);
	}
	for (i = 0; i < nself; i++)
		if (addr_equal(a, &self[i]))
			return true;
	return false;
}

/* IPAddr.isInNet with a DNS name: one of its addresses (dnsToIp, cached) */
static bool
name_has(const char *name, const struct addr *a)
{
	const char *err;
	bool hit = dns_name_has(name, a, &err);

	if (err)
		log_msg(LOG_LVL_WARNING, DNS_LOGGER, DNS_FAILED, name, err);
	return hit;
}

/* The ignorecache key of t: its template with the ticket's tags. */
static void
info_key(struct jail *j, struct ticket *t, struct strbuf *out)
{
	struct info in = { j, t, fam_name(ticket_fam(t)) };
	struct action_cmd cmd;
	char *err = NULL;
	size_t i;

	if (!action_command(j->icache_cfg.key, "key", "", info_value, &in, &cmd, &err)) {
		free(err);
		return;
	}
	strbuf_adds(out, cmd.script);
	for (i = 0; i < cmd.nargs; i++) {
		strbuf_addc(out, '\x1f');
		strbuf_adds(out, cmd.args[i]);
	}
	action_cmd_free(&cmd);
}

/* ignorecache = key="<tags>", max-count=100, max-time=5m */
static int
set_ignorecache(struct jail *j, const char *v, char **err)
{
	char *name = NULL;
	struct dict *opts = NULL;
	const char *k, *mc, *mt;
	long long n = 100;
	double maxtime = 300;

	action_free(j->icache_cfg.key);
	j->icache_cfg.key = NULL;
	cache_free(j->icache_cfg.entries);
	j->icache_cfg.entries = NULL;
	if (*v == '\0')
		return 0;
	{
		/* fail2ban parses it as the options of "cache[...]" */
		char *spec = xasprintf("cache[%s]", v);
		int rc = optspec_parse(spec, &name, &opts, err);

		free(spec);
		if (rc < 0)
			return -1;
	}
	k = dict_get(opts, "key", NULL);
	mc = dict_get(opts, "max-count", NULL);
	mt = dict_get(opts, "max-time", NULL);
	if (k == NULL)
		*err = xasprintf("ignorecache %s: no key", v);
	else if (mc && config_parse_int(mc, &n) < 0)
		*err = xasprintf("invalid literal for int() with base 10: '%s'", mc);
	else if (mt && timestr_seconds(mt, &maxtime, NULL, err) < 0)
		maxtime = 0;
	if (*err == NULL) {
		j->icache_cfg.key = action_new("ignorecache");
		action_set(j->icache_cfg.key, "key", k);
		j->icache_cfg.maxcount = (long)n;
		j->icache_cfg.maxtime = maxtime;
		j->icache_cfg.entries = cache_new(n > 0 ? (size_t)n : 1, maxtime, NULL);
	}
	free(name);
	dict_free(opts);
	return *err ? -1 : 0;
}

static void info_key(struct jail *, struct ticket *, struct strbuf *);

enum { IGN_NO, IGN_YES, IGN_COMMAND };

/*
 * inIgnoreIPList: the answer kept by the ignorecache for t's key, else the
 * ignoreself rule, ignoreip (addresses, networks, names: looked up before,
 * see names_ready), and IGN_COMMAND when the ignorecommand must be asked
 * (ignore_answer() takes its answer).
 */
static int
ignore_check(struct jail *j, struct ticket *t)
{
	static const bool yes = true, no = false;	/* the cached answers */
	struct strbuf key = STRBUF_INIT;
	const char *how = NULL;
	const bool *e = NULL;
	char buf[ADDR_STRLEN];
	size_t i;

	if (j->icache_cfg.key != NULL) {
		info_key(j, t, &key);
		e = cache_get(j->icache_cfg.entries, strbuf_str(&key), clock_now());
		if (e != NULL) {
			strbuf_free(&key);
			return *e ? IGN_YES : IGN_NO;
		}
	}
	if (j->ignoreself && addr_valid(&t->id) && is_self(&t->id))
		how = "ignoreself rule";
	for (i = 0; how == NULL && i < j->nign; i++) {
		if (j->ign[i].name == NULL) {
			if (addr_valid(&t->id) && (addr_equal(&t->id, &j->ign[i].net) ||
			    addr_in_net(&t->id, &j->ign[i].net)))
				how = "ip";
		} else if (addr_valid(&t->id) && name_has(j->ign[i].name, &t->id))
			how = "dns";
		else if (!addr_valid(&t->id) && strcmp(j->ign[i].name,
		    addr_str(&t->id, buf, sizeof(buf))) == 0)
			how = "ip";
	}
	if (how)
		log_msg(LOG_LVL_INFO, LOG_FILTER, "[%s] Ignore %s by %s", j->name,
		    addr_str(&t->id, buf, sizeof(buf)), how);
	if (how == NULL && j->ignorecommand && *j->ignorecommand) {
		strbuf_free(&key);
		return IGN_COMMAND;
	}
	if (j->icache_cfg.key != NULL)
		cache_set(j->icache_cfg.entries, strbuf_str(&key), (void *)(how ? &yes : &no),
		    clock_now());
	strbuf_free(&key);
	return how ? IGN_YES : IGN_NO;
}

/* The ignorecommand's status for t: exit 0 ignores it, 1 does not, else an error. */
static bool
ignore_answer(struct jail *j, struct ticket *t, int status, const char *output)
{
	static const bool yes = true, no = false;
	bool ignore = status == 0;
	char buf[ADDR_STRLEN];

	if (status != 0 && status != 1) {
		if (output && *output)
			log_msg(LOG_LVL_ERROR, LOG_FILTER, "[%s] ignorecommand -- stderr: '%s'",
			    j->name, output);
		if (status == RUNNER_TIMEOUT)
			log_msg(LOG_LVL_ERROR, LOG_FILTER, "[%s] ignorecommand timed out", j->name);
		else
			log_msg(LOG_LVL_ERROR, LOG_FILTER, "[%s] ignorecommand failed with status %d",
			    j->name, status);
	}
	if (ignore)
		log_msg(LOG_LVL_INFO, LOG_FILTER, "[%s] Ignore %s by command", j->name,
		    addr_str(&t->id, buf, sizeof(buf)));
	if (j->icache_cfg.key != NULL) {
		struct strbuf key = STRBUF_INIT;

		info_key(j, t, &key);
		cache_set(j->icache_cfg.entries, strbuf_str(&key), (void *)(ignore ? &yes : &no),
		    clock_now());
		strbuf_free(&key);
	}
	return ignore;
}

/* ---- lines in ----------------------------------------------------------------------- */

/*
 * ObserverThread.failureFound (bantime.increment): a failure of an address
 * banned before counts more - (2^bancount)/2 + 1 attempts, at most
 * maxretry - unless it is no later than that ban (read again after a
 * restart).  add: the failure is still counted (it did not just reach
 * maxretry: then fail2ban's observer finds it banned and only logs).
 */
static void
observe_failure(struct jail *j, const struct ticket *t, bool add)
{
	long long count, tob, last;
	long maxretry = failmgr_maxretry(j->fm), r;
	double retry;
	bool is_int = false;
	char buf[ADDR_STRLEN], when[32], rtext[32];
	const char *ip;
	struct ticket *tb;

	if (!j->incr.on || j->env.db == NULL)
		return;
	ip = addr_str(&t->id, buf, sizeof(buf));
	if (!db_get_ban(j->env.db, ip, j->name, false, &count, &tob, &last))
		return;
	if (count < t->bancount)
		count = t->bancount;
	/* Python: (1 << n) / 2 + 1 is a float; min() with maxretry may give the int */
	retry = (double)(1LL << (count < 20 ? (count > 0 ? count : 0) : 20)) / 2 + 1;
	if ((double)maxretry < retry) {
		retry = (double)maxretry;
		is_int = true;
	}
	if (t->time <= (double)tob || retry <= 1)
		return;
	if (is_int)
		snprintf(rtext, sizeof(rtext), "%ld", maxretry);
	else
		snprintf(rtext, sizeof(rtext), "%.1f", retry);
	clock_str(t->time, when, sizeof(when));
	log_msg(LOG_LVL_INFO, LOG_OBSERVER, "[%s] Found %s, bad - %s, %lld # -> %s%s", j->name, ip,
	    when, count, rtext, retry >= (double)maxretry ? ", Ban" : "");
	if (!add)
		return;
	r = failmgr_add_observed(j->fm, &t->id, t->time, (long)retry - 1, (long)count);
	if (r >= maxretry && (tb = failmgr_toban(j->fm, &t->id)) != NULL)
		ban(j, tb);
}

/* A failure that is not ignored: counted, and banned at maxretry (takes t). */
static void
count(struct jail *j, struct ticket *t)
{
	struct ticket *tb;
	char buf[ADDR_STRLEN], when[32];
	long attempts;

	clock_str(t->time, when, sizeof(when));
	log_msg(LOG_LVL_INFO, LOG_FILTER, "[%s] Found %s - %s", j->name,
	    addr_str(&t->id, buf, sizeof(buf)), when);
	j->found_total++;
	attempts = failmgr_add(j->fm, &t->id, t->time, t->data, 1);
	t->data = NULL;
	/* the observer sees the database as it was before this ban */
	observe_failure(j, t, attempts < failmgr_maxretry(j->fm));
	if (attempts >= failmgr_maxretry(j->fm) &&
	    (tb = failmgr_toban(j->fm, &t->id)) != NULL)
		ban(j, tb);
	ticket_free(t);
}

/*
 * processLineAndAdd's "except": a line fail2ban's processLine raises on is
 * logged as fail2ban logs it and skipped - it is read, so its position is
 * saved past it and a restart does not read it again.  fail2ban then sleeps
 * and after 100 such lines sets the jail idle: here the jail goes on.  The
 * line is shown up to LINE_ERROR_SHOWN bytes.
 */
#define LINE_ERROR_SHOWN	1024

static void
line_error(const char *datetext, const char *line, size_t len, const char *exc)
{
	struct strbuf r = STRBUF_INIT;
	size_t shown = len > LINE_ERROR_SHOWN ? LINE_ERROR_SHOWN : len;

	/* a journal entry is the tuple ('', date, line) there */
	if (datetext) {
		strbuf_adds(&r, "('', ");
		pyval_repr_str(datetext, strlen(datetext), &r);
		strbuf_adds(&r, ", ");
	}
	while (shown < len && shown > 0 && ((unsigned char)line[shown] & 0xc0) == 0x80)
		shown--;
	pyval_repr_str(line, shown, &r);
	if (shown < len)
		strbuf_adds(&r, "...");
	if (datetext)
		strbuf_addc(&r, ')');
	log_msg(LOG_LVL_ERROR, LOG_FILTER, "Failed to process line: %s, caught exception: %s",
	    strbuf_str(&r), exc);
	strbuf_free(&r);
}

/* ---- failures in order ------------------------------------------------------------ */

/*
 * A failure (or a ban read back from the database) on its way in.  The
 * daemon has one loop, and some answers take long: a name to look up
 * (usedns, ignoreip names, ignoreself), the ignorecommand.  A failure that
 * waits for one waits off the loop, and those after it wait behind it:
 *
 *  - the jail's queue, all its failures in order: the head goes on once
 *    its name and the names ignoreip needs are looked up (dns_resolve), so
 *    a name the resolver takes seconds on holds up this jail only;
 *  - per address, while its ignorecommand runs (through the runner, never
 *    blocking): the address's later failures wait behind it, other
 *    addresses go on.
 *
 * And at most JAIL_TURN_WORK failures go on per loop turn, the rest in the
 * next turns: a burst of 100,000 failures does not hold the socket or the
 * other jails for seconds.
 */
#define JAIL_TURN_WORK	256

struct pend {
	struct jail	*j;
	struct pend	*next;
	struct ticket	*t;		/* NULL while host is looked up */
	char		*host;		/* usedns: the failure's name */
	double		 time;
	struct pyval	*data;
	struct addr	*ips;		/* host's addresses, once answered */
	size_t		 nips;
	char		*err;		/* the resolver's message, said when it goes on */
	bool		 answered;
	struct dns_req	*req;
};

/* An address whose ignorecommand runs: its failures, the first one asked about. */
struct held {
	struct jail	*j;
	char		*key;
	struct pend	*head, *tail;
	bool		 ready;		/* in j->in.ready: to go on next turn */
	struct held	*next_ready;
};

/* A name looked up for the ignore checks. */
struct namereq {
	struct jail	*j;
	char		*name;
	bool		 ignoreip;	/* its failure is said (as dnsToIp says it) */
	struct dns_req	*req;
};

static void drain(struct jail *);

static void
pend_free(struct pend *p)
{
	size_t i;

	if (p == NULL)
		return;
	dns_cancel(p->req);
	ticket_free(p->t);
	free(p->host);
	pyval_free(p->data);
	for (i = 0; i < p->nips; i++)
		addr_clear(&p->ips[i]);
	free(p->ips);
	free(p->err);
	free(p);
}

static void
held_free(void *v)
{
	struct held *h = v;

	while (h->head) {
		struct pend *p = h->head;

		h->head = p->next;
		pend_free(p);
	}
	free(h->key);
	free(h);
}

static void
namereq_free(void *v)
{
	struct namereq *n = v;

	dns_cancel(n->req);
	free(n->name);
	free(n);
}

/* Whether the budget of this loop turn has room; counts one more if so. */
static bool
budget(struct jail *j, bool take)
{
	unsigned long turn = loop_turn(j->env.loop);

	if (turn != j->in.turn) {
		j->in.turn = turn;
		j->in.used = 0;
	}
	if (j->in.used >= JAIL_TURN_WORK)
		return false;
	if (take)
		j->in.used++;
	return true;
}

static void
on_turn(void *arg)
{
	struct jail *j = arg;

	j->in.timer = NULL;
	drain(j);
}

/* The rest in a later turn (a timer added by a timer runs in the next turn). */
static void
next_turn(struct jail *j)
{
	if (j->in.timer == NULL)
		j->in.timer = loop_timer_add(j->env.loop, 0, on_turn, j);
}

/* Not ignored: counted (a ban read back: banned); takes p. */
static void
go_on(struct jail *j, struct pend *p)
{
	struct ticket *t = p->t;

	p->t = NULL;
	pend_free(p);
	if (t->restored)
		ban(j, t);
	else
		count(j, t);
}

static void on_ignorecommand(void *arg, int status, const char *output);
static void on_ignore_retry(void *arg, int err, unsigned attempt, double delay);

/*
 * Asks the ignorecommand about h's head (runner: its own process, answered
 * in a later turn); false when there is nothing to run (a tag missing:
 * not ignored, as before).
 */
static bool
ask_command(struct jail *j, struct held *h)
{
	struct info in = { j, h->head->t, fam_name(ticket_fam(h->head->t)) };
	struct action *a = action_new("ignorecommand");
	struct action_cmd cmd;
	char *err = NULL;

	action_set(a, "ignorecommand", j->ignorecommand);
	if (!action_command(a, "ignorecommand", "", info_value, &in, &cmd, &err)) {
		free(err);
		action_free(a);
		return false;
	}
	action_free(a);
	log_msg(LOG_LVL_DEBUG, LOG_FILTER, "[%s] ignore command: %s", j->name, cmd.script);
	if (j->in.runner == NULL) {
		j->in.runner = runner_new(j->env.loop);
		runner_on_retry(j->in.runner, on_ignore_retry);
	}
	/* fail2ban's executeCmd: 60 s */
	runner_submit(j->in.runner, &cmd, 60, h->key, on_ignorecommand, h);
	return true;
}

/*
 * h's failures in order until one must ask the ignorecommand (or this
 * turn's budget is spent: then in the next turn); h goes when empty.
 */
static void
held_go_on(struct jail *j, struct held *h)
{
	struct pend *p;

	while ((p = h->head) != NULL) {
		if (!budget(j, true)) {
			if (!h->ready) {
				h->ready = true;
				h->next_ready = j->in.ready;
				j->in.ready = h;
			}
			next_turn(j);
			return;
		}
		switch (ignore_check(j, p->t)) {
		case IGN_COMMAND:
			if (ask_command(j, h))
				return;
			h->head = p->next;
			go_on(j, p);
			break;
		case IGN_YES:
			h->head = p->next;
			pend_free(p);
			break;
		default:
			h->head = p->next;
			go_on(j, p);
		}
	}
	dict_del(j->in.held, h->key);	/* frees h */
}

static void
on_ignorecommand(void *arg, int status, const char *output)
{
	struct held *h = arg;
	struct jail *j = h->j;
	struct pend *p = h->head;

	h->head = p->next;
	if (ignore_answer(j, p->t, status, output))
		pend_free(p);
	else
		go_on(j, p);
	held_go_on(j, h);
}

static void
on_ignore_retry(void *arg, int err, unsigned attempt, double delay)
{
	struct held *h = arg;

	log_msg(LOG_LVL_ERROR, LOG_FILTER, "[%s] ignorecommand for %s -- failed with [Errno %d] "
	    "%s; trying again in %g s (attempt %u)", h->j->name, h->key, err, strerror(err),
	    delay, attempt);
}

/* t (in p) past the ignore checks, or waiting for its address's command. */
static void
admit(struct jail *j, struct pend *p)
{
	char key[ADDR_STRLEN];
	struct held *h;

	addr_str(&p->t->id, key, sizeof(key));
	if ((h = dict_get(j->in.held, key, NULL)) != NULL) {
		p->next = NULL;		/* behind the one asked about */
		h->tail->next = p;
		h->tail = p;
		return;
	}
	switch (ignore_check(j, p->t)) {
	case IGN_YES:
		pend_free(p);
		return;
	case IGN_NO:
		go_on(j, p);
		return;
	}
	h = xcalloc(1, sizeof(*h));
	h->j = j;
	h->key = xstrdup(key);
	p->next = NULL;
	h->head = h->tail = p;
	dict_set(j->in.held, key, h);
	if (!ask_command(j, h)) {
		h->head = h->tail = NULL;
		dict_del(j->in.held, key);
		go_on(j, p);
	}
}

static void
on_name(void *arg, const struct addr *ips, size_t n, const char *err)
{
	struct namereq *nr = arg;
	struct jail *j = nr->j;

	(void)ips;
	(void)n;
	nr->req = NULL;
	if (err && nr->ignoreip)
		log_msg(LOG_LVL_WARNING, DNS_LOGGER, DNS_FAILED, nr->name, err);
	dict_del(j->in.names, nr->name);	/* frees nr */
	drain(j);
}

/* Whether name is in the DNS cache; if not, its lookup is started. */
static bool
name_known(struct jail *j, const char *name, bool ignoreip)
{
	struct namereq *nr;

	if (*name == '\0' || dns_cached(name))
		return true;
	if (dict_has(j->in.names, name))
		return false;	/* under way */
	nr = xcalloc(1, sizeof(*nr));
	nr->j = j;
	nr->name = xstrdup(name);
	nr->ignoreip = ignoreip;
	if ((nr->req = dns_resolve(j->env.loop, name, j, on_name, nr)) == NULL) {
		namereq_free(nr);
		return true;	/* no resolver off the loop: looked up when used */
	}
	dict_set(j->in.names, name, nr);
	return false;
}

/*
 * Whether the ignore checks of a failure (p; NULL: any) can run without
 * looking a name up now; the lookups it needs are started.
 */
static bool
names_ready(struct jail *j, const struct pend *p)
{
	bool ready = true;
	size_t i;

	if (p && p->t && !addr_valid(&p->t->id))
		return true;	/* compared as text */
	if (j->ignoreself && self == NULL) {
		ready &= name_known(j, "localhost", false);
		ready &= name_known(j, self_host(), false);
	}
	for (i = 0; i < j->nign; i++)
		if (j->ign[i].name)
			ready &= name_known(j, j->ign[i].name, true);
	return ready;
}

/* p's host's addresses, as dnsToIp gave them. */
static void
answer(struct pend *p, const struct addr *ips, size_t n, const char *err)
{
	size_t i;

	p->req = NULL;
	p->answered = true;
	p->ips = n ? xcalloc(n, sizeof(*p->ips)) : NULL;
	for (i = 0; i < n; i++)
		addr_copy(&p->ips[i], &ips[i]);
	p->nips = n;
	p->err = err ? xstrdup(err) : NULL;
}

static void
on_host(void *arg, const struct addr *ips, size_t n, const char *err)
{
	struct pend *p = arg;

	answer(p, ips, n, err);
	drain(p->j);
}

/* A failure with a host name: one failure per address (textToIp). */
static void
expand(struct jail *j, struct pend *p)
{
	size_t i;

	if (p->err)
		log_msg(LOG_LVL_WARNING, DNS_LOGGER, DNS_FAILED, p->host, p->err);
	if (p->nips && strcmp(filter_usedns(j->filter), "warn") == 0) {
		char abuf[ADDR_STRLEN];

		log_msg(LOG_LVL_WARNING, LOG_FILTER, "Determined IP using DNS Lookup: %s = %s",
		    p->host, addr_str(&p->ips[0], abuf, sizeof(abuf)));
	}
	for (i = 0; i < p->nips; i++) {
		struct pend *q = xcalloc(1, sizeof(*q));

		q->j = j;
		q->t = ticket_new(&p->ips[i], p->time, pyval_copy(p->data));
		admit(j, q);
	}
	pend_free(p);
}

/*
 * The jail's waiting failures, in order, as far as their answers are there
 * and this turn's budget goes.
 */
static void
drain(struct jail *j)
{
	struct pend *p;
	struct held *h;

	if (j->in.draining)
		return;		/* the outer call goes on */
	j->in.draining = true;
	while ((h = j->in.ready) != NULL && budget(j, false)) {
		j->in.ready = h->next_ready;
		h->ready = false;
		held_go_on(j, h);
	}
	while ((p = j->in.head) != NULL) {
		if ((p->host && !p->answered) || !names_ready(j, p))
			break;	/* its answer comes with a drain() */
		if (!budget(j, true)) {
			next_turn(j);
			break;
		}
		if ((j->in.head = p->next) == NULL)
			j->in.tail = NULL;
		if (p->host)
			expand(j, p);
		else
			admit(j, p);
	}
	j->in.draining = false;
}

/* Queues t (taken) or host's failure, then lets what can go on go on. */
static void
enqueue(struct jail *j, struct ticket *t, const char *host, double time, struct pyval *data)
{
	struct pend *p = xcalloc(1, sizeof(*p));

	p->j = j;
	p->t = t;
	if (host) {
		p->host = xstrdup(host);
		p->time = time;
		p->data = data;
		if (dns_cached(host)) {
			const struct addr *ips;
			size_t n = dns_to_ips(host, &ips, NULL);

			answer(p, ips, n, NULL);
		} else if ((p->req = dns_resolve(j->env.loop, host, j, on_host, p)) == NULL) {
			const struct addr *ips;
			const char *err;
			size_t n = dns_to_ips(host, &ips, &err);

			answer(p, ips, n, err);	/* no resolver off the loop */
		}
	}
	if (j->in.tail)
		j->in.tail->next = p;
	else
		j->in.head = p;
	j->in.tail = p;
	drain(j);
}

static void
failure(struct jail *j, struct filter_failure *ff)
{
	double now = clock_now(), time = ff->has_time ? ff->time.secs : now;

	if (time > now)
		time = now;
	if (ff->host)
		enqueue(j, NULL, ff->host, time, ff->data);
	else
		enqueue(j, ticket_new(&ff->id, time, ff->data), NULL, 0, NULL);
	ff->data = NULL;
}

/* Whether failures are waiting (queued or behind an ignorecommand). */
static bool
pending(const struct jail *j)
{
	return j->in.head != NULL || dict_len(j->in.held) > 0;
}

/* Stopped: the failures still waiting go (fail2ban's filter thread stops too). */
static void
drop_pending(struct jail *j)
{
	struct pend *p;

	runner_free(j->in.runner);	/* its commands killed, no callback */
	j->in.runner = NULL;
	while ((p = j->in.head) != NULL) {
		j->in.head = p->next;
		pend_free(p);
	}
	j->in.tail = NULL;
	j->in.ready = NULL;
	dict_free(j->in.held);
	dict_free(j->in.names);
	j->in.held = dict_new(held_free);
	j->in.names = dict_new(namereq_free);
	loop_timer_cancel(j->env.loop, j->in.timer);
	j->in.timer = NULL;
}

void
jail_feed(struct jail *j, const char *line, size_t len)
{
	struct filter_failure *ff = NULL;
	size_t n = 0, cap = 0, i;

	struct filter_linestat st;

	if (j->idle)
		return;
	j->lines++;
	if (j->recode) {
		if (!recode_line(j->recode, line, len, &j->recoded) && !j->warned_encoding) {
			j->warned_encoding = true;
			log_msg(LOG_LVL_WARNING, LOG_FILTER, "[%s] Error decoding line with '%s' "
			    "(bytes replaced; said once)", j->name, j->logencoding);
		}
		line = j->recoded.s ? j->recoded.s : "";
		len = j->recoded.len;
	}
	filter_process_line(j->filter, line, len, &ff, &n, &cap, &st);
	if (st.bad_utf8 && !j->recode && !j->warned_encoding) {
		j->warned_encoding = true;
		log_msg(LOG_LVL_WARNING, LOG_FILTER, "[%s] Error decoding line with 'UTF-8': "
		    "invalid bytes replaced (said once; set logencoding if the log is in "
		    "another encoding)", j->name);
	}
	if (st.limit_hits || st.truncated) {
		double now = clock_real();

		j->limit_hits += st.limit_hits;
		j->cut_lines += st.truncated;
		if (now >= j->next_hazard_log) {
			/* said once a minute at most: a flood must not flood the log */
			j->next_hazard_log = now + 60;
			log_msg(LOG_LVL_WARNING, LOG_FILTER, "[%s] %lu regex search(es) stopped by "
			    "the match limit (counted as no match) and %lu line(s) over %d bytes "
			    "cut for matching so far; `f2b-lite regex` names the regexes",
			    j->name, j->limit_hits, j->cut_lines, FILTER_LINE_MAX);
		}
	}
	if (st.error)
		line_error(NULL, line, len, st.error);
	for (i = 0; i < n; i++)
		if (ff[i].has_id || ff[i].host)
			failure(j, &ff[i]);
	filter_failures_free(ff, n);
}

static void follow(struct jail *, struct jlog *);
static void restore_bans(struct jail *);

static void
on_line(void *arg, const char *line, size_t len)
{
	struct jail *j = arg;

	if (j->started && !j->stopping)
		jail_feed(j, line, len);
}

/* The log files not opened for want of descriptors, said once for a batch of them. */
static void
report_nofd(void *arg)
{
	struct jail *j = arg;

	j->nofd_timer = NULL;
	log_msg(LOG_LVL_ERROR, LOG_FILTER, "[%s] %zu log file(s) not followed (%s%s): too few "
	    "file descriptors left under the open files limit (%lld; %d are kept for the "
	    "control socket, the database and actions); raise it (LimitNOFILE= in the unit, "
	    "ulimit -n) - they are tried again every %d s", j->name, j->nofd,
	    j->nofd_first, j->nofd > 1 ? ", ..." : "", j->nofd_limit,
	    j->nofd_limit / 4 < TAIL_FD_RESERVE ? (int)(j->nofd_limit / 4) : TAIL_FD_RESERVE, 5);
	j->nofd = 0;
	free(j->nofd_first);
	j->nofd_first = NULL;
}

static void
on_tail_event(void *arg, enum tail_event e, const char *path, long long detail)
{
	struct jail *j = arg;

	switch (e) {
	case TAIL_OPENED:
		log_msg(LOG_LVL_DEBUG, LOG_FILTER, "[%s] Opened %s at %lld", j->name, path,
		    detail);
		break;
	case TAIL_ROTATED:
	case TAIL_TRUNCATED:
		log_msg(LOG_LVL_MSG, LOG_FILTER, "Log rotation detected for %s", path);
		break;
	case TAIL_ABSENT:
		log_msg(LOG_LVL_MSG, LOG_FILTER, "Log absence detected (possibly rotation) for %s",
		    path);
		break;
	case TAIL_PRESENT:
		log_msg(LOG_LVL_MSG, LOG_FILTER, "Log presence detected for file %s", path);
		break;
	case TAIL_MISSING:
		if (detail)	/* the file it followed went away and stays away */
			log_msg(LOG_LVL_ERROR, LOG_FILTER, "[%s] Unable to open %s (it does not "
			    "exist; waiting for it)", j->name, path);
		else		/* not there yet: the jail runs, and follows it once it is */
			log_msg(LOG_LVL_WARNING, LOG_FILTER, "[%s] Log file %s does not exist "
			    "(yet): waiting for it, followed once it appears", j->name, path);
		break;
	case TAIL_ERROR:
		log_msg(LOG_LVL_ERROR, LOG_FILTER, "[%s] Unable to open %s: %s", j->name, path,
		    strerror((int)detail));
		break;
	case TAIL_NOTREG:
		log_msg(LOG_LVL_ERROR, LOG_FILTER, "[%s] Not following %s: it is %s, not a regular "
		    "file (skipped until it is one)", j->name, path, tail_kind(detail));
		break;
	case TAIL_NOFD:
		if (j->nofd++ == 0)
			j->nofd_first = xstrdup(path);
		j->nofd_limit = detail;
		if (j->nofd_timer == NULL)	/* a second to count the others */
			j->nofd_timer = loop_timer_add(j->env.loop, 1.0, report_nofd, j);
		break;
	case TAIL_LEFT:
		log_msg(LOG_LVL_DEBUG, LOG_FILTER, "[%s] Stopped following the file rotated away "
		    "from %s (%lld bytes read from it after the rotation)", j->name, path, detail);
		break;
	}
}

/* Files that match a logpath glob now and were not there at the start. */
static void
rescan_globs(struct jail *j)
{
	struct dict *have = dict_new(NULL);	/* the jail's logs: thousands, every 5 s */
	size_t i, k;

	for (i = 0; i < j->nlogs; i++)
		dict_set(have, j->logs[i].path, NULL);
	for (i = 0; i < pyval_len(j->globs); i++) {
		const struct pyval *g = pyval_at(j->globs, i);
		glob_t gl;

		if (glob(pyval_as_str(pyval_at(g, 0)), GLOB_NOSORT, NULL, &gl) != 0)
			continue;
		for (k = 0; k < gl.gl_pathc; k++) {
			struct jlog *lg;

			/* a file this server reads, or read until it was rotated to this name */
			if (dict_has(have, gl.gl_pathv[k]) || tail_seen(gl.gl_pathv[k]))
				continue;
			dict_set(have, gl.gl_pathv[k], NULL);
			j->logs = xrealloc(j->logs, (j->nlogs + 1) * sizeof(*j->logs));
			lg = &j->logs[j->nlogs++];
			memset(lg, 0, sizeof(*lg));
			lg->path = xstrdup(gl.gl_pathv[k]);
			lg->start = TAIL_HEAD;	/* a new file: all of it is new */
			lg->dbpos = lg->saved = -1;
			log_msg(LOG_LVL_INFO, LOG_FILTER, "[%s] Added logfile: '%s' (new file "
			    "matching %s)", j->name, lg->path, pyval_as_str(pyval_at(g, 0)));
			follow(j, lg);
		}
		globfree(&gl);
	}
	dict_free(have);
}

static void
on_service(void *arg)
{
	struct jail *j = arg;

	j->svc_timer = loop_timer_add(j->env.loop, 1.0, on_service, j);
	failmgr_cleanup(j->fm, clock_now());
	jail_save_positions(j);
	if (j->globs && clock_real() >= j->next_glob) {
		j->next_glob = clock_real() + 5;
		rescan_globs(j);
	}
	/* after the first pass over the logs, new lines are "in operation" */
	filter_set_in_operation(j->filter, true);
}

static void
follow(struct jail *j, struct jlog *lg)
{
	bool polling = strncmp(j->backend, "polling", 7) == 0;

	if (lg->dbpos > 0)
		lg->t = tail_follow_at(j->env.loop, lg->path, polling, lg->dbpos, on_line,
		    on_tail_event, j);
	else
		lg->t = tail_follow(j->env.loop, lg->path, polling, lg->start, on_line,
		    on_tail_event, j);
}

void
jail_save_positions(struct jail *j)
{
	size_t i;

	/*
	 * Failures read but still waiting (for a name, an ignorecommand, the
	 * next turn) hold the positions where they were: a crash or a stop
	 * then reads them again rather than losing them.
	 */
	if (j->env.db == NULL || pending(j))
		return;
	if (j->journal && j->jiso && j->jtime != j->jsaved) {
		db_update_journal(j->env.db, j->name, j->jtime, j->jiso);
		j->jsaved = j->jtime;
	}
	for (i = 0; i < j->nlogs; i++) {
		struct jlog *lg = &j->logs[i];
		const char *hash;
		long long pos;

		/* the file under the path now (its hash kept with it; none open: nothing) */
		if (lg->t == NULL || (hash = tail_hash(lg->t)) == NULL)
			continue;
		pos = (long long)tail_pos(lg->t);
		if (pos == lg->saved && strcmp(hash, lg->saved_hash) == 0)
			continue;
		db_update_log(j->env.db, j->name, lg->path, *hash ? hash : NULL, pos);
		lg->saved = pos;
		memcpy(lg->saved_hash, hash, sizeof(lg->saved_hash));
	}
}

/* restoreCurrentBans: the bans still running in the database come back. */
static void
restore_bans(struct jail *j)
{
	struct ticket **v = NULL;
	long long bt = banlist_bantime(j->bl);
	size_t n, i;
	double now = clock_now();

	if (j->env.db == NULL)
		return;
	/*
	 * restoreCurrentBans: with bantime.increment a ban may have been longer
	 * than the jail's bantime - any age, capped at maxtime (if set) only
	 */
	n = db_current_bans(j->env.db, j->name, now, j->incr.on ? -1 : bt,
	    !j->incr.on ? bt : j->incr.maxtime >= 0 ? (long long)j->incr.maxtime : -1,
	    failmgr_maxmatches(j->fm), bt, &v);
	for (i = 0; i < n; i++)
		enqueue(j, v[i], NULL, 0, NULL);	/* through the ignore checks */
	free(v);
}

/* ---- bantime.increment ------------------------------------------------------------------ */

/* setBanTimeExtra: each option parsed and checked now. */
static int
set_increment(struct jail *j, const char *opt, const char *v, char **err)
{
	double d;

	if (strcmp(opt, "increment") == 0)
		j->incr.on = *v && config_parse_bool(v);
	else if (strcmp(opt, "overalljails") == 0)
		j->incr.overall = *v && config_parse_bool(v);
	else if (strcmp(opt, "maxtime") == 0 || strcmp(opt, "rndtime") == 0) {
		if (*v == '\0')
			d = -1;
		else if (set_time(j, opt[0] == 'm' ? "bantime.maxtime" : "bantime.rndtime", v, &d,
		    err) < 0)
			return -1;
		*(opt[0] == 'm' ? &j->incr.maxtime : &j->incr.rndtime) = d;
	} else if (strcmp(opt, "factor") == 0) {
		struct expr *e;
		struct expr_vars none = { 0, 0, 1 };
		char *e2 = NULL;

		if (*v == '\0') {
			j->incr.factor = 1;
			return 0;
		}
		if ((e = expr_parse(v, &e2)) == NULL || expr_eval(e, &none, &d, &e2) < 0) {
			*err = xasprintf("bantime.factor '%s': %s", v, e2);
			free(e2);
			expr_free(e);
			return -1;
		}
		expr_free(e);
		j->incr.factor = d;
	} else if (strcmp(opt, "formula") == 0) {
		struct expr *e = NULL;
		char *e2 = NULL;

		if (*v && (e = expr_parse(v, &e2)) == NULL) {
			*err = xasprintf("bantime.formula '%s': %s", v, e2);
			free(e2);
			return -1;
		}
		expr_free(j->incr.formula);
		j->incr.formula = e;
	} else if (strcmp(opt, "multipliers") == 0) {
		const char *p = v;

		free(j->incr.mult);
		j->incr.mult = NULL;
		j->incr.nmult = 0;
		/* [int(i) for i in value.split(' ')]: one space between, past 64 bits saturated */
		while (*v) {
			size_t n = strcspn(p, " ");
			long long m;

			if (pyint_ll(p, n, PYINT_STR, &m, NULL, err) < 0)
				return -1;
			j->incr.mult = xrealloc(j->incr.mult, (j->incr.nmult + 1) *
			    sizeof(*j->incr.mult));
			j->incr.mult[j->incr.nmult++] = m;
			if (p[n] == '\0')
				break;
			p += n + 1;
		}
	}
	/* any other bantime.X is kept (and answered) as fail2ban keeps it, unused */
	return 0;
}

/* The evformula of fail2ban's jail for a ban time and a count. */
static double
increased(struct jail *j, double btime, double count)
{
	double r;

	if (j->incr.nmult) {
		size_t i = count < (double)j->incr.nmult ? (size_t)count : j->incr.nmult - 1;

		r = btime * j->incr.factor * (double)j->incr.mult[i];
	} else if (j->incr.formula) {
		struct expr_vars v = { btime, count, j->incr.factor };
		char *err = NULL;

		if (expr_eval(j->incr.formula, &v, &r, &err) < 0) {
			log_msg(LOG_LVL_ERROR, LOG_ACTIONS, "[%s] bantime.formula: %s", j->name, err);
			free(err);
			r = btime;
		}
		r = r > btime ? r : btime;
	} else {
		/* ban.Time * (1<<(ban.Count if ban.Count<20 else 20)) * banFactor */
		r = btime * (double)(1LL << (count < 0 ? 0 : count < 20 ? (int)count : 20)) *
		    j->incr.factor;
		r = r > btime ? r : btime;
	}
	if (j->incr.maxtime >= 0 && r > j->incr.maxtime)
		r = j->incr.maxtime;
	if (j->incr.rndtime >= 0)
		r += drand48() * j->incr.rndtime;
	/* a formula or factor may reach any double: a ban time is a time */
	return isnan(r) ? btime : timestr_clamp(r, NULL);
}

/*
 * ObserverThread.incrBanTime for a new ban, before it enters the ban list:
 * the ban count and bantime from the database's history.
 */
static bool
increment(struct jail *j, struct ticket *t, long long *count, long long *tob)
{
	long long last, btime = banlist_bantime(j->bl);
	char buf[ADDR_STRLEN];
	const char *ip;

	if (!j->incr.on || j->env.db == NULL || t->restored ||
	    t->bantime != TICKET_BANTIME_UNSET || btime <= 0)
		return false;
	ip = addr_str(&t->id, buf, sizeof(buf));
	if (!db_get_ban(j->env.db, ip, j->name, j->incr.overall, count, tob, &last))
		return false;
	if (*count >= t->bancount + 1)
		t->bancount = (long)*count;	/* the ban list adds one */
	t->bantime = (long long)(*count > 0 ? increased(j, (double)btime, (double)*count) :
	    (double)btime);
	return true;
}

/* Its messages, after the "Ban" line as the observer logs them. */
static void
log_increment(struct jail *j, struct ticket *t, long long count, long long tob)
{
	long long btime = banlist_bantime(j->bl);
	char buf[ADDR_STRLEN], when[32], from[32], to[32];
	const char *ip = addr_str(&t->id, buf, sizeof(buf));

	if (t->time > (double)tob) {
		clock_str((double)tob, when, sizeof(when));
		timestr_format((double)btime, from, sizeof(from));
		timestr_format((double)t->bantime, to, sizeof(to));
		log_msg(LOG_LVL_INFO, LOG_OBSERVER, "[%s] IP %s is bad: %lld # last %s - incr %s to %s",
		    j->name, ip, count, when, from, to);
	}
	if (t->bantime != btime) {
		timestr_format((double)t->bantime, from, sizeof(from));
		clock_str(t->time + (double)t->bantime, to, sizeof(to));
		log_msg(LOG_LVL_NOTICE, LOG_OBSERVER, "[%s] Increase Ban %s (%ld # %s -> %s)",
		    j->name, ip, t->bancount, from, to);
	}
}

/* A new filter with the recorded settings (after delfailregex...). */
static int
rebuild_filter(struct jail *j, char **err)
{
	struct filter *f = filter_new(), *old = j->filter;
	size_t i;
	int rc = 0;

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

/* ---- the journal ----------------------------------------------------------------------- */

static void
on_journal_entry(void *arg, const struct journal_entry *e)
{
	struct jail *j = arg;
	struct filter_failure *ff = NULL;
	struct filter_linestat st;
	struct datedet_time time = { e->time, false };
	size_t n = 0, cap = 0, i;

	if (!j->started || j->stopping || j->idle)
		return;
	j->lines++;
	j->jtime = e->time;
	free(j->jiso);
	j->jiso = xstrdup(e->datetext);
	filter_process_dated(j->filter, e->datetext, e->line, e->len, &time, &ff, &n, &cap, &st);
	if (st.error)
		line_error(e->datetext, e->line, e->len, st.error);
	for (i = 0; i < n; i++)
		if (ff[i].has_id || ff[i].host)
			failure(j, &ff[i]);
	filter_failures_free(ff, n);
}

static void
on_journal_event(void *arg, enum journal_event e, const char *msg)
{
	struct jail *j = arg;

	switch (e) {
	case JOURNAL_LIVE:
		filter_set_in_operation(j->filter, true);
		log_msg(LOG_LVL_INFO, LOG_FILTER, "[%s] Jail is in operation now (process new "
		    "journal entries)", j->name);
		break;
	case JOURNAL_REOPENED:
		log_msg(LOG_LVL_DEBUG, LOG_FILTER, "[%s] %s", j->name, msg ? msg : "journal reopened");
		break;
	case JOURNAL_ERROR:
		log_msg(LOG_LVL_ERROR, LOG_FILTER, "[%s] %s", j->name, msg ? msg : "journal error");
		break;
	}
}

/* backend = systemd[journalpath=..., journalfiles=..., journalflags=..., namespace=...] */
static int
start_journal(struct jail *j, char **err)
{
	struct journal_opts o;
	struct dict *args = NULL;
	char *name = NULL, **words = NULL;
	size_t nw = 0, i, k;
	const char *fl;
	double since = clock_now() - failmgr_findtime(j->fm), pos;
	int rc = 0;

	memset(&o, 0, sizeof(o));
	o.flags = JOURNAL_FLAGS_DEFAULT;
	if (optspec_parse(j->backend, &name, &args, err) < 0)
		return -1;
	o.path = dict_get(args, "journalpath", NULL);
	o.files = dict_get(args, "journalfiles", NULL);
	o.namespace = dict_get(args, "namespace", NULL);
	if ((fl = dict_get(args, "journalflags", NULL)) != NULL) {
		long long f;

		if (config_parse_int(fl, &f) < 0) {
			*err = xasprintf("invalid literal for int() with base 10: '%s'", fl);
			rc = -1;
			goto out;
		}
		o.flags = (int)f;
	}
	/* every journalmatch value is OR'ed: "+" between them */
	for (i = 0; j->journalmatch && i < pyval_len(j->journalmatch); i++) {
		const struct pyval *m = pyval_at(j->journalmatch, i);

		if (i) {
			words = xrealloc(words, (nw + 1) * sizeof(*words));
			words[nw++] = xstrdup("+");
		}
		for (k = 0; k < pyval_len(m); k++) {
			struct strbuf sb = STRBUF_INIT;

			char *s;

			pyval_to_text(pyval_at(m, k), &sb);
			s = strbuf_detach(&sb);
			words = xrealloc(words, (nw + 1) * sizeof(*words));
			words[nw++] = s ? s : xstrdup("");
		}
	}
	if (nw == 0)
		log_msg(LOG_LVL_NOTICE, LOG_FILTER, "[%s] Jail started without 'journalmatch' set. "
		    "Jail regexs will be checked against all journal entries, which is not "
		    "advised for performance reasons.", j->name);
	o.match = (const char *const *)words;
	o.nmatch = nw;
	if (j->env.db && (pos = db_journal_pos(j->env.db, j->name)) > since)
		since = pos;
	if (j->jtime > since)
		since = j->jtime;	/* opened again (new matches): from the last entry */
	o.since = since;
	filter_set_in_operation(j->filter, false);
	if ((j->journal = journal_open(j->env.loop, &o, on_journal_entry, on_journal_event, j,
	    err)) == NULL)
		rc = -1;
out:
	for (i = 0; i < nw; i++)
		free(words[i]);
	free(words);
	free(name);
	dict_free(args);
	return rc;
}

/* ---- configuration: set / get ---------------------------------------------------------- */

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
static int
set_time(const struct jail *j, const char *opt, const char *v, double *out, char **err)
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
	/* past what f2b-lite keeps: the saturated value set_time() applied */
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
		return pyval_bool(config_parse_bool(v));
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

struct pyval *
jail_set(struct jail *j, const char *opt, const struct pyval *args, char **err)
{
	struct strbuf tmp = STRBUF_INIT, tmp2 = STRBUF_INIT;
	const char *v = arg_str(args, 0, &tmp);
	struct pyval *ret = NULL;
	double d;
	size_t i;

	*err = NULL;
	if (strcmp(opt, "addfailregex") == 0 || strcmp(opt, "addignoreregex") == 0) {
		int rc = opt[3] == 'f' ? filter_add_failregex(j->filter, v, err) :
		    filter_add_ignoreregex(j->filter, v, err);

		if (rc == 0) {
			pyval_append(opt[3] == 'f' ? j->fc.fail : j->fc.ign, pyval_str(v));
			ret = jail_get(j, opt + 3, NULL, err);
		}
	} else if (strcmp(opt, "prefregex") == 0) {
		if (filter_set_prefregex(j->filter, v, err) == 0) {
			free(j->fc.prefregex);
			j->fc.prefregex = xstrdup(v);
			ret = jail_get(j, opt, NULL, err);
		}
	} else if (strcmp(opt, "datepattern") == 0) {
		if (filter_set_datepattern(j->filter, v, err) == 0) {
			free(j->fc.datepattern);
			j->fc.datepattern = xstrdup(v);
			j->fc.datepattern_set = true;
			ret = jail_get(j, opt, NULL, err);
		}
	} else if (strcmp(opt, "logtimezone") == 0) {
		if (filter_set_logtimezone(j->filter, v, err) == 0) {
			free(j->fc.logtimezone);
			j->fc.logtimezone = xstrdup(v);
			ret = pyval_str(v);
		}
	} else if (strcmp(opt, "usedns") == 0) {
		if (filter_set_usedns(j->filter, v, err) == 0) {
			free(j->fc.usedns);
			j->fc.usedns = xstrdup(filter_usedns(j->filter));
			ret = pyval_str(filter_usedns(j->filter));	/* 'no' for a bad value */
		}
	} else if (strcmp(opt, "maxlines") == 0) {
		long long n;
		int rc;

		if ((rc = config_parse_int(v, &n)) < 0)
			*err = xasprintf("invalid literal for int() with base 10: '%s'", v);
		else if (filter_set_maxlines(j->filter, (long)n, err) == 0) {
			if (rc > 0)
				saturated(j, opt, v, "integer");
			j->fc.maxlines = (long)n;
			log_msg(LOG_LVL_INFO, LOG_FILTER, "  maxLines: %lld", n);
			ret = pyval_int(n);
		}
	} else if (strcmp(opt, "maxretry") == 0 || strcmp(opt, "maxmatches") == 0) {
		long long n;
		int rc;

		if ((rc = config_parse_int(v, &n)) < 0)
			*err = xasprintf("invalid literal for int() with base 10: '%s'", v);
		else {
			if (rc > 0)
				saturated(j, opt, v, "integer");
			if (opt[3] == 'r') {
				failmgr_set_maxretry(j->fm, (long)n);
				log_msg(LOG_LVL_INFO, LOG_FILTER, "  maxRetry: %lld", n);
			} else
				failmgr_set_maxmatches(j->fm, (long)n);
			ret = pyval_int(n);
		}
	} else if (strcmp(opt, "findtime") == 0) {
		if (set_time(j, opt, v, &d, err) == 0) {
			failmgr_set_findtime(j->fm, d);
			filter_set_findtime(j->filter, d);
			log_time(LOG_FILTER, "  findtime: ", v);
			dict_set(j->extra, "findtime", xstrdup(v));	/* its type, for get */
			ret = time_value(v);
		}
	} else if (strcmp(opt, "bantime") == 0) {
		if (set_time(j, opt, v, &d, err) == 0) {
			banlist_set_bantime(j->bl, (long long)d);
			if (j->started)
				schedule_unban(j);	/* the bans end at their new time */
			log_time(LOG_ACTIONS, "  banTime: ", v);
			dict_set(j->extra, "bantime", xstrdup(v));
			ret = time_value(v);
		}
	} else if (strcmp(opt, "ignoreself") == 0) {
		j->ignoreself = config_parse_bool(v);
		ret = pyval_bool(j->ignoreself);
	} else if (strcmp(opt, "addignoreip") == 0) {
		for (i = 0; i < pyval_len(args); i++)
			add_ignoreip(j, arg_str(args, i, &tmp2));
		ret = ignore_list(j);
	} else if (strcmp(opt, "ignorecommand") == 0) {
		free(j->ignorecommand);
		j->ignorecommand = xstrdup(v);
		ret = pyval_str(v);
	} else if (strcmp(opt, "ignorecache") == 0) {
		if (set_ignorecache(j, v, err) < 0)
			goto out;
		free(j->ignorecache);
		j->ignorecache = xstrdup(v);
		ret = pyval_str(v);
	} else if (strcmp(opt, "logencoding") == 0) {
		struct recode *rc = recode_new(v, err);

		if (*err == NULL) {
			recode_free(j->recode);
			j->recode = rc;
			free(j->logencoding);
			j->logencoding = xstrdup(v);
			ret = pyval_str(strcasecmp(v, "auto") == 0 ? recode_preferred() : v);
			log_msg(LOG_LVL_INFO, LOG_FILTER, "  encoding: %s", pyval_as_str(ret));
		}
	} else if (strcmp(opt, "addlogpath") == 0) {
		const char *mode = arg_str(args, 1, &tmp2);

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
				follow(j, lg);
		}
		ret = pyval_list();
		for (i = 0; i < j->nlogs; i++)
			pyval_append(ret, pyval_str(j->logs[i].path));
	} else if (strcmp(opt, "addlogglob") == 0) {
		/* f2b-lite: files matching the pattern later are followed too */
		struct pyval *g = pyval_list();

		pyval_append(g, pyval_str(v));
		pyval_append(g, pyval_str(arg_str(args, 1, &tmp2)));
		if (j->globs == NULL)
			j->globs = pyval_list();
		pyval_append(j->globs, g);
		ret = pyval_str(v);
	} else if (strcmp(opt, "addjournalmatch") == 0) {
		if (j->journalmatch == NULL)
			j->journalmatch = pyval_list();
		pyval_append(j->journalmatch, pyval_copy(args));
		ret = journal_matches(j);
	} else if (strcmp(opt, "addaction") == 0) {
		const char *py = pyval_len(args) > 1 ? arg_str(args, 1, &tmp2) : "";
		size_t pl = strlen(py);

		if (pl > 3 && strcmp(py + pl - 3, ".py") == 0) {
			/* a Python action (action.d/NAME.py): f2b-lite runs no Python */
			log_msg(LOG_LVL_ERROR, LOG_ACTIONS, "[%s] Python action '%s' (%s) is not "
			    "supported by f2b-lite and will not run; use a command action "
			    "(f2b-lite(8), DIFFERENCES)", j->name, v, py);
			ret = pyval_str(v);
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
			ret = pyval_str(v);
		}
	} else if (strcmp(opt, "delignoreip") == 0) {
		for (i = 0; i < j->nign; ) {
			char buf[ADDR_STRLEN];
			const char *s = j->ign[i].name ? j->ign[i].name :
			    addr_str(&j->ign[i].net, buf, sizeof(buf));
			size_t k;
			bool hit = false;

			for (k = 0; k < pyval_len(args); k++)
				if (strcmp(arg_str(args, k, &tmp2), s) == 0)
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
		ret = ignore_list(j);
	} else if (strcmp(opt, "dellogpath") == 0) {
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
		ret = pyval_list();
		for (i = 0; i < j->nlogs; i++)
			pyval_append(ret, pyval_str(j->logs[i].path));
	} else if (strcmp(opt, "delfailregex") == 0 || strcmp(opt, "delignoreregex") == 0) {
		struct pyval *list = opt[3] == 'f' ? j->fc.fail : j->fc.ign;
		long long idx;

		if (config_parse_int(v, &idx) < 0)
			*err = xasprintf("invalid literal for int() with base 10: '%s'", v);
		else if (idx < -(long long)pyval_len(list) || idx >= (long long)pyval_len(list)) {
			/* Filter.delFailRegex logs the bad index and answers the list */
			log_msg(LOG_LVL_ERROR, "fail2ban.filter", "Cannot remove regular expression. "
			    "Index %lld is not valid", idx);
			ret = jail_get(j, opt + 3, NULL, err);
		} else {
			struct pyval *keep = pyval_list();

			if (idx < 0)
				idx += (long long)pyval_len(list);

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
			if (rebuild_filter(j, err) == 0)
				ret = jail_get(j, opt + 3, NULL, err);
		}
	} else if (strcmp(opt, "deljournalmatch") == 0) {
		/* the match group equal to the words given */
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
		ret = journal_matches(j);
	} else if (strcmp(opt, "delaction") == 0) {
		struct jact *ja = find_action(j, v, NULL);

		if (ja == NULL)
			*err = xasprintf("Invalid Action name: %s", v);
		else {
			/* as fail2ban: the action is forgotten, not stopped - its rules
			 * stay until removed by hand; the slot stays for the runner */
			ja->state[0] = ja->state[1] = ja->state[2] = 0;
			ja->deleted = true;
			ret = pyval_none();
		}
	} else if (strcmp(opt, "attempt") == 0) {
		/* addAttemptIP: failures of ip now, one per line given (or one) */
		struct pyval *data = pyval_dict(), *m = pyval_list();
		struct filter_failure ff;
		long cnt = pyval_len(args) > 1 ? (long)pyval_len(args) - 1 : 1;

		for (i = 1; i < pyval_len(args); i++)
			pyval_append(m, pyval_copy(pyval_at(args, i)));
		pyval_dict_set(data, pyval_str("matches"), m);
		memset(&ff, 0, sizeof(ff));
		if (addr_parse(&ff.id, v, ADDR_CIDR_UNSPEC) < 0) {
			*err = xasprintf("invalid address: %s", v);
			pyval_free(data);
		} else {
			struct ticket *tk = ticket_new(&ff.id, clock_now(), data);
			struct ticket *tb;
			char buf[ADDR_STRLEN], when[32];
			long attempts;

			clock_str(tk->time, when, sizeof(when));
			log_msg(LOG_LVL_INFO, LOG_FILTER, "[%s] Attempt %s - %s", j->name,
			    addr_str(&tk->id, buf, sizeof(buf)), when);
			attempts = failmgr_add(j->fm, &tk->id, tk->time, tk->data, cnt);
			tk->data = NULL;
			j->found_total++;
			if (attempts >= failmgr_maxretry(j->fm) &&
			    (tb = failmgr_toban(j->fm, &tk->id)) != NULL)
				ban(j, tb);
			ticket_free(tk);
			addr_clear(&ff.id);
			ret = pyval_int(1);	/* Filter.addAttempt answers 1 */
		}
	} else if (strcmp(opt, "action") == 0) {
		/* set <jail> action <act> <prop> <value>  |  multi-set: [[prop, value]...] */
		struct jact *ja = find_action(j, v, NULL);
		const struct pyval *rest = pyval_len(args) > 1 ? pyval_at(args, 1) : NULL;

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
			struct strbuf k = STRBUF_INIT;
			const char *key = arg_str(args, 1, &k);

			action_set(ja->a, key, arg_str(args, 2, &tmp2));
			ret = pyval_str(arg_str(args, 2, &tmp2));
			strbuf_free(&k);
		}
	} else if (strcmp(opt, "idle") == 0) {
		if (strcmp(v, "on") == 0 || strcmp(v, "off") == 0) {
			j->idle = v[1] == 'n';
			ret = pyval_bool(j->idle);
		} else
			*err = xstrdup("Invalid idle option, must be 'on' or 'off'");
	} else if (strcmp(opt, "banip") == 0) {
		long n = 0;

		for (i = 0; i < pyval_len(args); i++)
			n += jail_ban_text(j, arg_str(args, i, &tmp2));
		ret = pyval_int(n);
	} else if (strcmp(opt, "unbanip") == 0) {
		long n = 0;
		size_t from = 0;

		struct pyval *missed = NULL;

		/* removeBannedIP: the banned ones are unbanned, the others reported after */
		if (pyval_len(args) && strcmp(arg_str(args, 0, &tmp2), "--report-absent") == 0) {
			from = 1;
			missed = pyval_list();
		}
		for (i = from; i < pyval_len(args); i++) {
			const char *ip = arg_str(args, i, &tmp2);

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
	} else if (strncmp(opt, "bantime.", 8) == 0) {
		/* setBanTimeExtra: '' unsets; the answer is getBanTimeExtra's */
		if (set_increment(j, opt + 8, v, err) < 0)
			goto out;
		log_msg(LOG_LVL_INFO, LOG_JAIL, "Set banTime.%s = %s", opt + 8, *v ? v : "None");
		if (*v || strcmp(opt, "bantime.increment") == 0)
			dict_set(j->extra, opt, xstrdup(*v ? v : "false"));
		else
			dict_del(j->extra, opt);
		ret = ban_extra(j, opt);
	} else if (strcmp(opt, "journalmatch") == 0 || strcmp(opt, "addlogline") == 0) {
		if (strcmp(opt, "addlogline") == 0)
			jail_feed(j, v, strlen(v));
		dict_set(j->extra, opt, xstrdup(v));
		ret = pyval_str(v);
	} else
		*err = xasprintf("Invalid command '%s' (no set action or not yet implemented)", opt);
out:
	strbuf_free(&tmp);
	strbuf_free(&tmp2);
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

struct pyval *
jail_get(struct jail *j, const char *opt, const struct pyval *args, char **err)
{
	struct strbuf tmp = STRBUF_INIT;
	struct pyval *ret = NULL;
	size_t i;

	(void)args;
	*err = NULL;
	if (strcmp(opt, "maxretry") == 0)
		ret = pyval_int(failmgr_maxretry(j->fm));
	else if (strcmp(opt, "maxmatches") == 0)
		ret = pyval_int(failmgr_maxmatches(j->fm));
	else if ((strcmp(opt, "findtime") == 0 || strcmp(opt, "bantime") == 0) &&
	    dict_has(j->extra, opt) && (ret = time_value(dict_get(j->extra, opt, NULL))) != NULL)
		;	/* as set: 90.0 for "1.5m" */
	else if (strcmp(opt, "findtime") == 0)
		ret = pyval_int((long long)failmgr_findtime(j->fm));
	else if (strcmp(opt, "bantime") == 0)
		ret = pyval_int(banlist_bantime(j->bl));
	else if (strcmp(opt, "usedns") == 0)
		ret = pyval_str(filter_usedns(j->filter));
	else if (strcmp(opt, "maxlines") == 0)
		ret = pyval_int(filter_maxlines(j->filter));
	else if (strcmp(opt, "ignoreself") == 0)
		ret = pyval_bool(j->ignoreself);
	else if (strcmp(opt, "ignorecommand") == 0)
		ret = pyval_str(j->ignorecommand ? j->ignorecommand : "");
	else if (strcmp(opt, "journalmatch") == 0)
		ret = journal_matches(j);
	else if (strcmp(opt, "datepattern") == 0) {
		/* Filter.getDatePattern: (pattern, name), or None without dates */
		struct datedet *dd = filter_datedet(j->filter);

		if (dd == NULL)
			ret = pyval_none();
		else {
			ret = pyval_tuple();
			if (!j->fc.datepattern_set || datedet_count(dd) == 0 || datedet_count(dd) > 2) {
				pyval_append(ret, pyval_none());
				pyval_append(ret, pyval_str("Default Detectors"));
			} else {
				const char *pat = datedet_pattern(dd, 0);

				pyval_append(ret, pat ? pyval_str(pat) : pyval_none());
				pyval_append(ret, pyval_str(datedet_name(dd, 0)));
			}
		}
	} else if (strcmp(opt, "logencoding") == 0)
		ret = pyval_str(j->logencoding == NULL || strcasecmp(j->logencoding, "auto") == 0 ?
		    recode_preferred() : j->logencoding);
	else if (strcmp(opt, "logtimezone") == 0)
		ret = j->fc.logtimezone ? pyval_str(j->fc.logtimezone) : pyval_none();
	else if (strcmp(opt, "prefregex") == 0)
		ret = pyval_str(filter_prefregex(j->filter) ? filter_prefregex(j->filter) : "");
	else if (strcmp(opt, "ignorecache") == 0) {
		if (j->icache_cfg.key == NULL)
			ret = pyval_none();
		else {
			ret = pyval_list();
			pyval_append(ret, pyval_str(action_get(j->icache_cfg.key, "key")));
			pyval_append(ret, pyval_int(j->icache_cfg.maxcount));
			pyval_append(ret, pyval_float(j->icache_cfg.maxtime));
		}
	} else if (strcmp(opt, "action") == 0 || strcmp(opt, "actionproperties") == 0 ||
	    strcmp(opt, "actionmethods") == 0) {
		/* get <jail> action <act> <prop> | actionproperties <act> | actionmethods <act> */
		const char *an = args && pyval_len(args) ? pyval_as_str(pyval_at(args, 0)) : NULL;
		struct jact *ja = an ? find_action(j, an, NULL) : NULL;

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
	}
	else if (strcmp(opt, "logpath") == 0) {
		ret = pyval_list();
		for (i = 0; i < j->nlogs; i++)
			pyval_append(ret, pyval_str(j->logs[i].path));
	} else if (strcmp(opt, "ignoreip") == 0)
		ret = ignore_list(j); else if (strcmp(opt, "failregex") == 0 || strcmp(opt, "ignoreregex") == 0) {
		bool fail = opt[0] == 'f';
		size_t n = fail ? filter_nfailregex(j->filter) : filter_nignoreregex(j->filter);

		ret = pyval_list();
		for (i = 0; i < n; i++)
			pyval_append(ret, pyval_str(fail ? filter_failregex(j->filter, i) :
			    filter_ignoreregex(j->filter, i)));
	} else if (strcmp(opt, "actions") == 0) {
		ret = pyval_list();
		for (i = 0; i < j->nacts; i++)
			if (!j->acts[i].deleted)
				pyval_append(ret, pyval_str(action_name(j->acts[i].a)));
	} else if (strcmp(opt, "banned") == 0 && args && pyval_len(args) == 1)
		ret = pyval_int(jail_is_banned(j, arg_str(args, 0, &tmp)));	/* getBanned([ip]) */
	else if (strcmp(opt, "banned") == 0 && args && pyval_len(args) > 1) {
		/* getBanned(ids): 1 or 0 per address */
		ret = pyval_list();
		for (i = 0; i < pyval_len(args); i++)
			pyval_append(ret, pyval_int(jail_is_banned(j, arg_str(args, i, &tmp))));
	} else if (strcmp(opt, "banned") == 0) {
		/* getBanned([]): the bans in the order they were made */
		struct ticket *t;
		char buf[ADDR_STRLEN];
		size_t pos = 0;

		ret = pyval_list();
		while ((t = banlist_next(j->bl, &pos)) != NULL)
			pyval_append(ret, pyval_str(addr_str(&t->id, buf, sizeof(buf))));
	} else if (strcmp(opt, "banip") == 0) {
		bool with_time = args && pyval_len(args) && strcmp(arg_str(args, 0, &tmp),
		    "--with-time") == 0;

		ret = ban_list(j, with_time);
	} else if (strncmp(opt, "bantime.", 8) == 0)
		ret = ban_extra(j, opt);
	else if (dict_has(j->extra, opt))
		ret = pyval_str(dict_get(j->extra, opt, NULL));
	else
		*err = xstrdup("Invalid command (no get action or not yet implemented)");
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

bool
jail_is_banned(struct jail *j, const char *ip)
{
	struct addr a;
	bool r;

	if (addr_parse(&a, ip, ADDR_CIDR_UNSPEC) < 0)
		return false;
	r = banlist_get(j->bl, &a) != NULL;
	addr_clear(&a);
	return r;
}

long
jail_unban_all(struct jail *j)
{
	struct ticket *t;
	long n = 0;

	while ((t = banlist_at(j->bl, 0)) != NULL) {
		t = banlist_remove(j->bl, &t->id);
		unban(j, t);
		n++;
	}
	if (j->env.db)
		db_del_ban(j->env.db, j->name, NULL);
	schedule_unban(j);
	return n;
}

/* ---- start and stop -------------------------------------------------------------- */

int
jail_start(struct jail *j, char **err)
{
	size_t i, k;

	*err = NULL;
	if (j->started)
		return 0;
	j->started = true;
	for (i = 0; i < j->nacts; i++) {
		const char *fams[2];
		size_t nf;

		if (action_start_on_demand(j->acts[i].a))
			continue;
		nf = action_families(j->acts[i].a, j->env.allow_ipv6, fams);
		for (k = 0; k < nf; k++)
			start_family(j, i, fam_index(fams[k]));
	}
	if (strncmp(j->backend, "systemd", 7) == 0) {
		/* the journal's entries carry their time: no date detection */
		filter_set_datepattern(j->filter, NULL, err);
		free(*err);
		*err = NULL;
		if (start_journal(j, err) < 0) {
			log_msg(LOG_LVL_ERROR, LOG_JAIL, "[%s] Unable to read the systemd journal: %s",
			    j->name, *err ? *err : "");
			free(*err);
			*err = NULL;
		}
	} else
		for (i = 0; i < j->nlogs; i++)
			follow(j, &j->logs[i]);
	names_ready(j, NULL);	/* the ignore checks' names looked up before a failure needs them */
	j->svc_timer = loop_timer_add(j->env.loop, 0.5, on_service, j);
	log_msg(LOG_LVL_INFO, LOG_JAIL, "Jail '%s' started", j->name);
	return 0;
}

void
jail_restore_bans(struct jail *j)
{
	if (!j->started || j->stopping || j->restored)
		return;
	j->restored = true;
	restore_bans(j);
}

static void
check_stopped(void *arg)
{
	struct jail *j = arg;

	if (runner_busy(j->runner)) {
		loop_timer_add(j->env.loop, 0.01, check_stopped, j);
		return;
	}
	log_msg(LOG_LVL_INFO, LOG_JAIL, "Jail '%s' stopped", j->name);
	if (j->done)
		j->done(j->done_arg, j);
}

/*
 * __flushBan: the actions with an actionflush flush (where something is
 * banned), then every ticket is unbanned through the others - only through
 * the actions `which` marks (NULL: all).  A stopping jail logs an Unban line
 * for each ticket; a reload removing actions does not.
 */
static void
flush_bans(struct jail *j, const bool *which, bool log)
{
	bool *flushes = xcalloc(j->nacts + 1, sizeof(*flushes));
	struct ticket *t;
	size_t i, k, n;

	for (i = 0; i < j->nacts; i++) {
		struct jact *ja = &j->acts[i];

		if (ja->deleted || (which && !which[i]) ||
		    (!action_has(ja->a, "actionflush", "") &&
		    !action_has(ja->a, "actionflush", "inet4")))
			continue;
		flushes[i] = true;
		log_msg(LOG_LVL_NOTICE, LOG_ACTIONS, "[%s] Flush ticket(s) with %s", j->name,
		    action_name(ja->a));
		for (k = 0; k < 3; k++)
			if ((ja->state[k] & 2) && (ja->state[k] & 1))
				submit(j, i, "actionflush", (int)k, NULL, 0, false);
	}
	for (n = 0; (t = banlist_at(j->bl, n)) != NULL; n++) {
		char buf[ADDR_STRLEN];

		if (log)
			log_msg(LOG_LVL_NOTICE, LOG_ACTIONS, "[%s] Unban %s", j->name,
			    addr_str(&t->id, buf, sizeof(buf)));
		for (i = 0; i < j->nacts; i++) {
			struct jact *ja = &j->acts[i];
			int f = action_start_on_demand(ja->a) ? ticket_fam(t) : FAM_NONE;

			if (ja->deleted || (which && !which[i]) || flushes[i] ||
			    (t->restored && action_norestored(ja->a)))
				continue;
			if (!(ja->state[f] & 1))
				continue;	/* never started for this family */
			submit(j, i, "actionunban", ticket_fam(t), t, 0, false);
		}
	}
	free(flushes);
}

/* Actions.stopActions: each action `which` marks (NULL: all) stops, in reverse order. */
static void
stop_actions(struct jail *j, const bool *which)
{
	size_t i, k;

	for (i = j->nacts; i-- > 0; ) {
		struct jact *ja = &j->acts[i];

		if (which && !which[i])
			continue;
		for (k = 0; k < 3; k++)
			if (ja->state[k] & 1)
				submit(j, i, "actionstop", (int)k, NULL, 0, false);
	}
}

void
jail_stop(struct jail *j, jail_done_fn *done, void *arg)
{
	size_t i;

	j->done = done;
	j->done_arg = arg;
	if (!j->started || j->stopping) {
		j->stopping = true;
		loop_timer_add(j->env.loop, 0, check_stopped, j);
		return;
	}
	j->stopping = true;
	jail_save_positions(j);
	drop_pending(j);	/* read again at the next start (the positions held) */
	journal_close(j->journal);
	j->journal = NULL;
	for (i = 0; i < j->nlogs; i++) {
		if (j->logs[i].t) {
			tail_unfollow(j->logs[i].t, j);
			j->logs[i].t = NULL;
		}
		log_msg(LOG_LVL_INFO, LOG_FILTER, "Removed logfile: '%s'", j->logs[i].path);
	}
	loop_timer_cancel(j->env.loop, j->unban_timer);
	j->unban_timer = NULL;
	loop_timer_cancel(j->env.loop, j->svc_timer);
	j->svc_timer = NULL;
	flush_bans(j, NULL, true);
	stop_actions(j, NULL);
	/* from the loop, also with nothing to run: done never calls back inside jail_stop */
	loop_timer_add(j->env.loop, 0, check_stopped, j);
}

/* ---- reload in place -------------------------------------------------------------- */

void
jail_reload_begin(struct jail *j)
{
	size_t i;
	char *err = NULL;

	j->reloading = true;
	/* Filter.clearAllParams: the regex lists and ignoreip go; the rest is set again */
	pyval_free(j->fc.fail);
	j->fc.fail = pyval_list();
	pyval_free(j->fc.ign);
	j->fc.ign = pyval_list();
	if (rebuild_filter(j, &err) < 0)	/* the old settings compiled before */
		free(err);
	for (i = 0; i < j->nign; i++) {
		addr_clear(&j->ign[i].net);
		free(j->ign[i].name);
	}
	j->nign = 0;
	pyval_free(j->reload_jm);
	j->reload_jm = j->journalmatch;
	j->journalmatch = NULL;
	pyval_free(j->globs);
	j->globs = NULL;
	/* the log files and actions the new configuration names again are kept */
	for (i = 0; i < j->nlogs; i++)
		j->logs[i].stale = true;
	for (i = 0; i < j->nacts; i++)
		j->acts[i].reload = ACT_STALE;
}

struct reload_wait {
	struct jail	*j;
	jail_done_fn	*done;
	void		*arg;
};

static void
reload_done(void *arg, int status, const char *output)
{
	struct reload_wait *w = arg;

	(void)status;
	(void)output;
	w->done(w->arg, w->j);
	free(w);
}

void
jail_reload_end(struct jail *j, jail_done_fn *done, void *arg)
{
	bool *gone = xcalloc(j->nacts + 1, sizeof(*gone)), any = false;
	struct reload_wait *w;
	size_t i, k;

	j->reloading = false;
	/* FileFilter.reload(begin=False): the files not named again go */
	for (i = 0; i < j->nlogs; ) {
		if (!j->logs[i].stale) {
			i++;
			continue;
		}
		if (j->logs[i].t)
			tail_unfollow(j->logs[i].t, j);
		log_msg(LOG_LVL_INFO, LOG_FILTER, "Removed logfile: '%s'", j->logs[i].path);
		free(j->logs[i].path);
		memmove(&j->logs[i], &j->logs[i + 1], (j->nlogs - i - 1) * sizeof(*j->logs));
		j->nlogs--;
	}
	/* other journal matches: read on from the last entry with the new ones */
	if (j->journal && !pyval_equal(j->reload_jm, j->journalmatch)) {
		char *err = NULL;

		jail_save_positions(j);
		journal_close(j->journal);
		j->journal = NULL;
		if (start_journal(j, &err) < 0) {
			log_msg(LOG_LVL_ERROR, LOG_JAIL, "[%s] Unable to read the systemd journal: %s",
			    j->name, err ? err : "");
			free(err);
		}
	}
	pyval_free(j->reload_jm);
	j->reload_jm = NULL;
	/*
	 * Actions.reload(begin=False): the actions named again run their
	 * actionreload; those added now start (fail2ban 1.0.2 leaves them to
	 * their first ban); those no longer named lift their bans and stop
	 */
	for (i = 0; i < j->nacts; i++) {
		struct jact *ja = &j->acts[i];

		if (ja->deleted)
			continue;
		if (ja->reload == ACT_KEPT) {
			for (k = 0; k < 3; k++)
				if (ja->state[k] & 1)
					submit(j, i, "actionreload", (int)k, NULL, 0, false);
		} else if (ja->reload == ACT_NEW && j->started &&
		    !action_start_on_demand(ja->a)) {
			const char *fams[2];
			size_t nf = action_families(ja->a, j->env.allow_ipv6, fams);

			for (k = 0; k < nf; k++)
				start_family(j, i, fam_index(fams[k]));
		} else if (ja->reload == ACT_STALE)
			gone[i] = any = true;
		ja->reload = ACT_KEPT;
	}
	if (any) {
		flush_bans(j, gone, false);
		stop_actions(j, gone);
		for (i = 0; i < j->nacts; i++)
			if (gone[i]) {
				memset(j->acts[i].state, 0, sizeof(j->acts[i].state));
				j->acts[i].deleted = true;
			}
	}
	free(gone);
	w = xmalloc(sizeof(*w));
	w->j = j;
	w->done = done;
	w->arg = arg;
	runner_barrier(j->runner, reload_done, w);
}

/* ---- manual bans, status ----------------------------------------------------------- */

long
jail_ban_text(struct jail *j, const char *ip)
{
	struct addr a;
	struct ticket *t;
	size_t before = banlist_size(j->bl);

	if (addr_parse(&a, ip, ADDR_CIDR_UNSPEC) < 0)
		return 0;
	t = ticket_new(&a, clock_now(), NULL);
	addr_clear(&a);
	ban(j, t);	/* its failures stay counted, as in fail2ban's addBannedIP */
	return banlist_size(j->bl) > before ? 1 : 0;
}

long
jail_unban_text(struct jail *j, const char *ip)
{
	struct addr a;
	struct ticket *t;

	if (addr_parse(&a, ip, ADDR_CIDR_UNSPEC) < 0)
		return 0;
	/* the database forgets it either way, banned now or not (its ban count too) */
	if (j->env.db)
		db_del_ban(j->env.db, j->name, ip);
	t = banlist_remove(j->bl, &a);
	addr_clear(&a);
	if (t == NULL)
		return 0;
	unban(j, t);
	schedule_unban(j);
	return 1;
}

void
jail_counts(const struct jail *j, unsigned long out[4])
{
	out[0] = failmgr_size(j->fm);
	out[1] = j->found_total;
	out[2] = banlist_size(j->bl);
	out[3] = banlist_total(j->bl);
}

struct pyval *
jail_metrics(struct jail *j)
{
	struct pyval *d = pyval_dict();

	pyval_dict_set(d, pyval_str("failures_current"), pyval_int((long long)failmgr_size(j->fm)));
	pyval_dict_set(d, pyval_str("failures_total"), pyval_int((long long)j->found_total));
	pyval_dict_set(d, pyval_str("bans_current"), pyval_int((long long)banlist_size(j->bl)));
	pyval_dict_set(d, pyval_str("bans_total"), pyval_int((long long)banlist_total(j->bl)));
	pyval_dict_set(d, pyval_str("action_errors"), pyval_int((long long)j->action_errors));
	pyval_dict_set(d, pyval_str("lines_read"), pyval_int((long long)j->lines));
	return d;
}

static struct pyval *
pair(const char *k, struct pyval *v)
{
	struct pyval *t = pyval_tuple();

	pyval_append(t, pyval_str(k));
	pyval_append(t, v);
	return t;
}

struct pyval *
jail_status(struct jail *j, const char *flavor)
{
	struct pyval *st = pyval_list(), *f = pyval_list(), *a = pyval_list(), *l;
	struct ticket *t;
	char buf[ADDR_STRLEN];
	size_t i;

	pyval_append(f, pair("Currently failed", pyval_int((long long)failmgr_size(j->fm))));
	pyval_append(f, pair("Total failed", pyval_int((long long)j->found_total)));
	if (strncmp(j->backend, "systemd", 7) == 0) {
		/* " + ".join(" ".join(group) for group in journalmatch) */
		struct strbuf sb = STRBUF_INIT;
		size_t k;

		for (i = 0; j->journalmatch && i < pyval_len(j->journalmatch); i++) {
			const struct pyval *g = pyval_at(j->journalmatch, i);

			if (i)
				strbuf_adds(&sb, " + ");
			for (k = 0; k < pyval_len(g); k++) {
				if (k)
					strbuf_addc(&sb, ' ');
				pyval_to_text(pyval_at(g, k), &sb);
			}
		}
		pyval_append(f, pair("Journal matches", pyval_str(strbuf_str(&sb))));
		strbuf_free(&sb);
	} else {
		l = pyval_list();
		for (i = 0; i < j->nlogs; i++)
			pyval_append(l, pyval_str(j->logs[i].path));
		pyval_append(f, pair("File list", l));
	}
	pyval_append(st, pair("Filter", f));
	if (flavor && *flavor && strcmp(flavor, "basic") && strcmp(flavor, "short"))
		log_msg(LOG_LVL_WARNING, LOG_ACTIONS, "Unsupported extended jail status flavor "
		    "'%s'. Supported: ['short', 'basic', 'cymru' (not by f2b-lite)]", flavor);
	pyval_append(a, pair("Currently banned", pyval_int((long long)banlist_size(j->bl))));
	pyval_append(a, pair("Total banned", pyval_int((long long)banlist_total(j->bl))));
	if (flavor == NULL || strcmp(flavor, "short") != 0) {
		l = pyval_list();
		for (i = 0; (t = banlist_at(j->bl, i)) != NULL; i++)
			pyval_append(l, pyval_str(addr_str(&t->id, buf, sizeof(buf))));
		pyval_append(a, pair("Banned IP list", l));
	}
	pyval_append(st, pair("Actions", a));
	return st;
}

/*
 * jail/actions: the jail's actions at work (fail2ban's server/actions.py):
 * each operation's command made from the action's templates and the
 * ticket's dynamic tags and run through the jail's runner, with fail2ban's
 * _invariantCheck when one fails - actioncheck, actionrepair or a restart,
 * the check again, one retry - and the ban epoch that rebans what a
 * repair lost.
 *
 *   action info        the dynamic tags (<ip>, <F-USER>, <jail.banned>...)
 *   running operations submit, the stages of a failed command, op_done
 *   bans and unbans through the actions
 *                      actionstart on demand, actionban/unban, the
 *                      consistency check
 *   flush and stop     __flushBan, stopActions
 */
#include "jail.h"
#include "jail_int.h"

#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "addr.h"
#include "banlist.h"
#include "clock.h"
#include "dict.h"
#include "dns.h"
#include "failmgr.h"
#include "ipset.h"
#include "log.h"
#include "loop.h"
#include "pyval.h"
#include "runner.h"
#include "strbuf.h"
#include "ticket.h"
#include "xmalloc.h"

/* ---- action info: the dynamic tags ----------------------------------------- */

char *
jail_info_value(void *arg, const char *tag)
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
bool
jail_submit(struct jail *j, size_t act, const char *op, int fam, const struct ticket *t,
    int stage, bool next)
{
	struct jact *ja = &j->acts[act];
	struct info in = { j, (struct ticket *)t, fam_name(fam) };
	struct action_cmd cmd;
	struct opctx *c;
	char *err = NULL, ipkey[ADDR_STRLEN];

	if (!action_command(ja->a, op, fam_name(fam), jail_info_value, &in, &cmd, &err)) {
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
	log_msg(LOG_LVL_DEBUG, LOG_UTILS, "[%s] %s %s: %s", j->name, action_name(ja->a), op,
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
		log_msg(LOG_LVL_ERROR, LOG_UTILS, "[%s] %s %s -- stderr: '%s'", j->name, an,
		    op, output);
	if (status == RUNNER_TIMEOUT)
		log_msg(LOG_LVL_ERROR, LOG_UTILS, "[%s] %s %s -- timed out after %g seconds.",
		    j->name, an, op, action_timeout(j->acts[c->act].a));
	else if (status > 128)
		log_msg(LOG_LVL_ERROR, LOG_UTILS, "[%s] %s %s -- killed with signal %d",
		    j->name, an, op, status - 128);
	else
		log_msg(LOG_LVL_ERROR, LOG_UTILS, "[%s] %s %s -- returned %d%s", j->name, an,
		    op, status, status == 127 ? " -- Command not found" : "");
}

/* A command that could not start: said, tried again (runner_on_retry). */
void
jail_on_op_retry(void *arg, int err, unsigned attempt, double delay)
{
	struct opctx *c = arg;
	struct jail *j = c->j;
	char ipbuf[ADDR_STRLEN];

	log_msg(LOG_LVL_ERROR, LOG_UTILS, "[%s] %s %s%s%s -- failed with [Errno %d] %s; "
	    "trying again in %g s (attempt %u)", j->name, action_name(j->acts[c->act].a),
	    stage_op(c), c->t ? " " : "", c->t ? addr_str(&c->t->id, ipbuf, sizeof(ipbuf)) : "",
	    err, strerror(err), delay, attempt);
}

/*
 * A set that is full refuses every ban after the first: said once a minute
 * per set, with how many it refused and the fix - the first time at the
 * end of the loop turn it began in (a burst's refusals in one line), then
 * each minute while refusals come.  The bans stay in the ban list and the
 * database, as fail2ban keeps a ban whose action failed.
 */
struct full_set {
	struct jail	  *j;
	char		  *key;
	char		  *action;
	char		  *msg;		/* the sentence, a newline, the fix */
	unsigned long	   count;	/* refused since it was last said */
	struct loop_timer *timer;
};

static void
full_set_free(void *v)
{
	struct full_set *f = v;

	loop_timer_cancel(f->j->env.loop, f->timer);
	free(f->key);
	free(f->action);
	free(f->msg);
	free(f);
}

static void
full_set_say(void *arg)
{
	struct full_set *f = arg;
	struct jail *j = f->j;
	const char *nl = strchr(f->msg, '\n');

	f->timer = NULL;
	if (f->count == 0) {	/* a minute without refusals: said again at the next */
		dict_del(j->full_sets, f->key);
		return;
	}
	log_msg(LOG_LVL_ERROR, LOG_ACTIONS, "[%s] %s: %.*s: %lu ban%s not added this minute; %s",
	    j->name, f->action, nl ? (int)(nl - f->msg) : (int)strlen(f->msg), f->msg,
	    f->count, f->count == 1 ? "" : "s", nl ? nl + 1 : "");
	f->count = 0;
	f->timer = loop_timer_add(j->env.loop, 60, full_set_say, f);
}

void
jail_on_op_note(void *arg, const char *key, const char *msg, bool once)
{
	struct opctx *c = arg;
	struct jail *j = c->j;
	struct full_set *f;

	if (once) {
		log_msg(LOG_LVL_ERROR, LOG_ACTIONS, "[%s] %s: %s", j->name,
		    action_name(j->acts[c->act].a), msg);
		return;
	}
	if (j->full_sets == NULL)
		j->full_sets = dict_new(full_set_free);
	if ((f = dict_get(j->full_sets, key, NULL)) == NULL) {
		f = xcalloc(1, sizeof(*f));
		f->j = j;
		f->key = xstrdup(key);
		dict_set(j->full_sets, key, f);
		f->timer = loop_timer_add(j->env.loop, 0, full_set_say, f);
	}
	free(f->action);
	f->action = xstrdup(action_name(j->acts[c->act].a));
	free(f->msg);
	f->msg = xstrdup(msg);
	f->count++;
}

/*
 * Prefix bans need sets that hold networks: an action whose ban adds <ip>
 * to a set of single addresses (hash:ip, as the kernel has it or as the
 * action's actionstart makes it) is said at start, once, with the fix.
 */
void
jail_check_prefix_sets(struct jail *j)
{
	static const char *const sample[2] = { "192.0.2.0", "2001:db8::" };
	size_t i;
	int f;

	for (f = 0; f < 2; f++) {
		int plen = f == 0 ? j->prefix4 : j->prefix6;
		const char *opt = f == 0 ? "ipv4prefix" : "ipv6prefix";
		const char *fam = f == 0 ? "inet4" : "inet6";
		struct addr net;
		struct ticket *t;
		char *text;

		if (plen >= (f == 0 ? ADDR_PREFIX4_FULL : ADDR_PREFIX6_FULL))
			continue;
		text = xasprintf("%s/%d", sample[f], plen);
		addr_parse(&net, text, ADDR_CIDR_UNSPEC);
		t = ticket_new(&net, clock_now(), NULL);
		addr_clear(&net);
		for (i = 0; i < j->nacts; i++) {
			struct info in = { j, t, fam }, none = { j, NULL, fam };
			struct action_cmd ban, start;
			char *set = NULL, *type = NULL, *e = NULL;
			bool has_start;

			if (j->acts[i].deleted || !action_command(j->acts[i].a, "actionban", fam,
			    jail_info_value, &in, &ban, &e)) {
				free(e);
				continue;
			}
			if ((set = ipset_add_target(ban.script, text)) != NULL) {
				has_start = action_command(j->acts[i].a, "actionstart", fam,
				    jail_info_value, &none, &start, &e);
				free(e);
				type = ipset_set_type(set, has_start ? start.script : NULL);
				if (has_start)
					action_cmd_free(&start);
			}
			if (type && !ipset_type_takes_net(type))
				log_msg(LOG_LVL_WARNING, LOG_ACTIONS, "[%s] %s: set %s is %s, which "
				    "holds single addresses, but %s = %d bans networks (%s): make "
				    "it hash:net (ipset create %s hash:net%s), or leave %s unset in "
				    "this jail", j->name, action_name(j->acts[i].a), set, type, opt,
				    plen, text, set, f == 0 ? "" : " family inet6", opt);
			free(set);
			free(type);
			action_cmd_free(&ban);
		}
		ticket_free(t);
		free(text);
	}
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

	if (!action_command(ja->a, op, fam_name(c->fam), jail_info_value, &in, &cmd, &err)) {
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

	log_msg(LOG_LVL_ERROR, LOG_UTILS, "[%s] %s: Invariant check failed. Trying to "
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
	jail_submit(j, c->act, "actionstart", f, NULL, ST_RETRY, true);
	jail_submit(j, c->act, "actionstop", f, NULL, ST_RETRY, true);
	runner_hold(j->runner, false);
}

/*
 * __reBan: t (in the ban list) banned again by the actions repaired since
 * its ban; its epoch is the jail's then.
 */
void
jail_reban(struct jail *j, struct ticket *t)
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
		jail_submit(j, i, action_has(ja->a, "actionreban", fam_name(fam)) ? "actionreban" :
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
		jail_submit(c->j, c->act, c->op, c->fam, c->t, ST_RETRY, true);
	else if (c->stage != ST_CHECK && (t = banlist_get(c->j->bl, &c->t->id)) != NULL &&
	    t->epoch < c->j->ban_epoch)
		jail_reban(c->j, t);
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

	if (status == RUNNER_NOTED) {	/* a full set: said once a minute (jail_on_op_note) */
		j->action_errors++;
		opctx_free(c);
		return;
	}
	if (status == 0) {
		if (output && *output)
			log_msg(LOG_LVL_DEBUG, LOG_UTILS, "[%s] %s %s -- stdout: '%s'", j->name,
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
		log_msg(LOG_LVL_ERROR, LOG_UTILS, "[%s] %s: Invariant check failed. Unban is "
		    "impossible.", j->name, an);
	} else if (c->stage == ST_CHECK) {
		restore(c);
		opctx_free(c);
		return;
	} else if (c->stage == ST_REPAIR || c->stage == ST_RECHECK) {
		log_msg(LOG_LVL_CRITICAL, LOG_UTILS, "[%s] %s: Unable to restore environment",
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

/* ---- bans and unbans through the actions ---------------------------------------- */

void
jail_start_family(struct jail *j, size_t i, int fam)
{
	if (j->acts[i].state[fam] & 1)
		return;
	j->acts[i].state[fam] |= 1;	/* queued: later bans go behind it */
	jail_submit(j, i, "actionstart", fam, NULL, 0, false);
}

void
jail_run_ban(struct jail *j, struct ticket *t)
{
	size_t i;
	int fam = ticket_fam(t);

	for (i = 0; i < j->nacts; i++) {
		struct jact *ja = &j->acts[i];
		int f = action_start_on_demand(ja->a) ? fam : FAM_NONE;

		if (ja->deleted || (t->restored && action_norestored(ja->a)))
			continue;
		if (action_start_on_demand(ja->a))
			jail_start_family(j, i, f);
		jail_submit(j, i, "actionban", fam, t, 0, false);
		ja->state[f] |= 2;
	}
}

void
jail_run_unban(struct jail *j, struct ticket *t)
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
		jail_submit(j, i, "actionunban", fam, t, 0, false);
	}
}

/*
 * consistencyCheck: each action with an actioncheck, for each family it
 * is started for, is checked; a failure is repaired (restore()) and the
 * banned address b that asked for it banned again.  fail2ban counts an
 * action started for a family once it banned an address of it, besides
 * the family its actionstart ran for ('' unless started on demand).
 */
void
jail_consistency_check(struct jail *j, const struct ticket *b)
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

/* ---- flush and stop ------------------------------------------------------------- */

/*
 * __flushBan: the actions with an actionflush flush (where something is
 * banned), then every ticket is unbanned through the others - only through
 * the actions `which` marks (NULL: all).  A stopping jail logs an Unban line
 * for each ticket; a reload removing actions does not.
 */
void
jail_flush_bans(struct jail *j, const bool *which, bool log)
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
				jail_submit(j, i, "actionflush", (int)k, NULL, 0, false);
	}
	n = 0;
	while ((t = banlist_next(j->bl, &n)) != NULL) {
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
			jail_submit(j, i, "actionunban", ticket_fam(t), t, 0, false);
		}
	}
	free(flushes);
}

/* Actions.stopActions: each action `which` marks (NULL: all) stops, in reverse order. */
void
jail_stop_actions(struct jail *j, const bool *which)
{
	size_t i, k;

	for (i = j->nacts; i-- > 0; ) {
		struct jact *ja = &j->acts[i];

		if (which && !which[i])
			continue;
		for (k = 0; k < 3; k++)
			if (ja->state[k] & 1)
				jail_submit(j, i, "actionstop", (int)k, NULL, 0, false);
	}
}

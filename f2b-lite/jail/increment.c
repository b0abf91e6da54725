/*
 * jail/increment: bantime.increment (fail2ban's ObserverThread): the
 * bantime.* options, the longer ban of an address banned before (its
 * count and last ban from the database, the formula or the multipliers),
 * and the extra weight of its new failures.
 *
 *   bantime.increment  setBanTimeExtra, the evformula, incrBanTime and
 *                      its log lines
 *   failures of addresses banned before
 *                      failureFound
 */
#include "jail.h"
#include "jail_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "banlist.h"
#include "clock.h"
#include "db.h"
#include "expr.h"
#include "failmgr.h"
#include "log.h"
#include "optval.h"
#include "pyint.h"
#include "ticket.h"
#include "timestr.h"
#include "xmalloc.h"

/* ---- bantime.increment ------------------------------------------------------------------ */

/* setBanTimeExtra: each option parsed and checked now. */
int
jail_set_increment(struct jail *j, const char *opt, const char *v, char **err)
{
	double d;

	if (strcmp(opt, "increment") == 0)
		j->incr.on = *v && optval_bool(v);
	else if (strcmp(opt, "overalljails") == 0)
		j->incr.overall = *v && optval_bool(v);
	else if (strcmp(opt, "maxtime") == 0 || strcmp(opt, "rndtime") == 0) {
		if (*v == '\0')
			d = -1;
		else if (jail_set_time(j, opt[0] == 'm' ? "bantime.maxtime" : "bantime.rndtime", v, &d,
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
bool
jail_increment(struct jail *j, struct ticket *t, long long *count, long long *tob)
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
void
jail_log_increment(struct jail *j, struct ticket *t, long long count, long long tob)
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

/* ---- failures of addresses banned before ---------------------------------------- */

/*
 * ObserverThread.failureFound (bantime.increment): a failure of an address
 * banned before counts more - (2^bancount)/2 + 1 attempts, at most
 * maxretry - unless it is no later than that ban (read again after a
 * restart).  add: the failure is still counted (it did not just reach
 * maxretry: then fail2ban's observer finds it banned and only logs).
 */
void
jail_observe_failure(struct jail *j, const struct ticket *t, bool add)
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
		jail_ban(j, tb);
}

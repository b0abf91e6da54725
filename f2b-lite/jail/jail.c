/*
 * jail: a jail's life and its pipeline from log lines to bans - the part
 * of the jail module that jail.h's verbs enter (the other parts: see
 * jail_int.h).
 *
 *   lifecycle          jail_new, jail_free, its names
 *   bans and unbans    a ticket banned (and increased), the unban timer,
 *                      unban --all
 *   lines in           a failure counted, a line that raised, jail_feed
 *   the log files      tail events, logpath globs watched, the service
 *                      timer, positions saved, bans restored
 *   the journal        backend systemd: entries in, its options
 *   start and stop     jail_start, jail_stop (flush, unban, actionstop)
 *   reload in place    jail_reload_begin / _end
 *   manual bans, status  banip / unbanip, counters, status
 */
#include "jail.h"
#include "jail_int.h"

#include <glob.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "addr.h"
#include "banlist.h"
#include "cache.h"
#include "clock.h"
#include "db.h"
#include "dict.h"
#include "expr.h"
#include "failmgr.h"
#include "filter.h"
#include "journal.h"
#include "linescan.h"
#include "log.h"
#include "prefilter.h"
#include "loop.h"
#include "optspec.h"
#include "optval.h"
#include "pyval.h"
#include "recode.h"
#include "runner.h"
#include "strbuf.h"
#include "tail.h"
#include "ticket.h"
#include "xmalloc.h"

/* ---- lifecycle ------------------------------------------------------------------ */

struct jail *
jail_new(const struct jail_env *env, const char *name, const char *backend)
{
	struct jail *j = xcalloc(1, sizeof(*j));

	j->env = *env;
	j->name = xstrdup(name);
	j->backend = xstrdup(backend ? backend : "auto");
	j->filter = filter_new();
	linescan_set(filter_linescan(j->filter), true, false);
	filter_set_check_findtime(j->filter, true);
	filter_set_in_operation(j->filter, false);
	j->fc.maxlines = 1;
	j->fc.fail = pyval_list();
	j->fc.ign = pyval_list();
	j->fm = failmgr_new();
	j->bl = banlist_new();
	j->prefix4 = ADDR_PREFIX4_FULL;
	j->prefix6 = ADDR_PREFIX6_FULL;
	j->runner = runner_new(env->loop);
	runner_on_retry(j->runner, jail_on_op_retry);
	runner_on_note(j->runner, jail_on_op_note);
	filter_set_defer_dns(j->filter, true);
	jail_queue_init(j);
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
	jail_drop_pending(j);
	dict_free(j->in.held);
	dict_free(j->in.names);
	runner_free(j->runner);
	dict_free(j->full_sets);
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

/* ---- bans and unbans ------------------------------------------------------------ */

/* Takes t (a ticket leaving the fail table). */
void
jail_ban(struct jail *j, struct ticket *t)
{
	struct ticket *old = NULL;
	char buf[ADDR_STRLEN];
	double now = clock_now();
	long long count = 0, tob = 0;
	/* the observer increases a new ban only; an address banned now is prolonged by bantime */
	bool incr = banlist_get(j->bl, &t->id) == NULL && jail_increment(j, t, &count, &tob);

	t->epoch = j->ban_epoch;
	switch (banlist_add(j->bl, t, now, &old)) {
	case BAN_NEW:
		log_msg(LOG_LVL_NOTICE, LOG_ACTIONS, "[%s] %sBan %s", j->name,
		    t->restored ? "Restore " : "", addr_str(&t->id, buf, sizeof(buf)));
		if (incr)
			jail_log_increment(j, t, count, tob);
		/*
		 * banFound writes it, unless the failure is no later than the last
		 * ban found there (a line read again: incrBanTime marks it restored)
		 * or the increased ban is already over ("Ignore old bantime")
		 */
		if (j->env.db && !t->restored && !(incr && t->time <= (double)tob) &&
		    !(incr && t->bantime >= 0 && t->time + (double)t->bantime < now))
			db_add_ban(j->env.db, j->name, t, t->bantime != TICKET_BANTIME_UNSET ?
			    t->bantime : banlist_bantime(j->bl));
		jail_run_ban(j, t);
		jail_schedule_unban(j);
		return;
	case BAN_ALREADY: {
		double dif = t->time - old->time;

		log_msg(dif < 3 ? LOG_LVL_DEBUG : dif < 60 ? LOG_LVL_NOTICE : LOG_LVL_WARNING,
		    LOG_ACTIONS, "[%s] %s already banned", j->name,
		    addr_str(&t->id, buf, sizeof(buf)));
		/* long after its ban: is the firewall still sane?  (at most every 3 s) */
		if (old->epoch == j->ban_epoch && dif > 3 && now > j->last_consistency + 3) {
			j->last_consistency = now;
			jail_consistency_check(j, old);
		}
		/* banned before a repair: banned again by the repaired actions */
		if (old->epoch < j->ban_epoch)
			jail_reban(j, old);
		jail_schedule_unban(j);
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
	jail_run_unban(j, t);
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
	jail_schedule_unban(j);
}

void
jail_schedule_unban(struct jail *j)
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

bool
jail_is_banned(struct jail *j, const char *ip)
{
	struct addr a;
	bool r;

	if (addr_parse(&a, ip, ADDR_CIDR_UNSPEC) < 0)
		return false;
	r = banlist_covering(j->bl, &a, j->prefix4, j->prefix6) != NULL;
	addr_clear(&a);
	return r;
}

long
jail_unban_all(struct jail *j)
{
	struct ticket *t;
	long n = 0;
	size_t pos = 0;

	while ((t = banlist_next(j->bl, &pos)) != NULL) {	/* the first of those left */
		pos = 0;
		t = banlist_remove(j->bl, &t->id);
		unban(j, t);
		n++;
	}
	if (j->env.db)
		db_del_ban(j->env.db, j->name, NULL);
	jail_schedule_unban(j);
	return n;
}

/* ---- lines in ------------------------------------------------------------------- */

/*
 * The most matched lines anything can read of a ticket: all of them when
 * an action's property mentions "matches" (<matches>, <ipmatches>,
 * <ipjailmatches>, <F-matches>, or a tag of its own built on them),
 * otherwise the database's dbmaxmatches (none without a database).  The
 * fail table keeps no more of each address's lines.  Worked out again
 * when the actions, their properties or the database's setting change;
 * lines an address dropped before such a change stay dropped.
 */
void
jail_keep_matches(struct jail *j)
{
	unsigned long changes = 0;
	long dbmax = j->env.db ? db_maxmatches(j->env.db) : 0, keep;
	size_t i;

	for (i = 0; i < j->nacts; i++)
		changes += action_changes(j->acts[i].a);
	if (j->keepm.known && j->keepm.changes == changes && j->keepm.nacts == j->nacts &&
	    j->keepm.db == j->env.db && j->keepm.dbmax == dbmax)
		return;
	keep = dbmax > 0 ? dbmax : 0;
	for (i = 0; i < j->nacts; i++)
		if (action_mentions(j->acts[i].a, "matches"))
			keep = -1;
	failmgr_set_keepmatches(j->fm, keep);
	j->keepm.known = true;
	j->keepm.changes = changes;
	j->keepm.nacts = j->nacts;
	j->keepm.db = j->env.db;
	j->keepm.dbmax = dbmax;
}

/* A failure that is not ignored: counted, and banned at maxretry (takes t). */
void
jail_count(struct jail *j, struct ticket *t)
{
	struct ticket *tb;
	char buf[ADDR_STRLEN], when[32];
	long attempts;

	if (log_on(LOG_LVL_INFO)) {	/* one per failure: not built when the level drops it */
		clock_str(t->time, when, sizeof(when));
		log_msg(LOG_LVL_INFO, LOG_FILTER, "[%s] Found %s - %s", j->name,
		    addr_str(&t->id, buf, sizeof(buf)), when);
	}
	j->found_total++;
	jail_prefix_id(j, t);
	jail_keep_matches(j);
	attempts = failmgr_add(j->fm, &t->id, t->time, t->data, 1);
	t->data = NULL;
	/* the observer sees the database as it was before this ban */
	jail_observe_failure(j, t, attempts < failmgr_maxretry(j->fm));
	if (attempts >= failmgr_maxretry(j->fm) &&
	    (tb = failmgr_toban(j->fm, &t->id)) != NULL)
		jail_ban(j, tb);
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

static void
failure(struct jail *j, struct filter_failure *ff)
{
	double now = clock_now(), time = ff->has_time ? ff->time.secs : now;

	if (time > now)
		time = now;
	if (ff->host)
		jail_enqueue(j, NULL, ff->host, time, ff->data);
	else
		jail_enqueue(j, ticket_new(&ff->id, time, ff->data), NULL, 0, NULL);
	ff->data = NULL;
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

/* ---- the log files -------------------------------------------------------------- */

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
			jail_follow(j, lg);
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

void
jail_follow(struct jail *j, struct jlog *lg)
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
	if (j->env.db == NULL || jail_pending(j))
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
		jail_enqueue(j, v[i], NULL, 0, NULL);	/* through the ignore checks */
	free(v);
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

		if (optval_int(fl, &f) < 0) {
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

/* ---- start and stop -------------------------------------------------------------- */

int
jail_start(struct jail *j, char **err)
{
	size_t i, k;

	*err = NULL;
	if (j->started)
		return 0;
	j->started = true;
	jail_check_prefix_sets(j);
	for (i = 0; i < j->nacts; i++) {
		const char *fams[2];
		size_t nf;

		if (action_start_on_demand(j->acts[i].a))
			continue;
		nf = action_families(j->acts[i].a, j->env.allow_ipv6, fams);
		for (k = 0; k < nf; k++)
			jail_start_family(j, i, fam_index(fams[k]));
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
			jail_follow(j, &j->logs[i]);
	jail_names_ready(j, NULL);	/* the ignore checks' names looked up before a failure needs them */
	j->svc_timer = loop_timer_add(j->env.loop, 0.5, on_service, j);
	if (prefilter_why(linescan_own(filter_linescan(j->filter)), 0) == NULL)
		log_msg(LOG_LVL_INFO, LOG_FILTER, "[%s] Prefilter on: %zu texts (one scan of "
		    "each line shared by the filters, used once %d have texts)", j->name,
		    prefilter_ntexts(linescan_own(filter_linescan(j->filter))), LINESCAN_MIN);
	else
		log_msg(LOG_LVL_INFO, LOG_FILTER, "[%s] Prefilter off: %s", j->name,
		    prefilter_why(linescan_own(filter_linescan(j->filter)), 0));
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
	jail_drop_pending(j);	/* read again at the next start (the positions held) */
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
	jail_flush_bans(j, NULL, true);
	jail_stop_actions(j, NULL);
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
	if (jail_rebuild_filter(j, &err) < 0)	/* the old settings compiled before */
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
					jail_submit(j, i, "actionreload", (int)k, NULL, 0, false);
		} else if (ja->reload == ACT_NEW && j->started &&
		    !action_start_on_demand(ja->a)) {
			const char *fams[2];
			size_t nf = action_families(ja->a, j->env.allow_ipv6, fams);

			for (k = 0; k < nf; k++)
				jail_start_family(j, i, fam_index(fams[k]));
		} else if (ja->reload == ACT_STALE)
			gone[i] = any = true;
		ja->reload = ACT_KEPT;
	}
	if (any) {
		jail_flush_bans(j, gone, false);
		jail_stop_actions(j, gone);
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
	jail_ban(j, t);	/* its failures stay counted, as in fail2ban's addBannedIP */
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
	/* prefix bans: an address of a banned network lifts the network's ban */
	if ((t = banlist_covering(j->bl, &a, j->prefix4, j->prefix6)) != NULL &&
	    !addr_equal(&t->id, &a)) {
		char nb[ADDR_STRLEN];

		addr_clear(&a);
		addr_copy(&a, &t->id);
		if (j->env.db)
			db_del_ban(j->env.db, j->name, addr_str(&a, nb, sizeof(nb)));
	}
	t = banlist_remove(j->bl, &a);
	addr_clear(&a);
	if (t == NULL)
		return 0;
	unban(j, t);
	jail_schedule_unban(j);
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
		i = 0;
		while ((t = banlist_next(j->bl, &i)) != NULL)
			pyval_append(l, pyval_str(addr_str(&t->id, buf, sizeof(buf))));
		pyval_append(a, pair("Banned IP list", l));
	}
	pyval_append(st, pair("Actions", a));
	return st;
}

/*
 * jail: one jail of the daemon, where the data flows one way:
 *
 *   tail (its log files) -> filter (failures) -> ignore checks ->
 *   failmgr (counting) -> banlist (bans and their ends) -> actions (runner)
 *
 * A jail is configured with fail2ban's `set <jail> <option> ...` commands
 * (jail_set), then started; it logs as fail2ban's filter and actions do
 * ("[sshd] Found 192.0.2.7 - ...", "[sshd] Ban 192.0.2.7").  Stopping is
 * asynchronous: the bans are flushed or unbanned and the actions stopped
 * in reverse order through the jail's runner, then the callback runs.
 */
#ifndef F2B_JAIL_H
#define F2B_JAIL_H

#include <stdbool.h>
#include <stddef.h>

struct loop;
struct jail;
struct pyval;
struct strbuf;

struct db;

struct jail_env {
	struct loop	*loop;
	bool		 allow_ipv6;
	struct db	*db;		/* NULL: no database */
};

typedef void jail_done_fn(void *arg, struct jail *);

struct jail	*jail_new(const struct jail_env *, const char *name, const char *backend);
void		 jail_free(struct jail *);
const char	*jail_name(const struct jail *);
const char	*jail_backend(const struct jail *);
bool		 jail_started(const struct jail *);

/*
 * `set <jail> <opt> <args...>`: args is the list of the remaining values.
 * Returns the value to answer with (a new pyval) or NULL with *err set.
 */
struct pyval	*jail_set(struct jail *, const char *opt, const struct pyval *args,
		    char **err);
/* `get <jail> <opt> ...`; NULL with *err for an unknown option. */
struct pyval	*jail_get(struct jail *, const char *opt, const struct pyval *args,
		    char **err);
/* Starts following the logs and the actions; 0 or -1 with *err. */
int		 jail_start(struct jail *, char **err);
/*
 * restoreCurrentBans: the bans the database still holds for the jail come
 * back ("Restore Ban"), once a start; called after the jails of a start or
 * reload are all started, as fail2ban's actions thread restores them.
 */
void		 jail_restore_bans(struct jail *);
/* Stops (flush, unban, actionstop...), then calls done (from the loop, never inside). */
void		 jail_stop(struct jail *, jail_done_fn *done, void *arg);
/*
 * Reload in place (fail2ban's reloadJails): begin clears the regex lists,
 * ignoreip and journal matches and marks the log files and actions; the new
 * configuration's set commands then apply to the running jail (an action
 * added again has its commands cleared first); end drops the files and
 * actions it did not name (their bans lifted, the actions stopped), runs
 * actionreload for the others, starts the new ones, and calls done once
 * those commands ran.  Bans and failures stay.
 */
void		 jail_reload_begin(struct jail *);
void		 jail_reload_end(struct jail *, jail_done_fn *done, void *arg);
/* A line as if read from a log of the jail (tests, `set <jail> addlogline`). */
void		 jail_feed(struct jail *, const char *line, size_t len);
/* banip / unbanip: the number of addresses changed. */
long		 jail_ban_text(struct jail *, const char *ip);
long		 jail_unban_text(struct jail *, const char *ip);
bool		 jail_is_banned(struct jail *, const char *ip);
/* unban --all: every ban of the jail; returns how many. */
long		 jail_unban_all(struct jail *);
/* Writes the logs' positions to the database (with each transaction). */
void		 jail_save_positions(struct jail *);
/* `status <jail>` as fail2ban's list of pairs. */
struct pyval	*jail_status(struct jail *, const char *flavor);
/* Counters for `metrics`: a dict of failures, bans, action errors, lines read. */
struct pyval	*jail_metrics(struct jail *);
/* Counters: currently failed, total failed, currently banned, total banned. */
void		 jail_counts(const struct jail *, unsigned long out[4]);

#endif

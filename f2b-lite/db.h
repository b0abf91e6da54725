/*
 * db: fail2ban's SQLite database, schema version 4 (server/database.py):
 * tables fail2banDb, jails, logs (position and first-line hash of each log
 * per jail), bans (every ban) and bips (the last ban per address and jail,
 * with its count).  A database written by fail2ban-server 1.0.2 is read as
 * it is, and fail2ban reads ours.  Writes are batched: the first write
 * opens a transaction and calls the begin hook, which arranges for
 * db_commit() at the end of the loop turn.  Leaf module: errors come back
 * as messages.
 */
#ifndef F2B_DB_H
#define F2B_DB_H

#include <stdbool.h>
#include <stddef.h>

struct db;
struct ticket;

typedef void db_hook_fn(void *arg);

/* Opens (creating or upgrading) the database; NULL and *err on failure. */
struct db	*db_open(const char *path, char **err);
void		 db_close(struct db *);
const char	*db_path(const struct db *);
void		 db_set_hook(struct db *, db_hook_fn *, void *);
void		 db_set_purgeage(struct db *, double);
double		 db_purgeage(const struct db *);
void		 db_set_maxmatches(struct db *, long);
long		 db_maxmatches(const struct db *);
/* Commits the open transaction, if any; -1 and *err on failure. */
int		 db_commit(struct db *, char **err);

void		 db_add_jail(struct db *, const char *jail);
void		 db_del_jail(struct db *, const char *jail);
/*
 * addLog: the last position of path for jail if its first-line hash is
 * still hash (NULL: none known), else -1; records the log when new.
 */
long long	 db_add_log(struct db *, const char *jail, const char *path,
		    const char *hash, long long pos);
void		 db_update_log(struct db *, const char *jail, const char *path,
		    const char *hash, long long pos);
/* The journal position of jail (time of its last entry), or -1. */
double		 db_journal_pos(struct db *, const char *jail);
void		 db_update_journal(struct db *, const char *jail, double time, const char *iso);
/* addBan: the ticket's ban (bantime: the ticket's or the jail's). */
void		 db_add_ban(struct db *, const char *jail, const struct ticket *,
		    long long bantime);
/* delBan: the bans of ip in jail (ip NULL: all of the jail). */
void		 db_del_ban(struct db *, const char *jail, const char *ip);
/*
 * getCurrentBans for jail at now: tickets (array of pointers, freed by the
 * caller) still banned.  forbantime < 0: any age.  maxbantime >= 0 caps
 * the restored bantime (correctBanTime).  Returns the count.
 */
size_t		 db_current_bans(struct db *, const char *jail, double now,
		    long long forbantime, long long maxbantime, long maxmatches,
		    long long jail_bantime, struct ticket ***out);
/*
 * getBan for bantime.increment: the ban count, last time of ban and
 * bantime of ip (in jail, or summed over all jails); false if none.
 */
bool		 db_get_ban(struct db *, const char *ip, const char *jail, bool overall,
		    long long *count, long long *timeofban, long long *bantime);
/* purge: old bans, outdated bips, unused jails. */
void		 db_purge(struct db *, double now);
/* Bans stored (all jails), for tests and status. */
long long	 db_count_bans(struct db *);

#endif

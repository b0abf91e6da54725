/*
 * db: fail2ban's SQLite database, schema version 4 (server/database.py):
 * tables fail2banDb, jails, logs (position and first-line hash of each log
 * per jail), bans (every ban) and bips (the last ban per address and jail,
 * with its count).  A database written by fail2ban-server 1.0.2 is read as
 * it is, and fail2ban reads ours.  Opening follows Fail2BanDb: a file with
 * no tables gets them, one of schema version 1-3 is updated (a copy kept),
 * a corrupt one or one that is no database is moved aside and repaired or
 * made anew; what was done is said through the note callback in fail2ban's
 * words.  Writes are batched: the first write opens a transaction and calls
 * the begin hook, which arranges for db_commit() at the end of the loop
 * turn.  Writes that fail (a read-only file, a full disk) are counted and
 * noted once until writing works again.  Leaf module: errors come back as
 * messages or notes.
 */
#ifndef F2B_DB_H
#define F2B_DB_H

#include <stdbool.h>
#include <stddef.h>

struct db;
struct ticket;

typedef void db_hook_fn(void *arg);
enum db_level { DB_DEBUG, DB_INFO, DB_WARNING, DB_ERROR };
/* What the database says about itself: one of fail2ban's log lines. */
typedef void db_note_fn(void *arg, enum db_level, const char *msg);

/*
 * Opens (creating, updating or repairing) the database at path; notes go to
 * fn (may be NULL), now and on later write failures.  NULL and *err when it
 * cannot be used.
 */
struct db	*db_open(const char *path, db_note_fn *fn, void *arg, char **err);
void		 db_close(struct db *);
const char	*db_path(const struct db *);
void		 db_set_hook(struct db *, db_hook_fn *, void *);
void		 db_set_purgeage(struct db *, double);
double		 db_purgeage(const struct db *);
void		 db_set_maxmatches(struct db *, long);
long		 db_maxmatches(const struct db *);
/*
 * Commits the open transaction, if any; -1 and *err (if not NULL) when some
 * of its writes failed.
 */
int		 db_commit(struct db *, char **err);
/* Writes that failed since the database was opened. */
unsigned long long db_write_errors(const struct db *);

void		 db_add_jail(struct db *, const char *jail);
/* delJail: the jail (NULL: every jail) marked disabled, its bans kept. */
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

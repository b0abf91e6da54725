/* db: fail2ban's persistent database on SQLite. */
#include "db.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "json.h"
#include "pyval.h"
#include "strbuf.h"
#include "ticket.h"
#include "xmalloc.h"

#define DB_VERSION	4
#define OUTDATED_FACTOR	3

static const char *const schema =
	"CREATE TABLE IF NOT EXISTS fail2banDb(version INTEGER);"
	"CREATE TABLE IF NOT EXISTS jails(name TEXT NOT NULL UNIQUE, "
	"enabled INTEGER NOT NULL DEFAULT 1);"
	"CREATE INDEX IF NOT EXISTS jails_name ON jails(name);"
	"CREATE TABLE IF NOT EXISTS logs(jail TEXT NOT NULL, path TEXT, firstlinemd5 TEXT, "
	"lastfilepos INTEGER DEFAULT 0, FOREIGN KEY(jail) REFERENCES jails(name) ON DELETE "
	"CASCADE, UNIQUE(jail, path),UNIQUE(jail, path, firstlinemd5));"
	"CREATE INDEX IF NOT EXISTS logs_path ON logs(path);"
	"CREATE INDEX IF NOT EXISTS logs_jail_path ON logs(jail, path);"
	"CREATE TABLE IF NOT EXISTS bans(jail TEXT NOT NULL, ip TEXT, timeofban INTEGER NOT "
	"NULL, bantime INTEGER NOT NULL, bancount INTEGER NOT NULL default 1, data JSON, "
	"FOREIGN KEY(jail) REFERENCES jails(name) );"
	"CREATE INDEX IF NOT EXISTS bans_jail_timeofban_ip ON bans(jail, timeofban);"
	"CREATE INDEX IF NOT EXISTS bans_jail_ip ON bans(jail, ip);"
	"CREATE INDEX IF NOT EXISTS bans_ip ON bans(ip);"
	"CREATE TABLE IF NOT EXISTS bips(ip TEXT NOT NULL, jail TEXT NOT NULL, timeofban "
	"INTEGER NOT NULL, bantime INTEGER NOT NULL, bancount INTEGER NOT NULL default 1, "
	"data JSON, PRIMARY KEY(ip, jail), FOREIGN KEY(jail) REFERENCES jails(name) );"
	"CREATE INDEX IF NOT EXISTS bips_timeofban ON bips(timeofban);"
	"CREATE INDEX IF NOT EXISTS bips_ip ON bips(ip);";

struct db {
	sqlite3		*h;
	char		*path;
	bool		 in_tx;
	db_hook_fn	*hook;
	void		*hook_arg;
	double		 purgeage;
	long		 maxmatches;
};

static bool
exec(struct db *d, const char *sql, char **err)
{
	char *msg = NULL;

	if (sqlite3_exec(d->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
		if (err)
			*err = xstrdup(msg ? msg : "sqlite error");
		sqlite3_free(msg);
		return false;
	}
	return true;
}

struct db *
db_open(const char *path, char **err)
{
	struct db *d = xcalloc(1, sizeof(*d));
	sqlite3_stmt *st;
	int version = -1;

	d->path = xstrdup(path);
	d->purgeage = 86400;
	d->maxmatches = 10;
	if (sqlite3_open(path, &d->h) != SQLITE_OK) {
		*err = xasprintf("Error connecting to fail2ban persistent database '%s': %s",
		    path, sqlite3_errmsg(d->h));
		db_close(d);
		return NULL;
	}
	sqlite3_busy_timeout(d->h, 5000);
	/*
	 * fail2ban's own pragmas are synchronous=OFF and an in-memory journal;
	 * we keep a real rollback journal (WAL) and synchronous=NORMAL, so a
	 * crash loses at most the last loop turn's transaction, never the file.
	 */
	exec(d, "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; "
	    "PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY;", NULL);
	if (sqlite3_prepare_v2(d->h, "SELECT version FROM fail2banDb LIMIT 1", -1, &st,
	    NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			version = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	if (version < 0) {
		if (!exec(d, "BEGIN;", err) || !exec(d, schema, err) ||
		    !exec(d, "INSERT INTO fail2banDb(version) VALUES(4); COMMIT;", err)) {
			db_close(d);
			return NULL;
		}
	} else if (version < DB_VERSION) {
		/* 1.0.2's upgrade to 4 adds bips */
		if (!exec(d, "BEGIN;", err) || !exec(d, schema, err) ||
		    !exec(d, "UPDATE fail2banDb SET version = 4; COMMIT;", err)) {
			db_close(d);
			return NULL;
		}
	} else if (version > DB_VERSION) {
		*err = xasprintf("Attempt to travel to future version of database ...aborting");
		db_close(d);
		return NULL;
	}
	return d;
}

void
db_close(struct db *d)
{
	if (d == NULL)
		return;
	if (d->in_tx)
		exec(d, "COMMIT;", NULL);
	sqlite3_close(d->h);
	free(d->path);
	free(d);
}

const char *
db_path(const struct db *d)
{
	return d->path;
}

void
db_set_hook(struct db *d, db_hook_fn *fn, void *arg)
{
	d->hook = fn;
	d->hook_arg = arg;
}

void db_set_purgeage(struct db *d, double v) { d->purgeage = v; }
double db_purgeage(const struct db *d) { return d->purgeage; }
void db_set_maxmatches(struct db *d, long v) { d->maxmatches = v; }
long db_maxmatches(const struct db *d) { return d->maxmatches; }

static void
begin(struct db *d)
{
	if (d->in_tx)
		return;
	if (exec(d, "BEGIN;", NULL)) {
		d->in_tx = true;
		if (d->hook)
			d->hook(d->hook_arg);
	}
}

int
db_commit(struct db *d, char **err)
{
	if (!d->in_tx)
		return 0;
	d->in_tx = false;
	return exec(d, "COMMIT;", err) ? 0 : -1;
}

/* Runs a statement with text/int64 arguments ("s" or "i" per argument). */
static bool
run(struct db *d, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int i, rc;

	if (sqlite3_prepare_v2(d->h, sql, -1, &st, NULL) != SQLITE_OK)
		return false;
	va_start(ap, types);
	for (i = 0; types[i]; i++) {
		if (types[i] == 's') {
			const char *s = va_arg(ap, const char *);

			if (s)
				sqlite3_bind_text(st, i + 1, s, -1, SQLITE_TRANSIENT);
			else
				sqlite3_bind_null(st, i + 1);
		} else
			sqlite3_bind_int64(st, i + 1, va_arg(ap, long long));
	}
	va_end(ap);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	sqlite3_finalize(st);
	return rc == SQLITE_DONE;
}

void
db_add_jail(struct db *d, const char *jail)
{
	begin(d);
	run(d, "INSERT OR IGNORE INTO jails(name, enabled) VALUES(?, 1)", "s", jail);
	run(d, "UPDATE jails SET enabled = 1 WHERE name = ? AND enabled != 1", "s", jail);
}

void
db_del_jail(struct db *d, const char *jail)
{
	begin(d);
	run(d, "UPDATE jails SET enabled=0 WHERE name=?", "s", jail);
}

long long
db_add_log(struct db *d, const char *jail, const char *path, const char *hash, long long pos)
{
	sqlite3_stmt *st;
	char *old = NULL;
	long long last = -1;
	bool found = false;

	if (sqlite3_prepare_v2(d->h, "SELECT firstlinemd5, lastfilepos FROM logs WHERE jail=? "
	    "AND path=?", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, jail, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *h = sqlite3_column_text(st, 0);

		found = true;
		old = h ? xstrdup((const char *)h) : NULL;
		last = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (old == NULL && (pos || hash)) {
		begin(d);
		run(d, "INSERT OR REPLACE INTO logs(jail, path, firstlinemd5, lastfilepos) "
		    "VALUES(?, ?, ?, ?)", "ssi", jail, path, hash, pos);
	}
	if (!found || (hash && (old == NULL || strcmp(hash, old) != 0)))
		last = -1;
	free(old);
	return last;
}

void
db_update_log(struct db *d, const char *jail, const char *path, const char *hash,
    long long pos)
{
	begin(d);
	run(d, "INSERT OR REPLACE INTO logs(jail, path, firstlinemd5, lastfilepos) "
	    "VALUES(?, ?, ?, ?)", "sssi", jail, path, hash, pos);
}

/* fail2ban keeps the journal's position as the log "systemd-journal" */
double
db_journal_pos(struct db *d, const char *jail)
{
	sqlite3_stmt *st;
	double pos = -1;

	if (sqlite3_prepare_v2(d->h, "SELECT lastfilepos FROM logs WHERE jail=? AND "
	    "path='systemd-journal'", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, jail, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		pos = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	return pos;
}

void
db_update_journal(struct db *d, const char *jail, double time, const char *iso)
{
	sqlite3_stmt *st;

	begin(d);
	if (sqlite3_prepare_v2(d->h, "INSERT OR REPLACE INTO logs(jail, path, firstlinemd5, "
	    "lastfilepos) VALUES(?, 'systemd-journal', ?, ?)", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, jail, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, iso, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(st, 3, time);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

/* The ticket's data as fail2ban stores it: JSON, matches cut to maxmatches. */
static char *
ban_data(struct db *d, const struct ticket *t)
{
	struct pyval *data = pyval_copy(t->data), *m = pyval_dict_get(data, "matches");
	struct strbuf sb = STRBUF_INIT;

	if (m && d->maxmatches > 0 && (long)pyval_len(m) > d->maxmatches) {
		struct pyval *keep = pyval_list();
		size_t i, n = pyval_len(m);

		for (i = n - (size_t)d->maxmatches; i < n; i++)
			pyval_append(keep, pyval_copy(pyval_at(m, i)));
		pyval_dict_set(data, pyval_str("matches"), keep);
	} else if (m && d->maxmatches <= 0)
		pyval_free(pyval_dict_pop(data, "matches"));
	if (pyval_dict_get(data, "failures") == NULL)
		pyval_dict_set(data, pyval_str("failures"), pyval_int(t->failures));
	json_dump(data, true, &sb);
	pyval_free(data);
	return strbuf_detach(&sb);
}

void
db_add_ban(struct db *d, const char *jail, const struct ticket *t, long long bantime)
{
	char buf[ADDR_STRLEN], *data = ban_data(d, t);
	const char *ip = addr_str(&t->id, buf, sizeof(buf));
	long long tob = llround(t->time);

	begin(d);
	run(d, "INSERT INTO bans(jail, ip, timeofban, bantime, bancount, data) "
	    "VALUES(?, ?, ?, ?, ?, ?)", "ssiiis", jail, ip, tob, bantime,
	    (long long)t->bancount, data);
	run(d, "INSERT OR REPLACE INTO bips(ip, jail, timeofban, bantime, bancount, data) "
	    "VALUES(?, ?, ?, ?, ?, ?)", "ssiiis", ip, jail, tob, bantime,
	    (long long)t->bancount, data);
	free(data);
}

void
db_del_ban(struct db *d, const char *jail, const char *ip)
{
	begin(d);
	if (ip == NULL) {
		run(d, "DELETE FROM bips WHERE jail = ?", "s", jail);
		run(d, "DELETE FROM bans WHERE jail = ?", "s", jail);
	} else {
		run(d, "DELETE FROM bips WHERE jail = ? AND ip = ?", "ss", jail, ip);
		run(d, "DELETE FROM bans WHERE jail = ? AND ip = ?", "ss", jail, ip);
	}
}

size_t
db_current_bans(struct db *d, const char *jail, double now, long long forbantime,
    long long maxbantime, long maxmatches, long long jail_bantime, struct ticket ***out)
{
	const char *sql = forbantime >= 0 ?
	    "SELECT ip, timeofban, bantime, bancount, data FROM bips WHERE jail=? AND "
	    "(timeofban + bantime > ? OR bantime <= -1) AND timeofban > ? "
	    "GROUP BY ip ORDER BY ip, timeofban DESC" :
	    "SELECT ip, timeofban, bantime, bancount, data FROM bips WHERE jail=? AND "
	    "(timeofban + bantime > ? OR bantime <= -1) GROUP BY ip ORDER BY ip, timeofban DESC";
	sqlite3_stmt *st;
	size_t n = 0;

	*out = NULL;
	if (sqlite3_prepare_v2(d->h, sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, jail, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(st, 2, now);
	if (forbantime >= 0)
		sqlite3_bind_double(st, 3, now - (double)forbantime);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *ip = (const char *)sqlite3_column_text(st, 0);
		long long tob = sqlite3_column_int64(st, 1), bt = sqlite3_column_int64(st, 2);
		const char *js = (const char *)sqlite3_column_text(st, 4);
		struct pyval *data = NULL, *m;
		struct ticket *t;
		struct addr a;
		char *err = NULL;

		if (ip == NULL || *ip == '\0')
			continue;
		if (bt == -2)
			bt = jail_bantime;
		else if (maxbantime >= 0 && (bt == -1 || bt > maxbantime))
			bt = maxbantime;
		if (bt != -1 && (double)(tob + bt) <= now)
			continue;
		if (js && (data = json_parse(js, strlen(js), &err)) == NULL)
			free(err);
		if (data && pyval_type(data) != PY_DICT) {
			pyval_free(data);
			data = NULL;
		}
		if (data == NULL)
			data = pyval_dict();
		if ((m = pyval_dict_get(data, "matches")) != NULL) {
			if (maxmatches <= 0)
				pyval_free(pyval_dict_pop(data, "matches"));
			else if ((long)pyval_len(m) > maxmatches) {
				struct pyval *keep = pyval_list();
				size_t i, k = pyval_len(m);

				for (i = k - (size_t)maxmatches; i < k; i++)
					pyval_append(keep, pyval_copy(pyval_at(m, i)));
				pyval_dict_set(data, pyval_str("matches"), keep);
			}
		}
		if (addr_parse(&a, ip, ADDR_CIDR_UNSPEC) < 0) {
			pyval_free(data);
			continue;
		}
		t = ticket_new(&a, (double)tob, data);
		addr_clear(&a);
		{
			struct pyval *f = pyval_dict_get(t->data, "failures");

			t->failures = f && pyval_type(f) == PY_INT ? (long)pyval_as_int(f) : 0;
		}
		t->bantime = bt;
		t->bancount = (long)sqlite3_column_int64(st, 3);
		t->restored = true;
		*out = xrealloc(*out, (n + 1) * sizeof(**out));
		(*out)[n++] = t;
	}
	sqlite3_finalize(st);
	return n;
}

bool
db_get_ban(struct db *d, const char *ip, const char *jail, bool overall, long long *count,
    long long *timeofban, long long *bantime)
{
	sqlite3_stmt *st;
	bool found = false;
	const char *sql = overall ?
	    "SELECT sum(bancount), max(timeofban), sum(bantime) FROM bips WHERE ip = ? "
	    "GROUP BY ip ORDER BY timeofban DESC LIMIT 1" :
	    "SELECT bancount, timeofban, bantime FROM bips WHERE ip = ? AND jail=?";

	if (sqlite3_prepare_v2(d->h, sql, -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, ip, -1, SQLITE_TRANSIENT);
	if (!overall)
		sqlite3_bind_text(st, 2, jail, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*count = sqlite3_column_int64(st, 0);
		*timeofban = sqlite3_column_int64(st, 1);
		*bantime = sqlite3_column_int64(st, 2);
		found = true;
	}
	sqlite3_finalize(st);
	return found;
}

void
db_purge(struct db *d, double now)
{
	long long age = (long long)(now - d->purgeage);

	begin(d);
	run(d, "DELETE FROM bans WHERE timeofban < ?", "i", age);
	run(d, "DELETE FROM bips WHERE timeofban < ? and bantime != -1 and "
	    "(timeofban + (bantime * ?)) < ?", "iii", age, (long long)OUTDATED_FACTOR, age);
	run(d, "DELETE FROM jails WHERE enabled = 0 AND NOT EXISTS(SELECT * FROM bans WHERE "
	    "jail = jails.name) AND NOT EXISTS(SELECT * FROM bips WHERE jail = jails.name)", "");
}

long long
db_count_bans(struct db *d)
{
	sqlite3_stmt *st;
	long long n = 0;

	if (sqlite3_prepare_v2(d->h, "SELECT count(*) FROM bans", -1, &st, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

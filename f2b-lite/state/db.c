/* db: fail2ban's persistent database on SQLite. */
#include "db.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "json.h"
#include "pyval.h"
#include "strbuf.h"
#include "ticket.h"
#include "xmalloc.h"

#define DB_VERSION	4
#define OUTDATED_FACTOR	3

/*
 * The tables of schema version 4 (Fail2BanDb._CREATE_SCRIPTS); logs, bans
 * and bips are also what updateDb rebuilds or adds for older versions.
 */
#define LOGS_V4 \
	"CREATE TABLE IF NOT EXISTS logs(jail TEXT NOT NULL, path TEXT, firstlinemd5 TEXT, " \
	"lastfilepos INTEGER DEFAULT 0, FOREIGN KEY(jail) REFERENCES jails(name) ON DELETE " \
	"CASCADE, UNIQUE(jail, path),UNIQUE(jail, path, firstlinemd5));" \
	"CREATE INDEX IF NOT EXISTS logs_path ON logs(path);" \
	"CREATE INDEX IF NOT EXISTS logs_jail_path ON logs(jail, path);"
#define BANS_V4 \
	"CREATE TABLE IF NOT EXISTS bans(jail TEXT NOT NULL, ip TEXT, timeofban INTEGER NOT " \
	"NULL, bantime INTEGER NOT NULL, bancount INTEGER NOT NULL default 1, data JSON, " \
	"FOREIGN KEY(jail) REFERENCES jails(name) );" \
	"CREATE INDEX IF NOT EXISTS bans_jail_timeofban_ip ON bans(jail, timeofban);" \
	"CREATE INDEX IF NOT EXISTS bans_jail_ip ON bans(jail, ip);" \
	"CREATE INDEX IF NOT EXISTS bans_ip ON bans(ip);"
#define BIPS_V4 \
	"CREATE TABLE IF NOT EXISTS bips(ip TEXT NOT NULL, jail TEXT NOT NULL, timeofban " \
	"INTEGER NOT NULL, bantime INTEGER NOT NULL, bancount INTEGER NOT NULL default 1, " \
	"data JSON, PRIMARY KEY(ip, jail), FOREIGN KEY(jail) REFERENCES jails(name) );" \
	"CREATE INDEX IF NOT EXISTS bips_timeofban ON bips(timeofban);" \
	"CREATE INDEX IF NOT EXISTS bips_ip ON bips(ip);"

static const char *const schema =
	"CREATE TABLE IF NOT EXISTS fail2banDb(version INTEGER);"
	"CREATE TABLE IF NOT EXISTS jails(name TEXT NOT NULL UNIQUE, "
	"enabled INTEGER NOT NULL DEFAULT 1);"
	"CREATE INDEX IF NOT EXISTS jails_name ON jails(name);"
	LOGS_V4 BANS_V4 BIPS_V4;

struct db {
	sqlite3		*h;
	char		*path;
	char		*backup;	/* path.YYYYmmdd-HHMMSS: fail2ban's name for its copies */
	bool		 in_tx;		/* writes since the last commit */
	bool		 tx_open;	/* ... inside a BEGIN that worked */
	bool		 repairing;	/* repairDB's guard against doing it twice */
	db_hook_fn	*hook;
	void		*hook_arg;
	db_note_fn	*note;
	void		*note_arg;
	double		 purgeage;
	long		 maxmatches;
	/* writes that did not reach the file: this transaction's, and all */
	unsigned long	 tx_writes, tx_failed;
	char		*tx_error;
	unsigned long long write_errors;
	bool		 failing;	/* said so; said again when writes work */
	/*
	 * the writes' statements, prepared once for the handle (a burst of
	 * bans spent a fifth of its time compiling the same two INSERTs),
	 * keyed by their text's address: run() is given literals
	 */
	struct {
		const char	*sql;
		sqlite3_stmt	*st;
	}		 stmts[16];
};

static void __attribute__((format(printf, 3, 4)))
note(struct db *d, enum db_level level, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (d->note == NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg)
		d->note(d->note_arg, level, msg);
	free(msg);
}

/* The prepared statements go: before the handle is closed or replaced. */
static void
stmts_drop(struct db *d)
{
	size_t i;

	for (i = 0; i < sizeof(d->stmts) / sizeof(d->stmts[0]) && d->stmts[i].sql; i++) {
		sqlite3_finalize(d->stmts[i].st);
		d->stmts[i].sql = NULL;
		d->stmts[i].st = NULL;
	}
}

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

/*
 * The Python exception class a result code becomes (sqlite3 module): true
 * for OperationalError, which fail2ban takes for "no database yet" and
 * answers by creating the tables; the others (corrupt, not a database)
 * make it repair the file.
 */
static bool
operational(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_ERROR: case SQLITE_PERM: case SQLITE_ABORT: case SQLITE_BUSY:
	case SQLITE_LOCKED: case SQLITE_READONLY: case SQLITE_INTERRUPT: case SQLITE_IOERR:
	case SQLITE_FULL: case SQLITE_CANTOPEN: case SQLITE_PROTOCOL: case SQLITE_EMPTY:
	case SQLITE_SCHEMA:
		return true;
	}
	return false;
}

static bool
is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool
table_exists(struct db *d, const char *name)
{
	sqlite3_stmt *st;
	bool found = false;

	if (sqlite3_prepare_v2(d->h, "SELECT 1 FROM sqlite_master WHERE type='table' AND "
	    "name=?", -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/* SELECT version FROM fail2banDb: the result code; *version -1 if no row. */
static int
read_version(struct db *d, int *version)
{
	sqlite3_stmt *st;
	int rc;

	*version = -1;
	if ((rc = sqlite3_prepare_v2(d->h, "SELECT version FROM fail2banDb LIMIT 1", -1, &st,
	    NULL)) != SQLITE_OK)
		return rc;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*version = sqlite3_column_int(st, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_finalize(st);
	return rc;
}

/* _createDb: every table and index that is missing, version 4 unless one is set. */
static bool
create_tables(struct db *d, char **err)
{
	return exec(d, "BEGIN;", err) && (exec(d, schema, err) &&
	    exec(d, "INSERT INTO fail2banDb(version) SELECT 4 WHERE NOT EXISTS "
	    "(SELECT 1 FROM fail2banDb LIMIT 1); COMMIT;", err) ?
	    true : (exec(d, "ROLLBACK;", NULL), false));
}

/* A byte copy of the file (shutil.copyfile). */
static int
copy_file(const char *from, const char *to, char **err)
{
	char buf[65536];
	ssize_t n = 0;
	int in, out;

	if ((in = open(from, O_RDONLY | O_CLOEXEC)) < 0) {
		*err = xasprintf("%s: %s", from, strerror(errno));
		return -1;
	}
	if ((out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
		*err = xasprintf("%s: %s", to, strerror(errno));
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	if (n < 0)
		*err = xasprintf("%s: %s", to, strerror(errno));
	close(in);
	if (close(out) < 0 && n >= 0) {
		*err = xasprintf("%s: %s", to, strerror(errno));
		n = -1;
	}
	return n < 0 ? -1 : 0;
}

static int db_connect(struct db *, bool check_integrity, char **err);

/* The rows of table name in from, inserted into the same table of to. */
static void
copy_rows(sqlite3 *from, sqlite3 *to, const char *name)
{
	sqlite3_stmt *sel = NULL, *ins = NULL;
	char *sql = sqlite3_mprintf("SELECT * FROM \"%w\"", name);
	int i, n;

	if (sqlite3_prepare_v2(from, sql, -1, &sel, NULL) == SQLITE_OK) {
		struct strbuf q = STRBUF_INIT;
		char *into = sqlite3_mprintf("INSERT INTO main.\"%w\" VALUES(", name);

		n = sqlite3_column_count(sel);
		strbuf_adds(&q, into);
		sqlite3_free(into);
		for (i = 0; i < n; i++)
			strbuf_adds(&q, i ? ", ?" : "?");
		strbuf_addc(&q, ')');
		if (sqlite3_prepare_v2(to, strbuf_str(&q), -1, &ins, NULL) == SQLITE_OK)
			while (sqlite3_step(sel) == SQLITE_ROW) {
				for (i = 0; i < n; i++)
					sqlite3_bind_value(ins, i + 1, sqlite3_column_value(sel, i));
				sqlite3_step(ins);
				sqlite3_reset(ins);
			}
		strbuf_free(&q);
	}
	sqlite3_finalize(ins);
	sqlite3_finalize(sel);
	sqlite3_free(sql);
}

/*
 * `sqlite3 FROM .dump | sqlite3 TO`, as repairDB runs it: the schema entries
 * of FROM read as they are stored (writable_schema: a broken one does not
 * hide the others), each table made in TO and given the rows that can be
 * read, then the indexes; whatever fails is left out and the rest goes on.
 * Only the first statement of each schema entry is run.  TO stays empty
 * when nothing could be read.
 */
static void
dump_restore(const char *from, const char *to)
{
	sqlite3 *bk = NULL, *h = NULL;
	sqlite3_stmt *st = NULL;
	int pass;

	if (sqlite3_open_v2(from, &bk, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_open(to, &h) != SQLITE_OK) {
		sqlite3_close(bk);
		sqlite3_close(h);
		return;
	}
	sqlite3_db_config(bk, SQLITE_DBCONFIG_WRITABLE_SCHEMA, 1, NULL);
	sqlite3_exec(h, "PRAGMA foreign_keys=OFF; BEGIN;", NULL, NULL, NULL);
	/* the tables with their rows first, then indexes, triggers and views */
	for (pass = 0; pass < 2; pass++) {
		if (sqlite3_prepare_v2(bk, "SELECT type, name, sql FROM sqlite_master WHERE "
		    "sql NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid", -1, &st,
		    NULL) != SQLITE_OK)
			break;
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *type = (const char *)sqlite3_column_text(st, 0);
			const char *name = (const char *)sqlite3_column_text(st, 1);
			const char *sql = (const char *)sqlite3_column_text(st, 2);
			bool table = type && strcmp(type, "table") == 0;
			sqlite3_stmt *one = NULL;

			if (table != (pass == 0) || name == NULL || sql == NULL)
				continue;
			if (sqlite3_prepare_v2(h, sql, -1, &one, NULL) == SQLITE_OK && one != NULL)
				sqlite3_step(one);
			sqlite3_finalize(one);
			if (table)
				copy_rows(bk, h, name);
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	sqlite3_exec(h, "COMMIT;", NULL, NULL, NULL);
	sqlite3_close(h);
	sqlite3_close(bk);
}

/*
 * repairDB: the file is moved aside to the backup name and what can be read
 * of it is copied into a new one (fail2ban pipes `sqlite3 BACKUP .dump` into
 * `sqlite3 FILE`: its dump ends in ROLLBACK at the first read error, so a
 * file is copied whole or not at all, as here); when nothing was restored, a
 * new database is created.
 */
static int
repair(struct db *d, char **err)
{
	char *why = NULL;
	struct stat st;
	int rc;

	if (d->repairing) {
		*err = xasprintf("Error repairing of fail2ban database '%s': already tried once",
		    d->path);
		return -1;
	}
	d->repairing = true;
	note(d, DB_INFO, "Trying to repair database %s", d->path);
	if (!is_file(d->backup)) {
		if (rename(d->path, d->backup) < 0)
			why = xasprintf("cannot move it to %s: %s", d->backup, strerror(errno));
		else
			note(d, DB_INFO, "  Database backup created: %s", d->backup);
	} else if (is_file(d->path))
		unlink(d->path);
	if (why == NULL) {
		dump_restore(d->backup, d->path);
		if (stat(d->path, &st) < 0)
			why = xasprintf("[Errno %d] %s: '%s'", errno, strerror(errno), d->path);
		else if (st.st_size > 0) {
			note(d, DB_INFO, "  Repair seems to be successful, restored %lld byte(s).",
			    (long long)st.st_size);
			if ((rc = db_connect(d, true, err)) == 0)
				d->repairing = false;
			return rc;
		} else {
			note(d, DB_INFO, "  Repair seems to be failed, restored %lld byte(s).",
			    (long long)st.st_size);
			why = xstrdup("Recreate ...");
		}
	}
	/* as fail2ban: whatever went wrong, a new empty database */
	note(d, DB_ERROR, "  Error repairing of fail2ban database '%s': %s", d->path, why);
	free(why);
	unlink(d->path);
	rc = db_connect(d, true, err);
	d->repairing = false;
	return rc;
}

/*
 * updateDb: version 1 had logs without UNIQUE(jail, path, firstlinemd5),
 * versions 1 and 2 bans without bantime and bancount (-2, "unknown", is
 * filled in: the jail's bantime when restored), version 4 added bips, filled
 * from bans; a copy of the file is kept first.  A failure repairs the file.
 */
static int
update(struct db *d, int version, int *now, char **err)
{
	char *why = NULL;

	note(d, DB_INFO, "Upgrade database: %s from version '%d'", d->backup, version);
	if (!is_file(d->backup)) {
		if (copy_file(d->path, d->backup, &why) < 0)
			goto fail;
		note(d, DB_INFO, "  Database backup created: %s", d->backup);
	}
	if (!exec(d, "BEGIN;", &why))
		goto fail;
	if (version < 2 && table_exists(d, "logs") && !exec(d, "CREATE TEMPORARY TABLE "
	    "logs_temp AS SELECT * FROM logs; DROP TABLE logs;" LOGS_V4 "INSERT INTO logs "
	    "SELECT * from logs_temp; DROP TABLE logs_temp; UPDATE fail2banDb SET version = 2;",
	    &why))
		goto rollback;
	if (version < 3 && table_exists(d, "bans") && !exec(d, "CREATE TEMPORARY TABLE "
	    "bans_temp AS SELECT jail, ip, timeofban, -2 as bantime, 1 as bancount, data FROM "
	    "bans; DROP TABLE bans;" BANS_V4 "INSERT INTO bans SELECT * from bans_temp; "
	    "DROP TABLE bans_temp;", &why))
		goto rollback;
	if (version < 4 && !table_exists(d, "bips")) {
		if (!exec(d, BIPS_V4, &why) || !exec(d, "UPDATE fail2banDb SET version = 4;", &why))
			goto rollback;
		if (table_exists(d, "bans") && !exec(d, "INSERT OR REPLACE INTO bips(ip, jail, "
		    "timeofban, bantime, bancount, data) SELECT ip, jail, timeofban, bantime, "
		    "bancount, data FROM bans order by timeofban", &why))
			goto rollback;
	}
	if (!exec(d, "COMMIT;", &why))
		goto rollback;
	if (read_version(d, now) != SQLITE_OK) {
		why = xstrdup(sqlite3_errmsg(d->h));
		goto fail;
	}
	return 0;
rollback:
	exec(d, "ROLLBACK;", NULL);
fail:
	note(d, DB_ERROR, "Failed to upgrade database '%s': %s", d->path, why);
	free(why);
	*now = -1;
	return repair(d, err);
}

/*
 * A database in WAL mode (as we leave ours) on a read-only file system
 * cannot be read the usual way (no -shm file can be made): opened as an
 * immutable file instead, its bans can still be restored.  False if that
 * does not open either.
 */
static bool
reopen_immutable(struct db *d)
{
	struct strbuf uri = STRBUF_INIT;
	sqlite3 *h = NULL;
	const char *p;

	strbuf_adds(&uri, "file:");
	for (p = d->path; *p; p++)
		if (*p == '?' || *p == '#' || *p == '%')
			strbuf_addf(&uri, "%%%02X", (unsigned char)*p);
		else
			strbuf_addc(&uri, *p);
	strbuf_adds(&uri, "?immutable=1");
	if (sqlite3_open_v2(strbuf_str(&uri), &h, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
	    NULL) != SQLITE_OK) {
		sqlite3_close(h);
		strbuf_free(&uri);
		return false;
	}
	strbuf_free(&uri);
	stmts_drop(d);
	sqlite3_close(d->h);
	d->h = h;
	return true;
}

/* _connectDB: open the file, then create, update or repair what is in it. */
static int
db_connect(struct db *d, bool check_integrity, char **err)
{
	int version, rc, now;

	stmts_drop(d);
	if (d->h)
		sqlite3_close(d->h);
	d->h = NULL;
	if (sqlite3_open(d->path, &d->h) != SQLITE_OK) {
		*err = xasprintf("Error connecting to fail2ban persistent database '%s': %s",
		    d->path, d->h ? sqlite3_errmsg(d->h) : "out of memory");
		return -1;
	}
	sqlite3_busy_timeout(d->h, 5000);
	note(d, DB_INFO, "Connected to fail2ban persistent database '%s'", d->path);
	exec(d, "PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;", NULL);
	rc = read_version(d, &version);
	if ((rc & 0xff) == SQLITE_CANTOPEN && is_file(d->path) && reopen_immutable(d))
		rc = read_version(d, &version);
	if (rc != SQLITE_OK && operational(rc)) {
		if (!create_tables(d, err)) {
			char *e = *err;

			*err = xasprintf("Error creating fail2ban persistent database '%s': %s",
			    d->path, e);
			free(e);
			return -1;
		}
		read_version(d, &version);
		note(d, DB_WARNING, "New database created. Version '%d'", version);
	} else if (rc != SQLITE_OK) {
		note(d, DB_ERROR, "Error opening fail2ban persistent database '%s': %s", d->path,
		    sqlite3_errmsg(d->h));
		if (!is_file(d->path)) {
			*err = xasprintf("Error opening fail2ban persistent database '%s': %s",
			    d->path, sqlite3_errmsg(d->h));
			return -1;
		}
		stmts_drop(d);
		sqlite3_close(d->h);
		d->h = NULL;
		return repair(d, err);
	} else if (version < 0) {
		/* a fail2banDb table with no row: fail2ban gives up, we fill it in */
		if (!create_tables(d, err))
			return -1;
		version = DB_VERSION;
		note(d, DB_WARNING, "New database created. Version '%d'", version);
	} else if (version > DB_VERSION) {
		*err = xasprintf("Attempt to travel to future version of database '%s' (version "
		    "%d) ...aborting", d->path, version);
		return -1;
	} else if (version != DB_VERSION) {
		if (update(d, version, &now, err) < 0)
			return -1;
		if (now < 0)	/* repaired instead */
			return 0;
		if (now != DB_VERSION) {
			*err = xasprintf("Database update failed to achieve version '%d': updated "
			    "from '%d' to '%d'", DB_VERSION, version, now);
			return -1;
		}
		note(d, DB_WARNING, "Database updated from '%d' to '%d'", version, now);
	}
	if (check_integrity) {
		sqlite3_stmt *st;

		note(d, DB_DEBUG, "  Create missing tables/indices ...");
		if (!create_tables(d, err))
			return -1;
		note(d, DB_DEBUG, "  -> ok");
		note(d, DB_DEBUG, "  Check integrity ...");
		if (sqlite3_prepare_v2(d->h, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK) {
			while (sqlite3_step(st) == SQLITE_ROW)
				note(d, DB_DEBUG, "  -> %s", (const char *)sqlite3_column_text(st, 0));
			sqlite3_finalize(st);
		}
	}
	/*
	 * fail2ban's own pragmas are synchronous=OFF and an in-memory journal;
	 * we keep a real journal (WAL) and synchronous=NORMAL, so a crash loses
	 * at most the last loop turn's transaction, never the file.
	 */
	exec(d, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;", NULL);
	if (sqlite3_db_readonly(d->h, "main") == 1) {
		note(d, DB_ERROR, "Database '%s' is read-only: bans and log positions will not be "
		    "stored (they are kept in memory only)", d->path);
		d->failing = true;
	}
	return 0;
}

struct db *
db_open(const char *path, db_note_fn *fn, void *arg, char **err)
{
	struct db *d = xcalloc(1, sizeof(*d));
	time_t now = (time_t)clock_now();
	struct tm tm;
	char stamp[32];

	d->path = xstrdup(path);
	d->note = fn;
	d->note_arg = arg;
	d->purgeage = 86400;
	d->maxmatches = 10;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	d->backup = xasprintf("%s.%s", path, stamp);
	if (db_connect(d, false, err) < 0) {
		d->note = NULL;
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
		db_commit(d, NULL);
	stmts_drop(d);
	sqlite3_close(d->h);
	free(d->tx_error);
	free(d->backup);
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

/* A write of the open transaction failed: counted, its first message kept. */
static void
write_failed(struct db *d, unsigned long n, const char *msg)
{
	d->tx_failed += n;
	d->write_errors += n;
	if (d->tx_error == NULL)
		d->tx_error = xstrdup(msg);
}

/*
 * The first write of a loop turn opens its transaction and calls the hook
 * (which commits at the end of the turn).  Should BEGIN fail, the writes
 * run one by one and the commit still reports them.
 */
static void
begin(struct db *d)
{
	char *err = NULL;

	if (d->in_tx)
		return;
	d->in_tx = true;
	d->tx_writes = d->tx_failed = 0;
	free(d->tx_error);
	d->tx_error = NULL;
	if (!exec(d, "BEGIN;", &err)) {
		d->tx_open = false;
		write_failed(d, 0, err);
		free(err);
	} else
		d->tx_open = true;
	if (d->hook)
		d->hook(d->hook_arg);
}

int
db_commit(struct db *d, char **err)
{
	char *msg = NULL;

	if (!d->in_tx)
		return 0;
	d->in_tx = false;
	if (d->tx_open && !exec(d, "COMMIT;", &msg)) {
		/* nothing of the transaction reached the file */
		exec(d, "ROLLBACK;", NULL);
		write_failed(d, d->tx_writes - d->tx_failed, msg);
		free(msg);
	}
	d->tx_open = false;
	if (d->tx_failed == 0) {
		if (d->failing && d->tx_writes > 0) {
			note(d, DB_INFO, "Database '%s' is written again (%llu writes failed "
			    "before)", d->path, d->write_errors);
			d->failing = false;
		}
		return 0;
	}
	if (!d->failing)
		note(d, DB_ERROR, "Database '%s': %lu of %lu writes failed (%s): bans and log "
		    "positions are not stored until it can be written again", d->path,
		    d->tx_failed, d->tx_writes, d->tx_error);
	d->failing = true;
	if (err)
		*err = xstrdup(d->tx_error);
	return -1;
}

unsigned long long
db_write_errors(const struct db *d)
{
	return d->write_errors;
}

/*
 * sql's statement, prepared once per handle while there is room in the
 * cache (*cached), else for this one run (finalized by the caller); NULL
 * if it does not prepare.
 */
static sqlite3_stmt *
stmt(struct db *d, const char *sql, bool *cached)
{
	const size_t max = sizeof(d->stmts) / sizeof(d->stmts[0]);
	sqlite3_stmt *st;
	size_t i;

	for (i = 0; i < max && d->stmts[i].sql; i++)
		if (d->stmts[i].sql == sql) {
			*cached = true;
			return d->stmts[i].st;
		}
	if (sqlite3_prepare_v3(d->h, sql, -1, i < max ? SQLITE_PREPARE_PERSISTENT : 0, &st,
	    NULL) != SQLITE_OK)
		return NULL;
	*cached = i < max;
	if (*cached) {
		d->stmts[i].sql = sql;
		d->stmts[i].st = st;
	}
	return st;
}

/* Runs a write with text/int64 arguments ("s" or "i" per argument). */
static bool
run(struct db *d, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	bool cached;
	int i, rc;

	d->tx_writes++;
	if ((st = stmt(d, sql, &cached)) == NULL) {
		write_failed(d, 1, sqlite3_errmsg(d->h));
		return false;
	}
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
	if (rc != SQLITE_DONE)
		write_failed(d, 1, sqlite3_errmsg(d->h));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (!cached)
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
	if (jail == NULL)
		run(d, "UPDATE jails SET enabled=0", "");
	else
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
	d->tx_writes++;
	if (sqlite3_prepare_v2(d->h, "INSERT OR REPLACE INTO logs(jail, path, firstlinemd5, "
	    "lastfilepos) VALUES(?, 'systemd-journal', ?, ?)", -1, &st, NULL) != SQLITE_OK) {
		write_failed(d, 1, sqlite3_errmsg(d->h));
		return;
	}
	sqlite3_bind_text(st, 1, jail, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, iso, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(st, 3, time);
	if (sqlite3_step(st) != SQLITE_DONE)
		write_failed(d, 1, sqlite3_errmsg(d->h));
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

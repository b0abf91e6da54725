/*
 * Unit tests for journal, on journal files made without journald: entries
 * written in the journal export format are turned into journal files by
 * systemd-journal-remote.  Checked: the lines fail2ban formats (and the same
 * lines from fail2ban itself when it is installed), times and date texts,
 * matches with "+" and conjunctions, the flags, resuming after a cursor or a
 * time, following appends, rotation and vacuum (nothing lost or repeated),
 * journalfiles across rotation, open fds across many rotations, errors.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"
#include "loop.h"
#include "strbuf.h"
#include "tap.h"

#define T0	1700000000000000LL	/* __REALTIME_TIMESTAMP of entry 0 */
#define MONO0	1000000LL
#define USEC	1000000LL
#define BOOT	"0123456789abcdef0123456789abcdef"
#define MAXE	64
#define PY	"/usr/bin/python3"

static const char *remote;
static struct loop *L;

/* what the callbacks saw */
static struct strbuf got = STRBUF_INIT;
static bool as_fail2ban;	/* got: "<datetext><line>|<time>\n" */
static int nentries, nlive, nreopened, nerrors;
static double times[MAXE];
static char dates[MAXE][64], cursors[MAXE][512], last_cursor[512];
static struct journal *close_me;

/* ---- journal files ------------------------------------------------------ */

static void
ent_begin(struct strbuf *sb, long long i)
{
	strbuf_addf(sb, "__REALTIME_TIMESTAMP=%lld\n__MONOTONIC_TIMESTAMP=%lld\n"
	    "_BOOT_ID=%s\n", T0 + i * USEC, MONO0 + i * USEC, BOOT);
}

static void
ent_field(struct strbuf *sb, const char *kv)
{
	strbuf_adds(sb, kv);
	strbuf_addc(sb, '\n');
}

/* A field in the export format's binary form (any bytes). */
static void
ent_binary(struct strbuf *sb, const char *name, const char *data, size_t len)
{
	uint64_t n = len;
	int k;

	strbuf_adds(sb, name);
	strbuf_addc(sb, '\n');
	for (k = 0; k < 8; k++)
		strbuf_addc(sb, (char)((n >> (8 * k)) & 0xff));
	strbuf_add(sb, data, len);
	strbuf_addc(sb, '\n');
}

static void
ent_end(struct strbuf *sb)
{
	strbuf_addc(sb, '\n');
}

/* Appends the export stream to the journal file (created if missing). */
static void
write_journal(const char *path, const struct strbuf *sb)
{
	char cmd[1024];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s -o '%s' - 2>/dev/null", remote, path);
	if ((p = popen(cmd, "w")) == NULL ||
	    fwrite(strbuf_str(sb), 1, sb->len, p) != sb->len || pclose(p) != 0) {
		printf("Bail out! %s failed\n", cmd);
		exit(1);
	}
}

/* Entries from..to: "h t[i]: m<i>" at T0 + i seconds. */
static void
write_msgs(const char *path, long long from, long long to)
{
	struct strbuf sb = STRBUF_INIT;
	long long i;

	for (i = from; i <= to; i++) {
		ent_begin(&sb, i);
		strbuf_addf(&sb, "_HOSTNAME=h\nSYSLOG_IDENTIFIER=t\n_PID=%lld\n"
		    "MESSAGE=m%lld\n", i, i);
		ent_end(&sb);
	}
	write_journal(path, &sb);
	strbuf_free(&sb);
}

static void __attribute__((format(printf, 1, 2)))
run(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0) {
		printf("Bail out! %s failed\n", cmd);
		exit(1);
	}
}

static char *
make_dir(void)
{
	char tmpl[] = "/tmp/f2b-journal.XXXXXX";

	if (mkdtemp(tmpl) == NULL)
		exit(1);
	return strdup(tmpl);
}

/* Open fds on files that were deleted: what a leak looks like. */
static int
deleted_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	char link[300], target[600];
	ssize_t n;
	int count = 0;

	while ((de = readdir(d)) != NULL) {
		snprintf(link, sizeof(link), "/proc/self/fd/%s", de->d_name);
		if ((n = readlink(link, target, sizeof(target) - 1)) > 0) {
			target[n] = '\0';
			if (strstr(target, " (deleted)") != NULL)
				count++;
		}
	}
	closedir(d);
	return count;
}

static int
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;		/* d itself */
}

/* ---- callbacks and the loop --------------------------------------------- */

static void
reset(void)
{
	strbuf_reset(&got);
	nentries = nlive = nreopened = nerrors = 0;
	last_cursor[0] = '\0';
}

static void
on_entry(void *arg, const struct journal_entry *e)
{
	(void)arg;
	if (as_fail2ban)
		strbuf_addf(&got, "%s%.*s|%.6f\n", e->datetext, (int)e->len, e->line,
		    e->time);
	else {
		strbuf_add(&got, e->line, e->len);
		strbuf_addc(&got, '|');
	}
	snprintf(last_cursor, sizeof(last_cursor), "%s", e->cursor ? e->cursor : "");
	if (nentries < MAXE) {
		times[nentries] = e->time;
		snprintf(dates[nentries], sizeof(dates[0]), "%s", e->datetext);
		snprintf(cursors[nentries], sizeof(cursors[0]), "%s", last_cursor);
	}
	nentries++;
	if (close_me != NULL) {
		journal_close(close_me);
		close_me = NULL;
	}
}

static void
on_event(void *arg, enum journal_event ev, const char *msg)
{
	(void)arg;
	if (ev == JOURNAL_LIVE)
		nlive++;
	else if (ev == JOURNAL_REOPENED)
		nreopened++;
	else {
		nerrors++;
		printf("# error event: %s\n", msg);
	}
}

static void stop(void *arg) { (void)arg; loop_stop(L); }

static void
spin(double secs)
{
	loop_timer_add(L, secs, stop, NULL);
	loop_run(L);
}

/* Runs the loop until n entries came in all (or max seconds passed). */
static void
spin_until(int n, double max)
{
	double t;

	for (t = 0; t < max && nentries < n; t += 0.05)
		spin(0.05);
}

static struct journal_opts
dir_opts(const char *dir)
{
	struct journal_opts o;

	memset(&o, 0, sizeof(o));
	o.path = dir;
	o.flags = JOURNAL_FLAGS_DEFAULT;
	return o;
}

/* ---- formatting --------------------------------------------------------- */

#define E(...) do {							\
	const char *f_[] = { __VA_ARGS__, NULL };			\
	const char *const *p_;						\
	ent_begin(&sb, i++);						\
	for (p_ = f_; *p_; p_++)					\
		ent_field(&sb, *p_);					\
	ent_end(&sb);							\
} while (0)

/* A journal of odd entries; the lines fail2ban makes of them, in order. */
static void
write_format_journal(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	long long i = 0;

	E("_HOSTNAME=myhost", "SYSLOG_IDENTIFIER=sshd", "_PID=123",
	    "MESSAGE=Failed password for root from 192.0.2.1 port 22 ssh2");
	E("_HOSTNAME=h", "_COMM=su", "_PID=77", "MESSAGE=x");
	E("_HOSTNAME=h", "SYSLOG_IDENTIFIER=a", "SYSLOG_PID=abc", "_PID=5", "MESSAGE=m");
	E("_HOSTNAME=h", "SYSLOG_IDENTIFIER=a", "SYSLOG_PID=0x1f", "MESSAGE=m");
	E("_HOSTNAME=h", "SYSLOG_IDENTIFIER=a", "SYSLOG_PID=", "_PID=5", "MESSAGE=m");
	/* 5 */
	E("_HOSTNAME=h", "SYSLOG_IDENTIFIER=a", "SYSLOG_PID=0", "_PID=9", "MESSAGE=m");
	E("_HOSTNAME=h", "SYSLOG_IDENTIFIER=a", "SYSLOG_PID= 1_000 ", "MESSAGE=m");
	E("_HOSTNAME=h", "SYSLOG_IDENTIFIER=a", "SYSLOG_PID=-0", "MESSAGE=m");
	E("_HOSTNAME=h", "SYSLOG_IDENTIFIER=kernel", "MESSAGE=oops");
	E("_HOSTNAME=h", "SYSLOG_IDENTIFIER=kernel",
	    "_SOURCE_MONOTONIC_TIMESTAMP=1234567", "MESSAGE=oops");
	/* 10 */
	E("MESSAGE=just the message");
	E("_HOSTNAME=h", "SYSLOG_IDENTIFIER=t", "_PID=1");
	E("_HOSTNAME=h", "SYSLOG_IDENTIFIER=t", "MESSAGE=first", "MESSAGE=second");
	E("_HOSTNAME=h", "SYSLOG_IDENTIFIER=t",
	    "_SOURCE_REALTIME_TIMESTAMP=1600000000123456", "MESSAGE=source time");
	E("_HOSTNAME=h", "SYSLOG_IDENTIFIER=t", "SYSLOG_PID=1", "SYSLOG_PID=x",
	    "MESSAGE=m");
	/* 15 */
	E("_HOSTNAME=h", "SYSLOG_IDENTIFIER=", "_COMM=cron", "MESSAGE=m");
	E("_HOSTNAME=h", "SYSLOG_IDENTIFIER=a", "SYSLOG_PID=0o17", "MESSAGE=m");
	E("_HOSTNAME=h", "SYSLOG_IDENTIFIER=a", "SYSLOG_PID=1__0", "MESSAGE=m");
	E("_HOSTNAME=h", "SYSLOG_IDENTIFIER=a", "SYSLOG_PID=it's", "MESSAGE=m");
	E("_HOSTNAME=h", "SYSLOG_IDENTIFIER=a",
	    "SYSLOG_PID=0xffffffffffffffffffffffffffffffffffff", "MESSAGE=m");
	/* 20 */
	E("_HOSTNAME=h", "SYSLOG_IDENTIFIER=a", "SYSLOG_PID=007", "MESSAGE=m");
	E("_HOSTNAME=h", "SYSLOG_IDENTIFIER=a", "SYSLOG_PID=0_7", "_PID=3", "MESSAGE=m");
	E("_HOSTNAME=h", "SYSLOG_IDENTIFIER=a", "SYSLOG_PID=1.5", "MESSAGE=m");
	E("_HOSTNAME=h", "SYSLOG_IDENTIFIER=a", "SYSLOG_PID=0b_101", "MESSAGE=m");
	E("_HOSTNAME=h", "SYSLOG_IDENTIFIER=a", "SYSLOG_PID=\x01\\", "MESSAGE=m");
	/* 25: newlines and a tab in MESSAGE */
	ent_begin(&sb, i++);
	ent_field(&sb, "_HOSTNAME=h");
	ent_field(&sb, "SYSLOG_IDENTIFIER=t");
	ent_binary(&sb, "MESSAGE", "a\nb\tc\n", 6);
	ent_end(&sb);
	write_journal(path, &sb);
	strbuf_free(&sb);
}

static const char format_want[] =
    "myhost sshd[123]: Failed password for root from 192.0.2.1 port 22 ssh2|"
    "h su[77]: x|"
    "h a[b'abc']: m|"
    "h a[31]: m|"
    "h a[5]: m|"
    "h a[9]: m|"
    "h a[1000]: m|"
    "h a: m|"
    "h kernel: [    9.000000] oops|"
    "h kernel: [    1.234567] oops|"
    "just the message|"
    "h t[1]: |"
    "h t: first second|"
    "h t: source time|"
    "h t[[1, b'x']]: m|"
    "h cron: m|"
    "h a[15]: m|"
    "h a[b'1__0']: m|"
    "h a[b\"it's\"]: m|"
    "h a[22300745198530623141535718272648361505980415]: m|"
    "h a[7]: m|"
    "h a[7]: m|"
    "h a[b'1.5']: m|"
    "h a[5]: m|"
    "h a[b'\\x01\\\\']: m|"
    "h t: a\\nb\tc\\n|";

static void
test_format(const char *dir)
{
	struct journal_opts o = dir_opts(dir);
	char *err = NULL;
	long n;

	reset();
	n = journal_read_all(&o, on_entry, on_event, NULL, &err);
	is_int(n, 26, "read_all: every entry");
	is_str(strbuf_str(&got), format_want, "lines formatted as fail2ban formats them");
	is_int(nerrors, 0, "no errors");
	is_str(dates[0], "2023-11-14T22:13:20+00:00 ", "date text: ISO 8601 and a space");
	ok(times[0] == 1700000000.0, "time: __REALTIME_TIMESTAMP");
	is_str(dates[13], "2020-09-13T12:26:40.123456+00:00 ",
	    "date text of _SOURCE_REALTIME_TIMESTAMP, microseconds");
	ok(times[13] == 1600000000.0 + 123456 / 1.0E6,
	    "time: _SOURCE_REALTIME_TIMESTAMP first");
	ok(cursors[0][0] == 's' && strcmp(cursors[0], cursors[1]) != 0,
	    "each entry has its cursor");

	/* resuming */
	o.since = (double)(T0 + 12 * USEC) / 1e6;
	reset();
	journal_read_all(&o, on_entry, on_event, NULL, &err);
	ok(strncmp(strbuf_str(&got), "h t: source time|", 17) == 0 && nentries == 13,
	    "since: from the entry after the one at that time");
	o.since = 0;
	o.cursor = cursors[23];
	reset();
	journal_read_all(&o, on_entry, on_event, NULL, &err);
	is_str(strbuf_str(&got), "h a[b'\\x01\\\\']: m|h t: a\\nb\tc\\n|",
	    "cursor: from the entry after it");
	o.cursor = "not a cursor";
	reset();
	n = journal_read_all(&o, on_entry, on_event, NULL, &err);
	ok(n == 26 && nerrors == 1, "a bad cursor is reported, reading starts at the head");
}

/* PID values as Python's int() may or may not read them. */
static void
write_pid_journal(const char *path)
{
	static const char *const pids[] = {
		"+5", " -12 ", "0x", "0_", "_1", "1_", "0X1F", "0O17", "0B1", "00",
		"0_0", "00x1", "0x_", "0x__1", "--1", "+-1", "1 2", "\xef\xbc\x91",
		"\t7\v", "0b2", "0o8", "0xg", "99999999999999999999999999",
		"-0x10", "0e1", "١", "1e3", "inf", "0.0", "''", "\"", "\\x41",
	};
	struct strbuf sb = STRBUF_INIT, v = STRBUF_INIT;
	size_t i, k;

	for (i = 0; i < sizeof(pids) / sizeof(pids[0]); i++) {
		/* "\\xNN", "\\t", "\\v" in the table stand for those bytes */
		strbuf_reset(&v);
		for (k = 0; pids[i][k]; k++)
			if (pids[i][k] == '\\' && pids[i][k + 1] == 'x') {
				strbuf_addc(&v, (char)strtol((char[]){ pids[i][k + 2],
				    pids[i][k + 3], 0 }, NULL, 16));
				k += 3;
			} else if (pids[i][k] == '\\' && pids[i][k + 1] == 't') {
				strbuf_addc(&v, '\t');
				k++;
			} else if (pids[i][k] == '\\' && pids[i][k + 1] == 'v') {
				strbuf_addc(&v, '\v');
				k++;
			} else
				strbuf_addc(&v, pids[i][k]);
		ent_begin(&sb, (long long)i);
		ent_field(&sb, "_HOSTNAME=h");
		ent_field(&sb, "SYSLOG_IDENTIFIER=p");
		ent_binary(&sb, "SYSLOG_PID", v.s, v.len);
		ent_field(&sb, "_PID=4");
		ent_field(&sb, "MESSAGE=m");
		ent_end(&sb);
	}
	/* more than 4300 digits: Python refuses them */
	ent_begin(&sb, (long long)i++);
	strbuf_adds(&sb, "_HOSTNAME=h\nSYSLOG_IDENTIFIER=p\nMESSAGE=m\nSYSLOG_PID=");
	for (k = 0; k < 4301; k++)
		strbuf_addc(&sb, '7');
	strbuf_addc(&sb, '\n');
	ent_end(&sb);
	ent_begin(&sb, (long long)i++);
	strbuf_adds(&sb, "_HOSTNAME=h\nSYSLOG_IDENTIFIER=p\nMESSAGE=m\nSYSLOG_PID=0x");
	for (k = 0; k < 3600; k++)
		strbuf_addc(&sb, 'f');
	strbuf_addc(&sb, '\n');
	ent_end(&sb);
	ent_begin(&sb, (long long)i++);
	strbuf_adds(&sb, "_HOSTNAME=h\nSYSLOG_IDENTIFIER=p\nMESSAGE=m\nSYSLOG_PID=0x");
	for (k = 0; k < 3500; k++)
		strbuf_addc(&sb, 'f');
	strbuf_addc(&sb, '\n');
	ent_end(&sb);
	write_journal(path, &sb);
	strbuf_free(&sb);
	strbuf_free(&v);
}

/* The same journal through fail2ban's own FilterSystemd, when installed. */
static void
test_differential(const char *dir, const char *what)
{
	struct journal_opts o = dir_opts(dir);
	struct strbuf theirs = STRBUF_INIT;
	char cmd[2048], buf[4096], *err = NULL;
	size_t k;
	FILE *p;

	/* fail2ban's interpreter, not whatever python3 PATH finds */
	if (system(PY " -c 'import fail2ban.server.filtersystemd' >/dev/null 2>&1")) {
		printf("ok %d # SKIP fail2ban's systemd backend is not installed\n", ++tap_n);
		(void)what;
		return;
	}
	snprintf(cmd, sizeof(cmd), PY " -c '"
	    "import sys\n"
	    "from fail2ban.server.filtersystemd import FilterSystemd\n"
	    "from fail2ban.client.fail2banregex import journal_lines_gen\n"
	    "f = FilterSystemd(None, journalpath=sys.argv[1])\n"
	    "f.setLogEncoding(\"UTF-8\")\n"
	    "for l, tm in journal_lines_gen(f, f.getJournalReader()):\n"
	    "  sys.stdout.write(\"%%s%%s|%%.6f\\n\" %% (l[1], l[2], tm))\n"
	    "' '%s' 2>&1", dir);
	if ((p = popen(cmd, "r")) == NULL)
		exit(1);
	while ((k = fread(buf, 1, sizeof(buf), p)) > 0)
		strbuf_add(&theirs, buf, k);
	pclose(p);
	reset();
	as_fail2ban = true;
	journal_read_all(&o, on_entry, on_event, NULL, &err);
	as_fail2ban = false;
	ok(nentries > 20, "%s: %d entries to compare", what, nentries);
	is_str(strbuf_str(&got), strbuf_str(&theirs),
	    "%s: date text, line and time as fail2ban's FilterSystemd makes them", what);
	strbuf_free(&theirs);
}

/* ---- matches and flags -------------------------------------------------- */

static const char *
read_with(const char *dir, const char *const *m, size_t n, int flags)
{
	struct journal_opts o = dir_opts(dir);
	char *err = NULL;

	o.match = m;
	o.nmatch = n;
	o.flags = flags;
	reset();
	if (journal_read_all(&o, on_entry, on_event, NULL, &err) < 0) {
		printf("# %s\n", err);
		free(err);
		return "(error)";
	}
	return strbuf_str(&got);
}

static void
test_matches(const char *dir)
{
	static const char *const or[] = { "_SYSTEMD_UNIT=sshd.service", "+",
		"_SYSTEMD_UNIT=cron.service" };
	static const char *const and[] = { "_SYSTEMD_UNIT=sshd.service", "_PID=1" };
	static const char *const mixed[] = { "_SYSTEMD_UNIT=sshd.service", "_PID=2",
		"+", "_SYSTEMD_UNIT=nginx.service" };
	static const char *const same[] = { "_SYSTEMD_UNIT=sshd.service",
		"_SYSTEMD_UNIT=nginx.service" };
	static const char *const two_lines[] = { "_SYSTEMD_UNIT=sshd.service", "_PID=1",
		"+", "+", "_SYSTEMD_UNIT=nginx.service" };
	static const char *const bad[] = { "_SYSTEMD_UNIT=sshd.service", "+", "lower=x" };
	static const char *const noeq[] = { "NOEQUALS" };
	struct strbuf sb = STRBUF_INIT;
	char path[300], *err = NULL;
	struct journal_opts o = dir_opts(dir);

	snprintf(path, sizeof(path), "%s/other.journal", dir);
	ent_begin(&sb, 0);
	strbuf_adds(&sb, "_SYSTEMD_UNIT=sshd.service\n_PID=1\nMESSAGE=s1\n");
	ent_end(&sb);
	ent_begin(&sb, 1);
	strbuf_adds(&sb, "_SYSTEMD_UNIT=sshd.service\n_PID=2\nMESSAGE=s2\n");
	ent_end(&sb);
	ent_begin(&sb, 2);
	strbuf_adds(&sb, "_SYSTEMD_UNIT=cron.service\n_PID=1\nMESSAGE=c1\n");
	ent_end(&sb);
	ent_begin(&sb, 3);
	strbuf_adds(&sb, "_SYSTEMD_UNIT=nginx.service\n_PID=1\nMESSAGE=n1\n");
	ent_end(&sb);
	write_journal(path, &sb);
	strbuf_free(&sb);

	is_str(read_with(dir, NULL, 0, JOURNAL_FLAGS_DEFAULT), "s1|s2|c1|n1|",
	    "no match: every entry");
	is_str(read_with(dir, or, 3, JOURNAL_FLAGS_DEFAULT), "s1|s2|c1|",
	    "'+' is OR");
	is_str(read_with(dir, and, 2, JOURNAL_FLAGS_DEFAULT), "s1|",
	    "words of a group are AND");
	is_str(read_with(dir, mixed, 4, JOURNAL_FLAGS_DEFAULT), "s2|n1|",
	    "(A AND B) OR C");
	is_str(read_with(dir, same, 2, JOURNAL_FLAGS_DEFAULT), "s1|s2|n1|",
	    "the same field twice is OR (sd-journal)");
	is_str(read_with(dir, two_lines, 5, JOURNAL_FLAGS_DEFAULT), "s1|n1|",
	    "empty groups are nothing");
	is_str(read_with(dir, bad, 3, JOURNAL_FLAGS_DEFAULT), "(error)",
	    "an invalid match is an error");
	ok(journal_check_match(or, 3, &err) == 0 && err == NULL, "check_match: valid");
	ok(journal_check_match(noeq, 1, &err) < 0 && err != NULL &&
	    strstr(err, "NOEQUALS") != NULL, "check_match: invalid, named");
	free(err);

	/* journalpath without journalflags: every file; flags 4: system only */
	is_str(read_with(dir, or, 3, 4), "", "journalflags=4: other.journal is not read");
	o.flags = 4;
	o.match = or;
	o.nmatch = 3;
	o.path = NULL;
	o.files = path;
	reset();
	ok(journal_read_all(&o, on_entry, on_event, NULL, &err) < 0 && err != NULL,
	    "journalfiles with journalflags: sd-journal refuses");
	free(err);
	o.flags = JOURNAL_FLAGS_DEFAULT;
	reset();
	journal_read_all(&o, on_entry, on_event, NULL, &err);
	is_str(strbuf_str(&got), "s1|s2|c1|", "journalfiles: that file");
}

/* ---- errors ------------------------------------------------------------- */

static void
test_errors(void)
{
	struct journal_opts o = dir_opts("/nonexistent/journal/dir");
	struct journal *jn;
	char *err = NULL;

	jn = journal_open(L, &o, on_entry, on_event, NULL, &err);
	ok(jn == NULL && err != NULL && strstr(err, "/nonexistent/journal/dir"),
	    "follow: a journalpath that does not exist is an error");
	free(err);
	ok(journal_read_all(&o, on_entry, on_event, NULL, &err) < 0 && err != NULL,
	    "read_all: the same");
	free(err);
	o.path = "";
	ok(journal_read_all(&o, on_entry, on_event, NULL, &err) < 0 && err != NULL,
	    "an empty journalpath is an error");
	free(err);
	o.path = NULL;
	o.files = "/nonexistent/*.journal, /nonexistent2/x.journal";
	ok(journal_read_all(&o, on_entry, on_event, NULL, &err) < 0 && err != NULL &&
	    strstr(err, "no journal file matches"), "journalfiles matching nothing");
	free(err);
	o.path = "/tmp";
	ok(journal_read_all(&o, on_entry, on_event, NULL, &err) < 0 && err != NULL &&
	    strstr(err, "exclusive"), "journalpath and journalfiles together");
	free(err);
	o.path = NULL;
	o.files = NULL;
	o.namespace = "f2b-test-no-such-namespace";
	ok(journal_read_all(&o, on_entry, on_event, NULL, &err) >= 0 || err != NULL,
	    "a namespace that does not exist: no crash");
	free(err);
	o.namespace = NULL;
	setenv("F2B_SYSTEMD_DEFAULT_FLAGS", "four", 1);
	ok(journal_open(L, &o, on_entry, on_event, NULL, &err) == NULL && err != NULL &&
	    strstr(err, "F2B_SYSTEMD_DEFAULT_FLAGS"), "a bad F2B_SYSTEMD_DEFAULT_FLAGS");
	free(err);
	unsetenv("F2B_SYSTEMD_DEFAULT_FLAGS");
}

/* ---- following ---------------------------------------------------------- */

static void
test_follow(const char *dir)
{
	struct journal_opts o = dir_opts(dir);
	static const char *const odd[] = { "_PID=11", "+", "_PID=13" };
	static const char *const bad[] = { "=x" };
	char active[300], archived[300], *err = NULL, saved[512], gone[512];
	struct journal *jn;

	snprintf(active, sizeof(active), "%s/system.journal", dir);
	write_msgs(active, 0, 2);
	o.since = (double)(T0 + 500000) / 1e6;	/* after entry 0 */
	reset();
	jn = journal_open(L, &o, on_entry, on_event, NULL, &err);
	ok(jn != NULL, "journal_open");
	if (jn == NULL)
		return;
	ok(nentries == 0, "nothing is read before the loop runs");
	spin_until(2, 2);
	spin(0.05);
	is_str(strbuf_str(&got), "h t[1]: m1|h t[2]: m2|", "since: the entries after it");
	is_int(nlive, 1, "live once the end is reached");

	write_msgs(active, 3, 4);
	spin_until(4, 2);
	is_str(strbuf_str(&got), "h t[1]: m1|h t[2]: m2|h t[3]: m3|h t[4]: m4|",
	    "appended entries");

	/* rotation: entries written just before the rename are not lost */
	reset();
	write_msgs(active, 5, 5);
	snprintf(archived, sizeof(archived), "%s/system@0001.journal", dir);
	run("mv '%s' '%s'", active, archived);
	write_msgs(active, 6, 7);
	spin_until(3, 3);
	spin(1);			/* the reopen after the rotation */
	is_str(strbuf_str(&got), "h t[5]: m5|h t[6]: m6|h t[7]: m7|",
	    "rotation: both files, nothing lost or repeated");
	ok(nreopened >= 1, "reopened after the rotation");
	snprintf(gone, sizeof(gone), "%s", cursors[0]);		/* m5 */
	snprintf(saved, sizeof(saved), "%s", cursors[1]);	/* m6 */

	/* vacuum: the archived file goes */
	reset();
	run("rm '%s'", archived);
	write_msgs(active, 8, 8);
	spin_until(1, 2);
	spin(1);
	is_str(strbuf_str(&got), "h t[8]: m8|", "vacuum: reading goes on");
	is_str(journal_cursor(jn), last_cursor, "journal_cursor: the last entry read");
	is_int(nerrors, 0, "no errors");
	journal_close(jn);

	/* resuming after a cursor; after one whose entry was vacuumed */
	o.cursor = saved;
	reset();
	jn = journal_open(L, &o, on_entry, on_event, NULL, &err);
	spin_until(2, 2);
	spin(0.05);
	is_str(strbuf_str(&got), "h t[7]: m7|h t[8]: m8|", "cursor: the entries after it");
	journal_close(jn);
	o.cursor = gone;
	reset();
	jn = journal_open(L, &o, on_entry, on_event, NULL, &err);
	spin_until(3, 2);
	spin(0.05);
	is_str(strbuf_str(&got), "h t[6]: m6|h t[7]: m7|h t[8]: m8|",
	    "cursor of a vacuumed entry: the entries after where it was");
	journal_close(jn);

	/* from now: nothing old */
	o.cursor = NULL;
	o.since = 0;
	reset();
	jn = journal_open(L, &o, on_entry, on_event, NULL, &err);
	spin(0.2);
	ok(nentries == 0 && nlive == 1, "since 0: only new entries");
	write_msgs(active, 9, 9);
	spin_until(1, 2);
	is_str(strbuf_str(&got), "h t[9]: m9|", "... which come");

	/* matches replaced while following */
	ok(journal_set_match(jn, odd, 3, &err) == 0, "set_match");
	write_msgs(active, 10, 13);
	spin_until(3, 2);
	spin(0.1);
	is_str(strbuf_str(&got), "h t[9]: m9|h t[11]: m11|h t[13]: m13|",
	    "the new matches apply from where reading stood");
	ok(journal_set_match(jn, bad, 1, &err) < 0 && err != NULL,
	    "set_match: an invalid match is refused");
	free(err);
	write_msgs(active, 14, 15);
	spin(0.3);
	is_int(nentries, 3, "... and the old ones kept");
	journal_set_match(jn, NULL, 0, &err);

	/* closed from inside the entry callback */
	close_me = jn;
	write_msgs(active, 16, 17);
	spin_until(4, 1);
	spin(0.1);
	is_int(nentries, 4, "closed from its callback: no entry after that");
}

/* Many rotations with vacuum: every entry once, open fds bounded. */
static void
test_many_rotations(const char *dir, bool files_mode)
{
	struct journal_opts o = dir_opts(dir);
	char active[300], arch[300], *err = NULL;
	struct strbuf want = STRBUF_INIT;
	struct journal *jn;
	long long e = 100;
	int r, fds0, fds, maxfds = 0, k;
	const char *mode = files_mode ? "journalfiles" : "journalpath";

	snprintf(active, sizeof(active), "%s/system.journal", dir);
	if (files_mode) {
		o.path = NULL;
		o.files = active;
	}
	write_msgs(active, e, e);
	e++;
	o.since = (double)T0 / 1e6;
	reset();
	jn = journal_open(L, &o, on_entry, on_event, NULL, &err);
	if (jn == NULL) {
		ok(0, "%s: open: %s", mode, err);
		free(err);
		return;
	}
	strbuf_addf(&want, "h t[100]: m100|");
	spin_until(1, 2);
	fds0 = open_fds();
	for (r = 1; r <= 20; r++) {
		/* the last entries of the old file, then the rename */
		write_msgs(active, e, e + 1);
		for (k = 0; k < 2; k++, e++)
			strbuf_addf(&want, "h t[%lld]: m%lld|", e, e);
		snprintf(arch, sizeof(arch), "%s/system@%04d.journal", dir, r);
		run("mv '%s' '%s'", active, arch);
		write_msgs(active, e, e);
		strbuf_addf(&want, "h t[%lld]: m%lld|", e, e);
		e++;
		/* vacuum: keep two archived files */
		if (r > 2) {
			snprintf(arch, sizeof(arch), "%s/system@%04d.journal", dir, r - 2);
			run("rm -f '%s'", arch);
		}
		spin_until((int)(e - 100), files_mode ? 8 : 3);
		spin(0.1);
		if ((fds = open_fds()) > maxfds)
			maxfds = fds;
	}
	spin(files_mode ? 6 : 1.5);		/* reopens settle */
	fds = open_fds();
	is_str(strbuf_str(&got), strbuf_str(&want),
	    "%s: 20 rotations with vacuum: every entry once, in order", mode);
	printf("# %s: fds after open %d, at most %d, at the end %d; reopened %d times\n",
	    mode, fds0, maxfds, fds, nreopened);
	ok(maxfds <= fds0 + 4, "%s: open fds stay bounded (%d, started with %d)", mode,
	    maxfds, fds0);
	ok(fds <= fds0 + 2, "%s: and come back down (%d)", mode, fds);
	is_int(deleted_fds(), 0, "%s: no fd on a vacuumed file", mode);
	is_int(nerrors, 0, "%s: no errors", mode);
	journal_close(jn);
	ok(open_fds() < fds0, "%s: journal_close closes its fds", mode);
	strbuf_free(&want);
}

int
main(void)
{
	char *dir;

	if (access("/lib/systemd/systemd-journal-remote", X_OK) == 0)
		remote = "/lib/systemd/systemd-journal-remote";
	else if (access("/usr/lib/systemd/systemd-journal-remote", X_OK) == 0)
		remote = "/usr/lib/systemd/systemd-journal-remote";
	else {
		printf("1..0 # SKIP systemd-journal-remote is not installed\n");
		return 0;
	}
	setenv("TZ", "UTC", 1);
	tzset();
	L = loop_new();

	test_errors();
	dir = make_dir();
	{
		char path[300];

		snprintf(path, sizeof(path), "%s/system.journal", dir);
		write_format_journal(path);
	}
	test_format(dir);
	test_differential(dir, "odd entries");
	run("rm -rf '%s'", dir);
	free(dir);

	dir = make_dir();
	{
		char path[300];

		snprintf(path, sizeof(path), "%s/system.journal", dir);
		write_pid_journal(path);
	}
	test_differential(dir, "PIDs");
	run("rm -rf '%s'", dir);
	free(dir);

	dir = make_dir();
	test_matches(dir);
	run("rm -rf '%s'", dir);
	free(dir);

	dir = make_dir();
	test_follow(dir);
	run("rm -rf '%s'", dir);
	free(dir);

	dir = make_dir();
	test_many_rotations(dir, false);
	run("rm -rf '%s'", dir);
	free(dir);

	dir = make_dir();
	test_many_rotations(dir, true);
	run("rm -rf '%s'", dir);
	free(dir);

	strbuf_free(&got);
	loop_free(L);
	return tap_done();
}

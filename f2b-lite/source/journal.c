/*
 * journal: follow the systemd journal through sd-journal and format its
 * entries as fail2ban's filtersystemd.formatJournalEntry does.
 */
#include "journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "clock.h"
#include "loop.h"
#include "pyint.h"
#include "pyval.h"
#include "strbuf.h"
#include "systemd.h"
#include "xmalloc.h"

/*
 * sd-journal, from libsystemd.so.0 loaded by the first journal opened:
 * sdj->next(j) is sd_journal_next(j)
 */
static const struct systemd_journal_api *sdj;

static bool
sdj_load(char **err)
{
	return sdj != NULL || (sdj = systemd_journal_api(err)) != NULL;
}

#define BATCH		500	/* entries read per loop turn */
#define TICK_SECS	5.0	/* safety net: read and process anyway */
#define POLL_SECS	1.0	/* ... the only way without an inotify fd */
#define REOPEN_SECS	0.5	/* files added or removed: let rotation end */
#define RETRY_SECS	1.0	/* after a failed reopen */
/*
 * Reopened at least this often (when caught up): sd-journal drops files
 * that leave the directory itself, but a reopen also lets go of whatever
 * it may have missed, at the price of reading every file header again.
 */
#define REFRESH_SECS	3600.0
#define USEC		1000000LL
/* datetime's range, years 1 to 9999, in microseconds since the epoch */
#define USEC_MIN	(-62135596800LL * USEC)
#define USEC_MAX	(253402300799LL * USEC)

/* ---- Python's int() and repr() as formatJournalEntry meets them --------- */

static bool
py_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* int(b) (base0 false) or int(b, 0): the decimal text in out */
static bool
py_int(const char *s, size_t n, bool base0, struct strbuf *out)
{
	return pyint_text(s, n, base0 ? PYINT_BASE0 : 0, out);
}

/* int(b) as a 64-bit number. */
static bool
py_int64(const char *s, size_t n, long long *v)
{
	bool big;

	return pyint_ll(s, n, 0, v, &big, NULL) == 0 && !big;
}

/* ---- one entry ---------------------------------------------------------- */

enum {
	F_HOSTNAME, F_IDENT, F_COMM, F_SYSLOG_PID, F_PID, F_MESSAGE,
	F_SOURCE_MONO, F_SOURCE_REAL, NFIELDS
};

static const struct {
	const char	*name;
	size_t		 len;
} field_names[NFIELDS] = {
	{ "_HOSTNAME", 9 },
	{ "SYSLOG_IDENTIFIER", 17 },
	{ "_COMM", 5 },
	{ "SYSLOG_PID", 10 },
	{ "_PID", 4 },
	{ "MESSAGE", 7 },
	{ "_SOURCE_MONOTONIC_TIMESTAMP", 27 },
	{ "_SOURCE_REALTIME_TIMESTAMP", 26 },
};

/*
 * A field's values.  python-systemd gives a field that occurs more than
 * once as a list: MESSAGE's are joined by spaces, a PID list is printed as
 * Python prints it ("[[1, b'x']]"), and of the other fields the first value
 * is used (fail2ban would fail on the entry).
 */
struct field {
	struct strbuf	 val;
	struct strbuf	 list;
	int		 n;
};

/* Buffers for formatting, kept between entries. */
struct fmt {
	struct field	 f[NFIELDS];
	struct strbuf	 line, date, num;
};

static void
fmt_free(struct fmt *fm)
{
	int i;

	for (i = 0; i < NFIELDS; i++) {
		strbuf_free(&fm->f[i].val);
		strbuf_free(&fm->f[i].list);
	}
	strbuf_free(&fm->line);
	strbuf_free(&fm->date);
	strbuf_free(&fm->num);
}

/* A PID value as Python's repr() shows what the int converter made of it. */
static void
pid_repr(struct strbuf *sb, const char *v, size_t n, struct strbuf *num)
{
	if (py_int(v, n, false, num))
		strbuf_add(sb, strbuf_str(num), num->len);
	else
		pyval_repr_bytes(v, n, sb);
}

static void
add_value(struct fmt *fm, int i, const char *v, size_t n)
{
	struct field *f = &fm->f[i];

	if (i == F_MESSAGE) {
		if (f->n > 0)
			strbuf_addc(&f->val, ' ');
		strbuf_add(&f->val, v, n);
	} else if (f->n == 0)
		strbuf_add(&f->val, v, n);
	else if (i == F_SYSLOG_PID || i == F_PID) {
		if (f->n == 1)
			pid_repr(&f->list, strbuf_str(&f->val), f->val.len,
			    &fm->num);
		strbuf_adds(&f->list, ", ");
		pid_repr(&f->list, v, n, &fm->num);
	}
	f->n++;
}

static void
collect(sd_journal *j, struct fmt *fm)
{
	const void *data;
	size_t len;
	int i;

	for (i = 0; i < NFIELDS; i++) {
		strbuf_reset(&fm->f[i].val);
		strbuf_reset(&fm->f[i].list);
		fm->f[i].n = 0;
	}
	for (sdj->restart_data(j); sdj->enumerate_available_data(j, &data, &len) > 0;) {
		const char *d = data, *eq = memchr(d, '=', len);
		size_t klen;

		if (eq == NULL)
			continue;
		klen = (size_t)(eq - d);
		for (i = 0; i < NFIELDS; i++)
			if (field_names[i].len == klen &&
			    memcmp(field_names[i].name, d, klen) == 0) {
				add_value(fm, i, eq + 1, len - klen - 1);
				break;
			}
	}
}

/* Python's truth value of what the int converter made of a PID field. */
static bool
pid_true(struct fmt *fm, const struct field *f)
{
	if (f->n == 0)
		return false;
	if (f->n > 1)
		return true;
	if (py_int(strbuf_str(&f->val), f->val.len, false, &fm->num))
		return strcmp(strbuf_str(&fm->num), "0") != 0;
	return f->val.len > 0;
}

/* "[SYSLOG_PID]", else "[_PID]", as fail2ban prints it; false: neither. */
static bool
add_pid(struct fmt *fm, struct strbuf *sb)
{
	const struct field *f = &fm->f[F_SYSLOG_PID];
	const char *v;

	if (!pid_true(fm, f)) {
		f = &fm->f[F_PID];
		if (!pid_true(fm, f))
			return false;
	}
	v = strbuf_str(&f->val);
	strbuf_addc(sb, '[');
	if (f->n > 1) {
		strbuf_addc(sb, '[');
		strbuf_add(sb, strbuf_str(&f->list), f->list.len);
		strbuf_addc(sb, ']');
	} else if (py_int(v, f->val.len, false, &fm->num) ||
	    py_int(v, f->val.len, true, &fm->num))
		strbuf_add(sb, strbuf_str(&fm->num), fm->num.len);
	else
		pyval_repr_bytes(v, f->val.len, sb);
	strbuf_addc(sb, ']');
	return true;
}

static bool
nonempty(const struct field *f)
{
	return f->n > 0 && f->val.len > 0;
}

/* The line fail2ban's formatJournalEntry makes of the current entry. */
static void
format_line(sd_journal *j, struct fmt *fm)
{
	const struct field *host = &fm->f[F_HOSTNAME], *id = NULL;
	const struct field *msg = &fm->f[F_MESSAGE];
	struct strbuf *sb = &fm->line;
	bool any = false;
	size_t i;

	strbuf_reset(sb);
	if (nonempty(host)) {
		strbuf_add(sb, strbuf_str(&host->val), host->val.len);
		any = true;
	}
	if (nonempty(&fm->f[F_IDENT]))
		id = &fm->f[F_IDENT];
	else if (nonempty(&fm->f[F_COMM]))
		id = &fm->f[F_COMM];
	if (id != NULL) {
		bool pid;

		if (any)
			strbuf_addc(sb, ' ');
		strbuf_add(sb, strbuf_str(&id->val), id->val.len);
		pid = add_pid(fm, sb);
		strbuf_addc(sb, ':');
		if (!pid && id->val.len == 6 &&
		    memcmp(strbuf_str(&id->val), "kernel", 6) == 0) {
			const struct field *sm = &fm->f[F_SOURCE_MONO];
			long long us = 0;
			uint64_t mono;
			sd_id128_t boot;	/* NULL would want the current boot */

			if (!(sm->n > 0 && py_int64(strbuf_str(&sm->val),
			    sm->val.len, &us)) &&
			    sdj->get_monotonic_usec(j, &mono, &boot) >= 0)
				us = (long long)mono;
			strbuf_addf(sb, " [%12.6f]", (double)us / 1e6);
		}
		any = true;
	}
	if (any)
		strbuf_addc(sb, ' ');
	if (msg->n > 0)
		strbuf_add(sb, strbuf_str(&msg->val), msg->val.len);
	if (memchr(strbuf_str(sb), '\n', sb->len) == NULL)
		return;
	/* logline.replace('\n', '\\n') */
	strbuf_reset(&fm->num);
	for (i = 0; i < sb->len; i++)
		if (sb->s[i] == '\n')
			strbuf_adds(&fm->num, "\\n");
		else
			strbuf_addc(&fm->num, sb->s[i]);
	strbuf_reset(sb);
	strbuf_add(sb, strbuf_str(&fm->num), fm->num.len);
}

/*
 * The entry's time in microseconds: _SOURCE_REALTIME_TIMESTAMP, else
 * __REALTIME_TIMESTAMP (also when the former is not a number fail2ban
 * could use: it would fail on the entry).
 */
static long long
entry_usec(sd_journal *j, struct fmt *fm)
{
	const struct field *f = &fm->f[F_SOURCE_REAL];
	long long us;
	uint64_t rt;

	if (f->n > 0 &&
	    py_int64(strbuf_str(&f->val), f->val.len, &us) &&
	    us >= USEC_MIN && us <= USEC_MAX)
		return us;
	if (sdj->get_realtime_usec(j, &rt) < 0 || rt > (uint64_t)USEC_MAX)
		return 0;
	return (long long)rt;
}

/*
 * datetime.fromtimestamp(us / 1e6, local zone).isoformat() + ' ' (the
 * zone's offset at that time), and its time.mktime() + microsecond / 1e6.
 */
static double
format_date(long long us, struct strbuf *sb)
{
	long long sec = us / USEC, frac = us % USEC;
	time_t t;
	struct tm tm;
	long off;

	if (frac < 0) {
		frac += USEC;
		sec--;
	}
	t = (time_t)sec;
	strbuf_reset(sb);
	if (localtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	strbuf_addf(sb, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (frac)
		strbuf_addf(sb, ".%06lld", frac);
	off = tm.tm_gmtoff;
	strbuf_addc(sb, off < 0 ? '-' : '+');
	if (off < 0)
		off = -off;
	strbuf_addf(sb, "%02ld:%02ld", off / 3600, off / 60 % 60);
	if (off % 60)
		strbuf_addf(sb, ":%02ld", off % 60);
	strbuf_addc(sb, ' ');
	return (double)sec + (double)frac / 1.0E6;
}

/* Formats the current entry into fm and e (cursor not set). */
static void
format_entry(sd_journal *j, struct fmt *fm, struct journal_entry *e)
{
	collect(j, fm);
	format_line(j, fm);
	e->time = format_date(entry_usec(j, fm), &fm->date);
	e->line = strbuf_str(&fm->line);
	e->len = fm->line.len;
	e->datetext = strbuf_str(&fm->date);
	e->cursor = NULL;
}

/* ---- opening ------------------------------------------------------------ */

/* journalfiles mode: a file that is open. */
struct jfile {
	char	*path;
	dev_t	 dev;
	ino_t	 ino;
	bool	 carried;	/* rotated away: kept until read to its end */
};

/* What to open: journal_opts without the start. */
struct source {
	char	*path, *files, *ns;
	int	 flags;
	char	**match;
	size_t	 nmatch;
};

static void
jfiles_free(struct jfile *jf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(jf[i].path);
	free(jf);
}

static void
source_free(struct source *s)
{
	size_t i;

	free(s->path);
	free(s->files);
	free(s->ns);
	for (i = 0; i < s->nmatch; i++)
		free(s->match[i]);
	free(s->match);
}

static void
copy_match(struct source *s, const char *const *m, size_t n)
{
	size_t i;

	s->match = n ? xcalloc(n, sizeof(*s->match)) : NULL;
	for (i = 0; i < n; i++)
		s->match[i] = xstrdup(m[i]);
	s->nmatch = n;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * journalfiles: the words (split at spaces, commas and newlines, as
 * fail2ban's splitwords) expanded as Python's glob.glob expands them, each
 * path once.  Returns the number of paths; *out is a NULL-terminated array.
 */
static size_t
expand_files(const char *files, char ***out)
{
	char *copy = xstrdup(files), *w, *save = NULL;
	char **v = NULL;
	size_t n = 0, cap = 0, i, k;

	for (w = strtok_r(copy, " ,\n", &save); w != NULL;
	    w = strtok_r(NULL, " ,\n", &save)) {
		glob_t g;
		char *end = w + strlen(w);

		while (*w && py_space((unsigned char)*w))	/* .strip() */
			w++;
		while (end > w && py_space((unsigned char)end[-1]))
			*--end = '\0';
		if (*w == '\0')
			continue;
		memset(&g, 0, sizeof(g));
		if (glob(w, GLOB_NOESCAPE, NULL, &g) == 0)
			for (i = 0; i < g.gl_pathc; i++) {
				v = xgrow(v, &cap, n + 2, sizeof(*v));
				v[n++] = xstrdup(g.gl_pathv[i]);
			}
		globfree(&g);
	}
	free(copy);
	v = xgrow(v, &cap, n + 1, sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_str);
	for (i = k = 0; i < n; i++)
		if (k == 0 || strcmp(v[k - 1], v[i]) != 0)
			v[k++] = v[i];
		else
			free(v[i]);
	v[k] = NULL;
	*out = v;
	return k;
}

static bool
has_inode(const struct jfile *jf, size_t n, dev_t dev, ino_t ino, bool carried)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (jf[i].dev == dev && jf[i].ino == ino &&
		    (carried || !jf[i].carried))
			return true;
	return false;
}

/* The name a file of the journal now has in its directory (after a rename). */
static char *
find_inode(const char *path, dev_t dev, ino_t ino)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/'), *found = NULL;
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (slash == NULL) {
		free(dir);
		dir = xstrdup(".");
	} else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if ((d = opendir(dir)) == NULL) {
		free(dir);
		return NULL;
	}
	while (found == NULL && (de = readdir(d)) != NULL)
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    st.st_dev == dev && st.st_ino == ino)
			found = xasprintf("%s/%s", dir, de->d_name);
	closedir(d);
	free(dir);
	return found;
}

/*
 * The files for journalfiles: the globs' files now, and those of prev
 * that were renamed (rotated) since, so that their last entries are still
 * read - files carried before only when keep_carried (not read to the end).
 */
static size_t
files_now(const struct source *s, const struct jfile *prev, size_t nprev,
    bool keep_carried, struct jfile **out)
{
	struct jfile *jf = NULL;
	size_t n = 0, cap = 0, i;
	char **paths;
	struct stat st;

	expand_files(s->files, &paths);
	for (i = 0; paths[i] != NULL; i++) {
		if (stat(paths[i], &st) < 0 ||
		    has_inode(jf, n, st.st_dev, st.st_ino, true))
			continue;
		jf = xgrow(jf, &cap, n + 1, sizeof(*jf));
		jf[n].path = xstrdup(paths[i]);
		jf[n].dev = st.st_dev;
		jf[n].ino = st.st_ino;
		jf[n++].carried = false;
	}
	strv_free(paths);
	for (i = 0; i < nprev; i++) {
		char *p;

		if ((prev[i].carried && !keep_carried) ||
		    has_inode(jf, n, prev[i].dev, prev[i].ino, true))
			continue;
		if ((p = find_inode(prev[i].path, prev[i].dev, prev[i].ino)) == NULL)
			continue;
		jf = xgrow(jf, &cap, n + 1, sizeof(*jf));
		jf[n].path = p;
		jf[n].dev = prev[i].dev;
		jf[n].ino = prev[i].ino;
		jf[n++].carried = true;
	}
	*out = jf;
	return n;
}

static int
add_matches(sd_journal *j, char *const *m, size_t n, char **err)
{
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		if (strcmp(m[i], "+") == 0)
			r = sdj->add_disjunction(j);
		else
			r = sdj->add_match(j, m[i], 0);
		if (r < 0) {
			*err = xasprintf("invalid journal match '%s': %s", m[i],
			    strerror(-r));
			return -1;
		}
	}
	if (n > 0)
		sdj->add_disjunction(j);
	return 0;
}

/*
 * Opens the journal s describes with its matches; *fd (when fd is not
 * NULL) is its inotify fd, or -1.  In journalfiles mode *jf and *njf are the
 * files opened (prev: those open before, behind: not all read yet).  NULL
 * with *err on failure.
 */
static sd_journal *
open_source(const struct source *s, int *fd, const struct jfile *prev,
    size_t nprev, bool behind, struct jfile **jf, size_t *njf, char **err)
{
	sd_journal *j = NULL;
	int r;

	if (s->path != NULL) {
		r = sdj->open_directory(&j, s->path, s->flags);
		if (r < 0)
			*err = xasprintf("cannot open journal directory '%s': %s",
			    s->path, strerror(-r));
	} else if (s->files != NULL) {
		const char **paths;
		size_t i, n = files_now(s, prev, nprev, behind, jf);

		*njf = n;
		if (n == 0) {
			*err = xasprintf("no journal file matches '%s'", s->files);
			return NULL;
		}
		paths = xcalloc(n + 1, sizeof(*paths));
		for (i = 0; i < n; i++)
			paths[i] = (*jf)[i].path;
		r = sdj->open_files(&j, paths, s->flags);
		free(paths);
		if (r < 0)
			*err = xasprintf("cannot open journal files '%s': %s",
			    s->files, strerror(-r));
	} else if (s->ns != NULL) {
		r = sdj->open_namespace(&j, s->ns, s->flags);
		if (r < 0)
			*err = xasprintf("cannot open journal namespace '%s': %s",
			    s->ns, strerror(-r));
	} else {
		r = sdj->open(&j, s->flags);
		if (r < 0)
			*err = xasprintf("cannot open the journal: %s", strerror(-r));
	}
	if (r < 0) {
		if (s->files != NULL) {
			jfiles_free(*jf, *njf);
			*jf = NULL;
			*njf = 0;
		}
		return NULL;
	}
	/* before anything is read, so that sd-journal watches every file */
	if (fd != NULL)
		*fd = sdj->get_fd(j);
	if (add_matches(j, s->match, s->nmatch, err) < 0) {
		sdj->close(j);
		if (s->files != NULL) {
			jfiles_free(*jf, *njf);
			*jf = NULL;
			*njf = 0;
		}
		return NULL;
	}
	return j;
}

/* journal_opts to a source, with fail2ban's rules for the flags. */
static int
make_source(const struct journal_opts *o, struct source *s, char **err)
{
	int given = (o->path != NULL) + (o->files != NULL) +
	    (o->namespace != NULL);
	const char *env;

	memset(s, 0, sizeof(*s));
	if (given > 1) {
		*err = xstrdup("journalpath, journalfiles and namespace are "
		    "exclusive");
		return -1;
	}
	s->flags = o->flags;
	if (s->flags == JOURNAL_FLAGS_DEFAULT) {
		char **paths = NULL;
		bool have_files = o->files && expand_files(o->files, &paths) > 0;

		strv_free(paths);
		if (have_files || (o->path && *o->path))
			s->flags = 0;
		else if ((env = getenv("F2B_SYSTEMD_DEFAULT_FLAGS")) == NULL)
			s->flags = SD_JOURNAL_SYSTEM;
		else {
			long long v = 0;
			bool okay = py_int64(env, strlen(env), &v) &&
			    v >= 0 && v <= INT32_MAX;

			if (!okay) {
				*err = xasprintf("invalid "
				    "F2B_SYSTEMD_DEFAULT_FLAGS '%s'", env);
				return -1;
			}
			s->flags = (int)v;
		}
	}
	s->path = o->path ? xstrdup(o->path) : NULL;
	s->files = o->files ? xstrdup(o->files) : NULL;
	s->ns = o->namespace ? xstrdup(o->namespace) : NULL;
	copy_match(s, o->match, o->nmatch);
	return 0;
}

/*
 * Positions j after the entry with cursor c: *on_entry is set when that
 * entry is gone and j stands on the one after it, not yet read.
 */
static int
seek_after_cursor(sd_journal *j, const char *c, bool *on_entry)
{
	int r;

	*on_entry = false;
	if ((r = sdj->seek_cursor(j, c)) < 0)
		return r;
	r = sdj->next(j);
	if (r > 0 && sdj->test_cursor(j, c) <= 0)
		*on_entry = true;
	return r < 0 ? r : 0;
}

/*
 * As fail2ban starts: seek to the time, step back one entry and read from
 * the one after it.  Returns the cursor of that entry (it counts as read),
 * or NULL when there is none before the time.
 */
static char *
seek_after_time(sd_journal *j, double since)
{
	char *c = NULL;

	sdj->seek_realtime_usec(j, since > 0 ? (uint64_t)(since * 1e6) : 0);
	if (sdj->previous(j) > 0 && sdj->get_cursor(j, &c) < 0)
		c = NULL;
	return c;
}

/* ---- following ---------------------------------------------------------- */

struct journal {
	struct loop		*loop;
	struct source		 src;
	sd_journal		*j;
	int			 fd;		/* sd-journal's inotify fd, or -1 */
	struct jfile		*jf;		/* journalfiles mode */
	size_t			 njf;
	char			*cursor;	/* reading resumes after it */
	double			 since;		/* ... or after this time */
	bool			 on_entry;	/* j stands on an entry not yet read */
	bool			 at_end;	/* the last read reached the end */
	bool			 live;
	bool			 failing;	/* a reopen failed; retrying */
	int			 read_errno;	/* reported already */
	double			 opened_at;	/* loop_now() */
	double			 checked_at;	/* journalfiles: globs expanded */
	journal_entry_fn	*entry_fn;
	journal_event_fn	*event_fn;
	void			*arg;
	struct loop_timer	*more, *tick, *reopen;
	const char		*reopen_why;
	int			 busy;		/* callbacks running */
	bool			 closed;
	struct fmt		 fmt;
};

static void __attribute__((format(printf, 3, 4)))
report(struct journal *jn, enum journal_event ev, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (jn->event_fn == NULL || jn->closed)
		return;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	jn->event_fn(jn->arg, ev, msg);
	free(msg);
}

static void
go_live(struct journal *jn)
{
	if (jn->live)
		return;
	jn->live = true;
	report(jn, JOURNAL_LIVE, "read up to the end of the journal");
}

/* Positions a freshly opened journal where reading resumes. */
static void
position(struct journal *jn)
{
	int r;

	jn->on_entry = false;
	if (jn->cursor != NULL) {
		if ((r = seek_after_cursor(jn->j, jn->cursor, &jn->on_entry)) >= 0)
			return;
		report(jn, JOURNAL_ERROR, "cannot seek to cursor '%s': %s", jn->cursor,
		    strerror(-r));
		free(jn->cursor);
	}
	jn->cursor = seek_after_time(jn->j, jn->since);
}

static void
deliver(struct journal *jn)
{
	struct journal_entry e;
	char *c;

	format_entry(jn->j, &jn->fmt, &e);
	if (sdj->get_cursor(jn->j, &c) >= 0) {
		free(jn->cursor);
		jn->cursor = c;
	}
	e.cursor = jn->cursor;
	/* fail2ban: "reached now (approximated)" */
	if (!jn->live && e.time >= clock_now() - 1)
		go_live(jn);
	if (!jn->closed)
		jn->entry_fn(jn->arg, &e);
}

/* Reads up to BATCH entries; true when it got to the end (or cannot read). */
static bool
read_batch(struct journal *jn)
{
	int n, r;

	for (n = 0; n < BATCH && !jn->closed; n++) {
		if (jn->on_entry) {
			jn->on_entry = false;
			r = 1;
		} else
			r = sdj->next(jn->j);
		if (r < 0) {
			if (-r != jn->read_errno)
				report(jn, JOURNAL_ERROR, "cannot read the journal: %s",
				    strerror(-r));
			jn->read_errno = -r;
			return true;
		}
		jn->read_errno = 0;
		if (r == 0) {
			jn->at_end = true;
			go_live(jn);
			return true;
		}
		jn->at_end = false;
		deliver(jn);
	}
	return jn->closed;
}

static void on_more(void *);
static void on_reopen(void *);
static void on_tick(void *);

static void
schedule_more(struct journal *jn)
{
	if (jn->more == NULL && !jn->closed)
		jn->more = loop_timer_add(jn->loop, 0, on_more, jn);
}

static void
schedule_reopen(struct journal *jn, double delay, const char *why)
{
	if (jn->reopen != NULL || jn->closed)
		return;
	jn->reopen_why = why;
	jn->reopen = loop_timer_add(jn->loop, delay, on_reopen, jn);
}

/* The next tick: the safety net, sooner when sd-journal asks for it. */
static void
schedule_tick(struct journal *jn)
{
	double delay = jn->fd >= 0 ? TICK_SECS : POLL_SECS;
	struct timespec ts;
	uint64_t t;

	if (jn->closed)
		return;
	if (sdj->get_timeout(jn->j, &t) >= 0 && t != UINT64_MAX) {
		double now;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
		if ((double)t / 1e6 - now < delay)
			delay = (double)t / 1e6 - now;
	}
	loop_timer_cancel(jn->loop, jn->tick);
	jn->tick = loop_timer_add(jn->loop, delay > 0 ? delay : 0, on_tick, jn);
}

/* journalfiles: do the globs give other files now (or can a carried go)? */
static bool
files_changed(struct journal *jn)
{
	struct jfile *now;
	size_t n = files_now(&jn->src, NULL, 0, false, &now), i, old = 0;
	bool changed = false;

	for (i = 0; i < jn->njf; i++)
		if (jn->jf[i].carried)
			changed = true;		/* read to its end: let it go */
		else
			old++;
	for (i = 0; i < n && !changed; i++)
		if (!has_inode(jn->jf, jn->njf, now[i].dev, now[i].ino, false))
			changed = true;
	jfiles_free(now, n);
	return changed || n != old;
}

static void on_fd(void *, int, uint32_t);

/*
 * Closes the journal and opens it again, positioned after the last entry
 * read: files that were rotated or vacuumed away are let go, new ones are
 * seen, and sd-journal starts from a clean state.
 */
static void
reopen(struct journal *jn, const char *why)
{
	struct jfile *jf = NULL;
	size_t njf = 0;
	char *err = NULL;
	sd_journal *j;
	int fd = -1;

	j = open_source(&jn->src, &fd, jn->jf, jn->njf, !jn->at_end, &jf, &njf,
	    &err);
	if (j == NULL) {
		if (!jn->failing)
			report(jn, JOURNAL_ERROR, "cannot reopen the journal (%s): %s",
			    why, err);
		jn->failing = true;
		free(err);
		schedule_reopen(jn, RETRY_SECS, why);
		return;
	}
	if (jn->fd >= 0)
		loop_fd_del(jn->loop, jn->fd);
	sdj->close(jn->j);
	jfiles_free(jn->jf, jn->njf);
	jn->j = j;
	jn->jf = jf;
	jn->njf = njf;
	jn->fd = fd;
	if (fd >= 0 && loop_fd_add(jn->loop, fd, EPOLLIN, on_fd, jn) < 0)
		jn->fd = -1;
	jn->failing = false;
	jn->at_end = false;	/* until read: a carried file is kept */
	jn->opened_at = loop_now();
	position(jn);
	report(jn, JOURNAL_REOPENED, "reopened the journal (%s)", why);
	schedule_more(jn);
	schedule_tick(jn);
}

/*
 * Reads what there is, then lets sd-journal take in its inotify events
 * (only once caught up: a file removed from the view is no longer read)
 * and reads what they brought.
 */
static void
pump(struct journal *jn)
{
	int r;

	if (!read_batch(jn)) {
		schedule_more(jn);
		return;
	}
	if (jn->closed)
		return;
	r = sdj->process(jn->j);
	if (r < 0) {
		report(jn, JOURNAL_ERROR, "cannot process journal changes: %s",
		    strerror(-r));
		return;
	}
	if (r == SD_JOURNAL_NOP)
		return;
	if (!read_batch(jn)) {
		schedule_more(jn);
		return;
	}
	if (r == SD_JOURNAL_INVALIDATE)
		schedule_reopen(jn, REOPEN_SECS, "journal files were added or removed");
	else if (jn->src.files != NULL && loop_now() - jn->checked_at >= 1.0) {
		/* a file appeared next to ours (rotation): once a second at most */
		jn->checked_at = loop_now();
		if (files_changed(jn))
			schedule_reopen(jn, REOPEN_SECS, "journal files changed");
	}
}

static void
destroy(struct journal *jn)
{
	sdj->close(jn->j);
	source_free(&jn->src);
	jfiles_free(jn->jf, jn->njf);
	fmt_free(&jn->fmt);
	free(jn->cursor);
	free(jn);
}

/* Every loop callback runs inside enter/leave: a callback may close jn. */
static void
enter(struct journal *jn)
{
	jn->busy++;
}

static void
leave(struct journal *jn)
{
	if (--jn->busy == 0 && jn->closed)
		destroy(jn);
}

static void
on_fd(void *arg, int fd, uint32_t events)
{
	struct journal *jn = arg;

	(void)fd;
	(void)events;
	enter(jn);
	pump(jn);
	leave(jn);
}

static void
on_more(void *arg)
{
	struct journal *jn = arg;

	jn->more = NULL;
	enter(jn);
	pump(jn);
	leave(jn);
}

static void
on_reopen(void *arg)
{
	struct journal *jn = arg;

	jn->reopen = NULL;
	enter(jn);
	reopen(jn, jn->reopen_why);
	leave(jn);
}

static void
on_tick(void *arg)
{
	struct journal *jn = arg;

	jn->tick = NULL;
	enter(jn);
	pump(jn);
	if (!jn->closed && jn->at_end && jn->reopen == NULL) {
		if (jn->src.files != NULL && files_changed(jn))
			reopen(jn, "journal files changed");
		else if (loop_now() - jn->opened_at >= REFRESH_SECS)
			reopen(jn, "periodic");
	}
	schedule_tick(jn);
	leave(jn);
}

struct journal *
journal_open(struct loop *loop, const struct journal_opts *o,
    journal_entry_fn *entry_fn, journal_event_fn *event_fn, void *arg, char **err)
{
	struct journal *jn;

	*err = NULL;
	if (!sdj_load(err))
		return NULL;
	jn = xcalloc(1, sizeof(*jn));
	if (make_source(o, &jn->src, err) < 0) {
		source_free(&jn->src);
		free(jn);
		return NULL;
	}
	jn->j = open_source(&jn->src, &jn->fd, NULL, 0, false, &jn->jf, &jn->njf, err);
	if (jn->j == NULL) {
		source_free(&jn->src);
		free(jn);
		return NULL;
	}
	jn->loop = loop;
	jn->entry_fn = entry_fn;
	jn->event_fn = event_fn;
	jn->arg = arg;
	jn->since = o->since > 0 ? o->since : clock_now();
	if (o->cursor != NULL)
		jn->cursor = xstrdup(o->cursor);
	position(jn);
	if (jn->fd >= 0 && loop_fd_add(loop, jn->fd, EPOLLIN, on_fd, jn) < 0)
		jn->fd = -1;
	jn->opened_at = loop_now();
	schedule_more(jn);
	schedule_tick(jn);
	return jn;
}

void
journal_close(struct journal *jn)
{
	if (jn == NULL || jn->closed)
		return;
	jn->closed = true;
	loop_timer_cancel(jn->loop, jn->more);
	loop_timer_cancel(jn->loop, jn->tick);
	loop_timer_cancel(jn->loop, jn->reopen);
	jn->more = jn->tick = jn->reopen = NULL;
	if (jn->fd >= 0)
		loop_fd_del(jn->loop, jn->fd);
	jn->fd = -1;
	if (jn->busy == 0)
		destroy(jn);
}

const char *
journal_cursor(const struct journal *jn)
{
	return jn->cursor;
}

int
journal_check_match(const char *const *match, size_t nmatch, char **err)
{
	static const char *const none[] = { NULL };
	struct source s;
	sd_journal *j;
	int r;

	*err = NULL;
	if (!sdj_load(err))
		return -1;
	if ((r = sdj->open_files(&j, (const char **)none, 0)) < 0) {
		*err = xasprintf("cannot check journal matches: %s", strerror(-r));
		return -1;
	}
	memset(&s, 0, sizeof(s));
	copy_match(&s, match, nmatch);
	r = add_matches(j, s.match, s.nmatch, err);
	source_free(&s);
	sdj->close(j);
	return r;
}

int
journal_set_match(struct journal *jn, const char *const *match, size_t nmatch,
    char **err)
{
	size_t i;

	if (journal_check_match(match, nmatch, err) < 0)
		return -1;
	for (i = 0; i < jn->src.nmatch; i++)
		free(jn->src.match[i]);
	free(jn->src.match);
	copy_match(&jn->src, match, nmatch);
	sdj->flush_matches(jn->j);
	return add_matches(jn->j, jn->src.match, jn->src.nmatch, err);
}

long
journal_read_all(const struct journal_opts *o, journal_entry_fn *entry_fn,
    journal_event_fn *event_fn, void *arg, char **err)
{
	struct journal jn;	/* for report(); nothing is followed */
	struct journal_entry e;
	long n = 0;
	int r, errors = 0;
	bool on_entry = false;
	char *c = NULL;

	*err = NULL;
	if (!sdj_load(err))
		return -1;
	memset(&jn, 0, sizeof(jn));
	jn.event_fn = event_fn;
	jn.arg = arg;
	if (make_source(o, &jn.src, err) < 0) {
		source_free(&jn.src);
		return -1;
	}
	jn.j = open_source(&jn.src, NULL, NULL, 0, false, &jn.jf, &jn.njf, err);
	if (jn.j == NULL) {
		source_free(&jn.src);
		return -1;
	}
	if (o->cursor != NULL &&
	    (r = seek_after_cursor(jn.j, o->cursor, &on_entry)) < 0) {
		report(&jn, JOURNAL_ERROR, "cannot seek to cursor '%s': %s", o->cursor,
		    strerror(-r));
		sdj->seek_head(jn.j);
	} else if (o->cursor == NULL && o->since > 0)
		free(seek_after_time(jn.j, o->since));
	for (;;) {
		if (on_entry) {
			on_entry = false;
			r = 1;
		} else
			r = sdj->next(jn.j);
		if (r == 0)
			break;
		if (r < 0) {
			report(&jn, JOURNAL_ERROR, "cannot read the journal: %s",
			    strerror(-r));
			if (++errors >= 100)	/* fail2ban-regex would retry forever */
				break;
			continue;
		}
		errors = 0;
		format_entry(jn.j, &jn.fmt, &e);
		if (sdj->get_cursor(jn.j, &c) >= 0)
			e.cursor = c;
		entry_fn(arg, &e);
		free(c);
		c = NULL;
		n++;
	}
	sdj->close(jn.j);
	source_free(&jn.src);
	jfiles_free(jn.jf, jn.njf);
	fmt_free(&jn.fmt);
	return n;
}

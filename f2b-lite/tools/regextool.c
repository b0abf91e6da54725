/*
 * regextool: fail2ban-regex (fail2ban/client/fail2banregex.py).  Reads a
 * filter (a literal regex, a filter name with options, or a filter file),
 * runs a log (a file, or lines given on the command line) through the
 * filter engine and has regexprint print fail2ban-regex's report, or with
 * -o only the failures in the requested format.  Also a corpus mode
 * (--corpus) that replays sample logs annotated with fail2ban's
 * "# failJSON:" lines.
 *
 * Sections: usage; reading the regexes (readRegex: a regex, a filter name
 * with options, a filter file); processing (testRegex per line, the
 * journal, a file read in big chunks); regextool_main (the options,
 * Fail2banRegex.__init__ and start()).  What is printed is regexprint's.
 */
#include "regextool.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "config.h"
#include "corpus.h"
#include "datedet.h"
#include "diag.h"
#include "dict.h"
#include "filter.h"
#include "log.h"
#include "optspec.h"
#include "journal.h"
#include "linescan.h"
#include "optspec.h"
#include "optval.h"
#include "prefilter.h"
#include "pyval.h"
#include "recode.h"
#include "regexprint.h"
#include "rx.h"
#include "strbuf.h"
#include "utf8.h"
#include "xmalloc.h"

#define REGEX_VERSION	"1.0.2"

static void
usage(FILE *f, const char *argv0)
{
	fprintf(f, "Usage: %s [OPTIONS] <LOG> <REGEX> [IGNOREREGEX]\n"
	    "\n"
	    "Fail2Ban reports failures in a log the way fail2ban-server would see\n"
	    "them, so that filters can be tested before they are trusted.\n"
	    "\n"
	    "LOG:\n"
	    "  string                a string representing a log line\n"
	    "  filename              path to a log file (/var/log/auth.log)\n"
	    "\n"
	    "REGEX:\n"
	    "  string                a string representing a 'failregex'\n"
	    "  filter                name of filter, optionally with options (sshd[mode=aggressive])\n"
	    "  filename              path to a filter file (filter.d/sshd.conf)\n"
	    "\n"
	    "IGNOREREGEX:\n"
	    "  string                a string representing an 'ignoreregex'\n"
	    "\n"
	    "Options:\n"
	    "  --version             show program's version number and exit\n"
	    "  -h, --help            show this help message and exit\n"
	    "  -c CONFIG, --config=CONFIG\n"
	    "                        set alternate config directory\n"
	    "  -d DATEPATTERN, --datepattern=DATEPATTERN\n"
	    "                        set custom pattern used to match date/times\n"
	    "  --timezone=TIMEZONE, --TZ=TIMEZONE\n"
	    "                        set time-zone used by convert time format\n"
	    "  -e ENCODING, --encoding=ENCODING\n"
	    "                        File encoding. Default: system locale\n"
	    "  -r, --raw             Raw hosts, don't resolve dns\n"
	    "  --usedns=USEDNS       DNS specified replacement of tags <HOST> in regexp\n"
	    "                        ('yes' - matches all form of hosts, 'no' - IP\n"
	    "                        addresses only)\n"
	    "  -L MAXLINES, --maxlines=MAXLINES\n"
	    "                        maxlines for multi-line regex.\n"
	    "  -m JOURNALMATCH, --journalmatch=JOURNALMATCH\n"
	    "                        journalctl style matches overriding filter file.\n"
	    "                        \"systemd-journal\" only\n"
	    "  -l LOG_LEVEL, --log-level=LOG_LEVEL\n"
	    "                        Log level for the Fail2Ban logger to use\n"
	    "  -V                    get version in machine-readable short format\n"
	    "  -v, --verbose         Increase verbosity\n"
	    "  --verbosity=VERBOSE   Set numerical level of verbosity (0..4)\n"
	    "  --verbose-date, --VD  Verbose date patterns/regex in output\n"
	    "  -D, --debuggex        Produce debuggex.com urls for debugging there\n"
	    "  --no-check-all        Disable check for all regex's\n"
	    "  -o OUT, --out=OUT     Set token to print failure information only (row, id,\n"
	    "                        ip, msg, host, ip4, ip6, dns, matches, ...)\n"
	    "  --print-no-missed     Do not print any missed lines\n"
	    "  --print-no-ignored    Do not print any ignored lines\n"
	    "  --print-all-matched   Print all matched lines\n"
	    "  --print-all-missed    Print all missed lines, no matter how many\n"
	    "  --print-all-ignored   Print all ignored lines, no matter how many\n"
	    "  -t, --log-traceback   Enrich log-messages with compressed tracebacks\n"
	    "  --full-traceback      Either to make the tracebacks full, not compressed (as\n"
	    "                        by default)\n"
	    "  --corpus=PATH         (f2b-lite) replay sample logs annotated with\n"
	    "                        '# failJSON:' lines; --tap prints TAP\n"
	    "  --no-prefilter        (f2b-lite) search every line with the regexes, not\n"
	    "                        only those the prefilter lets through (the same\n"
	    "                        results; F2B_LITE_PREFILTER=off too; =force uses\n"
	    "                        it even for one filter)\n"
	    "\n"
	    "Report bugs to https://github.com/fail2ban/fail2ban/issues\n", argv0);
}

/* ---- reading the regexes (readRegex) ----------------------------------- */

static void
rstat_add(struct rstat **list, size_t *n, const char *regex)
{
	*list = xrealloc(*list, (*n + 1) * sizeof(**list));
	memset(&(*list)[*n], 0, sizeof(**list));
	(*list)[*n].regex = xstrdup(regex);
	(*n)++;
}

static void
rstats_free(struct rstat *l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(l[i].regex);
		pyval_free(l[i].iplist);
	}
	free(l);
}

static int
set_maxlines(struct tool *t, long v)
{
	char *err;

	if (t->maxlines_set)
		return 0;
	if (filter_set_maxlines(t->flt, v, &err) < 0) {
		regexprint_fmt("ERROR: %s", err);
		free(err);
		return -1;
	}
	t->maxlines_set = true;
	TOOL_OUT(t, "Use         maxlines : %ld", filter_maxlines(t->flt));
	return 0;
}

static int
set_datepattern(struct tool *t, const char *p)
{
	const char *pat, *name;
	char *err;

	if (t->datepattern_set)
		return 0;
	if (filter_set_datepattern(t->flt, p, &err) < 0) {
		regexprint_fmt("ERROR: %s", err);
		free(err);
		return -1;
	}
	t->datepattern_set = true;
	if (p != NULL) {
		name = datedet_describe(filter_datedet(t->flt), &pat);
		TOOL_OUT(t, "Use      datepattern : %s : %s", p, name);
	}
	return 0;
}

/* os.path.isfile */
static bool
isfile(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static char *
path_join(const char *a, const char *b)
{
	if (b[0] == '/' || a[0] == '\0')
		return xstrdup(b);
	return xasprintf("%s%s%s", a, a[strlen(a) - 1] == '/' ? "" : "/", b);
}

static char *
path_dirname(const char *p)
{
	const char *s = strrchr(p, '/');

	if (s == NULL)
		return xstrdup("");
	if (s == p)
		return xstrdup("/");
	return xstrndup(p, (size_t)(s - p));
}

static const char *
path_basename(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* "." in name[~5:] - a dot among the last six characters */
static bool
dot_in_tail(const char *name)
{
	size_t n = strlen(name);

	return memchr(name + (n > 6 ? n - 6 : 0), '.', n > 6 ? 6 : n) != NULL;
}

/* Applies one command of the filter's stream, as readRegex does. */
static int
apply_command(struct tool *t, struct pyval *cmd, struct strbuf *fails,
    struct strbuf *ignores, size_t *nfails, size_t *nignores)
{
	const char *op = pyval_as_str(pyval_at(cmd, 0)), *what;
	struct pyval *vals = pyval_list();
	size_t i;
	int rc = 0;
	char *err;

	what = pyval_as_str(pyval_at(cmd, 2));
	if (strcmp(what, "addjournalmatch") == 0) {
		/* fail2ban-regex keeps the filter's last one, unless -m is given */
		pyval_free(t->jm);
		t->jm = pyval_list();
		for (i = 3; i < pyval_len(cmd); i++)
			pyval_append(t->jm, pyval_copy(pyval_at(cmd, i)));
		pyval_free(vals);
		return 0;
	}
	if (strcmp(op, "multi-set") == 0)
		for (i = 0; i < pyval_len(pyval_at(cmd, 3)); i++)
			pyval_append(vals, pyval_copy(pyval_at(pyval_at(cmd, 3), i)));
	else
		for (i = 3; i < pyval_len(cmd); i++)
			pyval_append(vals, pyval_copy(pyval_at(cmd, i)));
	for (i = 0; rc == 0 && i < pyval_len(vals); i++) {
		struct pyval *v = pyval_at(vals, i);
		struct strbuf s = STRBUF_INIT;

		pyval_to_text(v, &s);
		if (strcmp(what, "prefregex") == 0) {
			if (filter_set_prefregex(t->flt, strbuf_str(&s), &err) < 0) {
				regexprint_fmt("ERROR: %s", err);
				free(err);
				rc = -1;
			}
		} else if (strcmp(what, "addfailregex") == 0) {
			strbuf_add(fails, strbuf_str(&s), s.len + 1);
			(*nfails)++;
		} else if (strcmp(what, "addignoreregex") == 0) {
			strbuf_add(ignores, strbuf_str(&s), s.len + 1);
			(*nignores)++;
		} else if (strcmp(what, "maxlines") == 0)
			rc = set_maxlines(t, pyval_as_int(v));
		else if (strcmp(what, "datepattern") == 0)
			rc = set_datepattern(t, strbuf_str(&s));
		strbuf_free(&s);
	}
	pyval_free(vals);
	return rc;
}

static int
add_regexes(struct tool *t, bool fail, const char *list, size_t n)
{
	size_t i;
	char *err;

	for (i = 0; i < n; i++, list += strlen(list) + 1) {
		int rc = fail ? filter_add_failregex(t->flt, list, &err) :
		    filter_add_ignoreregex(t->flt, list, &err);

		if (rc < 0) {
			regexprint_fmt("ERROR: %s", err);
			free(err);
			return -1;
		}
		if (fail)
			rstat_add(&t->fail, &t->nfail, list);
		else
			rstat_add(&t->ign, &t->nign, list);
	}
	return 0;
}

static int
read_regex(struct tool *t, const char *value, bool fail)
{
	const char *what = fail ? "failregex" : "ignoreregex";
	char *basedir = xstrdup(t->o.config), *fltname = NULL, *fltfile = NULL;
	struct dict *fltopt = NULL;
	struct strbuf fails = STRBUF_INIT, ignores = STRBUF_INIT;
	size_t nfails = 0, nignores = 0, i;
	int rc = -1;

	if (fail) {
		static struct rx *namere;
		size_t sp[2];
		char *err;

		if (namere == NULL && (namere = rx_compile("(?ms)^/{0,3}[\\w/_\\-.]+(?:\\[.*\\])?$",
		    0, &err)) == NULL)
			abort();
		if (rx_search_text(namere, value, strlen(value), 0, false, sp, 1) == RX_MATCH) {
			const char *tries[3];
			char *names[3] = { NULL, NULL, NULL };
			size_t nt;

			if (optspec_parse(value, &fltname, &fltopt, &err) < 0) {
				regexprint_fmt("ERROR: Wrong filter name or options: %s", err);
				regexprint_fmt("       while parsing: %s", value);
				free(err);
				goto out;
			}
			names[0] = xstrdup(fltname);
			nt = 1;
			if (!dot_in_tail(fltname)) {
				names[1] = xasprintf("%s.conf", fltname);
				names[2] = xasprintf("%s.local", fltname);
				nt = 3;
			}
			for (i = 0; i < nt; i++)
				tries[i] = names[i];
			for (i = 0; i < nt; i++) {
				char *f;

				if (strchr(tries[i], '/') == NULL) {
					if (strcmp(path_basename(basedir), "filter.d") == 0)
						f = path_join(basedir, tries[i]);
					else {
						char *fd = path_join(basedir, "filter.d");

						f = path_join(fd, tries[i]);
						free(fd);
					}
				} else {
					f = xstrdup(tries[i]);
					free(basedir);
					basedir = path_dirname(f);
				}
				if (isfile(f)) {
					fltfile = f;
					break;
				}
				free(f);
			}
			for (i = 0; i < 3; i++)
				free(names[i]);
		}
	}
	if (fltfile != NULL) {
		struct diag *d = diag_new();
		struct pyval *stream;
		char *name, *bd;
		int why;

		if (strcmp(basedir, t->o.config) == 0 ||
		    strcmp(path_basename(basedir), "filter.d") == 0 ||
		    (!dot_in_tail(fltname) && strchr(fltname, '/') == NULL)) {
			const char *b = path_basename(fltname), *dot = strrchr(b, '.');

			if (strcmp(path_basename(basedir), "filter.d") == 0) {
				bd = path_dirname(basedir);
				free(basedir);
				basedir = bd;
			}
			name = dot && dot != b ? xstrndup(b, (size_t)(dot - b)) : xstrdup(b);
			TOOL_OUT(t, "Use %11s filter file : %s, basedir: %s", what, name, basedir);
			bd = xstrdup(basedir);
		} else {
			TOOL_OUT(t, "Use %11s file : %s", what, fltname);
			bd = NULL;
			if (fltname[0] != '/') {
				char cwd[4096];

				if (getcwd(cwd, sizeof(cwd)) == NULL)
					cwd[0] = '\0';
				name = path_join(cwd, fltname);
			} else
				name = xstrdup(fltname);
		}
		if (dict_len(fltopt)) {
			struct strbuf r = STRBUF_INIT;
			const char *k;
			char *v;
			size_t pos = 0;

			strbuf_addc(&r, '{');
			while (dict_next(fltopt, &pos, &k, (void **)&v)) {
				if (r.len > 1)
					strbuf_adds(&r, ", ");
				pyval_repr_str(k, strlen(k), &r);
				strbuf_adds(&r, ": ");
				pyval_repr_str(v, strlen(v), &r);
			}
			strbuf_addc(&r, '}');
			TOOL_OUT(t, "Use   filter options : %s", r.s);
			strbuf_free(&r);
		}
		stream = config_filter(bd, name, fltopt, t->backend, d, &why);
		free(bd);
		free(name);
		for (i = 0; stream == NULL && i < diag_count(d); i++)
			if (diag_level(d, i) == DIAG_ERROR)
				regexprint_fmt("Wrong config file: %s", diag_text(d, i));
		diag_free(d);
		if (stream == NULL) {
			regexprint_fmt("ERROR: failed to load filter %s", value);
			goto out;
		}
		for (i = 0; i < pyval_len(stream); i++)
			if (apply_command(t, pyval_at(stream, i), &fails, &ignores, &nfails,
			    &nignores) < 0) {
				pyval_free(stream);
				goto out;
			}
		pyval_free(stream);
	} else {
		char *s = regexprint_shortstr(value, 53);

		TOOL_OUT(t, "Use %11s line : %s", what, s);
		free(s);
		if (fail) {
			strbuf_add(&fails, value, strlen(value) + 1);
			nfails = 1;
		} else {
			strbuf_add(&ignores, value, strlen(value) + 1);
			nignores = 1;
		}
	}
	/* regex_values in stream order: ignoreregexes come before failregexes */
	if (add_regexes(t, false, strbuf_str(&ignores), nignores) < 0 ||
	    add_regexes(t, true, strbuf_str(&fails), nfails) < 0)
		goto out;
	rc = 0;
out:
	free(basedir);
	free(fltname);
	free(fltfile);
	dict_free(fltopt);
	strbuf_free(&fails);
	strbuf_free(&ignores);
	return rc;
}

/* ---- processing --------------------------------------------------------- */

static void
on_ignore(void *arg, int idx)
{
	struct tool *t = arg;

	t->line_ignored = true;
	if ((size_t)idx < t->nign)
		t->ign[idx].hits++;
}

static void
on_limit(void *arg, enum filter_rx kind, int idx)
{
	struct tool *t = arg;

	if (kind == FILTER_RX_PREF)
		t->limit_pref++;
	else if (kind == FILTER_RX_FAIL && (size_t)idx < t->nfail)
		t->fail[idx].limit_hits++;
	else if (kind == FILTER_RX_IGNORE && (size_t)idx < t->nign)
		t->ign[idx].limit_hits++;
}

static void
lines_add(struct strbuf *sb, size_t *n, const char *line)
{
	strbuf_add(sb, line, strlen(line) + 1);
	(*n)++;
}

/* Removes the first occurrence of line from a NUL-separated list. */
static bool
lines_remove(struct strbuf *sb, size_t *n, const char *line)
{
	size_t off;

	for (off = 0; off < sb->len; off += strlen(sb->s + off) + 1) {
		size_t l = strlen(sb->s + off);

		if (strcmp(sb->s + off, line) == 0) {
			memmove(sb->s + off, sb->s + off + l + 1, sb->len - off - l - 1);
			sb->len -= l + 1;
			(*n)--;
			return true;
		}
	}
	return false;
}

/* Lines of the multi-line buffer, as a NUL-separated list. */
static size_t
buffer_snapshot(struct filter *f, struct strbuf *out)
{
	size_t i, n = filter_buffer_count(f);

	strbuf_reset(out);
	for (i = 0; i < n; i++) {
		char *l = filter_buffer_line(f, i);

		strbuf_add(out, l, strlen(l) + 1);
		free(l);
	}
	return n;
}

static bool
snapshot_has(const struct strbuf *s, const char *line)
{
	size_t off;

	for (off = 0; off < s->len; off += strlen(s->s + off) + 1)
		if (strcmp(s->s + off, line) == 0)
			return true;
	return false;
}

static void
test_line(struct tool *t, const char *line, size_t len)
{
	struct filter_failure *ff = NULL;
	size_t n = 0, cap = 0, i, nret = 0;
	struct filter_linestat st;
	struct strbuf before = STRBUF_INIT, after = STRBUF_INIT;
	bool is_ignored = false, multi = filter_maxlines(t->flt) > 1;

	if (multi)
		buffer_snapshot(t->flt, &before);
	t->line_ignored = false;
	if (t->jdatetext) {
		struct datedet_time jt = { t->jtime, false };

		filter_process_dated(t->flt, t->jdatetext, line, len, &jt, &ff, &n, &cap, &st);
	} else
		filter_process_line(t->flt, line, len, &ff, &n, &cap, &st);
	t->limit_hits += st.limit_hits;
	if (st.truncated)
		t->truncated++;
	if (st.error) {
		/* fail2ban-regex stops here with a traceback; the server logs it */
		struct strbuf r = STRBUF_INIT;

		pyval_repr_str(line, len, &r);
		fflush(stdout);
		fprintf(stderr, "ERROR: Failed to process line: %s, caught exception: %s\n",
		    strbuf_str(&r), st.error);
		strbuf_free(&r);
		t->line_errors++;
	}
	for (i = 0; i < n; i++) {
		bool nofail;
		struct pyval *nf = pyval_dict_get(ff[i].data, "nofail");

		if (!t->o.out)
			t->fail[ff[i].regex].hits++;
		/* the rows are only ever shown with -v */
		if (!t->o.out && t->o.verbose) {
			struct rstat *r = &t->fail[ff[i].regex];
			struct pyval *row = pyval_list();
			struct strbuf idt = STRBUF_INIT;

			if (r->iplist == NULL)
				r->iplist = pyval_list();
			regexprint_id(&ff[i], &idt);
			pyval_append(row, pyval_str(strbuf_str(&idt)));
			pyval_append(row, ff[i].has_time ? pyval_float(ff[i].time.secs) : pyval_none());
			pyval_append(row, pyval_bool(nret > 1));
			pyval_append(r->iplist, row);
			strbuf_free(&idt);
		}
		nofail = nf && pyval_as_bool(nf);
		if (!nofail)
			ff[nret++] = ff[i];
		else {
			is_ignored = true;
			addr_clear(&ff[i].id);
			pyval_free(ff[i].data);
		}
	}
	if (t->o.out) {
		/* in -o mode testRegex returns no ignored flag: print what is left */
		if (nret > 0)
			regexprint_failures(t, ff, nret);
		filter_failures_free(ff, nret);
		strbuf_free(&before);
		return;
	}
	if (filter_prefregex(t->flt) && st.pref_matched) {
		t->pref_matched++;
		if (t->o.verbose) {
			if (t->pref_groups == NULL)
				t->pref_groups = pyval_list();
			if ((long)pyval_len(t->pref_groups) < t->display_max)
				pyval_append(t->pref_groups, filter_pref_groups(t->flt));
			else if ((long)pyval_len(t->pref_groups) == t->display_max)
				pyval_append(t->pref_groups, pyval_str("..."));
		}
	}
	if (multi) {
		size_t off = 0, k = 0;

		buffer_snapshot(t->flt, &after);
		for (off = 0; off < before.len; off += strlen(before.s + off) + 1, k++) {
			const char *bl = before.s + off;

			if (k < st.dropped)
				continue;	/* left the buffer by its bounds, not by a match */
			if (snapshot_has(&after, bl))
				continue;
			lines_remove(&t->st.missed_lines, &t->st.nmissed_lines, bl);
			if (t->o.print_all_matched)
				lines_add(&t->st.matched_lines, &t->st.nmatched_lines, bl);
			t->st.matched++;
			t->st.missed--;
		}
	}
	if (is_ignored || t->line_ignored) {
		t->st.ignored++;
		if (!t->o.print_no_ignored && (t->o.print_all_ignored ||
		    (long)t->st.ignored <= t->display_max + 1))
			lines_add(&t->st.ignored_lines, &t->st.nignored_lines, line);
	} else if (nret > 0) {
		t->st.matched++;
		if (t->o.print_all_matched)
			lines_add(&t->st.matched_lines, &t->st.nmatched_lines, line);
	} else {
		t->st.missed++;
		if (!t->o.print_no_missed && (t->o.print_all_missed ||
		    (long)t->st.missed <= t->display_max + 1))
			lines_add(&t->st.missed_lines, &t->st.nmissed_lines, line);
	}
	t->st.tested++;
	filter_failures_free(ff, nret);
	strbuf_free(&before);
	strbuf_free(&after);
}

/* A line of the log: the newline stripped, comments and empty lines skipped. */
static void
process_line(struct tool *t, char *line, size_t len)
{
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	if (len == 0 || line[0] == '#')
		return;
	if (t->recode) {
		recode_line(t->recode, line, len, &t->recoded);
		strbuf_addc(&t->recoded, '\0');
		t->recoded.len--;
		line = t->recoded.s;
		len = t->recoded.len;
	}
	test_line(t, line, len);
}

/* A journal entry (systemd-journal LOG). */
static void
on_journal_line(void *arg, const struct journal_entry *e)
{
	struct tool *t = arg;
	char *line = xstrndup(e->line, e->len);

	t->jdatetext = e->datetext;
	t->jtime = e->time;
	test_line(t, line, e->len);
	t->jdatetext = NULL;
	free(line);
}

static void
on_journal_event(void *arg, enum journal_event e, const char *msg)
{
	(void)arg;
	if (e == JOURNAL_ERROR)
		fprintf(stderr, "ERROR: %s\n", msg ? msg : "journal error");
}

/* systemd-journal[journalpath=..., ...]: every matching entry, once. */
static int
process_journal(struct tool *t, const char *spec)
{
	struct journal_opts o;
	struct dict *args = NULL;
	char *name = NULL, *err = NULL, **words = NULL;
	const char *fl;
	size_t nw = 0, i;
	int rc = 0;

	memset(&o, 0, sizeof(o));
	o.flags = JOURNAL_FLAGS_DEFAULT;
	if (optspec_parse(spec, &name, &args, &err) < 0) {
		regexprint_fmt("ERROR: %s", err);
		free(err);
		return -1;
	}
	o.path = dict_get(args, "journalpath", NULL);
	o.files = dict_get(args, "journalfiles", NULL);
	o.namespace = dict_get(args, "namespace", NULL);
	if ((fl = dict_get(args, "journalflags", NULL)) != NULL) {
		long long f;

		/* int(): anything else (or past an int) gives the default flags */
		if (optval_int(fl, &f) == 0 && f >= 0 && f <= INT32_MAX)
			o.flags = (int)f;
	}
	if (t->o.journalmatch)
		nw = optspec_words(t->o.journalmatch, &words);
	else
		for (i = 0; t->jm && i < pyval_len(t->jm); i++) {
			struct strbuf sb = STRBUF_INIT;
			char *s;

			pyval_to_text(pyval_at(t->jm, i), &sb);
			s = strbuf_detach(&sb);
			words = xrealloc(words, (nw + 2) * sizeof(*words));
			words[nw++] = s ? s : xstrdup("");
			words[nw] = NULL;
		}
	if (nw) {
		struct strbuf sb = STRBUF_INIT;

		for (i = 0; i < nw; i++) {
			if (i)
				strbuf_addc(&sb, ' ');
			strbuf_adds(&sb, words[i]);
		}
		TOOL_OUT(t, "Use    journal match : %s", strbuf_str(&sb));
		strbuf_free(&sb);
	}
	TOOL_OUT(t, "%s", "");
	o.match = (const char *const *)words;
	o.nmatch = nw;
	if (journal_read_all(&o, on_journal_line, on_journal_event, t, &err) < 0) {
		regexprint_fmt("ERROR: %s", err ? err : "cannot read the journal");
		free(err);
		rc = -1;
	}
	for (i = 0; i < nw; i++)
		free(words[i]);
	free(words);
	free(name);
	dict_free(args);
	return rc;
}

static bool progress_tty;

/* Log files are read in big chunks: one read() serves thousands of lines. */
#define READ_CHUNK	(1 << 20)

static int
process_file(struct tool *t, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf, *nl;
	size_t cap = READ_CHUNK, have = 0, off = 0, consumed = 0;
	unsigned long count = 0;
	long total = 0;
	bool eof = false;
	struct stat st;

	if (fd < 0) {
		regexprint_fmt("[Errno %d] %s: '%s'", errno, strerror(errno), path);
		return -1;
	}
	if (fstat(fd, &st) == 0)
		total = (long)st.st_size;
	progress_tty = isatty(2) && total > (16 << 20);
	buf = xmalloc(cap);
	for (;;) {
		size_t n;

		if ((nl = memchr(buf + off, '\n', have - off)) == NULL) {
			ssize_t r;

			if (eof) {
				/*
				 * FileContainer waits for a line's end: a last partial
				 * line is not read (one ending in "\r" is a line).
				 */
				if (have > off && buf[have - 1] == '\r')
					process_line(t, buf + off, have - off);
				break;
			}
			/* keep the partial line, make room, read on */
			memmove(buf, buf + off, have - off);
			have -= off;
			off = 0;
			if (cap - have < READ_CHUNK / 2) {
				cap *= 2;
				buf = xrealloc(buf, cap);
			}
			r = read(fd, buf + have, cap - have);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				eof = true;
			else
				have += (size_t)r;
			continue;
		}
		n = (size_t)(nl - (buf + off)) + 1;
		process_line(t, buf + off, n);
		off += n;
		consumed += n;
		if (progress_tty && (++count & 0xfffff) == 0)
			fprintf(stderr, "\r%lu lines, %ld%%", count,
			    (long)consumed * 100 / (total ? total : 1));
	}
	if (progress_tty)
		fprintf(stderr, "\r%*s\r", 40, "");
	free(buf);
	close(fd);
	return 0;
}

/*
 * The prefilter, on unless turned off; the report says whether the lines
 * are prefiltered, and why not (the -o rows are fail2ban-regex's alone).
 */
static void
prefilter_line(struct tool *t)
{
	const struct prefilter *pf;
	const char *why;
	size_t k, n;

	linescan_set(filter_linescan(t->flt), !t->o.no_prefilter, t->o.out == NULL);
	pf = linescan_own(filter_linescan(t->flt));
	why = pf == NULL ? "turned off" : prefilter_why(pf, 0);
	if (why != NULL)
		TOOL_OUT(t, "Use        prefilter : off, %s", why);
	else if (!linescan_shared(&k, &n))
		TOOL_OUT(t, "Use        prefilter : off, %zu texts but one filter: its own search "
		    "for them costs less than a scan (F2B_LITE_PREFILTER=force uses it)",
		    prefilter_ntexts(pf));
	else
		TOOL_OUT(t, "Use        prefilter : on, %zu texts", prefilter_ntexts(pf));
}

static double
wallclock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
regextool_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "datepattern", required_argument, NULL, 'd' },
		{ "timezone", required_argument, NULL, 1 },
		{ "TZ", required_argument, NULL, 1 },
		{ "encoding", required_argument, NULL, 'e' },
		{ "raw", no_argument, NULL, 'r' },
		{ "usedns", required_argument, NULL, 2 },
		{ "maxlines", required_argument, NULL, 'L' },
		{ "journalmatch", required_argument, NULL, 'm' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "verbosity", required_argument, NULL, 3 },
		{ "verbose-date", no_argument, NULL, 4 },
		{ "VD", no_argument, NULL, 4 },
		{ "debuggex", no_argument, NULL, 'D' },
		{ "no-check-all", no_argument, NULL, 5 },
		{ "out", required_argument, NULL, 'o' },
		{ "print-no-missed", no_argument, NULL, 6 },
		{ "print-no-ignored", no_argument, NULL, 7 },
		{ "print-all-matched", no_argument, NULL, 8 },
		{ "print-all-missed", no_argument, NULL, 9 },
		{ "print-all-ignored", no_argument, NULL, 10 },
		{ "log-traceback", no_argument, NULL, 't' },
		{ "full-traceback", no_argument, NULL, 11 },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 12 },
		{ "corpus", required_argument, NULL, 13 },
		{ "tap", no_argument, NULL, 14 },
		{ "no-prefilter", no_argument, NULL, 15 },
		{ NULL, 0, NULL, 0 },
	};
	struct tool t;
	const char *cmd_log, *cmd_regex;
	char *endp;
	int c, rc = 255;
	double t0;

	memset(&t, 0, sizeof(t));
	t.o.config = "/etc/fail2ban";
	t.o.encoding = "UTF-8";
	t.o.check_all = true;
	t.o.log_level = "critical";
	t.backend = "auto";
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "c:d:e:rL:m:l:VvDo:th", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': t.o.config = optarg; break;
		case 'd': t.o.datepattern = optarg; break;
		case 1: t.o.timezone = optarg; break;
		case 'e': t.o.encoding = optarg; break;
		case 'r': t.o.raw = true; break;
		case 2: t.o.usedns = optarg; break;
		case 'L':
			t.o.maxlines = strtol(optarg, &endp, 10);
			if (*endp) {
				usage(stderr, argv[0]);
				fprintf(stderr, "%s: error: option -L: invalid integer value: '%s'\n",
				    argv[0], optarg);
				return 2;
			}
			break;
		case 'm': t.o.journalmatch = optarg; break;
		case 'l': t.o.log_level = optarg; break;
		case 'V': printf("%s\n", REGEX_VERSION); return 0;
		case 'v': t.o.verbose++; break;
		case 3: {
			long long v = 0;

			optval_int(optarg, &v);
			t.o.verbose = v < 0 ? 0 : v > 9 ? 9 : (int)v;
			break;
		}
		case 4: t.o.verbose_date = true; break;
		case 'D': t.o.debuggex = true; break;
		case 5: t.o.check_all = false; break;
		case 'o': t.o.out = optarg; break;
		case 6: t.o.print_no_missed = true; break;
		case 7: t.o.print_no_ignored = true; break;
		case 8: t.o.print_all_matched = true; break;
		case 9: t.o.print_all_missed = true; break;
		case 10: t.o.print_all_ignored = true; break;
		case 't': case 11: break;
		case 'h': usage(stdout, argv[0]); return 0;
		case 12: printf("%s %s\n", argv[0], REGEX_VERSION); return 0;
		case 13: t.o.corpus = optarg; break;
		case 14: t.o.tap = true; break;
		case 15: t.o.no_prefilter = true; break;
		default:
			usage(stderr, argv[0]);
			fprintf(stderr, "%s: error: no such option: %s\n", argv[0],
			    argv[optind - 1]);
			return 2;
		}
	}
	if (getenv("F2B_LITE_PREFILTER") && strcmp(getenv("F2B_LITE_PREFILTER"), "off") == 0)
		t.o.no_prefilter = true;
	if (t.o.corpus)
		return corpus_run(t.o.corpus, t.o.config, t.o.tap, !t.o.no_prefilter);
	if (argc - optind != 2 && argc - optind != 3) {
		usage(stdout, argv[0]);
		fprintf(stderr, "\nERROR: provide both <LOG> and <REGEX>.\n");
		return 255;
	}
	cmd_log = argv[optind];
	cmd_regex = argv[optind + 1];
	if (!t.o.out) {
		regexprint_line("");
		regexprint_line("Running tests");
		regexprint_line("=============");
		regexprint_line("");
	}
	log_set_level(log_level_parse(t.o.log_level) >= 0 ?
	    log_level_parse(t.o.log_level) : LOG_LVL_CRITICAL);

	/* Fail2banRegex.__init__ */
	t.flt = filter_new();
	if (t.o.maxlines) {
		t.display_max = t.o.maxlines;
		if (set_maxlines(&t, t.o.maxlines) < 0)
			goto out;
	} else
		t.display_max = 20;
	if (t.o.timezone) {
		char *err;

		if (filter_set_logtimezone(t.flt, t.o.timezone, &err) < 0) {
			regexprint_fmt("ERROR: %s", err);
			free(err);
			goto out;
		}
	}
	filter_set_check_findtime(t.flt, false);
	if (t.o.datepattern && set_datepattern(&t, t.o.datepattern) < 0)
		goto out;
	if (t.o.usedns) {
		char *err;

		filter_set_usedns(t.flt, t.o.usedns, &err);
	}
	filter_set_raw(t.flt, t.o.raw);
	filter_set_check_all(t.flt, t.o.check_all && !t.o.out);
	filter_set_ignore_pending(t.flt, t.o.out != NULL);
	filter_on_ignore(t.flt, on_ignore, &t);
	filter_on_limit(t.flt, on_limit, &t);

	/* start() */
	if (strncmp(cmd_log, "systemd-journal", 15) == 0)
		t.backend = "systemd";
	{
		char *err = NULL;

		t.recode = recode_new(t.o.encoding, &err);
		if (err) {
			regexprint_fmt("ERROR: %s", err);
			free(err);
			goto out;
		}
	}
	if (read_regex(&t, cmd_regex, true) < 0)
		goto out;
	if (argc - optind == 3 && read_regex(&t, argv[optind + 2], false) < 0)
		goto out;
	prefilter_line(&t);
	if (!isfile(cmd_log) && strncmp(cmd_log, "systemd-journal", 15) == 0) {
		/* entries carry their time (the date detector stays, unused) */
		TOOL_OUT(&t, "%s", "Use         systemd journal");
		TOOL_OUT(&t, "Use         encoding : %s", t.o.encoding);
		t0 = wallclock();
		if (process_journal(&t, cmd_log) < 0)
			goto out;
	} else if (isfile(cmd_log)) {
		TOOL_OUT(&t, "Use         log file : %s", cmd_log);
		TOOL_OUT(&t, "Use         encoding : %s", t.o.encoding);
		TOOL_OUT(&t, "%s", "");
		t0 = wallclock();
		if (process_file(&t, cmd_log) < 0)
			goto out;
	} else {
		char *copy = xstrdup(cmd_log), *p, *next;

		if (filter_maxlines(t.flt) <= 1 && strchr(cmd_log, '\n') == NULL) {
			char *s = regexprint_shortstr(cmd_log, 53);

			TOOL_OUT(&t, "Use      single line : %s", s);
			free(s);
		} else {
			size_t nl = 1, i;

			for (p = copy; *p; p++)
				nl += *p == '\n';
			TOOL_OUT(&t, "Use      multi line : %zu line(s)", nl);
			for (i = 0, p = copy; p && i < nl; i++) {
				char *e = strchr(p, '\n'), *l, *s;

				if (i >= 5) {
					TOOL_OUT(&t, "%s", "| ...");
					break;
				}
				l = e ? xstrndup(p, (size_t)(e - p)) : xstrdup(p);
				s = regexprint_shortstr(l, 53);
				{
					char idx[24];

					snprintf(idx, sizeof(idx), "%zu", i + 1);
					TOOL_OUT(&t, "| %2.2s: %s", idx, s);
				}
				free(l);
				free(s);
				p = e ? e + 1 : NULL;
			}
			TOOL_OUT(&t, "%s", "`-");
		}
		TOOL_OUT(&t, "%s", "");
		t0 = wallclock();
		for (p = copy; p; p = next) {
			next = strchr(p, '\n');
			if (next)
				*next++ = '\0';
			process_line(&t, p, strlen(p));
		}
		free(copy);
	}
	t.elapsed = wallclock() - t0;
	if (!t.o.out)
		regexprint_stats(&t);
	else
		regexprint_hazards(&t, stderr);
	rc = 0;
out:
	fflush(stdout);
	filter_free(t.flt);
	rstats_free(t.fail, t.nfail);
	rstats_free(t.ign, t.nign);
	pyval_free(t.pref_groups);
	regexprint_otpl_free(t.otpl);
	pyval_free(t.jm);
	recode_free(t.recode);
	strbuf_free(&t.recoded);
	strbuf_free(&t.st.matched_lines);
	strbuf_free(&t.st.missed_lines);
	strbuf_free(&t.st.ignored_lines);
	return rc;
}


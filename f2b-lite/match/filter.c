/*
 * filter: fail2ban's Filter.processLine/findFailure.  Lines are held as
 * "tuple lines" like fail2ban's (pre-date, date, post-date), here one string
 * with the date's span; regexes see every buffered line with its date cut
 * out, joined by "\n" and ending in "\n".
 *
 * The hot path (a line that matches nothing) allocates nothing: the date is
 * found in place, the search buffer is a reused strbuf, and failure data is
 * built only for a match.  Most failregexes are never run on a line: one
 * table look-up on the buffer's first byte rules out the anchored ones that
 * cannot start there, each required text is looked for once per buffer and
 * rules out every regex that needs it, and one search of the alternation of
 * the rest (the unguarded ones) rules them out together.  All-ASCII buffers
 * (most logs) are searched without UTF (see rx_search_ascii()).
 *
 * Sections: settings; tuple lines (the buffer, split by what a regex
 * matched); the mlfid cache's clock (the merging is mlfid.c's); findFailure
 * (ignoreregexes, tuning, the prefilter and required texts, then each
 * failregex; the failure's id is failid.c's); processLine (the date, the
 * findtime checks); introspection.
 */
#include "filter.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "cache.h"
#include "clock.h"
#include "datedet.h"
#include "dict.h"
#include "failid.h"
#include "failregex.h"
#include "linescan.h"
#include "log.h"
#include "mlfid.h"
#include "prefilter.h"
#include "pyval.h"
#include "rx.h"
#include "strptime.h"
#include "strbuf.h"
#include "utf8.h"
#include "xmalloc.h"

/* A buffered line: text with the date at [ds, de). */
struct tline {
	char	*s;
	size_t	 len, ds, de;
	bool	 ascii;		/* known to be all ASCII (false: not known) */
};

/* The multi-line failure cache: Utils.Cache(maxCount=100, maxTime=300). */
#define MLFID_MAX	100
#define MLFID_TTL	(5 * 60)

struct filter {
	char			*usedns;
	long			 maxlines;
	struct failregex	*pref;
	struct failregex	**fail;
	size_t			 nfail, capfail;
	struct failregex	**ign;
	size_t			 nign, capign;
	struct datedet		*dd;		/* NULL: datepattern None */
	char			*tz;
	double			 findtime;
	bool			 checkall, ignorepending, checkfindtime, inoperation;
	bool			 rawhost;
	bool			 defer_dns;	/* filter_set_defer_dns */
	struct tline		*lines;
	size_t			 nlines, caplines;
	struct strbuf		 lasttime;	/* the last date's text */
	bool			 has_lastdate;
	struct datedet_time	 lastdate;
	struct cache		*mlfid;		/* mlfid -> its failure (struct pyval *) */
	struct strbuf		 text, buf, buf2, tmp, key;
	bool			 pref_matched;	/* prefregex's last search (hasMatched) */
	struct failregex_match	*pref_spans;	/* ... and its groups, in buf (with pref) */
	struct rx		*prefilter;	/* unguarded failregexes' alternation */
	bool			 prefilter_built;
	/*
	 * startmask[c]: bit i set when failregex i (i < 64) can match a buffer
	 * starting with byte c; built with the prefilter.
	 */
	uint64_t		*startmask;
	/*
	 * The failregexes' required texts, each distinct one once (lit: a
	 * regex holding it and its index there); per failregex the ids of its
	 * texts, the most shared first; per buffer whether each is present.
	 */
	struct flit {
		size_t		 regex, index;
	}			*lit;
	size_t			 nlit;
	struct flits {
		size_t		*id;
		size_t		 n;
	}			*litsof;	/* nlitsof entries */
	size_t			 nlitsof;
	uint8_t			*litstate;	/* 0 unknown, 1 present, 2 absent */
	/* byte counts of the first buffers, to tune the regexes' text search */
	uint64_t		*bytefreq;	/* [256] while sampling, else NULL */
	uint64_t		 nsampled, bsampled;
	bool			 tuned;
	filter_ignore_fn	*onignore;
	void			*onignore_arg;
	filter_limit_fn		*onlimit;
	void			*onlimit_arg;
	double			 next_warn_simtime, next_warn_ignored, next_warn_notime;
	struct filter_linestat	*stat;
	char			*lineerr;	/* the line's exception (see push_ids) */
	struct linescan_member	 lsm;		/* the prefilter (filter_set_prefilter()) */
	double			 real;		/* clock_real() for this line */
	bool			 real_read;	/* ... when read: one per line */
};

static void	literals_free(struct filter *);
static void	untune(struct filter *);

/* Length of line cut to FILTER_LINE_MAX bytes, not splitting a character. */
static size_t
cut_line(const char *line, size_t len, struct filter_linestat *st)
{
	if (len <= FILTER_LINE_MAX)
		return len;
	len = FILTER_LINE_MAX;
	while (len > 0 && ((unsigned char)line[len] & 0xc0) == 0x80)
		len--;
	if (st)
		st->truncated = true;
	return len;
}

/* A search of regex (kind, index) stopped by the match limit. */
static void
limit_hit(struct filter *f, enum filter_rx kind, size_t index)
{
	if (f->stat)
		f->stat->limit_hits++;
	if (f->onlimit)
		f->onlimit(f->onlimit_arg, kind, (int)index);
}

static void
tline_free(struct tline *t)
{
	free(t->s);
	t->s = NULL;
}

static void
fail_free(void *p)
{
	pyval_free(p);
}

static linescan_rules_fn add_rules;

struct filter *
filter_new(void)
{
	struct filter *f = xcalloc(1, sizeof(*f));

	f->usedns = xstrdup("warn");
	f->maxlines = 1;
	f->dd = datedet_new();
	f->findtime = 600;
	f->ignorepending = true;
	f->checkfindtime = true;
	f->inoperation = true;
	f->mlfid = cache_new(MLFID_MAX, MLFID_TTL, fail_free);
	f->lsm = (struct linescan_member){ .rules = add_rules, .arg = f };
	return f;
}

void
filter_free(struct filter *f)
{
	size_t i;

	if (f == NULL)
		return;
	free(f->usedns);
	failregex_free(f->pref);
	for (i = 0; i < f->nfail; i++)
		failregex_free(f->fail[i]);
	free(f->fail);
	for (i = 0; i < f->nign; i++)
		failregex_free(f->ign[i]);
	free(f->ign);
	datedet_free(f->dd);
	free(f->tz);
	for (i = 0; i < f->nlines; i++)
		tline_free(&f->lines[i]);
	free(f->lines);
	strbuf_free(&f->lasttime);
	cache_free(f->mlfid);
	strbuf_free(&f->text);
	strbuf_free(&f->buf);
	strbuf_free(&f->buf2);
	strbuf_free(&f->tmp);
	strbuf_free(&f->key);
	rx_free(f->prefilter);
	free(f->startmask);
	literals_free(f);
	linescan_set(&f->lsm, false, false);
	free(f->bytefreq);
	free(f->pref_spans);
	free(f->lineerr);
	free(f);
}

/* ---- settings ----------------------------------------------------------- */

int
filter_set_usedns(struct filter *f, const char *v, char **err)
{
	char *l = xstrdup(v), *p;

	*err = NULL;
	for (p = l; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if (strcmp(l, "yes") && strcmp(l, "warn") && strcmp(l, "no") && strcmp(l, "raw")) {
		log_msg(LOG_LVL_ERROR, LOG_FILTER, "Incorrect value '%s' specified "
		    "for usedns. Using safe 'no'", v);
		free(l);
		l = xstrdup("no");
	}
	free(f->usedns);
	f->usedns = l;
	return 0;
}

int
filter_set_maxlines(struct filter *f, long n, char **err)
{
	*err = NULL;
	if (n <= 0) {
		*err = xstrdup("maxlines must be integer greater than zero");
		return -1;
	}
	f->maxlines = n;
	untune(f);
	return 0;
}

int
filter_set_prefregex(struct filter *f, const char *v, char **err)
{
	*err = NULL;
	failregex_free(f->pref);
	f->pref = NULL;
	if (v == NULL || v[0] == '\0')
		return 0;
	f->pref = failregex_new(v, false, f->usedns, err);
	if (f->pref && f->pref_spans == NULL)
		f->pref_spans = xmalloc(sizeof(*f->pref_spans));
	untune(f);
	return f->pref ? 0 : -1;
}

int
filter_add_failregex(struct filter *f, const char *v, char **err)
{
	struct failregex *fr = failregex_new(v, f->maxlines > 1, f->usedns, err);

	if (fr == NULL)
		return -1;
	if (!failregex_has_id(fr) && !(f->pref && failregex_has_id(f->pref))) {
		*err = xasprintf("No failure-id group in '%s'", failregex_pattern(fr));
		failregex_free(fr);
		return -1;
	}
	f->fail = xgrow(f->fail, &f->capfail, f->nfail + 1, sizeof(*f->fail));
	f->fail[f->nfail++] = fr;
	untune(f);
	rx_free(f->prefilter);
	f->prefilter = NULL;
	free(f->startmask);
	f->startmask = NULL;
	literals_free(f);
	f->prefilter_built = false;
	return 0;
}

int
filter_add_ignoreregex(struct filter *f, const char *v, char **err)
{
	struct failregex *fr = failregex_new(v, false, f->usedns, err);

	if (fr == NULL)
		return -1;
	f->ign = xgrow(f->ign, &f->capign, f->nign + 1, sizeof(*f->ign));
	f->ign[f->nign++] = fr;
	untune(f);
	return 0;
}

int
filter_set_datepattern(struct filter *f, const char *pattern, char **err)
{
	struct datedet *dd;
	const char *p;

	*err = NULL;
	if (pattern == NULL) {
		datedet_free(f->dd);
		f->dd = NULL;
		return 0;
	}
	dd = datedet_new();
	if (f->tz && datedet_set_timezone(dd, f->tz, err) < 0) {
		datedet_free(dd);
		return -1;
	}
	/* each non-empty line, stripped, is one template */
	for (p = pattern; *p;) {
		size_t n = strcspn(p, "\n"), s = 0, e = n;

		while (s < e && (p[s] == ' ' || (p[s] >= '\t' && p[s] <= '\r')))
			s++;
		while (e > s && (p[e - 1] == ' ' || (p[e - 1] >= '\t' && p[e - 1] <= '\r')))
			e--;
		if (e > s) {
			char *line = xstrndup(p + s, e - s);
			int rc = datedet_add(dd, line, err);

			free(line);
			if (rc < 0) {
				datedet_free(dd);
				return -1;
			}
		}
		p += n;
		if (*p == '\n')
			p++;
	}
	datedet_free(f->dd);
	f->dd = dd;
	return 0;
}

int
filter_set_logtimezone(struct filter *f, const char *tz, char **err)
{
	int m;

	*err = NULL;
	if (tz && tz[0] && strptime_zone_offset(tz, &m) < 0) {
		*err = xasprintf("Unknown or unsupported time zone: '%s'", tz);
		return -1;
	}
	free(f->tz);
	f->tz = tz && tz[0] ? xstrdup(tz) : NULL;
	if (f->dd)
		return datedet_set_timezone(f->dd, f->tz, err);
	return 0;
}

void
filter_set_findtime(struct filter *f, double t)
{
	f->findtime = t;
}

void
filter_set_check_all(struct filter *f, bool v)
{
	f->checkall = v;
}

void
filter_set_ignore_pending(struct filter *f, bool v)
{
	f->ignorepending = v;
}

void
filter_set_check_findtime(struct filter *f, bool v)
{
	f->checkfindtime = v;
}

void
filter_set_defer_dns(struct filter *f, bool v)
{
	f->defer_dns = v;
}

void
filter_set_raw(struct filter *f, bool v)
{
	f->rawhost = v;
}

void
filter_set_in_operation(struct filter *f, bool v)
{
	f->inoperation = v;
}

void
filter_on_ignore(struct filter *f, filter_ignore_fn *fn, void *arg)
{
	f->onignore = fn;
	f->onignore_arg = arg;
}

void
filter_on_limit(struct filter *f, filter_limit_fn *fn, void *arg)
{
	f->onlimit = fn;
	f->onlimit_arg = arg;
}

/* ---- tuple lines -------------------------------------------------------- */

/* Whether every line is known to be all ASCII. */
static bool
lines_ascii(const struct tline *l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!l[i].ascii)
			return false;
	return true;
}

/* "\n".join(pre + post for each line) + "\n" */
static void
join_lines(struct strbuf *sb, const struct tline *l, size_t n)
{
	size_t i;

	strbuf_reset(sb);
	for (i = 0; i < n; i++) {
		if (i)
			strbuf_addc(sb, '\n');
		strbuf_add(sb, l[i].s, l[i].ds);
		strbuf_add(sb, l[i].s + l[i].de, l[i].len - l[i].de);
	}
	strbuf_addc(sb, '\n');
}

static struct pyval *
tline_pyval(const struct tline *l)
{
	struct pyval *t = pyval_tuple();

	pyval_append(t, pyval_strn(l->s, l->ds));
	pyval_append(t, pyval_strn(l->s + l->ds, l->de - l->ds));
	pyval_append(t, pyval_strn(l->s + l->de, l->len - l->de));
	return t;
}

static struct tline
tline_copy(const struct tline *l)
{
	struct tline c = *l;

	c.s = xstrndup(l->s, l->len);
	return c;
}

/*
 * The lines a match covers and the rest (Regex.search's
 * _matchedTupleLines/_unmatchedTupleLines), as index lists into org.
 */
#define LINESPLIT_INLINE	8

struct linesplit {
	size_t	*matched, nmatched;
	size_t	*unmatched, nunmatched;
	size_t	 inl[2 * LINESPLIT_INLINE];	/* both lists, for few lines */
};

static void
linesplit_free(struct linesplit *s)
{
	if (s->matched != s->inl) {
		free(s->matched);
		free(s->unmatched);
	}
	s->matched = s->unmatched = NULL;
	s->nmatched = s->nunmatched = 0;
}

static void
split_lines(const struct failregex *fr, const char *buf, size_t len,
    const struct failregex_match *m, const struct tline *org, size_t norg,
    struct linesplit *out)
{
	size_t first, last, i, n, k;
	struct strbuf skipped = STRBUF_INIT;
	const char *sk;

	out->nmatched = out->nunmatched = 0;
	if (norg + 1 <= LINESPLIT_INLINE) {
		out->matched = out->inl;
		out->unmatched = out->inl + LINESPLIT_INLINE;
	} else {
		out->matched = xcalloc(norg + 1, sizeof(size_t));
		out->unmatched = xcalloc(norg + 1, sizeof(size_t));
	}
	if (norg <= 1) {
		for (i = 0; i < norg; i++)
			out->matched[out->nmatched++] = i;
		return;
	}
	failregex_line_range(buf, len, m, &first, &last);
	for (i = first; i < last && i < norg; i++)
		out->matched[out->nmatched++] = i;
	for (i = 0; i < first && i < norg; i++)
		out->unmatched[out->nunmatched++] = i;
	n = failregex_skipped(fr, buf, m, &skipped);
	k = 0;	/* fail2ban's n: where to look from */
	for (sk = strbuf_str(&skipped); n > 0; n--, sk += strlen(sk) + 1) {
		size_t j;

		for (j = k; j < out->nmatched; j++) {
			const struct tline *l = &org[out->matched[j]];
			size_t pl = l->ds + (l->len - l->de);

			if (pl == strlen(sk) && memcmp(l->s, sk, l->ds) == 0 &&
			    memcmp(l->s + l->de, sk + l->ds, l->len - l->de) == 0) {
				out->unmatched[out->nunmatched++] = out->matched[j];
				memmove(out->matched + j, out->matched + j + 1,
				    (out->nmatched - j - 1) * sizeof(size_t));
				out->nmatched--;
				k = j;
				break;
			}
		}
	}
	for (i = last; i < norg; i++)
		out->unmatched[out->nunmatched++] = i;
	strbuf_free(&skipped);
}

/* The buffer becomes the given lines of org (which may alias f->lines). */
static void
set_buffer(struct filter *f, const struct tline *org, size_t norg, const size_t *idx,
    size_t n)
{
	struct tline *nl = xcalloc(n + 1, sizeof(*nl));
	size_t i;

	for (i = 0; i < n; i++)
		nl[i] = tline_copy(&org[idx[i]]);
	(void)norg;
	for (i = 0; i < f->nlines; i++)
		tline_free(&f->lines[i]);
	free(f->lines);
	f->lines = nl;
	f->nlines = n;
	f->caplines = n + 1;
}

static struct pyval *
matched_pyval(const struct tline *org, const struct linesplit *s)
{
	struct pyval *l = pyval_list();
	size_t i;

	for (i = 0; i < s->nmatched; i++)
		pyval_append(l, tline_pyval(&org[s->matched[i]]));
	return l;
}

/* ---- the mlfid cache (mlfid.c) ------------------------------------------ */

/* The real time, read once per line (the coarse clock would not move). */
static double
line_real(struct filter *f)
{
	if (!f->real_read) {
		f->real = clock_real();
		f->real_read = true;
	}
	return f->real;
}

/* ---- findFailure -------------------------------------------------------- */

/*
 * Appends a failure.  With take, the failure takes *data and *id (both are
 * left empty: the caller's copies need no freeing); else it copies them.
 */
static void
push_failure(struct filter_failure **out, size_t *n, size_t *cap, int regex,
    struct addr *id, bool has_time, const struct datedet_time *t,
    struct pyval **data, bool take)
{
	struct filter_failure *ff;

	if (*n + 1 > *cap)
		*out = xgrow(*out, cap, *n + 1, sizeof(**out));
	ff = &(*out)[(*n)++];
	memset(ff, 0, sizeof(*ff));
	ff->regex = regex;
	if (id) {
		ff->has_id = true;
		if (take) {
			ff->id = *id;
			memset(id, 0, sizeof(*id));
		} else
			addr_copy(&ff->id, id);
	}
	ff->has_time = has_time;
	if (has_time)
		ff->time = *t;
	if (take) {
		ff->data = *data;
		*data = NULL;
	} else
		ff->data = pyval_copy(*data);
}

void
filter_failures_free(struct filter_failure *ff, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		addr_clear(&ff[i].id);
		pyval_free(ff[i].data);
		free(ff[i].host);
	}
	free(ff);
}

/*
 * The line buffer while one line is processed (fail2ban's __lineBuffer):
 * with maxlines 1 it lives only for the call and points at the caller's
 * line; with more lines it is f->lines, which persists.
 */
struct cur {
	struct tline	*l;
	size_t		 n;
	struct tline	 content;	/* <F-CONTENT> replacement (single line) */
};

/* self.__lineBuffer = the given lines of org */
static void
cur_set(struct filter *f, struct cur *c, const struct tline *org, size_t norg,
    const size_t *idx, size_t n)
{
	if (f->maxlines > 1) {
		set_buffer(f, org, norg, idx, n);
		c->l = f->lines;
		c->n = f->nlines;
	} else {
		/* one line: what is left is the line itself or nothing */
		c->l = (struct tline *)org;
		c->n = n;
	}
}

/* _ignoreLine: index of the first ignoreregex that matches, or -1 */
static int
ignore_line(struct filter *f, struct cur *c, const char *buf, size_t len,
    bool ascii, const struct tline *org, size_t norg, const struct failregex *fr,
    const struct linesplit *split)
{
	struct strbuf own = STRBUF_INIT;
	struct tline *sub = NULL;
	int found = -1;
	size_t i;

	if (fr && f->maxlines > 1) {
		sub = xcalloc(split->nmatched + 1, sizeof(*sub));
		for (i = 0; i < split->nmatched; i++)
			sub[i] = org[split->matched[i]];
		join_lines(&own, sub, split->nmatched);
		buf = own.s;
		len = own.len;
		ascii = rx_ascii(buf, len);
	}
	for (i = 0; i < f->nign; i++) {
		struct failregex_match m;
		int rc = failregex_search(f->ign[i], buf, len, ascii, &m);

		if (rc == RX_LIMIT)
			limit_hit(f, FILTER_RX_IGNORE, i);
		if (rc != RX_MATCH)
			continue;
		found = (int)i;
		if (f->stat)
			f->stat->ignored = true;
		if (f->onignore)
			f->onignore(f->onignore_arg, (int)i);
		if ((!f->checkall || f->maxlines > 1) && fr)
			cur_set(f, c, org, norg, split->unmatched, split->nunmatched);
		if (!f->checkall)
			break;
	}
	free(sub);
	strbuf_free(&own);
	return found;
}

static void
warn_once(double *next, const char *fmt, const char *arg)
{
	double now = clock_now();

	if (now < *next)
		return;
	*next = now + 24 * 60 * 60;
	log_msg(LOG_LVL_WARNING, LOG_FILTER, fmt, arg);
}

/*
 * Counts the bytes of the first buffers; then tunes every regex's search
 * for its texts to them (failregex_tune()).
 */
#define SAMPLE_LINES	1000
#define SAMPLE_BYTES	(128 * 1024)

static void
sample(struct filter *f, const char *buf, size_t len)
{
	size_t i;

	if (f->bytefreq == NULL)
		f->bytefreq = xcalloc(256, sizeof(*f->bytefreq));
	for (i = 0; i < len; i++)
		f->bytefreq[(unsigned char)buf[i]]++;
	f->bsampled += len;
	if (++f->nsampled < SAMPLE_LINES && f->bsampled < SAMPLE_BYTES)
		return;
	for (i = 0; i < f->nfail; i++)
		failregex_tune(f->fail[i], f->bytefreq, f->nsampled);
	for (i = 0; i < f->nign; i++)
		failregex_tune(f->ign[i], f->bytefreq, f->nsampled);
	if (f->pref)
		failregex_tune(f->pref, f->bytefreq, f->nsampled);
	f->tuned = true;
	free(f->bytefreq);	/* an idle filter keeps no counts */
	f->bytefreq = NULL;
}

/* New regexes are tuned after the next lines. */
static void
untune(struct filter *f)
{
	free(f->bytefreq);
	f->bytefreq = NULL;
	f->nsampled = f->bsampled = 0;
	f->tuned = false;
	linescan_changed(&f->lsm);	/* and the prefilter is made again */
}

/* The failregexes' texts, each distinct one once (see struct filter). */
static void
literals_build(struct filter *f)
{
	size_t i, k, j, capl = 0, *share;

	f->litsof = xcalloc(f->nfail + 1, sizeof(*f->litsof));
	f->nlitsof = f->nfail;
	for (i = 0; i < f->nfail; i++) {
		size_t n = failregex_nliterals(f->fail[i]);

		f->litsof[i].id = xcalloc(n + 1, sizeof(size_t));
		for (k = 0; k < n; k++) {
			const char *t = failregex_literal(f->fail[i], k);

			for (j = 0; j < f->nlit; j++)
				if (!strcmp(failregex_literal(
				    f->fail[f->lit[j].regex], f->lit[j].index), t))
					break;
			if (j == f->nlit) {
				f->lit = xgrow(f->lit, &capl, f->nlit + 1,
				    sizeof(*f->lit));
				f->lit[f->nlit].regex = i;
				f->lit[f->nlit].index = k;
				f->nlit++;
			}
			f->litsof[i].id[f->litsof[i].n++] = j;
		}
	}
	/* a text many regexes need rules them all out at once: first look */
	share = xcalloc(f->nlit + 1, sizeof(*share));
	for (i = 0; i < f->nfail; i++)
		for (k = 0; k < f->litsof[i].n; k++)
			share[f->litsof[i].id[k]]++;
	for (i = 0; i < f->nfail; i++) {
		size_t *id = f->litsof[i].id;

		/* insertion sort, stable: ties keep the longest-first order */
		for (k = 1; k < f->litsof[i].n; k++) {
			size_t v = id[k];

			for (j = k; j > 0 && share[id[j - 1]] < share[v]; j--)
				id[j] = id[j - 1];
			id[j] = v;
		}
	}
	free(share);
	f->litstate = xcalloc(f->nlit + 1, 1);
}

static void
literals_free(struct filter *f)
{
	size_t i;

	for (i = 0; i < f->nlitsof; i++)
		free(f->litsof[i].id);
	free(f->litsof);
	free(f->lit);
	free(f->litstate);
	f->litsof = NULL;
	f->lit = NULL;
	f->litstate = NULL;
	f->nlit = f->nlitsof = 0;
}

/* Whether buf holds every text failregex i needs (each looked for once). */
static bool
literals_present(struct filter *f, size_t i, const char *buf, size_t len)
{
	const struct flits *l = &f->litsof[i];
	size_t k;

	for (k = 0; k < l->n; k++) {
		size_t id = l->id[k];

		if (f->litstate[id] == 0)
			f->litstate[id] = failregex_has_literal(
			    f->fail[f->lit[id].regex], f->lit[id].index, buf,
			    len) ? 1 : 2;
		if (f->litstate[id] == 2)
			return false;
	}
	return true;
}

/* The unguarded failregexes' alternation, built when first needed. */
static const struct rx *
prefilter(struct filter *f)
{
	size_t i, c;

	if (!f->prefilter_built) {
		f->prefilter_built = true;
		if (f->nfail > 1)
			f->prefilter = failregex_union(f->fail, f->nfail, f->maxlines > 1);
		literals_build(f);
		f->startmask = xcalloc(256, sizeof(*f->startmask));
		for (c = 0; c < 256; c++)
			for (i = 0; i < f->nfail && i < 64; i++)
				if (failregex_may_start_with(f->fail[i],
				    (unsigned char)c))
					f->startmask[c] |= (uint64_t)1 << i;
	}
	return f->prefilter;
}

/*
 * A key of the failure dict (the failregex's groups over the prefregex's)
 * read from the matches: -1 absent, 0 None, 1 text.
 */
static int
quick_key(const struct filter *f, const struct failregex *fr, const char *buf,
    const struct failregex_match *m, const struct failregex_match *pm,
    enum failregex_key key, const char **s, size_t *len)
{
	int st = failregex_key(fr, buf, m, key, s, len);

	if (st < 0 && pm != NULL)
		st = failregex_key(f->pref, f->buf.s, pm, key, s, len);
	return st;
}

/*
 * The commonest multi-line failure in -o mode, told apart without building
 * it: one that forgets its connection (mlfforget) and does not fail
 * (nofail or mlfgained), of a connection not cached.  mlfid_merge() would
 * cache nothing and hand it back with nofail set, and it would be dropped.
 * pm: the prefregex's match, when the failregex saw its content.
 */
static bool
quick_drop(struct filter *f, const struct failregex *fr, const char *buf,
    const struct failregex_match *m, const struct failregex_match *pm)
{
	const char *s = NULL;
	size_t len = 0;
	bool forget, keep;
	int st;

	if (f->checkall || f->maxlines > 1 || !failregex_plain(fr) ||
	    (pm != NULL && !failregex_plain(f->pref)))
		return false;
	st = quick_key(f, fr, buf, m, pm, FAILREGEX_MLFFORGET, &s, &len);
	forget = st > 0 && len > 0;
	st = quick_key(f, fr, buf, m, pm, FAILREGEX_NOFAIL, &s, &len);
	keep = st > 0 && len > 0;
	st = quick_key(f, fr, buf, m, pm, FAILREGEX_MLFGAINED, &s, &len);
	keep = keep || (st > 0 && len > 0);
	if (!forget || !keep)
		return false;
	if (quick_key(f, fr, buf, m, pm, FAILREGEX_MLFID, &s, &len) <= 0)
		return false;
	mlfid_key(&f->key, s, len, NULL);
	return cache_get(f->mlfid, strbuf_str(&f->key), line_real(f)) == NULL;
}

enum ids_rc { IDS_OK, IDS_NONE, IDS_ERROR };

/*
 * The failure id of a matched failure (failid_get()): pushes one failure
 * per id found.  With owned, the failure may take *failp (then NULL)
 * instead of a copy.  IDS_NONE: no id group matched (fail2ban's
 * RegexException, logged: on to the next failregex); IDS_ERROR: where
 * fail2ban raises out of findFailure (a bad /mask, a tuple given to
 * inet_pton...), Python's exception in *err.
 */
static enum ids_rc
push_ids(struct filter *f, int ri, struct pyval **failp, bool owned,
    const char *mlfidkey, bool has_date, const struct datedet_time *date,
    struct filter_failure **out, size_t *n, size_t *cap, bool *stop, char **err)
{
	const struct failid_opts o = { f->usedns, f->rawhost, f->defer_dns };
	struct failid id;
	size_t k;

	*stop = false;
	switch (failid_get(&o, ri, *failp, mlfidkey != NULL, &id, err)) {
	case FAILID_NONE:
		return IDS_NONE;
	case FAILID_ERROR:
		return IDS_ERROR;
	case FAILID_PENDING:
		if (!f->checkall && f->ignorepending) {
			*stop = true;
			return IDS_OK;
		}
		push_failure(out, n, cap, ri, NULL, has_date, date, failp, owned);
		break;
	case FAILID_ADDR:
		push_failure(out, n, cap, ri, &id.id, has_date, date, failp, owned);
		addr_clear(&id.id);
		break;
	case FAILID_HOST:
		push_failure(out, n, cap, ri, NULL, has_date, date, failp, owned);
		(*out)[*n - 1].host = xstrdup(id.host);
		break;
	case FAILID_ADDRS:
		/* not taken: push_failure only reads the address */
		for (k = 0; k < id.nips; k++)
			push_failure(out, n, cap, ri, (struct addr *)&id.ips[k],
			    has_date, date, failp, false);
		break;
	}
	return IDS_OK;
}

/*
 * The bytes the multi-line buffer holds.  It keeps its last maxlines lines
 * as fail2ban does, but only as many as fit in FILTER_LINE_MAX bytes (the
 * newest line always): each search then reads at most that much, whatever
 * maxlines is, so long lines cost what short ones do per byte.
 */
static size_t
buffered(const struct filter *f)
{
	size_t i, n = 0;

	for (i = 0; i < f->nlines; i++)
		n += f->lines[i].len + 1;
	return n;
}

static void
find_failure(struct filter *f, const struct tline *tl, bool has_date,
    const struct datedet_time *date, bool nodate, struct filter_failure **out,
    size_t *n, size_t *cap)
{
	struct tline *org, one = *tl;
	size_t norg, i;
	struct pyval *pregroups = NULL;
	/* the prefregex's match, kept for filter_pref_groups() */
	struct failregex_match *pm = f->pref_spans;
	struct strbuf *sbuf = &f->buf;
	struct cur c;
	bool havebuf, pref = false;
	const struct rx *pf;
	int pfstate = 0;	/* prefilter on sbuf: 0 not run, -1 no match */
	uint64_t cand;		/* failregexes (< 64) that may start sbuf */
	bool bufascii, sbufascii;	/* f->buf, sbuf: all ASCII */

	memset(&c, 0, sizeof(c));
	/* org: the buffer the regexes' line bookkeeping refers to */
	if (f->maxlines > 1) {
		f->lines = xgrow(f->lines, &f->caplines, f->nlines + 1, sizeof(*f->lines));
		f->lines[f->nlines++] = tline_copy(tl);
		while (f->nlines > (size_t)f->maxlines || (f->nlines > 1 &&
		    buffered(f) > FILTER_LINE_MAX)) {
			tline_free(&f->lines[0]);
			memmove(f->lines, f->lines + 1, (f->nlines - 1) * sizeof(*f->lines));
			f->nlines--;
			if (f->stat)
				f->stat->dropped++;
		}
		norg = f->nlines;
		org = xcalloc(norg, sizeof(*org));
		for (i = 0; i < norg; i++)
			org[i] = tline_copy(&f->lines[i]);
		c.l = f->lines;
		c.n = f->nlines;
	} else {
		org = &one;
		norg = 1;
		c.l = org;
		c.n = 1;
	}
	join_lines(&f->buf, org, norg);
	havebuf = true;
	if (!f->tuned)
		sample(f, f->buf.s, f->buf.len);
	bufascii = sbufascii = lines_ascii(org, norg) ||
	    rx_ascii(f->buf.s, f->buf.len);

	if (f->nign && f->nign + 2 < f->nfail && ignore_line(f, &c, f->buf.s,
	    f->buf.len, bufascii, org, norg, NULL, NULL) >= 0)
		goto out;

	if (f->pref) {
		int rc = failregex_search(f->pref, f->buf.s, f->buf.len, bufascii, pm);
		size_t clen;
		const char *cs;

		if (rc == RX_LIMIT)
			limit_hit(f, FILTER_RX_PREF, 0);
		f->pref_matched = rc == RX_MATCH;
		if (rc != RX_MATCH)
			goto out;
		pref = true;
		cs = failregex_content(f->pref, f->buf.s, pm, &clen);
		if (cs != NULL && clen > 0) {
			/* the failregexes see only the content from now on */
			if (f->maxlines > 1) {
				struct tline cl = { xstrndup(cs, clen), clen, 0, 0,
				    bufascii };

				for (i = 0; i < f->nlines; i++)
					tline_free(&f->lines[i]);
				f->lines[0] = cl;
				f->nlines = 1;
				c.l = f->lines;
				c.n = 1;
			} else {
				c.content.s = (char *)cs;
				c.content.len = clen;
				c.content.ds = c.content.de = 0;
				c.content.ascii = bufascii;
				c.l = &c.content;
				c.n = 1;
			}
			havebuf = false;
		}
	}

	pf = prefilter(f);
	cand = f->startmask[(unsigned char)sbuf->s[0]];
	memset(f->litstate, 0, f->nlit);
	for (i = 0; i < f->nfail; i++) {
		struct failregex *fr;
		struct failregex_match m;
		struct linesplit split;
		struct pyval *fail, *mlfid, *matched;
		bool cached = false, stop;
		const char *mlfidkey = NULL;
		enum ids_rc ids;
		int rc;

		if (!havebuf) {
			join_lines(&f->buf2, c.l, c.n);
			sbuf = &f->buf2;
			sbufascii = lines_ascii(c.l, c.n) ||
			    rx_ascii(sbuf->s, sbuf->len);
			cand = f->startmask[(unsigned char)sbuf->s[0]];
			memset(f->litstate, 0, f->nlit);
			havebuf = true;
			pfstate = 0;
		}
		/* on to the next failregex that may match this buffer's start */
		if (i < 64) {
			uint64_t rest = cand >> i;

			if (rest == 0) {
				i = 63;
				continue;
			}
			i += (size_t)__builtin_ctzll(rest);
		}
		fr = f->fail[i];
		/*
		 * Guarded regexes rule most lines out on their own; for the rest
		 * one search of their alternation does it at once.
		 */
		if (pf != NULL && !failregex_guarded(fr)) {
			if (pfstate == 0) {
				size_t sp[2];

				if (sbufascii)
					rc = rx_search_ascii(pf, sbuf->s, sbuf->len, 0,
					    false, sp, 1);
				else
					rc = rx_search(pf, sbuf->s, sbuf->len, 0,
					    false, sp, 1);
				pfstate = rc == RX_NOMATCH ? -1 : 1;
			}
			if (pfstate < 0)
				continue;
		}
		if (!literals_present(f, i, sbuf->s, sbuf->len))
			continue;
		rc = failregex_search_checked(fr, sbuf->s, sbuf->len, sbufascii,
		    &m);
		if (rc == RX_LIMIT)
			limit_hit(f, FILTER_RX_FAIL, i);
		if (rc != RX_MATCH)
			continue;
		split_lines(fr, sbuf->s, sbuf->len, &m, org, norg, &split);
		if (f->nign && ignore_line(f, &c, sbuf->s, sbuf->len, sbufascii, org,
		    norg, fr, &split) >= 0) {
			havebuf = false;
			linesplit_free(&split);
			if (!f->checkall)
				break;
			continue;
		}
		if (nodate) {
			warn_once(&f->next_warn_notime, "Found a match but no valid date/time "
			    "found%s.", "");
			if (!has_date && f->checkfindtime) {
				linesplit_free(&split);
				continue;
			}
		}
		if (!f->checkall || f->maxlines > 1) {
			cur_set(f, &c, org, norg, split.unmatched, split.nunmatched);
			havebuf = false;
		}
		if (quick_drop(f, fr, sbuf->s, &m, pref ? pm : NULL)) {
			linesplit_free(&split);
			goto out;
		}
		fail = failregex_groups(fr, sbuf->s, &m);
		if (pref) {
			struct pyval *merged;
			size_t k;

			if (pregroups == NULL) {
				pregroups = failregex_groups(f->pref, f->buf.s, pm);
				pyval_free(pyval_dpop(pregroups, "content"));
			}
			/* dict(pregroups, **fail), in one allocation */
			merged = pyval_dict();
			pyval_reserve(merged, pyval_len(pregroups) +
			    pyval_len(fail));
			for (k = 0; k < pyval_len(pregroups); k++)
				pyval_dict_append(merged,
				    pyval_copy(pyval_dict_key(pregroups, k)),
				    pyval_copy(pyval_dict_val(pregroups, k)));
			pyval_dict_update_take(merged, fail);
			fail = merged;
		}
		matched = matched_pyval(org, &split);
		linesplit_free(&split);
		mlfid = pyval_dget(fail, "mlfid");
		if (mlfid != NULL && pyval_type(mlfid) != PY_NONE) {
			mlfid_key(&f->key, pyval_as_str(mlfid), pyval_strlen(mlfid),
			    mlfid);
			mlfidkey = strbuf_str(&f->key);
			fail = mlfid_merge(f->mlfid, line_real(f), mlfidkey, fail, matched,
			    &cached);
			pyval_free(matched);
			if (pyval_dtrue(fail, "nofail") && !f->checkall) {
				if (!cached)
					pyval_free(fail);
				goto out;
			}
		} else {
			struct pyval *ml = pyval_list();

			pyval_extend_take(ml, pyval_dget(fail, "matches"));
			pyval_extend_take(ml, matched);
			pyval_dset(fail, "matches", ml);
			pyval_free(matched);
		}
		ids = push_ids(f, (int)i, &fail, !cached, mlfidkey, has_date, date,
		    out, n, cap, &stop, &f->lineerr);
		if (!cached)
			pyval_free(fail);
		if (stop || ids == IDS_ERROR)
			goto out;
		/* RegexException: fail2ban's loop goes on to the next failregex */
		if (!f->checkall && ids == IDS_OK)
			break;
	}
out:
	if (f->maxlines > 1) {
		for (i = 0; i < norg; i++)
			tline_free(&org[i]);
		free(org);
	}
	pyval_free(pregroups);
}

/* The prefilter's rules; ignoreregexes and prefregex for fail2ban-regex's counts (stats). */
static void
add_rules(void *arg, struct prefilter *pf, int g, bool stats)
{
	struct filter *f = arg;

	prefilter_add_filter(pf, g, f->fail, f->nfail, f->ign, stats && f->nign + 2 < f->nfail ?
	    f->nign : 0, stats ? f->pref : NULL, f->maxlines);
}

struct linescan_member *
filter_linescan(struct filter *f)
{
	return &f->lsm;
}

/* The end of processLine: the findtime checks, then findFailure. */
static void
process_tuple(struct filter *f, const struct tline *tl, bool has_date, bool same,
    const struct datedet_time *d, bool nodate, double now,
    struct filter_failure **out, size_t *n, size_t *cap)
{
	struct datedet_time date = *d;
	size_t n0;

	free(f->lineerr);
	f->lineerr = NULL;
	if (f->checkfindtime && has_date) {
		if (f->inoperation) {
			long delta = (long)(date.secs - now);

			if (labs(delta) > 60) {
				warn_once(&f->next_warn_simtime, "Detected a log entry with "
				    "an odd timestamp in operation mode%s; treating such entries "
				    "as if they just happened", "");
				date.secs = now;
				date.is_int = false;
				f->lastdate = date;
			}
		} else if (date.secs < now - f->findtime) {
			warn_once(&f->next_warn_ignored, "Ignoring all log entries older "
			    "than findtime%s; these are probably messages generated while "
			    "fail2ban was not running.", "");
			return;
		}
	}
	if (linescan_skips(&f->lsm, same, tl->s, tl->len, tl->ds, tl->de)) {
		f->pref_matched = false;	/* findFailure would have found nothing */
		return;
	}
	n0 = *n;
	find_failure(f, tl, has_date, &date, nodate, out, n, cap);
	if (f->stat)
		f->stat->pref_matched = f->pref_matched;
	if (f->lineerr) {
		/* processLine raised: the line gives no failure at all */
		size_t i;

		for (i = n0; i < *n; i++) {
			addr_clear(&(*out)[i].id);
			pyval_free((*out)[i].data);
		}
		*n = n0;
		if (f->stat)
			f->stat->error = f->lineerr;
	}
}

/* ---- processLine -------------------------------------------------------- */

/*
 * A line that takes the last known date (fail2ban's ("", lastTimeText,
 * line) tuple): that date's text in front of it, and the date itself.
 */
static void
with_last_date(struct filter *f, const char *text, size_t tlen, struct tline *tl,
    struct datedet_time *date)
{
	strbuf_reset(&f->tmp);
	strbuf_add(&f->tmp, f->lasttime.s, f->lasttime.len);
	strbuf_add(&f->tmp, text, tlen);
	tl->s = f->tmp.s;
	tl->len = f->tmp.len;
	tl->ascii = false;
	tl->ds = 0;
	tl->de = f->lasttime.len;
	*date = f->lastdate;
}

void
filter_process_line(struct filter *f, const char *line, size_t len,
    struct filter_failure **out, size_t *n, size_t *cap, struct filter_linestat *st)
{
	struct tline tl = { NULL, 0, 0, 0, false };
	struct datedet_time date = { 0, false };
	bool has_date = false, nodate = false, ascii = false;
	const char *text;
	size_t tlen;
	double now = clock_now();

	f->stat = st;
	f->real_read = false;
	if (st)
		memset(st, 0, sizeof(*st));
	len = cut_line(line, len, st);
	if (linescan_utf8(line, len, &ascii)) {
		/* the common case: match the caller's line in place */
		text = line;
		tlen = len;
	} else {
		ascii = false;
		if (st)
			st->bad_utf8 = true;
		strbuf_reset(&f->text);
		utf8_sanitize(line, len, &f->text);
		text = strbuf_str(&f->text);
		tlen = f->text.len;
	}
	tl.s = (char *)text;
	tl.len = tlen;
	tl.ascii = ascii;

	if (f->dd) {
		struct datedet_match m;

		if (ascii ? datedet_match_ascii(f->dd, text, tlen, &m) :
		    datedet_match(f->dd, text, tlen, &m)) {
			size_t s = m.start, e = m.end;

			if (s == RX_UNSET) {
				/* group 1 unset: Python slices with -1 */
				s = e = tlen ? tlen - 1 : 0;
				while (s > 0 && ((unsigned char)text[s] & 0xc0) == 0x80)
					s--, e--;
			}
			tl.ds = s;
			tl.de = e;
			if (e > s) {
				if (datedet_time_at(f->dd, text, &m, now, &date) == 0) {
					has_date = true;
					strbuf_reset(&f->lasttime);
					strbuf_add(&f->lasttime, text + s,
					    strnlen(text + s, e - s));
					f->lastdate = date;
					f->has_lastdate = true;
				} else
					log_msg(LOG_LVL_ERROR, LOG_FILTER, "findFailure "
					    "failed to parse timeText: %.*s", (int)(e - s), text + s);
			} else if (f->has_lastdate && f->lastdate.secs > now - 60) {
				with_last_date(f, text, tlen, &tl, &date);
				has_date = true;
			} else {
				date.secs = now;
				date.is_int = false;
				has_date = true;
			}
		} else
			tl.ds = tl.de = 0;
	}
	if (!has_date) {
		nodate = true;
		if (f->has_lastdate && f->lastdate.secs > now - 60) {
			with_last_date(f, text, tlen, &tl, &date);
			has_date = true;
		} else if (f->checkfindtime && f->inoperation) {
			date.secs = now;
			date.is_int = false;
			has_date = true;
		}
	}
	process_tuple(f, &tl, has_date, text == line, &date, nodate, now, out, n, cap);
}

void
filter_process_dated(struct filter *f, const char *datetext, const char *line,
    size_t len, const struct datedet_time *date, struct filter_failure **out,
    size_t *n, size_t *cap, struct filter_linestat *st)
{
	struct tline tl;

	f->stat = st;
	f->real_read = false;
	if (st)
		memset(st, 0, sizeof(*st));
	len = cut_line(line, len, st);
	strbuf_reset(&f->text);
	strbuf_adds(&f->text, datetext);
	utf8_sanitize(line, len, &f->text);
	tl.s = f->text.s;
	tl.len = f->text.len;
	tl.ascii = false;
	tl.ds = 0;
	tl.de = strlen(datetext);
	strbuf_reset(&f->lasttime);
	strbuf_adds(&f->lasttime, datetext);
	f->lastdate = *date;
	f->has_lastdate = true;
	process_tuple(f, &tl, true, false, date, false, clock_now(), out, n, cap);
}

/* ---- introspection ------------------------------------------------------ */

size_t
filter_nfailregex(const struct filter *f)
{
	return f->nfail;
}

const char *
filter_failregex(const struct filter *f, size_t i)
{
	return i < f->nfail ? failregex_pattern(f->fail[i]) : NULL;
}

size_t
filter_nignoreregex(const struct filter *f)
{
	return f->nign;
}

const char *
filter_ignoreregex(const struct filter *f, size_t i)
{
	return i < f->nign ? failregex_pattern(f->ign[i]) : NULL;
}

const char *
filter_prefregex(const struct filter *f)
{
	return f->pref ? failregex_pattern(f->pref) : NULL;
}

struct pyval *
filter_pref_groups(const struct filter *f)
{
	struct pyval *g;

	if (!f->pref || !f->pref_matched)
		return NULL;
	g = failregex_groups(f->pref, f->buf.s, f->pref_spans);
	pyval_free(pyval_dict_pop(g, "content"));
	return g;
}

long
filter_maxlines(const struct filter *f)
{
	return f->maxlines;
}

const char *
filter_usedns(const struct filter *f)
{
	return f->usedns;
}

struct datedet *
filter_datedet(const struct filter *f)
{
	return f->dd;
}

size_t
filter_buffer_count(const struct filter *f)
{
	return f->nlines;
}

char *
filter_buffer_line(const struct filter *f, size_t i)
{
	const struct tline *l = &f->lines[i];
	char *s = xmalloc(l->len + 1);

	memcpy(s, l->s, l->len);
	s[l->len] = '\0';
	return s;
}

const char *
filter_processed_line(const struct filter *f)
{
	return strbuf_str(&f->buf);
}

/*
 * datedet: fail2ban's date templates and detector.  The functions follow
 * fail2ban's classes: tpl_* is DateTemplate and its subclasses, datedet_*
 * is DateDetector; the directives and the conversion of the fields found
 * are strptime.py's, in strptime.c.  Templates are shared through a cache
 * keyed like fail2ban's DD_patternCache; hit counters that fail2ban keeps
 * per detector live in the detector's entries.
 *
 * Sections: regex helpers; templates (DatePatternRegex, EPOCH, TAI64N);
 * the template cache and the default templates; the detector (matchTime,
 * its reordering); conversion (getTime: epoch and TAI64N here, the rest
 * through strptime_time(), with the last result kept); introspection.
 */
#include "datedet.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "dict.h"
#include "rx.h"
#include "strbuf.h"
#include "strptime.h"
#include "utf8.h"
#include "xmalloc.h"

/* ---- regex helpers ------------------------------------------------------ */

static struct rx *
helper_rx(struct rx **slot, const char *pattern, unsigned flags)
{
	char *err;

	if (*slot == NULL && (*slot = rx_compile(pattern, flags, &err)) == NULL)
		abort();	/* constant patterns */
	return *slot;
}

#define HELPER(name, pattern, flags)				\
	static struct rx *name##_rx;				\
	static struct rx *name(void)				\
	{ return helper_rx(&name##_rx, pattern, flags); }

/* datetemplate.py's patterns that rewrite a template's regex */
HELPER(re_grouped, "(?<!(?:\\(\\?))(?<!\\\\)\\((?!\\?)", 0)
HELPER(re_group, "^((?:\\(\\?\\w+\\))?\\^?(?:\\(\\?\\w+\\))?)(.*?)(\\$?)$", 0)
HELPER(re_globalflags, "((?:^|(?!<\\\\))\\(\\?[a-z]+\\))", 0)
HELPER(re_exline_no_bounds, "^\\{UNB\\}", 0)
HELPER(re_exline_bound_beg, "^\\{\\^LN-BEG\\}", 0)
HELPER(re_exsanc_bound_beg, "^\\((?:\\?:)?\\^\\|\\\\b\\|\\\\W\\)", 0)
HELPER(re_exeanc_bound_beg, "\\(\\?=\\\\b\\|\\\\W\\|\\$\\)$", 0)
HELPER(re_no_wrd_bound_beg, "^\\(*(?:\\(\\?\\w+\\))?(?:\\^|\\(*\\*\\*|\\((?:\\?:)?\\^)", 0)
HELPER(re_no_wrd_bound_end, "(?<!\\\\)(?:\\$\\)?|\\\\b|\\\\s|\\*\\*\\)*)$", 0)
HELPER(re_del_wrd_bounds, "^\\(*(?:\\(\\?\\w+\\))?\\(*\\*\\*|(?<!\\\\)\\*\\*\\)*$", 0)
HELPER(re_line_bound_beg, "^(?:\\(\\?\\w+\\))?(?:\\^|\\((?:\\?:)?\\^(?!\\|))", 0)
HELPER(re_line_bound_end, "(?<![\\\\\\|])(?:\\$\\)?)$", 0)
HELPER(re_alpha_pattern, "(?<!\\%)\\%[aAbBpc]", 0)
HELPER(re_epoch_pattern, "(?<!\\\\)\\{L?EPOCH\\}", RX_CASELESS)
HELPER(re_date_prematch, "(?<!\\\\)\\{DATE\\}", RX_CASELESS)

static bool
rx_found(struct rx *rx, const char *s, size_t *span)
{
	size_t sp[2];

	return rx_search_text(rx, s, strlen(s), 0, false, span ? span : sp, 1) == RX_MATCH;
}

/*
 * re.sub(rx, f, s, count): every match (or the first count) replaced by
 * what repl appends; repl gets the match text.
 */
typedef void sub_fn(const char *m, size_t n, void *arg, struct strbuf *out);

static char *
rx_sub(struct rx *rx, const char *s, sub_fn *repl, void *arg, int count)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len = strlen(s), pos = 0, last = 0, sp[2];
	int done = 0;
	bool utf8 = utf8_check(s, len) == len;	/* rx_search needs it; checked once */

	while (utf8 && pos <= len && (count == 0 || done < count) &&
	    rx_search(rx, s, len, pos, false, sp, 1) == RX_MATCH) {
		strbuf_add(&sb, s + last, sp[0] - last);
		repl(s + sp[0], sp[1] - sp[0], arg, &sb);
		last = sp[1];
		done++;
		if (sp[1] == sp[0]) {
			if (sp[1] >= len)
				break;
			strbuf_addc(&sb, s[sp[1]]);
			last = pos = sp[1] + 1;
		} else
			pos = sp[1];
	}
	strbuf_adds(&sb, s + last);
	return strbuf_detach(&sb);
}

static void
sub_empty(const char *m, size_t n, void *arg, struct strbuf *out)
{
	(void)m; (void)n; (void)arg; (void)out;
}

static void
sub_text(const char *m, size_t n, void *arg, struct strbuf *out)
{
	(void)m; (void)n;
	strbuf_adds(out, arg);
}

static void
sub_drop_stars(const char *m, size_t n, void *arg, struct strbuf *out)
{
	size_t i;

	(void)arg;
	for (i = 0; i < n; i++) {
		if (m[i] == '*' && i + 1 < n && m[i + 1] == '*') {
			i++;
			continue;
		}
		strbuf_addc(out, m[i]);
	}
}

/* ---- templates ---------------------------------------------------------- */

enum tpl_kind { TPL_PATTERN, TPL_EPOCH, TPL_TAI64N };

#define TPL_LINE_BEGIN	8
#define TPL_LINE_END	4
#define TPL_WORD_BEGIN	2
#define TPL_WORD_END	1

/* Most groups a template can have that we keep spans for. */
#define TPL_MAXGROUPS	32

struct tpl {
	enum tpl_kind	 kind;
	char		*name;
	char		*regex;
	char		*pattern;	/* NULL unless a DatePatternRegex */
	double		 weight;
	unsigned	 flags;
	unsigned long	 hits;		/* DateTemplate.hits: every successful search */
	struct rx	*rx;		/* compiled at first use */
	int		 grp;		/* epoch: group holding the number */
	bool		 longfrm;	/* LEPOCH */
	char		*err;		/* compile error, reported at first use */
	/* the strptime fields among the groups, in group order (at compile) */
	struct {
		int	 g;		/* group number */
		char	 code;		/* directive letter: 'Y', 'b', 'H'... */
	}		 field[TPL_MAXGROUPS];
	int		 nfield;
	int		 g_p;		/* the %p group, or -1 */
	int		 nspan;		/* spans kept: groups + 1, 2 at least */
	/* its last search, answered again for the same line (see memo_line()) */
	struct {
		unsigned long	 line;		/* the line's number, 0: none */
		size_t		 pos, endpos;
		bool		 hit;
		size_t		 span[2 * TPL_MAXGROUPS];
	}		 memo;
};

/*
 * The line being dated, numbered.  Templates are shared by every detector,
 * and one read of a log serves every jail that follows it: the second
 * jail's detector mostly asks the same template about the same line, and
 * gets the answer without a second search.  A line is compared with the
 * last one once per detector (match()), not once per template search; a
 * line longer than MEMO_MAX gets no number, so no answer is kept for it.
 */
#define MEMO_MAX	512

static struct {
	unsigned long	 number;	/* 0 while the line has none */
	unsigned long	 next;
	size_t		 len;
	char		 text[MEMO_MAX];
} cur_line;

static void
memo_line(const char *line, size_t len)
{
	if (cur_line.number && cur_line.len == len && memcmp(cur_line.text, line, len) == 0)
		return;
	cur_line.number = 0;
	if (len > MEMO_MAX)
		return;
	memcpy(cur_line.text, line, len);
	cur_line.len = len;
	cur_line.number = ++cur_line.next;
}

/* Python str.strip() for ASCII-only pattern text. */
static const char *
ini_like_strip(const char *s, size_t *n)
{
	while (*n && (*s == ' ' || (*s >= '\t' && *s <= '\r'))) {
		s++;
		(*n)--;
	}
	while (*n && (s[*n - 1] == ' ' || (s[*n - 1] >= '\t' && s[*n - 1] <= '\r')))
		(*n)--;
	return s;
}

/* DateTemplate.setRegex: word/line boundaries, group 1, ** markers, flags. */
static void
tpl_set_regex(struct tpl *t, const char *in, int wordbegin, bool wordend)
{
	size_t n = strlen(in), sp[2];
	const char *s = ini_like_strip(in, &n);
	char *regex = xstrndup(s, n), *gf = NULL, *tmp;
	bool bbeg, bend;

	if (rx_found(re_globalflags(), regex, sp)) {
		gf = xstrndup(regex + sp[0], sp[1] - sp[0]);
		tmp = rx_sub(re_globalflags(), regex, sub_empty, NULL, 1);
		free(regex);
		regex = tmp;
	}
	bbeg = wordbegin && !rx_found(re_no_wrd_bound_beg(), regex, NULL);
	bend = wordend && !rx_found(re_no_wrd_bound_end(), regex, NULL);
	if (!rx_found(re_grouped(), regex, NULL)) {
		size_t g[8];

		if (rx_search_text(re_group(), regex, strlen(regex), 0, false, g, 4) == RX_MATCH) {
			tmp = xasprintf("%.*s(%.*s)%.*s", (int)(g[3] - g[2]), regex + g[2],
			    (int)(g[5] - g[4]), regex + g[4], (int)(g[7] - g[6]), regex + g[6]);
			free(regex);
			regex = tmp;
		}
	}
	t->flags = 0;
	if (bbeg) {
		if (wordbegin != 2) {
			t->flags |= TPL_WORD_BEGIN;
			tmp = xasprintf("(?=^|\\b|\\W)%s", regex);
		} else {
			t->flags |= TPL_LINE_BEGIN;
			tmp = xasprintf("^(?:\\W{0,2})?%s", regex);
			if (strncmp(t->name, "{^LN-BEG}", 9) != 0) {
				char *nm = xasprintf("{^LN-BEG}%s", t->name);

				free(t->name);
				t->name = nm;
			}
		}
		free(regex);
		regex = tmp;
	}
	if (bend) {
		t->flags |= TPL_WORD_END;
		tmp = xasprintf("%s(?=\\b|\\W|$)", regex);
		free(regex);
		regex = tmp;
	}
	if (!(t->flags & TPL_LINE_BEGIN) && rx_found(re_line_bound_beg(), regex, NULL))
		t->flags |= TPL_LINE_BEGIN;
	if (!(t->flags & TPL_LINE_END) && rx_found(re_line_bound_end(), regex, NULL))
		t->flags |= TPL_LINE_END;
	tmp = rx_sub(re_del_wrd_bounds(), regex, sub_drop_stars, NULL, 0);
	free(regex);
	regex = tmp;
	if (gf) {
		tmp = xasprintf("%s%s", gf, regex);
		free(regex);
		regex = tmp;
		free(gf);
	}
	free(t->regex);
	t->regex = regex;
}

/* DatePatternRegex: pattern with %-directives -> template. */
static struct tpl *
tpl_pattern(const char *pattern, int wordbegin, bool wordend)
{
	struct tpl *t = xcalloc(1, sizeof(*t));
	struct strbuf name = STRBUF_INIT, regex = STRBUF_INIT;
	const char *p;
	char *pat = xstrdup(pattern), *tmp;
	size_t sp[2];

	t->kind = TPL_PATTERN;
	t->weight = 1.0;
	t->pattern = xstrdup(pattern);
	if (rx_found(re_exline_no_bounds(), pat, NULL)) {
		tmp = rx_sub(re_exline_no_bounds(), pat, sub_empty, NULL, 0);
		free(pat);
		pat = tmp;
		wordbegin = 0;
		wordend = false;
	}
	if (wordbegin && rx_found(re_exline_bound_beg(), pat, NULL)) {
		tmp = rx_sub(re_exline_bound_beg(), pat, sub_empty, NULL, 0);
		free(pat);
		pat = tmp;
		wordbegin = 2;
	}
	for (p = pat; *p; p++) {
		const char *dre, *dname;
		size_t dl;

		if (*p != '%') {
			strbuf_addc(&name, *p);
			strbuf_addc(&regex, *p);
			continue;
		}
		if ((dre = strptime_directive(p + 1, &dl, &dname)) == NULL) {
			t->err = xasprintf("Failed to set datepattern '%s' (may be an invalid "
			    "format or unescaped percent char)", pattern);
			break;
		}
		strbuf_adds(&name, dname);
		strbuf_adds(&regex, dre);
		p += dl;
	}
	t->name = strbuf_detach(&name);
	if (t->err == NULL) {
		if (rx_found(re_alpha_pattern(), pattern, sp)) {
			tmp = xasprintf("(?iu)%s", strbuf_str(&regex));
			strbuf_reset(&regex);
			strbuf_adds(&regex, tmp);
			free(tmp);
		}
		tpl_set_regex(t, strbuf_str(&regex), wordbegin, wordend);
	} else
		t->regex = xstrdup("");
	strbuf_free(&regex);
	free(pat);
	return t;
}

#define EPOCH_RE	"\\d{10,11}\\b(?:\\.\\d{3,6})?"
#define LEPOCH_RE	"\\d{10,11}(?:\\d{3}(?:\\.\\d{1,6}|\\d{3})?)?"

static void
sub_epoch(const char *m, size_t n, void *arg, struct strbuf *out)
{
	(void)m; (void)n;
	strbuf_addf(out, "(%s)", (const char *)arg);
}

/* DateEpoch */
static struct tpl *
tpl_epoch(bool linebegin, const char *pattern, bool longfrm)
{
	struct tpl *t = xcalloc(1, sizeof(*t));
	const char *ere = longfrm ? LEPOCH_RE : EPOCH_RE;
	char *regex;

	t->kind = TPL_EPOCH;
	t->weight = 1.0;
	t->longfrm = longfrm;
	t->grp = 1;
	t->name = xstrdup(pattern ? pattern : longfrm ? "LongEpoch" : "Epoch");
	if (pattern) {
		char *inner = rx_sub(re_epoch_pattern(), pattern, sub_epoch, (void *)ere, 0);

		regex = xasprintf("(%s)", inner);
		free(inner);
		t->grp = 2;
		tpl_set_regex(t, regex, 1, true);
	} else if (!linebegin) {
		regex = xasprintf("((?:^|(?P<square>(?<=^\\[))|(?P<selinux>(?<=\\baudit\\()))%s)"
		    "(?:(?(selinux)(?=:\\d+\\)))|(?(square)(?=\\])))", ere);
		tpl_set_regex(t, regex, 0, true);
	} else {
		regex = xasprintf("((?P<square>(?<=^\\[))?%s)(?(square)(?=\\]))", ere);
		tpl_set_regex(t, regex, 2, true);
	}
	free(regex);
	return t;
}

/* DateTai64n */
static struct tpl *
tpl_tai64n(int wordbegin)
{
	struct tpl *t = xcalloc(1, sizeof(*t));

	t->kind = TPL_TAI64N;
	t->weight = 1.0;
	t->name = xstrdup("TAI64N");
	tpl_set_regex(t, "@[0-9a-f]{24}", wordbegin, true);
	return t;
}

/* The groups datedet_time() reads: single-letter names, in group order. */
static void
tpl_fields(struct tpl *t)
{
	int f, ng = rx_ngroups(t->rx) + 1;

	if (ng > TPL_MAXGROUPS)
		ng = TPL_MAXGROUPS;
	t->nfield = 0;
	for (f = 1; f < ng; f++) {
		const char *name = rx_group_name(t->rx, f);

		if (name == NULL || name[0] == '\0' || name[1] != '\0')
			continue;
		t->field[t->nfield].g = f;
		t->field[t->nfield].code = name[0];
		t->nfield++;
	}
	t->g_p = rx_group_number(t->rx, "p");
	if (t->g_p >= ng)
		t->g_p = -1;
	t->nspan = ng < 2 ? 2 : ng;
}

/* Compiles a template at first use; false if its regex does not compile. */
static bool
tpl_compile(struct tpl *t)
{
	if (t->rx != NULL)
		return true;
	if (t->err != NULL)
		return false;
	if ((t->rx = rx_compile(t->regex, 0, &t->err)) == NULL)
		return false;
	tpl_fields(t);
	return true;
}

/* ---- the template cache (DD_patternCache) ------------------------------ */

static struct dict *tpl_cache;	/* key -> struct tpl *, never freed */

static struct tpl *
cache_get(const char *key)
{
	return tpl_cache ? dict_get(tpl_cache, key, NULL) : NULL;
}

static void
cache_set(const char *key, struct tpl *t)
{
	if (tpl_cache == NULL)
		tpl_cache = dict_new(NULL);
	dict_set(tpl_cache, key, t);
}

static char *
upper(const char *s)
{
	char *u = xstrdup(s), *p;

	for (p = u; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	return u;
}

/* _getPatternTemplate(pattern, key) */
static struct tpl *
get_pattern_template(const char *pattern, const char *key_in)
{
	char *key = key_in ? xstrdup(key_in) : strchr(pattern, '%') ? xstrdup(pattern) :
	    upper(pattern);
	struct tpl *t = cache_get(key);

	if (t == NULL) {
		if (strstr(key, "EPOCH") != NULL) {
			bool lep = strstr(key, "LEPOCH") != NULL;

			if (rx_found(re_epoch_pattern(), pattern, NULL))
				t = tpl_epoch(false, pattern, lep);
			else if (!strcmp(key, "EPOCH") || !strcmp(key, "{^LN-BEG}EPOCH") ||
			    !strcmp(key, "^EPOCH"))
				t = tpl_epoch(strcmp(key, "EPOCH") != 0, NULL, false);
			else if (!strcmp(key, "LEPOCH") || !strcmp(key, "{^LN-BEG}LEPOCH") ||
			    !strcmp(key, "^LEPOCH"))
				t = tpl_epoch(strcmp(key, "LEPOCH") != 0, NULL, true);
		}
		if (t == NULL) {
			if (!strcmp(key, "TAI64N") || !strcmp(key, "{^LN-BEG}TAI64N") ||
			    !strcmp(key, "^TAI64N"))
				t = tpl_tai64n(strcmp(key, "TAI64N") != 0 ? 2 : 0);
			else
				t = tpl_pattern(pattern, 1, true);
		}
	}
	cache_set(key, t);
	free(key);
	return t;
}

/* DateTemplate.unboundPattern */
static char *
unbound_pattern(const char *p)
{
	char *a = rx_sub(re_exline_no_bounds(), p, sub_empty, NULL, 0);
	char *b = rx_sub(re_exline_bound_beg(), a, sub_empty, NULL, 0);
	char *c = rx_sub(re_exsanc_bound_beg(), b, sub_empty, NULL, 0);
	char *e = rx_sub(re_exeanc_bound_beg(), c, sub_empty, NULL, 0);

	free(a);
	free(b);
	free(c);
	return e;
}

/* The wrap function of _getAnchoredTemplate: prefix, or {DATE} replaced. */
struct wrap {
	const char	*prematch;	/* NULL: prefix {^LN-BEG} */
};

static char *
wrap_apply(const struct wrap *w, const char *s)
{
	char *u, *r;

	if (w->prematch == NULL)
		return xasprintf("{^LN-BEG}%s", s);
	u = unbound_pattern(s);
	r = rx_sub(re_date_prematch(), w->prematch, sub_text, u, 0);
	free(u);
	return r;
}

/* _getAnchoredTemplate */
static struct tpl *
get_anchored_template(struct tpl *t, const struct wrap *w)
{
	char *name = wrap_apply(w, t->name), *regex;
	struct tpl *t2 = cache_get(name);

	if (t2 == NULL) {
		regex = wrap_apply(w, t->pattern ? t->pattern : t->regex);
		if (t->pattern)
			t2 = cache_get(regex);
		if (t2 == NULL)
			t2 = t->pattern ? get_pattern_template(regex, NULL) :
			    get_pattern_template(name, NULL);
		free(regex);
	}
	free(name);
	return t2;
}

/* DateDetectorCache: the default templates, raw (17) and ordered (31). */
static const char *const default_patterns[] = {
	"%ExY(?P<_sep>[-/.])%m(?P=_sep)%d(?:T|  ?)%H:%M:%S(?:[.,]%f)?(?:\\s*%z)?",
	"(?:%a )?%b %d %k:%M:%S(?:\\.%f)?(?: %ExY)?",
	"(?:%a )?%b %d %ExY %k:%M:%S(?:\\.%f)?",
	"%d(?P<_sep>[-/])%m(?P=_sep)(?:%ExY|%Exy) %k:%M:%S",
	"%d(?P<_sep>[-/])%b(?P=_sep)%ExY[ :]?%H:%M:%S(?:\\.%f)?(?: %z)?",
	"%m/%d/%ExY:%H:%M:%S",
	"%m-%d-%ExY %k:%M:%S(?:\\.%f)?",
	"EPOCH",
	"{^LN-BEG}%H:%M:%S",
	"^<%m/%d/%Exy@%H:%M:%S>",
	"%Exy%Exm%Exd  ?%H:%M:%S",
	"%b %d, %ExY %I:%M:%S %p",
	"^%b-%d-%Exy %k:%M:%S",
	"%ExY%Exm%Exd(?:T|  ?)%ExH%ExM%ExS(?:[.,]%f)?(?:\\s*%z)?",
	"(?:%Z )?(?:%a )?%b %d %k:%M:%S(?:\\.%f)?(?: %ExY)?",
	"(?:%z )?(?:%a )?%b %d %k:%M:%S(?:\\.%f)?(?: %ExY)?",
	"TAI64N",
};
#define NDEFAULT (sizeof(default_patterns) / sizeof(default_patterns[0]))

static struct tpl *raw_defaults[NDEFAULT];
static struct tpl **all_defaults;
static size_t nall_defaults;

static void
defaults_init(void)
{
	static const struct wrap anchor = { NULL };
	struct tpl **anch;
	size_t i, na = 0;

	if (all_defaults != NULL)
		return;
	for (i = 0; i < NDEFAULT; i++)
		raw_defaults[i] = get_pattern_template(default_patterns[i], NULL);
	anch = xcalloc(NDEFAULT, sizeof(*anch));
	for (i = 0; i < NDEFAULT; i++) {
		struct tpl *t = raw_defaults[i], *t2;

		if (strncmp(t->name, "{^LN-BEG}", 9) != 0 && t->name[0] != '^') {
			t2 = get_anchored_template(t, &anchor);
			if (strcmp(t2->name, t->name) != 0) {
				t2->weight = 100.0;
				anch[na++] = t2;
			}
		}
	}
	nall_defaults = na + NDEFAULT;
	all_defaults = xcalloc(nall_defaults, sizeof(*all_defaults));
	memcpy(all_defaults, anch, na * sizeof(*anch));
	memcpy(all_defaults + na, raw_defaults, NDEFAULT * sizeof(*raw_defaults));
	free(anch);
}

/* ---- the detector ------------------------------------------------------- */

struct entry {
	struct tpl	*tpl;
	unsigned long	 hits;
	double		 lastused;
	double		 distance;
};

/* A character next to a position (Python line[a:b] of length one), or -1. */
typedef int32_t dchar;

/* The last time conversion and what it depended on. */
struct tcache {
	bool			 valid;
	const struct tpl	*t;
	time_t			 clock;		/* the second clock_now() was in */
	bool			 has_tz;
	int			 tz_minutes;
	size_t			 len;
	char			 text[64];
	size_t			 rel[2 * TPL_MAXGROUPS];
	int			 rc;
	struct datedet_time	 out;
};

struct datedet {
	struct entry	*e;
	size_t		 n, cap;
	size_t		 lastpos;	/* __lastPos: distance, char before, char at */
	dchar		 lastpos_before, lastpos_at;
	bool		 lastpos_set;
	size_t		 lastend;	/* __lastEndPos: endpos, char before, char at */
	dchar		 lastend_before, lastend_at;
	size_t		 lastidx;
	size_t		 firstunused;
	bool		 has_tz;
	int		 tz_minutes;
	char		*describe;
	size_t		 spans[2 * TPL_MAXGROUPS];	/* groups of the last match */
	unsigned long	 nmatches;
	double		 lastreal;	/* clock_real() at a recent match */
	struct tcache	 tcache;	/* the last conversion (datedet_time_at) */
};

struct datedet *
datedet_new(void)
{
	struct datedet *d = xcalloc(1, sizeof(*d));

	d->lastpos = 1;
	d->lastend = 0x7fffffff;
	d->lastidx = 0x7fffffff;
	d->lastpos_before = d->lastpos_at = d->lastend_before = d->lastend_at = -2;
	return d;
}

void
datedet_free(struct datedet *d)
{
	if (d == NULL)
		return;
	free(d->e);
	free(d->describe);
	free(d);
}

/* _appendTemplate; returns -1 on a duplicate name unless ignored. */
static int
det_append(struct datedet *d, struct tpl *t, bool ignoredup, char **err)
{
	size_t i;

	/* a few dozen templates at most: a scan, no index to keep */
	for (i = 0; i < d->n; i++)
		if (strcmp(d->e[i].tpl->name, t->name) == 0) {
			if (ignoredup)
				return 0;
			*err = xasprintf("There is already a template with name %s", t->name);
			return -1;
		}
	d->e = xgrow(d->e, &d->cap, d->n + 1, sizeof(*d->e));
	memset(&d->e[d->n], 0, sizeof(d->e[d->n]));
	d->e[d->n].tpl = t;
	d->e[d->n].distance = 0x7fffffff;
	d->n++;
	return 0;
}

/* addDefaultTemplate(filterTemplate, preMatch, allDefaults) */
static int
det_add_defaults(struct datedet *d, bool linebegin_only, const char *prematch,
    char **err)
{
	struct wrap w = { prematch };
	bool ignoredup = d->n > 0;
	struct tpl **list;
	size_t i, n;

	defaults_init();
	list = prematch ? raw_defaults : all_defaults;
	n = prematch ? NDEFAULT : nall_defaults;
	for (i = 0; i < n; i++) {
		struct tpl *t = list[i];

		if (linebegin_only && !(t->flags & TPL_LINE_BEGIN))
			continue;
		if (prematch)
			t = get_anchored_template(t, &w);
		if (det_append(d, t, ignoredup, err) < 0)
			return -1;
	}
	return 0;
}

int
datedet_add(struct datedet *d, const char *pattern, char **err)
{
	char *key = strchr(pattern, '%') ? xstrdup(pattern) : upper(pattern);
	struct tpl *t = cache_get(key);
	int rc;

	*err = NULL;
	if (t == NULL) {
		if (!strcmp(key, "{^LN-BEG}")) {
			free(key);
			return det_add_defaults(d, true, NULL, err);
		}
		/*
		 * {DEFAULT} is meant to add every default template, but fail2ban
		 * 1.0.2's filter lambda returns None for it, so it adds nothing;
		 * alone it still works because an empty detector gets the
		 * defaults at first use.
		 */
		if (!strcmp(key, "{DEFAULT}")) {
			free(key);
			return 0;
		}
		if (strstr(key, "{DATE}") != NULL) {
			free(key);
			return det_add_defaults(d, false, pattern, err);
		}
		if (!strcmp(key, "{NONE}"))
			t = get_pattern_template("{UNB}^", key);
		else
			t = get_pattern_template(pattern, key);
	}
	cache_set(key, t);
	free(key);
	if (t->err != NULL || !tpl_compile(t)) {
		*err = xasprintf("%s: %s", t->name, t->err ? t->err : "invalid");
		return -1;
	}
	rc = det_append(d, t, false, err);
	return rc;
}

int
datedet_set_timezone(struct datedet *d, const char *tz, char **err)
{
	int m;

	*err = NULL;
	if (tz == NULL || tz[0] == '\0') {
		d->has_tz = false;
		return 0;
	}
	if (strptime_zone_offset(tz, &m) < 0) {
		*err = xasprintf("Unknown or unsupported time zone: '%s'", tz);
		return -1;
	}
	d->has_tz = true;
	d->tz_minutes = m;
	return 0;
}

/* line[i-1:i] as a code point (-1 when empty) */
static dchar
char_before(const char *line, size_t len, size_t i)
{
	size_t s;
	uint32_t cp;

	if (i == 0 || i > len)
		return -1;
	if ((unsigned char)line[i - 1] < 0x80)
		return (unsigned char)line[i - 1];
	s = i - 1;
	while (s > 0 && i - s < 4 && ((unsigned char)line[s] & 0xc0) == 0x80)
		s--;
	if (utf8_decode(line + s, i - s, &cp) < 0)
		return (unsigned char)line[i - 1];
	return (dchar)cp;
}

/* line[i:i+1] as a code point (-1 when empty) */
static dchar
char_at(const char *line, size_t len, size_t i)
{
	uint32_t cp;

	if (i >= len)
		return -1;
	if ((unsigned char)line[i] < 0x80)
		return (unsigned char)line[i];
	if (utf8_decode(line + i, len - i, &cp) < 0)
		return (unsigned char)line[i];
	return (dchar)cp;
}

/* Python str.isalnum() for one character (non-ASCII counted as letters). */
static bool
char_isalnum(dchar c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= 0xaa && c != 0xd7 && c != 0xf7 && !utf8_isspace((uint32_t)c));
}

static double
entry_weight(const struct entry *e)
{
	return (double)e->hits * e->tpl->weight / (e->distance > 1 ? e->distance : 1);
}

/*
 * matchDate: search, counting the template's global hits; the same search
 * of the same line (memo_line()) is answered from the template's memo.
 */
static bool
tpl_match(struct tpl *t, const char *line, bool ascii, size_t pos, size_t endpos,
    size_t *span)
{
	int rc;

	if (!tpl_compile(t))
		return false;
	if (cur_line.number && t->memo.line == cur_line.number && t->memo.pos == pos &&
	    t->memo.endpos == endpos) {
		if (!t->memo.hit)
			return false;
		memcpy(span, t->memo.span, 2 * (size_t)t->nspan * sizeof(*span));
		t->hits++;
		return true;
	}
	if (ascii)
		rc = rx_search_ascii(t->rx, line, endpos, pos, false, span, t->nspan);
	else
		rc = rx_search(t->rx, line, endpos, pos, false, span, t->nspan);
	t->memo.line = cur_line.number;
	t->memo.pos = pos;
	t->memo.endpos = endpos;
	t->memo.hit = rc == RX_MATCH;
	if (rc != RX_MATCH)
		return false;
	memcpy(t->memo.span, span, 2 * (size_t)t->nspan * sizeof(*span));
	t->hits++;
	return true;
}

/* _reorderTemplate */
static size_t
det_reorder(struct datedet *d, size_t num)
{
	struct entry e = d->e[num];
	double untime = e.lastused - 300, weight = entry_weight(&e);
	size_t pos = d->firstunused < num ? d->firstunused : num / 2;

	if (!(weight > entry_weight(&d->e[pos]) || untime > d->e[pos].lastused)) {
		if (pos == num - 1)
			return num;
		pos = num - 1;
		if (!(weight > entry_weight(&d->e[pos]) || untime > d->e[pos].lastused))
			return num;
	}
	memmove(&d->e[pos + 1], &d->e[pos], (num - pos) * sizeof(*d->e));
	d->e[pos] = e;
	while (d->firstunused < d->n && d->e[d->firstunused].hits)
		d->firstunused++;
	return pos;
}

static bool
match(struct datedet *d, const char *line, size_t len, bool ascii,
    struct datedet_match *out)
{
	/* the search works in d->spans, where datedet_time() reads them */
	size_t *sp = d->spans, found_sp[2 * TPL_MAXGROUPS];
	size_t i, ignore = 0x7fffffff, distance = 0, endpos = 0;
	size_t found_i = 0, found_d = 0x7fffffff, found_e = 0;
	bool match = false, have_found = false;
	struct entry *e;
	char *err;

	if (d->n == 0 && det_add_defaults(d, false, NULL, &err) < 0)
		free(err);
	memo_line(line, len);

	/* first the last template, at the same place if it is not anchored */
	i = d->lastidx;
	if (i < d->n) {
		struct tpl *t = d->e[i].tpl;

		if (t->flags & (TPL_LINE_BEGIN | TPL_LINE_END)) {
			match = tpl_match(t, line, ascii, 0, len, sp);
			ignore = i;
		} else {
			size_t dist = d->lastpos, end = d->lastend;
			dchar before = char_before(line, len, dist), at = char_at(line, len, dist);
			dchar eat = char_at(line, len, end), ebefore = char_before(line, len, end);
			bool okb, oke;

			okb = (before == d->lastpos_before) ||
			    (at == d->lastpos_at && !char_isalnum(d->lastpos_at));
			oke = (eat == d->lastend_at) ||
			    (ebefore == d->lastend_before && !char_isalnum(d->lastend_before));
			if (okb && oke && dist <= len)
				match = tpl_match(t, line, ascii, dist,
				    end < len ? end : len, sp);
			else {
				match = tpl_match(t, line, ascii, 0, len, sp);
				ignore = i;
			}
		}
		if (match) {
			distance = sp[0];
			endpos = sp[1];
			if (!(d->n == 1 || (t->flags & (TPL_LINE_BEGIN | TPL_LINE_END)) ||
			    (distance == d->lastpos && endpos == d->lastend))) {
				have_found = true;
				found_i = i;
				found_d = distance;
				found_e = endpos;
				memcpy(found_sp, sp, 2 * (size_t)t->nspan *
				    sizeof(*sp));
				match = false;
			}
		}
	}
	/* then every template in order, preferring the nearest date */
	if (!match) {
		for (i = 0; i < d->n; i++) {
			struct tpl *t;

			if (i == ignore)
				continue;
			t = d->e[i].tpl;
			if (!tpl_match(t, line, ascii, 0, len, sp))
				continue;
			distance = sp[0];
			endpos = sp[1];
			match = true;
			if (i + 1 >= d->n)
				break;
			if (t->flags & (TPL_LINE_BEGIN | TPL_LINE_END))
				break;
			if ((distance == 0 && d->e[i].hits) && !d->e[i + 1].tpl->hits)
				break;
			if ((double)distance > d->e[i].distance || distance > d->lastpos) {
				if (distance < found_d) {
					have_found = true;
					found_i = i;
					found_d = distance;
					found_e = endpos;
					memcpy(found_sp, sp, 2 * (size_t)t->nspan *
					    sizeof(*sp));
				}
				match = false;
				continue;
			}
			break;
		}
		if (!match && have_found) {
			match = true;
			i = found_i;
			distance = found_d;
			endpos = found_e;
			memcpy(sp, found_sp, 2 * (size_t)d->e[i].tpl->nspan *
			    sizeof(*sp));
		}
	}
	if (!match)
		return false;
	e = &d->e[i];
	e->hits++;
	/* time.time(), compared in 300-second steps: a reading per 64 matches */
	if ((d->nmatches++ & 63) == 0)
		d->lastreal = clock_real();
	e->lastused = d->lastreal;
	e->distance = (double)distance;
	if (d->firstunused == i)
		d->firstunused++;
	d->lastpos = distance;
	d->lastpos_before = char_before(line, len, distance);
	d->lastpos_at = char_at(line, len, distance);
	d->lastend = endpos;
	/* line[endpos-1]: with endpos 0 Python reads the last character */
	d->lastend_before = endpos == 0 ? char_before(line, len, len) :
	    char_before(line, len, endpos);
	d->lastend_at = char_at(line, len, endpos);
	if (i && i != d->lastidx)
		i = det_reorder(d, i);
	d->lastidx = i;
	out->mstart = sp[0];
	out->mend = sp[1];
	out->start = sp[2];
	out->end = sp[3];
	out->tpl = (int)i;
	out->priv = d->e[i].tpl;
	return true;
}

bool
datedet_match(struct datedet *d, const char *line, size_t len, struct datedet_match *out)
{
	return match(d, line, len, false, out);
}

bool
datedet_match_ascii(struct datedet *d, const char *line, size_t len,
    struct datedet_match *out)
{
	return match(d, line, len, true, out);
}

/* ---- conversion (DateDetector.getTime) ---------------------------------- */

int
datedet_time(struct datedet *d, const char *line, const struct datedet_match *m,
    struct datedet_time *out)
{
	return datedet_time_at(d, line, m, clock_now(), out);
}

static int
time_at(struct datedet *d, const char *line, const struct datedet_match *m,
    double nowsecs, struct datedet_time *out)
{
	struct tpl *t = m->priv;
	const size_t *sp = d->spans;
	struct strptime_field fields[TPL_MAXGROUPS];
	const char *ampm = NULL;
	int ng, f, k, nfields = 0;

	out->is_int = false;
	if (t->kind == TPL_TAI64N) {
		char hex[16];

		memcpy(hex, line + m->start + 2, 15);
		hex[15] = '\0';
		out->secs = (double)strtoull(hex, NULL, 16);
		out->is_int = true;
		return 0;
	}
	ng = rx_ngroups(t->rx) + 1;
	if (ng > TPL_MAXGROUPS)
		ng = TPL_MAXGROUPS;
	if (t->kind == TPL_EPOCH) {
		size_t s = sp[2 * t->grp], e = sp[2 * t->grp + 1];
		char buf[64];

		if (s == RX_UNSET || e - s >= sizeof(buf))
			return -1;
		memcpy(buf, line + s, e - s);
		buf[e - s] = '\0';
		out->secs = strtod(buf, NULL);
		if (t->longfrm && e - s >= 13) {
			if (e - s >= 16 && !strchr(buf, '.'))
				out->secs /= 1000000;
			else
				out->secs /= 1000;
		}
		return 0;
	}
	/* fields in group order, as Python walks groupdict() */
	for (k = 0; k < t->nfield; k++) {
		f = t->field[k].g;
		if (sp[2 * f] == RX_UNSET)
			continue;
		fields[nfields].code = t->field[k].code;
		fields[nfields].text = line + sp[2 * f];
		fields[nfields].len = sp[2 * f + 1] - sp[2 * f];
		nfields++;
	}
	f = t->g_p;
	if (f > 0 && f < ng && sp[2 * f] != RX_UNSET)
		ampm = line + sp[2 * f];
	return strptime_time(fields, (size_t)nfields, ampm, d->has_tz, d->tz_minutes,
	    nowsecs, &out->secs, &out->is_int);
}

/*
 * Consecutive lines mostly carry the same time stamp: the last conversion is
 * kept and given again when everything it depends on is the same - the
 * template, the matched text and where its groups lie in it, the second the
 * clock is in, the time zone option.  Only the second counts: time_at()
 * compares whole seconds with "now", and a whole number exceeds N + f
 * (0 <= f < 1) exactly when it exceeds N.  (fail2ban converts every line;
 * the result is the same.)
 */
int
datedet_time_at(struct datedet *d, const char *line, const struct datedet_match *m,
    double nowsecs, struct datedet_time *out)
{
	struct tpl *t = m->priv;
	struct tcache *c = &d->tcache;
	const size_t *sp = d->spans;
	size_t rel[2 * TPL_MAXGROUPS], len;
	time_t clk;
	int ng, g, rc;

	if (t->kind == TPL_TAI64N || t->kind == TPL_EPOCH || sp[0] == RX_UNSET)
		return time_at(d, line, m, nowsecs, out);
	len = sp[1] - sp[0];
	ng = rx_ngroups(t->rx) + 1;
	if (ng > TPL_MAXGROUPS)
		ng = TPL_MAXGROUPS;
	if (len > sizeof(c->text))
		return time_at(d, line, m, nowsecs, out);
	for (g = 0; g < ng; g++) {
		if (sp[2 * g] == RX_UNSET) {
			rel[2 * g] = rel[2 * g + 1] = RX_UNSET;
			continue;
		}
		if (sp[2 * g] < sp[0] || sp[2 * g + 1] > sp[1])
			return time_at(d, line, m, nowsecs, out);	/* outside the match */
		rel[2 * g] = sp[2 * g] - sp[0];
		rel[2 * g + 1] = sp[2 * g + 1] - sp[0];
	}
	clk = (time_t)nowsecs;
	if (c->valid && c->t == t && c->clock == clk &&
	    c->has_tz == d->has_tz && c->tz_minutes == d->tz_minutes && c->len == len &&
	    memcmp(c->text, line + sp[0], len) == 0 &&
	    memcmp(c->rel, rel, (size_t)ng * 2 * sizeof(*rel)) == 0) {
		*out = c->out;
		return c->rc;
	}
	rc = time_at(d, line, m, nowsecs, out);
	c->valid = true;
	c->t = t;
	c->clock = clk;
	c->has_tz = d->has_tz;
	c->tz_minutes = d->tz_minutes;
	c->len = len;
	memcpy(c->text, line + sp[0], len);
	memcpy(c->rel, rel, (size_t)ng * 2 * sizeof(*rel));
	c->rc = rc;
	c->out = *out;
	return rc;
}

/* ---- introspection ------------------------------------------------------ */

size_t
datedet_count(const struct datedet *d)
{
	return d->n;
}

const char *
datedet_name(const struct datedet *d, size_t i)
{
	return i < d->n ? d->e[i].tpl->name : NULL;
}

const char *
datedet_regex(const struct datedet *d, size_t i)
{
	return i < d->n ? d->e[i].tpl->regex : NULL;
}

const char *
datedet_pattern(const struct datedet *d, size_t i)
{
	return i < d->n ? d->e[i].tpl->pattern : NULL;
}

unsigned long
datedet_hits(const struct datedet *d, size_t i)
{
	return i < d->n ? d->e[i].hits : 0;
}

double
datedet_weight(const struct datedet *d, size_t i, double *tplweight)
{
	if (tplweight)
		*tplweight = d->e[i].tpl->weight;
	return entry_weight(&d->e[i]);
}

const char *
datedet_describe(const struct datedet *d, const char **pattern)
{
	*pattern = NULL;
	if (d->n == 0 || d->n > 2)
		return "Default Detectors";
	*pattern = d->e[0].tpl->pattern;
	return d->e[0].tpl->name;
}

/*
 * prefilter: groups of regexes reduced to the texts their matches need,
 * one Aho-Corasick automaton over all of them (see prefilter.h).
 *
 * Each rule has one text; the automaton (built at the first scan) has a
 * state per prefix of the texts, a full transition table over byte
 * classes (the bytes the texts use, each its class, every other byte one
 * class), and per state the groups whose texts end there, those of its
 * failure links merged in.  A scan is one table step per byte; it stops as
 * soon as every group that can be told apart is known to be a candidate.
 */
#include "prefilter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failregex.h"
#include "rx.h"
#include "strbuf.h"
#include "xmalloc.h"

struct pgroup {
	char	*why;		/* non-NULL: a candidate for every text */
	size_t	 nrules;
};

struct prule {
	int		 group;
	unsigned	 need;		/* texts that must all be seen (1) */
};

struct ptext {
	char		*s;
	size_t		 len;
	unsigned	 rule;
};

struct prefilter {
	struct pgroup	*group;
	size_t		 ngroups, capgroups;
	struct prule	*rule;
	size_t		 nrules, caprules;
	struct ptext	*text;
	size_t		 ntexts, captexts;
	bool		 built;
	char		*err;		/* the build failed: all candidates */
	struct strbuf	 line;		/* prefilter_skips()'s text */
	size_t		 filtered;	/* groups told apart (not always, with rules) */
	uint64_t	*always;	/* the groups that are candidates whatever the text */
	/* the automaton, made at the first scan (most filters' own never scan) */
	bool		 made;
	uint8_t		 cls[256];	/* byte -> class */
	size_t		 ncls, nstates;
	uint32_t	*delta;		/* delta[state * ncls + class] */
	uint32_t	*ostart;	/* state s: groups ogroup[ostart[s]..ostart[s + 1]) */
	uint32_t	*ogroup;
};

bool
prefilter_available(void)
{
	return true;
}

struct prefilter *
prefilter_new(void)
{
	return xcalloc(1, sizeof(struct prefilter));
}

void
prefilter_free(struct prefilter *pf)
{
	size_t i;

	if (pf == NULL)
		return;
	for (i = 0; i < pf->ngroups; i++)
		free(pf->group[i].why);
	for (i = 0; i < pf->ntexts; i++)
		free(pf->text[i].s);
	free(pf->group);
	free(pf->rule);
	free(pf->text);
	free(pf->err);
	free(pf->always);
	strbuf_free(&pf->line);
	free(pf->delta);
	free(pf->ostart);
	free(pf->ogroup);
	free(pf);
}

int
prefilter_group(struct prefilter *pf)
{
	pf->group = xgrow(pf->group, &pf->capgroups, pf->ngroups + 1, sizeof(*pf->group));
	memset(&pf->group[pf->ngroups], 0, sizeof(*pf->group));
	return (int)pf->ngroups++;
}

void
prefilter_set_always(struct prefilter *pf, int g, const char *why)
{
	struct pgroup *gr = &pf->group[g];

	if (gr->why == NULL)	/* the first reason stands */
		gr->why = xstrdup(why);
}

const char *
prefilter_why(const struct prefilter *pf, int g)
{
	if (pf->group[g].why != NULL)
		return pf->group[g].why;
	return pf->err;
}

/* ---- the texts a regex needs -------------------------------------------- */

/*
 * What a piece of a pattern needs, as alternatives (a disjunction) of sets
 * of texts (conjunctions): a subject it matches holds every text of one
 * set.  One empty set: it needs nothing.  Leaving a text out of a set, or
 * a piece out of a sequence, only ever weakens the condition, so whatever
 * the analysis cannot follow it leaves out; it never adds a text a match
 * could lack.  At most MAXALT alternatives: more weaken to "nothing".
 */
#define MAXALT	16

struct conj {
	char	**t;
	size_t	 n;
};

struct dnf {
	struct conj	*c;
	size_t		 n;
};

static void
conj_add(struct conj *c, const char *s, size_t len)
{
	c->t = xrealloc(c->t, (c->n + 1) * sizeof(*c->t));
	c->t[c->n++] = xstrndup(s, len);
}

static void
conj_copy(struct conj *dst, const struct conj *src)
{
	size_t i;

	for (i = 0; i < src->n; i++)
		conj_add(dst, src->t[i], strlen(src->t[i]));
}

static void
dnf_free(struct dnf *d)
{
	size_t i, k;

	for (i = 0; i < d->n; i++) {
		for (k = 0; k < d->c[i].n; k++)
			free(d->c[i].t[k]);	/* NULL: taken */
		free(d->c[i].t);
	}
	free(d->c);
	d->c = NULL;
	d->n = 0;
}

/* "Needs nothing": one empty set. */
static struct dnf
dnf_true(void)
{
	struct dnf d = { xcalloc(1, sizeof(struct conj)), 1 };

	return d;
}

static bool
dnf_is_true(const struct dnf *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->c[i].n == 0)
			return true;
	return false;
}

/* *a = *a followed by b (every pairing of their sets); b is consumed. */
static void
dnf_then(struct dnf *a, struct dnf *b)
{
	struct dnf r;
	size_t i, k;

	if (dnf_is_true(b) && b->n == 1) {
		dnf_free(b);
		return;
	}
	if (a->n * b->n > MAXALT) {	/* too many: b is left out */
		dnf_free(b);
		return;
	}
	r.n = a->n * b->n;
	r.c = xcalloc(r.n, sizeof(*r.c));
	for (i = 0; i < a->n; i++)
		for (k = 0; k < b->n; k++) {
			conj_copy(&r.c[i * b->n + k], &a->c[i]);
			conj_copy(&r.c[i * b->n + k], &b->c[k]);
		}
	dnf_free(a);
	dnf_free(b);
	*a = r;
}

/* *a = *a or b; b is consumed. */
static void
dnf_or(struct dnf *a, struct dnf *b)
{
	if (dnf_is_true(a) || dnf_is_true(b) || a->n + b->n > MAXALT) {
		dnf_free(a);
		dnf_free(b);
		*a = dnf_true();
		return;
	}
	a->c = xrealloc(a->c, (a->n + b->n) * sizeof(*a->c));
	memcpy(a->c + a->n, b->c, b->n * sizeof(*b->c));
	a->n += b->n;
	free(b->c);
}

/* A run of literal text: needed by every alternative (when long enough). */
static void
flush_run(struct dnf *d, struct strbuf *run)
{
	size_t i;

	if (run->len >= PREFILTER_MIN)
		for (i = 0; i < d->n; i++)
			conj_add(&d->c[i], run->s, run->len);
	strbuf_reset(run);
}

/*
 * A quantifier at p: its length (0: none) and whether it allows zero
 * repetitions.  Python reads a "{" that is no quantifier as a literal.
 */
static size_t
quantifier(const char *p, bool *optional)
{
	const char *q = p;
	size_t lo;

	*optional = false;
	if (*p == '?' || *p == '*') {
		*optional = true;
		q++;
	} else if (*p == '+')
		q++;
	else if (*p == '{') {
		lo = strspn(p + 1, "0123456789");
		q = p + 1 + lo;
		if (*q == ',')
			q += 1 + strspn(q + 1, "0123456789");
		if (*q != '}' || q == p + 1)
			return 0;
		q++;
		*optional = lo == 0 || strspn(p + 1, "0") == lo;
	} else
		return 0;
	if (*q == '?' || *q == '+')	/* lazy, possessive */
		q++;
	return (size_t)(q - p);
}

/* The length of an escape at p that is no literal character. */
static size_t
escape_len(const char *p)
{
	char e = p[1];
	size_t n = 2, max = 0;
	const char *hex = "0123456789abcdefABCDEF";

	if (e == 'x')
		max = 2;
	else if (e == 'u')
		max = 4;
	else if (e == 'U')
		max = 8;
	else if (e >= '0' && e <= '9') {
		hex = e == '0' ? "01234567" : "0123456789";
		max = 2;
	} else if ((e == 'N' || e == 'g' || e == 'k' || e == 'p' || e == 'P') &&
	    (p[2] == '{' || p[2] == '<')) {
		const char *c = strchr(p + 2, p[2] == '{' ? '}' : '>');

		return c ? (size_t)(c + 1 - p) : strlen(p);
	}
	while (max-- > 0 && p[n] && strchr(hex, p[n]))
		n++;
	return n;
}

static struct dnf parse_alt(const char **pp, int depth);

/* One branch: a sequence of pieces, up to "|", ")" or the end. */
static struct dnf
parse_seq(const char **pp, int depth)
{
	struct dnf d = dnf_true();
	struct strbuf run = STRBUF_INIT;
	const char *p = *pp;

	while (*p && *p != '|' && *p != ')') {
		const char *unit = NULL;	/* a literal character */
		size_t ulen = 0, q;
		struct dnf sub;
		bool opt, group = false;

		if (*p == '\\' && p[1]) {
			char e = p[1];

			if (e == 't' || e == 'n' || e == 'r' || e == 'f' || e == 'v') {
				static const char map[] = "t\tn\nr\rf\fv\v";

				unit = strchr(map, e) + 1;
				ulen = 1;
				p += 2;
			} else if ((unsigned char)e >= 0xc0) {
				/* an escaped non-ASCII character: itself */
				unit = p + 1;
				ulen = 1;
				while ((p[1 + ulen] & 0xc0) == 0x80)
					ulen++;
				p += 1 + ulen;
			} else if ((unsigned char)e < 0x80 && !((e >= 'a' && e <= 'z') ||
			    (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9'))) {
				unit = p + 1;
				ulen = 1;
				p += 2;
			} else
				p += escape_len(p);
		} else if (*p == '[') {
			p = rx_skip_class(p);
		} else if (*p == '(') {
			const char *g = p + 1, *end = rx_skip_group(p);

			if (*g == '?') {
				g++;
				if (*g == ':' || *g == '>' || *g == '|')
					group = true, g++;
				else if ((*g == 'P' && g[1] == '<') || (*g == '<' && g[1] != '=' &&
				    g[1] != '!') || *g == '\'') {
					const char *c = strchr(g + 1, *g == '\'' ? '\'' : '>');

					group = c != NULL && c < end;
					g = c ? c + 1 : g;
				} else if (strspn(g, "aimsuxL-") > 0 && g[strspn(g, "aimsuxL-")] == ':') {
					g += strspn(g, "aimsuxL-") + 1;
					group = true;
				}
				/* else: lookaround, conditional, comment, flags, references */
			} else
				group = true;
			if (group && depth < 32) {
				flush_run(&d, &run);
				*pp = g;
				sub = parse_alt(pp, depth + 1);
				if (**pp != ')') {	/* unbalanced: give up on it */
					dnf_free(&sub);
					sub = dnf_true();
				}
			} else
				sub = dnf_true();
			p = end;
			q = quantifier(p, &opt);
			p += q;
			if (opt) {
				dnf_free(&sub);
				sub = dnf_true();
			}
			flush_run(&d, &run);
			dnf_then(&d, &sub);
			continue;
		} else if (*p == '.' || *p == '^' || *p == '$' || *p == '*' || *p == '+' ||
		    *p == '?' || (*p == '{' && quantifier(p, &opt) > 0)) {
			p += *p == '{' ? quantifier(p, &opt) : 1;
		} else {
			/* a character: a UTF-8 sequence is one */
			unit = p;
			ulen = 1;
			if ((unsigned char)*p >= 0xc0)
				while ((p[ulen] & 0xc0) == 0x80)
					ulen++;
			p += ulen;
		}
		if (unit == NULL) {
			flush_run(&d, &run);
			continue;
		}
		q = quantifier(p, &opt);
		if (q > 0) {
			p += q;
			if (!opt)
				strbuf_add(&run, unit, ulen);
			flush_run(&d, &run);
		} else
			strbuf_add(&run, unit, ulen);
	}
	flush_run(&d, &run);
	strbuf_free(&run);
	*pp = p;
	return d;
}

/* Alternatives: branches separated by "|", up to ")" or the end. */
static struct dnf
parse_alt(const char **pp, int depth)
{
	struct dnf d = parse_seq(pp, depth);

	while (**pp == '|') {
		struct dnf b;

		(*pp)++;
		b = parse_seq(pp, depth);
		dnf_or(&d, &b);
	}
	return d;
}

/*
 * What a Python-dialect pattern needs.  Flags that change what a literal
 * means (caseless, verbose) anywhere: nothing is known.
 */
static struct dnf
needs(const char *python)
{
	const char *p = python;
	struct dnf d;

	if (strstr(python, "(?i") || strstr(python, "(?x") || strstr(python, "(?L") ||
	    strstr(python, "\\Q"))
		return dnf_true();
	for (p = python; (p = strstr(p, "(?")) != NULL; p += 2) {
		size_t k = strspn(p + 2, "aimsuxL-");

		if (k > 0 && (p[2 + k] == ')' || p[2 + k] == ':') &&
		    (memchr(p + 2, 'i', k) || memchr(p + 2, 'x', k)))
			return dnf_true();
	}
	p = python;
	d = parse_alt(&p, 0);
	if (*p != '\0') {	/* a stray ")": not understood */
		dnf_free(&d);
		return dnf_true();
	}
	return d;
}

bool
prefilter_add_regex(struct prefilter *pf, int g, const char *python, const char *label)
{
	struct dnf d = needs(python);
	size_t i, k;

	if (dnf_is_true(&d)) {
		char *why = xasprintf("%s has no text every match contains", label);

		prefilter_set_always(pf, g, why);
		free(why);
		dnf_free(&d);
		return false;
	}
	for (i = 0; i < d.n; i++) {
		struct prule *r;
		struct ptext *t;
		size_t best = 0;

		/*
		 * The longest text of the set alone: short ones (" from ",
		 * "HTTP") are in most lines and would only cost the scan a
		 * report each; one text that is rarely there rules as well.
		 */
		for (k = 1; k < d.c[i].n; k++)
			if (strlen(d.c[i].t[k]) > strlen(d.c[i].t[best]))
				best = k;
		pf->rule = xgrow(pf->rule, &pf->caprules, pf->nrules + 1, sizeof(*pf->rule));
		r = &pf->rule[pf->nrules];
		r->group = g;
		r->need = 1;
		pf->text = xgrow(pf->text, &pf->captexts, pf->ntexts + 1, sizeof(*pf->text));
		t = &pf->text[pf->ntexts++];
		t->s = d.c[i].t[best];
		t->len = strlen(t->s);
		t->rule = (unsigned)pf->nrules;
		d.c[i].t[best] = NULL;
		pf->nrules++;
		pf->group[g].nrules++;
	}
	dnf_free(&d);
	return true;
}

int
prefilter_build(struct prefilter *pf, char **err)
{
	size_t i;

	*err = NULL;
	pf->built = true;
	free(pf->always);
	pf->always = xcalloc((pf->ngroups + 63) / 64 + 1, sizeof(*pf->always));
	for (i = 0; i < pf->ngroups; i++)
		if (pf->group[i].why == NULL && pf->group[i].nrules > 0)
			pf->filtered++;
		else if (pf->group[i].why != NULL)
			pf->always[i / 64] |= (uint64_t)1 << (i % 64);
	return 0;
}

/* A state's groups while the automaton is made. */
struct glist {
	uint32_t	*g;
	size_t		 n, cap;
};

static void
glist_add(struct glist *l, uint32_t g)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->g[i] == g)
			return;
	l->g = xgrow(l->g, &l->cap, l->n + 1, sizeof(*l->g));
	l->g[l->n++] = g;
}

#define NONE	UINT32_MAX

/* The automaton: the trie of the texts, then failure links breadth first. */
static void
make(struct prefilter *pf)
{
	size_t i, k, max = 1, n = 1, head = 0, tail = 0, nout = 0;
	uint32_t *fail, *queue;
	struct glist *out;
	bool used[256] = { false };

	pf->made = true;
	for (i = 0; i < pf->ntexts; i++) {
		max += pf->text[i].len;
		for (k = 0; k < pf->text[i].len; k++)
			used[(unsigned char)pf->text[i].s[k]] = true;
	}
	pf->ncls = 1;		/* class 0: every byte no text has */
	for (i = 0; i < 256; i++)
		pf->cls[i] = used[i] ? (uint8_t)pf->ncls++ : 0;
	pf->delta = xcalloc(max * pf->ncls, sizeof(*pf->delta));
	memset(pf->delta, 0xff, max * pf->ncls * sizeof(*pf->delta));
	out = xcalloc(max, sizeof(*out));
	for (i = 0; i < pf->ntexts; i++) {
		const struct ptext *t = &pf->text[i];
		uint32_t s = 0;

		if (pf->group[pf->rule[t->rule].group].why != NULL)
			continue;	/* a candidate anyway */
		for (k = 0; k < t->len; k++) {
			uint32_t *d = &pf->delta[s * pf->ncls + pf->cls[(unsigned char)t->s[k]]];

			if (*d == NONE)
				*d = (uint32_t)n++;
			s = *d;
		}
		glist_add(&out[s], (uint32_t)pf->rule[t->rule].group);
	}
	pf->nstates = n;
	fail = xcalloc(n, sizeof(*fail));
	queue = xcalloc(n, sizeof(*queue));
	for (k = 0; k < pf->ncls; k++) {
		uint32_t *d = &pf->delta[k];

		if (*d == NONE)
			*d = 0;
		else {
			fail[*d] = 0;
			queue[tail++] = *d;
		}
	}
	while (head < tail) {
		uint32_t s = queue[head++];

		for (k = 0; k < pf->ncls; k++) {
			uint32_t *d = &pf->delta[s * pf->ncls + k], u = *d;

			if (u == NONE) {
				*d = pf->delta[fail[s] * pf->ncls + k];
				continue;
			}
			fail[u] = pf->delta[fail[s] * pf->ncls + k];
			for (i = 0; i < out[fail[u]].n; i++)	/* final: it is shallower */
				glist_add(&out[u], out[fail[u]].g[i]);
			queue[tail++] = u;
		}
	}
	pf->delta = xrealloc(pf->delta, n * pf->ncls * sizeof(*pf->delta));
	pf->ostart = xcalloc(n + 1, sizeof(*pf->ostart));
	for (i = 0; i < n; i++)
		nout += out[i].n;
	pf->ogroup = xcalloc(nout + 1, sizeof(*pf->ogroup));
	for (i = 0, nout = 0; i < n; i++) {
		pf->ostart[i] = (uint32_t)nout;
		for (k = 0; k < out[i].n; k++)
			pf->ogroup[nout++] = out[i].g[k];
		free(out[i].g);
	}
	pf->ostart[n] = (uint32_t)nout;
	free(out);
	free(fail);
	free(queue);
}

size_t
prefilter_ngroups(const struct prefilter *pf)
{
	return pf->ngroups;
}

size_t
prefilter_ntexts(const struct prefilter *pf)
{
	return pf->ntexts;
}

/* Every group that is a candidate whatever the text. */
static void
set_always(const struct prefilter *pf, uint64_t *bits)
{
	size_t w, nw = (pf->ngroups + 63) / 64;

	if (pf->err != NULL || !pf->built) {
		for (w = 0; w < pf->ngroups; w++)
			bits[w / 64] |= (uint64_t)1 << (w % 64);
		return;
	}
	for (w = 0; w < nw; w++)
		bits[w] |= pf->always[w];
}

void
prefilter_scan(struct prefilter *pf, const char *text, size_t len, uint64_t *bits)
{
	const unsigned char *p = (const unsigned char *)text, *end = p + len;
	size_t left = pf->filtered;
	uint32_t st = 0;

	set_always(pf, bits);
	if (!pf->built || pf->err != NULL || left == 0)
		return;
	if (!pf->made)
		make(pf);
	for (; p < end; p++) {
		uint32_t i;

		st = pf->delta[st * pf->ncls + pf->cls[*p]];
		for (i = pf->ostart[st]; i < pf->ostart[st + 1]; i++) {
			uint32_t g = pf->ogroup[i];
			uint64_t bit = (uint64_t)1 << (g % 64);

			if (bits[g / 64] & bit)
				continue;
			bits[g / 64] |= bit;
			if (--left == 0)
				return;	/* every group is known */
		}
	}
}

/* ---- a filter's prefilter ------------------------------------------------ */

void
prefilter_add_filter(struct prefilter *pf, int g, struct failregex *const *fail, size_t nfail,
    struct failregex *const *ign, size_t nign, const struct failregex *pref, long maxlines)
{
	char label[48];
	size_t i;

	if (maxlines > 1)
		prefilter_set_always(pf, g, "maxlines > 1 (a match may span the buffered lines)");
	if (nfail == 0)
		prefilter_set_always(pf, g, "no failregex");
	for (i = 0; i < nfail; i++) {
		snprintf(label, sizeof(label), "failregex %zu", i);
		prefilter_add_regex(pf, g, failregex_pattern(fail[i]), label);
	}
	for (i = 0; i < nign; i++) {
		snprintf(label, sizeof(label), "ignoreregex %zu", i);
		prefilter_add_regex(pf, g, failregex_pattern(ign[i]), label);
	}
	if (pref != NULL)
		prefilter_add_regex(pf, g, failregex_pattern(pref), "prefregex");
}

struct prefilter *
prefilter_of_filter(struct failregex *const *fail, size_t nfail,
    struct failregex *const *ign, size_t nign, const struct failregex *pref, long maxlines)
{
	struct prefilter *pf = prefilter_new();
	char *err = NULL;

	prefilter_add_filter(pf, prefilter_group(pf), fail, nfail, ign, nign, pref, maxlines);
	prefilter_build(pf, &err);
	free(err);
	return pf;
}

bool
prefilter_skips(struct prefilter *pf, const char *s, size_t len, size_t ds, size_t de)
{
	uint64_t bits[1] = { 0 };

	if (pf->ngroups == 0 || prefilter_why(pf, 0) != NULL)
		return false;
	/* "\n".join of the one line, as filter.c's join_lines() makes it */
	strbuf_reset(&pf->line);
	strbuf_add(&pf->line, s, ds);
	strbuf_add(&pf->line, s + de, len - de);
	strbuf_addc(&pf->line, '\n');
	prefilter_scan(pf, pf->line.s, pf->line.len, bits);
	return !prefilter_bit(bits, 0);
}

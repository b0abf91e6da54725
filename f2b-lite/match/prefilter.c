/*
 * prefilter: groups of regexes reduced to the texts their matches need,
 * one Vectorscan literal database over all of them (see prefilter.h).
 *
 * Each (rule, text) pair is one pattern of the database, compiled with
 * HS_FLAG_SINGLEMATCH: a scan reports it at most once, so a rule holds
 * when as many of its patterns were reported as it has texts.  Counts are
 * kept per rule with the scan's generation number, so a scan costs nothing
 * for the rules it does not touch.  The scan stops as soon as every group
 * that can be told apart is known to be a candidate.
 */
#include "prefilter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_LIBHS
#include <hs.h>
#endif

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
	unsigned	 need;		/* texts that must all be seen */
	unsigned	 seen;		/* ... seen in the scan of generation gen */
	unsigned	 gen;
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
	unsigned	 gen;
	struct strbuf	 line;		/* prefilter_skips()'s text */
	size_t		 filtered;	/* groups told apart (not always, with rules) */
#ifdef HAVE_LIBHS
	hs_database_t	*db;
	hs_scratch_t	*scratch;
#endif
};

bool
prefilter_available(void)
{
#ifdef HAVE_LIBHS
	return true;
#else
	return false;
#endif
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
	strbuf_free(&pf->line);
#ifdef HAVE_LIBHS
	hs_free_scratch(pf->scratch);
	hs_free_database(pf->db);
#endif
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

bool
prefilter_add_regex(struct prefilter *pf, int g, const char *python, const char *label)
{
	size_t n, i;
	char **lit = rx_required_literals(python, PREFILTER_MIN, &n);
	struct prule *r;

	if (n == 0) {
		char *why = xasprintf("%s has no text every match contains", label);

		prefilter_set_always(pf, g, why);
		free(why);
		free(lit);
		return false;
	}
	pf->rule = xgrow(pf->rule, &pf->caprules, pf->nrules + 1, sizeof(*pf->rule));
	r = &pf->rule[pf->nrules];
	r->group = g;
	r->need = (unsigned)n;
	r->seen = r->gen = 0;
	for (i = 0; i < n; i++) {
		struct ptext *t;

		pf->text = xgrow(pf->text, &pf->captexts, pf->ntexts + 1, sizeof(*pf->text));
		t = &pf->text[pf->ntexts++];
		t->s = lit[i];
		t->len = strlen(lit[i]);
		t->rule = (unsigned)pf->nrules;
	}
	free(lit);
	pf->nrules++;
	pf->group[g].nrules++;
	return true;
}

static void
build_failed(struct prefilter *pf, char *msg, char **err)
{
	pf->err = msg;
	*err = xstrdup(msg);
}

int
prefilter_build(struct prefilter *pf, char **err)
{
	size_t i;

	*err = NULL;
	pf->built = true;
	for (i = 0; i < pf->ngroups; i++)
		if (pf->group[i].why == NULL && pf->group[i].nrules > 0)
			pf->filtered++;
#ifdef HAVE_LIBHS
	if (pf->ntexts > 0) {
		const char **exprs = xcalloc(pf->ntexts, sizeof(*exprs));
		unsigned *flags = xcalloc(pf->ntexts, sizeof(*flags));
		unsigned *ids = xcalloc(pf->ntexts, sizeof(*ids));
		size_t *lens = xcalloc(pf->ntexts, sizeof(*lens));
		hs_compile_error_t *ce = NULL;
		hs_error_t rc;

		for (i = 0; i < pf->ntexts; i++) {
			exprs[i] = pf->text[i].s;
			lens[i] = pf->text[i].len;
			flags[i] = HS_FLAG_SINGLEMATCH;
			ids[i] = (unsigned)i;
		}
		rc = hs_compile_lit_multi(exprs, flags, ids, lens, (unsigned)pf->ntexts,
		    HS_MODE_BLOCK, NULL, &pf->db, &ce);
		free(exprs);
		free(flags);
		free(ids);
		free(lens);
		if (rc != HS_SUCCESS) {
			build_failed(pf, xasprintf("Vectorscan cannot compile the texts: %s",
			    ce ? ce->message : "unknown error"), err);
			hs_free_compile_error(ce);
			pf->db = NULL;
			return -1;
		}
		if (hs_alloc_scratch(pf->db, &pf->scratch) != HS_SUCCESS) {
			build_failed(pf, xstrdup("Vectorscan cannot allocate its scratch space"),
			    err);
			hs_free_database(pf->db);
			pf->db = NULL;
			return -1;
		}
	}
	return 0;
#else
	build_failed(pf, xstrdup("f2b-lite was built without Vectorscan "
	    "(libvectorscan-dev)"), err);
	return -1;
#endif
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
	size_t g;

	for (g = 0; g < pf->ngroups; g++)
		if (pf->err != NULL || pf->group[g].why != NULL || !pf->built)
			bits[g / 64] |= (uint64_t)1 << (g % 64);
}

#ifdef HAVE_LIBHS
struct scan {
	struct prefilter	*pf;
	uint64_t		*bits;
	size_t			 left;		/* groups not yet known to be candidates */
};

static int
on_match(unsigned id, unsigned long long from, unsigned long long to,
    unsigned flags, void *arg)
{
	struct scan *s = arg;
	struct prule *r = &s->pf->rule[s->pf->text[id].rule];
	unsigned g = (unsigned)r->group;
	uint64_t bit = (uint64_t)1 << (g % 64);

	(void)from;
	(void)to;
	(void)flags;
	if (r->gen != s->pf->gen) {
		r->gen = s->pf->gen;
		r->seen = 0;
	}
	if (++r->seen < r->need || (s->bits[g / 64] & bit))
		return 0;
	s->bits[g / 64] |= bit;
	return --s->left == 0;	/* nonzero: every group is known, stop */
}
#endif

void
prefilter_scan(struct prefilter *pf, const char *text, size_t len, uint64_t *bits)
{
	set_always(pf, bits);
#ifdef HAVE_LIBHS
	if (pf->db != NULL && pf->filtered > 0) {
		struct scan s = { pf, bits, pf->filtered };
		hs_error_t rc;

		if (++pf->gen == 0) {	/* wrapped: no rule may look seen */
			size_t i;

			for (i = 0; i < pf->nrules; i++)
				pf->rule[i].gen = 0;
			pf->gen = 1;
		}
		rc = len > UINT32_MAX ? HS_INVALID : hs_scan(pf->db, text, (unsigned)len, 0,
		    pf->scratch, on_match, &s);

		if (rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED) {
			/* cannot happen for our lines; if it did, run everything */
			memset(bits, 0xff, (pf->ngroups + 63) / 64 * sizeof(*bits));
		}
	}
#else
	(void)text;
	(void)len;
#endif
}

/* ---- a filter's prefilter ------------------------------------------------ */

struct prefilter *
prefilter_of_filter(struct failregex *const *fail, size_t nfail,
    struct failregex *const *ign, size_t nign, const struct failregex *pref, long maxlines)
{
	struct prefilter *pf = prefilter_new();
	char label[48], *err = NULL;
	size_t i;

	prefilter_group(pf);
	if (maxlines > 1)
		prefilter_set_always(pf, 0, "maxlines > 1 (a match may span the buffered lines)");
	if (nfail == 0)
		prefilter_set_always(pf, 0, "no failregex");
	for (i = 0; i < nfail; i++) {
		snprintf(label, sizeof(label), "failregex %zu", i);
		prefilter_add_regex(pf, 0, failregex_pattern(fail[i]), label);
	}
	for (i = 0; i < nign; i++) {
		snprintf(label, sizeof(label), "ignoreregex %zu", i);
		prefilter_add_regex(pf, 0, failregex_pattern(ign[i]), label);
	}
	if (pref != NULL)
		prefilter_add_regex(pf, 0, failregex_pattern(pref), "prefregex");
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

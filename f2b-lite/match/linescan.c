/*
 * linescan: the prefilter's scan of each line, shared by every filter that
 * reads it (issue 14; see linescan.h).
 */
#include "linescan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "prefilter.h"
#include "strbuf.h"
#include "utf8.h"
#include "xmalloc.h"

/* The members, the shared prefilter and the last line (see linescan.h). */
static struct {
	struct linescan_member **member;	/* member[g]: the filter of group g */
	size_t		 n, cap;
	struct prefilter *pf;		/* NULL: built before the next scan */
	uint64_t	*bits;		/* the last line's candidates */
	struct strbuf	 line;		/* the last line seen, its "\n" added */
	bool		 utf8, ascii;	/* ... utf8_valid()'s answer on it */
	bool		 valid;		/* ... scanned: bits are its answer */
	bool		 on;		/* enough filters share it (shared_make()) */
	size_t		 nfiltered, said;
	unsigned long	 scans;		/* introspection: lines scanned */
} shared;

static void
shared_changed(void)
{
	prefilter_free(shared.pf);
	shared.pf = NULL;
	shared.valid = false;
}

static void
join(struct linescan_member *f)
{
	size_t i;

	for (i = 0; i < shared.n; i++)
		if (shared.member[i] == f)
			return;
	shared.member = xgrow(shared.member, &shared.cap, shared.n + 1, sizeof(*shared.member));
	f->group = shared.n;
	shared.member[shared.n++] = f;
	shared_changed();
}

static void
leave(struct linescan_member *f)
{
	size_t i;

	for (i = 0; i < shared.n; i++)
		if (shared.member[i] == f)
			break;
	if (i == shared.n)
		return;
	memmove(&shared.member[i], &shared.member[i + 1], (shared.n - i - 1) *
	    sizeof(*shared.member));
	shared.n--;
	for (; i < shared.n; i++)
		shared.member[i]->group = i;
	shared_changed();
	if (shared.n == 0) {
		free(shared.member);
		free(shared.bits);
		strbuf_free(&shared.line);
		memset(&shared, 0, sizeof(shared));
	}
}

/* The shared prefilter, made again after a change; whether it is used. */
static void
shared_make(void)
{
	char *err = NULL;
	size_t g, k = 0;
	const char *force = getenv("F2B_LITE_PREFILTER");
	bool on;

	shared.pf = prefilter_new();
	for (g = 0; g < shared.n; g++)
		shared.member[g]->rules(shared.member[g]->arg, shared.pf,
		    prefilter_group(shared.pf), shared.member[g]->stats);
	prefilter_build(shared.pf, &err);	/* failed: every group a candidate */
	free(err);
	free(shared.bits);
	shared.bits = xcalloc((shared.n + 63) / 64 + 1, sizeof(*shared.bits));
	shared.valid = false;
	for (g = 0; g < shared.n; g++)
		k += prefilter_why(shared.pf, (int)g) == NULL;
	shared.nfiltered = k;
	on = k >= LINESCAN_MIN || (force && strcmp(force, "force") == 0 && k > 0);
	if (on != shared.on || k != shared.said) {
		if (on)
			log_msg(LOG_LVL_INFO, LOG_FILTER, "Prefilter: one scan of each line for "
			    "%zu of %zu filters (%zu texts)", k, shared.n, prefilter_ntexts(shared.pf));
		else if (shared.n > 0)
			log_msg(LOG_LVL_INFO, LOG_FILTER, "Prefilter: not used, %zu of %zu filters "
			    "have texts to look for: a scan pays from %d on", k, shared.n,
			    LINESCAN_MIN);
	}
	shared.on = on;
	shared.said = k;
}

bool
linescan_utf8(const char *line, size_t len, bool *ascii)
{
	if (shared.n == 0)
		return utf8_valid(line, len, ascii);
	if (shared.line.len != len + 1 || memcmp(shared.line.s, line, len) != 0) {
		strbuf_reset(&shared.line);
		strbuf_add(&shared.line, line, len);
		strbuf_addc(&shared.line, '\n');
		shared.utf8 = utf8_valid(line, len, &shared.ascii);
		shared.valid = false;
	}
	*ascii = shared.ascii;
	return shared.utf8;
}

bool
linescan_on(void)
{
	if (shared.pf == NULL && shared.n > 0)
		shared_make();
	return shared.on;
}

static bool
candidate(const struct linescan_member *f)
{
	if (!shared.valid) {
		memset(shared.bits, 0, ((shared.n + 63) / 64 + 1) * sizeof(*shared.bits));
		prefilter_scan(shared.pf, shared.line.s, shared.line.len, shared.bits);
		shared.valid = true;
		shared.scans++;
	}
	return prefilter_bit(shared.bits, (int)f->group);
}

unsigned long
linescan_scans(void)
{
	return shared.scans;
}

bool
linescan_shared(size_t *nfiltered, size_t *nfilters)
{
	if (shared.pf == NULL && shared.n > 0)
		shared_make();
	*nfiltered = shared.nfiltered;
	*nfilters = shared.n;
	return shared.on;
}

void
linescan_changed(struct linescan_member *m)
{
	prefilter_free(m->own);
	m->own = NULL;
	if (m->on)
		shared_changed();
}

void
linescan_set(struct linescan_member *m, bool on, bool stats)
{
	m->stats = stats;
	linescan_changed(m);
	m->on = on;
	if (on)
		join(m);
	else
		leave(m);
}

const struct prefilter *
linescan_own(struct linescan_member *m)
{
	char *err = NULL;

	if (m->on && m->own == NULL) {
		m->own = prefilter_new();
		m->rules(m->arg, m->own, prefilter_group(m->own), m->stats);
		prefilter_build(m->own, &err);	/* failed: a candidate for every text */
		free(err);
	}
	return m->on ? m->own : NULL;
}

bool
linescan_skips(struct linescan_member *m, bool same, const char *s, size_t len, size_t ds,
    size_t de)
{
	const struct prefilter *own = linescan_own(m);

	if (own == NULL || !linescan_on() || prefilter_why(own, 0) != NULL)
		return false;	/* off, not worth a scan, or a candidate whatever the text */
	if (same && (ds == 0 || ds >= de))
		return !candidate(m);
	return prefilter_skips(m->own, s, len, ds, de);
}

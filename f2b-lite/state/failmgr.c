/* failmgr: FailManager and FailTicket counting. */
#include "failmgr.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "addr.h"
#include "dict.h"
#include "pyval.h"
#include "ticket.h"
#include "xmalloc.h"

struct failmgr {
	struct dict	*list;		/* id text -> struct ticket * */
	long		 maxretry;
	double		 findtime;
	long		 maxmatches;
	unsigned long	 total;
};

struct failmgr *
failmgr_new(void)
{
	struct failmgr *fm = xcalloc(1, sizeof(*fm));

	fm->list = dict_new(NULL);	/* tickets are freed here */
	fm->maxretry = 3;
	fm->findtime = 600;
	fm->maxmatches = 5;
	return fm;
}

void
failmgr_free(struct failmgr *fm)
{
	size_t pos = 0;
	void *t;

	if (fm == NULL)
		return;
	while (dict_next(fm->list, &pos, NULL, &t))
		ticket_free(t);
	dict_free(fm->list);
	free(fm);
}

void failmgr_set_maxretry(struct failmgr *fm, long v) { fm->maxretry = v; }
long failmgr_maxretry(const struct failmgr *fm) { return fm->maxretry; }
void failmgr_set_findtime(struct failmgr *fm, double v) { fm->findtime = v; }
double failmgr_findtime(const struct failmgr *fm) { return fm->findtime; }
void failmgr_set_maxmatches(struct failmgr *fm, long v) { fm->maxmatches = v; }
long failmgr_maxmatches(const struct failmgr *fm) { return fm->maxmatches; }

/* The fail table's key: the id's text, whole (buf holds only ADDR_STRLEN bytes of a raw id). */
static const char *
key(const struct addr *id, char *buf)
{
	return addr_str(id, buf, ADDR_STRLEN);
}

/* Keeps the last maxmatches matched lines (none with maxmatches 0). */
static void
truncate_matches(struct failmgr *fm, struct ticket *t)
{
	struct pyval *m = ticket_matches(t), *keep;
	size_t i, n = pyval_len(m);

	if (fm->maxmatches <= 0) {
		if (n)
			pyval_dict_set(t->data, pyval_str("matches"), pyval_list());
		return;
	}
	if ((long)n <= fm->maxmatches)
		return;
	keep = pyval_list();
	for (i = n - (size_t)fm->maxmatches; i < n; i++)
		pyval_append(keep, pyval_copy(pyval_at(m, i)));
	pyval_dict_set(t->data, pyval_str("matches"), keep);
}

/* a + b within a long (a count rescaled by a negative findtime can be anything) */
static long
add_sat(long a, long b)
{
	long r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? LONG_MAX : LONG_MIN;
	return r;
}

/* adjustTime: past the window, the count rescaled by the rate seen so far */
static void
adjust_time(const struct failmgr *fm, struct ticket *t, double time)
{
	if (time <= t->time)
		return;
	if (t->firsttime < time - fm->findtime) {
		/* int(round(...)): Python rounds halves to even; a negative findtime may
		 * reach any double, which is kept within a long (Python's has no end) */
		double r = rint((double)t->retry / (time - t->firsttime) * fm->findtime);

		t->retry = r >= 0x1p63 ? LONG_MAX : r <= -0x1p63 ? LONG_MIN : (long)r;
		t->firsttime = time - fm->findtime;
	}
	t->time = time;
}

long
failmgr_add(struct failmgr *fm, const struct addr *id, double time, struct pyval *data,
    long count)
{
	char buf[ADDR_STRLEN];
	const char *k = key(id, buf);
	struct ticket *t = dict_get(fm->list, k, NULL);

	if (t != NULL) {
		struct pyval *m = pyval_dict_pop(data, "matches");

		adjust_time(fm, t, time);
		/* inc(): the new ticket's data other than its lines is dropped */
		t->retry = add_sat(t->retry, count);
		t->failures += 1;
		if (m && fm->maxmatches > 0) {
			struct pyval *tm = ticket_matches(t);
			size_t i;

			for (i = 0; i < pyval_len(m); i++)
				pyval_append(tm, pyval_copy(pyval_at(m, i)));
		}
		pyval_free(m);
		pyval_free(data);
		truncate_matches(fm, t);	/* only a failure seen before is cut */
	} else {
		t = ticket_new(id, time, data);
		t->retry = count;
		t->failures = 1;
		dict_set(fm->list, k, t);
	}
	fm->total++;
	return t->retry;
}

long
failmgr_add_observed(struct failmgr *fm, const struct addr *id, double time, long count,
    long bancount)
{
	char buf[ADDR_STRLEN];
	struct ticket *t = dict_get(fm->list, key(id, buf), NULL);

	if (t == NULL)
		return -1;	/* banned meanwhile: nothing to add to */
	adjust_time(fm, t, time);
	t->retry = add_sat(t->retry, count);
	t->failures += 1;
	t->bancount = bancount;
	truncate_matches(fm, t);
	return t->retry;
}

struct ticket *
failmgr_toban(struct failmgr *fm, const struct addr *id)
{
	char buf[ADDR_STRLEN];
	const char *k = key(id, buf);
	struct ticket *t = dict_get(fm->list, k, NULL);

	if (t == NULL || t->retry < fm->maxretry)
		return NULL;
	dict_del(fm->list, k);
	return t;
}

void
failmgr_cleanup(struct failmgr *fm, double now)
{
	size_t pos = 0, n = 0, i;
	const char *k;
	void *v;
	char **old = NULL;

	now -= fm->findtime;
	while (dict_next(fm->list, &pos, &k, &v))
		if (((struct ticket *)v)->time <= now) {
			old = xrealloc(old, (n + 1) * sizeof(*old));
			old[n++] = xstrdup(k);
		}
	for (i = 0; i < n; i++) {
		ticket_free(dict_get(fm->list, old[i], NULL));
		dict_del(fm->list, old[i]);
		free(old[i]);
	}
	free(old);
}

size_t
failmgr_size(const struct failmgr *fm)
{
	return dict_len(fm->list);
}

unsigned long
failmgr_total(const struct failmgr *fm)
{
	return fm->total;
}

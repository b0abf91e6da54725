/* banlist: BanManager with a heap of ban ends. */
#include "banlist.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "dict.h"
#include "ticket.h"
#include "xmalloc.h"

struct endent {
	double		 end;
	unsigned long	 seq;	/* equal ends: in ban order */
	char		*key;
};

struct banlist {
	struct dict	*bans;		/* id text -> ticket (freed here) */
	long long	 bantime;
	unsigned long	 total, seq;
	struct endent	*heap;		/* ends; stale entries skipped lazily */
	size_t		 nheap, capheap;
};

struct banlist *
banlist_new(void)
{
	struct banlist *b = xcalloc(1, sizeof(*b));

	b->bans = dict_new(NULL);
	b->bantime = 600;
	return b;
}

void
banlist_free(struct banlist *b)
{
	size_t pos = 0, i;
	void *t;

	if (b == NULL)
		return;
	while (dict_next(b->bans, &pos, NULL, &t))
		ticket_free(t);
	dict_free(b->bans);
	for (i = 0; i < b->nheap; i++)
		free(b->heap[i].key);
	free(b->heap);
	free(b);
}

long long banlist_bantime(const struct banlist *b) { return b->bantime; }

/* ---- the heap of ends ---------------------------------------------------- */

static bool
earlier(const struct endent *a, const struct endent *b)
{
	return a->end < b->end || (a->end == b->end && a->seq < b->seq);
}

static void
heap_push(struct banlist *b, double end, const char *key)
{
	size_t i;

	if (end < 0)
		return;		/* permanent */
	b->heap = xgrow(b->heap, &b->capheap, b->nheap + 1, sizeof(*b->heap));
	i = b->nheap++;
	b->heap[i].end = end;
	b->heap[i].seq = b->seq++;
	b->heap[i].key = xstrdup(key);
	while (i > 0 && earlier(&b->heap[i], &b->heap[(i - 1) / 2])) {
		struct endent t = b->heap[i];

		b->heap[i] = b->heap[(i - 1) / 2];
		b->heap[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

static void
heap_pop(struct banlist *b)
{
	size_t i = 0;

	free(b->heap[0].key);
	b->heap[0] = b->heap[--b->nheap];
	for (;;) {
		size_t c = 2 * i + 1, m = i;
		struct endent t;

		if (c < b->nheap && earlier(&b->heap[c], &b->heap[m]))
			m = c;
		if (c + 1 < b->nheap && earlier(&b->heap[c + 1], &b->heap[m]))
			m = c + 1;
		if (m == i)
			break;
		t = b->heap[i];
		b->heap[i] = b->heap[m];
		b->heap[m] = t;
		i = m;
	}
}

/* Drops heap tops that no longer stand for a ban ending then. */
static void
heap_clean(struct banlist *b)
{
	while (b->nheap > 0) {
		struct ticket *t = dict_get(b->bans, b->heap[0].key, NULL);

		if (t != NULL && ticket_ban_end(t, b->bantime) == b->heap[0].end)
			return;
		heap_pop(b);
	}
}

/* The bans that take the jail's bantime end elsewhere now: the heap anew. */
void
banlist_set_bantime(struct banlist *b, long long v)
{
	size_t pos = 0, i;
	const char *k;
	void *t;

	if (v == b->bantime)
		return;
	b->bantime = v;
	for (i = 0; i < b->nheap; i++)
		free(b->heap[i].key);
	b->nheap = 0;
	while (dict_next(b->bans, &pos, &k, &t))
		heap_push(b, ticket_ban_end(t, b->bantime), k);
}

/* ---- bans ---------------------------------------------------------------- */

enum ban_result
banlist_add(struct banlist *b, struct ticket *t, double now, struct ticket **old)
{
	char buf[ADDR_STRLEN];
	const char *key;
	double eob = ticket_ban_end(t, b->bantime);
	struct ticket *o;

	*old = NULL;
	if (eob >= 0 && eob < now)
		return BAN_EXPIRED;
	key = addr_str(&t->id, buf, sizeof(buf));
	if ((o = dict_get(b->bans, key, NULL)) != NULL) {
		double oeob = ticket_ban_end(o, b->bantime);

		*old = o;
		if (oeob >= 0 && (eob < 0 || eob > oeob)) {
			long long btm = t->bantime != TICKET_BANTIME_UNSET ? t->bantime :
			    b->bantime;

			if (btm != -1 && t->time - o->time > 0)
				btm += (long long)(t->time - o->time);
			o->bantime = btm;
			heap_push(b, ticket_ban_end(o, b->bantime), key);
		}
		return BAN_ALREADY;
	}
	dict_set(b->bans, key, t);
	b->total++;
	t->bancount++;
	heap_push(b, eob, key);
	return BAN_NEW;
}

struct ticket *
banlist_get(const struct banlist *b, const struct addr *id)
{
	char key[ADDR_STRLEN];

	return dict_get(b->bans, addr_str(id, key, sizeof(key)), NULL);
}

struct ticket *
banlist_covering(const struct banlist *b, const struct addr *id, int plen4, int plen6)
{
	struct ticket *t = banlist_get(b, id);
	struct addr net;

	if (t != NULL)
		return t;
	if (addr_prefix(&net, id, plen4, plen6))
		t = banlist_get(b, &net);
	addr_clear(&net);
	return t;
}

struct ticket *
banlist_remove(struct banlist *b, const struct addr *id)
{
	char buf[ADDR_STRLEN];
	const char *key = addr_str(id, buf, sizeof(buf));
	struct ticket *t = dict_get(b->bans, key, NULL);

	if (t != NULL)
		dict_del(b->bans, key);
	return t;
}

struct ticket *
banlist_pop_expired(struct banlist *b, double now)
{
	struct ticket *t;

	heap_clean(b);
	if (b->nheap == 0 || !(now > b->heap[0].end))
		return NULL;
	t = dict_get(b->bans, b->heap[0].key, NULL);
	dict_del(b->bans, b->heap[0].key);
	heap_pop(b);
	return t;
}

double
banlist_next_end(struct banlist *b)
{
	heap_clean(b);
	return b->nheap ? b->heap[0].end : -1;
}

size_t
banlist_size(const struct banlist *b)
{
	return dict_len(b->bans);
}

unsigned long
banlist_total(const struct banlist *b)
{
	return b->total;
}

struct ticket *
banlist_next(const struct banlist *b, size_t *pos)
{
	void *t;

	return dict_next(b->bans, pos, NULL, &t) ? t : NULL;
}

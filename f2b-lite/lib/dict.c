/*
 * dict: insertion-ordered string map.  Entries live in an array in insertion
 * order; an open-addressing index of entry numbers gives O(1) lookup.  Deleted
 * entries leave a hole in the array that iteration skips; the array is
 * compacted when the index is rebuilt.
 */
#include "dict.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

struct dict_entry {
	char		*key;
	void		*val;
	uint32_t	 hash;
	bool		 live;
};

struct dict {
	struct dict_entry *ent;
	size_t		 nent;		/* used slots in ent, live or not */
	size_t		 capent;
	size_t		 nlive;
	size_t		 head;		/* entries before it are all deleted */
	int32_t		*index;		/* -1 empty, -2 deleted, else entry number */
	size_t		 nindex;	/* power of two */
	dict_free_fn	*freefn;
};

/* A multiplicative hash eight bytes at a time (keys are often ~20 bytes). */
static uint32_t
dict_hash(const char *s)
{
	size_t n = strlen(s);
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w;

	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	if (n) {
		w = 0;
		memcpy(&w, s, n);
		h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	}
	h ^= h >> 29;
	h *= 0x9e3779b97f4a7c15ULL;
	return (uint32_t)(h >> 32);
}

struct dict *
dict_new(dict_free_fn *freefn)
{
	struct dict *d = xcalloc(1, sizeof(*d));

	d->freefn = freefn;
	return d;
}

void
dict_free(struct dict *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->nent; i++) {
		if (!d->ent[i].live)
			continue;
		free(d->ent[i].key);
		if (d->freefn && d->ent[i].val)
			d->freefn(d->ent[i].val);
	}
	free(d->ent);
	free(d->index);
	free(d);
}

size_t
dict_len(const struct dict *d)
{
	return d->nlive;
}

/* Returns the index slot holding key, or the empty slot where it would go. */
static size_t
dict_slot(const struct dict *d, const char *key, uint32_t h, bool *hit)
{
	size_t mask = d->nindex - 1, i = h & mask, firstdel = (size_t)-1;

	for (;;) {
		int32_t e = d->index[i];

		if (e == -1) {
			*hit = false;
			return firstdel != (size_t)-1 ? firstdel : i;
		}
		if (e == -2) {
			if (firstdel == (size_t)-1)
				firstdel = i;
		} else if (d->ent[e].hash == h && strcmp(d->ent[e].key, key) == 0) {
			*hit = true;
			return i;
		}
		i = (i + 1) & mask;
	}
}

static void
dict_rebuild(struct dict *d, size_t want)
{
	size_t i, j, n = 16;
	bool hit;

	/* compact the entry array */
	for (i = j = 0; i < d->nent; i++)
		if (d->ent[i].live)
			d->ent[j++] = d->ent[i];
	d->nent = j;
	d->head = 0;
	while (n < want * 2)
		n *= 2;
	free(d->index);
	d->index = xmalloc(n * sizeof(*d->index));
	d->nindex = n;
	for (i = 0; i < n; i++)
		d->index[i] = -1;
	for (i = 0; i < d->nent; i++)
		d->index[dict_slot(d, d->ent[i].key, d->ent[i].hash, &hit)] =
		    (int32_t)i;
}

void *
dict_get(const struct dict *d, const char *key, bool *found)
{
	bool hit = false;
	size_t s;

	if (d != NULL && d->nlive > 0) {
		s = dict_slot(d, key, dict_hash(key), &hit);
		if (hit) {
			if (found)
				*found = true;
			return d->ent[d->index[s]].val;
		}
	}
	if (found)
		*found = false;
	return NULL;
}

bool
dict_has(const struct dict *d, const char *key)
{
	bool found;

	dict_get(d, key, &found);
	return found;
}

void
dict_set(struct dict *d, const char *key, void *val)
{
	uint32_t h = dict_hash(key);
	struct dict_entry *e;
	bool hit = false;
	size_t s;

	if (d->nindex == 0 || (d->nent + 1) * 2 > d->nindex)
		dict_rebuild(d, d->nlive + 1);
	s = dict_slot(d, key, h, &hit);
	if (hit) {
		e = &d->ent[d->index[s]];
		if (d->freefn && e->val && e->val != val)
			d->freefn(e->val);
		e->val = val;
		return;
	}
	d->ent = xgrow(d->ent, &d->capent, d->nent + 1, sizeof(*d->ent));
	e = &d->ent[d->nent];
	e->key = xstrdup(key);
	e->val = val;
	e->hash = h;
	e->live = true;
	d->index[s] = (int32_t)d->nent;
	d->nent++;
	d->nlive++;
}

/* Removes the live entry e, whose index slot is s. */
static void
remove_entry(struct dict *d, struct dict_entry *e, size_t s)
{
	free(e->key);
	if (d->freefn && e->val)
		d->freefn(e->val);
	e->key = NULL;
	e->val = NULL;
	e->live = false;
	d->index[s] = -2;
	d->nlive--;
	/* deleting the oldest entries (a cache's eviction) must not make
	 * iteration from the start walk over ever more holes */
	while (d->head < d->nent && !d->ent[d->head].live)
		d->head++;
}

bool
dict_del(struct dict *d, const char *key)
{
	bool hit = false;
	size_t s;

	if (d->nlive == 0)
		return false;
	s = dict_slot(d, key, dict_hash(key), &hit);
	if (!hit)
		return false;
	remove_entry(d, &d->ent[d->index[s]], s);
	return true;
}

bool
dict_shift(struct dict *d)
{
	struct dict_entry *e;
	bool hit = false;
	size_t s;

	if (d->nlive == 0)
		return false;
	e = &d->ent[d->head];	/* live: head skips the deleted ones */
	s = dict_slot(d, e->key, e->hash, &hit);
	remove_entry(d, e, s);
	return true;
}

bool
dict_next(const struct dict *d, size_t *pos, const char **key, void **val)
{
	if (d == NULL)
		return false;
	if (*pos < d->head)
		*pos = d->head;
	while (*pos < d->nent) {
		const struct dict_entry *e = &d->ent[(*pos)++];

		if (!e->live)
			continue;
		if (key)
			*key = e->key;
		if (val)
			*val = e->val;
		return true;
	}
	return false;
}

struct dict *
dict_copy(const struct dict *d, dict_copy_fn *copy)
{
	struct dict *n = dict_new(copy ? d->freefn : NULL);
	const char *k;
	void *v;
	size_t pos = 0;

	while (dict_next(d, &pos, &k, &v))
		dict_set(n, k, copy && v ? copy(v) : v);
	return n;
}

void *
dict_copy_str(const void *p)
{
	return p ? xstrdup(p) : NULL;
}

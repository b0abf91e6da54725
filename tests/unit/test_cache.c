/*
 * Unit tests for cache: Utils.Cache's rules - entries live maxtime, an
 * expired one is dropped by the lookup, a key set again keeps its place,
 * and a full cache drops from the front (expired or not) until a live
 * entry has left a free slot.
 */
#include <stdlib.h>

#include "cache.h"
#include "tap.h"
#include "xmalloc.h"

static int nfreed;

static void
count_free(void *p)
{
	nfreed++;
	free(p);
}

int
main(void)
{
	struct cache *c = cache_new(3, 10, count_free);
	char *v;

	cache_set(c, "a", xstrdup("A"), 0);
	is_str(cache_get(c, "a", 5), "A", "an entry lives maxtime");
	ok(cache_get(c, "a", 10) == NULL && nfreed == 1, "at maxtime it is gone, and freed");
	ok(cache_get(c, "zz", 0) == NULL, "an unknown key: NULL");

	/* full: a, b, c set at 0, 1, 2; d at 3 drops a alone */
	nfreed = 0;
	cache_set(c, "a", xstrdup("A"), 0);
	cache_set(c, "b", xstrdup("B"), 1);
	cache_set(c, "c", xstrdup("C"), 2);
	cache_set(c, "d", xstrdup("D"), 3);
	ok(cache_get(c, "a", 3) == NULL && cache_get(c, "b", 3) && cache_get(c, "c", 3) &&
	    cache_get(c, "d", 3) && nfreed == 1, "full: the oldest live entry makes room");
	/* at 11.5 b has expired, c not: e drops b, then c (the first live one) */
	nfreed = 0;
	cache_set(c, "e", xstrdup("E"), 11.5);
	ok(cache_get(c, "d", 11.5) != NULL && cache_get(c, "e", 11.5) != NULL && nfreed == 2,
	    "expired entries go from the front, up to the first live one (%d freed)", nfreed);

	/* a key set again keeps its place and its new value */
	cache_set(c, "f", xstrdup("F"), 12);
	nfreed = 0;
	v = xstrdup("E2");
	cache_set(c, "e", v, 12);
	ok(cache_get(c, "e", 12) == v && nfreed == 1, "set again: the new value, the old freed");
	cache_set(c, "e", v, 12);
	ok(nfreed == 1, "set again with the same value: nothing freed");
	cache_set(c, "g", xstrdup("G"), 12);
	cache_set(c, "h", xstrdup("H"), 13);
	ok(cache_get(c, "e", 13) == NULL && cache_get(c, "f", 13) && cache_get(c, "h", 13),
	    "... and stays first in line");
	cache_del(c, "f");
	ok(cache_get(c, "f", 13) == NULL, "unset drops an entry");
	cache_free(c);
	return tap_done();
}

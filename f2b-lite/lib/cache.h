/*
 * cache: fail2ban's Utils.Cache - a dict whose entries live maxtime
 * seconds, at most maxcount of them.  A lookup drops an expired entry; a
 * new entry goes to the end, and when the cache is full entries go from the
 * front, expired or not, until a live one has left a free slot behind it.
 * Serves the DNS caches, the mlfid cache and ignorecache.  The caller gives
 * the time (each has its own clock).  Leaf module.
 */
#ifndef F2B_CACHE_H
#define F2B_CACHE_H

#include <stddef.h>

#include "dict.h"

struct cache;

/* freeval (may be NULL) releases a value that is dropped or replaced. */
struct cache	*cache_new(size_t maxcount, double maxtime, dict_free_fn *freeval);
void		 cache_free(struct cache *);
/* Utils.Cache.get: key's value while it lives, else NULL (and it is dropped). */
void		*cache_get(struct cache *, const char *key, double now);
/*
 * Utils.Cache.set: val (taken) for key until now + maxtime.  A key already
 * there keeps its place and gets the new value (val may be the same one).
 */
void		 cache_set(struct cache *, const char *key, void *val, double now);
/* Utils.Cache.unset: drops key's entry, if any. */
void		 cache_del(struct cache *, const char *key);

#endif

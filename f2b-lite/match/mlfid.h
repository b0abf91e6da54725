/*
 * mlfid: multi-line failures merged by connection (fail2ban's <F-MLFID>,
 * Filter._mergeFailure in server/filter.py).  Leaf module (uses cache,
 * pyval, strbuf): no logging.
 */
#ifndef F2B_MLFID_H
#define F2B_MLFID_H

#include <stdbool.h>
#include <stddef.h>

struct cache;
struct pyval;
struct strbuf;

/*
 * The cache key of an mlfid in key: a str's text with its NULs and
 * backslashes escaped, or for a tuple "\\T" and its repr.  v: the value, or
 * NULL for the str s of len bytes.
 */
void		 mlfid_key(struct strbuf *key, const char *s, size_t len,
		    const struct pyval *v);
/*
 * _mergeFailure: merges failure fail (taken) into the state cached under
 * key in c (read at time now); returns the merged dict, owned by the cache
 * when *cached.  matched: the lines matched (its items may move).
 */
struct pyval	*mlfid_merge(struct cache *c, double now, const char *key,
		    struct pyval *fail, struct pyval *matched, bool *cached);

#endif

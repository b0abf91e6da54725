/* cache: Utils.Cache over an insertion-ordered dict (see cache.h). */
#include "cache.h"

#include <stdbool.h>
#include <stdlib.h>

#include "xmalloc.h"

struct entry {
	void		*val;
	double		 expires;
	dict_free_fn	*freeval;
};

struct cache {
	struct dict	*d;		/* key -> struct entry * */
	size_t		 maxcount;
	double		 maxtime;
	dict_free_fn	*freeval;
};

static void
entry_free(void *p)
{
	struct entry *e = p;

	if (e->freeval)
		e->freeval(e->val);
	free(e);
}

struct cache *
cache_new(size_t maxcount, double maxtime, dict_free_fn *freeval)
{
	struct cache *c = xcalloc(1, sizeof(*c));

	c->d = dict_new(entry_free);
	c->maxcount = maxcount > 0 ? maxcount : 1;
	c->maxtime = maxtime;
	c->freeval = freeval;
	return c;
}

void
cache_free(struct cache *c)
{
	if (c == NULL)
		return;
	dict_free(c->d);
	free(c);
}

void *
cache_get(struct cache *c, const char *key, double now)
{
	struct entry *e = dict_get(c->d, key, NULL);

	if (e == NULL)
		return NULL;
	if (e->expires > now)
		return e->val;
	dict_del(c->d, key);
	return NULL;
}

void
cache_set(struct cache *c, const char *key, void *val, double now)
{
	struct entry *e = dict_get(c->d, key, NULL);

	if (e != NULL) {
		if (e->val != val && e->freeval)
			e->freeval(e->val);
		e->val = val;
		e->expires = now + c->maxtime;
		return;
	}
	if (dict_len(c->d) >= c->maxcount) {
		size_t pos;
		void *v;

		while (pos = 0, dict_next(c->d, &pos, NULL, &v)) {
			bool live = ((struct entry *)v)->expires > now;

			dict_shift(c->d);
			if (live && dict_len(c->d) < c->maxcount)
				break;
		}
	}
	e = xmalloc(sizeof(*e));
	e->val = val;
	e->expires = now + c->maxtime;
	e->freeval = c->freeval;
	dict_set(c->d, key, e);
}

void
cache_del(struct cache *c, const char *key)
{
	dict_del(c->d, key);
}

/*
 * tagsub: fail2ban's recursive <tag> substitution (helpers.py
 * substituteRecursiveTags): each value's <name> references are replaced by
 * other values of the same set, inner tags first, so <a-<b>> works; unknown
 * tags stay as they are; self references and more than 25 replacements of
 * one tag are errors.  Leaf module.
 */
#ifndef F2B_TAGSUB_H
#define F2B_TAGSUB_H

#include <stdbool.h>
#include <stddef.h>

struct dict;

/*
 * Looks up a tag the set does not hold; returns a heap string or NULL.
 * *err is set (heap message) to abort the substitution.
 */
typedef char *tagsub_lookup_fn(void *arg, const char *tag, char **err);

/*
 * Substitutes in place in tags (name -> heap char *, NULL values are left
 * alone).  Names in ignore (a dict used as a set, may be NULL) are neither
 * substituted nor replaced.  With conditional ("family=inet6"), a tag
 * "name?conditional" is preferred to "name".  Returns 0, or -1 with a heap
 * message in *err.
 */
int	 tagsub_resolve(struct dict *tags, const char *conditional,
	    const struct dict *ignore, tagsub_lookup_fn *lookup, void *arg,
	    char **err);

/*
 * Finds the next <tag> in s at or after from: returns its start and sets
 * *name and *namelen, or returns NULL.
 */
const char *tagsub_find(const char *s, const char *from, const char **name,
	    size_t *namelen);

#endif

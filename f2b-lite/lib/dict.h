/*
 * dict: an insertion-ordered map from strings to pointers, with Python's dict
 * semantics (setting an existing key keeps its position; deleting keeps the
 * order of the rest).  fail2ban's output order is dict order, so this is what
 * makes our command stream line up with fail2ban's.
 *
 * The dict owns its keys (copied) and its values: a value is released with the
 * free function given to dict_new() when it is replaced, deleted or the dict
 * is freed.
 */
#ifndef F2B_DICT_H
#define F2B_DICT_H

#include <stdbool.h>
#include <stddef.h>

struct dict;

typedef void dict_free_fn(void *);
typedef void *dict_copy_fn(const void *);

struct dict *dict_new(dict_free_fn *);
void	 dict_free(struct dict *);
size_t	 dict_len(const struct dict *);
/* Returns the value for key, or NULL; *found tells apart a stored NULL. */
void	*dict_get(const struct dict *, const char *key, bool *found);
bool	 dict_has(const struct dict *, const char *key);
/* Stores val under key; an old value is freed, the position kept. */
void	 dict_set(struct dict *, const char *key, void *val);
/* Removes key; returns true if it was present. */
bool	 dict_del(struct dict *, const char *key);
/* Removes the oldest entry (the first in order); false when empty. */
bool	 dict_shift(struct dict *);
/*
 * Iterates in insertion order: start with *pos = 0; returns false at the end.
 * The dict must not be changed during iteration except through dict_set on
 * keys already present.
 */
bool	 dict_next(const struct dict *, size_t *pos, const char **key, void **val);
/*
 * Returns a copy; values are duplicated with copy.  With copy NULL the values
 * are shared and the copy does not free them.
 */
struct dict *dict_copy(const struct dict *, dict_copy_fn *copy);
/* A dict_copy_fn for string values (char *, NULL kept). */
void	*dict_copy_str(const void *);

#endif

/*
 * packval: a failure's data (a pyval: the regex groups, "matches") as one
 * compact run of bytes, and back.  The fail table keeps each tracked id's
 * data this way - one allocation per id instead of a node per value - and
 * decodes it only when the id leaves the table.  The encoding keeps every
 * type, every dict's order and every string's bytes (str and bytes apart,
 * tuples and lists apart), so a round trip gives an equal value; the
 * common dict keys and a str equal to the id's text take one byte.
 * Leaf module.
 */
#ifndef F2B_PACKVAL_H
#define F2B_PACKVAL_H

#include <stdbool.h>
#include <stddef.h>

struct pyval;
struct strbuf;

/* Appends v's encoding to out; a str equal to idtext (may be NULL) is a mark. */
void		 packval_put(struct strbuf *out, const struct pyval *v, const char *idtext);
/*
 * The value encoded at *p (by packval_put with the same idtext), *p moved
 * past it.  The bytes must be packval_put's: they are not checked.
 */
struct pyval	*packval_get(const unsigned char **p, const char *idtext);
/* Moves *p past one encoded value. */
void		 packval_skip(const unsigned char **p);
/*
 * Where the top-level dict encoded at p holds a list under the str key
 * "matches": *items at its first item, *n its length, *end past it; *tag at
 * the list's tag.  False when p is no dict or has no such list.
 */
bool		 packval_find_matches(const unsigned char *p, const unsigned char **tag,
		    const unsigned char **items, size_t *n, const unsigned char **end);
/* Appends n as a base-128 varint; packval_uget() reads one back. */
void		 packval_uput(struct strbuf *out, unsigned long long n);
unsigned long long packval_uget(const unsigned char **p);

#endif

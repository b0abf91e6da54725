/*
 * rx: regular expressions, the only user of PCRE2.  Patterns are compiled
 * with UTF and UCP so \w, \s and \d mean what they mean in Python 3 str
 * patterns, with LF newlines, and JIT-compiled when the platform allows.
 * Leaf module: errors come back as heap strings.
 */
#ifndef F2B_RX_H
#define F2B_RX_H

#include <stdbool.h>
#include <stddef.h>

struct rx;

#define RX_DOTALL	0x01	/* Python re.DOTALL */
#define RX_MULTILINE	0x02	/* Python re.MULTILINE */
#define RX_CASELESS	0x04	/* Python re.IGNORECASE */

/* Sentinel for an unset group in a span array. */
#define RX_UNSET	((size_t)-1)

/* Compiles pattern; returns NULL and a heap message in *err on failure. */
struct rx	*rx_compile(const char *pattern, unsigned flags, char **err);
void		 rx_free(struct rx *);
/* Number of capturing groups. */
int		 rx_ngroups(const struct rx *);
/* Group number of a named group, or -1. */
int		 rx_group_number(const struct rx *, const char *name);
/*
 * Searches subj[0..len) starting at start (anchored there when anchored is
 * true).  On a match fills span[2*i], span[2*i+1] with the offsets of group
 * i for i < nspan (RX_UNSET when the group did not take part) and returns
 * 1; returns 0 for no match and -1 when a resource limit stopped matching.
 */
int		 rx_search(const struct rx *, const char *subj, size_t len,
		    size_t start, bool anchored, size_t *span, int nspan);

#endif

/*
 * rx: regular expressions, the only user of PCRE2.  Patterns are written in
 * Python's re dialect (fail2ban's filters are) and compiled so that they
 * behave as Python 3 does on str: UTF and UCP (so \w, \s, \d and \b are
 * Unicode-aware), LF newlines, and the few spellings PCRE2 reads otherwise
 * rewritten: the "u" inline flag, {,n} and \Z.  Patterns are JIT-compiled
 * where the platform allows, and every match runs under match and depth
 * limits so that no pattern can hang the caller.
 *
 * Subjects must be valid UTF-8 (see utf8_sanitize()).  Leaf module: errors
 * come back as heap strings or return codes.
 */
#ifndef F2B_RX_H
#define F2B_RX_H

#include <stdbool.h>
#include <stddef.h>

struct rx;

#define RX_DOTALL	0x01	/* Python re.DOTALL */
#define RX_MULTILINE	0x02	/* Python re.MULTILINE */
#define RX_CASELESS	0x04	/* Python re.IGNORECASE */
#define RX_LITERAL	0x08	/* the pattern is PCRE2 syntax: no dialect rewrite */
#define RX_DUPNAMES	0x10	/* groups may share a name (combined patterns) */

/* Sentinel for an unset group in a span array. */
#define RX_UNSET	((size_t)-1)

/* Results of rx_search(). */
#define RX_MATCH	1
#define RX_NOMATCH	0
#define RX_LIMIT	(-1)	/* match or depth limit reached: treated as no match */
#define RX_ERROR	(-2)

/* Compiles pattern; returns NULL and a heap message in *err on failure. */
struct rx	*rx_compile(const char *pattern, unsigned flags, char **err);
void		 rx_free(struct rx *);
/*
 * Reading a pattern: the end of the class at p ('[', a [:name:] inside
 * included), and of the group or class at p ('(' or '['; classes and escapes
 * inside skipped).  Unterminated: the end of the string.
 */
const char	*rx_skip_class(const char *p);
const char	*rx_skip_group(const char *p);
/* The pattern as given to rx_compile(). */
const char	*rx_pattern(const struct rx *);
/* Number of capturing groups. */
int		 rx_ngroups(const struct rx *);
/* Group number of a named group, or -1. */
int		 rx_group_number(const struct rx *, const char *name);
/* Name of group i (1-based), or NULL when it has none. */
const char	*rx_group_name(const struct rx *, int i);
/*
 * Searches subj[start..len) (len acts as Python's endpos); anchored at start
 * when anchored is true.  On a match fills span[2*i], span[2*i+1] with the
 * byte offsets of group i for i < nspan (RX_UNSET when the group did not take
 * part).  Returns RX_MATCH, RX_NOMATCH, RX_LIMIT or RX_ERROR.  subj[0..len)
 * must be valid UTF-8 (the filter's lines are made so): the JIT code does
 * not check, and invalid UTF-8 there is undefined behaviour.
 */
int		 rx_search(const struct rx *, const char *subj, size_t len,
		    size_t start, bool anchored, size_t *span, int nspan);
/* rx_search() for text of any bytes (settings, commands): not UTF-8, no match. */
int		 rx_search_text(const struct rx *, const char *subj, size_t len,
		    size_t start, bool anchored, size_t *span, int nspan);
/*
 * rx_search() for a subject known to hold only ASCII bytes (see
 * rx_ascii()): the same result, found faster where the pattern allows
 * matching without UTF.
 */
int		 rx_search_ascii(const struct rx *, const char *subj, size_t len,
		    size_t start, bool anchored, size_t *span, int nspan);
/* Whether s[0..n) is all ASCII. */
bool		 rx_ascii(const char *s, size_t n);
/*
 * A literal text every match of the Python-dialect pattern must contain
 * (the longest one found at the top level), or NULL when none can be
 * proven.  A subject without it cannot match: memmem() first is much
 * cheaper than running a backtracking pattern to failure.
 */
char		*rx_required_literal(const char *pattern);
/*
 * Every such literal of at least min bytes, longest first, leaving out
 * those inside another (a subject must contain them all): a heap array of
 * heap strings, *n of them, or NULL.  A pattern that is all literal text
 * gives that text, however short.
 */
char		**rx_required_literals(const char *pattern, size_t min, size_t *n);
/* Rewrites a Python pattern into PCRE2 syntax (heap string). */
char		*rx_translate(const char *pattern);
/*
 * Whether rx_search() rules out most subjects without running the pattern:
 * the pattern is anchored and PCRE2 knows which bytes can start a match.
 */
bool		 rx_start_filtered(const struct rx *);
/*
 * False when rx_search() from start cannot match, by the cheap checks above
 * (length, start byte); true means it may.
 */
bool		 rx_may_match(const struct rx *, const char *subj, size_t len,
		    size_t start);
/* False when no match of rx_search() from start can begin with byte c. */
bool		 rx_may_start_with(const struct rx *, unsigned char c);
/* Sets the match limit used by every search (0 restores the default). */
void		 rx_set_match_limit(unsigned long);

#endif

/*
 * failregex: one fail2ban regex (server/failregex.py Regex and FailRegex):
 * fail2ban's tags expanded (<HOST>, <ADDR>, <IP4>, <IP6>, <DNS>, <CIDR>,
 * <SUBNET>, <F-ID/>, <F-PORT/>, <F-NAME>...</F-NAME> with F-ALT_* and
 * F-TUPLE_* merging, <F-MLFID>, <F-NOFAIL>, <F-MLFFORGET>, <F-MLFGAINED>,
 * <F-CONTENT>, <SKIPLINES>), the ((?i)...) to (?i:...) rewrite, and the
 * bookkeeping of which buffered lines a match covers.
 */
#ifndef F2B_FAILREGEX_H
#define F2B_FAILREGEX_H

#include <stdbool.h>
#include <stddef.h>

struct pyval;
struct rx;
struct strbuf;

/* Most capture groups of a failregex we keep spans for. */
#define FAILREGEX_MAXGROUPS	64

struct failregex;

/* A match: spans of every group (RX_UNSET when a group did not take part). */
struct failregex_match {
	size_t	 span[2 * FAILREGEX_MAXGROUPS];
	int	 ngroups;
};

/* Regex._resolveHostTag: the expanded pattern (heap). usedns is "no" or not. */
char	*failregex_expand(const char *regex, const char *usedns);
/*
 * Regex(regex, multiline, useDns).  Returns NULL and fail2ban's message in
 * *err ("Cannot add empty regex", "Unable to compile regular expression ...").
 */
struct failregex *failregex_new(const char *regex, bool multiline,
	    const char *usedns, char **err);
void	 failregex_free(struct failregex *);
/* The expanded pattern (getRegex). */
const char *failregex_pattern(const struct failregex *);
/* Whether the regex has any of fid, ip4, ip6, dns, mlfid (FailRegex check). */
bool	 failregex_has_id(const struct failregex *);
/*
 * Searches buf; returns RX_MATCH, RX_NOMATCH or RX_LIMIT (see rx.h).  The
 * match keeps offsets into buf.
 */
int	 failregex_search(const struct failregex *, const char *buf, size_t len,
	    struct failregex_match *);
/*
 * groupdict(), with F-ALT_ and F-TUPLE_ merged (getGroups): a dict of the
 * named groups in group order, None for groups that did not take part.
 */
struct pyval *failregex_groups(const struct failregex *, const char *buf,
	    const struct failregex_match *);
/* The text of a named group, or NULL. */
const char *failregex_group(const struct failregex *, const char *buf,
	    const struct failregex_match *, const char *name, size_t *len);
/*
 * Which buffered lines the match covers: lines [first, last) of buf
 * (Regex.search's lineCount1/lineCount2).
 */
void	 failregex_line_range(const char *buf, size_t len,
	    const struct failregex_match *, size_t *first, size_t *last);
/*
 * A pattern matching wherever any of the regexes matches (their
 * alternation): a line it does not match cannot match any of them.  Returns
 * NULL when it cannot be built.  The caller frees it with rx_free().
 */
struct rx *failregex_union(struct failregex *const *, size_t n, bool multiline);
/*
 * The lines captured by <SKIPLINES> groups, NUL-separated in out; returns
 * their number.
 */
size_t	 failregex_skipped(const struct failregex *, const char *buf,
	    const struct failregex_match *, struct strbuf *out);

#endif

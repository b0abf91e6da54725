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
#include <stdint.h>

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
 * Searches buf (ascii: known to be all ASCII, rx_ascii(), which is faster);
 * returns RX_MATCH, RX_NOMATCH or RX_LIMIT (see rx.h).  The match keeps
 * offsets into buf.
 */
int	 failregex_search(const struct failregex *, const char *buf, size_t len,
	    bool ascii, struct failregex_match *);
/*
 * The texts every match contains (rx_required_literals()): a buffer without
 * one of them cannot match.  A caller holding many regexes can test each
 * distinct text once per buffer, then search with failregex_search_checked()
 * (ascii: the buffer is all ASCII), which leaves the texts out.
 */
size_t	 failregex_nliterals(const struct failregex *);
const char *failregex_literal(const struct failregex *, size_t i);
bool	 failregex_has_literal(const struct failregex *, size_t i, const char *buf,
	    size_t len);
int	 failregex_search_checked(const struct failregex *, const char *buf,
	    size_t len, bool ascii, struct failregex_match *);
/*
 * Tunes how the texts are looked for to byte counts (freq[256]) of nlines
 * lines of the log at hand: the rarest bytes there are the quickest to find.
 * Only speed changes.
 */
void	 failregex_tune(struct failregex *, const uint64_t *freq, uint64_t nlines);
/*
 * groupdict(), with F-ALT_ and F-TUPLE_ merged (getGroups): a dict of the
 * named groups in group order, None for groups that did not take part.
 */
struct pyval *failregex_groups(const struct failregex *, const char *buf,
	    const struct failregex_match *);
/* Groups the multi-line failure logic decides on, for failregex_key(). */
enum failregex_key {
	FAILREGEX_MLFID,
	FAILREGEX_NOFAIL,
	FAILREGEX_MLFGAINED,
	FAILREGEX_MLFFORGET,
	FAILREGEX_NKEYS
};

/*
 * A key of groups() read straight from the match: -1 when the regex has no
 * such group, 0 when it is None, 1 with its text in *s, *len.
 */
int	 failregex_key(const struct failregex *, const char *buf,
	    const struct failregex_match *, enum failregex_key, const char **s,
	    size_t *len);
/*
 * Whether groups() is the plain groupdict (no F-ALT_/F-TUPLE_ merging) and
 * holds no key the multi-line logic keeps state in (mlfpending, users,
 * matches, nofail-matches).
 */
bool	 failregex_plain(const struct failregex *);
/* The text of a named group, or NULL. */
const char *failregex_group(const struct failregex *, const char *buf,
	    const struct failregex_match *, const char *name, size_t *len);
/* failregex_group() of "content" (<F-CONTENT>), looked up once. */
const char *failregex_content(const struct failregex *, const char *buf,
	    const struct failregex_match *, size_t *len);
/*
 * Which buffered lines the match covers: lines [first, last) of buf
 * (Regex.search's lineCount1/lineCount2).
 */
void	 failregex_line_range(const char *buf, size_t len,
	    const struct failregex_match *, size_t *first, size_t *last);
/*
 * Whether failregex_search() rules out most lines without running the
 * pattern (a literal every match holds, or an anchored start).
 */
bool	 failregex_guarded(const struct failregex *);
/* False when no match in a buffer starting with byte c is possible. */
bool	 failregex_may_start_with(const struct failregex *, unsigned char c);
/*
 * A pattern matching wherever any of the regexes that are not guarded
 * matches (their alternation): a line it does not match cannot match any of
 * them.  Returns NULL when there are fewer than two such regexes or it
 * cannot be built.  The caller frees it with rx_free().
 */
struct rx *failregex_union(struct failregex *const *, size_t n, bool multiline);
/*
 * The lines captured by <SKIPLINES> groups, NUL-separated in out; returns
 * their number.
 */
size_t	 failregex_skipped(const struct failregex *, const char *buf,
	    const struct failregex_match *, struct strbuf *out);

#endif

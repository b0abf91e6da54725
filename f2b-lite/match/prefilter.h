/*
 * prefilter: one scan of a text tells which of many groups of regexes may
 * match it at all (issue 14), so that only those run in full.  A group is
 * a set of rules; a rule holds when every one of its texts occurs in the
 * scanned text; a group may match when one of its rules holds.  A regex
 * becomes a rule through the texts every one of its matches must contain
 * (rx_required_literals(): top-level literal runs, none under (?i) or an
 * alternation), so a text the regex matches, or whose part it matches,
 * always holds them: the prefilter only ever says "may match", never
 * "does not" wrongly.  A regex without such a text makes its group a
 * candidate for every text (prefilter_why() says which regex, and why).
 *
 * The texts of all rules make one Aho-Corasick automaton (prefilter.c),
 * built at the first scan: one pass over a text however many groups there
 * are.  Not Vectorscan (Debian 12's libvectorscan 5.4.9, tried first): on
 * this project's AVX-512 build machine it missed literals that were in
 * the text, depending on the text's address (e.g. "query" in a line
 * scanned with "bad zone transfer" in the same database, at 7 of 64
 * alignments), and a prefilter that misses a text loses failures.
 *
 * Leaf module: errors and reasons come back as strings.
 */
#ifndef F2B_PREFILTER_H
#define F2B_PREFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct prefilter;

/* Whether this build can prefilter at all (always: kept for the tools). */
bool	 prefilter_available(void);

struct prefilter	*prefilter_new(void);
void			 prefilter_free(struct prefilter *);
/* A new group (0, 1, 2...), with no rule yet: it never matches. */
int	 prefilter_group(struct prefilter *);
/*
 * Adds a Python-dialect regex to group g as a rule: the texts its matches
 * all contain.  false when it has none of at least PREFILTER_MIN bytes:
 * the group is then a candidate for every text, *why says so (the caller's
 * label names the regex in it).
 */
#define PREFILTER_MIN	3
bool	 prefilter_add_regex(struct prefilter *, int g, const char *python,
	    const char *label);
/* Group g is a candidate for every text, for the reason why. */
void	 prefilter_set_always(struct prefilter *, int g, const char *why);
/* NULL when group g is prefiltered, else why every text is a candidate. */
const char *prefilter_why(const struct prefilter *, int g);
/*
 * Compiles the rules.  0, or -1 and a heap message in *err: every group is
 * then a candidate for every text.  A group's rules are frozen from here.
 */
int	 prefilter_build(struct prefilter *, char **err);
size_t	 prefilter_ngroups(const struct prefilter *);
/* The distinct texts the database looks for (after prefilter_build()). */
size_t	 prefilter_ntexts(const struct prefilter *);
/*
 * Scans text[0..len) (any bytes) and sets in bits - (ngroups + 63) / 64
 * words, cleared by the caller - every group that may match it, the
 * always-candidates included.
 */
void	 prefilter_scan(struct prefilter *, const char *text, size_t len,
	    uint64_t *bits);

/*
 * A filter's prefilter (filter.c): group 0 holds what makes findFailure do
 * more than look at a line - the failregexes, the ignoreregexes it tries
 * first on every line (nign of them: pass 0 when it does not), and the
 * prefregex when pref is given (its matches are counted on every line).
 * A buffer of several lines (maxlines > 1) is always searched: a match may
 * take its texts from the lines before.
 */
struct failregex;
/* The same rules as group g of another prefilter (one shared by filters). */
void	 prefilter_add_filter(struct prefilter *, int g, struct failregex *const *fail,
	    size_t nfail, struct failregex *const *ign, size_t nign,
	    const struct failregex *pref, long maxlines);
struct prefilter *prefilter_of_filter(struct failregex *const *fail, size_t nfail,
	    struct failregex *const *ign, size_t nign, const struct failregex *pref,
	    long maxlines);
/*
 * Whether group 0 may be skipped for the line s[0..len) whose date is at
 * [ds, de): the text the regexes see (the date cut out, a newline added)
 * holds none of its texts.
 */
bool	 prefilter_skips(struct prefilter *, const char *s, size_t len, size_t ds,
	    size_t de);

static inline bool
prefilter_bit(const uint64_t *bits, int g)
{
	return (bits[(unsigned)g / 64] >> ((unsigned)g % 64)) & 1;
}

#endif

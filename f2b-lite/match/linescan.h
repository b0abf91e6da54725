/*
 * linescan: one prefilter scan of each line, shared by every filter that
 * reads it (issue 14).  One prefilter (prefilter.h: one automaton) holds a
 * group per member filter; the last line seen is kept with its UTF-8 check
 * and, once scanned, which groups may match it.  The jails that read one
 * log each get every line in turn from one read (tail.c), so the first
 * one's check and scan answer the others: a line is checked and scanned
 * once however many filters read it.  The answer depends on the line's
 * bytes alone (the line is compared, not its address), so filters on
 * other logs, or a line seen twice, only ever share a correct answer.
 * Made again when a member joins, leaves or changes its regexes.
 * Process-wide, as the date templates' memo (datedet.c) is: the daemon and
 * the tools run their filters in one thread.
 *
 * The scan is used once LINESCAN_MIN members have texts to look for (or
 * F2B_LITE_PREFILTER=force, from one on): a filter already looks for its
 * regexes' required texts itself (memmem), which for one or two filters
 * costs less than a pass of the automaton over the line (bench/'s sshd,
 * hMailServer and nginx logs alone: 15-60% more time with the scan); for
 * many filters one pass replaces all their searches.  Said at INFO when
 * that changes.
 */
#ifndef F2B_LINESCAN_H
#define F2B_LINESCAN_H

#include <stdbool.h>
#include <stddef.h>

struct prefilter;

#define LINESCAN_MIN	4

/*
 * Adds a filter's rules to group g of a prefilter (prefilter_add_filter());
 * stats: fail2ban-regex's report, which counts the prefregex's and the
 * ignoreregexes' matches, so their texts make a line a candidate too.
 */
typedef void linescan_rules_fn(void *arg, struct prefilter *, int g, bool stats);

/* A filter's part, held in the filter; the rest is linescan's. */
struct linescan_member {
	linescan_rules_fn	*rules;
	void			*arg;
	bool			 on, stats;
	size_t			 group;		/* in the shared prefilter */
	struct prefilter	*own;		/* its own: why, texts, cut texts */
};

/* Prefiltered or not (off: runs everything; leaves the shared scan). */
void	 linescan_set(struct linescan_member *, bool on, bool stats);
/* The member's rules changed (new regexes): both prefilters made again. */
void	 linescan_changed(struct linescan_member *);
/* The member's own prefilter (made now if need be); NULL when off. */
const struct prefilter *linescan_own(struct linescan_member *);
/*
 * Whether findFailure may be skipped for the text s[0..len) whose date
 * [ds, de) is cut out: it holds none of the member's texts.  same: s is
 * the line of the last linescan_utf8(), whose one shared scan then
 * answers when the text is the line or a part of it ending where the line
 * does (no date, or the date at its start): a text in the part is in the
 * line.  Otherwise (a date cut from the middle, a text from the journal)
 * the member scans the text itself.  false when off or not worth a scan.
 */
bool	 linescan_skips(struct linescan_member *, bool same, const char *s, size_t len,
	    size_t ds, size_t de);
/*
 * utf8_valid() of line[0..len), once per line while there are members; the
 * line becomes the one linescan_candidate() answers for.
 */
bool	 linescan_utf8(const char *line, size_t len, bool *ascii);
/* Whether the scan is used now (made first if need be). */
bool	 linescan_on(void);
/* Lines scanned so far; whether the scan is used, with how many members
 * have texts of all. */
unsigned long	 linescan_scans(void);
bool	 linescan_shared(size_t *nfiltered, size_t *nmembers);

#endif

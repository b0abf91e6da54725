/*
 * filter: a log line in, failures out - fail2ban's Filter.processLine and
 * findFailure (server/filter.py).  It finds and cuts out the date, keeps
 * the maxlines buffer, applies prefregex (with <F-CONTENT>), the failregexes
 * and the ignoreregexes in fail2ban's order, merges multi-line failures by
 * <F-MLFID> (pending, nofail, forget, gained, users), and turns the matched
 * groups into a failure id by fail2ban's rules (ip4, ip6, dns, fid; CIDR;
 * usedns yes/warn/no/raw).
 */
#ifndef F2B_FILTER_H
#define F2B_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"
#include "datedet.h"

struct pyval;
struct filter;

/* One failure found in a line (an entry of findFailure's list). */
struct filter_failure {
	int			 regex;		/* index of the failregex */
	bool			 has_id;	/* false: pending multi-line failure, or host */
	struct addr		 id;		/* failure id (an address or raw text) */
	char			*host;		/* a name to look up (filter_set_defer_dns) */
	bool			 has_time;	/* false: no date (fail2ban's None) */
	struct datedet_time	 time;
	struct pyval		*data;		/* the failure's dict (groups, matches...) */
};

/*
 * Lines longer than this are cut (at a character boundary) before matching,
 * and the line's filter_linestat says so; a multi-line buffer holds its last
 * maxlines lines only as far as they fit in it too.  It is the tail's
 * TAIL_LINE_MAX: every line a log gives is matched whole, as fail2ban
 * matches it.  A hostile line still costs bounded time: each search is
 * bounded by PCRE2's match and depth limits (rx.h), and reads at most this
 * many bytes, so a long line costs per byte what a short one does.
 */
#define FILTER_LINE_MAX	(1 << 20)

/* Statistics a line leaves behind for fail2ban-regex. */
struct filter_linestat {
	bool	 pref_matched;		/* prefregex's last search matched */
	bool	 ignored;		/* an ignoreregex matched */
	bool	 truncated;		/* cut to FILTER_LINE_MAX bytes */
	bool	 bad_utf8;		/* invalid UTF-8: its bytes were replaced */
	size_t	 limit_hits;		/* searches stopped by the match limit */
	size_t	 dropped;		/* oldest buffered lines let go (maxlines, size) */
	/*
	 * Where fail2ban's processLine raises (a failure id that does not
	 * convert: "a/b" as an address...), its exception as Python's repr()
	 * shows it; the line then gives no failure.  Owned by the filter, valid
	 * until the next line.  NULL: none.
	 */
	const char *error;
};

/* Which regex of a filter: for filter_limit_fn. */
enum filter_rx {
	FILTER_RX_PREF,
	FILTER_RX_FAIL,
	FILTER_RX_IGNORE
};

typedef void filter_ignore_fn(void *arg, int ignoreregex_index);
/* A search stopped by the match or depth limit (the line did not match it). */
typedef void filter_limit_fn(void *arg, enum filter_rx, int index);

struct filter	*filter_new(void);
void		 filter_free(struct filter *);

/* Setters in stream order; each returns 0 or -1 with fail2ban's message. */
int	 filter_set_usedns(struct filter *, const char *, char **err);
int	 filter_set_maxlines(struct filter *, long, char **err);
int	 filter_set_prefregex(struct filter *, const char *, char **err);
int	 filter_add_failregex(struct filter *, const char *, char **err);
int	 filter_add_ignoreregex(struct filter *, const char *, char **err);
/* NULL: no date detection at all (journal input carries its own time). */
int	 filter_set_datepattern(struct filter *, const char *, char **err);
int	 filter_set_logtimezone(struct filter *, const char *, char **err);
void	 filter_set_findtime(struct filter *, double);

/* fail2ban-regex's switches. */
void	 filter_set_check_all(struct filter *, bool);	/* checkAllRegex */
void	 filter_set_ignore_pending(struct filter *, bool);
void	 filter_set_check_findtime(struct filter *, bool);
void	 filter_set_raw(struct filter *, bool);		/* returnRawHost */
/*
 * usedns yes|warn: a failure whose host is a name is given with the name
 * (host) instead of its addresses, for the caller to look up without
 * blocking (dns_resolve) - and to say what dnsToIp would have said.
 */
void	 filter_set_defer_dns(struct filter *, bool);
void	 filter_set_in_operation(struct filter *, bool);
void	 filter_on_ignore(struct filter *, filter_ignore_fn *, void *);
void	 filter_on_limit(struct filter *, filter_limit_fn *, void *);

/*
 * Processes one line (without its newline; invalid UTF-8 is replaced as
 * Python does).  Failures are appended to *out (an array grown with xgrow,
 * *n and *cap updated); the caller frees them with filter_failures_free().
 */
void	 filter_process_line(struct filter *, const char *line, size_t len,
	    struct filter_failure **out, size_t *n, size_t *cap,
	    struct filter_linestat *);
/*
 * Processes a line whose date is known (a journal entry): the regexes see
 * the line, the failures carry datetext + line and the given time.
 */
void	 filter_process_dated(struct filter *, const char *datetext,
	    const char *line, size_t len, const struct datedet_time *,
	    struct filter_failure **out, size_t *n, size_t *cap,
	    struct filter_linestat *);
void	 filter_failures_free(struct filter_failure *, size_t n);

/*
 * The filter's prefilter (linescan.h: linescan_set() turns it on, off by
 * default; one scan of each line shared by the filters that read it): a
 * line whose text (the date cut out) holds none of the texts the
 * failregexes need goes no further than the date and findtime checks - the
 * same results, only the searches saved.
 */
struct linescan_member;
struct linescan_member *filter_linescan(struct filter *);

/* Introspection for fail2ban-regex. */
size_t		 filter_nfailregex(const struct filter *);
const char	*filter_failregex(const struct filter *, size_t);
size_t		 filter_nignoreregex(const struct filter *);
const char	*filter_ignoreregex(const struct filter *, size_t);
const char	*filter_prefregex(const struct filter *);
/* The last prefregex match's groups (a new dict), or NULL. */
struct pyval	*filter_pref_groups(const struct filter *);
long		 filter_maxlines(const struct filter *);
const char	*filter_usedns(const struct filter *);
struct datedet	*filter_datedet(const struct filter *);
/* The lines waiting in the multi-line buffer, joined as fail2ban joins them. */
size_t		 filter_buffer_count(const struct filter *);
char		*filter_buffer_line(const struct filter *, size_t i);
/* The last processed line with its date cut out (processedLine). */
const char	*filter_processed_line(const struct filter *);

#endif

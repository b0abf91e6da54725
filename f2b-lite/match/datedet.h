/*
 * datedet: finding and converting the date in a log line, as fail2ban 1.0.2
 * does it (server/datedetector.py, datetemplate.py, strptime.py): the 31
 * default templates in their order, custom datepattern lines with strptime
 * directives (%ExY and friends, {^LN-BEG}, {DATE}, {NONE}, {UNB}, **, EPOCH,
 * LEPOCH, TAI64N), the adaptive reordering of templates, year inference
 * with its roll-back rules, logtimezone and the zone abbreviation table.
 *
 * The span of the date found (group 1 of the winning template) is cut out
 * of the line before the failregexes see it, so where a date is found
 * changes what the filters match; this module reproduces fail2ban's choice
 * exactly.  Leaf module (uses rx, clock and strptime): errors come back as
 * messages.
 */
#ifndef F2B_DATEDET_H
#define F2B_DATEDET_H

#include <stdbool.h>
#include <stddef.h>

struct datedet;

/* A date found in a line. */
struct datedet_match {
	size_t	 start, end;	/* span of the date text (group 1) */
	size_t	 mstart, mend;	/* span of the whole template match */
	int	 tpl;		/* index of the template in the detector */
	void	*priv;
};

/* A point in time: seconds, and whether fail2ban holds it as an int. */
struct datedet_time {
	double	 secs;
	bool	 is_int;	/* TAI64N dates and dates with a zone are Python ints */
};

/* A detector with no templates: the defaults are added at first use. */
struct datedet	*datedet_new(void);
void		 datedet_free(struct datedet *);
/*
 * Adds one datepattern line (DateDetector.appendTemplate).  Returns 0, or
 * -1 with a heap message in *err.
 */
int		 datedet_add(struct datedet *, const char *pattern, char **err);
/* Sets logtimezone ("UTC+0200", "CEST", ...); -1 and *err if invalid. */
int		 datedet_set_timezone(struct datedet *, const char *tz, char **err);
/* Finds a date (DateDetector.matchTime); returns false when there is none. */
bool		 datedet_match(struct datedet *, const char *line, size_t len,
		    struct datedet_match *);
/* datedet_match() for a line known to be all ASCII: the same, faster. */
bool		 datedet_match_ascii(struct datedet *, const char *line, size_t len,
		    struct datedet_match *);
/*
 * Converts the date of a match (DateDetector.getTime).  Returns 0, or -1 when
 * the text does not make a valid date.
 */
int		 datedet_time(struct datedet *, const char *line,
		    const struct datedet_match *, struct datedet_time *);
/* The same with clock_now() read by the caller (once a line). */
int		 datedet_time_at(struct datedet *, const char *line,
		    const struct datedet_match *, double now, struct datedet_time *);

/* Templates in their current order, for fail2ban-regex's report. */
size_t		 datedet_count(const struct datedet *);
const char	*datedet_name(const struct datedet *, size_t);
const char	*datedet_regex(const struct datedet *, size_t);
const char	*datedet_pattern(const struct datedet *, size_t);
unsigned long	 datedet_hits(const struct datedet *, size_t);
double		 datedet_weight(const struct datedet *, size_t, double *tplweight);
/*
 * fail2ban's Filter.getDatePattern(): the name shown for the whole detector
 * ("Default Detectors" or the single template's name) and its pattern.
 */
const char	*datedet_describe(const struct datedet *, const char **pattern);

#endif

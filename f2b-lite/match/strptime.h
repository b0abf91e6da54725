/*
 * strptime: fail2ban's strptime.py (server/strptime.py): the datepattern
 * directives with their regexes, the time zones fail2ban knows, and
 * reGroupDictStrptime, which turns the fields a date template found into a
 * time.  Leaf module (uses clock): no logging, errors are return values.
 */
#ifndef F2B_STRPTIME_H
#define F2B_STRPTIME_H

#include <stdbool.h>
#include <stddef.h>

/* One field a template found: its directive letter and its text. */
struct strptime_field {
	char		 code;		/* 'Y', 'b', 'H'... (the group's name) */
	const char	*text;
	size_t		 len;
};

/*
 * The directive at p (the text after a '%'): returns its regex (a static
 * string; %ExY is computed from the clock once), its key's length in *len
 * and the name it gives a template in *name; NULL when there is none.
 */
const char	*strptime_directive(const char *p, size_t *len, const char **name);

/*
 * Validates a time zone as fail2ban's validateTimeZone ("UTC+0200",
 * "CEST", "Z"...) and gives its offset in minutes.  Returns 0, -1 when it
 * is malformed, -2 for an unknown abbreviation.
 */
int		 strptime_zone_offset(const char *tz, int *minutes);

/*
 * reGroupDictStrptime: the fields of a match in group order (ampm: the %p
 * text, or NULL) with the default zone (has_deftz: logtimezone) and now ->
 * seconds since 1970 in *secs, *is_int when Python would hold an int (a
 * zone was known).  Returns 0, or -1 where Python raises (no such date, an
 * unknown zone).
 */
int		 strptime_time(const struct strptime_field *, size_t n, const char *ampm,
		    bool has_deftz, int deftz_minutes, double now, double *secs,
		    bool *is_int);

#endif

/*
 * clock: the current time as fail2ban's MyTime gives it - the real clock, or
 * a fixed time set by tests and by the sample-log corpus replay - and the
 * local-time conversions fail2ban's date handling uses.  Leaf module.
 */
#ifndef F2B_CLOCK_H
#define F2B_CLOCK_H

#include <stdbool.h>
#include <time.h>

/* time.time(): seconds since the epoch, or the time set with clock_set(). */
double	 clock_now(void);
/* The real clock even when the time is fixed (cache ages, timings). */
double	 clock_real(void);
/* Fixes the time returned by clock_now(); a negative value unfixes it. */
void	 clock_set(double);
/* datetime.fromtimestamp(secs) as broken-down local time (cached a second). */
void	 clock_local_tm(double secs, struct tm *);
/* time.mktime() of local broken-down time (tm_isdst = -1); -1 on error. */
double	 clock_mktime(const struct tm *);
/* calendar.timegm(): broken-down UTC time to seconds. */
double	 clock_timegm(const struct tm *);
/* After TZ changed: re-reads it and drops the cached conversions. */
void	 clock_zone_changed(void);
/* "YYYY-mm-dd HH:MM:SS" of a time in local time (MyTime.time2str). */
void	 clock_str(double, char *buf, size_t len);

#endif

/*
 * clock: MyTime.  Local-time conversion is the slow part of date handling
 * (it consults the zone rules), so both directions are cached: the
 * broken-down "now" per second, and mktime()'s result per local hour
 * (checked to be an unambiguous hour before it is reused).
 */
#include "clock.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>

static double clock_fixed = -1;

/* caches of the local-time conversions (see clock_zone_changed()) */
static time_t now_last = -1;
static struct tm now_cached;
static struct tm mk_last;
static double mk_lastbase = -1;
static time_t str_last;
static bool str_valid;
static char str_text[32];

double
clock_now(void)
{
	if (clock_fixed >= 0)
		return clock_fixed;
	/*
	 * The coarse clock (a few milliseconds' resolution) is read from
	 * memory without touching the hardware counter: several reads per log
	 * line cost nothing, where gettimeofday() was a third of the time
	 * spent on a line that matches nothing.
	 */
	return clock_real();
}

double
clock_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
clock_set(double t)
{
	clock_fixed = t;
}

void
clock_local_tm(double secs, struct tm *tm)
{
	time_t t = (time_t)secs;

	/* localtime_r() consults the zone rules: once per second is enough */
	if (t != now_last) {
		localtime_r(&t, &now_cached);
		now_last = t;
	}
	*tm = now_cached;
}

double
clock_timegm(const struct tm *tm)
{
	struct tm c = *tm;

	return (double)timegm(&c);
}

double
clock_mktime(const struct tm *tm)
{
	struct tm c = *tm;
	double base;
	time_t t;

	/* same local hour as last time: add minutes and seconds */
	if (mk_lastbase >= 0 && tm->tm_year == mk_last.tm_year && tm->tm_mon == mk_last.tm_mon &&
	    tm->tm_mday == mk_last.tm_mday && tm->tm_hour == mk_last.tm_hour &&
	    tm->tm_min >= 0 && tm->tm_min < 60 && tm->tm_sec >= 0 && tm->tm_sec < 60)
		return mk_lastbase + tm->tm_min * 60 + tm->tm_sec;
	c.tm_isdst = -1;
	if ((t = mktime(&c)) == (time_t)-1 && !(c.tm_year == 69 && c.tm_mon == 11))
		return -1;
	/* cache the start of this hour unless it is ambiguous (DST fold) */
	c = *tm;
	c.tm_min = c.tm_sec = 0;
	c.tm_isdst = -1;
	base = (double)mktime(&c);
	if (base + tm->tm_min * 60 + tm->tm_sec == (double)t) {
		mk_last = *tm;
		mk_lastbase = base;
	} else
		mk_lastbase = -1;
	return (double)t;
}

void
clock_zone_changed(void)
{
	tzset();
	now_last = -1;
	mk_lastbase = -1;
	str_valid = false;
}

void
clock_str(double t, char *buf, size_t len)
{
	time_t s = (time_t)t;

	/* the last second's text: "Found" lines mostly share their second */
	if (!str_valid || s != str_last) {
		struct tm tm;

		localtime_r(&s, &tm);
		strftime(str_text, sizeof(str_text), "%Y-%m-%d %H:%M:%S", &tm);
		str_last = s;
		str_valid = true;
	}
	snprintf(buf, len, "%s", str_text);
}

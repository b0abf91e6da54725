/*
 * Unit tests for clock: the fixed test time, local-time conversion with its
 * hour cache across DST changes (Europe/Berlin: the spring gap and the
 * autumn fold, as Python's time.mktime resolves them), and zone switches.
 */
#include <stdlib.h>

#include "clock.h"
#include "tap.h"

static double
mk(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
	    .tm_hour = h, .tm_min = mi, .tm_sec = s };

	return clock_mktime(&tm);
}

int
main(void)
{
	struct tm tm;
	char buf[32];

	clock_set(1124013600.0);
	ok(clock_now() == 1124013600.0, "fixed time");
	setenv("TZ", "UTC", 1);
	clock_zone_changed();
	clock_local_tm(clock_now(), &tm);
	ok(tm.tm_year == 105 && tm.tm_mon == 7 && tm.tm_mday == 14 && tm.tm_hour == 10,
	    "now as local time (UTC)");
	clock_str(1124013600.0, buf, sizeof(buf));
	is_str(buf, "2005-08-14 10:00:00", "time2str in UTC");

	setenv("TZ", "Europe/Berlin", 1);
	clock_zone_changed();
	clock_local_tm(clock_now(), &tm);
	is_int(tm.tm_hour, 12, "zone change seen by now (CEST)");
	clock_str(1124013600.0, buf, sizeof(buf));
	is_str(buf, "2005-08-14 12:00:00", "time2str in Europe/Berlin");
	is_int(mk(2005, 8, 14, 12, 0, 0), 1124013600, "mktime summer");
	is_int(mk(2005, 8, 14, 12, 59, 59), 1124013600 + 3599, "same hour from the cache");
	is_int(mk(2005, 1, 14, 12, 0, 0), 1105700400, "mktime winter");
	/* 2005-03-27 02:00 does not exist; Python gives 03:30 CEST for 02:30 */
	is_int(mk(2005, 3, 27, 1, 59, 59), 1111885199, "before the spring gap");
	is_int(mk(2005, 3, 27, 2, 30, 0), 1111887000, "inside the gap, as mktime says");
	is_int(mk(2005, 3, 27, 3, 0, 0), 1111885200, "after the gap");
	/* 2005-10-30 02:30 happens twice: time.mktime(isdst=-1) takes the first */
	is_int(mk(2005, 10, 30, 2, 30, 0), 1130632200, "the fold");
	is_int(mk(2005, 10, 30, 2, 45, 0), 1130633100, "the fold, same hour again");
	is_int(mk(2005, 10, 30, 3, 0, 0), 1130637600, "after the fold");

	setenv("TZ", "UTC", 1);
	clock_zone_changed();
	is_int(mk(2005, 8, 14, 12, 0, 0), 1124020800, "the hour cache follows a zone change");
	clock_set(-1);
	ok(clock_now() > 1700000000.0, "unfixed: the real clock");
	return tap_done();
}

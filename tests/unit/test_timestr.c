/* Unit tests for timestr: MyTime.str2seconds results (checked against
 * `fail2ban-client --str2sec`) and seconds2str. */
#include <stdlib.h>

#include "tap.h"
#include "timestr.h"

static void
is_time(const char *s, bool is_int, double want)
{
	struct timestr_val v;
	char *err = NULL;

	if (timestr_parse(s, &v, &err) < 0) {
		ok(0, "%s: %s", s, err);
		free(err);
		return;
	}
	ok(v.is_int == is_int && v.f == want, "%s = %s%g", s, is_int ? "int " : "float ", want);
}

static void
refused(const char *s)
{
	struct timestr_val v;
	char *err = NULL;

	ok(timestr_parse(s, &v, &err) < 0 && err != NULL, "refused: '%s'", s);
	free(err);
}

int
main(void)
{
	char buf[64];

	is_time("600", true, 600);
	is_time("10m", true, 600);
	is_time("1h", true, 3600);
	is_time("1d12h", true, 129600);
	is_time("1d 1", true, 86401);
	is_time("1h 30m", true, 5400);
	is_time("1w", true, 604800);
	is_time("1year-6mo", false, 15778800.0);
	is_time("6 months", false, 15778800.0);
	is_time("5.5m", false, 330.0);
	is_time("-1", true, -1);
	is_time("10*60", true, 600);
	is_time("7/2", false, 3.5);
	is_time("7//2", true, 3);
	is_time("2**3", true, 8);
	is_time("(1+2)*3", true, 9);
	is_time("1D", true, 86400);
	is_time("3 Seconds", true, 3);
	refused("abc");
	refused("");
	refused("1+");
	refused("1/0");
	refused("(1");
	refused("__import__('os')");
	/* bytes that are not UTF-8 (a fuzzer's find: the regexes must not see them) */
	refused("1<<\xff\xff\xff(x) 1h");

	timestr_format(86400 * 390, buf, sizeof(buf));
	is_str(buf, "1y 3w 4d", "seconds2str 390 days");
	timestr_format(86400 * 2 + 3600 * 7 + 60 * 15, buf, sizeof(buf));
	is_str(buf, "2d 7h 15m", "seconds2str 2d 7h 15m");
	timestr_format(3600 - 10, buf, sizeof(buf));
	is_str(buf, "59m 50s", "seconds2str 59m 50s");
	timestr_format(59, buf, sizeof(buf));
	is_str(buf, "59s", "seconds2str 59s");
	return tap_done();
}

/* Unit tests for timestr: MyTime.str2seconds results (checked against
 * `fail2ban-client --str2sec`) and seconds2str. */
#include <stdlib.h>

#include <string.h>

#include "strbuf.h"
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

	/*
	 * Numbers past 64 bits are exact, as Python's ints (checked against
	 * fail2ban-client --str2sec); past 2**127 they are refused, never
	 * wrapped (99999999999999999999m was -60).
	 */
	{
		static const char *const exact[][2] = {
			{ "99999999999999999999m", "5999999999999999999940" },
			{ "9223372036854775807+1", "9223372036854775808" },
			{ "-9223372036854775808 // -1", "9223372036854775808" },
			{ "-9223372036854775808 % -1", "0" },
			{ "10**19 // 3", "3333333333333333333" },
			{ "2**64 % 7", "2" },
			{ "-(2**63)", "-9223372036854775808" },
			{ "2**126", "85070591730234615865843651857942052864" },
			{ "1_000", "1000" },
			{ "-5 // 2", "-3" },
			{ "3 % -2", "-1" },
			{ "-3 // 2.0", "-2.0" },
			{ "-7.5 % 2", "0.5" },
			{ "7 % -2.5", "-0.5" },
			{ "1_0.5", "10.5" },
			{ "000", "0" },
			{ "1.5**1000", "1.2338405969061735e+176" },
			{ "(-1)**99999999999999999999", "-1" },
		};
		size_t i;

		for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++) {
			struct timestr_val v;
			struct strbuf sb = STRBUF_INIT;
			char *err = NULL;

			if (timestr_parse(exact[i][0], &v, &err) < 0) {
				ok(0, "%s: %s", exact[i][0], err);
				free(err);
				continue;
			}
			timestr_print(&v, &sb);
			is_str(strbuf_str(&sb), exact[i][1], "%s = %s", exact[i][0], exact[i][1]);
			strbuf_free(&sb);
		}
	}
	{
		static const char *const errs[][2] = {
			{ "2**127", "integer too large for f2b-lite (past 2**127)" },
			{ "-2**127 - 2**127", "integer too large for f2b-lite (past 2**127)" },
			{ "10**39", "integer too large for f2b-lite (past 2**127)" },
			{ "340282366920938463463374607431768211456", "integer too large for "
			    "f2b-lite (past 2**127)" },
			{ "7 // 0", "integer division or modulo by zero" },
			{ "7 % 0", "integer division or modulo by zero" },
			{ "7 / 0", "division by zero" },
			{ "7.0 % 0", "float modulo" },
			{ "7.0 // 0", "float floor division by zero" },
			{ "0**-1", "0.0 cannot be raised to a negative power" },
			{ "10.0**400", "(34, 'Numerical result out of range')" },
			{ "1e3", "invalid decimal literal (<string>, line 1)" },
			{ "0x10", "invalid hexadecimal literal (<string>, line 1)" },
			{ "1__0", "invalid decimal literal (<string>, line 1)" },
			{ "007", "leading zeros in decimal integer literals are not permitted; "
			    "use an 0o prefix for octal integers (<string>, line 1)" },
		};
		size_t i;

		for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
			struct timestr_val v;
			char *err = NULL;

			ok(timestr_parse(errs[i][0], &v, &err) < 0 && err &&
			    strcmp(err, errs[i][1]) == 0, "%s: %s (%s)", errs[i][0], errs[i][1],
			    err ? err : "accepted");
			free(err);
		}
	}
	{
		double secs = 0;
		bool sat = false;
		char *err = NULL;

		ok(timestr_seconds("99999999999999999999m", &secs, &sat, &err) == 0 &&
		    sat && secs == TIMESTR_MAX, "a time option past 10^15 s saturates to it");
		ok(timestr_seconds("-99999999999999999999m", &secs, &sat, &err) == 0 &&
		    sat && secs == -TIMESTR_MAX, "... a negative one too");
		ok(timestr_seconds("1.5**2000", &secs, &sat, &err) < 0 && err, "pow overflow refused");
		free(err);
		err = NULL;
		ok(timestr_seconds("10m", &secs, &sat, &err) == 0 && !sat && secs == 600,
		    "10m is 600, not saturated");
		timestr_format(1e300, buf, sizeof(buf));
		ok(buf[0] != '-', "seconds2str of a huge value (%s)", buf);
	}

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

/* Unit tests for optval: fail2ban's int() and _as_bool() of an option's text. */
#include <limits.h>

#include "optval.h"
#include "tap.h"

int
main(void)
{
	long long v;

	ok(optval_int(" 42 ", &v) == 0 && v == 42, "int() strips whitespace");
	ok(optval_int("-1_000", &v) == 0 && v == -1000, "int() allows underscores");
	ok(optval_int("1__0", &v) < 0, "double underscore");
	ok(optval_int("0x10", &v) < 0, "no hex");
	ok(optval_int("", &v) < 0, "empty");
	ok(optval_int("99999999999999999999", &v) == 1 && v == LLONG_MAX,
	    "past 64 bits: saturated, and said");
	ok(optval_int("-99999999999999999999", &v) == 1 && v == LLONG_MIN,
	    "... below too");
	ok(optval_int("\xd9\xa3", &v) == 0 && v == 3, "a Unicode digit, as Python's int()");
	ok(optval_int("1" "\xc2\xa0", &v) == 0 && v == 1, "a Unicode space around it");
	ok(optval_bool("YES") && optval_bool("1") && optval_bool("On") &&
	    !optval_bool("y") && !optval_bool(" true"), "_as_bool");
	ok(optval_int("+7", &v) == 0 && v == 7 && optval_int(" -0 ", &v) == 0 && v == 0,
	    "a sign");
	ok(!optval_bool("") && !optval_bool("0") && !optval_bool("off") && optval_bool("TRUE"),
	    "_as_bool: anything else is false");
	return tap_done();
}

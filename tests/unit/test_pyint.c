/* Unit tests for pyint: Python's int() of bytes and str, as text and saturated to 64 bits. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "pyint.h"
#include "strbuf.h"
#include "tap.h"

/* pyint_ll of s: rc, and when 0 the value and whether it saturated; err's text when -1 */
static void
ll(const char *s, int flags, int want_rc, long long want, bool want_big, const char *want_err)
{
	long long v = 12345;
	bool big = !want_big;
	char *err = NULL;
	int rc = pyint_ll(s, strlen(s), flags, &v, &big, &err);

	if (want_rc == 0)
		ok(rc == 0 && v == want && big == want_big && err == NULL,
		    "int(%s) = %lld%s (got rc %d, %lld%s)", s, want, want_big ? ", saturated" : "",
		    rc, v, big ? ", saturated" : "");
	else
		ok(rc == -1 && err != NULL && strcmp(err, want_err) == 0,
		    "int(%s) raises: %s (got %s)", s, want_err, err ? err : "nothing");
	free(err);
}

static void
text(const char *s, int flags, const char *want)
{
	struct strbuf out = STRBUF_INIT;
	bool r = pyint_text(s, strlen(s), flags, &out);

	if (want)
		is_str(r ? strbuf_str(&out) : "(raised)", want, "int(%s) as text", s);
	else
		ok(!r, "int(%s) raises", s);
	strbuf_free(&out);
}

int
main(void)
{
	char *huge = malloc(4302);

	ll("0", 0, 0, 0, false, NULL);
	ll(" -0 ", 0, 0, 0, false, NULL);
	ll("+42", PYINT_STR, 0, 42, false, NULL);
	ll("007", 0, 0, 7, false, NULL);
	ll("1_000_000", PYINT_STR, 0, 1000000, false, NULL);
	ll("9223372036854775807", 0, 0, LLONG_MAX, false, NULL);
	ll("-9223372036854775808", 0, 0, LLONG_MIN, false, NULL);
	ll("9223372036854775808", 0, 0, LLONG_MAX, true, NULL);
	ll("-9223372036854775809", 0, 0, LLONG_MIN, true, NULL);
	ll("18446744073709551616", 0, 0, LLONG_MAX, true, NULL);
	ll("-99999999999999999999999999", PYINT_STR, 0, LLONG_MIN, true, NULL);
	ll("0x7fffffffffffffff", PYINT_BASE0, 0, LLONG_MAX, false, NULL);
	ll("-0x8000000000000000", PYINT_BASE0, 0, LLONG_MIN, false, NULL);
	ll("0x8000000000000000", PYINT_BASE0, 0, LLONG_MAX, true, NULL);
	ll("0x1_0000_0000_0000_0000_0000", PYINT_BASE0, 0, LLONG_MAX, true, NULL);
	ll("0o17", PYINT_BASE0, 0, 15, false, NULL);
	ll("-0b101", PYINT_BASE0, 0, -5, false, NULL);
	ll("000", PYINT_BASE0, 0, 0, false, NULL);
	ll("\xd9\xa3\xd9\xa4", PYINT_STR, 0, 34, false, NULL);
	ll("\xc2\xa0" "5\xe2\x80\x83", PYINT_STR, 0, 5, false, NULL);
	ll("0x10", 0, -1, 0, false, "invalid literal for int() with base 10: b'0x10'");
	ll("010", PYINT_BASE0, -1, 0, false, "invalid literal for int() with base 0: b'010'");
	ll("1__0", PYINT_STR, -1, 0, false, "invalid literal for int() with base 10: '1__0'");
	ll("", PYINT_STR, -1, 0, false, "invalid literal for int() with base 10: ''");
	ll("\xd9\xa3", 0, -1, 0, false, "invalid literal for int() with base 10: b'\\xd9\\xa3'");
	memset(huge, '7', 4301);
	huge[4301] = '\0';
	ll(huge, 0, -1, 0, false, "Exceeds the limit (4300 digits) for integer string "
	    "conversion: value has 4301 digits; use sys.set_int_max_str_digits() to "
	    "increase the limit");
	huge[0] = '0';
	huge[1] = 'x';
	/* the limit is on the decimal text the value makes (3598 hex digits: ~4332) */
	huge[3600] = '\0';	/* 3598 hex digits: about 4332 decimal ones */
	ll(huge, PYINT_BASE0, -1, 0, false, "Exceeds the limit (4300 digits) for integer "
	    "string conversion: value has 3598 digits; use sys.set_int_max_str_digits() "
	    "to increase the limit");
	huge[3500] = '\0';	/* 3498 hex digits: about 4212 decimal ones */
	ll(huge, PYINT_BASE0, 0, LLONG_MAX, true, NULL);
	free(huge);

	text(" -0x_ff ", PYINT_BASE0, "-255");
	text("0x10000000000000000", PYINT_BASE0, "18446744073709551616");
	text("-000123", 0, "-123");
	text("\xef\xbc\x91\xef\xbc\x92", PYINT_STR, "12");
	text("1 2", 0, NULL);
	text("_1", 0, NULL);
	text("1_", 0, NULL);
	return tap_done();
}

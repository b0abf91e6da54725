/* Unit tests for utf8. */
#include "tap.h"
#include "utf8.h"

int
main(void)
{
	uint32_t cp;
	char buf[4];

	is_int(utf8_decode("A", 1, &cp), 1, "ASCII");
	ok(utf8_decode("\xc3\xa9", 2, &cp) == 2 && cp == 0xe9, "two bytes");
	ok(utf8_decode("\xe2\x82\xac", 3, &cp) == 3 && cp == 0x20ac, "three bytes");
	ok(utf8_decode("\xf0\x9f\x98\x80", 4, &cp) == 4 && cp == 0x1f600, "four bytes");
	is_int(utf8_decode("\xc3", 1, &cp), -1, "truncated");
	is_int(utf8_decode("\xc0\x80", 2, &cp), -1, "overlong 2");
	is_int(utf8_decode("\xe0\x80\x80", 3, &cp), -1, "overlong 3");
	is_int(utf8_decode("\xed\xa0\x80", 3, &cp), -1, "surrogate");
	is_int(utf8_decode("\xf4\x90\x80\x80", 4, &cp), -1, "beyond U+10FFFF");
	is_int(utf8_decode("\x80", 1, &cp), -1, "lone continuation byte");
	is_int(utf8_check("ok\xc3\xa9\xff", 5), 4, "check finds the first bad byte");
	is_int(utf8_check("ok", 2), 2, "valid text");
	ok(utf8_isspace(' ') && utf8_isspace('\t') && utf8_isspace(0x1c) && utf8_isspace(0xa0) &&
	    utf8_isspace(0x3000) && !utf8_isspace('x') && !utf8_isspace(0x200b), "isspace as Python");
	ok(utf8_isprintable('a') && utf8_isprintable(0xe9) && !utf8_isprintable(0x7f) &&
	    !utf8_isprintable(0x85) && !utf8_isprintable(0xad) && !utf8_isprintable(0x2028) &&
	    utf8_isprintable(0x1f600), "isprintable as Python");
	is_int(utf8_space_at("\xc2\xa0x", 3), 2, "space_at multi-byte");
	ok(utf8_encode(0x20ac, buf) == 3 && memcmp(buf, "\xe2\x82\xac", 3) == 0, "encode");
	return tap_done();
}

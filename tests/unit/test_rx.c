/* Unit tests for rx: PCRE2 with Python-like defaults. */
#include "rx.h"
#include "tap.h"

int
main(void)
{
	size_t sp[6];
	char *err;
	struct rx *rx;

	rx = rx_compile("(?P<host>\\w+)@(\\d+)", 0, &err);
	ok(rx != NULL, "compiles named groups");
	is_int(rx_ngroups(rx), 2, "group count");
	is_int(rx_group_number(rx, "host"), 1, "named group number");
	is_int(rx_group_number(rx, "nope"), -1, "missing name");
	ok(rx_search(rx, "x caf\xc3\xa9@12 y", 13, 0, false, sp, 3) == 1 && sp[2] == 2 &&
	    sp[3] == 7, "\\w matches unicode letters (UCP)");
	is_int(rx_search(rx, "x caf\xc3\xa9@12 y", 13, 0, true, sp, 3), 0, "anchored search");
	rx_free(rx);
	rx = rx_compile("a(b)?c$", 0, &err);
	ok(rx_search(rx, "ac\n", 3, 0, false, sp, 2) == 1 && sp[2] == RX_UNSET,
	    "$ before a final newline; unset group");
	rx_free(rx);
	rx = rx_compile("a.b", RX_DOTALL, &err);
	is_int(rx_search(rx, "a\nb", 3, 0, false, sp, 1), 1, "DOTALL");
	rx_free(rx);
	rx = rx_compile("(unclosed", 0, &err);
	ok(rx == NULL && err != NULL && strstr(err, "position") != NULL, "compile error message");
	free(err);
	rx = rx_compile("(?:a|aa)*b", 0, &err);
	{
		char subj[4096];

		memset(subj, 'a', sizeof(subj) - 1);
		subj[sizeof(subj) - 1] = '\0';
		ok(rx_search(rx, subj, strlen(subj), 0, false, sp, 1) <= 0,
		    "catastrophic backtracking returns (no hang)");
	}
	rx_free(rx);
	return tap_done();
}

/* Unit tests for diag. */
#include "diag.h"
#include "tap.h"

int
main(void)
{
	struct diag *d = diag_new();

	diag_error(d, "jail.local", 12, "bad %s", "thing");
	diag_warn(d, "jail.local", 3, "odd");
	diag_error(d, "fail2ban.conf", 0, "cannot read");
	diag_error(d, NULL, 0, "no location");
	diag_error(d, "jail.local", 12, "bad %s", "thing");
	is_int(diag_count(d), 4, "identical messages kept once");
	is_int(diag_nerrors(d), 3, "errors counted apart from warnings");
	is_str(diag_text(d, 0), "jail.local:12: bad thing", "file:line: message");
	is_str(diag_text(d, 1), "jail.local:3: warning: odd", "warnings say so");
	is_str(diag_text(d, 2), "fail2ban.conf: cannot read", "whole-file message");
	is_str(diag_text(d, 3), "no location", "message without location");
	ok(diag_level(d, 1) == DIAG_WARNING, "level kept");
	ok(diag_text(d, 9) == NULL, "out of range");
	diag_free(d);
	return tap_done();
}

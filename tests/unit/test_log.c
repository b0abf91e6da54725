/* Unit tests for log: fail2ban's level names. */
#include "log.h"
#include "tap.h"

int
main(void)
{
	char buf[32];

	is_int(log_level_parse("INFO"), 20, "INFO");
	is_int(log_level_parse("notice"), 25, "level names are case-insensitive");
	is_int(log_level_parse("HEAVYDEBUG"), 5, "fail2ban's HEAVYDEBUG");
	is_int(log_level_parse("MSG"), 18, "fail2ban's MSG");
	is_int(log_level_parse("7"), 7, "a number");
	is_int(log_level_parse("LOUD"), -1, "unknown name");
	is_int(log_level_parse("5x"), -1, "not a number");
	is_str(log_level_name(25, buf, sizeof(buf)), "NOTICE", "NOTICE name");
	is_str(log_level_name(7, buf, sizeof(buf)), "TRACE", "TRACEDEBUG prints as TRACE");
	is_str(log_level_name(3, buf, sizeof(buf)), "#03-Lev.", "fail2ban's low level names");
	is_str(log_level_name(33, buf, sizeof(buf)), "Level 33", "other numbers");
	return tap_done();
}

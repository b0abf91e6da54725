/* Unit tests for log: fail2ban's level names; the line format in a file;
 * deferred lines reaching the file at log_flush(), warnings at once. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "tap.h"

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	static char buf[8192];
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

static void
file_lines(void)
{
	char path[] = "/tmp/f2b-log.XXXXXX", want[256];
	int fd = mkstemp(path);
	char *got;

	if (fd < 0)
		return;
	close(fd);
	ok(log_open(path, NULL) == 0, "a file target opens");
	log_set_level(LOG_LVL_INFO);
	log_msg(LOG_LVL_INFO, "fail2ban.filter", "[%s] Found %s", "sshd", "192.0.2.1");
	got = slurp(path);
	snprintf(want, sizeof(want), "fail2ban.filter         [%d]: INFO    [sshd] Found 192.0.2.1\n",
	    (int)getpid());
	ok(strlen(got) > 24 && got[4] == '-' && got[19] == ',' && strcmp(got + 24, want) == 0,
	    "not deferred: written at once, in fail2ban's format");
	log_defer(true);
	log_msg(LOG_LVL_INFO, "fail2ban.filter", "second");
	ok(strstr(slurp(path), "second") == NULL, "deferred: an INFO line waits");
	log_msg(LOG_LVL_WARNING, "fail2ban.filter", "third");
	got = slurp(path);
	ok(strstr(got, "second") && strstr(got, "third"), "a WARNING line goes at once, with those before");
	log_msg(LOG_LVL_INFO, "fail2ban.filter", "fourth");
	log_flush();
	ok(strstr(slurp(path), "fourth") != NULL, "log_flush writes what waits");
	log_msg(LOG_LVL_INFO, "fail2ban.filter", "fifth");
	log_defer(false);
	ok(strstr(slurp(path), "fifth") != NULL, "ending deferral flushes");
	log_open("STDERR", NULL);
	unlink(path);
}

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
	file_lines();
	return tap_done();
}

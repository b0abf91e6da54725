/*
 * logger: logger(1) command lines run in-process - one datagram to the
 * syslog socket, in util-linux logger's local format
 * ("<PRI>Mmm dd hh:mm:ss TAG: MESSAGE"), with its results: no output and
 * status 0, also when no syslog daemon listens.  A line is run this way
 * only when it is `logger` with -p/--priority (facility.level by name),
 * -t/--tag, -u/--socket and a message in plain or quoted words, without any
 * shell expansion; anything else stays with the shell.  Leaf module.
 */
#ifndef F2B_LOGGER_H
#define F2B_LOGGER_H

#include <stdbool.h>

struct strbuf;

/*
 * Splits line into argv (heap, NULL-terminated, freed with
 * strv_free()) when it is a logger command we run ourselves.
 */
bool	 logger_native(const char *line, char ***argv, int *argc);
/* Runs it; returns logger's exit status, its messages in msg. */
int	 logger_run(int argc, char **argv, struct strbuf *msg);

#endif

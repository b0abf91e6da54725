/*
 * log: fail2ban's log levels and line format.  The format is part of the
 * compatibility surface: filter.d/recidive.conf parses fail2ban's own log, so
 * our lines look exactly like fail2ban's:
 *   2026-11-26 19:21:38,123 fail2ban.actions        [1234]: NOTICE  [sshd] Ban 192.0.2.7
 */
#ifndef F2B_LOG_H
#define F2B_LOG_H

#include <stdarg.h>
#include <stdbool.h>

/* Python logging levels plus fail2ban's own (fail2ban/__init__.py). */
#define LOG_LVL_CRITICAL	50
#define LOG_LVL_ERROR		40
#define LOG_LVL_WARNING		30
#define LOG_LVL_NOTICE		25
#define LOG_LVL_INFO		20
#define LOG_LVL_MSG		18
#define LOG_LVL_DEBUG		10
#define LOG_LVL_TRACEDEBUG	7
#define LOG_LVL_HEAVYDEBUG	5

/* fail2ban's str2LogLevel: a level name (any case) or a number; -1 if invalid. */
int	 log_level_parse(const char *);
/* The name logging prints for a level ("NOTICE", "TRACE", "Level 3"). */
const char *log_level_name(int, char *buf, int buflen);

/* Where log lines go: stderr until log_open() says otherwise. */
void	 log_set_level(int);
int	 log_get_level(void);
/*
 * Sends log lines to target: a file name, STDOUT, STDERR, SYSOUT, SYSLOG
 * (via syslogsocket, "auto" = /dev/log) or SYSTEMD-JOURNAL.  -1 if the file
 * cannot be opened (lines then go to stderr).
 */
int	 log_open(const char *target, const char *syslogsocket);
/* Reopens the log file (after rotation, SIGUSR1 / flushlogs). */
int	 log_reopen(void);
/*
 * Deferred: lines to a file or stdout below WARNING stay in the stdio buffer
 * until log_flush() (the server calls it each time its loop goes idle), so a
 * burst of "Found" lines costs one write instead of one each.
 */
void	 log_defer(bool);
void	 log_flush(void);
/*
 * fail2ban's logger names: part of what f2b-lite is compatible with (the
 * log's "fail2ban.filter [pid]: INFO" column, which recidive's filter and
 * logwatch parse).  Every module names its logger with one of these.
 */
#define LOG_SERVER        "fail2ban.server"
#define LOG_FILTER        "fail2ban.filter"
#define LOG_ACTIONS       "fail2ban.actions"
#define LOG_OBSERVER      "fail2ban.observer"
#define LOG_JAIL          "fail2ban.jail"
#define LOG_UTILS         "fail2ban.utils"
#define LOG_TRANSMITTER   "fail2ban.transmitter"
#define LOG_DATABASE      "fail2ban.database"
#define LOG_CONFIGREADER  "fail2ban.configreader"
#define LOG_JAILSREADER   "fail2ban.jailsreader"
#define LOG_IPDNS         "fail2ban.ipdns"

/*
 * Whether a line at level would be written: callers that build a message's
 * arguments (addresses, dates, reprs) check it first, so a line the level
 * drops costs nothing.
 */
bool	 log_on(int level);
/* Writes one line for logger `name` ("fail2ban.filter") at level. */
void	 log_msg(int level, const char *name, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	 log_vmsg(int level, const char *name, const char *fmt, va_list)
	    __attribute__((format(printf, 3, 0)));
/*
 * The same line on stderr whatever the target: what fail2ban says before its
 * server has set up its log (the configuration reader's warnings).
 */
void	 log_console(int level, const char *name, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif

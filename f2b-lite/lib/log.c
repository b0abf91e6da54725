/* log: fail2ban's level names and log line format. */
#include "log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "clock.h"
#include "systemd.h"
#include "xmalloc.h"

static const struct {
	const char	*name;
	int		 level;
} log_levels[] = {
	{ "CRITICAL", LOG_LVL_CRITICAL }, { "FATAL", LOG_LVL_CRITICAL },
	{ "ERROR", LOG_LVL_ERROR }, { "WARNING", LOG_LVL_WARNING },
	{ "WARN", LOG_LVL_WARNING }, { "NOTICE", LOG_LVL_NOTICE },
	{ "INFO", LOG_LVL_INFO }, { "MSG", LOG_LVL_MSG },
	{ "DEBUG", LOG_LVL_DEBUG }, { "TRACEDEBUG", LOG_LVL_TRACEDEBUG },
	{ "HEAVYDEBUG", LOG_LVL_HEAVYDEBUG }, { "NOTSET", 0 },
};

static int log_level = LOG_LVL_WARNING;

enum log_kind { LOG_TO_STDERR, LOG_TO_STDOUT, LOG_TO_FILE, LOG_TO_SYSLOG, LOG_TO_JOURNAL };
static enum log_kind log_kind = LOG_TO_STDERR;
static FILE *log_file;
static char *log_path;
static char *log_syslogsocket;
static int log_sock = -1;
static bool log_deferred;	/* file/stdout lines flushed by log_flush() */
static pid_t log_pid;		/* cached; reset in a forked child */
static time_t log_sec = -1;	/* the second log_when holds */
static char log_when[32];

static void
forked(void)
{
	log_pid = 0;
}

/* getpid(), asked once per process */
static pid_t
own_pid(void)
{
	if (log_pid == 0) {
		static bool registered;

		if (!registered)
			registered = pthread_atfork(NULL, NULL, forked) == 0;
		log_pid = getpid();
	}
	return log_pid;
}

int
log_level_parse(const char *s)
{
	size_t i;
	char *end;
	long v;

	if (s[0] >= '0' && s[0] <= '9') {
		v = strtol(s, &end, 10);
		return *end == '\0' ? (int)v : -1;
	}
	for (i = 0; i < sizeof(log_levels) / sizeof(log_levels[0]); i++)
		if (strcasecmp(s, log_levels[i].name) == 0)
			return log_levels[i].level;
	return -1;
}

const char *
log_level_name(int level, char *buf, int buflen)
{
	switch (level) {
	case LOG_LVL_CRITICAL: return "CRITICAL";
	case LOG_LVL_ERROR: return "ERROR";
	case LOG_LVL_WARNING: return "WARNING";
	case LOG_LVL_NOTICE: return "NOTICE";
	case LOG_LVL_INFO: return "INFO";
	case LOG_LVL_MSG: return "MSG";
	case LOG_LVL_DEBUG: return "DEBUG";
	case LOG_LVL_TRACEDEBUG: return "TRACE";
	case LOG_LVL_HEAVYDEBUG: return "HEAVY";
	case 0: return "NOTSET";
	}
	if (level > 0 && level < 10)
		snprintf(buf, (size_t)buflen, "#%02d-Lev.", level);
	else
		snprintf(buf, (size_t)buflen, "Level %d", level);
	return buf;
}

void
log_set_level(int level)
{
	log_level = level;
}

int
log_get_level(void)
{
	return log_level;
}

static void log_vsys(int level, const char *name, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void line_to(FILE *, int level, const char *name, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

void
log_vmsg(int level, const char *name, const char *fmt, va_list ap)
{
	if (level < log_level)
		return;
	if (log_kind == LOG_TO_SYSLOG || log_kind == LOG_TO_JOURNAL) {
		log_vsys(level, name, fmt, ap);
		return;
	}
	line_to(log_kind == LOG_TO_STDOUT ? stdout : log_kind == LOG_TO_FILE && log_file ?
	    log_file : stderr, level, name, fmt, ap);
}

bool
log_on(int level)
{
	return level >= log_level;
}

void
log_console(int level, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (level < log_level)
		return;
	va_start(ap, fmt);
	line_to(stderr, level, name, fmt, ap);
	va_end(ap);
}

/* One line in fail2ban's format to fp. */
static void
line_to(FILE *fp, int level, const char *name, const char *fmt, va_list ap)
{
	char lname[24];
	struct timeval tv;
	struct tm tm;

	gettimeofday(&tv, NULL);
	if (tv.tv_sec != log_sec) {
		clock_local_tm((double)tv.tv_sec, &tm);
		strftime(log_when, sizeof(log_when), "%Y-%m-%d %H:%M:%S", &tm);
		log_sec = tv.tv_sec;
	}
	fprintf(fp, "%s,%03d %-24s[%d]: %-7s ", log_when, (int)(tv.tv_usec / 1000),
	    name, (int)own_pid(), log_level_name(level, lname, sizeof(lname)));
	if (fmt != NULL)
		vfprintf(fp, fmt, ap);
	fputc('\n', fp);
	if (fp != stderr && (!log_deferred || level >= LOG_LVL_WARNING))
		fflush(fp);
}

void
log_defer(bool on)
{
	log_deferred = on;
	if (!on)
		log_flush();
}

void
log_flush(void)
{
	if (log_file)
		fflush(log_file);
	fflush(stdout);
}

/* syslog (RFC 3164 to the syslog socket) or the journal: no time, no padding */
static void
log_vsys(int level, const char *name, const char *fmt, va_list ap)
{
	char msg[4096], lname[24], line[4200];
	int pri = level >= LOG_LVL_CRITICAL ? 2 : level >= LOG_LVL_ERROR ? 3 :
	    level >= LOG_LVL_WARNING ? 4 : level >= LOG_LVL_NOTICE ? 5 :
	    level >= LOG_LVL_INFO ? 6 : 7;
	int n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_kind == LOG_TO_JOURNAL) {
		char *f[4];

		f[0] = xasprintf("MESSAGE=%s", msg);
		f[1] = xasprintf("PRIORITY=%d", pri);
		f[2] = xasprintf("SYSLOG_IDENTIFIER=%s", name);
		f[3] = xasprintf("LOGGER=%s", name);
		systemd_journal_send(NULL, (const char *const *)f, 4);
		for (n = 0; n < 4; n++)
			free(f[n]);
		return;
	}
	n = snprintf(line, sizeof(line), "<%d>%s[%d]: %s %s", 3 * 8 + pri, name,
	    (int)own_pid(), log_level_name(level, lname, sizeof(lname)), msg);
	if (n < 0)
		return;
	if (log_sock < 0) {
		struct sockaddr_un sa;

		memset(&sa, 0, sizeof(sa));
		sa.sun_family = AF_UNIX;
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s",
		    log_syslogsocket && strcmp(log_syslogsocket, "auto") ? log_syslogsocket :
		    "/dev/log");
		log_sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (log_sock >= 0 && connect(log_sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			close(log_sock);
			log_sock = -1;
		}
	}
	if (log_sock < 0 || send(log_sock, line, (size_t)n, MSG_NOSIGNAL) < 0)
		fprintf(stderr, "%s\n", line);
}

int
log_open(const char *target, const char *syslogsocket)
{
	char *t = xstrdup(target), *br = strchr(t, '[');
	int rc = 0;

	if (br)
		*br = '\0';	/* options such as SYSLOG[facility=...] are not used */
	free(log_syslogsocket);
	log_syslogsocket = syslogsocket ? xstrdup(syslogsocket) : NULL;
	if (log_file) {
		fclose(log_file);
		log_file = NULL;
	}
	if (log_sock >= 0) {
		close(log_sock);
		log_sock = -1;
	}
	if (strcasecmp(t, "STDOUT") == 0 || strcasecmp(t, "SYSOUT") == 0)
		log_kind = LOG_TO_STDOUT;
	else if (strcasecmp(t, "STDERR") == 0)
		log_kind = LOG_TO_STDERR;
	else if (strcasecmp(t, "SYSLOG") == 0)
		log_kind = LOG_TO_SYSLOG;
	else if (strcasecmp(t, "SYSTEMD-JOURNAL") == 0)
		log_kind = LOG_TO_JOURNAL;
	else {
		free(log_path);
		log_path = xstrdup(t);
		if ((log_file = fopen(t, "ae")) == NULL) {
			log_kind = LOG_TO_STDERR;
			rc = -1;
		} else
			log_kind = LOG_TO_FILE;
	}
	free(t);
	return rc;
}

int
log_reopen(void)
{
	if (log_kind != LOG_TO_FILE || log_path == NULL)
		return 0;
	if (log_file)
		fclose(log_file);
	log_sec = -1;	/* the time zone may have changed too */
	if ((log_file = fopen(log_path, "ae")) == NULL) {
		log_kind = LOG_TO_STDERR;
		return -1;
	}
	return 0;
}

void
log_msg(int level, const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, name, fmt, ap);
	va_end(ap);
}

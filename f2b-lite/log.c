/* log: fail2ban's level names and log line format. */
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

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

void
log_vmsg(int level, const char *name, const char *fmt, va_list ap)
{
	char when[32], lname[24];
	struct timeval tv;
	struct tm tm;

	if (level < log_level)
		return;
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(stderr, "%s,%03d %-24s[%d]: %-7s ", when, (int)(tv.tv_usec / 1000),
	    name, (int)getpid(), log_level_name(level, lname, sizeof(lname)));
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
log_msg(int level, const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, name, fmt, ap);
	va_end(ap);
}

/*
 * timestr: fail2ban's time strings (MyTime.str2seconds): "10m", "1d12h",
 * "1year-6mo", "10*60", "-1".  fail2ban rewrites the units into arithmetic
 * and hands the result to Python's eval(); here the same rewrite feeds a
 * small evaluator of + - * / // % ** and parentheses over ints and floats,
 * so the value keeps Python's type (ints stay ints).  Also seconds2str for
 * messages.  Leaf module.
 */
#ifndef F2B_TIMESTR_H
#define F2B_TIMESTR_H

#include <stdbool.h>
#include <stddef.h>

struct timestr_val {
	bool		 is_int;
	long long	 i;	/* when is_int */
	double		 f;	/* always: the value as a float */
};

/* Parses a time string; returns 0, or -1 with a heap message in *err. */
int	 timestr_parse(const char *, struct timestr_val *, char **err);
/* MyTime.seconds2str: "1y 3w 4d", "2d 7h 15m", "59s". */
void	 timestr_format(double secs, char *buf, size_t len);

#endif

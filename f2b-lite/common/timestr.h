/*
 * timestr: fail2ban's time strings (MyTime.str2seconds): "10m", "1d12h",
 * "1year-6mo", "10*60", "-1".  fail2ban rewrites the units into arithmetic
 * and hands the result to Python's eval(); here the same rewrite feeds a
 * small evaluator of + - * / // % ** and parentheses over ints and floats,
 * so the value keeps Python's type (ints stay ints).  Ints are exact up to
 * 2**127 (Python's are unbounded): past that an expression is refused, never
 * wrapped.  A time option keeps at most TIMESTR_MAX seconds.  Also
 * seconds2str for messages.  Leaf module.
 */
#ifndef F2B_TIMESTR_H
#define F2B_TIMESTR_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf;

struct timestr_val {
	bool		 is_int;
	__int128	 i;	/* when is_int: exact */
	double		 f;	/* always: the value as a float */
};

/*
 * The longest time span f2b-lite keeps, in seconds: 10^15, about 31.7
 * million years.  fail2ban keeps any Python number; a time option past this
 * (bantime = 99999999999999999999m) saturates to it, and whoever sets it
 * says so.  Ban ends stay exact (time + span < 2^53) and fit every integer.
 */
#define TIMESTR_MAX	1e15

/* Parses a time string; returns 0, or -1 with a heap message in *err. */
int	 timestr_parse(const char *, struct timestr_val *, char **err);
/* The value as Python prints it ("600", "0.5", "5999999999999999999940"). */
void	 timestr_print(const struct timestr_val *, struct strbuf *);
/*
 * A time option's seconds: parsed, saturated to +-TIMESTR_MAX (*saturated,
 * when not NULL, tells; infinities saturate too); NaN is refused.
 */
int	 timestr_seconds(const char *, double *secs, bool *saturated, char **err);
/* secs saturated to +-TIMESTR_MAX; NaN is left as it is. */
double	 timestr_clamp(double secs, bool *saturated);
/* MyTime.seconds2str: "1y 3w 4d", "2d 7h 15m", "59s". */
void	 timestr_format(double secs, char *buf, size_t len);

#endif

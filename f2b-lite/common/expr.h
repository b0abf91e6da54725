/*
 * expr: the Python expressions fail2ban evaluates for bantime.formula and
 * bantime.factor - the subset its docs and stock configs use: numbers,
 * the names ban.Time, ban.Count and banFactor, + - * / // % ** << >>,
 * comparisons, `a if c else b`, and the calls float, int, min, max, abs,
 * pow, math.exp, math.log, math.sqrt, math.pow.  Anything else is refused
 * with a message naming it; nothing is ever executed.  Leaf module.
 */
#ifndef F2B_EXPR_H
#define F2B_EXPR_H

struct expr;

struct expr_vars {
	double	 ban_time, ban_count, ban_factor;
};

/* Parses text; NULL and a heap message in *err if it is outside the subset. */
struct expr	*expr_parse(const char *text, char **err);
void		 expr_free(struct expr *);
/* Evaluates; -1 and *err (heap) on a runtime error (division by zero...). */
int		 expr_eval(const struct expr *, const struct expr_vars *, double *out,
		    char **err);

#endif

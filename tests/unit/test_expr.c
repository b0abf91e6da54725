/*
 * Unit tests for expr: fail2ban's default and documented ban time
 * formulas, Python's operators, and what is refused.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "tap.h"

static void
is_value(const char *text, double t, double c, double f, double want)
{
	struct expr_vars v = { t, c, f };
	char *err = NULL;
	struct expr *e = expr_parse(text, &err);
	double r;

	if (e == NULL || expr_eval(e, &v, &r, &err) < 0) {
		ok(0, "%s: %s", text, err);
		free(err);
		expr_free(e);
		return;
	}
	ok(fabs(r - want) < 1e-6 * (fabs(want) + 1), "%s = %g (want %g)", text, r, want);
	expr_free(e);
}

static void
refused(const char *text)
{
	char *err = NULL;
	struct expr *e = expr_parse(text, &err);

	ok(e == NULL && err != NULL, "refused: %.60s%s (%s)", text, strlen(text) > 60 ? "..." : "",
	    err ? err : "accepted");
	free(err);
	expr_free(e);
}

/* "((...(1)...))" with n parentheses, in buf */
static const char *
nested(char *buf, size_t n)
{
	memset(buf, '(', n);
	buf[n] = '1';
	memset(buf + n + 1, ')', n);
	buf[2 * n + 1] = '\0';
	return buf;
}

/* unit n times, then "1", in buf */
static const char *
repeated(char *buf, const char *unit, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += (size_t)sprintf(buf + k, "%s", unit);
	strcpy(buf + k, "1");
	return buf;
}

int
main(void)
{
	const char *dflt = "ban.Time * (1<<(ban.Count if ban.Count<20 else 20)) * banFactor";
	const char *doc = "ban.Time * math.exp(float(ban.Count+1)*banFactor)/math.exp(1*banFactor)";

	is_value(dflt, 600, 1, 1, 1200);
	is_value(dflt, 600, 3, 2, 9600);
	is_value(dflt, 600, 25, 1, 600.0 * (1 << 20));
	is_value(doc, 600, 1, 1, 600 * exp(2.0) / exp(1.0));
	is_value("2**3**2", 0, 0, 1, 512);
	is_value("-2**2", 0, 0, 1, -4);
	is_value("7//2 + 7%3", 0, 0, 1, 4);
	is_value("max(ban.Time, 10) if ban.Count > 2 and not False else 0", 5, 3, 1, 10);
	is_value("min(3, 1) + abs(-2) + pow(2, 3) + int(2.9) + math.sqrt(16)", 0, 0, 1, 17);
	refused("__import__('os').system('id')");
	refused("ban.Time + os");
	refused("open('/etc/passwd')");
	refused("ban.Time * (");
	refused("lambda: 1");

	/*
	 * Hostile nesting is refused, not a stack overflow: 150 parentheses
	 * are fine (CPython takes up to 199), 250 are not, and neither are
	 * long runs of unary operators or an overlong text; a long flat sum
	 * still evaluates.
	 */
	{
		static char buf[300000];

		is_value(nested(buf, 150), 0, 0, 1, 1);
		refused(nested(buf, 250));
		refused(nested(buf, 100000));
		refused(repeated(buf, "-", 2000));
		is_value(repeated(buf, "not ", 500), 0, 0, 1, 1);
		refused(repeated(buf, "not ", 1000));
		is_value(repeated(buf, "1+", 1000), 0, 0, 1, 1001);
		refused(repeated(buf, "1+", 2100));
	}
	/* shifts as Python's, exact, with no conversion that can overflow (UBSan) */
	is_value("ban.Time << 70", 3, 0, 1, ldexp(3, 70));
	is_value("-5 >> 1", 0, 0, 1, -3);
	is_value("ban.Time >> ban.Count", 1e300, 1e9, 1, 0);
	{
		static const char *const errs[] = { "1 << -1", "1.5 << 1", "ban.Time << 1",
		    "int(ban.Time * 1e308)", "int(ban.Time * 1e308 - ban.Time * 1e308)" };
		struct expr_vars v = { 1e300, 1e9, 1 };
		size_t i;
		double r;

		for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
			char *err = NULL;
			struct expr *e = expr_parse(errs[i], &err);

			v.ban_time = i == 2 ? 0.5 : 1e300;
			ok(e && expr_eval(e, &v, &r, &err) < 0 && err, "%s: an error (%s)", errs[i],
			    err ? err : "none");
			free(err);
			expr_free(e);
		}
		{
			char *err = NULL;
			struct expr *e = expr_parse("1 << ban.Count", &err);

			ok(e && expr_eval(e, &v, &r, &err) == 0 && isinf(r),
			    "1 << 1e9 is past the doubles: inf, not a wrapped integer");
			expr_free(e);
		}
	}
	{
		struct expr_vars v = { 1, 0, 1 };
		char *err = NULL;
		struct expr *e = expr_parse("ban.Time / ban.Count", &err);
		double r;

		ok(e && expr_eval(e, &v, &r, &err) < 0 && err, "division by zero is an error");
		free(err);
		expr_free(e);
	}
	return tap_done();
}

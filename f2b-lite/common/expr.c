/* expr: a tiny evaluator for fail2ban's ban time formulas. */
#include "expr.h"

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

enum op {
	E_NUM, E_TIME, E_COUNT, E_FACTOR, E_NEG, E_NOT,
	E_ADD, E_SUB, E_MUL, E_DIV, E_FDIV, E_MOD, E_POW, E_SHL, E_SHR,
	E_LT, E_LE, E_GT, E_GE, E_EQ, E_NE, E_AND, E_OR, E_IF,
	E_FLOAT, E_INT, E_MIN, E_MAX, E_ABS, E_POWF, E_EXP, E_LOG, E_SQRT
};

struct expr {
	enum op		 op;
	double		 num;
	struct expr	*a, *b, *c;
};

struct ps {
	const char	*p;
	char		*err;
	int		 depth;		/* recursion of the parser, see enter() */
};

/*
 * Limits that keep a hostile formula (a configuration, a `set` command) from
 * exhausting the stack: the parser's nesting (three levels a parenthesis,
 * so about 200 parentheses, where CPython itself stops), and the length,
 * which bounds the tree's depth for the evaluator.
 */
#define EXPR_MAXDEPTH	600
#define EXPR_MAXLEN	4096

static struct expr *
node(enum op op, struct expr *a, struct expr *b)
{
	struct expr *e = xcalloc(1, sizeof(*e));

	e->op = op;
	e->a = a;
	e->b = b;
	return e;
}

void
expr_free(struct expr *e)
{
	if (e == NULL)
		return;
	expr_free(e->a);
	expr_free(e->b);
	expr_free(e->c);
	free(e);
}

static void
ws(struct ps *s)
{
	while (*s->p == ' ' || *s->p == '\t')
		s->p++;
}

static bool
eat(struct ps *s, const char *tok)
{
	size_t n = strlen(tok);

	ws(s);
	if (strncmp(s->p, tok, n) != 0)
		return false;
	/* a word must not run on into a name */
	if (isalpha((unsigned char)tok[0]) && (isalnum((unsigned char)s->p[n]) || s->p[n] == '_'))
		return false;
	s->p += n;
	return true;
}

static struct expr *parse_expr(struct ps *);
static struct expr *fail(struct ps *, const char *);

/* fn(s) one level deeper into the parser; NULL (and an error) past the limit. */
static struct expr *
deeper(struct ps *s, struct expr *(*fn)(struct ps *))
{
	struct expr *e;

	if (s->depth >= EXPR_MAXDEPTH)
		return fail(s, "expression nested too deeply");
	s->depth++;
	e = fn(s);
	s->depth--;
	return e;
}

static struct expr *
fail(struct ps *s, const char *msg)
{
	if (s->err == NULL)
		s->err = xasprintf("%s at '%.20s'", msg, s->p);
	return NULL;
}

static const struct {
	const char	*name;
	enum op		 op;
	int		 nargs;
} funcs[] = {
	{ "math.exp", E_EXP, 1 }, { "math.log", E_LOG, 1 }, { "math.sqrt", E_SQRT, 1 },
	{ "math.pow", E_POWF, 2 }, { "float", E_FLOAT, 1 }, { "int", E_INT, 1 },
	{ "min", E_MIN, 2 }, { "max", E_MAX, 2 }, { "abs", E_ABS, 1 }, { "pow", E_POWF, 2 },
};

static struct expr *
atom(struct ps *s)
{
	size_t i, n;

	ws(s);
	if (eat(s, "(")) {
		struct expr *e = parse_expr(s);

		if (e && !eat(s, ")")) {
			expr_free(e);
			return fail(s, "')' expected");
		}
		return e;
	}
	if (isdigit((unsigned char)*s->p) || (*s->p == '.' && isdigit((unsigned char)s->p[1]))) {
		char *end;
		struct expr *e = node(E_NUM, NULL, NULL);

		e->num = strtod(s->p, &end);
		s->p = end;
		return e;
	}
	if (eat(s, "ban.Time"))
		return node(E_TIME, NULL, NULL);
	if (eat(s, "ban.Count"))
		return node(E_COUNT, NULL, NULL);
	if (eat(s, "banFactor"))
		return node(E_FACTOR, NULL, NULL);
	if (eat(s, "True") || eat(s, "False")) {
		struct expr *e = node(E_NUM, NULL, NULL);

		e->num = s->p[-1] == 'e' && s->p[-2] == 'u';	/* "True" */
		return e;
	}
	for (i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++) {
		n = strlen(funcs[i].name);
		if (strncmp(s->p, funcs[i].name, n) == 0 && !isalnum((unsigned char)s->p[n]) &&
		    s->p[n] != '_' && s->p[n] != '.') {
			struct expr *e = node(funcs[i].op, NULL, NULL);

			s->p += n;
			if (!eat(s, "(")) {
				expr_free(e);
				return fail(s, "'(' expected after a function name");
			}
			if ((e->a = parse_expr(s)) == NULL) {
				expr_free(e);
				return NULL;
			}
			if (funcs[i].nargs == 2 && (!eat(s, ",") || (e->b = parse_expr(s)) == NULL)) {
				expr_free(e);
				return fail(s, "two arguments expected");
			}
			if (!eat(s, ")")) {
				expr_free(e);
				return fail(s, "')' expected");
			}
			return e;
		}
	}
	return fail(s, "not supported in a ban time formula");
}

static struct expr *unary(struct ps *);

static struct expr *
power(struct ps *s)
{
	struct expr *a = atom(s), *b;

	if (a && eat(s, "**")) {
		if ((b = unary(s)) == NULL) {
			expr_free(a);
			return NULL;
		}
		return node(E_POW, a, b);
	}
	return a;
}

static struct expr *
unary_in(struct ps *s)
{
	struct expr *a;

	if (eat(s, "-"))
		return (a = unary(s)) ? node(E_NEG, a, NULL) : NULL;
	if (eat(s, "+"))
		return unary(s);
	return power(s);
}

static struct expr *
unary(struct ps *s)
{
	return deeper(s, unary_in);
}

/* binary levels, loosest last */
static struct expr *
binary(struct ps *s, int level)
{
	static const struct {
		const char	*tok;
		enum op		 op;
		int		 level;
	} ops[] = {
		{ "//", E_FDIV, 0 }, { "*", E_MUL, 0 }, { "/", E_DIV, 0 }, { "%", E_MOD, 0 },
		{ "+", E_ADD, 1 }, { "-", E_SUB, 1 },
		{ "<<", E_SHL, 2 }, { ">>", E_SHR, 2 },
		{ "<=", E_LE, 3 }, { ">=", E_GE, 3 }, { "==", E_EQ, 3 }, { "!=", E_NE, 3 },
		{ "<", E_LT, 3 }, { ">", E_GT, 3 },
	};
	struct expr *a = level == 0 ? unary(s) : binary(s, level - 1), *b;
	size_t i;

	while (a) {
		bool found = false;

		for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
			if (ops[i].level != level)
				continue;
			ws(s);
			/* "**" belongs to power, "*" must not take it */
			if (strcmp(ops[i].tok, "*") == 0 && s->p[0] == '*' && s->p[1] == '*')
				continue;
			if (eat(s, ops[i].tok)) {
				if ((b = level == 0 ? unary(s) : binary(s, level - 1)) == NULL) {
					expr_free(a);
					return NULL;
				}
				a = node(ops[i].op, a, b);
				found = true;
				break;
			}
		}
		if (!found)
			break;
	}
	return a;
}

static struct expr *negation(struct ps *);

static struct expr *
negation_in(struct ps *s)
{
	struct expr *a;

	if (eat(s, "not"))
		return (a = negation(s)) ? node(E_NOT, a, NULL) : NULL;
	return binary(s, 3);
}

static struct expr *
negation(struct ps *s)
{
	return deeper(s, negation_in);
}

static struct expr *
logic(struct ps *s)
{
	struct expr *a, *b;

	a = negation(s);
	while (a) {
		enum op op;

		if (eat(s, "and"))
			op = E_AND;
		else if (eat(s, "or"))
			op = E_OR;
		else
			break;
		if ((b = negation(s)) == NULL) {
			expr_free(a);
			return NULL;
		}
		a = node(op, a, b);
	}
	return a;
}

static struct expr *
conditional(struct ps *s)
{
	struct expr *a = logic(s), *c, *e;

	if (a && eat(s, "if")) {
		if ((c = logic(s)) == NULL || !eat(s, "else") || (e = parse_expr(s)) == NULL) {
			expr_free(a);
			expr_free(c);
			return fail(s, "'if ... else ...' incomplete");
		}
		{
			struct expr *n = node(E_IF, a, e);

			n->c = c;
			return n;
		}
	}
	return a;
}

static struct expr *
parse_expr(struct ps *s)
{
	return deeper(s, conditional);
}

struct expr *
expr_parse(const char *text, char **err)
{
	struct ps s = { text, NULL, 0 };
	struct expr *e;

	if (strlen(text) > EXPR_MAXLEN) {
		*err = xasprintf("expression too long (over %d characters)", EXPR_MAXLEN);
		return NULL;
	}
	e = parse_expr(&s);

	ws(&s);
	if (e && *s.p != '\0') {
		expr_free(e);
		e = fail(&s, "unexpected text");
	}
	if (e == NULL)
		*err = s.err ? s.err : xstrdup("invalid expression");
	return e;
}

static double
ev(const struct expr *e, const struct expr_vars *v, const char **err)
{
	double a, b;

	switch (e->op) {
	case E_NUM: return e->num;
	case E_TIME: return v->ban_time;
	case E_COUNT: return v->ban_count;
	case E_FACTOR: return v->ban_factor;
	case E_IF: return ev(e->c, v, err) != 0 ? ev(e->a, v, err) : ev(e->b, v, err);
	case E_AND: return ev(e->a, v, err) != 0 ? ev(e->b, v, err) : 0;
	case E_OR: a = ev(e->a, v, err); return a != 0 ? a : ev(e->b, v, err);
	default: break;
	}
	a = ev(e->a, v, err);
	b = e->b ? ev(e->b, v, err) : 0;
	switch (e->op) {
	case E_NEG: return -a;
	case E_NOT: return a == 0;
	case E_ADD: return a + b;
	case E_SUB: return a - b;
	case E_MUL: return a * b;
	case E_DIV: case E_FDIV: case E_MOD:
		if (b == 0) {
			*err = "division by zero";
			return 0;
		}
		return e->op == E_DIV ? a / b : e->op == E_FDIV ? floor(a / b) : a - b * floor(a / b);
	case E_POW: case E_POWF: return pow(a, b);
	case E_SHL: case E_SHR:
		/*
		 * Python shifts ints only, exactly: a * 2**b and floor(a / 2**b),
		 * which ldexp computes without a conversion that could overflow
		 * (a result past the doubles is inf; the ban time is clamped).
		 */
		if (!isfinite(a) || !isfinite(b) || a != trunc(a) || b != trunc(b))
			return *err = "unsupported operand type(s) for << or >>: 'float'", 0;
		if (b < 0)
			return *err = "negative shift count", 0;
		return e->op == E_SHL ? ldexp(a, b > 4096 ? 4096 : (int)b) :
		    floor(ldexp(a, -(b > 4096 ? 4096 : (int)b)));
	case E_LT: return a < b;
	case E_LE: return a <= b;
	case E_GT: return a > b;
	case E_GE: return a >= b;
	case E_EQ: return a == b;
	case E_NE: return a != b;
	case E_FLOAT: return a;
	case E_INT:
		if (isnan(a))
			return *err = "cannot convert float NaN to integer", 0;
		if (isinf(a))
			return *err = "cannot convert float infinity to integer", 0;
		return trunc(a);
	case E_MIN: return a < b ? a : b;
	case E_MAX: return a > b ? a : b;
	case E_ABS: return fabs(a);
	case E_EXP: return exp(a);
	case E_LOG: return a <= 0 ? (*err = "math domain error", 0) : log(a);
	case E_SQRT: return a < 0 ? (*err = "math domain error", 0) : sqrt(a);
	default: return 0;
	}
}

int
expr_eval(const struct expr *e, const struct expr_vars *v, double *out, char **err)
{
	const char *msg = NULL;

	*out = ev(e, v, &msg);
	if (msg) {
		*err = xstrdup(msg);
		return -1;
	}
	return 0;
}

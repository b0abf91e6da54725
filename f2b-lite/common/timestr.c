/* timestr: MyTime.str2seconds and seconds2str. */
#include "timestr.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyval.h"
#include "rx.h"
#include "strbuf.h"
#include "utf8.h"
#include "xmalloc.h"

/* ---- the rewrite ------------------------------------------------------- */

static const struct {
	const char	*units;
	const char	*factor;
} parts[] = {
	{ "days?|da|dd?", "*86400" },
	{ "weeks?|wee?|ww?", "*604800" },
	{ "months?|mon?", "*2629800.0" },
	{ "years?|yea?|yy?", "*31557600.0" },
	{ "seconds?|sec?|ss?", "*1" },
	{ "minutes?|min?|mm?", "*60" },
	{ "hours?|hou?|hh?", "*3600" },
};
#define NPARTS	(sizeof(parts) / sizeof(parts[0]))

/* re.sub(pattern, repl-with-\1, text) for the few patterns used here. */
static char *
resub(struct rx *rx, const char *text, const char *before, bool keep1, const char *mid,
    bool keep2)
{
	struct strbuf out = STRBUF_INIT;
	size_t len = strlen(text), pos = 0, sp[6];
	bool utf8 = utf8_check(text, len) == len;	/* rx_search needs it; checked once */

	while (utf8 && pos <= len && rx_search(rx, text, len, pos, false, sp, 3) == RX_MATCH) {
		strbuf_add(&out, text + pos, sp[0] - pos);
		strbuf_adds(&out, before);
		if (keep1)
			strbuf_add(&out, text + sp[2], sp[3] - sp[2]);
		strbuf_adds(&out, mid);
		if (keep2)
			strbuf_add(&out, text + sp[4], sp[5] - sp[4]);
		if (sp[1] == sp[0]) {
			if (sp[0] < len)
				strbuf_addc(&out, text[sp[0]]);
			pos = sp[0] + 1;
		} else
			pos = sp[1];
	}
	if (pos < len)
		strbuf_add(&out, text + pos, len - pos);
	return strbuf_detach(&out);
}

static struct rx *
compile_once(struct rx **slot, const char *pattern)
{
	char *err;

	if (*slot == NULL && (*slot = rx_compile(pattern, 0, &err)) == NULL)
		abort();	/* our own constant patterns */
	return *slot;
}

static char *
rewrite(const char *val)
{
	static struct rx *prep, *fini, *rxs[NPARTS];
	char *s, *t;
	size_t i;

	s = resub(compile_once(&prep, "(?i)(?<=[a-z])(\\d)"), val, " ", true, "", false);
	for (i = 0; i < NPARTS; i++) {
		char pat[64];

		if (rxs[i] == NULL) {
			snprintf(pat, sizeof(pat), "(?i)(?<=[\\d\\s])(%s)\\b", parts[i].units);
			compile_once(&rxs[i], pat);
		}
		t = resub(rxs[i], s, parts[i].factor, false, "", false);
		free(s);
		s = t;
	}
	t = resub(compile_once(&fini, "(\\d)\\s+(\\d)"), s, "", true, "+", true);
	free(s);
	return t;
}

/* ---- the evaluator ------------------------------------------------------ */

/*
 * Python's ints are unbounded; here they are exact 128-bit integers and a
 * result past that range (about 1.7e38) is refused rather than wrapped.
 * Floats are doubles, as Python's.  Errors are Python's messages.
 */
typedef __int128 i128;
#define I128_MAX	((i128)(((unsigned __int128)1 << 127) - 1))
#define I128_MIN	(-I128_MAX - 1)
#define TOO_BIG		"integer too large for f2b-lite (past 2**127)"

struct ev {
	const char	*p;
	const char	*err;
};

typedef struct timestr_val val_t;

static val_t
mkint(i128 i)
{
	val_t v = { true, i, (double)i };

	return v;
}

static val_t
mkflt(double f)
{
	val_t v = { false, 0, f };

	return v;
}

static void
skipws(struct ev *e)
{
	while (*e->p == ' ' || *e->p == '\t' || *e->p == '\n')
		e->p++;
}

static bool
name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80;
}

static val_t expr(struct ev *);

/* A number literal, Python's tokenizer rules (digits may hold single '_'). */
static val_t
number(struct ev *e)
{
	struct strbuf t = STRBUF_INIT;
	const char *s = e->p;
	bool flt = false, zeros = *s == '0';
	i128 n = 0;
	val_t v = mkint(0);

	for (;;) {
		if (isdigit((unsigned char)*e->p)) {
			int d = *e->p - '0';

			if (d)
				zeros = false;
			if (n > (I128_MAX - d) / 10)
				e->err = TOO_BIG;
			else
				n = n * 10 + d;
			strbuf_addc(&t, *e->p++);
		} else if (*e->p == '_' && isdigit((unsigned char)e->p[1]) && e->p > s)
			e->p++;
		else
			break;
	}
	if (*e->p == '.' && !(e->p > s && e->p[-1] == '_')) {
		flt = true;
		strbuf_addc(&t, *e->p++);
		while (isdigit((unsigned char)*e->p) ||
		    (*e->p == '_' && isdigit((unsigned char)e->p[1]) && isdigit((unsigned char)e->p[-1]))) {
			if (*e->p != '_')
				strbuf_addc(&t, *e->p);
			e->p++;
		}
	}
	if ((*e->p == 'e' || *e->p == 'E') && (isdigit((unsigned char)e->p[1]) ||
	    ((e->p[1] == '+' || e->p[1] == '-') && isdigit((unsigned char)e->p[2])))) {
		flt = true;
		strbuf_addc(&t, *e->p++);
		strbuf_addc(&t, *e->p++);
		while (isdigit((unsigned char)*e->p))
			strbuf_addc(&t, *e->p++);
	}
	if (*s == '0' && e->p - s == 1 && strchr("xXoObB", *e->p) && *e->p)
		e->err = *e->p == 'x' || *e->p == 'X' ? "invalid hexadecimal literal" :
		    *e->p == 'o' || *e->p == 'O' ? "invalid octal literal" :
		    "invalid binary literal";
	else if (name_char(*e->p))
		e->err = "invalid decimal literal";
	else if (flt)
		v = mkflt(strtod(strbuf_str(&t), NULL));	/* inf past DBL_MAX, as Python */
	else if (*s == '0' && !zeros)
		e->err = "leading zeros in decimal integer literals are not permitted; "
		    "use an 0o prefix for octal integers";
	else if (e->err == NULL)
		v = mkint(n);
	strbuf_free(&t);
	return v;
}

static val_t
atom(struct ev *e)
{
	val_t v = mkint(0);

	skipws(e);
	if (*e->p == '(') {
		e->p++;
		v = expr(e);
		skipws(e);
		if (e->err)
			return v;
		if (*e->p != ')')
			e->err = "'(' was never closed";
		else
			e->p++;
		return v;
	}
	if (isdigit((unsigned char)*e->p) || (*e->p == '.' && isdigit((unsigned char)e->p[1])))
		return number(e);
	if (isalpha((unsigned char)*e->p) || *e->p == '_') {
		/* Python's eval: an unknown name */
		static char msg[128];
		size_t n = 0;

		while (n < 60 && (isalnum((unsigned char)e->p[n]) || e->p[n] == '_'))
			n++;
		snprintf(msg, sizeof(msg), "name '%.*s' is not defined", (int)n, e->p);
		e->err = msg;
		return v;
	}
	e->err = "invalid syntax";
	return v;
}

static val_t unary(struct ev *);

/* Python's float ** float, or NULL-free error (a complex result is refused). */
static val_t
fpow(struct ev *e, double a, double b)
{
	double r;

	if (a == 0 && b < 0) {
		e->err = "0.0 cannot be raised to a negative power";
		return mkflt(0);
	}
	if (a < 0 && isfinite(b) && b != floor(b)) {
		e->err = "a negative number to a fractional power is complex (not a time)";
		return mkflt(0);
	}
	r = pow(a, b);
	if (isinf(r) && isfinite(a) && isfinite(b)) {
		e->err = "(34, 'Numerical result out of range')";
		return mkflt(0);
	}
	return mkflt(r);
}

static val_t
power(struct ev *e)
{
	val_t a = atom(e), b;

	skipws(e);
	if (e->err || e->p[0] != '*' || e->p[1] != '*')
		return a;
	e->p += 2;
	b = unary(e);	/* right-associative, binds tighter than unary minus on its left */
	if (e->err)
		return a;
	if (a.is_int && b.is_int && b.i >= 0) {
		/* exact, by squaring: at most 127 steps whatever the exponent */
		i128 r = 1, base = a.i, k = b.i;

		if (base == 0 || base == 1)
			return mkint(k == 0 ? 1 : base);
		if (base == -1)
			return mkint(k % 2 ? -1 : 1);
		while (k > 0) {
			if ((k & 1) && __builtin_mul_overflow(r, base, &r)) {
				e->err = TOO_BIG;
				return a;
			}
			k >>= 1;
			if (k > 0 && __builtin_mul_overflow(base, base, &base)) {
				e->err = TOO_BIG;
				return a;
			}
		}
		return mkint(r);
	}
	return fpow(e, a.f, b.f);
}

static val_t
unary(struct ev *e)
{
	skipws(e);
	if (*e->p == '-' || *e->p == '+') {
		bool neg = *e->p++ == '-';
		val_t v = unary(e);

		if (!neg || e->err)
			return v;
		if (!v.is_int)
			return mkflt(-v.f);
		if (v.i == I128_MIN) {
			e->err = TOO_BIG;
			return v;
		}
		return mkint(-v.i);
	}
	return power(e);
}

/* Python's float divmod (Objects/floatobject.c): b is not 0. */
static void
fdivmod(double a, double b, double *floordiv, double *mod)
{
	double m = fmod(a, b), div = (a - m) / b;

	if (m != 0) {
		if ((b < 0) != (m < 0)) {
			m += b;
			div -= 1.0;
		}
	} else
		m = copysign(0.0, b);
	if (div != 0) {
		*floordiv = floor(div);
		if (div - *floordiv > 0.5)
			*floordiv += 1.0;
	} else
		*floordiv = copysign(0.0, a / b);
	*mod = m;
}

static val_t
muldiv(struct ev *e, char op, bool floordiv, val_t a, val_t b)
{
	i128 r;

	if (op == '*') {
		if (!a.is_int || !b.is_int)
			return mkflt(a.f * b.f);
		if (__builtin_mul_overflow(a.i, b.i, &r)) {
			e->err = TOO_BIG;
			return a;
		}
		return mkint(r);
	}
	if (op == '/' && !floordiv) {
		if (b.f == 0 && (!b.is_int || b.i == 0)) {
			e->err = a.is_int && b.is_int ? "division by zero" : "float division by zero";
			return a;
		}
		return mkflt(a.f / b.f);
	}
	if (a.is_int && b.is_int) {
		i128 q, m;

		if (b.i == 0) {
			e->err = "integer division or modulo by zero";
			return a;
		}
		if (b.i == -1) {
			/* the one quotient past the range, and C's remainder trap */
			if (op == '%')
				return mkint(0);
			if (a.i == I128_MIN) {
				e->err = TOO_BIG;
				return a;
			}
			return mkint(-a.i);
		}
		q = a.i / b.i;
		m = a.i % b.i;
		if (m != 0 && ((m < 0) != (b.i < 0))) {
			q--;
			m += b.i;
		}
		return mkint(op == '%' ? m : q);
	} else {
		double fd, fm;

		if (b.f == 0) {
			e->err = op == '%' ? "float modulo" : "float floor division by zero";
			return a;
		}
		fdivmod(a.f, b.f, &fd, &fm);
		return mkflt(op == '%' ? fm : fd);
	}
}

static val_t
term(struct ev *e)
{
	val_t a = unary(e), b;

	for (;;) {
		char op;
		bool floordiv = false;

		skipws(e);
		if (e->err)
			return a;
		op = *e->p;
		if (op == '*' && e->p[1] != '*')
			e->p++;
		else if (op == '/' && e->p[1] == '/') {
			e->p += 2;
			floordiv = true;
		} else if (op == '/' || op == '%')
			e->p++;
		else
			return a;
		b = unary(e);
		if (e->err)
			return a;
		a = muldiv(e, op, floordiv, a, b);
	}
}

static val_t
expr(struct ev *e)
{
	val_t a = term(e), b;

	for (;;) {
		char op;
		i128 r;

		skipws(e);
		if (e->err || (*e->p != '+' && *e->p != '-'))
			return a;
		op = *e->p++;
		b = term(e);
		if (e->err)
			return a;
		if (!a.is_int || !b.is_int)
			a = mkflt(op == '+' ? a.f + b.f : a.f - b.f);
		else if (op == '+' ? __builtin_add_overflow(a.i, b.i, &r) :
		    __builtin_sub_overflow(a.i, b.i, &r)) {
			e->err = TOO_BIG;
			return a;
		} else
			a = mkint(r);
	}
}

static bool
syntax_error(const char *msg)
{
	return strcmp(msg, "invalid syntax") == 0 || strstr(msg, "never closed") ||
	    strstr(msg, " literal");
}

int
timestr_parse(const char *s, struct timestr_val *out, char **err)
{
	char *text = rewrite(s);
	struct ev e = { text, NULL };
	val_t v;

	v = expr(&e);
	skipws(&e);
	if (e.err == NULL && *e.p != '\0')
		e.err = "invalid syntax";
	if (e.err == NULL && *text == '\0')
		e.err = "invalid syntax";
	if (e.err) {
		/* str() of Python's exception: a SyntaxError names the place */
		*err = syntax_error(e.err) ? xasprintf("%s (<string>, line 1)", e.err) :
		    xstrdup(e.err);
		free(text);
		return -1;
	}
	free(text);
	*out = v;
	return 0;
}

void
timestr_print(const struct timestr_val *v, struct strbuf *out)
{
	char digits[48], *p = digits + sizeof(digits);
	unsigned __int128 u;

	if (!v->is_int) {
		pyval_repr_float(v->f, out);
		return;
	}
	u = v->i < 0 ? -(unsigned __int128)v->i : (unsigned __int128)v->i;
	*--p = '\0';
	do
		*--p = (char)('0' + (int)(u % 10));
	while ((u /= 10) > 0);
	if (v->i < 0)
		*--p = '-';
	strbuf_adds(out, p);
}

double
timestr_clamp(double secs, bool *saturated)
{
	if (secs > TIMESTR_MAX || secs < -TIMESTR_MAX) {
		if (saturated)
			*saturated = true;
		return secs > 0 ? TIMESTR_MAX : -TIMESTR_MAX;
	}
	return secs;
}

int
timestr_seconds(const char *s, double *secs, bool *saturated, char **err)
{
	struct timestr_val v;

	if (saturated)
		*saturated = false;
	if (timestr_parse(s, &v, err) < 0)
		return -1;
	if (isnan(v.f)) {
		*err = xasprintf("not a number of seconds (%s)", s);
		return -1;
	}
	*secs = timestr_clamp(v.f, saturated);
	return 0;
}

/* ---- seconds2str -------------------------------------------------------- */

void
timestr_format(double sec, char *buf, size_t len)
{
	struct strbuf r = STRBUF_INIT;
	long long s;

	/* every conversion below stays in range */
	sec = isnan(sec) ? 0 : timestr_clamp(sec, NULL);
	if (sec >= 31536000) {
		s = llround(sec / 86400);
		strbuf_addf(&r, "%lldy ", s / 365);
		s %= 365;
		if (s >= 7) {
			strbuf_addf(&r, "%lldw ", s / 7);
			s %= 7;
		}
		if (s)
			strbuf_addf(&r, "%lldd ", s);
	} else if (sec >= 604800) {
		s = llround(sec / 3600);
		strbuf_addf(&r, "%lldw ", s / 168);
		s %= 168;
		if (s >= 24) {
			strbuf_addf(&r, "%lldd ", s / 24);
			s %= 24;
		}
		if (s)
			strbuf_addf(&r, "%lldh ", s);
	} else if (sec >= 86400) {
		s = llround(sec / 60);
		strbuf_addf(&r, "%lldd ", s / 1440);
		s %= 1440;
		if (s >= 60) {
			strbuf_addf(&r, "%lldh ", s / 60);
			s %= 60;
		}
		if (s)
			strbuf_addf(&r, "%lldm ", s);
	} else if (sec >= 3595) {
		s = llround(sec / 10);
		strbuf_addf(&r, "%lldh ", s / 360);
		s %= 360;
		if (s >= 6)
			strbuf_addf(&r, "%lldm ", s / 6);
	} else {
		s = (long long)sec;
		if (s >= 60) {
			strbuf_addf(&r, "%lldm ", s / 60);
			s %= 60;
		}
		if (s)
			strbuf_addf(&r, "%llds ", s);
	}
	if (r.len)
		r.len--;	/* the trailing space */
	snprintf(buf, len, "%.*s", (int)r.len, r.s ? r.s : "");
	strbuf_free(&r);
}

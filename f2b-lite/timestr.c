/* timestr: MyTime.str2seconds and seconds2str. */
#include "timestr.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

struct ev {
	const char	*p;
	const char	*err;
};

typedef struct timestr_val val_t;

static val_t
mkint(long long i)
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

static val_t expr(struct ev *);

static val_t
atom(struct ev *e)
{
	val_t v = mkint(0);

	skipws(e);
	if (*e->p == '(') {
		e->p++;
		v = expr(e);
		skipws(e);
		if (*e->p != ')')
			e->err = "'(' was never closed";
		else
			e->p++;
		return v;
	}
	if (isdigit((unsigned char)*e->p) || (*e->p == '.' && isdigit((unsigned char)e->p[1]))) {
		const char *s = e->p;
		bool flt = false;

		while (isdigit((unsigned char)*e->p) || *e->p == '_')
			e->p++;
		if (*e->p == '.') {
			flt = true;
			e->p++;
			while (isdigit((unsigned char)*e->p))
				e->p++;
		}
		if ((*e->p == 'e' || *e->p == 'E') && (isdigit((unsigned char)e->p[1]) ||
		    ((e->p[1] == '+' || e->p[1] == '-') && isdigit((unsigned char)e->p[2])))) {
			flt = true;
			e->p += 2;
			while (isdigit((unsigned char)*e->p))
				e->p++;
		}
		if (flt)
			return mkflt(strtod(s, NULL));
		if (*s == '0' && e->p - s > 1 && strspn(s, "0") < (size_t)(e->p - s)) {
			e->err = "leading zeros in decimal integer literals are not permitted";
			return v;
		}
		return mkint(strtoll(s, NULL, 10));
	}
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

static val_t
power(struct ev *e)
{
	val_t a = atom(e), b;

	skipws(e);
	if (e->err || e->p[0] != '*' || e->p[1] != '*')
		return a;
	e->p += 2;
	b = unary(e);	/* right-associative, binds tighter than unary minus on its left */
	if (a.is_int && b.is_int && b.i >= 0) {
		long long r = 1, k;

		for (k = 0; k < b.i && k < 64; k++)
			r *= a.i;
		return mkint(r);
	}
	return mkflt(pow(a.f, b.f));
}

static val_t
unary(struct ev *e)
{
	skipws(e);
	if (*e->p == '-' || *e->p == '+') {
		bool neg = *e->p++ == '-';
		val_t v = unary(e);

		if (!neg)
			return v;
		return v.is_int ? mkint(-v.i) : mkflt(-v.f);
	}
	return power(e);
}

static double
pymod(double a, double b)
{
	double r = fmod(a, b);

	return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
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
		if (op == '*')
			a = a.is_int && b.is_int ? mkint(a.i * b.i) : mkflt(a.f * b.f);
		else {
			if (b.f == 0) {
				e->err = "division by zero";
				return a;
			}
			if (floordiv)
				a = a.is_int && b.is_int ?
				    mkint((long long)floor((double)a.i / (double)b.i)) :
				    mkflt(floor(a.f / b.f));
			else if (op == '%')
				a = a.is_int && b.is_int ?
				    mkint(((a.i % b.i) + b.i) % b.i) : mkflt(pymod(a.f, b.f));
			else
				a = mkflt(a.f / b.f);
		}
	}
}

static val_t
expr(struct ev *e)
{
	val_t a = term(e), b;

	for (;;) {
		char op;

		skipws(e);
		if (e->err || (*e->p != '+' && *e->p != '-'))
			return a;
		op = *e->p++;
		b = term(e);
		if (e->err)
			return a;
		if (op == '+')
			a = a.is_int && b.is_int ? mkint(a.i + b.i) : mkflt(a.f + b.f);
		else
			a = a.is_int && b.is_int ? mkint(a.i - b.i) : mkflt(a.f - b.f);
	}
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
		*err = strncmp(e.err, "name '", 6) == 0 ? xstrdup(e.err) :
		    xasprintf("%s (%s)", e.err, s);
		free(text);
		return -1;
	}
	free(text);
	*out = v;
	return 0;
}

/* ---- seconds2str -------------------------------------------------------- */

void
timestr_format(double sec, char *buf, size_t len)
{
	struct strbuf r = STRBUF_INIT;
	long long s;

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

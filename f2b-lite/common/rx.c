/*
 * rx: PCRE2 behind Python's re dialect.  One match context carries the
 * limits and the JIT stack for every search; each compiled pattern carries
 * its own match data, which is fine for our single thread.  A pattern also
 * gets an ASCII twin (compiled without UTF and UCP: a third faster, the
 * same answers on ASCII subjects) where its text allows, and the facts
 * pcre2_match() would check first (anchoring, start bytes, minimum length)
 * are checked before calling it at all.
 */
#include "rx.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "utf8.h"
#include "xmalloc.h"

/*
 * Limits: a search that needs more backtracking steps than this is
 * abandoned and counts as "no match".  Real filters need a few thousand
 * steps per line; catastrophic patterns need billions.
 */
#define RX_MATCH_LIMIT		1000000
#define RX_DEPTH_LIMIT		10000
#define RX_JIT_STACK_MAX	(1u << 20)

struct rx {
	pcre2_code		*code;
	/*
	 * The same pattern compiled without UTF and UCP, for subjects known
	 * to be ASCII (see rx_search_ascii()), made at its first use from
	 * tpat (the pattern in PCRE2 syntax) and opts; NULL when it cannot be.
	 */
	pcre2_code		*acode;
	char			*tpat;
	uint32_t		 opts;
	bool			 atried;
	pcre2_match_data	*md;
	char			*pattern;
	char			**names;	/* names[i] for group i, or NULL */
	int			 ngroups;
	/*
	 * PCRE2's own start-of-match facts, checked before calling it: an
	 * anchored pattern can only match at the start offset, and then only
	 * on a byte in startok; no match is shorter than minlen bytes.
	 */
	bool			 anchored;
	bool			 jit, ajit;	/* code, acode JIT-compiled */
	bool			 jtried;	/* code's JIT compile tried (on first use) */
	uint32_t		 minlen;
	uint8_t			 startok[256];
};

static pcre2_match_context *rx_mctx;
static pcre2_jit_stack *rx_jit_stack;
static unsigned long rx_limit = RX_MATCH_LIMIT;

static pcre2_match_context *
rx_context(void)
{
	if (rx_mctx == NULL) {
		rx_mctx = pcre2_match_context_create(NULL);
		if (rx_mctx == NULL)
			abort();
		pcre2_set_match_limit(rx_mctx, (uint32_t)rx_limit);
		pcre2_set_depth_limit(rx_mctx, RX_DEPTH_LIMIT);
		rx_jit_stack = pcre2_jit_stack_create(32 * 1024, RX_JIT_STACK_MAX, NULL);
		if (rx_jit_stack != NULL)
			pcre2_jit_stack_assign(rx_mctx, NULL, rx_jit_stack);
	}
	return rx_mctx;
}

void
rx_set_match_limit(unsigned long limit)
{
	rx_limit = limit ? limit : RX_MATCH_LIMIT;
	pcre2_set_match_limit(rx_context(), (uint32_t)rx_limit);
}

/*
 * Python re spellings PCRE2 reads differently: the u (and a, L) inline
 * flags, {,n} (Python: {0,n}; PCRE2 10.42: literal), \Z (Python: end of
 * string = PCRE2 \z) and \uXXXX / \UXXXXXXXX escapes.
 */
char *
rx_translate(const char *p)
{
	struct strbuf sb = STRBUF_INIT;
	bool inclass = false;

	while (*p) {
		if (*p == '\\' && p[1]) {
			if (p[1] == 'Z' && !inclass)
				strbuf_adds(&sb, "\\z");
			else if (p[1] == 'u' && strspn(p + 2, "0123456789abcdefABCDEF") >= 4) {
				strbuf_addf(&sb, "\\x{%.4s}", p + 2);
				p += 6;
				continue;
			} else if (p[1] == 'U' && strspn(p + 2, "0123456789abcdefABCDEF") >= 8) {
				strbuf_addf(&sb, "\\x{%.8s}", p + 2);
				p += 10;
				continue;
			} else
				strbuf_add(&sb, p, 2);
			p += 2;
			continue;
		}
		if (inclass) {
			if (*p == ']')
				inclass = false;
			strbuf_addc(&sb, *p++);
			continue;
		}
		if (*p == '[') {
			inclass = true;
			strbuf_addc(&sb, *p++);
			if (*p == '^')
				strbuf_addc(&sb, *p++);
			if (*p == ']')		/* a leading ] is literal */
				strbuf_addc(&sb, *p++);
			continue;
		}
		if (*p == '{' && p[1] == ',') {
			size_t d = strspn(p + 2, "0123456789");

			if (d > 0 && p[2 + d] == '}') {
				strbuf_adds(&sb, "{0");
				p++;
				continue;
			}
		}
		if (p[0] == '(' && p[1] == '?') {
			size_t n = strspn(p + 2, "aiLmsux");

			if (n > 0 && (p[2 + n] == ')' || p[2 + n] == ':' || p[2 + n] == '-')) {
				struct strbuf fl = STRBUF_INIT;
				size_t i;

				for (i = 0; i < n; i++)
					if (p[2 + i] != 'u' && p[2 + i] != 'a' && p[2 + i] != 'L')
						strbuf_addc(&fl, p[2 + i]);
				if (fl.len == 0 && p[2 + n] == ')') {
					p += 3 + n;	/* (?u) alone: nothing left */
					strbuf_free(&fl);
					continue;
				}
				strbuf_adds(&sb, "(?");
				strbuf_add(&sb, strbuf_str(&fl), fl.len);
				strbuf_free(&fl);
				p += 2 + n;
				continue;
			}
		}
		strbuf_addc(&sb, *p++);
	}
	return strbuf_detach(&sb);
}

/* Skips a character class starting at p ('['); returns its end. */
const char *
rx_skip_class(const char *p)
{
	p++;
	if (*p == '^')
		p++;
	if (*p == ']')		/* a leading ] is literal */
		p++;
	for (; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		/* PCRE2's [:name:] (and [.x.], [=x=]) hold a "]" of their own */
		if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
			char term[3] = { p[1], ']', '\0' };
			const char *e = strstr(p + 2, term);

			if (e != NULL) {
				p = e + 1;
				continue;
			}
		}
		if (*p == ']')
			return p + 1;
	}
	return p;
}

/* Skips a group or a class starting at p; returns the end. */
const char *
rx_skip_group(const char *p)
{
	int depth = 0;

	if (*p == '[')
		return rx_skip_class(p);
	for (; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (*p == '[') {
			p = rx_skip_class(p);
			if (*p == '\0')
				break;
			p--;
			continue;
		}
		if (*p == '(')
			depth++;
		else if (*p == ')' && --depth == 0)
			return p + 1;
	}
	return p;
}

/*
 * The end of the escape at p (a backslash): an escape's arguments (\x41,
 * \u0041, \N{...}, \012, \g<1>...) must not pass for literal text.
 */
static const char *
rx_skip_escape(const char *p)
{
	char e = p[1];
	const char *q = p + 2;
	size_t n = 0;

	if (e == '\0')
		return p + 1;
	if ((e == 'x' || e == 'o' || e == 'N' || e == 'p' || e == 'P' || e == 'g' ||
	    e == 'k') && (*q == '{' || *q == '<' || *q == '\'')) {
		char close = *q == '{' ? '}' : *q == '<' ? '>' : '\'';
		const char *c = strchr(q, close);

		return c ? c + 1 : q + strlen(q);
	}
	if (e == 'x')
		n = 2;
	else if (e == 'u')
		n = 4;
	else if (e == 'U')
		n = 8;
	else if (e >= '0' && e <= '9')
		n = 2;
	else if (e == 'p' || e == 'P' || e == 'c' || e == 'g')
		n = 1;
	while (n-- > 0 && *q && (e == 'p' || e == 'P' || e == 'c' ||
	    strchr("0123456789abcdefABCDEF", *q) != NULL))
		q++;
	return q;
}

/*
 * Every literal run at the top level of a Python-dialect pattern: text that
 * each match must contain.  The runs go NUL-separated into out; *pure tells
 * whether the pattern is nothing but literal text.  Returns false when the
 * pattern's form voids the analysis.
 */
static bool
rx_literal_runs(const char *p, struct strbuf *out, bool *pure)
{
	struct strbuf run = STRBUF_INIT;
	const char *q;

	*pure = *p != '\0';
	/* flags that change what a literal means make the analysis void */
	if (strstr(p, "(?i") || strstr(p, "(?x") || strstr(p, "(?s") ||
	    strstr(p, "(?L") || strstr(p, "\\Q"))
		return false;
	for (q = p; *q; q++)	/* top-level alternation: give up */
		if (*q == '(' || *q == '[') {
			q = rx_skip_group(q) - 1;
			if (*q == '\0')
				break;
		} else if (*q == '\\' && q[1])
			q++;
		else if (*q == '|')
			return false;
	while (*p) {
		int c = -1;		/* a literal character, or -1 */
		const char *next;

		if (*p == '(' || *p == '[') {
			next = rx_skip_group(p);
		} else if (*p == '\\' && p[1]) {
			char e = p[1];

			next = p + 2;
			if (e == 't')
				c = '\t';
			else if (e == 'n')
				c = '\n';
			else if (!((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') ||
			    (e >= '0' && e <= '9')) && (unsigned char)e < 0x80)
				c = e;		/* an escaped punctuation character */
			else
				next = rx_skip_escape(p);
		} else {
			next = p + 1;
			if ((unsigned char)*p < 0x80 && !strchr(".^$*+?{}()[]|", *p))
				c = *p;
		}
		/* a quantifier after the item: optional, or repeated at least once */
		if (*next == '?' || *next == '*' || *next == '{') {
			c = -1;
		} else if (*next == '+') {
			if (c >= 0)
				strbuf_addc(&run, (char)c);
			c = -1;
		}
		if (c >= 0)
			strbuf_addc(&run, (char)c);
		else {
			*pure = false;
			if (run.len)
				strbuf_add(out, run.s, run.len + 1);
			strbuf_reset(&run);
		}
		p = next;
		while (*p == '?' || *p == '*' || *p == '+' || *p == '{') {
			if (*p == '{') {
				const char *e = strchr(p, '}');

				p = e ? e + 1 : p + 1;
			} else
				p++;
		}
	}
	if (run.len)
		strbuf_add(out, run.s, run.len + 1);
	strbuf_free(&run);
	return true;
}

char *
rx_required_literal(const char *p)
{
	struct strbuf runs = STRBUF_INIT;
	const char *r, *best = NULL;
	char *lit = NULL;
	size_t bestlen = 0;
	bool pure;

	if (rx_literal_runs(p, &runs, &pure))
		for (r = runs.s; r && r < runs.s + runs.len; r += strlen(r) + 1)
			if (strlen(r) > bestlen) {
				best = r;
				bestlen = strlen(r);
			}
	if (bestlen >= 3)
		lit = xstrdup(best);
	strbuf_free(&runs);
	return lit;
}

char **
rx_required_literals(const char *p, size_t min, size_t *n)
{
	struct strbuf runs = STRBUF_INIT;
	const char *r;
	char **lits = NULL;
	size_t cap = 0, i, j;
	bool pure;

	*n = 0;
	if (rx_literal_runs(p, &runs, &pure))
		for (r = runs.s; r && r < runs.s + runs.len; r += strlen(r) + 1) {
			/* all the pattern is: telling it apart is the whole search */
			if (strlen(r) < min && !pure)
				continue;
			/* text inside a literal kept already adds nothing */
			for (i = 0; i < *n && strstr(lits[i], r) == NULL; i++)
				;
			if (i < *n)
				continue;
			/* ... and a longer one makes kept ones redundant */
			for (i = j = 0; i < *n; i++)
				if (strstr(r, lits[i]) == NULL)
					lits[j++] = lits[i];
				else
					free(lits[i]);
			*n = j;
			lits = xgrow(lits, &cap, *n + 1, sizeof(*lits));
			/* longest first: the longer, the fewer lines hold it */
			for (i = *n; i > 0 && strlen(lits[i - 1]) < strlen(r); i--)
				;
			for (j = *n; j > i; j--)
				lits[j] = lits[j - 1];
			lits[i] = xstrdup(r);
			(*n)++;
		}
	strbuf_free(&runs);
	return lits;
}

/*
 * Whether a pattern (PCRE2 syntax) matches an ASCII subject exactly as it
 * does compiled without UTF and UCP.  On ASCII text \w, \d, \s, \b, the
 * POSIX classes and caseless letters mean the same in both modes (checked
 * for every ASCII character); what differs is code points above 0xff,
 * which only UTF mode can write (\x{...}, \o{...}, \N{U+...}, non-ASCII
 * pattern text: a caseless K or S may fold onto one of them), properties
 * (\p, \P, \X; left out to be safe) and leading option verbs.
 */
static bool
rx_ascii_safe(const char *p)
{
	const char *q;

	if (p[0] == '(' && p[1] == '*')
		return false;
	for (q = p; *q; q++) {
		if ((unsigned char)*q >= 0x80)
			return false;
		if (*q == '\\' && q[1]) {
			q++;
			if (strchr("pPX", *q) || ((*q == 'x' || *q == 'o' || *q == 'N') &&
			    q[1] == '{'))
				return false;
		}
	}
	return true;
}

/* Whether pcre2_jit_match() can run code. */
static bool
rx_jitted(const pcre2_code *code)
{
	size_t size = 0;

	return pcre2_pattern_info(code, PCRE2_INFO_JITSIZE, &size) == 0 && size > 0;
}

/*
 * The ASCII twin of a compiled pattern: the same groups, the same names,
 * JIT-compiled like it.  NULL when it cannot be made.
 */
static pcre2_code *
rx_ascii_twin(const char *pat, uint32_t opts, const struct rx *rx)
{
	uint32_t cap = 0, count = 0, size = 0, acount = 0, asize = 0;
	PCRE2_SPTR table, atable;
	PCRE2_SIZE erroff;
	pcre2_code *c;
	int errcode;

	if (!rx_ascii_safe(pat))
		return NULL;
	c = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
	    opts & ~(PCRE2_UTF | PCRE2_UCP), &errcode, &erroff, NULL);
	if (c == NULL)
		return NULL;
	pcre2_pattern_info(c, PCRE2_INFO_CAPTURECOUNT, &cap);
	pcre2_pattern_info(rx->code, PCRE2_INFO_NAMECOUNT, &count);
	pcre2_pattern_info(rx->code, PCRE2_INFO_NAMEENTRYSIZE, &size);
	pcre2_pattern_info(rx->code, PCRE2_INFO_NAMETABLE, &table);
	pcre2_pattern_info(c, PCRE2_INFO_NAMECOUNT, &acount);
	pcre2_pattern_info(c, PCRE2_INFO_NAMEENTRYSIZE, &asize);
	pcre2_pattern_info(c, PCRE2_INFO_NAMETABLE, &atable);
	if ((int)cap != rx->ngroups || count != acount || size != asize ||
	    (count && memcmp(table, atable, (size_t)count * size) != 0)) {
		pcre2_code_free(c);
		return NULL;
	}
	pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
	return c;
}

/*
 * What pcre2_match()'s start-up optimizations know of where a match can
 * begin (PCRE2_INFO_ALLOPTIONS has PCRE2_ANCHORED for patterns anchored by
 * their form; the first code unit or the start bitmap; the minimum length).
 * Erring towards "may match" is always safe: PCRE2 then decides.
 */
static void
rx_start_facts(struct rx *rx)
{
	uint32_t opts = 0, type = 0, unit = 0, i;
	const uint8_t *bits = NULL;

	memset(rx->startok, 1, sizeof(rx->startok));
	rx->anchored = false;
	rx->minlen = 0;
	if (pcre2_pattern_info(rx->code, PCRE2_INFO_MINLENGTH, &rx->minlen) != 0)
		rx->minlen = 0;
	if (pcre2_pattern_info(rx->code, PCRE2_INFO_ALLOPTIONS, &opts) != 0 ||
	    (opts & PCRE2_ANCHORED) == 0 || (opts & PCRE2_NO_START_OPTIMIZE) != 0)
		return;
	if (pcre2_pattern_info(rx->code, PCRE2_INFO_FIRSTCODETYPE, &type) != 0 ||
	    pcre2_pattern_info(rx->code, PCRE2_INFO_FIRSTBITMAP, &bits) != 0)
		return;
	if (type == 1) {
		if (pcre2_pattern_info(rx->code, PCRE2_INFO_FIRSTCODEUNIT, &unit) != 0)
			return;
	} else if (bits == NULL)
		return;
	memset(rx->startok, 0, sizeof(rx->startok));
	if (type == 1) {
		if (unit >= 0x80) {
			/* a caseless partner may start with another lead byte */
			for (i = 0x80; i < 256; i++)
				rx->startok[i] = 1;
		} else {
			rx->startok[unit] = 1;
			if (unit >= 'a' && unit <= 'z')
				rx->startok[unit - 'a' + 'A'] = 1;
			else if (unit >= 'A' && unit <= 'Z')
				rx->startok[unit - 'A' + 'a'] = 1;
		}
	}
	for (i = 0; bits && i < 256; i++)
		if (bits[i / 8] & (1u << (i % 8)))
			rx->startok[i] = 1;
	rx->anchored = true;
}

struct rx *
rx_compile(const char *pattern, unsigned flags, char **err)
{
	uint32_t opts = PCRE2_UTF | PCRE2_UCP, cap, count, size, i;
	PCRE2_SPTR table;
	PCRE2_SIZE erroff;
	struct rx *rx;
	char *pat;
	int errcode;

	*err = NULL;
	if (flags & RX_DOTALL)
		opts |= PCRE2_DOTALL;
	if (flags & RX_MULTILINE)
		opts |= PCRE2_MULTILINE;
	if (flags & RX_CASELESS)
		opts |= PCRE2_CASELESS;
	if (flags & RX_DUPNAMES)
		opts |= PCRE2_DUPNAMES;
	pat = flags & RX_LITERAL ? xstrdup(pattern) : rx_translate(pattern);
	rx = xcalloc(1, sizeof(*rx));
	rx->code = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, opts,
	    &errcode, &erroff, NULL);
	if (rx->code == NULL) {
		PCRE2_UCHAR msg[256];

		free(pat);
		pcre2_get_error_message(errcode, msg, sizeof(msg));
		*err = xasprintf("%s at position %zu", (char *)msg, (size_t)erroff);
		free(rx);
		return NULL;
	}
	pcre2_pattern_info(rx->code, PCRE2_INFO_CAPTURECOUNT, &cap);
	rx->ngroups = (int)cap;
	rx->tpat = pat;
	rx->opts = opts;
	rx->names = xcalloc(cap + 1, sizeof(*rx->names));
	pcre2_pattern_info(rx->code, PCRE2_INFO_NAMECOUNT, &count);
	pcre2_pattern_info(rx->code, PCRE2_INFO_NAMEENTRYSIZE, &size);
	pcre2_pattern_info(rx->code, PCRE2_INFO_NAMETABLE, &table);
	for (i = 0; i < count; i++) {
		PCRE2_SPTR e = table + i * size;
		int n = (e[0] << 8) | e[1];

		if (n >= 0 && n <= (int)cap && rx->names[n] == NULL)
			rx->names[n] = xstrdup((const char *)e + 2);
	}
	rx_start_facts(rx);
	rx->md = pcre2_match_data_create_from_pattern(rx->code, NULL);
	rx->pattern = xstrdup(pattern);
	if (rx->md == NULL)
		abort();
	rx_context();
	return rx;
}

void
rx_free(struct rx *rx)
{
	int i;

	if (rx == NULL)
		return;
	for (i = 0; i <= rx->ngroups; i++)
		free(rx->names[i]);
	free(rx->names);
	free(rx->pattern);
	pcre2_match_data_free(rx->md);
	pcre2_code_free(rx->code);
	pcre2_code_free(rx->acode);
	free(rx->tpat);
	free(rx);
}

const char *
rx_pattern(const struct rx *rx)
{
	return rx->pattern;
}

int
rx_ngroups(const struct rx *rx)
{
	return rx->ngroups;
}

int
rx_group_number(const struct rx *rx, const char *name)
{
	int n = pcre2_substring_number_from_name(rx->code, (PCRE2_SPTR)name);

	return n < 0 ? -1 : n;
}

bool
rx_may_match(const struct rx *rx, const char *subj, size_t len, size_t start)
{
	if (start > len || len - start < rx->minlen)
		return false;
	return !rx->anchored ||
	    (start < len && rx->startok[(unsigned char)subj[start]]);
}

bool
rx_may_start_with(const struct rx *rx, unsigned char c)
{
	return !rx->anchored || rx->startok[c];
}

bool
rx_start_filtered(const struct rx *rx)
{
	return rx->anchored;
}

const char *
rx_group_name(const struct rx *rx, int i)
{
	return i >= 0 && i <= rx->ngroups ? rx->names[i] : NULL;
}

static int
rx_run(const struct rx *rx, const pcre2_code *code, const char *subj, size_t len,
    size_t start, bool anchored, size_t *span, int nspan)
{
	PCRE2_SIZE *ov;
	uint32_t n;
	int rc, i;

	if (!rx_may_match(rx, subj, len, start))
		return RX_NOMATCH;
	if (code == rx->code && !rx->jtried) {
		/*
		 * JIT code is made on first use, like the ASCII twin: a regex
		 * that never runs (a jail whose log stays quiet, a failregex the
		 * literal checks always rule out) costs no executable memory.
		 */
		struct rx *w = (struct rx *)rx;

		w->jtried = true;
		w->jit = pcre2_jit_compile(rx->code, PCRE2_JIT_COMPLETE) == 0 &&
		    rx_jitted(rx->code);
	}
	/*
	 * JIT code runs without pcre2_match()'s checks in front of it (it
	 * cannot anchor at match time: that takes the interpreter).
	 */
	if (!anchored && (code == rx->code ? rx->jit : rx->ajit))
		rc = pcre2_jit_match(code, (PCRE2_SPTR)subj, len, start, 0, rx->md,
		    rx_mctx);
	else
		rc = pcre2_match(code, (PCRE2_SPTR)subj, len, start,
		    PCRE2_NO_UTF_CHECK | (anchored ? PCRE2_ANCHORED : 0), rx->md,
		    rx_mctx);
	if (rc == PCRE2_ERROR_NOMATCH || rc == PCRE2_ERROR_PARTIAL)
		return RX_NOMATCH;
	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	    rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT ||
	    rc == PCRE2_ERROR_NOMEMORY)
		return RX_LIMIT;
	if (rc < 0)
		return RX_ERROR;
	ov = pcre2_get_ovector_pointer(rx->md);
	n = pcre2_get_ovector_count(rx->md);
	for (i = 0; i < nspan; i++) {
		if ((uint32_t)i < n && ov[2 * i] != PCRE2_UNSET) {
			span[2 * i] = ov[2 * i];
			span[2 * i + 1] = ov[2 * i + 1];
		} else
			span[2 * i] = span[2 * i + 1] = RX_UNSET;
	}
	return RX_MATCH;
}

int
rx_search(const struct rx *rx, const char *subj, size_t len, size_t start,
    bool anchored, size_t *span, int nspan)
{
	return rx_run(rx, rx->code, subj, len, start, anchored, span, nspan);
}

int
rx_search_text(const struct rx *rx, const char *subj, size_t len, size_t start,
    bool anchored, size_t *span, int nspan)
{
	if (utf8_check(subj, len) != len)
		return RX_NOMATCH;
	return rx_run(rx, rx->code, subj, len, start, anchored, span, nspan);
}

int
rx_search_ascii(const struct rx *rx, const char *subj, size_t len, size_t start,
    bool anchored, size_t *span, int nspan)
{
	if (!rx->atried) {
		/* the twin is a cache: made on first use, as rx->md is used */
		struct rx *w = (struct rx *)rx;

		w->atried = true;
		w->acode = rx_ascii_twin(rx->tpat, rx->opts, rx);
		w->ajit = w->acode != NULL && rx_jitted(w->acode);
	}
	return rx_run(rx, rx->acode ? rx->acode : rx->code, subj, len, start,
	    anchored, span, nspan);
}

bool
rx_ascii(const char *s, size_t n)
{
	size_t i = 0;
	uint64_t w;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		if (w & 0x8080808080808080ULL)
			return false;
	}
	for (; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return false;
	return true;
}

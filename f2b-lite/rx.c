/*
 * rx: PCRE2 behind Python's re dialect.  One match context carries the
 * limits and the JIT stack for every search; each compiled pattern carries
 * its own match data, which is fine for our single thread.
 */
#include "rx.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
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
	pcre2_match_data	*md;
	char			*pattern;
	char			**names;	/* names[i] for group i, or NULL */
	int			 ngroups;
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

/* Skips a group, class or escape starting at p; returns the end. */
static const char *
rx_skip_group(const char *p)
{
	int depth = 0;
	bool inclass = false;

	for (; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (inclass) {
			if (*p == ']')
				inclass = false;
			continue;
		}
		if (*p == '[') {
			inclass = true;
			if (p[1] == '^')
				p++;
			if (p[1] == ']')
				p++;
			continue;
		}
		if (*p == '(')
			depth++;
		else if (*p == ')' && --depth == 0)
			return p + 1;
	}
	return p;
}

char *
rx_required_literal(const char *p)
{
	struct strbuf run = STRBUF_INIT, best = STRBUF_INIT;
	const char *q;

	/* flags that change what a literal means make the analysis void */
	if (strstr(p, "(?i") || strstr(p, "(?x") || strstr(p, "(?s") ||
	    strstr(p, "(?L") || strstr(p, "\\Q"))
		goto none;
	for (q = p; *q; q++)	/* top-level alternation: give up */
		if (*q == '(' || *q == '[') {
			q = rx_skip_group(q) - 1;
			if (*q == '\0')
				break;
		} else if (*q == '\\' && q[1])
			q++;
		else if (*q == '|')
			goto none;
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
			if (run.len > best.len) {
				strbuf_reset(&best);
				strbuf_add(&best, run.s, run.len);
			}
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
	if (run.len > best.len) {
		strbuf_reset(&best);
		strbuf_add(&best, run.s, run.len);
	}
	strbuf_free(&run);
	if (best.len >= 3)
		return strbuf_detach(&best);
none:
	strbuf_free(&run);
	strbuf_free(&best);
	return NULL;
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
	free(pat);
	if (rx->code == NULL) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(errcode, msg, sizeof(msg));
		*err = xasprintf("%s at position %zu", (char *)msg, (size_t)erroff);
		free(rx);
		return NULL;
	}
	pcre2_jit_compile(rx->code, PCRE2_JIT_COMPLETE);
	pcre2_pattern_info(rx->code, PCRE2_INFO_CAPTURECOUNT, &cap);
	rx->ngroups = (int)cap;
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

const char *
rx_group_name(const struct rx *rx, int i)
{
	return i >= 0 && i <= rx->ngroups ? rx->names[i] : NULL;
}

int
rx_search(const struct rx *rx, const char *subj, size_t len, size_t start,
    bool anchored, size_t *span, int nspan)
{
	PCRE2_SIZE *ov;
	uint32_t n;
	int rc, i;

	if (start > len)
		return RX_NOMATCH;
	rc = pcre2_match(rx->code, (PCRE2_SPTR)subj, len, start,
	    PCRE2_NO_UTF_CHECK | (anchored ? PCRE2_ANCHORED : 0), rx->md, rx_mctx);
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

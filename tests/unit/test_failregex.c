/*
 * Unit tests for failregex: fail2ban's tag expansion (<HOST> with each
 * usedns, <ADDR>, <IP4>, <IP6>, <DNS>, <CIDR>, <SUBNET>, <F-ID>, <F-PORT>,
 * <F-USER>, any <F-NAME>, F-ALT_*, F-TUPLE_*, <F-MLFID>, <F-NOFAIL>,
 * <F-CONTENT>, <SKIPLINES>), the ((?i)...) rewrite, and the groups a match
 * yields with ALT and TUPLE merging.  Expected patterns and groups come from
 * fail2ban 1.0.2's Regex (tests/tools/gen_failregex_cases.py wrote
 * failregex_cases.h); subjects are searched as fail2ban does, lines joined
 * by newlines with a newline at the end.
 */
#include <stdlib.h>

#include "failregex.h"
#include "pyval.h"
#include "rx.h"
#include "strbuf.h"
#include "tap.h"

struct rcase {
	const char	*regex, *usedns, *subject;
	int		 multiline;
	const char	*pattern;	/* Regex.getRegex() */
	const char	*groups;	/* "k=v ..." sorted, "-" for None */
};

#include "failregex_cases.h"

/* Orders "k=v" items by key alone, as Python's sorted() on the keys does. */
static int
cmpkey(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	size_t lx = strcspn(x, "="), ly = strcspn(y, "=");
	int c = strncmp(x, y, lx < ly ? lx : ly);

	return c ? c : (lx > ly) - (lx < ly);
}

/* The groups as "k=v" sorted by key, like the generator prints them. */
static void
groups_text(const struct pyval *g, struct strbuf *out)
{
	size_t i, n = pyval_len(g), k = 0;
	char **items = calloc(n + 1, sizeof(*items));

	for (i = 0; i < n; i++) {
		struct strbuf s = STRBUF_INIT;
		const struct pyval *key = pyval_dict_key(g, i), *v = pyval_dict_val(g, i);

		if (strncmp(pyval_as_str(key), "skiplines", 9) == 0)
			continue;
		strbuf_addf(&s, "%s=", pyval_as_str(key));
		if (pyval_type(v) == PY_NONE)
			strbuf_addc(&s, '-');
		else
			pyval_to_text(v, &s);
		items[k++] = strbuf_detach(&s);
	}
	qsort(items, k, sizeof(*items), cmpkey);
	for (i = 0; i < k; i++) {
		if (i)
			strbuf_addc(out, ' ');
		strbuf_adds(out, items[i]);
		free(items[i]);
	}
	free(items);
}

int
main(void)
{
	size_t i;
	char *err = NULL;

	for (i = 0; i < sizeof(rcases) / sizeof(rcases[0]); i++) {
		const struct rcase *c = &rcases[i];
		struct failregex *fr = failregex_new(c->regex, c->multiline, c->usedns, &err);
		struct failregex_match m;
		struct strbuf subj = STRBUF_INIT, got = STRBUF_INIT;

		if (fr == NULL) {
			ok(0, "%s: %s", c->regex, err);
			free(err);
			err = NULL;
			continue;
		}
		is_str(failregex_pattern(fr), c->pattern, "expands %s (usedns=%s)", c->regex,
		    c->usedns);
		strbuf_adds(&subj, c->subject);
		strbuf_addc(&subj, '\n');
		if (failregex_search(fr, subj.s, subj.len, false, &m) == RX_MATCH) {
			struct pyval *g = failregex_groups(fr, subj.s, &m);

			groups_text(g, &got);
			pyval_free(g);
		}
		is_str(strbuf_str(&got), c->groups, "groups of case %zu, %s", i + 1, c->regex);
		strbuf_free(&subj);
		strbuf_free(&got);
		failregex_free(fr);
	}

	ok(failregex_new("", false, "warn", &err) == NULL && err &&
	    strcmp(err, "Cannot add empty regex") == 0, "empty regex refused");
	free(err);
	err = NULL;
	ok(failregex_new("(<HOST>", false, "warn", &err) == NULL && err &&
	    strncmp(err, "Unable to compile regular expression", 36) == 0,
	    "broken regex: fail2ban's message");
	free(err);
	return tap_done();
}

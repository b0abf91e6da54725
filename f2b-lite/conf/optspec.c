/*
 * optspec: fail2ban's option-list regexes, run through rx so that their
 * backtracking behaves exactly as Python's re does on the same text.
 */
#include "optspec.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dict.h"
#include "ini.h"
#include "pyval.h"
#include "rx.h"
#include "strbuf.h"
#include "utf8.h"
#include "xmalloc.h"

/* helpers.py OPTION_CRE, OPTION_EXTRACT_CRE and OPTION_SPLIT_CRE */
static const char optspec_option_re[] =
    "^([^\\[]+)(?:\\[(.*)\\])?\\s*$";
static const char optspec_extract_re[] =
    "\\s*([\\w\\-_\\.]+)=(?:\"([^\"]*)\"|'([^']*)'|([^,\\]]*))"
    "(?:,|\\]\\s*\\[|$|(?P<wrngA>.+))|,?\\s*$|(?P<wrngB>.+)";
static const char optspec_split_re[] =
    "(?:[^\\[\\s]+(?:\\s*\\[\\s*(?:[\\w\\-_\\.]+=(?:\"[^\"]*\"|'[^']*'|[^,\\]]*)"
    "\\s*(?:,|\\]\\s*\\[)?\\s*)*\\])?\\s*|\\S+)(?=\\n\\s*|\\s+|$)";

static struct rx *optspec_rx_option, *optspec_rx_extract, *optspec_rx_split;

static struct rx *
optspec_rx(struct rx **slot, const char *pattern)
{
	char *err;

	if (*slot == NULL && (*slot = rx_compile(pattern, RX_DOTALL, &err)) == NULL)
		abort();	/* the patterns are constants */
	return *slot;
}

static char *
optspec_strip(const char *s, size_t n)
{
	s = ini_strip(s, &n);
	return xstrndup(s, n);
}

/* Python's repr() of a short text, for messages. */
static char *
optspec_quote(const char *s, size_t n)
{
	struct strbuf sb = STRBUF_INIT;

	pyval_repr_str(s, n, &sb);
	return strbuf_detach(&sb);
}

/* First 25 characters of s (s[0:25] in Python), counted as code points. */
static size_t
optspec_first25(const char *s, size_t n)
{
	size_t i = 0, chars = 0;

	while (i < n && chars < 25) {
		i++;
		while (i < n && ((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
		chars++;
	}
	return i;
}

static size_t
optspec_charpos(const char *s, size_t off)
{
	size_t i, chars = 0;

	for (i = 0; i < off; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			chars++;
	return chars;
}

int
optspec_parse(const char *spec, char **name, struct dict **opts, char **err)
{
	struct rx *ro = optspec_rx(&optspec_rx_option, optspec_option_re);
	struct rx *re = optspec_rx(&optspec_rx_extract, optspec_extract_re);
	int wa = rx_group_number(re, "wrngA"), wb = rx_group_number(re, "wrngB");
	size_t len = strlen(spec), sp[3 * 2], ov[8 * 2], pos, olen;
	const char *ostr;

	*name = NULL;
	*opts = NULL;
	*err = NULL;
	if (rx_search_text(ro, spec, len, 0, true, sp, 3) != 1) {
		*err = xstrdup("unexpected option syntax");
		return -1;
	}
	*opts = dict_new(free);
	if (sp[4] == RX_UNSET)
		goto done;
	ostr = spec + sp[4];
	olen = sp[5] - sp[4];
	for (pos = 0; pos <= olen;) {
		int g;

		if (rx_search_text(re, ostr, olen, pos, false, ov, 8) != 1)
			break;
		if (ov[2 * wa] != RX_UNSET) {
			char *on = optspec_quote(ostr + ov[2], ov[3] - ov[2]);

			*err = xasprintf("unexpected syntax at %zu after option %s: %.*s",
			    optspec_charpos(ostr, ov[2 * wa]), on,
			    (int)optspec_first25(ostr + ov[2 * wa], ov[2 * wa + 1] - ov[2 * wa]),
			    ostr + ov[2 * wa]);
			free(on);
			goto fail;
		}
		if (ov[2 * wb] != RX_UNSET) {
			*err = xasprintf("expected option, wrong syntax at %zu: %.*s",
			    optspec_charpos(ostr, ov[2 * wb]),
			    (int)optspec_first25(ostr + ov[2 * wb], ov[2 * wb + 1] - ov[2 * wb]),
			    ostr + ov[2 * wb]);
			goto fail;
		}
		if (ov[2] != RX_UNSET) {
			char *k = optspec_strip(ostr + ov[2], ov[3] - ov[2]);

			for (g = 2; g <= 4 && ov[2 * g] == RX_UNSET; g++)
				;
			dict_set(*opts, k, optspec_strip(ostr + ov[2 * g],
			    ov[2 * g + 1] - ov[2 * g]));
			free(k);
		}
		if (ov[1] == ov[0]) {
			if (ov[1] >= olen)
				break;
			pos = ov[1] + 1;
		} else
			pos = ov[1];
	}
done:
	*name = xstrndup(spec + sp[2], sp[3] - sp[2]);
	return 0;
fail:
	dict_free(*opts);
	*opts = NULL;
	return -1;
}

static void
optspec_push(char ***items, size_t *n, size_t *cap, char *s)
{
	*items = xgrow(*items, cap, *n + 1, sizeof(**items));
	(*items)[(*n)++] = s;
}

size_t
optspec_split(const char *value, char ***items)
{
	struct rx *rs = optspec_rx(&optspec_rx_split, optspec_split_re);
	size_t len = strlen(value), pos = 0, n = 0, cap = 0, ov[2];
	bool utf8 = utf8_check(value, len) == len;	/* rx_search needs it; checked once */

	*items = NULL;
	while (utf8 && pos <= len && rx_search(rs, value, len, pos, false, ov, 1) == 1) {
		optspec_push(items, &n, &cap, xstrndup(value + ov[0], ov[1] - ov[0]));
		pos = ov[1] > ov[0] ? ov[1] : ov[1] + 1;
	}
	return n;
}

size_t
optspec_words(const char *value, char ***items)
{
	size_t n = 0, cap = 0;
	const char *p = value;

	*items = NULL;
	while (*p) {
		size_t w = strcspn(p, " ,\n");

		if (w > 0) {
			char *s = optspec_strip(p, w);

			if (s[0])
				optspec_push(items, &n, &cap, s);
			else
				free(s);
		}
		p += w;
		p += strspn(p, " ,\n");
	}
	return n;
}

void
optspec_free_items(char **items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(items[i]);
	free(items);
}

/* tagsub: recursive <tag> substitution, exactly as fail2ban iterates it. */
#include "tagsub.h"

#include <stdlib.h>
#include <string.h>

#include "dict.h"
#include "strbuf.h"
#include "xmalloc.h"

/* helpers.py MAX_TAG_REPLACE_COUNT */
#define TAGSUB_MAX_REPLACE	25
/*
 * Nested tags can double a value per level (a = <b><b>, b = <c><c>, ...);
 * fail2ban would grind through it, we refuse values past this size.
 */
#define TAGSUB_MAX_VALUE	(4u << 20)

const char *
tagsub_find(const char *s, const char *from, const char **name, size_t *namelen)
{
	const char *p;

	(void)s;
	for (p = from; (p = strchr(p, '<')) != NULL; p++) {
		const char *q = p + 1;

		while (*q && *q != ' ' && *q != '<' && *q != '>')
			q++;
		if (*q == '>' && q > p + 1) {
			*name = p + 1;
			*namelen = (size_t)(q - p - 1);
			return p;
		}
	}
	return NULL;
}

/* Returns s with every "<tag>" replaced by repl, in one pass. */
static char *
tagsub_replace_all(const char *s, const char *tag, const char *repl)
{
	struct strbuf sb = STRBUF_INIT;
	size_t tlen = strlen(tag), rlen = strlen(repl), left = strlen(s);
	const char *p;

	while ((p = memchr(s, '<', left)) != NULL) {
		size_t skip = (size_t)(p - s);

		if (left - skip >= tlen + 2 && memcmp(p + 1, tag, tlen) == 0 &&
		    p[tlen + 1] == '>') {
			strbuf_add(&sb, s, skip);
			strbuf_add(&sb, repl, rlen);
			skip += tlen + 2;
		} else {
			strbuf_add(&sb, s, skip + 1);
			skip++;
		}
		s += skip;
		left -= skip;
	}
	strbuf_add(&sb, s, left);
	return strbuf_detach(&sb);
}

static void
tagsub_counts_free(void *p)
{
	dict_free(p);
}

int
tagsub_resolve(struct dict *tags, const char *conditional,
    const struct dict *ignore, tagsub_lookup_fn *lookup, void *arg, char **err)
{
	struct dict *done = dict_new(NULL);
	struct dict *repcounts = dict_new(tagsub_counts_free);
	bool again;
	int rc = 0;

	*err = NULL;
	do {
		const char *tag;
		char *orgval;
		size_t pos = 0;

		again = false;
		while (rc == 0 && dict_next(tags, &pos, &tag, (void **)&orgval)) {
			struct dict *rplc;
			const char *m, *name;
			char *value;
			size_t nlen;
			bool stored;

			if (orgval == NULL || dict_has(ignore, tag) || dict_has(done, tag))
				continue;
			if ((m = tagsub_find(orgval, orgval, &name, &nlen)) == NULL) {
				/* nothing to substitute: the common case, done quickly */
				if (strchr(orgval, '<') == NULL)
					dict_set(done, tag, NULL);
				continue;
			}
			rplc = dict_get(repcounts, tag, &stored);
			if (!stored)
				rplc = dict_new(free);
			value = xstrdup(orgval);
			m = value + (m - orgval);
			while (m != NULL) {
				char *rtag = xstrndup(name, nlen), *repl = NULL, *nv;
				long *cnt = dict_get(rplc, rtag, NULL);
				size_t off;

				if (dict_has(ignore, rtag)) {
					m = tagsub_find(value, m + nlen + 2, &name, &nlen);
					free(rtag);
					continue;
				}
				if (strcmp(rtag, tag) == 0 ||
				    (cnt ? *cnt : 1) > TAGSUB_MAX_REPLACE) {
					*err = xasprintf("properties contain self referencing "
					    "definitions and cannot be resolved, fail tag: %s, "
					    "found: %s, value: %s", tag, rtag, value);
					free(rtag);
					rc = -1;
					break;
				}
				if (conditional && conditional[0]) {
					char *ck = xasprintf("%s?%s", rtag, conditional);
					char *cv = dict_get(tags, ck, NULL);

					repl = cv ? xstrdup(cv) : NULL;
					free(ck);
				}
				if (repl == NULL) {
					char *tv = dict_get(tags, rtag, NULL);

					if (tv != NULL)
						repl = xstrdup(tv);
					else if (lookup != NULL) {
						repl = lookup(arg, rtag, err);
						if (*err != NULL) {
							free(rtag);
							rc = -1;
							break;
						}
					}
				}
				if (repl == NULL) {
					m = tagsub_find(value, m + nlen + 2, &name, &nlen);
					free(rtag);
					continue;
				}
				off = (size_t)(m - value);
				nv = tagsub_replace_all(value, rtag, repl);
				free(value);
				free(repl);
				value = nv;
				if (strlen(value) > TAGSUB_MAX_VALUE) {
					*err = xasprintf("substituting <%s> in <%s> makes a value "
					    "larger than %u bytes", rtag, tag, TAGSUB_MAX_VALUE);
					free(rtag);
					rc = -1;
					break;
				}
				if (cnt == NULL) {
					cnt = xmalloc(sizeof(*cnt));
					*cnt = 0;
					dict_set(rplc, rtag, cnt);
				}
				(*cnt)++;
				free(rtag);
				/*
				 * Search on from the same offset, as fail2ban's
				 * search(value, m.start()) does; when the replacement
				 * shortened the text past it, that finds nothing.
				 */
				m = off <= strlen(value) ?
				    tagsub_find(value, value + off, &name, &nlen) : NULL;
			}
			if (rc != 0) {
				free(value);
				if (!stored)
					dict_free(rplc);
				break;
			}
			if (strcmp(orgval, value) != 0) {
				if (tagsub_find(value, value, &name, &nlen) != NULL) {
					if (!stored)
						dict_set(repcounts, tag, rplc);
					stored = true;
					again = true;
				}
				dict_set(tags, tag, value);
			} else
				free(value);
			if (!stored)
				dict_free(rplc);
			value = dict_get(tags, tag, NULL);
			if (strchr(value, '<') == NULL)
				dict_set(done, tag, NULL);
		}
	} while (rc == 0 && again);
	dict_free(done);
	dict_free(repcounts);
	return rc;
}

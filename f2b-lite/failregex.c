/* failregex: fail2ban's Regex and FailRegex on top of rx. */
#include "failregex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dict.h"
#include "pyval.h"
#include "rx.h"
#include "strbuf.h"
#include "xmalloc.h"

/* failregex.py R_HOST */
#define R_IPV4	"(?:::f{4,6}:)?(?P<ip4>(?:\\d{1,3}\\.){3}\\d{1,3})"
#define R_IPV6	"(?P<ip6>(?:[0-9a-fA-F]{1,4}::?|::){1,7}(?:[0-9a-fA-F]{1,4}|(?<=:):))"
#define R_DNS	"(?P<dns>[\\w\\-.^_]*\\w)"
#define R_ADDR	"\\[?(?:" R_IPV4 "|" R_IPV6 ")\\]?"
#define R_HOST	"(?:" R_ADDR "|" R_DNS ")"
#define R_CIDR	"(?P<cidr>\\d+)"
#define R_SUBNET "\\[?(?:" R_IPV4 "|" R_IPV6 ")(?:/" R_CIDR ")?\\]?"

/* failregex.py RH4TAG */
static const struct {
	const char	*tag;
	const char	*regex;
} rh4tag[] = {
	{ "IP4", R_IPV4 }, { "F-IP4/", R_IPV4 },
	{ "IP6", R_IPV6 }, { "F-IP6/", R_IPV6 },
	{ "ADDR", R_ADDR }, { "F-ADDR/", R_ADDR },
	{ "CIDR", R_CIDR }, { "F-CIDR/", R_CIDR },
	{ "SUBNET", R_SUBNET }, { "F-SUBNET/", R_SUBNET },
	{ "DNS", R_DNS }, { "F-DNS/", R_DNS },
	{ "F-ID/", "(?P<fid>\\S+)" },
	{ "F-PORT/", "(?P<fport>\\w+)" },
};

/* An F-ALT_x / F-TUPLE_x group and the name it merges into. */
struct complname {
	char	*group;
	char	*name;
	int	 num;
};

struct failregex {
	struct rx		*rx;
	char			*regex;
	char			*literal;	/* text every match contains, or NULL */
	size_t			 litlen;
	size_t			 litrare;	/* index of its least common byte */
	struct complname	*alt, *tup;
	size_t			 nalt, ntup;
	int			 nskip;
	int			 g_fid, g_ip4, g_ip6, g_dns, g_mlfid;
};

/* mapTag2Opt: lower-case, id -> fid, port -> fport */
static char *
map_tag(const char *tag, size_t n)
{
	char *s = xstrndup(tag, n), *p;

	for (p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if (strcmp(s, "id") == 0 || strcmp(s, "port") == 0) {
		char *m = xasprintf("f%s", s);

		free(s);
		return m;
	}
	return s;
}

static bool
word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c >= 0x80;
}

char *
failregex_expand(const char *regex, const char *usedns)
{
	struct strbuf sb = STRBUF_INIT, tmp = STRBUF_INIT;
	struct dict *open = dict_new(NULL);	/* F- tags opened so far */
	const char *p = regex;
	int nl = 0;

	/* FTAG_CRE = </?[\w\-]+/?> */
	while (*p) {
		const char *q = p + 1, *ns;
		size_t tn_len, i;
		char *tn;
		bool done = false;

		if (*p != '<') {
			strbuf_addc(&sb, *p++);
			continue;
		}
		if (*q == '/')
			q++;
		ns = q;
		while (word_char((unsigned char)*q) || *q == '-')
			q++;
		if (q == ns) {
			strbuf_addc(&sb, *p++);
			continue;
		}
		if (*q == '/')
			q++;
		if (*q != '>') {
			strbuf_addc(&sb, *p++);
			continue;
		}
		tn_len = (size_t)(q - p - 1);
		tn = xstrndup(p + 1, tn_len);
		if (strcmp(tn, "HOST") == 0) {
			strbuf_adds(&sb, strcmp(usedns ? usedns : "", "no") != 0 ? R_HOST : R_ADDR);
			done = true;
		} else if (strcmp(tn, "SKIPLINES") == 0) {
			strbuf_addf(&sb, "\\n(?P<skiplines%d>(?:(?:.*\\n)*?))", nl++);
			done = true;
		}
		for (i = 0; !done && i < sizeof(rh4tag) / sizeof(rh4tag[0]); i++) {
			if (strcmp(tn, rh4tag[i].tag) == 0) {
				strbuf_adds(&sb, rh4tag[i].regex);
				done = true;
			}
		}
		if (!done) {
			/* FCUSTNAME_CRE = ^(/?)F-([A-Z0-9_\-]+)$ */
			bool close = tn[0] == '/';
			const char *nm = tn + (close ? 1 : 0), *c;
			bool ok = strncmp(nm, "F-", 2) == 0 && nm[2] != '\0';

			for (c = nm + 2; ok && *c; c++)
				ok = (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
				    *c == '_' || *c == '-';
			if (ok) {
				const char *name = nm + 2;

				if (close) {
					if (dict_has(open, name))
						strbuf_addc(&sb, ')');
					else
						strbuf_add(&sb, p, tn_len + 2);
				} else {
					char *mt = map_tag(name, strlen(name));

					dict_set(open, name, NULL);
					strbuf_addf(&sb, "(?P<%s>", mt);
					free(mt);
				}
			} else
				strbuf_add(&sb, p, tn_len + 2);
		}
		free(tn);
		p = q + 1;
	}
	dict_free(open);
	/* R_GLOB2LOCFLAGS: (?<!\\)\((?:\?:)?(\(\?[a-z]+)\) -> \1: */
	p = strbuf_str(&sb);
	while (*p) {
		if (p[0] == '(' && (p == strbuf_str(&sb) || p[-1] != '\\')) {
			const char *q = p + 1, *f;

			if (q[0] == '?' && q[1] == ':')
				q += 2;
			if (q[0] == '(' && q[1] == '?') {
				f = q + 2;
				while (*f >= 'a' && *f <= 'z')
					f++;
				if (f > q + 2 && *f == ')') {
					strbuf_add(&tmp, q, (size_t)(f - q));
					strbuf_addc(&tmp, ':');
					p = f + 1;
					continue;
				}
			}
		}
		strbuf_addc(&tmp, *p++);
	}
	strbuf_free(&sb);
	return strbuf_detach(&tmp);
}

/*
 * How common a byte is in log text, roughly (higher = rarer): searching
 * for the rarest byte of a literal finds few false starts.
 */
static int
byte_rarity(unsigned char c)
{
	static const char common[] = " etaoinsrhldcumfpgwybvk0123456789.:-/=[]\"()";
	const char *p = c ? strchr(common, c) : NULL;

	return p ? (int)(p - common) : 64 + (c >= 'A' && c <= 'Z');
}

static size_t
rarest_byte(const char *s, size_t n)
{
	size_t i, best = 0;

	for (i = 1; i < n; i++)
		if (byte_rarity((unsigned char)s[i]) > byte_rarity((unsigned char)s[best]))
			best = i;
	return best;
}

/* memmem() for one literal, scanning for its rarest byte */
static bool
has_literal(const struct failregex *fr, const char *buf, size_t len)
{
	const char *p = buf + fr->litrare, *end = buf + len;
	char c = fr->literal[fr->litrare];

	if (len < fr->litlen)
		return false;
	while (p < end && (p = memchr(p, c, (size_t)(end - p))) != NULL) {
		const char *st = p - fr->litrare;

		if (st + fr->litlen > end)
			return false;
		if (memcmp(st, fr->literal, fr->litlen) == 0)
			return true;
		p++;
	}
	return false;
}

static int
complname_cmp(const void *a, const void *b)
{
	const struct complname *x = a, *y = b;
	int c = strcmp(x->group, y->group);

	return c ? c : strcmp(x->name, y->name);
}

struct failregex *
failregex_new(const char *regex, bool multiline, const char *usedns, char **err)
{
	char *exp = failregex_expand(regex, usedns), *e;
	struct failregex *fr;
	const char *p;
	size_t cap_alt = 0, cap_tup = 0;
	int i;

	*err = NULL;
	for (p = exp; *p == ' ' || (*p >= '\t' && *p <= '\r'); p++)
		;
	if (*p == '\0') {
		free(exp);
		*err = xstrdup("Cannot add empty regex");
		return NULL;
	}
	fr = xcalloc(1, sizeof(*fr));
	fr->rx = rx_compile(exp, multiline ? RX_MULTILINE : 0, &e);
	if (fr->rx == NULL) {
		*err = xasprintf("Unable to compile regular expression '%s':\n%s", exp, e);
		free(e);
		free(exp);
		free(fr);
		return NULL;
	}
	fr->regex = exp;
	if ((fr->literal = rx_required_literal(exp)) != NULL) {
		fr->litlen = strlen(fr->literal);
		fr->litrare = rarest_byte(fr->literal, fr->litlen);
	}
	for (i = 1; i <= rx_ngroups(fr->rx); i++) {
		const char *g = rx_group_name(fr->rx, i), *rest;
		struct complname **list;
		size_t *n, *cap, l;

		if (g == NULL)
			continue;
		if (strncmp(g, "skiplines", 9) == 0)
			fr->nskip++;
		if (strlen(g) <= 4)
			continue;
		/* COMPLNAME_CRE = ^(alt_|tuple_)(.*?)(?:_\d+)?$ */
		if (strncmp(g, "alt_", 4) == 0) {
			rest = g + 4;
			list = &fr->alt, n = &fr->nalt, cap = &cap_alt;
		} else if (strncmp(g, "tuple_", 6) == 0) {
			rest = g + 6;
			list = &fr->tup, n = &fr->ntup, cap = &cap_tup;
		} else
			continue;
		l = strlen(rest);
		{
			/* lazy .*? then optional _\d+ to the end */
			size_t d = l;

			while (d > 0 && rest[d - 1] >= '0' && rest[d - 1] <= '9')
				d--;
			if (d < l && d > 0 && rest[d - 1] == '_')
				l = d - 1;
		}
		*list = xgrow(*list, cap, *n + 1, sizeof(**list));
		(*list)[*n].group = xstrdup(g);
		(*list)[*n].name = map_tag(rest, l);
		(*list)[*n].num = i;
		(*n)++;
	}
	if (fr->nalt)
		qsort(fr->alt, fr->nalt, sizeof(*fr->alt), complname_cmp);
	if (fr->ntup)
		qsort(fr->tup, fr->ntup, sizeof(*fr->tup), complname_cmp);
	fr->g_fid = rx_group_number(fr->rx, "fid");
	fr->g_ip4 = rx_group_number(fr->rx, "ip4");
	fr->g_ip6 = rx_group_number(fr->rx, "ip6");
	fr->g_dns = rx_group_number(fr->rx, "dns");
	fr->g_mlfid = rx_group_number(fr->rx, "mlfid");
	return fr;
}

void
failregex_free(struct failregex *fr)
{
	size_t i;

	if (fr == NULL)
		return;
	for (i = 0; i < fr->nalt; i++) {
		free(fr->alt[i].group);
		free(fr->alt[i].name);
	}
	for (i = 0; i < fr->ntup; i++) {
		free(fr->tup[i].group);
		free(fr->tup[i].name);
	}
	free(fr->alt);
	free(fr->tup);
	free(fr->regex);
	free(fr->literal);
	rx_free(fr->rx);
	free(fr);
}

const char *
failregex_pattern(const struct failregex *fr)
{
	return fr->regex;
}

bool
failregex_has_id(const struct failregex *fr)
{
	return fr->g_fid > 0 || fr->g_ip4 > 0 || fr->g_ip6 > 0 || fr->g_dns > 0 ||
	    fr->g_mlfid > 0;
}

int
failregex_search(const struct failregex *fr, const char *buf, size_t len,
    struct failregex_match *m)
{
	int ng = rx_ngroups(fr->rx) + 1;

	if (ng > FAILREGEX_MAXGROUPS)
		ng = FAILREGEX_MAXGROUPS;
	m->ngroups = ng;
	if (fr->literal && !has_literal(fr, buf, len))
		return RX_NOMATCH;
	return rx_search(fr->rx, buf, len, 0, false, m->span, ng);
}

static struct pyval *
group_value(const char *buf, const struct failregex_match *m, int g)
{
	if (g <= 0 || g >= m->ngroups || m->span[2 * g] == RX_UNSET)
		return pyval_none();
	return pyval_strn(buf + m->span[2 * g], m->span[2 * g + 1] - m->span[2 * g]);
}

struct pyval *
failregex_groups(const struct failregex *fr, const char *buf,
    const struct failregex_match *m)
{
	struct pyval *d = pyval_dict(), *v, *t;
	size_t i;
	int g;

	for (g = 1; g <= rx_ngroups(fr->rx); g++) {
		const char *name = rx_group_name(fr->rx, g);

		if (name != NULL && pyval_dict_get(d, name) == NULL)
			pyval_dict_set(d, pyval_str(name), group_value(buf, m, g));
	}
	for (i = 0; i < fr->nalt; i++) {
		v = pyval_dict_get(d, fr->alt[i].group);
		t = pyval_dict_get(d, fr->alt[i].name);
		if (v && pyval_as_bool(v) && !(t && pyval_as_bool(t)))
			pyval_dict_set(d, pyval_str(fr->alt[i].name), pyval_copy(v));
	}
	for (i = 0; i < fr->ntup; i++) {
		struct pyval *nt;

		v = pyval_dict_get(d, fr->tup[i].group);
		t = pyval_dict_get(d, fr->tup[i].name);
		if (t && pyval_type(t) == PY_TUPLE)
			nt = pyval_copy(t);
		else {
			nt = pyval_tuple();
			pyval_append(nt, t ? pyval_copy(t) : pyval_none());
		}
		pyval_append(nt, v ? pyval_copy(v) : pyval_none());
		pyval_dict_set(d, pyval_str(fr->tup[i].name), nt);
	}
	return d;
}

const char *
failregex_group(const struct failregex *fr, const char *buf,
    const struct failregex_match *m, const char *name, size_t *len)
{
	int g = rx_group_number(fr->rx, name);

	if (g <= 0 || g >= m->ngroups || m->span[2 * g] == RX_UNSET)
		return NULL;
	*len = m->span[2 * g + 1] - m->span[2 * g];
	return buf + m->span[2 * g];
}

void
failregex_line_range(const char *buf, size_t len, const struct failregex_match *m,
    size_t *first, size_t *last)
{
	size_t start = m->span[0], end = m->span[1], ls, le, i;

	/* rindex("\n", 0, start + 1) + 1 */
	ls = 0;
	for (i = start + 1 < len ? start + 1 : len; i > 0; i--)
		if (buf[i - 1] == '\n') {
			ls = i;
			break;
		}
	/* index("\n", end - 1) + 1, or len (end 0: Python starts at len - 1) */
	le = len;
	for (i = end > 0 ? end - 1 : (len ? len - 1 : 0); i < len; i++)
		if (buf[i] == '\n') {
			le = i + 1;
			break;
		}
	*first = *last = 0;
	for (i = 0; i < le; i++)
		if (buf[i] == '\n') {
			if (i < ls)
				(*first)++;
			(*last)++;
		}
}

size_t
failregex_skipped(const struct failregex *fr, const char *buf,
    const struct failregex_match *m, struct strbuf *out)
{
	struct strbuf all = STRBUF_INIT;
	size_t n = 0, i;
	int k;

	for (k = 0; k < fr->nskip; k++) {
		char name[32];
		size_t len;
		const char *s;

		snprintf(name, sizeof(name), "skiplines%d", k);
		if ((s = failregex_group(fr, buf, m, name, &len)) != NULL)
			strbuf_add(&all, s, len);
	}
	/* str.splitlines(False) on \n (the buffer only holds \n breaks) */
	for (i = 0; i < all.len;) {
		size_t j = i;

		while (j < all.len && all.s[j] != '\n')
			j++;
		strbuf_add(out, all.s + i, j - i);
		strbuf_addc(out, '\0');
		n++;
		i = j + 1;
	}
	strbuf_free(&all);
	return n;
}

struct rx *
failregex_union(struct failregex *const *list, size_t n, bool multiline)
{
	struct strbuf sb = STRBUF_INIT;
	struct rx *rx;
	char *err;
	size_t i, nolit = 0;

	/* regexes with a required literal are ruled out by memmem already */
	for (i = 0; i < n; i++)
		nolit += list[i]->literal == NULL;
	if (nolit < 2)
		return NULL;

	for (i = 0; i < n; i++) {
		if (i)
			strbuf_addc(&sb, '|');
		strbuf_addf(&sb, "(?:%s)", list[i]->regex);
	}
	rx = rx_compile(strbuf_str(&sb), RX_DUPNAMES | (multiline ? RX_MULTILINE : 0), &err);
	free(err);
	strbuf_free(&sb);
	return rx;
}

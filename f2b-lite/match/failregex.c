/* failregex: fail2ban's Regex and FailRegex on top of rx. */
#include "failregex.h"

#include <stdint.h>
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
	struct rx		*rx;		/* with the expanded text */
	struct lit {
		char	*s;
		size_t	 len;
		size_t	 rare;		/* index of its least common byte */
		size_t	 pair;		/* ... and of its rarest two bytes */
		bool	 pairfirst;	/* the rarest byte is common anyway */
	}			*lit;		/* texts every match contains */
	size_t			 nlit;
	struct complname	*alt, *tup;
	size_t			 nalt, ntup;
	int			 nskip;
	int			 ngroups;	/* spans kept: groups + 1, capped */
	bool			 guarded;	/* see failregex_guarded() */
	int			 g_fid, g_ip4, g_ip6, g_dns, g_mlfid, g_content;
	int			 g_key[FAILREGEX_NKEYS];	/* failregex_key() */
	bool			 plain;		/* see failregex_plain() */
	/* groupdict()'s keys: the first group of each name, in group order */
	int			*dict_group;
	struct pyval		**dict_key;	/* shared str keys */
	size_t			 ndict;
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

static int
pair_rarity(const char *s)
{
	return byte_rarity((unsigned char)s[0]) + byte_rarity((unsigned char)s[1]);
}

static size_t
rarest_pair(const char *s, size_t n)
{
	size_t i, best = 0;

	for (i = 1; i + 1 < n; i++)
		if (pair_rarity(s + i) > pair_rarity(s + best))
			best = i;
	return best;
}

typedef uint8_t v16u8 __attribute__((vector_size(16)));

/*
 * Whether the literal starts anywhere in buf[from, len - l->len]: its
 * least common two bytes are looked for sixteen places at a time (plain
 * C vectors: SIMD where the machine has it), and each place that has
 * both is compared in full.
 */
static bool
scan_pair(const struct lit *l, const char *buf, size_t from, size_t len)
{
	size_t k = l->pair, last = len - l->len, i, j;
	uint8_t c0 = (uint8_t)l->s[k], c1 = (uint8_t)l->s[k + 1];
	v16u8 v0 = { 0 }, v1 = { 0 };

	v0 += c0;
	v1 += c1;
	/* a block reads buf[i + k .. i + k + 16]: inside buf for i <= last */
	for (i = from; i + 15 <= last; i += 16) {
		v16u8 a, b, m;
		uint64_t w[2];

		memcpy(&a, buf + i + k, 16);
		memcpy(&b, buf + i + k + 1, 16);
		m = (v16u8)((a == v0) & (b == v1));
		memcpy(w, &m, 16);
		if ((w[0] | w[1]) == 0)
			continue;
		for (j = 0; j < 16; j++)
			if (m[j] && memcmp(buf + i + j, l->s, l->len) == 0)
				return true;
	}
	for (; i <= last; i++)
		if ((uint8_t)buf[i + k] == c0 && (uint8_t)buf[i + k + 1] == c1 &&
		    memcmp(buf + i, l->s, l->len) == 0)
			return true;
	return false;
}

/*
 * memmem() for one literal: memchr() for its rarest byte, which is quick
 * when that byte is rare in the text; when it proves common, the rest is
 * scanned for the rarest pair instead.
 */
static bool
has_literal(const struct lit *l, const char *buf, size_t len)
{
	const char *p = buf + l->rare, *end = buf + len;
	char c = l->s[l->rare];
	int tries = 0;

	if (len < l->len)
		return false;
	if (l->pairfirst)
		return scan_pair(l, buf, 0, len);
	while (p < end && (p = memchr(p, c, (size_t)(end - p))) != NULL) {
		const char *st = p - l->rare;

		if (st + l->len > end)
			return false;
		/* most candidates differ in their first bytes: no call then */
		if (st[0] == l->s[0] && st[l->len - 1] == l->s[l->len - 1] &&
		    memcmp(st, l->s, l->len) == 0)
			return true;
		if (++tries == 2 && l->len >= 2)
			return scan_pair(l, buf, (size_t)(st - buf) + 1, len);
		p++;
	}
	return false;
}

void
failregex_tune(struct failregex *fr, const uint64_t *freq, uint64_t nlines)
{
	size_t i, k;

	if (nlines == 0)
		return;
	for (i = 0; i < fr->nlit; i++) {
		struct lit *l = &fr->lit[i];
		const unsigned char *t = (const unsigned char *)l->s;

		l->rare = 0;
		for (k = 1; k < l->len; k++)
			if (freq[t[k]] < freq[t[l->rare]])
				l->rare = k;
		l->pair = 0;
		for (k = 1; k + 1 < l->len; k++)
			if (freq[t[k]] * freq[t[k + 1]] <
			    freq[t[l->pair]] * freq[t[l->pair + 1]])
				l->pair = k;
		/* about once a line or more: memchr() would stop too often */
		l->pairfirst = l->len >= 2 && freq[t[l->rare]] >= nlines;
	}
}

/* Whether buf holds every literal of the regex (longest first). */
static bool
has_literals(const struct failregex *fr, const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < fr->nlit; i++)
		if (!has_literal(&fr->lit[i], buf, len))
			return false;
	return true;
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
	/* the expanded text: rx keeps it (failregex_pattern), not a copy here */
	{
		/*
		 * Three bytes at least: shorter texts rule few lines out, and
		 * the robustness tests count on hostile patterns meeting their
		 * lines.
		 */
		char **l = rx_required_literals(exp, 3, &fr->nlit);
		size_t k;

		free(exp);

		fr->lit = xcalloc(fr->nlit + 1, sizeof(*fr->lit));
		for (k = 0; k < fr->nlit; k++) {
			fr->lit[k].s = l[k];
			fr->lit[k].len = strlen(l[k]);
			fr->lit[k].rare = rarest_byte(l[k], fr->lit[k].len);
			fr->lit[k].pair = rarest_pair(l[k], fr->lit[k].len);
		}
		free(l);
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
	fr->g_content = rx_group_number(fr->rx, "content");
	{
		static const char *const keys[FAILREGEX_NKEYS] = {
			"mlfid", "nofail", "mlfgained", "mlfforget"
		};
		int k;

		for (k = 0; k < FAILREGEX_NKEYS; k++)
			fr->g_key[k] = rx_group_number(fr->rx, keys[k]);
		fr->plain = fr->nalt == 0 && fr->ntup == 0 &&
		    rx_group_number(fr->rx, "mlfpending") < 0 &&
		    rx_group_number(fr->rx, "users") < 0 &&
		    rx_group_number(fr->rx, "matches") < 0 &&
		    rx_group_number(fr->rx, "nofail-matches") < 0;
	}
	fr->ngroups = rx_ngroups(fr->rx) + 1;
	if (fr->ngroups > FAILREGEX_MAXGROUPS)
		fr->ngroups = FAILREGEX_MAXGROUPS;
	/* a pattern of two literal bytes is a weak guard: most lines hold ": " */
	fr->guarded = (fr->nlit > 0 && fr->lit[0].len >= 3) ||
	    rx_start_filtered(fr->rx);
	fr->dict_group = xcalloc((size_t)rx_ngroups(fr->rx) + 1,
	    sizeof(*fr->dict_group));
	fr->dict_key = xcalloc((size_t)rx_ngroups(fr->rx) + 1,
	    sizeof(*fr->dict_key));
	for (i = 1; i <= rx_ngroups(fr->rx); i++) {
		const char *g = rx_group_name(fr->rx, i);
		size_t k;

		if (g == NULL)
			continue;
		for (k = 0; k < fr->ndict; k++)
			if (strcmp(pyval_as_str(fr->dict_key[k]), g) == 0)
				break;
		if (k < fr->ndict)
			continue;
		fr->dict_group[fr->ndict] = i;
		fr->dict_key[fr->ndict++] = pyval_str(g);
	}
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
	for (i = 0; i < fr->ndict; i++)
		pyval_free(fr->dict_key[i]);
	free(fr->dict_key);
	free(fr->dict_group);
	for (i = 0; i < fr->nlit; i++)
		free(fr->lit[i].s);
	free(fr->lit);
	rx_free(fr->rx);
	free(fr);
}

const char *
failregex_pattern(const struct failregex *fr)
{
	return rx_pattern(fr->rx);
}

bool
failregex_has_id(const struct failregex *fr)
{
	return fr->g_fid > 0 || fr->g_ip4 > 0 || fr->g_ip6 > 0 || fr->g_dns > 0 ||
	    fr->g_mlfid > 0;
}

static int
search(const struct failregex *fr, const char *buf, size_t len, bool ascii,
    bool checked, struct failregex_match *m)
{
	m->ngroups = fr->ngroups;
	if (!rx_may_match(fr->rx, buf, len, 0))
		return RX_NOMATCH;
	if (!checked && !has_literals(fr, buf, len))
		return RX_NOMATCH;
	if (ascii)
		return rx_search_ascii(fr->rx, buf, len, 0, false, m->span,
		    fr->ngroups);
	return rx_search(fr->rx, buf, len, 0, false, m->span, fr->ngroups);
}

int
failregex_search(const struct failregex *fr, const char *buf, size_t len, bool ascii,
    struct failregex_match *m)
{
	return search(fr, buf, len, ascii, false, m);
}

int
failregex_search_checked(const struct failregex *fr, const char *buf, size_t len,
    bool ascii, struct failregex_match *m)
{
	return search(fr, buf, len, ascii, true, m);
}

size_t
failregex_nliterals(const struct failregex *fr)
{
	return fr->nlit;
}

const char *
failregex_literal(const struct failregex *fr, size_t i)
{
	return i < fr->nlit ? fr->lit[i].s : NULL;
}

bool
failregex_has_literal(const struct failregex *fr, size_t i, const char *buf,
    size_t len)
{
	return has_literal(&fr->lit[i], buf, len);
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

	pyval_reserve(d, fr->ndict + fr->nalt + fr->ntup);
	for (i = 0; i < fr->ndict; i++)
		pyval_dict_append(d, pyval_copy(fr->dict_key[i]),
		    group_value(buf, m, fr->dict_group[i]));
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

int
failregex_key(const struct failregex *fr, const char *buf,
    const struct failregex_match *m, enum failregex_key key, const char **s,
    size_t *len)
{
	int g = fr->g_key[key];

	if (g <= 0)
		return -1;
	/* as group_value(): a group past the kept spans reads as None */
	if (g >= m->ngroups || m->span[2 * g] == RX_UNSET)
		return 0;
	*s = buf + m->span[2 * g];
	*len = m->span[2 * g + 1] - m->span[2 * g];
	return 1;
}

bool
failregex_plain(const struct failregex *fr)
{
	return fr->plain;
}

const char *
failregex_content(const struct failregex *fr, const char *buf,
    const struct failregex_match *m, size_t *len)
{
	int g = fr->g_content;

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

bool
failregex_may_start_with(const struct failregex *fr, unsigned char c)
{
	return rx_may_start_with(fr->rx, c);
}

bool
failregex_guarded(const struct failregex *fr)
{
	return fr->guarded;
}

struct rx *
failregex_union(struct failregex *const *list, size_t n, bool multiline)
{
	struct strbuf sb = STRBUF_INIT;
	struct rx *rx;
	char *err;
	size_t i, nunguarded = 0;

	/* guarded regexes rule most lines out cheaply on their own */
	for (i = 0; i < n; i++)
		nunguarded += !list[i]->guarded;
	if (nunguarded < 2)
		return NULL;

	for (i = 0; i < n; i++) {
		if (failregex_guarded(list[i]))
			continue;
		if (sb.len)
			strbuf_addc(&sb, '|');
		strbuf_addf(&sb, "(?:%s)", rx_pattern(list[i]->rx));
	}
	rx = rx_compile(strbuf_str(&sb), RX_DUPNAMES | (multiline ? RX_MULTILINE : 0), &err);
	free(err);
	strbuf_free(&sb);
	return rx;
}

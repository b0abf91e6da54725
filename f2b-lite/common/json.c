/* json: a small recursive-descent JSON reader and a Python-style writer. */
#include "json.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pyval.h"
#include "strbuf.h"
#include "utf8.h"
#include "xmalloc.h"

/* Nesting deeper than this is refused rather than risking the stack. */
#define JSON_MAX_DEPTH	512

struct jp {
	const char	*s;
	size_t		 n, i;
	char		*err;
};

static void
jp_error(struct jp *p, const char *what)
{
	if (p->err == NULL)
		p->err = xasprintf("%s at %zu", what, p->i);
}

static void
jp_ws(struct jp *p)
{
	while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' ||
	    p->s[p->i] == '\n' || p->s[p->i] == '\r'))
		p->i++;
}

static int
jp_hex4(struct jp *p, uint32_t *v)
{
	size_t k;

	*v = 0;
	if (p->i + 4 > p->n)
		return -1;
	for (k = 0; k < 4; k++) {
		char c = p->s[p->i + k];

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	p->i += 4;
	return 0;
}

static struct pyval *
jp_string(struct jp *p)
{
	struct strbuf sb = STRBUF_INIT;

	p->i++;		/* opening quote */
	while (p->i < p->n) {
		char c = p->s[p->i];

		if (c == '"') {
			p->i++;
			return pyval_str_take(strbuf_detach(&sb));
		}
		if ((unsigned char)c < 0x20) {
			jp_error(p, "Invalid control character");
			break;
		}
		if (c != '\\') {
			strbuf_addc(&sb, c);
			p->i++;
			continue;
		}
		if (++p->i >= p->n)
			break;
		c = p->s[p->i++];
		switch (c) {
		case '"': case '\\': case '/':
			strbuf_addc(&sb, c);
			break;
		case 'b': strbuf_addc(&sb, '\b'); break;
		case 'f': strbuf_addc(&sb, '\f'); break;
		case 'n': strbuf_addc(&sb, '\n'); break;
		case 'r': strbuf_addc(&sb, '\r'); break;
		case 't': strbuf_addc(&sb, '\t'); break;
		case 'u': {
			uint32_t cp, lo;
			char enc[4];

			if (jp_hex4(p, &cp) < 0) {
				jp_error(p, "Invalid \\uXXXX escape");
				goto fail;
			}
			if (cp >= 0xd800 && cp < 0xdc00 && p->i + 6 <= p->n &&
			    p->s[p->i] == '\\' && p->s[p->i + 1] == 'u') {
				size_t save = p->i;

				p->i += 2;
				if (jp_hex4(p, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000)
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				else
					p->i = save;
			}
			if (cp >= 0xd800 && cp < 0xe000)
				cp = 0xfffd;	/* a lone surrogate cannot be UTF-8 */
			strbuf_add(&sb, enc, (size_t)utf8_encode(cp, enc));
			break;
		}
		default:
			jp_error(p, "Invalid \\escape");
			goto fail;
		}
	}
	jp_error(p, "Unterminated string");
fail:
	strbuf_free(&sb);
	return NULL;
}

static struct pyval *
jp_number(struct jp *p)
{
	size_t st = p->i;
	bool isfloat = false;
	char *buf, *end;
	struct pyval *v;

	if (p->s[p->i] == '-')
		p->i++;
	while (p->i < p->n) {
		char c = p->s[p->i];

		if (c >= '0' && c <= '9')
			p->i++;
		else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			isfloat = true;
			p->i++;
		} else
			break;
	}
	buf = xstrndup(p->s + st, p->i - st);
	if (isfloat) {
		double d = strtod(buf, &end);

		v = *end == '\0' ? pyval_float(d) : NULL;
	} else {
		long long ll = strtoll(buf, &end, 10);

		v = *end == '\0' && end != buf && strcmp(buf, "-") ? pyval_int(ll) : NULL;
	}
	free(buf);
	if (v == NULL)
		jp_error(p, "Invalid number");
	return v;
}

static struct pyval *jp_value(struct jp *, int depth);

/* Consumes word when the text continues with it. */
static bool
jp_word(struct jp *p, const char *word)
{
	size_t l = strlen(word);

	if (p->n - p->i < l || memcmp(p->s + p->i, word, l) != 0)
		return false;
	p->i += l;
	return true;
}

static struct pyval *
jp_container(struct jp *p, int depth, bool object)
{
	struct pyval *c = object ? pyval_dict() : pyval_list();
	char close = object ? '}' : ']';

	p->i++;
	jp_ws(p);
	if (p->i < p->n && p->s[p->i] == close) {
		p->i++;
		return c;
	}
	for (;;) {
		struct pyval *k = NULL, *v;

		jp_ws(p);
		if (object) {
			if (p->i >= p->n || p->s[p->i] != '"') {
				jp_error(p, "Expecting property name enclosed in double quotes");
				break;
			}
			if ((k = jp_string(p)) == NULL)
				break;
			jp_ws(p);
			if (p->i >= p->n || p->s[p->i] != ':') {
				pyval_free(k);
				jp_error(p, "Expecting ':' delimiter");
				break;
			}
			p->i++;
		}
		if ((v = jp_value(p, depth + 1)) == NULL) {
			pyval_free(k);
			break;
		}
		if (object)
			pyval_dict_set(c, k, v);
		else
			pyval_append(c, v);
		jp_ws(p);
		if (p->i < p->n && p->s[p->i] == ',') {
			p->i++;
			continue;
		}
		if (p->i < p->n && p->s[p->i] == close) {
			p->i++;
			return c;
		}
		jp_error(p, "Expecting ',' delimiter");
		break;
	}
	pyval_free(c);
	return NULL;
}

static struct pyval *
jp_value(struct jp *p, int depth)
{
	jp_ws(p);
	if (depth > JSON_MAX_DEPTH) {
		jp_error(p, "Nesting too deep");
		return NULL;
	}
	if (p->i >= p->n) {
		jp_error(p, "Expecting value");
		return NULL;
	}
	switch (p->s[p->i]) {
	case '{':
		return jp_container(p, depth, true);
	case '[':
		return jp_container(p, depth, false);
	case '"':
		return jp_string(p);
	case 't':
		if (p->n - p->i >= 4 && !memcmp(p->s + p->i, "true", 4)) {
			p->i += 4;
			return pyval_bool(true);
		}
		break;
	case 'f':
		if (p->n - p->i >= 5 && !memcmp(p->s + p->i, "false", 5)) {
			p->i += 5;
			return pyval_bool(false);
		}
		break;
	case 'n':
		if (p->n - p->i >= 4 && !memcmp(p->s + p->i, "null", 4)) {
			p->i += 4;
			return pyval_none();
		}
		break;
	default:
		/* Python's json also reads NaN, Infinity and -Infinity */
		if (jp_word(p, "NaN"))
			return pyval_float(NAN);
		if (jp_word(p, "Infinity"))
			return pyval_float(INFINITY);
		if (jp_word(p, "-Infinity"))
			return pyval_float(-INFINITY);
		if (p->s[p->i] == '-' || (p->s[p->i] >= '0' && p->s[p->i] <= '9'))
			return jp_number(p);
	}
	jp_error(p, "Expecting value");
	return NULL;
}

struct pyval *
json_parse(const char *text, size_t len, char **err)
{
	struct jp p = { text, len, 0, NULL };
	struct pyval *v;

	*err = NULL;
	if (utf8_check(text, len) != len) {
		*err = xstrdup("Invalid UTF-8");
		return NULL;
	}
	v = jp_value(&p, 0);
	if (v != NULL) {
		jp_ws(&p);
		if (p.i != p.n) {
			pyval_free(v);
			v = NULL;
			jp_error(&p, "Extra data");
		}
	}
	*err = p.err;
	return v;
}

static void
json_str(const char *s, size_t n, bool ascii, struct strbuf *out)
{
	size_t i = 0;

	strbuf_addc(out, '"');
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		int l;

		if (c == '"' || c == '\\')
			strbuf_addf(out, "\\%c", c);
		else if (c == '\n')
			strbuf_adds(out, "\\n");
		else if (c == '\r')
			strbuf_adds(out, "\\r");
		else if (c == '\t')
			strbuf_adds(out, "\\t");
		else if (c == '\b')
			strbuf_adds(out, "\\b");
		else if (c == '\f')
			strbuf_adds(out, "\\f");
		else if (c < 0x20 || (ascii && c == 0x7f))
			strbuf_addf(out, "\\u%04x", c);
		else if (c < 0x80 || !ascii) {
			strbuf_addc(out, (char)c);
			i++;
			continue;
		} else {
			if ((l = utf8_decode(s + i, n - i, &cp)) < 0) {
				l = 1;
				cp = 0xfffd;
			}
			if (cp >= 0x10000) {
				cp -= 0x10000;
				strbuf_addf(out, "\\u%04x\\u%04x", 0xd800 + (cp >> 10),
				    0xdc00 + (cp & 0x3ff));
			} else
				strbuf_addf(out, "\\u%04x", cp);
			i += (size_t)l;
			continue;
		}
		i++;
	}
	strbuf_addc(out, '"');
}

void
json_dump(const struct pyval *v, bool ascii, struct strbuf *out)
{
	size_t i;

	switch (pyval_type(v)) {
	case PY_NONE:
		strbuf_adds(out, "null");
		break;
	case PY_BOOL:
		strbuf_adds(out, pyval_as_bool(v) ? "true" : "false");
		break;
	case PY_INT:
		strbuf_addf(out, "%lld", pyval_as_int(v));
		break;
	case PY_FLOAT: {
		double d = pyval_as_float(v);

		if (isnan(d))
			strbuf_adds(out, "NaN");
		else if (isinf(d))
			strbuf_adds(out, d < 0 ? "-Infinity" : "Infinity");
		else
			pyval_repr_float(d, out);
		break;
	}
	case PY_STR:
	case PY_BYTES:
		json_str(pyval_as_str(v), pyval_strlen(v), ascii, out);
		break;
	case PY_LIST:
	case PY_TUPLE:
	case PY_SET:
		strbuf_addc(out, '[');
		for (i = 0; i < pyval_len(v); i++) {
			if (i)
				strbuf_adds(out, ", ");
			json_dump(pyval_at(v, i), ascii, out);
		}
		strbuf_addc(out, ']');
		break;
	case PY_DICT:
		strbuf_addc(out, '{');
		for (i = 0; i < pyval_len(v); i++) {
			struct pyval *k = pyval_dict_key(v, i);

			if (i)
				strbuf_adds(out, ", ");
			if (pyval_type(k) == PY_STR)
				json_str(pyval_as_str(k), pyval_strlen(k), ascii, out);
			else {
				struct strbuf ks = STRBUF_INIT;

				pyval_to_text(k, &ks);
				json_str(strbuf_str(&ks), ks.len, ascii, out);
				strbuf_free(&ks);
			}
			strbuf_adds(out, ": ");
			json_dump(pyval_dict_val(v, i), ascii, out);
		}
		strbuf_addc(out, '}');
		break;
	}
}

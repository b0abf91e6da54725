/* packval: pyval <-> compact bytes for the fail table. */
#include "packval.h"

#include <string.h>

#include "pyval.h"
#include "strbuf.h"

/*
 * One tag byte per value, then: a varint length and the bytes (str, bytes),
 * a zigzag varint (int), 8 bytes (float), a varint count and the items
 * (containers; a dict's keys and values alternate).  Tags from K_KEY on are
 * the str of keys[] (the groups fail2ban's filters name most).
 */
enum {
	K_NONE, K_FALSE, K_TRUE, K_INT, K_FLOAT, K_STR, K_BYTES, K_LIST, K_TUPLE,
	K_SET, K_DICT, K_ID, K_EMPTY, K_KEY
};

static const char *const keys[] = {
	"matches", "ip", "failures", "fid", "host", "user", "ip4", "ip6", "dns",
	"mlfid", "mlfforget", "mlfgained", "nofail", "time",
};

void
packval_uput(struct strbuf *out, unsigned long long n)
{
	char b[10];
	size_t i = 0;

	do {
		b[i++] = (char)((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
		n >>= 7;
	} while (n);
	strbuf_add(out, b, i);
}

unsigned long long
packval_uget(const unsigned char **p)
{
	unsigned long long n = 0;
	unsigned shift = 0;
	const unsigned char *s = *p;

	do
		n |= (unsigned long long)(*s & 0x7f) << shift, shift += 7;
	while (*s++ & 0x80);
	*p = s;
	return n;
}

static void
put_str(struct strbuf *out, const struct pyval *v, const char *idtext)
{
	const char *s = pyval_as_str(v);
	size_t n = pyval_strlen(v), i;

	if (n == 0) {
		strbuf_addc(out, K_EMPTY);
		return;
	}
	if (idtext && strlen(idtext) == n && memcmp(s, idtext, n) == 0) {
		strbuf_addc(out, K_ID);
		return;
	}
	for (i = 0; i < sizeof(keys) / sizeof(*keys); i++)
		if (strlen(keys[i]) == n && memcmp(keys[i], s, n) == 0) {
			strbuf_addc(out, (char)(K_KEY + i));
			return;
		}
	strbuf_addc(out, K_STR);
	packval_uput(out, n);
	strbuf_add(out, s, n);
}

void
packval_put(struct strbuf *out, const struct pyval *v, const char *idtext)
{
	static const unsigned char tag[] = {
		[PY_LIST] = K_LIST, [PY_TUPLE] = K_TUPLE, [PY_SET] = K_SET, [PY_DICT] = K_DICT,
	};
	enum pyval_type ty = pyval_type(v);
	size_t i, n;

	switch (ty) {
	case PY_NONE:
		strbuf_addc(out, K_NONE);
		return;
	case PY_BOOL:
		strbuf_addc(out, pyval_as_bool(v) ? K_TRUE : K_FALSE);
		return;
	case PY_INT: {
		long long x = pyval_as_int(v);

		strbuf_addc(out, K_INT);
		packval_uput(out, ((unsigned long long)x << 1) ^ (unsigned long long)(x >> 63));
		return;
	}
	case PY_FLOAT: {
		double d = pyval_as_float(v);

		strbuf_addc(out, K_FLOAT);
		strbuf_add(out, (const char *)&d, sizeof(d));
		return;
	}
	case PY_STR:
		put_str(out, v, idtext);
		return;
	case PY_BYTES:
		strbuf_addc(out, K_BYTES);
		packval_uput(out, pyval_strlen(v));
		strbuf_add(out, pyval_as_str(v), pyval_strlen(v));
		return;
	case PY_LIST:
	case PY_TUPLE:
	case PY_SET:
	case PY_DICT:
		break;
	}
	n = pyval_len(v);
	strbuf_addc(out, (char)tag[ty]);
	packval_uput(out, n);
	for (i = 0; i < n; i++)
		if (ty == PY_DICT) {
			packval_put(out, pyval_dict_key(v, i), idtext);
			packval_put(out, pyval_dict_val(v, i), idtext);
		} else
			packval_put(out, pyval_at(v, i), idtext);
}

void
packval_skip(const unsigned char **p)
{
	unsigned t = *(*p)++;
	size_t n, i;

	switch (t) {
	case K_INT:
		packval_uget(p);
		return;
	case K_FLOAT:
		*p += sizeof(double);
		return;
	case K_STR:
	case K_BYTES:
		n = (size_t)packval_uget(p);
		*p += n;
		return;
	case K_LIST:
	case K_TUPLE:
	case K_SET:
	case K_DICT:
		n = (size_t)packval_uget(p) * (t == K_DICT ? 2 : 1);
		for (i = 0; i < n; i++)
			packval_skip(p);
		return;
	default:
		return;		/* the one-byte values */
	}
}

bool
packval_find_matches(const unsigned char *p, const unsigned char **tag,
    const unsigned char **items, size_t *n, const unsigned char **end)
{
	size_t pairs, i;

	if (*p++ != K_DICT)
		return false;
	pairs = (size_t)packval_uget(&p);
	for (i = 0; i < pairs; i++) {
		bool hit = *p == K_KEY;		/* keys[0], "matches", is always this tag */

		packval_skip(&p);
		if (hit && *p == K_LIST) {
			*tag = p++;
			*n = (size_t)packval_uget(&p);
			*items = p;
			for (i = 0; i < *n; i++)
				packval_skip(&p);
			*end = p;
			return true;
		}
		packval_skip(&p);
	}
	return false;
}

struct pyval *
packval_get(const unsigned char **p, const char *idtext)
{
	unsigned t = *(*p)++;
	struct pyval *v;
	size_t n, i;

	switch (t) {
	case K_NONE:
		return pyval_none();
	case K_FALSE:
	case K_TRUE:
		return pyval_bool(t == K_TRUE);
	case K_INT: {
		unsigned long long u = packval_uget(p);

		return pyval_int((long long)(u >> 1) ^ -(long long)(u & 1));
	}
	case K_FLOAT: {
		double d;

		memcpy(&d, *p, sizeof(d));
		*p += sizeof(d);
		return pyval_float(d);
	}
	case K_STR:
	case K_BYTES:
		n = (size_t)packval_uget(p);
		v = t == K_STR ? pyval_strn((const char *)*p, n) : pyval_bytes((const char *)*p, n);
		*p += n;
		return v;
	case K_ID:
		return pyval_str(idtext ? idtext : "");
	case K_EMPTY:
		return pyval_strn("", 0);
	case K_LIST:
	case K_TUPLE:
	case K_SET:
	case K_DICT:
		break;
	default:
		return pyval_str(keys[t - K_KEY]);
	}
	v = t == K_LIST ? pyval_list() : t == K_TUPLE ? pyval_tuple() :
	    t == K_SET ? pyval_set() : pyval_dict();
	n = (size_t)packval_uget(p);
	pyval_reserve(v, n);
	for (i = 0; i < n; i++)
		if (t == K_DICT) {
			struct pyval *k = packval_get(p, idtext);

			pyval_dict_append(v, k, packval_get(p, idtext));
		} else
			pyval_append(v, packval_get(p, idtext));
	return v;
}

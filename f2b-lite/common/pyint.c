/* pyint: Python's int() of bytes and str (Objects/longobject.c's rules). */
#include "pyint.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pyval.h"
#include "strbuf.h"
#include "utf8.h"
#include "xmalloc.h"

#define PY_INT_DIGITS	4300	/* Python's int <-> decimal string limit */
#define PY_INT_BITS	14400	/* more bits than 4300 decimal digits hold */
#define PY_REPR_MAX	200	/* "%.200R" in the ValueError's message */

/*
 * The zero of each run of ten Unicode decimal digits (category Nd) past
 * ASCII, as Python 3.11's unicodedata (Unicode 14) has them.
 */
static const uint32_t nd_zero[] = {
	0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66,
	0xce6, 0xd66, 0xde6, 0xe50, 0xed0, 0xf20, 0x1040, 0x1090, 0x17e0,
	0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90, 0x1b50, 0x1bb0, 0x1c40, 0x1c50,
	0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0, 0xff10,
	0x104a0, 0x10d30, 0x11066, 0x110f0, 0x11136, 0x111d0, 0x112f0,
	0x11450, 0x114d0, 0x11650, 0x116c0, 0x11730, 0x118e0, 0x11950,
	0x11c50, 0x11d50, 0x11da0, 0x16a60, 0x16ac0, 0x16b50, 0x1d7ce,
	0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950,
	0x1fbf0,
};

/* The digit a non-ASCII code point stands for, or -1. */
static int
unicode_digit(uint32_t cp)
{
	size_t lo = 0, hi = sizeof(nd_zero) / sizeof(nd_zero[0]);

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (cp < nd_zero[mid])
			hi = mid;
		else if (cp >= nd_zero[mid] + 10)
			lo = mid + 1;
		else
			return (int)(cp - nd_zero[mid]);
	}
	return -1;
}

static bool
py_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static int
digit_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	return 99;
}

/* Digits in base b (most significant first) to decimal text in out. */
static bool
to_decimal(const unsigned char *dig, size_t n, int base, int bits,
    struct strbuf *out)
{
	uint32_t limb[PY_INT_BITS / 29 + 2];	/* base 1e9, lowest first */
	size_t nl = 1, i, k, before;

	if (n * (size_t)bits > PY_INT_BITS)
		return false;
	limb[0] = 0;
	for (i = 0; i < n; i++) {
		uint64_t carry = dig[i];

		for (k = 0; k < nl; k++) {
			uint64_t cur = (uint64_t)limb[k] * (uint64_t)base + carry;

			limb[k] = (uint32_t)(cur % 1000000000u);
			carry = cur / 1000000000u;
		}
		if (carry)
			limb[nl++] = (uint32_t)carry;
	}
	before = out->len;
	strbuf_addf(out, "%u", limb[nl - 1]);
	for (k = nl - 1; k-- > 0;)
		strbuf_addf(out, "%09u", limb[k]);
	return out->len - before <= PY_INT_DIGITS;
}

/*
 * A str as int() sees it (_PyUnicode_TransformDecimalAndSpaceToASCII):
 * Unicode digits become ASCII ones, Unicode spaces ' ', anything else past
 * ASCII '?'.
 */
static void
to_ascii(const char *s, size_t n, struct strbuf *out)
{
	size_t i = 0;

	while (i < n) {
		uint32_t cp;
		int l, d;

		if ((unsigned char)s[i] < 0x80) {
			strbuf_addc(out, s[i++]);
			continue;
		}
		if ((l = utf8_decode(s + i, n - i, &cp)) < 0) {
			strbuf_addc(out, '?');
			i++;
			continue;
		}
		i += (size_t)l;
		if ((d = unicode_digit(cp)) >= 0)
			strbuf_addc(out, (char)('0' + d));
		else
			strbuf_addc(out, utf8_isspace(cp) ? ' ' : '?');
	}
}

/*
 * int() of ASCII text.  Returns 1 with the decimal text in out, 0 for a
 * bad literal, -1 past the digit limit (*ndigits: the digits counted).
 */
static int
parse_ascii(const char *str, size_t n, bool base0, struct strbuf *out,
    size_t *ndigits)
{
	const unsigned char *s = (const unsigned char *)str, *e = s + n;
	unsigned char dig[PY_INT_BITS + 1];
	size_t nd = 0, total = 0;
	int base = 10, bits = 0;
	bool neg = false, prev_us = false, zero_only = false;

	strbuf_reset(out);
	while (s < e && py_space(*s))
		s++;
	while (e > s && py_space(e[-1]))
		e--;
	if (s < e && (*s == '+' || *s == '-'))
		neg = *s++ == '-';
	if (base0 && e - s >= 2 && s[0] == '0') {
		switch (s[1] | 0x20) {
		case 'x': base = 16; bits = 4; break;
		case 'o': base = 8; bits = 3; break;
		case 'b': base = 2; bits = 1; break;
		default: zero_only = true; break;	/* "0..." in base 0 */
		}
		if (base != 10) {
			s += 2;
			if (s < e && *s == '_')
				s++;
		}
	}
	if (s == e || *s == '_')
		return 0;
	for (; s < e; s++) {
		if (*s == '_') {
			if (prev_us)
				return 0;
			prev_us = true;
			continue;
		}
		prev_us = false;
		if (digit_value(*s) >= base)
			return 0;
		if (zero_only && *s != '0')
			return 0;
		total++;
		if (nd == 0 && *s == '0')
			continue;	/* leading zeros */
		if (nd < sizeof(dig))
			dig[nd] = (unsigned char)digit_value(*s);
		nd++;
	}
	if (prev_us)
		return 0;
	*ndigits = total;
	if (base == 10 && total > PY_INT_DIGITS)
		return -1;
	if (neg && nd > 0)
		strbuf_addc(out, '-');
	if (nd == 0) {
		strbuf_addc(out, '0');
		return 1;
	}
	if (base == 10) {
		size_t i;

		for (i = 0; i < nd; i++)
			strbuf_addc(out, (char)('0' + dig[i]));
		return 1;
	}
	if (nd > sizeof(dig))
		return -1;
	return to_decimal(dig, nd, base, bits, out) ? 1 : -1;
}

static int
parse(const char *s, size_t n, int flags, struct strbuf *out, size_t *ndigits)
{
	struct strbuf a = STRBUF_INIT;
	int rc;

	if (!(flags & PYINT_STR))
		return parse_ascii(s, n, flags & PYINT_BASE0, out, ndigits);
	to_ascii(s, n, &a);
	rc = parse_ascii(a.s ? a.s : "", a.len, flags & PYINT_BASE0, out, ndigits);
	strbuf_free(&a);
	return rc;
}

bool
pyint_text(const char *s, size_t n, int flags, struct strbuf *out)
{
	size_t nd;

	return parse(s, n, flags, out, &nd) == 1;
}

int
pyint_ll(const char *s, size_t n, int flags, long long *v, bool *big, char **err)
{
	struct strbuf t = STRBUF_INIT;
	size_t nd = 0;
	int rc = parse(s, n, flags, &t, &nd);
	char *end;

	if (big)
		*big = false;
	if (rc != 1) {
		if (err && rc == 0) {
			struct strbuf m = STRBUF_INIT, r = STRBUF_INIT;
			size_t i, cps;

			strbuf_addf(&m, "invalid literal for int() with base %d: ",
			    flags & PYINT_BASE0 ? 0 : 10);
			if (flags & PYINT_STR)
				pyval_repr_str(s, n, &r);
			else
				pyval_repr_bytes(s, n, &r);
			/* %.200R: the repr cut at 200 characters */
			for (i = cps = 0; i < r.len && cps < PY_REPR_MAX; cps++)
				do
					i++;
				while (i < r.len && ((unsigned char)r.s[i] & 0xc0) == 0x80);
			strbuf_add(&m, r.s, i);
			*err = strbuf_detach(&m);
			strbuf_free(&r);
		} else if (err)
			*err = xasprintf("Exceeds the limit (%d digits) for integer "
			    "string conversion: value has %zu digits; use "
			    "sys.set_int_max_str_digits() to increase the limit",
			    PY_INT_DIGITS, nd);
		strbuf_free(&t);
		return -1;
	}
	errno = 0;
	*v = strtoll(strbuf_str(&t), &end, 10);
	if (errno == ERANGE && big)
		*big = true;
	strbuf_free(&t);
	return 0;
}

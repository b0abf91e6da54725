/* addr: fail2ban's IPAddr (server/ipdns.py). */
#include "addr.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyint.h"
#include "pyval.h"
#include "rx.h"
#include "strbuf.h"
#include "xmalloc.h"

void
addr_clear(struct addr *a)
{
	free(a->raw);
	memset(a, 0, sizeof(*a));
}

void
addr_copy(struct addr *dst, const struct addr *src)
{
	*dst = *src;
	dst->raw = src->raw ? xstrdup(src->raw) : NULL;
}

static void
addr_mask(uint8_t *a, int bits, int plen)
{
	int i;

	for (i = 0; i < bits / 8; i++) {
		int keep = plen - i * 8;

		if (keep >= 8)
			continue;
		a[i] &= keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
	}
}

/*
 * Nested masks ("a/1.1/1.1/...") recurse, as IPAddr does; Python gives up
 * past its recursion limit (between 200 and 300 levels), we past this depth.
 */
#define ADDR_MASK_DEPTH	200

/* Fails a parse: *out cleared, Python's exception in *err. */
static int
fail(struct addr *out, char **err, const char *exc)
{
	memset(out, 0, sizeof(*out));
	if (err)
		*err = xstrdup(exc);
	return -1;
}

static int parse(struct addr *, const char *, size_t, long long, int, char **);

/* The prefix length of a contiguous mask of bits bits held in v, or -1. */
static int
contiguous(const uint8_t *v, int bits)
{
	int i, n = 0;
	bool zero = false;

	for (i = 0; i < bits; i++) {
		bool one = (v[i / 8] >> (7 - i % 8)) & 1;

		if (one && zero)
			return -1;
		if (one)
			n++;
		else
			zero = true;
	}
	return n;
}

/*
 * IPAddr.masktoplen: IPAddr(mask).maskplen - its value looked up among the
 * contiguous masks of 32 and of 128 bits (so "::ffff:ff00" is 24 as well);
 * anything that is no address has the value 0.
 */
static int
masklen(const char *s, size_t n, int depth, long long *plen, char **err)
{
	static const uint8_t zero12[12];
	struct addr m;
	int len = 0;

	if (parse(&m, s, n, ADDR_CIDR_UNSPEC, depth, err) < 0)
		return -1;
	if (m.family == ADDR_IPV4)
		len = contiguous(m.a, 32);
	else if (m.family == ADDR_IPV6)
		len = memcmp(m.a, zero12, 12) == 0 ? contiguous(m.a + 12, 32) :
		    contiguous(m.a, 128);
	if (len < 0) {
		char buf[ADDR_STRLEN], *msg;
		struct strbuf r = STRBUF_INIT;
		const char *txt = addr_str(&m, buf, sizeof(buf));

		pyval_repr_str(txt, strlen(txt), &r);
		msg = xasprintf("invalid mask %s, no plen representation", r.s);
		addr_clear(&m);
		if (err)
			*err = pyval_repr_exception("ValueError", msg);
		free(msg);
		strbuf_free(&r);
		return -1;
	}
	addr_clear(&m);
	*plen = len;
	return 0;
}

/* IPAddr(text, cidr), with __wrap_ipstr for an unspecified cidr. */
static int
parse(struct addr *out, const char *s, size_t n, long long cidr, int depth, char **err)
{
	struct addr a;
	char *text;
	bool big = false;	/* cidr saturated: a Python int past long long */
	char *msg;

	if (cidr == ADDR_CIDR_UNSPEC) {
		const char *slash;

		/* [ipv6] brackets, then /len or /mask */
		if (n > 2 && s[0] == '[' && s[n - 1] == ']') {
			s++;
			n -= 2;
		}
		if ((slash = memchr(s, '/', n)) != NULL) {
			const char *tail = slash + 1;
			size_t tn = n - (size_t)(tail - s);

			n = (size_t)(slash - s);
			if (memchr(tail, '.', tn) || memchr(tail, ':', tn)) {
				if (depth >= ADDR_MASK_DEPTH)
					return fail(out, err, "RecursionError('maximum "
					    "recursion depth exceeded while calling a Python "
					    "object')");
				if (masklen(tail, tn, depth + 1, &cidr, err) < 0)
					return fail(out, NULL, NULL);
			} else if (pyint_ll(tail, tn, PYINT_STR, &cidr, &big, &msg) < 0) {
				char *exc = pyval_repr_exception("ValueError", msg);

				fail(out, err, exc);
				free(exc);
				free(msg);
				return -1;
			}
		}
	}
	memset(&a, 0, sizeof(a));
	/* socket.inet_pton(family, text): its arguments' checks, in order */
	if (big && cidr < 0)
		return fail(out, err, "OverflowError('Python int too large to convert to "
		    "C long')");
	if (cidr < -2LL - INT_MAX)
		return fail(out, err, "OverflowError('signed integer is greater than "
		    "maximum')");
	if (memchr(s, '\0', n))
		return fail(out, err, "ValueError('embedded null character')");
	text = xstrndup(s, n);
	if (cidr == ADDR_CIDR_RAW)
		a.family = ADDR_RAW;
	else {
		/* below RAW, cidr names the one family to try (AF_INET: -4, AF_INET6: -12) */
		bool try4 = cidr > ADDR_CIDR_RAW || cidr == ADDR_FAM_IPV4,
		    try6 = cidr > ADDR_CIDR_RAW || cidr == ADDR_FAM_IPV6;
		int plen = cidr > INT_MAX ? INT_MAX : (int)cidr;

		if (try4 && inet_pton(AF_INET, text, a.a) == 1) {
			a.family = ADDR_IPV4;
			a.plen = 32;
			if (cidr >= 0) {
				addr_mask(a.a, 32, plen);
				a.plen = plen;
			}
		} else if (try6 && inet_pton(AF_INET6, text, a.a) == 1) {
			static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

			a.family = ADDR_IPV6;
			a.plen = 128;
			if (cidr >= 0) {
				addr_mask(a.a, 128, plen);
				a.plen = plen;
			} else if (memcmp(a.a, mapped, 12) == 0) {
				memmove(a.a, a.a + 12, 4);
				memset(a.a + 4, 0, 12);
				a.family = ADDR_IPV4;
				a.plen = 32;
			}
		} else
			a.family = ADDR_INVALID;
	}
	a.raw = text;
	*out = a;
	return 0;
}

int
addr_parse_n(struct addr *out, const char *text, size_t len, long long cidr, char **err)
{
	if (err)
		*err = NULL;
	return parse(out, text, len, cidr, 0, err);
}

int
addr_parse(struct addr *out, const char *text, long long cidr)
{
	return parse(out, text, strlen(text), cidr, 0, NULL);
}

bool
addr_valid(const struct addr *a)
{
	return a->family == ADDR_IPV4 || a->family == ADDR_IPV6;
}

bool
addr_single(const struct addr *a)
{
	return (a->family == ADDR_IPV4 && a->plen == 32) ||
	    (a->family == ADDR_IPV6 && a->plen == 128);
}

const char *
addr_str(const struct addr *a, char *buf, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];

	if (a->family == ADDR_IPV4) {
		char *p = tmp;
		int i;

		for (i = 0; i < 4; i++) {
			unsigned v = a->a[i];

			if (i)
				*p++ = '.';
			if (v >= 100)
				*p++ = (char)('0' + v / 100);
			if (v >= 10)
				*p++ = (char)('0' + v / 10 % 10);
			*p++ = (char)('0' + v % 10);
		}
		*p = '\0';
		if (a->plen && a->plen < 32)
			snprintf(buf, len, "%s/%d", tmp, a->plen);
		else if (len > (size_t)(p - tmp))
			memcpy(buf, tmp, (size_t)(p - tmp) + 1);
		return buf;
	}
	if (a->family == ADDR_IPV6) {
		inet_ntop(AF_INET6, a->a, tmp, sizeof(tmp));
		if (a->plen && a->plen < 128)
			snprintf(buf, len, "%s/%d", tmp, a->plen);
		else
			snprintf(buf, len, "%s", tmp);
		return buf;
	}
	/* the raw text: whole as returned; buf gets it too (cut to len) */
	snprintf(buf, len, "%s", a->raw ? a->raw : "");
	return a->raw ? a->raw : "";
}

const char *
addr_family_str(const struct addr *a)
{
	return a->family == ADDR_IPV4 ? "inet4" : a->family == ADDR_IPV6 ? "inet6" : NULL;
}

bool
addr_equal(const struct addr *x, const struct addr *y)
{
	if (x->family != y->family)
		return false;
	if (!addr_valid(x))
		return strcmp(x->raw ? x->raw : "", y->raw ? y->raw : "") == 0;
	return x->plen == y->plen &&
	    memcmp(x->a, y->a, x->family == ADDR_IPV4 ? 4 : 16) == 0;
}

bool
addr_in_net(const struct addr *a, const struct addr *net)
{
	uint8_t m[16];
	int bits;

	if (!addr_valid(a) || a->family != net->family)
		return false;
	bits = a->family == ADDR_IPV4 ? 32 : 128;
	memcpy(m, a->a, 16);
	addr_mask(m, bits, net->plen);
	return memcmp(m, net->a, (size_t)bits / 8) == 0;
}

bool
addr_prefix(struct addr *out, const struct addr *a, int plen4, int plen6)
{
	int plen, bits;

	addr_copy(out, a);
	if (!addr_valid(a))
		return false;
	bits = a->family == ADDR_IPV4 ? ADDR_PREFIX4_FULL : ADDR_PREFIX6_FULL;
	plen = a->family == ADDR_IPV4 ? plen4 : plen6;
	if (plen < 1 || plen >= bits || plen >= a->plen)
		return false;
	addr_mask(out->a, bits, plen);
	out->plen = plen;
	return true;
}

bool
addr_net_holds(const struct addr *net, const struct addr *inner)
{
	return addr_valid(net) && addr_valid(inner) && inner->plen >= net->plen &&
	    addr_in_net(inner, net);
}

bool
addr_search(const char *text, size_t *start, size_t *len)
{
	static struct rx *rx;
	size_t sp[6], n = strlen(text);
	char *err;

	/*
	 * IPAddr.searchIP: in fail2ban 1.0.2 only the IPv4 branch can succeed
	 * (the IPv6 one returns None), which is reproduced here.
	 */
	if (rx == NULL && (rx = rx_compile("^(?:(?P<IPv4>(?:\\d{1,3}\\.){3}\\d{1,3})|"
	    "\\[?(?P<IPv6>(?:[0-9a-fA-F]{1,4}::?|::){1,7}(?:[0-9a-fA-F]{1,4}|(?<=:):))\\]?)$",
	    0, &err)) == NULL)
		abort();
	/* rx_search_text: text that is not UTF-8 is no address either */
	if (rx_search_text(rx, text, n, 0, false, sp, 3) != RX_MATCH ||
	    sp[2] == RX_UNSET)
		return false;
	*start = sp[2];
	*len = sp[3] - sp[2];
	return true;
}

char *
addr_ptr(const struct addr *a, const char *suffix)
{
	struct strbuf sb = STRBUF_INIT;
	int i;

	if (a->family == ADDR_IPV4) {
		for (i = 3; i >= 0; i--)
			strbuf_addf(&sb, "%u.", a->a[i]);
	} else if (a->family == ADDR_IPV6) {
		for (i = 15; i >= 0; i--)
			strbuf_addf(&sb, "%x.%x.", a->a[i] & 0xf, a->a[i] >> 4);
	} else
		return xstrdup("");
	strbuf_adds(&sb, suffix ? suffix : "");
	return strbuf_detach(&sb);
}

/* addr: fail2ban's IPAddr (server/ipdns.py). */
#include "addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* masktoplen: "255.255.255.0" -> 24; -1 when not a contiguous mask */
static int
addr_masklen(const char *mask)
{
	uint8_t m[16];
	int bits, i, n = 0;
	bool zero = false;

	if (inet_pton(AF_INET, mask, m) == 1)
		bits = 32;
	else if (inet_pton(AF_INET6, mask, m) == 1)
		bits = 128;
	else
		return -1;
	for (i = 0; i < bits; i++) {
		bool one = (m[i / 8] >> (7 - i % 8)) & 1;

		if (one && zero)
			return -1;
		if (one)
			n++;
		else
			zero = true;
	}
	return n;
}

int
addr_parse(struct addr *out, const char *text, int cidr)
{
	struct addr a;
	char *buf = xstrdup(text), *s = buf, *slash;
	size_t n = strlen(s);

	memset(&a, 0, sizeof(a));
	if (cidr == ADDR_CIDR_UNSPEC) {
		/* __wrap_ipstr: [ipv6] brackets, then /len or /mask */
		if (n > 2 && s[0] == '[' && s[n - 1] == ']') {
			s[n - 1] = '\0';
			s++;
		}
		if ((slash = strchr(s, '/')) != NULL) {
			char *end;
			long v;

			*slash++ = '\0';
			if (strchr(slash, '.') || strchr(slash, ':'))
				v = addr_masklen(slash);
			else {
				v = strtol(slash, &end, 10);
				if (end == slash || *end)
					v = -1;
			}
			if (v < 0) {
				free(buf);
				return -1;
			}
			cidr = (int)v;
		}
	}
	a.raw = xstrdup(s);
	if (cidr == ADDR_CIDR_RAW)
		a.family = ADDR_RAW;
	else {
		bool try4 = cidr != ADDR_FAM_IPV6, try6 = cidr != ADDR_FAM_IPV4;

		if (try4 && inet_pton(AF_INET, s, a.a) == 1) {
			a.family = ADDR_IPV4;
			a.plen = 32;
			if (cidr >= 0) {
				addr_mask(a.a, 32, cidr);
				a.plen = cidr;
			}
		} else if (try6 && inet_pton(AF_INET6, s, a.a) == 1) {
			static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

			a.family = ADDR_IPV6;
			a.plen = 128;
			if (cidr >= 0) {
				addr_mask(a.a, 128, cidr);
				a.plen = cidr;
			} else if (memcmp(a.a, mapped, 12) == 0) {
				memmove(a.a, a.a + 12, 4);
				memset(a.a + 4, 0, 12);
				a.family = ADDR_IPV4;
				a.plen = 32;
			}
		} else
			a.family = ADDR_INVALID;
	}
	free(buf);
	*out = a;
	return 0;
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

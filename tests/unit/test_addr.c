/*
 * Unit tests for addr: fail2ban's IPAddr rules for failure ids - IPv4 and
 * IPv6 text, ::ffff: mapping, brackets, /len and /mask, CIDR arguments, raw
 * ids and invalid text kept as given; hostile texts (bad /len and /mask,
 * Python int() syntax, NUL bytes, family numbers out of range, deep mask
 * nesting) refused with fail2ban's exception.  Expected values come from
 * fail2ban 1.0.2 (tests/tools/gen_addr_cases.py wrote addr_cases.h).
 */
#include <stdlib.h>

#include "addr.h"
#include "tap.h"

struct acase {
	const char	*text;
	long long	 cidr;
	int		 valid;		/* -1: refused outright */
	const char	*family;	/* "inet4", "inet6" or "" */
	const char	*str;
	int		 single;
	const char	*exc;		/* the refusal's exception */
	size_t		 len;		/* of text, which may hold a NUL */
};

#include "addr_cases.h"

int
main(void)
{
	size_t i, s, l;
	char buf[ADDR_STRLEN], *p;
	struct addr a, net;

	for (i = 0; i < sizeof(acases) / sizeof(acases[0]); i++) {
		const struct acase *c = &acases[i];
		char *err = NULL;
		int rc;

		/* what the parse must overwrite: a refusal leaves a cleared address */
		memset(&a, 0x5a, sizeof(a));
		rc = addr_parse_n(&a, c->text, c->len, c->cidr, &err);
		if (c->valid < 0) {
			ok(rc == -1 && a.raw == NULL && a.family == ADDR_INVALID,
			    "'%.40s' (cidr %lld) refused, the address cleared", c->text, c->cidr);
			is_str(err ? err : "(none)", c->exc, "'%.40s': fail2ban's exception",
			    c->text);
			free(err);
			continue;
		}
		if (rc != 0) {
			ok(0, "'%.40s' (cidr %lld) parses: %s", c->text, c->cidr, err);
			free(err);
			continue;
		}
		if (c->cidr == ADDR_CIDR_RAW || (c->valid && !*c->family)) {
			/* IPAddr's isValid is true for raw ids; ours says "an address" */
			ok(a.family == ADDR_RAW && !addr_valid(&a), "'%s' raw: kept as text",
			    c->text);
			is_str(addr_str(&a, buf, sizeof(buf)), c->str, "str('%s')", c->text);
			addr_clear(&a);
			continue;
		}
		ok(addr_valid(&a) == (bool)c->valid &&
		    strcmp(addr_family_str(&a) ? addr_family_str(&a) : "", c->family) == 0 &&
		    (!c->valid || addr_single(&a) == (bool)c->single),
		    "'%.40s' (cidr %lld): valid %d, family '%s', single %d", c->text, c->cidr,
		    c->valid, c->family, c->single);
		is_str(addr_str(&a, buf, sizeof(buf)), c->str, "str('%.40s')", c->text);
		addr_clear(&a);
	}

	/* membership in networks */
	addr_parse(&net, "192.0.2.0/24", ADDR_CIDR_UNSPEC);
	addr_parse(&a, "192.0.2.200", ADDR_CIDR_UNSPEC);
	ok(addr_in_net(&a, &net), "192.0.2.200 in 192.0.2.0/24");
	addr_clear(&a);
	addr_parse(&a, "192.0.3.1", ADDR_CIDR_UNSPEC);
	ok(!addr_in_net(&a, &net), "192.0.3.1 not in 192.0.2.0/24");
	addr_clear(&a);
	addr_parse(&a, "::ffff:192.0.2.3", ADDR_CIDR_UNSPEC);
	ok(addr_in_net(&a, &net), "a mapped address is its IPv4 address");
	addr_clear(&a);
	addr_clear(&net);
	addr_parse(&net, "2001:db8::/32", ADDR_CIDR_UNSPEC);
	addr_parse(&a, "2001:db8:ffff::1", ADDR_CIDR_UNSPEC);
	ok(addr_in_net(&a, &net), "2001:db8:ffff::1 in 2001:db8::/32");
	addr_clear(&a);
	addr_parse(&a, "192.0.2.1", ADDR_CIDR_UNSPEC);
	ok(!addr_in_net(&a, &net), "no IPv4 address is in an IPv6 network");
	addr_clear(&a);
	addr_clear(&net);

	/* prefix bans: the network of a prefix length */
	{
		static const struct {
			const char *text;
			int p4, p6;
			const char *want;
			bool changed;
		} pc[] = {
			{ "2001:db8:1:2:3:4:5:6", 32, 64, "2001:db8:1:2::/64", true },
			{ "2001:db8:1:2:3:4:5:6", 32, 48, "2001:db8:1::/48", true },
			{ "2001:db8:1:2:3:4:5:6", 32, 57, "2001:db8:1::/57", true },
			{ "2001:db8:1:2:8fff:4:5:6", 32, 65, "2001:db8:1:2:8000::/65", true },
			{ "2001:db8:1:2:3:4:5:6", 32, 128, "2001:db8:1:2:3:4:5:6", false },
			{ "2001:db8:1:2:3:4:5:6", 32, 0, "2001:db8:1:2:3:4:5:6", false },
			{ "2001:db8:1:2:3:4:5:6", 32, 129, "2001:db8:1:2:3:4:5:6", false },
			{ "192.0.2.77", 24, 64, "192.0.2.0/24", true },
			{ "192.0.2.77", 32, 64, "192.0.2.77", false },
			{ "192.0.2.77", 31, 64, "192.0.2.76/31", true },
			{ "::ffff:192.0.2.77", 24, 64, "192.0.2.0/24", true },
			{ "2001:db8::/32", 32, 64, "2001:db8::/32", false },
			{ "2001:db8::/80", 32, 64, "2001:db8::/64", true },
			{ "user@example.com", 24, 64, "user@example.com", false },
			{ "999.1.1.1", 24, 64, "999.1.1.1", false },
		};

		for (i = 0; i < sizeof(pc) / sizeof(pc[0]); i++) {
			bool ch;

			addr_parse(&a, pc[i].text, ADDR_CIDR_UNSPEC);
			memset(&net, 0x5a, sizeof(net));
			ch = addr_prefix(&net, &a, pc[i].p4, pc[i].p6);
			is_str(addr_str(&net, buf, sizeof(buf)), pc[i].want,
			    "prefix of %s at /%d, /%d", pc[i].text, pc[i].p4, pc[i].p6);
			ok(ch == pc[i].changed && net.family == a.family,
			    "%s: changed %d, same family", pc[i].text, pc[i].changed);
			ok(!pc[i].changed || addr_net_holds(&net, &a),
			    "%s: the network holds the address", pc[i].text);
			addr_clear(&net);
			addr_clear(&a);
		}
	}
	addr_parse(&net, "2001:db8:1:2::/64", ADDR_CIDR_UNSPEC);
	addr_parse(&a, "2001:db8:1:2::9", ADDR_CIDR_UNSPEC);
	ok(addr_net_holds(&net, &a), "a /64 holds an address of it");
	addr_clear(&a);
	addr_parse(&a, "2001:db8:1:2:8000::/65", ADDR_CIDR_UNSPEC);
	ok(addr_net_holds(&net, &a), "a /64 holds a /65 of it");
	addr_clear(&a);
	addr_parse(&a, "2001:db8:1::/48", ADDR_CIDR_UNSPEC);
	ok(!addr_net_holds(&net, &a), "a /64 does not hold the /48 around it");
	addr_clear(&a);
	addr_parse(&a, "2001:db8:1:3::1", ADDR_CIDR_UNSPEC);
	ok(!addr_net_holds(&net, &a), "nor an address of the next /64");
	addr_clear(&a);
	addr_parse(&a, "host.example", ADDR_CIDR_RAW);
	ok(!addr_net_holds(&net, &a), "nor a raw id");
	addr_clear(&a);
	addr_clear(&net);

	/* equality, reverse names, searchIP */
	addr_parse(&a, "2001:DB8::1", ADDR_CIDR_UNSPEC);
	addr_parse(&net, "[2001:db8:0::1]", ADDR_CIDR_UNSPEC);
	ok(addr_equal(&a, &net), "spellings of one IPv6 address are equal");
	p = addr_ptr(&a, "ip6.arpa.");
	is_str(p, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
	    "IPv6 reverse name");
	free(p);
	addr_clear(&a);
	addr_clear(&net);
	addr_parse(&a, "192.0.2.7", ADDR_CIDR_UNSPEC);
	p = addr_ptr(&a, "in-addr.arpa.");
	is_str(p, "7.2.0.192.in-addr.arpa.", "IPv4 reverse name");
	free(p);
	addr_clear(&a);
	ok(addr_search("192.0.2.9", &s, &l) && s == 0 && l == 9, "searchIP finds IPv4");
	ok(!addr_search("host.example.com", &s, &l), "searchIP: a name is not an address");
	ok(!addr_search("2001:db8::1", &s, &l), "searchIP: IPv6 gives None in 1.0.2");
	ok(!addr_search("\xff\xfe", &s, &l), "searchIP: invalid UTF-8 is not an address");
	return tap_done();
}

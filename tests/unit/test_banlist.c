/* Unit tests for banlist: BanManager's ends of bans, "already banned" and
 * its prolonging rule, permanent bans, expiry order; prefix bans covering
 * their addresses. */
#include "addr.h"
#include "banlist.h"
#include "tap.h"
#include "ticket.h"

static struct ticket *
tk(const char *ip, double time)
{
	struct addr a;
	struct ticket *t;

	addr_parse(&a, ip, ADDR_CIDR_UNSPEC);
	t = ticket_new(&a, time, NULL);
	addr_clear(&a);
	return t;
}

int
main(void)
{
	struct banlist *b = banlist_new();
	struct ticket *t, *old, *x;

	banlist_set_bantime(b, 600);
	t = tk("192.0.2.1", 1000);
	is_int(banlist_add(b, t, 1000, &old), BAN_NEW, "new ban");
	is_int(t->bancount, 1, "bancount incremented");
	x = tk("192.0.2.1", 1100);
	is_int(banlist_add(b, x, 1100, &old), BAN_ALREADY, "already banned");
	ok(old == t && t->bantime == 700, "a later end prolongs: bantime 600 + 100");
	ticket_free(x);
	x = tk("192.0.2.2", 100);
	is_int(banlist_add(b, x, 1000, &old), BAN_EXPIRED, "an end in the past is ignored");
	ticket_free(x);
	x = tk("192.0.2.3", 1000);
	x->bantime = -1;
	is_int(banlist_add(b, x, 1000, &old), BAN_NEW, "permanent ban");
	x = tk("192.0.2.4", 1000);
	is_int(banlist_add(b, x, 1000, &old), BAN_NEW, "fourth");
	ok(banlist_next_end(b) == 1600, "next end: 192.0.2.4 at 1600");
	ok(banlist_pop_expired(b, 1600) == NULL, "not over at its end (now > end)");
	x = banlist_pop_expired(b, 1601);
	ok(x != NULL && x->id.a[3] == 4, "192.0.2.4 ends first");
	ticket_free(x);
	x = banlist_pop_expired(b, 1701);
	ok(x != NULL && x->id.a[3] == 1, "then the prolonged 192.0.2.1");
	ticket_free(x);
	ok(banlist_pop_expired(b, 1e12) == NULL, "the permanent ban never ends");
	is_int(banlist_size(b), 1, "one left");
	is_int(banlist_total(b), 3, "three bans in all");
	/* a new bantime moves the ends of the bans that take the jail's */
	x = tk("192.0.2.9", 2000);
	is_int(banlist_add(b, x, 2000, &old), BAN_NEW, "a ban at 2000 (bantime 600)");
	ok(banlist_next_end(b) == 2600, "ends at 2600");
	banlist_set_bantime(b, 60);
	ok(banlist_next_end(b) == 2060, "bantime 60: it ends at 2060");
	x = banlist_pop_expired(b, 2061);
	ok(x != NULL && x->id.a[3] == 9, "and is over after 2060");
	ticket_free(x);
	banlist_set_bantime(b, 600);
	x = tk("192.0.2.3", 0);
	t = banlist_remove(b, &x->id);
	ok(t != NULL && banlist_size(b) == 0, "manual unban removes it");
	ticket_free(t);
	ticket_free(x);

	/* prefix bans: a network's ban covers its addresses, found by the jail's lengths */
	t = tk("2001:db8:1:2::/64", 3000);
	is_int(banlist_add(b, t, 3000, &old), BAN_NEW, "a /64 banned");
	x = tk("2001:db8:1:2:aa::7", 3000);
	ok(banlist_get(b, &x->id) == NULL, "get: an address of it is not its key");
	ok(banlist_covering(b, &x->id, 32, 64) == t, "covering at /64: the /64's ban");
	ok(banlist_covering(b, &x->id, 32, 128) == NULL,
	    "covering without a prefix length: only the address itself");
	ok(banlist_covering(b, &x->id, 32, 48) == NULL, "covering at /48: not the /64");
	ok(banlist_covering(b, &t->id, 32, 64) == t, "the network itself is covered");
	ticket_free(x);
	x = tk("2001:db8:1:3::1", 3000);
	ok(banlist_covering(b, &x->id, 32, 64) == NULL, "the next /64 is not");
	ticket_free(x);
	x = tk("192.0.2.99", 3000);
	is_int(banlist_add(b, x, 3000, &old), BAN_NEW, "an IPv4 address banned");
	ok(banlist_covering(b, &x->id, 24, 64) == x, "covering finds it itself first");
	t = tk("192.0.2.98", 3000);
	ok(banlist_covering(b, &t->id, 24, 64) == NULL, "its neighbour: no /24 is banned");
	ticket_free(t);
	banlist_free(b);
	return tap_done();
}

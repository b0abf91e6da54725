/*
 * Unit tests for db: fail2ban's schema v4 in an in-memory database, log
 * positions with their first-line hash, bans and their restore (ban time
 * capped, old ones left out), the ban history for bantime.increment, purge.
 */
#include <stdlib.h>

#include "addr.h"
#include "db.h"
#include "pyval.h"
#include "tap.h"
#include "ticket.h"

static struct ticket *
tk(const char *ip, double time, long long bantime, long bancount)
{
	struct addr a;
	struct ticket *t;

	addr_parse(&a, ip, ADDR_CIDR_UNSPEC);
	t = ticket_new(&a, time, NULL);
	addr_clear(&a);
	t->bantime = bantime;
	t->bancount = bancount;
	t->failures = 3;
	return t;
}

int
main(void)
{
	char *err = NULL;
	struct db *d = db_open(":memory:", NULL, NULL, &err);
	struct ticket *t, **v = NULL;
	long long c, tob, bt;
	size_t n;

	ok(d != NULL, "open (schema v4 created)");
	db_add_jail(d, "sshd");
	is_int(db_add_log(d, "sshd", "/var/log/auth.log", "aaa", 0), -1, "a new log has no position");
	db_update_log(d, "sshd", "/var/log/auth.log", "aaa", 1234);
	is_int(db_add_log(d, "sshd", "/var/log/auth.log", "aaa", 0), 1234, "position kept");
	is_int(db_add_log(d, "sshd", "/var/log/auth.log", "bbb", 0), -1,
	    "another first line: a rotated file, no position");
	db_update_journal(d, "sshd", 1700000000.5, "2023-11-14T22:13:20.5+00:00 ");
	ok(db_journal_pos(d, "sshd") == 1700000000.5, "journal position as a float");

	t = tk("192.0.2.1", 1000, 600, 1);
	db_add_ban(d, "sshd", t, 600);
	ticket_free(t);
	t = tk("192.0.2.2", 1000, -1, 1);
	db_add_ban(d, "sshd", t, -1);
	ticket_free(t);
	t = tk("192.0.2.3", 100, 600, 2);
	db_add_ban(d, "sshd", t, 600);
	ticket_free(t);
	ok(db_commit(d, &err) == 0, "commit");
	is_int(db_count_bans(d), 3, "three bans stored");

	n = db_current_bans(d, "sshd", 1300, 600, 600, 10, 600, &v);
	is_int(n, 2, "at 1300: 192.0.2.1 (ends 1600) and the permanent one are current");
	if (n == 2) {
		ok(v[0]->restored && v[0]->time == 1000 && v[0]->bantime == 600 &&
		    v[0]->failures == 3, "restored with its time, bantime and failures");
		ok(v[1]->bantime == 600, "a permanent ban is capped at the jail's bantime");
	}
	while (n-- > 0)
		ticket_free(v[n]);
	free(v);

	ok(db_get_ban(d, "192.0.2.3", "sshd", false, &c, &tob, &bt) && c == 2 && tob == 100 &&
	    bt == 600, "ban history of one address");
	ok(!db_get_ban(d, "203.0.113.1", "sshd", false, &c, &tob, &bt), "no history");

	/* a prefix ban (ipv6prefix) is stored as its network's text and comes back as it */
	db_add_jail(d, "hmail");
	t = tk("2001:db8:1:2::/64", 1000, 600, 1);
	db_add_ban(d, "hmail", t, 600);
	ticket_free(t);
	db_commit(d, &err);
	ok(db_get_ban(d, "2001:db8:1:2::/64", "hmail", false, &c, &tob, &bt) && c == 1,
	    "a /64's ban history under its CIDR text");
	n = db_current_bans(d, "hmail", 1300, 600, 600, 10, 600, &v);
	is_int(n, 1, "the /64's ban is current");
	if (n == 1) {
		char buf[ADDR_STRLEN];

		is_str(addr_str(&v[0]->id, buf, sizeof(buf)), "2001:db8:1:2::/64",
		    "restored as the network");
		ok(v[0]->id.family == ADDR_IPV6 && v[0]->id.plen == 64, "an IPv6 /64");
	}
	while (n-- > 0)
		ticket_free(v[n]);
	free(v);
	db_del_ban(d, "hmail", "2001:db8:1:2::/64");
	db_commit(d, &err);
	ok(!db_get_ban(d, "2001:db8:1:2::/64", "hmail", false, &c, &tob, &bt),
	    "delBan of the network");
	db_set_purgeage(d, 3600);
	db_purge(d, 100000);
	db_commit(d, &err);
	is_int(db_count_bans(d), 0, "purge: bans older than dbpurgeage go");
	db_del_ban(d, "sshd", NULL);
	db_commit(d, &err);
	ok(!db_get_ban(d, "192.0.2.2", "sshd", false, &c, &tob, &bt), "delBan of the jail");
	db_close(d);
	ok(db_open("/nonexistent/dir/x.sqlite3", NULL, NULL, &err) == NULL && err != NULL,
	    "an unusable path is an error");
	free(err);
	return tap_done();
}

/* Unit tests for failmgr: fail2ban's FailManager counting (values checked
 * against fail2ban 1.0.2's FailManager/FailTicket). */
#include "addr.h"
#include "failmgr.h"
#include "pyval.h"
#include "tap.h"
#include "ticket.h"

static struct pyval *
data(const char *line)
{
	struct pyval *d = pyval_dict(), *m = pyval_list(), *t = pyval_tuple();

	pyval_append(t, pyval_str(""));
	pyval_append(t, pyval_str(""));
	pyval_append(t, pyval_str(line));
	pyval_append(m, t);
	pyval_dict_set(d, pyval_str("matches"), m);
	pyval_dict_set(d, pyval_str("user"), pyval_str(line));
	return d;
}

int
main(void)
{
	struct failmgr *fm = failmgr_new();
	struct addr a, b;
	struct ticket *t;

	addr_parse(&a, "192.0.2.1", ADDR_CIDR_UNSPEC);
	addr_parse(&b, "192.0.2.2", ADDR_CIDR_UNSPEC);
	failmgr_set_maxretry(fm, 3);
	failmgr_set_findtime(fm, 600);
	failmgr_set_maxmatches(fm, 2);
	is_int(failmgr_add(fm, &a, 1000, data("l0"), 1), 1, "first failure");
	is_int(failmgr_add(fm, &a, 1001, data("l1"), 1), 2, "second");
	ok(failmgr_toban(fm, &a) == NULL, "not yet banned at 2 of 3");
	is_int(failmgr_add(fm, &b, 1001, data("x"), 1), 1, "another id counts apart");
	is_int(failmgr_add(fm, &a, 1002, data("l2"), 1), 3, "third");
	t = failmgr_toban(fm, &a);
	ok(t != NULL && t->failures == 3 && t->retry == 3 && t->time == 1002,
	    "reaches maxretry: a ticket with 3 failures, time of the last");
	ok(t && pyval_len(pyval_dict_get(t->data, "matches")) == 2,
	    "maxmatches keeps the last 2 lines");
	ok(t && strcmp(pyval_as_str(pyval_dict_get(t->data, "user")), "l0") == 0,
	    "the first failure's data stays (fail2ban keeps the first ticket)");
	ticket_free(t);
	is_int(failmgr_size(fm), 1, "the banned id left the table");
	is_int(failmgr_total(fm), 4, "total failures");

	/* the rate estimate past findtime: 2 failures in 100 s, the next 1000 s later */
	failmgr_add(fm, &a, 2000, data("r0"), 1);
	failmgr_add(fm, &a, 2100, data("r1"), 1);
	/* retry = round(2 / (3100 - 2000) * 600) = 1, then +1 */
	is_int(failmgr_add(fm, &a, 3100, data("r2"), 1), 2, "rescaled by the rate (adjustTime)");
	failmgr_cleanup(fm, 3100 + 601);
	is_int(failmgr_size(fm), 0, "cleanup drops ids older than findtime");

	/* round() to even: 3 failures over 720 s rescaled to 600 s is 2.5 -> 2, then +1 */
	failmgr_add(fm, &a, 5000, data("h0"), 1);
	failmgr_add(fm, &a, 5100, data("h1"), 1);
	failmgr_add(fm, &a, 5200, data("h2"), 1);
	is_int(failmgr_add(fm, &a, 5720, data("h3"), 1), 3,
	    "a rescaled count of 2.5 rounds to 2 (Python's round), not 3");
	failmgr_cleanup(fm, 1e9);

	/* a first failure keeps its lines whatever maxmatches (fail2ban cuts on adding) */
	failmgr_set_maxmatches(fm, 0);
	failmgr_add(fm, &b, 6000, data("only"), 1);
	t = failmgr_toban(fm, &b);
	ok(t == NULL, "one failure of 3");
	failmgr_set_maxretry(fm, 1);
	t = failmgr_toban(fm, &b);
	ok(t && pyval_len(pyval_dict_get(t->data, "matches")) == 1,
	    "maxmatches 0: a new failure's line is kept");
	ticket_free(t);
	addr_clear(&a);
	addr_clear(&b);

	/* a raw id longer than ADDR_STRLEN is one id, whole (it was stored under a cut key) */
	failmgr_set_maxretry(fm, 3);
	addr_parse(&a, "a-user-name-of-sixty-four-characters-which-is-longer-than-50-chars",
	    ADDR_CIDR_RAW);
	addr_parse(&b, "a-user-name-of-sixty-four-characters-which-is-longer-than-50-XXXXX",
	    ADDR_CIDR_RAW);
	failmgr_add(fm, &a, 7000, data("u0"), 1);
	failmgr_add(fm, &b, 7000, data("v0"), 1);
	failmgr_add(fm, &a, 7001, data("u1"), 1);
	is_int(failmgr_add(fm, &a, 7002, data("u2"), 1), 3, "a long raw id counts its failures");
	is_int(failmgr_size(fm), 2, "two long ids sharing their first 50 bytes are two ids");
	t = failmgr_toban(fm, &a);
	ok(t != NULL && t->failures == 3, "... and is banned at maxretry");
	ticket_free(t);
	is_int(failmgr_size(fm), 1, "the banned long id left the table, the other stays");
	addr_clear(&a);
	addr_clear(&b);

	/* a negative findtime rescales counts to anything: kept within a long (UBSan) */
	failmgr_set_findtime(fm, -1e15);
	addr_parse(&a, "192.0.2.50", ADDR_CIDR_UNSPEC);
	failmgr_add(fm, &a, 8000, data("n0"), 1);
	failmgr_add(fm, &a, 8000.000001, data("n1"), 1);
	ok(failmgr_add(fm, &a, 8000.000002, data("n2"), 1) < 0,
	    "a count rescaled past a long saturates (no overflow)");
	addr_clear(&a);
	failmgr_free(fm);
	return tap_done();
}

/* Unit tests for failmgr: fail2ban's FailManager counting (values checked
 * against fail2ban 1.0.2's FailManager/FailTicket). */
#include <malloc.h>
#include <stdio.h>

#include "addr.h"
#include "failmgr.h"
#include "pyval.h"
#include "strbuf.h"
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


/* A value of every type the data may hold, the id's text among its strings. */
static struct pyval *
every_type(const char *idtext)
{
	struct pyval *d = pyval_dict(), *l = pyval_list(), *t = pyval_tuple(), *in = pyval_dict();
	struct pyval *set = pyval_set();

	pyval_append(l, pyval_none());
	pyval_append(l, pyval_bool(false));
	pyval_append(l, pyval_bool(true));
	pyval_append(l, pyval_int(0));
	pyval_append(l, pyval_int(-1));
	pyval_append(l, pyval_int(9223372036854775807LL));
	pyval_append(l, pyval_int(-9223372036854775807LL - 1));
	pyval_append(l, pyval_float(-0.0));
	pyval_append(l, pyval_float(1e300));
	pyval_append(l, pyval_strn("", 0));
	pyval_append(l, pyval_strn("nul\0inside", 10));
	pyval_append(l, pyval_bytes("\xff\x00b", 3));
	pyval_append(l, pyval_str("\xc3\xa9t\xc3\xa9"));
	pyval_append(set, pyval_str("in a set"));
	pyval_append(l, set);
	pyval_append(t, pyval_str("Dec  8 00:49:20"));
	pyval_append(t, pyval_str(" mail line"));
	pyval_append(t, pyval_tuple());
	pyval_dict_set(in, pyval_str("user"), pyval_str(idtext));
	pyval_dict_set(in, pyval_int(7), pyval_list());
	pyval_dict_set(d, pyval_str("zeta"), pyval_str("first key, not sorted"));
	pyval_dict_set(d, pyval_str("ip"), pyval_str(idtext));
	pyval_dict_set(d, pyval_str("ipx"), pyval_str(idtext));
	pyval_dict_set(d, pyval_str("matches"), pyval_list());
	pyval_append(pyval_dict_get(d, "matches"), t);
	pyval_dict_set(d, pyval_str("values"), l);
	pyval_dict_set(d, pyval_str("nested"), in);
	return d;
}

/* The data as the seed's hMailServer filter gives it for one line. */
static struct pyval *
hmail(const char *ip)
{
	struct pyval *d = pyval_dict(), *m = pyval_list(), *t = pyval_tuple();
	char rest[256];

	snprintf(rest, sizeof(rest), " mail \"SMTPD\"#0111200#0119999#011\"2005-08-10 "
	    "18:10:00.100\"#011\"%s\"#011\"SENT: 503 Bad sequence of commands\"", ip);
	pyval_append(t, pyval_str(""));
	pyval_append(t, pyval_str("Dec  8 00:49:20"));
	pyval_append(t, pyval_str(rest));
	pyval_append(m, t);
	pyval_dict_set(d, pyval_str("ip"), pyval_str(ip));
	pyval_dict_set(d, pyval_str("matches"), m);
	return d;
}

/* One failure of text's id with data, out at once: the ticket (maxretry 1). */
static struct ticket *
through(struct failmgr *fm, const char *text, long long cidr, struct pyval *data)
{
	struct addr a;
	struct ticket *t;

	addr_parse(&a, text, cidr);
	failmgr_add(fm, &a, 100, data, 1);
	t = failmgr_toban(fm, &a);
	addr_clear(&a);
	return t;
}

static void
round_trips(void)
{
	static const struct { const char *text; long long cidr; } ids[] = {
		{ "192.0.2.1", ADDR_CIDR_UNSPEC }, { "2001:db8::7", ADDR_CIDR_UNSPEC },
		{ "10.0.0.0/8", ADDR_CIDR_UNSPEC }, { "999.1.1.1", ADDR_CIDR_UNSPEC },
		{ "some-user", ADDR_CIDR_RAW }, { "192.0.2.1", ADDR_CIDR_RAW },
		{ "10.1.2.3", 32 }, { "::ffff:192.0.2.3", ADDR_CIDR_UNSPEC },
	};
	struct failmgr *fm = failmgr_new();
	size_t i;

	failmgr_set_maxretry(fm, 1);
	for (i = 0; i < sizeof(ids) / sizeof(*ids); i++) {
		struct addr a;
		char buf[ADDR_STRLEN];
		struct pyval *want;
		struct ticket *t;

		addr_parse(&a, ids[i].text, ids[i].cidr);
		want = every_type(addr_str(&a, buf, sizeof(buf)));
		t = through(fm, ids[i].text, ids[i].cidr, pyval_copy(want));
		ok(t && pyval_equal(t->data, want) && addr_equal(&t->id, &a) &&
		    t->id.family == a.family && t->id.plen == a.plen,
		    "round trip: the data of %s comes out equal, same types and order", ids[i].text);
		if (t) {
			struct strbuf x = STRBUF_INIT, y = STRBUF_INIT;

			pyval_repr(t->data, &x);
			pyval_repr(want, &y);
			is_str(strbuf_str(&x), strbuf_str(&y), "... and the same repr()");
			strbuf_free(&x);
			strbuf_free(&y);
		}
		ticket_free(t);
		pyval_free(want);
		addr_clear(&a);
	}
	failmgr_free(fm);
}

/* Ids whose texts are equal are one id, as fail2ban's failList keys them. */
static void
one_key_per_text(void)
{
	struct failmgr *fm = failmgr_new();
	struct addr raw, ip, mapped;
	struct ticket *t;
	char buf[ADDR_STRLEN];

	addr_parse(&raw, "192.0.2.9", ADDR_CIDR_RAW);
	addr_parse(&ip, "192.0.2.9", ADDR_CIDR_UNSPEC);
	addr_parse(&mapped, "::ffff:192.0.2.9", ADDR_CIDR_UNSPEC);
	failmgr_add(fm, &raw, 10, data("raw"), 1);
	failmgr_add(fm, &ip, 11, data("ip"), 1);
	is_int(failmgr_add(fm, &mapped, 12, data("mapped"), 1), 3,
	    "a raw id, an address and a mapped IPv6 showing as 192.0.2.9 count as one");
	is_int(failmgr_size(fm), 1, "... one entry");
	t = failmgr_toban(fm, &ip);
	ok(t && t->id.family == ADDR_RAW && strcmp(addr_str(&t->id, buf, sizeof(buf)),
	    "192.0.2.9") == 0, "... whose id is the first failure's (a raw id here)");
	ticket_free(t);
	addr_clear(&raw);
	addr_clear(&ip);
	addr_clear(&mapped);
	failmgr_free(fm);
}

static size_t
nmatches(const struct ticket *t)
{
	struct pyval *m = t ? pyval_dict_get(t->data, "matches") : NULL;

	return m ? pyval_len(m) : (size_t)-1;
}

/* keepmatches: lines nothing can read are not kept; maxmatches still rules the rest. */
static void
keep_matches(void)
{
	struct failmgr *fm = failmgr_new();
	struct addr a;
	struct ticket *t;
	int i;

	addr_parse(&a, "192.0.2.77", ADDR_CIDR_UNSPEC);
	failmgr_set_maxretry(fm, 4);
	failmgr_set_maxmatches(fm, 3);
	is_int(failmgr_keepmatches(fm), -1, "keepmatches: all by default");
	for (i = 0; i < 4; i++)
		failmgr_add(fm, &a, 100 + i, data(i % 2 ? "odd" : "even"), 1);
	t = failmgr_toban(fm, &a);
	is_int(nmatches(t), 3, "keepmatches -1: maxmatches (3) lines of 4");
	ticket_free(t);

	failmgr_set_keepmatches(fm, 1);
	for (i = 0; i < 4; i++)
		failmgr_add(fm, &a, 200 + i, data(i == 3 ? "last" : "earlier"), 1);
	t = failmgr_toban(fm, &a);
	ok(nmatches(t) == 1 && strcmp(pyval_as_str(pyval_at(pyval_at(pyval_dict_get(t->data,
	    "matches"), 0), 2)), "last") == 0, "keepmatches 1: only the last line is kept");
	ok(t && t->failures == 4 && t->retry == 4 && strcmp(pyval_as_str(pyval_dict_get(t->data,
	    "user")), "earlier") == 0, "... the counts and the groups are kept whole");
	ticket_free(t);

	failmgr_set_keepmatches(fm, 0);
	for (i = 0; i < 4; i++)
		failmgr_add(fm, &a, 300 + i, data("x"), 1);
	t = failmgr_toban(fm, &a);
	ok(nmatches(t) == 0, "keepmatches 0 (nothing reads them): no line kept, "
	    "\"matches\" stays where it was, empty");
	ok(t && pyval_len(t->data) == 2 && pyval_type(pyval_dict_key(t->data, 0)) == PY_STR &&
	    strcmp(pyval_as_str(pyval_dict_key(t->data, 0)), "matches") == 0,
	    "... in its place in the dict");
	ticket_free(t);
	addr_clear(&a);
	failmgr_free(fm);
}

/*
 * What a tracked address costs the heap: 100,000 addresses failing once
 * each with the seed's hMailServer line - every byte malloc holds for the
 * table and the records, over the number of addresses.  The daemon's
 * budget is 250 bytes of RSS per address (bench/memory.sh).
 */
#define PER_ADDRESS_BUDGET	250

static void
memory_budget(void)
{
	struct failmgr *fm = failmgr_new();
	size_t before, after, i, n = 100000;
	char ip[32];

	failmgr_set_maxretry(fm, 3);
	failmgr_set_findtime(fm, 86400);
	pyval_pool_trim();
	before = mallinfo2().uordblks;
	for (i = 0; i < n; i++) {
		struct addr a;

		snprintf(ip, sizeof(ip), "10.%zu.%zu.%zu", i / 65025 % 250, i / 255 % 255,
		    i % 255 + 1);
		addr_parse(&a, ip, ADDR_CIDR_UNSPEC);
		failmgr_add(fm, &a, 1000, hmail(ip), 1);
		addr_clear(&a);
	}
	pyval_pool_trim();
	after = mallinfo2().uordblks;
	is_int(failmgr_size(fm), n, "100,000 addresses tracked");
#if defined(__SANITIZE_ADDRESS__)
#define NO_MALLINFO
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NO_MALLINFO
#endif
#endif
#ifdef NO_MALLINFO
	(void)before;
	(void)after;
	ok(1, "# SKIP the sanitizers' allocator: mallinfo2() does not count it");
#else
	ok((after - before) / n <= PER_ADDRESS_BUDGET,
	    "an address failing once costs %zu bytes of heap (budget %d)",
	    (after - before) / n, PER_ADDRESS_BUDGET);
#endif
	failmgr_cleanup(fm, 1000 + 86400);
	is_int(failmgr_size(fm), 0, "... all forgotten a findtime later");
	failmgr_free(fm);
}

/* data() with two lines, a and b */
static struct pyval *
data2(const char *a, const char *b)
{
	struct pyval *d = data(a), *t = pyval_tuple();

	pyval_append(t, pyval_str(""));
	pyval_append(t, pyval_str(""));
	pyval_append(t, pyval_str(b));
	pyval_append(pyval_dict_get(d, "matches"), t);
	return d;
}

/* The ticket's lines (their last items) joined by ',', "-" without "matches". */
static const char *
lines_of(const struct ticket *t, char *buf, size_t len)
{
	struct pyval *m = t ? pyval_dict_get(t->data, "matches") : NULL;
	size_t i, o = 0;

	if (m == NULL)
		return "-";
	buf[0] = '\0';
	for (i = 0; i < pyval_len(m) && o < len; i++) {
		struct pyval *tu = pyval_at(m, i);

		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? "," : "",
		    pyval_as_str(pyval_at(tu, pyval_len(tu) - 1)));
	}
	return buf;
}

/* Repeat offenders: lines spliced onto the packed ones as the unpacked list would be cut. */
static void
repeat_lines(void)
{
	struct failmgr *fm = failmgr_new();
	struct addr a;
	struct ticket *t;
	struct pyval *d;
	char buf[256];

	addr_parse(&a, "192.0.2.88", ADDR_CIDR_UNSPEC);
	failmgr_set_maxretry(fm, 3);
	failmgr_set_maxmatches(fm, 3);
	failmgr_add(fm, &a, 100, data2("a1", "a2"), 1);
	failmgr_add(fm, &a, 101, data2("b1", "b2"), 1);
	failmgr_add(fm, &a, 102, data2("c1", "c2"), 1);
	t = failmgr_toban(fm, &a);
	is_str(lines_of(t, buf, sizeof(buf)), "b2,c1,c2", "two lines a failure: the last 3 of 6");
	ok(t && t->failures == 3 && t->retry == 3 && t->time == 102, "... counted as before");
	ticket_free(t);

	/* a first failure without "matches" (unpacked the long way), then lines */
	d = data("x");
	pyval_free(pyval_dict_pop(d, "matches"));
	failmgr_add(fm, &a, 200, d, 1);
	failmgr_add(fm, &a, 201, data("y"), 1);
	is_int(failmgr_add_observed(fm, &a, 202, 1, 4), 3, "add_observed counts on a spliced record");
	t = failmgr_toban(fm, &a);
	is_str(lines_of(t, buf, sizeof(buf)), "y", "a first failure without lines, then one");
	ok(t && t->bancount == 4 && t->failures == 3, "... the ban count add_observed set");
	ticket_free(t);

	/* maxmatches 0 after lines were kept: the list empties, new lines are not added */
	failmgr_add(fm, &a, 300, data("p"), 1);
	failmgr_set_maxmatches(fm, 0);
	failmgr_add(fm, &a, 301, data("q"), 1);
	failmgr_add(fm, &a, 302, data("r"), 1);
	t = failmgr_toban(fm, &a);
	is_str(lines_of(t, buf, sizeof(buf)), "", "maxmatches 0: \"matches\" emptied");
	ticket_free(t);

	/* keepmatches under maxmatches, more new lines than it */
	failmgr_set_maxmatches(fm, 5);
	failmgr_set_keepmatches(fm, 1);
	failmgr_add(fm, &a, 400, data("s"), 1);
	failmgr_add(fm, &a, 401, data2("t1", "t2"), 1);
	failmgr_add(fm, &a, 402, data("u"), 1);
	t = failmgr_toban(fm, &a);
	is_str(lines_of(t, buf, sizeof(buf)), "u", "keepmatches 1: the last line");
	ticket_free(t);
	failmgr_set_keepmatches(fm, 2);
	failmgr_add(fm, &a, 500, data("v"), 1);
	failmgr_add(fm, &a, 501, data2("w1", "w2"), 1);
	failmgr_add(fm, &a, 502, data2("x1", "x2"), 1);
	t = failmgr_toban(fm, &a);
	is_str(lines_of(t, buf, sizeof(buf)), "x1,x2", "keepmatches 2 of two new lines");
	ticket_free(t);
	addr_clear(&a);
	failmgr_free(fm);
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

	/*
	 * a long key probed past short records: each record's key length is
	 * compared before its bytes (a 6-byte IPv4 record is shorter than the
	 * long key; ASan caught the read past it, fuzz_daemon)
	 */
	{
		char ip[32];
		int k;

		for (k = 0; k < 40; k++) {
			snprintf(ip, sizeof(ip), "198.51.100.%d", k + 1);
			addr_parse(&b, ip, ADDR_CIDR_UNSPEC);
			failmgr_add(fm, &b, 7100, data("s"), 1);
			addr_clear(&b);
		}
		addr_parse(&a, "a-user-name-of-sixty-four-characters-which-is-longer-than-50-YYYYY",
		    ADDR_CIDR_RAW);
		is_int(failmgr_add(fm, &a, 7101, data("y"), 1), 1,
		    "a long raw id among 40 short records: a new id");
		is_int(failmgr_size(fm), 42, "... beside them");
		addr_clear(&a);
	}

	/* a negative findtime rescales counts to anything: kept within a long (UBSan) */
	failmgr_set_findtime(fm, -1e15);
	addr_parse(&a, "192.0.2.50", ADDR_CIDR_UNSPEC);
	failmgr_add(fm, &a, 8000, data("n0"), 1);
	failmgr_add(fm, &a, 8000.000001, data("n1"), 1);
	ok(failmgr_add(fm, &a, 8000.000002, data("n2"), 1) < 0,
	    "a count rescaled past a long saturates (no overflow)");
	addr_clear(&a);
	failmgr_free(fm);
	round_trips();
	one_key_per_text();
	keep_matches();
	repeat_lines();
	memory_budget();
	return tap_done();
}

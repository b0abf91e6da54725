/*
 * Unit tests for dns: dnsToIp's results and Utils.Cache's rules - a lookup
 * is made once per name per lifetime, failures are cached and said once,
 * the oldest entries leave a full cache first, expired entries are looked
 * up again; looked up off the loop, an answer comes in a later turn, one
 * lookup serves every request made meanwhile (the error said to the first),
 * a cancelled request is not answered.  Names are numeric or "localhost"
 * (no network needed).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "dns.h"
#include "loop.h"
#include "strbuf.h"
#include "tap.h"
#include "xmalloc.h"

static struct loop *L;
static struct strbuf told = STRBUF_INIT;
static int ntold;

static void stop(void *arg) { (void)arg; loop_stop(L); }

static void
on_answer(void *arg, const struct addr *ips, size_t n, const char *err)
{
	char buf[ADDR_STRLEN];

	strbuf_addf(&told, "%s:%zu:%s:%s;", (const char *)arg, n,
	    n ? addr_str(&ips[0], buf, sizeof(buf)) : "-", err ? "err" : "ok");
	ntold++;
}

/* Looked up off the loop, answered in a later turn. */
static void
off_the_loop(void)
{
	unsigned long before = dns_lookups();
	struct dns_req *c;
	int i;

	L = loop_new();
	dns_resolve(L, "192.0.2.99", NULL, on_answer, "a");
	dns_resolve(L, "a..c", NULL, on_answer, "x");
	dns_resolve(L, "192.0.2.99", NULL, on_answer, "b");
	c = dns_resolve(L, "192.0.2.99", NULL, on_answer, "c");
	dns_resolve(L, "a..c", NULL, on_answer, "y");
	dns_cancel(c);
	is_int(ntold, 0, "nothing answered while asking");
	ok(!dns_cached("192.0.2.99"), "... nor cached yet");
	for (i = 0; i < 500 && ntold < 4; i++) {
		loop_timer_add(L, 0.01, stop, NULL);
		loop_run(L);
	}
	ok(strstr(strbuf_str(&told), "a:1:192.0.2.99:ok;b:1:192.0.2.99:ok;") != NULL &&
	    strstr(strbuf_str(&told), "x:0:-:err;y:0:-:ok;") != NULL && ntold == 4,
	    "answers in the order asked, the error said to the first (%s)", strbuf_str(&told));
	is_int(dns_lookups() - before, 2, "one lookup per name however many asked");
	ok(dns_cached("192.0.2.99") && dns_cached("a..c"), "the answers are cached");
	loop_free(L);
	strbuf_free(&told);
}

static bool
has(const char *name, const char *ip)
{
	struct addr a;
	bool r;

	addr_parse(&a, ip, ADDR_CIDR_UNSPEC);
	r = dns_name_has(name, &a, NULL);
	addr_clear(&a);
	return r;
}

static void
nap(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (long)s) * 1e9) };

	nanosleep(&ts, NULL);
}

int
main(void)
{
	const struct addr *ips;
	const char *err;
	unsigned long before;
	size_t n, i;
	char name[32], buf[ADDR_STRLEN];
	struct addr a;
	char *host;

	/* results */
	n = dns_to_ips("192.0.2.7", &ips, &err);
	ok(n == 1 && err == NULL, "a numeric name: one address, no error");
	ok(n == 1 && strcmp(addr_str(&ips[0], buf, sizeof(buf)), "192.0.2.7") == 0,
	    "... the address itself (%s)", n ? buf : "-");
	n = dns_to_ips("2001:db8::1", &ips, NULL);
	ok(n == 1 && strcmp(addr_str(&ips[0], buf, sizeof(buf)), "2001:db8::1") == 0,
	    "an IPv6 name: its address");
	ok(has("localhost", "127.0.0.1"), "localhost has 127.0.0.1");
	ok(!has("localhost", "192.0.2.7"), "... and not 192.0.2.7");
	n = dns_to_ips("localhost", &ips, NULL);
	for (i = 1; i < n && ips[i - 1].family <= ips[i].family; i++)
		;
	ok(n >= 1 && i == n, "IPv4 addresses before IPv6 ones (%zu addresses)", n);

	/* the cache */
	before = dns_lookups();
	dns_to_ips("192.0.2.7", &ips, NULL);
	has("localhost", "127.0.0.1");
	ok(dns_lookups() == before, "names asked again are not looked up again");
	before = dns_lookups();
	n = dns_to_ips("a..b", &ips, &err);
	ok(n == 0 && err != NULL && *err, "a name that does not resolve: no address, "
	    "the resolver's message (%s)", err ? err : "none");
	n = dns_to_ips("a..b", &ips, &err);
	ok(n == 0 && err == NULL && dns_lookups() == before + 1,
	    "... asked again: from the cache, and no message (said once)");

	/* full: the oldest leave first */
	dns_cache_options(3, 300);
	before = dns_lookups();
	for (i = 1; i <= 4; i++) {
		snprintf(name, sizeof(name), "198.51.100.%zu", i);
		dns_to_ips(name, &ips, NULL);
	}
	ok(dns_lookups() == before + 4, "four names into a cache of three: four lookups");
	dns_to_ips("198.51.100.4", &ips, NULL);
	dns_to_ips("198.51.100.3", &ips, NULL);
	dns_to_ips("198.51.100.2", &ips, NULL);
	ok(dns_lookups() == before + 4, "the three newest are still cached");
	dns_to_ips("198.51.100.1", &ips, NULL);
	ok(dns_lookups() == before + 5, "the oldest was dropped: looked up again");

	/* expiry */
	dns_cache_options(DNS_CACHE_MAX, 0.05);
	before = dns_lookups();
	dns_to_ips("203.0.113.1", &ips, NULL);
	dns_to_ips("203.0.113.1", &ips, NULL);
	ok(dns_lookups() == before + 1, "within its lifetime an entry serves");
	nap(0.08);
	dns_to_ips("203.0.113.1", &ips, NULL);
	ok(dns_lookups() == before + 2, "past it, the name is looked up again");

	/* ipToName */
	dns_cache_options(DNS_CACHE_MAX, DNS_CACHE_TIME);
	addr_parse(&a, "127.0.0.1", ADDR_CIDR_UNSPEC);
	before = dns_lookups();
	host = dns_to_name(&a);
	ok(host != NULL && *host, "127.0.0.1 has a name (%s)", host ? host : "none");
	free(host);
	host = dns_to_name(&a);
	ok(host != NULL && dns_lookups() == before + 1, "... asked again: from the cache");
	free(host);
	addr_clear(&a);
	addr_parse(&a, "user-name", ADDR_CIDR_RAW);
	before = dns_lookups();
	ok(dns_to_name(&a) == NULL && dns_lookups() == before,
	    "a raw id has no name, and no lookup is made");
	addr_clear(&a);
	dns_cache_options(DNS_CACHE_MAX, DNS_CACHE_TIME);
	off_the_loop();
	return tap_done();
}

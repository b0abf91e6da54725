/*
 * libFuzzer target: log lines through the daemon's own path - a server made
 * by server_create() with jails configured through the transmitter, as the
 * configuration's command stream configures them, and every line handed to
 * jail_feed() as the tail hands it: date detection, prefregex, the
 * failregexes with <F-ID>, <F-CIDR>, tuples, <F-MLFID> merging, the
 * failure-id conversions (usedns no and raw), the line errors, the ignore
 * checks, the fail table, bans and the ban list, the database's ban records
 * and bantime.increment.  No jail has an action: nothing runs, nothing
 * touches the host (the database is in memory; usedns is never yes).
 *
 * The input is a log: lines split as the tail splits them, through a server
 * made for it alone (so a crash reproduces from its input, and every byte
 * allocated must be freed when the server goes).  Each line moves the clock
 * a little, so findtime windows, rescaled counts and expired bans come into
 * play; every 64 lines each jail unbans all.  Past the sanitizers, the
 * bookkeeping must hold: a jail never has more failures or bans now than it
 * ever had, nothing is banned right after an unban of all, and status
 * answers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "jail.h"
#include "log.h"
#include "loop.h"
#include "pyval.h"
#include "server.h"
#include "strbuf.h"
#include "transmitter.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct loop *L;
static struct server *S;
static double now;

/* One command of the stream; its failure is a broken harness. */
static void
cmd(const char *first, ...)
{
	struct pyval *c = pyval_list(), *exc = NULL, *r;
	const char *w;
	va_list ap;

	va_start(ap, first);
	for (w = first; w != NULL; w = va_arg(ap, const char *))
		pyval_append(c, pyval_str(w));
	va_end(ap);
	r = transmitter_proceed(S, c, &exc);
	if (r == NULL) {
		struct strbuf sb = STRBUF_INIT;

		pyval_repr(c, &sb);
		fprintf(stderr, "fuzz_daemon: %s failed\n", strbuf_str(&sb));
		abort();
	}
	pyval_free(r);
	pyval_free(c);
}

static const char *const jails[] = { "fid", "raw", "ml", "inc" };
#define NJAILS	(sizeof(jails) / sizeof(jails[0]))

static void
setup(void)
{
	log_set_level(LOG_LVL_CRITICAL);
	now = 1700000000.0;
	clock_set(now);
	L = loop_new();
	S = server_create(L, transmitter_proceed);
	cmd("set", "dbfile", ":memory:", NULL);

	/* ids that must convert as fail2ban converts them, or fail the line */
	cmd("add", "fid", "polling", NULL);
	cmd("set", "fid", "usedns", "no", NULL);
	cmd("set", "fid", "datepattern", "{NONE}", NULL);
	cmd("set", "fid", "addfailregex", "session <F-ID>\\S+</F-ID> failed", NULL);
	cmd("set", "fid", "addfailregex", "user <F-ID>\\S*</F-ID> from <HOST>", NULL);
	cmd("set", "fid", "addfailregex", "net <IP4>/<F-CIDR>\\S*</F-CIDR>", NULL);
	cmd("set", "fid", "addfailregex", "v6 <IP6>(?:/<F-CIDR>-?\\d+</F-CIDR>)?", NULL);
	cmd("set", "fid", "addfailregex", "dns <F-DNS>\\S+</F-DNS>", NULL);
	cmd("set", "fid", "addignoreregex", "^ignore", NULL);
	cmd("set", "fid", "addignoreip", "127.0.0.1/8", "::1", "10.0.0.0/255.0.0.0", NULL);
	cmd("set", "fid", "maxretry", "2", NULL);
	cmd("set", "fid", "findtime", "10m", NULL);
	cmd("set", "fid", "bantime", "1h", NULL);

	/* usedns raw and tuples: raw ids, their str(), TypeErrors */
	cmd("add", "raw", "polling", NULL);
	cmd("set", "raw", "usedns", "raw", NULL);
	cmd("set", "raw", "datepattern", "{NONE}", NULL);
	cmd("set", "raw", "addfailregex",
	    "s <F-ID>\\S+</F-ID>(?: <F-TUPLE_FID_1>\\S+</F-TUPLE_FID_1>)?$", NULL);
	cmd("set", "raw", "addfailregex",
	    "t <HOST>(?: <F-TUPLE_IP4_1>\\S+</F-TUPLE_IP4_1>)?(?: <F-CIDR>\\S+</F-CIDR>)?$", NULL);
	cmd("set", "raw", "addfailregex",
	    "u <F-DNS>\\S+</F-DNS>(?: <F-TUPLE_DNS_1>\\S+</F-TUPLE_DNS_1>)?$", NULL);
	cmd("set", "raw", "maxretry", "3", NULL);
	cmd("set", "raw", "maxmatches", "2", NULL);

	/* multi-line: a prefregex with content, <F-MLFID> with tuples, nofail, forget */
	cmd("add", "ml", "polling", NULL);
	cmd("set", "ml", "usedns", "no", NULL);
	cmd("set", "ml", "maxlines", "4", NULL);
	cmd("set", "ml", "prefregex",
	    "^(?:\\S+ \\S+ )?<F-MLFID>[a-z]\\d*</F-MLFID>(?:<F-TUPLE_MLFID_1>\\d+"
	    "</F-TUPLE_MLFID_1>)? <F-CONTENT>.+</F-CONTENT>$", NULL);
	cmd("set", "ml", "addfailregex", "^<F-NOFAIL>conn</F-NOFAIL> (?:from )?<HOST>", NULL);
	cmd("set", "ml", "addfailregex", "^auth failed(?: user <F-USER>\\S+</F-USER>)?$", NULL);
	cmd("set", "ml", "addfailregex", "^gained <F-MLFGAINED>\\S+</F-MLFGAINED> <F-ID>\\S+</F-ID>",
	    NULL);
	cmd("set", "ml", "addfailregex", "^bye<F-MLFFORGET>\\S*</F-MLFFORGET>$", NULL);
	cmd("set", "ml", "addfailregex", "^\\S+ id <F-ID>.*</F-ID>$", NULL);
	cmd("set", "ml", "maxretry", "1", NULL);

	/* dated lines (the default templates) and bantime.increment over the database */
	cmd("add", "inc", "polling", NULL);
	cmd("set", "inc", "usedns", "no", NULL);
	cmd("set", "inc", "addfailregex", "failure from <ADDR>(?: for <F-ID>\\S+</F-ID>)?$", NULL);
	cmd("set", "inc", "maxretry", "1", NULL);
	cmd("set", "inc", "bantime", "10", NULL);
	cmd("set", "inc", "bantime.increment", "true", NULL);
	cmd("set", "inc", "bantime.factor", "2", NULL);
	cmd("set", "inc", "bantime.formula",
	    "ban.Time * (1<<(ban.Count if ban.Count<20 else 20)) * banFactor", NULL);
	cmd("set", "inc", "bantime.maxtime", "1000000000000", NULL);
	cmd("set", "inc", "bantime.rndtime", "5", NULL);

	cmd("start", "fid", NULL);
	cmd("start", "raw", NULL);
	cmd("start", "ml", NULL);
	cmd("start", "inc", NULL);
}

/* The bookkeeping every jail keeps, whatever the lines. */
static void
check(struct jail *j, bool unbanned)
{
	unsigned long c[4];
	struct pyval *st;

	jail_counts(j, c);
	if (c[0] > c[1] || c[2] > c[3] || (unbanned && c[2] != 0)) {
		fprintf(stderr, "fuzz_daemon: jail %s: failed %lu of %lu, banned %lu of %lu%s\n",
		    jail_name(j), c[0], c[1], c[2], c[3], unbanned ? " after unban --all" : "");
		abort();
	}
	if ((st = jail_status(j, "basic")) == NULL)
		abort();
	pyval_free(st);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	unsigned long nlines = 0;
	size_t i;

	setup();
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (nl ? nl : end) - p;
		size_t n = len;

		if (n > 0 && p[n - 1] == '\r')
			n--;
		/* a few seconds to a quarter of an hour between lines */
		now += (double)(len % 900);
		clock_set(now);
		for (i = 0; i < NJAILS; i++)
			jail_feed(server_jail(S, jails[i]), p, n);
		if (++nlines % 64 == 0)
			for (i = 0; i < NJAILS; i++) {
				jail_unban_all(server_jail(S, jails[i]));
				check(server_jail(S, jails[i]), true);
			}
		p = nl ? nl + 1 : end;
	}
	for (i = 0; i < NJAILS; i++)
		check(server_jail(S, jails[i]), false);
	server_destroy(S);
	loop_free(L);
	S = NULL;
	L = NULL;
	return 0;
}

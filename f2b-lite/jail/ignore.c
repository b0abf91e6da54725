/*
 * jail/ignore: whether a failure is ignored (fail2ban's inIgnoreIPList:
 * the ignorecache, ignoreself, ignoreip, the ignorecommand) and the queue
 * that brings failures in, in order, past those checks without blocking
 * the loop: names looked up off it (dns_resolve), the ignorecommand run
 * through a runner, a bounded share of each loop turn.
 *
 *   ignore checks      getSelfIPs, ignoreip names, the ignorecache key
 *                      and its option, the check, the command's answer
 *   failures in order  the queue, per-address holds while the command
 *                      runs, names looked up, the turn's budget, stop
 */
#include "jail.h"
#include "jail_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "action.h"
#include "addr.h"
#include "cache.h"
#include "clock.h"
#include "dict.h"
#include "dns.h"
#include "filter.h"
#include "log.h"
#include "loop.h"
#include "optspec.h"
#include "optval.h"
#include "pyval.h"
#include "runner.h"
#include "strbuf.h"
#include "ticket.h"
#include "timestr.h"
#include "xmalloc.h"

/* ---- ignore checks -------------------------------------------------------------- */

/* This host's name, for getSelfIPs. */
static const char *
self_host(void)
{
	static char host[256];
	static bool got;

	if (!got) {
		if (gethostname(host, sizeof(host)) < 0)
			host[0] = '\0';
		host[sizeof(host) - 1] = '\0';
		got = true;
	}
	return host;
}

static struct addr *self;	/* DNSUtils.getSelfIPs, found once */
static size_t nself;

static bool
is_self(const struct addr *a)
{
	const char *names[3] = { "localhost", self_host(), NULL };
	size_t i, k;

	if (self == NULL) {
		for (k = 0; k < 2 && names[k] && *names[k]; k++) {
			const struct addr *ips;
			size_t nips = dns_to_ips(names[k], &ips, NULL), m;

			self = xrealloc(self, (nself + nips) * sizeof(*self));
			for (m = 0; m < nips; m++)
				addr_copy(&self[nself++], &ips[m]);
		}
		self = xrealloc(self, (nself + 2) * sizeof(*self));
		addr_parse(&self[nself++], "127.0.0.1", ADDR_CIDR_UNSPEC);
		addr_parse(&self[nself++], "::1", ADDR_CIDR_UNSPEC);
	}
	for (i = 0; i < nself; i++)
		if (addr_equal(a, &self[i]))
			return true;
	return false;
}

/*
 * What a ban of the network net would hit that ignoreip or ignoreself keeps
 * out: the first such address or network as text (into buf), or NULL.
 * Names of ignoreip count with the addresses already looked up for them.
 */
static const char *
prefix_ignored(struct jail *j, const struct addr *net, char *buf, size_t len)
{
	const struct addr *ips;
	size_t i, k, n;

	if (j->ignoreself) {
		is_self(net);	/* the host's addresses, known from here on */
		for (k = 0; k < nself; k++)
			if (addr_net_holds(net, &self[k]))
				return addr_str(&self[k], buf, len);
	}
	for (i = 0; i < j->nign; i++) {
		if (j->ign[i].name == NULL) {
			if (addr_net_holds(net, &j->ign[i].net))
				return addr_str(&j->ign[i].net, buf, len);
			continue;
		}
		if (!dns_cached(j->ign[i].name))
			continue;
		n = dns_to_ips(j->ign[i].name, &ips, NULL);
		for (k = 0; k < n; k++)
			if (addr_net_holds(net, &ips[k])) {
				char ab[ADDR_STRLEN];

				snprintf(buf, len, "%s (%s)", j->ign[i].name,
				    addr_str(&ips[k], ab, sizeof(ab)));
				return buf;
			}
	}
	return NULL;
}

/*
 * ipv4prefix / ipv6prefix: t is counted and banned as the network of the
 * jail's prefix length holding its address - unless that network holds an
 * address ignoreip (or ignoreself) keeps out: ignoreip wins, the address is
 * counted alone, and the log says which.
 */
void
jail_prefix_id(struct jail *j, struct ticket *t)
{
	struct addr net;
	char nb[ADDR_STRLEN], ib[ADDR_STRLEN + 256], ab[ADDR_STRLEN];
	const char *ign;

	if (!addr_prefix(&net, &t->id, j->prefix4, j->prefix6)) {
		addr_clear(&net);
		return;
	}
	if ((ign = prefix_ignored(j, &net, ib, sizeof(ib))) != NULL) {
		log_msg(LOG_LVL_INFO, LOG_FILTER, "[%s] Ignore prefix %s by ip %s: %s "
		    "counted alone", j->name, addr_str(&net, nb, sizeof(nb)), ign,
		    addr_str(&t->id, ab, sizeof(ab)));
		addr_clear(&net);
		return;
	}
	addr_clear(&t->id);
	t->id = net;
}

/* IPAddr.isInNet with a DNS name: one of its addresses (dnsToIp, cached) */
static bool
name_has(const char *name, const struct addr *a)
{
	const char *err;
	bool hit = dns_name_has(name, a, &err);

	if (err)
		log_msg(LOG_LVL_WARNING, LOG_IPDNS, DNS_FAILED, name, err);
	return hit;
}

/* The ignorecache key of t: its template with the ticket's tags. */
static void
info_key(struct jail *j, struct ticket *t, struct strbuf *out)
{
	struct info in = { j, t, fam_name(ticket_fam(t)) };
	struct action_cmd cmd;
	char *err = NULL;
	size_t i;

	if (!action_command(j->icache_cfg.key, "key", "", jail_info_value, &in, &cmd, &err)) {
		free(err);
		return;
	}
	strbuf_adds(out, cmd.script);
	for (i = 0; i < cmd.nargs; i++) {
		strbuf_addc(out, '\x1f');
		strbuf_adds(out, cmd.args[i]);
	}
	action_cmd_free(&cmd);
}

/* ignorecache = key="<tags>", max-count=100, max-time=5m */
int
jail_set_ignorecache(struct jail *j, const char *v, char **err)
{
	char *name = NULL;
	struct dict *opts = NULL;
	const char *k, *mc, *mt;
	long long n = 100;
	double maxtime = 300;

	action_free(j->icache_cfg.key);
	j->icache_cfg.key = NULL;
	cache_free(j->icache_cfg.entries);
	j->icache_cfg.entries = NULL;
	if (*v == '\0')
		return 0;
	{
		/* fail2ban parses it as the options of "cache[...]" */
		char *spec = xasprintf("cache[%s]", v);
		int rc = optspec_parse(spec, &name, &opts, err);

		free(spec);
		if (rc < 0)
			return -1;
	}
	k = dict_get(opts, "key", NULL);
	mc = dict_get(opts, "max-count", NULL);
	mt = dict_get(opts, "max-time", NULL);
	if (k == NULL)
		*err = xasprintf("ignorecache %s: no key", v);
	else if (mc && optval_int(mc, &n) < 0)
		*err = xasprintf("invalid literal for int() with base 10: '%s'", mc);
	else if (mt && timestr_seconds(mt, &maxtime, NULL, err) < 0)
		maxtime = 0;
	if (*err == NULL) {
		j->icache_cfg.key = action_new("ignorecache");
		action_set(j->icache_cfg.key, "key", k);
		j->icache_cfg.maxcount = (long)n;
		j->icache_cfg.maxtime = maxtime;
		j->icache_cfg.entries = cache_new(n > 0 ? (size_t)n : 1, maxtime, NULL);
	}
	free(name);
	dict_free(opts);
	return *err ? -1 : 0;
}

enum { IGN_NO, IGN_YES, IGN_COMMAND };

/*
 * inIgnoreIPList: the answer kept by the ignorecache for t's key, else the
 * ignoreself rule, ignoreip (addresses, networks, names: looked up before,
 * see names_ready), and IGN_COMMAND when the ignorecommand must be asked
 * (ignore_answer() takes its answer).
 */
static int
ignore_check(struct jail *j, struct ticket *t)
{
	static const bool yes = true, no = false;	/* the cached answers */
	struct strbuf key = STRBUF_INIT;
	const char *how = NULL;
	const bool *e = NULL;
	char buf[ADDR_STRLEN];
	size_t i;

	if (j->icache_cfg.key != NULL) {
		info_key(j, t, &key);
		e = cache_get(j->icache_cfg.entries, strbuf_str(&key), clock_now());
		if (e != NULL) {
			strbuf_free(&key);
			return *e ? IGN_YES : IGN_NO;
		}
	}
	if (j->ignoreself && addr_valid(&t->id) && is_self(&t->id))
		how = "ignoreself rule";
	for (i = 0; how == NULL && i < j->nign; i++) {
		if (j->ign[i].name == NULL) {
			if (addr_valid(&t->id) && (addr_equal(&t->id, &j->ign[i].net) ||
			    addr_in_net(&t->id, &j->ign[i].net)))
				how = "ip";
		} else if (addr_valid(&t->id) && name_has(j->ign[i].name, &t->id))
			how = "dns";
		else if (!addr_valid(&t->id) && strcmp(j->ign[i].name,
		    addr_str(&t->id, buf, sizeof(buf))) == 0)
			how = "ip";
	}
	if (how)
		log_msg(LOG_LVL_INFO, LOG_FILTER, "[%s] Ignore %s by %s", j->name,
		    addr_str(&t->id, buf, sizeof(buf)), how);
	if (how == NULL && j->ignorecommand && *j->ignorecommand) {
		strbuf_free(&key);
		return IGN_COMMAND;
	}
	if (j->icache_cfg.key != NULL)
		cache_set(j->icache_cfg.entries, strbuf_str(&key), (void *)(how ? &yes : &no),
		    clock_now());
	strbuf_free(&key);
	return how ? IGN_YES : IGN_NO;
}

/* The ignorecommand's status for t: exit 0 ignores it, 1 does not, else an error. */
static bool
ignore_answer(struct jail *j, struct ticket *t, int status, const char *output)
{
	static const bool yes = true, no = false;
	bool ignore = status == 0;
	char buf[ADDR_STRLEN];

	if (status != 0 && status != 1) {
		if (output && *output)
			log_msg(LOG_LVL_ERROR, LOG_FILTER, "[%s] ignorecommand -- stderr: '%s'",
			    j->name, output);
		if (status == RUNNER_TIMEOUT)
			log_msg(LOG_LVL_ERROR, LOG_FILTER, "[%s] ignorecommand timed out", j->name);
		else
			log_msg(LOG_LVL_ERROR, LOG_FILTER, "[%s] ignorecommand failed with status %d",
			    j->name, status);
	}
	if (ignore)
		log_msg(LOG_LVL_INFO, LOG_FILTER, "[%s] Ignore %s by command", j->name,
		    addr_str(&t->id, buf, sizeof(buf)));
	if (j->icache_cfg.key != NULL) {
		struct strbuf key = STRBUF_INIT;

		info_key(j, t, &key);
		cache_set(j->icache_cfg.entries, strbuf_str(&key), (void *)(ignore ? &yes : &no),
		    clock_now());
		strbuf_free(&key);
	}
	return ignore;
}

/* ---- failures in order ------------------------------------------------------------ */

/*
 * A failure (or a ban read back from the database) on its way in.  The
 * daemon has one loop, and some answers take long: a name to look up
 * (usedns, ignoreip names, ignoreself), the ignorecommand.  A failure that
 * waits for one waits off the loop, and those after it wait behind it:
 *
 *  - the jail's queue, all its failures in order: the head goes on once
 *    its name and the names ignoreip needs are looked up (dns_resolve), so
 *    a name the resolver takes seconds on holds up this jail only;
 *  - per address, while its ignorecommand runs (through the runner, never
 *    blocking): the address's later failures wait behind it, other
 *    addresses go on.
 *
 * And at most JAIL_TURN_WORK failures go on per loop turn beyond those
 * queued in that turn, the rest in the next turns: a burst of 100,000
 * failures does not hold the socket or the other jails for seconds, and
 * the queue does not grow with the lines read - one turn reads at most
 * TAIL_TURN_BYTES of a log, so what a turn counts stays bounded, and
 * failures waiting in the queue (each with its data unpacked, about 1 KB)
 * do not pile up past what the fail table keeps of them.
 */
#define JAIL_TURN_WORK	256

struct pend {
	struct jail	*j;
	struct pend	*next;
	struct ticket	*t;		/* NULL while host is looked up */
	char		*host;		/* usedns: the failure's name */
	double		 time;
	struct pyval	*data;
	struct addr	*ips;		/* host's addresses, once answered */
	size_t		 nips;
	char		*err;		/* the resolver's message, said when it goes on */
	bool		 answered;
	struct dns_req	*req;
};

/* An address whose ignorecommand runs: its failures, the first one asked about. */
struct held {
	struct jail	*j;
	char		*key;
	struct pend	*head, *tail;
	bool		 ready;		/* in j->in.ready: to go on next turn */
	struct held	*next_ready;
};

/* A name looked up for the ignore checks. */
struct namereq {
	struct jail	*j;
	char		*name;
	bool		 ignoreip;	/* its failure is said (as dnsToIp says it) */
	struct dns_req	*req;
};

static void drain(struct jail *);

static void
pend_free(struct pend *p)
{
	size_t i;

	if (p == NULL)
		return;
	dns_cancel(p->req);
	ticket_free(p->t);
	free(p->host);
	pyval_free(p->data);
	for (i = 0; i < p->nips; i++)
		addr_clear(&p->ips[i]);
	free(p->ips);
	free(p->err);
	free(p);
}

static void
held_free(void *v)
{
	struct held *h = v;

	while (h->head) {
		struct pend *p = h->head;

		h->head = p->next;
		pend_free(p);
	}
	free(h->key);
	free(h);
}

static void
namereq_free(void *v)
{
	struct namereq *n = v;

	dns_cancel(n->req);
	free(n->name);
	free(n);
}

/* Whether the budget of this loop turn has room; counts one more if so. */
static bool
budget(struct jail *j, bool take)
{
	unsigned long turn = loop_turn(j->env.loop);

	if (turn != j->in.turn) {
		j->in.turn = turn;
		j->in.used = 0;
		j->in.fed = 0;
	}
	if (j->in.used >= JAIL_TURN_WORK + j->in.fed)
		return false;
	if (take)
		j->in.used++;
	return true;
}

static void
on_turn(void *arg)
{
	struct jail *j = arg;

	j->in.timer = NULL;
	drain(j);
}

/* The rest in a later turn (a timer added by a timer runs in the next turn). */
static void
next_turn(struct jail *j)
{
	if (j->in.timer == NULL)
		j->in.timer = loop_timer_add(j->env.loop, 0, on_turn, j);
}

/* Not ignored: counted (a ban read back: banned); takes p. */
static void
go_on(struct jail *j, struct pend *p)
{
	struct ticket *t = p->t;

	p->t = NULL;
	pend_free(p);
	if (t->restored)
		jail_ban(j, t);
	else
		jail_count(j, t);
}

static void on_ignorecommand(void *arg, int status, const char *output);
static void on_ignore_retry(void *arg, int err, unsigned attempt, double delay);

/*
 * Asks the ignorecommand about h's head (runner: its own process, answered
 * in a later turn); false when there is nothing to run (a tag missing:
 * not ignored, as before).
 */
static bool
ask_command(struct jail *j, struct held *h)
{
	struct info in = { j, h->head->t, fam_name(ticket_fam(h->head->t)) };
	struct action *a = action_new("ignorecommand");
	struct action_cmd cmd;
	char *err = NULL;

	action_set(a, "ignorecommand", j->ignorecommand);
	if (!action_command(a, "ignorecommand", "", jail_info_value, &in, &cmd, &err)) {
		free(err);
		action_free(a);
		return false;
	}
	action_free(a);
	log_msg(LOG_LVL_DEBUG, LOG_FILTER, "[%s] ignore command: %s", j->name, cmd.script);
	if (j->in.runner == NULL) {
		j->in.runner = runner_new(j->env.loop);
		runner_on_retry(j->in.runner, on_ignore_retry);
	}
	/* fail2ban's executeCmd: 60 s */
	runner_submit(j->in.runner, &cmd, 60, h->key, on_ignorecommand, h);
	return true;
}

/*
 * h's failures in order until one must ask the ignorecommand (or this
 * turn's budget is spent: then in the next turn); h goes when empty.
 */
static void
held_go_on(struct jail *j, struct held *h)
{
	struct pend *p;

	while ((p = h->head) != NULL) {
		if (!budget(j, true)) {
			if (!h->ready) {
				h->ready = true;
				h->next_ready = j->in.ready;
				j->in.ready = h;
			}
			next_turn(j);
			return;
		}
		switch (ignore_check(j, p->t)) {
		case IGN_COMMAND:
			if (ask_command(j, h))
				return;
			h->head = p->next;
			go_on(j, p);
			break;
		case IGN_YES:
			h->head = p->next;
			pend_free(p);
			break;
		default:
			h->head = p->next;
			go_on(j, p);
		}
	}
	dict_del(j->in.held, h->key);	/* frees h */
}

static void
on_ignorecommand(void *arg, int status, const char *output)
{
	struct held *h = arg;
	struct jail *j = h->j;
	struct pend *p = h->head;

	h->head = p->next;
	if (ignore_answer(j, p->t, status, output))
		pend_free(p);
	else
		go_on(j, p);
	held_go_on(j, h);
}

static void
on_ignore_retry(void *arg, int err, unsigned attempt, double delay)
{
	struct held *h = arg;

	log_msg(LOG_LVL_ERROR, LOG_FILTER, "[%s] ignorecommand for %s -- failed with [Errno %d] "
	    "%s; trying again in %g s (attempt %u)", h->j->name, h->key, err, strerror(err),
	    delay, attempt);
}

/* t (in p) past the ignore checks, or waiting for its address's command. */
static void
admit(struct jail *j, struct pend *p)
{
	char key[ADDR_STRLEN];
	struct held *h;

	addr_str(&p->t->id, key, sizeof(key));
	if ((h = dict_get(j->in.held, key, NULL)) != NULL) {
		p->next = NULL;		/* behind the one asked about */
		h->tail->next = p;
		h->tail = p;
		return;
	}
	switch (ignore_check(j, p->t)) {
	case IGN_YES:
		pend_free(p);
		return;
	case IGN_NO:
		go_on(j, p);
		return;
	}
	h = xcalloc(1, sizeof(*h));
	h->j = j;
	h->key = xstrdup(key);
	p->next = NULL;
	h->head = h->tail = p;
	dict_set(j->in.held, key, h);
	if (!ask_command(j, h)) {
		h->head = h->tail = NULL;
		dict_del(j->in.held, key);
		go_on(j, p);
	}
}

static void
on_name(void *arg, const struct addr *ips, size_t n, const char *err)
{
	struct namereq *nr = arg;
	struct jail *j = nr->j;

	(void)ips;
	(void)n;
	nr->req = NULL;
	if (err && nr->ignoreip)
		log_msg(LOG_LVL_WARNING, LOG_IPDNS, DNS_FAILED, nr->name, err);
	dict_del(j->in.names, nr->name);	/* frees nr */
	drain(j);
}

/* Whether name is in the DNS cache; if not, its lookup is started. */
static bool
name_known(struct jail *j, const char *name, bool ignoreip)
{
	struct namereq *nr;

	if (*name == '\0' || dns_cached(name))
		return true;
	if (dict_has(j->in.names, name))
		return false;	/* under way */
	nr = xcalloc(1, sizeof(*nr));
	nr->j = j;
	nr->name = xstrdup(name);
	nr->ignoreip = ignoreip;
	if ((nr->req = dns_resolve(j->env.loop, name, j, on_name, nr)) == NULL) {
		namereq_free(nr);
		return true;	/* no resolver off the loop: looked up when used */
	}
	dict_set(j->in.names, name, nr);
	return false;
}

/*
 * Whether the ignore checks of a failure (p; NULL: any) can run without
 * looking a name up now; the lookups it needs are started.
 */
bool
jail_names_ready(struct jail *j, const struct pend *p)
{
	bool ready = true;
	size_t i;

	if (p && p->t && !addr_valid(&p->t->id))
		return true;	/* compared as text */
	if (j->ignoreself && self == NULL) {
		ready &= name_known(j, "localhost", false);
		ready &= name_known(j, self_host(), false);
	}
	for (i = 0; i < j->nign; i++)
		if (j->ign[i].name)
			ready &= name_known(j, j->ign[i].name, true);
	return ready;
}

/* p's host's addresses, as dnsToIp gave them. */
static void
answer(struct pend *p, const struct addr *ips, size_t n, const char *err)
{
	size_t i;

	p->req = NULL;
	p->answered = true;
	p->ips = n ? xcalloc(n, sizeof(*p->ips)) : NULL;
	for (i = 0; i < n; i++)
		addr_copy(&p->ips[i], &ips[i]);
	p->nips = n;
	p->err = err ? xstrdup(err) : NULL;
}

static void
on_host(void *arg, const struct addr *ips, size_t n, const char *err)
{
	struct pend *p = arg;

	answer(p, ips, n, err);
	drain(p->j);
}

/* A failure with a host name: one failure per address (textToIp). */
static void
expand(struct jail *j, struct pend *p)
{
	size_t i;

	if (p->err)
		log_msg(LOG_LVL_WARNING, LOG_IPDNS, DNS_FAILED, p->host, p->err);
	if (p->nips && strcmp(filter_usedns(j->filter), "warn") == 0) {
		char abuf[ADDR_STRLEN];

		log_msg(LOG_LVL_WARNING, LOG_FILTER, "Determined IP using DNS Lookup: %s = %s",
		    p->host, addr_str(&p->ips[0], abuf, sizeof(abuf)));
	}
	for (i = 0; i < p->nips; i++) {
		struct pend *q = xcalloc(1, sizeof(*q));

		q->j = j;
		q->t = ticket_new(&p->ips[i], p->time, pyval_copy(p->data));
		admit(j, q);
	}
	pend_free(p);
}

/*
 * The jail's waiting failures, in order, as far as their answers are there
 * and this turn's budget goes.
 */
static void
drain(struct jail *j)
{
	struct pend *p;
	struct held *h;

	if (j->in.draining)
		return;		/* the outer call goes on */
	j->in.draining = true;
	while ((h = j->in.ready) != NULL && budget(j, false)) {
		j->in.ready = h->next_ready;
		h->ready = false;
		held_go_on(j, h);
	}
	while ((p = j->in.head) != NULL) {
		if ((p->host && !p->answered) || !jail_names_ready(j, p))
			break;	/* its answer comes with a drain() */
		if (!budget(j, true)) {
			next_turn(j);
			break;
		}
		if ((j->in.head = p->next) == NULL)
			j->in.tail = NULL;
		if (p->host)
			expand(j, p);
		else
			admit(j, p);
	}
	j->in.draining = false;
}

/* Queues t (taken) or host's failure, then lets what can go on go on. */
void
jail_enqueue(struct jail *j, struct ticket *t, const char *host, double time, struct pyval *data)
{
	struct pend *p = xcalloc(1, sizeof(*p));

	p->j = j;
	p->t = t;
	if (host) {
		p->host = xstrdup(host);
		p->time = time;
		p->data = data;
		if (dns_cached(host)) {
			const struct addr *ips;
			size_t n = dns_to_ips(host, &ips, NULL);

			answer(p, ips, n, NULL);
		} else if ((p->req = dns_resolve(j->env.loop, host, j, on_host, p)) == NULL) {
			const struct addr *ips;
			const char *err;
			size_t n = dns_to_ips(host, &ips, &err);

			answer(p, ips, n, err);	/* no resolver off the loop */
		}
	}
	if (j->in.tail)
		j->in.tail->next = p;
	else
		j->in.head = p;
	j->in.tail = p;
	budget(j, false);	/* this turn's count, then one more failure it may count */
	j->in.fed++;
	drain(j);
}

/* Whether failures are waiting (queued or behind an ignorecommand). */
bool
jail_pending(const struct jail *j)
{
	return j->in.head != NULL || dict_len(j->in.held) > 0;
}

/* Stopped: the failures still waiting go (fail2ban's filter thread stops too). */
void
jail_drop_pending(struct jail *j)
{
	struct pend *p;

	runner_free(j->in.runner);	/* its commands killed, no callback */
	j->in.runner = NULL;
	while ((p = j->in.head) != NULL) {
		j->in.head = p->next;
		pend_free(p);
	}
	j->in.tail = NULL;
	j->in.ready = NULL;
	dict_free(j->in.held);
	dict_free(j->in.names);
	j->in.held = dict_new(held_free);
	j->in.names = dict_new(namereq_free);
	loop_timer_cancel(j->env.loop, j->in.timer);
	j->in.timer = NULL;
}

void
jail_queue_init(struct jail *j)
{
	j->in.held = dict_new(held_free);
	j->in.names = dict_new(namereq_free);
}

/*
 * dns: DNSUtils.dnsToIp and ipToName over getaddrinfo()/getnameinfo(),
 * each behind a Utils.Cache (cache.h); dnsToIp also off the loop, in
 * worker threads.
 */
#include "dns.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "addr.h"
#include "cache.h"
#include "clock.h"
#include "dict.h"
#include "loop.h"
#include "xmalloc.h"

struct centry {
	struct addr	*ips;		/* the name cache */
	size_t		 n;
	char		*name;		/* the address cache: NULL for none */
};

static struct cache *names;	/* name -> its addresses */
static struct cache *hosts;	/* address text -> its name */
static size_t cache_max = DNS_CACHE_MAX;
static double cache_time = DNS_CACHE_TIME;
static unsigned long nlookups;

static void
centry_free(void *p)
{
	struct centry *e = p;
	size_t i;

	for (i = 0; i < e->n; i++)
		addr_clear(&e->ips[i]);
	free(e->ips);
	free(e->name);
	free(e);
}

/* The cache (made at first use) and what it holds for key. */
static struct centry *
lookup(struct cache **c, const char *key)
{
	if (*c == NULL)
		*c = cache_new(cache_max, cache_time, centry_free);
	return cache_get(*c, key, clock_real());
}

static const void *
sockaddr_ip(const struct addrinfo *r)
{
	return r->ai_family == AF_INET ?
	    (const void *)&((const struct sockaddr_in *)r->ai_addr)->sin_addr :
	    (const void *)&((const struct sockaddr_in6 *)r->ai_addr)->sin6_addr;
}

/*
 * socket.getaddrinfo(name, None, fam, 0, IPPROTO_TCP), v4 then v6, into e
 * (addresses without duplicates); the resolver's error code when none was
 * found.  Safe in any thread.
 */
static int
resolve(const char *name, struct centry *e)
{
	static const int fams[2] = { AF_INET, AF_INET6 };
	size_t cap = 0;
	int i, rc = 0;

	for (i = 0; i < 2; i++) {
		struct addrinfo hints, *res = NULL, *r;
		int frc;

		memset(&hints, 0, sizeof(hints));
		hints.ai_family = fams[i];
		hints.ai_protocol = IPPROTO_TCP;
		if ((frc = getaddrinfo(name, NULL, &hints, &res)) != 0) {
			rc = frc;
			continue;
		}
		for (r = res; r; r = r->ai_next) {
			char buf[INET6_ADDRSTRLEN];
			struct addr a;
			size_t j;

			if (r->ai_family != fams[i] ||
			    inet_ntop(r->ai_family, sockaddr_ip(r), buf, sizeof(buf)) == NULL)
				continue;
			addr_parse(&a, buf, i == 0 ? ADDR_FAM_IPV4 : ADDR_FAM_IPV6);
			for (j = 0; j < e->n && !addr_equal(&e->ips[j], &a); j++)
				;
			if (!addr_valid(&a) || j < e->n) {
				addr_clear(&a);
				continue;
			}
			e->ips = xgrow(e->ips, &cap, e->n + 1, sizeof(*e->ips));
			e->ips[e->n++] = a;
		}
		freeaddrinfo(res);
	}
	return e->n == 0 ? rc : 0;
}

size_t
dns_to_ips(const char *name, const struct addr **ips, const char **err)
{
	struct centry *e;
	int rc;

	if (err)
		*err = NULL;
	if ((e = lookup(&names, name)) != NULL) {
		*ips = e->ips;
		return e->n;
	}
	nlookups++;
	e = xcalloc(1, sizeof(*e));
	if ((rc = resolve(name, e)) != 0 && err)
		*err = gai_strerror(rc);
	cache_set(names, name, e, clock_real());
	*ips = e->ips;
	return e->n;
}

bool
dns_cached(const char *name)
{
	return lookup(&names, name) != NULL;
}

bool
dns_name_has(const char *name, const struct addr *a, const char **err)
{
	const struct addr *ips;
	size_t n = dns_to_ips(name, &ips, err), i;

	for (i = 0; i < n; i++)
		if (addr_equal(a, &ips[i]))
			return true;
	return false;
}

char *
dns_to_name(const struct addr *a)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char key[ADDR_STRLEN], host[1025];
	struct centry *e;

	memset(&ss, 0, sizeof(ss));
	if (a->family == ADDR_IPV4) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;

		s->sin_family = AF_INET;
		memcpy(&s->sin_addr, a->a, 4);
		len = sizeof(*s);
	} else if (a->family == ADDR_IPV6) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;

		s->sin6_family = AF_INET6;
		memcpy(&s->sin6_addr, a->a, 16);
		len = sizeof(*s);
	} else
		return NULL;
	addr_str(a, key, sizeof(key));
	if ((e = lookup(&hosts, key)) == NULL) {
		nlookups++;
		e = xcalloc(1, sizeof(*e));
		if (getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), NULL, 0,
		    NI_NAMEREQD) == 0)
			e->name = xstrdup(host);
		cache_set(hosts, key, e, clock_real());
	}
	return e->name ? xstrdup(e->name) : NULL;
}

/* ---- dnsToIp off the loop -------------------------------------------------- */

/*
 * A name being looked up by a worker, and who waits for it.  Lookups of one
 * name are made once however many ask; the loop thread owns everything but
 * `next` and the answer while the lookup sits in a worker's hands.
 */
struct lookup {
	char		*name;
	struct centry	*e;		/* the answer (filled by the worker) */
	int		 rc;		/* getaddrinfo's error when none was found */
	struct dns_req	*waiters;
	struct owner	*owner;		/* who asked first */
	struct lookup	*next;		/* in its owner's queue, or the done list */
};

/*
 * Who asks (a jail): its lookups wait in a queue of its own, the workers
 * take from the queues in turn, and no owner has more than OWNER_BUSY
 * lookups in their hands - the names one jail's log chose cannot hold
 * every worker, nor make another jail's names wait behind them.
 */
#define OWNER_BUSY	(DNS_WORKERS - 1)

struct owner {
	const void	*id;
	struct lookup	*head, *tail;
	unsigned	 busy;
	struct owner	*next;
};

struct dns_req {
	dns_done_fn	*fn;		/* NULL: cancelled */
	void		*arg;
	struct dns_req	*next;
};

static struct {
	pthread_mutex_t	 mu;		/* the owners' queues, busy counts, done */
	pthread_cond_t	 cv;
	struct owner	*owners;	/* a ring; owners stay (jails are few) */
	struct owner	*turn;		/* the last one a worker took from */
	struct lookup	*done;		/* for the loop */
	unsigned	 threads, idle;
	int		 efd;		/* written when something is done; -1: not started */
	struct dict	*inflight;	/* name -> lookup (loop thread) */
} R = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, NULL, 0, 0, -1,
	NULL };

/* The next lookup a worker may take (R.mu held): owners in turn, within OWNER_BUSY. */
static struct lookup *
take(void)
{
	struct owner *o = R.turn ? R.turn : R.owners;
	struct lookup *lk;

	if (o == NULL)
		return NULL;
	do {
		o = o->next ? o->next : R.owners;
		if (o->head != NULL && o->busy < OWNER_BUSY) {
			lk = o->head;
			if ((o->head = lk->next) == NULL)
				o->tail = NULL;
			o->busy++;
			R.turn = o;
			return lk;
		}
	} while (o != (R.turn ? R.turn : R.owners));
	return NULL;
}

static void *
worker(void *arg)
{
	(void)arg;
	for (;;) {
		struct lookup *lk;
		uint64_t one = 1;

		pthread_mutex_lock(&R.mu);
		R.idle++;
		while ((lk = take()) == NULL)
			pthread_cond_wait(&R.cv, &R.mu);
		R.idle--;
		pthread_mutex_unlock(&R.mu);
		lk->rc = resolve(lk->name, lk->e);
		pthread_mutex_lock(&R.mu);
		lk->owner->busy--;
		lk->next = R.done;
		R.done = lk;
		pthread_cond_signal(&R.cv);	/* its owner's next may be taken now */
		pthread_mutex_unlock(&R.mu);
		while (write(R.efd, &one, sizeof(one)) < 0 && errno == EINTR)
			;
	}
	return NULL;
}

/* The answers the workers left: cached, then told to who asked (in order). */
static void
on_done(void *arg, int fd, uint32_t events)
{
	struct lookup *lk, *rev = NULL;
	uint64_t n;

	(void)arg;
	(void)events;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&R.mu);
	lk = R.done;
	R.done = NULL;
	pthread_mutex_unlock(&R.mu);
	while (lk) {		/* oldest first */
		struct lookup *next = lk->next;

		lk->next = rev;
		rev = lk;
		lk = next;
	}
	while ((lk = rev) != NULL) {
		struct dns_req *w;
		const char *err = lk->rc ? gai_strerror(lk->rc) : NULL;

		rev = lk->next;
		dict_del(R.inflight, lk->name);
		lookup(&names, lk->name);	/* the cache exists */
		cache_set(names, lk->name, lk->e, clock_real());
		/* the waiters in the order they asked; the error is said to the first */
		while ((w = lk->waiters) != NULL) {
			lk->waiters = w->next;
			if (w->fn) {
				w->fn(w->arg, lk->e->ips, lk->e->n, err);
				err = NULL;
			}
			free(w);
		}
		free(lk->name);
		free(lk);
	}
}

/*
 * No worker could be started: the names are looked up here rather than
 * never, the answers told in the next turn as a worker's would be.
 */
static void
resolve_here(void)
{
	uint64_t one = 1;

	struct lookup *lk;

	pthread_mutex_lock(&R.mu);
	while ((lk = take()) != NULL) {
		lk->rc = resolve(lk->name, lk->e);
		lk->owner->busy--;
		lk->next = R.done;
		R.done = lk;
	}
	pthread_mutex_unlock(&R.mu);
	if (write(R.efd, &one, sizeof(one)) < 0)
		return;	/* the counter cannot overflow in practice */
}

/* Starts the resolver: the eventfd on l, the first worker. */
static bool
start(struct loop *l)
{
	if (R.efd >= 0)
		return true;
	if ((R.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
		return false;
	if (loop_fd_add(l, R.efd, EPOLLIN, on_done, NULL) < 0) {
		close(R.efd);
		R.efd = -1;
		return false;
	}
	R.inflight = dict_new(NULL);
	return true;
}

/* Another worker when none is idle (at most DNS_WORKERS). */
static void
more_workers(void)
{
	pthread_attr_t at;
	pthread_t t;
	sigset_t all, old;

	if (R.idle > 0 || R.threads >= DNS_WORKERS)
		return;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&at, 256 * 1024);
	/* no signal for the workers: the loop reads them from its signalfd */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (pthread_create(&t, &at, worker, NULL) == 0)
		R.threads++;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&at);
}

struct dns_req *
dns_resolve(struct loop *l, const char *name, const void *owner, dns_done_fn *fn, void *arg)
{
	struct lookup *lk;
	struct dns_req *w, **pp;
	struct owner *o;

	if (!start(l))
		return NULL;
	w = xcalloc(1, sizeof(*w));
	w->fn = fn;
	w->arg = arg;
	if ((lk = dict_get(R.inflight, name, NULL)) == NULL) {
		nlookups++;
		lk = xcalloc(1, sizeof(*lk));
		lk->name = xstrdup(name);
		lk->e = xcalloc(1, sizeof(*lk->e));
		dict_set(R.inflight, name, lk);
		pthread_mutex_lock(&R.mu);
		for (o = R.owners; o && o->id != owner; o = o->next)
			;
		if (o == NULL) {
			o = xcalloc(1, sizeof(*o));
			o->id = owner;
			o->next = R.owners;
			R.owners = o;
		}
		lk->owner = o;
		if (o->tail)
			o->tail->next = lk;
		else
			o->head = lk;
		o->tail = lk;
		more_workers();
		pthread_cond_signal(&R.cv);
		pthread_mutex_unlock(&R.mu);
		if (R.threads == 0)
			resolve_here();
	}
	for (pp = &lk->waiters; *pp; pp = &(*pp)->next)
		;
	*pp = w;
	return w;
}

void
dns_cancel(struct dns_req *w)
{
	if (w)
		w->fn = NULL;	/* freed when its lookup is done */
}

unsigned long
dns_lookups(void)
{
	return nlookups;
}

void
dns_cache_options(size_t maxcount, double maxtime)
{
	cache_max = maxcount;
	cache_time = maxtime;
	cache_free(names);
	cache_free(hosts);
	names = hosts = NULL;
}

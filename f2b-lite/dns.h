/*
 * dns: fail2ban's DNSUtils - a host name's addresses (dnsToIp) and an
 * address's name (ipToName), each behind a cache like fail2ban's
 * Utils.Cache: 1000 entries that live 5 minutes, and when it is full the
 * oldest go first (expired or not) until one slot is free.  A failed lookup
 * is cached too, so a name that does not resolve costs one lookup per 5
 * minutes, not one per log line or per failure.  One cache per process,
 * shared by the filters (usedns) and the jails (ignoreip names), as in
 * fail2ban.  The daemon looks names up off its loop (dns_resolve): up to
 * DNS_WORKERS threads call the resolver, answers come back through an
 * eventfd, so a name that takes the resolver seconds holds up only the
 * failures that wait for it.  Leaf module: a failed lookup's message goes
 * to the caller.
 */
#ifndef F2B_DNS_H
#define F2B_DNS_H

#include <stdbool.h>
#include <stddef.h>

struct addr;
struct dns_req;
struct loop;

/* fail2ban's warning for a name that did not resolve (logger, format: name, message) */
#define DNS_LOGGER	"fail2ban.ipdns"
#define DNS_FAILED	"Unable to find a corresponding IP address for %s: %s"

#define DNS_CACHE_MAX	1000	/* entries per cache */
#define DNS_CACHE_TIME	300.0	/* seconds an entry lives */
#define DNS_WORKERS	4	/* lookups at once (threads, started when needed) */

/*
 * dnsToIp(name): its IPv4 addresses, then its IPv6 ones, without
 * duplicates; the array belongs to the cache (valid until the next dns_
 * call).  *err (may be NULL): when this call looked the name up and found
 * nothing, the resolver's message, else NULL.
 */
size_t		 dns_to_ips(const char *name, const struct addr **ips, const char **err);
/* Whether name's addresses are in the cache (dns_to_ips would not look it up). */
bool		 dns_cached(const char *name);
/*
 * dnsToIp's answer (ips, n, and err as dns_to_ips gives them; the array
 * valid during the call), told from the loop.
 */
typedef void dns_done_fn(void *arg, const struct addr *ips, size_t n, const char *err);
/*
 * Looks name up off the loop l (always the same loop) and caches the
 * answer, then calls fn in a later turn; one lookup serves every request
 * for a name made meanwhile, in the order they were made (err is told to
 * the first).  owner (a jail) gets its turn among the others: at most
 * DNS_WORKERS - 1 of its lookups run at once.  The handle may be cancelled
 * until then; NULL when the resolver cannot start (no eventfd).
 */
struct dns_req	*dns_resolve(struct loop *l, const char *name, const void *owner,
		    dns_done_fn *fn, void *arg);
/* fn will not be called (the lookup goes on and is cached). */
void		 dns_cancel(struct dns_req *);
/* Whether a is one of name's addresses (IPAddr.isInNet with a DNS net). */
bool		 dns_name_has(const char *name, const struct addr *a, const char **err);
/* ipToName(a): the name (a copy to free), NULL when there is none. */
char		*dns_to_name(const struct addr *a);
/* Lookups made so far (cache misses), for tests. */
unsigned long	 dns_lookups(void);
/* Utils.Cache.setOptions for both caches (tests); drops what they hold. */
void		 dns_cache_options(size_t maxcount, double maxtime);

#endif

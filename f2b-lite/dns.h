/*
 * dns: fail2ban's DNSUtils - a host name's addresses (dnsToIp) and an
 * address's name (ipToName), each behind a cache like fail2ban's
 * Utils.Cache: 1000 entries that live 5 minutes, and when it is full the
 * oldest go first (expired or not) until one slot is free.  A failed lookup
 * is cached too, so a name that does not resolve costs one lookup per 5
 * minutes, not one per log line or per failure.  One cache per process,
 * shared by the filters (usedns) and the jails (ignoreip names), as in
 * fail2ban.  Leaf module: a failed lookup's message goes to the caller.
 */
#ifndef F2B_DNS_H
#define F2B_DNS_H

#include <stdbool.h>
#include <stddef.h>

struct addr;

/* fail2ban's warning for a name that did not resolve (logger, format: name, message) */
#define DNS_LOGGER	"fail2ban.ipdns"
#define DNS_FAILED	"Unable to find a corresponding IP address for %s: %s"

#define DNS_CACHE_MAX	1000	/* entries per cache */
#define DNS_CACHE_TIME	300.0	/* seconds an entry lives */

/*
 * dnsToIp(name): its IPv4 addresses, then its IPv6 ones, without
 * duplicates; the array belongs to the cache (valid until the next dns_
 * call).  *err (may be NULL): when this call looked the name up and found
 * nothing, the resolver's message, else NULL.
 */
size_t		 dns_to_ips(const char *name, const struct addr **ips, const char **err);
/* Whether a is one of name's addresses (IPAddr.isInNet with a DNS net). */
bool		 dns_name_has(const char *name, const struct addr *a, const char **err);
/* ipToName(a): the name (a copy to free), NULL when there is none. */
char		*dns_to_name(const struct addr *a);
/* Lookups made so far (cache misses), for tests. */
unsigned long	 dns_lookups(void);
/* Utils.Cache.setOptions for both caches (tests); drops what they hold. */
void		 dns_cache_options(size_t maxcount, double maxtime);

#endif

/*
 * dns: DNSUtils.dnsToIp and ipToName over getaddrinfo()/getnameinfo(),
 * each behind a Utils.Cache (cache.h).
 */
#include "dns.h"

#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "addr.h"
#include "cache.h"
#include "clock.h"
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

size_t
dns_to_ips(const char *name, const struct addr **ips, const char **err)
{
	static const int fams[2] = { AF_INET, AF_INET6 };
	struct centry *e;
	size_t cap = 0;
	int i, rc = 0;

	if (err)
		*err = NULL;
	if ((e = lookup(&names, name)) != NULL) {
		*ips = e->ips;
		return e->n;
	}
	nlookups++;
	e = xcalloc(1, sizeof(*e));
	/* socket.getaddrinfo(dns, None, fam, 0, IPPROTO_TCP), v4 then v6 */
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
	if (e->n == 0 && rc != 0 && err)
		*err = gai_strerror(rc);
	cache_set(names, name, e, clock_real());
	*ips = e->ips;
	return e->n;
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

/*
 * failid: the id of a failure a failregex matched (fail2ban's findFailure
 * after the match, server/filter.py): from the failure's ip4, ip6, dns or
 * fid group, with its cidr, by usedns and rawhost.  Logs what fail2ban
 * logs there (so it is no leaf module).
 */
#ifndef F2B_FAILID_H
#define F2B_FAILID_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"

struct pyval;

/* The filter's settings an id depends on. */
struct failid_opts {
	const char	*usedns;	/* "yes", "warn", "no", "raw" */
	bool		 rawhost;
	bool		 defer_dns;	/* names go back to the caller (FAILID_HOST) */
};

enum failid_rc {
	FAILID_NONE,	/* no id group matched (logged): on to the next failregex */
	FAILID_PENDING,	/* multi-line failure without an id yet: "mlfpending" set */
	FAILID_ADDR,	/* id: the failure's id (the caller clears it) */
	FAILID_HOST,	/* host: a name the caller looks up (in the failure's dict) */
	FAILID_ADDRS,	/* ips[0..nips): what a name resolved to (dns's, borrowed) */
	FAILID_ERROR,	/* where fail2ban raises: Python's exception in *err */
};

struct failid {
	struct addr		 id;
	const char		*host;
	const struct addr	*ips;
	size_t			 nips;
};

/*
 * The id of failure dict fail (which gains "ip" or "mlfpending" as
 * fail2ban's does) found by failregex ri; has_mlfid: the failure has an
 * <F-MLFID>.
 */
enum failid_rc	 failid_get(const struct failid_opts *, int ri, struct pyval *fail,
		    bool has_mlfid, struct failid *, char **err);

#endif

/*
 * ticket: one offender as fail2ban's tickets carry it (server/ticket.py):
 * the failure id, the time of the last failure, the attempt counters, the
 * failure's data (the regex groups, "matches" with the matched lines) and,
 * once banned, the ban time and count.  A value type the fail table, the
 * ban list and the actions pass along.  Leaf module.
 */
#ifndef F2B_TICKET_H
#define F2B_TICKET_H

#include <stdbool.h>

#include "addr.h"

struct pyval;
struct strbuf;

#define TICKET_BANTIME_UNSET	(-2LL)

struct ticket {
	struct addr	 id;
	double		 time;		/* last failure (or the ban) */
	double		 firsttime;	/* start of the counting window */
	long		 retry;		/* attempts as counted against maxretry */
	long		 failures;	/* data['failures'] */
	struct pyval	*data;		/* dict: groups, "matches" (list of 3-tuples) */
	long long	 bantime;	/* TICKET_BANTIME_UNSET: the jail's */
	long		 bancount;
	bool		 restored;
	unsigned	 epoch;		/* the jail's ban epoch when it was (re)banned */
};

/* A new ticket for id at time with data (taken over; NULL: empty dict). */
struct ticket	*ticket_new(const struct addr *id, double time, struct pyval *data);
struct ticket	*ticket_copy(const struct ticket *);
void		 ticket_free(struct ticket *);
/* The "matches" list (created when missing). */
struct pyval	*ticket_matches(struct ticket *);
/* "<matches>": every matched line, newline-separated. */
void		 ticket_matches_text(const struct ticket *, struct strbuf *);
/* data['ip'] or the id, as text. */
void		 ticket_ip_text(const struct ticket *, struct strbuf *);
/* End of the ban: time + bantime (the jail's when unset); -1: never. */
double		 ticket_ban_end(const struct ticket *, long long jail_bantime);

#endif

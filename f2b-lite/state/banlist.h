/*
 * banlist: the bans of one jail (server/banmanager.py BanManager): which
 * ids are banned, until when (the ticket's time plus bantime; -1 never),
 * fail2ban's "already banned" rule (a later end prolongs the ban), and the
 * expired bans in the order they end.  Leaf module.
 */
#ifndef F2B_BANLIST_H
#define F2B_BANLIST_H

#include <stddef.h>

struct addr;
struct banlist;
struct ticket;

enum ban_result {
	BAN_NEW,	/* banned now: the list holds the ticket */
	BAN_ALREADY,	/* already banned (maybe prolonged) */
	BAN_EXPIRED	/* its ban would already be over */
};

struct banlist	*banlist_new(void);
void		 banlist_free(struct banlist *);
void		 banlist_set_bantime(struct banlist *, long long);
long long	 banlist_bantime(const struct banlist *);

/*
 * addBanTicket.  On BAN_NEW the list takes the ticket (its bancount is
 * incremented); otherwise the caller keeps it, and *old points at the
 * banned ticket for BAN_ALREADY.
 */
enum ban_result	 banlist_add(struct banlist *, struct ticket *, double now,
		    struct ticket **old);
struct ticket	*banlist_get(const struct banlist *, const struct addr *);
/*
 * The ban of id, else of the network of plen4 (IPv4) or plen6 (IPv6) bits
 * that holds it (a jail banning prefixes: see addr_prefix), or NULL.
 */
struct ticket	*banlist_covering(const struct banlist *, const struct addr *id, int plen4,
		    int plen6);
/* Removes the ban of id; returns its ticket (the caller frees it) or NULL. */
struct ticket	*banlist_remove(struct banlist *, const struct addr *);
/* Removes and returns one ban that is over at now (earliest first), or NULL. */
struct ticket	*banlist_pop_expired(struct banlist *, double now);
/* When the next ban ends (-1: none ends). */
double		 banlist_next_end(struct banlist *);
size_t		 banlist_size(const struct banlist *);
unsigned long	 banlist_total(const struct banlist *);
/* The banned tickets in ban order: *pos from 0, NULL at the end (no change meanwhile). */
struct ticket	*banlist_next(const struct banlist *, size_t *pos);

#endif

/*
 * failmgr: the fail table (server/failmanager.py FailManager).  Failures
 * per failure id within findtime, counted as fail2ban counts them: a new
 * failure past the window rescales the attempt count by the rate seen so
 * far (FailTicket.adjustTime), the last maxmatches lines are kept, and an
 * id whose attempts reach maxretry leaves the table as a ticket to ban.
 * Each id is kept compact (its data packed, see failmgr.c): a ticket is
 * made only when it leaves.  Leaf module.
 */
#ifndef F2B_FAILMGR_H
#define F2B_FAILMGR_H

#include <stddef.h>

struct addr;
struct failmgr;
struct pyval;
struct ticket;

struct failmgr	*failmgr_new(void);
void		 failmgr_free(struct failmgr *);
void		 failmgr_set_maxretry(struct failmgr *, long);
long		 failmgr_maxretry(const struct failmgr *);
void		 failmgr_set_findtime(struct failmgr *, double);
double		 failmgr_findtime(const struct failmgr *);
void		 failmgr_set_maxmatches(struct failmgr *, long);
long		 failmgr_maxmatches(const struct failmgr *);
/*
 * The most matched lines anything can read of a ticket leaving the table
 * (the actions' <matches>, the database's dbmaxmatches); -1 (the
 * default): all.  The table keeps no more than that of each id's lines,
 * counted from the last - maxmatches still decides which lines a ticket
 * has, this only drops lines that nothing would read.
 */
void		 failmgr_set_keepmatches(struct failmgr *, long);
long		 failmgr_keepmatches(const struct failmgr *);

/*
 * addFailure: a failure of id at time with data (taken over: the groups and
 * "matches"), counting `count` attempts.  Returns the id's attempts now.
 */
long		 failmgr_add(struct failmgr *, const struct addr *id, double time,
		    struct pyval *data, long count);
/*
 * addFailure(ticket, count, observed=True) of the ticket added last for id:
 * count more attempts (one more failure), its ban count set; the new retry
 * count, or -1 when id has no ticket (banned meanwhile).
 */
long		 failmgr_add_observed(struct failmgr *, const struct addr *id, double time,
		    long count, long bancount);
/* toBan(id): removes and returns the id's ticket if it reached maxretry. */
struct ticket	*failmgr_toban(struct failmgr *, const struct addr *id);
/* Forgets ids whose last failure is findtime older than now. */
void		 failmgr_cleanup(struct failmgr *, double now);
size_t		 failmgr_size(const struct failmgr *);
unsigned long	 failmgr_total(const struct failmgr *);

#endif

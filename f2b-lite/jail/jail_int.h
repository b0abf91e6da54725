/*
 * jail_int.h: the inside of a jail, private to the folder jail/ - nothing
 * outside it includes this header (jail.h is the jail's interface).  The
 * jail is one module in five files, one job each, all reading this one
 * struct jail:
 *
 *   jail.c       its life: new/free, start/stop/reload, the logs and the
 *                journal, lines in, bans and unbans, status
 *   actions.c    its actions' commands through the runner: the dynamic
 *                tags, the invariant check and repair, flush and stop
 *   ignore.c     the ignore checks and the queue of failures on their way
 *                in (names looked up off the loop, the ignorecommand)
 *   increment.c  bantime.increment (ObserverThread)
 *   options.c    `set` and `get` through the jail's option table
 *
 * The parts call each other only through the prototypes below, never
 * through each other's files; each includes jail.h first, then this.
 */
#ifndef F2B_JAIL_INT_H
#define F2B_JAIL_INT_H

#ifndef F2B_JAIL_H
#error "include jail.h before jail_int.h"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "addr.h"
#include "strbuf.h"
#include "tail.h"
#include "ticket.h"

struct pyval;

#define FAM_NONE	0
#define FAM_INET4	1
#define FAM_INET6	2

struct jact {
	struct action	*a;
	bool		 deleted;	/* delaction: no longer used */
	unsigned	 state[3];	/* by family: 1 started, 2 holds bans, 4 banned there */
	unsigned	 epoch;		/* the jail's ban epoch of its last repair */
	enum { ACT_KEPT, ACT_STALE, ACT_NEW } reload;	/* during a reload */
};

struct jlog {
	char		*path;
	enum tail_start	 start;
	long long	 dbpos;		/* position kept in the database, -1: none */
	long long	 saved;		/* last position written there */
	char		 saved_hash[41];	/* with this first-line hash */
	struct tail	*t;
	bool		 stale;		/* reload: not named again (yet) */
};

struct ignorenet {
	struct addr	 net;		/* valid: an address or network */
	char		*name;		/* otherwise a DNS name */
};

struct jail {
	struct jail_env	 env;
	char		*name;
	char		*backend;
	struct filter	*filter;
	struct failmgr	*fm;
	struct banlist	*bl;
	struct runner	*runner;
	struct jact	*acts;
	size_t		 nacts;
	struct jlog	*logs;
	size_t		 nlogs;
	struct pyval	*globs;		/* [pattern, head|tail] watched for new files */
	struct {			/* the filter's settings, to rebuild it (del*regex) */
		char		*usedns, *prefregex, *datepattern, *logtimezone;
		bool		 datepattern_set;
		long		 maxlines;
		struct pyval	*fail, *ign;	/* lists of str */
	} fc;
	double		 next_glob;
	struct ignorenet *ign;
	size_t		 nign;
	int		 prefix4, prefix6;	/* ipv4prefix, ipv6prefix: what is counted and banned */
	bool		 ignoreself;
	char		*ignorecommand;
	char		*ignorecache;
	struct {
		struct action	*key;		/* property "key": the key's template */
		long		 maxcount;
		double		 maxtime;
		struct cache	*entries;	/* key -> the answer (const bool *) */
	} icache_cfg;
	char		*logencoding;
	struct pyval	*journalmatch;
	struct journal	*journal;	/* backend systemd */
	double		 jtime, jsaved;	/* last entry's time; saved in the database */
	char		*jiso;
	struct {
		bool		 on, overall;
		struct expr	*formula;	/* NULL: fail2ban's default */
		double		 factor;
		long		*mult;
		size_t		 nmult;
		double		 maxtime, rndtime;	/* < 0: unset */
	} incr;
	struct dict	*extra;		/* other options, kept for `get` */
	bool		 started, stopping, idle;
	bool		 restored;	/* the database's bans came back (once a start) */
	bool		 reloading;	/* between jail_reload_begin and _end */
	struct pyval	*reload_jm;	/* the journal matches before the reload */
	struct loop_timer *unban_timer;
	struct loop_timer *svc_timer;
	jail_done_fn	*done;
	void		*done_arg;
	unsigned long	 found_total;
	unsigned long	 lines;		/* log lines read */
	double		 next_hazard_log;	/* limit hits and cut lines: once a minute */
	unsigned long	 limit_hits, cut_lines;
	struct recode	*recode;	/* logencoding other than UTF-8 */
	struct strbuf	 recoded;
	bool		 warned_encoding;
	unsigned long	 action_errors;	/* commands that failed for good */
	struct dict	*full_sets;	/* set -> its refused bans counted this minute (actions.c) */
	/*
	 * fail2ban's ban epoch: a failed invariant check raises it, and a
	 * banned address that offends again is banned again by the actions
	 * repaired since its ban
	 */
	unsigned	 ban_epoch;
	double		 last_consistency;	/* the last check an offender asked for */
	size_t		 nofd;		/* log files not opened for want of descriptors */
	char		*nofd_first;
	long long	 nofd_limit;
	struct loop_timer *nofd_timer;	/* says so once for a batch */
	struct {			/* what jail_keep_matches() last looked at */
		bool		 known;
		unsigned long	 changes;	/* the actions' action_changes(), summed */
		size_t		 nacts;
		struct db	*db;
		long		 dbmax;
	} keepm;
	struct {			/* failures on their way in (see "failures in order") */
		struct pend	*head, *tail;	/* the queue */
		struct dict	*held;		/* address -> struct held: its ignorecommand runs */
		struct held	*ready;		/* held failures left for the next turn */
		struct dict	*names;		/* name -> struct namereq: looked up now */
		struct runner	*runner;	/* the ignorecommands */
		struct loop_timer *timer;	/* the next turn's share */
		unsigned long	 turn;		/* the loop turn `used` counts in */
		unsigned	 used;
		unsigned	 fed;		/* failures queued in that turn */
		bool		 draining;
	} in;
};

/* What an action's command is made for: the dynamic tags' values. */
struct info {
	struct jail	*j;
	struct ticket	*t;		/* NULL: start/stop/flush */
	const char	*family;
};

/* ---- small helpers ----------------------------------------------------------- */

static inline const char *
fam_name(int f)
{
	return f == FAM_INET4 ? "inet4" : f == FAM_INET6 ? "inet6" : "";
}

static inline int
fam_index(const char *f)
{
	return strcmp(f, "inet4") == 0 ? FAM_INET4 : strcmp(f, "inet6") == 0 ? FAM_INET6 :
	    FAM_NONE;
}

static inline int
ticket_fam(const struct ticket *t)
{
	return t->id.family == ADDR_IPV4 ? FAM_INET4 : t->id.family == ADDR_IPV6 ?
	    FAM_INET6 : FAM_NONE;
}

/* ---- jail.c ----------------------------------------------------------------- */

/* Takes t (a ticket leaving the fail table): banned, or said already banned. */
void	 jail_ban(struct jail *, struct ticket *t);
/* The unban timer set for the ban list's next end. */
void	 jail_schedule_unban(struct jail *);
/* A failure that is not ignored: counted, and banned at maxretry (takes t). */
void	 jail_count(struct jail *, struct ticket *t);
/* Tells the fail table how many matched lines the actions and the database can read. */
void	 jail_keep_matches(struct jail *);
/* Starts following a log file of the jail. */
void	 jail_follow(struct jail *, struct jlog *);

/* ---- actions.c ---------------------------------------------------------------- */

/* action_info_fn of a struct info: the value of a dynamic tag. */
char	*jail_info_value(void *arg, const char *tag);
/* Queues op of action act for family fam and ticket t (copied); false if none. */
bool	 jail_submit(struct jail *, size_t act, const char *op, int fam,
	    const struct ticket *t, int stage, bool next);
/* runner_on_retry of the jail's runner: a command that could not start. */
void	 jail_on_op_retry(void *arg, int err, unsigned attempt, double delay);
/*
 * An in-process line failed in a way the admin must fix: said
 * (runner_on_note) - a full set once a minute with the count it refused.
 */
void	 jail_on_op_note(void *arg, const char *key, const char *msg, bool once);
/* Prefix bans: a hash:ip set behind an action of a jail with a prefix length, said. */
void	 jail_check_prefix_sets(struct jail *);
/*
 * Prefix bans: t's id becomes the network of the jail's prefix length
 * holding it, unless ignoreip or ignoreself keep an address of it out.
 */
void	 jail_prefix_id(struct jail *, struct ticket *t);
/* actionstart of action i for fam, unless started (or queued) already. */
void	 jail_start_family(struct jail *, size_t i, int fam);
/* t banned / unbanned through every action. */
void	 jail_run_ban(struct jail *, struct ticket *t);
void	 jail_run_unban(struct jail *, struct ticket *t);
/* consistencyCheck of the actions, asked for by b (banned again) */
void	 jail_consistency_check(struct jail *, const struct ticket *b);
/* __reBan: t banned again by the actions repaired since its ban. */
void	 jail_reban(struct jail *, struct ticket *t);
/* __flushBan / stopActions through the actions which marks (NULL: all). */
void	 jail_flush_bans(struct jail *, const bool *which, bool log);
void	 jail_stop_actions(struct jail *, const bool *which);

/* ---- ignore.c ----------------------------------------------------------------- */

/* The queue of failures on their way in, empty. */
void	 jail_queue_init(struct jail *);
/* Queues t (taken) or host's failure, then lets what can go on go on. */
void	 jail_enqueue(struct jail *, struct ticket *t, const char *host, double time,
	    struct pyval *data);
/* Whether failures are waiting (queued or behind an ignorecommand). */
bool	 jail_pending(const struct jail *);
/* Stopped: the failures still waiting go. */
void	 jail_drop_pending(struct jail *);
/* Whether the ignore checks need no lookup now (p NULL: any); starts them. */
bool	 jail_names_ready(struct jail *, const struct pend *p);
/* ignorecache = key="<tags>", max-count=100, max-time=5m; '' unsets. */
int	 jail_set_ignorecache(struct jail *, const char *v, char **err);

/* ---- increment.c -------------------------------------------------------------- */

/* setBanTimeExtra: bantime.<opt> parsed and checked now. */
int	 jail_set_increment(struct jail *, const char *opt, const char *v, char **err);
/* incrBanTime for a new ban: its count and bantime from the database. */
bool	 jail_increment(struct jail *, struct ticket *t, long long *count, long long *tob);
/* Its messages, after the "Ban" line. */
void	 jail_log_increment(struct jail *, struct ticket *t, long long count, long long tob);
/* ObserverThread.failureFound: an address banned before counts more. */
void	 jail_observe_failure(struct jail *, const struct ticket *t, bool add);

/* ---- options.c ---------------------------------------------------------------- */

/* A new filter with the recorded settings; -1 with *err. */
int	 jail_rebuild_filter(struct jail *, char **err);
/* MyTime.str2seconds for a time option, saturated (and said) at TIMESTR_MAX. */
int	 jail_set_time(const struct jail *, const char *opt, const char *v, double *out,
	    char **err);

#endif

/*
 * server: the state of fail2ban-server - its jails, the database, the
 * server-wide options, and the stop or reload under way (its client is
 * answered when it is done).  Commands reach it through the transmitter;
 * the process (process.h: command line, socket, signals, start) owns one.
 */
#ifndef F2B_SERVER_H
#define F2B_SERVER_H

#include <stdbool.h>
#include <stddef.h>

struct jail;
struct loop;
struct pyval;
struct server;

struct control;
struct control_reply;
struct dict;

/*
 * Runs one command (the transmitter: transmitter_proceed); the answer, or
 * NULL and *exc.  The server applies configuration streams through it.
 */
typedef struct pyval *server_command_fn(struct server *, const struct pyval *cmd,
		    struct pyval **exc);

/*
 * A server with no jails and no options; loop may be NULL until
 * server_set_loop() (the process makes its loop once in the background).
 * Tests and fuzzers drive a bare one through the transmitter.
 */
struct server	*server_create(struct loop *, server_command_fn *);
void		 server_set_loop(struct server *, struct loop *);
void		 server_destroy(struct server *);
/* The configuration directory and the command line's options (copied), for reading it. */
void		 server_set_config(struct server *, const char *conf, const struct dict *cmdline);

/* ---- for the process (process.c) ---- */

/*
 * Reads the configuration without logging: the command stream (NULL or
 * !*ok when it does not load), what the reader said appended to msgs as
 * [level, logger, text] lists.
 */
struct pyval	*server_read_config(struct server *, bool *ok, struct pyval *msgs);
/* Logs msgs (server_read_config()'s), kept to be said again once the log is open. */
void		 server_report_config(struct server *, const struct pyval *msgs);
/*
 * Runs one command of a configuration stream, a failure logged.  broken
 * (jail -> why, may be NULL): a failed jail's other commands are left out
 * and its `start` skips it.
 */
void		 server_apply(struct server *, const struct pyval *cmd, struct dict *broken);
/* The log went to target (opened by the caller): the warnings so far follow. */
void		 server_log_opened(struct server *, const char *target);
/* Where the log goes, NULL before it was opened. */
const char	*server_logtarget(const struct server *);
/* Every jail's bans from the database (after the jails started). */
void		 server_restore_bans(struct server *);
/*
 * A client's request: the answer (an exception when *failed), or NULL when
 * the stop or reload it started answers later - through reply, or one
 * deferred from control when reply is NULL.
 */
struct pyval	*server_request(struct server *, const struct pyval *req, struct control *,
		    struct control_reply *reply, bool *failed);
/* A stop or reload is under way, or the server quits: requests wait. */
bool		 server_busy(const struct server *);
bool		 server_quitting(const struct server *);
/* fn(arg) when an operation ended (the requests that waited may run). */
void		 server_on_idle(struct server *, void (*fn)(void *), void *arg);
/* Ends the operation under way now, answering its client (on the way out). */
void		 server_end_op(struct server *);
/* The database closed (its last commit made): false when there was none. */
bool		 server_close_db(struct server *);
/* flushlogs, SIGUSR1: "flushed" or "rolled over". */
const char	*server_flush_logs(struct server *);

/* For the transmitter. */
struct loop	*server_loop(struct server *);
struct jail	*server_jail(struct server *, const char *name);
size_t		 server_njails(const struct server *);
struct jail	*server_jail_at(struct server *, size_t);
/* add <jail> <backend>: NULL with *err when it exists. */
struct jail	*server_add_jail(struct server *, const char *name, const char *backend,
		    char **err);
/*
 * Server-wide `set` options (one table serves set and get); returns the
 * value to answer, or NULL and *err.  known: the name is a server option
 * (`set NAME ...` is the server's, not a jail's).
 */
bool		 server_option_known(const char *name);
struct pyval	*server_set(struct server *, const char *opt, const struct pyval *v,
		    char **err);
struct pyval	*server_get(struct server *, const char *opt, char **err);
/* metrics: the counters of the jails and of the database (metrics_text()). */
struct pyval	*server_metrics(struct server *);
/*
 * stop <jail> (NULL: stop --all): stops and removes it.  This, stop and
 * reload take as long as their actions run: the request that asked is
 * answered (by the server, not the transmitter's return) when it is done.
 */
void		 server_stop_jail(struct server *, const char *name);
/* stop: the whole server. */
void		 server_quit(struct server *);
/*
 * reload: re-reads the configuration (stream NULL) or applies the stream a
 * client read; only one jail when only is set; flags below.  0, or
 * SERVER_RELOAD_NO_JAIL (*err the name) or -1 (*err why) when refused.
 */
#define SERVER_RELOAD_RESTART	0x01	/* restart jails even when unchanged */
#define SERVER_RELOAD_UNBAN	0x02	/* unban everything of the reloaded jails */
#define SERVER_RELOAD_IF_EXISTS	0x04	/* reload JAIL only if it runs */
#define SERVER_RELOAD_NOTIFY	0x08	/* systemd READY=1 when done (SIGHUP's) */
#define SERVER_RELOAD_NO_JAIL	(-2)
int		 server_reload(struct server *, const struct pyval *stream, const char *only,
		    unsigned flags, char **err);

#endif

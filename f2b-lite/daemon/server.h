/*
 * server: fail2ban-server - the daemon process.  It reads the configuration
 * into fail2ban's command stream, applies it through the transmitter,
 * and runs the jails on one event loop until SIGTERM/SIGINT (clean stop:
 * bans flushed or unbanned, actions stopped) or reloads on SIGHUP (a new
 * configuration replaces the old one only if it loads whole).  It keeps
 * the pidfile and refuses to start while another server answers on the
 * socket (-x removes a stale one).
 */
#ifndef F2B_SERVER_H
#define F2B_SERVER_H

#include <stdbool.h>
#include <stddef.h>

struct jail;
struct loop;
struct pyval;
struct server;

int		 server_main(int argc, char **argv);

/*
 * A server without a process around it (no socket, pidfile or config):
 * for tests and fuzzing, which drive it through the transmitter.
 */
struct server	*server_create(struct loop *);
void		 server_destroy(struct server *);

/* For the transmitter. */
struct loop	*server_loop(struct server *);
struct jail	*server_jail(struct server *, const char *name);
size_t		 server_njails(const struct server *);
struct jail	*server_jail_at(struct server *, size_t);
/* add <jail> <backend>: NULL with *err when it exists. */
struct jail	*server_add_jail(struct server *, const char *name, const char *backend,
		    char **err);
/* Server-wide `set` options; returns the value to answer, or NULL and *err. */
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
#define SERVER_RELOAD_NO_JAIL	(-2)
int		 server_reload(struct server *, const struct pyval *stream, const char *only,
		    unsigned flags, char **err);

#endif

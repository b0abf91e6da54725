/*
 * metrics: the Prometheus text exposition of the jails' counters (failures,
 * bans, current bans, action errors, lines read) and the server's (failed
 * database writes), for `f2b-lite client metrics`, and an optional HTTP listener on a loopback address
 * (`fail2ban-server --metrics 127.0.0.1:9191`; off unless given) answering
 * GET /metrics.  Any local user may connect: at most METRICS_MAX_CONNS
 * connections are open at once, each closed METRICS_TIMEOUT seconds after
 * it opened, answered or not (listener.h).  Leaf module: the counters come
 * from a callback.
 */
#ifndef F2B_METRICS_H
#define F2B_METRICS_H

#define METRICS_MAX_CONNS	16
#define METRICS_TIMEOUT		10.0	/* seconds */

struct loop;
struct metrics;
struct pyval;
struct strbuf;

/*
 * The exposition of the transmitter's `metrics` answer: {"jails": {jail:
 * {counter: value}}, "database": {"file": path or None, "write_errors": n}}.
 */
void		 metrics_text(const struct pyval *, struct strbuf *out);

/* The counters now, as for metrics_text() (a new value, freed by metrics). */
typedef struct pyval *metrics_fn(void *arg);

/* A condition of the listener worth a log line (the limit reached...). */
typedef void metrics_log_fn(void *arg, const char *message);

/* Listens on addr "HOST:PORT" (loopback only); NULL and *err on failure. */
struct metrics	*metrics_listen(struct loop *, const char *addr, metrics_fn *,
		    metrics_log_fn *, void *arg, char **err);
void		 metrics_close(struct metrics *);

#endif

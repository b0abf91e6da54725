/*
 * listener: the connections of a listening socket (the control socket, the
 * metrics listener), so that no client can hold the loop or the process's
 * descriptors.  Connections are accepted without blocking, at most `max`
 * open at once (the next ones wait in the kernel's backlog until one
 * closes); each has a deadline `timeout` seconds ahead, which the protocol
 * may move on when the client makes progress (lconn_touch), and is closed
 * when it passes; when descriptors run out, accepting pauses a second
 * instead of spinning.  The protocol owns what a connection carries: it
 * gets the connection's events and closes it when it is done.  Leaf
 * module: what is worth a log line goes to the log callback.
 */
#ifndef F2B_LISTENER_H
#define F2B_LISTENER_H

#include <stdbool.h>
#include <stdint.h>

struct listener;
struct lconn;
struct loop;

struct listener_ops {
	/* A new connection: the protocol's state for it; NULL refuses it (closed). */
	void	*(*open)(void *arg, struct lconn *);
	/* Events (EPOLLIN, EPOLLOUT...) on it; the callback may close it. */
	void	 (*event)(void *state, struct lconn *, uint32_t events);
	/* It is being closed (lconn_close, its deadline, listener_free): free state. */
	void	 (*close)(void *state);
	/* A condition worth a log line (the limit reached, out of descriptors). */
	void	 (*log)(void *arg, const char *message);
};

/*
 * Accepts on fd (listening, non-blocking; not closed by the listener) for
 * ops, with arg; at most max connections, each closed timeout seconds after
 * it opened or was last touched.
 */
struct listener	*listener_new(struct loop *, int fd, unsigned max, double timeout,
		    const struct listener_ops *, void *arg);
/* No new connection (fd is the caller's to close); the open ones stay. */
void		 listener_stop_accepting(struct listener *);
/* Closes every connection and stops accepting. */
void		 listener_free(struct listener *);
/* Connections open now. */
unsigned	 listener_count(const struct listener *);

int		 lconn_fd(const struct lconn *);
/* The events to be told about (0: none for now). */
void		 lconn_want(struct lconn *, uint32_t events);
/* The client made progress: the deadline moves timeout seconds ahead. */
void		 lconn_touch(struct lconn *);
/*
 * on: the connection waits for us (an answer given later), its deadline
 * does not run; off: it runs again, from now.
 */
void		 lconn_hold(struct lconn *, bool on);
/* Closes the connection (its close callback runs first). */
void		 lconn_close(struct lconn *);

#endif

/*
 * control: the control socket's connections, speaking fail2ban's protocol
 * (fail2ban/server/asyncserver.py): a request is a pickled list ended by
 * <F2B_END_COMMAND>, the answer a pickled (code, value) followed by the
 * same terminator; <F2B_CLOSE_COMMAND> ends a connection.  Peers must be
 * root or the server's own user.  A frame that does not decode or grows past
 * CONTROL_MAX_FRAME gets an error answer; a slow or silent client never
 * holds up the loop or any other client, and a busy one gets a bounded
 * share of each loop turn (64 KiB read, 16 requests answered).  At most
 * CONTROL_MAX_CONNS connections are open at once; one that makes no
 * progress for CONTROL_IDLE seconds is closed (listener.h).  Leaf module:
 * requests go to the handler.
 */
#ifndef F2B_CONTROL_H
#define F2B_CONTROL_H

#include <stdbool.h>

struct control;
struct loop;
struct pyval;

#define CONTROL_MAX_FRAME	(4 << 20)
#define CONTROL_MAX_CONNS	64
#define CONTROL_IDLE		60.0	/* seconds */

/*
 * Handles one request: returns the answer's value; *failed marks it an
 * error (the value is then an exception, see pickle_exception()).
 */
typedef struct pyval *control_fn(void *arg, const struct pyval *request, bool *failed);
/* A protocol problem worth logging (the client got an error answer). */
typedef void control_log_fn(void *arg, const char *message);

struct control	*control_new(struct loop *, int listen_fd, control_fn *, control_log_fn *,
		    void *arg);
void		 control_free(struct control *);
/* No new connection (the listening socket is the caller's to close); open ones stay. */
void		 control_stop_accepting(struct control *);
/*
 * An answer given later (a request that takes a while: stop, reload).  The
 * handler calls control_defer() and returns NULL; that connection reads no
 * further request until control_answer() sends value (taken over).  A
 * reply outlives its connection: answering one whose client left only
 * frees it.
 */
struct control_reply;
struct control_reply *control_defer(struct control *);
void		 control_answer(struct control_reply *, struct pyval *value, bool failed);
/* Connections open now. */
unsigned	 control_clients(const struct control *);

#endif

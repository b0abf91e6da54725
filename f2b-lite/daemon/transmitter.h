/*
 * transmitter: fail2ban's commands (server/transmitter.py) applied to the
 * server - the command stream of the configuration (set, add, multi-set,
 * start) and what fail2ban-client sends: ping, status, stop, banip...
 * Each command is a Python-like list; the answer is a value, or an error.
 * One table holds the commands: their word, the words they need, their
 * handler.
 */
#ifndef F2B_TRANSMITTER_H
#define F2B_TRANSMITTER_H

#include <stdbool.h>
#include <stddef.h>

struct pyval;
struct server;

/*
 * Runs cmd; returns the answer, or NULL with *exc set to the exception to
 * answer with (see pickle_exception(); fail2ban's classes, so that its
 * client words the error as it does for fail2ban-server).
 */
struct pyval	*transmitter_proceed(struct server *, const struct pyval *cmd,
		    struct pyval **exc);

/*
 * The i-th command of the table (NULL past the end); *unlisted: why
 * fail2ban-client's help does not list it, NULL when it does.
 */
const char	*transmitter_command(size_t i, const char **unlisted);

#endif

/*
 * transmitter: fail2ban's commands (server/transmitter.py) applied to the
 * server - the command stream of the configuration (set, add, multi-set,
 * start) and what fail2ban-client sends: ping, status, stop, banip...
 * Each command is a Python-like list; the answer is a value, or an error.
 */
#ifndef F2B_TRANSMITTER_H
#define F2B_TRANSMITTER_H

#include <stdbool.h>

struct pyval;
struct server;

/* Runs cmd; returns the answer, or NULL with a heap message in *err. */
struct pyval	*transmitter_proceed(struct server *, const struct pyval *cmd, char **err);

#endif

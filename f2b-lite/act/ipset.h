/*
 * ipset: ipset commands run in-process through libipset, with the ipset
 * tool's syntax and results - no fork, no exec.  An action line is run this
 * way only when it is a plain `ipset` invocation (add, del, test, create,
 * flush, destroy, swap with their options) without any shell syntax;
 * everything else stays with the shell.  Leaf module.
 */
#ifndef F2B_IPSET_H
#define F2B_IPSET_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf;

/*
 * Splits line into argv (heap, NULL-terminated, freed with
 * strv_free()) when it is a plain ipset command we run ourselves.
 */
bool	 ipset_native(const char *line, char ***argv, int *argc);
/* Runs it; returns ipset's exit status, its messages in msg. */
int	 ipset_run(int argc, char **argv, struct strbuf *msg);
/*
 * Runs n commands in order as ipset_run() would, each one's status in
 * status[i] and its messages appended to msg[i], but sends runs of add or
 * del to one set together, as `ipset restore` does: one netlink message
 * for up to IPSET_BATCH of them instead of one each.  Returns the number
 * of netlink messages these runs took.
 */
#define IPSET_BATCH	64
size_t	 ipset_run_many(size_t n, char **const argv[], const int argc[], int status[],
	     struct strbuf *const msg[]);

#endif

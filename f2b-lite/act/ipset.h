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
 * Why a failed add, del or test failed, when it is that its address is of
 * the other family than its set (an IPv6 ban into the seed's inet hash:net
 * set: libipset's "resolving to IPv4 address failed"): a sentence naming
 * the set and the fix (heap), and in *key (heap) what the sentence is
 * about - the set and its family - so it can be said once.  NULL for any
 * other failure.  Asks the kernel for the set's header.
 */
char	*ipset_family_mismatch(int argc, char **argv, char **key);
/*
 * Why a failed add failed, when its message (msg) is the kernel's "Hash is
 * full": a sentence naming the set and its maxelem, then after a newline
 * the fix (a larger maxelem), as heap text; in *key (heap) what it is
 * about (the set), so that it is said once a minute and not per address.
 * Asks the kernel for the set's header.  NULL for any other failure.
 */
char	*ipset_full(int argc, char **argv, const char *msg, char **key);
/*
 * The type of set name ("hash:ip", "hash:net"...): the kernel's when the
 * set exists, else the one a `create name TYPE` line in script would give
 * it (an action's actionstart); NULL when neither says (heap).
 */
char	*ipset_set_type(const char *name, const char *script);
/* Whether a set of this type can hold a network (hash:net...), not only addresses. */
bool	 ipset_type_takes_net(const char *type);
/*
 * The set an add line of script adds <ip> to, given the text it has in
 * place of <ip>: the first plain `ipset add SET marker` line's SET (heap),
 * or NULL.
 */
char	*ipset_add_target(const char *script, const char *marker);
/*
 * Runs n commands in order as ipset_run() would, each one's status in
 * status[i] and its messages appended to msg[i], but sends runs of add or
 * del to one set together, as `ipset restore` does: one netlink message
 * for up to IPSET_BATCH of them instead of one each.  Once the kernel says
 * a set is full, the later adds to it in this call fail as the kernel would
 * answer them, without asking it (until a del to that set).  Returns the
 * number of netlink messages these runs took.
 */
#define IPSET_BATCH	64
size_t	 ipset_run_many(size_t n, char **const argv[], const int argc[], int status[],
	     struct strbuf *const msg[]);

#endif

/*
 * action: a command action (server/action.py CommandAction): its
 * properties (actionstart, actionban, ... and every other option), the
 * families it works for ([Init?family=inet6] options make it conditional
 * and started on demand), and the shell text of each operation.
 *
 * Operation text is made in two passes, as fail2ban makes it: the static
 * pass resolves <tag>s from the properties (recursively, "tag?family=..."
 * preferred, <br> and <sp> built in); the dynamic pass fills in the ban's
 * values (<ip>, <F-USER>, <matches> ...) once, never recursively.  A
 * dynamic value holding a shell metacharacter is never pasted into the
 * text: it becomes a positional argument of sh -c and the text refers to
 * it as $f2bV_<tag> (Utils.buildShellCmd).  It never logs: errors come
 * back in *err.  No leaf: tagsub resolves the tags, optval and timestr read
 * the boolean and time properties.
 */
#ifndef F2B_ACTION_H
#define F2B_ACTION_H

#include <stdbool.h>
#include <stddef.h>

struct action;
struct strbuf;

/* The dynamic value of tag, or NULL when the ban has none. */
typedef char *action_info_fn(void *arg, const char *tag);

/* A shell command: the script and its positional arguments ($0, $1...). */
struct action_cmd {
	char	*script;
	char	**args;
	size_t	 nargs;
};

struct action	*action_new(const char *name);
void		 action_free(struct action *);
const char	*action_name(const struct action *);
/* Sets a property (value copied; NULL deletes). */
void		 action_set(struct action *, const char *key, const char *value);
const char	*action_get(const struct action *, const char *key);
/* How many times its properties were set: what was read of them is stale when it moves. */
unsigned long	 action_changes(const struct action *);
/* Whether some property's value holds word (in any case). */
bool		 action_mentions(const struct action *, const char *word);
/* The property names in order (for `get <jail> action <act> ...`). */
size_t		 action_nprops(const struct action *);
const char	*action_prop_name(const struct action *, size_t);

/* Families actionstart runs for: "" or inet4/inet6 when conditional. */
size_t		 action_families(const struct action *, bool allow_ipv6,
		    const char *out[2]);
/* actionstart_on_demand (explicit, else whether the action is conditional). */
bool		 action_start_on_demand(const struct action *);
/* The timeout property in seconds (default 60). */
double		 action_timeout(const struct action *);
/* Whether the property norestored is true. */
bool		 action_norestored(const struct action *);

/*
 * The command of operation op ("actionban") for family ("" for none) with
 * the dynamic values from info (NULL: none).  Returns false when the
 * operation is empty (nothing to run) or on error (*err set, heap).
 */
bool		 action_command(struct action *, const char *op, const char *family,
		    action_info_fn *info, void *arg, struct action_cmd *, char **err);
void		 action_cmd_free(struct action_cmd *);
/* Whether op's text is non-empty (after the static pass). */
bool		 action_has(struct action *, const char *op, const char *family);

#endif

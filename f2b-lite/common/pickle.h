/*
 * pickle: the subset of Python's pickle format fail2ban's socket protocol
 * carries (protocols 2 to 5): None, bool, int, float, str, bytes, list,
 * tuple, set, dict, and exception objects.  An exception is held as a dict
 * {"__exception__": "module.Name", "args": (...)} marked as an exception
 * (pyval_is_exception()): only those, of a class the decoder accepts, are
 * written back as exceptions; a client's dict of that shape stays a dict.  Decoding never runs
 * anything: the only globals accepted are exception classes, and the only
 * REDUCE is building an exception from its args.  Input is untrusted and
 * bounded (nesting, sizes).  Leaf module.
 */
#ifndef F2B_PICKLE_H
#define F2B_PICKLE_H

#include <stddef.h>

struct pyval;
struct strbuf;

#define PICKLE_EXC_KEY	"__exception__"

/* Decodes one pickle; NULL and a heap message in *err if it is not one. */
struct pyval	*pickle_load(const void *buf, size_t len, char **err);
/* Appends v pickled (protocol 4) to out. */
void		 pickle_dump(const struct pyval *, struct strbuf *out);
/*
 * An exception value for pickle_dump: cls "builtins.ValueError" etc., one
 * of the classes the decoder accepts (any other is written as a dict).
 */
struct pyval	*pickle_exception(const char *cls, const char *message);

#endif

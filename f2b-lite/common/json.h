/*
 * json: JSON text to and from pyval, as Python's json module reads and writes
 * it (json.loads; json.dumps with its default ", " and ": " separators).
 * Used for fail2ban's "# failJSON:" sample annotations, the kwargs of Python
 * actions in the command stream, and the database's data column.  Leaf
 * module.
 */
#ifndef F2B_JSON_H
#define F2B_JSON_H

#include <stdbool.h>
#include <stddef.h>

struct pyval;
struct strbuf;

/*
 * Parses text (len bytes, UTF-8).  Returns the value, or NULL with a heap
 * message in *err ("Expecting value at 12").
 */
struct pyval	*json_parse(const char *text, size_t len, char **err);
/*
 * Appends json.dumps(v, ensure_ascii=ascii) to out.  Tuples and sets are
 * written as arrays, bytes as their text.
 */
void		 json_dump(const struct pyval *, bool ascii, struct strbuf *out);

#endif

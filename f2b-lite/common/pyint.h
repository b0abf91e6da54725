/*
 * pyint: Python's int() of a text - int(x) in base 10 or int(x, 0) - for a
 * bytes value (ASCII digits and spaces) or a str (UTF-8; Unicode decimal
 * digits and spaces count too), with Python's syntax (sign, surrounding
 * spaces, single underscores between digits) and its limit of 4300 decimal
 * digits.  Leaf module: errors come back as Python's messages.
 */
#ifndef F2B_PYINT_H
#define F2B_PYINT_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf;

#define PYINT_BASE0	0x1	/* int(x, 0): 0x, 0o, 0b prefixes */
#define PYINT_STR	0x2	/* x is a str: Unicode digits and spaces */

/*
 * The exact value's decimal text ("-12", "0") in out; false where Python
 * raises ValueError.
 */
bool	 pyint_text(const char *s, size_t n, int flags, struct strbuf *out);
/*
 * The value saturated to [LLONG_MIN, LLONG_MAX] in *v (*big, when not NULL,
 * tells whether it was).  Returns 0, or -1 where Python raises ValueError,
 * with its message in *err (heap; err may be NULL), e.g. "invalid literal
 * for int() with base 10: 'b'".
 */
int	 pyint_ll(const char *s, size_t n, int flags, long long *v, bool *big,
	    char **err);

#endif

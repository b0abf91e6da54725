/*
 * optval: fail2ban's conversions of an option's text into a value, the
 * same for the configuration readers (configreader.py's getOptions) and
 * for the server's setters (server.py, jail.py, action.py): Python's int()
 * of a str and fail2ban's helpers._as_bool.  Leaf module.
 */
#ifndef F2B_OPTVAL_H
#define F2B_OPTVAL_H

#include <stdbool.h>

/*
 * Python's int() of a str (Unicode digits, spaces and underscores as Python
 * takes them).  Returns 0; 1 when the value is past 64 bits and saturated
 * to LLONG_MIN/LLONG_MAX (Python's int has no end); -1 when it is no
 * integer.
 */
int	 optval_int(const char *, long long *);
/* fail2ban's _as_bool(): "1", "on", "true", "yes" in any case; else false. */
bool	 optval_bool(const char *);

#endif

/* optval: fail2ban's int() and _as_bool() of an option's text. */
#include "optval.h"

#include <string.h>
#include <strings.h>

#include "pyint.h"

int
optval_int(const char *s, long long *out)
{
	bool big;

	if (pyint_ll(s, strlen(s), PYINT_STR, out, &big, NULL) < 0)
		return -1;
	return big ? 1 : 0;
}

bool
optval_bool(const char *s)
{
	return strcasecmp(s, "1") == 0 || strcasecmp(s, "on") == 0 ||
	    strcasecmp(s, "true") == 0 || strcasecmp(s, "yes") == 0;
}

/* Unit tests for xmalloc. */
#include "tap.h"
#include "xmalloc.h"

int
main(void)
{
	size_t cap = 0;
	int *a = NULL;
	char *s;

	a = xgrow(a, &cap, 10, sizeof(*a));
	ok(cap >= 10, "xgrow reaches the need");
	a[9] = 1;
	a = xgrow(a, &cap, 5, sizeof(*a));
	ok(cap >= 10 && a[9] == 1, "xgrow never shrinks");
	free(a);
	s = xasprintf("%s-%03d", "x", 7);
	is_str(s, "x-007", "xasprintf");
	free(s);
	s = xstrndup("abcdef", 3);
	is_str(s, "abc", "xstrndup");
	free(s);
	s = xmalloc(0);
	ok(s != NULL, "xmalloc(0) returns a pointer");
	free(s);
	return tap_done();
}

/*
 * libFuzzer target: the value parsers behind ban times - bantime.formula
 * and bantime.factor expressions (expr: parsed, then evaluated at a few ban
 * counts; anything outside the subset must be refused, never run) and time
 * strings (timestr: "1h 30m", "-1", "5*60"...), with their printing.  Both
 * reach the server from the configuration and from `set` commands on the
 * socket.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "timestr.h"
#include "xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const double counts[] = { 0, 1, 2, 7, 63, 1e9 };
	struct expr_vars v = { 600, 0, 1 };
	struct timestr_val tv;
	struct expr *e;
	char *s, *err = NULL, buf[64];
	double out;
	size_t i;

	if (memchr(data, 0, size))
		return 0;
	s = xstrndup((const char *)data, size);
	if ((e = expr_parse(s, &err)) != NULL) {
		for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
			v.ban_count = counts[i];
			if (expr_eval(e, &v, &out, &err) < 0) {
				free(err);
				err = NULL;
			}
		}
		expr_free(e);
	} else if (err == NULL)
		abort();	/* a refusal always says why */
	free(err);
	err = NULL;
	if (timestr_parse(s, &tv, &err) == 0)
		timestr_format(tv.f, buf, sizeof(buf));
	else if (err == NULL)
		abort();
	free(err);
	free(s);
	return 0;
}

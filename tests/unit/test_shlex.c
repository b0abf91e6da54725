/*
 * Unit tests for shlex: every case of shlex_cases.h (Python's shlex.split()
 * of it, written by tests/tools/gen_shlex_cases.py) - the words, or the
 * error: trailing backslashes, unclosed quotes, escapes in and out of
 * quotes, empty words.
 */
#include <stddef.h>
#include <string.h>

#include "pyval.h"
#include "shlex.h"
#include "shlex_cases.h"
#include "strbuf.h"
#include "tap.h"

int
main(void)
{
	size_t i, k;

	for (i = 0; i < sizeof(shlex_cases) / sizeof(shlex_cases[0]); i++) {
		const struct shlex_case *c = &shlex_cases[i];
		struct pyval *w = pyval_list();
		struct strbuf got = STRBUF_INIT, want = STRBUF_INIT, name = STRBUF_INIT;
		const char *err;
		int rc = shlex_split(c->in, w, &err);

		pyval_repr_str(c->in, strlen(c->in), &want);
		pyval_repr_str(c->in, strlen(c->in), &name);	/* one line, whatever the input */
		if (c->err != NULL) {
			is_int(rc, -1, "%s: an error", want.s);
			is_str(rc < 0 ? err : "(none)", c->err, "%s: Python's message", want.s);
		} else {
			is_int(rc, 0, "%s: no error", want.s);
			pyval_repr(w, &got);
			strbuf_reset(&want);
			strbuf_addc(&want, '[');
			for (k = 0; c->words[k]; k++) {
				if (k)
					strbuf_adds(&want, ", ");
				pyval_repr_str(c->words[k], strlen(c->words[k]), &want);
			}
			strbuf_addc(&want, ']');
			is_str(strbuf_str(&got), strbuf_str(&want), "%s: the words", name.s);
		}
		strbuf_free(&got);
		strbuf_free(&want);
		strbuf_free(&name);
		pyval_free(w);
	}
	return tap_done();
}

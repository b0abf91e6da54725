/*
 * libFuzzer target: JSON text (the "# failJSON:" annotations of sample logs)
 * through the parser, and what it parses back through the dumper and the
 * parser again: the second parse must succeed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "json.h"
#include "pyval.h"
#include "strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pyval *v, *w;
	struct strbuf out = STRBUF_INIT;
	char *err = NULL;

	v = json_parse((const char *)data, size, &err);
	if (v == NULL) {
		free(err);
		return 0;
	}
	json_dump(v, true, &out);
	w = json_parse(out.s, out.len, &err);
	if (w == NULL)
		abort();	/* our own output must parse */
	pyval_free(w);
	pyval_free(v);
	strbuf_free(&out);
	return 0;
}

/*
 * libFuzzer target: frames from the control socket through the pickle
 * decoder; what decodes is encoded again and must decode to an equal value.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pickle.h"
#include "pyval.h"
#include "strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *err = NULL;
	struct pyval *v = pickle_load(data, size, &err), *w;
	struct strbuf out = STRBUF_INIT, r1 = STRBUF_INIT, r2 = STRBUF_INIT;

	if (v == NULL) {
		free(err);
		return 0;
	}
	pickle_dump(v, &out);
	w = pickle_load(out.s, out.len, &err);
	if (w == NULL)
		abort();	/* our own encoding must read back */
	/* the same value (compared by repr: NaN is not equal to itself) */
	pyval_repr(v, &r1);
	pyval_repr(w, &r2);
	if (strcmp(strbuf_str(&r1), strbuf_str(&r2)) != 0)
		abort();
	strbuf_free(&r1);
	strbuf_free(&r2);
	pyval_free(w);
	pyval_free(v);
	strbuf_free(&out);
	return 0;
}

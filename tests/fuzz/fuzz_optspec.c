/*
 * libFuzzer target: action/filter specs ("name[k=v, ...]") through the
 * splitter and the option parser, as a jail's action value goes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dict.h"
#include "optspec.h"
#include "utf8.h"
#include "xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, **items, *name, *err;
	struct dict *opts;
	size_t n, i;

	/* configuration text is UTF-8 without NULs by the time it gets here */
	if (memchr(data, 0, size) || utf8_check((const char *)data, size) != size)
		return 0;
	s = xstrndup((const char *)data, size);
	n = optspec_split(s, &items);
	for (i = 0; i < n; i++) {
		if (optspec_parse(items[i], &name, &opts, &err) == 0) {
			free(name);
			dict_free(opts);
		} else
			free(err);
	}
	optspec_free_items(items, n);
	n = optspec_words(s, &items);
	optspec_free_items(items, n);
	free(s);
	return 0;
}

/*
 * libFuzzer target: the prefilter's compile step - a regex reduced to the
 * texts its matches need (prefilter_add_regex()) and the database built -
 * then a scan, checked for superset-ness.  The input is a failregex (tags
 * and all, expanded as the filters expand them), a newline, and lines: for
 * each line the regex matches (PCRE2, as the filter searches the line and
 * its newline), the regex's group must be a candidate; otherwise the
 * prefilter would skip a line that fails.  Seeds: the stock filters'
 * regexes and sample lines, made at test time by prefilter_seeds.py.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failregex.h"
#include "prefilter.h"
#include "rx.h"
#include "utf8.h"
#include "xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data, *nl = memchr(in, '\n', size), *p, *end;
	char *regex, *exp, *err = NULL, *line;
	struct prefilter *pf;
	struct rx *rx;
	bool ascii;
	int g;

	if (nl == NULL || memchr(in, '\0', (size_t)(nl - in)) != NULL)
		return 0;
	regex = xstrndup(in, (size_t)(nl - in));
	exp = failregex_expand(regex, "no");
	pf = prefilter_new();
	g = prefilter_group(pf);
	prefilter_add_regex(pf, g, exp, "failregex 0");
	prefilter_build(pf, &err);
	free(err);
	err = NULL;
	rx = rx_compile(exp, 0, &err);
	free(err);
	end = in + size;
	for (p = nl + 1; p < end; ) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		size_t len = e ? (size_t)(e - p) : (size_t)(end - p);
		uint64_t bits[1] = { 0 };

		line = xmalloc(len + 2);
		memcpy(line, p, len);
		line[len] = '\n';
		line[len + 1] = '\0';
		prefilter_scan(pf, line, len + 1, bits);
		if (rx != NULL && utf8_valid(line, len + 1, &ascii) &&
		    rx_search(rx, line, len + 1, 0, false, NULL, 0) == RX_MATCH &&
		    !prefilter_bit(bits, g)) {
			fprintf(stderr, "fuzz_prefilter: '%s' matches '%.*s' but the "
			    "prefilter skipped it\n", exp, (int)len, line);
			abort();
		}
		free(line);
		p += len + 1;
	}
	rx_free(rx);
	prefilter_free(pf);
	free(exp);
	free(regex);
	return 0;
}

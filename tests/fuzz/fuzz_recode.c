/*
 * libFuzzer target: log bytes in a jail's logencoding turned into UTF-8
 * (recode, through iconv) for every kind of encoding fail2ban users set -
 * single-byte, multi-byte, stateful - as Python's decode(enc, 'replace')
 * does: any input gives valid UTF-8, never a crash or a stall.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "recode.h"
#include "strbuf.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const encodings[] = {
	"latin-1", "cp1252", "utf-16", "shift_jis", "euc-jp", "gb18030", "iso-2022-jp", "koi8-r",
};
#define NENC	(sizeof(encodings) / sizeof(encodings[0]))
static struct recode *rc[NENC];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf out = STRBUF_INIT;
	bool ascii;
	size_t i;

	if (rc[0] == NULL)
		for (i = 0; i < NENC; i++) {
			char *err = NULL;

			if ((rc[i] = recode_new(encodings[i], &err)) == NULL)
				abort();	/* every one is known to glibc's iconv */
		}
	for (i = 0; i < NENC; i++) {
		recode_line(rc[i], (const char *)data, size, &out);
		if (out.len && !utf8_valid(out.s, out.len, &ascii))
			abort();	/* what the filters get is UTF-8 */
	}
	strbuf_free(&out);
	return 0;
}

/* Unit tests for recode: Python codec names, replacement of bytes that
 * are no characters. */
#include <stdlib.h>

#include "recode.h"
#include "strbuf.h"
#include "tap.h"

int
main(void)
{
	struct strbuf out = STRBUF_INIT;
	struct recode *r;
	char *err = NULL;

	ok(recode_new("auto", &err) == NULL && err == NULL, "auto needs no recoding");
	ok(recode_new("UTF-8", &err) == NULL && err == NULL, "UTF-8 needs no recoding");
	ok(recode_new("no-such-codec", &err) == NULL && err != NULL, "unknown encoding refused");
	free(err);
	err = NULL;
	r = recode_new("latin-1", &err);
	ok(r != NULL, "latin-1 (Python's name)");
	ok(recode_line(r, "j\xe9r\xf4me", 6, &out) && strcmp(out.s, "j\xc3\xa9r\xc3\xb4me") == 0,
	    "latin-1 to UTF-8");
	recode_free(r);
	r = recode_new("cp1252", &err);
	ok(!recode_line(r, "a\x81" "b\x80", 4, &out) &&
	    strcmp(out.s, "a\xef\xbf\xbd" "b\xe2\x82\xac") == 0,
	    "cp1252: an undefined byte replaced, the euro sign converted");
	recode_free(r);
	r = recode_new("iso8859_15", &err);
	ok(r != NULL, "iso8859_15 (Python's name)");
	recode_free(r);
	strbuf_free(&out);
	return tap_done();
}

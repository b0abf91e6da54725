/* Unit tests for strbuf. */
#include "strbuf.h"
#include "tap.h"

int
main(void)
{
	struct strbuf sb = STRBUF_INIT;
	char *s;
	int i;

	is_str(strbuf_str(&sb), "", "empty buffer reads as \"\"");
	strbuf_adds(&sb, "ab");
	strbuf_addc(&sb, 'c');
	strbuf_addf(&sb, "%d-%s", 42, "x");
	strbuf_add(&sb, "\0z", 2);
	is_int(sb.len, 9, "length counts embedded NUL");
	is_str(sb.s, "abc42-x", "contents");
	strbuf_reset(&sb);
	for (i = 0; i < 100000; i++)
		strbuf_addc(&sb, 'x');
	is_int(sb.len, 100000, "grows");
	s = strbuf_detach(&sb);
	ok(sb.s == NULL && sb.len == 0 && strlen(s) == 100000, "detach hands over the buffer");
	free(s);
	s = strbuf_detach(&sb);
	is_str(s, "", "detach of an empty buffer gives \"\"");
	free(s);
	strbuf_free(&sb);
	return tap_done();
}

/* Unit tests for ini: every rule of the ConfigParser dialect, and hostile input. */
#include <time.h>

#include "diag.h"
#include "dict.h"
#include "ini.h"
#include "tap.h"
#include "xmalloc.h"

static struct diag *d;

static struct ini *
parse(const char *text)
{
	diag_free(d);
	d = diag_new();
	return ini_parse("t.conf", text, strlen(text), d);
}

static const char *
val(const struct ini *ini, const char *sec, const char *key)
{
	const struct dict *s = strcmp(sec, "DEFAULT") == 0 ? ini_defaults(ini) :
	    ini_section(ini, sec);
	struct ini_value *v = s ? dict_get(s, key, NULL) : NULL;

	return v ? v->text : NULL;
}

static int
line_of(const struct ini *ini, const char *sec, const char *key)
{
	struct ini_value *v = dict_get(ini_section(ini, sec), key, NULL);

	return v ? v->line : -1;
}

static const char *
first_error(void)
{
	size_t i;

	for (i = 0; i < diag_count(d); i++)
		if (diag_level(d, i) == DIAG_ERROR)
			return diag_text(d, i);
	return "";
}

int
main(void)
{
	struct ini *ini;
	char *big;
	size_t i;
	clock_t t0;

	/* comments */
	ini = parse("# full line\n; full line too\n[s]\na = 1 ; inline\nb = x;y\n"
	    "c = v # not a comment\nd = ;all comment\n  # indented comment\ne = 2\n");
	is_int(diag_nerrors(d), 0, "comments: no errors");
	is_str(val(ini, "s", "a"), "1", "inline ';' after whitespace starts a comment");
	is_str(val(ini, "s", "b"), "x;y", "';' without whitespace before is literal");
	is_str(val(ini, "s", "c"), "v # not a comment", "'#' is never an inline comment");
	is_str(val(ini, "s", "d"), "", "a value that is all comment is empty");
	is_str(val(ini, "s", "e"), "2", "indented full-line comment is skipped");
	ini_free(ini);

	/* delimiters and keys */
	ini = parse("[s]\nKey = A\nOther: x:y = z\nsp ace  =  v  \nk.dot-x?y=1 : 2\n");
	is_str(val(ini, "s", "key"), "A", "keys are lower-cased, values are not");
	is_str(val(ini, "s", "other"), "x:y = z", "the first '=' or ':' splits");
	is_str(val(ini, "s", "sp ace"), "v", "key and value are stripped");
	is_str(val(ini, "s", "k.dot-x?y"), "1 : 2", "keys may hold . - ? ");
	ok(val(ini, "s", "Key") == NULL, "mixed-case key is not stored as written");
	ini_free(ini);

	/* continuation lines */
	ini = parse("[s]\nfailregex = one\n  two\n\n\t three\n  # comment in value\n"
	    "  ; another\n\n\nnext = x\n  cont\nlast = y\n\n\n");
	is_str(val(ini, "s", "failregex"), "one\ntwo\n\nthree",
	    "continuation lines, blank lines kept, comments dropped, tail stripped");
	is_str(val(ini, "s", "next"), "x\ncont", "continuation of a later key");
	is_str(val(ini, "s", "last"), "y", "trailing blank lines are stripped");
	is_int(line_of(ini, "s", "next"), 10, "a value remembers its line");
	ini_free(ini);

	ini = parse("[s]\n  a = 1\n  b = 2\n");
	is_str(val(ini, "s", "a"), "1", "indented first option is an option");
	is_str(val(ini, "s", "b"), "2", "same indentation is a new option, not a continuation");
	ini_free(ini);

	/* sections */
	ini = parse("[DEFAULT]\nx = 1\n[a] b]\ny = 2\n[c] trailing\nz = 3\n[DEFAULT]\nw = 4\n");
	is_int(diag_nerrors(d), 0, "[DEFAULT] may appear twice");
	is_str(val(ini, "DEFAULT", "w"), "4", "second [DEFAULT] adds to defaults");
	is_str(val(ini, "a] b", "y"), "2", "section name runs to the last ']'");
	is_str(val(ini, "c", "z"), "3", "text after ']' is ignored");
	is_int(ini_nsections(ini), 2, "DEFAULT is not a section");
	ini_free(ini);

	ini = parse("[Init?family=inet6]\nk = v\n[sshd]\n[Sshd]\n");
	is_int(ini_nsections(ini), 3, "section names are case-sensitive");
	is_str(val(ini, "Init?family=inet6", "k"), "v", "conditional section name kept");
	ini_free(ini);

	/* line endings and unicode whitespace */
	ini = parse("[s]\r\na = 1\r\nb = 2\rc = 3\n");
	is_str(val(ini, "s", "a"), "1", "CRLF line endings");
	is_str(val(ini, "s", "c"), "3", "a lone CR ends a line too");
	ini_free(ini);
	ini = parse("[s]\na = \xc2\xa0v\xc2\xa0\n");
	is_str(val(ini, "s", "a"), "v", "non-breaking spaces are stripped like Python");
	ini_free(ini);

	/* errors: all of them, each with its line */
	ini = parse("k = before\n[s]\na = 1\na = 2\nnovalue\n= 5\n[s]\nb = 3\n");
	is_int(diag_nerrors(d), 5, "every error is reported, not only the first");
	is_str(diag_text(d, 0), "t.conf:1: option line before any [section] header",
	    "key before any section");
	is_str(diag_text(d, 1), "t.conf:4: duplicate option 'a' in section [s] in the same file",
	    "duplicate key");
	is_str(diag_text(d, 2), "t.conf:5: expected 'name = value', got 'novalue'",
	    "a line without delimiter");
	is_str(diag_text(d, 3), "t.conf:6: missing option name before '=' or ':'",
	    "empty option name");
	is_str(diag_text(d, 4), "t.conf:7: duplicate section [s] in the same file",
	    "duplicate section");
	is_int(ini_nerrors(ini), 5, "the file counts its errors");
	ini_free(ini);

	ini = parse("[s]\na = ok\nb = caf\xe9\n");
	ok(ini == NULL, "non-UTF-8 bytes: the file is refused");
	is_str(first_error(), "t.conf:3: invalid UTF-8 byte 0xe9 (configuration files are read as UTF-8)",
	    "non-UTF-8: error names the line and the byte");
	ini = parse("[s]\na = \xed\xa0\x80\n");
	ok(ini == NULL, "encoded surrogates are invalid UTF-8");
	ini = parse("[s]\na = \xc0\x80\n");
	ok(ini == NULL, "overlong encodings are invalid UTF-8");
	ini = parse("\xef\xbb\xbf[s]\na = 1\n");
	ok(ini != NULL && diag_nerrors(d) == 1, "BOM is an error (fail2ban cannot read it)");
	ini_free(ini);
	diag_free(d);
	d = diag_new();
	ini = ini_parse("t.conf", "[s]\na = x\0y\n", 11, d);
	ok(ini == NULL && strstr(first_error(), "NUL byte") != NULL, "NUL byte is an error");

	/* a 1 MB line: accepted, in linear time */
	big = xmalloc(2u << 20);
	strcpy(big, "[s]\nbig = ");
	for (i = strlen(big); i < (1u << 20) + 10; i++)
		big[i] = 'x';
	strcpy(big + i, "\n  ; a b ; c\n");
	t0 = clock();
	ini = parse(big);
	ok(ini != NULL && strlen(val(ini, "s", "big")) == (1u << 20),
	    "1 MB value on one line is read whole");
	ok((double)(clock() - t0) / CLOCKS_PER_SEC < 1.0, "1 MB line parsed in under a second");
	ini_free(ini);
	/* a 1 MB line of garbage: one clear error, excerpt cut short */
	memset(big, ';', 1u << 20);
	big[0] = '[';
	big[1] = 's';
	big[2] = ']';
	big[3] = '\n';
	for (i = 4; i < (1u << 20); i++)
		big[i] = (char)('a' + i % 26);
	big[1u << 20] = '\n';
	big[(1u << 20) + 1] = '\0';
	ini = parse(big);
	ok(ini != NULL && diag_nerrors(d) == 1 && strlen(first_error()) < 120,
	    "1 MB garbage line gives one short error");
	ini_free(ini);
	/* many continuation lines: linear too */
	{
		size_t n = 0;

		n += (size_t)sprintf(big + n, "[s]\nv = a\n");
		while (n < (1u << 20))
			n += (size_t)sprintf(big + n, " line %zu\n", n);
		t0 = clock();
		ini = parse(big);
		ok(ini != NULL && (double)(clock() - t0) / CLOCKS_PER_SEC < 1.0,
		    "100k continuation lines parsed in under a second");
		ini_free(ini);
	}
	free(big);

	/* intern */
	ok(ini_intern("a/b") == ini_intern("a/b"), "interned paths are shared");
	{
		size_t n = 8;
		const char *s = ini_strip("  x y \t ", &n);

		ok(n == 3 && strncmp(s, "x y", 3) == 0, "ini_strip strips both ends");
	}
	diag_free(d);
	return tap_done();
}

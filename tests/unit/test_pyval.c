/* Unit tests for pyval: Python values and their repr()/pformat(). */
#include <math.h>

#include "pyval.h"
#include "strbuf.h"
#include "tap.h"

static char out[8192];

static const char *
repr(struct pyval *v)
{
	struct strbuf sb = STRBUF_INIT;

	pyval_repr(v, &sb);
	snprintf(out, sizeof(out), "%s", sb.s);
	strbuf_free(&sb);
	pyval_free(v);
	return out;
}

static const char *
frepr(double f)
{
	return repr(pyval_float(f));
}

int
main(void)
{
	struct pyval *l, *d, *t;
	struct strbuf sb = STRBUF_INIT;
	int i;

	is_str(repr(pyval_str("plain")), "'plain'", "plain str");
	is_str(repr(pyval_str("it's")), "\"it's\"", "' inside: double quotes");
	is_str(repr(pyval_str("both ' and \"")), "'both \\' and \"'", "both: single quotes, \\' escaped");
	is_str(repr(pyval_str("a\\b\tc\nd\re")), "'a\\\\b\\tc\\nd\\re'", "backslash, tab, LF, CR");
	is_str(repr(pyval_str("\x01\x1f\x7f")), "'\\x01\\x1f\\x7f'", "control characters");
	is_str(repr(pyval_str("caf\xc3\xa9 \xe2\x82\xac")), "'caf\xc3\xa9 \xe2\x82\xac'", "printable unicode kept");
	is_str(repr(pyval_str("\xc2\xa0\xc2\xad\xe2\x80\x8b\xef\xbb\xbf")), "'\\xa0\\xad\\u200b\\ufeff'",
	    "unprintable unicode escaped");
	is_str(repr(pyval_str("\xf0\x9f\x98\x80")), "'\xf0\x9f\x98\x80'", "emoji is printable");
	is_str(repr(pyval_str("\xf3\xa0\x80\x81")), "'\\U000e0001'", "astral format char");
	is_str(repr(pyval_int(-42)), "-42", "int");
	is_str(repr(pyval_bool(true)), "True", "True");
	is_str(repr(pyval_bool(false)), "False", "False");
	is_str(repr(pyval_none()), "None", "None");
	is_str(repr(pyval_bytes("a'\x00\xff", 4)), "b\"a'\\x00\\xff\"", "bytes");

	is_str(frepr(1795720898.0), "1795720898.0", "float: integral");
	is_str(frepr(1795720905.296371), "1795720905.296371", "float: shortest digits");
	is_str(frepr(0.1), "0.1", "float 0.1");
	is_str(frepr(1e16), "1e+16", "float 1e16");
	is_str(frepr(1e-05), "1e-05", "float 1e-05");
	is_str(frepr(0.0001), "0.0001", "float 0.0001");
	is_str(frepr(123456789012345.6), "123456789012345.6", "float below 1e16");
	is_str(frepr(-2.5), "-2.5", "negative float");
	is_str(frepr(0.0), "0.0", "zero");
	is_str(frepr(NAN), "nan", "nan");

	l = pyval_list();
	pyval_append(l, pyval_str("set"));
	pyval_append(l, pyval_int(10));
	t = pyval_tuple();
	pyval_append(t, pyval_str("x"));
	pyval_append(l, t);
	d = pyval_dict();
	pyval_dict_set(d, pyval_str("stacksize"), pyval_int(0));
	pyval_dict_set(d, pyval_str("k"), pyval_none());
	pyval_dict_set(d, pyval_str("stacksize"), pyval_int(5));
	pyval_append(l, d);
	pyval_append(l, pyval_list());
	pyval_append(l, pyval_set());
	is_str(repr(pyval_copy(l)), "['set', 10, ('x',), {'stacksize': 5, 'k': None}, [], set()]",
	    "nested containers, dict update keeps position");
	ok(pyval_equal(l, l), "equal to itself");
	ok(pyval_dict_get(d, "k") != NULL && pyval_type(pyval_dict_get(d, "k")) == PY_NONE, "dict get");
	pyval_insert(l, 0, pyval_str("first"));
	is_str(pyval_as_str(pyval_at(l, 0)), "first", "insert at 0");
	is_int(pyval_len(l), 7, "length");
	pyval_free(l);

	/* pformat(width=1000, indent=2) as fail2ban-client --dp prints */
	l = pyval_list();
	pyval_append(l, pyval_str("set"));
	pyval_append(l, pyval_str("j"));
	pyval_pformat(l, 1000, 2, &sb);
	is_str(sb.s, "['set', 'j']", "short list stays on one line");
	strbuf_reset(&sb);
	for (i = 0; i < 60; i++)
		pyval_append(l, pyval_str("twenty characters!!!"));
	pyval_pformat(l, 1000, 2, &sb);
	ok(strncmp(sb.s, "[ 'set',\n  'j',\n  'twenty", 24) == 0, "long list: one item per line");
	strbuf_reset(&sb);
	pyval_free(l);
	l = pyval_list();
	{
		char big[1200];

		for (i = 0; i < 1199; i++)
			big[i] = i % 10 == 9 ? ' ' : 'a';
		big[1199] = '\0';
		pyval_append(l, pyval_str(big));
	}
	pyval_pformat(l, 1000, 2, &sb);
	ok(strchr(sb.s, '\n') != NULL && strstr(sb.s, "aa '\n  'aaaaaaaaa aa") != NULL,
	    "long string split into chunks");
	strbuf_free(&sb);
	pyval_free(l);
	return tap_done();
}

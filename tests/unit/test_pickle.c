/*
 * Unit tests for pickle: frames as Python 3.11's pickle writes them
 * (protocols 2, 4 and 5, bytes below from pickle.dumps), our encoding read
 * back, fail2ban's exceptions, and refusals; a big dict with keys given
 * twice, equal across types (1, 1.0, True), as Python builds it.
 */
#include <stdlib.h>
#include <string.h>

#include "pickle.h"
#include "pyval.h"
#include "strbuf.h"
#include "tap.h"

static void
is_repr(const char *bytes, size_t n, const char *want, const char *name)
{
	char *err = NULL;
	struct pyval *v = pickle_load(bytes, n, &err);
	struct strbuf sb = STRBUF_INIT;

	if (v == NULL) {
		ok(0, "%s: %s", name, err);
		free(err);
		return;
	}
	pyval_repr(v, &sb);
	is_str(strbuf_str(&sb), want, "%s", name);
	strbuf_free(&sb);
	pyval_free(v);
}

static void
refused(const char *bytes, size_t n, const char *name)
{
	char *err = NULL;
	struct pyval *v = pickle_load(bytes, n, &err);

	ok(v == NULL && err != NULL, "refused: %s (%s)", name, err ? err : "accepted");
	free(err);
	pyval_free(v);
}

static void
put_str(struct strbuf *sb, const char *op, const char *s)
{
	unsigned char len[4] = { (unsigned char)strlen(s), 0, 0, 0 };

	strbuf_adds(sb, op);
	strbuf_add(sb, (const char *)len, strcmp(op, "C") == 0 ? 1 : 4);
	strbuf_adds(sb, s);
}

static void
put_int(struct strbuf *sb, int n)
{
	strbuf_addc(sb, 'K');
	strbuf_addc(sb, (char)n);
}

/* 'G' and a double big-endian: 1.0 or -0.0 */
static void
put_float(struct strbuf *sb, bool one)
{
	strbuf_add(sb, one ? "G\x3f\xf0\0\0\0\0\0\0" : "G\x80\0\0\0\0\0\0\0", 9);
}

/*
 * SETITEMS into one dict of 49 items: keys repeated (the later value
 * kept, at the first place), 1 / 1.0 / True one key, (1, 'x') and
 * (1.0, 'x') one key, b'k1' not 'k1', 0 and -0.0 one key.
 */
static void
big_dict(void)
{
	struct strbuf sb = STRBUF_INIT, want = STRBUF_INIT;
	char k[8];
	int r, i;

	strbuf_add(&sb, "\x80\x03}(", 4);
	for (r = 0; r < 2; r++)
		for (i = 0; i < 20; i++) {
			snprintf(k, sizeof(k), "k%d", i);
			put_str(&sb, "X", k);
			put_int(&sb, r * 100 + i);
		}
	put_int(&sb, 1);
	put_str(&sb, "X", "a");
	put_float(&sb, true);
	put_str(&sb, "X", "b");
	strbuf_addc(&sb, '\x88');
	put_str(&sb, "X", "c");
	put_int(&sb, 1);
	put_str(&sb, "X", "x");
	strbuf_addc(&sb, '\x86');
	put_str(&sb, "X", "d");
	put_float(&sb, true);
	put_str(&sb, "X", "x");
	strbuf_addc(&sb, '\x86');
	put_str(&sb, "X", "e");
	put_str(&sb, "C", "k1");
	put_str(&sb, "X", "f");
	put_int(&sb, 0);
	put_str(&sb, "X", "z");
	put_float(&sb, false);
	put_str(&sb, "X", "w");
	put_str(&sb, "X", "k3");
	put_str(&sb, "X", "last");
	strbuf_add(&sb, "u.", 2);
	/* Python: pickle.loads() of the same bytes */
	strbuf_adds(&want, "{'k0': 100, 'k1': 101, 'k2': 102, 'k3': 'last', ");
	for (i = 4; i < 20; i++)
		strbuf_addf(&want, "'k%d': %d, ", i, 100 + i);
	strbuf_adds(&want, "1: 'c', (1, 'x'): 'e', b'k1': 'f', 0: 'w'}");
	is_repr(sb.s, sb.len, strbuf_str(&want), "SETITEMS of 49 items with repeated keys: "
	    "Python's dict");
	strbuf_free(&sb);
	strbuf_free(&want);
}

int
main(void)
{
	/* pickle.dumps(['status', 'sshd'], 4) */
	static const char p4[] =
	    "\x80\x04\x95\x15\x00\x00\x00\x00\x00\x00\x00\x5d\x94\x28\x8c\x06"
	    "\x73\x74\x61\x74\x75\x73\x94\x8c\x04\x73\x73\x68\x64\x94\x65\x2e";
	/* pickle.dumps(['set', 'j', 'banip', '1.2.3.4'], 2) */
	static const char p2[] =
	    "\x80\x02\x5d\x71\x00\x28\x58\x03\x00\x00\x00\x73\x65\x74\x71\x01"
	    "\x58\x01\x00\x00\x00\x6a\x71\x02\x58\x05\x00\x00\x00\x62\x61\x6e"
	    "\x69\x70\x71\x03\x58\x07\x00\x00\x00\x31\x2e\x32\x2e\x33\x2e\x34"
	    "\x71\x04\x65\x2e";
	/* pickle.dumps((0, [('a', 1), ('b', [True, None, 2.5, -3, 70000])]), 5) */
	static const char p5[] =
	    "\x80\x05\x95\x30\x00\x00\x00\x00\x00\x00\x00\x4b\x00\x5d\x94\x28"
	    "\x8c\x01\x61\x94\x4b\x01\x86\x94\x8c\x01\x62\x94\x5d\x94\x28\x88"
	    "\x4e\x47\x40\x04\x00\x00\x00\x00\x00\x00\x4a\xfd\xff\xff\xff\x4a"
	    "\x70\x11\x01\x00\x65\x86\x94\x65\x86\x94\x2e";
	/* pickle.dumps((1, UnknownJailException('x')), 4) */
	static const char exc[] =
	    "\x80\x04\x95\x3c\x00\x00\x00\x00\x00\x00\x00\x4b\x01\x8c\x13\x66"
	    "\x61\x69\x6c\x32\x62\x61\x6e\x2e\x65\x78\x63\x65\x70\x74\x69\x6f"
	    "\x6e\x73\x94\x8c\x14\x55\x6e\x6b\x6e\x6f\x77\x6e\x4a\x61\x69\x6c"
	    "\x45\x78\x63\x65\x70\x74\x69\x6f\x6e\x94\x93\x94\x8c\x01\x78\x94"
	    "\x85\x94\x52\x94\x86\x94\x2e";
	/* pickle.dumps(os.system, 4): a global that is no exception */
	static const char bad[] =
	    "\x80\x04\x95\x14\x00\x00\x00\x00\x00\x00\x00\x8c\x05\x70\x6f\x73"
	    "\x69\x78\x94\x8c\x06\x73\x79\x73\x74\x65\x6d\x94\x93\x94\x2e";
	struct pyval *v = pyval_list(), *w;
	struct strbuf sb = STRBUF_INIT, r1 = STRBUF_INIT, r2 = STRBUF_INIT;
	char *err = NULL;

	is_repr(p4, sizeof(p4) - 1, "['status', 'sshd']", "protocol 4 (fail2ban-client)");
	is_repr(p2, sizeof(p2) - 1, "['set', 'j', 'banip', '1.2.3.4']", "protocol 2");
	is_repr(p5, sizeof(p5) - 1, "(0, [('a', 1), ('b', [True, None, 2.5, -3, 70000])])",
	    "protocol 5, the status shape");
	is_repr(exc, sizeof(exc) - 1, "(1, {'__exception__': "
	    "'fail2ban.exceptions.UnknownJailException', 'args': ('x',)})", "an exception");
	refused(bad, sizeof(bad) - 1, "a global that is no exception");
	refused(p4, 10, "truncated");
	refused("\x80\x04garbage", 9, "garbage");

	pyval_append(v, pyval_str("caf\xc3\xa9"));
	pyval_append(v, pyval_int(-1234567890123LL));
	pyval_append(v, pyval_float(0.1));
	pyval_append(v, pyval_bytes("\x00\x01", 2));
	pyval_append(v, pickle_exception("builtins.ValueError", "bad"));
	{
		/* a dict that merely holds the exception key is a dict (a fuzzer's find) */
		struct pyval *d = pickle_exception("builtins.ValueError", "x");

		pyval_dict_set(d, pyval_int(1), pyval_str("more"));
		pyval_append(v, d);
	}
	pickle_dump(v, &sb);
	w = pickle_load(sb.s, sb.len, &err);
	pyval_repr(v, &r1);
	if (w)
		pyval_repr(w, &r2);
	is_str(strbuf_str(&r2), strbuf_str(&r1), "our encoding reads back the same");
	pyval_free(v);
	pyval_free(w);
	strbuf_free(&sb);
	strbuf_free(&r1);
	strbuf_free(&r2);

	/*
	 * A dict shaped like an exception that the server did not raise (a
	 * client's "echo" argument) is written as a dict: never as a call of
	 * the global it names (os.system in a Python client), whatever it names.
	 */
	{
		static const char *const names[] = { "posix.system", "builtins.ValueError" };
		size_t i;

		for (i = 0; i < 2; i++) {
			struct pyval *d = pyval_dict(), *a = pyval_tuple(), *back;
			struct strbuf out = STRBUF_INIT;

			pyval_append(a, pyval_str("touch /tmp/f2b-owned"));
			pyval_dict_set(d, pyval_str(PICKLE_EXC_KEY), pyval_str(names[i]));
			pyval_dict_set(d, pyval_str("args"), a);
			pickle_dump(d, &out);
			ok(memchr(out.s, 0x93, out.len) == NULL && memchr(out.s, 'R', out.len) == NULL,
			    "a client's dict naming %s is written without a global or a call",
			    names[i]);
			back = pickle_load(out.s, out.len, &err);
			ok(back && !pyval_is_exception(back) && pyval_equal(back, d),
			    "... and reads back as the same plain dict");
			pyval_free(back);
			pyval_free(d);
			strbuf_free(&out);
		}
	}
	{
		/* the server's own exceptions, and copies of them, stay exceptions */
		struct pyval *e = pickle_exception("builtins.ValueError", "bad"), *c = pyval_copy(e);
		struct strbuf out = STRBUF_INIT;

		pickle_dump(c, &out);
		ok(memchr(out.s, 0x93, out.len) != NULL && pyval_is_exception(c),
		    "a copy of an exception the server raised is written as one");
		pyval_free(e);
		pyval_free(c);
		strbuf_free(&out);
	}
	big_dict();
	return tap_done();
}

/* pickle: decode and encode fail2ban's protocol values. */
#include "pickle.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pyval.h"
#include "strbuf.h"
#include "utf8.h"
#include "xmalloc.h"

#define MAX_STACK	100000
#define MAX_MARKS	1000
#define MAX_MEMO	100000
#define MAX_NODES	2000000	/* values made, copies counted whole */
#define MAX_DEPTH	1000	/* containers within containers (CPython: ~1000) */

/* ---- decoding ------------------------------------------------------------ */

/* A class reference on the stack: a str pyval with this prefix. */
#define CLASS_PREFIX	"\x01class:"

struct up {
	const unsigned char *p, *end;
	struct pyval	**stack;
	size_t		  n, cap;
	size_t		 *marks;
	size_t		  nmarks, capmarks;
	struct pyval	**memo;
	size_t		  nmemo, capmemo;
	size_t		  nodes;	/* against MAX_NODES: copies must not explode */
	char		 *err;
	struct {			/* the keys of the dict SETITEMS last filled */
		const struct pyval *d, *last;	/* it, and its last key then */
		size_t		  n;		/* its length then */
		size_t		 *slot;		/* open addressing: pair index + 1, 0 empty */
		size_t		  cap;
		uint64_t	 *hash;		/* by pair index */
		size_t		  hcap;
	} ix;
};

/* Values in v (stops counting past limit). */
static size_t
count_nodes(const struct pyval *v, size_t limit)
{
	size_t n = 1, i;
	enum pyval_type t = pyval_type(v);

	if (t == PY_LIST || t == PY_TUPLE || t == PY_SET)
		for (i = 0; i < pyval_len(v) && n <= limit; i++)
			n += count_nodes(pyval_at(v, i), limit - n);
	else if (t == PY_DICT)
		for (i = 0; i < pyval_len(v) && n <= limit; i++)
			n += count_nodes(pyval_dict_key(v, i), limit - n) +
			    count_nodes(pyval_dict_val(v, i), limit - n);
	return n;
}

/* A copy of v, if the budget allows it. */
static struct pyval *
budget_copy(struct up *u, const struct pyval *v)
{
	size_t left = MAX_NODES > u->nodes ? MAX_NODES - u->nodes : 0;
	size_t n = count_nodes(v, left);

	if (n > left)
		return NULL;
	u->nodes += n;
	return pyval_copy(v);
}

static const char *const allowed_classes[] = {
	"builtins.Exception", "builtins.ValueError", "builtins.KeyError",
	"builtins.IndexError", "builtins.TypeError", "builtins.RuntimeError",
	"builtins.NameError", "builtins.AttributeError", "builtins.LookupError",
	"builtins.OSError", "builtins.IOError", "builtins.NotImplementedError",
	"builtins.AssertionError", "builtins.SyntaxError", "builtins.UnicodeDecodeError",
	"fail2ban.exceptions.UnknownJailException", "fail2ban.exceptions.DuplicateJailException",
	"fail2ban.server.jails.UnknownJailException",
	"fail2ban.server.jails.DuplicateJailException",
	"fail2ban.server.failregex.RegexException",
	"fail2ban.server.filter.FailManagerEmpty",
	"fail2ban.server.failmanager.FailManagerEmpty",
	"fail2ban.server.banmanager.BanManagerEmpty",
	/* value types: REDUCE(builtins.str, (x,)) is how IPAddr pickles */
	"builtins.str", "builtins.int", "builtins.float", "builtins.bool",
	"builtins.list", "builtins.tuple",
	NULL
};

static bool
is_value_type(const char *cls)
{
	return strcmp(cls, "builtins.str") == 0 || strcmp(cls, "builtins.int") == 0 ||
	    strcmp(cls, "builtins.float") == 0 || strcmp(cls, "builtins.bool") == 0 ||
	    strcmp(cls, "builtins.list") == 0 || strcmp(cls, "builtins.tuple") == 0;
}

/* An exception class the decoder accepts (the classes above but the value types). */
static bool
exception_class(const char *cls)
{
	size_t i;

	for (i = 0; allowed_classes[i]; i++)
		if (strcmp(allowed_classes[i], cls) == 0)
			return !is_value_type(cls);
	return false;
}

static bool
fail(struct up *u, const char *msg)
{
	if (u->err == NULL)
		u->err = xstrdup(msg);
	return false;
}

static bool
need(struct up *u, size_t n)
{
	if ((size_t)(u->end - u->p) < n)
		return fail(u, "pickle data was truncated");
	return true;
}

static bool
push(struct up *u, struct pyval *v)
{
	if (++u->nodes > MAX_NODES) {
		pyval_free(v);
		return fail(u, "pickle too large");
	}
	if (u->n >= MAX_STACK) {
		pyval_free(v);
		return fail(u, "pickle stack too deep");
	}
	u->stack = xgrow(u->stack, &u->cap, u->n + 1, sizeof(*u->stack));
	u->stack[u->n++] = v;
	return true;
}

static struct pyval *
pop(struct up *u)
{
	if (u->n == 0 || (u->nmarks && u->n <= u->marks[u->nmarks - 1])) {
		fail(u, "unpickling stack underflow");
		return NULL;
	}
	return u->stack[--u->n];
}

/* The index of the topmost mark; the items above it are the mark's. */
static bool
pop_mark(struct up *u, size_t *at)
{
	if (u->nmarks == 0)
		return fail(u, "could not find MARK");
	*at = u->marks[--u->nmarks];
	return true;
}

static uint64_t
le(const unsigned char *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = n - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static bool
is_class(const struct pyval *v)
{
	return v && pyval_type(v) == PY_STR &&
	    strncmp(pyval_as_str(v), CLASS_PREFIX, strlen(CLASS_PREFIX)) == 0;
}

static bool
global(struct up *u, const char *mod, size_t ml, const char *name, size_t nl)
{
	char *full = xasprintf("%.*s.%.*s", (int)ml, mod, (int)nl, name);
	size_t i;

	for (i = 0; allowed_classes[i]; i++)
		if (strcmp(full, allowed_classes[i]) == 0) {
			char *s = xasprintf("%s%s", CLASS_PREFIX, full);
			bool r = push(u, pyval_str(s));

			free(s);
			free(full);
			return r;
		}
	free(full);
	return fail(u, "global not allowed in a fail2ban message");
}

static bool
text(struct up *u, size_t len, bool bytes)
{
	const char *s = (const char *)u->p;

	if (!need(u, len))
		return false;
	u->p += len;
	if (!bytes && utf8_check(s, len) != len)
		return fail(u, "invalid UTF-8 in a pickled str");
	return push(u, bytes ? pyval_bytes(s, len) : pyval_strn(s, len));
}

static bool
memo_put(struct up *u, size_t idx)
{
	if (u->n == 0)
		return fail(u, "memo of an empty stack");
	if (idx >= MAX_MEMO)
		return fail(u, "memo index too large");
	if (idx >= u->nmemo) {
		size_t old = u->capmemo;

		u->memo = xgrow(u->memo, &u->capmemo, idx + 1, sizeof(*u->memo));
		memset(u->memo + old, 0, (u->capmemo - old) * sizeof(*u->memo));
		u->nmemo = idx + 1;
	}
	pyval_free(u->memo[idx]);
	if ((u->memo[idx] = budget_copy(u, u->stack[u->n - 1])) == NULL)
		return fail(u, "pickle too large");
	return true;
}

static bool
memo_get(struct up *u, size_t idx)
{
	struct pyval *c;

	if (idx >= u->nmemo || u->memo[idx] == NULL)
		return fail(u, "memo key not found");
	if ((c = budget_copy(u, u->memo[idx])) == NULL)
		return fail(u, "pickle too large");
	return push(u, c);
}

/* Items above the mark at `at` into container c (list/set appends, tuple). */
static void
move_items(struct up *u, size_t at, struct pyval *c)
{
	size_t i;

	for (i = at; i < u->n; i++)
		pyval_append(c, u->stack[i]);
	u->n = at;
}

/* The bits of h mixed into its low ones (the table's index). */
static uint64_t
mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

/* A hash agreeing with pyval_equal (1 == 1.0 == True); unhashable types share one. */
static uint64_t
key_hash(const struct pyval *v)
{
	uint64_t h = 1469598103934665603ULL;
	const char *s;
	size_t i, n;
	double f;

	switch (pyval_type(v)) {
	case PY_STR:
	case PY_BYTES:
		s = pyval_as_str(v);
		n = pyval_strlen(v);
		for (i = 0; i < n; i++)
			h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
		return mix(h ^ (uint64_t)pyval_type(v));
	case PY_BOOL:
	case PY_INT:
	case PY_FLOAT:
		f = pyval_as_float(v);
		if (f == 0)
			f = 0;	/* -0.0 == 0.0 */
		memcpy(&h, &f, sizeof(h));
		return mix(h);
	case PY_TUPLE:
		for (i = 0; i < pyval_len(v); i++)
			h = (h ^ key_hash(pyval_at(v, i))) * 1099511628211ULL;
		return mix(h);
	default:
		return 0;
	}
}

/* Slot of key (hash h) in the index: its pair's, or the empty one where it goes. */
static size_t
ix_find(const struct up *u, const struct pyval *d, const struct pyval *key, uint64_t h)
{
	size_t s, o;

	for (s = h & (u->ix.cap - 1); u->ix.slot[s] != 0; s = (s + 1) & (u->ix.cap - 1)) {
		o = u->ix.slot[s] - 1;
		if (o < pyval_len(d) && u->ix.hash[o] == h && pyval_equal(pyval_dict_key(d, o), key))
			break;
	}
	return s;
}

/* Room for n pairs: the table at most half full (rehashed from the kept hashes). */
static void
ix_room(struct up *u, size_t n)
{
	size_t cap = u->ix.cap ? u->ix.cap : 64, i, s;

	if (n > u->ix.hcap) {
		u->ix.hcap = n > 2 * u->ix.hcap ? n : 2 * u->ix.hcap;
		u->ix.hash = xrealloc(u->ix.hash, u->ix.hcap * sizeof(*u->ix.hash));
	}
	while (cap < 2 * n)
		cap *= 2;
	if (cap == u->ix.cap)
		return;
	free(u->ix.slot);
	u->ix.slot = xcalloc(cap, sizeof(*u->ix.slot));
	u->ix.cap = cap;
	for (i = 0; i < u->ix.n; i++) {
		for (s = u->ix.hash[i] & (cap - 1); u->ix.slot[s] != 0; s = (s + 1) & (cap - 1))
			;
		u->ix.slot[s] = i + 1;
	}
}

/*
 * SETITEMS: d.update(items) with an index of d's keys, kept from one
 * SETITEMS to the next of the same dict, so that a big dict costs its size,
 * not its size squared (Python sends SETITEMS in batches of 1000: a request
 * of 0.8 MiB holding a dict of 50,000 keys took pyval_dict_set's linear
 * search 12 s).  The index is only a guide: every match is checked
 * against the dict's own key.
 */
static bool
set_items(struct up *u, size_t at)
{
	struct pyval *d;
	size_t i, base, npairs;

	if (at == 0 || (u->n - at) % 2)
		return fail(u, "odd number of items for SETITEMS");
	d = u->stack[at - 1];
	if (pyval_type(d) != PY_DICT)
		return fail(u, "SETITEMS on a non-dict");
	base = pyval_len(d);
	npairs = (u->n - at) / 2;
	if (base + npairs <= 32) {
		for (i = at; i < u->n; i += 2)
			pyval_dict_set(d, u->stack[i], u->stack[i + 1]);
		u->n = at;
		return true;
	}
	if (u->ix.d != d || u->ix.n != base ||
	    (base > 0 && pyval_dict_key(d, base - 1) != u->ix.last)) {
		/* another dict (or changed since): its keys indexed anew */
		u->ix.d = d;
		u->ix.n = 0;
		if (u->ix.slot)
			memset(u->ix.slot, 0, u->ix.cap * sizeof(*u->ix.slot));
		ix_room(u, base + npairs);
		for (i = 0; i < base; i++) {
			uint64_t h = key_hash(pyval_dict_key(d, i));

			u->ix.hash[i] = h;
			u->ix.slot[ix_find(u, d, pyval_dict_key(d, i), h)] = i + 1;
			u->ix.n = i + 1;
		}
	}
	ix_room(u, base + npairs);
	/* grown geometrically: batch after batch must not copy the dict each time */
	pyval_reserve(d, base + npairs > 2 * base ? base + npairs : 2 * base);
	for (i = at; i < u->n; i += 2) {
		struct pyval *key = u->stack[i], *val = u->stack[i + 1];
		uint64_t h = key_hash(key);
		size_t s = ix_find(u, d, key, h), n = pyval_len(d);

		if (u->ix.slot[s] != 0) {
			/* a key seen before: the value replaced, its place kept */
			pyval_dict_replace(d, u->ix.slot[s] - 1, val);
			pyval_free(key);
			continue;
		}
		pyval_dict_append(d, key, val);
		u->ix.hash[n] = h;
		u->ix.slot[s] = n + 1;
		u->ix.n = n + 1;
	}
	u->ix.last = pyval_dict_key(d, pyval_len(d) - 1);
	u->n = at;
	return true;
}

static bool
reduce(struct up *u)
{
	struct pyval *args = pop(u), *cls = pop(u), *exc;

	if (args == NULL || cls == NULL || !is_class(cls) || pyval_type(args) != PY_TUPLE) {
		pyval_free(args);
		pyval_free(cls);
		return fail(u, "REDUCE of something other than an exception");
	}
	if (is_value_type(pyval_as_str(cls) + strlen(CLASS_PREFIX))) {
		/* str(x), int(x)...: the value itself when it already is one */
		struct pyval *v = pyval_len(args) == 1 ? pyval_copy(pyval_at(args, 0)) : NULL;
		const char *c = pyval_as_str(cls) + strlen(CLASS_PREFIX) + strlen("builtins.");
		enum pyval_type want = !strcmp(c, "str") ? PY_STR : !strcmp(c, "int") ? PY_INT :
		    !strcmp(c, "float") ? PY_FLOAT : !strcmp(c, "bool") ? PY_BOOL :
		    !strcmp(c, "list") ? PY_LIST : PY_TUPLE;

		pyval_free(args);
		pyval_free(cls);
		if (v == NULL || pyval_type(v) != want) {
			pyval_free(v);
			return fail(u, "unsupported constructor call in a fail2ban message");
		}
		return push(u, v);
	}
	exc = pyval_dict();
	pyval_dict_set(exc, pyval_str(PICKLE_EXC_KEY),
	    pyval_str(pyval_as_str(cls) + strlen(CLASS_PREFIX)));
	pyval_dict_set(exc, pyval_str("args"), args);
	pyval_set_exception(exc);
	pyval_free(cls);
	return push(u, exc);
}

static bool
step(struct up *u, bool *stop)
{
	unsigned char op;
	struct pyval *v, *w;
	size_t at, len;
	int64_t iv;
	double d;

	if (!need(u, 1))
		return false;
	op = *u->p++;
	switch (op) {
	case 0x80:	/* PROTO */
		if (!need(u, 1))
			return false;
		if (*u->p > 5)
			return fail(u, "unsupported pickle protocol");
		u->p++;
		return true;
	case 0x95:	/* FRAME */
		if (!need(u, 8))
			return false;
		u->p += 8;
		return true;
	case '.':	/* STOP */
		*stop = true;
		return true;
	case '(':	/* MARK */
		if (u->nmarks >= MAX_MARKS)
			return fail(u, "too many marks");
		u->marks = xgrow(u->marks, &u->capmarks, u->nmarks + 1, sizeof(*u->marks));
		u->marks[u->nmarks++] = u->n;
		return true;
	case 'N':
		return push(u, pyval_none());
	case 0x88:
		return push(u, pyval_bool(true));
	case 0x89:
		return push(u, pyval_bool(false));
	case 'K':	/* BININT1 */
		if (!need(u, 1))
			return false;
		return push(u, pyval_int(*u->p++));
	case 'M':	/* BININT2 */
		if (!need(u, 2))
			return false;
		iv = (int64_t)le(u->p, 2);
		u->p += 2;
		return push(u, pyval_int(iv));
	case 'J':	/* BININT */
		if (!need(u, 4))
			return false;
		iv = (int32_t)(uint32_t)le(u->p, 4);
		u->p += 4;
		return push(u, pyval_int(iv));
	case 0x8a:	/* LONG1 */
		if (!need(u, 1))
			return false;
		len = *u->p++;
		if (!need(u, len))
			return false;
		if (len > 8)
			return fail(u, "integer too large");
		iv = 0;
		if (len) {
			uint64_t x = le(u->p, (int)len);

			if (len < 8 && (u->p[len - 1] & 0x80))
				x |= ~(uint64_t)0 << (8 * len);	/* sign */
			iv = (int64_t)x;
		}
		u->p += len;
		return push(u, pyval_int(iv));
	case 'G':	/* BINFLOAT: big-endian */
		if (!need(u, 8))
			return false;
		{
			uint64_t x = 0;
			int i;

			for (i = 0; i < 8; i++)
				x = (x << 8) | u->p[i];
			memcpy(&d, &x, 8);
		}
		u->p += 8;
		return push(u, pyval_float(d));
	case 0x8c:	/* SHORT_BINUNICODE */
		if (!need(u, 1))
			return false;
		len = *u->p++;
		return text(u, len, false);
	case 'X':	/* BINUNICODE */
		if (!need(u, 4))
			return false;
		len = (size_t)le(u->p, 4);
		u->p += 4;
		return text(u, len, false);
	case 0x8d:	/* BINUNICODE8 */
		if (!need(u, 8))
			return false;
		len = (size_t)le(u->p, 8);
		u->p += 8;
		return text(u, len, false);
	case 'C':	/* SHORT_BINBYTES */
		if (!need(u, 1))
			return false;
		len = *u->p++;
		return text(u, len, true);
	case 'B':	/* BINBYTES */
		if (!need(u, 4))
			return false;
		len = (size_t)le(u->p, 4);
		u->p += 4;
		return text(u, len, true);
	case 0x8e:	/* BINBYTES8 */
		if (!need(u, 8))
			return false;
		len = (size_t)le(u->p, 8);
		u->p += 8;
		return text(u, len, true);
	case ']':
		return push(u, pyval_list());
	case ')':
		return push(u, pyval_tuple());
	case '}':
		return push(u, pyval_dict());
	case 0x8f:	/* EMPTY_SET */
		return push(u, pyval_set());
	case 'a':	/* APPEND */
		if ((v = pop(u)) == NULL)
			return false;
		if (u->n == 0 || (pyval_type(u->stack[u->n - 1]) != PY_LIST)) {
			pyval_free(v);
			return fail(u, "APPEND to a non-list");
		}
		pyval_append(u->stack[u->n - 1], v);
		return true;
	case 'e':	/* APPENDS */
	case 0x90:	/* ADDITEMS */
		if (!pop_mark(u, &at))
			return false;
		if (at == 0 || pyval_type(u->stack[at - 1]) != (op == 'e' ? PY_LIST : PY_SET))
			return fail(u, "APPENDS to a non-list");
		w = u->stack[at - 1];
		move_items(u, at, w);
		return true;
	case 0x91:	/* FROZENSET */
		if (!pop_mark(u, &at))
			return false;
		w = pyval_set();
		move_items(u, at, w);
		return push(u, w);
	case 't':	/* TUPLE */
		if (!pop_mark(u, &at))
			return false;
		w = pyval_tuple();
		move_items(u, at, w);
		return push(u, w);
	case 0x85: case 0x86: case 0x87:	/* TUPLE1..3 */
		len = (size_t)(op - 0x84);
		if (u->n < len || (u->nmarks && u->n - len < u->marks[u->nmarks - 1]))
			return fail(u, "unpickling stack underflow");
		w = pyval_tuple();
		move_items(u, u->n - len, w);
		return push(u, w);
	case 'l':	/* LIST */
		if (!pop_mark(u, &at))
			return false;
		w = pyval_list();
		move_items(u, at, w);
		return push(u, w);
	case 'd':	/* DICT */
		if (!pop_mark(u, &at))
			return false;
		if (!push(u, NULL))
			return false;
		/* shift the new dict below the items */
		memmove(&u->stack[at + 1], &u->stack[at], (u->n - 1 - at) * sizeof(*u->stack));
		u->stack[at] = pyval_dict();
		return set_items(u, at + 1);
	case 's':	/* SETITEM */
		if (u->n < 3 || (u->nmarks && u->n - 2 < u->marks[u->nmarks - 1] + 1))
			return fail(u, "unpickling stack underflow");
		if (pyval_type(u->stack[u->n - 3]) != PY_DICT)
			return fail(u, "SETITEM on a non-dict");
		v = u->stack[--u->n];
		w = u->stack[--u->n];
		pyval_dict_set(u->stack[u->n - 1], w, v);
		return true;
	case 'u':	/* SETITEMS */
		if (!pop_mark(u, &at))
			return false;
		return set_items(u, at);
	case 0x94:	/* MEMOIZE */
		return memo_put(u, u->nmemo);
	case 'q':	/* BINPUT */
		if (!need(u, 1))
			return false;
		return memo_put(u, *u->p++);
	case 'r':	/* LONG_BINPUT */
		if (!need(u, 4))
			return false;
		at = (size_t)le(u->p, 4);
		u->p += 4;
		return memo_put(u, at);
	case 'h':	/* BINGET */
		if (!need(u, 1))
			return false;
		return memo_get(u, *u->p++);
	case 'j':	/* LONG_BINGET */
		if (!need(u, 4))
			return false;
		at = (size_t)le(u->p, 4);
		u->p += 4;
		return memo_get(u, at);
	case 0x93:	/* STACK_GLOBAL */
		w = pop(u);
		v = pop(u);
		if (v == NULL || w == NULL || pyval_type(v) != PY_STR || pyval_type(w) != PY_STR) {
			pyval_free(v);
			pyval_free(w);
			return fail(u, "STACK_GLOBAL needs two strings");
		}
		{
			bool r = global(u, pyval_as_str(v), pyval_strlen(v), pyval_as_str(w),
			    pyval_strlen(w));

			pyval_free(v);
			pyval_free(w);
			return r;
		}
	case 'c': {	/* GLOBAL: "module\nname\n" */
		const unsigned char *nl1 = memchr(u->p, '\n', (size_t)(u->end - u->p)), *nl2;

		if (nl1 == NULL || (nl2 = memchr(nl1 + 1, '\n', (size_t)(u->end - nl1 - 1))) == NULL)
			return fail(u, "pickle data was truncated");
		{
			bool r = global(u, (const char *)u->p, (size_t)(nl1 - u->p),
			    (const char *)nl1 + 1, (size_t)(nl2 - nl1 - 1));

			u->p = nl2 + 1;
			return r;
		}
	}
	case 'R':	/* REDUCE */
		return reduce(u);
	case 'b':	/* BUILD: exception state; ignored */
		if ((v = pop(u)) == NULL)
			return false;
		pyval_free(v);
		return u->n > 0 || fail(u, "BUILD of nothing");
	case '0':	/* POP */
		if ((v = pop(u)) == NULL)
			return false;
		pyval_free(v);
		return true;
	case '2':	/* DUP */
		if (u->n == 0)
			return fail(u, "DUP of nothing");
		if ((v = budget_copy(u, u->stack[u->n - 1])) == NULL)
			return fail(u, "pickle too large");
		return push(u, v);
	}
	return fail(u, "unsupported pickle opcode");
}

struct pyval *
pickle_load(const void *buf, size_t len, char **err)
{
	struct up u;
	bool stop = false;
	struct pyval *ret = NULL;
	size_t i;

	memset(&u, 0, sizeof(u));
	u.p = buf;
	u.end = u.p + len;
	/*
	 * every operation that builds or fills a container leaves it on top:
	 * nesting is checked there, before anything recurses into it (copies,
	 * repr, free)
	 */
	while (!stop && step(&u, &stop))
		if (u.n > 0 && u.stack[u.n - 1] != NULL &&
		    pyval_depth(u.stack[u.n - 1]) > MAX_DEPTH) {
			fail(&u, "pickle nesting too deep");
			break;
		}
	if (stop && u.err == NULL) {
		if (u.n != 1 || u.nmarks)
			fail(&u, "malformed pickle: stack not empty at STOP");
		else if (is_class(u.stack[0]))
			fail(&u, "a bare class is not a fail2ban message");
		else
			ret = u.stack[--u.n];
	}
	for (i = 0; i < u.n; i++)
		pyval_free(u.stack[i]);
	for (i = 0; i < u.nmemo; i++)
		pyval_free(u.memo[i]);
	free(u.stack);
	free(u.marks);
	free(u.memo);
	free(u.ix.slot);
	free(u.ix.hash);
	if (ret == NULL)
		*err = u.err ? u.err : xstrdup("malformed pickle");
	else
		free(u.err);
	return ret;
}

/* ---- encoding ------------------------------------------------------------ */

static void
put_le(struct strbuf *out, uint64_t v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		strbuf_addc(out, (char)((v >> (8 * i)) & 0xff));
}

static void
put_text(struct strbuf *out, const char *s, size_t n, bool bytes)
{
	if (n < 256) {
		strbuf_addc(out, bytes ? 'C' : (char)0x8c);
		strbuf_addc(out, (char)n);
	} else if (n <= 0xffffffffu) {
		strbuf_addc(out, bytes ? 'B' : 'X');
		put_le(out, n, 4);
	} else {
		strbuf_addc(out, bytes ? (char)0x8e : (char)0x8d);
		put_le(out, n, 8);
	}
	strbuf_add(out, s, n);
}

/*
 * A long string written once is memoized (MEMOIZE) and named again by its
 * index (BINGET/LONG_BINGET) as Python's pickle does for an object it meets
 * twice: an answer holding one shared 1 MB string a thousand times (echo of
 * a request built with the pickle memo) stays about 1 MB.
 */
#define MEMO_MIN	1024

struct dumper {
	const struct pyval	**seen;		/* memo index -> string */
	size_t			  n, cap;
};

static bool
memo_ref(const struct dumper *d, const struct pyval *v, struct strbuf *out)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (d->seen[i] == v) {
			if (i < 256) {
				strbuf_addc(out, 'h');
				strbuf_addc(out, (char)i);
			} else {
				strbuf_addc(out, 'j');
				put_le(out, i, 4);
			}
			return true;
		}
	return false;
}

static void
memo_note(struct dumper *d, const struct pyval *v, struct strbuf *out)
{
	d->seen = xgrow(d->seen, &d->cap, d->n + 1, sizeof(*d->seen));
	d->seen[d->n++] = v;
	strbuf_addc(out, (char)0x94);	/* MEMOIZE: the next index */
}

static void
dump(struct dumper *d, const struct pyval *v, struct strbuf *out)
{
	size_t i, n;

	switch (pyval_type(v)) {
	case PY_NONE:
		strbuf_addc(out, 'N');
		return;
	case PY_BOOL:
		strbuf_addc(out, pyval_as_bool(v) ? (char)0x88 : (char)0x89);
		return;
	case PY_INT: {
		long long x = pyval_as_int(v);

		if (x >= 0 && x < 256) {
			strbuf_addc(out, 'K');
			strbuf_addc(out, (char)x);
		} else if (x >= 0 && x < 65536) {
			strbuf_addc(out, 'M');
			put_le(out, (uint64_t)x, 2);
		} else if (x >= INT32_MIN && x <= INT32_MAX) {
			strbuf_addc(out, 'J');
			put_le(out, (uint64_t)(uint32_t)(int32_t)x, 4);
		} else {
			strbuf_addc(out, (char)0x8a);
			strbuf_addc(out, 8);
			put_le(out, (uint64_t)x, 8);
		}
		return;
	}
	case PY_FLOAT: {
		double f = pyval_as_float(v);
		uint64_t x;
		int k;

		memcpy(&x, &f, 8);
		strbuf_addc(out, 'G');
		for (k = 7; k >= 0; k--)
			strbuf_addc(out, (char)((x >> (8 * k)) & 0xff));
		return;
	}
	case PY_STR:
	case PY_BYTES:
		if (pyval_strlen(v) >= MEMO_MIN && memo_ref(d, v, out))
			return;
		put_text(out, pyval_as_str(v), pyval_strlen(v), pyval_type(v) == PY_BYTES);
		if (pyval_strlen(v) >= MEMO_MIN)
			memo_note(d, v, out);
		return;
	case PY_LIST:
	case PY_SET:
		strbuf_addc(out, pyval_type(v) == PY_LIST ? ']' : (char)0x8f);
		n = pyval_len(v);
		if (n) {
			strbuf_addc(out, '(');
			for (i = 0; i < n; i++)
				dump(d, pyval_at(v, i), out);
			strbuf_addc(out, pyval_type(v) == PY_LIST ? 'e' : (char)0x90);
		}
		return;
	case PY_TUPLE:
		n = pyval_len(v);
		if (n == 0) {
			strbuf_addc(out, ')');
			return;
		}
		if (n > 3)
			strbuf_addc(out, '(');
		for (i = 0; i < n; i++)
			dump(d, pyval_at(v, i), out);
		strbuf_addc(out, n == 1 ? (char)0x85 : n == 2 ? (char)0x86 : n == 3 ? (char)0x87 : 't');
		return;
	case PY_DICT: {
		const struct pyval *cls = pyval_dict_get(v, PICKLE_EXC_KEY);
		const struct pyval *args = pyval_dict_get(v, "args");

		/*
		 * An exception object (pickle_exception()'s shape, no more): the
		 * class called with its args.  Only a value marked as one, of a
		 * class the decoder accepts, is written so: a client's dict of the
		 * same shape ("echo" hands it back) would otherwise become a call
		 * of any global it names - os.system - in the client that loads
		 * it.  Any other dict is a dict.
		 */
		if (pyval_is_exception(v) && cls && pyval_type(cls) == PY_STR &&
		    exception_class(pyval_as_str(cls)) && args &&
		    pyval_type(args) == PY_TUPLE && pyval_len(v) == 2) {
			const char *full = pyval_as_str(cls), *dot = strrchr(full, '.');

			put_text(out, full, (size_t)(dot - full), false);
			put_text(out, dot + 1, strlen(dot + 1), false);
			strbuf_addc(out, (char)0x93);
			dump(d, args, out);
			strbuf_addc(out, 'R');
			return;
		}
		strbuf_addc(out, '}');
		n = pyval_len(v);
		if (n) {
			strbuf_addc(out, '(');
			for (i = 0; i < n; i++) {
				dump(d, pyval_dict_key(v, i), out);
				dump(d, pyval_dict_val(v, i), out);
			}
			strbuf_addc(out, 'u');
		}
		return;
	}
	}
}

void
pickle_dump(const struct pyval *v, struct strbuf *out)
{
	struct dumper d = { NULL, 0, 0 };

	strbuf_addc(out, (char)0x80);
	strbuf_addc(out, 4);
	dump(&d, v, out);
	strbuf_addc(out, '.');
	free(d.seen);
}

struct pyval *
pickle_exception(const char *cls, const char *message)
{
	struct pyval *e = pyval_dict(), *args = pyval_tuple();

	pyval_append(args, pyval_str(message));
	pyval_dict_set(e, pyval_str(PICKLE_EXC_KEY), pyval_str(cls));
	pyval_dict_set(e, pyval_str("args"), args);
	pyval_set_exception(e);
	return e;
}

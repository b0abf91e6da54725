/*
 * pyval: Python values and their repr().  repr() follows CPython 3.11:
 * str quoting picks ' unless the text holds ' and no ", escapes \t \n \r
 * and the backslash, and writes unprintable code points as \xNN, \uNNNN or
 * \UNNNNNNNN; floats use the shortest form that reads back exactly.
 */
#include "pyval.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "strbuf.h"
#include "utf8.h"
#include "xmalloc.h"

/* Short strings live in the node itself (no second allocation). */
#define PYVAL_INLINE	24

/*
 * Scalars (None, bool, int, float, str, bytes) cannot change once made, so
 * pyval_copy() shares them: refs counts the holders, and pyval_free() frees
 * a scalar with its last holder.  Containers can change, so copying one
 * makes a new container (sharing the scalars inside).  None, True and False
 * are static and never freed (PYVAL_IMMORTAL).
 */
#define PYVAL_IMMORTAL	UINT32_MAX

/* Node flags. */
#define PYVAL_F_BIG	0x01	/* one allocation with its string: not pooled */
#define PYVAL_F_MED	0x02	/* pooled, with PYVAL_MEDIUM bytes for text */
#define PYVAL_F_EXC	0x04	/* a dict standing for an exception object */

/* Strings up to this long (and their NUL) live in pooled "medium" nodes. */
#define PYVAL_MEDIUM	256

struct pyval {
	uint8_t		 type;
	uint8_t		 flags;
	uint16_t	 depth;		/* containers: levels below (at most 65535) */
	uint32_t	 refs;
	char		 inl[PYVAL_INLINE];
	union {
		long long	 i;
		double		 f;
		struct {
			char	*s;
			size_t	 len;
		} str;
		struct {
			struct pyval	**item;
			size_t		 n;
			size_t		 cap;
		} seq;
	} u;
};

static struct pyval pyval_none_node = { PY_NONE, 0, 0, PYVAL_IMMORTAL, "", { 0 } };
static struct pyval pyval_true_node = { PY_BOOL, 0, 0, PYVAL_IMMORTAL, "", { 1 } };
static struct pyval pyval_false_node = { PY_BOOL, 0, 0, PYVAL_IMMORTAL, "", { 0 } };

/* Container c holds item now: its depth is at least one more than item's. */
static inline void
holds(struct pyval *c, const struct pyval *item)
{
	if (item != NULL && item->depth >= c->depth && c->depth < UINT16_MAX)
		c->depth = item->depth == UINT16_MAX ? UINT16_MAX : (uint16_t)(item->depth + 1);
}

/*
 * Freed nodes are kept for reuse: failure data is built and dropped for
 * every matching log line, and malloc/free dominated that path.
 */
#define PYVAL_POOL_MAX	4096

static struct pyval *pyval_pool;
static size_t pyval_pooled;
static struct pyval *pyval_medpool;
static size_t pyval_medpooled;

/*
 * Item arrays of containers likewise: their capacity is a power of two, and
 * the sizes up to 64 items each keep a free list.
 */
#define ITEMS_MIN		4
#define ITEMS_CLASSES		5	/* 4, 8, 16, 32, 64 items */
#define ITEMS_POOL_MAX		1024	/* arrays kept per size */

static void *items_pool[ITEMS_CLASSES];
static size_t items_pooled[ITEMS_CLASSES];

static int
items_class(size_t cap)
{
	int c = 0;

	while (c < ITEMS_CLASSES && (size_t)ITEMS_MIN << c != cap)
		c++;
	return c < ITEMS_CLASSES ? c : -1;
}

/* An array for at least want items; *cap gets its real size. */
static struct pyval **
items_alloc(size_t want, size_t *cap)
{
	size_t n = ITEMS_MIN;
	int c;
	void *p;

	while (n < want) {
		if (n > SIZE_MAX / 2 / sizeof(struct pyval *))
			abort();
		n *= 2;
	}
	*cap = n;
	if ((c = items_class(n)) >= 0 && (p = items_pool[c]) != NULL) {
		items_pool[c] = *(void **)p;
		items_pooled[c]--;
		return p;
	}
	return xmalloc(n * sizeof(struct pyval *));
}

static void
items_free(struct pyval **items, size_t cap)
{
	int c;

	if (items == NULL)
		return;
	if ((c = items_class(cap)) < 0 || items_pooled[c] >= ITEMS_POOL_MAX) {
		free(items);
		return;
	}
	*(void **)items = items_pool[c];
	items_pool[c] = items;
	items_pooled[c]++;
}

/* Makes room for need items in container v. */
static void
items_grow(struct pyval *v, size_t need)
{
	struct pyval **items;
	size_t cap;

	if (need <= v->u.seq.cap)
		return;
	items = items_alloc(need, &cap);
	if (v->u.seq.n)
		memcpy(items, v->u.seq.item, v->u.seq.n * sizeof(*items));
	items_free(v->u.seq.item, v->u.seq.cap);
	v->u.seq.item = items;
	v->u.seq.cap = cap;
}

static struct pyval *
pyval_new(enum pyval_type t)
{
	struct pyval *v = pyval_pool;

	if (v != NULL) {
		pyval_pool = v->u.seq.item ? (struct pyval *)v->u.seq.item : NULL;
		pyval_pooled--;
		memset(v, 0, sizeof(*v));
	} else
		v = xcalloc(1, sizeof(*v));
	v->type = (uint8_t)t;
	v->refs = 1;
	return v;
}

static void
pyval_release(struct pyval *v)
{
	if (v->flags & PYVAL_F_MED) {
		if (pyval_medpooled >= PYVAL_POOL_MAX) {
			free(v);
			return;
		}
		v->u.seq.item = (struct pyval **)pyval_medpool;
		pyval_medpool = v;
		pyval_medpooled++;
		return;
	}
	if (pyval_pooled >= PYVAL_POOL_MAX || (v->flags & PYVAL_F_BIG)) {
		free(v);
		return;
	}
	v->u.seq.item = (struct pyval **)pyval_pool;
	pyval_pool = v;
	pyval_pooled++;
}

void
pyval_pool_trim(void)
{
	struct pyval *v;
	int c;

	while ((v = pyval_pool) != NULL) {
		pyval_pool = (struct pyval *)v->u.seq.item;
		free(v);
	}
	while ((v = pyval_medpool) != NULL) {
		pyval_medpool = (struct pyval *)v->u.seq.item;
		free(v);
	}
	pyval_pooled = pyval_medpooled = 0;
	for (c = 0; c < ITEMS_CLASSES; c++) {
		void *p;

		while ((p = items_pool[c]) != NULL) {
			items_pool[c] = *(void **)p;
			free(p);
		}
		items_pooled[c] = 0;
	}
}

struct pyval *
pyval_none(void)
{
	return &pyval_none_node;
}

struct pyval *
pyval_bool(bool b)
{
	return b ? &pyval_true_node : &pyval_false_node;
}

struct pyval *
pyval_int(long long i)
{
	struct pyval *v = pyval_new(PY_INT);

	v->u.i = i;
	return v;
}

struct pyval *
pyval_float(double f)
{
	struct pyval *v = pyval_new(PY_FLOAT);

	v->u.f = f;
	return v;
}

struct pyval *
pyval_strn(const char *s, size_t n)
{
	struct pyval *v;

	if (n < PYVAL_INLINE) {
		v = pyval_new(PY_STR);
		memcpy(v->inl, s, n);
		v->inl[n] = '\0';
		v->u.str.s = v->inl;
	} else {
		/* node and text in one allocation */
		if (n < PYVAL_MEDIUM && (v = pyval_medpool) != NULL) {
			pyval_medpool = (struct pyval *)v->u.seq.item;
			pyval_medpooled--;
		} else if (n < PYVAL_MEDIUM)
			v = xmalloc(sizeof(*v) + PYVAL_MEDIUM);
		else {
			if (n > SIZE_MAX - sizeof(*v) - 1)
				abort();
			v = xmalloc(sizeof(*v) + n + 1);
		}
		memset(v, 0, sizeof(*v));
		v->type = PY_STR;
		v->flags = n < PYVAL_MEDIUM ? PYVAL_F_MED : PYVAL_F_BIG;
		v->refs = 1;
		v->u.str.s = (char *)(v + 1);
		memcpy(v->u.str.s, s, n);
		v->u.str.s[n] = '\0';
	}
	v->u.str.len = n;
	return v;
}

struct pyval *
pyval_str(const char *s)
{
	return pyval_strn(s, strlen(s));
}

struct pyval *
pyval_str_take(char *s)
{
	struct pyval *v = pyval_new(PY_STR);

	v->u.str.s = s;
	v->u.str.len = strlen(s);
	return v;
}

struct pyval *
pyval_bytes(const char *s, size_t n)
{
	struct pyval *v = pyval_strn(s, n);

	v->type = PY_BYTES;
	return v;
}

struct pyval *
pyval_list(void)
{
	return pyval_new(PY_LIST);
}

struct pyval *
pyval_tuple(void)
{
	return pyval_new(PY_TUPLE);
}

struct pyval *
pyval_set(void)
{
	return pyval_new(PY_SET);
}

struct pyval *
pyval_dict(void)
{
	return pyval_new(PY_DICT);
}

static bool
pyval_is_seq(const struct pyval *v)
{
	return v->type == PY_LIST || v->type == PY_TUPLE || v->type == PY_SET ||
	    v->type == PY_DICT;
}

void
pyval_free(struct pyval *v)
{
	size_t i;

	if (v == NULL || v->refs == PYVAL_IMMORTAL)
		return;
	if (--v->refs > 0)
		return;
	if (v->type == PY_STR || v->type == PY_BYTES) {
		if (v->u.str.s != v->inl &&
		    !(v->flags & (PYVAL_F_BIG | PYVAL_F_MED)))
			free(v->u.str.s);
	} else if (pyval_is_seq(v)) {
		for (i = 0; i < v->u.seq.n; i++)
			pyval_free(v->u.seq.item[i]);
		items_free(v->u.seq.item, v->u.seq.cap);
	}
	pyval_release(v);
}

struct pyval *
pyval_copy(const struct pyval *v)
{
	struct pyval *c;
	size_t i, n;

	if (!pyval_is_seq(v)) {
		/* immutable: share it */
		c = (struct pyval *)v;
		if (c->refs != PYVAL_IMMORTAL)
			c->refs++;
		return c;
	}
	c = pyval_new(v->type);
	c->depth = v->depth;
	c->flags = v->flags & PYVAL_F_EXC;
	n = v->u.seq.n;
	if (n) {
		c->u.seq.item = items_alloc(n, &c->u.seq.cap);
		for (i = 0; i < n; i++)
			c->u.seq.item[i] = pyval_copy(v->u.seq.item[i]);
		c->u.seq.n = n;
	}
	return c;
}

void
pyval_set_exception(struct pyval *v)
{
	if (v->type == PY_DICT)
		v->flags |= PYVAL_F_EXC;
}

bool
pyval_is_exception(const struct pyval *v)
{
	return v != NULL && v->type == PY_DICT && (v->flags & PYVAL_F_EXC);
}

unsigned
pyval_depth(const struct pyval *v)
{
	return v->depth;
}

enum pyval_type
pyval_type(const struct pyval *v)
{
	return (enum pyval_type)v->type;
}

bool
pyval_as_bool(const struct pyval *v)
{
	switch (v->type) {
	case PY_NONE:
		return false;
	case PY_BOOL:
	case PY_INT:
		return v->u.i != 0;
	case PY_FLOAT:
		return v->u.f != 0;
	case PY_STR:
	case PY_BYTES:
		return v->u.str.len != 0;
	default:
		return v->u.seq.n != 0;
	}
}

long long
pyval_as_int(const struct pyval *v)
{
	if (v->type == PY_FLOAT)
		return (long long)v->u.f;
	return v->type == PY_INT || v->type == PY_BOOL ? v->u.i : 0;
}

double
pyval_as_float(const struct pyval *v)
{
	if (v->type == PY_FLOAT)
		return v->u.f;
	return (double)pyval_as_int(v);
}

const char *
pyval_as_str(const struct pyval *v)
{
	return v->type == PY_STR || v->type == PY_BYTES ? v->u.str.s : NULL;
}

size_t
pyval_strlen(const struct pyval *v)
{
	return v->type == PY_STR || v->type == PY_BYTES ? v->u.str.len : 0;
}

size_t
pyval_len(const struct pyval *v)
{
	if (v->type == PY_DICT)
		return v->u.seq.n / 2;
	return pyval_is_seq(v) ? v->u.seq.n : pyval_strlen(v);
}

struct pyval *
pyval_at(const struct pyval *v, size_t i)
{
	return pyval_is_seq(v) && i < v->u.seq.n ? v->u.seq.item[i] : NULL;
}

void
pyval_reserve(struct pyval *v, size_t n)
{
	if (v->type == PY_DICT)
		n *= 2;
	items_grow(v, n);
}

void
pyval_insert(struct pyval *v, size_t at, struct pyval *item)
{
	if (at > v->u.seq.n)
		at = v->u.seq.n;
	if (v->u.seq.n + 1 > v->u.seq.cap)
		items_grow(v, v->u.seq.n + 1);
	if (at < v->u.seq.n)
		memmove(v->u.seq.item + at + 1, v->u.seq.item + at,
		    (v->u.seq.n - at) * sizeof(*v->u.seq.item));
	v->u.seq.item[at] = item;
	v->u.seq.n++;
	holds(v, item);
}

void
pyval_append(struct pyval *v, struct pyval *item)
{
	if (v->u.seq.n + 1 > v->u.seq.cap)
		items_grow(v, v->u.seq.n + 1);
	v->u.seq.item[v->u.seq.n++] = item;
	holds(v, item);
}

/* Index of the str key (key, len) among d's keys (item index), or -1. */
static ssize_t
pyval_dict_find(const struct pyval *d, const char *key, size_t len)
{
	struct pyval *const *it;
	size_t i, n;

	if (d == NULL || d->type != PY_DICT)
		return -1;	/* not a dict (an error answer may be a bare string) */
	it = d->u.seq.item;
	n = d->u.seq.n;
	for (i = 0; i + 1 < n; i += 2) {
		const struct pyval *k = it[i];

		if (k->type == PY_STR && k->u.str.len == len &&
		    (len == 0 || (k->u.str.s[0] == key[0] &&
		    memcmp(k->u.str.s, key, len) == 0)))
			return (ssize_t)i;
	}
	return -1;
}

void
pyval_dict_set(struct pyval *d, struct pyval *key, struct pyval *val)
{
	ssize_t at = -1;
	size_t i;

	if (key->type == PY_STR)
		at = pyval_dict_find(d, key->u.str.s, key->u.str.len);
	else
		for (i = 0; i + 1 < d->u.seq.n; i += 2)
			if (pyval_equal(d->u.seq.item[i], key)) {
				at = (ssize_t)i;
				break;
			}
	if (at >= 0) {
		pyval_free(key);
		pyval_free(d->u.seq.item[at + 1]);
		d->u.seq.item[at + 1] = val;
		holds(d, val);
		return;
	}
	pyval_dict_append(d, key, val);
}

void
pyval_dict_append(struct pyval *d, struct pyval *key, struct pyval *val)
{
	if (d->u.seq.n + 2 > d->u.seq.cap)
		items_grow(d, d->u.seq.n + 2);
	d->u.seq.item[d->u.seq.n++] = key;
	d->u.seq.item[d->u.seq.n++] = val;
	holds(d, key);
	holds(d, val);
}

void
pyval_dict_update_take(struct pyval *d, struct pyval *src)
{
	size_t i;

	if (src->refs != 1) {
		/* shared: copy what it holds */
		for (i = 0; i + 1 < src->u.seq.n; i += 2)
			pyval_dict_set(d, pyval_copy(src->u.seq.item[i]),
			    pyval_copy(src->u.seq.item[i + 1]));
		pyval_free(src);
		return;
	}
	pyval_reserve(d, (d->u.seq.n + src->u.seq.n) / 2);
	for (i = 0; i + 1 < src->u.seq.n; i += 2)
		pyval_dict_set(d, src->u.seq.item[i], src->u.seq.item[i + 1]);
	src->u.seq.n = 0;
	pyval_free(src);
}

void
pyval_move_items(struct pyval *dst, struct pyval *src)
{
	size_t i;

	if (src->u.seq.n == 0)
		return;
	items_grow(dst, dst->u.seq.n + src->u.seq.n);
	for (i = 0; i < src->u.seq.n; i++)
		dst->u.seq.item[dst->u.seq.n++] = src->u.seq.item[i];
	if (src->depth > dst->depth)
		dst->depth = src->depth;
	src->u.seq.n = 0;
}

void
pyval_extend_take(struct pyval *dst, struct pyval *src)
{
	size_t i;

	if (src != NULL && pyval_type(src) == PY_LIST)
		pyval_move_items(dst, src);
	else
		for (i = 0; src && i < pyval_len(src); i++)
			pyval_append(dst, pyval_copy(pyval_at(src, i)));
}

struct pyval *
pyval_dict_key(const struct pyval *d, size_t i)
{
	return pyval_at(d, i * 2);
}

void
pyval_dict_replace(struct pyval *d, size_t i, struct pyval *val)
{
	pyval_free(d->u.seq.item[2 * i + 1]);
	d->u.seq.item[2 * i + 1] = val;
	holds(d, val);
}

struct pyval *
pyval_dict_val(const struct pyval *d, size_t i)
{
	return pyval_at(d, i * 2 + 1);
}

struct pyval *
pyval_dict_pop(struct pyval *d, const char *key)
{
	return pyval_dict_popn(d, key, strlen(key));
}

struct pyval *
pyval_dict_popn(struct pyval *d, const char *key, size_t len)
{
	ssize_t at = pyval_dict_find(d, key, len);
	size_t i;
	struct pyval *v;

	if (at < 0)
		return NULL;
	i = (size_t)at;
	v = d->u.seq.item[i + 1];
	pyval_free(d->u.seq.item[i]);
	memmove(d->u.seq.item + i, d->u.seq.item + i + 2,
	    (d->u.seq.n - i - 2) * sizeof(*d->u.seq.item));
	d->u.seq.n -= 2;
	return v;
}

struct pyval *
pyval_dict_get(const struct pyval *d, const char *key)
{
	return pyval_dict_getn(d, key, strlen(key));
}

bool
pyval_dict_truen(const struct pyval *d, const char *k, size_t n)
{
	struct pyval *v = pyval_dict_getn(d, k, n);

	return v != NULL && pyval_as_bool(v);
}

struct pyval *
pyval_dict_getn(const struct pyval *d, const char *key, size_t len)
{
	ssize_t at = pyval_dict_find(d, key, len);

	return at < 0 ? NULL : d->u.seq.item[at + 1];
}

bool
pyval_equal(const struct pyval *a, const struct pyval *b)
{
	size_t i;

	if (a->type != b->type) {
		bool an = a->type == PY_INT || a->type == PY_BOOL || a->type == PY_FLOAT;
		bool bn = b->type == PY_INT || b->type == PY_BOOL || b->type == PY_FLOAT;

		return an && bn && pyval_as_float(a) == pyval_as_float(b);
	}
	switch (a->type) {
	case PY_NONE:
		return true;
	case PY_BOOL:
	case PY_INT:
		return a->u.i == b->u.i;
	case PY_FLOAT:
		return a->u.f == b->u.f;
	case PY_STR:
	case PY_BYTES:
		return a->u.str.len == b->u.str.len &&
		    memcmp(a->u.str.s, b->u.str.s, a->u.str.len) == 0;
	default:
		if (a->u.seq.n != b->u.seq.n)
			return false;
		for (i = 0; i < a->u.seq.n; i++)
			if (!pyval_equal(a->u.seq.item[i], b->u.seq.item[i]))
				return false;
		return true;
	}
}

char *
pyval_repr_exception(const char *name, const char *msg)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_adds(&sb, name);
	strbuf_addc(&sb, '(');
	pyval_repr_str(msg, strlen(msg), &sb);
	strbuf_addc(&sb, ')');
	return strbuf_detach(&sb);
}

void
pyval_repr_str(const char *s, size_t n, struct strbuf *sb)
{
	char quote = '\'';
	size_t i;

	if (memchr(s, '\'', n) && !memchr(s, '"', n))
		quote = '"';
	strbuf_addc(sb, quote);
	for (i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		size_t run;
		int l;

		/* copy runs of plain printable ASCII at once */
		for (run = i; run < n && (unsigned char)s[run] >= 0x20 &&
		    (unsigned char)s[run] < 0x7f && s[run] != quote && s[run] != '\\'; run++)
			;
		if (run > i) {
			strbuf_add(sb, s + i, run - i);
			i = run;
			continue;
		}
		if (c == (unsigned char)quote || c == '\\') {
			strbuf_addc(sb, '\\');
			strbuf_addc(sb, (char)c);
			i++;
		} else if (c == '\t' || c == '\n' || c == '\r') {
			strbuf_adds(sb, c == '\t' ? "\\t" : c == '\n' ? "\\n" : "\\r");
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			strbuf_addf(sb, "\\x%02x", c);
			i++;
		} else if (c < 0x80) {
			strbuf_addc(sb, (char)c);
			i++;
		} else if ((l = utf8_decode(s + i, n - i, &cp)) < 0) {
			/* not valid UTF-8: show the byte as Python shows a surrogate escape */
			strbuf_addf(sb, "\\udc%02x", c);
			i++;
		} else {
			if (utf8_isprintable(cp))
				strbuf_add(sb, s + i, (size_t)l);
			else if (cp < 0x100)
				strbuf_addf(sb, "\\x%02x", cp);
			else if (cp < 0x10000)
				strbuf_addf(sb, "\\u%04x", cp);
			else
				strbuf_addf(sb, "\\U%08x", cp);
			i += (size_t)l;
		}
	}
	strbuf_addc(sb, quote);
}

void
pyval_repr_bytes(const char *s, size_t n, struct strbuf *sb)
{
	char quote = '\'';
	size_t i;

	if (memchr(s, '\'', n) && !memchr(s, '"', n))
		quote = '"';
	strbuf_addc(sb, 'b');
	strbuf_addc(sb, quote);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == (unsigned char)quote || c == '\\') {
			strbuf_addc(sb, '\\');
			strbuf_addc(sb, (char)c);
		} else if (c == '\t' || c == '\n' || c == '\r')
			strbuf_adds(sb, c == '\t' ? "\\t" : c == '\n' ? "\\n" : "\\r");
		else if (c < 0x20 || c >= 0x7f)
			strbuf_addf(sb, "\\x%02x", c);
		else
			strbuf_addc(sb, (char)c);
	}
	strbuf_addc(sb, quote);
}

void
pyval_repr_float(double f, struct strbuf *sb)
{
	char buf[64], digits[32];
	int prec, exp10, ndig, i;
	char *e;

	if (isnan(f)) {
		strbuf_adds(sb, "nan");
		return;
	}
	if (isinf(f)) {
		strbuf_adds(sb, f < 0 ? "-inf" : "inf");
		return;
	}
	/* integral values below 1e16 (times, counters): digits and ".0" */
	if (f == floor(f) && fabs(f) < 1e16) {
		long long v = (long long)f;
		char *p = buf + sizeof(buf);
		bool neg = v < 0 || (v == 0 && signbit(f));

		*--p = '0';
		*--p = '.';
		if (v < 0)
			v = -v;
		do {
			*--p = (char)('0' + v % 10);
			v /= 10;
		} while (v);
		if (neg)
			*--p = '-';
		strbuf_add(sb, p, (size_t)(buf + sizeof(buf) - p));
		return;
	}
	/* shortest %.Ne that reads back exactly */
	for (prec = 0; prec < 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*e", prec, f);
		if (strtod(buf, NULL) == f)
			break;
	}
	snprintf(buf, sizeof(buf), "%.*e", prec, f);
	/* split into sign, digits and exponent */
	e = strchr(buf, 'e');
	exp10 = atoi(e + 1);
	*e = '\0';
	for (i = 0, ndig = 0; buf[i]; i++)
		if (buf[i] >= '0' && buf[i] <= '9')
			digits[ndig++] = buf[i];
	digits[ndig] = '\0';
	while (ndig > 1 && digits[ndig - 1] == '0')
		digits[--ndig] = '\0';
	if (f < 0 || (f == 0 && signbit(f)))
		strbuf_addc(sb, '-');
	if (exp10 < -4 || exp10 >= 16) {
		strbuf_addc(sb, digits[0]);
		if (ndig > 1) {
			strbuf_addc(sb, '.');
			strbuf_adds(sb, digits + 1);
		}
		strbuf_addf(sb, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
	} else if (exp10 < 0) {
		strbuf_adds(sb, "0.");
		for (i = -1; i > exp10; i--)
			strbuf_addc(sb, '0');
		strbuf_adds(sb, digits);
	} else {
		for (i = 0; i <= exp10; i++)
			strbuf_addc(sb, i < ndig ? digits[i] : '0');
		strbuf_addc(sb, '.');
		if (ndig > exp10 + 1)
			strbuf_adds(sb, digits + exp10 + 1);
		else
			strbuf_addc(sb, '0');
	}
}

/*
 * A container's repr stops past this many bytes of text ("..."): a request
 * of 1 MB can name one 1 MB string a thousand times (the pickle memo).
 */
#define PYVAL_REPR_MAX	(16u << 20)

void
pyval_repr(const struct pyval *v, struct strbuf *sb)
{
	size_t i;

	switch (v->type) {
	case PY_NONE:
		strbuf_adds(sb, "None");
		break;
	case PY_BOOL:
		strbuf_adds(sb, v->u.i ? "True" : "False");
		break;
	case PY_INT:
		strbuf_addf(sb, "%lld", v->u.i);
		break;
	case PY_FLOAT:
		pyval_repr_float(v->u.f, sb);
		break;
	case PY_STR:
		pyval_repr_str(v->u.str.s, v->u.str.len, sb);
		break;
	case PY_BYTES:
		pyval_repr_bytes(v->u.str.s, v->u.str.len, sb);
		break;
	case PY_LIST:
	case PY_TUPLE:
	case PY_SET:
		if (v->type == PY_SET && v->u.seq.n == 0) {
			strbuf_adds(sb, "set()");
			break;
		}
		strbuf_addc(sb, v->type == PY_LIST ? '[' : v->type == PY_SET ? '{' : '(');
		for (i = 0; i < v->u.seq.n; i++) {
			if (i)
				strbuf_adds(sb, ", ");
			if (sb->len > PYVAL_REPR_MAX) {
				strbuf_adds(sb, "...");
				break;
			}
			pyval_repr(v->u.seq.item[i], sb);
		}
		if (v->type == PY_TUPLE && v->u.seq.n == 1)
			strbuf_addc(sb, ',');
		strbuf_addc(sb, v->type == PY_LIST ? ']' : v->type == PY_SET ? '}' : ')');
		break;
	case PY_DICT:
		strbuf_addc(sb, '{');
		for (i = 0; i + 1 < v->u.seq.n; i += 2) {
			if (i)
				strbuf_adds(sb, ", ");
			if (sb->len > PYVAL_REPR_MAX) {
				strbuf_adds(sb, "...");
				break;
			}
			pyval_repr(v->u.seq.item[i], sb);
			strbuf_adds(sb, ": ");
			pyval_repr(v->u.seq.item[i + 1], sb);
		}
		strbuf_addc(sb, '}');
		break;
	}
}

void
pyval_to_text(const struct pyval *v, struct strbuf *sb)
{
	if (v->type == PY_STR)
		strbuf_add(sb, v->u.str.s, v->u.str.len);
	else
		pyval_repr(v, sb);
}

/* ---- pprint ------------------------------------------------------------- */

/* Length in code points, as Python's len() of a str counts. */
static size_t
pyval_cplen(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	return c;
}

static size_t
pyval_repr_len(const char *s, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	size_t l;

	pyval_repr_str(s, n, &sb);
	l = pyval_cplen(sb.s, sb.len);
	strbuf_free(&sb);
	return l;
}

struct pyval_pp {
	int		 width;
	int		 per_level;
	struct strbuf	*out;
};

static void pyval_pp_format(struct pyval_pp *, const struct pyval *, int indent,
    int allowance, int level);

static void
pyval_pp_spaces(struct pyval_pp *pp, int n)
{
	while (n-- > 0)
		strbuf_addc(pp->out, ' ');
}

/* PrettyPrinter._pprint_str: long strings become implicitly joined chunks. */
static void
pyval_pp_str(struct pyval_pp *pp, const struct pyval *v, int indent, int allowance,
    int level)
{
	const char *s = v->u.str.s, *end = s + v->u.str.len, *line;
	struct strbuf chunks = STRBUF_INIT;	/* NUL-separated reprs */
	size_t nchunks = 0, off;
	int max_width, max_width1;

	if (level == 1) {
		indent++;
		allowance++;
	}
	max_width1 = max_width = pp->width - indent;
	for (line = s; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *le = nl ? nl + 1 : end;
		bool lastline = le >= end;
		struct strbuf rep = STRBUF_INIT;

		/* str.splitlines(True) also splits at \r; configs seldom hold one */
		if (lastline)
			max_width1 -= allowance;
		pyval_repr_str(line, (size_t)(le - line), &rep);
		if ((int)pyval_cplen(rep.s, rep.len) <= max_width1) {
			strbuf_add(&chunks, rep.s, rep.len + 1);
			nchunks++;
		} else {
			/* parts: \S*\s* runs */
			const char *p = line, *cur = line;
			int max_width2 = max_width;

			while (p < le) {
				const char *q = p;

				while (q < le && *q != ' ' && *q != '\t' && *q != '\n' &&
				    *q != '\r' && *q != '\f' && *q != '\v')
					q++;
				while (q < le && (*q == ' ' || *q == '\t' || *q == '\n' ||
				    *q == '\r' || *q == '\f' || *q == '\v'))
					q++;
				if (q >= le && lastline)
					max_width2 -= allowance;
				if ((int)pyval_repr_len(cur, (size_t)(q - cur)) > max_width2 &&
				    p > cur) {
					struct strbuf c = STRBUF_INIT;

					pyval_repr_str(cur, (size_t)(p - cur), &c);
					strbuf_add(&chunks, c.s, c.len + 1);
					nchunks++;
					strbuf_free(&c);
					cur = p;
				}
				p = q;
			}
			if (p > cur) {
				struct strbuf c = STRBUF_INIT;

				pyval_repr_str(cur, (size_t)(p - cur), &c);
				strbuf_add(&chunks, c.s, c.len + 1);
				nchunks++;
				strbuf_free(&c);
			}
		}
		strbuf_free(&rep);
		line = le;
	}
	if (nchunks <= 1) {
		pyval_repr(v, pp->out);
		strbuf_free(&chunks);
		return;
	}
	if (level == 1)
		strbuf_addc(pp->out, '(');
	for (off = 0; off < chunks.len; off += strlen(chunks.s + off) + 1) {
		if (off > 0) {
			strbuf_addc(pp->out, '\n');
			pyval_pp_spaces(pp, indent);
		}
		strbuf_adds(pp->out, chunks.s + off);
	}
	if (level == 1)
		strbuf_addc(pp->out, ')');
	strbuf_free(&chunks);
}

/* PrettyPrinter._format_items */
static void
pyval_pp_items(struct pyval_pp *pp, const struct pyval *v, int indent,
    int allowance, int level)
{
	size_t i;

	indent += pp->per_level;
	if (pp->per_level > 1)
		pyval_pp_spaces(pp, pp->per_level - 1);
	for (i = 0; i < v->u.seq.n; i++) {
		bool last = i + 1 == v->u.seq.n;

		if (i > 0) {
			strbuf_adds(pp->out, ",\n");
			pyval_pp_spaces(pp, indent);
		}
		pyval_pp_format(pp, v->u.seq.item[i], indent, last ? allowance : 1, level);
	}
}

static void
pyval_pp_format(struct pyval_pp *pp, const struct pyval *v, int indent,
    int allowance, int level)
{
	struct strbuf rep = STRBUF_INIT;
	size_t i;

	pyval_repr(v, &rep);
	if ((int)pyval_cplen(rep.s, rep.len) <= pp->width - indent - allowance) {
		strbuf_add(pp->out, rep.s, rep.len);
		strbuf_free(&rep);
		return;
	}
	strbuf_free(&rep);
	switch (v->type) {
	case PY_LIST:
	case PY_TUPLE:
		strbuf_addc(pp->out, v->type == PY_LIST ? '[' : '(');
		pyval_pp_items(pp, v, indent, allowance + 1 +
		    (v->type == PY_TUPLE && v->u.seq.n == 1), level + 1);
		if (v->type == PY_TUPLE && v->u.seq.n == 1)
			strbuf_addc(pp->out, ',');
		strbuf_addc(pp->out, v->type == PY_LIST ? ']' : ')');
		break;
	case PY_DICT:
		strbuf_addc(pp->out, '{');
		if (pp->per_level > 1)
			pyval_pp_spaces(pp, pp->per_level - 1);
		for (i = 0; i + 1 < v->u.seq.n; i += 2) {
			bool last = i + 2 >= v->u.seq.n;
			struct strbuf k = STRBUF_INIT;
			int kl;

			pyval_repr(v->u.seq.item[i], &k);
			kl = (int)pyval_cplen(k.s, k.len);
			strbuf_add(pp->out, k.s, k.len);
			strbuf_adds(pp->out, ": ");
			strbuf_free(&k);
			pyval_pp_format(pp, v->u.seq.item[i + 1],
			    indent + pp->per_level + kl + 2, last ? allowance + 1 : 1,
			    level + 1);
			if (!last) {
				strbuf_adds(pp->out, ",\n");
				pyval_pp_spaces(pp, indent + pp->per_level);
			}
		}
		strbuf_addc(pp->out, '}');
		break;
	case PY_STR:
		pyval_pp_str(pp, v, indent, allowance, level + 1);
		break;
	default:
		pyval_repr(v, pp->out);
		break;
	}
}

void
pyval_pformat(const struct pyval *v, int width, int indent, struct strbuf *sb)
{
	struct pyval_pp pp = { width, indent, sb };

	pyval_pp_format(&pp, v, 0, 0, 0);
}

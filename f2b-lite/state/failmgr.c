/*
 * failmgr: FailManager and FailTicket counting, in a compact table.
 *
 * A botnet leaves hundreds of thousands of ids failing once each, so what
 * an id costs here is the daemon's memory.  Each id is one allocation, a
 * struct frec: the counters, then the id as a short key (6 bytes for an
 * IPv4 address), then its data (the groups and matched lines) packed by
 * packval.  The table is an open-addressing array of pointers to them.
 * A record is decoded into a struct ticket only when the id leaves the
 * table (a ban) or gets a new failure; fail2ban's counting and truncation
 * run on that ticket, as they did when the table held tickets.
 */
#include "failmgr.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "packval.h"
#include "pyval.h"
#include "strbuf.h"
#include "ticket.h"
#include "xmalloc.h"

/*
 * One tracked id.  b[] holds the key (key_put), the id's form (ID_KEY: the
 * key's address; ID_OWN: family, prefix length, bytes and text of its own),
 * the retry, failures and ban counts (zigzag varints: a byte each, where
 * three longs took 24) and the data (packval).
 */
struct frec {
	double		 time;		/* last failure */
	double		 firsttime;	/* start of the counting window */
	unsigned char	 b[];
};

enum { KEY_TEXT = 0, KEY_V4 = 4, KEY_V6 = 6 };
enum { ID_KEY, ID_OWN };

struct failmgr {
	struct frec	**slot;		/* open addressing, linear probing; NULL: free */
	size_t		 cap;		/* 0 or a power of two */
	size_t		 n;
	struct strbuf	 kb;		/* the key looked up (kept: no allocation per lookup) */
	long		 maxretry;
	double		 findtime;
	long		 maxmatches;
	long		 keepmatches;	/* lines anything can read; -1: all */
	unsigned long	 total;
};

struct failmgr *
failmgr_new(void)
{
	struct failmgr *fm = xcalloc(1, sizeof(*fm));

	fm->maxretry = 3;
	fm->findtime = 600;
	fm->maxmatches = 5;
	fm->keepmatches = -1;
	return fm;
}

void
failmgr_free(struct failmgr *fm)
{
	size_t i;

	if (fm == NULL)
		return;
	for (i = 0; i < fm->cap; i++)
		free(fm->slot[i]);
	free(fm->slot);
	strbuf_free(&fm->kb);
	free(fm);
}

void failmgr_set_maxretry(struct failmgr *fm, long v) { fm->maxretry = v; }
long failmgr_maxretry(const struct failmgr *fm) { return fm->maxretry; }
void failmgr_set_findtime(struct failmgr *fm, double v) { fm->findtime = v; }
double failmgr_findtime(const struct failmgr *fm) { return fm->findtime; }
void failmgr_set_maxmatches(struct failmgr *fm, long v) { fm->maxmatches = v; }
long failmgr_maxmatches(const struct failmgr *fm) { return fm->maxmatches; }
void failmgr_set_keepmatches(struct failmgr *fm, long v) { fm->keepmatches = v < 0 ? -1 : v; }
long failmgr_keepmatches(const struct failmgr *fm) { return fm->keepmatches; }

/* ---- keys ---------------------------------------------------------------------- */

/* The prefix length str() shows: a single address is the family's full length. */
static int
shown_plen(const struct addr *a)
{
	int full = a->family == ADDR_IPV4 ? 32 : 128;

	return a->plen > 0 && a->plen < full ? a->plen : full;
}

/*
 * The key of id: equal keys exactly when the ids' texts (str(IPAddr), what
 * fail2ban's failList is keyed by) are equal.  A valid address is its
 * family, shown prefix length and bytes; other ids their text - unless the
 * text reads back as an address that shows as the same text (a raw id
 * "192.0.2.1"), which then takes the address's key.
 */
static void
key_put(struct strbuf *out, const struct addr *id)
{
	char buf[ADDR_STRLEN];
	const struct addr *a = id;
	struct addr parsed = { 0 };
	const char *text = NULL;

	if (!addr_valid(id)) {
		text = addr_str(id, buf, sizeof(buf));
		if (addr_parse(&parsed, text, ADDR_CIDR_UNSPEC) == 0 && addr_valid(&parsed) &&
		    strcmp(addr_str(&parsed, buf, sizeof(buf)), text) == 0)
			a = &parsed, text = NULL;
	}
	if (text == NULL) {
		strbuf_addc(out, (char)(a->family == ADDR_IPV4 ? KEY_V4 : KEY_V6));
		strbuf_addc(out, (char)shown_plen(a));
		strbuf_add(out, (const char *)a->a, a->family == ADDR_IPV4 ? 4 : 16);
	} else {
		size_t n = strlen(text);

		strbuf_addc(out, KEY_TEXT);
		packval_uput(out, n);
		strbuf_add(out, text, n);
	}
	addr_clear(&parsed);
}

static size_t
key_len(const unsigned char *k)
{
	const unsigned char *p = k + 1;

	if (k[0] == KEY_V4)
		return 6;
	if (k[0] == KEY_V6)
		return 18;
	size_t n = (size_t)packval_uget(&p);

	return (size_t)(p - k) + n;
}

static uint64_t
key_hash(const unsigned char *k, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n--)
		h = (h ^ *k++) * 0x100000001b3ULL;
	return h ^ (h >> 29);
}

/* ---- records --------------------------------------------------------------------- */

static void
zz_put(struct strbuf *out, long long v)
{
	packval_uput(out, ((unsigned long long)v << 1) ^ (unsigned long long)(v >> 63));
}

static long long
zz_get(const unsigned char **p)
{
	unsigned long long u = packval_uget(p);

	return (long long)(u >> 1) ^ -(long long)(u & 1);
}

static void rec_id(const struct frec *, struct addr *, const unsigned char **);

/* The retry count of record r. */
static long
rec_retry(const struct frec *r)
{
	const unsigned char *p;
	struct addr id;

	rec_id(r, &id, &p);
	addr_clear(&id);
	return (long)zz_get(&p);
}

/* The id of record r, as it was first given (cleared first; addr_clear() it). */
static void
rec_id(const struct frec *r, struct addr *id, const unsigned char **after)
{
	const unsigned char *k = r->b, *p = k + key_len(k);

	memset(id, 0, sizeof(*id));
	if (*p++ == ID_KEY) {
		id->family = k[0] == KEY_V4 ? ADDR_IPV4 : ADDR_IPV6;
		id->plen = k[1];
		memcpy(id->a, k + 2, id->family == ADDR_IPV4 ? 4 : 16);
	} else {
		unsigned long long n;

		id->family = (enum addr_family)*p++;
		id->plen = (int)zz_get(&p);
		memcpy(id->a, p, 16);
		p += 16;
		if ((n = packval_uget(&p)) > 0) {
			id->raw = xstrndup((const char *)p, (size_t)n - 1);
			p += n - 1;
		}
	}
	*after = p;
}

/* The ticket record r holds. */
static struct ticket *
rec_load(const struct frec *r)
{
	const unsigned char *p;
	char buf[ADDR_STRLEN];
	struct ticket *t;
	struct addr id;
	long retry, failures, bancount;

	rec_id(r, &id, &p);
	retry = zz_get(&p);
	failures = zz_get(&p);
	bancount = zz_get(&p);
	t = ticket_new(&id, r->time, packval_get(&p, addr_str(&id, buf, sizeof(buf))));
	addr_clear(&id);
	t->firsttime = r->firsttime;
	t->retry = retry;
	t->failures = failures;
	t->bancount = bancount;
	return t;
}

/* Keeps only the last keepmatches lines of t: what can still be read of them. */
static void
keep_matches(const struct failmgr *fm, struct ticket *t)
{
	struct pyval *m = pyval_dget(t->data, "matches"), *keep;
	size_t i, n;

	if (fm->keepmatches < 0 || m == NULL || pyval_type(m) != PY_LIST ||
	    (n = pyval_len(m)) <= (size_t)fm->keepmatches)
		return;
	keep = pyval_list();
	for (i = n - (size_t)fm->keepmatches; i < n; i++)
		pyval_append(keep, pyval_copy(pyval_at(m, i)));
	pyval_dict_set(t->data, pyval_str("matches"), keep);
}

/* A record of ticket t, whose key fm->kb holds. */
static struct frec *
rec_store(const struct failmgr *fm, struct ticket *t)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[ADDR_STRLEN];
	const struct addr *id = &t->id;
	struct frec *r;

	keep_matches(fm, t);
	strbuf_add(&sb, fm->kb.s, fm->kb.len);
	if (addr_valid(id) && id->plen == shown_plen(id) && fm->kb.s[0] != KEY_TEXT)
		strbuf_addc(&sb, ID_KEY);
	else {
		strbuf_addc(&sb, ID_OWN);
		strbuf_addc(&sb, (char)id->family);
		zz_put(&sb, id->plen);
		strbuf_add(&sb, (const char *)id->a, 16);
		packval_uput(&sb, id->raw ? strlen(id->raw) + 1 : 0);
		if (id->raw)
			strbuf_adds(&sb, id->raw);
	}
	zz_put(&sb, t->retry);
	zz_put(&sb, t->failures);
	zz_put(&sb, t->bancount);
	packval_put(&sb, t->data, addr_str(id, buf, sizeof(buf)));
	r = xmalloc(sizeof(*r) + sb.len);
	r->time = t->time;
	r->firsttime = t->firsttime;
	memcpy(r->b, sb.s, sb.len);
	strbuf_free(&sb);
	return r;
}

/* ---- the table ------------------------------------------------------------------- */

/* The slot of the key in fm->kb: its record's, or the free one where it goes. */
static size_t
find(const struct failmgr *fm, bool *hit)
{
	const unsigned char *k = (const unsigned char *)fm->kb.s;
	size_t mask = fm->cap - 1, i = (size_t)key_hash(k, fm->kb.len) & mask;

	*hit = false;
	for (; fm->slot[i] != NULL; i = (i + 1) & mask)
		/* the length first: a shorter record may end before kb.len bytes */
		if (key_len(fm->slot[i]->b) == fm->kb.len &&
		    memcmp(fm->slot[i]->b, k, fm->kb.len) == 0) {
			*hit = true;
			break;
		}
	return i;
}

static size_t
home(const struct failmgr *fm, const struct frec *r)
{
	return (size_t)key_hash(r->b, key_len(r->b)) & (fm->cap - 1);
}

static void
grow(struct failmgr *fm)
{
	struct frec **old = fm->slot;
	size_t ocap = fm->cap, i;

	fm->cap = ocap ? ocap * 2 : 64;
	fm->slot = xcalloc(fm->cap, sizeof(*fm->slot));
	for (i = 0; i < ocap; i++)
		if (old[i] != NULL) {
			size_t s = home(fm, old[i]);

			while (fm->slot[s] != NULL)
				s = (s + 1) & (fm->cap - 1);
			fm->slot[s] = old[i];
		}
	free(old);
}

/* Empties slot i (its record is the caller's), moving later ones of its run back. */
static void
unslot(struct failmgr *fm, size_t i)
{
	size_t mask = fm->cap - 1, j = i;

	fm->slot[i] = NULL;
	for (;;) {
		size_t h;

		j = (j + 1) & mask;
		if (fm->slot[j] == NULL)
			break;
		h = home(fm, fm->slot[j]);
		/* the record at j may move to i if its home is not within (i, j] */
		if ((i <= j) ? (h <= i || h > j) : (h <= i && h > j)) {
			fm->slot[i] = fm->slot[j];
			fm->slot[j] = NULL;
			i = j;
		}
	}
	fm->n--;
}

/* The slot of id's record (its key left in fm->kb), or SIZE_MAX. */
static size_t
lookup(struct failmgr *fm, const struct addr *id)
{
	bool hit;
	size_t i;

	strbuf_reset(&fm->kb);
	key_put(&fm->kb, id);
	if (fm->n == 0)
		return SIZE_MAX;
	i = find(fm, &hit);
	return hit ? i : SIZE_MAX;
}

/* ---- FailManager ------------------------------------------------------------------ */

/* Keeps the last maxmatches matched lines (none with maxmatches 0). */
static void
truncate_matches(struct failmgr *fm, struct ticket *t)
{
	struct pyval *m = ticket_matches(t), *keep;
	size_t i, n = pyval_len(m);

	if (fm->maxmatches <= 0) {
		if (n)
			pyval_dict_set(t->data, pyval_str("matches"), pyval_list());
		return;
	}
	if ((long)n <= fm->maxmatches)
		return;
	keep = pyval_list();
	for (i = n - (size_t)fm->maxmatches; i < n; i++)
		pyval_append(keep, pyval_copy(pyval_at(m, i)));
	pyval_dict_set(t->data, pyval_str("matches"), keep);
}

/* a + b within a long (a count rescaled by a negative findtime can be anything) */
static long
add_sat(long a, long b)
{
	long r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? LONG_MAX : LONG_MIN;
	return r;
}

/* adjustTime: past the window, the count rescaled by the rate seen so far */
static void
adjust_time(const struct failmgr *fm, struct ticket *t, double time)
{
	if (time <= t->time)
		return;
	if (t->firsttime < time - fm->findtime) {
		/* int(round(...)): Python rounds halves to even; a negative findtime may
		 * reach any double, which is kept within a long (Python's has no end) */
		double r = rint((double)t->retry / (time - t->firsttime) * fm->findtime);

		t->retry = r >= 0x1p63 ? LONG_MAX : r <= -0x1p63 ? LONG_MIN : (long)r;
		t->firsttime = time - fm->findtime;
	}
	t->time = time;
}

/*
 * A new failure of the id in slot i without unpacking its data: the counts
 * as adjust_time() and inc() make them, the lines (list m's items, NULL:
 * none) spliced onto its packed "matches" - the last maxmatches of them
 * (none with maxmatches 0), no more than keepmatches: what
 * truncate_matches() and keep_matches() leave of the unpacked list.  An id
 * whose data holds no "matches" list takes the long way (false).  A repeat
 * offender costs its record's bytes copied, not its lines unpacked.
 */
static bool
splice(struct failmgr *fm, size_t i, const struct addr *id, double time,
    const struct pyval *m, long count, const long *bancount, long *retry)
{
	const struct frec *r = fm->slot[i];
	const unsigned char *p, *c, *d, *tag, *items, *lend, *end;
	size_t n, nm = m && fm->maxmatches > 0 ? pyval_len(m) : 0, limit, keep, k;
	struct ticket t = { .time = r->time, .firsttime = r->firsttime };
	struct strbuf sb = STRBUF_INIT;
	char buf[ADDR_STRLEN];
	struct frec *nr;
	struct addr rid;

	rec_id(r, &rid, &c);
	addr_clear(&rid);
	p = c;
	t.retry = zz_get(&p);
	t.failures = zz_get(&p);
	t.bancount = zz_get(&p);
	d = p;
	if (!packval_find_matches(d, &tag, &items, &n, &lend))
		return false;
	end = d;
	packval_skip(&end);
	adjust_time(fm, &t, time);
	t.retry = add_sat(t.retry, count);
	t.failures += 1;
	if (bancount)
		t.bancount = *bancount;
	limit = fm->maxmatches <= 0 ? 0 : (size_t)fm->maxmatches;
	if (fm->keepmatches >= 0 && (size_t)fm->keepmatches < limit)
		limit = (size_t)fm->keepmatches;
	keep = n + nm <= limit ? n + nm : limit;	/* lines in the new list */
	strbuf_add(&sb, (const char *)r->b, (size_t)(c - r->b));
	zz_put(&sb, t.retry);
	zz_put(&sb, t.failures);
	zz_put(&sb, t.bancount);
	strbuf_add(&sb, (const char *)d, (size_t)(tag - d));
	strbuf_addc(&sb, *tag);
	packval_uput(&sb, keep);
	/* the old lines that stay, then the new ones that do */
	for (k = 0, p = items; k < n; k++) {
		const unsigned char *q = p;

		packval_skip(&p);
		if (n - k + (nm < keep ? nm : keep) <= keep)
			strbuf_add(&sb, (const char *)q, (size_t)(p - q));
	}
	for (k = nm > keep ? nm - keep : 0; k < nm; k++)
		packval_put(&sb, pyval_at(m, k), addr_str(id, buf, sizeof(buf)));
	strbuf_add(&sb, (const char *)lend, (size_t)(end - lend));
	nr = xmalloc(sizeof(*nr) + sb.len);
	nr->time = t.time;
	nr->firsttime = t.firsttime;
	memcpy(nr->b, sb.s, sb.len);
	strbuf_free(&sb);
	free(fm->slot[i]);
	fm->slot[i] = nr;
	*retry = t.retry;
	return true;
}

/* Puts t back into slot i (decoded from the record there), returns its retry. */
static long
restore(struct failmgr *fm, size_t i, struct ticket *t)
{
	long retry = t->retry;

	free(fm->slot[i]);
	fm->slot[i] = rec_store(fm, t);
	ticket_free(t);
	return retry;
}

long
failmgr_add(struct failmgr *fm, const struct addr *id, double time, struct pyval *data,
    long count)
{
	size_t i = lookup(fm, id);
	struct ticket *t;
	long retry;

	fm->total++;
	if (i != SIZE_MAX) {
		struct pyval *m = pyval_dict_pop(data, "matches");

		if ((m == NULL || pyval_type(m) == PY_LIST) &&
		    splice(fm, i, id, time, m, count, NULL, &retry)) {
			pyval_free(m);
			pyval_free(data);
			return retry;
		}
		t = rec_load(fm->slot[i]);
		adjust_time(fm, t, time);
		/* inc(): the new ticket's data other than its lines is dropped */
		t->retry = add_sat(t->retry, count);
		t->failures += 1;
		if (m && fm->maxmatches > 0) {
			struct pyval *tm = ticket_matches(t);
			size_t k;

			for (k = 0; k < pyval_len(m); k++)
				pyval_append(tm, pyval_copy(pyval_at(m, k)));
		}
		pyval_free(m);
		pyval_free(data);
		truncate_matches(fm, t);	/* only a failure seen before is cut */
		return restore(fm, i, t);
	}
	t = ticket_new(id, time, data);
	t->retry = count;
	t->failures = 1;
	if ((fm->n + 1) * 4 > fm->cap * 3)
		grow(fm);
	{
		bool hit;

		i = find(fm, &hit);
	}
	fm->slot[i] = rec_store(fm, t);
	fm->n++;
	retry = t->retry;
	ticket_free(t);
	return retry;
}

long
failmgr_add_observed(struct failmgr *fm, const struct addr *id, double time, long count,
    long bancount)
{
	size_t i = lookup(fm, id);
	struct ticket *t;
	long retry;

	if (i == SIZE_MAX)
		return -1;	/* banned meanwhile: nothing to add to */
	if (splice(fm, i, id, time, NULL, count, &bancount, &retry))
		return retry;
	t = rec_load(fm->slot[i]);
	adjust_time(fm, t, time);
	t->retry = add_sat(t->retry, count);
	t->failures += 1;
	t->bancount = bancount;
	truncate_matches(fm, t);
	return restore(fm, i, t);
}

struct ticket *
failmgr_toban(struct failmgr *fm, const struct addr *id)
{
	size_t i = lookup(fm, id);
	struct frec *r;
	struct ticket *t;

	if (i == SIZE_MAX || rec_retry(fm->slot[i]) < fm->maxretry)
		return NULL;
	r = fm->slot[i];
	unslot(fm, i);
	t = rec_load(r);
	free(r);
	return t;
}

void
failmgr_cleanup(struct failmgr *fm, double now)
{
	size_t i = 0;

	now -= fm->findtime;
	/* a removal moves later records of the run back: slot i is looked at again */
	while (i < fm->cap)
		if (fm->slot[i] != NULL && fm->slot[i]->time <= now) {
			free(fm->slot[i]);
			unslot(fm, i);
		} else
			i++;
}

size_t
failmgr_size(const struct failmgr *fm)
{
	return fm->n;
}

unsigned long
failmgr_total(const struct failmgr *fm)
{
	return fm->total;
}

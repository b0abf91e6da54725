/*
 * mlfid: fail2ban's multi-line failures by connection (<F-MLFID>): the key
 * a connection is cached under, and _mergeFailure, which merges a failure
 * into its connection's cached state (pending, nofail, mlfforget,
 * mlfgained, the users seen) - server/filter.py.  The cache itself is the
 * filter's (Utils.Cache(maxCount=100, maxTime=300)).
 */
#include "mlfid.h"

#include <stdbool.h>
#include <stdlib.h>

#include "cache.h"
#include "pyval.h"
#include "strbuf.h"

/*
 * The cache key of an mlfid (a C string): a str's text with its NULs and
 * backslashes escaped, or for a tuple (<F-TUPLE_MLFID_...>) "\\T" and its
 * repr - as distinct as the Python values are.  v: the value, or NULL for
 * the str s of len bytes.
 */
void
mlfid_key(struct strbuf *key, const char *s, size_t len, const struct pyval *v)
{
	size_t i;

	strbuf_reset(key);
	if (v != NULL && pyval_type(v) != PY_STR) {
		strbuf_adds(key, "\\T");
		pyval_repr(v, key);
		return;
	}
	for (i = 0; i < len; i++)
		if (s[i] == '\0')
			strbuf_adds(key, "\\0");
		else if (s[i] == '\\')
			strbuf_adds(key, "\\\\");
		else
			strbuf_addc(key, s[i]);
}

/* _updateUsers: users set gains user (if any); returns the set or NULL */
static struct pyval *
update_users(struct pyval *fail, const struct pyval *user)
{
	struct pyval *users = pyval_dget(fail, "users");
	size_t i;

	if (user && pyval_as_bool(user)) {
		if (users == NULL || !pyval_as_bool(users)) {
			pyval_dset(fail, "users", pyval_set());
			users = pyval_dget(fail, "users");
		}
		for (i = 0; i < pyval_len(users); i++)
			if (pyval_equal(pyval_at(users, i), user))
				return users;
		pyval_append(users, pyval_copy(user));
		return users;
	}
	return users;
}

/*
 * _mergeFailure: merges a failure into the cached state of its connection
 * (mlfid).  Takes ownership of fail; returns the merged dict (owned by the
 * cache when cached: *cached tells).
 */
struct pyval *
mlfid_merge(struct cache *c, double now, const char *mlfid, struct pyval *fail,
    struct pyval *matched, bool *cached)
{
	struct pyval *mf = cache_get(c, mlfid, now), *users = NULL, *v;
	int fl = 0;
	size_t i;

	*cached = false;
	if (pyval_dtrue(fail, "mlfgained")) {
		fl |= 8 | 1;
		if (!pyval_dtrue(fail, "nofail"))
			pyval_dset(fail, "nofail", pyval_copy(pyval_dget(fail, "mlfgained")));
	} else if (pyval_dtrue(fail, "nofail"))
		fl |= 1;
	if ((v = pyval_dpop(fail, "mlfforget")) != NULL) {
		if (pyval_as_bool(v))
			fl |= 2;
		pyval_free(v);
	}
	if (mf != NULL) {
		users = update_users(mf, pyval_dget(fail, "user"));
		if ((v = pyval_dpop(mf, "nofail")) != NULL) {
			if (pyval_as_bool(v))
				fl |= 4;
			pyval_free(v);
		}
		if ((v = pyval_dpop(mf, "mlfgained")) != NULL) {
			if (pyval_as_bool(v))
				fl |= 4;
			pyval_free(v);
		}
		if (fl & 8)
			pyval_free(pyval_dpop(mf, "mlfpending"));
		if ((fl & 4) == 0 && !pyval_dtrue(mf, "mlfpending"))
			pyval_free(pyval_dpop(mf, "matches"));
		for (i = 0; i < pyval_len(fail); i++) {
			struct pyval *k = pyval_dict_key(fail, i), *val = pyval_dict_val(fail, i);

			if (pyval_type(val) != PY_NONE)
				pyval_dict_set(mf, pyval_copy(k), pyval_copy(val));
		}
		pyval_free(fail);
		fail = mf;
		*cached = true;
		if (fl & 2) {
			fail = pyval_copy(mf);
			cache_del(c, mlfid);
			*cached = false;
		}
		users = pyval_dget(fail, "users");
	} else if (!(fl & 2)) {
		users = update_users(fail, pyval_dget(fail, "user"));
		cache_set(c, mlfid, fail, now);
		*cached = true;
	}
	/* pending failures or several users: the connection did fail */
	v = pyval_dpop(fail, "mlfpending");
	if ((v && pyval_as_bool(v)) || (users && pyval_len(users) > 1)) {
		pyval_free(pyval_dpop(fail, "nofail"));
		pyval_free(pyval_dpop(fail, "mlfgained"));
		fl &= ~(8 | 1);
	}
	pyval_free(v);
	if ((fl & 1) == 0) {
		struct pyval *m = pyval_dpop(fail, "nofail-matches");

		if (m == NULL)
			m = pyval_list();
		/* the old list goes: its items move to the new one */
		pyval_extend_take(m, pyval_dget(fail, "matches"));
		if ((fl & 8) == 0)
			pyval_extend_take(m, matched);
		pyval_dset(fail, "matches", m);
	} else if ((fl & 3) == 1) {
		struct pyval *m = pyval_list();

		pyval_extend_take(m, pyval_dget(fail, "nofail-matches"));
		pyval_extend_take(m, matched);
		pyval_dset(fail, "nofail-matches", m);
	}
	return fail;
}

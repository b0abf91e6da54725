/*
 * pyval: the Python values that cross fail2ban's interfaces (the command
 * stream, the socket protocol, fail2ban-regex's rows): None, bool, int,
 * float, str, bytes, list, tuple, set and dict, and their Python repr().
 *
 * Ownership: a container owns its items; pyval_append() and friends take
 * ownership of the item they are given.  Strings are UTF-8.  Scalars never
 * change once made: pyval_copy() shares them (a reference count) and copies
 * only containers; None, True and False are static.
 */
#ifndef F2B_PYVAL_H
#define F2B_PYVAL_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf;

enum pyval_type {
	PY_NONE, PY_BOOL, PY_INT, PY_FLOAT, PY_STR, PY_BYTES,
	PY_LIST, PY_TUPLE, PY_SET, PY_DICT
};

struct pyval;

struct pyval	*pyval_none(void);
struct pyval	*pyval_bool(bool);
struct pyval	*pyval_int(long long);
struct pyval	*pyval_float(double);
struct pyval	*pyval_str(const char *);
struct pyval	*pyval_strn(const char *, size_t);
/* Takes ownership of a heap string. */
struct pyval	*pyval_str_take(char *);
struct pyval	*pyval_bytes(const char *, size_t);
struct pyval	*pyval_list(void);
struct pyval	*pyval_tuple(void);
struct pyval	*pyval_set(void);
struct pyval	*pyval_dict(void);
void		 pyval_free(struct pyval *);
/* Gives the nodes and arrays kept for reuse back to malloc (after a big stream). */
void		 pyval_pool_trim(void);
struct pyval	*pyval_copy(const struct pyval *);

enum pyval_type	 pyval_type(const struct pyval *);
bool		 pyval_as_bool(const struct pyval *);
/* Levels of containers below v: 0 for a scalar or an empty container. */
unsigned	 pyval_depth(const struct pyval *);
/*
 * An exception object is a dict (pickle.h) marked as one: only the pickle
 * decoder (an allowed exception class) and pickle_exception() mark it, and
 * copies keep the mark, so a client's dict of the same shape stays a dict.
 */
void		 pyval_set_exception(struct pyval *dict);
bool		 pyval_is_exception(const struct pyval *);
long long	 pyval_as_int(const struct pyval *);
double		 pyval_as_float(const struct pyval *);
/* For str and bytes: the bytes (NUL-terminated) and their length. */
const char	*pyval_as_str(const struct pyval *);
size_t		 pyval_strlen(const struct pyval *);

/* Containers (list, tuple, set; dict items are key, value pairs). */
size_t		 pyval_len(const struct pyval *);
struct pyval	*pyval_at(const struct pyval *, size_t);
void		 pyval_append(struct pyval *, struct pyval *);
void		 pyval_insert(struct pyval *, size_t, struct pyval *);
/* Moves the items of container src to the end of list dst; src is emptied. */
void		 pyval_move_items(struct pyval *dst, struct pyval *src);
/*
 * list dst.extend(src) where src is about to be dropped (NULL: nothing): a
 * list's items move, another container's are copied.
 */
void		 pyval_extend_take(struct pyval *dst, struct pyval *src);
void		 pyval_dict_set(struct pyval *, struct pyval *key, struct pyval *val);
/* Adds a pair whose key the dict does not hold yet (no check is made). */
void		 pyval_dict_append(struct pyval *, struct pyval *key,
		    struct pyval *val);
/* dict.update(src), then src is freed: its items move when it is not shared. */
void		 pyval_dict_update_take(struct pyval *, struct pyval *src);
/* Makes room for n items (n pairs for a dict) without changing the value. */
void		 pyval_reserve(struct pyval *, size_t n);
/* The value of the i-th pair becomes val (taken; the old one is freed). */
void		 pyval_dict_replace(struct pyval *, size_t i, struct pyval *val);
struct pyval	*pyval_dict_key(const struct pyval *, size_t);
struct pyval	*pyval_dict_val(const struct pyval *, size_t);
/* Removes a str key; returns its value (the caller frees it) or NULL. */
struct pyval	*pyval_dict_pop(struct pyval *, const char *key);
/* Returns the value for a str key, or NULL. */
struct pyval	*pyval_dict_get(const struct pyval *, const char *key);
/* The same two for a key of len bytes (no NUL needed). */
struct pyval	*pyval_dict_popn(struct pyval *, const char *key, size_t len);
struct pyval	*pyval_dict_getn(const struct pyval *, const char *key,
		    size_t len);
/* bool(d.get(key)) */
bool		 pyval_dict_truen(const struct pyval *, const char *key, size_t len);
/*
 * The same with a string literal for key (the macros insist on one): its
 * length is known at compile time, where a lookup would otherwise start
 * with strlen().  pyval_dpop: d.pop(k, None), the value (the caller frees
 * it) or NULL.
 */
#define pyval_dget(d, k)	pyval_dict_getn((d), "" k "", sizeof(k) - 1)
#define pyval_dtrue(d, k)	pyval_dict_truen((d), "" k "", sizeof(k) - 1)
#define pyval_dpop(d, k)	pyval_dict_popn((d), "" k "", sizeof(k) - 1)
#define pyval_dset(d, k, v)	\
	pyval_dict_set((d), pyval_strn("" k "", sizeof(k) - 1), (v))

bool		 pyval_equal(const struct pyval *, const struct pyval *);
/* Appends repr(v) to sb. */
void		 pyval_repr(const struct pyval *, struct strbuf *);
/* Appends str(v) to sb: the text itself for str, repr() otherwise. */
void		 pyval_to_text(const struct pyval *, struct strbuf *);
/* Appends pprint.pformat(v, width=width, indent=indent). */
void		 pyval_pformat(const struct pyval *, int width, int indent,
		    struct strbuf *);
/* Appends repr() of a UTF-8 string. */
void		 pyval_repr_str(const char *, size_t, struct strbuf *);
/* repr() of an exception of class name with one str argument: ValueError('x') */
char		*pyval_repr_exception(const char *name, const char *msg);
/* Appends repr() of a bytes value. */
void		 pyval_repr_bytes(const char *, size_t, struct strbuf *);
/* Appends repr() of a float. */
void		 pyval_repr_float(double, struct strbuf *);

#endif

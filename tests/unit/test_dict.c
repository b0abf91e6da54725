/* Unit tests for dict: Python dict ordering semantics. */
#include "dict.h"
#include "tap.h"
#include "xmalloc.h"

static const char *
keys(const struct dict *d)
{
	static char buf[4096];
	const char *k;
	size_t pos = 0;

	buf[0] = '\0';
	while (dict_next(d, &pos, &k, NULL)) {
		strcat(buf, k);
		strcat(buf, " ");
	}
	return buf;
}

int
main(void)
{
	struct dict *d = dict_new(free), *c;
	bool found;
	char k[32];
	int i;

	dict_set(d, "b", xstrdup("1"));
	dict_set(d, "a", xstrdup("2"));
	dict_set(d, "c", NULL);
	is_str(keys(d), "b a c ", "insertion order");
	dict_set(d, "b", xstrdup("3"));
	is_str(keys(d), "b a c ", "setting an existing key keeps its place");
	is_str(dict_get(d, "b", NULL), "3", "and changes the value");
	ok(dict_get(d, "c", &found) == NULL && found, "a stored NULL is found");
	ok(dict_get(d, "zz", &found) == NULL && !found, "a missing key is not");
	ok(dict_del(d, "a") && !dict_has(d, "a"), "delete");
	is_str(keys(d), "b c ", "order after delete");
	dict_set(d, "a", xstrdup("4"));
	is_str(keys(d), "b c a ", "re-added key goes last");
	c = dict_copy(d, (dict_copy_fn *)xstrdup);
	dict_set(c, "b", xstrdup("changed"));
	is_str(dict_get(d, "b", NULL), "3", "a copy is independent");
	dict_free(c);
	for (i = 0; i < 5000; i++) {
		snprintf(k, sizeof(k), "key%d", i);
		dict_set(d, k, xstrdup(k));
	}
	for (i = 0; i < 5000; i += 2) {
		snprintf(k, sizeof(k), "key%d", i);
		dict_del(d, k);
	}
	is_int(dict_len(d), 3 + 2500, "5000 inserts, 2500 deletes");
	ok(dict_has(d, "key4999") && !dict_has(d, "key4998"), "lookups after growth");
	ok(!dict_del(d, "key0"), "deleting twice");
	dict_free(d);
	d = dict_new(NULL);
	ok(dict_len(d) == 0 && !dict_has(d, "x"), "new dict is empty");
	dict_free(d);
	return tap_done();
}

/* Unit tests for tagsub: fail2ban's recursive <tag> substitution. */
#include "dict.h"
#include "tagsub.h"
#include "tap.h"
#include "xmalloc.h"

static struct dict *
tags(const char *const *kv)
{
	struct dict *d = dict_new(free);

	for (; kv[0]; kv += 2)
		dict_set(d, kv[0], kv[1] ? xstrdup(kv[1]) : NULL);
	return d;
}

static const char *
val(struct dict *d, const char *k)
{
	return dict_get(d, k, NULL);
}

static int lookups;

static char *
lookup(void *arg, const char *tag, char **err)
{
	(void)arg;
	*err = NULL;
	lookups++;
	if (strcmp(tag, "known/chain") == 0)
		return xstrdup("INPUT");
	if (strcmp(tag, "boom") == 0)
		*err = xstrdup("lookup failed");
	return NULL;
}

int
main(void)
{
	struct dict *d, *ign;
	char *err;
	const char *name;
	size_t nlen;

	d = tags((const char *const[]){ "a", "3", "b", "<a>_3", "c", "<b>-<b>", NULL });
	ok(tagsub_resolve(d, NULL, NULL, NULL, NULL, &err) == 0, "simple set resolves");
	is_str(val(d, "b"), "3_3", "one level");
	is_str(val(d, "c"), "3_3-3_3", "two levels, every occurrence replaced");
	dict_free(d);

	d = tags((const char *const[]){ "mode", "aggressive", "mdre-aggressive", "AGG",
	    "mdre-normal", "NORM", "failregex", "x <mdre-<mode>> y", NULL });
	tagsub_resolve(d, NULL, NULL, NULL, NULL, &err);
	is_str(val(d, "failregex"), "x AGG y", "nested <a-<b>> resolves inner first");
	dict_free(d);

	d = tags((const char *const[]){ "cmd", "echo <ip> <HOST> <F-USER> <STDIN> a < b > c", NULL });
	tagsub_resolve(d, NULL, NULL, NULL, NULL, &err);
	is_str(val(d, "cmd"), "echo <ip> <HOST> <F-USER> <STDIN> a < b > c",
	    "unknown tags and shell redirections stay");
	dict_free(d);

	d = tags((const char *const[]){ "a", "x<a>", NULL });
	ok(tagsub_resolve(d, NULL, NULL, NULL, NULL, &err) < 0 && err &&
	    strstr(err, "self referencing") != NULL, "self reference is an error");
	free(err);
	dict_free(d);

	d = tags((const char *const[]){ "a", "<b>", "b", "<a>", NULL });
	ok(tagsub_resolve(d, NULL, NULL, NULL, NULL, &err) < 0, "a <a>-<b> loop is an error");
	free(err);
	dict_free(d);

	d = tags((const char *const[]){ "iptables", "iptables -w", "iptables?family=inet6",
	    "ip6tables -w", "ban", "<iptables> -I x", NULL });
	tagsub_resolve(d, "family=inet6", NULL, NULL, NULL, &err);
	is_str(val(d, "ban"), "ip6tables -w -I x", "conditional tag preferred");
	dict_free(d);

	d = tags((const char *const[]){ "iptables", "iptables -w", "ban", "<iptables> -I x",
	    "matches", "<x>", "x", "1", NULL });
	ign = dict_new(NULL);
	dict_set(ign, "iptables", NULL);
	dict_set(ign, "matches", NULL);
	tagsub_resolve(d, NULL, ign, NULL, NULL, &err);
	is_str(val(d, "ban"), "<iptables> -I x", "ignored tags are not replaced");
	is_str(val(d, "matches"), "<x>", "ignored tags are not substituted");
	dict_free(ign);
	dict_free(d);

	lookups = 0;
	d = tags((const char *const[]){ "chain", "<known/chain>", "start", "-A <chain> <nope>",
	    "none", NULL, NULL });
	tagsub_resolve(d, NULL, NULL, lookup, NULL, &err);
	is_str(val(d, "start"), "-A INPUT <nope>", "lookup callback fills unknown tags");
	ok(val(d, "none") == NULL, "None values are left alone");
	ok(lookups >= 2, "lookup asked for unknown tags");
	dict_free(d);

	d = tags((const char *const[]){ "a", "<boom>", NULL });
	ok(tagsub_resolve(d, NULL, NULL, lookup, NULL, &err) < 0 && err &&
	    strcmp(err, "lookup failed") == 0, "a lookup error aborts");
	free(err);
	dict_free(d);

	/* 25 replacements of one tag are allowed, the 26th nested one is not */
	{
		struct dict *ok25 = dict_new(free), *bad = dict_new(free);
		char v[64];
		int i;

		for (i = 0; i < 24; i++) {
			snprintf(v, sizeof(v), "<t%d>", i + 1);
			dict_set(ok25, (snprintf(v + 32, 32, "t%d", i), v + 32), xstrdup(v));
		}
		dict_set(ok25, "t24", xstrdup("end"));
		ok(tagsub_resolve(ok25, NULL, NULL, NULL, NULL, &err) == 0 &&
		    strcmp(val(ok25, "t0"), "end") == 0, "a 24-step chain resolves");
		dict_set(bad, "x", xstrdup("<y>"));
		dict_set(bad, "y", xstrdup("<z><z>"));
		dict_set(bad, "z", xstrdup("<y>"));
		ok(tagsub_resolve(bad, NULL, NULL, NULL, NULL, &err) < 0, "a growing cycle stops");
		free(err);
		dict_free(ok25);
		dict_free(bad);
	}

	/* exponential growth is refused */
	{
		struct dict *g = dict_new(free);
		char k[16], v[32];
		int i;

		for (i = 0; i < 40; i++) {
			snprintf(k, sizeof(k), "g%d", i);
			snprintf(v, sizeof(v), "<g%d><g%d>", i + 1, i + 1);
			dict_set(g, k, xstrdup(v));
		}
		dict_set(g, "g40", xstrdup("xxxxxxxx"));
		ok(tagsub_resolve(g, NULL, NULL, NULL, NULL, &err) < 0 && err &&
		    strstr(err, "larger than") != NULL, "doubling tags stop at the size limit");
		free(err);
		dict_free(g);
	}

	/* a replacement that shortens the text before the search offset (fuzz) */
	d = tags((const char *const[]){ "t", "<ip<b>an> tail <c-x>", "b", "<c-<d>>",
	    "d", "x", "c-x", "1", NULL });
	ok(tagsub_resolve(d, NULL, NULL, NULL, NULL, &err) == 0, "text shrinking past the search point");
	is_str(val(d, "t"), "<ip1an> tail 1", "same result as fail2ban");
	dict_free(d);

	ok(tagsub_find("a <b c> <d>", "a <b c> <d>", &name, &nlen) != NULL &&
	    nlen == 1 && *name == 'd', "tags cannot hold spaces");
	ok(tagsub_find("<<x>>", "<<x>>", &name, &nlen) != NULL && nlen == 1,
	    "innermost tag found in <<x>>");
	ok(tagsub_find("<>", "<>", &name, &nlen) == NULL, "<> is not a tag");
	return tap_done();
}

/*
 * libFuzzer target: one configuration file through the ini parser, then
 * every value of every section through interpolation and every value of
 * [Definition] through tag substitution, as a filter or action file would
 * go.  Anything but a clean return is a bug.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "confset.h"
#include "diag.h"
#include "dict.h"
#include "ini.h"
#include "tagsub.h"
#include "xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag *d = diag_new();
	struct ini *ini = ini_parse("fuzz.conf", (const char *)data, size, d);
	struct confset_cache *cache;
	struct confset *cs;
	struct dict *tags;
	size_t pos = 0, p2;
	const char *sec, *k;
	char *err;

	if (ini == NULL) {
		diag_free(d);
		return 0;
	}
	cache = confset_cache_new();
	cs = confset_new("/nonexistent", cache);
	confset_add(cs, ini);
	tags = dict_new(free);
	while ((sec = confset_next_section(cs, &pos)) != NULL) {
		const struct dict *opts = confset_section(cs, sec);

		p2 = 0;
		while (dict_next(opts, &p2, &k, NULL)) {
			struct confset_result r;

			if (confset_get(cs, sec, k, false, NULL, &r, d) == CONFSET_OK) {
				if (strcmp(sec, "Definition") == 0)
					dict_set(tags, k, r.text);
				else
					free(r.text);
			}
		}
	}
	if (tagsub_resolve(tags, "family=inet6", NULL, NULL, NULL, &err) < 0)
		free(err);
	dict_free(tags);
	confset_free(cs);
	confset_cache_free(cache);
	ini_free(ini);
	diag_free(d);
	return 0;
}

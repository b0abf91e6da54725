/*
 * Unit tests for json: the parser reads what Python's json.loads reads
 * (the "# failJSON:" annotations), the dumper writes what json.dumps writes.
 */
#include <math.h>
#include <stdlib.h>

#include "json.h"
#include "pyval.h"
#include "strbuf.h"
#include "tap.h"

static void
roundtrip(const char *in, bool ascii, const char *want)
{
	char *err = NULL;
	struct pyval *v = json_parse(in, strlen(in), &err);
	struct strbuf out = STRBUF_INIT;

	if (v == NULL) {
		ok(0, "parse %s: %s", in, err);
		free(err);
		return;
	}
	json_dump(v, ascii, &out);
	is_str(strbuf_str(&out), want, "json.dumps(json.loads(%s))", in);
	strbuf_free(&out);
	pyval_free(v);
}

static void
refused(const char *in)
{
	char *err = NULL;
	struct pyval *v = json_parse(in, strlen(in), &err);

	ok(v == NULL && err != NULL, "refused: %s", in);
	pyval_free(v);
	free(err);
}

int
main(void)
{
	char *err = NULL;
	struct pyval *v;
	const char *annot = "{ \"time\": \"2005-08-14T12:00:00\", \"match\": true , "
	    "\"host\": \"192.0.2.1\", \"desc\": \"caf\\u00e9\" }";

	v = json_parse(annot, strlen(annot), &err);
	ok(v != NULL && pyval_type(v) == PY_DICT && pyval_len(v) == 4, "an annotation");
	is_str(pyval_as_str(pyval_dict_get(v, "host")), "192.0.2.1", "host");
	ok(pyval_as_bool(pyval_dict_get(v, "match")), "match is true");
	is_str(pyval_as_str(pyval_dict_get(v, "desc")), "caf\xc3\xa9", "\\u escape to UTF-8");
	pyval_free(v);

	roundtrip("{\"a\": [1, 2.5, -0.0, 1e3, null, false]}", true,
	    "{\"a\": [1, 2.5, -0.0, 1000.0, null, false]}");
	roundtrip("\"caf\\u00e9 \\ud83d\\ude00\"", true, "\"caf\\u00e9 \\ud83d\\ude00\"");
	roundtrip("\"caf\\u00e9\"", false, "\"caf\xc3\xa9\"");
	roundtrip("\"tab\\there \\\"q\\\" \\\\ \\/\"", true, "\"tab\\there \\\"q\\\" \\\\ /\"");
	roundtrip("[NaN, Infinity, -Infinity, 1e999]", true, "[NaN, Infinity, -Infinity, Infinity]");
	roundtrip("{\"k\": 1, \"k\": 2}", true, "{\"k\": 2}");
	roundtrip("  [ ]  ", true, "[]");
	roundtrip("123456789012345", true, "123456789012345");

	refused("");
	refused("{");
	refused("[1,]");
	refused("{\"a\" 1}");
	refused("\"unterminated");
	refused("tru");
	refused("[1] x");
	refused("\"bad \\x escape\"");
	return tap_done();
}

/*
 * dd_dump: prints, for each line of a file, what the date detector finds:
 * template name, span of the date and the time, one tab-separated line per
 * input line.  With datepattern lines given as arguments the detector uses
 * them.  Used by the datedet differential test (tests/compat/datedet.sh).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datedet.h"
#include "pyval.h"
#include "strbuf.h"
#include "utf8.h"

int
main(int argc, char **argv)
{
	struct datedet *d = datedet_new();
	struct strbuf line = STRBUF_INIT, out = STRBUF_INIT;
	char *buf = NULL, *err;
	size_t cap = 0;
	ssize_t n;
	int i;
	unsigned long no = 0;

	for (i = 1; i < argc; i++)
		if (datedet_add(d, argv[i], &err) < 0) {
			printf("ERROR\n");
			fprintf(stderr, "%s\n", err);
			free(err);
			datedet_free(d);
			return 1;
		}
	while ((n = getline(&buf, &cap, stdin)) > 0) {
		struct datedet_match m;
		struct datedet_time t;

		no++;
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
			n--;
		strbuf_reset(&line);
		utf8_sanitize(buf, (size_t)n, &line);
		if (line.len == 0 || line.s[0] == '#')
			continue;
		strbuf_reset(&out);
		strbuf_addf(&out, "%lu\t", no);
		if (!datedet_match(d, line.s, line.len, &m))
			strbuf_adds(&out, "None");
		else {
			strbuf_addf(&out, "%s\t%zu\t%zu\t", datedet_name(d, (size_t)m.tpl),
			    m.start, m.end);
			if (datedet_time(d, line.s, &m, &t) < 0)
				strbuf_adds(&out, "None");
			else if (t.is_int)
				strbuf_addf(&out, "%.0f", t.secs);
			else
				pyval_repr_float(t.secs, &out);
		}
		puts(strbuf_str(&out));
	}
	free(buf);
	strbuf_free(&line);
	strbuf_free(&out);
	datedet_free(d);
	return 0;
}

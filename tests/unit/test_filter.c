/*
 * Unit tests for filter: lines through filter_process_line as fail2ban-regex
 * runs them (not in operation, findtime unchecked), checking the failure ids
 * and times: the failure-id rules (fid, then ip4, ip6, dns; ::ffff: mapping,
 * brackets, CIDR and subnets, raw and invalid ids, usedns), prefregex with
 * <F-CONTENT>, ignoreregex, undated lines, maxlines and <F-MLFID> merging
 * with NOFAIL and MLFFORGET; failure ids that do not convert (a bad /len
 * or /mask, tuples from <F-TUPLE_...>): the line's error as fail2ban's
 * processLine raises it ("ERR:").  Expected values come from fail2ban 1.0.2's
 * Filter (tests/tools/gen_filter_cases.py wrote filter_cases.h).
 */
#include <stdlib.h>

#include "clock.h"
#include "filter.h"
#include "pyval.h"
#include "strbuf.h"
#include "tap.h"

#define NOW	1124013600.0

struct fcase {
	const char	*name;
	const char	*fails[4];
	const char	*usedns, *pref, *ign;
	long		 maxlines;
	const char	*lines[12];
	const char	*want;		/* "id@time ..." */
};

#include "filter_cases.h"

static void
run_case(const struct fcase *c)
{
	struct filter *f = filter_new();
	struct strbuf got = STRBUF_INIT;
	char *err = NULL, buf[ADDR_STRLEN];
	size_t i, k;
	bool setup = filter_set_usedns(f, c->usedns, &err) == 0 &&
	    filter_set_maxlines(f, c->maxlines, &err) == 0 &&
	    (c->pref == NULL || filter_set_prefregex(f, c->pref, &err) == 0) &&
	    (c->ign == NULL || filter_add_ignoreregex(f, c->ign, &err) == 0);

	for (i = 0; setup && i < 4 && c->fails[i]; i++)
		setup = filter_add_failregex(f, c->fails[i], &err) == 0;
	if (!setup) {
		ok(0, "%s: %s", c->name, err);
		free(err);
		filter_free(f);
		return;
	}
	filter_set_in_operation(f, false);
	filter_set_check_findtime(f, false);
	for (i = 0; i < 12 && c->lines[i]; i++) {
		struct filter_failure *ff = NULL;
		struct filter_linestat st;
		size_t n = 0, cap = 0;

		filter_process_line(f, c->lines[i], strlen(c->lines[i]), &ff, &n, &cap, &st);
		if (st.error) {
			if (got.len)
				strbuf_addc(&got, ' ');
			strbuf_adds(&got, "ERR:");
			strbuf_adds(&got, st.error);
		}
		for (k = 0; k < n; k++) {
			if (got.len)
				strbuf_addc(&got, ' ');
			strbuf_adds(&got, ff[k].has_id ? addr_str(&ff[k].id, buf, sizeof(buf)) :
			    "None");
			strbuf_addc(&got, '@');
			if (!ff[k].has_time || ff[k].time.secs == NOW)
				strbuf_adds(&got, "now");
			else
				pyval_repr_float(ff[k].time.secs, &got);
		}
		filter_failures_free(ff, n);
	}
	is_str(strbuf_str(&got), c->want, "%s", c->name);
	strbuf_free(&got);
	filter_free(f);
}

int
main(void)
{
	size_t i;

	setenv("TZ", "UTC", 1);
	clock_zone_changed();
	clock_set(NOW);
	for (i = 0; i < sizeof(fcases) / sizeof(fcases[0]); i++)
		run_case(&fcases[i]);
	return tap_done();
}

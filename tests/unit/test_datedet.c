/*
 * Unit tests for datedet: every default template, custom datepatterns
 * (strptime directives, %Ex*, {^LN-BEG}, {DATE}, {UNB}, **, EPOCH, LEPOCH,
 * TAI64N), year inference with the year-end rollover, and time zones (local
 * rules with DST gaps and overlaps, offsets, abbreviations, logtimezone).
 * The expected values come from fail2ban 1.0.2's DateDetector at the same
 * fixed "now" (tests/tools/gen_datedet_cases.py wrote datedet_cases.h).
 */
#include <math.h>
#include <stdlib.h>

#include "clock.h"
#include "datedet.h"
#include "strbuf.h"
#include "tap.h"

struct dcase {
	const char	*tz;
	double		 now;
	const char	*pattern;	/* NULL: the default templates */
	const char	*line;
	const char	*name;		/* NULL: no date found */
	size_t		 start, end;
	int		 has_time;
	double		 time;
};

#include "datedet_cases.h"

static void
zone(const char *tz, double now)
{
	setenv("TZ", tz, 1);
	clock_zone_changed();
	clock_set(now);
}

static void
run_case(const struct dcase *c)
{
	struct datedet *d = datedet_new();
	struct datedet_match m;
	struct datedet_time t;
	char *err = NULL;
	bool found;

	zone(c->tz, c->now);
	if (c->pattern && datedet_add(d, c->pattern, &err) < 0) {
		ok(0, "%s: pattern %s: %s", c->line, c->pattern, err);
		free(err);
		datedet_free(d);
		return;
	}
	found = datedet_match(d, c->line, strlen(c->line), &m);
	if (c->name == NULL) {
		ok(!found, "[%s] %s: no date", c->tz, c->line);
		datedet_free(d);
		return;
	}
	ok(found && strcmp(datedet_name(d, (size_t)m.tpl), c->name) == 0 &&
	    m.start == c->start && m.end == c->end,
	    "[%s] %s: template and span", c->tz, c->line);
	if (found && datedet_time(d, c->line, &m, &t) == 0)
		ok(c->has_time && fabs(t.secs - c->time) < 1e-6,
		    "[%s] %s: time %.6f (want %s%.6f)", c->tz, c->line, t.secs,
		    c->has_time ? "" : "none, not ", c->time);
	else
		ok(!c->has_time, "[%s] %s: no valid time", c->tz, c->line);
	datedet_free(d);
}

/* one detector's answer for a line, as text: template, spans and time */
static void
answer(struct datedet *d, const char *line, struct strbuf *out)
{
	struct datedet_match m;
	struct datedet_time t;

	if (!datedet_match(d, line, strlen(line), &m)) {
		strbuf_adds(out, "-\n");
		return;
	}
	strbuf_addf(out, "%s %zu %zu %zu %zu ", datedet_name(d, (size_t)m.tpl), m.start,
	    m.end, m.mstart, m.mend);
	if (datedet_time(d, line, &m, &t) == 0)
		strbuf_addf(out, "%.6f\n", t.secs);
	else
		strbuf_adds(out, "none\n");
}

/* the detector's templates in order, with their hits */
static void
order(const struct datedet *d, struct strbuf *out)
{
	size_t i;

	for (i = 0; i < datedet_count(d); i++)
		strbuf_addf(out, "%s=%lu\n", datedet_name(d, i), datedet_hits(d, i));
}

/*
 * Detectors share their templates, and a template answers a search it was
 * just asked again from memory: two detectors asked in turn (as two jails
 * on one log are) must each answer as a detector alone does, line by line,
 * with the same template order and hits, the lines given in one reused
 * buffer.
 */
static void
shared_templates(void)
{
	struct datedet *a = datedet_new(), *b = datedet_new(), *c = datedet_new();
	struct strbuf alone = STRBUF_INIT, sb = STRBUF_INIT, sc = STRBUF_INIT;
	struct strbuf oa = STRBUF_INIT, ob = STRBUF_INIT, oc = STRBUF_INIT;
	char buf[1024];
	size_t i, n = 0;

	zone("UTC", 1124013600.0);
	for (i = 0; i < sizeof(dcases) / sizeof(dcases[0]); i++) {
		if (dcases[i].pattern || strlen(dcases[i].line) >= sizeof(buf))
			continue;
		answer(a, dcases[i].line, &alone);
		strcpy(buf, dcases[i].line);
		answer(b, buf, &sb);
		answer(c, buf, &sc);
		n++;
	}
	order(a, &oa);
	order(b, &ob);
	order(c, &oc);
	ok(n >= 30 && strcmp(strbuf_str(&alone), strbuf_str(&sb)) == 0 &&
	    strcmp(strbuf_str(&alone), strbuf_str(&sc)) == 0,
	    "two detectors asked in turn answer as one alone (%zu lines)", n);
	ok(strcmp(strbuf_str(&oa), strbuf_str(&ob)) == 0 &&
	    strcmp(strbuf_str(&oa), strbuf_str(&oc)) == 0,
	    "... with the same template order and hits");
	strbuf_free(&alone);
	strbuf_free(&sb);
	strbuf_free(&sc);
	strbuf_free(&oa);
	strbuf_free(&ob);
	strbuf_free(&oc);
	datedet_free(a);
	datedet_free(b);
	datedet_free(c);
}

int
main(void)
{
	size_t i;
	struct datedet *d;
	struct datedet_match m;
	struct datedet_time t;
	char *err = NULL;
	const char *line;

	for (i = 0; i < sizeof(dcases) / sizeof(dcases[0]); i++)
		run_case(&dcases[i]);
	shared_templates();

	/* all 31 default templates, in fail2ban's order */
	zone("UTC", 1124013600.0);
	d = datedet_new();
	ok(!datedet_match(d, "x", 1, &m), "no date in 'x'");
	is_int(datedet_count(d), 31, "31 default templates");
	datedet_free(d);

	/* logtimezone overrides the local zone for dates without their own */
	d = datedet_new();
	ok(datedet_set_timezone(d, "UTC+0300", &err) == 0, "logtimezone UTC+0300");
	line = "2005-08-13 12:34:56 x";
	ok(datedet_match(d, line, strlen(line), &m) && datedet_time(d, line, &m, &t) == 0 &&
	    t.secs == 1123936496.0 - 3 * 3600, "logtimezone applies to a date without zone");
	line = "2005-08-13 12:34:56 +0100 x";
	ok(datedet_match(d, line, strlen(line), &m) && datedet_time(d, line, &m, &t) == 0 &&
	    t.secs == 1123936496.0 - 3600 && t.is_int, "the date's own zone wins (an int)");
	datedet_free(d);
	d = datedet_new();
	ok(datedet_set_timezone(d, "CEST", &err) == 0, "logtimezone CEST");
	line = "Aug 13 12:34:56 x";
	ok(datedet_match(d, line, strlen(line), &m) && datedet_time(d, line, &m, &t) == 0 &&
	    t.secs == 1123936496.0 - 2 * 3600, "abbreviation CEST is +0200");
	datedet_free(d);
	d = datedet_new();
	ok(datedet_set_timezone(d, "Mars/Olympus", &err) < 0 && err != NULL,
	    "an unknown logtimezone is refused");
	free(err);
	err = NULL;
	datedet_free(d);

	/*
	 * The last conversion is reused only when nothing it depends on
	 * changed: a year-less date read again after New Year belongs to the
	 * old year; the same text at another place of the line, or with the
	 * time zone option changed, converts as new.
	 */
	d = datedet_new();
	clock_set(1735689000.0);	/* 2024-12-31 23:50 UTC */
	line = "Dec 31 23:40:00 host x";
	ok(datedet_match(d, line, strlen(line), &m) && datedet_time(d, line, &m, &t) == 0 &&
	    t.secs == 1735688400.0, "Dec 31 on Dec 31: this year");
	ok(datedet_match(d, line, strlen(line), &m) && datedet_time(d, line, &m, &t) == 0 &&
	    t.secs == 1735688400.0, "the same line again: the same time");
	clock_set(1735689900.0 + 86400 * 2);	/* 2025-01-03 00:05 UTC */
	ok(datedet_match(d, line, strlen(line), &m) && datedet_time(d, line, &m, &t) == 0 &&
	    t.secs == 1735688400.0, "read after New Year: still last year's Dec 31");
	line = "Jan  1 00:10:00 host x";
	clock_set(1735689000.0);	/* 2024-12-31 23:50 UTC: Jan 1 of 2024 */
	ok(datedet_match(d, line, strlen(line), &m) && datedet_time(d, line, &m, &t) == 0 &&
	    t.secs == 1704067800.0, "Jan 1 read on Dec 31: this year's (2024)");
	clock_set(1735690800.0);	/* 2025-01-01 00:20 UTC */
	ok(datedet_match(d, line, strlen(line), &m) && datedet_time(d, line, &m, &t) == 0 &&
	    t.secs == 1735690200.0, "the same text after midnight: 2025's, not the kept 2024");
	clock_set(1735689900.0 + 86400 * 2);	/* 2025-01-03 00:05 UTC */
	line = "Jan  2 10:00:00 host x";
	ok(datedet_match(d, line, strlen(line), &m) && datedet_time(d, line, &m, &t) == 0 &&
	    t.secs == 1735812000.0, "a new text converts as new");
	line = "x Jan  2 10:00:00 host";
	ok(datedet_match(d, line, strlen(line), &m) && datedet_time(d, line, &m, &t) == 0 &&
	    t.secs == 1735812000.0, "the same text elsewhere in the line");
	ok(datedet_set_timezone(d, "UTC+0100", &err) == 0 &&
	    datedet_match(d, line, strlen(line), &m) && datedet_time(d, line, &m, &t) == 0 &&
	    t.secs == 1735812000.0 - 3600, "logtimezone changed: converted again");
	datedet_free(d);

	/* invalid patterns are refused with a message */
	d = datedet_new();
	ok(datedet_add(d, "%Y-%m-%d (", &err) < 0 && err != NULL, "unbalanced pattern refused");
	free(err);
	datedet_free(d);
	return tap_done();
}

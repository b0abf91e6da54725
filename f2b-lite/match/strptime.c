/*
 * strptime: fail2ban's strptime.py - the directives a datepattern is
 * written in (timeRE, with fail2ban's %Ex extensions and the %ExY of the
 * years around now), the time zones it knows, and the conversion of the
 * fields a date template found into seconds (reGroupDictStrptime).
 * datedet builds its templates and converts its matches with it.  Leaf
 * module (uses clock): errors are return values.
 *
 * Sections: the directives (timeRE; %ExY computed once); time zones;
 * conversion (date arithmetic, then strptime_time()).
 */
#include "strptime.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "strbuf.h"
#include "xmalloc.h"

/* ---- strptime directives (strptime.py timeRE, as compiled in 2026) ------ */

struct directive {
	const char	*key;
	const char	*regex;
	const char	*name;
};

/* %ExY is computed at run time (exy_regex); the rest are constants. */
static const struct directive directives[] = {
	{ "%", "%", "%" },
	{ "ExZ", "(?P<Z>[A-Z](?:[A-Z]{2,4})?)", "ExZone name" },
	{ "Exz", "(?P<z>(?:[A-Z](?:[A-Z]{2,4})?)?[+-][01]\\d(?::?\\d{2})?|[A-Z](?:[A-Z]{2,4})?)",
	  "ExZone offset" },
	{ "Exd", "(?P<d>[1-2]\\d|0[1-9]|3[0-1])", "ExDay" },
	{ "Exm", "(?P<m>0[1-9]|1[0-2])", "ExMonth" },
	{ "ExH", "(?P<H>[0-1]\\d|2[0-3])", "Ex24hour" },
	{ "Exk", " ?(?P<H>[0-1]?\\d|2[0-3])", "%Exk" },
	{ "Exl", " ?(?P<I>1[0-2]|\\d)", "Ex%l" },
	{ "ExM", "(?P<M>[0-5]\\d)", "ExMinute" },
	{ "ExS", "(?P<S>[0-5]\\d|6[0-1])", "ExSecond" },
	{ "ExY", NULL, "ExYear" },
	{ "Exy", "(?P<y>\\d{2})", "ExYear2" },
	{ "d", "(?P<d>[1-2]\\d|[0 ]?[1-9]|3[0-1])", "Day" },
	{ "f", "(?P<f>[0-9]{1,6})", "Microseconds" },
	{ "H", "(?P<H>[0-1]?\\d|2[0-3])", "24hour" },
	{ "I", "(?P<I>1[0-2]|0[1-9]|[1-9])", "12hour" },
	{ "G", "(?P<G>\\d\\d\\d\\d)", "%G" },
	{ "j", "(?P<j>36[0-6]|3[0-5]\\d|[1-2]\\d\\d|0[1-9]\\d|00[1-9]|[1-9]\\d|0[1-9]|[1-9])",
	  "Yearday" },
	{ "m", "(?P<m>0?[1-9]|1[0-2])", "Month" },
	{ "M", "(?P<M>[0-5]?\\d)", "Minute" },
	{ "S", "(?P<S>[0-5]?\\d|6[0-1])", "Second" },
	{ "U", "(?P<U>5[0-3]|[0-4]\\d|\\d)", "Yearweek" },
	{ "w", "(?P<w>[0-6])", "Weekday" },
	{ "u", "(?P<u>[1-7])", "%u" },
	{ "V", "(?P<V>5[0-3]|0[1-9]|[1-4]\\d|\\d)", "%V" },
	{ "y", "(?P<y>\\d\\d)", "Year2" },
	{ "Y", "(?P<Y>\\d{4})", "Year" },
	{ "z", "(?P<z>Z|UTC|GMT|[+-][01]\\d(?::?\\d{2})?)", "Zone offset" },
	{ "A", "(?P<A>wednesday|thursday|saturday|tuesday|monday|friday|sunday)", "DAYNAME" },
	{ "a", "(?P<a>mon|tue|wed|thu|fri|sat|sun)", "DAY" },
	{ "B", "(?P<B>september|february|november|december|january|october|august|march|"
	  "april|june|july|may)", "MONTH" },
	{ "b", "(?P<b>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)", "MON" },
	{ "p", "(?P<p>am|pm)", "AMPM" },
	{ "Z", "(?P<Z>Z|[A-Z]{3,5})", "Zone name" },
	{ "W", "(?P<W>5[0-3]|[0-4]\\d|\\d)", "Yearweek" },
	{ "c", "(?P<a>mon|tue|wed|thu|fri|sat|sun)\\s+(?P<b>jan|feb|mar|apr|may|jun|jul|aug|"
	  "sep|oct|nov|dec)\\s+(?P<d>3[0-1]|[1-2]\\d|0[1-9]|[1-9]| [1-9])\\s+(?P<H>2[0-3]|"
	  "[0-1]\\d|\\d):(?P<M>[0-5]\\d|\\d):(?P<S>6[0-1]|[0-5]\\d|\\d)\\s+(?P<Y>\\d\\d\\d\\d)",
	  "%c" },
	{ "x", "(?P<m>1[0-2]|0[1-9]|[1-9])/(?P<d>3[0-1]|[1-2]\\d|0[1-9]|[1-9]| [1-9])/"
	  "(?P<y>\\d\\d)", "%x" },
	{ "X", "(?P<H>2[0-3]|[0-1]\\d|\\d):(?P<M>[0-5]\\d|\\d):(?P<S>6[0-1]|[0-5]\\d|\\d)",
	  "%X" },
	{ "k", " ?(?P<H>[0-2]?\\d)", "%k" },
	{ "l", " ?(?P<I>1?\\d)", "%l" },
};

static const char *const month_abbr[] = { "jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec" };
static const char *const month_full[] = { "january", "february", "march", "april",
	"may", "june", "july", "august", "september", "october", "november", "december" };
static const char *const day_abbr[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
static const char *const day_full[] = { "monday", "tuesday", "wednesday", "thursday",
	"friday", "saturday", "sunday" };

/* _getYearCentRE's grp(): a compact alternation of same-length strings. */
static void
exy_group(char **set, size_t n, struct strbuf *out)
{
	size_t i, len = strlen(set[0]);
	char *c = NULL;

	if (n > 1) {
		/* common prefix of all but the last character, then the first */
		for (i = 0; i < n && len > 1; i++) {
			if (c == NULL)
				c = xstrndup(set[i], len - 1);
			else if (strncmp(set[i], c, len - 1) != 0) {
				free(c);
				c = NULL;
				break;
			}
		}
		if (c == NULL) {
			for (i = 0; i < n; i++) {
				if (c == NULL)
					c = xstrndup(set[i], 1);
				else if (set[i][0] != c[0]) {
					free(c);
					c = NULL;
					break;
				}
			}
		}
		if (c != NULL && c[0]) {
			char **rest = xmalloc(n * sizeof(*rest));
			size_t cl = strlen(c);

			for (i = 0; i < n; i++)
				rest[i] = set[i] + cl;
			strbuf_adds(out, c);
			if (rest[0][0] != '\0')
				exy_group(rest, n, out);
			free(rest);
			free(c);
			return;
		}
		free(c);
	}
	if (n > 1) {
		if (len > 1) {
			strbuf_adds(out, "(?:");
			for (i = 0; i < n; i++) {
				if (i)
					strbuf_addc(out, '|');
				strbuf_adds(out, set[i]);
			}
			strbuf_addc(out, ')');
		} else {
			strbuf_addc(out, '[');
			for (i = 0; i < n; i++)
				strbuf_adds(out, set[i]);
			strbuf_addc(out, ']');
		}
	} else
		strbuf_adds(out, set[0]);
}

static int
exy_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * %ExY: years of the century prefixes from (2001 - 1) in steps of 3 to now,
 * plus last year and three years ahead (strptime._updateTimeRE).
 */
static const char *
exy_regex(void)
{
	static char *exy;
	struct strbuf sb = STRBUF_INIT;
	char *set[64];
	size_t n = 0, i;
	struct tm now;
	int y, years[64], ny = 0;

	if (exy != NULL)
		return exy;
	/* computed once from the real clock, as at fail2ban's import time */
	{
		time_t tt = time(NULL);

		localtime_r(&tt, &now);
	}
	y = now.tm_year + 1900;
	years[ny++] = y - 1;
	years[ny++] = y + 3;
	for (i = 2000; (int)i < y + 1 && ny < 60; i += 3)
		years[ny++] = (int)i;
	for (i = 0; i < (size_t)ny; i++) {
		char buf[16];
		size_t j;

		snprintf(buf, sizeof(buf), "%.3d", years[i]);
		buf[3] = '\0';
		for (j = 0; j < n && strcmp(set[j], buf) != 0; j++)
			;
		if (j == n)
			set[n++] = xstrdup(buf);
	}
	qsort(set, n, sizeof(*set), exy_cmp);
	strbuf_adds(&sb, "(?P<Y>");
	exy_group(set, n, &sb);
	strbuf_adds(&sb, "\\d)");
	for (i = 0; i < n; i++)
		free(set[i]);
	exy = strbuf_detach(&sb);
	return exy;
}

/*
 * The directive at p (after its '%'): the alternation order of
 * getTimePatternRE(): %, the Ex keys, then one character.
 */
const char *
strptime_directive(const char *p, size_t *len, const char **name)
{
	size_t i;

	for (i = 0; i < sizeof(directives) / sizeof(directives[0]); i++) {
		size_t kl = strlen(directives[i].key);

		if (strncmp(p, directives[i].key, kl) == 0) {
			*len = kl;
			*name = directives[i].name;
			return directives[i].regex ? directives[i].regex : exy_regex();
		}
	}
	return NULL;
}

/* ---- time zones (validateTimeZone, zone2offset, TZ_ABBR_OFFS) ----------- */

int
strptime_zone_offset(const char *tz, int *minutes)
{
	static const char tz_str[] =
	    "-12 Y\n-11 X NUT SST\n-10 W CKT HAST HST TAHT TKT\n"
	    "-9 V AKST GAMT GIT HADT HNY\n-8 U AKDT CIST HAY HNP PST PT\n"
	    "-7 T HAP HNR MST PDT\n-6 S CST EAST GALT HAR HNC MDT\n"
	    "-5 R CDT COT EASST ECT EST ET HAC HNE PET\n"
	    "-4 Q AST BOT CLT COST EDT FKT GYT HAE HNA PYT\n"
	    "-3 P ADT ART BRT CLST FKST GFT HAA PMST PYST SRT UYT WGT\n"
	    "-2 O BRST FNT PMDT UYST WGST\n-1 N AZOT CVT EGT\n"
	    "0 Z EGST GMT UTC WET WT\n1 A CET DFT WAT WEDT WEST\n"
	    "2 B CAT CEDT CEST EET SAST WAST\n3 C EAT EEDT EEST IDT MSK\n"
	    "4 D AMT AZT GET GST KUYT MSD MUT RET SAMT SCT\n"
	    "5 E AMST AQTT AZST HMT MAWT MVT PKT TFT TJT TMT UZT YEKT\n"
	    "6 F ALMT BIOT BTT IOT KGT NOVT OMST YEKST\n"
	    "7 G CXT DAVT HOVT ICT KRAT NOVST OMSST THA WIB\n"
	    "8 H ACT AWST BDT BNT CAST HKT IRKT KRAST MYT PHT SGT ULAT WITA WST\n"
	    "9 I AWDT IRKST JST KST PWT TLT WDT WIT YAKT\n"
	    "10 K AEST ChST PGT VLAT YAKST YAPT\n"
	    "11 L AEDT LHDT MAGT NCT PONT SBT VLAST VUT\n"
	    "12 M ANAST ANAT FJT GILT MAGST MHT NZST PETST PETT TVT WFT\n"
	    "13 FJST NZDT\n11.5 NFT\n10.5 ACDT LHST\n9.5 ACST\n6.5 CCT MMT\n5.75 NPT\n"
	    "5.5 SLT\n4.5 AFT IRDT\n3.5 IRST\n-2.5 HAT NDT\n-3.5 HNT NST NT\n"
	    "-4.5 HLV VET\n-9.5 MART MIT\n";
	size_t al = 0, i;
	const char *p = tz, *off;
	int base = 0;

	/* FIXED_OFFSET_TZ_RE: ([A-Z](?:[A-Z]{2,4})?)?([+-][01]\d(?::?\d{2})?)?$ */
	if (p[0] >= 'A' && p[0] <= 'Z') {
		al = 1;
		if (p[1] >= 'A' && p[1] <= 'Z' && p[2] >= 'A' && p[2] <= 'Z') {
			al = 3;
			while (al < 5 && p[al] >= 'A' && p[al] <= 'Z')
				al++;
		}
	}
	off = p + al;
	if (*off && !((off[0] == '+' || off[0] == '-') && (off[1] == '0' || off[1] == '1') &&
	    off[2] >= '0' && off[2] <= '9'))
		return -1;
	if (*off) {
		const char *q = off + 3;

		if (*q == ':')
			q++;
		if (*q) {
			if (!(q[0] >= '0' && q[0] <= '9' && q[1] >= '0' && q[1] <= '9' &&
			    q[2] == '\0'))
				return -1;
		}
	}
	if (al) {
		const char *line = tz_str;
		bool found = false;

		while (*line && !found) {
			const char *end = strchr(line, '\n'), *w = line;
			double o = strtod(line, NULL);

			w = strchr(line, ' ');
			while (w && w < end && !found) {
				const char *we;

				w++;
				we = w;
				while (we < end && *we != ' ')
					we++;
				if ((size_t)(we - w) == al && strncmp(w, p, al) == 0) {
					base = (int)(o * 60);
					found = true;
				}
				w = we;
			}
			line = end + 1;
		}
		if (!found)
			return -2;
	}
	if (*off) {
		size_t ol = strlen(off);
		int sign = off[0] == '-' ? -1 : 1;

		if (ol <= 3)
			base += atoi(off) * 60;
		else if (off[3] != ':')
			base += sign * ((off[1] - '0') * 600 + (off[2] - '0') * 60 +
			    (off[3] - '0') * 10 + (off[4] - '0'));
		else
			base += sign * ((off[1] - '0') * 600 + (off[2] - '0') * 60 +
			    (off[4] - '0') * 10 + (off[5] - '0'));
	}
	(void)i;
	*minutes = base;
	return 0;
}

/* ---- conversion (strptime.reGroupDictStrptime) ------------------------- */

static int
num(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] >= '0' && s[i] <= '9')
			v = v * 10 + (s[i] - '0');
	return v;
}

static int
index_of(const char *const *names, size_t nnames, const char *s, size_t n)
{
	size_t i, j;

	if (n == 0)
		return -1;
	for (i = 0; i < nnames; i++) {
		/* the names are lower case: a first letter tells most apart */
		if ((s[0] | 0x20) != names[i][0] || strlen(names[i]) != n)
			continue;
		for (j = 0; j < n; j++) {
			char c = s[j];

			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if (c != names[i][j])
				break;
		}
		if (j == n)
			return (int)i;
	}
	return -1;
}

static bool
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static long
days_from_civil(long y, unsigned m, unsigned d)
{
	long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

/* The broken-down UTC fields of seconds since 1970 (the inverse). */
static void
civil_from_secs(double secs, struct tm *tm)
{
	long t = (long)floor(secs), z = (t >= 0 ? t : t - 86399) / 86400;
	long sod = t - z * 86400, era, y;
	unsigned doe, yoe, doy, mp, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (long)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	memset(tm, 0, sizeof(*tm));
	tm->tm_year = (int)(y + (m <= 2) - 1900);
	tm->tm_mon = (int)m - 1;
	tm->tm_mday = (int)d;
	tm->tm_hour = (int)(sod / 3600);
	tm->tm_min = (int)(sod / 60 % 60);
	tm->tm_sec = (int)(sod % 60);
	tm->tm_isdst = -1;
}

/* datetime arithmetic on a naive date-time held as seconds since 1970 */
static double
naive(int y, int mo, int d, int h, int mi, int s)
{
	/* lines and "now" keep to a few days: remember the last two */
	static struct {
		int	 y, m, d;
		long	 days;
	} memo[2] = { { 0, 0, 0, 0 }, { 0, 0, 0, 0 } };
	static int next;
	long days;
	int i;

	for (i = 0; i < 2; i++)
		if (memo[i].y == y && memo[i].m == mo && memo[i].d == d &&
		    y != 0)
			break;
	if (i < 2)
		days = memo[i].days;
	else {
		days = days_from_civil(y, (unsigned)mo, (unsigned)d);
		memo[next].y = y;
		memo[next].m = mo;
		memo[next].d = d;
		memo[next].days = days;
		next ^= 1;
	}
	return (double)days * 86400.0 +
	    h * 3600 + mi * 60 + s;
}

/*
 * reGroupDictStrptime: the fields a template found -> seconds since 1970.
 * Missing fields are filled from now: no year is this year (last year when
 * that puts the date more than a day ahead), no month and day is today
 * (yesterday when that puts the time ahead).  A zone (%z, %Z, or the
 * default one) gives a Python int, as calendar.timegm() does.
 */
int
strptime_time(const struct strptime_field *fields, size_t nfields, const char *ampm,
    bool has_deftz, int deftz_minutes, double nowsecs, double *secs, bool *is_int)
{
	size_t k;
	int year = -1, month = -1, day = -1, hour = 0, minute = 0, second = 0;
	int julian = -1, week = -1, weekday = -1, wstart = 0, tzoff = 0;
	bool has_tz = false, assume_year = false, assume_today = false, adjusted = false;
	double dt, now_naive;
	struct tm now;

	*is_int = false;
	/* fields in group order, as Python walks groupdict() */
	for (k = 0; k < nfields; k++) {
		const char *v = fields[k].text;
		size_t n = fields[k].len;

		switch (fields[k].code) {
		case 'y':
			year = num(v, n);
			if (year <= 2000)
				year += 2000;
			break;
		case 'Y':
			year = num(v, n);
			break;
		case 'm':
			month = num(v, n);
			break;
		case 'B':
			month = index_of(month_full, 12, v, n) + 1;
			break;
		case 'b':
			month = index_of(month_abbr, 12, v, n) + 1;
			break;
		case 'd':
			day = num(v, n);
			break;
		case 'H':
			hour = num(v, n);
			break;
		case 'I': {
			bool pm = false, am = true;

			hour = num(v, n);
			if (ampm != NULL) {
				am = (ampm[0] == 'a' || ampm[0] == 'A');
				pm = !am;
			}
			if (am && hour == 12)
				hour = 0;
			else if (pm && hour != 12)
				hour += 12;
			break;
		}
		case 'M':
			minute = num(v, n);
			break;
		case 'S':
			second = num(v, n);
			break;
		case 'A':
			weekday = index_of(day_full, 7, v, n);
			break;
		case 'a':
			weekday = index_of(day_abbr, 7, v, n);
			break;
		case 'w':
			weekday = num(v, n) - 1;
			if (weekday < 0)
				weekday = 6;
			break;
		case 'j':
			julian = num(v, n);
			break;
		case 'U':
		case 'W':
			week = num(v, n);
			wstart = fields[k].code == 'U' ? 6 : 0;
			break;
		case 'z':
		case 'Z': {
			char z[16];

			if (n >= sizeof(z))
				return -1;
			memcpy(z, v, n);
			z[n] = '\0';
			has_tz = true;
			if (!strcmp(z, "Z") || !strcmp(z, "UTC") || !strcmp(z, "GMT"))
				tzoff = 0;
			else if (strptime_zone_offset(z, &tzoff) < 0)
				return -1;	/* fail2ban raises here (KeyError) */
			break;
		}
		}
	}
	/* "now" is the caller's reading of the clock, read once per line */
	clock_local_tm(nowsecs, &now);
	if (year < 0) {
		year = now.tm_year + 1900;
		assume_year = true;
	}
	if (month < 0 || day < 0) {
		if (julian < 0 && week >= 0 && weekday >= 0) {
			/* _calc_julian_from_U_or_W */
			long jan1 = days_from_civil(year, 1, 1);
			int first_wd, week0;

			/* 1970-01-01 was a Thursday (Monday = 0: 3) */
			first_wd = (int)(((jan1 % 7) + 7 + 3) % 7);
			if (wstart != 0) {			/* %U: weeks start on Sunday */
				first_wd = (first_wd + 1) % 7;
				weekday = (weekday + 1) % 7;
			}
			week0 = (7 - first_wd) % 7;
			julian = week == 0 ? 1 + weekday - first_wd :
			    1 + week0 + 7 * (week - 1) + weekday;
		}
		if (julian >= 0) {
			double jd = naive(year, 1, 1, 0, 0, 0) + (julian - 1) * 86400.0;
			struct tm g;

			civil_from_secs(jd, &g);
			year = g.tm_year + 1900;
			month = g.tm_mon + 1;
			day = g.tm_mday;
		}
	}
	if (month < 0 && day < 0) {
		month = now.tm_mon + 1;
		day = now.tm_mday;
		assume_today = true;
	}
	if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 ||
	    day > days_in_month(year, month) || hour > 23 || minute > 59 || second > 59)
		return -1;	/* datetime() would raise ValueError */
	dt = naive(year, month, day, hour, minute, second);
	if (!has_tz && has_deftz) {
		tzoff = deftz_minutes;
		has_tz = true;
	}
	if (has_tz)
		dt -= tzoff * 60.0;
	now_naive = naive(now.tm_year + 1900, now.tm_mon + 1, now.tm_mday, now.tm_hour,
	    now.tm_min, now.tm_sec) + (nowsecs - floor(nowsecs));
	if (assume_today && dt > now_naive) {
		dt -= 86400;
		adjusted = true;
	}
	if (assume_year && dt > now_naive + 86400) {
		/* date_result.replace(year=year-1, month=month, day=day) */
		struct tm g;

		civil_from_secs(dt, &g);
		if (month == 2 && day == 29 && !is_leap(year - 1))
			return -1;
		dt = naive(year - 1, month, day, g.tm_hour, g.tm_min, g.tm_sec);
		adjusted = true;
	}
	if (has_tz) {
		*secs = dt;
		*is_int = true;	/* calendar.timegm() gives an int */
	} else if (!adjusted) {
		/* dt is the fields as read: no need to take it apart again */
		struct tm g = { .tm_year = year - 1900, .tm_mon = month - 1,
		    .tm_mday = day, .tm_hour = hour, .tm_min = minute, .tm_sec = second,
		    .tm_isdst = -1 };

		*secs = clock_mktime(&g);
	} else {
		struct tm g;

		civil_from_secs(dt, &g);
		*secs = clock_mktime(&g);
	}
	return 0;
}

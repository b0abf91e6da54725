/*
 * Unit tests for prefilter: superset-ness.  For each case, every subject
 * the regex matches (PCRE2 through rx, as the filters search) must leave
 * the regex's group a candidate; subjects that lack a needed text must not
 * The cases go through the constructs the
 * text analysis must not be fooled by: optional and repeated pieces,
 * escapes that are not literals, alternations, lookarounds, flags.
 */
#include "prefilter.h"
#include "rx.h"
#include "tap.h"

struct pcase {
	const char	*regex;
	const char	*subject;
	int		 skip;	/* 1: must be skipped (not a candidate) */
};

static const struct pcase cases[] = {
	{ "Failed password for .* from (?P<host>\\S+)", "sshd: Failed password for x from 1.2.3.4\n", 0 },
	{ "Failed password for .* from (?P<host>\\S+)", "sshd: Accepted password for x from 1.2.3.4\n", 1 },
	/* an optional character is not needed */
	{ "abcd?ef", "abcef\n", 0 },
	{ "abcd?ef", "abxef\n", 1 },
	{ "abcd{0,3}xyz", "abcxyz\n", 0 },
	{ "abcd{,3}xyz", "abcxyz\n", 0 },
	{ "abcd{00}xyz", "abcxyz\n", 0 },
	{ "abcd{2}xyz", "abcddxyz\n", 0 },
	{ "abcd+xyz", "abcdddxyz\n", 0 },
	{ "abcd*xyz", "abcxyz\n", 0 },
	{ "abc(?:def)?ghi", "abcghi\n", 0 },
	{ "abc(?:def)*ghi", "abcghi\n", 0 },
	{ "abc(?:def){0}ghi", "abcghi\n", 0 },
	{ "abc(?:defg){1,2}ghi", "abcdefgdefgghi\n", 0 },
	{ "abc(?:defg){1,2}ghi", "abcghi\n", 1 },
	/* a "{" that is no quantifier is a literal */
	{ "abc{x}def", "abc{x}def\n", 0 },
	/* escapes: not literals, or literals of another spelling */
	{ "abc\\x41def", "abcAdef\n", 0 },
	{ "abc\\u00e9def", "abc\xc3\xa9" "def\n", 0 },
	{ "abc\\U000000e9def", "abc\xc3\xa9" "def\n", 0 },
	{ "abc\\101def", "abcAdef\n", 0 },
	{ "(abc)x\\1yz", "abcxabcyz\n", 0 },
	{ "(?P<a>abc)x(?P=a)yz", "abcxabcyz\n", 0 },
	{ "abc\\.def\\[x\\]", "abc.def[x]\n", 0 },
	{ "abc\\tdef", "abc\tdef\n", 0 },
	{ "abc\\sdef", "abc def\n", 0 },
	{ "abc\\d+def", "abc12def\n", 0 },
	{ "abc\\b def", "abc def\n", 0 },
	{ "x\xc3\xa9?abc", "xabc\n", 0 },
	{ "\\\xc3\xa9tude", "\xc3\xa9tude\n", 0 },
	/* classes, with what PCRE2 reads in them */
	{ "abc[]x]def", "abc]def\n", 0 },
	{ "abc[[:alpha:]]def", "abcqdef\n", 0 },
	{ "abc[^)]def", "abcqdef\n", 0 },
	{ "abc[(]def", "abc(def\n", 0 },
	/* alternations: one branch's texts are enough */
	{ "(?:Connection (?:closed|reset)|Disconnected) by", "Connection reset by\n", 0 },
	{ "(?:Connection (?:closed|reset)|Disconnected) by", "Disconnected by\n", 0 },
	{ "(?:Connection (?:closed|reset)|Disconnected) by", "Connected by\n", 1 },
	{ "foo|barbaz", "barbaz\n", 0 },
	{ "foo|barbaz", "foo\n", 0 },
	{ "(?:abc|)def", "def\n", 0 },
	{ "(?:abc|d)efg", "defg\n", 0 },
	/* lookarounds need nothing: a negative one needs the text absent */
	{ "abc(?!xyz)def", "abcdef\n", 0 },
	{ "abc(?=def)", "abcdef\n", 0 },
	{ "(?<!xyz)abc", "abc\n", 0 },
	{ "(?<=xyz)abc", "xyzabc\n", 0 },
	{ "(x)?(?(1)xyz|abc)", "abc\n", 0 },
	{ "(?#comment)abc", "abc\n", 0 },
	/* flags that change what a literal means: nothing is known */
	{ "(?i)failed password", "FAILED PASSWORD\n", 0 },
	{ "x(?i:failed) password", "xFAILED password\n", 0 },
	{ "(?x) fai led", "failed\n", 0 },
	{ "(?m)^abc$", "x\nabc\n", 0 },
	/* anchors and dots are no texts */
	{ "^abc$", "abc\n", 0 },
	{ "a.c.def", "abcxdef\n", 0 },
	{ "((((((((((((((((((((((((((((((((((abc))))))))))))))))))))))))))))))))))", "abc\n", 0 },
};

/* A regex with alternatives past the limit needs nothing. */
static const char many[] = "(?:aaa|bbb|ccc|ddd|eee)(?:fff|ggg|hhh|iii|jjj)wxyz";

static bool
candidate(const char *regex, const char *subject, bool *prefiltered)
{
	struct prefilter *pf = prefilter_new();
	uint64_t bits[1] = { 0 };
	char *err = NULL;
	int g = prefilter_group(pf);

	*prefiltered = prefilter_add_regex(pf, g, regex, "failregex 0");
	prefilter_build(pf, &err);
	free(err);
	prefilter_scan(pf, subject, strlen(subject), bits);
	*prefiltered = *prefiltered && prefilter_why(pf, g) == NULL;
	prefilter_free(pf);
	return prefilter_bit(bits, g);
}

int
main(void)
{
	size_t i;
	bool avail = prefilter_available(), pre;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct pcase *c = &cases[i];
		char *err = NULL;
		struct rx *rx = rx_compile(c->regex, 0, &err);
		size_t sp[2];
		int m;

		if (rx == NULL) {
			ok(0, "case %zu compiles: %s", i, err);
			free(err);
			continue;
		}
		m = rx_search(rx, c->subject, strlen(c->subject), 0, false, sp, 1);
		rx_free(rx);
		if (c->skip) {
			ok(m != RX_MATCH, "case %zu: '%s' does not match its subject", i, c->regex);
			ok(!avail || !candidate(c->regex, c->subject, &pre),
			    "case %zu: '%s' skips a subject without its texts", i, c->regex);
		} else {
			ok(m == RX_MATCH, "case %zu: '%s' matches its subject", i, c->regex);
			ok(candidate(c->regex, c->subject, &pre),
			    "case %zu: '%s': its subject is a candidate", i, c->regex);
		}
	}
	ok(candidate(many, "aaaggg wxyz\n", &pre) && (!avail || pre),
	    "past the alternatives' limit: weakened, still prefiltered on the rest");
	ok(!avail || !candidate(many, "aaaggg\n", &pre), "... and its common text is still needed");
	/* a failregex behind a prefregex sees part of the line: the line holds its texts */
	{
		const char *re = "^Invalid user (?P<user>\\S+) from (?P<host>\\S+)\\s*$";
		const char *content = "Invalid user bob from 1.2.3.4\n";
		struct rx *rx = rx_compile(re, 0, &(char *){ NULL });
		size_t sp[2];

		ok(rx_search(rx, content, strlen(content), 0, false, sp, 1) == RX_MATCH,
		    "the failregex matches the content");
		ok(candidate(re, "Dec  7 sshd[1]: Invalid user bob from 1.2.3.4\n", &pre),
		    "the whole line is a candidate");
		rx_free(rx);
	}
	/* what the analysis does not understand: no texts, never wrong ones */
	{
		struct prefilter *pf = prefilter_new();
		int g = prefilter_group(pf);

		ok(!prefilter_add_regex(pf, g, "abc)def", "failregex 0"), "a stray ')'");
		ok(!prefilter_add_regex(pf, g, "ab", "failregex 1"), "texts shorter than PREFILTER_MIN");
		prefilter_free(pf);
	}
	/* the status of a group */
	{
		struct prefilter *pf = prefilter_new();
		uint64_t bits[1] = { 0 };
		char *err = NULL;
		int g0 = prefilter_group(pf), g1 = prefilter_group(pf), g2 = prefilter_group(pf);

		ok(prefilter_add_regex(pf, g0, "abcdef", "failregex 0"), "a regex with a text");
		ok(!prefilter_add_regex(pf, g1, "\\d+", "failregex 3"), "a regex without");
		prefilter_add_regex(pf, g2, "xyz", "failregex 0");
		prefilter_set_always(pf, g2, "maxlines > 1");
		is_str(prefilter_why(pf, g1), "failregex 3 has no text every match contains",
		    "why a group is always a candidate");
		is_str(prefilter_why(pf, g2), "maxlines > 1", "the first reason stands");
		ok(prefilter_build(pf, &err) == 0 || !avail, "builds");
		free(err);
		prefilter_scan(pf, "nothing here\n", 13, bits);
		ok(!avail || (!prefilter_bit(bits, g0) && prefilter_bit(bits, g1) &&
		    prefilter_bit(bits, g2)), "always-candidates are set, the others by text");
		bits[0] = 0;
		prefilter_scan(pf, "xx abcdef\n", 10, bits);
		ok(prefilter_bit(bits, g0), "a group whose texts are there");
		prefilter_free(pf);
	}
	/*
	 * A text is found wherever the scanned text lies in memory: Debian 12's
	 * Vectorscan 5.4.9 missed "query" here at 7 of these 64 alignments on an
	 * AVX-512 machine (named-refused's failregexes, a line of its sample log).
	 */
	{
		const char *line = "atom named[1806]: client @0x7fb13400eec0 192.0.2.1#61977 (.): "
		    "query (cache) './ANY/IN' denied\n";
		size_t len = strlen(line), off, found = 0;
		struct prefilter *pf = prefilter_new();
		int g = prefilter_group(pf);
		char *err = NULL, *buf = aligned_alloc(64, 512);

		prefilter_add_regex(pf, g, "^(?:view (?:internal|external): )?query(?: \\(cache\\))?",
		    "failregex 0");
		prefilter_add_regex(pf, g, "^zone transfer", "failregex 1");
		prefilter_add_regex(pf, g, "^bad zone transfer request: '\\S+/IN': "
		    "non-authoritative zone", "failregex 2");
		prefilter_build(pf, &err);
		free(err);
		for (off = 0; off < 64; off++) {
			uint64_t bits[1] = { 0 };

			memset(buf, 0, 512);
			memcpy(buf + 64 + off, line, len);
			prefilter_scan(pf, buf + 64 + off, len, bits);
			found += prefilter_bit(bits, g);
		}
		ok(found == 64, "the text is found at every alignment (%zu of 64)", found);
		free(buf);
		prefilter_free(pf);
	}
	return tap_done();
}

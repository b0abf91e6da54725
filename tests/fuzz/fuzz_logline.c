/*
 * libFuzzer target: log lines, the daemon's untrusted input, through the
 * whole filter engine - date detection (the default templates and custom
 * patterns with zones), prefregex with <F-CONTENT>, failregexes with every
 * kind of tag, ignoreregexes, multi-line buffers with <F-MLFID> merging,
 * and the failure-id rules.  The input is split into lines as a log file is.
 * (usedns is "no" or "raw" throughout: a fuzzer must not resolve names.)
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct spec {
	const char	*datepattern;	/* NULL: the default templates */
	const char	*prefregex;
	const char	*fail[4];
	const char	*ignore;
	long		 maxlines;
	const char	*usedns;
};

static const struct spec specs[] = {
	{ NULL, "^<F-MLFID>(?:\\S+ )?\\S+ sshd(?:\\[\\d+\\])?:</F-MLFID> <F-CONTENT>.+</F-CONTENT>$",
	  { "^Failed \\S+ for (?:invalid user )?<F-USER>\\S+</F-USER> from <HOST>(?: port \\d+)?",
	    "^Invalid user <F-USER>.*?</F-USER> from <HOST>\\s*$",
	    "^Connection closed by <F-ALT_USER>\\S+</F-ALT_USER> <ADDR> port <F-PORT>\\d+</F-PORT><F-NOFAIL></F-NOFAIL>",
	    NULL },
	  "^Accepted ", 1, "no" },
	{ NULL, NULL,
	  { "^<F-MLFID>\\S+</F-MLFID> start$<SKIPLINES>^\\S+ auth failed from <HOST>",
	    "^<F-MLFID>\\S+</F-MLFID> client <F-TUPLE_A>\\S+</F-TUPLE_A> <F-MLFGAINED>ok</F-MLFGAINED>",
	    "^<F-MLFID>\\S+</F-MLFID> bye<F-MLFFORGET/>",
	    "<SUBNET> denied <F-ID>\\w+</F-ID>" },
	  NULL, 3, "raw" },
	{ "^%Y-%m-%d %H:%M:%S(?:\\.%f)? ?%z?", NULL,
	  { "\"<IP4>\"#011\"(?:SENT: 5\\d\\d|RECEIVED: EHLO) <F-CONTENT>.*</F-CONTENT>",
	    "from <IP6> user <F-USER>[^ ]*</F-USER>",
	    "host <DNS> <CIDR>", NULL },
	  NULL, 1, "no" },
	{ "{^LN-BEG}EPOCH", NULL, { "<HOST>", NULL }, NULL, 1, "raw" },
	{ "%ExY-%m-%d %H:%M:%S %Z", NULL, { "fail <F-FID>.+?</F-FID>$", NULL }, NULL, 2, "no" },
	{ "{^LN-BEG}TAI64N", NULL, { "x <HOST>", NULL }, NULL, 1, "no" },
};
#define NSPECS	(sizeof(specs) / sizeof(specs[0]))

static struct filter *filters[NSPECS];

static void
die(size_t i, const char *err)
{
	fprintf(stderr, "fuzz_logline: spec %zu: %s\n", i, err);
	abort();
}

static void
setup(void)
{
	size_t i, k;
	char *err = NULL;

	clock_set(1700000000.0);
	for (i = 0; i < NSPECS; i++) {
		const struct spec *s = &specs[i];
		struct filter *f = filter_new();

		if (filter_set_usedns(f, s->usedns, &err) < 0 ||
		    filter_set_maxlines(f, s->maxlines, &err) < 0 ||
		    (s->datepattern && filter_set_datepattern(f, s->datepattern, &err) < 0) ||
		    (s->prefregex && filter_set_prefregex(f, s->prefregex, &err) < 0) ||
		    (s->ignore && filter_add_ignoreregex(f, s->ignore, &err) < 0))
			die(i, err);
		for (k = 0; k < 4 && s->fail[k]; k++)
			if (filter_add_failregex(f, s->fail[k], &err) < 0)
				die(i, err);
		filter_set_findtime(f, 600);
		filters[i] = f;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	size_t i;

	if (filters[0] == NULL)
		setup();
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		for (i = 0; i < NSPECS; i++) {
			struct filter_failure *ff = NULL;
			struct filter_linestat st;
			size_t n = 0, cap = 0;

			filter_process_line(filters[i], p, len, &ff, &n, &cap, &st);
			filter_failures_free(ff, n);
		}
		p += len + 1;
	}
	return 0;
}

/* rx: PCRE2 wrapper. */
#include "rx.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

struct rx {
	pcre2_code		*code;
	pcre2_match_data	*md;
	int			 ngroups;
	bool			 jit;
};

struct rx *
rx_compile(const char *pattern, unsigned flags, char **err)
{
	uint32_t opts = PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK;
	PCRE2_SIZE erroff;
	int errcode;
	uint32_t cap;
	struct rx *rx;

	*err = NULL;
	if (flags & RX_DOTALL)
		opts |= PCRE2_DOTALL;
	if (flags & RX_MULTILINE)
		opts |= PCRE2_MULTILINE;
	if (flags & RX_CASELESS)
		opts |= PCRE2_CASELESS;
	rx = xcalloc(1, sizeof(*rx));
	rx->code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	    opts & ~PCRE2_NO_UTF_CHECK, &errcode, &erroff, NULL);
	if (rx->code == NULL) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(errcode, msg, sizeof(msg));
		*err = xasprintf("%s at position %zu", (char *)msg, (size_t)erroff);
		free(rx);
		return NULL;
	}
	rx->jit = pcre2_jit_compile(rx->code, PCRE2_JIT_COMPLETE) == 0;
	pcre2_pattern_info(rx->code, PCRE2_INFO_CAPTURECOUNT, &cap);
	rx->ngroups = (int)cap;
	rx->md = pcre2_match_data_create_from_pattern(rx->code, NULL);
	if (rx->md == NULL) {
		pcre2_code_free(rx->code);
		free(rx);
		*err = xstrdup("out of memory");
		return NULL;
	}
	return rx;
}

void
rx_free(struct rx *rx)
{
	if (rx == NULL)
		return;
	pcre2_match_data_free(rx->md);
	pcre2_code_free(rx->code);
	free(rx);
}

int
rx_ngroups(const struct rx *rx)
{
	return rx->ngroups;
}

int
rx_group_number(const struct rx *rx, const char *name)
{
	int n = pcre2_substring_number_from_name(rx->code, (PCRE2_SPTR)name);

	return n < 0 ? -1 : n;
}

int
rx_search(const struct rx *rx, const char *subj, size_t len, size_t start,
    bool anchored, size_t *span, int nspan)
{
	PCRE2_SIZE *ov;
	uint32_t n;
	int rc, i;

	rc = pcre2_match(rx->code, (PCRE2_SPTR)subj, len, start,
	    anchored ? PCRE2_ANCHORED : 0, rx->md, NULL);
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc < 0)
		return -1;
	ov = pcre2_get_ovector_pointer(rx->md);
	n = pcre2_get_ovector_count(rx->md);
	for (i = 0; i < nspan; i++) {
		if ((uint32_t)i < n && ov[2 * i] != PCRE2_UNSET) {
			span[2 * i] = ov[2 * i];
			span[2 * i + 1] = ov[2 * i + 1];
		} else
			span[2 * i] = span[2 * i + 1] = RX_UNSET;
	}
	return 1;
}

/* recode: iconv to UTF-8 with replacement. */
#include "recode.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strbuf.h"
#include "xmalloc.h"

struct recode {
	iconv_t	cd;
};

struct recode *
recode_new(const char *enc, char **err)
{
	struct recode *r;
	iconv_t cd;

	*err = NULL;
	if (enc == NULL || *enc == '\0' || strcasecmp(enc, "auto") == 0 ||
	    strcasecmp(enc, "utf-8") == 0 || strcasecmp(enc, "utf8") == 0)
		return NULL;
	if ((cd = iconv_open("UTF-8", enc)) == (iconv_t)-1) {
		*err = xasprintf("unknown encoding: %s", enc);
		return NULL;
	}
	r = xcalloc(1, sizeof(*r));
	r->cd = cd;
	return r;
}

void
recode_free(struct recode *r)
{
	if (r == NULL)
		return;
	iconv_close(r->cd);
	free(r);
}

bool
recode_line(struct recode *r, const char *in, size_t len, struct strbuf *out)
{
	char buf[4096];
	char *ip = (char *)in;
	size_t il = len;
	bool clean = true;

	strbuf_reset(out);
	iconv(r->cd, NULL, NULL, NULL, NULL);
	while (il > 0) {
		char *op = buf;
		size_t ol = sizeof(buf);
		size_t rc = iconv(r->cd, &ip, &il, &op, &ol);

		strbuf_add(out, buf, (size_t)(op - buf));
		if (rc == (size_t)-1) {
			if (errno == E2BIG)
				continue;
			/* EILSEQ or EINVAL: one byte is replaced, as 'replace' does */
			strbuf_adds(out, "\xef\xbf\xbd");
			ip++;
			il--;
			clean = false;
			iconv(r->cd, NULL, NULL, NULL, NULL);
		}
	}
	return clean;
}

/* recode: iconv to UTF-8 with replacement. */
#include "recode.h"

#include <errno.h>
#include <stdio.h>
#include <iconv.h>
#include <langinfo.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strbuf.h"
#include "xmalloc.h"

struct recode {
	iconv_t	cd;
};

/*
 * iconv for one of Python's codec names: "latin-1", "latin_1", "iso8859_15",
 * "cp1252"... are tried as given, without '-' and '_', and with '_' as '-'.
 */
static iconv_t
open_as_python(const char *enc)
{
	char a[64], b[64], c[80];
	size_t i, k = 0;
	iconv_t cd;

	if ((cd = iconv_open("UTF-8", enc)) != (iconv_t)-1)
		return cd;
	if (strlen(enc) >= sizeof(a))
		return (iconv_t)-1;
	for (i = 0; enc[i]; i++) {
		if (enc[i] != '-' && enc[i] != '_')
			a[k++] = enc[i];
		b[i] = enc[i] == '_' ? '-' : enc[i];
	}
	a[k] = '\0';
	b[i] = '\0';
	if ((cd = iconv_open("UTF-8", a)) != (iconv_t)-1 ||
	    (cd = iconv_open("UTF-8", b)) != (iconv_t)-1)
		return cd;
	/* iso8859_15 -> ISO-8859-15 */
	if (strncasecmp(a, "iso8859", 7) == 0) {
		snprintf(c, sizeof(c), "ISO-8859-%s", a + 7);
		return iconv_open("UTF-8", c);
	}
	return (iconv_t)-1;
}

const char *
recode_preferred(void)
{
	static char name[64];
	const char *env = getenv("LC_ALL"), *utf8 = getenv("PYTHONUTF8");
	locale_t loc;

	if (*name)
		return name;
	if (env == NULL || *env == '\0')
		env = getenv("LC_CTYPE");
	if (env == NULL || *env == '\0')
		env = getenv("LANG");
	/*
	 * Python's UTF-8 mode (PEP 540) is on in the C and POSIX locales (also
	 * when the one asked for is not installed) and answers "utf-8"; else
	 * the locale's codeset as the C library spells it ("UTF-8").
	 */
	loc = env && *env ? newlocale(LC_CTYPE_MASK, env, (locale_t)0) : (locale_t)0;
	if ((utf8 && strcmp(utf8, "1") == 0) || (!(utf8 && strcmp(utf8, "0") == 0) &&
	    (loc == (locale_t)0 || strcmp(env, "C") == 0 || strcmp(env, "POSIX") == 0)))
		snprintf(name, sizeof(name), "utf-8");
	else
		snprintf(name, sizeof(name), "%s", loc ? nl_langinfo_l(CODESET, loc) :
		    nl_langinfo(CODESET));
	if (loc != (locale_t)0)
		freelocale(loc);
	return name;
}

struct recode *
recode_new(const char *enc, char **err)
{
	struct recode *r;
	iconv_t cd;

	*err = NULL;
	if (enc == NULL || *enc == '\0' || strcasecmp(enc, "auto") == 0 ||
	    strcasecmp(enc, "utf-8") == 0 || strcasecmp(enc, "utf8") == 0)
		return NULL;
	if ((cd = open_as_python(enc)) == (iconv_t)-1) {
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

/*
 * recode: log lines in another encoding than UTF-8 (a jail's logencoding:
 * latin-1, cp1252, ... anything iconv knows), turned into UTF-8 for the
 * filters as Python's decode(encoding, 'replace') would: a byte that is not
 * a character becomes U+FFFD.  "auto" and "utf-8" need no recoding (the
 * filter replaces invalid UTF-8 itself).  Leaf module.
 */
#ifndef F2B_RECODE_H
#define F2B_RECODE_H

#include <stdbool.h>
#include <stddef.h>

struct recode;
struct strbuf;

/*
 * A converter from encoding to UTF-8; NULL with *err NULL when none is
 * needed, NULL with *err set (heap) when iconv does not know the encoding.
 */
struct recode	*recode_new(const char *encoding, char **err);
void		 recode_free(struct recode *);
/*
 * What logencoding "auto" stands for, as fail2ban names it
 * (locale.getpreferredencoding() of its Python): "UTF-8" in a UTF-8
 * locale, "utf-8" in the C locale.
 */
const char	*recode_preferred(void);
/* Converts len bytes into out (reset first); false if a byte was replaced. */
bool		 recode_line(struct recode *, const char *in, size_t len, struct strbuf *out);

#endif

/*
 * strbuf: a growable, always NUL-terminated byte string.  The struct is a
 * small value type that callers embed; its buffer is owned by the strbuf
 * until strbuf_detach() hands it over.
 */
#ifndef F2B_STRBUF_H
#define F2B_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char	*s;
	size_t	 len;
	size_t	 cap;
};

#define STRBUF_INIT { NULL, 0, 0 }

void	 strbuf_add(struct strbuf *, const char *, size_t);
void	 strbuf_adds(struct strbuf *, const char *);
void	 strbuf_addc(struct strbuf *, char);
void	 strbuf_addf(struct strbuf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 strbuf_reset(struct strbuf *);
/* Returns the contents as a heap string (never NULL); the strbuf is emptied. */
char	*strbuf_detach(struct strbuf *);
void	 strbuf_free(struct strbuf *);
/* Returns the contents (never NULL, "" when empty); still owned by the strbuf. */
const char *strbuf_str(const struct strbuf *);

#endif

/*
 * diag: collected diagnostics ("file:line: message").  Configuration loading
 * reports every problem it finds rather than stopping at the first, so the
 * loaders append here and the caller decides how to print and whether to go
 * on.  Identical messages are kept once.
 */
#ifndef F2B_DIAG_H
#define F2B_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct diag;

enum diag_level { DIAG_ERROR, DIAG_WARNING, DIAG_NOTICE };

struct diag *diag_new(void);
void	 diag_free(struct diag *);
/*
 * Records a message.  file may be NULL (no location); line 0 means the whole
 * file ("file: message").
 */
void	 diag_add(struct diag *, enum diag_level, const char *file, int line,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void	 diag_vadd(struct diag *, enum diag_level, const char *file, int line,
	    const char *fmt, va_list) __attribute__((format(printf, 5, 0)));
size_t	 diag_count(const struct diag *);
size_t	 diag_nerrors(const struct diag *);
/* The i-th message, already formatted with its location; still owned by diag. */
const char *diag_text(const struct diag *, size_t i);
enum diag_level diag_level(const struct diag *, size_t i);

#define diag_error(d, f, l, ...)	diag_add(d, DIAG_ERROR, f, l, __VA_ARGS__)
#define diag_warn(d, f, l, ...)		diag_add(d, DIAG_WARNING, f, l, __VA_ARGS__)

#endif

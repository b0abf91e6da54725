/*
 * xmalloc: allocate or die.  Every allocation in f2b-lite goes through these
 * wrappers; running out of memory is fatal (the process prints a message and
 * exits 255), so callers never check for NULL.
 */
#ifndef F2B_XMALLOC_H
#define F2B_XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xrealloc(void *, size_t);
/* Grow an array to hold at least `need` items of `size` bytes; *cap is updated. */
void *xgrow(void *, size_t *cap, size_t need, size_t size);
char *xstrdup(const char *);
char *xstrndup(const char *, size_t);
/* Returns a newly allocated formatted string; the caller frees it. */
char *xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *, va_list) __attribute__((format(printf, 1, 0)));
/* Frees a NULL-terminated array of strings and the array (NULL: nothing). */
void strv_free(char **);

#endif

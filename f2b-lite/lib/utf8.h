/*
 * utf8: decoding UTF-8 and the few Unicode character classes where Python's
 * str methods decide fail2ban's behaviour (isspace for ConfigParser's strip,
 * isprintable for repr).  Leaf module.
 */
#ifndef F2B_UTF8_H
#define F2B_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Decodes one code point from s (n bytes available).  Returns its length in
 * bytes, or -1 for an invalid or truncated sequence (overlongs and surrogates
 * are invalid, as for Python's strict utf-8 codec).
 */
int	 utf8_decode(const char *s, size_t n, uint32_t *cp);
/* Returns the offset of the first invalid byte, or n when s is valid. */
size_t	 utf8_check(const char *s, size_t n);
/* Python's str.isspace() for one code point. */
bool	 utf8_isspace(uint32_t cp);
/* Python's str.isprintable() for one code point (approximate for Cn). */
bool	 utf8_isprintable(uint32_t cp);
/* Length of the Python-whitespace character at s, or 0. */
int	 utf8_space_at(const char *s, size_t n);
/*
 * Appends s to sb with every invalid sequence replaced by U+FFFD, the way
 * Python's bytes.decode('utf-8', 'replace') does (one replacement per
 * maximal invalid subpart).  Returns the number of replacements made.
 */
struct strbuf;
size_t	 utf8_sanitize(const char *s, size_t n, struct strbuf *sb);
/*
 * Whether utf8_sanitize() would leave s as it is (s is valid UTF-8);
 * *ascii tells whether it is all ASCII.
 */
bool	 utf8_valid(const char *s, size_t n, bool *ascii);
/* Encodes cp into out (at least 4 bytes); returns the length. */
int	 utf8_encode(uint32_t cp, char *out);

#endif

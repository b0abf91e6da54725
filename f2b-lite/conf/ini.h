/*
 * ini: one configuration file in fail2ban's dialect, which is Python 3's
 * ConfigParser with fail2ban's settings: '#' and ';' full-line comments, ';'
 * inline comments only after whitespace, '=' or ':' delimiters, lower-cased
 * option names, indented continuation lines, blank lines kept inside values,
 * and duplicate sections or options within one file as errors.
 *
 * Every value remembers the file and line it came from.  Leaf module: it
 * never logs; problems go to the caller's diag as "file:line: message".
 */
#ifndef F2B_INI_H
#define F2B_INI_H

#include <stddef.h>

struct diag;
struct dict;

/* A value with its origin.  file points to an interned path (never freed). */
struct ini_value {
	char		*text;
	const char	*file;
	int		 line;
};

struct ini;

/* Largest configuration file we read (fail2ban's biggest is ~20 KB). */
#define INI_MAX_FILE	(16u << 20)

/*
 * Parses buf (len bytes) as the file `path`.  Always returns an ini (possibly
 * with fewer sections) unless the bytes are not UTF-8; errors go to d.
 */
struct ini	*ini_parse(const char *path, const char *buf, size_t len,
		    struct diag *d);
/*
 * Reads and parses the file at path.  Returns NULL when it cannot be read
 * (with errno set, nothing added to d) or is not valid UTF-8 (error in d).
 */
struct ini	*ini_load(const char *path, struct diag *d);
void		 ini_free(struct ini *);
/* Returns the number of errors found while parsing. */
size_t		 ini_nerrors(const struct ini *);
const char	*ini_path(const struct ini *);
/* [DEFAULT] options (key -> struct ini_value *), or NULL when the file has none. */
const struct dict *ini_defaults(const struct ini *);
size_t		 ini_nsections(const struct ini *);
const char	*ini_section_name(const struct ini *, size_t);
const struct dict *ini_section_opts(const struct ini *, size_t);
/* Returns the section's options, or NULL (DEFAULT is not a section). */
const struct dict *ini_section(const struct ini *, const char *name);

struct ini_value *ini_value_new(const char *text, const char *file, int line);
struct ini_value *ini_value_copy(const struct ini_value *);
void		 ini_value_free(void *);
/* Returns a stable copy of a path string, shared by all equal paths. */
const char	*ini_intern(const char *);

/* Python's str.strip() for UTF-8 text: returns the start, sets *len. */
const char	*ini_strip(const char *s, size_t *len);

#endif

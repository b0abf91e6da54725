/*
 * ini: parser for one file of Python ConfigParser's dialect, as fail2ban
 * configures it (see configparser.RawConfigParser._read in CPython 3.11 for
 * the algorithm this follows line by line).
 */
#include "ini.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "dict.h"
#include "strbuf.h"
#include "utf8.h"
#include "xmalloc.h"

struct ini_section {
	char		*name;
	int		 line;
	struct dict	*opts;		/* key -> struct ini_value * */
};

struct ini {
	const char		*path;
	struct ini_section	**sec;
	size_t			 nsec;
	size_t			 capsec;
	struct dict		*defaults;
	size_t			 nerrors;
};

const char *
ini_intern(const char *s)
{
	static struct dict *pool;
	char *p;

	if (pool == NULL)
		pool = dict_new(NULL);
	if ((p = dict_get(pool, s, NULL)) == NULL) {
		p = xstrdup(s);
		dict_set(pool, s, p);
	}
	return p;
}

struct ini_value *
ini_value_new(const char *text, const char *file, int line)
{
	struct ini_value *v = xmalloc(sizeof(*v));

	v->text = xstrdup(text);
	v->file = file;
	v->line = line;
	return v;
}

struct ini_value *
ini_value_copy(const struct ini_value *v)
{
	return ini_value_new(v->text, v->file, v->line);
}

void
ini_value_free(void *p)
{
	struct ini_value *v = p;

	if (v) {
		free(v->text);
		free(v);
	}
}

/* Length of s without trailing Python whitespace. */
static size_t
ini_rstrip_len(const char *s, size_t n)
{
	while (n > 0) {
		size_t start = n - 1;
		uint32_t cp;
		int l;

		while (start > 0 && n - start < 4 &&
		    ((unsigned char)s[start] & 0xc0) == 0x80)
			start--;
		l = utf8_decode(s + start, n - start, &cp);
		if (l <= 0 || (size_t)l != n - start || !utf8_isspace(cp))
			break;
		n = start;
	}
	return n;
}

const char *
ini_strip(const char *s, size_t *len)
{
	size_t n = *len;
	int l;

	while (n > 0 && (l = utf8_space_at(s, n)) > 0) {
		s += l;
		n -= (size_t)l;
	}
	*len = ini_rstrip_len(s, n);
	return s;
}

/*
 * Offset of the inline comment in line: the first ';' at the start or after
 * a whitespace character; n when there is none.
 */
static size_t
ini_comment_start(const char *line, size_t n)
{
	bool prevspace = true;
	size_t i = 0;

	while (i < n) {
		uint32_t cp;
		int l = utf8_decode(line + i, n - i, &cp);

		if (l <= 0)
			l = 1, cp = 0;
		if (cp == ';' && prevspace)
			return i;
		prevspace = utf8_isspace(cp);
		i += (size_t)l;
	}
	return n;
}

/* Indentation in code points: the position of the first non-space character. */
static size_t
ini_indent(const char *line, size_t n)
{
	size_t i = 0, count = 0;
	int l;

	while (i < n && (l = utf8_space_at(line + i, n - i)) > 0) {
		i += (size_t)l;
		count++;
	}
	return count;
}

static struct ini_section *
ini_find_section(struct ini *ini, const char *name)
{
	size_t i;

	for (i = 0; i < ini->nsec; i++)
		if (strcmp(ini->sec[i]->name, name) == 0)
			return ini->sec[i];
	return NULL;
}

static void __attribute__((format(printf, 4, 5)))
ini_error(struct ini *ini, struct diag *d, int line, const char *fmt, ...)
{
	va_list ap;

	ini->nerrors++;
	va_start(ap, fmt);
	diag_vadd(d, DIAG_ERROR, ini->path, line, fmt, ap);
	va_end(ap);
}

/* Shows at most 60 bytes of a line in a message, cut on a character boundary. */
static char *
ini_excerpt(const char *s, size_t n)
{
	size_t cut = n;

	if (cut > 60) {
		cut = 60;
		while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
	}
	return cut < n ? xasprintf("%.*s...", (int)cut, s) : xstrndup(s, n);
}

/* Ends the value being read: its lines, joined, become the value's text. */
static void
ini_value_finish(struct ini_value **cur, struct strbuf *text)
{
	if (*cur != NULL) {
		free((*cur)->text);
		(*cur)->text = strbuf_detach(text);
	}
	strbuf_reset(text);
	*cur = NULL;
}

struct ini *
ini_parse(const char *path, const char *buf, size_t len, struct diag *d)
{
	struct ini *ini;
	struct dict *cursect = NULL, *added;
	struct ini_value *curval = NULL;
	struct strbuf curtext = STRBUF_INIT;
	const char *cursectname = NULL;
	size_t pos = 0, indent_level = 0, bad, i;
	bool skipping = false;
	int lineno = 0;

	path = ini_intern(path);
	if ((bad = utf8_check(buf, len)) < len) {
		int bl = 1;

		for (i = 0; i < bad; i++)
			if (buf[i] == '\n' || (buf[i] == '\r' && (i + 1 >= len || buf[i + 1] != '\n')))
				bl++;
		diag_add(d, DIAG_ERROR, path, bl,
		    "invalid UTF-8 byte 0x%02x (configuration files are read as UTF-8)",
		    (unsigned char)buf[bad]);
		return NULL;
	}
	if (memchr(buf, '\0', len) != NULL) {
		int bl = 1;

		bad = (size_t)((const char *)memchr(buf, '\0', len) - buf);
		for (i = 0; i < bad; i++)
			bl += buf[i] == '\n';
		diag_add(d, DIAG_ERROR, path, bl, "NUL byte in a configuration file");
		return NULL;
	}
	ini = xcalloc(1, sizeof(*ini));
	ini->path = path;
	added = dict_new(NULL);	/* "section\x01option" and "section" seen in this file */
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		ini_error(ini, d, 1, "byte-order mark at start of file: "
		    "fail2ban cannot read such a file, remove the BOM");
		pos = 3;
	}

	while (pos < len) {
		const char *line = buf + pos, *val;
		size_t n = 0, cstart, vlen;

		while (pos + n < len && line[n] != '\n' && line[n] != '\r')
			n++;
		pos += n;
		if (pos < len && buf[pos] == '\r' && pos + 1 < len && buf[pos + 1] == '\n')
			pos += 2;
		else if (pos < len)
			pos++;
		lineno++;

		/* comments: inline ';' after whitespace, or a full '#'/';' line */
		cstart = ini_comment_start(line, n);
		vlen = n;
		val = ini_strip(line, &vlen);
		if (vlen > 0 && (val[0] == '#' || val[0] == ';'))
			cstart = 0;
		vlen = cstart;
		val = ini_strip(line, &vlen);
		if (vlen == 0) {
			if (cstart == n && curval != NULL)
				strbuf_addc(&curtext, '\n');
			continue;
		}
		if (curval != NULL && ini_indent(line, n) > indent_level) {
			strbuf_addc(&curtext, '\n');
			strbuf_add(&curtext, val, vlen);
			continue;
		}
		indent_level = ini_indent(line, n);

		/* section header: '[' name ']' up to the last ']' */
		if (val[0] == '[') {
			const char *close = NULL;

			for (i = vlen; i > 2; i--)
				if (val[i - 1] == ']') {
					close = val + i - 1;
					break;
				}
			if (close != NULL) {
				char *name = xstrndup(val + 1, (size_t)(close - val - 1));
				struct ini_section *s;

				skipping = false;
				ini_value_finish(&curval, &curtext);
				if (strcmp(name, "DEFAULT") == 0) {
					if (ini->defaults == NULL)
						ini->defaults = dict_new(ini_value_free);
					cursect = ini->defaults;
					cursectname = "DEFAULT";
					free(name);
					continue;
				}
				if ((s = ini_find_section(ini, name)) != NULL)
					ini_error(ini, d, lineno,
					    "duplicate section [%s] in the same file", name);
				else {
					s = xcalloc(1, sizeof(*s));
					s->name = name;
					name = NULL;
					s->line = lineno;
					s->opts = dict_new(ini_value_free);
					ini->sec = xgrow(ini->sec, &ini->capsec,
					    ini->nsec + 1, sizeof(*ini->sec));
					ini->sec[ini->nsec++] = s;
				}
				free(name);
				cursect = s->opts;
				cursectname = s->name;
				continue;
			}
		}
		if (cursect == NULL) {
			if (!skipping)
				ini_error(ini, d, lineno,
				    "option line before any [section] header");
			skipping = true;
			continue;
		}

		/* option line: name, first '=' or ':', value */
		{
			const char *delim = val;
			size_t klen, k;
			char *key, *ex, *addkey;


			while (delim < val + vlen && *delim != '=' && *delim != ':')
				delim++;
			if (delim == val + vlen) {
				ex = ini_excerpt(val, vlen);
				ini_error(ini, d, lineno,
				    "expected 'name = value', got '%s'", ex);
				free(ex);
				continue;
			}
			klen = (size_t)(delim - val);
			klen = ini_rstrip_len(val, klen);
			if (klen == 0)
				ini_error(ini, d, lineno,
				    "missing option name before '=' or ':'");
			key = xstrndup(val, klen);
			for (k = 0; k < klen; k++)
				if (key[k] >= 'A' && key[k] <= 'Z')
					key[k] = (char)(key[k] - 'A' + 'a');
			addkey = xasprintf("%s\x01%s", cursectname, key);
			if (dict_has(added, addkey))
				ini_error(ini, d, lineno, "duplicate option '%s' in "
				    "section [%s] in the same file", key, cursectname);
			dict_set(added, addkey, NULL);
			free(addkey);
			vlen -= (size_t)(delim + 1 - val);
			val = delim + 1;
			val = ini_strip(val, &vlen);
			ini_value_finish(&curval, &curtext);
			curval = ini_value_new("", ini->path, lineno);
			strbuf_add(&curtext, val, vlen);
			dict_set(cursect, key, curval);
			if (klen == 0)	/* an empty name takes no continuation */
				ini_value_finish(&curval, &curtext);
			free(key);
		}
	}
	ini_value_finish(&curval, &curtext);
	dict_free(added);

	/* join: trailing blank lines of every value go away */
	{
		struct dict *all[2] = { ini->defaults, NULL };
		size_t s;

		for (s = 0; s <= ini->nsec; s++) {
			struct dict *opts = s == 0 ? all[0] : ini->sec[s - 1]->opts;
			struct ini_value *v;
			size_t p = 0;

			while (opts && dict_next(opts, &p, NULL, (void **)&v))
				v->text[ini_rstrip_len(v->text, strlen(v->text))] = '\0';
		}
	}
	return ini;
}

struct ini *
ini_load(const char *path, struct diag *d)
{
	struct ini *ini;
	struct stat st;
	char *buf;
	size_t len = 0;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		return NULL;
	}
	if ((size_t)st.st_size > INI_MAX_FILE) {
		close(fd);
		diag_add(d, DIAG_ERROR, ini_intern(path), 0,
		    "file too large (%lld bytes, limit %u)",
		    (long long)st.st_size, INI_MAX_FILE);
		errno = EFBIG;
		return NULL;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (len < (size_t)st.st_size &&
	    (r = read(fd, buf + len, (size_t)st.st_size - len)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			r = errno;
			close(fd);
			free(buf);
			errno = (int)r;
			return NULL;
		}
		len += (size_t)r;
	}
	close(fd);
	ini = ini_parse(path, buf, len, d);
	free(buf);
	if (ini == NULL)
		errno = EILSEQ;
	return ini;
}

void
ini_free(struct ini *ini)
{
	size_t i;

	if (ini == NULL)
		return;
	for (i = 0; i < ini->nsec; i++) {
		free(ini->sec[i]->name);
		dict_free(ini->sec[i]->opts);
		free(ini->sec[i]);
	}
	free(ini->sec);
	dict_free(ini->defaults);
	free(ini);
}

size_t
ini_nerrors(const struct ini *ini)
{
	return ini->nerrors;
}

const char *
ini_path(const struct ini *ini)
{
	return ini->path;
}

const struct dict *
ini_defaults(const struct ini *ini)
{
	return ini->defaults;
}

size_t
ini_nsections(const struct ini *ini)
{
	return ini->nsec;
}

const char *
ini_section_name(const struct ini *ini, size_t i)
{
	return ini->sec[i]->name;
}

const struct dict *
ini_section_opts(const struct ini *ini, size_t i)
{
	return ini->sec[i]->opts;
}

const struct dict *
ini_section(const struct ini *ini, const char *name)
{
	struct ini_section *s = ini_find_section((struct ini *)ini, name);

	return s ? s->opts : NULL;
}

/*
 * confset: fail2ban's SafeConfigParserWithIncludes and ConfigReaderUnshared
 * (fail2ban/client/configparserinc.py, configreader.py) on top of ini.
 */
#include "confset.h"

#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "dict.h"
#include "ini.h"
#include "strbuf.h"
#include "xmalloc.h"

/* ConfigParser's MAX_INTERPOLATION_DEPTH. */
#define CONFSET_MAX_DEPTH	10
/* Deepest [INCLUDES] nesting we follow (fail2ban dies of Python recursion). */
#define CONFSET_MAX_INCLUDE	64
/* Largest interpolated value (ten levels of doubling could reach gigabytes). */
#define CONFSET_MAX_VALUE	(16u << 20)

struct confset_cache {
	struct dict	*inis;		/* path -> struct ini *, NULL if unreadable */
};

struct confset {
	char			*basedir;
	struct confset_cache	*cache;
	struct dict		*defaults;	/* key -> struct ini_value * */
	struct dict		*sections;	/* name -> struct dict * */
	int			 nfiles;
	int			 nbroken;
};

static void
confset_dict_free(void *p)
{
	dict_free(p);
}

static void
confset_ini_free(void *p)
{
	ini_free(p);
}

struct confset_cache *
confset_cache_new(void)
{
	struct confset_cache *c = xmalloc(sizeof(*c));

	c->inis = dict_new(confset_ini_free);
	return c;
}

void
confset_cache_free(struct confset_cache *c)
{
	if (c) {
		dict_free(c->inis);
		free(c);
	}
}

struct confset *
confset_new(const char *basedir, struct confset_cache *cache)
{
	struct confset *cs = xcalloc(1, sizeof(*cs));
	size_t n = strlen(basedir);

	while (n > 1 && basedir[n - 1] == '/')
		n--;
	cs->basedir = xstrndup(basedir, n);
	cs->cache = cache;
	cs->defaults = dict_new(ini_value_free);
	cs->sections = dict_new(confset_dict_free);
	return cs;
}

void
confset_free(struct confset *cs)
{
	if (cs == NULL)
		return;
	free(cs->basedir);
	dict_free(cs->defaults);
	dict_free(cs->sections);
	free(cs);
}

const char *
confset_basedir(const struct confset *cs)
{
	return cs->basedir;
}

int
confset_nfiles(const struct confset *cs)
{
	return cs->nfiles;
}

int
confset_nbroken(const struct confset *cs)
{
	return cs->nbroken;
}

/* Python's \w for one byte of UTF-8 text (any non-ASCII byte counts). */
static bool
confset_isword(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c >= 0x80;
}

static char *
confset_lower(const char *s)
{
	char *l = xstrdup(s), *p;

	for (p = l; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return l;
}

static struct dict *
confset_sect(const struct confset *cs, const char *name)
{
	return dict_get(cs->sections, name, NULL);
}

/* ---- reading and merging ---------------------------------------------- */

/* Returns the parsed file (cached), or NULL if it cannot be read. */
static struct ini *
confset_parse(struct confset *cs, const char *path, struct diag *d)
{
	bool found;
	struct ini *ini = dict_get(cs->cache->inis, path, &found);

	if (found) {
		if (ini == NULL)
			errno = access(path, F_OK) == 0 ? EACCES : ENOENT;
		return ini;
	}
	ini = ini_load(path, d);
	if (ini == NULL && errno != ENOENT && errno != EILSEQ && errno != EFBIG)
		diag_error(d, ini_intern(path), 0, "cannot read: %s", strerror(errno));
	dict_set(cs->cache->inis, path, ini);
	return ini;
}

/* Merges one parsed file, keeping KNOWN/<section> snapshots of overridden values. */
static void
confset_merge_ini(struct confset *cs, const struct ini *ini)
{
	const struct dict *defs = ini_defaults(ini);
	const char *k;
	struct ini_value *v;
	size_t i, pos;

	cs->nfiles++;
	pos = 0;
	while (defs && dict_next(defs, &pos, &k, (void **)&v))
		dict_set(cs->defaults, k, ini_value_copy(v));
	for (i = 0; i < ini_nsections(ini); i++) {
		const char *name = ini_section_name(ini, i), *q;
		const struct dict *opts = ini_section_opts(ini, i);
		struct dict *s = dict_new(ini_value_free), *old;
		char *base, *known;

		/* conditional section: ^(\w+)(\?.+)$ -> base section, key?cond */
		for (q = name; confset_isword((unsigned char)*q); q++)
			;
		if (q > name && *q == '?' && q[1] != '\0') {
			base = xstrndup(name, (size_t)(q - name));
			pos = 0;
			while (dict_next(opts, &pos, &k, (void **)&v)) {
				char *ck = xasprintf("%s%s", k, q);

				dict_set(s, ck, ini_value_copy(v));
				free(ck);
			}
		} else {
			base = xstrdup(name);
			pos = 0;
			while (dict_next(opts, &pos, &k, (void **)&v))
				dict_set(s, k, ini_value_copy(v));
		}
		if ((old = confset_sect(cs, base)) != NULL) {
			struct dict *snap = dict_new(NULL);
			struct ini_value *ov;

			pos = 0;
			while (dict_next(old, &pos, &k, (void **)&ov))
				if (dict_has(s, k))
					dict_set(snap, k, ov);
			known = xasprintf("KNOWN/%s", base);
			confset_merge_section(cs, known, snap, "");
			free(known);
			dict_free(snap);
			pos = 0;
			while (dict_next(s, &pos, &k, (void **)&v))
				dict_set(old, k, ini_value_copy(v));
			dict_free(s);
		} else
			dict_set(cs->sections, base, s);
		free(base);
	}
}

void
confset_add(struct confset *cs, const struct ini *ini)
{
	confset_merge_ini(cs, ini);
}

static bool
confset_isfile(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static void confset_includes(struct confset *, const char *path,
    const char **seen, size_t nseen, struct strbuf *list, struct diag *,
    const char *from, int fromline);

/* _getIncludes: each name followed by its .local sibling when that exists. */
static void
confset_includes_with_local(struct confset *cs, const char *path,
    const char **seen, size_t nseen, struct strbuf *list, struct diag *d,
    const char *from, int fromline)
{
	const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
	char *local;

	confset_includes(cs, path, seen, nseen, list, d, from, fromline);
	if (dot == NULL || (slash && dot < slash) || dot == (slash ? slash + 1 : path))
		local = xasprintf("%s.local", path);
	else
		local = xasprintf("%.*s.local", (int)(dot - path), path);
	if (strcmp(local, path) != 0 && confset_isfile(local))
		confset_includes(cs, local, seen, nseen, list, d, NULL, 0);
	free(local);
}

/*
 * __getIncludesUncached: appends to list (NUL-separated paths) the files
 * `before`, the file itself, then `after`, recursively.  seen is the chain
 * of including files, which stops loops.
 */
static void
confset_includes(struct confset *cs, const char *path, const char **seen,
    size_t nseen, struct strbuf *list, struct diag *d, const char *from,
    int fromline)
{
	static const char *which[] = { "before", "after" };
	struct strbuf after = STRBUF_INIT;
	struct confset *one;
	struct ini *ini;
	const char **chain;
	char *dir;
	int w;

	if ((ini = confset_parse(cs, path, d)) == NULL) {
		size_t n = strlen(path);

		if (errno != ENOENT)
			cs->nbroken++;

		/* optional .local overrides are commonly absent (paths-overrides.local) */
		if (from != NULL && errno == ENOENT &&
		    (n < 6 || strcmp(path + n - 6, ".local") != 0))
			diag_warn(d, from, fromline, "included file '%s' not found", path);
		return;
	}
	if (ini_nerrors(ini) > 0)
		cs->nbroken++;
	if (nseen >= CONFSET_MAX_INCLUDE) {
		cs->nbroken++;
		diag_error(d, from, fromline, "[INCLUDES] nested deeper than %d files "
		    "at '%s'", CONFSET_MAX_INCLUDE, path);
		return;
	}
	if (ini_section(ini, "INCLUDES") == NULL) {
		strbuf_add(list, path, strlen(path) + 1);
		return;
	}
	/* the include lists are read with this file's own parser */
	one = confset_new(cs->basedir, cs->cache);
	confset_merge_ini(one, ini);
	chain = xmalloc((nseen + 1) * sizeof(*chain));
	if (nseen > 0)
		memcpy(chain, seen, nseen * sizeof(*chain));
	chain[nseen] = path;
	dir = xstrdup(path);
	if (strrchr(dir, '/'))
		strrchr(dir, '/')[0] = '\0';
	else
		dir[0] = '\0';
	for (w = 0; w < 2; w++) {
		struct confset_result res;
		struct strbuf *out = w == 0 ? list : &after;
		char *line, *next;

		if (!confset_has_option(one, "INCLUDES", which[w], true))
			continue;
		if (confset_get(one, "INCLUDES", which[w], false, NULL, &res, d) !=
		    CONFSET_OK || res.text == NULL) {
			cs->nbroken++;
			continue;
		}
		for (line = res.text; line != NULL; line = next) {
			char *r;
			size_t i;

			if ((next = strchr(line, '\n')) != NULL)
				*next++ = '\0';
			if (line[0] == '/' || dir[0] == '\0')
				r = xstrdup(line);
			else
				r = xasprintf("%s/%s", dir, line);
			for (i = 0; i < nseen + 1 && strcmp(chain[i], r) != 0; i++)
				;
			if (i == nseen + 1 && line[0] != '\0')
				confset_includes_with_local(cs, r, chain, nseen + 1, out,
				    d, res.file, res.line);
			free(r);
		}
		free(res.text);
	}
	strbuf_add(list, path, strlen(path) + 1);
	strbuf_add(list, after.s, after.len);
	strbuf_free(&after);
	free(dir);
	free(chain);
	confset_free(one);
}

/* Reads the given files with their includes, merging in order. */
static int
confset_read_list(struct confset *cs, char **files, size_t nfiles, struct diag *d)
{
	struct strbuf list = STRBUF_INIT, names = STRBUF_INIT;
	size_t i, off;
	int nread = 0;

	/* the .local sibling of a listed .conf is added unless listed itself */
	for (i = 0; i < nfiles; i++) {
		const char *dot = strrchr(files[i], '.');
		char *local;
		size_t j;

		strbuf_add(&names, files[i], strlen(files[i]) + 1);
		if (dot == NULL || strchr(dot, '/'))
			continue;
		local = xasprintf("%.*s.local", (int)(dot - files[i]), files[i]);
		for (j = 0; j < nfiles && strcmp(files[j], local) != 0; j++)
			;
		if (j == nfiles && confset_isfile(local))
			strbuf_add(&names, local, strlen(local) + 1);
		free(local);
	}
	for (off = 0; off < names.len; off += strlen(names.s + off) + 1)
		confset_includes(cs, names.s + off, NULL, 0, &list, d, NULL, 0);
	for (off = 0; off < list.len; off += strlen(list.s + off) + 1) {
		struct ini *ini = dict_get(cs->cache->inis, list.s + off, NULL);

		if (ini != NULL) {
			confset_merge_ini(cs, ini);
			nread++;
		}
	}
	strbuf_free(&list);
	strbuf_free(&names);
	return nread;
}

static void
confset_glob(const char *pattern, char ***files, size_t *n, size_t *cap)
{
	glob_t g;
	size_t i;

	if (glob(pattern, 0, NULL, &g) != 0)
		return;
	for (i = 0; i < g.gl_pathc; i++) {
		*files = xgrow(*files, cap, *n + 1, sizeof(**files));
		(*files)[(*n)++] = xstrdup(g.gl_pathv[i]);
	}
	globfree(&g);
}

static int
confset_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
confset_read(struct confset *cs, const char *name, struct diag *d)
{
	char **files = NULL, *base, *pat;
	size_t n = 0, cap = 0, keep = 0, first, i;
	struct stat st;
	int nread;

	if (name[0] == '/')
		base = xstrdup(name);
	else
		base = xasprintf("%s/%s", cs->basedir, name);
	/* NAME.conf, then NAME.d/ *.conf sorted, NAME.local, NAME.d/ *.local sorted */
	files = xgrow(files, &cap, 1, sizeof(*files));
	files[n++] = xasprintf("%s.conf", base);
	pat = xasprintf("%s.d/*.conf", base);
	first = n;
	confset_glob(pat, &files, &n, &cap);
	qsort(files + first, n - first, sizeof(*files), confset_strcmp);
	free(pat);
	files = xgrow(files, &cap, n + 1, sizeof(*files));
	files[n++] = xasprintf("%s.local", base);
	pat = xasprintf("%s.d/*.local", base);
	first = n;
	confset_glob(pat, &files, &n, &cap);
	qsort(files + first, n - first, sizeof(*files), confset_strcmp);
	free(pat);
	for (i = 0; i < n; i++) {
		if (stat(files[i], &st) == 0)
			files[keep++] = files[i];
		else
			free(files[i]);
	}
	nread = keep ? confset_read_list(cs, files, keep, d) : 0;
	for (i = 0; i < keep; i++)
		free(files[i]);
	free(files);
	free(base);
	return nread;
}

int
confset_read_file(struct confset *cs, const char *path, struct diag *d)
{
	char *p = xstrdup(path);
	int n = confset_read_list(cs, &p, 1, d);

	free(p);
	return n;
}

void
confset_merge_section(struct confset *cs, const char *section,
    const struct dict *values, const char *prefix)
{
	struct dict *s = confset_sect(cs, section);
	const char *k;
	struct ini_value *v;
	size_t pos = 0;

	if (s == NULL) {
		s = dict_new(ini_value_free);
		dict_set(cs->sections, section, s);
	}
	while (dict_next(values, &pos, &k, (void **)&v)) {
		char *pk;

		if (prefix[0] == '\0') {
			dict_set(s, k, ini_value_copy(v));
			continue;
		}
		if (strncmp(k, prefix, strlen(prefix)) == 0 || strcmp(k, "__name__") == 0)
			continue;
		pk = xasprintf("%s%s", prefix, k);
		dict_set(s, pk, ini_value_copy(v));
		free(pk);
	}
}

void
confset_set_default(struct confset *cs, const char *key, const char *val)
{
	dict_set(cs->defaults, key, ini_value_new(val, NULL, 0));
}

bool
confset_has_section(const struct confset *cs, const char *name)
{
	return confset_sect(cs, name) != NULL;
}

bool
confset_has_option(const struct confset *cs, const char *section,
    const char *option, bool with_default)
{
	struct dict *s = confset_sect(cs, section);
	char *l = confset_lower(option);
	bool r;

	r = (s && dict_has(s, l)) || (with_default && dict_has(cs->defaults, l));
	free(l);
	return r;
}

const char *
confset_next_section(const struct confset *cs, size_t *pos)
{
	const char *k;

	while (dict_next(cs->sections, pos, &k, NULL))
		if (strncmp(k, "KNOWN/", 6) != 0)
			return k;
	return NULL;
}

const struct dict *
confset_section(const struct confset *cs, const char *name)
{
	return confset_sect(cs, name);
}

const struct dict *
confset_defaults(const struct confset *cs)
{
	return cs->defaults;
}

/* ---- interpolation ------------------------------------------------------ */

/* The lookup chain of one get: vars (plus found section refs), section, DEFAULT. */
struct confset_map {
	const struct confset	*cs;
	const char		*section;
	const struct dict	*sect;		/* may be NULL */
	const struct dict	*vars;		/* may be NULL; char * values */
	struct dict		*refs;		/* "sec/opt" -> raw text (shared) */
	const char		*option;	/* for messages */
	const char		*file;		/* origin of the top value */
	int			 line;
	struct diag		*diag;
};

/* Looks key up in the chain; returns true when present (*val may be NULL). */
static bool
confset_map_get(const struct confset_map *m, const char *key, const char **val)
{
	struct ini_value *iv;
	bool found;
	void *p;

	if (strcmp(key, "__name__") == 0) {
		*val = m->section;
		return true;
	}
	p = dict_get(m->vars, key, &found);
	if (!found)
		p = dict_get(m->refs, key, &found);
	if (found) {
		*val = p;
		return true;
	}
	if (m->sect && (iv = dict_get(m->sect, key, NULL)) != NULL) {
		*val = iv->text;
		return true;
	}
	if ((iv = dict_get(m->cs->defaults, key, NULL)) != NULL) {
		*val = iv->text;
		return true;
	}
	return false;
}

/*
 * _map_section_options: for each %(sec/opt)s in rest that the chain does not
 * hold, fetch the raw value of opt in [sec] (or KNOWN/<section> for "known",
 * [DEFAULT] for "default", falling back to [DEFAULT]) into m->refs.
 */
static void
confset_map_refs(struct confset_map *m, const char *rest)
{
	const char *p = rest, *dummy;

	if (strchr(rest, '/') == NULL)
		return;
	while ((p = strstr(p, "%(")) != NULL) {
		const char *sec = p + 2, *s = sec, *opt, *e;
		struct ini_value *iv = NULL;
		const struct dict *from;
		char *sopt, *secname, *optname;

		p += 1;
		while (confset_isword((unsigned char)*s) || *s == '-')
			s++;
		if (s == sec || *s != '/')
			continue;
		opt = s + 1;
		if ((e = strchr(opt, ')')) == NULL || e == opt || e[1] != 's')
			continue;
		sopt = xstrndup(sec, (size_t)(e - sec));
		if (confset_map_get(m, sopt, &dummy)) {
			free(sopt);
			continue;
		}
		secname = xstrndup(sec, (size_t)(s - sec));
		optname = xstrndup(opt, (size_t)(e - opt));
		if (strcasecmp(secname, "known") == 0) {
			char *kn = xasprintf("KNOWN/%s", m->section);

			from = confset_sect(m->cs, kn);
			free(kn);
			iv = from ? dict_get(from, optname, NULL) : NULL;
		} else if (strcasecmp(secname, "default") != 0) {
			if ((from = confset_sect(m->cs, secname)) == NULL)
				goto skip;
			iv = dict_get(from, optname, NULL);
		}
		if (iv == NULL)
			iv = dict_get(m->cs->defaults, optname, NULL);
		if (iv != NULL)
			dict_set(m->refs, sopt, iv->text);
skip:
		free(secname);
		free(optname);
		free(sopt);
	}
}

static int
confset_interp(struct confset_map *m, const char *rest, struct strbuf *acc, int depth)
{
	if (depth > CONFSET_MAX_DEPTH) {
		diag_error(m->diag, m->file, m->line, "option '%s' in section [%s]: "
		    "interpolation nested deeper than %d levels (a %%(name)s loop?)",
		    m->option, m->section, CONFSET_MAX_DEPTH);
		return -1;
	}
	confset_map_refs(m, rest);
	while (*rest) {
		const char *p = strchr(rest, '%'), *name, *close, *val;
		char *var;

		if (p == NULL) {
			strbuf_adds(acc, rest);
			return 0;
		}
		strbuf_add(acc, rest, (size_t)(p - rest));
		if (p[1] == '%') {
			strbuf_addc(acc, '%');
			rest = p + 2;
			continue;
		}
		if (p[1] != '(') {
			diag_error(m->diag, m->file, m->line, "option '%s' in section "
			    "[%s]: '%%' must be followed by '%%' or '(' (write %%%% "
			    "for a literal percent sign), found '%.20s'", m->option,
			    m->section, p);
			return -1;
		}
		name = p + 2;
		close = strchr(name, ')');
		if (close == NULL || close == name || close[1] != 's') {
			diag_error(m->diag, m->file, m->line, "option '%s' in section "
			    "[%s]: bad interpolation reference '%.40s' (expected "
			    "%%(name)s)", m->option, m->section, p);
			return -1;
		}
		var = xstrndup(name, (size_t)(close - name));
		rest = close + 2;
		{
			char *lvar = confset_lower(var);
			bool found = confset_map_get(m, lvar, &val);

			free(lvar);
			if (!found || val == NULL) {
				diag_error(m->diag, m->file, m->line, "option '%s' in "
				    "section [%s]: %%(%s)s refers to an unknown option "
				    "'%s'", m->option, m->section, var, var);
				free(var);
				return -1;
			}
		}
		free(var);
		if (acc->len + strlen(val) > CONFSET_MAX_VALUE) {
			diag_error(m->diag, m->file, m->line, "option '%s' in section "
			    "[%s]: interpolated value larger than %u bytes", m->option,
			    m->section, CONFSET_MAX_VALUE);
			return -1;
		}
		if (strchr(val, '%') != NULL) {
			if (confset_interp(m, val, acc, depth + 1) < 0)
				return -1;
		} else
			strbuf_adds(acc, val);
	}
	return 0;
}

enum confset_status
confset_get(const struct confset *cs, const char *section, const char *option,
    bool raw, const struct dict *vars, struct confset_result *res, struct diag *d)
{
	struct confset_map m;
	struct strbuf acc = STRBUF_INIT;
	const struct dict *sect = confset_sect(cs, section);
	struct ini_value *iv = NULL;
	char *lopt;
	void *vv;
	bool found;

	memset(res, 0, sizeof(*res));
	if (sect == NULL && strcmp(section, "DEFAULT") != 0)
		return CONFSET_NOSECTION;
	lopt = confset_lower(option);
	vv = dict_get(vars, lopt, &found);
	if (!found) {
		if (sect != NULL)
			iv = dict_get(sect, lopt, NULL);
		if (iv == NULL)
			iv = dict_get(cs->defaults, lopt, NULL);
		if (iv == NULL) {
			free(lopt);
			return CONFSET_NOOPTION;
		}
		vv = iv->text;
		res->file = iv->file;
		res->line = iv->line;
	}
	if (raw || vv == NULL) {
		res->text = vv ? xstrdup(vv) : NULL;
		free(lopt);
		return CONFSET_OK;
	}
	m.cs = cs;
	m.section = section;
	m.sect = sect;
	m.vars = vars;
	m.refs = dict_new(NULL);
	m.option = lopt;
	m.file = res->file;
	m.line = res->line;
	m.diag = d;
	if (confset_interp(&m, vv, &acc, 1) < 0) {
		strbuf_free(&acc);
		dict_free(m.refs);
		free(lopt);
		return CONFSET_ERROR;
	}
	dict_free(m.refs);
	free(lopt);
	res->text = strbuf_detach(&acc);
	return CONFSET_OK;
}

enum confset_status
confset_get_ex(const struct confset *cs, const char *section, const char *option,
    const struct dict *vars, struct confset_result *res, struct diag *d)
{
	const char *slash = strchr(option, '/'), *p;
	enum confset_status st;

	/* ^([\w\-]+)/([^\s>]+)$ */
	if (slash != NULL && slash > option && slash[1] != '\0') {
		bool ok = true;

		for (p = option; p < slash; p++)
			ok = ok && (confset_isword((unsigned char)*p) || *p == '-');
		for (p = slash + 1; *p; p++)
			ok = ok && *p != '>' && *p != ' ' && *p != '\t' &&
			    *p != '\n' && *p != '\r' && *p != '\f' && *p != '\v';
		if (ok) {
			char *sec = xstrndup(option, (size_t)(slash - option));
			const char *opt = slash + 1;

			if (strcasecmp(sec, "known") == 0) {
				char *kn = xasprintf("KNOWN/%s", section);

				st = confset_get(cs, kn, opt, false, NULL, res, d);
				free(kn);
				if (st == CONFSET_NOSECTION || st == CONFSET_NOOPTION)
					st = confset_get(cs, section, opt, false, NULL, res, d);
			} else if (strcasecmp(sec, "default") == 0)
				st = confset_get(cs, "DEFAULT", opt, false, NULL, res, d);
			else
				st = confset_get(cs, sec, opt, false, NULL, res, d);
			free(sec);
			if (st == CONFSET_OK || st == CONFSET_ERROR)
				return st;
		}
	}
	return confset_get(cs, section, option, false, vars, res, d);
}

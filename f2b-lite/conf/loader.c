/*
 * loader: what fail2ban's readers share (configreader.py): typed options
 * that remember their file:line, the configurations read once per logical
 * name, the reading of an option table from one section, and the filter
 * and action readers (DefinitionInitConfigReader).  Behaviour follows the
 * Python functions each step names; config.c builds the stream on top.
 *
 * Sections:
 *   typed options     optdef lookups, cfgopt values and dicts of them
 *   the loader        shared confsets, conversion, getOptions
 *   filter and action readers   getOptions, getCombOption, getCombined
 */
#include "loader.h"

#include <stdlib.h>
#include <string.h>

#include "confset.h"
#include "diag.h"
#include "dict.h"
#include "optval.h"
#include "pyval.h"
#include "strbuf.h"
#include "tagsub.h"
#include "timestr.h"
#include "xmalloc.h"

/* ---- typed options ------------------------------------------------------ */

bool
loader_optdef_has(const struct optdef *defs, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(defs[i].name, name) == 0)
			return true;
	return false;
}

const struct optdef *
loader_optdef_find(const struct optdef *defs, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(defs[i].name, name) == 0)
			return &defs[i];
	return NULL;
}

struct cfgopt *
loader_cfgopt_new(struct pyval *v, const char *file, int line)
{
	struct cfgopt *o = xmalloc(sizeof(*o));

	o->val = v;
	o->file = file;
	o->line = line;
	return o;
}

static void
cfgopt_free(void *p)
{
	struct cfgopt *o = p;

	if (o) {
		pyval_free(o->val);
		free(o);
	}
}

static void *
cfgopt_copy(const void *p)
{
	const struct cfgopt *o = p;

	return loader_cfgopt_new(pyval_copy(o->val), o->file, o->line);
}

struct dict *
loader_cfgopts_new(void)
{
	return dict_new(cfgopt_free);
}

/* Returns the option's text, or NULL when absent, None or not a str. */
const char *
loader_cfgopts_str(const struct dict *d, const char *name)
{
	struct cfgopt *o = dict_get(d, name, NULL);

	return o && pyval_type(o->val) == PY_STR ? pyval_as_str(o->val) : NULL;
}

/* {**a, **b}: a new dict with a's items updated by b's. */
static struct dict *
cfgopts_merge(const struct dict *a, const struct dict *b)
{
	struct dict *m = dict_copy(a, cfgopt_copy);
	const char *k;
	void *v;
	size_t pos = 0;

	while (b && dict_next(b, &pos, &k, &v))
		dict_set(m, k, cfgopt_copy(v));
	return m;
}

/* ConfigParser vars: lower-cased names, str() of each value, None kept. */
static struct dict *
cfgopts_vars(const struct dict *opts)
{
	struct dict *vars = dict_new(free);
	const char *k;
	struct cfgopt *o;
	size_t pos = 0;

	while (opts && dict_next(opts, &pos, &k, (void **)&o)) {
		struct strbuf sb = STRBUF_INIT;
		char *lk = xstrdup(k), *p;

		for (p = lk; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		if (pyval_type(o->val) == PY_NONE)
			dict_set(vars, lk, NULL);
		else {
			pyval_to_text(o->val, &sb);
			dict_set(vars, lk, strbuf_detach(&sb));
		}
		free(lk);
	}
	return vars;
}

static struct pyval *
optdef_default(const struct optdef *def)
{
	if (def->def == NULL)
		return pyval_none();
	if (def->type == OPT_BOOL)
		return pyval_bool(optval_bool(def->def));
	return pyval_str(def->def);
}

/* ---- the loader --------------------------------------------------------- */

void
loader_shared_free(void *p)
{
	struct loader_shared *s = p;

	confset_free(s->cs);
	free(s);
}

/* ConfigReader.read(name): the shared confset, read on first use. */
struct loader_shared *
loader_read(struct loader *L, const char *name)
{
	struct loader_shared *s = dict_get(L->shared, name, NULL);

	if (s == NULL) {
		s = xcalloc(1, sizeof(*s));
		s->cs = confset_new(L->basedir, L->cache);
		dict_set(L->shared, name, s);
	}
	if (!s->done) {
		s->nread = confset_read(s->cs, name, L->diag);
		s->done = true;
	}
	/* fail2ban stops at a file it cannot parse (each jail that reads it) */
	if (confset_nbroken(s->cs) > 0)
		L->fatal = true;
	return s;
}

/*
 * Converts a value read for a typed option; false if it does not convert.
 * *big: an int past 64 bits, saturated (the caller says where).
 */
static bool
loader_convert(enum opt_type type, const char *text, struct pyval **out, bool *big)
{
	long long i;
	int rc;

	*big = false;
	switch (type) {
	case OPT_INT:
		if ((rc = optval_int(text, &i)) < 0)
			return false;
		*big = rc > 0;
		*out = pyval_int(i);
		return true;
	case OPT_BOOL:
		*out = pyval_bool(optval_bool(text));
		return true;
	default:
		*out = pyval_str(text);
		return true;
	}
}

/*
 * ConfigReaderUnshared.getOptions: reads the table's options from section
 * sec into values, skipping those in popts (which are also the
 * interpolation vars).  Returns -1 when fail2ban would have raised.
 */
/*
 * A time option the server evaluates (MyTime.str2seconds) when it is set:
 * said here, with its place, when it would saturate at TIMESTR_MAX or not
 * evaluate at all (fail2ban's -t says nothing of either; its server
 * refuses the second).  A warning: the configuration still loads.
 */
void
loader_check_time(struct loader *L, const char *name, const struct cfgopt *o)
{
	const char *v = pyval_as_str(o->val);
	char *err = NULL;
	double secs;
	bool sat;

	if (v == NULL || *v == '\0')
		return;
	if (timestr_seconds(v, &secs, &sat, &err) < 0) {
		diag_warn(L->diag, o->file, o->line, "%s = %s: %s (the server will refuse it)",
		    name, v, err);
		free(err);
	} else if (sat)
		diag_warn(L->diag, o->file, o->line, "%s = %s: past the longest time f2b-lite "
		    "keeps (10^15 seconds, about 31.7 million years), saturated to it", name, v);
}

/* An integer option past 64 bits: fail2ban keeps it whole, f2b-lite saturates. */
static void
int_saturated(struct loader *L, const char *file, int line, const char *name, long long v)
{
	diag_warn(L->diag, file, line, "%s: past the largest integer f2b-lite keeps, "
	    "saturated to %lld", name, v);
}

int
loader_getoptions(struct loader *L, const struct confset *cs, const char *sec,
    const struct optdef *defs, size_t ndefs, const struct dict *popts,
    bool should_exist, bool convert, struct dict *values, const char *ctx)
{
	struct dict *vars = cfgopts_vars(popts);
	size_t i;
	int rc = 0;
	bool big;

	for (i = 0; i < ndefs; i++) {
		const struct optdef *def = &defs[i];
		struct confset_result res;
		struct pyval *v;

		if (dict_has(popts, def->name))
			continue;
		switch (confset_get(cs, sec, def->name, false, vars, &res, L->diag)) {
		case CONFSET_OK:
			if (res.text == NULL)
				v = pyval_none();
			else if (!convert)
				v = pyval_str(res.text);
			else if (!loader_convert(def->type, res.text, &v, &big)) {
				struct strbuf sb = STRBUF_INIT;

				pyval_repr_str(res.text, strlen(res.text), &sb);
				diag_error(L->diag, res.file, res.line, "option '%s' in "
				    "[%s]: %s is not %s", def->name, sec, sb.s,
				    def->type == OPT_INT ? "an integer" : "valid");
				strbuf_free(&sb);
				v = optdef_default(def);
			} else if (big)
				int_saturated(L, res.file, res.line, def->name, pyval_as_int(v));
			dict_set(values, def->name, loader_cfgopt_new(v, res.file, res.line));
			free(res.text);
			break;
		case CONFSET_NOSECTION:
			if (should_exist) {
				diag_error(L->diag, NULL, 0, "%s: no section [%s]", ctx, sec);
				L->fatal = true;
				rc = -1;
				goto out;
			}
			/* no file at all was reported by the caller already */
			if (confset_nfiles(cs) > 0)
				diag_error(L->diag, NULL, 0, "%s: no [%s] section", ctx, sec);
			dict_set(values, def->name, loader_cfgopt_new(optdef_default(def), NULL, 0));
			break;
		case CONFSET_NOOPTION:
			if (def->def != NULL) {
				if (strcmp(def->name, "allowipv6") != 0)
					diag_warn(L->diag, NULL, 0, "%s: '%s' not defined, "
					    "using the default '%s'", ctx, def->name, def->def);
				else	/* fail2ban's configreader says so on every read */
					diag_warn(L->diag, NULL, 0, "'%s' not defined in "
					    "'Definition'. Using default one: '%s'", def->name,
					    def->def);
				dict_set(values, def->name,
				    loader_cfgopt_new(optdef_default(def), NULL, 0));
			}
			break;
		case CONFSET_ERROR:
			L->fatal = true;
			rc = -1;
			goto out;
		}
	}
out:
	dict_free(vars);
	return rc;
}

/* ---- filter and action readers (DefinitionInitConfigReader) ------------- */

void
loader_def_free(struct defreader *r)
{
	if (r == NULL)
		return;
	free(r->file);
	free(r->name);
	free(r->jail);
	dict_free(r->initopts);
	dict_free(r->popts);
	dict_free(r->opts);
	dict_free(r->defcache);
	dict_free(r->pvars);
	free(r);
}

struct defreader *
loader_def_new(struct loader *L, const char *dir, const char *file,
    const char *jail, struct dict *initopts, const struct optdef *defs,
    size_t ndefs)
{
	struct defreader *r = xcalloc(1, sizeof(*r));

	r->L = L;
	/* os.path.join: an absolute name stands alone */
	r->file = file[0] == '/' ? xstrdup(file) : xasprintf("%s/%s", dir, file);
	r->jail = xstrdup(jail);
	r->defs = defs;
	r->ndefs = ndefs;
	r->initopts = initopts;
	r->popts = loader_cfgopts_new();
	r->opts = loader_cfgopts_new();
	r->defcache = dict_new(free);
	return r;
}

bool
loader_def_read(struct defreader *r)
{
	r->sh = loader_read(r->L, r->file);
	return r->sh->nread > 0;
}

/* DefinitionInitConfigReader.getOptions */
int
loader_def_getoptions(struct defreader *r, const struct dict *jailopts, bool all)
{
	struct loader *L = r->L;
	const struct confset *cs = r->sh->cs;
	struct dict *popts;
	const struct dict *init;
	const char *k;
	size_t pos;

	popts = dict_len(r->initopts) ? cfgopts_merge(jailopts, r->initopts) :
	    dict_copy(jailopts, cfgopt_copy);
	dict_free(r->opts);
	r->opts = loader_cfgopts_new();
	if (loader_getoptions(L, cs, "Definition", r->defs, r->ndefs, popts,
	    false, false, r->opts, r->file) < 0) {
		dict_free(popts);
		return -1;
	}
	dict_free(r->popts);
	r->popts = popts;
	dict_free(r->pvars);
	r->pvars = cfgopts_vars(popts);
	dict_free(r->defcache);
	r->defcache = dict_new(free);
	if ((init = confset_section(cs, "Init")) != NULL) {
		pos = 0;
		while (dict_next(init, &pos, &k, NULL)) {
			struct confset_result res;
			char *kk;

			if (strcmp(k, "__name__") == 0)
				continue;
			if (strncmp(k, "known/", 6) != 0 || !dict_has(r->initopts, k)) {
				if (confset_get(cs, "Init", k, false, NULL, &res, L->diag) !=
				    CONFSET_OK) {
					L->fatal = true;
					return -1;
				}
				if (strncmp(k, "known/", 6) != 0) {
					kk = xasprintf("known/%s", k);
					dict_set(r->initopts, kk, loader_cfgopt_new(res.text ?
					    pyval_str(res.text) : pyval_none(), res.file, res.line));
					free(kk);
				}
				if (!dict_has(r->initopts, k))
					dict_set(r->initopts, k, loader_cfgopt_new(res.text ?
					    pyval_str(res.text) : pyval_none(), res.file, res.line));
				free(res.text);
			}
		}
	}
	/* all: every own option of [Definition] ([DEFAULT] ones are not merged) */
	if (all && confset_has_section(cs, "Definition")) {
		pos = 0;
		while (dict_next(confset_section(cs, "Definition"), &pos, &k, NULL)) {
			struct confset_result res;

			if (strcmp(k, "__name__") == 0 || dict_has(r->opts, k))
				continue;
			if (confset_get(cs, "Definition", k, false, NULL, &res, L->diag) !=
			    CONFSET_OK) {
				L->fatal = true;
				return -1;
			}
			dict_set(r->opts, k, loader_cfgopt_new(res.text ? pyval_str(res.text) :
			    pyval_none(), res.file, res.line));
			free(res.text);
		}
	}
	return 0;
}

/* DefinitionInitConfigReader.getCombOption, the lookup of unknown tags. */
static char *
defreader_comb_option(void *arg, const char *tag, char **err)
{
	struct defreader *r = arg;
	struct confset_result res;
	bool found;
	char *v = dict_get(r->defcache, tag, &found);

	*err = NULL;
	if (found)
		return v ? xstrdup(v) : NULL;
	switch (confset_get_ex(r->sh->cs, "Definition", tag, r->pvars, &res,
	    r->L->diag)) {
	case CONFSET_OK:
		v = res.text;
		break;
	case CONFSET_ERROR:
		r->L->fatal = true;
		*err = xasprintf("cannot substitute <%s>", tag);
		return NULL;
	default:
		v = NULL;
		break;
	}
	dict_set(r->defcache, tag, v);
	return v ? xstrdup(v) : NULL;
}

/*
 * DefinitionInitConfigReader.getCombined: _opts updated by the [Init] and
 * jail-given options, tags substituted (ignoring `ignore` and every base name
 * of a conditional "name?family=..." option), then typed.  Returns NULL
 * when substitution fails.
 */
struct dict *
loader_def_combined(struct defreader *r, const char *const *ignore_names)
{
	struct dict *comb = cfgopts_merge(r->opts, r->initopts);
	struct dict *tags = dict_new(free), *ignore = dict_new(NULL);
	const char *k;
	struct cfgopt *o;
	char *err = NULL, *v;
	size_t pos = 0;

	if (dict_len(comb) == 0) {
		dict_free(tags);
		dict_free(ignore);
		return comb;
	}
	for (; ignore_names && *ignore_names; ignore_names++)
		dict_set(ignore, *ignore_names, NULL);
	while (dict_next(comb, &pos, &k, (void **)&o)) {
		const char *q;

		for (q = k; (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
		    (*q >= '0' && *q <= '9') || *q == '_' || (unsigned char)*q >= 0x80; q++)
			;
		if (q > k && *q == '?' && q[1]) {
			char *base = xstrndup(k, (size_t)(q - k));

			dict_set(ignore, base, NULL);
			free(base);
		}
		dict_set(tags, k, pyval_type(o->val) == PY_NONE ? NULL :
		    xstrdup(pyval_as_str(o->val) ? pyval_as_str(o->val) : ""));
	}
	if (tagsub_resolve(tags, NULL, ignore, defreader_comb_option, r, &err) < 0) {
		o = NULL;
		pos = 0;
		/* point at the option whose value could not be resolved */
		if (strncmp(err, "properties", 10) == 0) {
			const char *ft = strstr(err, "fail tag: ");
			char *tag = ft ? xstrndup(ft + 10, strcspn(ft + 10, ",")) : NULL;

			o = tag ? dict_get(comb, tag, NULL) : NULL;
			free(tag);
		}
		diag_error(r->L->diag, o ? o->file : r->deffile, o ? o->line :
		    r->defline, "%s: %s", r->file, err);
		r->L->fatal = true;
		free(err);
		dict_free(tags);
		dict_free(ignore);
		dict_free(comb);
		return NULL;
	}
	/* substituted text back, then convertOptions */
	pos = 0;
	while (dict_next(comb, &pos, &k, (void **)&o)) {
		const struct optdef *def;
		struct pyval *nv;
		bool big;

		if ((v = dict_get(tags, k, NULL)) == NULL)
			continue;
		def = loader_optdef_find(r->defs, r->ndefs, k);
		if (def == NULL || def->type == OPT_STR)
			nv = pyval_str(v);
		else if (!loader_convert(def->type, v, &nv, &big)) {
			diag_error(r->L->diag, o->file, o->line, "%s: option '%s': '%s' "
			    "is not an integer", r->file, k, v);
			nv = optdef_default(def);
		} else if (big)
			int_saturated(r->L, o->file, o->line, k, pyval_as_int(nv));
		pyval_free(o->val);
		o->val = nv;
	}
	dict_free(tags);
	dict_free(ignore);
	return comb;
}

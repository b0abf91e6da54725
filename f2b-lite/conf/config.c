/*
 * config: fail2ban's readers (filterreader.py, actionreader.py,
 * jailreader.py, jailsreader.py, fail2banreader.py) producing the command
 * stream.  The structure follows the Python classes closely on purpose:
 * the order in which fail2ban reads, merges and substitutes options is what
 * decides the result, so each step here names the fail2ban function it
 * reproduces.
 *
 * What the readers share - typed options, the confsets read once per name,
 * getOptions and the filter and action readers - is loader.c's; this file
 * owns the option tables and what turns them into the command stream.
 *
 * Sections:
 *   option tables        the jail's (from jailopts.h), action's, fail2ban.conf's
 *   the command stream   FilterReader/ActionReader convert
 *   jails                JailReader: options, filter, actions, log files, convert
 *   fail2ban.conf        Fail2banReader, config_early, config_filter, config_stream
 */
#include "config.h"

#include <errno.h>
#include <glob.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "confset.h"
#include "diag.h"
#include "dict.h"
#include "ini.h"
#include "jailopts.h"
#include "json.h"
#include "loader.h"
#include "log.h"
#include "optspec.h"
#include "pyval.h"
#include "shlex.h"
#include "strbuf.h"
#include "xmalloc.h"

#define F2B_VERSION_STRING	"1.0.2"

/* ---- option tables ------------------------------------------------------ */

/*
 * The jail's options, from the one table of them (jailopts.h), in its
 * order: JailReader._configOpts1st; JailReader._configOpts with
 * FilterReader._configOpts appended; FilterReader._configOpts.  A row's
 * load decides the lists it is in (the commands are in none).
 */
#define JO_KEEP(name, type, def)	{ name, OPT_##type, def },
#define JO_SKIP(name, type, def)
#define JO_1ST_FIRST	JO_KEEP
#define JO_1ST_JAIL	JO_SKIP
#define JO_1ST_FILTER	JO_SKIP
#define JO_1ST_OWN	JO_SKIP
#define JO_1ST_CMD	JO_SKIP
#define JO_ALL_FIRST	JO_KEEP
#define JO_ALL_JAIL	JO_KEEP
#define JO_ALL_FILTER	JO_KEEP
#define JO_ALL_OWN	JO_KEEP
#define JO_ALL_CMD	JO_SKIP
#define JO_FLT_FIRST	JO_SKIP
#define JO_FLT_JAIL	JO_SKIP
#define JO_FLT_FILTER	JO_KEEP
#define JO_FLT_OWN	JO_SKIP
#define JO_FLT_CMD	JO_SKIP
#define JO_1ST(name, load, type, def, set, get)	JO_1ST_##load(name, type, def)
#define JO_ALL(name, load, type, def, set, get)	JO_ALL_##load(name, type, def)
#define JO_FLT(name, load, type, def, set, get)	JO_FLT_##load(name, type, def)

static const struct optdef jail_opts1st[] = { JAIL_OPTIONS(JO_1ST) };
static const struct optdef jail_opts[] = { JAIL_OPTIONS(JO_ALL) };
static const struct optdef filter_opts[] = { JAIL_OPTIONS(JO_FLT) };

/* ActionReader._configOpts */
static const struct optdef action_opts[] = {
	{ "actionstart", OPT_STR, NULL },
	{ "actionstart_on_demand", OPT_BOOL, NULL },
	{ "actionstop", OPT_STR, NULL },
	{ "actionflush", OPT_STR, NULL },
	{ "actionreload", OPT_STR, NULL },
	{ "actioncheck", OPT_STR, NULL },
	{ "actionrepair", OPT_STR, NULL },
	{ "actionrepair_on_unban", OPT_BOOL, NULL },
	{ "actionban", OPT_STR, NULL },
	{ "actionprolong", OPT_STR, NULL },
	{ "actionreban", OPT_STR, NULL },
	{ "actionunban", OPT_STR, NULL },
	{ "norestored", OPT_BOOL, NULL },
};

/* Fail2banReader.getEarlyOptions */
static const struct optdef main_early_opts[] = {
	{ "socket", OPT_STR, "/var/run/fail2ban/fail2ban.sock" },
	{ "pidfile", OPT_STR, "/var/run/fail2ban/fail2ban.pid" },
	{ "loglevel", OPT_STR, "INFO" },
	{ "logtarget", OPT_STR, "/var/log/fail2ban.log" },
	{ "syslogsocket", OPT_STR, "auto" },
};

/* Fail2banReader.getOptions, with the stream order of convert() */
static const struct optdef main_opts[] = {
	{ "loglevel", OPT_STR, "INFO" },
	{ "logtarget", OPT_STR, "STDERR" },
	{ "syslogsocket", OPT_STR, "auto" },
	{ "allowipv6", OPT_STR, "auto" },
	{ "dbfile", OPT_STR, "/var/lib/fail2ban/fail2ban.sqlite3" },
	{ "dbmaxmatches", OPT_INT, NULL },
	{ "dbpurgeage", OPT_STR, "1d" },
};

static const struct optdef thread_opts[] = {
	{ "stacksize", OPT_INT, NULL },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* ipv4prefix, ipv6prefix: a prefix length of the family (the server refuses others). */
static void
check_prefix(struct loader *L, const char *name, const struct cfgopt *o)
{
	long long max = name[3] == '4' ? 32 : 128;

	if (pyval_type(o->val) == PY_INT && (pyval_as_int(o->val) < 1 ||
	    pyval_as_int(o->val) > max))
		diag_error(L->diag, o->file, o->line, "%s = %lld: a prefix length from 1 to %lld",
		    name, pyval_as_int(o->val), max);
}


/* ---- the command stream ------------------------------------------------- */

static struct pyval *
cmd_new(const char *first, ...)
{
	struct pyval *l = pyval_list();
	const char *s;
	va_list ap;

	va_start(ap, first);
	for (s = first; s != NULL; s = va_arg(ap, const char *))
		pyval_append(l, pyval_str(s));
	va_end(ap);
	return l;
}

/* FilterReader._fillStream */
static void
fill_stream(struct loader *L, struct pyval *stream, const struct dict *opts,
    const char *jail)
{
	size_t prio = 0, pos = 0;
	const char *k;
	struct cfgopt *o;

	while (dict_next(opts, &pos, &k, (void **)&o)) {
		const char *v;

		if (pyval_type(o->val) == PY_NONE)
			continue;
		v = pyval_as_str(o->val);
		if (strcmp(k, "failregex") == 0 || strcmp(k, "ignoreregex") == 0) {
			struct pyval *multi = pyval_list();
			const char *line = v;
			char *cmd = xasprintf("add%s", k);

			while (line) {
				const char *nl = strchr(line, '\n');
				size_t n = nl ? (size_t)(nl - line) : strlen(line);

				if (n)
					pyval_append(multi, pyval_strn(line, n));
				line = nl ? nl + 1 : NULL;
			}
			if (pyval_len(multi) > 1) {
				struct pyval *c = cmd_new("multi-set", jail, cmd, NULL);

				pyval_append(c, multi);
				pyval_append(stream, c);
			} else {
				if (pyval_len(multi) == 1) {
					struct pyval *c = cmd_new("set", jail, cmd, NULL);

					pyval_append(c, pyval_copy(pyval_at(multi, 0)));
					pyval_append(stream, c);
				}
				pyval_free(multi);
			}
			free(cmd);
		} else if (strcmp(k, "usedns") == 0 || strcmp(k, "maxlines") == 0 ||
		    strcmp(k, "prefregex") == 0) {
			struct pyval *c = cmd_new("set", jail, k, NULL);

			pyval_append(c, pyval_copy(o->val));
			pyval_insert(stream, strcmp(k, "usedns") == 0 ? 0 : prio, c);
			prio++;
		} else if (strcmp(k, "datepattern") == 0) {
			struct pyval *c = cmd_new("set", jail, k, NULL);

			pyval_append(c, pyval_copy(o->val));
			pyval_append(stream, c);
		} else if (strcmp(k, "journalmatch") == 0) {
			const char *line = v;

			while (line) {
				const char *nl = strchr(line, '\n');
				char *m = nl ? xstrndup(line, (size_t)(nl - line)) : xstrdup(line);

				if (m[0]) {
					struct pyval *c = cmd_new("set", jail,
					    "addjournalmatch", NULL);
					const char *err;

					if (shlex_split(m, c, &err) < 0) {
						diag_error(L->diag, o->file, o->line,
						    "journalmatch %s: %s", m, err);
						L->fatal = true;
						pyval_free(c);
					} else
						pyval_append(stream, c);
				}
				free(m);
				line = nl ? nl + 1 : NULL;
			}
		}
	}
}

/* FilterReader.convert */
static void
filter_convert(struct defreader *f, struct pyval *stream)
{
	struct dict *opts = loader_def_combined(f, NULL);

	if (opts == NULL)
		return;
	fill_stream(f->L, stream, opts, f->jail);
	dict_free(opts);
}

/* ActionReader.convert */
static void
action_convert(struct defreader *a, struct pyval *stream)
{
	static const char *const ignore[] = { "matches", "ipmatches",
	    "ipjailmatches", "timeout", "bantime", NULL };
	struct dict *opts = loader_def_combined(a, ignore);
	struct pyval *multi, *c;
	const char *k;
	struct cfgopt *o;
	size_t pos;

	if (opts == NULL)
		return;
	pyval_append(stream, cmd_new("set", a->jail, "addaction", a->name, NULL));
	multi = pyval_list();
	pos = 0;
	while (dict_next(opts, &pos, &k, (void **)&o)) {
		if (loader_optdef_has(a->defs, a->ndefs, k) && strncmp(k, "known/", 6) != 0) {
			c = pyval_list();
			pyval_append(c, pyval_str(k));
			pyval_append(c, pyval_copy(o->val));
			pyval_append(multi, c);
		}
	}
	pos = 0;
	while (dict_next(a->initopts, &pos, &k, (void **)&o)) {
		if (!loader_optdef_has(a->defs, a->ndefs, k) && strncmp(k, "known/", 6) != 0) {
			c = pyval_list();
			pyval_append(c, pyval_str(k));
			pyval_append(c, pyval_copy(o->val));
			pyval_append(multi, c);
		}
	}
	if (pyval_len(multi) > 1) {
		c = cmd_new("multi-set", a->jail, "action", a->name, NULL);
		pyval_append(c, multi);
		pyval_append(stream, c);
	} else {
		if (pyval_len(multi) == 1) {
			struct pyval *kv = pyval_at(multi, 0);

			c = cmd_new("set", a->jail, "action", a->name, NULL);
			pyval_append(c, pyval_copy(pyval_at(kv, 0)));
			pyval_append(c, pyval_copy(pyval_at(kv, 1)));
			pyval_append(stream, c);
		}
		pyval_free(multi);
	}
	dict_free(opts);
}

/* ---- jails -------------------------------------------------------------- */

struct jailconf {
	char			*name;
	struct dict		*opts;		/* cfgopt */
	struct defreader	*filter;
	struct defreader	**actions;
	size_t			 nactions;
	size_t			 capactions;
	struct pyval		*pyactions;	/* python actions, as commands */
	char			*config_error;
	bool			 to_journal;	/* backend auto, no files: the journal */
};

static void
jailconf_free(struct jailconf *j)
{
	size_t i;

	free(j->name);
	dict_free(j->opts);
	loader_def_free(j->filter);
	for (i = 0; i < j->nactions; i++)
		loader_def_free(j->actions[i]);
	free(j->actions);
	pyval_free(j->pyactions);
	free(j->config_error);
	free(j);
}

static bool
jailconf_enabled(const struct jailconf *j)
{
	struct cfgopt *o = dict_get(j->opts, "enabled", NULL);

	return o && pyval_as_bool(o->val);
}

/* Python's json.dumps() of a dict of strings. */
static char *
json_dumps(const struct dict *opts)
{
	struct pyval *d = pyval_dict();
	struct strbuf sb = STRBUF_INIT;
	const char *k;
	char *v;
	size_t pos = 0;

	while (dict_next(opts, &pos, &k, (void **)&v))
		pyval_dict_set(d, pyval_str(k), pyval_str(v));
	json_dump(d, true, &sb);
	pyval_free(d);
	return strbuf_detach(&sb);
}

/* Records a JailDefError: the jail is skipped with a config-error command. */
static int
jailconf_def_error(struct loader *L, struct jailconf *j, const char *file, int line,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	j->config_error = xvasprintf(fmt, ap);
	va_end(ap);
	diag_error(L->diag, file, line, "jail '%s': %s", j->name, j->config_error);
	return -1;
}

static char *
repr_of(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	pyval_repr_str(s, strlen(s), &sb);
	return strbuf_detach(&sb);
}

/* One action of the jail's `action` value: a reader or a python action. */
static int
jailconf_add_action(struct loader *L, struct jailconf *j, const char *act,
    const struct cfgopt *ao)
{
	struct dict *aopts;
	char *aname, *err, *rs;
	size_t n = strlen(act);
	struct defreader *a;
	const char *nm, *actname;
	struct dict *init;
	const char *k;
	char *v;
	size_t pos;

	if (optspec_parse(act, &aname, &aopts, &err) < 0) {
		rs = repr_of(act);
		jailconf_def_error(L, j, ao->file, ao->line,
		    "Invalid action definition %s: %s", rs, err);
		free(rs);
		free(err);
		return -1;
	}
	if (n >= 3 && strlen(aname) >= 3 && strcmp(aname + strlen(aname) - 3, ".py") == 0) {
		struct pyval *c;
		char *an = dict_get(aopts, "actname", NULL), *json, *path;

		an = an ? xstrdup(an) : xstrndup(aname, strlen(aname) - 3);
		dict_del(aopts, "actname");
		json = json_dumps(aopts);
		path = xasprintf("%s/action.d/%s", L->req->basedir, aname);
		c = cmd_new("set", j->name, "addaction", an, path, json, NULL);
		if (j->pyactions == NULL)
			j->pyactions = pyval_list();
		pyval_append(j->pyactions, c);
		/* a slot in actions keeps the order of python and file actions */
		j->actions = xgrow(j->actions, &j->capactions, j->nactions + 1,
		    sizeof(*j->actions));
		j->actions[j->nactions++] = NULL;
		free(an);
		free(json);
		free(path);
		free(aname);
		dict_free(aopts);
		return 0;
	}
	/* ActionReader.__init__: name defaults to the jail, actname to the file */
	init = loader_cfgopts_new();
	pos = 0;
	while (dict_next(aopts, &pos, &k, (void **)&v))
		dict_set(init, k, loader_cfgopt_new(pyval_str(v), ao->file, ao->line));
	if ((nm = loader_cfgopts_str(init, "name")) == NULL) {
		dict_set(init, "name", loader_cfgopt_new(pyval_str(j->name), NULL, 0));
		nm = j->name;
	}
	if ((actname = loader_cfgopts_str(init, "actname")) == NULL) {
		char *an;
		size_t jl = strlen(j->name);

		if (strcmp(nm, j->name) == 0)
			an = xstrdup(aname);
		else if (strncmp(nm, j->name, jl) == 0)
			an = xasprintf("%s%s", aname, nm + jl);
		else
			an = xasprintf("%s-%s", aname, nm);
		dict_set(init, "actname", loader_cfgopt_new(pyval_str(an), NULL, 0));
		free(an);
	}
	a = loader_def_new(L, "action.d", aname, j->name, init, action_opts,
	    NELEM(action_opts));
	a->name = xstrdup(loader_cfgopts_str(init, "actname"));
	a->deffile = ao->file;
	a->defline = ao->line;
	dict_free(aopts);
	if (!loader_def_read(a)) {
		rs = repr_of(aname);
		jailconf_def_error(L, j, ao->file, ao->line, "Unable to read action %s", rs);
		free(rs);
		free(aname);
		loader_def_free(a);
		return -1;
	}
	free(aname);
	if (loader_def_getoptions(a, j->opts, false) < 0) {
		loader_def_free(a);
		return -1;
	}
	j->actions = xgrow(j->actions, &j->capactions, j->nactions + 1,
	    sizeof(*j->actions));
	j->actions[j->nactions++] = a;
	return 0;
}

/*
 * The filter part of JailReader.getOptions: read the filter named by the
 * jail, then merge its options into the jail section as known/<opt> so that
 * the jail can say failregex = %(known/failregex)s ...
 */
static int
jailconf_read_filter(struct loader *L, struct confset *jcs, struct jailconf *j,
    const struct cfgopt *fo)
{
	const char *flt = pyval_as_str(fo->val), *k, *be;
	struct dict *fopts, *init, *comb, *vals;
	const struct dict *def;
	char *fname, *err, *rs, *v;
	struct cfgopt *o;
	size_t pos = 0;

	if (optspec_parse(flt, &fname, &fopts, &err) < 0) {
		rs = repr_of(flt);
		jailconf_def_error(L, j, fo->file, fo->line,
		    "Invalid filter definition %s: %s", rs, err);
		free(rs);
		free(err);
		return -1;
	}
	init = loader_cfgopts_new();
	while (dict_next(fopts, &pos, &k, (void **)&v))
		dict_set(init, k, loader_cfgopt_new(pyval_str(v), fo->file, fo->line));
	dict_free(fopts);
	j->filter = loader_def_new(L, "filter.d", fname, j->name, init, filter_opts,
	    NELEM(filter_opts));
	j->filter->deffile = fo->file;
	j->filter->defline = fo->line;
	if (!loader_def_read(j->filter)) {
		rs = repr_of(fname);
		jailconf_def_error(L, j, fo->file, fo->line, "Unable to read the filter %s", rs);
		free(rs);
		free(fname);
		return -1;
	}
	free(fname);
	/* applyAutoOptions: logtype from the backend unless the filter sets it */
	def = confset_section(j->filter->sh->cs, "Definition");
	if ((loader_cfgopts_str(init, "logtype") == NULL || !loader_cfgopts_str(init, "logtype")[0]) &&
	    (def == NULL || !dict_has(def, "logtype"))) {
		be = loader_cfgopts_str(j->opts, "backend");
		dict_set(init, "logtype", loader_cfgopt_new(pyval_str(be &&
		    strncmp(be, "systemd", 7) == 0 ? "journal" : "file"), NULL, 0));
	}
	if (loader_def_getoptions(j->filter, j->opts, true) < 0)
		return -1;
	if ((comb = loader_def_combined(j->filter, NULL)) == NULL)
		return -1;
	vals = dict_new(ini_value_free);
	pos = 0;
	while (dict_next(comb, &pos, &k, (void **)&o)) {
		struct strbuf sb = STRBUF_INIT;

		if (pyval_type(o->val) == PY_NONE)
			continue;
		pyval_to_text(o->val, &sb);
		dict_set(vals, k, ini_value_new(strbuf_str(&sb), o->file, o->line));
		strbuf_free(&sb);
	}
	confset_merge_section(jcs, j->name, vals, "known/");
	dict_free(vals);
	dict_free(comb);
	return 0;
}

/* Whether the jail's logpath globs match any file now. */
static bool
jailconf_has_files(struct loader *L, struct confset *jcs, struct jailconf *j, const char *ctx)
{
	static const struct optdef lp_opt[] = { { "logpath", OPT_STR, NULL } };
	struct dict *vals = loader_cfgopts_new();
	const char *line;
	bool found = false;

	if (loader_getoptions(L, jcs, j->name, lp_opt, 1, NULL, false, false, vals, ctx) < 0 ||
	    (line = loader_cfgopts_str(vals, "logpath")) == NULL) {
		dict_free(vals);
		return true;	/* nothing to decide on: the usual path reports it */
	}
	while (line && !found) {
		const char *nl = strchr(line, '\n');
		char *p = nl ? xstrndup(line, (size_t)(nl - line)) : xstrdup(line);
		char *sp = strrchr(p, ' ');
		glob_t g;

		if (sp && (strcmp(sp + 1, "head") == 0 || strcmp(sp + 1, "tail") == 0))
			*sp = '\0';
		if (p[0] && glob(p, GLOB_NOSORT, NULL, &g) == 0) {
			found = g.gl_pathc > 0;
			globfree(&g);
		}
		free(p);
		line = nl ? nl + 1 : NULL;
	}
	dict_free(vals);
	return found;
}

/*
 * JailReader.getOptions; returns -1 on a JailDefError or fatal error, 1
 * when the journal fallback was tried and the filter has no journalmatch
 * (read the jail again without it: it waits for its files).
 */
static int
jailconf_getoptions_as(struct loader *L, struct confset *jcs, struct jailconf *j, bool may_journal)
{
	struct cfgopt *fo, *ao;
	char **acts = NULL, *ctx;
	size_t nacts, i;
	int rc;

	confset_set_default(jcs, "fail2ban_version", F2B_VERSION_STRING);
	confset_set_default(jcs, "fail2ban_confpath", L->req->basedir);
	ctx = xasprintf("jail '%s'", j->name);
	j->opts = loader_cfgopts_new();
	rc = loader_getoptions(L, jcs, j->name, jail_opts1st, NELEM(jail_opts1st),
	    NULL, true, true, j->opts, ctx);
	if (rc < 0 || !jailconf_enabled(j))
		goto out;

	if (may_journal && strcmp(loader_cfgopts_str(j->opts, "backend") ?
	    loader_cfgopts_str(j->opts, "backend") : "auto", "auto") == 0 &&
	    !jailconf_has_files(L, jcs, j, ctx)) {
		j->to_journal = true;
		dict_set(j->opts, "backend", loader_cfgopt_new(pyval_str("systemd"), NULL, 0));
	}
	fo = dict_get(j->opts, "filter", NULL);
	if (pyval_as_str(fo->val) && pyval_as_str(fo->val)[0]) {
		if ((rc = jailconf_read_filter(L, jcs, j, fo)) < 0)
			goto out;
	} else
		diag_warn(L->diag, fo->file, fo->line, "no filter set for jail %s",
		    j->name);

	/* read again: %(known/...)s now sees the filter's options */
	dict_free(j->opts);
	j->opts = loader_cfgopts_new();
	rc = loader_getoptions(L, jcs, j->name, jail_opts, NELEM(jail_opts), NULL,
	    false, true, j->opts, ctx);
	if (rc < 0)
		goto out;
	if (j->to_journal)
		dict_set(j->opts, "backend", loader_cfgopt_new(pyval_str("systemd"), NULL, 0));
	if (j->filter && (rc = loader_def_getoptions(j->filter, j->opts, false)) < 0)
		goto out;
	if (j->to_journal) {
		struct dict *fopts = j->filter ? loader_def_combined(j->filter, NULL) : NULL;
		struct cfgopt *jm = fopts ? dict_get(fopts, "journalmatch", NULL) : NULL;
		struct cfgopt *lp = dict_get(j->opts, "logpath", NULL);

		if (jm == NULL || pyval_as_str(jm->val) == NULL || !pyval_as_str(jm->val)[0]) {
			/* no journal to fall back on: the jail waits for its files */
			dict_free(fopts);
			rc = 1;
			goto out;
		}
		diag_warn(L->diag, lp ? lp->file : NULL, lp ? lp->line : 0,
		    "jail '%s': no log file found, using the systemd journal "
		    "(backend = systemd, journalmatch = %s)", j->name, pyval_as_str(jm->val));
		dict_free(fopts);
	}

	ao = dict_get(j->opts, "action", NULL);
	nacts = optspec_split(pyval_as_str(ao->val) ? pyval_as_str(ao->val) : "",
	    &acts);
	for (i = 0; i < nacts && rc == 0; i++) {
		size_t n = strlen(acts[i]);
		const char *s = ini_strip(acts[i], &n);
		char *act = xstrndup(s, n);

		if (act[0])
			rc = jailconf_add_action(L, j, act, ao);
		free(act);
	}
	optspec_free_items(acts, nacts);
	if (rc == 0 && j->nactions == 0)
		diag_warn(L->diag, ao->file, ao->line, "no actions were defined for %s",
		    j->name);
out:
	free(ctx);
	return rc;
}

/*
 * JailReader.getOptions.  f2b-lite's server (journal_fallback): with
 * backend auto and no log file, the journal if the filter has a
 * journalmatch, else (and with any other backend) the jail waits for its
 * files (jail_convert).
 */
static int
jailconf_getoptions(struct loader *L, struct confset *jcs, struct jailconf *j)
{
	int rc = jailconf_getoptions_as(L, jcs, j, L->req->journal_fallback);

	if (rc == 1) {
		dict_free(j->opts);
		j->opts = NULL;
		loader_def_free(j->filter);
		j->filter = NULL;
		j->to_journal = false;
		rc = jailconf_getoptions_as(L, jcs, j, false);
	}
	return rc;
}

/*
 * skip_broken_jails: what a jail's reading adds to the diag is that jail's.
 * begin: where its messages start (fatal: the verdict before it, cleared);
 * end: true when the jail had an error - it becomes a config-error (its
 * first error the reason) and a fatal one stays with it.
 */
static size_t
jailconf_errors_begin(struct loader *L, bool *fatal)
{
	*fatal = L->fatal;
	if (L->req->skip_broken_jails)
		L->fatal = false;
	return diag_count(L->diag);
}

static bool
jailconf_errors_end(struct loader *L, struct jailconf *j, size_t mark, bool fatal,
    size_t *attributed)
{
	const char *first = NULL;
	size_t i, n = 0;

	if (!L->req->skip_broken_jails)
		return false;
	for (i = mark; i < diag_count(L->diag); i++)
		if (diag_level(L->diag, i) == DIAG_ERROR) {
			if (first == NULL)
				first = diag_text(L->diag, i);
			n++;
		}
	*attributed += n;
	if ((n == 0 && !L->fatal) || !jailconf_enabled(j)) {
		L->fatal = fatal;	/* a disabled jail's errors stop nothing */
		return false;
	}
	if (j->config_error == NULL)
		j->config_error = xstrdup(first ? first : "errors in the configuration");
	L->fatal = fatal;
	return true;
}

/* Python's glob.glob for a logpath: matches in directory order. */
static size_t
jailconf_glob(struct loader *L, const char *path, const struct cfgopt *o,
    struct pyval *stream2, const char *jail, const char *tail)
{
	size_t found = 0, i;
	glob_t g;

	if (path[0] == '\0')
		return 0;
	if (glob(path, GLOB_NOSORT, NULL, &g) != 0)
		return 0;
	for (i = 0; i < g.gl_pathc; i++) {
		struct stat st;

		if (stat(g.gl_pathv[i], &st) < 0) {
			diag_warn(L->diag, o->file, o->line, "file %s is a dangling link, "
			    "thus cannot be monitored", g.gl_pathv[i]);
			continue;
		}
		pyval_append(stream2, cmd_new("set", jail, "addlogpath",
		    g.gl_pathv[i], tail, NULL));
		found++;
	}
	globfree(&g);
	return found;
}

/* JailReader.convert */
static void
jailconf_convert(struct loader *L, struct jailconf *j, struct pyval *stream)
{
	struct pyval *js = pyval_list(), *stream2 = pyval_list(), *c;
	const char *k, *backend = "auto";
	struct cfgopt *o;
	size_t pos, i, start = pyval_len(stream);

	if (j->config_error) {
		char *msg = xasprintf("Jail '%s' skipped, because of wrong "
		    "configuration: %s", j->name, j->config_error);

		c = pyval_list();
		pyval_append(c, pyval_str("config-error"));
		pyval_append(c, pyval_str_take(msg));
		pyval_append(stream, c);
		pyval_free(js);
		pyval_free(stream2);
		return;
	}
	if (j->filter)
		filter_convert(j->filter, js);
	fill_stream(L, js, j->opts, j->name);
	pos = 0;
	while (dict_next(j->opts, &pos, &k, (void **)&o)) {
		if (strcmp(k, "logpath") == 0) {
			const char *be = loader_cfgopts_str(j->opts, "backend");
			const char *line = pyval_as_str(o->val);
			size_t found = 0;

			if ((be && strncmp(be, "systemd", 7) == 0) || line == NULL)
				continue;
			char *waiting = NULL;	/* a glob nothing matches yet */

			while (line) {
				const char *nl = strchr(line, '\n');
				char *p = nl ? xstrndup(line, (size_t)(nl - line)) : xstrdup(line);
				char *sp = strrchr(p, ' ');
				const char *tail = "head";
				bool glob = strpbrk(p, "*?[") != NULL;
				struct stat st;
				size_t n;

				if (sp) {
					*sp = '\0';
					tail = sp + 1;
				}
				if (L->req->journal_fallback && !glob && p[0] && stat(p, &st) < 0) {
					/*
					 * f2b-lite's server follows a file that does not exist
					 * yet (or a dangling link's target) once it appears,
					 * as tail -F does; the jail runs meanwhile
					 */
					pyval_append(stream2, cmd_new("set", j->name, "addlogpath",
					    p, tail, NULL));
					if (L->req->test)
						diag_warn(L->diag, o->file, o->line, "jail '%s': log "
						    "file %s does not exist (yet): the server waits for "
						    "it and follows it once it appears", j->name, p);
					found++;
					free(p);
					line = nl ? nl + 1 : NULL;
					continue;
				}
				n = jailconf_glob(L, p, o, stream2, j->name, tail);
				/* the daemon (f2b-lite only) watches globs for new files */
				if (L->req->journal_fallback && glob)
					pyval_append(stream2, cmd_new("set", j->name,
					    "addlogglob", p, tail, NULL));
				if (n == 0) {
					diag_add(L->diag, DIAG_NOTICE, o->file, o->line,
					    "no file(s) found for glob %s", p);
					if (glob && waiting == NULL)
						waiting = xstrdup(p);
				}
				found += n;
				free(p);
				line = nl ? nl + 1 : NULL;
			}
			if (found == 0 && L->req->journal_fallback) {
				/* only globs, none matching: the jail runs and waits for files */
				diag_warn(L->diag, o->file, o->line, "jail '%s': no file matches "
				    "%s yet: the server follows the files matching it as they "
				    "appear", j->name, waiting ? waiting : "its logpath");
			} else if (found == 0) {
				if (!L->req->allow_no_files) {
					diag_error(L->diag, o->file, o->line, "have not found "
					    "any log file for %s jail", j->name);
					L->fatal = true;
				} else
					diag_warn(L->diag, o->file, o->line, "have not found "
					    "any log file for %s jail", j->name);
			}
			free(waiting);
		} else if (strcmp(k, "backend") == 0)
			backend = pyval_as_str(o->val) ? pyval_as_str(o->val) : "None";
		else if (strcmp(k, "ignoreip") == 0) {
			char **w;
			size_t nw = optspec_words(pyval_as_str(o->val) ?
			    pyval_as_str(o->val) : "", &w);

			c = cmd_new("set", j->name, "addignoreip", NULL);
			for (i = 0; i < nw; i++)
				pyval_append(c, pyval_str(w[i]));
			optspec_free_items(w, nw);
			pyval_append(js, c);
		} else if (strcmp(k, "action") != 0 && strcmp(k, "filter") != 0 &&
		    strcmp(k, "enabled") != 0 && !loader_optdef_has(filter_opts,
		    NELEM(filter_opts), k)) {
			const struct optdef *def = loader_optdef_find(jail_opts, NELEM(jail_opts), k);

			if (def != NULL && def->type == OPT_TIME)
				loader_check_time(L, k, o);
			else if (!strcmp(k, "ipv4prefix") || !strcmp(k, "ipv6prefix"))
				check_prefix(L, k, o);
			c = cmd_new("set", j->name, k, NULL);
			pyval_append(c, pyval_copy(o->val));
			pyval_append(js, c);
		}
	}
	for (i = 0; i < pyval_len(stream2); i++)
		pyval_append(js, pyval_copy(pyval_at(stream2, i)));
	pyval_free(stream2);
	{
		size_t py = 0;

		for (i = 0; i < j->nactions; i++) {
			if (j->actions[i])
				action_convert(j->actions[i], js);
			else
				pyval_append(js, pyval_copy(pyval_at(j->pyactions, py++)));
		}
	}
	pyval_insert(js, 0, cmd_new("add", j->name, backend, NULL));
	for (i = 0; i < pyval_len(js); i++)
		pyval_insert(stream, start + i, pyval_copy(pyval_at(js, i)));
	pyval_free(js);
}

/* ---- fail2ban.conf ------------------------------------------------------ */

int
config_early(const char *basedir, struct dict *opts, struct diag *d)
{
	struct config_request req = { .basedir = basedir };
	struct loader L = { .req = &req, .basedir = req.basedir, .diag = d };
	struct dict *values;
	struct loader_shared *sh;
	const char *k;
	struct cfgopt *o;
	size_t pos = 0;
	struct stat st;

	if (stat(basedir, &st) < 0)
		return -1;
	values = loader_cfgopts_new();
	L.cache = confset_cache_new();
	L.shared = dict_new(loader_shared_free);
	sh = loader_read(&L, "fail2ban");
	loader_getoptions(&L, sh->cs, "Definition", main_early_opts,
	    NELEM(main_early_opts), NULL, false, true, values, "fail2ban.conf");
	while (dict_next(values, &pos, &k, (void **)&o))
		if (!dict_has(opts, k) && pyval_as_str(o->val))
			dict_set(opts, k, xstrdup(pyval_as_str(o->val)));
	dict_free(values);
	dict_free(L.shared);
	confset_cache_free(L.cache);
	return 0;
}

/* Fail2banReader.getOptions + convert */
static void
main_convert(struct loader *L, struct pyval *stream)
{
	/* convert() order: thread, syslogsocket, loglevel, logtarget, allowipv6,
	 * dbfile, then dbmaxmatches and dbpurgeage (equal rank, sorted by name) */
	static const char *const order[] = { "syslogsocket", "loglevel",
	    "logtarget", "allowipv6", "dbfile", "dbmaxmatches", "dbpurgeage" };
	/* what the command line may override */
	static const char *const passed[] = { "loglevel", "logtarget", "syslogsocket" };
	struct loader_shared *sh = loader_read(L, "fail2ban");
	struct dict *values = loader_cfgopts_new();
	char *v;
	size_t i;

	if (sh->nread == 0)
		diag_warn(L->diag, NULL, 0, "no fail2ban.conf under %s, using the "
		    "defaults", L->req->basedir);
	if (loader_getoptions(L, sh->cs, "Definition", main_opts, NELEM(main_opts),
	    NULL, false, true, values, "fail2ban.conf") < 0)
		goto out;
	for (i = 0; L->req->mainopts && i < NELEM(passed); i++)
		if ((v = dict_get(L->req->mainopts, passed[i], NULL)) != NULL)
			dict_set(values, passed[i], loader_cfgopt_new(pyval_str(v), NULL, 0));
	{
		const char *ll = loader_cfgopts_str(values, "loglevel");

		if (ll && log_level_parse(ll) < 0) {
			struct cfgopt *o = dict_get(values, "loglevel", NULL);

			diag_error(L->diag, o->file, o->line, "invalid log level '%s'", ll);
			L->fatal = true;
		}
	}
	if (confset_has_section(sh->cs, "Thread")) {
		struct dict *th = loader_cfgopts_new();

		loader_getoptions(L, sh->cs, "Thread", thread_opts,
		    NELEM(thread_opts), NULL, false, true, th, "fail2ban.conf");
		if (dict_len(th)) {
			struct pyval *c = cmd_new("set", "thread", NULL), *d = pyval_dict();
			struct cfgopt *o;
			const char *k;
			size_t pos = 0;

			while (dict_next(th, &pos, &k, (void **)&o))
				pyval_dict_set(d, pyval_str(k), pyval_copy(o->val));
			pyval_append(c, d);
			pyval_append(stream, c);
		}
		dict_free(th);
	}
	for (i = 0; i < NELEM(order); i++) {
		struct cfgopt *o = dict_get(values, order[i], NULL);
		struct pyval *c;

		if (o == NULL)
			continue;
		if (strcmp(order[i], "dbpurgeage") == 0)
			loader_check_time(L, order[i], o);
		c = cmd_new("set", order[i], NULL);
		pyval_append(c, pyval_copy(o->val));
		pyval_append(stream, c);
	}
out:
	dict_free(values);
}

struct pyval *
config_filter(const char *basedir, const char *name, const struct dict *args,
    const char *backend, struct diag *d, int *why)
{
	struct config_request req = { .basedir = basedir ? basedir : "/etc/fail2ban" };
	struct loader L = { .req = &req, .basedir = req.basedir, .diag = d };
	struct pyval *stream = NULL;
	struct dict *init = loader_cfgopts_new(), *none = loader_cfgopts_new();
	struct defreader *r;
	const struct dict *def;
	const char *k;
	struct stat st;
	char *v;
	size_t pos = 0;

	*why = 1;
	if (basedir != NULL && (basedir[0] == '\0' || stat(basedir, &st) < 0)) {
		diag_error(d, NULL, 0, "Base configuration directory %s does not exist ",
		    basedir);
		dict_free(init);
		dict_free(none);
		return NULL;
	}
	while (args && dict_next(args, &pos, &k, (void **)&v))
		dict_set(init, k, loader_cfgopt_new(pyval_str(v), NULL, 0));
	L.cache = confset_cache_new();
	L.shared = dict_new(loader_shared_free);
	r = loader_def_new(&L, "filter.d", name, "fail2ban-regex-jail", init, filter_opts,
	    NELEM(filter_opts));
	if (basedir != NULL) {
		if (!loader_def_read(r))
			goto out;
	} else {
		r->sh = xcalloc(1, sizeof(*r->sh));
		r->sh->cs = confset_new(req.basedir, L.cache);
		r->sh->nread = confset_read_file(r->sh->cs, name, d);
		r->sh->done = true;
		dict_set(L.shared, r->file, r->sh);
		if (confset_nbroken(r->sh->cs) > 0)
			L.fatal = true;
		if (r->sh->nread == 0)
			goto out;
	}
	*why = 2;
	/* applyAutoOptions (not applied without a backend, as in fail2ban's tests) */
	def = confset_section(r->sh->cs, "Definition");
	if (backend != NULL && (loader_cfgopts_str(init, "logtype") == NULL || !loader_cfgopts_str(init, "logtype")[0]) &&
	    (def == NULL || !dict_has(def, "logtype")))
		dict_set(init, "logtype", loader_cfgopt_new(pyval_str(
		    strncmp(backend, "systemd", 7) == 0 ? "journal" : "file"), NULL, 0));
	if (loader_def_getoptions(r, none, false) < 0)
		goto out;
	stream = pyval_list();
	filter_convert(r, stream);
	if (L.fatal) {
		pyval_free(stream);
		stream = NULL;
	}
out:
	loader_def_free(r);
	dict_free(none);
	dict_free(L.shared);
	confset_cache_free(L.cache);
	return stream;
}

struct pyval *
config_stream(const struct config_request *req, struct diag *d, bool *ok)
{
	struct loader L = { .req = req, .basedir = req->basedir, .diag = d };
	struct pyval *stream = pyval_list();
	struct jailconf **jails = NULL;
	size_t njails = 0, cap = 0, i, pos = 0, mark, attributed = 0;
	bool fatal;
	struct loader_shared *jsh;
	const char *sec;
	int status = 0;
	struct stat st;

	*ok = false;
	if (stat(req->basedir, &st) < 0) {
		diag_error(d, NULL, 0, "Base configuration directory %s does not exist",
		    req->basedir);
		pyval_free(stream);
		return NULL;
	}
	L.cache = confset_cache_new();
	L.shared = dict_new(loader_shared_free);
	main_convert(&L, stream);
	jsh = loader_read(&L, "jail");
	if (jsh->nread == 0)
		diag_error(d, NULL, 0, "found no accessible config files for 'jail' "
		    "under %s", req->basedir);

	/* JailsReader.getOptions */
	while ((sec = req->jail ? (pos++ ? NULL : req->jail) :
	    confset_next_section(jsh->cs, &pos)) != NULL) {
		struct jailconf *j;
		int rc;

		if (strcmp(sec, "INCLUDES") == 0)
			continue;
		j = xcalloc(1, sizeof(*j));
		j->name = xstrdup(sec);
		if (req->jail && !confset_has_section(jsh->cs, sec)) {
			/* ConfigParser's NoSectionError, as fail2ban-client reports it */
			struct pyval *name = pyval_str(sec);
			struct strbuf r = STRBUF_INIT;

			pyval_repr(name, &r);
			diag_error(d, NULL, 0, "Failed during configuration: No section: %s",
			    strbuf_str(&r));
			strbuf_free(&r);
			pyval_free(name);
			L.fatal = true;
			jailconf_free(j);
			continue;
		}
		mark = jailconf_errors_begin(&L, &fatal);
		rc = jailconf_getoptions(&L, jsh->cs, j);
		if (jailconf_errors_end(&L, j, mark, fatal, &attributed))
			rc = -1;
		if (rc == 0 && jailconf_enabled(j))
			status |= 1;
		else if (rc < 0 && j->config_error)
			status |= 2;
		if (rc < 0 && j->config_error == NULL) {
			/* fatal for fail2ban; keep going to find more errors */
			jailconf_free(j);
			continue;
		}
		if (rc < 0 || jailconf_enabled(j)) {
			jails = xgrow(jails, &cap, njails + 1, sizeof(*jails));
			jails[njails++] = j;
		} else
			jailconf_free(j);
	}

	/* JailsReader.convert */
	for (i = 0; i < njails; i++) {
		struct pyval *js = pyval_list();

		mark = jailconf_errors_begin(&L, &fatal);
		jailconf_convert(&L, jails[i], js);
		if (jailconf_errors_end(&L, jails[i], mark, fatal, &attributed)) {
			/* the config-error instead of its commands */
			pyval_free(js);
			js = pyval_list();
			jailconf_convert(&L, jails[i], js);
		}
		pyval_move_items(stream, js);
		pyval_free(js);
	}
	for (i = 0; i < njails; i++)
		if (jails[i]->config_error == NULL)
			pyval_append(stream, cmd_new("start", jails[i]->name, NULL));
	for (i = 0; i < njails; i++)
		jailconf_free(jails[i]);
	free(jails);
	dict_free(L.shared);
	confset_cache_free(L.cache);

	*ok = ((!req->test && (status & 1)) || !(status & 2));
	if (req->skip_broken_jails)	/* ignoreWrong: some jail runs, none outside is wrong */
		*ok = ((status & 1) || !(status & 2)) && diag_nerrors(d) == attributed;
	if (L.fatal) {
		*ok = false;
		pyval_free(stream);
		return NULL;
	}
	return stream;
}

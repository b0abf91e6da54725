/*
 * Unit tests for confset: file layering, [INCLUDES], KNOWN snapshots,
 * conditional sections and every interpolation form, with hostile cases.
 */
#include <time.h>

#include "confset.h"
#include "diag.h"
#include "dict.h"
#include "fixture.h"
#include "ini.h"
#include "tap.h"
#include "xmalloc.h"

static struct diag *d;
static struct confset_cache *cache;

static struct confset *
load(const char *name)
{
	struct confset *cs;

	diag_free(d);
	d = diag_new();
	confset_cache_free(cache);
	cache = confset_cache_new();
	cs = confset_new(fixture_dir, cache);
	confset_read(cs, name, d);
	return cs;
}

/* get() as a string: the value, "<nosection>", "<nooption>" or "<error>". */
static char *
get(struct confset *cs, const char *sec, const char *opt, const struct dict *vars)
{
	static char buf[4096];
	struct confset_result r;

	switch (confset_get(cs, sec, opt, false, vars, &r, d)) {
	case CONFSET_OK:
		snprintf(buf, sizeof(buf), "%s", r.text ? r.text : "<None>");
		free(r.text);
		return buf;
	case CONFSET_NOSECTION:
		return "<nosection>";
	case CONFSET_NOOPTION:
		return "<nooption>";
	default:
		return "<error>";
	}
}

static char *
get_ex(struct confset *cs, const char *sec, const char *opt)
{
	static char buf[4096];
	struct confset_result r;

	if (confset_get_ex(cs, sec, opt, NULL, &r, d) != CONFSET_OK)
		return "<missing>";
	snprintf(buf, sizeof(buf), "%s", r.text ? r.text : "<None>");
	free(r.text);
	return buf;
}

static const char *
last_diag(void)
{
	return diag_count(d) ? diag_text(d, diag_count(d) - 1) : "";
}

int
main(void)
{
	struct confset *cs;
	struct dict *vars;
	char name[64], buf[8192];
	struct confset_result r;
	int i;

	/* layering: .conf, .d/ *.conf sorted, .local, .d/ *.local sorted */
	fixture_tmpdir();
	fixture_write("jail.conf", "[s]\nwho = conf\nc = conf\n[DEFAULT]\nd = conf\n", -1);
	fixture_write("jail.d/b.conf", "[s]\nwho = d-b\nb = d-b\n", -1);
	fixture_write("jail.d/a.conf", "[s]\nwho = d-a\na = d-a\n", -1);
	fixture_write("jail.local", "[s]\nwho = local\n", -1);
	fixture_write("jail.d/z.local", "[s]\nwho = d-z-local\n[new]\nx = 1\n", -1);
	fixture_write("jail.d/ignored.txt", "[s]\nwho = txt\n", -1);
	cs = load("jail");
	is_int(confset_nfiles(cs), 5, "five layers read");
	is_str(get(cs, "s", "who", NULL), "d-z-local", ".d/*.local is read last");
	is_str(get(cs, "s", "b", NULL), "d-b", ".d/*.conf values kept");
	is_str(get(cs, "s", "d", NULL), "conf", "[DEFAULT] seen from every section");
	is_str(get(cs, "KNOWN/s", "who", NULL), "local",
	    "KNOWN/s holds the value before the last override");
	{
		size_t pos = 0;
		const char *a = confset_next_section(cs, &pos);
		const char *b = confset_next_section(cs, &pos);
		const char *c = confset_next_section(cs, &pos);

		ok(a && b && !c && strcmp(a, "s") == 0 && strcmp(b, "new") == 0,
		    "sections in first-seen order, KNOWN/ hidden");
	}
	confset_free(cs);

	/* interpolation */
	fixture_tmpdir();
	fixture_write("t.conf",
	    "[DEFAULT]\nport = 22\nproto = tcp\nname = default-name\n"
	    "[a]\nx = %(port)s/%(proto)s\npct = 100%%\nself = %(__name__)s\n"
	    "ref = %(b/y)s\ndef = %(default/port)s\nmissingsec = %(nosuch/y)s\n"
	    "Up = %(PORT)s\nchain = %(x)s+%(x)s\nport = 2222\nfromb = %(b/z)s\n"
	    "bad1 = %(unterminated\nbad2 = 50%\nbad3 = %(nosuch)s\nbad4 = %(x)\n"
	    "loop1 = %(loop2)s\nloop2 = %(loop1)s\n"
	    "[b]\ny = in-b %(port)s\nz = %(__name__)s\n", -1);
	fixture_write("t.local", "[a]\nport = 2200\nold = %(known/port)s\n"
	    "nokn = %(known/proto)s\n", -1);
	cs = load("t");
	is_str(get(cs, "a", "x", NULL), "2200/tcp", "%%(x)s: section before DEFAULT");
	is_str(get(cs, "a", "pct", NULL), "100%", "%%%% is a literal percent");
	is_str(get(cs, "a", "self", NULL), "a", "%%(__name__)s is the section name");
	is_str(get(cs, "a", "ref", NULL), "in-b 2200",
	    "%%(b/y)s: raw value of [b] interpolated in the current section");
	is_str(get(cs, "a", "def", NULL), "22", "%%(default/port)s reads [DEFAULT]");
	is_str(get(cs, "a", "old", NULL), "2222", "%%(known/port)s is the value before .local");
	is_str(get(cs, "a", "nokn", NULL), "tcp", "%%(known/x)s falls back to [DEFAULT]");
	is_str(get(cs, "a", "up", NULL), "2200", "interpolation names are lower-cased");
	is_str(get(cs, "a", "chain", NULL), "2200/tcp+2200/tcp", "nested interpolation");
	is_str(get(cs, "a", "fromb", NULL), "a", "%%(b/z)s with %%(__name__)s gives the current section");
	is_str(get(cs, "a", "missingsec", NULL), "<error>", "%%(nosuch/y)s is an error");
	is_str(get(cs, "a", "bad1", NULL), "<error>", "unterminated %%( is an error");
	ok(strstr(last_diag(), "t.conf:16: option 'bad1' in section [a]: bad interpolation") != NULL,
	    "unterminated %%( error names file:line (%s)", last_diag());
	is_str(get(cs, "a", "bad2", NULL), "<error>", "a lone %% is an error");
	ok(strstr(last_diag(), "must be followed by") != NULL, "lone %% message");
	is_str(get(cs, "a", "bad3", NULL), "<error>", "unknown %%(name)s is an error");
	ok(strstr(last_diag(), "t.conf:18:") && strstr(last_diag(), "unknown option 'nosuch'"),
	    "unknown option message (%s)", last_diag());
	is_str(get(cs, "a", "bad4", NULL), "<error>", "%%(x) without s is an error");
	is_str(get(cs, "a", "loop1", NULL), "<error>", "an interpolation loop is an error");
	ok(strstr(last_diag(), "deeper than 10 levels") != NULL, "loop: depth message");
	is_str(get(cs, "a", "nosuch", NULL), "<nooption>", "missing option");
	is_str(get(cs, "zz", "x", NULL), "<nosection>", "missing section");
	is_str(get(cs, "DEFAULT", "port", NULL), "22", "DEFAULT can be asked for directly");
	vars = dict_new(free);
	dict_set(vars, "port", xstrdup("vars-port"));
	is_str(get(cs, "a", "x", vars), "vars-port/tcp", "vars take precedence over the section");
	dict_free(vars);
	ok(confset_get(cs, "a", "x", true, NULL, &r, d) == CONFSET_OK &&
	    strcmp(r.text, "%(port)s/%(proto)s") == 0 && r.line == 6,
	    "raw get returns the text and its line");
	free(r.text);
	is_str(get_ex(cs, "a", "known/port"), "2222", "get_ex known/opt");
	is_str(get_ex(cs, "a", "default/name"), "default-name", "get_ex default/opt");
	is_str(get_ex(cs, "a", "b/y"), "in-b 22", "get_ex section/opt reads in that section");
	is_str(get_ex(cs, "a", "nope/x"), "<missing>", "get_ex of a missing section/opt");
	confset_free(cs);

	/* depth 10 passes, 11 fails */
	fixture_tmpdir();
	{
		char text[2048];
		int n = sprintf(text, "[s]\n");

		for (i = 0; i < 11; i++)
			n += sprintf(text + n, "v%d = %%(v%d)s\n", i, i + 1);
		sprintf(text + n, "v11 = end\n");
		fixture_write("t.conf", text, -1);
	}
	cs = load("t");
	is_str(get(cs, "s", "v2", NULL), "end", "nine nested references resolve");
	is_str(get(cs, "s", "v1", NULL), "end", "ten nested references resolve");
	is_str(get(cs, "s", "v0", NULL), "<error>", "eleven nested references are refused");
	confset_free(cs);

	/* exponential growth through interpolation is capped */
	fixture_tmpdir();
	{
		char *text = xmalloc(64 * 1024);
		int n = sprintf(text, "[s]\nv0 = %%(v1)s%%(v1)s\n");

		for (i = 1; i < 10; i++)
			n += sprintf(text + n, "v%d = %%(v%d)s%%(v%d)s\n", i, i + 1, i + 1);
		n += sprintf(text + n, "v10 = ");
		for (i = 0; i < 20000; i++)
			text[n++] = 'x';
		text[n] = '\0';
		fixture_write("t.conf", text, -1);
		free(text);
	}
	cs = load("t");
	ok(strcmp(get(cs, "s", "v0", NULL), "<error>") == 0 && strstr(last_diag(), "larger"),
	    "doubling interpolation is stopped at the size limit (%s)", last_diag());
	confset_free(cs);

	/* conditional sections */
	fixture_tmpdir();
	fixture_write("action.d/x.conf", "[Init]\nblocktype = REJECT\n[Init?family=inet6]\n"
	    "blocktype = REJECT6\n", -1);
	cs = load("action.d/x");
	is_str(get(cs, "Init", "blocktype?family=inet6", NULL), "REJECT6",
	    "[Init?family=inet6] merges into [Init] as key?family=inet6");
	is_str(get(cs, "Init?family=inet6", "blocktype", NULL), "<nosection>",
	    "no section named with the condition");
	confset_free(cs);

	/* includes: before/after, .local siblings, interpolated lists, loops */
	fixture_tmpdir();
	fixture_write("filter.d/f.conf", "[INCLUDES]\nbefore = common.conf\n"
	    "after = after.conf\n  %(extra)s\n[DEFAULT]\nextra = extra.conf\n"
	    "[Definition]\norder = f\n", -1);
	fixture_write("filter.d/common.conf", "[INCLUDES]\nbefore = f.conf\n"
	    "[Definition]\norder = common\ncommon = yes\n", -1);
	fixture_write("filter.d/common.local", "[Definition]\norder = common.local\n", -1);
	fixture_write("filter.d/after.conf", "[Definition]\norder = after\n", -1);
	fixture_write("filter.d/extra.conf", "[Definition]\nextra = here\n", -1);
	fixture_write("filter.d/f.local", "[Definition]\nlocal = yes\n", -1);
	cs = load("filter.d/f");
	is_str(get(cs, "Definition", "order", NULL), "after", "after-includes are read last");
	is_str(get(cs, "Definition", "common", NULL), "yes", "before-include read");
	is_str(get(cs, "KNOWN/Definition", "order", NULL), "f",
	    "order: common, common.local, f, after");
	is_str(get(cs, "Definition", "extra", NULL), "here", "include list is interpolated");
	is_str(get(cs, "Definition", "local", NULL), "yes", "f.local read");
	is_int(diag_nerrors(d), 0, "an include loop is not an error");
	is_int(confset_nfiles(cs), 6, "each file read once (loop stopped)");
	confset_free(cs);

	/* a missing include: a warning with file:line, the rest still loads */
	fixture_tmpdir();
	fixture_write("filter.d/f.conf", "[INCLUDES]\nbefore = missing.conf\n"
	    "  optional.local\n[Definition]\nx = 1\n", -1);
	cs = load("filter.d/f");
	is_str(get(cs, "Definition", "x", NULL), "1", "missing include: file still read");
	{
		char *f = xstrdup(fixture_path("filter.d/f.conf"));
		char *m = xstrdup(fixture_path("filter.d/missing.conf"));

		free(f);
		f = xasprintf("%s:2: warning: included file '%s' not found",
		    fixture_path("filter.d/f.conf"), m);
		snprintf(buf, sizeof(buf), "%s", f);
		free(f);
		free(m);
	}
	is_int(diag_count(d), 1, "one message: missing .local includes are silent");
	is_str(diag_count(d) ? diag_text(d, 0) : "", buf, "missing include message");
	confset_free(cs);

	/* a 10,000-deep include chain: refused at a fixed depth, quickly */
	fixture_tmpdir();
	for (i = 0; i < 10000; i++) {
		snprintf(name, sizeof(name), "filter.d/f%d.conf", i);
		snprintf(buf, sizeof(buf), "[INCLUDES]\nbefore = f%d.conf\n[Definition]\nv%d = %d\n",
		    i + 1, i, i);
		fixture_write(name, buf, -1);
	}
	{
		clock_t t0 = clock();

		cs = load("filter.d/f0");
		ok((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0, "deep chain handled quickly");
	}
	ok(diag_nerrors(d) == 1 && strstr(diag_text(d, 0), "nested deeper than 64") != NULL,
	    "10,000-deep include chain: one clear error (%s)", diag_count(d) ? diag_text(d, 0) : "");
	ok(confset_nbroken(cs) > 0, "the chain makes the configuration broken");
	confset_free(cs);

	/* unreadable and broken files */
	fixture_tmpdir();
	fixture_write("jail.conf", "[s]\na = 1\na = 2\n", -1);
	cs = load("jail");
	ok(confset_nbroken(cs) == 1 && diag_nerrors(d) == 1, "a file with errors is broken");
	confset_free(cs);
	fixture_tmpdir();
	fixture_write("jail.conf", "[s]\na = \xff\n", -1);
	fixture_write("jail.local", "[s]\nb = 1\n", -1);
	cs = load("jail");
	ok(confset_nbroken(cs) == 1 && confset_nfiles(cs) == 1,
	    "a non-UTF-8 file is reported and skipped, others read");
	confset_free(cs);
	fixture_tmpdir();
	cs = load("jail");
	ok(confset_nfiles(cs) == 0 && diag_count(d) == 0, "no files: nothing read, no noise");
	confset_free(cs);

	/* merge_section with a prefix (the jail reader's known/ merge) */
	fixture_tmpdir();
	fixture_write("jail.conf", "[j]\nfailregex = %(known/failregex)s\n  extra\n", -1);
	cs = load("jail");
	{
		struct dict *v = dict_new(ini_value_free);

		dict_set(v, "failregex", ini_value_new("from-filter", NULL, 0));
		dict_set(v, "known/skip", ini_value_new("no", NULL, 0));
		confset_merge_section(cs, "j", v, "known/");
		dict_free(v);
	}
	is_str(get(cs, "j", "failregex", NULL), "from-filter\nextra",
	    "%%(known/failregex)s extends the filter's value");
	is_str(get(cs, "j", "known/known/skip", NULL), "<nooption>", "prefixed keys are not re-prefixed");
	confset_free(cs);

	confset_cache_free(cache);
	diag_free(d);
	return tap_done();
}

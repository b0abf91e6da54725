/*
 * Unit tests for config: the command stream built from a small
 * configuration, option types, and every error reported with file:line.
 */
#include "config.h"
#include "diag.h"
#include "dict.h"
#include "fixture.h"
#include "pyval.h"
#include "strbuf.h"
#include "tap.h"
#include "xmalloc.h"

static struct diag *d;
static bool okflag;

/* Builds the stream and returns it as repr lines joined by '\n' ("" if NULL). */
static bool server_mode;	/* the request f2b-lite's server (and -t) makes */

static char *
stream(bool test, bool allow_no_files)
{
	static char *out;
	struct config_request req = { .basedir = fixture_dir, .test = test,
	    .allow_no_files = allow_no_files, .journal_fallback = server_mode };
	struct strbuf sb = STRBUF_INIT;
	struct pyval *s;
	size_t i;

	diag_free(d);
	d = diag_new();
	s = config_stream(&req, d, &okflag);
	for (i = 0; s && i < pyval_len(s); i++) {
		pyval_repr(pyval_at(s, i), &sb);
		strbuf_addc(&sb, '\n');
	}
	pyval_free(s);
	free(out);
	out = strbuf_detach(&sb);
	return out;
}

/* True when some diagnostic contains needle. */
static bool
has_diag(const char *needle)
{
	size_t i;

	for (i = 0; i < diag_count(d); i++)
		if (strstr(diag_text(d, i), needle))
			return true;
	return false;
}

static void
base(void)
{
	fixture_tmpdir();
	fixture_write("fail2ban.conf", "[Definition]\nloglevel = INFO\n"
	    "logtarget = STDOUT\ndbfile = :memory:\n", -1);
	fixture_write("filter.d/f.conf", "[Definition]\nfailregex = ^fail <HOST>$\n"
	    "  ^also <HOST>$\nignoreregex = ^ok <HOST>$\nmaxlines = 2\n"
	    "journalmatch = _COMM=app + \"_X=a b\"\n", -1);
	fixture_write("action.d/a.conf", "[Definition]\nactionban = echo <ip> <port> <name>\n"
	    "norestored = yes\n[Init]\nport = 1\n", -1);
	fixture_write("log/app.log", "", -1);
}

int
main(void)
{
	char *s, *logdir;

	base();
	logdir = xasprintf("%s/log", fixture_dir);
	s = xasprintf("[DEFAULT]\nbantime = 1h\n[app]\nenabled = true\nfilter = f\n"
	    "logpath = %s/app.log\nmaxretry = 3\nignoreself = no\nignoreip = 1.2.3.4, ::1\n"
	    "action = a[name=x]\n[off]\nenabled = false\nfilter = nope\n", logdir);
	fixture_write("jail.conf", s, -1);
	free(s);
	s = stream(false, false);
	ok(okflag && diag_nerrors(d) == 0, "valid configuration");
	{
		char *want = xasprintf(
		    "['set', 'syslogsocket', 'auto']\n"
		    "['set', 'loglevel', 'INFO']\n"
		    "['set', 'logtarget', 'STDOUT']\n"
		    "['set', 'allowipv6', 'auto']\n"
		    "['set', 'dbfile', ':memory:']\n"
		    "['set', 'dbpurgeage', '1d']\n"
		    "['add', 'app', 'auto']\n"
		    "['set', 'app', 'maxlines', 2]\n"
		    "['set', 'app', 'addignoreregex', '^ok <HOST>$']\n"
		    "['multi-set', 'app', 'addfailregex', ['^fail <HOST>$', '^also <HOST>$']]\n"
		    "['set', 'app', 'addjournalmatch', '_COMM=app', '+', '_X=a b']\n"
		    "['set', 'app', 'maxretry', 3]\n"
		    "['set', 'app', 'bantime', '1h']\n"
		    "['set', 'app', 'ignoreself', False]\n"
		    "['set', 'app', 'addignoreip', '1.2.3.4', '::1']\n"
		    "['set', 'app', 'addlogpath', '%s/app.log', 'head']\n"
		    "['set', 'app', 'addaction', 'a-x']\n"
		    "['multi-set', 'app', 'action', 'a-x', [['actionban', 'echo <ip> 1 x'], "
		    "['norestored', True], ['name', 'x'], ['actname', 'a-x'], ['port', '1']]]\n"
		    "['start', 'app']\n", logdir);

		is_str(s, want, "the whole stream: order, types (ints stay ints, bools)");
		free(want);
	}

	/* every error, with its file and line, and the jail is skipped */
	s = xasprintf("[a]\nenabled = true\nfilter = f[mode=x\nlogpath = %s/app.log\n"
	    "[b]\nenabled = true\nfilter = f\nlogpath = %s/app.log\nmaxretry = many\n"
	    "action = a[ name = x]\n"
	    "[c]\nenabled = true\nfilter = missing\nlogpath = %s/app.log\n", logdir, logdir, logdir);
	fixture_write("jail.conf", s, -1);
	free(s);
	s = stream(false, false);
	ok(!okflag || diag_nerrors(d) > 0, "broken jails make the load fail");
	ok(has_diag("jail.conf:3: jail 'a': Invalid filter definition 'f[mode=x'"),
	    "bad filter definition at jail.conf:3");
	ok(has_diag("jail.conf:9: option 'maxretry' in [b]: 'many' is not an integer"),
	    "bad integer at jail.conf:9");
	ok(has_diag("jail.conf:10: jail 'b': Invalid action definition 'a['"),
	    "bad action at jail.conf:10");
	ok(has_diag("jail.conf:13: jail 'c': Unable to read the filter 'missing'"),
	    "missing filter at jail.conf:13");
	ok(strstr(s, "['config-error', \"Jail 'a' skipped, because of wrong configuration: "
	    "Invalid filter definition 'f[mode=x': unexpected option syntax\"]") != NULL,
	    "config-error command as fail2ban sends it");
	ok(strstr(s, "['start',") == NULL, "no broken jail is started");

	/* interpolation errors: no stream at all, every one reported */
	fixture_write("jail.conf", "[a]\nenabled = true\nfilter = f\nbantime = %(nope)s\n"
	    "[b]\nenabled = true\nfilter = f\nfindtime = 5%\n", -1);
	s = stream(false, true);
	ok(s[0] == '\0' && !okflag, "an interpolation error stops the configuration");
	ok(has_diag("jail.conf:4: option 'bantime' in section [a]"), "first error at jail.conf:4");
	ok(has_diag("jail.conf:8: option 'findtime' in section [b]"), "second error at jail.conf:8");

	/* missing log files: -d keeps the jail, -t fails */
	fixture_write("jail.conf", "[a]\nenabled = true\nfilter = f\nlogpath = /nonexistent/x.log\n", -1);
	s = stream(false, true);
	ok(okflag && strstr(s, "['start', 'a']") && has_diag("have not found any log file"),
	    "-d: a jail without files is dumped with a warning");
	s = stream(true, false);
	ok(!okflag && has_diag("jail.conf:4: have not found any log file for a jail"),
	    "-t: a jail without files fails the test at its logpath line");

	/*
	 * f2b-lite's server and -t: a missing file is followed once it appears
	 * (the jail starts); a glob matching nothing is watched; a filter with a
	 * journalmatch falls back to the journal under backend auto only
	 */
	server_mode = true;
	fixture_write("filter.d/n.conf", "[Definition]\nfailregex = ^fail <HOST>$\n", -1);
	fixture_write("jail.conf", "[a]\nenabled = true\nfilter = n\nlogpath = /nonexistent/x.log\n",
	    -1);
	s = stream(true, false);
	ok(okflag && strstr(s, "['set', 'a', 'addlogpath', '/nonexistent/x.log', 'head']") &&
	    strstr(s, "['start', 'a']") && strstr(s, "config-error") == NULL &&
	    has_diag("jail.conf:4: warning: jail 'a': log file /nonexistent/x.log does not exist "
	    "(yet): the server waits for it"),
	    "server/-t: a missing log file: the jail starts and waits for it, -t says so");
	fixture_write("jail.conf", "[a]\nenabled = true\nfilter = n\nlogpath = /nonexistent/*.log\n",
	    -1);
	s = stream(true, false);
	ok(okflag && strstr(s, "['set', 'a', 'addlogglob', '/nonexistent/*.log', 'head']") &&
	    strstr(s, "['start', 'a']") && has_diag("jail 'a': no file matches /nonexistent/*.log "
	    "yet: the server follows the files matching it as they appear"),
	    "server/-t: a glob matching nothing: watched, the jail starts, -t says so");
	fixture_write("filter.d/j.conf", "[Definition]\nfailregex = ^fail <HOST>$\n"
	    "journalmatch = _COMM=x\n", -1);
	fixture_write("jail.conf", "[a]\nenabled = true\nfilter = j\nlogpath = /nonexistent/x.log\n"
	    "[b]\nenabled = true\nfilter = j\nbackend = polling\nlogpath = /nonexistent/y.log\n"
	    "[c]\nenabled = true\nfilter = n\nlogpath = /nonexistent/z.log\n", -1);
	s = stream(true, false);
	ok(okflag && strstr(s, "['add', 'a', 'systemd']") && strstr(s, "'addjournalmatch'") &&
	    has_diag("jail 'a': no log file found, using the systemd journal"),
	    "server/-t: backend auto, no file, a journalmatch: the journal, said");
	ok(strstr(s, "['add', 'b', 'polling']") && strstr(s, "['set', 'b', 'addlogpath', "
	    "'/nonexistent/y.log', 'head']") && strstr(s, "['start', 'b']"),
	    "server/-t: backend polling, no file: waits for it (no journal)");
	ok(strstr(s, "['add', 'c', 'auto']") && strstr(s, "['set', 'c', 'addlogpath', "
	    "'/nonexistent/z.log', 'head']") && strstr(s, "['start', 'c']"),
	    "server/-t: backend auto, no file, no journalmatch: waits for it");
	server_mode = false;
	fixture_write("jail.conf", "[a]\nenabled = true\nfilter = f\n", -1);

	/* a jail section name from the request */
	fixture_write("jail.conf", "[a]\nenabled = true\nfilter = f\n", -1);
	{
		struct config_request req = { .basedir = fixture_dir, .jail = "zz",
		    .allow_no_files = true };
		struct pyval *p;

		diag_free(d);
		d = diag_new();
		p = config_stream(&req, d, &okflag);
		ok(p == NULL && has_diag("Failed during configuration: No section: 'zz'"),
		    "unknown jail requested: fail2ban-client's words");
		pyval_free(p);
	}

	/* parse errors anywhere make the configuration unusable */
	fixture_write("jail.local", "[a]\nenabled = true\nenabled = false\n", -1);
	s = stream(false, true);
	ok(s[0] == '\0' && has_diag("jail.local:3: duplicate option 'enabled'"),
	    "a duplicate key in jail.local stops the configuration");

	/* early options */
	{
		struct dict *o = dict_new(free);

		ok(config_early(fixture_dir, o, d) == 0, "early options read");
		is_str(dict_get(o, "logtarget", NULL), "STDOUT", "logtarget from fail2ban.conf");
		is_str(dict_get(o, "socket", NULL), "/var/run/fail2ban/fail2ban.sock",
		    "socket default");
		dict_free(o);
		o = dict_new(free);
		ok(config_early("/nonexistent-dir", o, d) < 0, "missing base directory");
		dict_free(o);
	}
	free(logdir);
	stream(false, false);
	diag_free(d);
	return tap_done();
}

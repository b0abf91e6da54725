/* beautifier: fail2ban-client's output formats. */
#include "beautifier.h"

#include <stdbool.h>
#include <string.h>

#include "pickle.h"
#include "pyval.h"
#include "strbuf.h"

void
beautify_str(const struct pyval *v, struct strbuf *out)
{
	if (v == NULL)
		return;
	if (pyval_type(v) == PY_STR)
		strbuf_add(out, pyval_as_str(v), pyval_strlen(v));
	else if (pyval_is_exception(v)) {
		const struct pyval *args = pyval_dict_get(v, "args");

		const struct pyval *cls = pyval_dict_get(v, PICKLE_EXC_KEY);

		/* str(exception): its one argument, or the repr of several; a
		 * KeyError shows the repr of its one argument */
		if (args && pyval_len(args) == 1 && pyval_type(cls) == PY_STR &&
		    strcmp(pyval_as_str(cls), "builtins.KeyError") == 0)
			pyval_repr(pyval_at(args, 0), out);
		else if (args && pyval_len(args) == 1)
			beautify_str(pyval_at(args, 0), out);
		else if (args && pyval_len(args) > 1)
			pyval_repr(args, out);
	} else
		pyval_repr(v, out);
}

static const char *
word(const struct pyval *cmd, size_t i)
{
	const struct pyval *w = i < pyval_len(cmd) ? pyval_at(cmd, i) : NULL;

	return w && pyval_type(w) == PY_STR ? pyval_as_str(w) : NULL;
}

static bool
is(const struct pyval *cmd, size_t i, const char *s)
{
	const char *w = word(cmd, i);

	return w && strcmp(w, s) == 0;
}

/* " ".join(map(str, v)) if v is a list else v */
static void
joined(const struct pyval *v, struct strbuf *out)
{
	size_t i;

	if (pyval_type(v) != PY_LIST) {
		beautify_str(v, out);
		return;
	}
	for (i = 0; i < pyval_len(v); i++) {
		if (i)
			strbuf_addc(out, ' ');
		beautify_str(pyval_at(v, i), out);
	}
}

/* "|- a\n|- b\n`- c" */
static void
tree(const struct pyval *v, struct strbuf *out)
{
	size_t i, n = pyval_len(v);

	for (i = 0; i < n; i++) {
		strbuf_adds(out, i + 1 == n ? "`- " : "|- ");
		beautify_str(pyval_at(v, i), out);
		if (i + 1 < n)
			strbuf_addc(out, '\n');
	}
}

/* ", ".join(v) */
static void
commas(const struct pyval *v, struct strbuf *out)
{
	size_t i;

	for (i = 0; i < pyval_len(v); i++) {
		if (i)
			strbuf_adds(out, ", ");
		beautify_str(pyval_at(v, i), out);
	}
}

void
beautify(const struct pyval *cmd, const struct pyval *v, struct strbuf *out)
{
	const char *c0 = word(cmd, 0), *c2 = word(cmd, 2);
	size_t n, m, i, k;

	if (c0 == NULL) {
		beautify_str(v, out);
		return;
	}
	if (strcmp(c0, "ping") == 0) {
		strbuf_adds(out, "Server replied: ");
		beautify_str(v, out);
	} else if (strcmp(c0, "start") == 0)
		strbuf_adds(out, "Jail started");
	else if (strcmp(c0, "stop") == 0 && pyval_type(v) == PY_NONE)
		strbuf_adds(out, pyval_len(cmd) == 1 ? "Shutdown successful" : "Jail stopped");
	else if (strcmp(c0, "add") == 0) {
		strbuf_adds(out, "Added jail ");
		beautify_str(v, out);
	} else if (strcmp(c0, "flushlogs") == 0) {
		strbuf_adds(out, "logs: ");
		beautify_str(v, out);
	} else if (strcmp(c0, "echo") == 0)
		joined(v, out);
	else if (strcmp(c0, "status") == 0 && pyval_type(v) == PY_LIST) {
		n = pyval_len(v);
		if (pyval_len(cmd) > 1) {
			strbuf_addf(out, "Status for the jail: %s", word(cmd, 1));
			for (i = 0; i < n; i++) {
				const struct pyval *r1 = pyval_at(v, i), *sub = pyval_at(r1, 1);
				const char *p1 = i + 1 == n ? "   " : "|  ";

				strbuf_addf(out, "\n%s ", i + 1 == n ? "`-" : "|-");
				beautify_str(pyval_at(r1, 0), out);
				m = pyval_len(sub);
				for (k = 0; k < m; k++) {
					const struct pyval *r2 = pyval_at(sub, k);

					strbuf_addf(out, "\n%s%s ", p1, k + 1 == m ? "`-" : "|-");
					beautify_str(pyval_at(r2, 0), out);
					strbuf_adds(out, ":\t");
					joined(pyval_at(r2, 1), out);
				}
			}
		} else {
			strbuf_adds(out, "Status");
			for (i = 0; i < n; i++) {
				const struct pyval *r1 = pyval_at(v, i);

				strbuf_addf(out, "\n%s ", i + 1 == n ? "`-" : "|-");
				beautify_str(pyval_at(r1, 0), out);
				strbuf_adds(out, ":\t");
				joined(pyval_at(r1, 1), out);
			}
		}
	} else if (pyval_len(cmd) < 2)
		beautify_str(v, out);
	else if (is(cmd, 1, "syslogsocket") || is(cmd, 1, "logtarget")) {
		strbuf_addf(out, "Current %s is:\n`- ", is(cmd, 1, "logtarget") ?
		    "logging target" : "syslog socket");
		beautify_str(v, out);
	} else if (is(cmd, 1, "loglevel")) {
		strbuf_adds(out, "Current logging level is ");
		pyval_repr(v, out);
	} else if (is(cmd, 1, "dbfile")) {
		if (pyval_type(v) == PY_NONE)
			strbuf_adds(out, "Database currently disabled");
		else {
			strbuf_adds(out, "Current database file is:\n`- ");
			beautify_str(v, out);
		}
	} else if (is(cmd, 1, "dbpurgeage")) {
		if (pyval_type(v) == PY_NONE)
			strbuf_adds(out, "Database currently disabled");
		else
			strbuf_addf(out, "Current database purge age is:\n`- %lldseconds",
			    (long long)pyval_as_float(v));
	} else if (c2 == NULL)
		beautify_str(v, out);
	else if ((!strcmp(c2, "logpath") || !strcmp(c2, "addlogpath") || !strcmp(c2, "dellogpath"))
	    && pyval_type(v) == PY_LIST) {
		if (pyval_len(v) == 0)
			strbuf_adds(out, "No file is currently monitored");
		else {
			strbuf_adds(out, "Current monitored log file(s):\n");
			tree(v, out);
		}
	} else if (!strcmp(c2, "logencoding")) {
		strbuf_adds(out, "Current log encoding is set to:\n");
		beautify_str(v, out);
	} else if ((!strcmp(c2, "ignoreip") || !strcmp(c2, "addignoreip") ||
	    !strcmp(c2, "delignoreip")) && pyval_type(v) == PY_LIST) {
		if (pyval_len(v) == 0)
			strbuf_adds(out, "No IP address/network is ignored");
		else {
			strbuf_adds(out, "These IP addresses/networks are ignored:\n");
			tree(v, out);
		}
	} else if ((strstr(c2, "failregex") || strstr(c2, "ignoreregex")) &&
	    pyval_type(v) == PY_LIST) {
		n = pyval_len(v);
		if (n == 0)
			strbuf_adds(out, "No regular expression is defined");
		else {
			strbuf_adds(out, "The following regular expression are defined:");
			for (i = 0; i < n; i++) {
				strbuf_addf(out, "\n%s [%zu]: ", i + 1 == n ? "`-" : "|-", i);
				beautify_str(pyval_at(v, i), out);
			}
		}
	} else if (!strcmp(c2, "actions") && pyval_type(v) == PY_LIST) {
		if (pyval_len(v) == 0)
			strbuf_addf(out, "No actions for jail %s", word(cmd, 1));
		else {
			strbuf_addf(out, "The jail %s has the following actions:\n", word(cmd, 1));
			commas(v, out);
		}
	} else if ((!strcmp(c2, "actionproperties") || !strcmp(c2, "actionmethods")) &&
	    pyval_type(v) == PY_LIST && word(cmd, 3)) {
		const char *what = !strcmp(c2, "actionmethods") ? "methods" : "properties";

		if (pyval_len(v) == 0)
			strbuf_addf(out, "No %s for jail %s action %s", what, word(cmd, 1),
			    word(cmd, 3));
		else {
			strbuf_addf(out, "The jail %s action %s has the following %s:\n",
			    word(cmd, 1), word(cmd, 3), what);
			commas(v, out);
		}
	} else if (!strcmp(c2, "datepattern") && (pyval_type(v) == PY_NONE ||
	    ((pyval_type(v) == PY_TUPLE || pyval_type(v) == PY_LIST) && pyval_len(v) == 2))) {
		strbuf_adds(out, "Current date pattern set to: ");
		if (pyval_type(v) == PY_NONE)
			strbuf_adds(out, "Not set/required");
		else if (pyval_type(pyval_at(v, 0)) == PY_NONE)
			beautify_str(pyval_at(v, 1), out);
		else {
			beautify_str(pyval_at(v, 0), out);
			strbuf_adds(out, " (");
			beautify_str(pyval_at(v, 1), out);
			strbuf_addc(out, ')');
		}
	} else if (strstr(c2, "journalmatch") && pyval_type(v) == PY_LIST) {
		if (pyval_len(v) == 0)
			strbuf_adds(out, "No journal match filter set");
		else {
			strbuf_adds(out, "Current match filter:\n");
			for (i = 0; i < pyval_len(v); i++) {
				if (i)
					strbuf_adds(out, " + ");
				joined(pyval_at(v, i), out);
			}
		}
	} else if (!strcmp(c2, "banip") && is(cmd, 0, "get") && pyval_type(v) == PY_LIST) {
		const char *sep = pyval_len(cmd) <= 3 ? " " : word(cmd, 3);

		if (sep && strcmp(sep, "--with-time") == 0)
			sep = "\n";
		for (i = 0; i < pyval_len(v); i++) {
			if (i)
				strbuf_adds(out, sep ? sep : " ");
			beautify_str(pyval_at(v, i), out);
		}
	} else
		beautify_str(v, out);
}

void
beautify_error(const struct pyval *exc, struct strbuf *out)
{
	const struct pyval *cls = pyval_dict_get(exc, PICKLE_EXC_KEY);
	const struct pyval *args = pyval_dict_get(exc, "args");
	const char *c = cls ? pyval_as_str(cls) : "";
	const char *a0 = args && pyval_len(args) && pyval_type(pyval_at(args, 0)) == PY_STR ?
	    pyval_as_str(pyval_at(args, 0)) : "";

	if (strstr(c, "UnknownJailException"))
		strbuf_addf(out, "Sorry but the jail '%s' does not exist", a0);
	else if (strstr(c, "IndexError"))
		strbuf_adds(out, "Sorry but the command is invalid");
	else if (strstr(c, "DuplicateJailException"))
		strbuf_addf(out, "The jail '%s' already exists", a0);
	else
		beautify_str(exc, out);
}

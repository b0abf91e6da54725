/*
 * test_transmitter: the transmitter's command table against fail2ban's help
 * text (protocol_format(), what fail2ban-client -h prints): every command
 * it dispatches is in the help, but for the few fail2ban-client does not
 * list - named here, so that a command added without help fails.
 */
#include <stdbool.h>
#include <string.h>

#include "protocol.h"
#include "strbuf.h"
#include "transmitter.h"

#include "tap.h"

/* fail2ban's commands its help leaves out, and f2b-lite's own */
static const char *const unlisted[] = {
	"multi-set", "config-error", "server-stream", "server-status", "sleep", "metrics",
};

/* Whether a line of help starts with the command word (its column: 4 spaces in). */
static bool
in_help(const char *help, const char *name)
{
	const char *l = help;
	size_t n = strlen(name);

	for (; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (strncmp(l, "    ", 4) == 0 && l[4] != ' ' && strncmp(l + 4, name, n) == 0 &&
		    (l[4 + n] == ' ' || l[4 + n] == '\n'))
			return true;
	return false;
}

static bool
expected_unlisted(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(unlisted) / sizeof(unlisted[0]); i++)
		if (strcmp(unlisted[i], name) == 0)
			return true;
	return false;
}

int
main(void)
{
	struct strbuf help = STRBUF_INIT;
	const char *name, *why;
	size_t i, n = 0;

	protocol_format(&help);
	/* the matcher itself */
	ok(in_help(strbuf_str(&help), "ping") && in_help(strbuf_str(&help), "set") &&
	    !in_help(strbuf_str(&help), "pin") && !in_help(strbuf_str(&help), "JAIL"),
	    "the help's command column is found");
	for (i = 0; (name = transmitter_command(i, &why)) != NULL; i++) {
		n++;
		if (why == NULL)
			ok(in_help(strbuf_str(&help), name), "'%s' is in fail2ban's help", name);
		else {
			ok(expected_unlisted(name) && *why != '\0',
			    "'%s' is left out of the help on purpose (%s)", name, why);
			ok(!in_help(strbuf_str(&help), name), "'%s' is really not in the help", name);
		}
	}
	ok(n >= 19, "the table has every command (%zu)", n);
	for (i = 0; i < sizeof(unlisted) / sizeof(unlisted[0]); i++) {
		const char *w = NULL;
		size_t k;
		bool found = false;

		for (k = 0; (name = transmitter_command(k, &w)) != NULL; k++)
			if (strcmp(name, unlisted[i]) == 0)
				found = w != NULL;
		ok(found, "'%s' is in the table, marked unlisted", unlisted[i]);
	}
	strbuf_free(&help);
	return tap_done();
}

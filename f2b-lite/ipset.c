/* ipset: native ipset commands via libipset. */
#include "ipset.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libipset/ipset.h>
#include <libipset/session.h>
#include <libipset/types.h>

#include "strbuf.h"
#include "xmalloc.h"

static const char *const commands[] = {
	"add", "del", "test", "create", "n", "flush", "destroy", "x", "swap", "w",
	"-A", "-D", "-T", "-N", "-F", "-X", "-W", NULL
};

bool
ipset_native(const char *line, char ***argvp, int *argcp)
{
	const char *p = line;
	char **argv = NULL;
	int argc = 0, i;
	bool cmd_ok = false;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || strpbrk(p, "\\#&;`|*?~<>^()[]{}$'\"\n\r=") != NULL)
		return false;
	while (*p) {
		size_t n = strcspn(p, " \t");

		argv = xrealloc(argv, (size_t)(argc + 2) * sizeof(*argv));
		argv[argc++] = xstrndup(p, n);
		argv[argc] = NULL;
		p += n;
		while (*p == ' ' || *p == '\t')
			p++;
	}
	if (argc < 2 || !(strcmp(argv[0], "ipset") == 0 || strcmp(argv[0], "/sbin/ipset") == 0 ||
	    strcmp(argv[0], "/usr/sbin/ipset") == 0)) {
		ipset_argv_free(argv);
		return false;
	}
	/* options may come before the command: find the first non-option word */
	for (i = 1; i < argc; i++) {
		size_t k;

		if (argv[i][0] == '-' && argv[i][1] != '\0' &&
		    !(argv[i][1] >= 'A' && argv[i][1] <= 'Z' && argv[i][2] == '\0'))
			continue;
		for (k = 0; commands[k]; k++)
			if (strcmp(argv[i], commands[k]) == 0)
				cmd_ok = true;
		break;
	}
	if (!cmd_ok) {
		ipset_argv_free(argv);
		return false;
	}
	free(argv[0]);
	argv[0] = xstrdup("ipset");
	*argvp = argv;
	*argcp = argc;
	return true;
}

void
ipset_argv_free(char **argv)
{
	char **p;

	if (argv == NULL)
		return;
	for (p = argv; *p; p++)
		free(*p);
	free(argv);
}

/* ---- libipset ------------------------------------------------------------- */

static struct ipset *handle;
static struct strbuf *cur_msg;
static bool cur_failed;	/* libipset 7.17 can return 0 after reporting an error */

static int __attribute__((format(printf, 4, 5)))
custom_error(struct ipset *ipset, void *p, int status, const char *msg, ...)
{
	va_list ap;

	(void)ipset;
	(void)p;
	if (status != 0)
		cur_failed = true;
	if (cur_msg && msg) {
		char buf[1024];

		va_start(ap, msg);
		vsnprintf(buf, sizeof(buf), msg, ap);
		va_end(ap);
		if (cur_msg->len)
			strbuf_addc(cur_msg, '\n');
		strbuf_addf(cur_msg, "ipset: %s", buf);
	}
	return status;
}

static int
standard_error(struct ipset *ipset, void *p)
{
	struct ipset_session *s = ipset_session(ipset);
	const char *m = ipset_session_report_msg(s);
	bool is_error = ipset_session_report_type(s) == IPSET_ERROR;

	(void)p;
	if (cur_msg && m && *m) {
		if (cur_msg->len)
			strbuf_addc(cur_msg, '\n');
		strbuf_adds(cur_msg, m);
		while (cur_msg->len && cur_msg->s[cur_msg->len - 1] == '\n')
			cur_msg->s[--cur_msg->len] = '\0';
	}
	ipset_session_report_reset(s);
	if (is_error)
		cur_failed = true;
	return is_error ? -1 : 0;
}

static int
quiet_out(struct ipset_session *s, void *p, const char *fmt, ...)
{
	(void)s;
	(void)p;
	(void)fmt;
	return 0;
}

int
ipset_run(int argc, char **argv, struct strbuf *msg)
{
	int rc;

	if (handle == NULL) {
		ipset_load_types();
		if ((handle = ipset_init()) == NULL) {
			strbuf_adds(msg, "ipset: cannot initialize libipset");
			return 1;
		}
		ipset_custom_printf(handle, custom_error, standard_error, quiet_out, NULL);
	}
	cur_msg = msg;
	cur_failed = false;
	rc = ipset_parse_argv(handle, argc, argv);
	cur_msg = NULL;
	return rc == 0 && !cur_failed ? 0 : 1;
}

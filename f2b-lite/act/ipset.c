/* ipset: native ipset commands via libipset. */
#include "ipset.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libipset/data.h>
#include <libipset/ipset.h>
#include <libipset/parse.h>
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
		strv_free(argv);
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
		strv_free(argv);
		return false;
	}
	free(argv[0]);
	argv[0] = xstrdup("ipset");
	*argvp = argv;
	*argcp = argc;
	return true;
}

/* ---- libipset ------------------------------------------------------------- */

static struct ipset *handle;
static struct strbuf *cur_msg;
static bool cur_failed;	/* libipset 7.17 can return 0 after reporting an error */

/* Appends a message of ipset's as a line of its own, without trailing newlines. */
static void
add_line(struct strbuf *out, const char *m)
{
	if (out->len)
		strbuf_addc(out, '\n');
	strbuf_adds(out, m);
	while (out->len && out->s[out->len - 1] == '\n')
		out->s[--out->len] = '\0';
}

static int __attribute__((format(printf, 4, 5)))
custom_error(struct ipset *ipset, void *p, int status, const char *msg, ...)
{
	va_list ap;

	(void)p;
	if (status != 0)
		cur_failed = true;
	if (cur_msg && msg && !ipset_envopt_test(ipset_session(ipset), IPSET_ENV_QUIET)) {
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
	if (cur_msg && m && *m && !ipset_envopt_test(s, IPSET_ENV_QUIET))
		add_line(cur_msg, m);
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

/*
 * The handle, made once.  libipset remembers each set's type and family
 * (a process-wide cache); the sets may have been remade since the last
 * commands (by ipset(8) in an action's shell line, by the admin), so each
 * run starts without it, as a new ipset process would.
 */
static bool
ensure_handle(struct strbuf *msg)
{
	ipset_cache_fini();
	if (handle != NULL)
		return true;
	ipset_load_types();
	if ((handle = ipset_init()) == NULL) {
		strbuf_adds(msg, "ipset: cannot initialize libipset");
		return false;
	}
	ipset_custom_printf(handle, custom_error, standard_error, quiet_out, NULL);
	return true;
}

/* Each command starts as a new ipset process would: no -exist, -q... left over. */
static void
fresh(struct ipset_session *s)
{
	ipset_envopt_unset(s, IPSET_ENV_SORTED);
	ipset_envopt_unset(s, IPSET_ENV_QUIET);
	ipset_envopt_unset(s, IPSET_ENV_RESOLVE);
	ipset_envopt_unset(s, IPSET_ENV_EXIST);
	ipset_envopt_unset(s, IPSET_ENV_LIST_SETNAME);
	ipset_envopt_unset(s, IPSET_ENV_LIST_HEADER);
	ipset_session_lineno(s, 0);
	ipset_session_report_reset(s);
}

int
ipset_run(int argc, char **argv, struct strbuf *msg)
{
	int rc;

	if (!ensure_handle(msg))
		return 1;
	fresh(ipset_session(handle));
	cur_msg = msg;
	cur_failed = false;
	rc = ipset_parse_argv(handle, argc, argv);
	cur_msg = NULL;
	return rc == 0 && !cur_failed ? 0 : 1;
}

/* ---- batches ----------------------------------------------------------------- */

#define MSG_ROOM	3072	/* of libipset's one-page buffer, for the elements */

/* An add or del that can go with others. */
struct adt {
	enum ipset_cmd	 cmd;
	const char	*set, *elem, *timeout;
	bool		 exist, quiet;
	size_t		 size;	/* a bound on its netlink size */
};

/* ipset [-exist|-!|-q|-quiet]... add|del|-A|-D SET ELEM [timeout N] */
static bool
adt_parse(int argc, char **argv, struct adt *a)
{
	int i, pos = 0;

	memset(a, 0, sizeof(*a));
	for (i = 1; i < argc; i++) {
		const char *w = argv[i];

		if (strcmp(w, "-exist") == 0 || strcmp(w, "-!") == 0) {
			a->exist = true;
			continue;
		}
		if (strcmp(w, "-q") == 0 || strcmp(w, "-quiet") == 0) {
			a->quiet = true;
			continue;
		}
		switch (pos++) {
		case 0:
			if (strcmp(w, "add") == 0 || strcmp(w, "-A") == 0)
				a->cmd = IPSET_CMD_ADD;
			else if (strcmp(w, "del") == 0 || strcmp(w, "-D") == 0)
				a->cmd = IPSET_CMD_DEL;
			else
				return false;
			break;
		case 1:
			a->set = w;
			break;
		case 2:
			a->elem = w;
			break;
		case 3:
			if (strcmp(w, "timeout") != 0 || a->cmd != IPSET_CMD_ADD)
				return false;
			break;
		case 4:
			a->timeout = w;
			break;
		default:
			return false;
		}
		if (w[0] == '-' && pos > 1)
			return false;
	}
	if (pos != 3 && pos != 5)
		return false;
	a->size = 64 + strlen(a->elem) + (a->timeout ? 16 : 0);
	return true;
}

/* Puts a into the session's message as line lineno; false if it does not parse. */
static bool
adt_build(struct ipset_session *s, const struct adt *a, uint32_t lineno)
{
	const struct ipset_type *type;

	if (ipset_parse_setname(s, IPSET_SETNAME, a->set) < 0 ||
	    (type = ipset_type_get(s, a->cmd)) == NULL ||
	    ipset_parse_elem(s, type->last_elem_optional, a->elem) < 0 ||
	    (a->timeout && ipset_parse_timeout(s, IPSET_OPT_TIMEOUT, a->timeout) < 0) ||
	    ipset_cmd(s, a->cmd, lineno) < 0) {
		ipset_session_report_reset(s);
		ipset_data_reset(ipset_session_data(s));
		return false;
	}
	return true;
}

/*
 * Sends the message holding commands first..end-1 (line i+1 - first is
 * command i); returns the first command not done.  As in the kernel, a
 * message stops at its first failing element: those before it are done,
 * it failed, those after it are sent again.
 */
static size_t
send_batch(struct ipset_session *s, size_t first, size_t end, int status[],
    struct strbuf *const msg[])
{
	const char *m;
	unsigned long line = 0;
	size_t i;
	int used = 0;

	if (ipset_commit(s) == 0) {
		for (i = first; i < end; i++)
			status[i] = 0;
		ipset_session_report_reset(s);
		return end;
	}
	m = ipset_session_report_msg(s);
	if (m == NULL || sscanf(m, "Error in line %lu: %n", &line, &used) < 1 || used == 0 ||
	    line < 1 || line > end - first) {
		/* not one element's fault: none of them is taken as done */
		for (i = first; i < end; i++) {
			status[i] = 1;
			add_line(msg[i], m && *m ? m : "ipset: Internal protocol error");
		}
		ipset_session_report_reset(s);
		return end;
	}
	for (i = first; i < first + line - 1; i++)
		status[i] = 0;
	status[i] = 1;
	add_line(msg[i], m + used);
	ipset_session_report_reset(s);
	return i + 1;
}

size_t
ipset_run_many(size_t n, char **const argv[], const int argc[], int status[],
    struct strbuf *const msg[])
{
	struct ipset_session *s;
	size_t i = 0, nmsg = 0;

	if (n == 0)
		return 0;
	if (!ensure_handle(msg[0])) {
		for (i = 0; i < n; i++)
			status[i] = 1;
		return 0;
	}
	s = ipset_session(handle);
	while (i < n) {
		struct adt first, a;
		size_t k = i, size = 0, j, done;
		size_t len[IPSET_BATCH];
		bool quiet[IPSET_BATCH];

		if (adt_parse(argc[i], argv[i], &first)) {
			fresh(s);
			if (first.exist)
				ipset_envopt_set(s, IPSET_ENV_EXIST);
			else
				ipset_envopt_unset(s, IPSET_ENV_EXIST);
			while (k < n && k - i < IPSET_BATCH && adt_parse(argc[k], argv[k], &a) &&
			    a.cmd == first.cmd && a.exist == first.exist &&
			    strcmp(a.set, first.set) == 0 && size + a.size <= MSG_ROOM &&
			    adt_build(s, &a, (uint32_t)(k - i + 1))) {
				size += a.size;
				quiet[k - i] = a.quiet;
				len[k - i] = msg[k]->len;
				k++;
			}
		}
		if (k == i) {	/* not batchable, or does not parse: ipset's own way */
			status[i] = ipset_run(argc[i], argv[i], msg[i]);
			i++;
			continue;
		}
		nmsg++;
		done = send_batch(s, i, k, status, msg);
		for (j = i; j < k; j++)		/* -q: no message, as with ipset */
			if (quiet[j - i] && msg[j]->len > len[j - i])
				msg[j]->s[msg[j]->len = len[j - i]] = '\0';
		i = done;
	}
	fresh(s);
	return nmsg;
}

/* ipset: native ipset commands via libipset. */
#include "ipset.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libipset/data.h>
#include <libipset/ipset.h>
#include <libipset/nfproto.h>
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
static struct strbuf *cur_out;	/* what a list command prints, when asked for */
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

static int __attribute__((format(printf, 3, 4)))
quiet_out(struct ipset_session *s, void *p, const char *fmt, ...)
{
	va_list ap;

	(void)s;
	(void)p;
	if (cur_out) {
		char buf[1024];

		va_start(ap, fmt);
		vsnprintf(buf, sizeof(buf), fmt, ap);
		va_end(ap);
		strbuf_adds(cur_out, buf);
	}
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

/* ---- what a set can hold ----------------------------------------------------- */

/*
 * The first max words of argv after "ipset" that are not options (a
 * one-letter upper-case option is a command: -A, -D...); their count.
 */
static int
positional(int argc, char **argv, const char *w[], int max)
{
	int i, n = 0;

	for (i = 1; i < argc && n < max; i++) {
		const char *a = argv[i];

		if (a[0] == '-' && a[1] != '\0' && !(a[1] >= 'A' && a[1] <= 'Z' && a[2] == '\0')) {
			if (strcmp(a, "-o") == 0 || strcmp(a, "-output") == 0 ||
			    strcmp(a, "-f") == 0 || strcmp(a, "-file") == 0)
				i++;	/* its value */
			continue;
		}
		w[n++] = a;
	}
	return n;
}

static bool
is_cmd(const char *w, const char *const names[])
{
	size_t i;

	for (i = 0; names[i]; i++)
		if (strcmp(w, names[i]) == 0)
			return true;
	return false;
}

static const char *const adt_cmds[] = { "add", "del", "test", "-A", "-D", "-T", NULL };
static const char *const create_cmds[] = { "create", "n", "-N", NULL };

/*
 * The kernel's type and family (NFPROTO_IPV4, NFPROTO_IPV6) of set name;
 * NULL when it has no such set.
 */
static const struct ipset_type *
kernel_type(const char *name, uint8_t *family)
{
	struct strbuf none = STRBUF_INIT;
	struct ipset_session *s;
	const struct ipset_type *type = NULL;

	if (!ensure_handle(&none)) {
		strbuf_free(&none);
		return NULL;
	}
	strbuf_free(&none);
	s = ipset_session(handle);
	fresh(s);
	/* no cur_msg: "set does not exist" is an answer here, not a message */
	if (ipset_parse_setname(s, IPSET_SETNAME, name) == 0)
		type = ipset_type_get(s, IPSET_CMD_TEST);
	*family = type ? ipset_data_family(ipset_session_data(s)) : NFPROTO_UNSPEC;
	ipset_session_report_reset(s);
	ipset_data_reset(ipset_session_data(s));
	return type;
}

char *
ipset_family_mismatch(int argc, char **argv, char **key)
{
	const char *w[3], *type_name;
	const struct ipset_type *type;
	unsigned char bin[16];
	char ip[INET6_ADDRSTRLEN];
	uint8_t setfam;
	bool ip6;
	size_t n;

	*key = NULL;
	if (positional(argc, argv, w, 3) < 3 || !is_cmd(w[0], adt_cmds))
		return NULL;
	/* the element's address: before a /len, a range or ",port" */
	if ((n = strcspn(w[2], ",/-")) >= sizeof(ip))
		return NULL;
	memcpy(ip, w[2], n);
	ip[n] = '\0';
	if (inet_pton(AF_INET, ip, bin) == 1)
		ip6 = false;
	else if (inet_pton(AF_INET6, ip, bin) == 1)
		ip6 = true;
	else
		return NULL;
	if ((type = kernel_type(w[1], &setfam)) == NULL ||
	    (setfam != NFPROTO_IPV4 && setfam != NFPROTO_IPV6) ||
	    (setfam == NFPROTO_IPV6) == ip6)
		return NULL;
	type_name = type->name;
	*key = xasprintf("%s %s", w[1], ip6 ? "inet6" : "inet");
	if (ip6)
		return xasprintf("set %s (%s, family inet) cannot hold the IPv6 address %s: "
		    "\"ipset %s %s %s\" failed. For IPv6 bans make a second set (ipset create "
		    "%s6 %s family inet6 -exist, and its ip6tables rule) and give the action "
		    "its name under [Init?family=inet6], as f2b-lite's action.d/fu_hmail.conf "
		    "does", w[1], type_name, w[2], w[0], w[1], w[2], w[1], type_name);
	return xasprintf("set %s (%s, family inet6) cannot hold the IPv4 address %s: "
	    "\"ipset %s %s %s\" failed. For IPv4 bans make a second set (ipset create "
	    "%s4 %s family inet -exist, and its iptables rule) and give the action its "
	    "name under [Init], this set's under [Init?family=inet6]", w[1], type_name, w[2],
	    w[0], w[1], w[2], w[1], type_name);
}

/* libipset's words for a full hash set (IPSET_ERR_HASH_FULL) */
#define HASH_FULL	"Hash is full, cannot add more elements"

/* The value after word in text ("maxelem 65536"), or NULL (heap). */
static char *
header_value(const char *text, const char *word)
{
	const char *p = text;
	size_t n = strlen(word);

	while ((p = strstr(p, word)) != NULL) {
		if ((p == text || p[-1] == ' ' || p[-1] == '\n') && p[n] == ' ')
			return xstrndup(p + n + 1, strcspn(p + n + 1, " \n"));
		p += n;
	}
	return NULL;
}

/*
 * ipset_full's last answer, for the other adds to that set refused in the
 * same run: the kernel is asked once per set per run, not per address
 * (forgotten when ipset_run_many starts again: the set may be remade)
 */
static char *full_set, *full_why;

char *
ipset_full(int argc, char **argv, const char *msg, char **key)
{
	struct strbuf out = STRBUF_INIT, none = STRBUF_INIT;
	const char *w[3];
	char *type, *maxelem, *family, *why;
	char *list[] = { (char *)"ipset", (char *)"list", (char *)"-t", NULL, NULL };
	unsigned long long max, bigger = 1048576;

	*key = NULL;
	if (msg == NULL || strstr(msg, HASH_FULL) == NULL ||
	    positional(argc, argv, w, 3) < 3 || !is_cmd(w[0], adt_cmds))
		return NULL;
	*key = xasprintf("%s full", w[1]);
	if (full_set && strcmp(full_set, w[1]) == 0)
		return xstrdup(full_why);
	list[3] = (char *)w[1];
	cur_out = &out;
	ipset_run(4, list, &none);
	cur_out = NULL;
	strbuf_free(&none);
	type = header_value(strbuf_str(&out), "Type:");
	maxelem = header_value(strbuf_str(&out), "maxelem");
	family = header_value(strbuf_str(&out), "family");
	strbuf_free(&out);
	max = maxelem ? strtoull(maxelem, NULL, 10) : 65536;
	while (bigger < 16 * max)
		bigger *= 2;
	why = xasprintf("ipset %s is full (maxelem %llu)\nrecreate it with a larger maxelem, "
	    "e.g. ipset create %s.new %s%s maxelem %llu, ipset swap %s.new %s, ipset destroy "
	    "%s.new, then restart the jail (its bans are added again)", w[1], max, w[1],
	    type ? type : "hash:net", family && strcmp(family, "inet6") == 0 ?
	    " family inet6" : "", bigger, w[1], w[1], w[1]);
	free(type);
	free(maxelem);
	free(family);
	free(full_set);
	free(full_why);
	full_set = xstrdup(w[1]);
	full_why = xstrdup(why);
	return why;
}

char *
ipset_set_type(const char *name, const char *script)
{
	const struct ipset_type *type;
	char *copy, *line, *save = NULL, *found = NULL;
	uint8_t fam;

	if ((type = kernel_type(name, &fam)) != NULL)
		return xstrdup(type->name);
	copy = xstrdup(script ? script : "");
	for (line = strtok_r(copy, "\n", &save); line && !found;
	    line = strtok_r(NULL, "\n", &save)) {
		const char *w[3];
		char **argv;
		int argc;

		if (!ipset_native(line, &argv, &argc))
			continue;
		if (positional(argc, argv, w, 3) == 3 && is_cmd(w[0], create_cmds) &&
		    strcmp(w[1], name) == 0)
			found = xstrdup(w[2]);
		strv_free(argv);
	}
	free(copy);
	return found;
}

bool
ipset_type_takes_net(const char *type)
{
	/* hash:net, hash:net,port, hash:net,iface...; list:set holds what its sets hold */
	return strncmp(type, "hash:net", 8) == 0 || strncmp(type, "list:", 5) == 0;
}

char *
ipset_add_target(const char *script, const char *marker)
{
	char *copy = xstrdup(script ? script : ""), *line, *save = NULL, *found = NULL;

	for (line = strtok_r(copy, "\n", &save); line && !found;
	    line = strtok_r(NULL, "\n", &save)) {
		const char *w[3];
		char **argv;
		int argc;

		if (!ipset_native(line, &argv, &argc))
			continue;
		if (positional(argc, argv, w, 3) == 3 && (strcmp(w[0], "add") == 0 ||
		    strcmp(w[0], "-A") == 0) && strncmp(w[2], marker, strlen(marker)) == 0)
			found = xstrdup(w[1]);
		strv_free(argv);
	}
	free(copy);
	return found;
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
	    (type = ipset_type_get(s, a->cmd)) == NULL)
		goto bad;
	/*
	 * the set's type and family kept for the rest of this batch: without,
	 * libipset asks the kernel for the set's header before each element
	 * (ensure_handle forgets them at the next run)
	 */
	ipset_cache_add(a->set, type, ipset_data_family(ipset_session_data(s)));
	if (ipset_parse_elem(s, type->last_elem_optional, a->elem) < 0 ||
	    (a->timeout && ipset_parse_timeout(s, IPSET_OPT_TIMEOUT, a->timeout) < 0) ||
	    ipset_cmd(s, a->cmd, lineno) < 0)
		goto bad;
	return true;
bad:
	ipset_session_report_reset(s);
	ipset_data_reset(ipset_session_data(s));
	return false;
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
	char *full = NULL;	/* the set the kernel said is full */

	free(full_set);
	free(full_why);
	full_set = full_why = NULL;
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
		bool parsed = adt_parse(argc[i], argv[i], &first);

		/*
		 * a set the kernel said is full takes no more adds in this run
		 * (a del to it may make room): each would cost a netlink message
		 * of its own, to be refused - a botnet's burst into a full set
		 * took one round trip and one new batch per address
		 */
		if (parsed && full && strcmp(first.set, full) == 0) {
			if (first.cmd == IPSET_CMD_ADD) {
				status[i] = 1;
				if (!first.quiet)
					add_line(msg[i], HASH_FULL);
				i++;
				continue;
			}
			free(full);
			full = NULL;
		}
		if (parsed) {
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
		if (first.cmd == IPSET_CMD_ADD && status[done - 1] != 0 &&
		    strstr(strbuf_str(msg[done - 1]), HASH_FULL) != NULL) {
			free(full);
			full = xstrdup(first.set);
		}
		for (j = i; j < k; j++)		/* -q: no message, as with ipset */
			if (quiet[j - i] && msg[j]->len > len[j - i])
				msg[j]->s[msg[j]->len = len[j - i]] = '\0';
		i = done;
	}
	free(full);
	fresh(s);
	return nmsg;
}

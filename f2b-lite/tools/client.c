/*
 * client: fail2ban-client's command line (fail2ban/client/fail2bancmdline.py
 * and fail2banclient.py): option parsing, the early read of fail2ban.conf,
 * -d/--dp configuration dumps and -t configuration tests.  Exit codes are
 * fail2ban's: 0 on success, 255 otherwise.
 */
#include "client.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"
#include "diag.h"
#include "dict.h"
#include "log.h"
#include "pyval.h"
#include "shlex.h"
#include "strbuf.h"
#include "xmalloc.h"
#include "timestr.h"
#include "beautifier.h"
#include "json.h"
#include "metrics.h"
#include "pickle.h"
#include "protocol.h"


struct client_opts {
	const char	*argv0;
	const char	*jail;		/* reload JAIL: only its configuration */
	bool		 foreground, force;
	const char	*conf;
	int		 dump;		/* 0, 1 (-d) or 2 (--dp) */
	bool		 test, interactive;
	int		 verbose;
	struct dict	*params;	/* socket, pidfile, logtarget, loglevel, syslogsocket */
};

static void
client_usage(const char *argv0)
{
	const char *caller = strrchr(argv0, '/') ? strrchr(argv0, '/') + 1 : argv0;
	bool server = strlen(caller) >= 6 &&
	    strcmp(caller + strlen(caller) - 6, "server") == 0;

	printf("Usage: %s [OPTIONS]%s\n\n", caller, server ? "" : " <COMMAND>");
	printf("Fail2Ban v%s reads log file that contains password failure report\n"
	    "and bans the corresponding IP addresses using firewall rules.\n\n",
	    FAIL2BAN_VERSION);
	printf("Options:\n"
	    "    -c, --conf <DIR>        configuration directory\n"
	    "    -s, --socket <FILE>     socket path\n"
	    "    -p, --pidfile <FILE>    pidfile path\n"
	    "    --pname <NAME>          name of the process (main thread) to identify instance (default fail2ban-server)\n"
	    "    --loglevel <LEVEL>      logging level\n"
	    "    --logtarget <TARGET>    logging target, use file-name or stdout, stderr, syslog or sysout.\n"
	    "    --syslogsocket auto|<FILE>\n"
	    "    -d                      dump configuration. For debugging\n"
	    "    --dp, --dump-pretty     dump the configuration using more human readable representation\n"
	    "    -t, --test              test configuration (can be also specified with start parameters)\n"
	    "    -i                      interactive mode\n"
	    "    -v                      increase verbosity\n"
	    "    -q                      decrease verbosity\n"
	    "    -x                      force execution of the server (remove socket file)\n"
	    "    -b                      start server in background (default)\n"
	    "    -f                      start server in foreground\n"
	    "    --async                 start server in async mode (for internal usage only, don't read configuration)\n"
	    "    --timeout               timeout to wait for the server (for internal usage only, don't read configuration)\n"
	    "    --str2sec <STRING>      convert time abbreviation format to seconds\n"
	    "    -h, --help              display this help message\n"
	    "    -V, --version           print the version (-V returns machine-readable short format)\n");
	if (!server) {
		struct strbuf b = STRBUF_INIT;

		protocol_format(&b);
		printf("\nCommand:\n%s", strbuf_str(&b));
		strbuf_free(&b);
	}
	printf("\nReport bugs to https://github.com/fail2ban/fail2ban/issues\n");
}

/* Prints collected diagnostics on stderr; notices only when verbose. */
static void
client_print_diag(const struct diag *d, int verbose)
{
	size_t i;

	for (i = 0; i < diag_count(d); i++) {
		if (diag_level(d, i) == DIAG_NOTICE && verbose < 2)
			continue;
		if (diag_level(d, i) == DIAG_WARNING && verbose < 1)
			continue;
		if (diag_level(d, i) == DIAG_ERROR &&
		    strncmp(diag_text(d, i), "Failed during configuration: ", 29) == 0)
			log_msg(LOG_LVL_ERROR, "fail2ban", "%s", diag_text(d, i));
		else if (diag_level(d, i) == DIAG_WARNING &&
		    strstr(diag_text(d, i), " not defined in 'Definition'. Using default one: "))
			log_msg(LOG_LVL_WARNING, LOG_CONFIGREADER, "%s",
			    strncmp(diag_text(d, i), "warning: ", 9) == 0 ? diag_text(d, i) + 9 :
			    diag_text(d, i));
		else
			fprintf(stderr, "%s\n", diag_text(d, i));
	}
}

/* fail2ban's dumpConfig: one command per line, repr or pformat. */
static void
client_dump(const struct pyval *stream, bool pretty)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < pyval_len(stream); i++) {
		strbuf_reset(&sb);
		if (pretty)
			pyval_pformat(pyval_at(stream, i), 1000, 2, &sb);
		else
			pyval_repr(pyval_at(stream, i), &sb);
		strbuf_addc(&sb, '\n');
		fwrite(sb.s, 1, sb.len, stdout);
	}
	strbuf_free(&sb);
}

/* Reads the configuration as readConfig() does; returns fail2ban's ret. */
static bool
client_read_config(struct client_opts *o, struct pyval **stream, struct diag *d)
{
	struct config_request req = {
		.basedir = o->conf,
		.allow_no_files = o->dump != 0,
		.test = o->test,
		/* -t reads it as the server will (the journal, or a jail that waits) */
		.journal_fallback = o->dump == 0,
		/* reload: a broken jail is skipped (its running one kept), as the server's start */
		.skip_broken_jails = o->dump == 0 && !o->test,
		.jail = o->jail,
		.mainopts = o->params,
	};
	bool ok;

	*stream = config_stream(&req, d, &ok);
	return ok && *stream != NULL && (req.skip_broken_jails || diag_nerrors(d) == 0);
}

/* ---- talking to the server --------------------------------------------------- */

#define END	"<F2B_END_COMMAND>"
#define CLOSE	"<F2B_CLOSE_COMMAND>"

static const char *
socket_path(const struct client_opts *o)
{
	const char *s = dict_get(o->params, "socket", NULL);

	return s ? s : "/var/run/fail2ban/fail2ban.sock";
}

static void
socket_error(const struct client_opts *o, bool quiet)
{
	const char *path = socket_path(o);

	if (quiet)
		return;
	if (access(path, F_OK) == 0) {
		if (access(path, W_OK) == 0)
			log_msg(LOG_LVL_ERROR, "fail2ban", "Unable to contact server. Is it running?");
		else
			log_msg(LOG_LVL_ERROR, "fail2ban", "Permission denied to socket: %s, "
			    "(you must be root)", path);
	} else
		log_msg(LOG_LVL_ERROR, "fail2ban", "Failed to access socket path: %s. "
		    "Is fail2ban running?", path);
}

/*
 * Sends cmd and reads the answer: 0 with *code and *value, or -1 when the
 * server cannot be reached (or hangs up).
 */
static int
client_send(const struct client_opts *o, const struct pyval *cmd, double timeout,
    int *code, struct pyval **value)
{
	struct sockaddr_un sa;
	struct strbuf req = STRBUF_INIT, in = STRBUF_INIT;
	struct pyval *ack = NULL;
	char buf[65536], *err = NULL;
	int fd, rc = -1;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", socket_path(o));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (timeout > 0) {
		struct timeval tv = { (time_t)timeout, (suseconds_t)((timeout -
		    (double)(time_t)timeout) * 1e6) };

		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto out;
	pickle_dump(cmd, &req);
	strbuf_adds(&req, END);
	if (send(fd, req.s, req.len, MSG_NOSIGNAL) != (ssize_t)req.len)
		goto out;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n <= 0)
			goto out;
		strbuf_add(&in, buf, (size_t)n);
		if (in.len >= strlen(END) && memcmp(in.s + in.len - strlen(END), END,
		    strlen(END)) == 0)
			break;
	}
	/* the answer is in; the server may be gone already (stop) */
	(void)send(fd, CLOSE END, strlen(CLOSE END), MSG_NOSIGNAL);
	ack = pickle_load(in.s, in.len - strlen(END), &err);
	if (ack == NULL) {
		log_msg(LOG_LVL_ERROR, "fail2ban", "%s", err);
		free(err);
		goto out;
	}
	if (pyval_type(ack) == PY_TUPLE && pyval_len(ack) == 2) {
		*code = (int)pyval_as_int(pyval_at(ack, 0));
		*value = pyval_copy(pyval_at(ack, 1));
	} else {
		*code = 1;	/* a bare "ERROR: ..." string */
		*value = pyval_copy(ack);
	}
	rc = 0;
out:
	pyval_free(ack);
	strbuf_free(&req);
	strbuf_free(&in);
	close(fd);
	return rc;
}

static bool
server_alive(const struct client_opts *o)
{
	struct pyval *cmd = pyval_list(), *v = NULL;
	int code;
	bool ok;

	pyval_append(cmd, pyval_str("ping"));
	ok = client_send(o, cmd, 1.0, &code, &v) == 0 && code == 0;
	pyval_free(cmd);
	pyval_free(v);
	return ok;
}

static client_server_fn *server_entry;

void
client_set_server(client_server_fn *fn)
{
	server_entry = fn;
}

/*
 * Starts the server, run here: in the foreground until it stops, else
 * until it went to the background (its status: the configuration read, the
 * socket free), then waited for until it answers.
 */
static int
client_start(const struct client_opts *o)
{
	char *args[24];
	int n = 0, i, level;
	const char *keys[] = { "socket", "pidfile", "loglevel", "logtarget", "syslogsocket" };
	const char *flags[] = { "-s", "-p", "--loglevel", "--logtarget", "--syslogsocket" };

	if (server_alive(o)) {
		log_msg(LOG_LVL_ERROR, "fail2ban", "Server already running");
		return 255;
	}
	args[n++] = "fail2ban-server";
	args[n++] = "-c";
	args[n++] = (char *)o->conf;
	for (i = 0; i < 5; i++) {
		char *v = dict_get(o->params, keys[i], NULL);

		if (v) {
			args[n++] = (char *)flags[i];
			args[n++] = v;
		}
	}
	args[n++] = o->foreground ? "-f" : "-b";
	if (o->force)
		args[n++] = "-x";
	args[n++] = "start";
	args[n] = NULL;
	if (server_entry == NULL)
		return 255;
	if (o->foreground)
		return server_entry(n, args);
	level = log_get_level();	/* the server's options are not the client's */
	i = server_entry(n, args);
	log_set_level(level);
	if (i != 0)
		return 255;
	{
		double waited = 0;

		while (waited < 30) {
			if (server_alive(o))
				return 0;
			usleep(50000);
			waited += 0.05;
		}
	}
	log_msg(LOG_LVL_ERROR, "fail2ban", "Failed to start server");
	return 255;
}

/* One command's answer value, or NULL (logged) when it failed. */
static struct pyval *
ask(const struct client_opts *o, const char *const *words, size_t n)
{
	struct pyval *cmd = pyval_list(), *v = NULL;
	int code;
	size_t i;

	for (i = 0; i < n; i++)
		pyval_append(cmd, pyval_str(words[i]));
	if (client_send(o, cmd, -1, &code, &v) < 0) {
		socket_error(o, false);
		v = NULL;
	} else if (code != 0) {
		struct strbuf e = STRBUF_INIT;

		beautify_error(v, &e);
		log_msg(LOG_LVL_ERROR, "fail2ban", "%s", strbuf_str(&e));
		strbuf_free(&e);
		pyval_free(v);
		v = NULL;
	}
	pyval_free(cmd);
	return v;
}

/*
 * status --json: the database in use and its failed writes, from f2b-lite's
 * `metrics` answer (left out against fail2ban's server, which has none).
 */
static void
add_database(const struct client_opts *o, struct pyval *status)
{
	struct pyval *cmd = pyval_list(), *v = NULL, *out;
	const struct pyval *db;
	int code;

	pyval_append(cmd, pyval_str("metrics"));
	if (client_send(o, cmd, -1, &code, &v) == 0 && code == 0 &&
	    pyval_type(v) == PY_DICT && (db = pyval_dict_get(v, "database")) != NULL &&
	    pyval_type(db) == PY_DICT) {
		const struct pyval *f = pyval_dict_get(db, "file");
		const struct pyval *e = pyval_dict_get(db, "write_errors");

		out = pyval_dict();
		pyval_dict_set(out, pyval_str("File"), f ? pyval_copy(f) : pyval_none());
		pyval_dict_set(out, pyval_str("Failed writes"), e ? pyval_copy(e) : pyval_int(0));
		pyval_dict_set(status, pyval_str("Database"), out);
	}
	pyval_free(v);
	pyval_free(cmd);
}

/* status ... --json and metrics: f2b-lite's additions for tooling. */
static int
client_report(const struct client_opts *o, int argc, char **argv)
{
	struct strbuf out = STRBUF_INIT;
	const char *w[3] = { "status", NULL, NULL };
	struct pyval *v;
	size_t i, k;

	if (strcmp(argv[0], "metrics") == 0) {
		const char *m = "metrics";

		if ((v = ask(o, &m, 1)) == NULL)
			return 255;
		metrics_text(v, &out);
		fputs(strbuf_str(&out), stdout);
		strbuf_free(&out);
		pyval_free(v);
		return 0;
	}
	/* status [JAIL] --json: the answer as JSON (pairs become objects) */
	if (argc > 2)
		w[1] = argv[1];
	if ((v = ask(o, w, argc > 2 ? 2 : 1)) == NULL)
		return 255;
	{
		struct pyval *d = pyval_dict();

		for (i = 0; i < pyval_len(v); i++) {
			const struct pyval *p = pyval_at(v, i), *val = pyval_at(p, 1);

			if (pyval_type(val) == PY_LIST && pyval_len(val) &&
			    pyval_type(pyval_at(val, 0)) == PY_TUPLE) {
				struct pyval *sub = pyval_dict();

				for (k = 0; k < pyval_len(val); k++)
					pyval_dict_set(sub, pyval_copy(pyval_at(pyval_at(val, k), 0)),
					    pyval_copy(pyval_at(pyval_at(val, k), 1)));
				pyval_dict_set(d, pyval_copy(pyval_at(p, 0)), sub);
			} else
				pyval_dict_set(d, pyval_copy(pyval_at(p, 0)), pyval_copy(val));
		}
		if (argc <= 2)
			add_database(o, d);
		json_dump(d, false, &out);
		pyval_free(d);
	}
	printf("%s\n", strbuf_str(&out));
	strbuf_free(&out);
	pyval_free(v);
	return 0;
}

static int
client_command(struct client_opts *o, int argc, char **argv)
{
	struct pyval *cmd = pyval_list(), *v = NULL;
	struct strbuf out = STRBUF_INIT;
	int code = 0, rc = 255, i;
	double timeout = -1;

	for (i = 0; i < argc; i++)
		pyval_append(cmd, pyval_str(argv[i]));
	if (argc == 1 && strcmp(argv[0], "start") == 0) {
		pyval_free(cmd);
		return client_start(o);
	}
	if (argc == 1 && strcmp(argv[0], "restart") == 0) {
		struct pyval *stop = pyval_list();

		pyval_append(stop, pyval_str("stop"));
		if (client_send(o, stop, -1, &code, &v) == 0) {
			for (i = 0; i < 300 && server_alive(o); i++)
				usleep(100000);
		}
		pyval_free(stop);
		pyval_free(v);
		pyval_free(cmd);
		return client_start(o);
	}
	if (argc > 1 && strcmp(argv[0], "restart") == 0) {
		/* restart [--unban] [--if-exists] JAIL is reload --restart ... */
		char **rv = xcalloc((size_t)argc + 2, sizeof(*rv));

		rv[0] = (char *)"reload";
		rv[1] = (char *)"--restart";
		for (i = 1; i < argc; i++)
			rv[i + 1] = argv[i];
		pyval_free(cmd);
		rc = client_command(o, argc + 1, rv);
		free(rv);
		return rc;
	}
	if (argc >= 1 && strcmp(argv[0], "reload") == 0) {
		/* fail2ban-client reads the configuration and sends it along */
		struct pyval *opts = pyval_list(), *stream = NULL, *full;
		struct diag *d = diag_new();
		const char *jail = "--all";
		bool ok;

		for (i = 1; i < argc; i++) {
			if (!strcmp(argv[i], "--restart") || !strcmp(argv[i], "--unban") ||
			    !strcmp(argv[i], "--if-exists"))
				pyval_append(opts, pyval_str(argv[i]));
			else if (i == argc - 1)
				jail = argv[i];
			else {
				log_msg(LOG_LVL_ERROR, "fail2ban", "Unexpected argument(s) for reload: "
				    "%s", argv[i]);
				pyval_free(opts);
				diag_free(d);
				pyval_free(cmd);
				return 255;
			}
		}
		if (!server_alive(o)) {
			log_msg(LOG_LVL_ERROR, "fail2ban", "Could not find server");
			pyval_free(opts);
			diag_free(d);
			pyval_free(cmd);
			return 255;
		}
		o->jail = strcmp(jail, "--all") ? jail : NULL;
		ok = client_read_config(o, &stream, d);
		o->jail = NULL;
		client_print_diag(d, o->verbose);
		diag_free(d);
		if (!ok) {
			pyval_free(stream);
			pyval_free(opts);
			pyval_free(cmd);
			return 255;
		}
		full = pyval_list();
		pyval_append(full, pyval_str("reload"));
		pyval_append(full, pyval_str(jail));
		pyval_append(full, opts);
		pyval_append(full, stream);
		pyval_free(cmd);
		cmd = full;
	}
	if (argc >= 1 && (strcmp(argv[0], "metrics") == 0 ||
	    (argc >= 2 && strcmp(argv[0], "status") == 0 && strcmp(argv[argc - 1], "--json") == 0))) {
		pyval_free(cmd);
		return client_report(o, argc, argv);
	}
	if (argc > 1 && strcmp(argv[0], "ping") == 0)
		timeout = atof(argv[1]);
	if (client_send(o, cmd, timeout, &code, &v) < 0) {
		socket_error(o, false);
		pyval_free(cmd);
		return 255;
	}
	if (code == 0) {
		beautify(cmd, v, &out);
		rc = 0;
	} else {
		struct strbuf e = STRBUF_INIT;
		const struct pyval *args = pyval_type(v) == PY_DICT ?
		    pyval_dict_get(v, "args") : NULL;

		if (args)
			pyval_repr(args, &e);
		else
			pyval_repr(v, &e);
		log_msg(LOG_LVL_ERROR, "fail2ban", "NOK: %s", strbuf_str(&e));
		strbuf_free(&e);
		beautify_error(v, &out);
	}
	printf("%s\n", strbuf_str(&out));
	strbuf_free(&out);
	pyval_free(v);
	pyval_free(cmd);
	return rc;
}

/* -i: the command given, then "fail2ban> " prompts until exit, quit or EOF */
static int
client_interactive(struct client_opts *o, int argc, char **argv)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (argc > 0 && client_command(o, argc, argv) != 0)
		return 255;
	printf("Fail2Ban v%s reads log file that contains password failure report\n"
	    "and bans the corresponding IP addresses using firewall rules.\n\n", FAIL2BAN_VERSION);
	for (;;) {
		struct pyval *words;
		const char *err;

		fputs("fail2ban> ", stdout);
		fflush(stdout);
		if ((n = getline(&line, &cap, stdin)) < 0) {
			/* fail2ban: EOFError - a new line, then an error exit */
			printf("\n");
			fflush(stdout);
			log_msg(LOG_LVL_ERROR, "fail2ban", "EOF when reading a line");
			free(line);
			return 255;
		}
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (strcmp(line, "exit") == 0 || strcmp(line, "quit") == 0)
			break;
		if (strcmp(line, "help") == 0) {
			client_usage(o->argv0);
			continue;
		}
		if (line[0] == '\0')
			continue;
		words = pyval_list();
		if (shlex_split(line, words, &err) < 0)
			log_msg(LOG_LVL_ERROR, "fail2ban", "%s", err);
		else if (pyval_len(words) > 0) {
			char **wv = xcalloc(pyval_len(words) + 1, sizeof(*wv));
			size_t i;

			for (i = 0; i < pyval_len(words); i++)
				wv[i] = (char *)pyval_as_str(pyval_at(words, i));
			client_command(o, (int)pyval_len(words), wv);
			free(wv);
		}
		pyval_free(words);
		fflush(stdout);
	}
	free(line);
	return 0;
}

int
client_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "loglevel", required_argument, NULL, 1 },
		{ "logtarget", required_argument, NULL, 2 },
		{ "syslogsocket", required_argument, NULL, 3 },
		{ "test", no_argument, NULL, 't' },
		{ "async", no_argument, NULL, 4 },
		{ "conf", required_argument, NULL, 'c' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "pname", required_argument, NULL, 5 },
		{ "socket", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 6 },
		{ "str2sec", required_argument, NULL, 7 },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 8 },
		{ "dp", no_argument, NULL, 9 },
		{ "dump-pretty", no_argument, NULL, 9 },
		{ NULL, 0, NULL, 0 },
	};
	struct client_opts o = { .conf = "/etc/fail2ban", .verbose = 1 };
	struct pyval *stream = NULL;
	struct diag *d;
	int c, rc = 255;
	bool ok;

	o.params = dict_new(free);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+hc:s:p:xfbdtviqV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o.conf = optarg;
			break;
		case 's':
			dict_set(o.params, "socket", xstrdup(optarg));
			break;
		case 'p':
			dict_set(o.params, "pidfile", xstrdup(optarg));
			break;
		case 1:
			dict_set(o.params, "loglevel", xstrdup(optarg));
			break;
		case 2:
			dict_set(o.params, "logtarget", xstrdup(optarg));
			break;
		case 3:
			dict_set(o.params, "syslogsocket", xstrdup(optarg));
			break;
		case 'd':
			o.dump = 1;
			break;
		case 9:
			o.dump = 2;
			break;
		case 't':
			o.test = true;
			break;
		case 'v':
			o.verbose++;
			break;
		case 'q':
			o.verbose--;
			break;
		case 'h':
			client_usage(argv[0]);
			rc = 0;
			goto out;
		case 'V':
			printf("%s\n", FAIL2BAN_VERSION);
			rc = 0;
			goto out;
		case 8:
			printf("Fail2Ban v%s\n", FAIL2BAN_VERSION);
			rc = 0;
			goto out;
		case 7: {
			struct timestr_val v;
			struct strbuf sb = STRBUF_INIT;
			char *err;

			if (timestr_parse(optarg, &v, &err) < 0) {
				fprintf(stderr, "ERROR: %s\n", err);
				free(err);
				goto out;
			}
			timestr_print(&v, &sb);
			printf("%s\n", strbuf_str(&sb));
			strbuf_free(&sb);
			rc = 0;
			goto out;
		}
		case 'f':
			o.foreground = true;
			break;
		case 'b':
			o.foreground = false;
			break;
		case 'x':
			o.force = true;
			break;
		case 'i':
			o.interactive = true;
			break;
		case 4: case 5: case 6:
			break;
		default:
			client_usage(argv[0]);
			goto out;
		}
	}
	if (o.verbose <= 0)
		log_set_level(LOG_LVL_ERROR);
	else if (o.verbose == 1)
		log_set_level(LOG_LVL_WARNING);
	else
		log_set_level(LOG_LVL_INFO);

	d = diag_new();
	if (config_early(o.conf, o.params, d) < 0) {
		/* sic: fail2ban prints a trailing space */
		printf("ERROR: Base configuration directory %s does not exist \n", o.conf);
		diag_free(d);
		goto out;
	}
	{
		const char *ll = dict_get(o.params, "loglevel", NULL);

		if (ll && log_level_parse(ll) < 0) {
			printf("ERROR: Invalid log level '%s'\n", ll);
			diag_free(d);
			goto out;
		}
	}
	if (!o.dump && !o.test) {
		diag_free(d);
		if (optind >= argc && !o.interactive) {
			client_usage(argv[0]);
			goto out;
		}
		o.argv0 = argv[0];
		if (o.interactive)
			rc = client_interactive(&o, argc - optind, argv + optind);
		else
			rc = client_command(&o, argc - optind, argv + optind);
		goto out;
	}

	ok = client_read_config(&o, &stream, d);
	client_print_diag(d, o.verbose);
	if (o.dump) {
		if (stream != NULL)
			client_dump(stream, o.dump == 2);
		else
			printf("ERROR: The configuration stream failed because of the "
			    "invalid syntax.\n");
	}
	if (!ok && diag_nerrors(d))
		fprintf(stderr, "ERROR: %zu error%s in the configuration\n",
		    diag_nerrors(d), diag_nerrors(d) == 1 ? "" : "s");
	if (o.test) {
		if (!ok)
			fprintf(stderr, "ERROR: test configuration failed\n");
		else if (optind >= argc)
			printf("OK: configuration test is successful\n");
	}
	rc = ok ? 0 : 255;
	pyval_free(stream);
	diag_free(d);
out:
	dict_free(o.params);
	fflush(stdout);
	return rc;
}

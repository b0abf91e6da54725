/*
 * main: one binary, three commands.  Run as fail2ban-server,
 * fail2ban-client or fail2ban-regex (a link or a copy of that name) it is
 * that command; run as f2b-lite it takes the command as its first argument.
 */
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "process.h"
#include "regextool.h"

static int server(int, char **);

static const struct {
	const char	*sub;		/* f2b-lite <sub> */
	const char	*compat;	/* argv[0] name */
	int		(*run)(int, char **);
} commands[] = {
	{ "server", "fail2ban-server", server },
	{ "client", "fail2ban-client", client_main },
	{ "regex", "fail2ban-regex", regextool_main },
};

/*
 * fail2ban-server: the options that only inspect the configuration (help,
 * version, dump, test, str2sec) behave as the client's; the rest start the
 * daemon.  The client starts the server through process_main (given here,
 * so that neither includes the other).
 */
static int
server(int argc, char **argv)
{
	static const char *const inspect[] = { "-h", "--help", "-V", "--version", "-d", "--dp",
	    "--dump-pretty", "--str2sec", "-t", "--test" };
	int i;
	size_t k;

	for (i = 1; i < argc; i++)
		for (k = 0; k < sizeof(inspect) / sizeof(inspect[0]); k++)
			if (strcmp(argv[i], inspect[k]) == 0)
				return client_main(argc, argv);
	return process_main(argc, argv);
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: f2b-lite server|client|regex [OPTIONS] ...\n"
	    "\n"
	    "  f2b-lite server   the daemon (fail2ban-server)\n"
	    "  f2b-lite client   control and configuration (fail2ban-client)\n"
	    "  f2b-lite regex    test filters against logs (fail2ban-regex)\n"
	    "\n"
	    "  f2b-lite --version  f2b-lite's version\n"
	    "\n"
	    "Installed or linked under the name fail2ban-server, fail2ban-client or\n"
	    "fail2ban-regex, f2b-lite is that command.\n");
}

int
main(int argc, char **argv)
{
	const char *name = argc > 0 ? argv[0] : "f2b-lite";
	const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	size_t i;

	client_set_server(process_main);	/* `fail2ban-client start` */
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(base, commands[i].compat) == 0)
			return commands[i].run(argc, argv);
	if (argc < 2) {
		usage();
		return 255;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].sub) == 0) {
			/* usage texts name the fail2ban command this one stands in for */
			argv[1] = (char *)commands[i].compat;
			return commands[i].run(argc - 1, argv + 1);
		}
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage();
		return 0;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		/* what this program is; the fail2ban-* commands answer fail2ban's version */
		printf("f2b-lite %s, compatible with fail2ban %s\n", F2B_LITE_VERSION,
		    FAIL2BAN_VERSION);
		return 0;
	}
	fprintf(stderr, "f2b-lite: unknown command '%s'\n", argv[1]);
	usage();
	return 255;
}

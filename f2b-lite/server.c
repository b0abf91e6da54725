/* server: fail2ban-server's command line. */
#include "server.h"

#include <stdio.h>
#include <string.h>

#include "client.h"

int
server_main(int argc, char **argv)
{
	int i;

	/* options that only inspect the configuration behave as the client's */
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-V") == 0 || strcmp(argv[i], "--version") == 0 ||
		    strcmp(argv[i], "-d") == 0 || strcmp(argv[i], "--dp") == 0 ||
		    strcmp(argv[i], "-t") == 0 || strcmp(argv[i], "--test") == 0)
			return client_main(argc, argv);
	fprintf(stderr, "%s: the server is not implemented yet\n", argv[0]);
	return 255;
}

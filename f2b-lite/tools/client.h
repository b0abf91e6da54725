/*
 * client: fail2ban-client.  Command-line options as fail2ban-client 1.0.2
 * parses them (fail2bancmdline.py), configuration dump (-d, --dp) and test
 * (-t).
 */
#ifndef F2B_CLIENT_H
#define F2B_CLIENT_H

/* Runs fail2ban-client with argv (argv[0] is the name shown in usage). */
typedef int client_server_fn(int argc, char **argv);
/*
 * What `start` runs as fail2ban-server (main.c gives process_main): in the
 * foreground it returns when the server stopped, in the background once the
 * daemon is forked off.
 */
void	 client_set_server(client_server_fn *);
int	 client_main(int argc, char **argv);

#endif

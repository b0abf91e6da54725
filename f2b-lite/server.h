/*
 * server: fail2ban-server.  Start-up, signals and the event loop come with
 * the daemon; for now this module parses fail2ban-server's options and
 * reports that serving is not available yet.
 */
#ifndef F2B_SERVER_H
#define F2B_SERVER_H

int	 server_main(int argc, char **argv);

#endif

/*
 * process: fail2ban-server - the daemon process.  It reads the
 * configuration into fail2ban's command stream, applies it through the
 * transmitter, and runs the jails on one event loop until SIGTERM/SIGINT
 * (clean stop: bans flushed or unbanned, actions stopped) or reloads on
 * SIGHUP (a new configuration replaces the old one only if it loads
 * whole).  It keeps the pidfile and refuses to start while another server
 * answers on the socket (-x removes a stale one).
 */
#ifndef F2B_PROCESS_H
#define F2B_PROCESS_H

/*
 * Runs fail2ban-server with argv (the options that only inspect the
 * configuration, -h -V -d -t, are the client's: main.c hands them over).
 * In the background it returns 0 once the daemon is forked off (a caller
 * waits for its socket); in the foreground when the server stopped.
 */
int	 process_main(int argc, char **argv);

#endif

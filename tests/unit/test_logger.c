/*
 * logger: which lines run in-process, and what they send - compared,
 * datagram for datagram, with util-linux's logger(1) writing to the same
 * test socket (its timestamp aside).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "logger.h"
#include "strbuf.h"
#include "tap.h"
#include "xmalloc.h"

static char sockpath[108];
static int sfd = -1;

static void
listen_dgram(void)
{
	struct sockaddr_un sa;
	struct timeval tv = { 2, 0 };

	snprintf(sockpath, sizeof(sockpath), "/tmp/f2b-logger-test.%d", (int)getpid());
	unlink(sockpath);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sockpath);
	sfd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (sfd < 0 || bind(sfd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		printf("Bail out! cannot bind %s: %s\n", sockpath, strerror(errno));
		exit(1);
	}
	setsockopt(sfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* one datagram, its "Mmm dd hh:mm:ss" blanked */
static void
receive(char *buf, size_t size)
{
	ssize_t n = recv(sfd, buf, size - 1, 0);
	char *gt;

	buf[n > 0 ? n : 0] = '\0';
	if ((gt = strchr(buf, '>')) != NULL && strlen(gt) > 16)
		memcpy(gt + 1, "TIMESTAMP......", 15);
}

static void
accepts(const char *line, const char *what)
{
	char **argv = NULL;
	int argc = 0;

	ok(logger_native(line, &argv, &argc), "in-process: %s", what);
	strv_free(argv);
}

static void
refuses(const char *line, const char *what)
{
	char **argv = NULL;
	int argc = 0;

	ok(!logger_native(line, &argv, &argc), "to the shell: %s", what);
	strv_free(argv);
}

/* the line with "logger -u SOCK" run both ways: same datagram, same status */
static void
same_as_logger(const char *args, const char *what)
{
	char line[2048], cmd[2200], ours[2048], theirs[2048];
	char **argv = NULL;
	int argc = 0, st_ours = -1, st_theirs;
	struct strbuf msg = STRBUF_INIT;

	snprintf(line, sizeof(line), "logger -u %s %s", sockpath, args);
	if (!logger_native(line, &argv, &argc)) {
		ok(0, "%s: not taken in-process", what);
		return;
	}
	st_ours = logger_run(argc, argv, &msg);
	strv_free(argv);
	receive(ours, sizeof(ours));
	snprintf(cmd, sizeof(cmd), "%s", line);
	st_theirs = system(cmd);
	st_theirs = WIFEXITED(st_theirs) ? WEXITSTATUS(st_theirs) : -1;
	receive(theirs, sizeof(theirs));
	is_str(ours, theirs, "%s: the datagram logger sends", what);
	is_int(st_ours, st_theirs, "%s: logger's status", what);
	is_str(strbuf_str(&msg), "", "%s: no output", what);
	strbuf_free(&msg);
}

int
main(void)
{
	char **argv = NULL;
	int argc = 0;
	struct strbuf msg = STRBUF_INIT;

	/* the seed's line, and the forms logger accepts */
	accepts("logger -p local7.notice -t fail2ban \"192.0.2.1 BANNED!\"", "the seed's line");
	accepts("  /usr/bin/logger -t f2b 'single quoted $x'", "single quotes keep $");
	accepts("logger --tag=f2b --priority=auth.info ban 192.0.2.1", "long options, words");
	accepts("logger ban -t f2b 192.0.2.1", "an option after the message");
	accepts("logger -tf2b -pdaemon.err -- -x-", "-tTAG, --, a message like an option");
	accepts("logger -t f2b -p warning x", "a level without facility");

	refuses("logger -i -t f2b x", "-i (the logger's PID)");
	refuses("logger -p local7.notice x", "no tag (the login name)");
	refuses("logger -t f2b", "no message (stdin)");
	refuses("logger -t f2b \"$HOME\"", "a variable in double quotes");
	refuses("logger -t f2b `id`", "a command substitution");
	refuses("logger -t f2b x; rm -rf /", "a list");
	refuses("logger -t f2b x > /tmp/out", "a redirection");
	refuses("logger -t f2b \"open", "an open quote");
	refuses("logger -t f2b a\\ b", "a backslash");
	refuses("logger -p bogus.info -t f2b x", "an unknown facility (logger's error)");
	refuses("logger -p local7.loud -t f2b x", "an unknown level");
	refuses("logger -p 13 -t f2b x", "a numeric priority");
	refuses("logger -n host -t f2b x", "a remote server");
	refuses("logger -t f2b *", "a glob");
	refuses("echo logger -t f2b x", "another command");
	refuses("loggerx -t f2b x", "another name");

	listen_dgram();
	same_as_logger("-p local7.notice -t fail2ban \"192.0.2.1 BANNED!\"", "the seed's ban line");
	same_as_logger("-p local7.notice -t fail2ban \"192.0.2.1 BAN LIFTED!\"",
	    "the seed's unban line");
	same_as_logger("-t f2b 'a  b' c   d", "words joined by one space, quoted runs kept");
	same_as_logger("-p kern.err -t f2b x", "kern becomes user");
	same_as_logger("--priority=AUTH.Warning --tag=sshd-jail -- -dash", "names in any case");
	same_as_logger("-p security.emerg -t f2b x", "security is auth");

	/* nobody listening: as logger without systemd, silent and status 0 */
	close(sfd);
	unlink(sockpath);
	ok(logger_native("logger -u /nonexistent/dir/log -t f2b x", &argv, &argc),
	    "a missing socket: still in-process");
	if (access("/run/systemd/system/", F_OK) != 0) {
		int st = logger_run(argc, argv, &msg);
		int real = system("logger -u /nonexistent/dir/log -t f2b x");

		is_int(st, WEXITSTATUS(real), "a missing socket: logger's status");
		is_str(strbuf_str(&msg), "", "a missing socket: no output, as logger");
	} else {
		int st = logger_run(argc, argv, &msg);

		is_int(st, 1, "a missing socket under systemd: status 1");
		ok(strstr(strbuf_str(&msg), "logger: socket /nonexistent/dir/log: ") != NULL,
		    "a missing socket under systemd: logger's error");
	}
	strv_free(argv);
	strbuf_free(&msg);
	return tap_done();
}

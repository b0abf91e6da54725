/*
 * Unit tests for systemd: sd_notify's datagram (path and abstract sockets,
 * nothing without $NOTIFY_SOCKET), journald's native protocol (plain fields,
 * a value with newlines in its binary form), and sd-journal loaded on demand.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "systemd.h"
#include "tap.h"

/* A datagram socket bound to path ('@': abstract); -1 on failure. */
static int
listener(const char *path)
{
	struct sockaddr_un sa;
	size_t n = strlen(path);
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, n);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) < 0)
		return -1;
	return fd;
}

static ssize_t
receive(int fd, char *buf, size_t len)
{
	struct timeval tv = { 1, 0 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return recv(fd, buf, len, MSG_DONTWAIT);
}

int
main(void)
{
	char dir[] = "/tmp/f2b-sd.XXXXXX", path[256], abstract[64], buf[512];
	const char *fields[] = { "MESSAGE=[sshd] Ban 192.0.2.1", "PRIORITY=5",
	    "SYSLOG_IDENTIFIER=fail2ban.actions" };
	const char *multi[] = { "MESSAGE=two\nlines", "PRIORITY=3" };
	static const char want_multi[] = "MESSAGE\n\x09\0\0\0\0\0\0\0two\nlines\nPRIORITY=3\n";
	const struct systemd_journal_api *api;
	sd_journal *j = NULL;
	char *err = NULL;
	ssize_t n;
	int fd;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/notify", dir);
	fd = listener(path);
	ok(fd >= 0, "a test notify socket");
	setenv("NOTIFY_SOCKET", path, 1);
	systemd_notify("READY=1\nSTATUS=jails running");
	n = receive(fd, buf, sizeof(buf));
	ok(n == 28 && memcmp(buf, "READY=1\nSTATUS=jails running", 28) == 0,
	    "notify: the state as one datagram to $NOTIFY_SOCKET");
	close(fd);

	snprintf(abstract, sizeof(abstract), "@f2b-lite-test-%d", (int)getpid());
	fd = listener(abstract);
	setenv("NOTIFY_SOCKET", abstract, 1);
	systemd_notify("STOPPING=1");
	n = receive(fd, buf, sizeof(buf));
	ok(n == 10 && memcmp(buf, "STOPPING=1", 10) == 0, "notify: an abstract socket ('@')");
	unsetenv("NOTIFY_SOCKET");
	systemd_notify("READY=1");
	ok(receive(fd, buf, sizeof(buf)) < 0, "notify: nothing without $NOTIFY_SOCKET");
	close(fd);

	snprintf(path, sizeof(path), "%s/journal", dir);
	fd = listener(path);
	ok(systemd_journal_send(path, fields, 3) == 0, "journal: sent");
	n = receive(fd, buf, sizeof(buf));
	buf[n > 0 ? n : 0] = '\0';
	is_str(buf, "MESSAGE=[sshd] Ban 192.0.2.1\nPRIORITY=5\nSYSLOG_IDENTIFIER=fail2ban.actions\n",
	    "journal: KEY=value lines");
	ok(systemd_journal_send(path, multi, 2) == 0 &&
	    (n = receive(fd, buf, sizeof(buf))) == (ssize_t)sizeof(want_multi) - 1 &&
	    memcmp(buf, want_multi, sizeof(want_multi) - 1) == 0,
	    "journal: a value with a newline as KEY, its 64-bit length, the bytes");
	close(fd);
	unlink(path);
	ok(systemd_journal_send(path, fields, 3) < 0, "journal: no socket: -1");

	api = systemd_journal_api(&err);
	ok(api != NULL, "sd-journal loaded from libsystemd.so.0 (%s)", err ? err : "ok");
	if (api) {
		static const char *const none[] = { NULL };

		ok(api->open_files(&j, (const char **)none, 0) >= 0 && j != NULL,
		    "its functions work: sd_journal_open_files");
		if (j)
			api->close(j);
		ok(systemd_journal_api(&err) == api, "loaded once");
	}
	free(err);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	if (system(path) != 0)
		return 1;
	return tap_done();
}

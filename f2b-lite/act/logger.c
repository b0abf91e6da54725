/* logger: logger(1) command lines run in-process. */
#include "logger.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "strbuf.h"
#include "systemd.h"
#include "xmalloc.h"

#define DEVLOG		"/dev/log"
#define MAX_MESSAGE	1024	/* logger's default --size */
#define MAX_TAG		64	/* longer ones go to the real logger */

/* argv as logger_native leaves it */
enum { A_NAME, A_PRI, A_TAG, A_SOCKET, A_MESSAGE, A_COUNT };

static const struct {
	const char	*name;
	int		 val;
} facilities[] = {
	{ "kern", 0 << 3 }, { "user", 1 << 3 }, { "mail", 2 << 3 }, { "daemon", 3 << 3 },
	{ "auth", 4 << 3 }, { "security", 4 << 3 }, { "syslog", 5 << 3 }, { "lpr", 6 << 3 },
	{ "news", 7 << 3 }, { "uucp", 8 << 3 }, { "cron", 9 << 3 }, { "authpriv", 10 << 3 },
	{ "ftp", 11 << 3 }, { "local0", 16 << 3 }, { "local1", 17 << 3 },
	{ "local2", 18 << 3 }, { "local3", 19 << 3 }, { "local4", 20 << 3 },
	{ "local5", 21 << 3 }, { "local6", 22 << 3 }, { "local7", 23 << 3 },
}, levels[] = {
	{ "emerg", 0 }, { "panic", 0 }, { "alert", 1 }, { "crit", 2 }, { "err", 3 },
	{ "error", 3 }, { "warning", 4 }, { "warn", 4 }, { "notice", 5 }, { "info", 6 },
	{ "debug", 7 },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* "facility.level" or "level" by name, as logger's -p; -1 for anything else */
static int
priority(const char *s)
{
	const char *dot = strchr(s, '.'), *lv = dot ? dot + 1 : s;
	int fac = 1 << 3, lev = -1;
	size_t i;

	if (dot) {
		fac = -1;
		for (i = 0; i < NELEM(facilities); i++)
			if (strlen(facilities[i].name) == (size_t)(dot - s) &&
			    strncasecmp(facilities[i].name, s, (size_t)(dot - s)) == 0)
				fac = facilities[i].val;
	}
	for (i = 0; i < NELEM(levels); i++)
		if (strcasecmp(levels[i].name, lv) == 0)
			lev = levels[i].val;
	if (fac < 0 || lev < 0)
		return -1;
	if (fac == 0)
		fac = 1 << 3;	/* logger: kern is forbidden, user instead */
	return fac | lev;
}

/*
 * The words of a line the shell would only split and unquote: plain words,
 * '...' and "..." without $, ` or \ inside.  Returns the count, or -1.
 */
static int
words(const char *p, char ***out)
{
	struct strbuf w = STRBUF_INIT;
	char **v = NULL;
	int n = 0;
	bool in_word = false;
	char q = 0;

	for (;; p++) {
		if (q == '\'' && *p != '\0') {
			if (*p == '\'')
				q = 0;
			else
				strbuf_addc(&w, *p);
			continue;
		}
		if (q == '"' && *p != '\0') {
			if (*p == '"')
				q = 0;
			else if (strchr("$`\\", *p))
				goto bad;
			else
				strbuf_addc(&w, *p);
			continue;
		}
		if (q != 0)
			goto bad;	/* the line ends inside quotes */
		if (*p == '\0' || *p == ' ' || *p == '\t') {
			if (in_word) {
				v = xrealloc(v, (size_t)(n + 2) * sizeof(*v));
				v[n++] = xstrdup(strbuf_str(&w));
				v[n] = NULL;
				strbuf_reset(&w);
				in_word = false;
			}
			if (*p == '\0')
				break;
			continue;
		}
		if (strchr("\\#&;|*?~<>^()[]{}$`!\r\n", *p))
			goto bad;
		in_word = true;
		if (*p == '\'' || *p == '"')
			q = *p;
		else
			strbuf_addc(&w, *p);
	}
	strbuf_free(&w);
	*out = v;
	return n;
bad:
	strbuf_free(&w);
	strv_free(v);
	return -1;
}

bool
logger_native(const char *line, char ***argvp, int *argcp)
{
	char **v = NULL, **a;
	const char *tag = NULL, *sock = DEVLOG;
	struct strbuf msg = STRBUF_INIT;
	int n = words(line, &v), i, pri = 1 << 3 | 5;	/* user.notice */
	bool opts = true;
	char pbuf[16];

	if (n < 2 || !(strcmp(v[0], "logger") == 0 || strcmp(v[0], "/usr/bin/logger") == 0 ||
	    strcmp(v[0], "/bin/logger") == 0))
		goto no;
	/* logger's getopt permutes: options may follow the message until "--" */
	for (i = 1; i < n; i++) {
		const char *o = v[i], *val = NULL;

		if (opts && strcmp(o, "--") == 0) {
			opts = false;
			continue;
		}
		if (!opts || o[0] != '-' || o[1] == '\0') {
			if (msg.len)
				strbuf_addc(&msg, ' ');
			strbuf_adds(&msg, o);
			continue;
		}
		if (strcmp(o, "-p") == 0 || strcmp(o, "-t") == 0 || strcmp(o, "-u") == 0 ||
		    strcmp(o, "--priority") == 0 || strcmp(o, "--tag") == 0 ||
		    strcmp(o, "--socket") == 0) {
			if (i + 1 >= n)
				goto no;
			val = v[++i];
		} else if (o[1] != '-' && strchr("ptu", o[1]) && o[2] != '\0')
			val = o + 2;	/* -tTAG */
		else if (strncmp(o, "--priority=", 11) == 0 || strncmp(o, "--tag=", 6) == 0 ||
		    strncmp(o, "--socket=", 9) == 0)
			val = strchr(o, '=') + 1;
		else
			goto no;	/* -i, -s, --rfc5424, ...: the real logger */
		switch (o[1] == '-' ? o[2] : o[1]) {
		case 'p':
			if ((pri = priority(val)) < 0)
				goto no;	/* its error message is logger's to print */
			break;
		case 't':
			tag = val;
			break;
		default:
			sock = val;
			break;
		}
	}
	/* no tag: logger's is the login name; no message: it reads stdin */
	if (tag == NULL || strlen(tag) > MAX_TAG || msg.len == 0 || msg.len >= MAX_MESSAGE ||
	    strlen(sock) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		goto no;
	snprintf(pbuf, sizeof(pbuf), "%d", pri);
	a = xcalloc(A_COUNT + 1, sizeof(*a));
	a[A_NAME] = xstrdup("logger");
	a[A_PRI] = xstrdup(pbuf);
	a[A_TAG] = xstrdup(tag);
	a[A_SOCKET] = xstrdup(sock);
	a[A_MESSAGE] = strbuf_detach(&msg);
	strv_free(v);
	*argvp = a;
	*argcp = A_COUNT;
	return true;
no:
	strbuf_free(&msg);
	strv_free(v);
	return false;
}


/* logger's unix_socket(): a datagram socket, else a stream one; -1 if neither */
static int
connect_log(const char *path, bool *stream)
{
	struct sockaddr_un sa;
	int i, fd, err;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	for (i = 0; i < 2; i++) {
		fd = socket(AF_UNIX, (i ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			*stream = i == 1;
			return fd;
		}
		err = errno;
		close(fd);
		errno = err;
	}
	return -1;
}

/*
 * The socket of the last line, kept connected: a burst of bans sends one
 * datagram each instead of a socket, a connect and a close each (a
 * syslog daemon that restarted is reconnected to at the next send, as
 * logger(1) retries once).  Close-on-exec.
 */
static struct {
	int	 fd;
	bool	 stream;
	char	*path;
} conn = { -1, false, NULL };

static void
conn_close(void)
{
	if (conn.fd >= 0)
		close(conn.fd);
	conn.fd = -1;
}

int
logger_run(int argc, char **argv, struct strbuf *msg)
{
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	char hdr[32 + MAX_TAG];
	struct iovec iov[3];
	struct msghdr mh;
	struct tm tm;
	time_t now = time(NULL);
	int i;

	if (argc != A_COUNT || strlen(argv[A_TAG]) > MAX_TAG)
		return 1;	/* not from logger_native */
	if (conn.fd >= 0 && strcmp(conn.path, argv[A_SOCKET]) != 0)
		conn_close();
	if (conn.fd < 0) {
		if ((conn.fd = connect_log(argv[A_SOCKET], &conn.stream)) < 0) {
			if (systemd_booted()) {
				strbuf_addf(msg, "logger: socket %s: %s\n", argv[A_SOCKET],
				    strerror(errno));
				return 1;
			}
			return 0;	/* logger: silent, status 0 */
		}
		free(conn.path);
		conn.path = xstrdup(argv[A_SOCKET]);
	}
	localtime_r(&now, &tm);
	snprintf(hdr, sizeof(hdr), "<%s>%s %2d %02d:%02d:%02d %s: ", argv[A_PRI],
	    months[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, argv[A_TAG]);
	iov[0].iov_base = hdr;
	iov[0].iov_len = strlen(hdr);
	iov[1].iov_base = argv[A_MESSAGE];
	iov[1].iov_len = strlen(argv[A_MESSAGE]);
	iov[2].iov_base = (char *)"\n";
	iov[2].iov_len = 1;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = conn.stream ? 3 : 2;	/* a stream needs the line's end */
	for (i = 0; i < 2; i++) {
		if (sendmsg(conn.fd, &mh, MSG_NOSIGNAL) >= 0)
			break;
		conn_close();	/* as logger: reconnect once */
		if ((conn.fd = connect_log(argv[A_SOCKET], &conn.stream)) < 0)
			break;
		mh.msg_iovlen = conn.stream ? 3 : 2;
	}
	if (i == 2 || conn.fd < 0) {
		strbuf_addf(msg, "logger: send message failed: %s\n", strerror(errno));
		conn_close();
	}
	return 0;
}

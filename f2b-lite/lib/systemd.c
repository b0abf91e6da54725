/* systemd: sd_notify, sd_booted and journal messages natively; sd-journal loaded on demand. */
#include "systemd.h"

#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "strbuf.h"
#include "xmalloc.h"

#define JOURNAL_SOCKET	"/run/systemd/journal/socket"

/* A datagram on fd to a unix socket path ('@': abstract); -1 with errno. */
static int
send_to(int fd, const char *path, const void *buf, size_t len)
{
	struct sockaddr_un sa;
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(sa.sun_path)) {
		errno = EINVAL;
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, n);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	return sendto(fd, buf, len, MSG_NOSIGNAL, (struct sockaddr *)&sa,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) < 0 ? -1 : 0;
}

/* The datagram socket the sends go out on, made once; -1 with errno. */
static int
dgram_socket(void)
{
	static int fd = -1;

	if (fd < 0)
		fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	return fd;
}

static int
send_dgram(const char *path, const void *buf, size_t len)
{
	int fd = dgram_socket();

	return fd < 0 ? -1 : send_to(fd, path, buf, len);
}

void
systemd_notify(const char *state)
{
	const char *e = getenv("NOTIFY_SOCKET");

	if (e == NULL || (e[0] != '/' && e[0] != '@'))
		return;
	send_dgram(e, state, strlen(state));
}

bool
systemd_booted(void)
{
	struct stat st;

	return lstat("/run/systemd/system/", &st) == 0 && S_ISDIR(st.st_mode);
}

int
systemd_journal_send(const char *path, const char *const *fields, size_t n)
{
	struct strbuf b = STRBUF_INIT;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		const char *f = fields[i], *eq = strchr(f, '=');

		if (eq == NULL)
			continue;
		if (strchr(eq + 1, '\n') == NULL) {
			strbuf_adds(&b, f);
		} else {
			/* KEY\n, the value's length (64-bit little endian), the value */
			uint64_t len = strlen(eq + 1);
			unsigned char le[8];
			int k;

			strbuf_add(&b, f, (size_t)(eq - f));
			strbuf_addc(&b, '\n');
			for (k = 0; k < 8; k++)
				le[k] = (unsigned char)(len >> (8 * k));
			strbuf_add(&b, (const char *)le, 8);
			strbuf_add(&b, eq + 1, (size_t)len);
		}
		strbuf_addc(&b, '\n');
	}
	rc = send_dgram(path ? path : JOURNAL_SOCKET, b.s ? b.s : "", b.len);
	strbuf_free(&b);
	return rc;
}

const struct systemd_journal_api *
systemd_journal_api(char **err)
{
	static struct systemd_journal_api api;
	static bool loaded;
	static const struct {
		const char *name;
		size_t off;
	} syms[] = {
#define SYM(f)	{ "sd_journal_" #f, offsetof(struct systemd_journal_api, f) },
		SYSTEMD_JOURNAL_FUNCS(SYM)
#undef SYM
	};
	void *h;
	size_t i;

	if (loaded)
		return &api;
	if ((h = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL)) == NULL) {
		const char *e = dlerror();

		*err = xasprintf("cannot load libsystemd.so.0 for the journal: %s",
		    e ? e : "unknown error");
		return NULL;
	}
	for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		void *p = dlsym(h, syms[i].name);

		if (p == NULL) {
			*err = xasprintf("libsystemd.so.0 has no %s", syms[i].name);
			return NULL;	/* left loaded: dlclose() of libsystemd is unsafe */
		}
		memcpy((char *)&api + syms[i].off, &p, sizeof(p));
	}
	loaded = true;
	return &api;
}

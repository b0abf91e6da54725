/*
 * usock.h: a listening Unix socket in a temp directory and clients of it,
 * for the unit tests of the modules that serve connections (control,
 * listener).
 */
#ifndef F2B_USOCK_H
#define F2B_USOCK_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/*
 * Makes the directory from dir (a mkdtemp template, changed in place) and a
 * non-blocking socket listening at dir/s, its address in *sa; -1 on error.
 */
static __attribute__((unused)) int
usock_listen(char *dir, struct sockaddr_un *sa)
{
	int fd;

	if (mkdtemp(dir) == NULL)
		return -1;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/s", dir);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0 && (bind(fd, (struct sockaddr *)sa, sizeof(*sa)) < 0 || listen(fd, 16) < 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A client connected to sa (blocking), or -1. */
static __attribute__((unused)) int
usock_connect(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0 && connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

#endif

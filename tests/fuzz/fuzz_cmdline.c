/*
 * libFuzzer target: an action command line after the ban's values were
 * filled in, as the runner splits it - which lines run in-process (ipset,
 * logger) and the argv they become.  Invariants: a line taken in-process
 * holds no shell expansion character outside quotes, and its argv is whole.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipset.h"
#include "logger.h"
#include "xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_argv(char **argv, int argc)
{
	int i;

	if (argv == NULL || argc < 1 || argv[argc] != NULL)
		abort();
	for (i = 0; i < argc; i++)
		if (argv[i] == NULL)
			abort();
}

/* the oracle: nothing the shell expands, outside quotes or inside "..." */
static void
check_unexpanded(const char *p)
{
	char q = 0;

	for (; *p; p++) {
		if (q == '\'') {
			if (*p == '\'')
				q = 0;
		} else if (q == '"') {
			if (*p == '"')
				q = 0;
			else if (strchr("$`\\", *p))
				abort();
		} else if (*p == '\'' || *p == '"')
			q = *p;
		else if (strchr("$`\\;|&<>()*?[]{}~#!\n", *p))
			abort();
	}
	if (q)
		abort();	/* an open quote */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, **argv = NULL;
	int argc = 0;

	if (memchr(data, 0, size))
		return 0;
	s = xstrndup((const char *)data, size);
	if (ipset_native(s, &argv, &argc)) {
		check_argv(argv, argc);
		if (strpbrk(s, "$`;|&<>()\n"))
			abort();	/* the shell would have done more than split */
		strv_free(argv);
	}
	argv = NULL;
	if (logger_native(s, &argv, &argc)) {
		check_argv(argv, argc);
		check_unexpanded(s);
		strv_free(argv);
	}
	free(s);
	return 0;
}

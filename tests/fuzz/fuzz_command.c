/*
 * libFuzzer target: control-socket requests (pickled command lists) through
 * the transmitter of a server with one jail, as a client could send them.
 * Commands that would touch the host (files, the configuration, the
 * process) are left out; everything else must answer or fail cleanly.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "loop.h"
#include "pickle.h"
#include "pyval.h"
#include "server.h"
#include "transmitter.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct loop *L;
static struct server *S;

static const char *const blocked[] = {
	"dbfile", "logtarget", "syslogsocket", "addlogpath", "reload", "start", "stop",
	"restart", "flushlogs", "ignorecommand", "addaction", "action", "banip", "unbanip",
	"unban", "addignoreip", "datepattern", "addjournalmatch", "dbpurgeage", NULL
};

static bool
allowed(const struct pyval *cmd)
{
	size_t i, k;

	if (pyval_type(cmd) != PY_LIST)
		return true;	/* refused by the transmitter */
	for (i = 0; i < pyval_len(cmd); i++) {
		const struct pyval *w = pyval_at(cmd, i);

		if (pyval_type(w) != PY_STR)
			continue;
		for (k = 0; blocked[k]; k++)
			if (strcmp(pyval_as_str(w), blocked[k]) == 0)
				return false;
	}
	return true;
}

static void
run(const char *const *words, size_t n)
{
	struct pyval *cmd = pyval_list(), *exc = NULL, *r;
	size_t i;

	for (i = 0; i < n; i++)
		pyval_append(cmd, pyval_str(words[i]));
	r = transmitter_proceed(S, cmd, &exc);
	pyval_free(r);
	pyval_free(exc);
	pyval_free(cmd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *err = NULL;
	struct pyval *cmd, *exc = NULL, *r;

	if (S == NULL) {
		static const char *const add[] = { "add", "j", "polling" };
		static const char *const fr[] = { "set", "j", "addfailregex", "fail from <HOST>" };

		log_set_level(LOG_LVL_CRITICAL);
		clock_set(1700000000.0);
		L = loop_new();
		S = server_create(L, transmitter_proceed);
		run(add, 3);
		run(fr, 4);
	}
	if ((cmd = pickle_load(data, size, &err)) == NULL) {
		free(err);
		return 0;
	}
	if (allowed(cmd)) {
		r = transmitter_proceed(S, cmd, &exc);
		if ((r == NULL) == (exc == NULL))
			abort();	/* an answer or an error, never both or neither */
		pyval_free(r);
		pyval_free(exc);
	}
	pyval_free(cmd);
	return 0;
}

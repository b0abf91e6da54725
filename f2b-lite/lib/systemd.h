/*
 * systemd: what f2b-lite needs of systemd.  Notifications (sd_notify),
 * the "booted with systemd" test (sd_booted) and journal messages are
 * spoken natively - they are one datagram each.  Reading the journal takes
 * sd-journal: libsystemd.so.0 is loaded the first time a journal is opened,
 * so a server without a journal jail never maps it (nor the compression
 * and crypto libraries it pulls in).  Leaf module.
 */
#ifndef F2B_SYSTEMD_H
#define F2B_SYSTEMD_H

#include <stdbool.h>
#include <stddef.h>

#include <systemd/sd-journal.h>

/* sd_notify(0, state): nothing when $NOTIFY_SOCKET is not set. */
void	 systemd_notify(const char *state);
/* sd_booted(): /run/systemd/system/ is a directory. */
bool	 systemd_booted(void);
/*
 * sd_journal_send() of the fields ("KEY=value", a value may hold newlines)
 * to journald's native socket (path: NULL for /run/systemd/journal/socket).
 * 0, or -1 with errno.
 */
int	 systemd_journal_send(const char *path, const char *const *fields, size_t n);

/*
 * The sd-journal functions journal.c uses, from libsystemd.so.0: one list,
 * made into the table's fields here and into the names looked up in
 * systemd.c.
 */
#define SYSTEMD_JOURNAL_FUNCS(X) \
	X(open) X(open_directory) X(open_files) X(open_namespace) X(close) \
	X(add_match) X(add_disjunction) X(flush_matches) X(get_fd) \
	X(get_timeout) X(process) X(next) X(previous) X(seek_head) \
	X(seek_cursor) X(seek_realtime_usec) X(test_cursor) X(get_cursor) \
	X(get_realtime_usec) X(get_monotonic_usec) X(restart_data) \
	X(enumerate_available_data)

struct systemd_journal_api {
#define SYSTEMD_JOURNAL_FIELD(f)	__typeof__(sd_journal_##f) *f;
	SYSTEMD_JOURNAL_FUNCS(SYSTEMD_JOURNAL_FIELD)
#undef SYSTEMD_JOURNAL_FIELD
};

/* Loads it on first use; NULL with *err (allocated) when it cannot. */
const struct systemd_journal_api *systemd_journal_api(char **err);

#endif

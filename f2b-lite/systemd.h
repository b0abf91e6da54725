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

/* The sd-journal functions journal.c uses, from libsystemd.so.0. */
struct systemd_journal_api {
	__typeof__(sd_journal_open)			*open;
	__typeof__(sd_journal_open_directory)		*open_directory;
	__typeof__(sd_journal_open_files)		*open_files;
	__typeof__(sd_journal_open_namespace)		*open_namespace;
	__typeof__(sd_journal_close)			*close;
	__typeof__(sd_journal_add_match)		*add_match;
	__typeof__(sd_journal_add_disjunction)		*add_disjunction;
	__typeof__(sd_journal_flush_matches)		*flush_matches;
	__typeof__(sd_journal_get_fd)			*get_fd;
	__typeof__(sd_journal_get_timeout)		*get_timeout;
	__typeof__(sd_journal_process)			*process;
	__typeof__(sd_journal_next)			*next;
	__typeof__(sd_journal_previous)			*previous;
	__typeof__(sd_journal_seek_head)		*seek_head;
	__typeof__(sd_journal_seek_cursor)		*seek_cursor;
	__typeof__(sd_journal_seek_realtime_usec)	*seek_realtime_usec;
	__typeof__(sd_journal_test_cursor)		*test_cursor;
	__typeof__(sd_journal_get_cursor)		*get_cursor;
	__typeof__(sd_journal_get_realtime_usec)	*get_realtime_usec;
	__typeof__(sd_journal_get_monotonic_usec)	*get_monotonic_usec;
	__typeof__(sd_journal_restart_data)		*restart_data;
	__typeof__(sd_journal_enumerate_available_data)	*enumerate_available_data;
};

/* Loads it on first use; NULL with *err (allocated) when it cannot. */
const struct systemd_journal_api *systemd_journal_api(char **err);

#endif

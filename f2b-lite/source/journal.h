/*
 * journal: the systemd journal as a log source, through sd-journal - the
 * systemd backend of fail2ban (server/filtersystemd.py).  Entries that pass
 * the journal matches are formatted as fail2ban formats them:
 *
 *	"<_HOSTNAME> <SYSLOG_IDENTIFIER|_COMM>[<SYSLOG_PID|_PID>]: <MESSAGE>"
 *
 * (empty or missing parts left out; "kernel:" gets "[%12.6f]" of the
 * monotonic time; newlines become "\n"; the PID as Python's int() reads it)
 * and handed over with their time (_SOURCE_REALTIME_TIMESTAMP, else the
 * entry's __REALTIME_TIMESTAMP) and fail2ban's date text for them.
 *
 * Following: the journal's inotify fd is watched in the loop, with a timer
 * as a safety net; at most a batch of entries is read per loop turn.  When
 * files are added or removed (rotation, vacuum) the journal is closed and
 * opened again and reading resumes after the last entry read, so no entry
 * is lost or repeated and no file that left the directory stays open; for
 * journalfiles the globs are expanded again and a file rotated away (found
 * by its inode under its new name) is read to its end first - unless it was
 * rotated twice before the reopen: journalpath has no such gap.  Leaf
 * module: what happens is reported to the event callback.
 */
#ifndef F2B_JOURNAL_H
#define F2B_JOURNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

struct loop;
struct journal;

/* journalflags not given: fail2ban's default (see journal_opts.flags). */
#define JOURNAL_FLAGS_DEFAULT	INT_MIN

/* Where to read and where to start; strings are copied by journal_open. */
struct journal_opts {
	const char	*path;		/* journalpath: a directory, or NULL */
	const char	*files;		/* journalfiles: globs split at spaces and commas */
	const char	*namespace;	/* namespace, or NULL */
	/*
	 * journalflags (SD_JOURNAL_*).  JOURNAL_FLAGS_DEFAULT: 0 with path or
	 * files, else $F2B_SYSTEMD_DEFAULT_FLAGS or 4 (SD_JOURNAL_SYSTEM).
	 */
	int		 flags;
	/*
	 * The matches: journalctl-style words ("FIELD=value"), "+" between
	 * OR'ed groups (several journalmatch values: join them with "+").
	 */
	const char *const *match;
	size_t		 nmatch;
	const char	*cursor;	/* start after this entry (wins over since) */
	double		 since;		/* else after this time; <= 0: from now */
};

/* One entry; valid during the callback. */
struct journal_entry {
	const char	*line;		/* formatted; may hold invalid UTF-8 */
	size_t		 len;
	double		 time;		/* seconds since the epoch */
	/* ISO 8601 local time and a space: "2024-05-01T10:00:00.5+02:00 " */
	const char	*datetext;
	const char	*cursor;
};

enum journal_event {
	JOURNAL_LIVE,		/* the backlog is read: fail2ban's "in operation" */
	JOURNAL_REOPENED,	/* opened again (files added or removed, or hourly) */
	JOURNAL_ERROR		/* could not read, seek or reopen; it retries */
};

typedef void journal_entry_fn(void *arg, const struct journal_entry *);
typedef void journal_event_fn(void *arg, enum journal_event, const char *message);

/*
 * Opens the journal and follows it; entries come from the end of this loop
 * turn.  NULL with *err (the caller frees it) when it cannot be opened or a
 * match is invalid.
 */
struct journal	*journal_open(struct loop *, const struct journal_opts *,
		    journal_entry_fn *, journal_event_fn *, void *arg, char **err);
/* Stops following (also from inside a callback). */
void		 journal_close(struct journal *);
/* The cursor of the last entry read, or NULL. */
const char	*journal_cursor(const struct journal *);
/*
 * Replaces the matches (fail2ban's addjournalmatch/deljournalmatch); the
 * position is kept.  -1 with *err, and the old matches kept, if invalid.
 */
int		 journal_set_match(struct journal *, const char *const *match,
		    size_t nmatch, char **err);
/* Checks matches without opening a journal: 0, or -1 with *err. */
int		 journal_check_match(const char *const *match, size_t nmatch,
		    char **err);
/*
 * fail2ban-regex's reader: every matching entry once, from the start (or
 * after opts->cursor, or opts->since when > 0), without a loop.  Returns
 * the number of entries, or -1 with *err when it cannot be opened.
 */
long		 journal_read_all(const struct journal_opts *, journal_entry_fn *,
		    journal_event_fn *, void *arg, char **err);

#endif

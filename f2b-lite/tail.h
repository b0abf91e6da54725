/*
 * tail: log files followed the way `tail -F` follows them - appended lines
 * as they come, rotation by rename (the old file is read to its end, then
 * the new one from its start), copytruncate and truncation (detected by
 * size and by the file's first bytes changing), files that are missing and
 * appear later.  Events come from inotify, or from a stat() poll for the
 * polling backend (and as a safety net every few seconds).
 *
 * One tail per path, shared: every subscriber (a jail) gets every line from
 * one read.  A partial last line waits for its newline.  Lines are handed
 * over without their newline ("\r\n" too); a line longer than
 * TAIL_LINE_MAX is passed cut to that length.  Leaf module: what happens to
 * a file (opened, rotated, missing, unreadable) is reported to the
 * subscribers' event callback.
 */
#ifndef F2B_TAIL_H
#define F2B_TAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct loop;
struct tail;

#define TAIL_LINE_MAX	(1 << 20)

enum tail_start { TAIL_HEAD, TAIL_TAIL };

enum tail_event {
	TAIL_OPENED,		/* detail: position read from */
	TAIL_ROTATED,		/* a new file under the path */
	TAIL_TRUNCATED,		/* the file got shorter or was rewritten */
	TAIL_ABSENT,		/* the open file left the path (perhaps rotation) */
	TAIL_PRESENT,		/* a file is back under the path after that */
	TAIL_MISSING,		/* the path does not exist: at the start, or a
				 * second after the file left */
	TAIL_ERROR		/* cannot open or read: detail is the errno */
};

typedef void tail_line_fn(void *arg, const char *line, size_t len);
typedef void tail_event_fn(void *arg, enum tail_event, const char *path, long long detail);

/*
 * Follows path (shared with other subscribers of the same path).  Reading
 * starts at the end of this loop turn.  polling: stat() every second
 * instead of inotify.
 */
struct tail	*tail_follow(struct loop *, const char *path, bool polling,
		    enum tail_start, tail_line_fn *, tail_event_fn *, void *arg);
/*
 * As tail_follow, starting at byte offset at of the file (a position kept
 * in the database; the start when the file is shorter now).
 */
struct tail	*tail_follow_at(struct loop *, const char *path, bool polling, long long at,
		    tail_line_fn *, tail_event_fn *, void *arg);
/* SHA-1 hex of the file's first line with its newline ("" if incomplete). */
void		 tail_first_line_hash(const char *path, char out[41]);
/* Stops this subscription (the file is closed with its last subscriber). */
void		 tail_unfollow(struct tail *, void *arg);
/* Reads what is there now (used at start-up and by tests). */
void		 tail_poll(struct tail *);
const char	*tail_path(const struct tail *);
/* Where the lines read so far end (a pending partial line's start). */
off_t		 tail_pos(const struct tail *);
/* Whether the file at path is, or was until it left its path, followed. */
bool		 tail_seen(const char *path);

#endif

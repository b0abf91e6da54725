/*
 * tail: log files followed the way `tail -F` follows them - appended lines
 * as they come, rotation by rename, copytruncate and truncation (detected
 * by size and by the file's first bytes changing), files that are missing
 * and appear later.  Events come from inotify, or from a stat() poll for
 * the polling backend (and as a safety net every few seconds).
 *
 * Rotation by rename: the old file is read to its end, then the new one
 * from its start; the old file stays open and is read on (its writer, e.g.
 * rsyslog until its HUP lands, may still append to it) until its writer
 * closes it (inotify IN_CLOSE_WRITE) or it has been quiet for
 * TAIL_DRAIN_SECS.  Lines stay in order within each file; none is read
 * twice.
 *
 * Only regular files are followed: anything else under the path (a FIFO,
 * a device, a directory) is reported once and skipped until the path holds
 * a regular file again.  No open or read blocks (O_NONBLOCK, fstat before
 * reading), and one loop turn reads at most TAIL_TURN_BYTES of each file
 * (the rest next turn, each file in turn).  A file is not opened when that
 * would leave fewer than TAIL_FD_RESERVE descriptors under the open files
 * limit (a quarter of the limit when that is less): it is reported once
 * and tried again every few seconds.
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
#define TAIL_TURN_BYTES	(1 << 20)	/* read from one file in one loop turn */
#define TAIL_DRAIN_SECS	5.0		/* a rotated file this quiet is left */
#define TAIL_FD_RESERVE	256		/* descriptors never taken for logs */

enum tail_start { TAIL_HEAD, TAIL_TAIL };

enum tail_event {
	TAIL_OPENED,		/* detail: position read from */
	TAIL_ROTATED,		/* a new file under the path */
	TAIL_TRUNCATED,		/* the file got shorter or was rewritten */
	TAIL_ABSENT,		/* the open file left the path (perhaps rotation) */
	TAIL_PRESENT,		/* a file is back under the path after that */
	TAIL_MISSING,		/* the path does not exist: at the start (detail
				 * 0: no file was ever followed there), or a
				 * second after the file left (detail 1) */
	TAIL_ERROR,		/* cannot open or read: detail is the errno */
	TAIL_NOTREG,		/* the path is not a regular file: detail is its
				 * type (st_mode & S_IFMT); skipped until it is */
	TAIL_NOFD,		/* not opened, too few descriptors left: detail
				 * is the open files limit; tried again later */
	TAIL_LEFT		/* a file that left the path is no longer read:
				 * detail is the bytes read from it since */
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
/*
 * SHA-1 hex of the first line (with its newline) of the regular file at
 * path, "" if it has none (or not within 64 KiB, or path is no regular
 * file).  Never blocks; reads at most 64 KiB.
 */
void		 tail_first_line_hash(const char *path, char out[41]);
/*
 * The same hash of the file open under the path now, worked out once per
 * opened file; "" while it has no whole first line, NULL when no file is
 * open.  Owned by the tail, valid until the next loop turn.
 */
const char	*tail_hash(struct tail *);
/* Stops this subscription (the file is closed with its last subscriber). */
void		 tail_unfollow(struct tail *, void *arg);
/* Reads what is there now (used at start-up and by tests), within the bounds. */
void		 tail_poll(struct tail *);
const char	*tail_path(const struct tail *);
/*
 * Where the lines read so far from the file open under the path end (a
 * pending partial line's start); -1 when no file is open.
 */
off_t		 tail_pos(const struct tail *);
/* What TAIL_NOTREG's detail is, for a message ("a FIFO", "a directory"...). */
const char	*tail_kind(long long type);
/* Whether the file at path is, or was until it left its path, followed. */
bool		 tail_seen(const char *path);

#endif

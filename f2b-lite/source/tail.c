/* tail: follow log files through appends, rotation and truncation. */
#include "tail.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loop.h"
#include "sha1.h"
#include "strbuf.h"
#include "xmalloc.h"

#define HEADLEN		64	/* first bytes compared to see a rewritten file */
#define POLL_SECS	1.0	/* the polling backend */
#define SAFETY_SECS	5.0	/* inotify's safety net */
#define READ_CHUNK	(256 * 1024)
#define ABSENT_SECS	1.0	/* a path gone this long is reported missing */
#define NGONE		4	/* files that left a path, remembered */
#define HASH_MAX	65536	/* a first line longer than this has no hash */

#define FILE_EVENTS	(IN_MODIFY | IN_ATTRIB | IN_MOVE_SELF | IN_DELETE_SELF | IN_CLOSE_WRITE)

/* Bytes of a file from some offset on, cut into lines. */
struct lines {
	off_t		 pos;		/* next byte to read */
	struct strbuf	 part;		/* the partial last line */
	off_t		 part_at;	/* its offset in the file */
	bool		 part_cut;	/* over TAIL_LINE_MAX: the rest is dropped */
	bool		 dropping;	/* started mid-line: skip to the next newline */
};

/*
 * An open file: the one under the path now (tail->cur), or one that left
 * the path and is still read until its writer is done with it (tail->old).
 */
struct file {
	int		 fd;
	dev_t		 dev;
	ino_t		 ino;
	int		 wd;		/* its inotify watch, -1: none */
	struct lines	 in;
	unsigned char	 head[HEADLEN];	/* its first bytes: a rewrite changes them */
	size_t		 nhead;
	unsigned long	 serial;	/* the path's opening it came from */
	char		 hash[41];	/* its first line's hash, "" until known */
	bool		 hash_done;	/* hash is final (or there is none) */
	off_t		 hash_upto;	/* bytes looked at for the first line */
	bool		 more;		/* the last read stopped at the turn's bound */
	/* after it left the path */
	double		 last_growth;
	bool		 writer_closed;	/* IN_CLOSE_WRITE */
	bool		 done;		/* rewritten: nothing more of it is ours */
	long long	 after;		/* bytes read since it left */
	struct file	*next;
};

struct sub {
	tail_line_fn	*line;
	tail_event_fn	*ev;
	void		*arg;
	enum tail_start	 start;
	long long	 at;		/* start offset, -1: by start */
	off_t		 from;		/* lines of the current file starting before are not for it */
	bool		 gone;
	unsigned long	 joined;	/* the path's openings when it came */
	struct lines	*cu;		/* joined an open file: its [from, now) still due */
};

/* A file that was read under the path, left it, and is closed now. */
struct gone {
	dev_t		 dev;
	ino_t		 ino;
	off_t		 pos;		/* where reading stopped (a whole line's end) */
	unsigned char	 head[HEADLEN];	/* its first bytes: an inode number is reused */
	size_t		 nhead;
};

/* A line (no newline, no "\r") that starts at offset at. */
typedef void line_fn(void *arg, const char *line, size_t len, off_t at);

struct tail {
	struct loop	*loop;
	char		*path, *dir, *base;
	bool		 polling;
	struct file	*cur;		/* open under the path now, or NULL */
	struct file	*old;		/* left the path, still read; newest first */
	unsigned long	 nopened;	/* files opened under the path so far */
	struct sub	*subs;
	size_t		 nsubs, capsubs;
	int		 dispatching;
	int		 wd_dir;
	struct loop_timer *timer;	/* the start, then the poll or safety net */
	double		 timer_at;
	struct loop_timer *pump;	/* reading due in this turn */
	bool		 started, want_check;
	double		 absent_since;	/* the open file left the path (0: not) */
	struct gone	 gone[NGONE];	/* newest first */
	/* what was said about the path, said again only when it changes */
	bool		 reported_missing, reported_nofd;
	int		 reported_errno, reported_type;
	struct tail	*next;
};

/* Why a path was not opened. */
struct why {
	enum tail_event	 ev;		/* TAIL_MISSING, _ERROR, _NOTREG or _NOFD */
	long long	 detail;
};

static struct tail *tails;		/* every followed path */
static int ino_fd = -1;
static struct loop *ino_loop;
static char *readbuf;

static void on_timer(void *);
static void on_pump(void *);

/* ---- events to subscribers ---------------------------------------------- */

static void
emit(struct tail *t, enum tail_event e, long long detail)
{
	size_t i;

	t->dispatching++;
	for (i = 0; i < t->nsubs; i++)
		if (!t->subs[i].gone && t->subs[i].ev)
			t->subs[i].ev(t->subs[i].arg, e, t->path, detail);
	t->dispatching--;
}

/* The file lines are read from, for deliver(). */
struct feed {
	struct tail	*t;
	struct file	*f;
};

static void
deliver(void *arg, const char *line, size_t len, off_t at)
{
	struct feed *fe = arg;
	struct tail *t = fe->t;
	bool current = fe->f == t->cur;
	size_t i;

	t->dispatching++;
	for (i = 0; i < t->nsubs; i++) {
		struct sub *s = &t->subs[i];

		/* a file that left the path: for those that were there when it was read */
		if (!s->gone && s->cu == NULL && (current ? at >= s->from : s->joined <=
		    fe->f->serial))
			s->line(s->arg, line, len);
	}
	t->dispatching--;
}

/* ---- the files ---------------------------------------------------------- */

/* Whether a file other than except has the watch wd (two paths to one file share it). */
static bool
watch_shared(const struct file *except, int wd)
{
	const struct tail *o;
	const struct file *f;

	for (o = tails; o; o = o->next) {
		if (o->cur && o->cur != except && o->cur->wd == wd)
			return true;
		for (f = o->old; f; f = f->next)
			if (f != except && f->wd == wd)
				return true;
	}
	return false;
}

static void
file_close(struct file *f)
{
	if (f->wd >= 0 && ino_fd >= 0 && !watch_shared(f, f->wd))
		inotify_rm_watch(ino_fd, f->wd);
	close(f->fd);
	strbuf_free(&f->in.part);
	free(f);
}

static void
remember_head(struct file *f)
{
	ssize_t n;

	if (f->nhead == HEADLEN)
		return;
	n = pread(f->fd, f->head, HEADLEN, 0);
	f->nhead = n > 0 ? (size_t)n : 0;
}

/* Whether the file was truncated or rewritten under us. */
static bool
rewritten(const struct file *f, const struct stat *st)
{
	unsigned char now[HEADLEN];
	ssize_t n;

	if (st->st_size < f->in.pos)
		return true;
	if (f->nhead == 0)
		return false;
	n = pread(f->fd, now, f->nhead, 0);
	return n != (ssize_t)f->nhead || memcmp(now, f->head, f->nhead) != 0;
}

/*
 * Opens path for reading if it is a regular file, without blocking: a
 * FIFO or a device is not even opened (one put there after the stat() is
 * opened O_NONBLOCK and closed), and the descriptor reserve is left alone.
 * Returns the descriptor with st filled, or -1 and why.
 */
static int
open_regular(const char *path, struct stat *st, struct why *w)
{
	struct rlimit rl;
	int fd, e;

	if (stat(path, st) < 0) {
		w->ev = errno == ENOENT || errno == ENOTDIR ? TAIL_MISSING : TAIL_ERROR;
		w->detail = errno;
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		w->ev = TAIL_NOTREG;
		w->detail = st->st_mode & S_IFMT;
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) < 0) {
		e = errno;
		if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
			rl.rlim_cur = 0;
		w->ev = e == EMFILE || e == ENFILE ? TAIL_NOFD : e == ENOENT || e == ENOTDIR ?
		    TAIL_MISSING : TAIL_ERROR;
		w->detail = w->ev == TAIL_NOFD ? (long long)rl.rlim_cur : e;
		return -1;
	}
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		w->ev = S_ISREG(st->st_mode) ? TAIL_ERROR : TAIL_NOTREG;
		w->detail = S_ISREG(st->st_mode) ? errno : (long long)(st->st_mode & S_IFMT);
		close(fd);
		return -1;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		rlim_t keep = rl.rlim_cur / 4 < TAIL_FD_RESERVE ? rl.rlim_cur / 4 :
		    TAIL_FD_RESERVE;

		/* descriptors are handed out lowest first: fd + 1 are in use */
		if ((rlim_t)fd + keep >= rl.rlim_cur) {
			close(fd);
			w->ev = TAIL_NOFD;
			w->detail = (long long)rl.rlim_cur;
			return -1;
		}
	}
	return fd;
}

/* Says why the path was not opened, once for each reason. */
static void
report(struct tail *t, const struct why *w)
{
	switch (w->ev) {
	case TAIL_MISSING:
		if (t->reported_missing)
			return;
		t->reported_missing = true;
		break;
	case TAIL_NOTREG:
		if (t->reported_type == (int)w->detail)
			return;
		t->reported_type = (int)w->detail;
		break;
	case TAIL_NOFD:
		if (t->reported_nofd)
			return;
		t->reported_nofd = true;
		break;
	default:
		if (t->reported_errno == (int)w->detail)
			return;
		t->reported_errno = (int)w->detail;
		break;
	}
	emit(t, w->ev, w->detail);
}

/* The first line's hash of f once it has one (looked for again only when f grew). */
static void
file_hash(struct file *f)
{
	char buf[HASH_MAX];
	const char *nl;
	ssize_t n;

	if (f->hash_done || f->in.pos <= f->hash_upto)
		return;
	if ((n = pread(f->fd, buf, sizeof(buf), 0)) <= 0)
		return;
	f->hash_upto = n;
	if ((nl = memchr(buf, '\n', (size_t)n)) != NULL) {
		sha1_hex(buf, (size_t)(nl + 1 - buf), f->hash);
		f->hash_done = true;
	} else if (n == (ssize_t)sizeof(buf))
		f->hash_done = true;	/* none: fail2ban reads further, we do not */
}

/* A line to fn, without a "\r" before its newline. */
static void
emit_line(line_fn *fn, void *arg, const char *line, size_t len, off_t at)
{
	if (len > 0 && line[len - 1] == '\r')
		len--;
	fn(arg, line, len, at);
}

/* buf (n bytes at L->pos) cut into lines for fn; a partial last line waits. */
static void
consume(struct lines *L, const char *buf, size_t n, line_fn *fn, void *arg)
{
	const char *p = buf, *end = buf + n;

	if (L->dropping) {
		const char *nl = memchr(p, '\n', n);

		if (nl == NULL) {
			L->pos += (off_t)n;
			return;
		}
		L->dropping = false;
		L->pos += (off_t)(nl + 1 - p);
		n -= (size_t)(nl + 1 - p);
		buf = p = nl + 1;
		end = buf + n;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		off_t at = L->pos + (p - buf);

		if (L->part.len == 0 && !L->part_cut)
			L->part_at = at;
		if (nl && L->part.len == 0 && !L->part_cut)
			emit_line(fn, arg, p, len, at);		/* the common case: no copy */
		else {
			size_t room = TAIL_LINE_MAX - L->part.len;

			if (len > room) {
				L->part_cut = true;
				len = room;
			}
			strbuf_add(&L->part, p, len);
			if (nl) {
				emit_line(fn, arg, L->part.s, L->part.len, L->part_at);
				strbuf_reset(&L->part);
				L->part_cut = false;
			}
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	L->pos += (off_t)n;
}

/* Reading starts at offset at of fd: inside a line, the next line is the first. */
static void
lines_start(struct lines *L, int fd, off_t at)
{
	char c;

	L->pos = at;
	if (at > 0 && pread(fd, &c, 1, at - 1) == 1 && c != '\n') {
		L->part_cut = false;
		L->part_at = at;
		L->dropping = true;
	}
}

static void
lines_reset(struct lines *L)
{
	L->pos = 0;
	strbuf_reset(&L->part);
	L->part_cut = false;
	L->dropping = false;
}

/* Where the last whole line read ends: a pending partial line's start. */
static off_t
line_pos(const struct lines *L)
{
	return L->part.len > 0 || L->part_cut || L->dropping ? L->part_at : L->pos;
}

/* Subscribers catching up on the current file give up (it changed). */
static void
drop_catchups(struct tail *t)
{
	size_t i;

	for (i = 0; i < t->nsubs; i++) {
		t->subs[i].from = 0;
		if (t->subs[i].cu) {
			strbuf_free(&t->subs[i].cu->part);
			free(t->subs[i].cu);
			t->subs[i].cu = NULL;
		}
	}
}

/*
 * Reads f on from where it stopped, TAIL_TURN_BYTES at most (fstat first:
 * nothing is read when it did not grow); true when there may be more.
 */
static bool
read_file(struct tail *t, struct file *f)
{
	struct feed fe = { t, f };
	size_t left = TAIL_TURN_BYTES;
	struct stat st;
	ssize_t n = 0;

	f->more = false;
	if (fstat(f->fd, &st) < 0)
		return false;
	if (rewritten(f, &st)) {
		if (f != t->cur) {
			f->done = true;		/* a rotated file rewritten: not ours any more */
			return false;
		}
		/* a new text: all of it is for everyone */
		lines_reset(&f->in);
		f->nhead = 0;
		f->hash[0] = '\0';
		f->hash_done = false;
		f->hash_upto = 0;
		drop_catchups(t);
		emit(t, TAIL_TRUNCATED, 0);
	}
	if (st.st_size <= f->in.pos)
		return false;
	if (readbuf == NULL)
		readbuf = xmalloc(READ_CHUNK);
	while (left > 0 && (n = pread(f->fd, readbuf, left < READ_CHUNK ? left : READ_CHUNK,
	    f->in.pos)) > 0) {
		consume(&f->in, readbuf, (size_t)n, deliver, &fe);
		left -= (size_t)n;
		if (f != t->cur)
			f->after += n;
		f->last_growth = loop_now();
	}
	if (n < 0 && errno != EAGAIN && errno != EINTR && f == t->cur && t->reported_errno != errno) {
		t->reported_errno = errno;
		emit(t, TAIL_ERROR, errno);
	}
	remember_head(f);
	f->more = left == 0;
	return f->more;
}

/* ---- inotify ------------------------------------------------------------ */

static void
schedule(struct tail *t)
{
	if (t->pump == NULL)
		t->pump = loop_timer_add(t->loop, 0, on_pump, t);
}

/* Events only say what to look at; the reading is done once per turn (on_pump). */
static void
on_inotify(void *arg, int fd, uint32_t events)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	(void)arg;
	(void)events;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		const char *p = buf;

		while (p < buf + n) {
			const struct inotify_event *ie = (const void *)p;
			struct tail *t;
			struct file *f;

			p += sizeof(*ie) + ie->len;
			for (t = tails; t; t = t->next) {
				bool hit = false;

				if (!t->started)
					continue;
				if (ie->mask & IN_Q_OVERFLOW)	/* events were lost: look at every path */
					hit = t->want_check = true;
				else if (ie->wd == t->wd_dir) {
					if (ie->mask & IN_IGNORED) {
						/* the directory is gone: watched again once back */
						t->wd_dir = -1;
						hit = t->want_check = true;
					} else if (ie->len && strcmp(ie->name, t->base) == 0)
						hit = t->want_check = true;
				} else if (t->cur && ie->wd == t->cur->wd) {
					hit = true;
					if (ie->mask & (IN_MOVE_SELF | IN_DELETE_SELF | IN_ATTRIB))
						t->want_check = true;
				} else
					for (f = t->old; f; f = f->next)
						if (ie->wd == f->wd) {
							hit = true;
							if (ie->mask & IN_CLOSE_WRITE)
								f->writer_closed = true;
						}
				if (hit)
					schedule(t);
			}
		}
	}
}

static bool
inotify_ready(struct tail *t)
{
	if (t->polling)
		return false;
	if (ino_fd < 0) {
		if ((ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0) {
			t->polling = true;	/* no inotify: poll */
			return false;
		}
		ino_loop = t->loop;
		loop_fd_add(t->loop, ino_fd, EPOLLIN, on_inotify, NULL);
	}
	return true;
}

static void
watch_dir(struct tail *t)
{
	if (inotify_ready(t) && t->wd_dir < 0)
		t->wd_dir = inotify_add_watch(ino_fd, t->dir, IN_CREATE | IN_MOVED_TO |
		    IN_DELETE | IN_MOVED_FROM | IN_MASK_ADD);
}

/* The open file itself is watched (not whatever is at the path by now). */
static void
watch_file(struct tail *t, struct file *f)
{
	char proc[64];

	if (!inotify_ready(t) || f->wd >= 0)
		return;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", f->fd);
	if ((f->wd = inotify_add_watch(ino_fd, proc, FILE_EVENTS)) < 0)
		f->wd = inotify_add_watch(ino_fd, t->path, FILE_EVENTS);
}

/* ---- opening and rotation ----------------------------------------------- */

/* The timer (poll, safety net, absence, a rotated file's quiet) no later than delay. */
static void
arm(struct tail *t, double delay)
{
	double at = loop_now() + delay;

	if (t->timer && t->timer_at <= at)
		return;
	loop_timer_cancel(t->loop, t->timer);
	t->timer = loop_timer_add(t->loop, delay, on_timer, t);
	t->timer_at = at;
}

/* The timer for the first of the rotated files to become quiet. */
static void
arm_quiet(struct tail *t)
{
	const struct file *f;
	double now = loop_now();

	for (f = t->old; f; f = f->next) {
		double d = f->last_growth + TAIL_DRAIN_SECS - now;

		arm(t, d > 0 ? d + 0.01 : 0);
	}
}

/* Takes f off the list of files that left the path. */
static void
unlink_old(struct tail *t, struct file *f)
{
	struct file **pp;

	for (pp = &t->old; *pp; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	f->next = NULL;
}

/* A file is under the path again after it was absent. */
static void
present(struct tail *t)
{
	if (t->absent_since != 0) {
		t->absent_since = 0;
		emit(t, TAIL_PRESENT, 0);
	}
}

/*
 * Opens the path.  resume < 0: where each subscription starts (head, tail
 * or its offset); else at that offset for everyone (0: a new file).
 */
static void
open_file(struct tail *t, off_t resume)
{
	struct stat st;
	struct why w;
	struct file *f;
	int fd;
	size_t i;

	if ((fd = open_regular(t->path, &st, &w)) < 0) {
		if (w.ev == TAIL_MISSING)
			w.detail = t->nopened > 0;	/* a file was followed there */
		report(t, &w);
		return;
	}
	f = xcalloc(1, sizeof(*f));
	f->fd = fd;
	f->wd = -1;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->serial = ++t->nopened;
	f->last_growth = loop_now();
	t->cur = f;
	t->reported_missing = t->reported_nofd = false;
	t->reported_errno = t->reported_type = 0;
	present(t);
	if (resume < 0) {
		off_t first = st.st_size;

		for (i = 0; i < t->nsubs; i++) {
			struct sub *s = &t->subs[i];

			if (s->at >= 0)
				s->from = s->at <= st.st_size ? (off_t)s->at : 0;
			else
				s->from = s->start == TAIL_HEAD ? 0 : st.st_size;
			if (s->from < first)
				first = s->from;
		}
		lines_start(&f->in, fd, first);
	} else {
		f->in.pos = resume <= st.st_size ? resume : 0;
		drop_catchups(t);
	}
	remember_head(f);
	watch_file(t, f);
	emit(t, TAIL_OPENED, (long long)f->in.pos);
}

/*
 * The open file left the path (renamed or deleted): read what it holds now,
 * then kept open and read on, as its writer may not know yet.
 */
static void
leave(struct tail *t)
{
	struct file *f = t->cur;

	read_file(t, f);
	t->cur = NULL;
	f->after = 0;
	f->last_growth = loop_now();
	f->writer_closed = false;
	f->next = t->old;
	t->old = f;
	arm_quiet(t);
}

/* A file that left the path is done with: closed, kept in mind. */
static void
retire(struct tail *t, struct file *f)
{
	unlink_old(t, f);
	memmove(t->gone + 1, t->gone, (NGONE - 1) * sizeof(*t->gone));
	t->gone[0].dev = f->dev;
	t->gone[0].ino = f->ino;
	t->gone[0].pos = line_pos(&f->in);
	memcpy(t->gone[0].head, f->head, f->nhead);
	t->gone[0].nhead = f->nhead;
	emit(t, TAIL_LEFT, f->after);
	file_close(f);
}

/* A file that left the path and is back under it, still open: read on from where it was. */
static void
resume_old(struct tail *t, struct file *f)
{
	unlink_old(t, f);
	f->serial = ++t->nopened;
	t->cur = f;
	drop_catchups(t);
	present(t);
}

/*
 * The file at path (stat st) if it is one that left and was closed: the
 * same device, inode and first bytes (fail2ban's test is the inode and the
 * first line).
 */
static const struct gone *
find_gone(const struct tail *t, const char *path, const struct stat *st)
{
	unsigned char now[HEADLEN];
	struct stat st2;
	struct why w;
	size_t i;
	ssize_t n;
	int fd;

	for (i = 0; i < NGONE; i++) {
		const struct gone *g = &t->gone[i];

		if ((g->dev == 0 && g->ino == 0) || g->dev != st->st_dev || g->ino != st->st_ino)
			continue;
		if ((fd = open_regular(path, &st2, &w)) < 0)
			return NULL;
		n = pread(fd, now, g->nhead, 0);
		close(fd);
		return n == (ssize_t)g->nhead && memcmp(now, g->head, g->nhead) == 0 ? g : NULL;
	}
	return NULL;
}

/* The still open file that left the path and is the one at st, if any. */
static struct file *
find_old(const struct tail *t, const struct stat *st)
{
	struct file *f;

	/* open: its inode cannot have been reused */
	for (f = t->old; f; f = f->next)
		if (f->dev == st->st_dev && f->ino == st->st_ino)
			return f;
	return NULL;
}

static bool
old_pending(const struct tail *t)
{
	const struct file *f;

	for (f = t->old; f; f = f->next)
		if (f->more)
			return true;
	return false;
}

/* Looks at what is under the path now. */
static void
check_path(struct tail *t)
{
	const struct gone *g;
	struct file *f;
	struct stat st;

	if (t->wd_dir < 0)
		watch_dir(t);	/* a directory that did not exist, or was removed */
	if (stat(t->path, &st) < 0) {
		if (t->cur) {
			/* perhaps rotation: missing only if it stays away */
			leave(t);
			t->absent_since = loop_now();
			emit(t, TAIL_ABSENT, 0);
			arm(t, ABSENT_SECS);
		} else if (!t->reported_missing && (t->absent_since == 0 ||
		    loop_now() - t->absent_since >= ABSENT_SECS)) {
			emit(t, TAIL_MISSING, t->nopened > 0);
			t->reported_missing = true;
		}
		return;
	}
	if (t->cur && st.st_ino == t->cur->ino && st.st_dev == t->cur->dev)
		return;		/* the same file: the pump reads it */
	if (t->cur) {
		leave(t);	/* rotated by rename */
		emit(t, TAIL_ROTATED, 0);
	}
	if (old_pending(t)) {
		/* the old file to its end first (a turn's read at a time) */
		t->want_check = true;
		return;
	}
	if ((f = find_old(t, &st)) != NULL) {
		resume_old(t, f);
		return;
	}
	/* a file read before comes back: on from there; else all of it is new */
	g = find_gone(t, t->path, &st);
	open_file(t, g ? g->pos : 0);
}

static void
to_sub(void *arg, const char *line, size_t len, off_t at)
{
	struct sub *s = arg;

	(void)at;
	if (!s->gone)
		s->line(s->arg, line, len);
}

/*
 * Subscribers that joined an open file get the lines read before them, up
 * to where the others are, a turn's read at a time (new lines wait for
 * them); true while some are not done.
 */
static bool
catch_up(struct tail *t)
{
	bool more = false;
	size_t i;

	if (t->cur == NULL)
		return false;
	if (readbuf == NULL)
		readbuf = xmalloc(READ_CHUNK);
	t->dispatching++;
	for (i = 0; i < t->nsubs; i++) {
		struct sub *s = &t->subs[i];
		off_t end = line_pos(&t->cur->in);
		size_t left = TAIL_TURN_BYTES;
		ssize_t n;

		if (s->cu == NULL)
			continue;
		while (!s->gone && left > 0 && s->cu->pos < end) {
			size_t want = end - s->cu->pos < (off_t)READ_CHUNK ?
			    (size_t)(end - s->cu->pos) : READ_CHUNK;

			if (want > left)
				want = left;
			if ((n = pread(t->cur->fd, readbuf, want, s->cu->pos)) <= 0)
				break;
			consume(s->cu, readbuf, (size_t)n, to_sub, s);
			left -= (size_t)n;
		}
		if (s->gone || s->cu->pos >= end || left > 0) {
			/* there (or cannot read on): new lines from now on */
			strbuf_free(&s->cu->part);
			free(s->cu);
			s->cu = NULL;
		} else
			more = true;
	}
	t->dispatching--;
	return more;
}

/*
 * One turn's reading: the files that left the path (each left once its
 * writer closed it or it was quiet), what is under the path now, and the
 * subscribers catching up.  Each file gets one bounded read.
 */
static void
pump(struct tail *t)
{
	struct file *f, *next;
	bool more = false;
	double now = loop_now();

	for (f = t->old; f; f = next) {
		next = f->next;
		more |= read_file(t, f);
		if (!f->more && (f->done || f->writer_closed ||
		    now - f->last_growth >= TAIL_DRAIN_SECS))
			retire(t, f);
	}
	if (t->want_check) {
		t->want_check = false;
		check_path(t);		/* may leave a file, and want another look */
	}
	if (t->cur)
		more |= read_file(t, t->cur);
	more |= catch_up(t);
	if (more || t->want_check)
		schedule(t);		/* the next turn, after everyone else's */
	if (t->old)
		arm_quiet(t);
}

static void
on_pump(void *arg)
{
	struct tail *t = arg;

	t->pump = NULL;
	pump(t);
}

static void
on_timer(void *arg)
{
	struct tail *t = arg;

	t->timer = NULL;
	if (!t->started) {
		t->started = true;
		open_file(t, -1);
		watch_dir(t);
	} else
		t->want_check = true;
	if (t->pump == NULL)
		pump(t);
	arm(t, t->polling ? POLL_SECS : SAFETY_SECS);
}

void
tail_first_line_hash(const char *path, char out[41])
{
	struct file f;
	struct stat st;
	struct why w;

	out[0] = '\0';
	memset(&f, 0, sizeof(f));
	if ((f.fd = open_regular(path, &st, &w)) < 0)
		return;
	f.in.pos = st.st_size;
	file_hash(&f);
	close(f.fd);
	memcpy(out, f.hash, sizeof(f.hash));
}

const char *
tail_hash(struct tail *t)
{
	if (t->cur == NULL)
		return NULL;
	file_hash(t->cur);
	return t->cur->hash;
}

/* ---- subscriptions ------------------------------------------------------ */

/* A subscription; at >= 0: from that offset, else by start. */
static struct tail *
subscribe(struct loop *l, const char *path, bool polling, enum tail_start start,
    long long at, tail_line_fn *line, tail_event_fn *ev, void *arg)
{
	struct tail *t;
	struct sub *s;
	char *d, *b;

	for (t = tails; t; t = t->next)
		if (strcmp(t->path, path) == 0)
			break;
	if (t == NULL) {
		t = xcalloc(1, sizeof(*t));
		t->loop = l;
		t->path = xstrdup(path);
		d = xstrdup(path);
		b = xstrdup(path);
		t->dir = xstrdup(dirname(d));
		t->base = xstrdup(basename(b));
		free(d);
		free(b);
		t->polling = polling;
		t->wd_dir = -1;
		t->next = tails;
		tails = t;
		t->timer = loop_timer_add(l, 0, on_timer, t);
		t->timer_at = loop_now();
	} else if (polling)
		t->polling = true;
	t->subs = xgrow(t->subs, &t->capsubs, t->nsubs + 1, sizeof(*t->subs));
	s = &t->subs[t->nsubs++];
	memset(s, 0, sizeof(*s));
	s->line = line;
	s->ev = ev;
	s->arg = arg;
	s->start = start;
	s->at = at;
	s->joined = t->nopened;
	if (t->started && t->cur) {
		/* the file is open: what was read before is due to this one too */
		off_t now = line_pos(&t->cur->in);
		off_t want = at >= 0 ? (off_t)at : start == TAIL_HEAD ? 0 : now;

		s->from = t->cur->in.pos;
		if (want < now) {
			s->from = want;
			s->cu = xcalloc(1, sizeof(*s->cu));
			lines_start(s->cu, t->cur->fd, want);
			schedule(t);
		}
	}
	return t;
}

struct tail *
tail_follow(struct loop *l, const char *path, bool polling, enum tail_start start,
    tail_line_fn *line, tail_event_fn *ev, void *arg)
{
	return subscribe(l, path, polling, start, -1, line, ev, arg);
}

struct tail *
tail_follow_at(struct loop *l, const char *path, bool polling, long long at,
    tail_line_fn *line, tail_event_fn *ev, void *arg)
{
	return subscribe(l, path, polling, TAIL_HEAD, at, line, ev, arg);
}

static void
tail_free(struct tail *t)
{
	struct tail **pp;
	bool dir_shared = false;
	struct tail *o;
	struct file *f;

	for (pp = &tails; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	for (o = tails; o; o = o->next)
		if (o->wd_dir == t->wd_dir)
			dir_shared = true;
	if (t->wd_dir >= 0 && !dir_shared && ino_fd >= 0)
		inotify_rm_watch(ino_fd, t->wd_dir);
	if (t->cur)
		file_close(t->cur);
	while ((f = t->old) != NULL) {
		t->old = f->next;
		file_close(f);
	}
	loop_timer_cancel(t->loop, t->timer);
	loop_timer_cancel(t->loop, t->pump);
	drop_catchups(t);
	free(t->subs);
	free(t->path);
	free(t->dir);
	free(t->base);
	free(t);
	if (tails == NULL) {
		if (ino_fd >= 0) {
			loop_fd_del(ino_loop, ino_fd);
			close(ino_fd);
		}
		ino_fd = -1;
		free(readbuf);
		readbuf = NULL;
	}
}

void
tail_unfollow(struct tail *t, void *arg)
{
	size_t i, live = 0;

	for (i = 0; i < t->nsubs; i++) {
		if (t->subs[i].arg == arg)
			t->subs[i].gone = true;
		if (!t->subs[i].gone)
			live++;
	}
	if (t->dispatching)
		return;		/* compacted by a later call */
	for (i = 0; i < t->nsubs; )
		if (t->subs[i].gone) {
			if (t->subs[i].cu) {
				strbuf_free(&t->subs[i].cu->part);
				free(t->subs[i].cu);
			}
			t->subs[i] = t->subs[--t->nsubs];
		} else
			i++;
	if (live == 0)
		tail_free(t);
}

void
tail_poll(struct tail *t)
{
	if (!t->started) {
		loop_timer_cancel(t->loop, t->timer);
		t->timer = NULL;
		on_timer(t);
	} else {
		t->want_check = true;
		pump(t);
	}
}

const char *
tail_path(const struct tail *t)
{
	return t->path;
}

off_t
tail_pos(const struct tail *t)
{
	/* a partial line is read again from its start */
	return t->cur ? line_pos(&t->cur->in) : -1;
}

bool
tail_seen(const char *path)
{
	const struct tail *t;
	struct stat st;

	if (stat(path, &st) < 0)
		return false;
	for (t = tails; t; t = t->next)
		if ((t->cur && t->cur->dev == st.st_dev && t->cur->ino == st.st_ino) ||
		    find_old(t, &st) != NULL || find_gone(t, path, &st) != NULL)
			return true;
	return false;
}

const char *
tail_kind(long long type)
{
	static const struct {
		mode_t		 type;
		const char	*name;
	} kinds[] = {
		{ S_IFIFO, "a FIFO" }, { S_IFCHR, "a character device" },
		{ S_IFBLK, "a block device" }, { S_IFDIR, "a directory" },
		{ S_IFSOCK, "a socket" }, { S_IFLNK, "a symbolic link" },
	};
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if ((mode_t)type == kinds[i].type)
			return kinds[i].name;
	return "not a regular file";
}

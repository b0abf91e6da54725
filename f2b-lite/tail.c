/* tail: follow log files through appends, rotation and truncation. */
#include "tail.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
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

struct sub {
	tail_line_fn	*line;
	tail_event_fn	*ev;
	void		*arg;
	enum tail_start	 start;
	long long	 at;		/* start offset, -1: by start */
	off_t		 from;		/* lines starting before are not for it */
	bool		 gone;
	bool		 catchup;	/* joined an open file: [from, pos) still due */
};

/* A file that was read under the path and left it (renamed or deleted). */
struct gone {
	dev_t		 dev;
	ino_t		 ino;
	off_t		 pos;		/* where reading stopped (a whole line's end) */
	unsigned char	 head[HEADLEN];	/* its first bytes: an inode number is reused */
	size_t		 nhead;
};

/* Bytes of a file from some offset on, cut into lines. */
struct lines {
	off_t		 pos;		/* next byte to read */
	struct strbuf	 part;		/* the partial last line */
	off_t		 part_at;	/* its offset in the file */
	bool		 part_cut;	/* over TAIL_LINE_MAX: the rest is dropped */
	bool		 dropping;	/* started mid-line: skip to the next newline */
};

/* A line (no newline, no "\r") that starts at offset at. */
typedef void line_fn(void *arg, const char *line, size_t len, off_t at);

struct tail {
	struct loop	*loop;
	char		*path, *dir, *base;
	bool		 polling;
	int		 fd;
	dev_t		 dev;
	ino_t		 ino;
	struct lines	 in;		/* the file read into lines */
	unsigned char	 head[HEADLEN];
	size_t		 nhead;
	struct sub	*subs;
	size_t		 nsubs, capsubs;
	int		 dispatching;
	int		 wd_file, wd_dir;
	struct loop_timer *timer;
	struct loop_timer *catchup;	/* subscribers joining an open file */
	bool		 started, reported_missing;
	double		 absent_since;	/* the open file left the path (0: not) */
	struct gone	 gone[NGONE];	/* newest first */
	int		 reported_errno;
	struct tail	*next;
};

static struct tail *tails;		/* every followed path */
static int ino_fd = -1;
static struct loop *ino_loop;
static char *readbuf;

static void open_file(struct tail *, off_t resume);
static void check_path(struct tail *);
static void on_timer(void *);

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

static void
deliver(void *arg, const char *line, size_t len, off_t at)
{
	struct tail *t = arg;
	size_t i;

	t->dispatching++;
	for (i = 0; i < t->nsubs; i++)
		if (!t->subs[i].gone && !t->subs[i].catchup && at >= t->subs[i].from)
			t->subs[i].line(t->subs[i].arg, line, len);
	t->dispatching--;
}

/* ---- reading ------------------------------------------------------------ */

/* Whether another tail has the watch wd (two paths to one file share it). */
static bool
watch_shared(const struct tail *t, int wd)
{
	const struct tail *o;

	for (o = tails; o; o = o->next)
		if (o != t && o->wd_file == wd)
			return true;
	return false;
}

static void
close_file(struct tail *t)
{
	if (t->wd_file >= 0 && ino_fd >= 0 && !watch_shared(t, t->wd_file))
		inotify_rm_watch(ino_fd, t->wd_file);
	t->wd_file = -1;
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	strbuf_reset(&t->in.part);
	t->in.part_cut = false;
	t->in.dropping = false;
}

static void
remember_head(struct tail *t)
{
	ssize_t n;

	if (t->nhead == HEADLEN || t->fd < 0)
		return;
	n = pread(t->fd, t->head, HEADLEN, 0);
	t->nhead = n > 0 ? (size_t)n : 0;
}

/* Whether the file was truncated or rewritten under us. */
static bool
rewritten(struct tail *t, const struct stat *st)
{
	unsigned char now[HEADLEN];
	ssize_t n;

	if (st->st_size < t->in.pos)
		return true;
	if (t->nhead == 0)
		return false;
	n = pread(t->fd, now, t->nhead, 0);
	return n != (ssize_t)t->nhead || memcmp(now, t->head, t->nhead) != 0;
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
read_more(struct tail *t)
{
	struct stat st;
	ssize_t n;

	if (t->fd < 0)
		return;
	if (fstat(t->fd, &st) == 0 && rewritten(t, &st)) {
		size_t i;

		/* a new text: all of it is for everyone */
		t->in.pos = 0;
		t->nhead = 0;
		strbuf_reset(&t->in.part);
		t->in.part_cut = false;
		t->in.dropping = false;
		for (i = 0; i < t->nsubs; i++) {
			t->subs[i].from = 0;
			t->subs[i].catchup = false;
		}
		emit(t, TAIL_TRUNCATED, 0);
	}
	if (readbuf == NULL)
		readbuf = xmalloc(READ_CHUNK);
	while ((n = pread(t->fd, readbuf, READ_CHUNK, t->in.pos)) > 0) {
		consume(&t->in, readbuf, (size_t)n, deliver, t);
		if (t->fd < 0)
			return;		/* a subscriber closed us */
	}
	if (n < 0 && errno != EAGAIN && errno != EINTR && t->reported_errno != errno) {
		t->reported_errno = errno;
		emit(t, TAIL_ERROR, errno);
	}
	remember_head(t);
}

/* ---- inotify ------------------------------------------------------------ */

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
			struct tail *t, *next;

			if (ie->mask & IN_Q_OVERFLOW) {
				/* events were lost: look at every path now */
				for (t = tails; t; t = next) {
					next = t->next;
					if (t->started)
						check_path(t);
				}
				p += sizeof(*ie) + ie->len;
				continue;
			}
			for (t = tails; t; t = next) {
				next = t->next;
				if (ie->wd == t->wd_file) {
					read_more(t);
					if (ie->mask & (IN_MOVE_SELF | IN_DELETE_SELF | IN_ATTRIB))
						check_path(t);
				} else if (ie->wd == t->wd_dir && ie->len &&
				    strcmp(ie->name, t->base) == 0)
					check_path(t);
			}
			p += sizeof(*ie) + ie->len;
		}
	}
}

static void
watch(struct tail *t)
{
	if (t->polling)
		return;
	if (ino_fd < 0) {
		if ((ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0) {
			t->polling = true;	/* no inotify: poll */
			return;
		}
		ino_loop = t->loop;
		loop_fd_add(t->loop, ino_fd, EPOLLIN, on_inotify, NULL);
	}
	if (t->wd_dir < 0)
		t->wd_dir = inotify_add_watch(ino_fd, t->dir, IN_CREATE | IN_MOVED_TO |
		    IN_DELETE | IN_MOVED_FROM | IN_MASK_ADD);
	if (t->fd >= 0 && t->wd_file < 0)
		t->wd_file = inotify_add_watch(ino_fd, t->path, IN_MODIFY | IN_ATTRIB |
		    IN_MOVE_SELF | IN_DELETE_SELF);
}

/* ---- opening and rotation ----------------------------------------------- */

/*
 * Opens the path.  resume < 0: where each subscription starts (head, tail
 * or its offset); else at that offset for everyone (0: a new file).
 */
static void
open_file(struct tail *t, off_t resume)
{
	struct stat st;
	int fd = open(t->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), fst;
	size_t i;

	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR) {
			if (!t->reported_missing)
				emit(t, TAIL_MISSING, 0);
			t->reported_missing = true;
		} else if (t->reported_errno != errno) {
			t->reported_errno = errno;
			emit(t, TAIL_ERROR, errno);
		}
		return;
	}
	fst = fstat(fd, &st);
	if (fst < 0 || S_ISDIR(st.st_mode)) {
		int e = fst < 0 ? errno : EISDIR;

		close(fd);
		if (t->reported_errno != e) {
			t->reported_errno = e;
			emit(t, TAIL_ERROR, e);
		}
		return;
	}
	t->fd = fd;
	t->dev = st.st_dev;
	t->ino = st.st_ino;
	t->in.pos = 0;
	t->nhead = 0;
	t->reported_missing = false;
	t->reported_errno = 0;
	if (t->absent_since != 0) {
		t->absent_since = 0;
		emit(t, TAIL_PRESENT, 0);
	}
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
		lines_start(&t->in, fd, first);
	} else {
		t->in.pos = resume <= st.st_size ? resume : 0;
		for (i = 0; i < t->nsubs; i++)
			t->subs[i].from = 0;
	}
	remember_head(t);
	watch(t);
	emit(t, TAIL_OPENED, (long long)t->in.pos);
	read_more(t);
}

/* Where the last whole line read ends: a pending partial line's start. */
static off_t
line_pos(const struct tail *t)
{
	return t->in.part.len > 0 || t->in.part_cut || t->in.dropping ? t->in.part_at : t->in.pos;
}

/* The open file left the path (renamed or deleted): read to its end, kept in mind. */
static void
leave(struct tail *t)
{
	read_more(t);
	if (t->fd < 0)
		return;
	memmove(t->gone + 1, t->gone, (NGONE - 1) * sizeof(*t->gone));
	t->gone[0].dev = t->dev;
	t->gone[0].ino = t->ino;
	t->gone[0].pos = line_pos(t);
	memcpy(t->gone[0].head, t->head, t->nhead);
	t->gone[0].nhead = t->nhead;
	close_file(t);
}

/*
 * The file at path (stat st) if it is one that left: the same device,
 * inode and first bytes (fail2ban's test is the inode and the first line).
 */
static const struct gone *
find_gone(const struct tail *t, const char *path, const struct stat *st)
{
	unsigned char now[HEADLEN];
	size_t i;
	ssize_t n;
	int fd;

	for (i = 0; i < NGONE; i++) {
		const struct gone *g = &t->gone[i];

		if ((g->dev == 0 && g->ino == 0) || g->dev != st->st_dev || g->ino != st->st_ino)
			continue;
		if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
			return NULL;
		n = pread(fd, now, g->nhead, 0);
		close(fd);
		return n == (ssize_t)g->nhead && memcmp(now, g->head, g->nhead) == 0 ? g : NULL;
	}
	return NULL;
}

static void
check_path(struct tail *t)
{
	const struct gone *g;
	struct stat st;

	if (stat(t->path, &st) < 0) {
		if (t->fd >= 0) {
			/* perhaps rotation: missing only if it stays away */
			leave(t);
			t->absent_since = loop_now();
			emit(t, TAIL_ABSENT, 0);
			loop_timer_cancel(t->loop, t->timer);
			t->timer = loop_timer_add(t->loop, ABSENT_SECS, on_timer, t);
		} else if (!t->reported_missing && (t->absent_since == 0 ||
		    loop_now() - t->absent_since >= ABSENT_SECS)) {
			emit(t, TAIL_MISSING, 0);
			t->reported_missing = true;
		}
		return;
	}
	if (t->fd >= 0 && st.st_ino == t->ino && st.st_dev == t->dev) {
		read_more(t);
		return;
	}
	if (t->fd >= 0) {
		leave(t);	/* rotated by rename: the old file to its end */
		emit(t, TAIL_ROTATED, 0);
	}
	/* a file read before comes back: on from there; else all of it is new */
	g = find_gone(t, t->path, &st);
	open_file(t, g ? g->pos : 0);
}

static void
on_timer(void *arg)
{
	struct tail *t = arg;

	t->timer = NULL;
	if (!t->started) {
		t->started = true;
		open_file(t, -1);
		watch(t);
	} else
		check_path(t);
	if (t->timer == NULL)	/* check_path may have set a sooner one */
		t->timer = loop_timer_add(t->loop, t->polling ? POLL_SECS : SAFETY_SECS,
		    on_timer, t);
}

void
tail_first_line_hash(const char *path, char out[41])
{
	char buf[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	char *nl;

	out[0] = '\0';
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n > 0 && (nl = memchr(buf, '\n', (size_t)n)) != NULL)
		sha1_hex(buf, (size_t)(nl + 1 - buf), out);
}

/* ---- subscriptions ------------------------------------------------------ */

static void
to_sub(void *arg, const char *line, size_t len, off_t at)
{
	struct sub *s = arg;

	(void)at;
	if (!s->gone)
		s->line(s->arg, line, len);
}

/*
 * Lines of [from, end) to subscriber s catching up (from: a line's start
 * or a place inside one, then the next line is the first).
 */
static void
catch_up_sub(struct tail *t, struct sub *s, off_t end)
{
	struct lines L = { 0 };
	ssize_t n;

	lines_start(&L, t->fd, s->from);
	if (readbuf == NULL)
		readbuf = xmalloc(READ_CHUNK);
	while (L.pos < end && (n = pread(t->fd, readbuf,
	    (size_t)(end - L.pos < READ_CHUNK ? end - L.pos : READ_CHUNK), L.pos)) > 0)
		consume(&L, readbuf, (size_t)n, to_sub, s);
	strbuf_free(&L.part);
}

/* The subscribers that joined an open file get the lines read before them. */
static void
on_catchup(void *arg)
{
	struct tail *t = arg;
	off_t end = line_pos(t);
	size_t i;

	t->catchup = NULL;
	t->dispatching++;
	for (i = 0; i < t->nsubs; i++) {
		struct sub *s = &t->subs[i];

		if (s->catchup && !s->gone && t->fd >= 0 && s->from < end)
			catch_up_sub(t, s, end);
		s->catchup = false;
	}
	t->dispatching--;
}

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
		t->fd = t->wd_file = t->wd_dir = -1;
		t->next = tails;
		tails = t;
		t->timer = loop_timer_add(l, 0, on_timer, t);
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
	s->from = 0;
	if (t->started) {
		/* the file is open: what was read before is due to this one too */
		off_t want = at >= 0 ? (off_t)at : start == TAIL_HEAD ? 0 : line_pos(t);

		s->from = t->in.pos;
		if (t->fd >= 0 && want < line_pos(t)) {
			s->from = want;
			s->catchup = true;
			if (t->catchup == NULL)
				t->catchup = loop_timer_add(l, 0, on_catchup, t);
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
	close_file(t);
	loop_timer_cancel(t->loop, t->timer);
	loop_timer_cancel(t->loop, t->catchup);
	strbuf_free(&t->in.part);
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
		if (t->subs[i].gone)
			t->subs[i] = t->subs[--t->nsubs];
		else
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
	} else
		check_path(t);
}

const char *
tail_path(const struct tail *t)
{
	return t->path;
}

off_t
tail_pos(const struct tail *t)
{
	return line_pos(t);	/* a partial line is read again from its start */
}

bool
tail_seen(const char *path)
{
	const struct tail *t;
	struct stat st;

	if (stat(path, &st) < 0)
		return false;
	for (t = tails; t; t = t->next)
		if ((t->fd >= 0 && t->dev == st.st_dev && t->ino == st.st_ino) ||
		    find_gone(t, path, &st) != NULL)
			return true;
	return false;
}

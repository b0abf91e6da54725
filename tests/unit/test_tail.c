/*
 * Unit tests for tail: appended lines, a partial line waiting for its
 * newline, rotation by rename (the old file read to its end first, and on
 * while its writer still appends), copytruncate, a file that appears
 * later, head and tail start positions, with inotify and with polling;
 * what must never block or spin (a FIFO, a device that never ends), the
 * bound on one turn's read, the first-line hash kept with the open file,
 * and the descriptor reserve.  Every wait is for a condition, with a
 * deadline.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loop.h"
#include "sha1.h"
#include "strbuf.h"
#include "tail.h"
#include "tap.h"

static struct loop *L;
static struct strbuf got = STRBUF_INIT;
static int rotations, notreg, nofd, left, missing;
static long long notreg_type;

static void
on_line(void *arg, const char *line, size_t len)
{
	(void)arg;
	strbuf_add(&got, line, len);
	strbuf_addc(&got, '|');
}

static void
on_event(void *arg, enum tail_event e, const char *path, long long d)
{
	(void)arg;
	(void)path;
	switch (e) {
	case TAIL_ROTATED:
	case TAIL_TRUNCATED:
		rotations++;
		break;
	case TAIL_NOTREG:
		notreg++;
		notreg_type = d;
		break;
	case TAIL_NOFD:
		nofd++;
		break;
	case TAIL_LEFT:
		left++;
		break;
	case TAIL_MISSING:
		missing++;
		break;
	default:
		break;
	}
}

/* lines into the strbuf given as the subscription's argument */
static void
on_line_to(void *arg, const char *line, size_t len)
{
	strbuf_add(arg, line, len);
	strbuf_addc(arg, '|');
}

static void
count_line(void *arg, const char *line, size_t len)
{
	(void)line;
	(void)len;
	(*(unsigned long *)arg)++;
}

static void stop(void *arg) { (void)arg; loop_stop(L); }

/* One turn of the loop at least, and the timers due by then. */
static void
spin(double secs)
{
	loop_timer_add(L, secs, stop, NULL);
	loop_run(L);
}

/* Runs the loop until b reads want (true) or secs have passed. */
static bool
wait_str(const struct strbuf *b, const char *want, double secs)
{
	double end = loop_now() + secs;

	while (strcmp(strbuf_str(b), want) != 0) {
		if (loop_now() >= end)
			return false;
		spin(0.005);
	}
	return true;
}

/* Runs the loop until *v >= want or secs have passed. */
static bool
wait_count(const int *v, int want, double secs)
{
	double end = loop_now() + secs;

	while (*v < want) {
		if (loop_now() >= end)
			return false;
		spin(0.005);
	}
	return true;
}

static void
append(const char *path, const char *text)
{
	FILE *f = fopen(path, "a");

	fputs(text, f);
	fclose(f);
}

static void
run_cmd(const char *fmt, const char *a, const char *b)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), fmt, a, b);
	if (system(cmd) != 0)
		exit(1);
}

static void
run(bool polling)
{
	char dir[] = "/tmp/f2b-tail.XXXXXX", path[256], old[256], copy[300];
	const char *mode = polling ? "polling" : "inotify";
	double w = 3.0;		/* deadline: the poll interval is a second */
	struct tail *t;

	if (mkdtemp(dir) == NULL)
		exit(1);
	snprintf(path, sizeof(path), "%s/log", dir);
	snprintf(old, sizeof(old), "%s/log.1", dir);
	append(path, "before 1\nbefore 2\n");
	strbuf_reset(&got);
	rotations = 0;
	t = tail_follow(L, path, polling, TAIL_HEAD, on_line, on_event, NULL);
	wait_str(&got, "before 1|before 2|", w);
	is_str(strbuf_str(&got), "before 1|before 2|", "%s: head reads what is there", mode);
	append(path, "a\nb");
	wait_str(&got, "before 1|before 2|a|", w);
	spin(polling ? 1.1 : 0.05);	/* a poll (or an event) with "b" alone */
	is_str(strbuf_str(&got), "before 1|before 2|a|", "%s: partial line waits", mode);
	append(path, "c\n");
	wait_str(&got, "before 1|before 2|a|bc|", w);
	is_str(strbuf_str(&got), "before 1|before 2|a|bc|", "%s: and comes whole", mode);
	strbuf_reset(&got);
	append(path, "last of old\n");
	rename(path, old);
	append(old, "late in old\n");
	append(path, "first of new\n");
	wait_str(&got, "last of old|late in old|first of new|", w);
	is_str(strbuf_str(&got), "last of old|late in old|first of new|",
	    "%s: rename rotation: the old file to its end, then the new one", mode);
	ok(rotations >= 1, "%s: rotation reported", mode);
	/* the writer of the old file appends on until it is told (rsyslog's HUP) */
	append(old, "later in old\n");
	wait_str(&got, "last of old|late in old|first of new|later in old|", w);
	is_str(strbuf_str(&got), "last of old|late in old|first of new|later in old|",
	    "%s: a line appended to the renamed file after the new one came is read", mode);
	strbuf_reset(&got);
	append(path, "before truncate\n");
	wait_str(&got, "before truncate|", w);
	snprintf(copy, sizeof(copy), "%s.2", path);
	run_cmd("cp %s %s", path, copy);
	run_cmd("truncate -s0 %s%s", path, "");
	append(path, "after\n");
	wait_str(&got, "before truncate|after|", w);
	is_str(strbuf_str(&got), "before truncate|after|", "%s: copytruncate: read from the start",
	    mode);
	strbuf_reset(&got);
	missing = 0;
	unlink(path);
	wait_count(&missing, 1, w);
	ok(missing == 1, "%s: a deleted file is reported missing", mode);
	append(path, "reborn\n");
	wait_str(&got, "reborn|", w);
	is_str(strbuf_str(&got), "reborn|", "%s: a deleted file that comes back is read whole",
	    mode);
	tail_unfollow(t, NULL);
	run_cmd("rm -rf %s%s", dir, "");
}

/* What the first review of tail found: each was a line lost or read twice. */
static void
edge_cases(const char *dir)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	char path[256], moved[256];
	struct tail *t;

	/* truncation with a subscription that started at the end */
	snprintf(path, sizeof(path), "%s/trunc", dir);
	append(path, "old line 1\nold line 2\nold line 3\n");
	t = tail_follow(L, path, false, TAIL_TAIL, on_line_to, NULL, &a);
	spin(0.05);
	run_cmd("truncate -s0 %s%s", path, "");
	append(path, "new 1\n");
	wait_str(&a, "new 1|", 2);
	is_str(strbuf_str(&a), "new 1|",
	    "truncated below where a tail-mode subscription started: new lines still come");
	/* the position of a partial line is its start (the database keeps it) */
	append(path, "half a li");
	spin(0.1);
	is_int((int)tail_pos(t), 6, "tail_pos: a partial last line is not counted as read");
	append(path, "ne\n");
	wait_str(&a, "new 1|half a line|", 2);
	is_int((int)tail_pos(t), 18, "and is once it is whole");
	tail_unfollow(t, &a);

	/* started in the middle of a line, then rotated: the new file whole */
	strbuf_reset(&a);
	snprintf(path, sizeof(path), "%s/mid", dir);
	snprintf(moved, sizeof(moved), "%s/mid.1", dir);
	append(path, "done\nunfinished");
	t = tail_follow(L, path, false, TAIL_TAIL, on_line_to, NULL, &a);
	spin(0.05);
	rename(path, moved);
	append(path, "first\nsecond\n");
	wait_str(&a, "first|second|", 2);
	is_str(strbuf_str(&a), "first|second|",
	    "a tail that started mid-line: the next file's first line is not skipped");

	/* moved away and back: nothing read twice */
	strbuf_reset(&a);
	rename(path, moved);
	spin(0.1);
	rename(moved, path);
	spin(0.1);
	append(path, "third\n");
	wait_str(&a, "third|", 2);
	is_str(strbuf_str(&a), "third|", "a file moved away and back goes on where it was");

	/* a second subscriber joining an open file gets what was read before it */
	t = tail_follow(L, path, false, TAIL_HEAD, on_line_to, NULL, &b);
	append(path, "fourth\n");
	wait_str(&b, "first|second|third|fourth|", 2);
	is_str(strbuf_str(&b), "first|second|third|fourth|",
	    "a head subscription joining an open file: the file from its start, in order");
	is_str(strbuf_str(&a), "third|fourth|", "the first subscriber gets each line once");
	tail_unfollow(t, &b);
	strbuf_reset(&b);
	t = tail_follow_at(L, path, false, 8, on_line_to, NULL, &b);
	wait_str(&b, "third|fourth|", 2);
	is_str(strbuf_str(&b), "third|fourth|",
	    "joining at an offset inside a line: from the next line on");

	/* a file rotated away by rename is known; another is not */
	snprintf(moved, sizeof(moved), "%s/mid.2", dir);
	rename(path, moved);
	append(path, "fifth\n");
	wait_str(&b, "third|fourth|fifth|", 2);
	ok(tail_seen(moved), "tail_seen: the file rotated away from a followed path");
	ok(tail_seen(path), "tail_seen: the file followed now");
	snprintf(moved, sizeof(moved), "%s/trunc", dir);
	ok(!tail_seen(moved), "tail_seen: a file nobody follows");
	tail_unfollow(t, &a);
	tail_unfollow(t, &b);
	strbuf_free(&a);
	strbuf_free(&b);
}

/*
 * Rotation by rename with a writer that keeps the old file open and
 * appends to it after the new file came (rsyslog until its HUP lands):
 * every line once, in order within each file; the old file is left when
 * its writer closes it, or after it has been quiet a while; the position
 * is the new file's.
 */
static void
drain_cases(const char *dir)
{
	char path[256], moved[256];
	struct tail *t;
	FILE *w;

	snprintf(path, sizeof(path), "%s/drain", dir);
	snprintf(moved, sizeof(moved), "%s/drain.1", dir);
	strbuf_reset(&got);
	left = 0;
	w = fopen(path, "a");
	fputs("o1\n", w);
	fflush(w);
	t = tail_follow(L, path, false, TAIL_HEAD, on_line, on_event, NULL);
	wait_str(&got, "o1|", 2);
	rename(path, moved);
	append(path, "n1\n");
	wait_str(&got, "o1|n1|", 2);
	fputs("o2\n", w);		/* the writer does not know yet */
	fflush(w);
	wait_str(&got, "o1|n1|o2|", 2);
	append(path, "n2\n");
	wait_str(&got, "o1|n1|o2|n2|", 2);	/* in order within each file only */
	fputs("o3\no", w);
	fflush(w);
	wait_str(&got, "o1|n1|o2|n2|o3|", 2);
	spin(0.05);
	is_str(strbuf_str(&got), "o1|n1|o2|n2|o3|",
	    "lines appended to the renamed file while the new one grows: each once");
	ok(left == 0, "the renamed file is still read while its writer has it open");
	is_int((int)tail_pos(t), 6, "tail_pos is the new file's position");
	fputs("4\n", w);
	fclose(w);			/* its HUP: the writer closes it */
	wait_count(&left, 1, 2);
	is_str(strbuf_str(&got), "o1|n1|o2|n2|o3|o4|", "the last line before the writer closed it");
	ok(left == 1, "the renamed file is left once its writer closed it (IN_CLOSE_WRITE)");
	append(moved, "o5\n");
	append(path, "n3\n");
	wait_str(&got, "o1|n1|o2|n2|o3|o4|n3|", 2);
	spin(0.05);
	is_str(strbuf_str(&got), "o1|n1|o2|n2|o3|o4|n3|", "and not read after that");
	ok(tail_seen(moved), "the file left is still known (tail_seen)");

	/* a writer that never closes: left once quiet for TAIL_DRAIN_SECS */
	strbuf_reset(&got);
	left = 0;
	unlink(moved);
	w = fopen(path, "a");
	rename(path, moved);
	append(path, "m1\n");
	wait_str(&got, "m1|", 2);
	fputs("q1\n", w);
	fflush(w);
	wait_str(&got, "m1|q1|", 2);
	ok(left == 0, "a renamed file with a writer that stays silent: still read");
	wait_count(&left, 1, TAIL_DRAIN_SECS + 3);
	ok(left == 1, "and left after %.0f quiet seconds", TAIL_DRAIN_SECS);
	fputs("q2\n", w);
	fclose(w);
	append(path, "m2\n");
	wait_str(&got, "m1|q1|m2|", 2);
	spin(0.05);
	is_str(strbuf_str(&got), "m1|q1|m2|", "nothing of it after that");
	tail_unfollow(t, NULL);
}

/* The first line's hash: kept with the open file, never read from the path again. */
static void
hash_cases(const char *dir)
{
	char path[256], moved[256], want[41], h[41];
	struct tail *t;
	const char *th;

	snprintf(path, sizeof(path), "%s/hash", dir);
	snprintf(moved, sizeof(moved), "%s/hash.1", dir);
	strbuf_reset(&got);
	append(path, "partial first");
	t = tail_follow(L, path, true, TAIL_HEAD, on_line, on_event, NULL);
	tail_poll(t);
	th = tail_hash(t);
	is_str(th, "", "tail_hash: \"\" while the first line is not whole");
	append(path, " line\nsecond\n");
	tail_poll(t);
	sha1_hex("partial first line\n", 19, want);
	is_str(tail_hash(t), want, "tail_hash: SHA-1 of the first line with its newline");
	tail_first_line_hash(path, h);
	is_str(h, want, "tail_first_line_hash agrees");
	/* polling: the tail has not looked at the path since */
	rename(path, moved);
	append(path, "another file\n");
	is_str(tail_hash(t), want, "tail_hash is the open file's, not whatever the path holds now");
	tail_poll(t);
	sha1_hex("another file\n", 13, want);
	is_str(tail_hash(t), want, "and the new file's once it is opened");
	unlink(path);
	tail_poll(t);
	ok(tail_hash(t) == NULL && tail_pos(t) == -1, "no file open: no hash, no position");
	tail_unfollow(t, NULL);
	if (mkfifo(path, 0600) == 0) {
		tail_first_line_hash(path, h);
		is_str(h, "", "tail_first_line_hash of a FIFO: \"\" at once (no blocking open)");
		unlink(path);
	}
	unlink(moved);
}

/* path (not a regular file) replaced by one holding text: all read is want; t ends. */
static void
regular_again(struct tail *t, const char *path, const char *text, const char *want,
    const char *name)
{
	unlink(path);
	append(path, text);
	wait_str(&got, want, 2);
	is_str(strbuf_str(&got), want, "%s", name);
	tail_unfollow(t, NULL);
	unlink(path);
}

/* Things that are not regular files: reported once, never opened, never read. */
static void
notreg_cases(const char *dir)
{
	char path[256], fifo[256];
	struct tail *t;
	double t0;

	snprintf(path, sizeof(path), "%s/dev", dir);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	strbuf_reset(&got);
	notreg = 0;
	if (symlink("/dev/zero", path) < 0)
		exit(1);
	t = tail_follow(L, path, false, TAIL_HEAD, on_line, on_event, NULL);
	t0 = loop_now();
	spin(0.1);
	ok(loop_now() - t0 < 1, "a link to /dev/zero: the loop turns (%.3f s for 0.1 s)",
	    loop_now() - t0);
	ok(notreg == 1 && notreg_type == S_IFCHR && got.len == 0,
	    "reported once as a character device (%d, %s), nothing read", notreg,
	    tail_kind(notreg_type));
	tail_poll(t);
	tail_poll(t);
	ok(notreg == 1, "and not again while it stays one");
	regular_again(t, path, "regular again\n", "regular again|",
	    "followed once it is a regular file again");

	/* a followed log rotated to a FIFO (no writer: a blocking open would hang) */
	strbuf_reset(&got);
	notreg = 0;
	append(path, "line 1\n");
	t = tail_follow(L, path, false, TAIL_HEAD, on_line, on_event, NULL);
	wait_str(&got, "line 1|", 2);
	if (mkfifo(fifo, 0600) < 0 || rename(fifo, path) < 0)
		exit(1);
	t0 = loop_now();
	wait_count(&notreg, 1, 2);
	ok(notreg == 1 && notreg_type == S_IFIFO, "a FIFO under the path: reported (%s), in %.3f s",
	    tail_kind(notreg_type), loop_now() - t0);
	ok(tail_hash(t) == NULL, "no hash for it (nothing opened)");
	regular_again(t, path, "line 2\n", "line 1|line 2|", "then a regular file again: read whole");
}

/* One turn reads at most TAIL_TURN_BYTES of a file; two big files take turns. */
static void
bound_cases(const char *dir)
{
	char p1[256], p2[256];
	unsigned long n1 = 0, n2 = 0, total = 0, turns = 0;
	struct tail *t1, *t2;
	char line[100];
	FILE *f1, *f2;
	int i;

	snprintf(p1, sizeof(p1), "%s/big1", dir);
	snprintf(p2, sizeof(p2), "%s/big2", dir);
	f1 = fopen(p1, "w");
	f2 = fopen(p2, "w");
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\n';
	for (i = 0; i < 4 * TAIL_TURN_BYTES / (int)sizeof(line); i++) {
		fwrite(line, 1, sizeof(line), f1);
		fwrite(line, 1, sizeof(line), f2);
		total++;
	}
	fclose(f1);
	fclose(f2);
	t1 = tail_follow(L, p1, false, TAIL_HEAD, count_line, NULL, &n1);
	t2 = tail_follow(L, p2, false, TAIL_HEAD, count_line, NULL, &n2);
	spin(0);	/* one turn: the start */
	ok(n1 > 0 && n1 <= TAIL_TURN_BYTES / sizeof(line) + 1 &&
	    n2 > 0 && n2 <= TAIL_TURN_BYTES / sizeof(line) + 1,
	    "one turn reads at most %d bytes of each file (%lu and %lu of %lu lines)",
	    TAIL_TURN_BYTES, n1, n2, total);
	while ((n1 < total || n2 < total) && turns < 100) {
		spin(0);
		turns++;
		if (n1 < total && n2 < total && (n1 > n2 + TAIL_TURN_BYTES / sizeof(line) + 1 ||
		    n2 > n1 + TAIL_TURN_BYTES / sizeof(line) + 1))
			break;
	}
	ok(n1 == total && n2 == total, "the rest in the next turns, the files in turn (%lu turns)",
	    turns);
	tail_unfollow(t1, &n1);
	tail_unfollow(t2, &n2);
	unlink(p1);
	unlink(p2);
}

/* With few descriptors left, files are not opened: the reserve stays free. */
static void
fd_cases(const char *dir)
{
	struct rlimit saved, low;
	struct tail *t[40];
	char path[256];
	int i, opened = 0, fd, first_free;

	if (getrlimit(RLIMIT_NOFILE, &saved) < 0)
		exit(1);
	low = saved;
	low.rlim_cur = 32;	/* a reserve of 8 */
	if (setrlimit(RLIMIT_NOFILE, &low) < 0) {
		ok(1, "# SKIP cannot lower RLIMIT_NOFILE");
		return;
	}
	nofd = 0;
	strbuf_reset(&got);
	for (i = 0; i < 40; i++) {
		snprintf(path, sizeof(path), "%s/many%d", dir, i);
		append(path, "x\n");
		t[i] = tail_follow(L, path, false, TAIL_HEAD, on_line, on_event, NULL);
	}
	spin(0.05);
	for (i = 0; i < 40; i++)
		opened += tail_hash(t[i]) != NULL;
	fd = open("/dev/null", O_RDONLY);
	first_free = fd;
	if (fd >= 0)
		close(fd);
	ok(opened > 0 && opened < 40 && nofd == 40 - opened,
	    "limit 32: %d files opened, the %d others reported", opened, nofd);
	ok(first_free >= 0 && first_free <= 32 - 8,
	    "8 descriptors are left (the lowest free is %d)", first_free);
	for (i = 0; i < 40; i++)
		tail_unfollow(t[i], NULL);
	setrlimit(RLIMIT_NOFILE, &saved);
}

int
main(void)
{
	char dir[] = "/tmp/f2b-tail.XXXXXX", path[256];
	struct tail *t;

	L = loop_new();
	run(false);
	run(true);

	/* tail mode and a file that appears later */
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/log", dir);
	append(path, "old\n");
	strbuf_reset(&got);
	t = tail_follow(L, path, false, TAIL_TAIL, on_line, on_event, NULL);
	spin(0.05);
	append(path, "new\n");
	wait_str(&got, "new|", 2);
	is_str(strbuf_str(&got), "new|", "tail starts at the end");
	tail_unfollow(t, NULL);
	snprintf(path, sizeof(path), "%s/later", dir);
	strbuf_reset(&got);
	t = tail_follow(L, path, false, TAIL_HEAD, on_line, on_event, NULL);
	spin(0.05);
	append(path, "hello\n");
	wait_str(&got, "hello|", 2);
	is_str(strbuf_str(&got), "hello|", "a file that appears later is followed");
	tail_unfollow(t, NULL);
	/* in a directory that appears later: watched once it is there (safety net) */
	snprintf(path, sizeof(path), "%s/later.d/log", dir);
	strbuf_reset(&got);
	t = tail_follow(L, path, false, TAIL_HEAD, on_line, on_event, NULL);
	spin(0.05);
	snprintf(path, sizeof(path), "%s/later.d", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/later.d/log", dir);
	append(path, "in a new directory\n");
	wait_str(&got, "in a new directory|", 8);
	append(path, "and on\n");
	wait_str(&got, "in a new directory|and on|", 1);
	is_str(strbuf_str(&got), "in a new directory|and on|",
	    "a file in a directory that appears later: followed, with inotify from then on");
	tail_unfollow(t, NULL);
	edge_cases(dir);
	drain_cases(dir);
	hash_cases(dir);
	notreg_cases(dir);
	bound_cases(dir);
	fd_cases(dir);
	run_cmd("rm -rf %s%s", dir, "");
	strbuf_free(&got);
	loop_free(L);
	return tap_done();
}

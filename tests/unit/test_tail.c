/*
 * Unit tests for tail: appended lines, a partial line waiting for its
 * newline, rotation by rename (the old file read to its end first),
 * copytruncate, a file that appears later, head and tail start positions,
 * with inotify and with polling.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "loop.h"
#include "strbuf.h"
#include "tail.h"
#include "tap.h"

static struct loop *L;
static struct strbuf got = STRBUF_INIT;
static int rotations;

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
	(void)d;
	if (e == TAIL_ROTATED || e == TAIL_TRUNCATED)
		rotations++;
}

/* lines into the strbuf given as the subscription's argument */
static void
on_line_to(void *arg, const char *line, size_t len)
{
	strbuf_add(arg, line, len);
	strbuf_addc(arg, '|');
}

static void stop(void *arg) { (void)arg; loop_stop(L); }

static void
spin(double secs)
{
	loop_timer_add(L, secs, stop, NULL);
	loop_run(L);
}

static void
append(const char *path, const char *text)
{
	FILE *f = fopen(path, "a");

	fputs(text, f);
	fclose(f);
}

static void
run(bool polling)
{
	char dir[] = "/tmp/f2b-tail.XXXXXX", path[256], old[256], cmd[1024];
	struct tail *t;
	double w = polling ? 1.3 : 0.1;	/* the poll interval is a second */

	if (mkdtemp(dir) == NULL)
		exit(1);
	snprintf(path, sizeof(path), "%s/log", dir);
	snprintf(old, sizeof(old), "%s/log.1", dir);
	append(path, "before 1\nbefore 2\n");
	strbuf_reset(&got);
	rotations = 0;
	t = tail_follow(L, path, polling, TAIL_HEAD, on_line, on_event, NULL);
	spin(0.05);
	is_str(strbuf_str(&got), "before 1|before 2|", "%s: head reads what is there",
	    polling ? "polling" : "inotify");
	append(path, "a\nb");
	spin(w);
	is_str(strbuf_str(&got), "before 1|before 2|a|", "partial line waits");
	append(path, "c\n");
	spin(w);
	is_str(strbuf_str(&got), "before 1|before 2|a|bc|", "and comes whole");
	strbuf_reset(&got);
	append(path, "last of old\n");
	rename(path, old);
	append(old, "late in old\n");
	append(path, "first of new\n");
	spin(w + (polling ? 0 : 0.2));
	is_str(strbuf_str(&got), "last of old|late in old|first of new|",
	    "rename rotation: the old file to its end, then the new one");
	ok(rotations >= 1, "rotation reported");
	strbuf_reset(&got);
	append(path, "before truncate\n");
	spin(w);
	snprintf(cmd, sizeof(cmd), "cp %s %s.2 && truncate -s0 %s", path, path, path);
	if (system(cmd) != 0)
		exit(1);
	append(path, "after\n");
	spin(w);
	is_str(strbuf_str(&got), "before truncate|after|", "copytruncate: read from the start");
	strbuf_reset(&got);
	unlink(path);
	spin(w);
	append(path, "reborn\n");
	spin(w + 0.1);
	is_str(strbuf_str(&got), "reborn|", "a deleted file that comes back is read whole");
	tail_unfollow(t, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		exit(1);
}

static void
run_cmd(const char *fmt, const char *a, const char *b)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), fmt, a, b);
	if (system(cmd) != 0)
		exit(1);
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
	spin(0.1);
	is_str(strbuf_str(&a), "new 1|",
	    "truncated below where a tail-mode subscription started: new lines still come");
	/* the position of a partial line is its start (the database keeps it) */
	append(path, "half a li");
	spin(0.1);
	is_int((int)tail_pos(t), 6, "tail_pos: a partial last line is not counted as read");
	append(path, "ne\n");
	spin(0.1);
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
	spin(0.2);
	is_str(strbuf_str(&a), "first|second|",
	    "a tail that started mid-line: the next file's first line is not skipped");

	/* moved away and back: nothing read twice */
	strbuf_reset(&a);
	rename(path, moved);
	spin(0.1);
	rename(moved, path);
	spin(0.1);
	append(path, "third\n");
	spin(0.1);
	is_str(strbuf_str(&a), "third|", "a file moved away and back goes on where it was");

	/* a second subscriber joining an open file gets what was read before it */
	t = tail_follow(L, path, false, TAIL_HEAD, on_line_to, NULL, &b);
	append(path, "fourth\n");
	spin(0.1);
	is_str(strbuf_str(&b), "first|second|third|fourth|",
	    "a head subscription joining an open file: the file from its start, in order");
	is_str(strbuf_str(&a), "third|fourth|", "the first subscriber gets each line once");
	tail_unfollow(t, &b);
	strbuf_reset(&b);
	t = tail_follow_at(L, path, false, 8, on_line_to, NULL, &b);
	spin(0.1);
	is_str(strbuf_str(&b), "third|fourth|",
	    "joining at an offset inside a line: from the next line on");

	/* a file rotated away by rename is known; another is not */
	snprintf(moved, sizeof(moved), "%s/mid.2", dir);
	rename(path, moved);
	append(path, "fifth\n");
	spin(0.2);
	ok(tail_seen(moved), "tail_seen: the file rotated away from a followed path");
	ok(tail_seen(path), "tail_seen: the file followed now");
	snprintf(moved, sizeof(moved), "%s/trunc", dir);
	ok(!tail_seen(moved), "tail_seen: a file nobody follows");
	tail_unfollow(t, &a);
	tail_unfollow(t, &b);
	strbuf_free(&a);
	strbuf_free(&b);
}

int
main(void)
{
	char dir[] = "/tmp/f2b-tail.XXXXXX", path[256], cmd[600];
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
	spin(0.1);
	is_str(strbuf_str(&got), "new|", "tail starts at the end");
	tail_unfollow(t, NULL);
	snprintf(path, sizeof(path), "%s/later", dir);
	strbuf_reset(&got);
	t = tail_follow(L, path, false, TAIL_HEAD, on_line, on_event, NULL);
	spin(0.05);
	append(path, "hello\n");
	spin(0.1);
	is_str(strbuf_str(&got), "hello|", "a file that appears later is followed");
	tail_unfollow(t, NULL);
	edge_cases(dir);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	strbuf_free(&got);
	loop_free(L);
	return tap_done();
}

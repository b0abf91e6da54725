/*
 * Unit tests for ipset: which action lines run in-process; and, as root in
 * a network namespace of the test's own, that a batch (ipset_run_many, and
 * the runner's per-turn batches) gives each command the status, message and
 * effect it has when run alone, in fewer netlink messages; an address of the
 * other family than its set's fails its script and is explained once; what
 * a set can hold (prefix bans).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "action.h"
#include "ipset.h"
#include "loop.h"
#include "runner.h"
#include "strbuf.h"
#include "tap.h"
#include "xmalloc.h"

static bool
native(const char *line, int want_argc)
{
	char **argv;
	int argc;
	bool r = ipset_native(line, &argv, &argc);

	if (r) {
		r = argc == want_argc;
		strv_free(argv);
	}
	return r;
}

/* ---- batches, in a network namespace of our own -------------------------- */

static const char *const setup[] = {
	"ipset -exist destroy",
	"ipset create a hash:ip timeout 0",
	"ipset create b hash:ip",
	"ipset create n hash:net,port",
	NULL
};

/* commands, each with a failure or a change of set, flag or kind among them */
static const char *const script[] = {
	"ipset add a 192.0.2.1", "ipset add a 192.0.2.2",
	"ipset add a 192.0.2.1",			/* already added */
	"ipset add a 192.0.2.3", "ipset -exist add a 192.0.2.3",
	"ipset -exist add a 192.0.2.4 timeout 600", "ipset add a 192.0.2.5 timeout 600 -exist",
	"ipset add b 192.0.2.9 timeout 60",		/* no timeout support */
	"ipset add b 192.0.2.10", "ipset -A b 192.0.2.11",
	"ipset del a 192.0.2.99",			/* not added */
	"ipset del a 192.0.2.2", "ipset -D a 192.0.2.3",
	"ipset add nosuch 192.0.2.1",			/* no such set */
	"ipset add a 300.1.1.1",			/* not an address */
	"ipset add a 2001:db8::1",			/* wrong family */
	"ipset add a 192.0.2.6", "ipset test a 192.0.2.6", "ipset test a 192.0.2.7",
	"ipset add n 198.51.100.0/24,tcp:25", "ipset add n 198.51.100.0/24,tcp:25",
	"ipset -q add a 192.0.2.8", "ipset add a 192.0.2.8 -q",
	"ipset flush b", "ipset add b 192.0.2.10",
	NULL
};

static int
lines(const char *const *cmds, char ***argv, int *argc)
{
	int n = 0;

	for (; cmds[n]; n++)
		if (!ipset_native(cmds[n], &argv[n], &argc[n]))
			return -1;
	return n;
}

static void
run_setup(void)
{
	char **argv[8];
	int argc[8], n = lines(setup, argv, argc), i;

	for (i = 0; i < n; i++) {
		struct strbuf m = STRBUF_INIT;

		ipset_run(argc[i], argv[i], &m);
		strbuf_free(&m);
		strv_free(argv[i]);
	}
}

static char *
saved(void)
{
	FILE *f = popen("ipset save | sed 's/ timeout [0-9]*//; s/ initval [0-9a-fx]*//' | sort", "r");
	struct strbuf b = STRBUF_INIT;
	char buf[4096];
	size_t k;

	while (f && (k = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&b, buf, k);
	if (f)
		pclose(f);
	return strbuf_detach(&b);
}

/* script then 150 adds, one a duplicate: alone, then batched */
static void
compare(void)
{
	enum { EXTRA = 150, MAX = 64 + EXTRA };
	char **argv[MAX], *alone_state, *batch_state;
	int argc[MAX], st_alone[MAX], st_batch[MAX], n, i, same_st = 1, same_msg = 1, failed = 0;
	struct strbuf m_alone[MAX], m_batch[MAX], *mp[MAX];
	size_t nmsg;

	n = lines(script, argv, argc);
	ok(n > 0, "every line of the script is run in-process");
	if (n <= 0)
		return;
	for (i = 0; i < EXTRA; i++) {
		char line[64];

		snprintf(line, sizeof(line), "ipset add a 10.0.%d.%d", i / 100, i % 100 == 70 ? 5 : i % 100);
		ipset_native(line, &argv[n + i], &argc[n + i]);
	}
	n += EXTRA;
	for (i = 0; i < n; i++) {
		m_alone[i] = (struct strbuf)STRBUF_INIT;
		m_batch[i] = (struct strbuf)STRBUF_INIT;
		mp[i] = &m_batch[i];
	}
	run_setup();
	for (i = 0; i < n; i++)
		st_alone[i] = ipset_run(argc[i], argv[i], &m_alone[i]);
	alone_state = saved();
	run_setup();
	nmsg = ipset_run_many((size_t)n, argv, argc, st_batch, mp);
	batch_state = saved();
	for (i = 0; i < n; i++) {
		if (st_alone[i] != st_batch[i]) {
			same_st = 0;
			printf("# %d: alone %d, batched %d\n", i, st_alone[i], st_batch[i]);
		}
		if (strcmp(strbuf_str(&m_alone[i]), strbuf_str(&m_batch[i])) != 0) {
			same_msg = 0;
			printf("# %d: alone '%s', batched '%s'\n", i, strbuf_str(&m_alone[i]),
			    strbuf_str(&m_batch[i]));
		}
		failed += st_alone[i] != 0;
	}
	is_int(failed, 10, "alone: the ten failures fail");
	is_str(strbuf_str(&m_alone[2]), "Element cannot be added to the set: it's already added",
	    "no -exist left over from an earlier command: ipset's message");
	ok(st_alone[22] == 1 && *strbuf_str(&m_alone[22]) == '\0', "-q: fails without a message");
	ok(same_st, "each command's status is the same in a batch");
	ok(same_msg, "each command's message is the same in a batch");
	is_str(batch_state, alone_state, "the sets end the same");
	ok(strstr(alone_state, "add a 10.0.1.49") != NULL, "the adds after a failure are done");
	ok(nmsg > 0 && nmsg < 20, "%d commands took %zu netlink messages", n, nmsg);
	free(alone_state);
	free(batch_state);
	for (i = 0; i < n; i++) {
		strv_free(argv[i]);
		strbuf_free(&m_alone[i]);
		strbuf_free(&m_batch[i]);
	}
}

/* the runner: 200 ban scripts queued in one turn share a few messages */
static int runner_ok, runner_done_n;

static void
on_done(void *arg, int status, const char *out)
{
	(void)arg;
	runner_done_n++;
	runner_ok += status == 0 && *out == '\0';
}

static void
stop_loop(void *arg)
{
	loop_stop(arg);
}

static void
runner_batch(void)
{
	struct loop *l = loop_new();
	struct runner *r = runner_new(l);
	char *state;
	int i;

	run_setup();
	for (i = 0; i < 200; i++) {
		struct action_cmd c = { NULL, NULL, 0 };
		char key[32];

		c.script = xasprintf("ipset add a 10.9.%d.%d\nipset -exist add b 10.9.%d.%d", i / 100,
		    i % 100, i / 100, i % 100);
		snprintf(key, sizeof(key), "k%d", i);
		runner_submit(r, &c, 5, key, on_done, NULL);
	}
	while (runner_busy(r)) {
		loop_timer_add(l, 0.05, stop_loop, l);
		loop_run(l);
	}
	is_int(runner_done_n, 200, "runner: every script finished");
	is_int(runner_ok, 200, "runner: every script succeeded, no message");
	state = saved();
	ok(strstr(state, "add a 10.9.1.99") && strstr(state, "add b 10.9.0.0"), "runner: both sets filled");
	ok(runner_batches(r) >= 8 && runner_batches(r) <= 16,
	    "runner: 400 ipset lines in %lu netlink messages", runner_batches(r));
	free(state);
	runner_free(r);
	loop_free(l);
}

/* One native command; its status (the message dropped). */
static int
run_line(const char *line)
{
	struct strbuf m = STRBUF_INIT;
	char **argv;
	int argc, st = -1;

	if (ipset_native(line, &argv, &argc)) {
		st = ipset_run(argc, argv, &m);
		strv_free(argv);
	}
	strbuf_free(&m);
	return st;
}

/* A set remade behind our back (ipset(8), another program) is seen as it is now. */
static void
stale_cache(void)
{
	int st;

	is_int(run_line("ipset create remade hash:ip"), 0, "cache: created in-process (inet)");
	st = system("ipset destroy remade && ipset create remade hash:ip family inet6");
	if (st != 0) {
		printf("ok %d - # SKIP no ipset(8) to remake the set\n", ++tap_n);
		return;
	}
	is_int(run_line("ipset add remade 2001:db8::1"), 0,
	    "cache: after ipset(8) made it inet6, an IPv6 add works in-process");
	is_int(run_line("ipset destroy remade"), 0, "cache: destroyed");
}

/* the runner: an IPv6 add into an inet set fails its script, and is explained once */
static int fam_status[4], fam_done, fam_notes;
static char fam_note[1024];

static void
on_fam_done(void *arg, int status, const char *out)
{
	(void)out;
	fam_status[(long)arg] = status;
	fam_done++;
}

static void
on_fam_note(void *arg, const char *key, const char *msg, bool once)
{
	(void)arg;
	(void)key;
	(void)once;
	fam_notes++;
	snprintf(fam_note, sizeof(fam_note), "%s", msg);
}

static void
family_mismatch(void)
{
	static const char *const scripts[4] = {
		"ipset add hb 2001:db8::1\nipset add hb 192.0.2.1",
		"ipset add hb 2001:db8::2\nipset add hb 192.0.2.2",
		"ipset add hb 192.0.2.5\nipset add hb 192.0.2.6",	/* already added: the shell's rule */
		"ipset add hb6 2001:db8::/64\nipset add hb6 2001:db8:1::/64",
	};
	struct loop *l = loop_new();
	struct runner *r = runner_new(l);
	char **argv, *key, *why, *t;
	int argc;
	long i;

	is_int(run_line("ipset create hb hash:net"), 0, "family: the seed's set, inet");
	is_int(run_line("ipset create hb6 hash:net family inet6"), 0, "family: an inet6 set");
	is_int(run_line("ipset add hb 192.0.2.5"), 0, "family: an address added before");
	ipset_native("ipset add hb 2001:db8::1/64", &argv, &argc);
	why = ipset_family_mismatch(argc, argv, &key);
	ok(why && strstr(why, "set hb (hash:net, family inet) cannot hold the IPv6 address "
	    "2001:db8::1/64") && strstr(why, "ipset create hb6 hash:net family inet6") &&
	    strstr(why, "[Init?family=inet6]"), "family: the set, its family and the fix: %s",
	    why ? why : "(none)");
	is_str(key, "hb inet6", "family: said once per set and family");
	free(why);
	free(key);
	strv_free(argv);
	ipset_native("ipset -exist del hb6 192.0.2.1", &argv, &argc);
	why = ipset_family_mismatch(argc, argv, &key);
	ok(why && strstr(why, "family inet6) cannot hold the IPv4 address 192.0.2.1"),
	    "family: an IPv4 address into an inet6 set");
	free(why);
	free(key);
	strv_free(argv);
	ipset_native("ipset add nosuch 2001:db8::1", &argv, &argc);
	ok(ipset_family_mismatch(argc, argv, &key) == NULL && key == NULL,
	    "family: no such set is another failure");
	strv_free(argv);
	ipset_native("ipset add hb 192.0.2.300", &argv, &argc);
	ok(ipset_family_mismatch(argc, argv, &key) == NULL, "family: not an address either");
	strv_free(argv);

	runner_on_note(r, on_fam_note);
	for (i = 0; i < 4; i++) {
		struct action_cmd c = { xstrdup(scripts[i]), NULL, 0 };

		runner_submit(r, &c, 5, scripts[i] + 12, on_fam_done, (void *)i);
	}
	while (runner_busy(r)) {
		loop_timer_add(l, 0.05, stop_loop, l);
		loop_run(l);
	}
	is_int(fam_done, 4, "family: the four scripts ran");
	ok(fam_status[0] == 1 && fam_status[1] == 1,
	    "family: an IPv6 add into the inet set fails its script, whose last line worked");
	is_int(fam_status[2], 0, "family: another failure hidden by the last line stays hidden "
	    "(the shell's rule)");
	is_int(fam_status[3], 0, "family: networks into the inet6 hash:net set");
	is_int(fam_notes, 1, "family: explained once");
	ok(strstr(fam_note, "set hb ") != NULL, "family: the note names the set");
	runner_free(r);
	loop_free(l);

	t = ipset_set_type("hb6", NULL);
	is_str(t, "hash:net", "type: the kernel's");
	free(t);
	t = ipset_set_type("f2b-sshd", "ipset -exist create f2b-sshd hash:ip timeout 600 family inet6\n"
	    "iptables -I INPUT -m set --match-set f2b-sshd src -j DROP");
	is_str(t, "hash:ip", "type: a set not made yet, as actionstart makes it");
	free(t);
	ok(ipset_set_type("none", "ipset create other hash:ip") == NULL, "type: unknown");
	ok(ipset_type_takes_net("hash:net") && ipset_type_takes_net("hash:net,port") &&
	    !ipset_type_takes_net("hash:ip") && !ipset_type_takes_net("hash:ip,port") &&
	    !ipset_type_takes_net("bitmap:ip"), "type: which hold networks");
	t = ipset_add_target("ipset -exist add f2b-x @IP@ timeout 600\nlogger x", "@IP@");
	is_str(t, "f2b-x", "add target: the set an add line puts <ip> into");
	free(t);
	ok(ipset_add_target("ipset del f2b-x @IP@\nipset add f2b-y 10.0.0.1", "@IP@") == NULL,
	    "add target: none");
}

/*
 * A full set (maxelem 4): the adds past it fail - the first in its batch as
 * the kernel says, the later ones without asking it - and the runner gives
 * each refused script RUNNER_NOTED, its message left out, and tells the
 * note function each time with the set and the fix; a del makes room.
 */
#define NFULL	12
static int full_status[NFULL], full_done, full_notes, full_once;
static char full_key[64], full_msg[1024], full_out[NFULL][256];

static void
on_full_done(void *arg, int status, const char *output)
{
	long i = (long)arg;

	full_status[i] = status;
	snprintf(full_out[i], sizeof(full_out[i]), "%s", output);
	full_done++;
}

static void
on_full_note(void *arg, const char *key, const char *msg, bool once)
{
	(void)arg;
	full_notes++;
	full_once += once;
	snprintf(full_key, sizeof(full_key), "%s", key);
	snprintf(full_msg, sizeof(full_msg), "%s", msg);
}

static void
full_set(void)
{
	const char *cmds[] = { "ipset add hf 192.0.2.1", "ipset add hf 192.0.2.2",
	    "ipset add hf 192.0.2.3", "ipset add hf 192.0.2.4", "ipset add hf 192.0.2.5",
	    "ipset add hf 192.0.2.6", "ipset del hf 192.0.2.1", "ipset add hf 192.0.2.7",
	    "ipset add hf 192.0.2.8" };
	const size_t n = sizeof(cmds) / sizeof(cmds[0]);
	char **argv[sizeof(cmds) / sizeof(cmds[0])];
	int argc[sizeof(cmds) / sizeof(cmds[0])], status[sizeof(cmds) / sizeof(cmds[0])];
	struct strbuf m[sizeof(cmds) / sizeof(cmds[0])], *mp[sizeof(cmds) / sizeof(cmds[0])];
	struct loop *l = loop_new();
	struct runner *r = runner_new(l);
	char *key = NULL, *why;
	size_t i, nmsg;
	long k;

	is_int(run_line("ipset create hf hash:ip maxelem 4"), 0, "full: a set of 4");
	for (i = 0; i < n; i++) {
		ipset_native(cmds[i], &argv[i], &argc[i]);
		m[i] = (struct strbuf)STRBUF_INIT;
		mp[i] = &m[i];
	}
	nmsg = ipset_run_many(n, argv, argc, status, mp);
	ok(status[0] == 0 && status[1] == 0 && status[2] == 0 && status[3] == 0,
	    "full: the first four added");
	ok(status[4] == 1 && status[5] == 1 && strstr(strbuf_str(&m[4]), "Hash is full") &&
	    strstr(strbuf_str(&m[5]), "Hash is full"), "full: the next two refused as the kernel "
	    "refuses them: %s / %s", strbuf_str(&m[4]), strbuf_str(&m[5]));
	ok(status[6] == 0 && status[7] == 0 && status[8] == 1,
	    "full: a del makes room for one more, the kernel is asked again");
	ok(nmsg <= 5, "full: the refused add after the first is not sent (%zu messages)", nmsg);
	why = ipset_full(argc[5], argv[5], strbuf_str(&m[5]), &key);
	ok(why && strstr(why, "ipset hf is full (maxelem 4)\n") &&
	    strstr(why, "ipset create hf.new hash:ip maxelem 1048576"),
	    "full: the set, its maxelem and the fix, after a newline");
	is_str(key, "hf full", "full: about the set");
	free(why);
	free(key);
	ok(ipset_full(argc[0], argv[0], "ipset v7.17: Element cannot be added to the set: "
	    "it's already added", &key) == NULL, "full: another failure is not");
	for (i = 0; i < n; i++) {
		strv_free(argv[i]);
		strbuf_free(&m[i]);
	}
	is_int(run_line("ipset flush hf"), 0, "full: emptied");

	runner_on_note(r, on_full_note);
	for (k = 0; k < NFULL; k++) {
		char *text = xasprintf("ipset add hf 198.51.100.%ld\nipset -exist create hx hash:ip",
		    k + 1);
		struct action_cmd c = { text, NULL, 0 };

		runner_submit(r, &c, 5, text + 13, on_full_done, (void *)k);
	}
	while (runner_busy(r)) {
		loop_timer_add(l, 0.05, stop_loop, l);
		loop_run(l);
	}
	is_int(full_done, NFULL, "full: every script ran");
	for (k = 0; k < 4 && full_status[k] == 0; k++)
		;
	is_int(k, 4, "full: four added through the runner");
	for (; k < NFULL && full_status[k] == RUNNER_NOTED && full_out[k][0] == '\0'; k++)
		;
	is_int(k, NFULL, "full: the others RUNNER_NOTED (their last line worked), "
	    "no message of their own");
	ok(full_notes == NFULL - 4 && full_once == 0, "full: told at each refusal (%d), "
	    "for the callee to count", full_notes);
	is_str(full_key, "hf full", "full: the note's key");
	ok(strstr(full_msg, "ipset hf is full (maxelem 4)\n") != NULL, "full: the note says it");
	runner_free(r);
	loop_free(l);
	is_int(run_line("ipset destroy hf"), 0, "full: destroyed");
	run_line("ipset destroy hx");
}

static void
batches(void)
{
	char **argv;
	int argc;
	struct strbuf m = STRBUF_INIT;
	int st;

	if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0) {
		printf("ok %d - # SKIP batches need root for a network namespace\n", ++tap_n);
		return;
	}
	ipset_native("ipset create probe hash:ip", &argv, &argc);
	st = ipset_run(argc, argv, &m);
	strv_free(argv);
	if (st != 0) {
		printf("ok %d - # SKIP no ipset in this kernel: %s\n", ++tap_n, strbuf_str(&m));
		strbuf_free(&m);
		return;
	}
	strbuf_free(&m);
	compare();
	runner_batch();
	stale_cache();
	family_mismatch();
	full_set();
}

int
main(void)
{
	ok(native("ipset add hmailblock 192.0.2.7", 4), "the seed's line");
	ok(native("  /usr/sbin/ipset -exist add f2b-sshd 192.0.2.7 timeout 600", 7),
	    "full path, options, timeout");
	ok(native("ipset del hmailblock 2001:db8::1", 4), "IPv6");
	ok(native("ipset create s hash:ip", 4), "create");
	ok(native("ipset flush s", 3) && native("ipset destroy s", 3) && native("ipset swap a b", 4),
	    "flush, destroy, swap");
	ok(!native("ipset list", 2), "list is not run in-process");
	ok(!native("ipset add s 1.2.3.4 && echo x", 0), "&&: the shell's");
	ok(!native("ipset add s 1.2.3.4 | tee x", 0), "pipes: the shell's");
	ok(!native("ipset add s $f2bV_ip", 0), "variables: the shell's");
	ok(!native("ipset add s 1.2.3.4 > /dev/null", 0), "redirections: the shell's");
	ok(!native("logger -t fail2ban x", 0), "other commands: the shell's");
	ok(!native("ipset", 0), "nothing to do");
	ok(!native("ipset add s \"1.2.3.4\"", 0), "quotes: the shell's");
	batches();
	return tap_done();
}

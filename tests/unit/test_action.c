/*
 * Unit tests for action: the static tag pass (recursive, family
 * conditional, <br>), the dynamic pass, and fail2ban's escaping rule: a
 * value with a shell metacharacter becomes a positional argument, never
 * command text (checked against CommandAction.replaceDynamicTags).
 */
#include <stdlib.h>

#include "action.h"
#include "tap.h"

static char *
info(void *arg, const char *tag)
{
	(void)arg;
	if (strcmp(tag, "ip") == 0)
		return strdup("192.0.2.7");
	if (strcmp(tag, "family") == 0)
		return strdup("inet4");
	if (strcmp(tag, "matches") == 0)
		return strdup("line one\nline $(two)");
	if (strcmp(tag, "F-*user") == 0)
		return strdup("b$ob`x");
	if (strcmp(tag, "F-*fport") == 0)	/* <F-PORT> is data["fport"] */
		return strdup("22");
	return NULL;
}

/* <fq-hostname> and <sh-hostname> as Python's socket module gives them here. */
static void
hostnames(void)
{
	struct action *a = action_new("h");
	struct action_cmd c;
	char *err = NULL, want[600] = "";
	FILE *p = popen("/usr/bin/python3 -c 'import socket; print(socket.getfqdn() + \"|\" + "
	    "socket.gethostname())' 2> /dev/null", "r");

	if (p == NULL || fgets(want, sizeof(want), p) == NULL || pclose(p) != 0) {
		printf("ok %d - # SKIP no /usr/bin/python3\n", ++tap_n);
		return;
	}
	want[strcspn(want, "\n")] = '\0';
	action_set(a, "actionban", "<fq-hostname>|<sh-hostname>");
	ok(action_command(a, "actionban", "", info, NULL, &c, &err), "hostnames");
	is_str(c.script, want, "<fq-hostname>|<sh-hostname>: socket.getfqdn()|socket.gethostname()");
	action_cmd_free(&c);
	action_free(a);
}

int
main(void)
{
	struct action *a = action_new("test");
	struct action_cmd c;
	char *err = NULL;
	const char *fams[2];

	action_set(a, "actionstart", "");
	action_set(a, "actionban", "<cmd> add <set> <ip><br>echo user=<F-USER> port=<F-PORT> "
	    "none=<F-NONE> x=<unknown>");
	action_set(a, "cmd", "<prefix>ipset");
	action_set(a, "prefix", "/usr/sbin/");
	action_set(a, "set", "f2b-<name>");
	action_set(a, "name", "sshd");
	action_set(a, "actionunban", "echo \"<matches>\"");

	ok(!action_command(a, "actionstart", "", info, NULL, &c, &err) && err == NULL,
	    "an empty operation has nothing to run");
	ok(action_command(a, "actionban", "", info, NULL, &c, &err), "actionban");
	is_str(c.script, "f2bV_F_user=$0 \n/usr/sbin/ipset add f2b-sshd 192.0.2.7\n"
	    "echo user=$f2bV_F_user port=22 none= x=<unknown>",
	    "static tags recursive, <br>; safe values pasted, unsafe ones as $f2bV_");
	ok(c.nargs == 1 && strcmp(c.args[0], "b$ob`x") == 0, "the unsafe value is $0");
	action_cmd_free(&c);
	ok(action_command(a, "actionunban", "", info, NULL, &c, &err), "actionunban");
	is_str(c.script, "f2bV_matches=$0 \necho \"$f2bV_matches\"", "<matches> as a variable");
	action_cmd_free(&c);

	ok(action_families(a, true, fams) == 1 && strcmp(fams[0], "") == 0,
	    "not conditional: one family ''");
	ok(!action_start_on_demand(a), "started with the jail");
	action_set(a, "set?family=inet6", "f2b-<name>-v6");
	ok(action_families(a, true, fams) == 2 && strcmp(fams[1], "inet6") == 0,
	    "a ?family= property: inet4 and inet6");
	ok(action_families(a, false, fams) == 1, "inet6 only when allowed");
	ok(action_start_on_demand(a), "conditional actions start on demand");
	ok(action_command(a, "actionban", "inet6", info, NULL, &c, &err) &&
	    strstr(c.script, "add f2b-sshd-v6 ") != NULL, "tag?family=inet6 preferred");
	action_cmd_free(&c);
	action_set(a, "actionstart_on_demand", "false");
	ok(!action_start_on_demand(a), "explicit actionstart_on_demand wins");
	is_int((int)action_timeout(a), 60, "default timeout 60 s");
	action_set(a, "timeout", "2m");
	is_int((int)action_timeout(a), 120, "timeout as a time string");
	action_set(a, "loop", "<loop>");
	action_set(a, "actioncheck", "<loop>");
	ok(!action_command(a, "actioncheck", "", info, NULL, &c, &err) && err != NULL,
	    "self reference is an error");
	free(err);
	action_free(a);
	hostnames();
	return tap_done();
}

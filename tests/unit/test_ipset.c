/* Unit tests for ipset: which action lines run in-process. */
#include "ipset.h"
#include "tap.h"

static bool
native(const char *line, int want_argc)
{
	char **argv;
	int argc;
	bool r = ipset_native(line, &argv, &argc);

	if (r) {
		r = argc == want_argc;
		ipset_argv_free(argv);
	}
	return r;
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
	return tap_done();
}

/* Unit tests for optspec: name[k=v, ...] as fail2ban parses it. */
#include "dict.h"
#include "optspec.h"
#include "tap.h"

static char *name, *err;
static struct dict *opts;

static int
parse(const char *s)
{
	free(name);
	free(err);
	dict_free(opts);
	return optspec_parse(s, &name, &opts, &err);
}

static const char *
opt(const char *k)
{
	return opts ? dict_get(opts, k, NULL) : NULL;
}

int
main(void)
{
	char **items;
	size_t n;

	ok(parse("sshd[mode=aggressive]") == 0, "filter with an option");
	is_str(name, "sshd", "name");
	is_str(opt("mode"), "aggressive", "option value");

	ok(parse("iptables[name=SSH, port=\"ssh,2222\", protocol=tcp]") == 0, "quoted commas");
	is_str(opt("port"), "ssh,2222", "quotes protect commas");
	is_str(opt("protocol"), "tcp", "last option");
	is_int(dict_len(opts), 3, "three options");

	ok(parse("act[a='x y'][b=2]") == 0, "several bracket groups");
	is_str(opt("a"), "x y", "single quotes");
	is_str(opt("b"), "2", "second group");

	ok(parse("act[a=1 b=2]") == 0, "unquoted value runs to , or ]");
	is_str(opt("a"), "1 b=2", "value with spaces");

	ok(parse("act[a=1,]") == 0 && dict_len(opts) == 1, "trailing comma");
	ok(parse("act[a=\"x]y\"]") == 0 && strcmp(opt("a"), "x]y") == 0, "] inside quotes");
	ok(parse("plain") == 0 && strcmp(name, "plain") == 0 && dict_len(opts) == 0, "no brackets");
	ok(parse("a[x=1]  ") == 0, "trailing whitespace");
	ok(parse("a[x=  padded  ]") == 0 && strcmp(opt("x"), "padded") == 0, "values stripped");
	ok(parse("a[x=1, x=2]") == 0 && strcmp(opt("x"), "2") == 0, "later option wins");
	ok(parse("smtp.py[dest=a@b, actname=smtp-x]") == 0 && strcmp(name, "smtp.py") == 0,
	    "python action");
	ok(parse("a[k=\"multi\nline\"]") == 0 && strcmp(opt("k"), "multi\nline") == 0,
	    "brackets may span lines");

	ok(parse("act[ a = 1]") < 0, "space before = is an error");
	is_str(err, "expected option, wrong syntax at 0:  a = 1", "its message");
	ok(parse("act[a=x]y]") < 0, "text after ] is an error");
	is_str(err, "unexpected syntax at 3 after option 'a': ]y", "its message");
	ok(parse("act[a=\"x\", b]") < 0, "option without value is an error");
	is_str(err, "expected option, wrong syntax at 6:  b", "its message");
	ok(parse("[x=1]") < 0 && strcmp(err, "unexpected option syntax") == 0,
	    "no name is an error");
	ok(parse("a[x=1] junk") < 0, "junk after the brackets is an error");

	n = optspec_split("iptables[name=SSH, port=\"ssh,smtp\"]\n   sendmail-whois[name=SSH,\n"
	    "      dest=root]  dummy\n\n", &items);
	is_int(n, 3, "three actions on lines and one line");
	if (n == 3) {
		is_str(items[0], "iptables[name=SSH, port=\"ssh,smtp\"]\n  ", "first (raw, stripped later)");
		is_str(items[1], "sendmail-whois[name=SSH,\n      dest=root] ", "bracket group spans lines");
		is_str(items[2], "dummy\n\n", "last, with the trailing whitespace Python keeps");
	}
	optspec_free_items(items, n);
	n = optspec_split("", &items);
	is_int(n, 0, "empty action value");
	optspec_free_items(items, n);
	n = optspec_split("iptables[ name = x]", &items);
	is_int(n, 4, "a malformed group falls apart into words, as in fail2ban");
	optspec_free_items(items, n);

	n = optspec_words("127.0.0.1/8 ::1,\n 10.0.0.0/8,,  ", &items);
	is_int(n, 3, "ignoreip words split on comma, space, newline");
	if (n == 3)
		is_str(items[1], "::1", "second word");
	optspec_free_items(items, n);

	free(name);
	free(err);
	dict_free(opts);
	return tap_done();
}

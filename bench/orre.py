#!/usr/bin/env python3
"""Prints a filter's failregexes OR-ed into one PCRE2 pattern for pcre2grep,
expanded by fail2ban 1.0.2's own Python code (FilterReader for the
configuration, Regex._resolveHostTag for <HOST>, <F-*> and the other tags),
so it is exactly the regex set fail2ban-regex applies.  bench/regex.sh uses it
to measure pcre2grep's rate as the practical limit for a filter.

    orre.py FILTER BASEDIR [--date RE] [--bracket-date RE]

FILTER is a filter name looked up in BASEDIR (e.g. `sshd /etc/fail2ban`), or,
with BASEDIR `-`, the path of a filter file.

fail2ban does not match the raw line: it cuts the date out first, matches the
prefregex (if any) against what is left and then the failregexes against the
prefregex's <F-CONTENT> group.  To get one pattern for raw lines:
  - each failregex becomes an alternative (?:...); with a prefregex the
    alternatives, followed by `.*`, replace its <F-CONTENT> group, each
    with its leading `^` dropped (the prefregex anchors it there) or, if
    unanchored, with `.*?` in front;
  - the date goes back where it was cut: --date RE is inserted after each
    top-level leading `^` (dates at line start, e.g. syslog), and
    --bracket-date RE replaces each `\\[\\]` (the date cut out of `[...]`,
    e.g. access logs);
  - the result is prefixed with (?J), because the alternatives repeat
    group names (ip4, ip6, dns, ...).
Lines whose failregex match fail2ban drops (<F-NOFAIL>, ignoreregex,
multi-line state) are still counted by pcre2grep, so its count is an upper
bound on fail2ban's; regex.sh prints both so the reader can compare.
"""
import argparse
import os
import sys

sys.path.insert(0, '/usr/lib/python3/dist-packages')
from fail2ban.client.filterreader import FilterReader  # noqa: E402
from fail2ban.server.failregex import Regex  # noqa: E402

CONTENT = '(?P<content>.+)'


def expand(regex):
	# fail2ban-regex's default --usedns is None, which the filter treats as
	# 'warn': <HOST> then matches IPv4, IPv6 and DNS names
	return Regex._resolveHostTag(regex, useDns='warn')


def in_content(regex):
	# fail2ban searches the <F-CONTENT> text: a ^ anchors at its start,
	# anything else may start later in it
	return regex[1:] if regex.startswith('^') else '.*?' + regex


def main():
	ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
	ap.add_argument('filter')
	ap.add_argument('basedir')
	ap.add_argument('--date', help='regex for a date cut from the line start')
	ap.add_argument('--bracket-date', help='regex for a date cut from [...]')
	a = ap.parse_args()

	if a.basedir == '-':
		fr = FilterReader(os.path.abspath(a.filter), 'bench', {}, basedir=None)
		fr.setBaseDir(None)
		if not fr.readexplicit():
			sys.exit('orre.py: cannot read %s' % a.filter)
	else:
		fr = FilterReader(a.filter, 'bench', {}, basedir=a.basedir)
		if not fr.read():
			sys.exit('orre.py: cannot read filter %s in %s' % (a.filter, a.basedir))
	fr.getOptions({})

	fails, pref = [], None
	for c in fr.convert():
		if c[2] == 'addfailregex':
			fails += c[3] if c[0] == 'multi-set' else [c[3]]
		elif c[2] == 'prefregex':
			pref = c[3]
	if not fails:
		sys.exit('orre.py: %s has no failregex' % a.filter)
	fails = [expand(r) for r in fails]

	if pref:
		pref = expand(pref)
		if pref.count(CONTENT) != 1:
			sys.exit('orre.py: prefregex without a single <F-CONTENT>: %s' % pref)
		# the failregexes need not reach the end of the content: `.*` takes
		# the rest up to the prefregex's own `$`
		alts = ['(?:%s)' % in_content(r) for r in fails]
		alts = [pref.replace(CONTENT, '(?:%s).*' % '|'.join(alts))]
	else:
		alts = fails

	out = []
	for r in alts:
		if a.bracket_date is not None:
			r = r.replace(r'\[\]', r'\[(?:%s)\]' % a.bracket_date)
		if a.date is not None and r.startswith('^'):
			r = '^(?:%s)%s' % (a.date, r[1:])
		out.append('(?:%s)' % r)
	print('(?J)' + '|'.join(out))


if __name__ == '__main__':
	main()

#!/usr/bin/python3
"""Writes tests/unit/filter_cases.h: lines through fail2ban 1.0.2's Filter
(processLine) with one failregex and a usedns setting, and the failure ids,
times and ignore flags it returns: the failure-id rules (ip4 before ip6
before dns before fid, ::ffff: mapping, brackets, CIDR and subnets, raw and
invalid ids, usedns yes/warn/no/raw), prefregex with <F-CONTENT>,
ignoreregex, and multi-line buffers with <F-MLFID> merging.  Names are
.invalid so that resolving them fails fast everywhere.

    python3 tests/tools/gen_filter_cases.py > tests/unit/filter_cases.h
"""
import os, sys, time
os.environ['TZ'] = 'UTC'
time.tzset()
sys.path.insert(0, '/usr/lib/python3/dist-packages')
from fail2ban.server.filter import Filter
from fail2ban.server.mytime import MyTime

NOW = 1124013600
HOST = 'from <HOST>'
SET = [
    # (name, failregex list, usedns, prefregex, ignoreregex, maxlines, lines)
    ('ip4 first', ['a <IP6> b <IP4> c <F-ID>\\S+</F-ID>'], 'no', None, None, 1,
     ['2005-08-13 10:00:00 a 2001:db8::1 b 192.0.2.1 c bob']),
    ('ip6 before fid', ['a <IP6> c <F-ID>\\S+</F-ID>'], 'no', None, None, 1,
     ['2005-08-13 10:00:00 a 2001:DB8::1 c bob']),
    ('fid alone', ['user <F-ID>\\S+</F-ID>'], 'no', None, None, 1,
     ['2005-08-13 10:00:00 user bob']),
    ('mapped and bracketed', [HOST], 'no', None, None, 1,
     ['2005-08-13 10:00:00 from ::ffff:192.0.2.2', '2005-08-13 10:00:01 from [2001:db8::2]']),
    ('dns with usedns=no', [HOST], 'no', None, None, 1,
     ['2005-08-13 10:00:00 from host.invalid']),
    ('dns with usedns=raw', [HOST], 'raw', None, None, 1,
     ['2005-08-13 10:00:00 from host.invalid', '2005-08-13 10:00:01 from 192.0.2.3']),
    ('invalid ip4 with usedns=raw', ['from <F-ID>\\S+</F-ID>'], 'raw', None, None, 1,
     ['2005-08-13 10:00:00 from 999.1.1.1']),
    ('cidr', ['net <IP4>/<CIDR>'], 'no', None, None, 1,
     ['2005-08-13 10:00:00 net 192.0.2.77/24']),
    ('subnet', ['sub <SUBNET>'], 'no', None, None, 1,
     ['2005-08-13 10:00:00 sub 2001:db8:1::/48', '2005-08-13 10:00:01 sub 192.0.2.9']),
    ('port and user', ['<F-USER>\\w+</F-USER>@<ADDR>:<F-PORT>\\d+</F-PORT>'], 'no', None, None, 1,
     ['2005-08-13 10:00:00 bob@192.0.2.4:22']),
    ('prefregex content', ['^fail from <HOST>$'], 'no',
     '^\\s*d\\[\\d+\\]: <F-CONTENT>.+</F-CONTENT>$', None, 1,
     ['2005-08-13 10:00:00 d[1]: fail from 192.0.2.5', '2005-08-13 10:00:01 e[1]: fail from 192.0.2.6']),
    ('ignoreregex', [HOST], 'no', None, 'ignore me', 1,
     ['2005-08-13 10:00:00 from 192.0.2.7 ignore me', '2005-08-13 10:00:01 from 192.0.2.8']),
    ('no date', [HOST], 'no', None, None, 1, ['from 192.0.2.10']),
    ('mlfid forget', ['^\\s*<F-MLFID>s\\d+</F-MLFID> <F-NOFAIL>conn</F-NOFAIL> <HOST>$',
                      '^\\s*<F-MLFID>s\\d+</F-MLFID> <F-MLFFORGET>bye</F-MLFFORGET>$',
                      '^\\s*<F-MLFID>s\\d+</F-MLFID> failed$'],
     'no', None, None, 10,
     ['2005-08-13 10:00:00 s1 conn 192.0.2.15', '2005-08-13 10:00:01 s1 bye',
      '2005-08-13 10:00:02 s1 failed', '2005-08-13 10:00:03 s3 conn 192.0.2.16',
      '2005-08-13 10:00:04 s3 failed']),
    ('mlfid merge', ['^\\s*<F-MLFID>s\\d+</F-MLFID> <F-NOFAIL>conn</F-NOFAIL> <HOST>$',
                     '^\\s*<F-MLFID>s\\d+</F-MLFID> auth failed user <F-USER>\\w+</F-USER>$'],
     'no', None, None, 10,
     ['2005-08-13 10:00:00 s1 conn 192.0.2.11', '2005-08-13 10:00:01 s2 conn 192.0.2.12',
      '2005-08-13 10:00:02 s1 auth failed user bob', '2005-08-13 10:00:03 s2 auth failed user eve']),
    ('nofail only', ['^\\s*<F-MLFID>s\\d+</F-MLFID> <F-NOFAIL>conn</F-NOFAIL> <HOST>$'], 'no', None,
     None, 10, ['2005-08-13 10:00:00 s1 conn 192.0.2.13']),
    ('maxlines', ['^.*first\\n.*second <HOST>$'], 'no', None, None, 2,
     ['2005-08-13 10:00:00 first', '2005-08-13 10:00:01 second 192.0.2.14']),
    # ids that do not convert: processLine raises (ERR:), the next lines go on
    ('fid with a bad prefix', ['session <F-ID>\\S+</F-ID> failed'], 'no', None, None, 1,
     ['2005-08-13 10:00:00 session a/b failed', '2005-08-13 10:00:01 session bob failed',
      '2005-08-13 10:00:02 session 192.0.2.1/x failed',
      '2005-08-13 10:00:03 session 192.0.2.1/24 failed',
      '2005-08-13 10:00:04 session a/1.1/x failed', '2005-08-13 10:00:05 session [::1]/64 failed',
      '2005-08-13 10:00:06 session 192.0.2.1/255.0.255.0 failed',
      '2005-08-13 10:00:07 session 192.0.2.1/-99999999999999999999 failed']),
    ('fid with a bad prefix, usedns=raw', ['session <F-ID>\\S+</F-ID> failed'], 'raw', None,
     None, 1, ['2005-08-13 10:00:00 session a/b failed']),
    ('ip4 with a bad cidr', ['net <IP4>/<F-CIDR>\\S+</F-CIDR>$'], 'no', None, None, 1,
     ['2005-08-13 10:00:00 net 192.0.2.1/x', '2005-08-13 10:00:01 net 192.0.2.1/-2',
      '2005-08-13 10:00:02 net 192.0.2.1/99999999999999999999',
      '2005-08-13 10:00:03 net 192.0.2.1/-12', '2005-08-13 10:00:04 net 192.0.2.1/1_6',
      '2005-08-13 10:00:05 net 192.0.2.1/-3000000000']),
    ('fid and host, the fid bad', ['user <F-ID>\\S+</F-ID> from <HOST>'], 'no', None, None, 1,
     ['2005-08-13 10:00:00 user a/b from 192.0.2.1', '2005-08-13 10:00:01 user bob from 192.0.2.1']),
    ('tuple fid', ['s <F-ID>\\S+</F-ID> <F-TUPLE_FID_1>\\S+</F-TUPLE_FID_1>$'], 'no', None, None,
     1, ['2005-08-13 10:00:00 s a b']),
    ('tuple ip4', ['s <HOST> <F-TUPLE_IP4_1>\\S+</F-TUPLE_IP4_1>$'], 'no', None, None, 1,
     ['2005-08-13 10:00:00 s 192.0.2.1 x']),
    ('tuple dns', ['s <F-DNS>\\S+</F-DNS> <F-TUPLE_DNS_1>\\S+</F-TUPLE_DNS_1>$'], 'no', None,
     None, 1, ['2005-08-13 10:00:00 s h.invalid x']),
    ('tuple cidr', ['s <IP4> <F-CIDR>\\S+</F-CIDR> <F-TUPLE_CIDR_1>\\S+</F-TUPLE_CIDR_1>$'], 'no',
     None, None, 1, ['2005-08-13 10:00:00 s 192.0.2.1 24 x']),
    ('tuple mlfid', ['^\\s*<F-MLFID>s</F-MLFID><F-TUPLE_MLFID_1>\\d+</F-TUPLE_MLFID_1> '
                     '<F-NOFAIL>conn</F-NOFAIL> <HOST>$',
                     '^\\s*<F-MLFID>s</F-MLFID><F-TUPLE_MLFID_1>\\d+</F-TUPLE_MLFID_1> failed$'],
     'no', None, None, 10,
     ['2005-08-13 10:00:00 s1 conn 192.0.2.21', '2005-08-13 10:00:01 s2 conn 192.0.2.22',
      '2005-08-13 10:00:02 s1 failed']),
    ('no id group set: on to the next failregex',
     ['(?:id <F-ID>\\S+</F-ID> )?done', 'done <F-ID>\\S+</F-ID>$'], 'no', None, None, 1,
     ['2005-08-13 10:00:00 done bob']),
]

def c(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n') + '"'

def cl(lst):
    return '{ ' + ', '.join([c(x) for x in lst] + ['NULL']) + ' }'

print('/* Generated by tests/tools/gen_filter_cases.py from fail2ban 1.0.2. */')
print('static const struct fcase fcases[] = {')
for name, fails, usedns, pref, ign, maxlines, lines in SET:
    MyTime.setTime(NOW)
    f = Filter(None)
    f.inOperation = False       # as fail2ban-regex: keep old times
    f.checkFindTime = False
    f.setUseDns(usedns)
    f.setMaxLines(maxlines)
    if pref:
        f.prefRegex = pref
    for r in fails:
        f.addFailRegex(r)
    if ign:
        f.addIgnoreRegex(ign)
    out = []
    for l in lines:
        try:
            found = f.processLine(l)
        except Exception as e:
            out.append('ERR:' + repr(e))
            continue
        for fail in found:
            fid = fail[1]
            t = fail[2]
            out.append('%s@%s' % (fid, 'now' if t == NOW or t is None else repr(float(t))))
    print('\t{ %s, %s, %s, %s, %s, %d, %s, %s },' % (c(name), cl(fails), c(usedns),
        c(pref) if pref else 'NULL', c(ign) if ign else 'NULL', maxlines, cl(lines),
        c(' '.join(out))))
print('};')

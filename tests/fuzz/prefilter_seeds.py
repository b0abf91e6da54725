#!/usr/bin/env python3
"""Seeds for fuzz_prefilter, made at test time from the installed stock
filters (never copied into the repository): for every regex of every filter
in FILTER_DIR (failregex, ignoreregex, prefregex, read by fail2ban 1.0.2's
own FilterReader, so %(...)s are interpolated; the tags stay), one file: the
regex, a newline, and the first lines of the sample log of that name in
LOG_DIR, if any.

    prefilter_seeds.py OUT_DIR [FILTER_DIR [LOG_DIR]]
"""
import os
import sys

sys.path.insert(0, '/usr/lib/python3/dist-packages')
out = sys.argv[1]
fdir = sys.argv[2] if len(sys.argv) > 2 else '/etc/fail2ban/filter.d'
ldir = sys.argv[3] if len(sys.argv) > 3 else \
    '/usr/lib/python3/dist-packages/fail2ban/tests/files/logs'
os.makedirs(out, exist_ok=True)
try:
    from fail2ban.client.filterreader import FilterReader
except ImportError:
    sys.exit(0)     # no fail2ban: the fuzzer runs from what it has
n = 0
for f in sorted(os.listdir(fdir)):
    if not f.endswith('.conf'):
        continue
    name = f[:-5]
    try:
        fr = FilterReader(name, 'seed', {}, basedir=os.path.dirname(fdir))
        if not fr.read():
            continue
        fr.getOptions({})
        cmds = fr.convert()
    except Exception:
        continue
    regexes = []
    for c in cmds:
        if c[2] in ('addfailregex', 'addignoreregex', 'prefregex'):
            regexes += c[3] if c[0] == 'multi-set' else [c[3]]
    lines = []
    log = os.path.join(ldir, name)
    if os.path.isfile(log):
        with open(log, 'rb') as fp:
            lines = [l for l in fp.read().split(b'\n') if l and not l.startswith(b'#')][:8]
    for r in regexes:
        if not isinstance(r, str) or not r:
            continue
        n += 1
        with open(os.path.join(out, '%s-%d' % (name, n)), 'wb') as fp:
            fp.write(r.replace('\n', ' ').encode() + b'\n' + b'\n'.join(lines))
print('%d seeds' % n, file=sys.stderr)

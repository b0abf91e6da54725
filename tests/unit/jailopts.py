#!/usr/bin/env python3
"""The jail's option table agrees with fail2ban 1.0.2 (TAP).

f2b-lite/conf/jailopts.h is the one table of the jail's options: the
configuration loader's lists and the server's set/get both come from it.
Checked against fail2ban's own source: its rows the files hold are
JailReader._configOpts1st, JailReader._configOpts and FilterReader._configOpts
(names, order, types, defaults), and every `set <JAIL> ...` / `get <JAIL> ...`
command of fail2ban's protocol (the client's help) has a row that sets or
gets it.
"""
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', '..')
pkg = sys.argv[2] if len(sys.argv) > 2 else '/usr/lib/python3/dist-packages'
if not os.path.isdir(os.path.join(pkg, 'fail2ban')):
    print("1..0 # SKIP fail2ban's Python source not installed")
    sys.exit(0)
sys.path.insert(0, pkg)
from fail2ban.client.jailreader import JailReader      # noqa: E402
from fail2ban.client.filterreader import FilterReader  # noqa: E402
from fail2ban import protocol                          # noqa: E402

text = open(os.path.join(root, 'f2b-lite', 'conf', 'jailopts.h')).read()
row = re.compile(r'X\("([^"]*)",\s*(\w+),\s*(\w+),\s*(NULL|"[^"]*"),\s*(\w+),\s*(\w+)\)')
rows = [dict(zip(('name', 'load', 'type', 'default', 'set', 'get'), m.groups()))
        for m in row.finditer(text)]

n = 0
failed = 0


def check(ok, desc, diag=()):
    global n, failed
    n += 1
    print(("ok" if ok else "not ok") + f" {n} - {desc}")
    for d in diag:
        print(f"# {d}")
    if not ok:
        failed += 1


PYTYPE = {'string': ('STR', 'TIME'), 'int': ('INT',), 'bool': ('BOOL',)}


def pydefault(v):
    return 'NULL' if v is None else '"%s"' % v


def compare(desc, loads, opts):
    ours = [r for r in rows if r['load'] in loads]
    want = list(opts.items())
    diag = []
    if [r['name'] for r in ours] != [k for k, _ in want]:
        diag.append("names: %s" % [r['name'] for r in ours])
        diag.append("fail2ban: %s" % [k for k, _ in want])
    for r, (k, (typ, dflt)) in zip(ours, want):
        if r['name'] == k and r['type'] not in PYTYPE[typ]:
            diag.append(f"{k}: type {r['type']}, fail2ban's {typ}")
        if r['name'] == k and r['default'] != pydefault(dflt):
            diag.append(f"{k}: default {r['default']}, fail2ban's {pydefault(dflt)}")
    check(not diag, desc, diag)


check(len(rows) > 0, "conf/jailopts.h has rows")
compare("FIRST rows are JailReader._configOpts1st", ('FIRST',), JailReader._configOpts1st)
compare("FIRST, JAIL and FILTER rows are JailReader._configOpts", ('FIRST', 'JAIL', 'FILTER'),
        JailReader._configOpts)
compare("FILTER rows are FilterReader._configOpts", ('FILTER',), FilterReader._configOpts)

names = [r['name'] for r in rows]
dups = sorted({x for x in names if names.count(x) > 1})
check(not dups, "each name has one row", dups)

byname = {r['name']: r for r in rows}
for verb in ('set', 'get'):
    missing = []
    for entry in protocol.protocol:
        m = re.match(r'%s <JAIL> ([a-z.]+)' % verb, entry[0])
        if m and (m.group(1) not in byname or byname[m.group(1)][verb] == 'NULL'):
            missing.append(entry[0])
    check(not missing, f"every `{verb} <JAIL> ...` of fail2ban's protocol has a row that {verb}s it",
          missing)

print(f"1..{n}")
sys.exit(1 if failed else 0)

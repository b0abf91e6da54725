#!/usr/bin/env python3
"""Counts test cases across meson test logs (testlog.json files).

Each test program prints TAP; every "ok"/"not ok" line is one case.  A
program that failed without reporting a failing case (a crash, a timeout)
counts as one more failed case, and so does each build named with --broken.  Prints a
line per build and suite, the failures, and last the plain line
"N passed, M failed".  Exit status 1 when anything failed.
"""
import json
import re
import sys

TAP = re.compile(r'^(not )?ok\b(.*)$')


def main(args):
    total_ok = total_bad = 0
    rows = []
    failures = []
    paths = []
    while args:
        a = args.pop(0)
        if a == '--broken':
            b = args.pop(0)
            failures.append(f'{b}: the build failed (see build-logs/)')
            total_bad += 1
        else:
            paths.append(a)
    for path in paths:
        build = path.split('/')[0]
        try:
            lines = open(path).read().splitlines()
        except OSError:
            failures.append(f'{build}: no test log ({path})')
            total_bad += 1
            continue
        per_suite = {}
        for line in lines:
            if not line.strip():
                continue
            try:
                t = json.loads(line)
            except ValueError:
                failures.append(f'{build}: unreadable test log line')
                total_bad += 1
                continue
            suite = t['name'].split(':', 1)[-1].split(' / ')[0]
            name = t['name'].split(' / ')[-1]
            good = bad = 0
            for out in t.get('stdout', '').splitlines():
                m = TAP.match(out)
                if not m:
                    continue
                if '# SKIP' in out:
                    continue
                if m.group(1):
                    bad += 1
                    failures.append(f'{build} {suite}/{name}: not ok{m.group(2)}')
                else:
                    good += 1
            if t['result'] not in ('OK', 'SKIP', 'EXPECTEDFAIL') and bad == 0:
                bad += 1
                failures.append(f'{build} {suite}/{name}: {t["result"]} '
                                f'(exit {t.get("returncode")})')
            s = per_suite.setdefault(suite, [0, 0])
            s[0] += good
            s[1] += bad
        for suite, (g, b) in sorted(per_suite.items()):
            rows.append(f'{build:12} {suite:8} {g:6} passed {b:4} failed')
            total_ok += g
            total_bad += b
    for r in rows:
        print(r)
    for f in failures[:100]:
        print('FAILED', f)
    if len(failures) > 100:
        print(f'FAILED ... and {len(failures) - 100} more')
    print(f'{total_ok} passed, {total_bad} failed')
    return 1 if total_bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))


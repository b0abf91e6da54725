#!/usr/bin/env python3
"""Lists the (filter, options) pairs the fail2ban-regex differential test runs.

For every sample log in fail2ban's test corpus whose name is a stock filter,
one pair per option set its '# filterOptions:' lines name (merged with
'# fileOptions:'), as fail2ban's own samplestestcase.py reads them; lines
before the first filterOptions line use the filter without options.  Sets
with logtype=journal are skipped (they need the journal backend).

Prints: LOGFILE <TAB> FILTER-SPEC, where FILTER-SPEC is e.g. sshd[mode="ddos"].
"""
import json
import os
import re
import sys

logs = sys.argv[1] if len(sys.argv) > 1 else \
    '/usr/lib/python3/dist-packages/fail2ban/tests/files/logs'
filters = sys.argv[2] if len(sys.argv) > 2 else '/etc/fail2ban/filter.d'
JSON_RE = re.compile(r'^#+ ?(failJSON|(?:file|filter)Options|addFILE):(.+)$')

for name in sorted(os.listdir(logs)):
    path = os.path.join(logs, name)
    if not os.path.isfile(path) or not os.path.isfile(os.path.join(filters, name + '.conf')):
        continue
    sets = []
    common = {}
    seen_data_before = False
    seen_filter_opts = False
    with open(path, encoding='utf-8', errors='replace') as f:
        for line in f:
            m = JSON_RE.match(line)
            if m:
                if m.group(1) == 'fileOptions':
                    common = json.loads(m.group(2))
                elif m.group(1) == 'filterOptions':
                    seen_filter_opts = True
                    data = json.loads(m.group(2))
                    for o in (data if isinstance(data, list) else [data]):
                        opts = dict(common)
                        opts.update(o)
                        if opts.get('test.condition'):
                            continue
                        opts = {k: v for k, v in opts.items() if not k.startswith('test.')}
                        if opts not in sets:
                            sets.append(opts)
                continue
            if line.startswith('#') or not line.strip():
                continue
            if not seen_filter_opts:
                seen_data_before = True
    if seen_data_before or not seen_filter_opts:
        sets.insert(0, dict(common))
    uniq = []
    for s in sets:
        if s not in uniq:
            uniq.append(s)
    for s in uniq:
        if s.get('logtype') == 'journal':
            continue
        spec = name
        if s:
            spec += '[' + ', '.join('%s="%s"' % (k, v) for k, v in s.items()) + ']'
        print('%s\t%s' % (path, spec))

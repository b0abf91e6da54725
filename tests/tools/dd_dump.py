#!/usr/bin/python3
"""fail2ban's side of dd_dump: the same per-line output from fail2ban's own
DateDetector (Debian's fail2ban 1.0.2, read from the installed package)."""
import sys
sys.path.insert(0, '/usr/lib/python3/dist-packages')
from fail2ban.server.datedetector import DateDetector

dd = DateDetector()
try:
    for p in sys.argv[1:]:
        dd.appendTemplate(p)
    for x in dd.templates:      # fail2ban compiles lazily: force it now
        x.template.matchDate('')
except Exception:
    print('ERROR')              # an invalid datepattern
    sys.exit(1)
for no, line in enumerate(sys.stdin.buffer, 1):
    line = line.decode('utf-8', 'replace').rstrip('\r\n')
    if not line or line.startswith('#'):
        continue
    m, tpl = dd.matchTime(line)
    if not m:
        print('%d\tNone' % no)
        continue
    # spans in bytes of the UTF-8 text, as the C side reports them
    s, e = m.start(1), m.end(1)
    bs, be = len(line[:s].encode()), len(line[:e].encode())
    try:
        t = dd.getTime(line[s:e], (m, tpl))
        t = repr(t[0]) if t is not None else 'None'
    except KeyError:
        # an unknown zone name (%Z): fail2ban's filter treats the line as
        # undated, which is what f2b-lite's None means
        t = 'None'
    name = [x for x in dd.templates if x.template is tpl][0].name
    print('%d\t%s\t%d\t%d\t%s' % (no, name, bs, be, t))

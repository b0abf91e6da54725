"""Asks a server's socket, again and again, while a scenario runs: the
longest it took to answer.

    pinger.py SOCKET STOPFILE OUTFILE [COMMAND ...]

Sends ['ping'] and each COMMAND (words split on ':', e.g. status:sshd) in
turn, each on a new connection as fail2ban-client does, every 20 ms, until
STOPFILE exists; then writes "WORST_SECONDS ANSWERS FAILURES WORST_COMMAND"
to OUTFILE.  An answer that does not come within 120 s counts as a failure
of 120 s.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import f2bsock  # noqa: E402

sock, stop, out = sys.argv[1:4]
cmds = [['ping']] + [c.split(':') for c in sys.argv[4:]]
worst, worst_cmd, answers, failures, k = 0.0, '-', 0, 0, 0
while not os.path.exists(stop):
    cmd = cmds[k % len(cmds)]
    k += 1
    t = time.monotonic()
    try:
        f2bsock.ask(sock, cmd, timeout=120)
        answers += 1
    except Exception:
        failures += 1
    took = time.monotonic() - t
    if took > worst:
        worst, worst_cmd = took, ':'.join(cmd)
    time.sleep(0.02)
with open(out + '.tmp', 'w') as f:
    f.write('%.3f %d %d %s\n' % (worst, answers, failures, worst_cmd))
os.rename(out + '.tmp', out)

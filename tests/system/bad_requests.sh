#!/bin/bash
# Bad requests on the control socket.  Wrong types, unknown commands and
# unknown jails get the same answers from f2b-lite as from Debian's
# fail2ban-server (code, exception class and text); a malformed pickle, a
# 10 MB frame and a client that connects and never sends get an error or
# are simply waited on, while other clients are served all along.
# Output is TAP.
set -u
F2B=${1:?usage: bad_requests.sh F2B-LITE-BINARY SOURCE-DIR}
F2B=$(realpath "$F2B")
SRC=$(realpath "${2:-$(dirname "$0")/../..}")
if ! command -v fail2ban-server >/dev/null; then
	echo "1..0 # SKIP Debian's fail2ban is not installed"
	exit 0
fi
T=$(mktemp -d /tmp/f2b-badreq.XXXXXX)
cleanup() {
	for s in py ours; do
		[ -S "$T/$s/s" ] && fail2ban-client -s "$T/$s/s" stop > /dev/null 2>&1
	done
	rm -rf "$T"
}
trap cleanup EXIT
for s in py ours; do
	mkdir -p "$T/$s/conf" "$T/$s/run"
	cp -rs /etc/fail2ban/. "$T/$s/conf/"
	rm -f "$T/$s/conf/jail.d/defaults-debian.conf"
	touch "$T/$s/t.log"
	printf '[Definition]\ndbfile = :memory:\n' > "$T/$s/conf/fail2ban.local"
	printf '[Definition]\nfailregex = failure from <HOST>\n' > "$T/$s/conf/filter.d/br.conf"
	printf '[t]\nenabled = true\nfilter = br\nlogpath = %s/t.log\naction =\n' "$T/$s" \
	    > "$T/$s/conf/jail.local"
done
fail2ban-server -c "$T/py/conf" -s "$T/py/s" -p "$T/py/p" -x -b --logtarget "$T/py/log" start \
    > /dev/null 2>&1
"$F2B" server -c "$T/ours/conf" -s "$T/ours/s" -p "$T/ours/p" -x -b --logtarget "$T/ours/log" \
    start > /dev/null 2>&1
for s in py ours; do
	for _ in $(seq 100); do
		fail2ban-client -s "$T/$s/s" ping > /dev/null 2>&1 && break
		sleep 0.1
	done
done
python3 - "$T/py/s" "$T/ours/s" "$SRC/tests/tools" <<'PY'
import pickle, socket, sys, time
sys.path.insert(0, '/usr/lib/python3/dist-packages')
sys.path.insert(0, sys.argv[3])
import f2bsock


def talk(path, payload, timeout=5):
    return f2bsock.talk(path, payload, timeout)

def answer(path, cmd):
    r = talk(path, pickle.dumps(cmd, 4))
    if isinstance(r, tuple) and len(r) == 2 and isinstance(r[1], BaseException):
        return (r[0], type(r[1]).__name__, str(r[1]))
    return r

py, ours = sys.argv[1], sys.argv[2]
cases = [
    ['nosuchcommand'], ['status', 'nosuchjail'], ['set', 'nosuchjail', 'maxretry', '3'],
    ['get', 'nosuchjail', 'maxretry'], ['set', 't', 'maxretry', 'abc'],
    ['get', 't', 'nosuchoption'], ['set', 't', 'nosuchoption', '1'], ['start', 'nosuchjail'],
    ['set', 't', 'addfailregex', '(unbalanced'], ['get', 't', 'maxretry'],
    ['set', 't', 'findtime', 'notatime'], ['set', 't', 'usedns', 'sometimes'],
    ['set', 't', 'bantime.formula', '__import__("os").system("touch /tmp/pwned")'],
]
tests = []
for c in cases:
    a, b = answer(py, c), answer(ours, c)
    # both servers must fail (or succeed) alike, with the same exception class
    same = (a == b) or (isinstance(a, tuple) and isinstance(b, tuple) and a[:2] == b[:2]
                        and a[0] == 1)
    if c[-1].startswith('__import__'):
        same = isinstance(b, tuple) and b[0] == 1   # fail2ban evals it; we refuse it
    tests.append((same, 'same answer to %r' % (c,), '%r vs %r' % (a, b)))

# a malformed pickle, a list of the wrong type, a 10 MB frame, a silent client
silent = socket.socket(socket.AF_UNIX)
silent.connect(ours)
r = talk(ours, b"\x80\x04garbage")
tests.append((isinstance(r, str) and r.startswith('ERROR'), 'malformed pickle: ERROR answer', repr(r)))
r = talk(ours, pickle.dumps({'not': 'a list'}, 4))
tests.append((isinstance(r, tuple) and r[0] == 1, 'a dict instead of a list: error answer', repr(r)))
t0 = time.time()
r = talk(ours, pickle.dumps(['echo', 'x' * (10 << 20)], 4), timeout=30)
tests.append((isinstance(r, str) and 'ERROR' in r, '10 MB frame refused with an error (%.2f s)' %
    (time.time() - t0), repr(r)[:100]))
r = answer(ours, ['ping'])
tests.append((r == (0, 'pong'), 'other clients served while one stays silent', repr(r)))
silent.close()

# what a review broke the server with (each was a crash, a hang or 4 GB)
r = answer(ours, ['set', 't', 'banip', 'host.example'])
r2 = answer(ours, ['get', 't', 'banip'])
r3 = answer(ours, ['unban', '--all'])
tests.append((r2 == (0, ['host.example']) and r3 == (0, 1),
              'a non-IP ban is listed by its name and unbanned by unban --all', '%r %r %r' % (r, r2, r3)))
deep = b'\x80\x02(X\x04\x00\x00\x00pingX\x01\x00\x00\x00x' + b'\x85' * 150000 + b'l.'
r = talk(ours, deep)
tests.append((isinstance(r, str) and 'too deep' in r, '150,000 nested tuples refused (nesting)', repr(r)[:100]))
memo = (b'\x80\x02]q\x00(X\x04\x00\x00\x00echoq\x01X' + (1 << 20).to_bytes(4, 'little') +
        b'a' * (1 << 20) + b'q\x02e' + b'h\x02a' * 4000 + b'.')
raw = None
try:
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(30)
    s.connect(ours)
    s.sendall(memo + f2bsock.END)
    raw = b''
    while not raw.endswith(f2bsock.END):
        d = s.recv(1 << 20)
        if not d:
            break
        raw += d
    s.close()
except OSError as e:
    raw = None
ans = pickle.loads(raw[:-len(f2bsock.END)]) if raw else None
tests.append((raw is not None and len(raw) < (4 << 20) and ans is not None and len(ans[1]) == 4001,
              'echo of one 1 MB string named 4000 times: the answer names it too (%s bytes)' %
              (len(raw) if raw else None), 'answer of %s items' % (len(ans[1]) if ans else None)))
for bad in ([[]], [5], ['str']):
    r = answer(ours, ['set', 't', 'action', 'x', bad])
    tests.append((isinstance(r, tuple) and r[0] == 1, 'set t action x %r: an error answer' % (bad,), repr(r)))
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(ours)
s.sendall(pickle.dumps(['set', 't', 'banip', '192.0.2.77'], 4) + f2bsock.END)
s.shutdown(socket.SHUT_WR)
raw = b''
try:
    while True:
        d = s.recv(65536)
        if not d:
            break
        raw += d
except OSError:
    pass
s.close()
r = pickle.loads(raw[:-len(f2bsock.END)]) if raw.endswith(f2bsock.END) else None
tests.append((r == (0, 1), 'a request then a half-close: answered, then closed', repr(r)))
r = answer(ours, ['status'])
tests.append((isinstance(r, tuple) and r[0] == 0, 'still serving after all that', repr(r)))

print('1..%d' % len(tests))
for i, (good, name, diag) in enumerate(tests, 1):
    print('%s %d - %s' % ('ok' if good else 'not ok', i, name))
    if not good:
        print('# ' + diag)
sys.exit(0 if all(t[0] for t in tests) else 1)
PY

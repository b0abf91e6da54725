#!/bin/bash
# Hostile input for the filter engine, through `f2b-lite regex`: a line built
# to make a stock filter backtrack (fail2ban-regex spends minutes on it), a
# classic catastrophic pattern, 1 MB lines, NUL bytes, invalid UTF-8,
# binary garbage, ids that do not convert, and long lines with their failure
# at the end.  Each must finish within a bounded time (10 s here, a few
# milliseconds in practice), be counted, and be reported: limit hits with the
# regex that hit them, lines over 1 MiB as cut.  Where fail2ban agrees on the
# result (invalid UTF-8, NUL bytes) the rows are compared with fail2ban-regex's.
# Output is TAP.
set -u
F2B=${1:?usage: hostile.sh F2B-LITE-BINARY}
TMP=$(mktemp -d /tmp/f2b-hostile.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
FILTERS=/etc/fail2ban/filter.d
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
# run NAME ARGS...: f2b-lite regex within 10 s; stdout in $TMP/out, rc in $rc
run() {
	local t0 t1
	t0=$(date +%s%N)
	timeout 10 "$F2B" regex "$@" > "$TMP/out" 2> "$TMP/err"
	rc=$?
	t1=$(date +%s%N)
	ms=$(( (t1 - t0) / 1000000 ))
}
echo "1..12"

# 1. backtracking in a stock filter: apache-badbots's ".*" chain
python3 -c "print('192.0.2.1 - - [01/Jan/2024:00:00:00 +0000] \"' + 'GET HTTP \"' * 2000 + 'x')" \
	> "$TMP/badbots.log"
if [ -f $FILTERS/apache-badbots.conf ]; then
	run "$TMP/badbots.log" $FILTERS/apache-badbots.conf
	if [ $rc = 0 ] && grep -q 'stopped by the regex match limit, counted as no match: failregex #1: 1\]' "$TMP/out" &&
	    grep -q '^Lines: 1 lines, 0 ignored, 0 matched, 1 missed' "$TMP/out"; then
		ok "apache-badbots backtracking line: limit reported against failregex #1 (${ms} ms)"
	else
		nok "apache-badbots backtracking line" "rc=$rc after ${ms} ms" "$(grep -a 'Lines:\|limit' "$TMP/out")"
	fi
else
	ok "# SKIP stock filters not installed"
fi

# 2. a classic catastrophic pattern, given on the command line
python3 -c "print('Jan  1 00:00:00 host ' + 'a' * 5000 + '!')" > "$TMP/nested.log"
run "$TMP/nested.log" '^.*(a|aa)*b <HOST>'
if [ $rc = 0 ] && grep -q 'failregex #1: 1\]' "$TMP/out"; then
	ok "nested quantifier: limit reported (${ms} ms)"
else
	nok "nested quantifier" "rc=$rc after ${ms} ms" "$(grep -a 'Lines:\|limit' "$TMP/out")"
fi

# 3. a 1 MB line of noise
python3 -c "
import random; random.seed(1)
print('Jan  1 00:00:00 host sshd[1]: ' + ''.join(random.choice('ab .:[]()/=-') for _ in range(1 << 20)))" \
	> "$TMP/noise.log"
run "$TMP/noise.log" $FILTERS/sshd.conf
if [ $rc = 0 ] && grep -q '^\[1 line longer than 1048576 bytes cut to that length for matching\]' "$TMP/out" &&
    grep -q '^Lines: 1 lines, 0 ignored, 0 matched, 1 missed' "$TMP/out"; then
	ok "1 MB line of noise: missed, reported as cut past 1 MiB (${ms} ms)"
else
	nok "1 MB line of noise" "rc=$rc after ${ms} ms" "$(grep -a 'Lines:\|cut' "$TMP/out" | cut -c1-200)"
fi

# 4. a line over 1 MiB whose failure is in its first MiB still counts
python3 -c "print('Jan  1 00:00:07 host x: failure from 192.0.2.16' + ' pad' * 262144)" > "$TMP/long.log"
run -o '<fid>' "$TMP/long.log" 'failure from <HOST>'
if [ $rc = 0 ] && [ "$(cat "$TMP/out")" = 192.0.2.16 ] &&
    grep -q 'cut to that length' "$TMP/err"; then
	ok "1 MB line: the failure at its start is found, the cut reported on stderr (${ms} ms)"
else
	nok "1 MB line with a failure" "rc=$rc after ${ms} ms" "$(head -c 200 "$TMP/out")" "$(cat "$TMP/err")"
fi

# 5, 6. NUL bytes and invalid UTF-8 (lone surrogates, overlong forms, bad
# continuation bytes, Latin-1): decoded as Python's 'replace' does
python3 - "$TMP" <<'PY'
import sys
d = sys.argv[1]
open(d + '/nul.log', 'wb').write(b'\n'.join([
    b'Jan  1 00:00:01 host x: failure from 192.0.2.10 \x00 tail',
    b'Jan  1 00:00:02 host x: fail\x00ure from 192.0.2.11',
    b'\x00\x00\x00',
    b'Jan  1 00:00:03 host x: \x00failure from 192.0.2.12',
]) + b'\n')
open(d + '/utf8.log', 'wb').write(b'\n'.join([
    b'Jan  1 00:00:03 host x: failure from 192.0.2.12 \xff\xfe\xc3(',
    b'Jan  1 00:00:04 host x: \xed\xa0\x80 failure from 192.0.2.13 \xf0\x9f\x98\x80 ok',
    b'Jan  1 00:00:05 host x: \xc0\xaf overlong failure from 192.0.2.14',
    b'Jan  1 00:00:06 host \xe9t\xe9 failure from 192.0.2.15',
    b'Jan  1 00:00:07 host \xf4\x90\x80\x80 \xe2\x82 failure from 192.0.2.17',
    b'Jan  1 00:00:08 h\xc3\xb6st x: failure from 192.0.2.18 \xef\xbb\xbf',
]) + b'\n')
PY
run -o '<fid>' "$TMP/nul.log" 'failure from <HOST>'
if [ $rc = 0 ] && [ "$(tr '\n' ' ' < "$TMP/out")" = "192.0.2.10 192.0.2.12 " ]; then
	ok "NUL bytes: the regexes see the whole line (${ms} ms)"
else
	nok "NUL bytes" "rc=$rc" "$(cat -v "$TMP/out")"
fi
OUT=$'<fid>\t<time>\t<msg>'
run -o "$OUT" "$TMP/utf8.log" 'failure from <HOST>'
if command -v fail2ban-regex > /dev/null; then
	fail2ban-regex -o "$OUT" "$TMP/utf8.log" 'failure from <HOST>' > "$TMP/theirs" 2>/dev/null
else
	printf '192.0.2.1%s\n' 2 3 4 5 7 8 > "$TMP/theirs"
	cut -f1 "$TMP/out" > "$TMP/out1" && mv "$TMP/out1" "$TMP/out"
fi
if [ $rc = 0 ] && cmp -s "$TMP/theirs" "$TMP/out"; then
	ok "invalid UTF-8: rows identical to fail2ban-regex's ($(wc -l < "$TMP/out") rows)"
else
	nok "invalid UTF-8" "rc=$rc" "$(diff "$TMP/theirs" "$TMP/out" | cat -v | head -6)"
fi

# 7, 8. binary garbage through two filters: every line counted, nothing hangs
head -c 4000000 /dev/urandom > "$TMP/garbage.log"
lines=$(python3 -c "
import sys
n = 0
for l in open(sys.argv[1], 'rb').read().split(b'\n')[:-1]:
    l = l.rstrip(b'\r')
    if l and not l.startswith(b'#'):
        n += 1
print(n)" "$TMP/garbage.log")
for flt in $FILTERS/sshd.conf "$(dirname "$0")/../../filter.d/fu_hmail.conf"; do
	run "$TMP/garbage.log" "$flt"
	# (fu_hmail's ignoreregex is the two characters "", which noise can contain)
	if [ $rc = 0 ] && grep -q "^Lines: $lines lines, [0-9]* ignored, 0 matched, [0-9]* missed" "$TMP/out"; then
		ok "4 MB of random bytes through $(basename "$flt"): $lines lines, all missed (${ms} ms)"
	else
		nok "random bytes through $(basename "$flt")" "rc=$rc after ${ms} ms, expected $lines lines" \
		    "$(grep -a '^Lines:' "$TMP/out")"
	fi
done

# 9. many long lines: matched whole, the cost linear
python3 -c "
for i in range(200):
    print('Jan  1 00:00:00 host sshd[1]: Failed password for root from 192.0.2.%d port 22 ssh2 ' % (i % 250) + 'x' * 100000)" \
	> "$TMP/longs.log"
run "$TMP/longs.log" $FILTERS/sshd.conf
if [ $rc = 0 ] && ! grep -q 'cut to that length' "$TMP/out" &&
    grep -q '^Lines: 200 lines, 0 ignored, 200 matched, 0 missed' "$TMP/out"; then
	ok "200 sshd failures of 100 KB each: matched whole and counted (${ms} ms)"
else
	nok "200 lines of 100 KB" "rc=$rc after ${ms} ms" "$(grep -a '^Lines:\|cut' "$TMP/out")"
fi
# 10. failure ids that do not convert (an address with a bad prefix, a NUL):
# fail2ban-regex stops at the first with a traceback, the server logs each
# and goes on; f2b-lite regex says each on stderr as the server logs it,
# counts it as missed and goes on.  Each error compared with the exception
# fail2ban-regex ends on; the ids of the other lines with its rows.
python3 - "$TMP" <<'PY'
import sys
d = sys.argv[1]
ids = [b'a/b', b'192.0.2.1/x', b'192.0.2.1/255.0.255.0', b'a/1.1/x',
       b'192.0.2.9/-99999999999999999999', b'a\x00b', b'192.0.2.7/' + b'9' * 5000]
good = [b'bob', b'192.0.2.1/24', b'[2001:db8::1]/64', b'a/1.1/1.1']
line = lambda i, k: b'Jan  1 00:00:%02d host x: session %s failed\n' % (k, i)
open(d + '/ids.log', 'wb').write(b''.join(line(i, k) for k, i in enumerate(ids + good)))
open(d + '/good.log', 'wb').write(b''.join(line(i, k + len(ids)) for k, i in enumerate(good)))
for k, i in enumerate(ids):
    open(d + '/bad%d.log' % k, 'wb').write(line(i, k))
PY
RX='session <F-ID>\S+</F-ID> failed$'
run -o '<fid>' "$TMP/ids.log" "$RX"
mv "$TMP/err" "$TMP/ids.err"
if command -v fail2ban-regex > /dev/null; then
	fail2ban-regex -o '<fid>' "$TMP/good.log" "$RX" > "$TMP/theirs" 2> /dev/null
	for k in 0 1 2 3 4 5 6; do
		fail2ban-regex "$TMP/bad$k.log" "$RX" 2>&1 | tail -1
	done > "$TMP/theirs.err"
else
	printf 'bob\n192.0.2.0/24\n2001:db8::/64\na\n' > "$TMP/theirs"
	cp /dev/null "$TMP/theirs.err"
fi
# ours: "ERROR: ... caught exception: ValueError('x')" -> "ValueError: x", as a traceback ends
python3 -c "
import sys
for l in open(sys.argv[1]):
    if l.startswith('ERROR: Failed to process line: '):
        e = l.rstrip('\n').split(', caught exception: ', 1)[1]
        name, arg = e.split('(', 1)
        print('%s: %s' % (name, eval(arg[:-1])))" "$TMP/ids.err" > "$TMP/ours.err"
nerr=$(grep -c '^ERROR: Failed to process line' "$TMP/ids.err")
if [ $rc = 0 ] && cmp -s "$TMP/theirs" "$TMP/out" && [ "$nerr" = 7 ] &&
    grep -q '^\[7 lines could not be processed' "$TMP/ids.err" &&
    { [ ! -s "$TMP/theirs.err" ] || cmp -s "$TMP/theirs.err" "$TMP/ours.err"; }; then
	ok "7 ids that do not convert: each reported as fail2ban raises it, the 4 others found (${ms} ms)"
else
	nok "ids that do not convert" "rc=$rc, $nerr errors" "$(diff "$TMP/theirs" "$TMP/out")" \
	    "$(diff "$TMP/theirs.err" "$TMP/ours.err" | cut -c1-200)"
fi
# 11. lines over 64 KiB with their failure at the end (they were cut at 64
# KiB): found as fail2ban-regex finds them, up to 1 MiB, with sshd.conf
# (its .* before the address backtracks over the whole line), and in its
# multi-line mode (-L 10) while the buffered lines fit in 1 MiB (past that
# the oldest are let go, which fail2ban does not do); a line past 1 MiB is
# cut there and its failure at the end missed, as documented.
python3 - "$TMP" <<'PY'
import sys
d = sys.argv[1]
with open(d + '/tails.log', 'w') as f:
    for k, n in enumerate((70000, 300000, 1000000)):
        f.write('Jan  1 00:00:%02d host sshd[1]: Failed password for %s from 192.0.2.%d port 22 ssh2\n'
                % (k, 'x' * n, 30 + k))
        f.write('Jan  1 00:00:%02d host sshd[1]: Connection closed by 192.0.2.%d port 22 %s [preauth]\n'
                % (k, 40 + k, 'y' * n))
        if k == 1:
            f.flush()
            open(d + '/tails2.log', 'w').write(open(d + '/tails.log').read())
with open(d + '/over.log', 'w') as f:
    f.write('Jan  1 00:00:09 host x: %s failure from 192.0.2.50\n' % ('z' * (1 << 20)))
PY
OUT='<fid> <F-MLFID>'
run -o "$OUT" "$TMP/tails.log" $FILTERS/sshd.conf
cp "$TMP/out" "$TMP/tails.ours"
t1=$ms
run -L 10 -o "$OUT" "$TMP/tails2.log" $FILTERS/sshd.conf
cp "$TMP/out" "$TMP/tails10.ours"
t2=$ms
if command -v fail2ban-regex > /dev/null; then
	fail2ban-regex -o "$OUT" "$TMP/tails.log" $FILTERS/sshd.conf > "$TMP/tails.theirs" 2> /dev/null
	fail2ban-regex -L 10 -o "$OUT" "$TMP/tails2.log" $FILTERS/sshd.conf > "$TMP/tails10.theirs" 2> /dev/null
else
	printf '192.0.2.3%s \n' 0 1 2 > "$TMP/tails.theirs"
	head -1 "$TMP/tails.theirs" > "$TMP/tails10.theirs"
fi
if [ -s "$TMP/tails.ours" ] && cmp -s "$TMP/tails.theirs" "$TMP/tails.ours" &&
    cmp -s "$TMP/tails10.theirs" "$TMP/tails10.ours"; then
	ok "failures at the end of 70 KB to 1 MB lines: rows identical to fail2ban-regex's, also with -L 10 ($(wc -l < "$TMP/tails.ours") and $(wc -l < "$TMP/tails10.ours") rows; ${t1} ms, ${t2} ms)"
else
	nok "failures at the end of long lines" "$(diff "$TMP/tails.theirs" "$TMP/tails.ours")" \
	    "-L 10: $(diff "$TMP/tails10.theirs" "$TMP/tails10.ours")"
fi
run -o '<fid>' "$TMP/over.log" 'failure from <HOST>$'
if [ $rc = 0 ] && [ ! -s "$TMP/out" ] && grep -q 'longer than 1048576 bytes cut' "$TMP/err"; then
	ok "a line past 1 MiB: cut there, its failure at the end missed, the cut reported (${ms} ms)"
else
	nok "a line past 1 MiB" "rc=$rc" "$(cat "$TMP/out")" "$(cat "$TMP/err")"
fi
exit $((failed > 0))

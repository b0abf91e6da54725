#!/bin/bash
# Numbers past 64 bits in time strings and integer options.  fail2ban keeps
# Python's unbounded ints; f2b-lite computes them exactly up to 2**127
# (refused past that) and a time option keeps at most 10^15 seconds, an
# integer option 2^63-1 - saturated, and said with the file and line
# (bantime = 99999999999999999999m used to become -60 s with "-t" saying OK).
#   1. --str2sec on 30 expressions: output identical to fail2ban-client's
#      (where fail2ban-client is installed), and the three past 2**127
#      refused;
#   2. -t on a jail with such a bantime, findtime and maxretry: OK, and a
#      warning naming each one's file:line.
# The UBSan build runs this too: no expression may overflow.  TAP.
set -u
F2B=${1:?usage: numbers.sh F2B-LITE-BINARY}
TMP=$(mktemp -d /tmp/f2b-numbers.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
echo "1..4"

EXPRS=('99999999999999999999m' '-99999999999999999999m' '9223372036854775807+1'
    '-9223372036854775808 // -1' '-9223372036854775808 % -1' '10**19' '10**19 // 3'
    '2**64 % 7' '2**126' '-(2**63)' '1_000' '1e3' '0x10' '007' '1__0' '7 // 0' '7 / 0'
    '7.0 % 0' '0**-1' '10.0**400' '1.5**1000' '-7.5 // 2' '7 % -2.5' '1d 12h'
    '1year-6mo' '(-1)**99999999999999999999' '(1' '1+' 'inf' '00.5')
BIG=('2**127' '10**400' '2**1000')
last() { "$@" 2>&1 | grep -v '^  \|^Traceback\|^Init of command line failed' | tail -1; }
for e in "${EXPRS[@]}"; do last "$F2B" client --str2sec "$e"; done > "$TMP/ours"
if command -v fail2ban-client > /dev/null; then
	for e in "${EXPRS[@]}"; do last fail2ban-client --str2sec "$e"; done > "$TMP/theirs"
	if cmp -s "$TMP/theirs" "$TMP/ours"; then
		ok "--str2sec on ${#EXPRS[@]} expressions: identical to fail2ban-client's"
	else
		nok "--str2sec identical to fail2ban-client's" "$(diff "$TMP/theirs" "$TMP/ours")"
	fi
else
	grep -qx 5999999999999999999940 "$TMP/ours"
	if [ $? = 0 ]; then ok "# SKIP fail2ban-client not installed"; else nok "--str2sec" "$(head -3 "$TMP/ours")"; fi
fi
bad=0
for e in "${BIG[@]}"; do
	[ "$(last "$F2B" client --str2sec "$e")" = "ERROR: integer too large for f2b-lite (past 2**127)" ] || bad=1
done
if [ $bad = 0 ]; then
	ok "--str2sec past 2**127: refused (${BIG[*]})"
else
	nok "--str2sec past 2**127 refused" "$(for e in "${BIG[@]}"; do last "$F2B" client --str2sec "$e"; done)"
fi

# -t: saturated values said with their place, the configuration still OK
mkdir -p "$TMP/conf/filter.d"
cat > "$TMP/conf/filter.d/t.conf" <<'EOF'
[Definition]
failregex = failure from <HOST>$
EOF
: > "$TMP/t.log"
cat > "$TMP/conf/jail.conf" <<EOF
[t]
enabled = true
filter = t
logpath = $TMP/t.log
action =
bantime = 99999999999999999999m
findtime = 10**30
maxretry = 99999999999999999999
EOF
"$F2B" client -c "$TMP/conf" -t > "$TMP/t.out" 2>&1
rc=$?
want=("jail.conf:6: warning: bantime = 99999999999999999999m: past the longest time"
    "jail.conf:7: warning: findtime = 10**30: past the longest time"
    "jail.conf:8: warning: maxretry: past the largest integer f2b-lite keeps, saturated to 9223372036854775807")
miss=
for w in "${want[@]}"; do grep -qF -- "$w" "$TMP/t.out" || miss="$miss [$w]"; done
if [ $rc = 0 ] && [ -z "$miss" ] && grep -q '^OK: configuration test is successful' "$TMP/t.out"; then
	ok "-t: OK, each saturated value said with its file:line"
else
	nok "-t with saturated values" "rc=$rc, missing:$miss" "$(cat "$TMP/t.out")"
fi
"$F2B" client -c "$TMP/conf" -d 2> /dev/null > "$TMP/d.out"
if grep -qF "['set', 't', 'maxretry', 9223372036854775807]" "$TMP/d.out" &&
    grep -qF "['set', 't', 'bantime', '99999999999999999999m']" "$TMP/d.out"; then
	ok "-d: maxretry saturated, bantime passed as written (the server saturates it)"
else
	nok "-d" "$(grep -F maxretry "$TMP/d.out")" "$(grep -F bantime "$TMP/d.out")"
fi
exit $((failed > 0))

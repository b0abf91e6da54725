#!/bin/bash
# Head-of-line blocking: one jail's burst of failures must not hold the one
# loop.  Jail "a" gets 5,000 distinct offenders in one write, jail "b" one
# offender right after: b's ban, and the socket's answers to ping and
# status (asked every 20 ms throughout), must come within $BOUND s while
# a's 5,000 bans run, each through /bin/sh (f2b-lite 0.3 s here, 1.3 s
# under ASan; before the work of a loop turn was bounded: 27-66 s, the
# whole burst's bans and the spawning of their shells in one turn).  Then
# 100,000 offenders, appended 1,000 lines at a time, each once the previous
# ones are read (a syslog writer's pace; the tail reads what is there in one
# turn): the same bounds while they wait to be counted and banned (before:
# each 1,000 banned in the turn that read them, seconds a turn).  First, a
# burst of 200 to f2b-lite and fail2ban-server: the same bans.  TAP.
. "$(dirname "$0")/lib.sh" "$@"
need_fail2ban
setup burst
BOUND=5	# seconds, on an idle machine (load_bound scales it)
echo "1..8"

mkconf "$T/conf"
failure_filter "$T/conf/filter.d/burst.conf"
ban_action "$T/conf/action.d/burst.conf"
for who in ours theirs big; do
	D=$T/$who
	mkdir -p "$D"
	cp -r "$T/conf" "$D/"
	: > "$D/a.log"
	: > "$D/b.log"
	put "$D/conf/jail.local" <<EOF
[DEFAULT]
filter = burst
maxretry = 1
findtime = 1h
bantime = 1h
[a]
enabled = true
logpath = $D/a.log
action = burst[out="$D/a.out"]
[b]
enabled = true
logpath = $D/b.log
action = burst[out="$D/b.out"]
EOF
done

# lines N FIRST: N "failure from" lines, distinct addresses from number FIRST on
lines() {
	python3 - "$1" "$2" "$(syslog_now)" <<'PY'
import sys
n, first, now = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
sys.stdout.write(''.join('%s host app[1]: failure from 10.%d.%d.%d\n' % (now, (i >> 16) & 255,
    (i >> 8) & 255, i & 255) for i in range(first, first + n)))
PY
}
# pinger NAME: asks NAME's socket (ping, status a) until $T/NAME.stop exists
pinger() {
	python3 "$SRC/tests/tools/pinger.py" "$T/$1.sock" "$T/$1.stop" "$T/$1.ping" status \
	    status:a &
	spawned $!
}
# worst NAME: stops NAME's pinger; "WORST ANSWERS FAILURES COMMAND"
worst() {
	touch "$T/$1.stop"
	wait_until 150 test -s "$T/$1.ping"
	cat "$T/$1.ping"
}
# b_banned WHO IP TOTAL: IP's failure appended to WHO's jail b, then b's ban
# checked to come while jail a has banned fewer than TOTAL (its burst still
# running), within the bound
b_banned() {
	local t0 took a_then bound total=$3
	t0=$(now_us)
	echo "$(syslog_now) host app[1]: failure from $2" >> "$T/$1/b.log"
	wait_until 120 test -s "$T/$1/b.out"
	took=$(( ($(now_us) - t0) / 1000 ))
	a_then=$(count_lines "$T/$1/a.out")
	bound=$(load_bound $BOUND)
	check "another jail bans while $3 failures of jail a wait or run ($a_then banned then): in ${took} ms (bound $bound s)" \
	    eval '[ "$a_then" -lt $total ] && within $((took / 1000)) $bound'
}
# answered WHO: WHO's pinger stopped; its worst answer within the bound, none failed
answered() {
	local w answers fails cmd bound
	read -r w answers fails cmd <<< "$(worst $1)"
	bound=$(load_bound $BOUND)
	check "the socket answered within $w s (worst: $cmd; bound $bound s; $answers answers, $fails failed)" \
	    eval 'within "$w" $bound && [ "$fails" = 0 ] && [ "$answers" -gt 10 ]'
}
within() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 <= b + 0) }'; }
count_lines() { [ -f "$1" ] && wc -l < "$1" || echo 0; }
lines_read() {
	local n
	n=$("$F2B" client -s "$T/$1.sock" metrics 2> /dev/null |
	    sed -n "s/^f2b_lines_read{jail=\"$2\"} //p")
	echo "${n:-0}"
}

start_ours ours "$T/ours/conf"
start_theirs theirs "$T/theirs/conf"
THEIRS=$DPID
check "both servers start" wait_until 30 eval 'started "$T/ours.log" a b && started "$T/theirs.log" a b'

# ---- 200 in one write, to both: the bans compared ---------------------------------
lines 200 100000 > "$T/burst200"
cat "$T/burst200" >> "$T/ours/a.log"
cat "$T/burst200" >> "$T/theirs/a.log"
line="$(syslog_now) host app[1]: failure from 192.0.2.8"
echo "$line" >> "$T/ours/b.log"
echo "$line" >> "$T/theirs/b.log"
wait_until 600 eval '[ "$(count_lines "$T/ours/a.out")" -ge 200 ] &&
    [ "$(count_lines "$T/theirs/a.out")" -ge 200 ] && test -s "$T/theirs/b.out"'
check "a burst of 200: the same bans as fail2ban-server's, in both jails" \
    eval 'cmp -s <(sort "$T/ours/a.out") <(sort "$T/theirs/a.out") &&
        cmp -s "$T/ours/b.out" "$T/theirs/b.out"'
stop_daemon $THEIRS 60
: > "$T/ours/a.out"
: > "$T/ours/b.out"

# ---- 5,000 in one write -------------------------------------------------------
lines 5000 0 > "$T/burst5k"
pinger ours
cat "$T/burst5k" >> "$T/ours/a.log"
b_banned ours 192.0.2.9 5000
wait_until 300 eval '[ "$(count_lines "$T/ours/a.out")" -ge 5000 ]'
answered ours
check "jail a's 5,000 bans ran, each once" \
    [ "$(sort -u "$T/ours/a.out" | wc -l)" = 5000 -a "$(wc -l < "$T/ours/a.out")" = 5000 ]

# ---- 100,000 ------------------------------------------------------------------
start_ours big "$T/big/conf"
check "a server for 100,000 starts" wait_until 30 started "$T/big.log" a b
pinger big
lines 100000 65536 > "$T/burst100k"
t0=$(now_us)
for k in $(seq 0 99); do
	sed -n "$((k * 1000 + 1)),$((k * 1000 + 1000))p" "$T/burst100k" >> "$T/big/a.log"
	wait_until 120 eval '[ "$(lines_read big a)" -ge $(((k + 1) * 1000)) ]'
done
note "100,000 appended and read in $(( ($(now_us) - t0) / 1000 )) ms"
b_banned big 192.0.2.10 100000
# a few thousand of a's bans (the rest would take minutes of shells)
wait_until 300 eval '[ "$(count_lines "$T/big/a.out")" -ge 2000 ]'
answered big
# the daemon would now run the 98,000 other bans: killed by the cleanup
finish

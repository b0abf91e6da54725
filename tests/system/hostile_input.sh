#!/bin/bash
# Hostile input to a running daemon, against Debian's fail2ban-server 1.0.2.
#
# Log lines whose failure id does not convert, against Debian's
# fail2ban-server 1.0.2: a filter with <F-ID> and no host is fed ids that
# look like addresses with a bad prefix ("a/b", "192.0.2.1/x", a mask with no
# prefix length, a prefix past every integer, a NUL byte).  fail2ban's
# processLine raises on each; it logs "Failed to process line: ..., caught
# exception: ..." and goes on.  f2b-lite must do the same (it crashed on the
# first one): the ERROR lines are compared whole with fail2ban's, the daemon
# keeps running, the same jail still bans a good id, another jail still
# bans, and after a restart on the same database the bad lines are not read
# again (their position was saved with the rest).
#
# "echo" of a dict shaped like a pickled exception ({"__exception__":
# "posix.system", "args": (...)}): fail2ban hands it back as a dict; f2b-lite
# wrote it back as a call of posix.system, run by the Python client that
# unpickled the answer.  Both answers are compared in a Python client, and
# nothing may run.
#
# Two 200 KB lines with the failure at their end: both daemons ban (f2b-lite
# cut lines at 64 KiB).
#
# A bantime past the longest time f2b-lite keeps (10^15 s) set through the
# socket: saturated, said, and the bans last (it wrapped to -60 s).  TAP.
. "$(dirname "$0")/lib.sh" "$@"
need_fail2ban
setup hostileinput
echo "1..14"

mkconf "$T/conf"
for who in ours theirs; do
	D=$T/$who
	mkdir -p "$D"
	cp -r "$T/conf" "$D/"
	put "$D/conf/fail2ban.local" <<EOF
[Definition]
dbfile = $D/db.sqlite3
EOF
	put "$D/conf/filter.d/sess.conf" <<'EOF'
[Definition]
failregex = session <F-ID>\S+</F-ID> failed$
EOF
	failure_filter "$D/conf/filter.d/hfail.conf"
	put "$D/conf/action.d/hout.conf" <<EOF
[Definition]
actionban = printf 'ban %%s\n' "<ip>" >> $D/<j>.out
actionunban =
EOF
	put "$D/conf/jail.local" <<EOF
[DEFAULT]
maxretry = 2
bantime = 1h
[sess]
enabled = true
filter = sess
logpath = $D/sess.log
action = hout[j=sess]
[healthy]
enabled = true
filter = hfail
logpath = $D/healthy.log
action = hout[j=healthy]
EOF
	: > "$D/sess.log"
	: > "$D/healthy.log"
done

start_theirs theirs "$T/theirs/conf"
THEIRS=$DPID
start_ours ours "$T/ours/conf"
OURS=$DPID
wait_until 10 started "$T/ours.log" sess healthy &&
    wait_until 30 started "$T/theirs.log" sess healthy
check "both daemons started both jails" [ $? = 0 ]

# echo of a dict shaped like an exception, through a Python client
echo_check() {	# echo_check SOCKET: prints the answer's repr, or "RAN" if the marker appeared
	python3 - "$1" "$SRC/tests/tools" "$T/owned" <<'PY'
import os, sys
sys.path.insert(0, sys.argv[2])
import f2bsock
marker = sys.argv[3]
cmd = 'touch %s' % marker
ans = f2bsock.ask(sys.argv[1], ['echo', {'__exception__': 'posix.system', 'args': (cmd,)},
                                {'__exception__': 'builtins.ValueError', 'args': ('x',)}])
print('RAN' if os.path.exists(marker) else repr(ans))
PY
}
ours_echo=$(echo_check "$T/ours.sock" 2>&1)
theirs_echo=$(echo_check "$T/theirs.sock" 2>&1)
if [ "$ours_echo" = "$theirs_echo" ] && [ ! -e "$T/owned" ]; then
	ok "echo of exception-shaped dicts comes back as plain data, nothing runs ($ours_echo)"
else
	nok "echo of exception-shaped dicts comes back as plain data, nothing runs" \
	    "ours: $ours_echo" "theirs: $theirs_echo"
fi

# the same bad lines to both, then two failures of a good id
d=$(syslog_now)
python3 - "$d" "$T/ours/sess.log" "$T/theirs/sess.log" <<'PY'
import sys
d = sys.argv[1].encode()
ids = [b'a/b', b'192.0.2.1/x', b'192.0.2.1/255.0.255.0', b'a/1.1/x',
       b'192.0.2.9/-99999999999999999999', b'a\x00b', b'bob', b'bob']
data = b''.join(d + b' host app[1]: session ' + i + b' failed\n' for i in ids)
for p in sys.argv[2:]:
    open(p, 'ab').write(data)
PY
NBAD=6
wait_until 10 has "$T/ours/sess.out" "ban bob"
check "f2b-lite keeps running and bans the good id after the bad lines" \
    eval 'kill -0 $OURS && has "$T/ours/sess.out" "ban bob"'
# fail2ban sleeps a second after each line it failed on
wait_until 30 has "$T/theirs/sess.out" "ban bob"
check "fail2ban-server bans it too" [ $? = 0 ]

errors() { sed -n 's/^.*fail2ban\.filter *\[[0-9]*\]: ERROR *\(Failed to process line\)/\1/p' "$1"; }
errors "$T/theirs.log" > "$T/theirs.err"
errors "$T/ours.log" > "$T/ours.err"
if [ "$(wc -l < "$T/theirs.err")" = $NBAD ] && cmp -s "$T/theirs.err" "$T/ours.err"; then
	ok "each bad line is logged once, as fail2ban logs it ($NBAD ERROR lines identical)"
else
	nok "each bad line is logged once, as fail2ban logs it" \
	    "$(diff "$T/theirs.err" "$T/ours.err" | head -20)"
fi

# the other jail is untouched
offend_both healthy 198.51.100.7
offend_both healthy 198.51.100.7
wait_until 5 has "$T/ours/healthy.out" "ban 198.51.100.7"
check "another jail still bans" [ $? = 0 ]
wait_until 10 has "$T/theirs/healthy.out" "ban 198.51.100.7"
check "(fail2ban-server's too)" [ $? = 0 ]

# lines over 64 KiB with the failure at their end (they were cut at 64 KiB
# and the failure missed): banned by both
d=$(syslog_now)
for who in ours theirs; do
	python3 -c "
import sys
for i in range(2):
    print(sys.argv[1] + ' host app[1]: ' + 'x' * 200000 + ' session carol failed')" "$d" \
	    >> "$T/$who/sess.log"
done
wait_until 5 has "$T/ours/sess.out" "ban carol"
check "two 200 KB lines with the failure at their end: banned" [ $? = 0 ]
wait_until 10 has "$T/theirs/sess.out" "ban carol"
check "(by fail2ban-server too)" [ $? = 0 ]

# a bantime past what f2b-lite keeps, set through the socket: saturated and
# said (it was -60 s: the jail's bans ended at once)
ans=$("$F2B" client -s "$T/ours.sock" set healthy bantime 99999999999999999999m 2>&1)
if [ "$ans" = 1000000000000000 ] &&
    has "$T/ours.log" "[healthy] bantime '99999999999999999999m' is past the largest time"; then
	ok "set bantime 99999999999999999999m: saturated to 10^15 s, with a WARNING"
else
	nok "set bantime 99999999999999999999m saturates" "answer: $ans" "$(grep -F WARNING "$T/ours.log" | tail -2)"
fi
for ip in 198.51.100.9 198.51.100.9 198.51.100.10 198.51.100.10; do
	offend_both healthy $ip
done
wait_until 5 has "$T/ours/healthy.out" "ban 198.51.100.10"
banned=$("$F2B" client -s "$T/ours.sock" get healthy banip 2>&1)
if has "$T/ours/healthy.out" "ban 198.51.100.9" && grep -qw '198\.51\.100\.9' <<< "$banned" &&
    ! has "$T/ours.log" "Unban 198.51.100.9"; then
	ok "... and its bans last (198.51.100.9 still banned after the next ban)"
else
	nok "... and its bans last" "banned: $banned" "$(grep -F 198.51.100.9 "$T/ours.log")"
fi

# a restart on the same database does not read the bad lines again
stop_daemon $OURS 10
rc=$?
check "f2b-lite stops with status 0 (status $rc)" [ $rc = 0 ]
mv "$T/ours.log" "$T/ours.first.log"
start_ours ours "$T/ours/conf"
OURS=$DPID
wait_until 10 started "$T/ours.log" sess healthy
offend_both healthy 198.51.100.8
offend_both healthy 198.51.100.8
wait_until 5 has "$T/ours/healthy.out" "ban 198.51.100.8"
errs=$(count_in "$T/ours.log" "Failed to process line")
found=$(count_in "$T/ours.log" "Found bob")
if kill -0 $OURS && [ "$errs" = 0 ] && [ "$found" = 0 ]; then
	ok "after a restart the bad lines are not read again (0 errors, 0 Found)"
else
	nok "after a restart the bad lines are not read again" "errors: $errs, Found bob: $found" \
	    "$(grep -F 'sess' "$T/ours.log" | tail -5)"
fi
stop_daemon $OURS 10
check "and it stops with status 0" [ $? = 0 ]
finish

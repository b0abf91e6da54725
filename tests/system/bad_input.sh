#!/bin/bash
# One daemon, one healthy jail and one jail per kind of trouble: (a) a log
# path that is a directory, (b) a log deleted while followed (and created
# again later), (c) an ipset action on a set that does not exist (the daemon
# runs in a network namespace of its own, so its in-process ipset calls never
# reach the host), (d) an action that hangs past its timeout, (e) an action
# that fails with status 3 and a message on stderr, (f) an action whose
# command does not exist.  Each problem must be logged as an ERROR naming it,
# and after each one the healthy jail must still ban its next offender (its
# echo action writes "ban healthy <ip>"); while (d) hangs, too.  TAP.
. "$(dirname "$0")/lib.sh" "$@"
need_netns
setup badinput
NS=f2bsys-$$-bad
HANG=2			# the hanging action's timeout
SLEEPARG=9$$		# "sleep $SLEEPARG": no other process has that command line
echo "1..25"

netns_add $NS
mkconf "$T/conf"
mkdir "$T/adir"
put "$T/conf/filter.d/simple.conf" <<'EOF'
[Definition]
failregex = failure from <HOST>$
EOF
put "$T/conf/action.d/echo.conf" <<EOF
[Definition]
actionban = printf 'ban %%s %%s\n' <j> <ip> >> $T/<j>.out
actionunban =
EOF
put "$T/conf/action.d/badset.conf" <<'EOF'
[Definition]
actionban = ipset add nosuchset <ip>
actionunban = ipset del nosuchset <ip>
EOF
put "$T/conf/action.d/hang.conf" <<EOF
[Definition]
actionban = sleep $SLEEPARG
actionunban =
[Init]
timeout = $HANG
EOF
put "$T/conf/action.d/fail.conf" <<'EOF'
[Definition]
actionban = echo "cannot ban <ip>: quota exceeded" >&2; exit 3
actionunban =
EOF
put "$T/conf/action.d/nocmd.conf" <<'EOF'
[Definition]
actionban = /nonexistent/f2bsys-ban <ip>
actionunban =
EOF
put "$T/conf/jail.local" <<EOF
[DEFAULT]
filter = simple
maxretry = 1
bantime = 1h
[healthy]
enabled = true
logpath = $T/healthy.log
action = echo[j=healthy]
[dirlog]
enabled = true
logpath = $T/adir
action = echo[j=dirlog]
[deleted]
enabled = true
logpath = $T/deleted.log
action = echo[j=deleted]
[noset]
enabled = true
logpath = $T/noset.log
action = badset
[hang]
enabled = true
logpath = $T/hang.log
action = hang
[fail]
enabled = true
logpath = $T/fail.log
action = fail
[nocmd]
enabled = true
logpath = $T/nocmd.log
action = nocmd
EOF
for f in healthy deleted noset hang fail nocmd; do : > "$T/$f.log"; done

start_ours f2b "$T/conf" $NS
PID=$DPID
LOG=$T/f2b.log
wait_until 10 started "$LOG" healthy deleted noset hang fail nocmd
check "the daemon starts every jail whose log is usable" [ $? = 0 ]

offend() {	# offend JAIL IP: one failure line in the jail's log
	printf '%s host app[1]: failure from %s\n' "$(syslog_now)" "$2" >> "$T/$1.log"
}
# error_like JAIL REGEX: an ERROR line about JAIL matching REGEX (grep -E)
error_like() { grep 'ERROR' "$LOG" | grep -F -- "$1" | grep -qE -- "$2"; }
k=0
healthy_bans() {	# the healthy jail bans its next offender within 2 s
	k=$((k + 1))
	offend healthy 192.0.2.$k
	if wait_until 2 has "$T/healthy.out" "ban healthy 192.0.2.$k"; then
		ok "then the healthy jail still bans (192.0.2.$k)"
	else
		nok "then the healthy jail still bans (192.0.2.$k)" "$(tail -5 "$LOG")"
	fi
}
first_error() { grep 'ERROR' "$LOG" | grep -F -- "$1" | head -1 | sed 's/.*ERROR *//'; }
errors() { grep 'ERROR' "$LOG" | sed 's/^/  /'; }

# (a) a directory as the log
if wait_until 3 error_like "[dirlog]" "$T/adir"; then
	ok "(a) a directory as log path: ERROR naming it ($(first_error '[dirlog]'))"
else
	nok "(a) a directory as log path: ERROR naming it" "$(errors)"
fi
healthy_bans

# (b) the log deleted while followed, then created again
rm "$T/deleted.log"
if wait_until 7 error_like "[deleted]" "$T/deleted.log"; then
	ok "(b) a deleted log: ERROR naming it ($(first_error '[deleted]'))"
else
	nok "(b) a deleted log: ERROR naming it" "$(errors)"
fi
healthy_bans
offend deleted 198.51.100.1
if wait_until 7 has "$T/deleted.out" "ban deleted 198.51.100.1"; then
	ok "(b) the log created again is followed: its offender is banned"
else
	nok "(b) the log created again is followed: its offender is banned" "$(tail -3 "$LOG")"
fi

# (c) ipset add to a set that does not exist
offend noset 198.51.100.2
if wait_until 3 error_like "noset" "nosuchset|does not exist"; then
	ok "(c) ipset on a missing set: ERROR naming the set or the ipset error"
else
	nok "(c) ipset on a missing set: ERROR naming the set or the ipset error" \
	    "no ERROR line; the daemon's log says:" "$(grep -F 'noset' "$LOG" | grep -v Found)"
fi
if error_like "noset" "Failed to execute ban jail 'noset'|returned"; then
	ok "(c) the failed ban is reported as failed"
else
	nok "(c) the failed ban is reported as failed" "$(grep -F 'noset' "$LOG" | grep -v Found)"
fi
healthy_bans

# (d) an action that hangs: the healthy jail bans while it hangs, the
# action is killed at its timeout and reported
offend hang 198.51.100.3
wait_until 2 pgrep -fx "sleep $SLEEPARG" > /dev/null
check "(d) the hanging action runs" [ $? = 0 ]
t0=$(now_us)
k=$((k + 1))
offend healthy 192.0.2.$k
wait_until 2 has "$T/healthy.out" "ban healthy 192.0.2.$k"
st=$?
still=$(pgrep -fx "sleep $SLEEPARG" | wc -l)
if [ $st = 0 ] && [ "$still" -gt 0 ]; then
	ok "(d) the healthy jail bans while the other jail's action hangs ($(( ($(now_us) - t0) / 1000 )) ms)"
else
	nok "(d) the healthy jail bans while the other jail's action hangs" "banned: $st, hanging processes: $still"
fi
if wait_until $((HANG + 3)) error_like "[hang]" "timed out|timeout"; then
	ok "(d) ERROR: the action timed out ($(first_error '[hang]'))"
else
	nok "(d) ERROR: the action timed out" "$(errors)"
fi
no_proc() { ! pgrep -fx "$1" > /dev/null; }
wait_until 2 no_proc "sleep $SLEEPARG"
check "(d) the hanging command was killed" [ $? = 0 ]
healthy_bans

# (e) an action that fails
offend fail 198.51.100.4
if wait_until 3 error_like "fail" "returned 3"; then
	ok "(e) a failing action: ERROR with its status (returned 3)"
else
	nok "(e) a failing action: ERROR with its status (returned 3)" "$(errors)"
fi
check "(e) its stderr is in the log" error_like "[fail]" "cannot ban 198.51.100.4: quota exceeded"
check "(e) the failed ban is reported as failed" error_like "'fail'" "Failed to execute ban jail 'fail'"
healthy_bans

# (f) an action whose command does not exist
offend nocmd 198.51.100.5
if wait_until 3 error_like "nocmd" "returned 127|not found"; then
	ok "(f) a missing command: ERROR (returned 127 / not found)"
else
	nok "(f) a missing command: ERROR (returned 127 / not found)" "$(errors)"
fi
healthy_bans

# (g) invalid UTF-8 in a log: the lines still count (the bytes replaced, as
# fail2ban does), and the jail says so once, as a WARNING
for bad in '\xff\xfe\xc3(' '\xc0\xaf\xed\xa0\x80'; do
	k=$((k + 1))
	printf "%s host app[1]: $bad failure from %s\n" "$(syslog_now)" 192.0.2.$k >> "$T/healthy.log"
done
check "(g) lines with invalid UTF-8 still count: their offender banned" \
    wait_until 3 has "$T/healthy.out" "ban healthy 192.0.2.$k"
check "(g) the bad encoding is said once: one WARNING ($(count_in "$LOG" "[healthy] Error decoding line with 'UTF-8'"))" \
    [ "$(count_in "$LOG" "[healthy] Error decoding line with 'UTF-8'")" = 1 ]

# the end: the healthy jail banned exactly its offenders, once each, the
# daemon stops.  Bans of different addresses may run at the same time (the
# runner keeps order per address only), so (g)'s two bans, made in one loop
# turn, can finish in either order: the lists are compared sorted.
for i in $(seq $k); do echo "ban healthy 192.0.2.$i"; done > "$T/healthy.expected"
if sort "$T/healthy.out" | cmp -s <(sort "$T/healthy.expected") -; then
	ok "the healthy jail's action ran once per offender ($k bans)"
else
	nok "the healthy jail's action ran once per offender" \
	    "$(diff <(sort "$T/healthy.expected") <(sort "$T/healthy.out"))"
fi
check "the daemon is still running" kill -0 $PID
stop_daemon $PID 10
rc=$?
check "it stops with status 0 within 10 s (status $rc)" [ $rc = 0 ]
finish

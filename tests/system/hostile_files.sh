#!/bin/bash
# Log files and descriptors that must never stop the daemon (issue 11, items
# 2 and 7).  One jail, "good", has a plain log; after each trouble it must
# still ban its next offender, the socket must still answer, and SIGTERM
# must still end the daemon (a daemon of its own for each of A, B, C).
#  A. A log path replaced by a link to /dev/zero (a device that never ends).
#  B. A log rotated to a FIFO nobody writes to, while another jail finds
#     failures (each database commit used to reopen every log for its
#     first-line hash: a blocking open of the FIFO); then a regular file
#     again, followed again.
#  C. A big log read while the socket and the other jail are served (one
#     turn reads a bounded slice of a file).
#  D. A glob matching 300 files under an open files limit of 128: the
#     socket keeps its descriptors, the files not followed are reported once
#     with their count; with a hard limit of 4096 the daemon raises its soft
#     limit and follows them all, its children get the soft limit back.
#  E. A dangling symbolic link at the socket path: the server refuses to
#     start (status 255, saying what to remove) - fail2ban-server cannot
#     bind there either.
# TAP.
. "$(dirname "$0")/lib.sh" "$@"
need_root
setup hostfiles
echo "1..23"

mkconf "$T/conf"
printf '[Definition]\ndbfile = %s/f2b.sqlite3\n' "$T" | put "$T/conf/fail2ban.local"
failure_filter "$T/conf/filter.d/hf.conf"
# jails [GOOD-OPTION]: jail.local with the good jail (and that option) and
# the sections on stdin
jails() {
	{
		printf '[DEFAULT]\nfilter = hf\nmaxretry = 1\nfindtime = 1d\nbantime = 1h\naction =\n'
		printf '[good]\nenabled = true\nlogpath = %s/good.log\n%s\n' "$T" "${1:-}"
		cat
	} | put "$T/conf/jail.local"
}
jails <<EOF
[devz]
enabled = true
logpath = $T/devz.log
[fifo]
enabled = true
logpath = $T/fifo.log
[big]
enabled = true
logpath = $T/big.log
maxretry = 1000000
EOF
offend() { printf '%s host app[1]: failure from %s\n' "$(syslog_now)" "$2" >> "$T/$1.log"; }
status_ok() { timeout 5 "$F2B" client -s "$T/${2:-hf}.sock" status "$1" > /dev/null 2>&1; }
# fresh NAME: a daemon NAME on the 4 jails' logs, each a new empty file (its
# log $LOG, its PID $PID); status_ok/ping talk to it
fresh() {
	local f
	for f in good devz fifo big; do rm -f "$T/$f.log"; : > "$T/$f.log"; done
	rm -f "$T/f2b.sqlite3"
	LOG=$T/$1.log
	start_ours "$1" "$T/conf"
	PID=$DPID
	ln -sfn "$1.sock" "$T/hf.sock"
	wait_until 10 started "$LOG" good devz fifo big
}
# stopped SCENARIO: SIGTERM ends the daemon
stopped() {
	stop_daemon $PID 10
	check "$1: SIGTERM ends the daemon (status $?)" [ $? = 0 ]
}

# A. /dev/zero
fresh hfa
check "the daemon started its 4 jails" [ $? = 0 ]
ln -sfn /dev/zero "$T/devz.log"
offend good 192.0.2.1
wait_until 10 has "$LOG" "[good] Ban 192.0.2.1"
check "A: devz.log a link to /dev/zero: the good jail still bans" [ $? = 0 ]
wait_until 5 status_ok devz
check "A: and the socket answers" [ $? = 0 ]
cnt=$(count_in "$LOG" "[devz] Not following $T/devz.log: it is a character device")
check "A: reported once as a character device ($cnt ERROR lines)" [ "$cnt" = 1 ]
stopped A

# B. a FIFO nobody writes to
fresh hfb
# a line read first: its position is in the database, and the FIFO's (0)
# differs, so the next commit wants the log's first-line hash
offend fifo 192.0.2.40
wait_until 10 has "$LOG" "[fifo] Ban 192.0.2.40"
mkfifo "$T/fifo.tmp"
mv "$T/fifo.tmp" "$T/fifo.log"
wait_until 5 has "$LOG" "[fifo] Not following $T/fifo.log: it is a FIFO"
offend good 192.0.2.2
wait_until 10 has "$LOG" "[good] Ban 192.0.2.2"
check "B: fifo.log a FIFO: the good jail still bans (its database commit opens no log)" [ $? = 0 ]
offend good 192.0.2.3
wait_until 10 has "$LOG" "[good] Ban 192.0.2.3"
cnt=$(count_in "$LOG" "[fifo] Not following $T/fifo.log: it is a FIFO")
check "B: reported once as a FIFO ($cnt ERROR lines), a second ban went through" \
    eval '[ "$cnt" = 1 ] && has "$LOG" "[good] Ban 192.0.2.3"'
rm "$T/fifo.log"
offend fifo 192.0.2.4
wait_until 10 has "$LOG" "[fifo] Ban 192.0.2.4"
check "B: a regular file again under the path: followed, its failure banned" [ $? = 0 ]
stopped B

# C. a big log (1M lines) while the socket and the good jail are served
"${PY:-python3}" - "$T/big.src" <<'PY'
import sys, time
s = time.strftime('%b %e %H:%M:%S')
with open(sys.argv[1], 'w') as f:
    f.write(''.join('%s host app[1]: noise line %d\n' % (s, i) for i in range(1000000)))
    f.write('%s host app[1]: failure from 192.0.2.99\n' % s)
PY
fresh hfc
cat "$T/big.src" >> "$T/big.log"
timeout 30 "$F2B" client -s "$T/hf.sock" ping > /dev/null 2>&1
pinged=$?
at_ping=$(count_in "$LOG" "Found 192.0.2.99")
offend good 192.0.2.5
wait_until 30 has "$LOG" "[good] Ban 192.0.2.5"
banned=$?
wait_until 60 has "$LOG" "[big] Found 192.0.2.99"
check "C: the big log is read to its end" [ $? = 0 ]
check "C: a ping is answered while the big log is being read (its end found: $at_ping)" \
    eval '[ $pinged = 0 ] && [ "$at_ping" = 0 ]'
first=$(grep -o -e '\[good\] Ban 192.0.2.5' -e 'Found 192.0.2.99' "$LOG" | head -1)
check "C: the good jail bans while the big log is read (first: $first)" \
    eval '[ $banned = 0 ] && [ "$first" = "[good] Ban 192.0.2.5" ]'
rm -f "$T/big.src"
stopped C

# D. a glob of 300 files under a limit of 128 open files
mkdir "$T/many"
for i in $(seq 300); do : > "$T/many/f$i.log"; done
put "$T/conf/action.d/limit.conf" <<EOF
[Definition]
actionban = ulimit -Sn > $T/child-limit
actionunban =
EOF
jails "action = limit" <<EOF
[many]
enabled = true
logpath = $T/many/*.log
EOF
rm -f "$T/f2b.sqlite3"
# start_limited NAME SOFT HARD
start_limited() {
	launch "$1" "" prlimit --nofile="$2:$3" -- "$F2B" server -c "$T/conf" -s "$T/$1.sock" \
	    -p "$T/$1.pid" -f -x --logtarget "$T/$1.log" --loglevel INFO start
}
start_limited lim 128 128
PID=$DPID
L2=$T/lim.log
wait_until 15 started "$L2" good many
check "D: limit 128: the daemon starts both jails" [ $? = 0 ]
wait_until 10 grep -q "\[many\] [0-9]* log file(s) not followed" "$L2"
nf=$(sed -n 's/.*\[many\] \([0-9]*\) log file(s) not followed.*/\1/p' "$L2" | head -1)
check "D: the files not followed are reported once, with their count ($nf) and the fix" \
    eval '[ "$(count_in "$L2" "log file(s) not followed")" = 1 ] && [ "${nf:-0}" -gt 100 ] &&
    [ "$nf" -lt 300 ] && has "$L2" "LimitNOFILE="'
check "D: the socket answers" status_ok many lim
offend good 192.0.2.6
wait_until 10 has "$L2" "[good] Ban 192.0.2.6"
check "D: the good jail bans" [ $? = 0 ]
stop_daemon $PID 10
start_limited raised 128 4096
PID=$DPID
L3=$T/raised.log
wait_until 15 started "$L3" good many
soft=$(awk '/Max open files/ {print $4}' /proc/$PID/limits)
printf '%s host app[1]: failure from 192.0.2.7\n' "$(syslog_now)" >> "$T/many/f300.log"
wait_until 10 has "$L3" "[many] Ban 192.0.2.7"
banned=$?
check "D: hard limit 4096: the soft limit is raised ($soft), every file followed (f300's failure banned)" \
    eval '[ $banned = 0 ] && [ "$soft" = 4096 ] && ! has "$L3" "not followed"'
offend good 192.0.2.8
wait_until 10 eval '[ -s "$T/child-limit" ]'
check "D: an action's shell gets the soft limit the daemon was started with ($(cat "$T/child-limit" 2> /dev/null))" \
    [ "$(cat "$T/child-limit" 2> /dev/null)" = 128 ]
stop_daemon $PID 10

# E. a dangling link at the socket path
ln -s "$T/nowhere/x.sock" "$T/dl.sock"
"$F2B" server -c "$T/conf" -s "$T/dl.sock" -p "$T/dl.pid" -f -x --logtarget "$T/dl.log" start \
    > "$T/dl.out" 2> "$T/dl.err" &
spawned $!
DL=$!
wait_until 10 eval '! kill -0 $DL 2> /dev/null'
stop_daemon $DL 5	# its status (one still running is stopped now)
rc=$?
check "E: a dangling link at the socket path: the server refuses (status $rc), never says ready" \
    eval '[ $rc = 255 ] && ! grep -q "Server ready" "$T/dl.out"'
check "E: it says what to remove: $(head -c 160 "$T/dl.err")" grep -q "is a symbolic link to $T/nowhere/x.sock" "$T/dl.err"
check "E: the link is left alone" [ -L "$T/dl.sock" ]
if command -v fail2ban-server > /dev/null; then
	launch dl-theirs "" fail2ban-server -c "$T/conf" -s "$T/dl.sock" -p "$T/dlt.pid" -f -x \
	    --logtarget "$T/dl-theirs.log" start
	wait_until 20 has "$T/dl-theirs.log" "Could not start server: Unable to bind socket"
	check "E: fail2ban-server 1.0.2 cannot bind there either (it logs: Unable to bind socket)" [ $? = 0 ]
	stop_daemon $DPID 5
else
	ok "# SKIP fail2ban-server not installed"
fi
finish

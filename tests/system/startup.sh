#!/bin/bash
# Starting in the foreground (-f, as under systemd): the configuration is
# read by a child process while the socket already answers, and the jails
# start a slice per loop turn.
#  - with every stock jail enabled, a ping is answered before the last jail
#    has started; `status` sent the moment the socket appears waits for the
#    whole configuration and lists every jail; "Server ready" comes after
#    the last jail started; a ban still works;
#  - SIGTERM the moment the socket appears: a clean exit (status 0), no jail
#    left, no reader process left, socket and pidfile removed;
#  - a broken configuration: exit status 255, each error as file:line on
#    stderr and in the log, no jail started, socket and pidfile removed.
# Every action is a no-op of the test's own: no firewall is touched.  TAP.
. "$(dirname "$0")/lib.sh" "$@"
PY=$(command -v /usr/bin/python3 || command -v python3)
[ -f $STOCK/jail.conf ] || skip_all "Debian's fail2ban configuration is not installed"
setup startup
echo "1..15"

mkconf "$T/conf"
put "$T/conf/action.d/noop.conf" <<EOF
[Definition]
actionban = printf 'ban %%s\n' <ip> >> $T/bans.out
EOF
mkdir "$T/logs"
jails=$(sed -n 's/^\[\([^]]*\)\]$/\1/p' $STOCK/jail.conf | grep -v '^INCLUDES$\|^DEFAULT$')
njails=$(echo "$jails" | wc -l)
{
	printf '[DEFAULT]\nbanaction = noop\nbanaction_allports = noop\naction = noop\n'
	for j in $jails; do
		printf '[%s]\nenabled = true\nbackend = auto\nlogpath = %s/logs/%s.log\n' "$j" "$T" "$j"
		: > "$T/logs/$j.log"
	done
	printf '[fu_hmail]\nenabled = true\nfilter = fu_hmail\nlogpath = %s/logs/fu_hmail.log\naction = noop\nmaxretry = 1\n' "$T"
} | put "$T/conf/jail.local"
: > "$T/logs/fu_hmail.log"
total=$((njails + 1))

# ping_then_status SOCK OUT: as soon as SOCK answers, a ping sent as a tuple
# (its time in microseconds since the epoch), then a status; both answers in
# OUT
ping_then_status() {
	"$PY" - "$1" "$SRC/tests/tools" > "$2" <<'PYEOF'
import sys, time
sys.path.insert(0, sys.argv[2])
from f2bsock import ask
end = time.time() + 30
while time.time() < end:
    try:
        r = ask(sys.argv[1], ("ping",))	# a tuple, as the transmitter takes
        print("pong", time.time_ns() // 1000, r)
        break
    except OSError:
        time.sleep(0.0002)
r = ask(sys.argv[1], ["status"])
print("status", r[1][0][1])
PYEOF
}
# microseconds since the epoch of the log line holding TEXT (last one)
log_us() {
	grep -F -- "$2" "$1" | tail -1 | awk '{ split($2, t, ","); print $1 " " t[1] "." t[2] }' |
	    { read -r d; [ -n "$d" ] && date -d "$d" +%s%6N; }
}

# ---- every stock jail ---------------------------------------------------------------
start_ours all "$T/conf"
pid=$DPID
ping_then_status "$T/all.sock" "$T/answers"
wait_until 20 started "$T/all.log" $jails fu_hmail
pong=$(sed -n 's/^pong \([0-9]*\).*/\1/p' "$T/answers")
last=$(log_us "$T/all.log" "Jail '$(echo "$jails" | tail -1)' started")
check "a ping (a tuple) is answered before the last jail started (pong $pong, last jail $last)" \
    [ -n "$pong" -a -n "$last" -a "${pong:-0}" -lt "${last:-0}" ]
check "the ping answer is fail2ban's: (0, 'pong')" grep -q "^pong [0-9]* (0, 'pong')$" "$T/answers"
check "status at once lists all $total jails" grep -qx "status $total" "$T/answers"
check "every jail started" [ "$(count_in "$T/all.log" "' started")" = $total ]
check "Server ready is printed once, after the jails started" \
    [ "$(grep -c '^Server ready$' "$T/all.out")" = 1 ]
printf '%s mail "SMTPD"#0111200#0119999#011"2005-08-10 18:10:00.100"#011"192.0.2.77"#011"SENT: 503 Bad sequence of commands"\n' \
    "$(syslog_now)" >> "$T/logs/fu_hmail.log"
check "a ban works" wait_until 5 has "$T/bans.out" "ban 192.0.2.77"
stop_daemon $pid 20
check "stops with status 0" [ $? = 0 ]

# ---- SIGTERM while the configuration is read ----------------------------------------
: > "$T/term.log"
start_ours term "$T/conf"
pid=$DPID
wait_until 10 test -S "$T/term.sock"
kids_before=$(pgrep -P $pid | wc -l)
stop_daemon $pid 20
rc=$?
check "SIGTERM at once: exits with status 0 (children then: $kids_before)" [ $rc = 0 ]
check "no jail is left running: every started jail stopped ($(count_in "$T/term.log" "' started") started, $(count_in "$T/term.log" "' stopped") stopped)" \
    [ "$(count_in "$T/term.log" "' started")" -le "$(count_in "$T/term.log" "' stopped")" ]
check "the socket and the pidfile are removed" [ ! -e "$T/term.sock" -a ! -e "$T/term.pid" ]
sleep 0.2
check "no reader process is left" [ -z "$(pgrep -f -- "-s $T/term.sock")" ]

# ---- a broken configuration -------------------------------------------------------
mkconf "$T/bad"
printf '[sshd]\nenabled = true\nmaxretry = abc\n[nosuch]\nenabled = true\nfilter = nosuchfilter\nlogpath = %s/logs/sshd.log\n' "$T" |
    put "$T/bad/jail.local"
start_ours bad "$T/bad"
pid=$DPID
wait_until 10 eval "! kill -0 $pid 2> /dev/null"
wait $pid 2> /dev/null
rc=$?
forget $pid
check "a broken configuration: exit status 255 (got $rc)" [ $rc = 255 ]
both_errors() {
	grep -q "^ERROR: $T/bad/jail.local:3: option 'maxretry' in \[sshd\]: 'abc' is not an integer$" "$1" &&
	    grep -q "^ERROR: $T/bad/jail.local:6: jail 'nosuch': Unable to read the filter 'nosuchfilter'$" "$1"
}
check "each error on stderr as file:line" both_errors "$T/bad.out"
check "each error in the log as file:line" eval "sed 's/.*ERROR   /ERROR: /' '$T/bad.log' > '$T/bad.log.e' && both_errors '$T/bad.log.e'"
check "nothing started, socket and pidfile removed" \
    [ "$(count_in "$T/bad.log" "' started")" = 0 -a ! -e "$T/bad.sock" -a ! -e "$T/bad.pid" ]
finish

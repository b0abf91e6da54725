#!/bin/bash
# One server per socket, its pidfile, and SIGHUP:
#  - a second server on the socket of a running one exits non-zero, with and
#    without -x, and leaves the first one, its socket and its pidfile alone;
#  - a stale socket (bound by a process that is gone) blocks the start
#    without -x, and is replaced with -x;
#  - the pidfile holds the server's PID and is removed at exit, as the
#    socket is;
#  - SIGHUP with a broken configuration keeps the running one (the jail
#    still bans); with a good one the jails are reloaded, keep banning, and
#    bans already active stay active (fail2ban-client reload keeps them: no
#    unban action runs for them);
#  - the same with a stock firewall action (iptables-ipset-proto6-allports,
#    in a network namespace of its own): after SIGHUP the banned addresses
#    are still in the kernel's set and the rule is still there.  TAP.
. "$(dirname "$0")/lib.sh" "$@"
PY=$(command -v /usr/bin/python3 || command -v python3)
setup single
echo "1..30"

mkconf "$T/conf"
put "$T/conf/filter.d/simple.conf" <<'EOF'
[Definition]
failregex = failure from <HOST>$
EOF
put "$T/conf/action.d/echo.conf" <<EOF
[Definition]
actionban = printf 'ban %%s\n' <ip> >> $T/si.out
actionunban = printf 'unban %%s\n' <ip> >> $T/si.out
EOF
put "$T/conf/jail.local" <<EOF
[si]
enabled = true
filter = simple
logpath = $T/si.log
maxretry = 1
bantime = 1h
action = echo
EOF
cp "$T/conf/jail.local" "$T/jail.local.good"
: > "$T/si.log"

answers() {	# answers SOCKET: something accepts connections on it
	"$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(2)
s.connect(sys.argv[1])' "$1" 2> /dev/null
}
offend() { printf '%s host app[1]: failure from %s\n' "$(syslog_now)" "$1" >> "$T/si.log"; }
bans_ip() {	# bans_ip IP: the jail bans IP within 2 s
	offend "$1"
	wait_until 2 has "$T/si.out" "ban $1"
}
# server NAME [-x]: a server in the foreground on $T/f2b.sock and
# $T/f2b.pid, logging to $T/NAME.log; its PID in $SPID
server() {
	local name=$1
	shift
	"$F2B" server -c "$T/conf" -s "$T/f2b.sock" -p "$T/f2b.pid" -f "$@" \
	    --logtarget "$T/$name.log" --loglevel INFO start > "$T/$name.out" 2>&1 &
	SPID=$!
	spawned $SPID
}
# exits_within SECONDS PID: PID exits by itself; its status in $xrc
exits_within() {
	local pid=$2
	if wait_until "$1" eval "! kill -0 $pid 2> /dev/null"; then
		wait "$pid" 2> /dev/null
		xrc=$?
		forget "$pid"
		return 0
	fi
	xrc=running
	return 1
}

# ---- the first server --------------------------------------------------------------
server first -x
FIRST=$SPID
wait_until 10 started "$T/first.log" si
check "the first server starts" [ $? = 0 ]
wait_until 2 test -s "$T/f2b.pid"
check "its pidfile holds its PID" [ "$(cat "$T/f2b.pid" 2> /dev/null)" = "$FIRST" ]
check "its socket answers" answers "$T/f2b.sock"
bans_ip 192.0.2.1
check "it bans" [ $? = 0 ]

# ---- a second one on the same socket --------------------------------------------------
server second
exits_within 5 $SPID
check "a second server without -x exits with status 255, as fail2ban (status $xrc)" [ "$xrc" = 255 ]
check "it says the server is already running" grep -qi 'already running' "$T/second.out" "$T/second.log"
server third -x
exits_within 5 $SPID
check "a second server with -x exits with status 255 too (status $xrc)" [ "$xrc" = 255 ]
if kill -0 $FIRST 2> /dev/null && answers "$T/f2b.sock" && [ "$(cat "$T/f2b.pid" 2> /dev/null)" = "$FIRST" ]; then
	ok "the first one still runs, its socket answers, its pidfile is untouched"
else
	nok "the first one still runs, its socket answers, its pidfile is untouched" \
	    "running: $(kill -0 $FIRST 2>&1 && echo yes), pidfile: $(cat "$T/f2b.pid" 2>&1)"
fi
bans_ip 192.0.2.2
check "and still bans" [ $? = 0 ]

# ---- SIGHUP ---------------------------------------------------------------------------
printf '[si]\nenabled = true\nthis line is not an option\nmaxretry = many\n' | put "$T/conf/jail.local"
kill -HUP $FIRST
wait_until 3 grep -q 'ERROR.*jail.local:3' "$T/first.log"
check "SIGHUP with a broken configuration: an ERROR names jail.local:3 ($(grep ERROR "$T/first.log" | head -1 | sed 's/.*ERROR *//; s/.*conf\///' | cut -c1-100))" [ $? = 0 ]
sleep 0.3
check "the server still runs" kill -0 $FIRST
bans_ip 192.0.2.3
check "the old configuration still bans" [ $? = 0 ]
check "no ban was lifted" [ "$(count_in "$T/si.out" unban)" = 0 ]

cp "$T/jail.local.good" "$T/conf/jail.local.new" && mv "$T/conf/jail.local.new" "$T/conf/jail.local"
nerr=$(grep -c ERROR "$T/first.log")
kill -HUP $FIRST
wait_until 3 has "$T/first.log" "Reload all jails"
rc=$?
sleep 0.3
check "SIGHUP with a good configuration reloads (\"Reload all jails\" logged, no new ERROR)" \
    [ $rc = 0 -a "$(grep -c ERROR "$T/first.log")" = "$nerr" ]
bans_ip 192.0.2.4
check "the reloaded jail bans" [ $? = 0 ]
sleep 0.3
if [ "$(count_in "$T/si.out" unban)" = 0 ] && [ "$(count_in "$T/si.out" "ban 192.0.2.1")" = 1 ]; then
	ok "the bans active before the reload stay: no unban, no second ban"
else
	nok "the bans active before the reload stay: no unban, no second ban" "$(cat "$T/si.out")"
fi
check "after SIGHUP the log is still the command line's --logtarget (fail2ban.conf names another)" \
    wait_until 2 has "$T/first.log" "Ban 192.0.2.4"

# ---- set logtarget: the log moves, as fail2ban's does --------------------------------------
out=$("$F2B" client -s "$T/f2b.sock" set logtarget "$T/moved.log" 2>&1)
check "set logtarget answers with the new target ($(echo "$out" | tr '\n' ' '))" \
    grep -q "moved.log" <<< "$out"
bans_ip 192.0.2.5
moved() { has "$T/moved.log" "Ban 192.0.2.5" && ! has "$T/first.log" "Ban 192.0.2.5"; }
check "the next lines go to the new target, not the old one" wait_until 2 moved
check "get logtarget gives it" grep -q "moved.log" <<< "$("$F2B" client -s "$T/f2b.sock" get logtarget 2>&1)"

# ---- exit -------------------------------------------------------------------------------
stop_daemon $FIRST 10
rc=$?
check "SIGTERM: status 0 (status $rc)" [ $rc = 0 ]
check "the pidfile is removed at exit" [ ! -e "$T/f2b.pid" ]
check "the socket is removed at exit" [ ! -e "$T/f2b.sock" ]

# ---- a stale socket ------------------------------------------------------------------------
"$PY" -c '
import socket, sys
socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$T/f2b.sock"
[ -S "$T/f2b.sock" ] && ! answers "$T/f2b.sock" || note "could not make a stale socket"
server stale
exits_within 5 $SPID
if [ "$xrc" = 255 ] && [ -S "$T/f2b.sock" ]; then
	ok "a stale socket blocks the start without -x: status 255 ($(head -1 "$T/stale.out"))"
else
	nok "a stale socket blocks the start without -x: status 255" "status $xrc" "$(cat "$T/stale.out")"
fi
server forced -x
FORCED=$SPID
wait_until 10 started "$T/forced.log" si
if [ $? = 0 ] && answers "$T/f2b.sock"; then
	ok "with -x the stale socket is replaced: the server starts and its socket answers"
else
	nok "with -x the stale socket is replaced" "$(cat "$T/forced.out")"
fi
stop_daemon $FORCED 10
rc=$?
check "it stops with status 0 and removes socket and pidfile (status $rc)" \
    [ $rc = 0 -a ! -e "$T/f2b.sock" -a ! -e "$T/f2b.pid" ]

# ---- SIGHUP with a stock firewall action, in a network namespace -------------------
inset() {	# inset: how many addresses the set f2b-fw holds
	ip netns exec $NS ipset list f2b-fw 2> /dev/null | grep -c '^192\.0\.2\.'
}
rule() { ip netns exec $NS iptables -S INPUT 2> /dev/null | grep -c 'match-set f2b-fw src'; }
NS=f2bsys-$$-hup
if [ "$(id -u)" = 0 ] && command -v ipset > /dev/null && command -v iptables > /dev/null &&
    netns_add $NS 2> /dev/null; then
	cp -r "$T/conf" "$T/conf2"
	put "$T/conf2/jail.local" <<-EOF
	[fw]
	enabled = true
	filter = simple
	logpath = $T/fw.log
	maxretry = 1
	bantime = 1h
	banaction = iptables-ipset-proto6-allports
	EOF
	: > "$T/fw.log"
	start_ours fw "$T/conf2" $NS
	FW=$DPID
	wait_until 10 started "$T/fw.log" fw
	stamp=$(syslog_now)
	for i in $(seq 10); do printf '%s host app[1]: failure from 192.0.2.%d\n' "$stamp" $i; done >> "$T/fw.log"
	wait_until 3 eval '[ "$(inset)" = 10 ]'
	check "iptables-ipset-proto6-allports: 10 bans in the set, the rule in INPUT" [ "$(inset)" = 10 -a "$(rule)" = 1 ]
	# the outcome of a reload that stops and restarts the action is a race:
	# three reloads, each must leave the kernel's state as it was
	bad=
	for h in 1 2 3; do
		kill -HUP $FW
		wait_until 3 at_least $h "$T/fw.log" "Reload all jails"
		sleep 1
		[ "$(inset)" = 10 ] && [ "$(rule)" = 1 ] || bad="$bad SIGHUP $h: $(inset) in the set, $(rule) rule(s);"
	done
	if [ -z "$bad" ]; then
		ok "after each of 3 SIGHUPs the 10 addresses are still in the set and the rule is there"
	else
		nok "after each of 3 SIGHUPs the 10 addresses are still in the set and the rule is there" \
		    "$bad" "$(grep 'ERROR' "$T/fw.log" | head -4 | cut -c1-200)"
	fi
	check "the jail still bans after SIGHUP" eval 'printf "%s host app[1]: failure from 192.0.2.77\n" "$(syslog_now)" >> "$T/fw.log"; wait_until 3 eval "ip netns exec $NS ipset -q test f2b-fw 192.0.2.77"'
	stop_daemon $FW 10
	rc=$?
	check "at exit the action removes its set and rule (status $rc)" \
	    [ $rc = 0 -a "$(rule)" = 0 -a -z "$(ip netns exec $NS ipset list -n 2> /dev/null)" ]
else
	for i in 1 2 3 4; do ok "# SKIP no network namespaces, ipset or iptables"; done
fi
finish

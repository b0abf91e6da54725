#!/bin/bash
# Cross-client differential test.  The same scenario - status, status JAIL,
# every filter and action get/set option (datepattern, prefregex, del*regex,
# action properties, attempt, delaction, dbmaxmatches),
# banip, unbanip, banned, reload, get JAIL banip --with-time, stop, plus
# errors and corner answers (missing words, unset bantime.*, idle, the ignore
# list's order, ban order after a restart, server-status, sleep, add --all,
# stop --all) - is run three ways:
#   A. Debian's fail2ban-client against Debian's fail2ban-server (reference)
#   B. Debian's fail2ban-client against f2b-lite's server
#   C. f2b-lite's client against Debian's fail2ban-server
# Outputs and exit codes must be identical to A (timestamps and PIDs aside).
# The servers run in the background (-b): each is known by the PID its pid
# file names once it answers, and stopped by that PID if still there at the
# end.  Output is TAP.
. "$(dirname "$0")/lib.sh" "$@"
need_fail2ban
setup cross_client

mkconf_cross() {	# mkconf_cross DIR
	local c=$1/conf
	mkdir -p "$c" "$1/run"
	cp -rs /etc/fail2ban/. "$c/"
	rm -f "$c/jail.d/defaults-debian.conf"
	: > "$1/t.log"
	cat > "$c/filter.d/cross.conf" <<EOT
[Definition]
failregex = ^\S+ \S+ \S+ failure from <HOST>\$
journalmatch = _SYSTEMD_UNIT=cross.service
EOT
	cat > "$c/action.d/cross.conf" <<EOT
[Definition]
actionban = echo "ban <ip>" >> $1/actions.out
actionunban = echo "unban <ip>" >> $1/actions.out
EOT
	# the log target too: a reload sends fail2ban.conf's, /var/log/fail2ban.log
	printf '[Definition]\ndbfile = %s/f2b.sqlite3\nlogtarget = %s/server.log\n' "$1" "$1" \
	    > "$c/fail2ban.local"
	cat > "$c/jail.local" <<EOT
[t]
enabled = true
filter = cross
logpath = $1/t.log
action = cross
maxretry = 3
bantime = 1h
EOT
}

norm() {	# norm DIR
	sed -E "s|$1|DIR|g" | sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(,[0-9]+)?/TIME/g;
	    s/\[[0-9]+\]: /[PID]: /g; s/ +\[PID\]/ [PID]/g'
}

scenario() {	# scenario CLIENT DIR
	local cl=$1 d=$2
	local -a c=("$cl" -c "$d/conf" -s "$d/run/f2b.sock" -p "$d/run/f2b.pid")
	run() { echo "\$ $*"; "${c[@]}" "$@" 2>&1; echo "rc=$?"; }
	run status
	run status t
	run set t banip 192.0.2.1 192.0.2.2 192.0.2.3
	run set t unbanip 192.0.2.2
	run banned
	run banned 192.0.2.1 192.0.2.2
	run status nosuch
	run get t nosuchoption
	run reload
	run get t banip
	run get t banip --with-time
	run status t
	# every get/set option of issue 5: filter, action and attempt commands
	run get t datepattern
	run set t datepattern '^%Y-%m-%d %H:%M:%S'
	run get t datepattern
	run set t datepattern Epoch
	run get t datepattern
	run get t logencoding
	run get t logtimezone
	run set t logtimezone UTC
	run get t logtimezone
	run get t prefregex
	run set t prefregex '^<F-MLFID>\S+</F-MLFID> <F-CONTENT>.+</F-CONTENT>$'
	run get t prefregex
	run get t ignorecache
	run set t addfailregex '^other failure from <HOST>$'
	run get t failregex
	run set t delfailregex 0
	run get t failregex
	run set t delfailregex 7
	run set t addignoreregex 'ignoreme'
	run set t addignoreregex 'me too'
	run get t ignoreregex
	run set t delignoreregex 0
	run get t ignoreregex
	run get t actions
	run get t action cross actionban
	run get t action cross nosuch
	run get t actionproperties cross
	run get t actionmethods cross
	run set t action cross name x
	run get t action cross name
	run set t attempt 192.0.2.50 'line one' 'line two'
	run set t attempt 192.0.2.51
	run get t banned 192.0.2.1 192.0.2.50 192.0.2.99
	run get t banned
	run set t delaction nosuch
	run set t delaction cross
	run get t actions
	run get dbmaxmatches
	run set dbmaxmatches 5
	run get dbmaxmatches
	# the rest of the jail's option table (conf/jailopts.h): each option set and got
	run set t usedns no
	run get t usedns
	run set t maxlines 2
	run get t maxlines
	run set t maxlines x
	run set t maxmatches 4
	run get t maxmatches
	run set t ignoreself false
	run get t ignoreself
	run set t ignorecommand 'true'
	run get t ignorecommand
	run set t ignorecommand ''
	run set t bantime 2h
	run get t bantime
	run set t bantime.factor 2
	run get t bantime.factor
	run set t bantime.factor ''
	run set t bantime.rndtime 5m
	run get t bantime.rndtime
	run set t bantime.overalljails true
	run get t bantime.overalljails
	run get t logpath
	# corner answers (issue 12): one address and several, missing words,
	# a file jail's journalmatch, the ignore list's order (networks and
	# names first; one single address: fail2ban keeps those in a set whose
	# order changes from run to run), idle, bantime.*, typed times
	run get t banned 192.0.2.1
	run status t basic extra
	run get t journalmatch
	run get
	run set
	run set t
	run get t
	run set t maxretry
	run get t action cross
	run set t nosuchoption 1
	run get nosuchjail nosuchoption
	run set t unbanip --report-absent 192.0.2.99 192.0.2.3
	run get t banip
	run set loglevel bogus
	run set loglevel info
	run get loglevel
	run set t addignoreip 192.0.2.200 10.0.0.0/8 example.com 2001:db8::/32
	run get t ignoreip
	run set t delignoreip 10.0.0.0/8
	run set t idle on
	run set t idle off
	run set t idle maybe
	run get t bantime.increment
	run set t bantime.increment true
	run get t bantime.increment
	run set t bantime.maxtime 2h
	run get t bantime.maxtime
	run set t bantime.maxtime ''
	run get t bantime.maxtime
	run set t bantime.increment false
	run set t findtime 1.5m
	run get t findtime
	run set t findtime 10m
	run server-status
	run server-stream
	run sleep 0
	run sleep soon
	run add --all
	run start
	run reload nosuchjail
	# interactive mode: commands, quoting, help, quit; then EOF
	printf '%s\n' 'status' 'get t maxretry' '' 'set t banip "192.0.2.77"' \
	    'get t banip' "set t addignoreregex 'a b'" 'set t addfailregex "open' quit |
	    run -i
	printf '%s\n' 'status t' | run -i get t findtime
	local before
	before=$(banset "$d")
	run restart t
	# fail2ban restores the bans in the background: until the jail has
	# them all again
	wait_until 30 restored "$d" "$before"
	run get t banip
	run banned
	run get t banned
	run restart --unban t
	run get t banip
	run stop --all
	run status
	run stop
}

start_py() {	# the real fail2ban-server
	fail2ban-server -c "$1/conf" -s "$1/run/f2b.sock" -p "$1/run/f2b.pid" -x -b \
	    --logtarget "$1/server.log" start > /dev/null 2>&1
}
start_ours_bg() {
	"$F2B" server -c "$1/conf" -s "$1/run/f2b.sock" -p "$1/run/f2b.pid" -x -b \
	    --logtarget "$1/server.log" start > /dev/null 2>&1
}
up() { fail2ban-client -s "$1/run/f2b.sock" ping > /dev/null 2>&1; }	# up DIR
# adopt DIR: the PID the server's pid file names (it forked away from us),
# recorded to be stopped at exit; in $SPID (empty if there is none)
adopt() {
	SPID=
	wait_until 10 test -s "$1/run/f2b.pid" || return 1
	SPID=$(cat "$1/run/f2b.pid")
	[ -n "$SPID" ] && spawned "$SPID"
}
ended() { gone "$2" && [ ! -e "$1/run/f2b.pid" ]; }	# ended DIR PID
# banset DIR: the jail's banned addresses, sorted (f2b-lite's client as a
# probe: its answer is not compared)
banset() { "$F2B" client -s "$1/run/f2b.sock" get t banip 2> /dev/null | tr ' ' '\n' | sort; }
restored() { [ "$(banset "$1")" = "$2" ]; }	# restored DIR BANSET

echo "1..4"
mkdir -p "$T/bin"
ln -s "$F2B" "$T/bin/fail2ban-client"	# f2b-lite under its compat name
for run in A B C; do
	d=$T/$run
	mkconf_cross "$d"
	case $run in
	A) start_py "$d"; client=fail2ban-client ;;
	B) start_ours_bg "$d"; client=fail2ban-client ;;
	C) start_py "$d"; client=$T/bin/fail2ban-client ;;
	esac
	wait_until 60 up "$d" || note "server for run $run did not come up"
	adopt "$d" || note "run $run: no pid file"
	spid=$SPID
	scenario "$client" "$d" > "$d/out.raw"
	# the scenario ends with `stop`: the server is gone, pid file and all
	if [ -n "$spid" ]; then
		if wait_until 30 ended "$d" "$spid"; then
			forget "$spid"
		else
			note "run $run: the server is still there after stop: stopped by PID"
			stop_detached "$spid"
		fi
	fi
	# a server the scenario's `start` would have started (none: the first
	# one is up and answers "Server already running")
	p=$(cat "$d/run/f2b.pid" 2> /dev/null)
	if [ -n "$p" ] && [ "$p" != "$spid" ] && ! gone "$p"; then
		spawned "$p"
		note "run $run: another server ($p) was started: stopped by PID"
		stop_detached "$p"
	fi
	norm "$d" < "$d/out.raw" > "$d/out"
done
for run in B C; do
	label=$([ $run = B ] && echo "fail2ban-client against f2b-lite's server" ||
	    echo "f2b-lite's client against fail2ban-server")
	if diff <(sed 's/^\$ .*fail2ban-client /$ /' "$T/A/out") \
	    <(sed 's/^\$ .*fail2ban-client /$ /' "$T/$run/out") > "$T/diff"; then
		ok "$label: identical output and exit codes ($(grep -c '^rc=' "$T/$run/out") commands)"
	else
		nok "$label" "$(head -30 "$T/diff")"
	fi
done
if grep -q 'rc=0' "$T/A/out" && grep -q 'Sorry but the jail' "$T/A/out"; then
	ok "the reference run exercised answers and errors"
else
	nok "the reference run looks broken" "$(head -20 "$T/A/out")"
fi
if [ -s "$T/B/actions.out" ] && diff <(sort "$T/A/actions.out") <(sort "$T/B/actions.out") > /dev/null; then
	ok "the same action runs on both servers"
else
	nok "action runs differ" "$(diff "$T/A/actions.out" "$T/B/actions.out" | head)"
fi
finish

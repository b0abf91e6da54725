#!/bin/bash
# Differential test of what an admin does to a running server - restart,
# reload, stop, a typo - against Debian's fail2ban-server 1.0.2, each daemon
# in its own network namespace, the same client commands to both:
#  - iptables-multiport, 3 bans, `reload --restart sshd` three times and
#    `restart sshd` three times in a row: after each, the same rules as
#    fail2ban's (the 3 bans and the INPUT jump); `reload --unban`: none left
#    but the chain; no ERROR line (the old jail's unbans and stop ran at the
#    same time as the new jail's start and bans);
#  - an action that writes each command it runs: `reload` after a maxretry
#    change runs none; another backend restarts the jail (unbans, stop,
#    start, bans, in this order); a jail no longer configured is stopped
#    before the reload answers; `stop JAIL` and `stop` answer once the slow
#    actionstop ran (and `stop` after "Exiting Fail2ban"); SIGTERM: the
#    process lives until its actionstop ran; the lines fail2ban logs around
#    all this (Reload ..., Jail ... reloaded, Restore Ban after the start,
#    Stopping all jails, the separator) in the same order;
#  - a jail whose filter does not exist beside a good one: both servers
#    skip it ("Errors in jail 'bad'. Skipping...") and ban with the good
#    one; `-t` fails with the error (255); f2b-lite started with -b and by
#    `client start` runs the good jail too; a jail whose command fails on
#    the server (a bad regex) is skipped alone (fail2ban 1.0.2 stops);
#  - reload with a client reading another dbfile: refused with fail2ban's
#    answer and log line; f2b-lite keeps its jails and bans (fail2ban 1.0.2
#    stops every jail).  TAP.
. "$(dirname "$0")/lib.sh" "$@"
need_fail2ban
need_netns
command -v iptables > /dev/null || skip_all "no iptables"
setup lifecycle
echo "1..44"

mkconf "$T/conf"
failure_filter "$T/conf/filter.d/tf.conf"
NS_OURS=f2blc-ours-$$
NS_THEIRS=f2blc-theirs-$$
netns_add $NS_OURS || skip_all "cannot create a network namespace"
netns_add $NS_THEIRS
ns_of() { [ "$1" = ours ] && echo $NS_OURS || echo $NS_THEIRS; }

# mkconf_for WHO NAME: $T/WHO/NAME, the base configuration with the test's
# own fail2ban.local (its log, a database file: never /var/log or /var/lib)
mkconf_for() {
	local D=$T/$1 c=$T/$1/$2
	mkdir -p "$D"
	rm -rf "$c"
	cp -r "$T/conf" "$c"
	printf '[Definition]\nlogtarget = %s\ndbfile = %s/%s\n' "$T/$1.log" "$D" "${DB:-db1}" |
	    put "$c/fail2ban.local"
}
start_both() {	# start_both CONFNAME: both servers, $OURS and $THEIRS their PIDs
	local w
	for w in ours theirs; do [ -e "$T/$w.log" ] && mv "$T/$w.log" "$T/$w.log.before-$1"; done
	launch ours $NS_OURS "$F2B" server -c "$T/ours/$1" -s "$T/ours.sock" -p "$T/ours.pid" -f -x start
	OURS=$DPID
	launch theirs $NS_THEIRS fail2ban-server -c "$T/theirs/$1" -s "$T/theirs.sock" \
	    -p "$T/theirs.pid" -f -x start
	THEIRS=$DPID
}
# fc WHO ARGS...: Debian's fail2ban-client to WHO's server (in its namespace)
fc() { local w=$1; shift; ip netns exec "$(ns_of $w)" fail2ban-client -s "$T/$w.sock" "$@"; }
oc() { local w=$1; shift; ip netns exec "$(ns_of $w)" "$F2B" client -s "$T/$w.sock" "$@"; }
# sortruns: each run of lines with the same first two words sorted (what
# runs side by side: bans of different addresses, jails stopping together)
sortruns() {
	awk '{ k = $1 " " $2; if (k != prev) flush(); prev = k; run[n++] = $0 }
	    END { flush() }
	    function flush(   i, j, t) {
		for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (run[j] < run[i]) { t = run[i]; run[i] = run[j]; run[j] = t }
		for (i = 0; i < n; i++) print run[i]; n = 0 }'
}
# lifecycle WHO: the lines fail2ban logs around starts, reloads and stops
# (jails stopping together: in any order; its Restore Ban lines come from
# another thread, anywhere after the start: restored() checks them)
lifecycle() {
	grep -E "fail2ban.(server|jail) .*(-----|Reload|reloaded|Restart jail|Jail '.*' (started|stopped)|Stopping all jails|Shutdown in progress|Exiting Fail2ban)" \
	    "$T/$1.log" | sed 's/^[0-9-]* [0-9:,]* //; s/\[[0-9]*\]: //; s/  */ /g' |
	    sed "s/^fail2ban.jail INFO Jail '\(.*\)' stopped$/stopped \1/" |
	    awk '{ print (/^stopped / ? "stopped" : NR) " " $0 }' | sortruns | cut -d' ' -f2-
}
# restored WHO: its Restore Ban lines, sorted - empty (and status 1) if one
# came before its jail's start (as they did in f2b-lite's log)
restored() {
	awk '/Jail .* started/ { split($0, q, "\047"); up[q[2]] = 1 }
	    /Jail .* stopped/ { split($0, q, "\047"); up[q[2]] = 0 }
	    / Restore Ban / { j = $0; sub(/.*NOTICE  \[/, "", j); sub(/\].*/, "", j)
		if (!up[j]) { bad = 1 } print j " " $NF }
	    END { exit bad }' "$T/$1.log" | sort
	return "${PIPESTATUS[0]}"
}
same_restored() {
	local a b
	a=$(restored theirs) && b=$(restored ours) && [ -n "$b" ] && [ "$a" = "$b" ]
}
# compare_logs WHAT: both servers gone, their lifecycle lines and restored bans
compare_logs() {
	local a b
	a=$(lifecycle theirs)
	b=$(lifecycle ours)
	if [ "$a" = "$b" ]; then
		ok "$1: the same lines logged in the same order"
	else
		nok "$1: the same lines logged in the same order" "$(diff <(echo "$a") <(echo "$b"))"
	fi
	check "$1: the same Restore Ban lines, each after its jail's start" same_restored
}

# ---- restart with iptables-multiport ------------------------------------------
for who in ours theirs; do
	mkconf_for $who ipt
	put "$T/$who/ipt/jail.local" <<EOF
[sshd]
enabled = true
filter = tf
port = ssh
banaction = iptables-multiport
logpath = $T/$who/sshd.log
maxretry = 3
bantime = 1h
EOF
	: > "$T/$who/sshd.log"
done
start_both ipt
wait_until 10 started "$T/ours.log" sshd
check "f2b-lite started sshd" [ $? = 0 ]
wait_until 30 started "$T/theirs.log" sshd
for who in ours theirs; do fc $who set sshd banip 192.0.2.1 192.0.2.2 192.0.2.3 > /dev/null; done
rules() { ip netns exec "$(ns_of $1)" iptables -S | sort; }
complete() {	# complete WHO: 3 bans in the chain, the jump from INPUT
	local r
	r=$(rules $1)
	[ "$(grep -c -- '-A f2b-sshd -s 192.0.2.[123]/32 -j REJECT' <<< "$r")" = 3 ] &&
	    [ "$(grep -c -- '-A INPUT -p tcp -m multiport --dports 22 -j f2b-sshd' <<< "$r")" = 1 ]
}
same_rules() { complete ours && complete theirs && [ "$(rules ours)" = "$(rules theirs)" ]; }
wait_until 20 same_rules
check "3 bans: the same rules" [ $? = 0 ]
bad=
for i in 1 2 3 4 5 6; do
	for who in ours theirs; do
		if [ $i -le 3 ]; then
			fc $who -c "$T/$who/ipt" reload --restart sshd > "$T/reload.$who" 2>&1
		else
			oc $who -c "$T/$who/ipt" restart sshd > "$T/reload.$who" 2>&1
		fi
	done
	if ! wait_until 15 same_rules; then
		bad="$bad $i"
		note "run $i: f2b-lite: $(rules ours | tr '\n' '|')"
		note "run $i: fail2ban: $(rules theirs | tr '\n' '|')"
	fi
done
check "reload --restart sshd x3, restart sshd x3: the same rules as fail2ban after each (failed:${bad:- none})" [ -z "$bad" ]
check "the same bans listed" [ "$(fc ours get sshd banip | tr ' ' '\n' | sort)" = \
    "$(fc theirs get sshd banip | tr ' ' '\n' | sort)" ]
for who in ours theirs; do fc $who -c "$T/$who/ipt" reload --unban sshd > /dev/null 2>&1; done
unbanned() {	# the chain and the jump, no ban
	local w
	for w in ours theirs; do
		[ "$(rules $w | grep -c REJECT)" = 0 ] && [ "$(rules $w | grep -c -- '-j f2b-sshd')" = 1 ] ||
		    return 1
	done
}
wait_until 15 unbanned
check "reload --unban sshd: no ban left, the chain and its jump kept, as fail2ban" [ $? = 0 ]
nerr=$(grep -c ' ERROR ' "$T/ours.log")
check "no ERROR line in f2b-lite's log ($nerr)" [ "$nerr" = 0 ]
for who in ours theirs; do fc $who stop > /dev/null; done
stop_daemon $OURS 30
stop_daemon $THEIRS 60
check "stop: no f2b rule left" [ -z "$(rules ours | grep f2b)" -a -z "$(rules theirs | grep f2b)" ]
compare_logs restart

# ---- reload in place, restart on another backend, stop waiting for the actions ----
# rec: each command it runs, as a line of $T/WHO/act.out; slow: its actionstop
# says "stopping" in $T/WHO/stop.out, then waits at the gate $T/WHO/go (the
# test opens it once it has seen that nothing answered meanwhile; 30 s at
# most), then says "stopped"
jails() {	# jails WHO NAME [a-backend] [b=0]
	local D=$T/$1 c=$T/$1/$2
	mkconf_for $1 $2
	put "$c/action.d/rec.conf" <<EOF
[Definition]
actionstart = echo "start <j>" >> $D/act.out
actionstop = echo "stop <j>" >> $D/act.out
actionban = echo "ban <j> <ip>" >> $D/act.out
actionunban = echo "unban <j> <ip>" >> $D/act.out
EOF
	put "$c/action.d/slow.conf" <<EOF
[Definition]
actionstart = echo "start <j>" >> $D/act.out
actionstop = echo "stopping <j>" >> $D/stop.out; $(gate_wait $D/go); echo "stopped <j>" >> $D/stop.out
EOF
	{
		printf '[DEFAULT]\nfilter = tf\nbantime = 1h\nfindtime = 10m\n'
		printf '[a]\nenabled = true\nlogpath = %s/a.log\nmaxretry = %s\nbackend = %s\naction = rec[j=a]\n' \
		    "$D" "${MAXRETRY:-3}" "${3:-auto}"
		[ "${4:-1}" = 1 ] &&
		    printf '[b]\nenabled = true\nlogpath = %s/b.log\naction = rec[j=b]\n  slow[j=b]\n' "$D"
		printf '[s1]\nenabled = true\nlogpath = %s/s.log\naction = slow[j=s1]\n' "$D"
		printf '[s2]\nenabled = true\nlogpath = %s/s.log\naction = slow[j=s2]\n' "$D"
		printf '[q]\nenabled = true\nlogpath = %s/s.log\naction =\n' "$D"
	} | put "$c/jail.local"
	touch "$D/a.log" "$D/b.log" "$D/s.log"
}
# held WHO PID TEXT: once slow's actionstop said TEXT (its gate closed), the
# client or server PID has not ended: it waits for the actionstop; then the gate opens
held() {
	wait_until 30 has "$T/$1/stop.out" "$3"
	! gone "$2"	# (a child that ended is a zombie until waited for)
	local rc=$?
	gate_open "$T/$1/go"
	return $rc
}
for who in ours theirs; do
	rm -f "$T/$who/act.out" "$T/$who/stop.out"
	gate_close "$T/$who/go"
	jails $who c1
	MAXRETRY=5 jails $who c2
	MAXRETRY=5 jails $who c3 polling
	MAXRETRY=5 jails $who c4 polling 0
done
start_both c1
wait_until 10 started "$T/ours.log" a b s1 s2 q
check "f2b-lite started a, b, s1, s2, q" [ $? = 0 ]
wait_until 30 started "$T/theirs.log" a b s1 s2 q
for who in ours theirs; do fc $who set a banip 192.0.2.1 192.0.2.2 > /dev/null; done
acted() { [ "$(count_in "$T/ours/act.out" "ban a ")" = 2 ] && [ "$(count_in "$T/theirs/act.out" "ban a ")" = 2 ]; }
wait_until 10 acted
# outseq WHO: the action lines of each jail in turn (the jails' actions run
# side by side), a run of (un)bans of different addresses sorted
outseq() {
	[ -e "$T/$1/act.out" ] || return 0
	awk '{ print $2 " " $0 }' "$T/$1/act.out" | sort -s -k1,1 | cut -d' ' -f2- | sortruns
}
before=$(outseq ours)
for who in ours theirs; do fc $who -c "$T/$who/c2" reload > /dev/null; done
check "reload after a maxretry change: no action command run, as fail2ban" \
    [ "$(outseq ours)" = "$before" -a "$(outseq theirs)" = "$(outseq ours)" ]
check "... and the new maxretry in force" [ "$(fc ours get a maxretry)" = 5 -a "$(fc theirs get a maxretry)" = 5 ]
check "... the bans kept" [ "$(fc ours get a banip | tr ' ' '\n' | sort | tr '\n' ' ')" = "192.0.2.1 192.0.2.2 " ]
for who in ours theirs; do fc $who -c "$T/$who/c3" reload > /dev/null; done
restarted() { [ "$(count_in "$T/$1/act.out" "ban a ")" = 4 ]; }
wait_until 15 eval 'restarted ours && restarted theirs'
a=$(outseq theirs | tr '\n' '|')
b=$(outseq ours | tr '\n' '|')
if [ "$a" = "$b" ]; then
	ok "another backend: a restarted, unbans, stop, start, bans in this order, as fail2ban"
else
	nok "another backend: a restarted, unbans, stop, start, bans in this order, as fail2ban" \
	    "fail2ban: $a" "f2b-lite: $b"
fi
for who in ours theirs; do	# a jail with nothing to run stops at once
	fc $who -c "$T/$who/c3" restart q > "$T/q.$who" 2>&1
	echo "rc=$?" >> "$T/q.$who"
done
check "restart of a jail without actions: OK, as fail2ban" \
    eval '[ "$(tail -2 "$T/q.ours")" = "$(printf "OK\nrc=0")" ] && [ "$(tail -2 "$T/q.theirs")" = "$(tail -2 "$T/q.ours")" ] &&
     fc ours status | grep -q "Jail list:.*q"'
for who in ours theirs; do
	gate_close "$T/$who/go"
	fc $who -c "$T/$who/c4" reload > /dev/null &
	rpid=$!
	held $who $rpid "stopping b"
	waiting=$?
	wait $rpid
	check "$who: reload without jail b: b stopped when the reload answers (it waited: $waiting)" \
	    [ "$(count_in "$T/$who/stop.out" "stopped b")" = 1 -a $waiting = 0 ]
done
for who in ours theirs; do
	gate_close "$T/$who/go"
	fc $who stop s1 > "$T/stop.$who" &
	spid=$!
	# a request meanwhile waits for it, as behind fail2ban's one command thread
	wait_until 10 has "$T/$who/stop.out" "stopping s1"
	fc $who status > "$T/status.$who" &
	stpid=$!
	held $who $spid "stopping s1"
	waiting=$?
	wait $stpid
	nst=$(count_in "$T/$who/stop.out" "stopped s1")
	wait $spid
	check "$who: stop s1 answers once its slow actionstop ran (it waited: $waiting)" \
	    [ "$(count_in "$T/$who/stop.out" "stopped s1")" = 1 -a $waiting = 0 ]
	check "$who: a status meanwhile is answered after it, without s1" \
	    eval '[ "$nst" = 1 ] && grep -q "Jail list:.a, q, s2$" "$T/status.$who"'
done
for who in ours theirs; do
	gate_close "$T/$who/go"
	fc $who stop > /dev/null &
	spid=$!
	held $who $spid "stopping s2"
	waiting=$?
	wait $spid
	check "$who: stop waited for the actionstop ($waiting)" [ $waiting = 0 ]
	check "$who: stop answers once the last actionstop ran and 'Exiting Fail2ban' is logged" \
	    eval '[ "$(count_in "$T/$who/stop.out" "stopped s2")" = 1 ] && has "$T/$who.log" "Exiting Fail2ban"'
done
stop_daemon $OURS 30
stop_daemon $THEIRS 60
compare_logs "reload and stop"
# SIGTERM: alive until the actionstops ran
for who in ours theirs; do rm -f "$T/$who/stop.out"; gate_close "$T/$who/go"; done
start_both c4
wait_until 10 started "$T/ours.log" a s1 s2 q
wait_until 30 started "$T/theirs.log" a s1 s2 q
for who in ours theirs; do
	pid=$OURS
	[ $who = theirs ] && pid=$THEIRS
	kill -TERM $pid
	held $who $pid "stopping s"
	check "$who: SIGTERM: the process waits for the actionstops" [ $? = 0 ]
	wait_until 30 eval "! kill -0 $pid 2> /dev/null"
	nst=$(count_in "$T/$who/stop.out" "stopped s")
	wait $pid 2> /dev/null
	forget $pid
	check "$who: SIGTERM: the process ends after both slow actionstops ran ($nst of 2)" [ "$nst" = 2 ]
done
check "no action killed" [ "$(count_in "$T/ours.log" "killed with signal")" = 0 ]

# ---- a broken jail beside a good one -------------------------------------------
for who in ours theirs; do
	DB=db3 mkconf_for $who bad
	put "$T/$who/bad/action.d/rec.conf" <<EOF
[Definition]
actionban = echo "ban <ip>" >> $T/$who/bad.out
EOF
	put "$T/$who/bad/jail.local" <<EOF
[good]
enabled = true
filter = tf
logpath = $T/$who/good.log
maxretry = 1
action = rec
[bad]
enabled = true
filter = nosuchfilter
logpath = $T/$who/good.log
EOF
	: > "$T/$who/good.log"
	rm -f "$T/$who/bad.out"
done
fail2ban-client -c "$T/theirs/bad" -t > "$T/t.theirs" 2>&1
rt=$?
"$F2B" client -c "$T/ours/bad" -t > "$T/t.ours" 2>&1
ro=$?
check "-t: 255 with the jail's error, as fail2ban ($ro, $rt)" \
    eval '[ $ro = 255 -a $rt = 255 ] && grep -q "Unable to read the filter .nosuchfilter." "$T/t.ours"'
start_both bad
wait_until 10 started "$T/ours.log" good
check "f2b-lite started the good jail" [ $? = 0 ]
wait_until 30 started "$T/theirs.log" good
offend_both good 192.0.2.9
both_banned() { [ "$(count_in "$T/ours/bad.out" "ban 192.0.2.9")" = 1 ] && [ "$(count_in "$T/theirs/bad.out" "ban 192.0.2.9")" = 1 ]; }
wait_until 10 both_banned
check "the good jail bans in both" [ $? = 0 ]
skipped="Jail 'bad' skipped, because of wrong configuration: Unable to read the filter 'nosuchfilter'"
check "both log \"$skipped\" and 'Errors in jail 'bad'. Skipping...'" eval \
    'has "$T/ours.log" "$skipped" && has "$T/theirs.log" "$skipped" &&
     has "$T/ours.log" "Errors in jail '"'bad'"'. Skipping..." &&
     cat "$T/theirs.out" "$T/theirs.log" | grep -qF "Errors in jail '"'bad'"'. Skipping..."'
check "the same status" [ "$(fc ours status)" = "$(fc theirs status)" ]
# a client reading another dbfile: refused
for who in ours theirs; do
	DB=db4 mkconf_for $who bad2
	cp "$T/$who/bad/jail.local" "$T/$who/bad/action.d/rec.conf" "$T/$who/bad2/"
	mv "$T/$who/bad2/rec.conf" "$T/$who/bad2/action.d/"
	fc $who -c "$T/$who/bad2" reload > "$T/db.$who" 2>&1
	echo "rc=$?" >> "$T/db.$who"
	sed -i 's/^[0-9-]* [0-9:,]* fail2ban *\[[0-9]*\]: //' "$T/db.$who"
done
check "reload with another dbfile: the same answer as fail2ban ($(tail -2 "$T/db.ours" | tr '\n' ' '))" \
    [ "$(tail -3 "$T/db.ours")" = "$(tail -3 "$T/db.theirs")" ]
refused="Received RuntimeError('Cannot change database when there are jails present'"
check "... and the same log line" eval 'has "$T/ours.log" "$refused" && has "$T/theirs.log" "$refused"'
check "... f2b-lite keeps the jail, its ban and its database (fail2ban 1.0.2 stops every jail)" \
    eval '[ "$(fc ours get good banip)" = 192.0.2.9 ] && fc ours get dbfile | grep -q "/db3$"'
for who in ours theirs; do fc $who stop > /dev/null; done
stop_daemon $OURS 30
stop_daemon $THEIRS 60
# f2b-lite's other ways to start: -b, client start; a regex the server refuses
"$F2B" server -c "$T/ours/bad" -s "$T/b.sock" -p "$T/b.pid" -b -x > "$T/b.out" 2>&1
rc=$?
wait_until 10 eval '"$F2B" client -s "$T/b.sock" status 2> /dev/null | grep -q "Jail list:.good$"'
check "server -b: starts ($rc) and runs the good jail" [ $? = 0 -a $rc = 0 ]
"$F2B" client -s "$T/b.sock" stop > /dev/null
"$F2B" client -c "$T/ours/bad" -s "$T/c.sock" -p "$T/c.pid" -x start > "$T/c.out" 2>&1
rc=$?
check "client start: starts ($rc) and runs the good jail" \
    eval '[ $rc = 0 ] && "$F2B" client -s "$T/c.sock" status | grep -q "Jail list:.good$"'
"$F2B" client -s "$T/c.sock" stop > /dev/null
sed -i 's/^filter = nosuchfilter$/filter = tf\nfailregex = ^(unclosed <HOST>/' "$T/ours/bad/jail.local"
rm -f "$T/ours.log"
start_ours ours "$T/ours/bad" $NS_OURS
OURS=$DPID
wait_until 10 started "$T/ours.log" good
check "a regex the server refuses: that jail is skipped, the good one runs (fail2ban 1.0.2 stops)" \
    eval '[ "$(fc ours status | grep "Jail list")" = "$(printf "\`- Jail list:\tgood")" ] &&
     has "$T/ours.log" "Jail '"'bad'"' skipped, because of wrong configuration: Unable to compile"'
# the running jail's new configuration broken: kept as it runs
printf '[good]\nfilter = nosuchfilter\n' | put "$T/ours/bad/jail.d/typo.local"
fc ours -c "$T/ours/bad" reload > /dev/null 2>&1
check "reload with a typo in a running jail: it keeps running with its bans (fail2ban 1.0.2 stops it)" \
    eval '[ "$(fc ours get good banip)" = 192.0.2.9 ] &&
     has "$T/ours.log" "Jail '"'good'"' keeps running with its previous configuration"'
fc ours stop > /dev/null
stop_daemon $OURS 30
finish

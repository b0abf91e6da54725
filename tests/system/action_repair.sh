#!/bin/bash
# Differential test of an action's invariant check and repair against
# Debian's fail2ban-server 1.0.2.  The actions keep their "firewall" in a
# state file: start creates it, stop removes it, check tests it, ban and
# unban fail without it.  Once a jail has banned an address, the state file
# is removed behind the daemon's back (a flushed firewall); then:
#  - norep (no actionrepair): the next ban fails, the check fails, the
#    action is stopped and started again, checked, the ban is retried
#    (compared with what fail2ban means to do: 1.0.2 skips the start);
#  - rep (actionrepair): the same with the repair command instead;
#  - unb: its ban command itself removes the state file once it has run
#    (flushed before the unban whatever the load); the unban fails, the
#    check fails: "Unban is impossible", nothing repaired
#    (actionrepair_on_unban is not set);
#  - startfail: actionstart fails (no check, no repair; the bans still run);
#  - heal (actionrepair): a banned address offends again over 3 s after its
#    ban: the consistency check fails, the repair runs, the address is
#    banned again ("Reban"); another banned before the repair is banned
#    again when it offends (its ban epoch is older).
# Each jail's action output (start, ban, check, stop, repair, unban ...,
# the shutdown's) must be the same from both daemons, line for line (the
# shutdown's unbans, which run side by side, in sorted order).  Each ban
# command also appends "ban IP STATUS" to the jail's .ran file once it has
# ended: the test waits for those, never for a time.  TAP.
. "$(dirname "$0")/lib.sh" "$@"
need_fail2ban
setup action_repair
echo "1..10"

mkconf "$T/conf"
failure_filter "$T/conf/filter.d/arep.conf"
for who in ours theirs; do
	D=$T/$who
	mkdir -p "$D"
	cp -r "$T/conf" "$D/"
	put "$D/conf/action.d/flaky.conf" <<EOF
[Definition]
actionstart = printf 'start\n' >> <out>; touch <state>
actionstop = printf 'stop\n' >> <out>; rm -f <state>
actioncheck = printf 'check\n' >> <out>; test -e <state>
actionban = printf 'ban %%s\n' "<ip>" >> <out>; test -e <state>; r=\$?; printf 'ban %%s %%s\n' "<ip>" \$r >> <ran>; test \$r = 0
actionunban = printf 'unban %%s\n' "<ip>" >> <out>; test -e <state>
[Init]
out = $D/<j>.out
state = $D/<j>.state
ran = $D/<j>.ran
EOF
	put "$D/conf/action.d/flaky-flush.conf" <<EOF
[INCLUDES]
before = flaky.conf
[Definition]
actionban = printf 'ban %%s\n' "<ip>" >> <out>; test -e <state>; r=\$?; rm -f <state>; printf 'ban %%s %%s\n' "<ip>" \$r >> <ran>; test \$r = 0
EOF
	put "$D/conf/action.d/flaky-repair.conf" <<EOF
[INCLUDES]
before = flaky.conf
[Definition]
actionrepair = printf 'repair\n' >> <out>; touch <state>
EOF
	put "$D/conf/action.d/nostart.conf" <<EOF
[Definition]
actionstart = printf 'start\n' >> <out>; false
actionstop = printf 'stop\n' >> <out>
actionban = printf 'ban %%s\n' "<ip>" >> <out>; printf 'ban %%s 0\n' "<ip>" >> <ran>
actionunban = printf 'unban %%s\n' "<ip>" >> <out>
[Init]
out = $D/<j>.out
ran = $D/<j>.ran
EOF
	put "$D/conf/jail.local" <<EOF
[DEFAULT]
maxretry = 1
findtime = 10m
bantime = 1h
filter = arep
[norep]
enabled = true
logpath = $D/norep.log
action = flaky[j=norep]
[rep]
enabled = true
logpath = $D/rep.log
action = flaky-repair[j=rep]
[unb]
enabled = true
logpath = $D/unb.log
bantime = 6
action = flaky-flush[j=unb]
[startfail]
enabled = true
logpath = $D/startfail.log
action = nostart[j=startfail]
[heal]
enabled = true
logpath = $D/heal.log
action = flaky-repair[j=heal]
EOF
	for j in norep rep unb startfail heal; do : > "$D/$j.log"; done
done

start_theirs theirs "$T/theirs/conf"
THEIRS=$DPID
start_ours ours "$T/ours/conf"
OURS=$DPID
wait_until 10 started "$T/ours.log" norep rep unb startfail heal
check "f2b-lite started the jails" [ $? = 0 ]
wait_until 30 started "$T/theirs.log" norep rep unb startfail heal
check "fail2ban-server started the jails" [ $? = 0 ]

# ran WHO JAIL LINE [N]: the jail's ban commands ended with LINE ("ban IP
# STATUS") at least N times (default 1) in WHO's run
ran() {
	local c
	c=$(grep -cxF -- "$3" "$T/$1/$2.ran" 2> /dev/null)
	[ "${c:-0}" -ge "${4:-1}" ]
}
both_ran() { ran ours "$@" && ran theirs "$@"; }
# settled WHO JAIL IP: the ban of IP in JAIL is over in WHO's run - its last
# try succeeded, or the daemon gave up on it ("Failed to execute ban")
settled() {
	ran "$1" "$2" "ban $3 0" || grep -F "Failed to execute ban jail '$2'" "$T/$1.log" |
	    grep -qF "Error banning $3"
}
both_settled() { settled ours "$@" && settled theirs "$@"; }
for j in norep rep unb startfail heal; do offend_both $j 192.0.2.1; done
heal1=$(date +%s)	# the second of heal's first line for 192.0.2.1, or later
# the ban commands ran (unb's has removed its state file)
for j in norep rep unb startfail heal; do wait_until 20 both_ran $j 'ban 192.0.2.1 0'; done
# bans of different addresses run side by side: one after the other here
offend_both heal 192.0.2.2
wait_until 20 both_ran heal 'ban 192.0.2.2 0'
# the "firewall" flushed behind the daemons' backs
for who in ours theirs; do
	rm -f "$T/$who/norep.state" "$T/$who/rep.state" "$T/$who/heal.state"
done
for j in norep rep startfail; do offend_both $j 192.0.2.2; done
# retries done; unb's bantime (6 s) over, its unban failed
for j in norep rep startfail; do wait_until 20 both_settled $j 192.0.2.2; done
impossible() {
	has "$T/ours.log" "Invariant check failed. Unban is impossible." &&
	    has "$T/theirs.log" "Invariant check failed. Unban is impossible."
}
wait_until 30 impossible
both_rebanned() {	# both_rebanned IP: heal's Reban line in both logs
	has "$T/ours.log" "[heal] Reban $1" && has "$T/theirs.log" "[heal] Reban $1"
}
# heal's 192.0.2.1 offends again over 3 s after its ban: the log lines have
# whole seconds, so its new line must be stamped at least 4 s later (the
# waits above took longer than that, unb's bantime alone is 6 s)
wait_until 10 eval '[ "$(date +%s)" -ge $((heal1 + 4)) ]'
offend_both heal 192.0.2.1	# > 3 s after its ban: the check, the repair, a reban
wait_until 20 both_rebanned 192.0.2.1
check "heal: both ban 192.0.2.1 again after the repair (Reban)" [ $? = 0 ]
# its ban command ran before the next address's
wait_until 20 both_ran heal 'ban 192.0.2.1 0' 2
offend_both heal 192.0.2.2	# banned before the repair: banned again
wait_until 20 both_rebanned 192.0.2.2
check "heal: both ban 192.0.2.2 again when it offends (an older ban epoch)" [ $? = 0 ]
wait_until 20 both_ran heal 'ban 192.0.2.2 0' 2	# before the shutdown's unbans
stop_daemon $OURS 30
stop_daemon $THEIRS 60

# outseq FILE: the action output on one line; the unbans of the shutdown
# run side by side (different addresses), so a run of unban lines is sorted
outseq() {
	local line run=()
	[ -s "$1" ] || return 0
	while IFS= read -r line; do
		if [[ $line == unban\ * ]]; then
			run+=("$line")
			continue
		fi
		[ ${#run[@]} -gt 0 ] && printf '%s ' $(printf '%s\n' "${run[@]}" | sort | tr ' ' '_') | tr '_' ' '
		run=()
		printf '%s ' "$line"
	done < "$1"
	[ ${#run[@]} -gt 0 ] && printf '%s ' $(printf '%s\n' "${run[@]}" | sort | tr ' ' '_') | tr '_' ' '
	return 0
}
# norep: fail2ban 1.0.2 runs the stop but skips the start (its start ran
# under family '' and counts as already done for the ban's family inet4),
# the check fails again and the firewall stays broken; f2b-lite starts the
# action again, checks it and retries the ban
want="start ban 192.0.2.1 ban 192.0.2.2 check stop start check ban 192.0.2.2 unban 192.0.2.1 unban 192.0.2.2 stop "
if [ "$(outseq "$T/ours/norep.out")" = "$want" ]; then
	ok "norep: stop, start, check, then the ban again ($want)"
else
	nok "norep: stop, start, check, then the ban again" "want: $want" \
	    "f2b-lite: $(outseq "$T/ours/norep.out")"
fi
note "norep, fail2ban 1.0.2: $(tr '\n' ' ' < "$T/theirs/norep.out")"
for j in rep unb startfail heal; do
	theirs=$(outseq "$T/theirs/$j.out")
	if [ -n "$theirs" ] && [ "$theirs" = "$(outseq "$T/ours/$j.out")" ]; then
		ok "$j: action output identical ($(outseq "$T/ours/$j.out"))"
	else
		nok "$j: action output identical" "fail2ban: $theirs" \
		    "f2b-lite: $(outseq "$T/ours/$j.out")"
	fi
done
if has "$T/ours.log" "Invariant check failed. Unban is impossible." &&
    has "$T/theirs.log" "Invariant check failed. Unban is impossible."; then
	ok "unb: both logged that the unban is impossible"
else
	nok "unb: both logged that the unban is impossible" "$(grep -h 'Invariant' "$T/ours.log" "$T/theirs.log")"
fi
finish

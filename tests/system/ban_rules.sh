#!/bin/bash
# Differential test of ban bookkeeping against Debian's fail2ban-server
# 1.0.2, both daemons on the same configuration and log lines:
#  - rt: `set rt bantime 2` while an address is banned for 1 h - the ban
#    takes the new bantime and ends (it used to stay banned until stop).
#    fail2ban 1.0.2 gives the ban the new bantime too, but looks again only
#    at the time it had computed (the old end, an hour later): here f2b-lite
#    is checked on its own;
#  - bip: two failures, `set bip banip`, `set bip unbanip`, one more failure -
#    the failures counted before the manual ban still count: banned again;
#  - inc (bantime.increment): banned, banned again while banned - prolonged
#    by bantime, not by the increased time (the same "Increase" lines);
#  - obs (bantime.increment, maxretry 3): after its first ban ended, a
#    failure of the address counts 2 (the observer's "Found ..., bad" line):
#    two failures ban it again.
# Compared: the Ban/Unban lines of each jail, in order.  TAP.
. "$(dirname "$0")/lib.sh" "$@"
need_fail2ban
setup ban_rules
echo "1..8"

mkconf "$T/conf"
failure_filter "$T/conf/filter.d/brul.conf"
for who in ours theirs; do
	D=$T/$who
	mkdir -p "$D"
	cp -r "$T/conf" "$D/"
	put "$D/conf/action.d/bout.conf" <<EOF
[Definition]
actionban = printf 'ban %%s\n' "<ip>" >> <out>
actionunban = printf 'unban %%s\n' "<ip>" >> <out>
[Init]
out = $D/<j>.out
EOF
	put "$D/conf/fail2ban.local" <<EOF
[Definition]
dbfile = $D/db.sqlite3
EOF
	put "$D/conf/jail.local" <<EOF
[DEFAULT]
filter = brul
findtime = 10m
[rt]
enabled = true
logpath = $D/rt.log
maxretry = 1
bantime = 1h
action = bout[j=rt]
[bip]
enabled = true
logpath = $D/bip.log
maxretry = 3
bantime = 1h
action = bout[j=bip]
[inc]
enabled = true
logpath = $D/inc.log
maxretry = 1
bantime = 5
bantime.increment = true
action = bout[j=inc]
[obs]
enabled = true
logpath = $D/obs.log
maxretry = 3
bantime = 2
bantime.increment = true
action = bout[j=obs]
EOF
	for j in rt bip inc obs; do : > "$D/$j.log"; done
done

start_theirs theirs "$T/theirs/conf"
start_ours ours "$T/ours/conf"
OURS=$DPID
wait_until 10 started "$T/ours.log" rt bip inc obs
check "f2b-lite started the jails" [ $? = 0 ]
wait_until 30 started "$T/theirs.log" rt bip inc obs
check "fail2ban-server started the jails" [ $? = 0 ]

both() {	# both CLIENT-ARGS...: the command to both servers
	"$F2B" client -s "$T/ours.sock" "$@" > /dev/null 2>&1
	"$F2B" client -s "$T/theirs.sock" "$@" > /dev/null 2>&1
}
nbans() { bans "$T/$1.log" "$2" | wc -l; }
both_n() {	# both_n JAIL N: N Ban lines of JAIL in both logs
	[ "$(nbans ours "$1")" -ge "$2" ] && [ "$(nbans theirs "$1")" -ge "$2" ]
}
both_at_least() {	# both_at_least N FIXED-STRING: N lines of both logs hold it
	at_least "$1" "$T/ours.log" "$2" && at_least "$1" "$T/theirs.log" "$2"
}
both_unbans() {	# both_unbans JAIL N: N Unban lines of JAIL in both logs
	[ "$(unbans "$T/ours.log" "$1" | wc -l)" -ge "$2" ] &&
	    [ "$(unbans "$T/theirs.log" "$1" | wc -l)" -ge "$2" ]
}
# after SECOND: the clock is past SECOND (a log line written now is stamped
# later: the lines have whole seconds)
after() { [ "$(date +%s)" -gt "$1" ]; }

offend_both rt 192.0.2.1
offend_both bip 192.0.2.2
offend_both bip 192.0.2.2
offend_both inc 192.0.2.3
inc1=$(date +%s)	# the second of inc's first line, or later
for i in 1 2 3; do offend_both obs 192.0.2.4; done
wait_until 10 both_n rt 1
wait_until 10 both_n inc 1
# inc's next failure: while it is banned (5 s), so at once, but stamped
# after its first (one of the same second would not prolong the ban)
wait_until 5 after "$inc1"
offend_both inc 192.0.2.3	# banned now: prolonged
# bip's two failures are counted before the manual ban
wait_until 10 both_at_least 2 '[bip] Found 192.0.2.2 - '
both set rt bantime 2
both set bip banip 192.0.2.2
bip1=$(date +%s)	# the second of the manual ban, or later
both set bip unbanip 192.0.2.2
wait_until 5 after "$bip1"	# bip's next line is stamped after the manual ban
offend_both bip 192.0.2.2
wait_until 10 both_n bip 2
wait_until 10 eval '[ "$(unbans "$T/ours.log" rt | wc -l)" -ge 1 ]'
check "rt: after 'set rt bantime 2', 192.0.2.1 is unbanned at its new end" [ $? = 0 ]
note "rt, fail2ban 1.0.2: bans $(bans "$T/theirs.log" rt | tr '\n' ' ')unbans $(unbans "$T/theirs.log" rt | tr '\n' ' ')(its next look is at the old end)"
# inc: both unban 192.0.2.3, within a second or two of each other (an
# increased prolongation would end 5 s later)
wait_until 20 eval '[ "$(unbans "$T/ours.log" inc | wc -l)" -ge 1 ] && [ "$(unbans "$T/theirs.log" inc | wc -l)" -ge 1 ]'
unban_ms() {	# unban_ms WHO: the time of the inc jail's Unban line, in ms
	grep -F '[inc] Unban 192.0.2.3' "$T/$1.log" | head -1 |
	    awk '{ split($2, t, ","); print $1 " " t[1] }' | { read -r d; date -d "$d" +%s000; }
}
a=$(unban_ms theirs)
b=$(unban_ms ours)
d=$(( a > b ? a - b : b - a ))
check "inc: prolonged by bantime, not the increased time: unbans $d ms apart" [ -n "$a" -a -n "$b" -a "$d" -le 2000 ]
# obs: its ban (2 s) is over by now; one failure counts 2, the next bans
wait_until 10 both_unbans obs 1
# ... and both have run its unban command
wait_until 10 eval 'has "$T/ours/obs.out" "unban 192.0.2.4" && has "$T/theirs/obs.out" "unban 192.0.2.4"'
offend_both obs 192.0.2.4
# the observer has counted that failure 2 before the next one
wait_until 10 both_at_least 1 '] Found 192.0.2.4, bad - '
offend_both obs 192.0.2.4
wait_until 10 both_n obs 2
# the observer has seen the second failure too, and the second ban (4 s,
# increased) has ended: nothing more to come in the jails compared below
wait_until 10 both_at_least 2 '] Found 192.0.2.4, bad - '
wait_until 20 both_unbans obs 2
bad() {	# the observer's lines (logger, level, text), on one line
	grep -F '] Found 192.0.2.4, bad - ' "$T/$1.log" |
	    sed 's/^[0-9-]* [0-9:,]* //; s/\[[0-9]*\]//; s/ - [0-9-]* [0-9:]*,/ - TIME,/; s/  */ /g' |
	    tr '\n' '|'
}
a=$(bad theirs)
b=$(bad ours)
if [ -n "$a" ] && [ "$a" = "$b" ]; then
	ok "obs: the observer's line is fail2ban's ($b)"
else
	nok "obs: the observer's line is fail2ban's" "fail2ban: $a" "f2b-lite: $b"
fi
for j in bip inc obs; do
	a=$( (bans "$T/theirs.log" $j; unbans "$T/theirs.log" $j | sed 's/^/-/') | tr '\n' ' ')
	b=$( (bans "$T/ours.log" $j; unbans "$T/ours.log" $j | sed 's/^/-/') | tr '\n' ' ')
	if [ -n "$a" ] && [ "$a" = "$b" ]; then
		ok "$j: the same bans and unbans ($b)"
	else
		nok "$j: the same bans and unbans" "fail2ban: $a" "f2b-lite: $b"
	fi
done
finish

#!/bin/bash
# A full ipset set (issue 14.4): the seed's fu_hmail jail and action in a
# network namespace, its set hmailblock made with maxelem 64, and 200
# offenders in one write.  The set takes 64; the 136 it refuses are said in
# one line - the set, its maxelem, how many were not added and the fix
# (maxelem) - not once per address; every ban is still counted (status and
# the database keep it, as fail2ban keeps a ban whose action failed);
# another jail's set still gets its bans, and a later refusal in the same
# minute is counted, not said again.  (Before: nothing was said at all - the
# action's last line, logger, worked, and the shell's rule hid the refused
# ipset line.)  The logger lines go to a test socket seen as /dev/log.  TAP.
. "$(dirname "$0")/lib.sh" "$@"
need_netns
command -v ipset > /dev/null || skip_all "no ipset"
setup full_set
NS=f2bsys-$$-full
N=200
MAX=64
echo "1..11"

netns_add $NS &&
ip netns exec $NS ipset create hmailblock hash:net maxelem $MAX &&
ip netns exec $NS ipset create other hash:net
check "namespace $NS with hmailblock (maxelem $MAX) and another set" [ $? = 0 ]

mkconf "$T/conf"
cp "$SRC/jail.d/fu_hmail.conf" "$T/conf/jail.d/"
printf '[Definition]\ndbfile = %s/f2b.sqlite3\n' "$T" | put "$T/conf/fail2ban.local"
put "$T/conf/jail.local" <<END
[fu_hmail]
logpath = $T/hmail.log
bantime = 1h
[other]
enabled = true
filter = fu_hmail
logpath = $T/other.log
maxretry = 1
bantime = 1h
action = fu_hmail[blockset=other]
END
: > "$T/hmail.log"
: > "$T/other.log"
devlog_sink "$T/dev" "$T/logger.out"
DEVDIR="$T/dev" start_ours f2b "$T/conf" $NS
check "f2b-lite starts both jails" wait_until 10 started "$T/f2b.log" fu_hmail other

# offences FIRST N: N seed-format offences, one address each from 10.1.0.FIRST on
offences() {
	awk -v first="$1" -v n="$2" -v now="$(syslog_now)" 'BEGIN {
		for (i = first; i < first + n; i++)
			printf "%s mail \"SMTPD\"#0111200#0119999#011\"2005-08-10 18:10:00.100\"#011\"10.1.%d.%d\"#011\"SENT: 503 Bad sequence of commands\"\n", now, int(i / 256), i % 256
	}'
}
client() { "$F2B" client -s "$T/f2b.sock" "$@"; }
status_says() { client status fu_hmail | grep -q "$1"; }
db_bans() {
	python3 -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM bips WHERE jail = ?",
    (sys.argv[2],)).fetchone()[0])' "$T/f2b.sqlite3" "$1"
}
FULL="ipset hmailblock is full (maxelem $MAX)"

offences 0 $N > "$T/burst"
cat "$T/burst" >> "$T/hmail.log"
wait_until 60 at_least $N "$T/logger.out" "BANNED!"
check "all $N bans ran their action (the logger line of each)" [ $? = 0 ]
wait_until 10 has "$T/f2b.log" "$FULL"
check "the set holds $MAX" [ "$(ip netns exec $NS ipset list -t hmailblock |
    sed -n 's/^Number of entries: //p')" = $MAX ]
line=$(grep -F "$FULL" "$T/f2b.log")
note "$line"
if [ "$(count_in "$T/f2b.log" "$FULL")" = 1 ] &&
    echo "$line" | grep -qE "ERROR +\[fu_hmail\] fu_hmail: ipset hmailblock is full \(maxelem $MAX\): [0-9]+ bans? not added this minute; recreate it with a larger maxelem, e\.g\. ipset create hmailblock\.new hash:net maxelem 1048576"; then
	ok "one line says the set is full: its name, maxelem, the count and the fix"
else
	nok "one line says the set is full: its name, maxelem, the count and the fix" \
	    "$(grep -F 'full' "$T/f2b.log" | head -3)"
fi
said=$(echo "$line" | sed -n 's/.*: \([0-9]*\) bans\{0,1\} not added.*/\1/p')
check "it counts the refused bans said so far ($said of $((N - MAX)))" \
    eval '[ "${said:-0}" -ge 1 ] && [ "$said" -le $((N - MAX)) ]'
check "no line per refused address (no 'Failed to execute ban', no stderr)" \
    eval '! grep -q "Failed to execute ban\|stderr:" "$T/f2b.log"'
check "status counts all $N bans" eval 'status_says "Currently banned:.*$N" && status_says "Total banned:.*$N"'
check "the database keeps all $N" eval '[ "$(db_bans fu_hmail)" = $N ]'

# another jail's set still takes its bans; one more refusal is counted, not said
offences 1000 1 >> "$T/other.log"
check "another jail's ban reaches its set" wait_until 10 ip netns exec $NS ipset -q test other 10.1.3.232
offences $N 1 >> "$T/hmail.log"
wait_until 10 eval 'status_says "Total banned:.*$((N + 1))" && [ "$(db_bans fu_hmail)" = $((N + 1)) ]'
check "a later refusal: banned, counted, not said again within the minute" \
    eval '[ $? = 0 ] && [ "$(count_in "$T/f2b.log" "$FULL")" = 1 ] && at_least $((N + 1)) "$T/logger.out" "BANNED!"'
finish

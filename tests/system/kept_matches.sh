#!/bin/bash
# The matched lines a ban carries, f2b-lite against fail2ban-server 1.0.2 on
# the same configuration and log (the fail table keeps only the lines the
# actions and the database can read, issue 14.3):
#   jail "m": an action writing <matches> (maxmatches 2 of 3 failures);
#   jail "d": an action that reads no line, the database keeping
#             dbmaxmatches 1 (maxmatches 3);
#   jail "g": an action reading <F-USER> only (the groups stay whole).
# What the actions wrote and what the database holds (bans: jail, ip, data)
# must be byte-identical.  TAP.
. "$(dirname "$0")/lib.sh" "$@"
need_root
setup kept
echo "1..6"

mkconf "$T/conf"
put "$T/conf/filter.d/kept.conf" <<'EOF'
[INCLUDES]
before = common.conf
[Definition]
_daemon = sshd
failregex = ^%(__prefix_line)sfail <F-USER>\S+</F-USER> from <HOST>$
EOF
for who in ours theirs; do
	mkdir -p "$T/$who"
	cp -r "$T/conf" "$T/$who/"
	printf '[Definition]\ndbfile = %s/%s/db.sqlite3\ndbmaxmatches = 1\n' "$T" "$who" |
	    put "$T/$who/conf/fail2ban.local"
	put "$T/$who/conf/action.d/kept-lines.conf" <<EOF
[Definition]
actionban = printf '%%s\n' "<name> <ip>" "<matches>" "--" >> $T/$who/<name>.out
actionunban =
EOF
	put "$T/$who/conf/action.d/kept-user.conf" <<EOF
[Definition]
actionban = printf '%%s\n' "<name> <ip> <F-USER> <failures>" >> $T/$who/<name>.out
actionunban =
EOF
	{
		printf '[m]\nenabled = true\nfilter = kept\nlogpath = %s/%s/m.log\nmaxretry = 3\nmaxmatches = 2\nbantime = 1h\naction = kept-lines\n' "$T" $who
		printf '[d]\nenabled = true\nfilter = kept\nlogpath = %s/%s/d.log\nmaxretry = 3\nmaxmatches = 3\nbantime = 1h\naction = kept-user\n' "$T" $who
		printf '[g]\nenabled = true\nfilter = kept\nlogpath = %s/%s/g.log\nmaxretry = 2\nbantime = 1h\naction = kept-user\n' "$T" $who
	} | put "$T/$who/conf/jail.local"
	: > "$T/$who/m.log"; : > "$T/$who/d.log"; : > "$T/$who/g.log"
done
stamp=$(syslog_now)
lines() {	# lines ADDRESS... : three failures of each, users u1..u3
	local a i
	for i in 1 2 3; do
		for a in "$@"; do printf '%s host sshd[%d]: fail u%d-%s from %s\n' "$stamp" $((100 + i)) $i "$a" "$a"; done
	done
}
lines 192.0.2.1 192.0.2.2 > "$T/m.lines"
lines 198.51.100.1 198.51.100.2 > "$T/d.lines"
lines 203.0.113.1 | head -2 > "$T/g.lines"
# dump WHO: the database's bans without the times, their data's lines,
# failures and user (fail2ban 1.0.2 writes the data as bytes, its lines
# joined and its keys in another order: the values are compared)
dump() {
	python3 -c '
import json, sqlite3, sys
for j, ip, bc, d in sqlite3.connect(sys.argv[1]).execute(
        "SELECT jail, ip, bancount, data FROM bans ORDER BY jail, ip"):
    d = json.loads(d)
    m = ["".join(x) if isinstance(x, list) else x for x in d.get("matches", [])]
    print(j, ip, bc, d.get("failures"), d.get("user"), len(m), json.dumps(m))' "$T/$1/db.sqlite3"
}
run() {	# run WHO: the three logs appended at once, every ban made, stopped
	local who=$1 pid
	if [ $who = ours ]; then start_ours $who "$T/$who/conf"; else start_theirs $who "$T/$who/conf"; fi
	pid=$DPID
	wait_until 30 started "$T/$who.log" m d g || return 1
	for j in m d g; do cat "$T/$j.lines" >> "$T/$who/$j.log"; done
	wait_until 30 at_least 5 "$T/$who.log" '] Ban ' || return 1
	wait_until 10 at_least 2 "$T/$who/m.out" '--' || return 1
	wait_until 10 at_least 3 "$T/$who/kept-user.out" ' ' 2> /dev/null ||
	    wait_until 10 at_least 3 "$T/$who/d.out" ' ' 2> /dev/null
	stop_daemon $pid 30 || return 1
	dump $who > "$T/$who.db"
	# a ban's record (m: its lines up to "--") on one line; bans in any order
	cat "$T/$who"/*.out | awk '/^--$/ { print r "--"; r = ""; next }
	    /^m / || r != "" { r = r $0 " | "; next } { print }' | sort > "$T/$who.actions"
}
check "f2b-lite banned the five offenders and stopped" run ours
check "the <matches> action got maxmatches (2) lines of each ban" \
    [ "$(grep -o ' u[0-9]-192' "$T/ours.actions" | wc -l)" = 4 ]
check "the database kept dbmaxmatches (1) line of the jail whose action reads none" \
    grep -q '^d 198.51.100.1 1 3 u1-198.51.100.1 1 ' "$T/ours.db"
if ! command -v fail2ban-server > /dev/null; then
	for i in 1 2 3; do ok "# SKIP fail2ban-server is not installed"; done
	finish
fi
check "fail2ban-server banned them and stopped" run theirs
if cmp -s "$T/theirs.actions" "$T/ours.actions"; then
	ok "the actions wrote the same lines"
else
	nok "the actions wrote the same lines" "$(diff "$T/theirs.actions" "$T/ours.actions" | head -20)"
fi
if cmp -s "$T/theirs.db" "$T/ours.db"; then
	ok "the database holds the same data"
else
	nok "the database holds the same data" "$(diff "$T/theirs.db" "$T/ours.db" | head -20)"
fi
finish

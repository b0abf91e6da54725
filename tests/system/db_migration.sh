#!/bin/bash
# Persistence tests.
#  1. Migration: Debian's fail2ban-server bans addresses into its database
#     and stops; f2b-lite starts on that database and the bans come back
#     ("Restore Ban") with the same end of ban (remaining time kept).
#  2. The other way: fail2ban-server restores the bans f2b-lite stored.
#  3. Crash safety: kill -9 in the middle of a burst of 2,000 bans, restart:
#     every ban in the database comes back, the bans whose action ran are
#     all among them, no address is banned twice, and the log is not read
#     again from before the stored position (no failure counted twice).
# Output is TAP.
. "$(dirname "$0")/lib.sh" "$@"
if ! command -v fail2ban-server >/dev/null || ! command -v sqlite3 >/dev/null; then
	skip_all "fail2ban or sqlite3 not installed"
fi
setup db

mkdbconf() {	# mkdbconf DIR BANTIME MAXRETRY
	local c=$1/conf
	mkdir -p "$c" "$1/run"
	cp -rs /etc/fail2ban/. "$c/"
	rm -f "$c/jail.d/defaults-debian.conf"
	touch "$1/t.log"
	printf '[Definition]\nfailregex = ^\\s*\\S+ \\S+ failure from <HOST>$\n' > "$c/filter.d/dbt.conf"
	printf '[Definition]\nactionban = echo "ban <ip>" >> %s/actions.out\nactionunban = echo "unban <ip>" >> %s/actions.out\n' \
	    "$1" "$1" > "$c/action.d/dbt.conf"
	printf '[Definition]\ndbfile = %s/f2b.sqlite3\n' "$T" > "$c/fail2ban.local"
	printf '[t]\nenabled = true\nfilter = dbt\nlogpath = %s/t.log\naction = dbt\nmaxretry = %s\nbantime = %s\nfindtime = 1d\n' \
	    "$1" "$3" "$2" > "$c/jail.local"
}
up() {	# up SOCK
	local i
	for i in $(seq 150); do
		fail2ban-client -s "$1" ping > /dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
gone() {	# gone PIDFILE
	local i
	for i in $(seq 150); do
		[ -e "$1" ] || return 0
		sleep 0.1
	done
	return 1
}
ends() {	# ends SOCK: "ip end" per ban
	fail2ban-client -s "$1" get t banip --with-time 2>/dev/null |
	    sed -E 's/^(\S+) \t.* = (.*)$/\1 \2/' | sort
}

echo "1..6"

# the database keeps whole seconds: a ban made now may end up to 1 s later
same_ends() {
	python3 - "$1" "$2" <<'PY'
import sys, time
a = [l.split(' ', 1) for l in open(sys.argv[1]).read().split('\n') if l]
b = [l.split(' ', 1) for l in open(sys.argv[2]).read().split('\n') if l]
t = lambda s: time.mktime(time.strptime(s, '%Y-%m-%d %H:%M:%S'))
sys.exit(not (len(a) == len(b) and all(x[0] == y[0] and abs(t(x[1]) - t(y[1])) <= 1
    for x, y in zip(a, b))))
PY
}

# 1. fail2ban's database, read by f2b-lite
A=$T/a
mkdbconf "$A" 3600 1
fail2ban-server -c "$A/conf" -s "$A/run/s" -p "$A/run/p" -x -b --logtarget "$A/py.log" start \
    > /dev/null 2>&1
up "$A/run/s"
for ip in 192.0.2.10 192.0.2.11 192.0.2.12; do
	fail2ban-client -s "$A/run/s" set t banip $ip > /dev/null
done
# the observer writes the bans to the database
rows_are() { [ "$(sqlite3 "$T/f2b.sqlite3" "select count(*) from bips where jail='t'" 2>/dev/null)" = "$1" ]; }
wait_until 10 rows_are 3
ends "$A/run/s" > "$T/ends.py"
fail2ban-client -s "$A/run/s" stop > /dev/null
gone "$A/run/p"
rows=$(sqlite3 "$T/f2b.sqlite3" "select count(*) from bips where jail='t'")
"$F2B" server -c "$A/conf" -s "$A/run/s" -p "$A/run/p" -x -b --logtarget "$A/ours.log" start \
    > /dev/null 2>&1
up "$A/run/s"
ends "$A/run/s" > "$T/ends.ours"
restored=$(grep -c 'Restore Ban' "$A/ours.log")
if [ "$rows" = 3 ] && [ "$restored" = 3 ] && same_ends "$T/ends.py" "$T/ends.ours"; then
	ok "fail2ban's 3 bans restored by f2b-lite with the same ends of ban (to the second)"
else
	nok "migration from fail2ban" "rows=$rows restored=$restored" "$(diff "$T/ends.py" "$T/ends.ours")"
fi
# 2. and back: ours stored one more, fail2ban restores all four
"$F2B" client -s "$A/run/s" set t banip 192.0.2.13 > /dev/null
ends "$A/run/s" > "$T/ends.ours"
"$F2B" client -s "$A/run/s" stop > /dev/null
gone "$A/run/p"
fail2ban-server -c "$A/conf" -s "$A/run/s" -p "$A/run/p" -x -b --logtarget "$A/py2.log" start \
    > /dev/null 2>&1
up "$A/run/s"
# fail2ban restores the bans after it answers the ping
ends_are() { ends "$A/run/s" > "$T/ends.py2"; [ "$(wc -l < "$T/ends.py2")" = "$1" ]; }
wait_until 10 ends_are 4
fail2ban-client -s "$A/run/s" stop > /dev/null
gone "$A/run/p"
if same_ends "$T/ends.ours" "$T/ends.py2" && [ "$(wc -l < "$T/ends.py2")" = 4 ]; then
	ok "fail2ban restores f2b-lite's 4 bans with the same ends (to the second)"
else
	nok "fail2ban reading f2b-lite's database" "$(diff "$T/ends.ours" "$T/ends.py2")"
fi
if [ "$(sqlite3 "$T/f2b.sqlite3" 'select version from fail2banDb')" = 4 ]; then
	ok "schema version 4"
else
	nok "schema version"
fi

# 3. crash in a burst
rm -f "$T/f2b.sqlite3"*
B=$T/b
mkdbconf "$B" 3600 1
"$F2B" server -c "$B/conf" -s "$B/run/s" -p "$B/run/p" -x -f --logtarget "$B/1.log" start \
    > /dev/null 2>&1 &
pid=$!
spawned $pid
up "$B/run/s"
python3 - "$B/t.log" <<'PY'
import sys, time
now = time.strftime('%b %d %H:%M:%S')
with open(sys.argv[1], 'a') as f:
    for i in range(2000):
        f.write('%s host x failure from 10.9.%d.%d\n' % (now, i // 250, i % 250 + 1))
PY
# kill as soon as the first bans are logged, mid-burst
for _ in $(seq 2000); do
	grep -q '\] Ban ' "$B/1.log" 2>/dev/null && break
done
kill -9 $pid
wait $pid 2>/dev/null
forget $pid
rm -f "$B/run/s"
banned_before=$(grep -c '\] Ban ' "$B/1.log")
acted=$(sort -u "$B/actions.out" 2>/dev/null | grep -c '^ban ')
"$F2B" server -c "$B/conf" -s "$B/run/s" -p "$B/run/p" -x -f --logtarget "$B/2.log" start \
    > /dev/null 2>&1 &
pid=$!
spawned $pid
up "$B/run/s"
# a sentinel failure after the burst: once it is banned, every line before
# it has been read (lines are read in order), so the counts are final
printf '%s host x failure from 10.99.0.1\n' "$(date +'%b %d %H:%M:%S')" >> "$B/t.log"
wait_until 120 grep -q '\] Ban 10\.99\.0\.1$' "$B/2.log"
check "the restarted server reads the log to its end (a sentinel failure banned)" [ $? = 0 ]
restored=$(grep -c 'Restore Ban' "$B/2.log")
newbans=$(grep '\] Ban ' "$B/2.log" | grep -vc ' 10\.99\.0\.1$')
total=$(fail2ban-client -s "$B/run/s" get t banip | tr ' ' '\n' | grep -v '^10\.99\.0\.1$' | grep -c .)
dups=$(grep -ho '\] \(Restore \)\?Ban [0-9.]*' "$B/2.log" | awk '{print $NF}' | sort | uniq -d | wc -l)
missing=$(comm -23 <(sed -n 's/^ban //p' "$B/actions.out" | grep -v '^10\.99\.0\.1$' | sort -u) \
    <(fail2ban-client -s "$B/run/s" get t banip | tr ' ' '\n' | sort -u) | wc -l)
fail2ban-client -s "$B/run/s" stop > /dev/null
wait $pid 2>/dev/null
forget $pid
if [ "$missing" = 0 ] && [ "$dups" = 0 ] && [ "$total" = 2000 ]; then
	ok "after kill -9 at $banned_before of 2000 bans ($acted actions run): $restored restored, $newbans found again from the log, all 2000 banned once"
else
	nok "crash safety" "banned before=$banned_before acted=$acted restored=$restored new=$newbans total=$total dups=$dups missing=$missing"
fi
if [ "$((restored + newbans))" = 2000 ]; then
	ok "the log was read on from the stored position: $restored + $newbans = 2000"
else
	nok "log position and bans disagree" "restored=$restored new=$newbans"
fi
finish

#!/bin/bash
# The database when it is not what it should be.  Each case runs Debian's
# fail2ban-server and f2b-lite on copies of the same file and compares, whole:
# the fail2ban.database log lines, the restored bans and the order `banned`
# and `get t banip` give them, the tables afterwards, and the copy kept.
#  1-3. Schema versions 1, 2 and 3, built here with sqlite3 from fail2ban's
#       own definitions (the schemas of its database_v1.db and database_v2.db
#       test files, and database.py's tables without bips for version 3),
#       holding current bans: updated to version 4 as updateDb does, the bans
#       kept and restored.
#  4.   A file that is no database: moved aside, a new database made.
#  5.   A database whose schema is damaged: moved aside, repaired by dump and
#       restore, its bans restored.
#  6.   No file: "New database created. Version '4'".
# f2b-lite only (fail2ban 1.0.2 refuses to start on a read-only database):
#  7.   A read-only file (chattr +i): said with its path, the bans restored
#       and new bans made in memory, the failed writes counted.
#  8.   Writes that fail while running (its -wal file made immutable): one
#       ERROR naming the file, counted in `status --json` and `metrics`, one
#       line when writing works again, and what was written then is there.
# Output is TAP.
. "$(dirname "$0")/lib.sh" "$@"
need_root
need_fail2ban
command -v sqlite3 > /dev/null || skip_all "sqlite3 is not installed"
F2BPY=/usr/lib/python3/dist-packages
F2BTESTS=$F2BPY/fail2ban/tests/files
[ -f "$F2BTESTS/database_v1.db" ] && [ -f "$F2BTESTS/database_v2.db" ] ||
    skip_all "fail2ban's test databases are not installed"
setup dbfaults
IMMUTABLE=()	# files made immutable: made mutable again before the temp dir goes
trap 'for f in "${IMMUTABLE[@]}"; do chattr -i "$f" 2> /dev/null; done; cleanup' EXIT
NOW=$(date +%s)

# ---- the databases, from fail2ban's own definitions ----------------------------

v4_tables() {	# v4_tables [TABLE...]: database.py's scripts (all, or the ones named)
	PYTHONPATH=$F2BPY python3 - "$@" <<'PY'
import sys
from fail2ban.server.database import Fail2BanDb
names = sys.argv[1:] or [n for n, s in Fail2BanDb._CREATE_SCRIPTS]
print(''.join(Fail2BanDb._CREATE_TABS[n] for n in names))
PY
}
# the same bans in every version: 192.0.2.9 older than 192.0.2.1 (both still
# banned for 1 h), 192.0.2.5 over; a log of another jail
rows() {	# rows VERSION
	local v=$1 old='{"matches": ["x failure from 192.0.2.9"], "failures": 3}'
	echo "INSERT INTO fail2banDb VALUES($v);"
	echo "INSERT INTO jails VALUES('t', 1);"
	echo "INSERT INTO logs VALUES('t', '/var/log/other.log', 'abc', 10);"
	if [ "$v" -lt 3 ]; then
		echo "INSERT INTO bans VALUES('t', '192.0.2.9', $((NOW - 100)), '$old');"
		echo "INSERT INTO bans VALUES('t', '192.0.2.1', $((NOW - 50)), '{\"failures\": 3}');"
		echo "INSERT INTO bans VALUES('t', '192.0.2.5', $((NOW - 7200)), '{\"failures\": 3}');"
		return
	fi
	echo "INSERT INTO bans VALUES('t', '192.0.2.9', $((NOW - 100)), 3600, 1, '$old');"
	echo "INSERT INTO bans VALUES('t', '192.0.2.1', $((NOW - 50)), 3600, 2, '{\"failures\": 3}');"
	echo "INSERT INTO bans VALUES('t', '192.0.2.5', $((NOW - 7200)), 3600, 1, '{\"failures\": 3}');"
	[ "$v" -lt 4 ] && return
	echo "INSERT INTO bips SELECT ip, jail, timeofban, bantime, bancount, data FROM bans;"
}
make_db() {	# make_db FILE VERSION
	case $2 in
	1|2) sqlite3 "$F2BTESTS/database_v$2.db" .schema ;;
	3) v4_tables fail2banDb jails logs bans ;;
	4) v4_tables ;;
	esac | cat - <(rows "$2") | sqlite3 "$1"
}
not_a_db() { echo "this is not a database, just text" > "$1"; }
damaged() {	# a v4 database whose index bans_jail_ip has a broken definition
	local at
	make_db "$1" 4
	at=$(grep -boa 'bans_jail_ip ON bans(jail, ip)' "$1" | head -1 | cut -d: -f1)
	# "ON bans(jail, ip)" becomes as many bytes of garbage: the record stays whole
	printf 'XX XXXX(XXXX XX)X' | dd of="$1" bs=1 seek=$((at + 13)) conv=notrunc 2> /dev/null
}

# ---- one server on one database -------------------------------------------------

mkcase() {	# mkcase DIR: configuration of jail t in DIR, database DIR/db.sqlite3
	local d=$1 c=$1/conf
	mkdir -p "$c"
	cp -rs "$STOCK/." "$c/"
	rm -f "$c/jail.d/defaults-debian.conf"
	: > "$d/t.log"
	failure_filter "$c/filter.d/dbf.conf"
	printf '[Definition]\nactionban = echo "ban <ip>" >> %s/actions.out\nactionunban = echo "unban <ip>" >> %s/actions.out\n' \
	    "$d" "$d" | put "$c/action.d/dbf.conf"
	printf '[Definition]\ndbfile = %s/db.sqlite3\n' "$d" | put "$c/fail2ban.local"
	printf '[t]\nenabled = true\nfilter = dbf\nlogpath = %s/t.log\naction = dbf\nmaxretry = 1\nbantime = 1h\nfindtime = 1d\n' \
	    "$d" | put "$c/jail.local"
}
cl() { "$F2B" client -s "$T/$name.sock" "$@" 2>&1; }	# to the case's server
nbans() { [ "$(cl get t banip | wc -w)" -ge "$1" ]; }
norm() {	# the paths, times and backup stamps of a case made comparable
	sed -E "s|$T/[a-z0-9]+-[a-z]+|DIR|g; s/[0-9]{8}-[0-9]{6}/STAMP/g;
	    s/^[0-9-]+ [0-9:,]+ //; s/\[[0-9]+\]:/[PID]:/"
}
# run_case CASE WHO MAKER [ARGS]: the database made by MAKER, the server WHO
# (ours|theirs) started on it; waits for RESTORED bans ($RESTORED, default 2),
# asks, stops it; the results in $T/CASE-WHO.*
run_case() {
	local case=$1 who=$2 d=$T/$1-$2 maker=$3 rc
	shift 3
	name=$case-$who
	mkcase "$d"
	[ "$maker" = none ] || "$maker" "$d/db.sqlite3" "$@"
	cp "$d/db.sqlite3" "$T/$name.orig" 2> /dev/null
	if [ "$who" = ours ]; then start_ours "$name" "$d/conf"; else start_theirs "$name" "$d/conf"; fi
	wait_until 20 started "$T/$name.log" t && wait_until 20 nbans "${RESTORED:-2}" ||
	    note "$name: not up with ${RESTORED:-2} bans"
	{
		echo "\$ banned"; cl banned
		echo "\$ get t banned"; cl get t banned
		echo "\$ get t banip"; cl get t banip
	} > "$T/$name.answers"
	stop_daemon "$DPID"
	rc=$?
	[ "$rc" = 0 ] || note "$name: server ended with status $rc"
	grep -E 'fail2ban\.database|Restore Ban' "$T/$name.log" | norm > "$T/$name.lines"
	{
		sqlite3 "$d/db.sqlite3" .schema
		for q in 'SELECT * FROM fail2banDb' 'SELECT * FROM jails' \
		    "SELECT * FROM logs WHERE path != '$d/t.log'" \
		    'SELECT * FROM bans ORDER BY ip' 'SELECT * FROM bips ORDER BY ip'; do
			echo "$q:"
			sqlite3 "$d/db.sqlite3" "$q" 2>&1
		done
		ls "$d" | norm | grep '^db\.sqlite3\.'
		local bk
		for bk in "$d"/db.sqlite3.[0-9]*; do
			[ -e "$bk" ] || continue
			if cmp -s "$bk" "$T/$name.orig"; then echo "the backup is the file as it was"
			else echo "the backup differs from the file as it was"; fi
		done
	} 2>&1 | norm > "$T/$name.tables"
}
# same CASE DESCRIPTION MAKER [ARGS]: both servers, compared
same() {
	local case=$1 what=$2 f bad=()
	shift 2
	run_case "$case" theirs "$@"
	run_case "$case" ours "$@"
	for f in lines answers tables; do
		diff "$T/$case-theirs.$f" "$T/$case-ours.$f" > "$T/$case.$f.diff" ||
		    bad+=("$f:" "$(head -20 "$T/$case.$f.diff")")
	done
	if [ ${#bad[@]} = 0 ] && [ -s "$T/$case-theirs.lines" ]; then
		ok "$what: as fail2ban ($(grep -c . "$T/$case-ours.lines") database lines, answers, tables)"
	else
		nok "$what" "${bad[@]}" "ours:" "$(cat "$T/$case-ours.lines")"
	fi
}

echo "1..8"
same v1 "schema version 1 updated to 4, bans kept" make_db 1
same v2 "schema version 2 updated to 4, bans kept" make_db 2
same v3 "schema version 3 updated to 4, bans kept" make_db 3
RESTORED=0 same notdb "a file that is no database moved aside, a new one made" not_a_db
same damaged "a damaged schema: moved aside, repaired, bans restored" damaged
RESTORED=0 same new "no file: a new database" none

# 7. read-only (ours only: fail2ban 1.0.2 stops)
probe=$T/probe
: > "$probe"
if ! chattr +i "$probe" 2> /dev/null; then
	ok "# SKIP read-only file: chattr +i does not work under $T"
	ok "# SKIP failing writes: chattr +i does not work under $T"
	finish
fi
chattr -i "$probe"
d=$T/ro-ours
name=ro-ours
mkcase "$d"
make_db "$d/db.sqlite3" 4
chattr +i "$d/db.sqlite3" && IMMUTABLE+=("$d/db.sqlite3")
start_ours "$name" "$d/conf"
wait_until 20 started "$T/$name.log" t && wait_until 20 nbans 2
cl set t banip 192.0.2.77 > /dev/null
wait_until 10 has "$d/actions.out" "ban 192.0.2.77"
json=$("$F2B" client -s "$T/$name.sock" status --json 2>&1)
line="ERROR   Database '$d/db.sqlite3' is read-only: bans and log positions will not be stored"
banip=$(cl get t banip)
stop_daemon "$DPID"
chattr -i "$d/db.sqlite3"
stored=$(sqlite3 "$d/db.sqlite3" "SELECT count(*) FROM bips WHERE ip = '192.0.2.77'")
if has "$T/$name.log" "$line" && [ "$banip" = "192.0.2.9 192.0.2.1 192.0.2.77" ] &&
    [ "$stored" = 0 ] && [[ $json == *'"Database": {"File": "'$d'/db.sqlite3", "Failed writes": '[1-9]* ]]; then
	ok "read-only file: said with its path, 2 bans restored, a new one made in memory, failed writes counted"
else
	nok "read-only file" "banip: $banip stored: $stored" "json: $json" \
	    "$(grep -F fail2ban.database "$T/$name.log")"
fi

# 8. writes that start failing while the server runs, and work again
d=$T/wal-ours
name=wal-ours
RESTORED=0
mkcase "$d"
start_ours "$name" "$d/conf"
wait_until 20 started "$T/$name.log" t
cl set t banip 192.0.2.10 > /dev/null
wait_until 10 test -e "$d/db.sqlite3-wal"
chattr +i "$d/db.sqlite3-wal" && IMMUTABLE+=("$d/db.sqlite3-wal")
cl set t banip 192.0.2.11 > /dev/null
wait_until 10 has "$T/$name.log" "ERROR   Database '$d/db.sqlite3': "
cl set t banip 192.0.2.12 > /dev/null
wait_until 10 has "$d/actions.out" "ban 192.0.2.12"
json=$("$F2B" client -s "$T/$name.sock" status --json 2>&1)
metric=$("$F2B" client -s "$T/$name.sock" metrics 2>&1 | grep '^f2b_db_write_errors ')
chattr -i "$d/db.sqlite3-wal"
cl set t banip 192.0.2.13 > /dev/null
wait_until 10 has "$T/$name.log" "Database '$d/db.sqlite3' is written again"
stop_daemon "$DPID"
errors=$(count_in "$T/$name.log" "ERROR   Database '$d/db.sqlite3': ")
stored=$(sqlite3 "$d/db.sqlite3" "SELECT group_concat(ip, ' ') FROM (SELECT ip FROM bips ORDER BY ip)")
lost=${json##*\"Failed writes\": }
lost=${lost%%\}*}
if [ "$errors" = 1 ] && [ "$stored" = "192.0.2.10 192.0.2.13" ] && [ "${lost:-0}" -gt 0 ] 2> /dev/null &&
    [ "$metric" = "f2b_db_write_errors $lost" ] &&
    has "$T/$name.log" "is written again ($lost writes failed before)"; then
	ok "failing writes: one ERROR with the path, $lost counted in status --json and metrics, said when they work again"
else
	nok "failing writes" "errors=$errors stored=$stored json=$json metric=$metric" \
	    "$(grep -F fail2ban.database "$T/$name.log")"
fi
finish

#!/bin/bash
# Persistence and control benchmarks, f2b-lite beside Debian's fail2ban 1.0.2
# in one run (not a timed test; it prints figures and ratios):
#
#   1. restoring 20,000 bans at start through an ipset action (inside a
#      network namespace this script creates): start to all 20,000 addresses
#      in the set.  fail2ban runs one shell per ban; it gets 120 s.
#   2. the `status` round trip: the time of one request/answer on the
#      socket (a raw pickled request, median of 200), and of a whole
#      `fail2ban-client status` / `f2b-lite client status` process.
#   3. the database size after N bans (`set t banip` in batches).
#
#   bench/persist.sh [F2B-LITE-BINARY]
set -u
F2B=$(realpath "${1:-$(dirname "$0")/../build/f2b-lite/f2b-lite}")
[ "$(id -u)" = 0 ] || { echo "$0: needs root (network namespace, ipset)"; exit 2; }
T=$(mktemp -d /tmp/f2b-bench-persist.XXXXXX)
NS=f2bbench$$
cleanup() {
	local p
	for p in $(cat "$T"/*/run/p 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
ip netns add "$NS"
NBANS=20000

mkconf() {	# mkconf DIR ACTIONLINE
	mkdir -p "$1/conf" "$1/run"
	cp -rs /etc/fail2ban/. "$1/conf/"
	rm -f "$1/conf/jail.d/defaults-debian.conf"
	touch "$1/t.log"
	printf '[Definition]\nfailregex = failure from <HOST>\n' > "$1/conf/filter.d/pb.conf"
	printf '[Definition]\nactionban = %s\nactionunban =\n' "$2" > "$1/conf/action.d/pb.conf"
	printf '[Definition]\ndbfile = %s/f2b.sqlite3\n' "$1" > "$1/conf/fail2ban.local"
	printf '[t]\nenabled = true\nfilter = pb\nlogpath = %s/t.log\naction = pb\nbantime = 1d\n' \
	    "$1" > "$1/conf/jail.local"
}
mkdb() {	# mkdb FILE N: a fail2ban database with N live bans in jail t
	python3 - "$1" "$2" <<'PY'
import json, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
db.executescript("""CREATE TABLE fail2banDb(version INTEGER); INSERT INTO fail2banDb VALUES(4);
CREATE TABLE jails(name TEXT NOT NULL UNIQUE, enabled INTEGER NOT NULL DEFAULT 1);
CREATE TABLE logs(jail TEXT NOT NULL, path TEXT, firstlinemd5 TEXT, lastfilepos INTEGER DEFAULT 0,
 UNIQUE(jail, path), UNIQUE(jail, path, firstlinemd5));
CREATE TABLE bans(jail TEXT NOT NULL, ip TEXT, timeofban INTEGER NOT NULL, bantime INTEGER NOT NULL,
 bancount INTEGER NOT NULL default 1, data JSON);
CREATE TABLE bips(ip TEXT NOT NULL, jail TEXT NOT NULL, timeofban INTEGER NOT NULL,
 bantime INTEGER NOT NULL, bancount INTEGER NOT NULL default 1, data JSON, PRIMARY KEY(ip, jail));
INSERT INTO jails VALUES('t', 1);""")
now = int(time.time())
rows = [('10.%d.%d.%d' % (i >> 16 & 255, i >> 8 & 255, i & 255), 't', now - 10, 86400, 1,
         json.dumps({'failures': 3, 'matches': []})) for i in range(1, int(sys.argv[2]) + 1)]
db.executemany("INSERT INTO bips VALUES(?,?,?,?,?,?)", rows)
db.executemany("INSERT INTO bans(ip, jail, timeofban, bantime, bancount, data) VALUES(?,?,?,?,?,?)",
               rows)
db.commit()
PY
}
set_count() { ip netns exec "$NS" ipset list "$1" -t 2>/dev/null | awk '/Number of entries/{print $4}'; }
restore() {	# restore WHICH SERVER-CMD -> seconds or "n/a"
	local d=$T/$1 set=pb$1 t0 t1 n=0 i limit=$3
	mkconf "$d" "ipset add $set <ip>"
	mkdb "$d/f2b.sqlite3" $NBANS
	ip netns exec "$NS" ipset create "$set" hash:ip maxelem 200000
	t0=$(date +%s.%N)
	ip netns exec "$NS" $2 -c "$d/conf" -s "$d/run/s" -p "$d/run/p" -x -b \
	    --logtarget "$d/log" start > /dev/null 2>&1
	for i in $(seq $((limit * 50))); do
		n=$(set_count "$set")
		[ "${n:-0}" -ge $NBANS ] && break
		sleep 0.02
	done
	t1=$(date +%s.%N)
	kill -9 "$(cat "$d/run/p" 2>/dev/null)" 2>/dev/null
	if [ "${n:-0}" -ge $NBANS ]; then
		printf '%.2f' "$(echo "$t1 - $t0" | bc)"
	else
		echo "> $limit s ($n of $NBANS)"
	fi
}

echo "== 1. restoring $NBANS bans at start through ipset (start -> all in the set)"
ours=$(restore ours "$F2B server" 30)
theirs=$(restore py fail2ban-server 120)
echo "f2b-lite: $ours s    fail2ban: $theirs s"

echo "== 2. status round trip"
for which in ours py; do
	d=$T/rt$which
	mkconf "$d" "true"
	if [ $which = ours ]; then srv="$F2B server"; else srv=fail2ban-server; fi
	$srv -c "$d/conf" -s "$d/run/s" -p "$d/run/p" -x -b --logtarget "$d/log" start > /dev/null 2>&1
	for _ in $(seq 100); do fail2ban-client -s "$d/run/s" ping > /dev/null 2>&1 && break; sleep 0.1; done
done
python3 - "$T/rtours/run/s" "$T/rtpy/run/s" <<'PY'
import pickle, socket, sys, time
END = b"<F2B_END_COMMAND>"
def rt(path):
    s = socket.socket(socket.AF_UNIX); s.connect(path)
    req = pickle.dumps(['status'], 4) + END
    ts = []
    for _ in range(200):
        t0 = time.perf_counter(); s.sendall(req); buf = b""
        while not buf.endswith(END): buf += s.recv(65536)
        ts.append(time.perf_counter() - t0)
    s.close(); ts.sort(); return ts[len(ts) // 2]
a, b = rt(sys.argv[1]), rt(sys.argv[2])
print("socket round trip (median of 200): f2b-lite %.3f ms, fail2ban %.3f ms, ratio %.0fx"
      % (a * 1e3, b * 1e3, b / a))
PY
t0=$(date +%s.%N); for _ in $(seq 20); do "$F2B" client -s "$T/rtours/run/s" status > /dev/null; done; t1=$(date +%s.%N)
t2=$(date +%s.%N); for _ in $(seq 20); do fail2ban-client -s "$T/rtpy/run/s" status > /dev/null; done; t3=$(date +%s.%N)
printf 'client process, status (mean of 20): f2b-lite %.1f ms, fail2ban-client %.1f ms\n' \
    "$(echo "($t1 - $t0) * 50" | bc)" "$(echo "($t3 - $t2) * 50" | bc)"

echo "== 3. database size after N bans"
ban_many() {	# ban_many SOCK N CLIENT
	python3 - "$1" "$2" <<'PY'
import pickle, socket, sys
END = b"<F2B_END_COMMAND>"
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
n = int(sys.argv[2])
for base in range(0, n, 1000):
    ips = ['10.%d.%d.%d' % (i >> 16 & 255, i >> 8 & 255, i & 255) for i in range(base + 1, min(n, base + 1000) + 1)]
    s.sendall(pickle.dumps(['set', 't', 'banip'] + ips, 4) + END)
    buf = b""
    while not buf.endswith(END): buf += s.recv(65536)
PY
}
for which in ours py; do
	n=100000
	[ $which = py ] && n=20000	# fail2ban bans about a hundred a second
	t0=$(date +%s.%N)
	ban_many "$T/rt$which/run/s" $n
	t1=$(date +%s.%N)
	sleep 3
	fail2ban-client -s "$T/rt$which/run/s" stop > /dev/null 2>&1
	sleep 2
	rows=$(sqlite3 "$T/rt$which/f2b.sqlite3" 'select count(*) from bans' 2>/dev/null)
	size=$(stat -c %s "$T/rt$which/f2b.sqlite3")
	printf '%s: %s bans stored, %s bytes (%s bytes per ban), banned in %.1f s\n' $which "$rows" \
	    "$size" "$(( size / (rows > 0 ? rows : 1) ))" "$(echo "$t1 - $t0" | bc)"
done

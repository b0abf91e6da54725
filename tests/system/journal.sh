#!/bin/bash
# The systemd journal backend, with journal files written without a running
# journald (systemd-journal-remote turns an export-format stream into a
# journal file in the test's temp dir).
#  1. The stock sshd jail on journal input bans the same addresses as on the
#     same events written as auth.log text.
#  2. A restart resumes from the position saved in the database: entries
#     read before are not read again, new ones are.
#  3. A journal file added in the middle of a run (rotation): its entries
#     are read, none lost, none twice.
#  4. Debian's stock configuration on a machine without /var/log/auth.log,
#     with a journal: the server starts (sshd falls back to the journal) and
#     bans the sshd failures found there.  The system journal directories are
#     replaced, in a mount namespace of the test's own, by the test's files.
# Output is TAP.
. "$(dirname "$0")/lib.sh" "$@"
REMOTE=/lib/systemd/systemd-journal-remote
[ -x $REMOTE ] || skip_all "systemd-journal-remote is not installed"
setup journal

# events: "IP COUNT" lines -> an export stream and the same as auth.log text
mkevents() {	# mkevents OUT-EXPORT OUT-AUTHLOG SEQ-START "ip count"...
	local exp=$1 auth=$2 seq=$3
	shift 3
	python3 - "$exp" "$auth" "$seq" "$@" <<'PY'
import sys, time
exp, auth, seq = sys.argv[1], sys.argv[2], int(sys.argv[3])
now = time.time()
e, a = [], []
k = 0
for spec in sys.argv[4:]:
    ip, count = spec.split()
    for i in range(int(count)):
        t = now - 30 + k * 0.001
        msg = 'Failed password for invalid user u%d from %s port %d ssh2' % (k, ip, 40000 + k)
        pid = 1000 + seq + k
        e.append('__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n'
                 '_BOOT_ID=0123456789abcdef0123456789abcdef\n_HOSTNAME=myhost\n'
                 'SYSLOG_IDENTIFIER=sshd\n_PID=%d\n_SYSTEMD_UNIT=sshd.service\n_COMM=sshd\n'
                 'MESSAGE=%s\n\n' % (int(t * 1e6), 1000000 + seq + k, pid, msg))
        a.append('%s myhost sshd[%d]: %s\n' % (time.strftime('%b %e %H:%M:%S', time.localtime(t)), pid, msg))
        k += 1
open(exp, 'w').write(''.join(e))
open(auth, 'a').write(''.join(a))
PY
}
journal() {	# journal DIR NAME EXPORT
	mkdir -p "$1"
	$REMOTE -o "$1/$2" - < "$3" > /dev/null 2>&1
}
mkjconf() {	# mkjconf DIR JAIL-LOCAL-TEXT
	mkdir -p "$1/conf" "$1/run"
	cp -rs /etc/fail2ban/. "$1/conf/"
	rm -f "$1/conf/jail.d/defaults-debian.conf"
	printf '[Definition]\ndbfile = %s/f2b.sqlite3\n' "$1" > "$1/conf/fail2ban.local"
	printf '[Definition]\nactionban = echo "ban <ip>" >> %s/actions.out\nactionunban =\n' "$1" \
	    > "$1/conf/action.d/jt.conf"
	printf '%s\n' "$2" > "$1/conf/jail.local"
}
start() {	# start DIR [PREFIX...]
	local d=$1
	shift
	"$@" "$F2B" server -c "$d/conf" -s "$d/run/s" -p "$d/run/p" -x -f --logtarget "$d/log" \
	    start > /dev/null 2>&1 &
	spawned $!
	for _ in $(seq 100); do
		"$F2B" client -s "$d/run/s" ping > /dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}
stop() { "$F2B" client -s "$1/run/s" stop > /dev/null 2>&1; sleep 0.3; }
banned() { sed -n 's/^ban //p' "$1/actions.out" 2>/dev/null | sort; }

echo "1..4"

# 1. journal vs auth.log text
A=$T/a
mkevents "$T/e1" "$T/auth.log" 0 "192.0.2.1 5" "192.0.2.2 4" "2001:db8::7 6" "198.51.100.3 5"
journal "$A/j" system.journal "$T/e1"
mkjconf "$A" "[sshd]
enabled = true
backend = systemd[journalpath=$A/j]
action = jt
maxretry = 5"
start "$A"
sleep 1
stop "$A"
B=$T/b
mkjconf "$B" "[sshd]
enabled = true
logpath = $T/auth.log
action = jt
maxretry = 5"
start "$B"
sleep 1
stop "$B"
if [ -n "$(banned "$A")" ] && [ "$(banned "$A")" = "$(banned "$B")" ]; then
	ok "stock sshd jail: journal and auth.log text ban the same: $(banned "$A" | tr '\n' ' ')"
else
	nok "journal vs auth.log" "journal: $(banned "$A" | tr '\n' ' ')" "auth.log: $(banned "$B" | tr '\n' ' ')"
fi

# 2. restart resumes from the saved position
found1=$(grep -c '\] Found ' "$A/log")
mkevents "$T/e2" /dev/null 100 "203.0.113.9 2"
journal "$A/j" system@0001-0002.journal "$T/e2"
: > "$A/log"
start "$A"
sleep 1
stop "$A"
found2=$(grep -c '\] Found ' "$A/log")
if [ "$found1" = 20 ] && [ "$found2" = 2 ] && ! grep -q 'Found 192.0.2.1 ' "$A/log"; then
	ok "restart: $found1 entries first, then only the $found2 new ones"
else
	nok "restart from the saved position" "first run $found1 (want 20), second $found2 (want 2)"
fi

# 3. a new journal file while running
C=$T/c
mkevents "$T/e3" /dev/null 200 "192.0.2.50 3"
journal "$C/j" system.journal "$T/e3"
mkjconf "$C" "[sshd]
enabled = true
backend = systemd[journalpath=$C/j]
action = jt
maxretry = 100"
start "$C"
sleep 0.5
mkevents "$T/e4" /dev/null 300 "192.0.2.51 4"
journal "$C/j" system@0002-0003.journal "$T/e4"
for _ in $(seq 60); do
	[ "$(grep -c '\] Found ' "$C/log")" -ge 7 ] && break
	sleep 0.1
done
sleep 0.5
stop "$C"
f50=$(grep -c 'Found 192.0.2.50 ' "$C/log"); f51=$(grep -c 'Found 192.0.2.51 ' "$C/log")
if [ "$f50" = 3 ] && [ "$f51" = 4 ]; then
	ok "a journal file added while running: 3 + 4 entries, each once"
else
	nok "journal rotation" "192.0.2.50: $f50 (want 3), 192.0.2.51: $f51 (want 4)"
fi

# 4. Debian's stock configuration, no auth.log, a journal
if [ "$(id -u)" != 0 ] || [ ! -s /etc/machine-id ] || ! command -v unshare > /dev/null; then
	ok "# SKIP needs root, /etc/machine-id and unshare"
	exit 0
fi
D=$T/d
mid=$(cat /etc/machine-id)
mkevents "$T/e5" /dev/null 400 "192.0.2.60 5" "192.0.2.61 2"
journal "$D/journal/$mid" system.journal "$T/e5"
mkdir -p "$D/conf" "$D/run" "$D/empty"
cp -rs /etc/fail2ban/. "$D/conf/"	# Debian's defaults-debian.conf enables sshd
printf '[Definition]\ndbfile = %s/f2b.sqlite3\n' "$D" > "$D/conf/fail2ban.local"
printf '[Definition]\nactionban = echo "ban <ip>" >> %s/actions.out\nactionunban =\n' "$D" \
    > "$D/conf/action.d/jt.conf"
printf '[DEFAULT]\nbanaction = jt\nbanaction_allports = jt\n' > "$D/conf/jail.local"
# the host's journal and /var/log/auth.log are out of sight in a mount namespace
cat > "$D/run.sh" <<EOT
mount --make-rprivate /
mount --bind $D/journal /var/log/journal
mkdir -p /run/log/journal 2>/dev/null && mount --bind $D/empty /run/log/journal
[ -e /var/log/auth.log ] && mount --bind /dev/null /var/log/auth.log
exec "$F2B" server -c $D/conf -s $D/run/s -p $D/run/p -x -f --logtarget $D/log start
EOT
unshare -m sh "$D/run.sh" > /dev/null 2>&1 &
spawned $!
for _ in $(seq 100); do
	grep -q '\] Ban 192.0.2.60' "$D/log" 2>/dev/null && break
	sleep 0.05
done
sleep 0.5
"$F2B" client -s "$D/run/s" stop > /dev/null 2>&1
sleep 0.3
if grep -q "jail 'sshd': no log file found, using the systemd journal" "$D/log" &&
    [ "$(banned "$D" | tr '\n' ' ')" = "192.0.2.60 " ]; then
	ok "Debian's stock configuration without auth.log: started on the journal, banned 192.0.2.60"
else
	nok "stock configuration on the journal" "$(grep -E 'ERROR|journal|Ban' "$D/log" | head -5)" \
	    "banned: $(banned "$D" | tr '\n' ' ')"
fi
finish

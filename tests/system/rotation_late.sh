#!/bin/bash
# Rotation by rename while the writer still appends to the renamed file
# (issue 12, item 7).  logrotate renames the log and creates a new one, then
# tells the writer (rsyslog's postrotate HUP); until the writer has reopened
# the path - some milliseconds to a second later - its lines go to the
# renamed file.  f2b-lite keeps reading a renamed file until its writer
# closes it (IN_CLOSE_WRITE) or it stays quiet, so no line is lost; each
# line is read once, in order within its file, and the position kept in the
# database is the new file's.
#
#  1. Without rsyslog: a writer process appends 200 failures/s (one address
#     each) and is "told" 0.3 s after each of two rotations (rename + create,
#     as logrotate's `create` does); f2b-lite and fail2ban-server 1.0.2 follow
#     the same log.  f2b-lite must find and ban every address once; what
#     fail2ban finds is printed.  Then the database: the new file's position
#     and first-line hash, and a restart that reads nothing twice.
#  2. With a real rsyslog (its own configuration, pid file and work dir, in a
#     network namespace of its own, UDP on its loopback; HUP by its PID,
#     never the host's rsyslog): the seed's pipeline (local7.notice to a
#     file in the traditional format), Debian's logrotate rule for rsyslog
#     (create, compress, delaycompress, postrotate HUP), 200 offending
#     lines/s and `logrotate -f` twice.  f2b-lite must find exactly the
#     addresses rsyslog wrote.
# TAP.
. "$(dirname "$0")/lib.sh" "$@"
need_root
need_fail2ban
PY=$(command -v /usr/bin/python3 || command -v python3)
command -v sqlite3 > /dev/null || skip_all "sqlite3 not installed"
setup rotlate
echo "1..13"

SENTINEL=10.255.255.254
mkconf "$T/ours"
mkconf "$T/theirs"
printf '[Definition]\ndbfile = %s/ours.sqlite3\n' "$T" | put "$T/ours/fail2ban.local"
for c in ours theirs; do failure_filter "$T/$c/filter.d/late.conf"; done
jail() {	# jail LOGPATH: the jail both daemons run
	local c
	for c in ours theirs; do
		put "$T/$c/jail.local" <<-EOF
		[late]
		enabled = true
		filter = late
		logpath = $1
		maxretry = 1
		findtime = 1d
		bantime = 1h
		# no action: the bans are counted, no process is spawned for them
		action =
		EOF
	done
}
found() { sed -n 's/.*\] Found \([^ ]*\) - .*/\1/p' "$1"; }
nfound() { found "$1" | wc -l; }

# ---- 1. a writer that learns of the rotation 0.3 s late ----------------------
W=$T/w
mkdir "$W"
: > "$W/app.log"
jail "$W/app.log"
LOGLEVEL=DEBUG start_ours ours "$T/ours"	# DEBUG: when a renamed file is left
OPID=$DPID
start_theirs theirs "$T/theirs"
TPID=$DPID
wait_until 10 started "$T/ours.log" late && wait_until 30 started "$T/theirs.log" late
check "both daemons started the jail" [ $? = 0 ]

put "$T/writer.py" <<'PY'
# writer.py LOG RATE SECONDS HUP_DELAY: appends one failure line per address
# at RATE lines/s; at 1/3 and 2/3 of the time the log is rotated as logrotate
# does (log.1 -> log.2, log -> log.1, a new empty log), and the writer goes on
# writing to the file it has open for HUP_DELAY seconds before it reopens
# the path (rsyslog until its HUP lands).  Prints the addresses written.
import os, sys, time
log, rate, secs, hup = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
f = open(log, 'a')
t0 = time.time()
rotations = [t0 + secs / 3, t0 + 2 * secs / 3]
told = None
n = 0
while True:
    now = time.time()
    if now - t0 >= secs:
        break
    if rotations and now >= rotations[0]:
        rotations.pop(0)
        if os.path.exists(log + '.1'):
            os.rename(log + '.1', log + '.2')
        os.rename(log, log + '.1')
        open(log, 'a').close()
        told = now + hup
    if told is not None and now >= told:
        f.close()
        f = open(log, 'a')
        told = None
    n += 1
    ip = '10.%d.%d.%d' % (n >> 16, (n >> 8) & 255, n & 255)
    f.write('%s host app[1]: failure from %s\n' % (time.strftime('%b %e %H:%M:%S'), ip))
    f.flush()
    print(ip)
    sleep = t0 + n / rate - time.time()
    if sleep > 0:
        time.sleep(sleep)
f.close()
PY
"$PY" "$T/writer.py" "$W/app.log" 200 6 0.3 > "$W/written"
nw=$(wc -l < "$W/written")
printf '%s host app[1]: failure from %s\n' "$(syslog_now)" $SENTINEL >> "$W/app.log"
echo $SENTINEL >> "$W/written"
sort "$W/written" > "$W/want"
# every line written is due; the sentinel (read last in its file) tells
# that fail2ban has read what it will read
wait_until 60 eval '[ "$(nfound "$T/ours.log")" -ge $((nw + 1)) ]'
wait_until 60 grep -q "Found $SENTINEL " "$T/theirs.log"
wait_until 30 has "$T/ours.log" "Ban $SENTINEL"
found "$T/ours.log" | sort > "$W/ours"
found "$T/theirs.log" | sort > "$W/theirs"
lost=$(comm -23 "$W/want" "$W/ours" | wc -l)
if [ "$lost" = 0 ]; then
	ok "late writer: f2b-lite found all $nw lines written across two rotations (0 lost)"
else
	nok "late writer: f2b-lite found every line" "lost $lost of $nw, e.g. $(comm -23 "$W/want" "$W/ours" | head -3 | tr '\n' ' ')"
fi
check "late writer: no line found twice ($(uniq -d "$W/ours" | wc -l) twice)" [ -z "$(uniq -d "$W/ours")" ]
bans "$T/ours.log" late | sort > "$W/bans"
check "late writer: every address banned exactly once ($(wc -l < "$W/bans") bans)" cmp -s "$W/bans" "$W/want"
note "fail2ban-server 1.0.2 on the same log found $(sort -u "$W/theirs" | wc -l) of $((nw + 1)) (lost $(comm -23 "$W/want" "$W/theirs" | wc -l))"
left=$(grep -o "Stopped following the file rotated away from $W/app.log ([0-9]* bytes" "$T/ours.log" |
    sed 's/.*(//; s/ bytes//' | tr '\n' ' ')
check "late writer: both renamed files were read on after the rotation, then left (bytes read after: $left)" \
    [ "$(echo $left | wc -w)" = 2 ]
stop_daemon $TPID 30
stop_daemon $OPID 30
check "late writer: f2b-lite stops cleanly" [ $? = 0 ]

# the database: the position and first-line hash of the file under the path now
size=$(stat -c %s "$W/app.log")
hash=$(head -n1 "$W/app.log" | sha1sum | cut -d' ' -f1)
row=$(sqlite3 "$T/ours.sqlite3" "select firstlinemd5, lastfilepos from logs where jail='late' and path='$W/app.log'")
check "late writer: the database holds the new file's first-line hash and its end ($row; want $hash|$size)" \
    [ "$row" = "$hash|$size" ]
# a restart reads on from there: one new line, one new Found
start_ours ours2 "$T/ours"
OPID=$DPID
wait_until 10 started "$T/ours2.log" late
printf '%s host app[1]: failure from 10.254.0.1\n' "$(syslog_now)" >> "$W/app.log"
wait_until 10 has "$T/ours2.log" "Found 10.254.0.1 "
check "late writer: restarted, only the new line is found ($(nfound "$T/ours2.log") Found)" \
    [ "$(nfound "$T/ours2.log")" = 1 ]
stop_daemon $OPID 30

# ---- 2. a real rsyslog and Debian's logrotate rule ---------------------------
if ! command -v rsyslogd > /dev/null || ! command -v logrotate > /dev/null; then
	for i in 1 2 3 4 5; do ok "# SKIP rsyslogd or logrotate not installed"; done
	finish
fi
NS=f2brl-$$
if ! netns_add "$NS"; then
	for i in 1 2 3 4 5; do ok "# SKIP cannot create a network namespace"; done
	finish
fi
R=$T/rs
SENTINEL2=10.255.255.253	# not the first part's (its ban is in the database)
mkdir -p "$R/work"
chmod 755 "$R"
put "$R/rsyslog.conf" <<EOF
global(workDirectory="$R/work")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="5514")
local7.notice action(type="omfile" file="$R/hmail.log" template="RSYSLOG_TraditionalFileFormat")
EOF
# Debian's /etc/logrotate.d/rsyslog, with create, the HUP sent to this rsyslog
put "$R/logrotate.conf" <<EOF
$R/hmail.log {
	rotate 4
	missingok
	notifempty
	create
	compress
	delaycompress
	sharedscripts
	postrotate
		kill -HUP \$(cat $R/rsyslog.pid)
	endscript
}
EOF
chmod 644 "$R/logrotate.conf"
ip netns exec "$NS" rsyslogd -n -f "$R/rsyslog.conf" -i "$R/rsyslog.pid" > "$R/rsyslog.out" 2>&1 &
RPID=$!
spawned $RPID
put "$R/send.py" <<'PY'
# send.py RATE SECONDS LOGROTATE-ARGS...: local7.notice failures over UDP to
# 127.0.0.1:5514 at RATE/s, one address each, `logrotate -f` at 1/3 and 2/3
# of the time (not waited for); prints the addresses sent.
import socket, subprocess, sys, time
rate, secs, lr = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3:]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
t0 = time.time()
rotations = [t0 + secs / 3, t0 + 2 * secs / 3]
procs = []
n = 0
while time.time() - t0 < secs:
    if rotations and time.time() >= rotations[0]:
        rotations.pop(0)
        procs.append(subprocess.Popen(['logrotate', '-f'] + lr))
    n += 1
    ip = '10.%d.%d.%d' % (100 + (n >> 16), (n >> 8) & 255, n & 255)
    msg = '<189>%s mail app[1]: failure from %s' % (time.strftime('%b %e %H:%M:%S'), ip)
    s.sendto(msg.encode(), ('127.0.0.1', 5514))
    print(ip)
    sleep = t0 + n / rate - time.time()
    if sleep > 0:
        time.sleep(sleep)
for p in procs:
    p.wait()
PY
hello() { ip netns exec "$NS" "$PY" -c 'import socket,sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"<189>" + sys.argv[1].encode(), ("127.0.0.1", 5514))' "$1"; }
probe() { hello "mail app[1]: hello"; [ -s "$R/hmail.log" ]; }
wait_until 10 probe
check "rsyslog (own configuration, namespace, pid $RPID) writes local7.notice to $R/hmail.log" [ $? = 0 ]
jail "$R/hmail.log"
start_ours rs-ours "$T/ours"
OPID=$DPID
start_theirs rs-theirs "$T/theirs"
TPID=$DPID
wait_until 10 started "$T/rs-ours.log" late && wait_until 30 started "$T/rs-theirs.log" late
ip netns exec "$NS" "$PY" "$R/send.py" 200 6 -s "$R/logrotate.state" "$R/logrotate.conf" > "$R/sent"
hello "mail app[1]: failure from $SENTINEL2"
has_sentinel() { zcat -f "$R"/hmail.log* 2> /dev/null | grep -q "from $SENTINEL2\$"; }
wait_until 10 has_sentinel
zcat -f $(ls -r "$R"/hmail.log.*) "$R/hmail.log" > "$R/all.log"
"$F2B" regex -o id "$R/all.log" "$T/ours/filter.d/late.conf" 2> /dev/null | sort > "$R/want"
nw=$(wc -l < "$R/want")
check "logrotate rotated twice ($(ls "$R" | grep -c '^hmail\.log\.'), rsyslog wrote $nw of $(($(wc -l < "$R/sent") + 1)) failures)" \
    eval '[ -e "$R/hmail.log.2.gz" ] && [ -e "$R/hmail.log.1" ]'
wait_until 60 eval '[ "$(nfound "$T/rs-ours.log")" -ge $nw ]'
wait_until 30 has "$T/rs-ours.log" "Ban $SENTINEL2"
wait_until 60 grep -q "Found $SENTINEL2 " "$T/rs-theirs.log"
found "$T/rs-ours.log" | sort > "$R/ours"
found "$T/rs-theirs.log" | sort > "$R/theirs"
lost=$(comm -23 "$R/want" "$R/ours" | wc -l)
if [ "$lost" = 0 ] && [ -z "$(uniq -d "$R/ours")" ] && cmp -s "$R/want" "$R/ours"; then
	ok "rsyslog: f2b-lite found exactly the $nw failures rsyslog wrote, each once (0 lost)"
else
	nok "rsyslog: f2b-lite found exactly what rsyslog wrote" "lost $lost of $nw: $(comm -23 "$R/want" "$R/ours" | head -3 | tr '\n' ' ')" \
	    "twice: $(uniq -d "$R/ours" | head -3 | tr '\n' ' ')" "extra: $(comm -13 "$R/want" "$R/ours" | head -3 | tr '\n' ' ')"
fi
bans "$T/rs-ours.log" late | sort > "$R/bans"
check "rsyslog: every address banned exactly once ($(wc -l < "$R/bans") bans)" cmp -s "$R/bans" "$R/want"
note "fail2ban-server 1.0.2 on the same log found $(sort -u "$R/theirs" | wc -l) of $nw (lost $(comm -23 "$R/want" "$R/theirs" | wc -l))"
stop_daemon $TPID 30
stop_daemon $OPID 30
check "rsyslog: f2b-lite stops cleanly" [ $? = 0 ]
finish

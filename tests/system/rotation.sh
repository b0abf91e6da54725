#!/bin/bash
# Log rotation under load: a writer appends 300,000 failure lines (each from
# its own address, 10.A.B.C encoding the line's number, current timestamps)
# to the log a jail follows, as fast as it can, and rotates it twice on the
# way: by rename (mv rot.log rot.log.1, then a new rot.log) while the daemon
# is still reading, and by copytruncate (cp rot.log rot.log.2; truncate -s0).
# For copytruncate to be fair - lines written between the copy and the
# truncation are lost for real too - the writer waits until the daemon has
# found every line written so far; it waits the same way at the end.
# maxretry is out of reach, so nothing is banned and every line is one
# "Found".  The daemon's Found lines must be exactly the failures that
# `f2b-lite regex` finds in everything written (rot.log.1 + rot.log.2 + the
# final rot.log): the same count and the same addresses, none twice.
# Then a glob logpath (logs/*.log) rotated as logrotate's dateext does
# (app.log -> app-20260101.log, which the glob matches too): the rotated
# file must not be read again as a new one, while a new file matching the
# glob is.  (Rotation while the writer still appends to the renamed file:
# rotation_late.sh.)  TAP.
. "$(dirname "$0")/lib.sh" "$@"
PY=$(command -v /usr/bin/python3 || command -v python3)
setup rotation
TOTAL=${ROTATION_LINES:-300000}
echo "1..16"

mkconf "$T/conf"
put "$T/conf/filter.d/rot.conf" <<'EOF'
[INCLUDES]
before = common.conf
[Definition]
failregex = ^%(__prefix_line)sfailure from <HOST>$
EOF
put "$T/conf/action.d/rot-noop.conf" <<'EOF'
[Definition]
actionban = true
actionunban = true
EOF
# the writer: phase 1 to rot.log, rename, phase 2, wait, copytruncate, phase 3,
# wait; prints what it did
put "$T/writer.py" <<'PY'
import os, shutil, sys, time
D, dlog, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
log = D + '/rot.log'
CHUNK = 2000

seen = [0, 0]	# bytes of the daemon's log read, Found lines in them
def found():
    with open(dlog, 'rb') as f:
        f.seek(seen[0])
        data = f.read()
    end = data.rfind(b'\n') + 1
    seen[0] += end
    seen[1] += data[:end].count(b'] Found ')
    return seen[1]

def wait_found(n, limit=240):
    t0 = time.time()
    while found() < n:
        if time.time() - t0 > limit:
            print('timed out waiting for %d Found, have %d' % (n, seen[1]))
            sys.exit(1)
        time.sleep(0.05)
    return time.time() - t0

def write(f, lo, hi):
    for a in range(lo, hi, CHUNK):
        stamp = time.strftime('%b %e %H:%M:%S')
        f.write(''.join('%s host app[%d]: failure from 10.%d.%d.%d\n' %
                        (stamp, i % 32768, i >> 16, (i >> 8) & 255, i & 255)
                        for i in range(a, min(a + CHUNK, hi))))
        f.flush()

third = total // 3
t0 = time.time()
f = open(log, 'a')
write(f, 1, third + 1)
f.close()
os.rename(log, log + '.1')		# rotation by rename, the daemon still busy
print('renamed after %d lines, daemon had found %d' % (third, found()))
f = open(log, 'a')
write(f, third + 1, 2 * third + 1)
w = wait_found(2 * third)
shutil.copyfile(log, log + '.2')	# copytruncate, once everything is read
os.truncate(log, 0)
print('copytruncate after %d lines (waited %.2f s for the daemon)' % (2 * third, w))
write(f, 2 * third + 1, total + 1)
f.close()
w = wait_found(total)
print('all %d lines written and found in %.2f s (waited %.2f s at the end)' %
      (total, time.time() - t0, w))
PY

# run_case BACKEND: the whole scenario with the jail on that backend
run_case() {
	local backend=$1 D=$T/$1 wrc rc nexp ngot dups
	mkdir "$D"
	put "$T/conf/jail.local" <<-EOF
	[rot]
	enabled = true
	filter = rot
	logpath = $D/rot.log
	backend = $backend
	maxretry = 1000000
	findtime = 1d
	bantime = 1h
	banaction = rot-noop
	action = rot-noop
	EOF
	: > "$D/rot.log"
	start_ours f2b-$backend "$T/conf"
	PID=$DPID
	wait_until 10 started "$T/f2b-$backend.log" rot
	check "$backend: the daemon started the jail" [ $? = 0 ]

	"$PY" "$T/writer.py" "$D" "$T/f2b-$backend.log" "$TOTAL" > "$D/writer.out" 2>&1
	wrc=$?
	sed 's/^/# /' "$D/writer.out"
	# a last line: once it is found, the daemon has read everything before it
	# (anything read twice would be counted by then)
	printf '%s host app[1]: failure from 10.255.255.254\n' "$(syslog_now)" >> "$D/rot.log"
	wait_until 30 has "$T/f2b-$backend.log" "Found 10.255.255.254 "
	stop_daemon $PID 30
	rc=$?
	check "$backend: the daemon stops cleanly (status $rc)" [ $rc = 0 ]

	cat "$D/rot.log.1" "$D/rot.log.2" "$D/rot.log" > "$D/all.log"
	"$F2B" regex -o id "$D/all.log" "$T/conf/filter.d/rot.conf" 2> /dev/null | sort > "$D/expected"
	sed -n 's/.*\] Found \([^ ]*\) - .*/\1/p' "$T/f2b-$backend.log" | sort > "$D/got"
	nexp=$(wc -l < "$D/expected")
	ngot=$(wc -l < "$D/got")
	check "$backend: f2b-lite regex finds the $TOTAL lines written (and the last one) in rot.log.1 + rot.log.2 + rot.log ($nexp)" \
	    [ "$nexp" = $((TOTAL + 1)) ]
	if [ $wrc = 0 ] && [ "$ngot" = "$nexp" ]; then
		ok "$backend: the daemon's Found count equals the regex count ($ngot)"
	else
		nok "$backend: the daemon's Found count equals the regex count" "daemon $ngot, regex $nexp, writer status $wrc"
	fi
	dups=$(uniq -d "$D/got" | wc -l)
	if [ "$dups" = 0 ]; then
		ok "$backend: no line was counted twice"
	else
		nok "$backend: no line was counted twice" "$dups addresses found more than once, e.g. $(uniq -d "$D/got" | head -3 | tr '\n' ' ')"
	fi
	if cmp -s "$D/expected" "$D/got"; then
		ok "$backend: the daemon found exactly the addresses written"
	else
		nok "$backend: the daemon found exactly the addresses written" \
		    "missing: $(comm -23 "$D/expected" "$D/got" | wc -l), e.g. $(comm -23 "$D/expected" "$D/got" | head -3 | tr '\n' ' ')" \
		    "extra: $(comm -13 "$D/expected" "$D/got" | wc -l)"
	fi
}

run_case auto		# inotify
run_case polling

# a glob logpath and a dateext rotation
G=$T/glob
mkdir "$G"
put "$T/conf/jail.local" <<EOF
[globrot]
enabled = true
filter = rot
logpath = $G/*.log
maxretry = 1000000
findtime = 1d
bantime = 1h
banaction = rot-noop
action = rot-noop
EOF
globfail() { printf '%s host app[1]: failure from %s\n' "$(syslog_now)" "$1" >> "$G/app.log"; }
globfail 192.0.2.1
globfail 192.0.2.2
start_ours f2b-glob "$T/conf"
PID=$DPID
GLOG=$T/f2b-glob.log
wait_until 10 started "$GLOG" globrot
check "glob: the daemon started the jail" [ $? = 0 ]
wait_until 5 eval '[ "$(count_in "$GLOG" "] Found ")" -ge 2 ]'
mv "$G/app.log" "$G/app-20260101.log"
globfail 192.0.2.3
# a new file matching the glob: once it is read, the glob has been looked at
# again (every 5 s) with the rotated file among its matches
printf '%s host app[1]: failure from 192.0.2.4\n' "$(syslog_now)" >> "$G/zz.log"
wait_until 15 has "$GLOG" "Found 192.0.2.4 "
nfound=$(count_in "$GLOG" "] Found ")
check "glob: after a dateext rotation, 3 failures found once each, and a new file's ($nfound Found lines)" [ "$nfound" = 4 ]
check "glob: the rotated file is not added as a new log" \
    [ "$(count_in "$GLOG" "Added logfile: '$G/app-20260101.log'")" = 0 ]
echo "# $(grep -c 'Added logfile' "$GLOG") Added logfile lines"
stop_daemon $PID 30
check "glob: the daemon stops cleanly" [ $? = 0 ]
finish

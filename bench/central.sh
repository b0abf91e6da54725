#!/bin/bash
# A central log host (issue 14): one syslog stream, interleaved sshd and
# hMailServer lines as rsyslog writes them (tabs as #011), followed by
# (a) the sshd and fu_hmail jails, (b) every stock jail (91) and fu_hmail,
# all with logpath on that stream.  fail2ban-server 1.0.2 and f2b-lite run
# one after the other on the same configuration and stream, in a network
# namespace made for the run (the stock actions' actionstart only touch its
# firewall).  maxretry is out of reach: nothing is banned, the figure is the
# filters' ingest rate.
#
#   bench/central.sh [-n LINES] [-m LINES2] [-a LINESALL] [F2B-LITE-BINARY]   (root)
#
#   LINES     lines f2b-lite reads in both scenarios (default 1000000)
#   LINES2    lines fail2ban reads with two jails (default 100000)
#   LINESALL  lines fail2ban reads with every jail (default 2000: it reads
#             a few hundred lines a second then)
# fail2ban reads the first lines of the same stream.
#
# The stream comes from bench/gen_logs.py (sshd.log and hmail.log, LINES/2
# each, taken in turn), its dates set to the time of the run so that every
# line is in findtime.  Its last two lines are one sshd and one hMailServer
# failure from addresses seen nowhere else (the sentinels).  Each server
# starts on an empty log, all its jails started; the stream is then
# appended in one write, and the clock runs until it is read:
#   - the sentinels' "Found" lines are in the server's log for both sshd and
#     fu_hmail (each jail reads the log in order, so those two have read
#     every line);
#   - fail2ban only, with every jail: no thread of the server has the log
#     open any more (each of its jails reads in a thread of its own and
#     closes the file when it reaches the end).  f2b-lite reads the file
#     once for all its jails, each line given to every jail in turn, so the
#     sentinels are enough.
# Rate = lines / time.  The "Found" counts of sshd and fu_hmail are printed
# for both servers on the LINES2 lines both read with two jails (they must
# agree), and for each run.
set -u
SRC=$(readlink -f "$(dirname "$0")/..")
LINES=${LINES:-1000000} LINES2=${LINES2:-100000} LINESALL=${LINESALL:-2000}
while getopts n:m:a: opt; do
	case $opt in
	n) LINES=$OPTARG ;;
	m) LINES2=$OPTARG ;;
	a) LINESALL=$OPTARG ;;
	*) echo "usage: $0 [-n LINES] [-m LINES2] [-a LINESALL] [F2B-LITE-BINARY]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
F2B=$(readlink -f "${1:-$SRC/build/f2b-lite/f2b-lite}")

[ -n "${F2B_BENCH_INNER:-}" ] || [ -x "$F2B" ] || { echo "bench/central.sh: $F2B is not executable" >&2; exit 1; }
. "$SRC/bench/lib.sh"
bench_netns "$0" -n "$LINES" -m "$LINES2" -a "$LINESALL" "$F2B"

# ---- inside the namespace ----------------------------------------------------------
mkdir "$T/bin"
ln -s /bin/true "$T/bin/logger"
export PATH="$T/bin:$PATH"

# ---- the stream --------------------------------------------------------------------------
note "generating $LINES lines"
python3 "$SRC/bench/gen_logs.py" "$T/gen" $((LINES / 2)) sshd hmail
python3 - "$T/gen/sshd.log" "$T/gen/hmail.log" "$T/stream" "$(syslog_now)" <<'EOF'
import sys
a, b, out, now = sys.argv[1:]
with open(a) as fa, open(b) as fb, open(out, 'w') as f:
    for la, lb in zip(fa, fb):
        # the generated dates are 15 characters ("Mmm dd hh:mm:ss"): now's instead
        f.write(now + la[15:])
        f.write(now + lb[15:])
EOF
SENT_SSHD=10.255.0.1 SENT_HMAIL=10.255.0.2
sentinels() {
	printf '%s bench sshd[4242]: Failed password for root from %s port 4242 ssh2\n' \
	    "$(syslog_now)" $SENT_SSHD
	printf '%s mail "SMTPD"#0114242#0114242#011"2005-08-10 18:10:00.100"#011"%s"#011"SENT: 503 Bad sequence of commands"\n' \
	    "$(syslog_now)" $SENT_HMAIL
}

# ---- configurations ----------------------------------------------------------------------
# fu_hmail with a stock banaction: nothing is banned, and fail2ban-server 1.0.2
# rejects the seed's action since its [Init?family=inet6] variant (the
# server's JSON decoding of its options fails)
jailconf() {	# jailconf NAME...: the jails on $T/central.log, nothing banned
	local j
	for j in "$@"; do
		printf '[%s]\nenabled = true\nbackend = auto\nlogpath = %s/central.log\n' "$j" "$T"
		printf 'maxretry = 1000000\nfindtime = 1d\n'
		[ "$j" = fu_hmail ] && printf 'banaction = iptables-multiport\n'
	done
}
mkconf "$T/two"
jailconf sshd fu_hmail > "$T/two/jail.local"
mkconf "$T/all"
njails=$(stock_jails | wc -l)
jailconf $(stock_jails) fu_hmail > "$T/all/jail.local"

# ---- one measurement ---------------------------------------------------------------------
# The waiter: reads the server's log as it grows (only the new bytes each
# time, every 2 ms) until both sentinels' Found lines are there and, with
# ANYFD 0, no thread of the server has the stream open; exits 1 after
# 600 s.  One process for the whole wait: a grep of the whole log per poll
# would cost as much CPU as the server on a million-line run.  (f2b-lite
# logs each jail's Found lines as its queue of failures drains, so the two
# sentinels need not be near the end of the log.)
cat > "$T/waiter.py" <<'EOF'
import os, sys, time
log, pid, stream, anyfd = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
want = [b"] Found " + a.encode() + b" " for a in sys.argv[5:]]
seen, pos, rest = set(), 0, b""
end = time.time() + 600
def reading():
    try:
        fds = os.listdir("/proc/%s/fd" % pid)
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink("/proc/%s/fd/%s" % (pid, fd)) == stream:
                return True
        except OSError:
            pass
    return False
while time.time() < end:
    try:
        with open(log, "rb") as f:
            f.seek(pos)
            chunk = f.read()
    except OSError:
        chunk = b""
    pos += len(chunk)
    lines = (rest + chunk).split(b"\n")
    rest = lines.pop()
    for l in lines:
        for w in want:
            if w in l:
                seen.add(w)
    if len(seen) == len(want) and (anyfd or not reading()):
        sys.exit(0)
    time.sleep(0.002)
sys.exit(1)
EOF
# measure WHO CONF NJAILS N [KEY]: lines/s in R[WHO,KEY]; Found counts in
# R[WHO,KEY,sshd] ... (KEY: CONF unless given)
measure() {
	local t0 us K=${5:-$2}
	WHO=$1 CONF=$2
	: > "$T/central.log"
	rm -f "$T/$WHO.log"
	{ head -n "$4" "$T/stream"; sentinels; } > "$T/part"
	start "$WHO" "$T/$CONF"
	if ! wait_for 120 jails_started "$WHO" "$3"; then
		note "$WHO $CONF: the jails did not start"
		stop $DPID 30
		return 1
	fi
	t0=$(now_us)
	cat "$T/part" >> "$T/central.log"
	anyfd=1
	[ "$WHO" = fail2ban ] && [ "$CONF" = all ] && anyfd=0
	if ! python3 "$T/waiter.py" "$T/$WHO.log" "$DPID" "$T/central.log" $anyfd \
	    $SENT_SSHD $SENT_HMAIL; then
		note "$WHO $CONF: the stream was not read within 600 s"
		stop $DPID 60
		return 1
	fi
	us=$(( $(now_us) - t0 ))
	stop $DPID 120
	R[$WHO,$K]=$(awk -v u="$us" -v n="$(( $4 + 2 ))" 'BEGIN { printf "%.0f", n / (u / 1e6) }')
	R[$WHO,$K,sshd]=$(grep -c '\[sshd\] Found ' "$T/$WHO.log")
	R[$WHO,$K,fu_hmail]=$(grep -c '\[fu_hmail\] Found ' "$T/$WHO.log")
	R[$WHO,$K,prefilter]=$(grep -c '\] Prefilter on' "$T/$WHO.log")
	note "$WHO, $CONF: $(( $4 + 2 )) lines in $(awk -v u="$us" 'BEGIN { printf "%.3f", u / 1e6 }') s" \
	    "(${R[$WHO,$K]} lines/s); Found: sshd ${R[$WHO,$K,sshd]}, fu_hmail ${R[$WHO,$K,fu_hmail]}"
}

declare -A R
note "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
measure f2b-lite two 2 "$LINES"
measure f2b-lite all $((njails + 1)) "$LINES"
measure f2b-lite two 2 "$LINES2" two-short	# the Found counts to compare with fail2ban's
measure fail2ban two 2 "$LINES2"
measure fail2ban all $((njails + 1)) "$LINESALL"
note "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- the table ---------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 == 0 || b + 0 == 0) print "-"; else printf "%.1fx", b / a }'; }
frac() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 == 0 || b + 0 == 0) print "-"; else printf "%.2f", b / a }'; }
echo
echo "central stream: interleaved sshd + hMailServer syslog lines, nothing banned, $(nproc) CPUs;"
echo "fail2ban read $LINES2 (two jails) and $LINESALL (every jail) lines, f2b-lite $LINES"
printf '| %-34s | %16s | %16s | %8s | %-12s |\n' scenario "fail2ban 1.0.2" f2b-lite ratio goal
printf '|%s|%s|%s|%s|%s|\n' ------------------------------------ -----------------: \
    -----------------: ---------: --------------
printf '| %-34s | %10s lines/s | %10s lines/s | %8s | %-12s |\n' "sshd + fu_hmail" \
    "${R[fail2ban,two]:-n/a}" "${R[f2b-lite,two]:-n/a}" "$(ratio "${R[fail2ban,two]:-0}" "${R[f2b-lite,two]:-0}")" ">= 100x"
printf '| %-34s | %10s lines/s | %10s lines/s | %8s | %-12s |\n' "every stock jail ($njails) + fu_hmail" \
    "${R[fail2ban,all]:-n/a}" "${R[f2b-lite,all]:-n/a}" "$(ratio "${R[fail2ban,all]:-0}" "${R[f2b-lite,all]:-0}")" "-"
printf '| %-34s | %16s | %16s | %8s | %-12s |\n' "every jail / two jails" \
    "$(frac "${R[fail2ban,two]:-0}" "${R[fail2ban,all]:-0}")" "$(frac "${R[f2b-lite,two]:-0}" "${R[f2b-lite,all]:-0}")" \
    "" ">= 0.33"
echo
echo "Found on the same $LINES2 lines, two jails: fail2ban sshd ${R[fail2ban,two,sshd]:-n/a}," \
    "fu_hmail ${R[fail2ban,two,fu_hmail]:-n/a}; f2b-lite sshd ${R[f2b-lite,two-short,sshd]:-n/a}," \
    "fu_hmail ${R[f2b-lite,two-short,fu_hmail]:-n/a}"
for c in two all; do
	echo "Found ($c): fail2ban sshd ${R[fail2ban,$c,sshd]:-n/a}, fu_hmail ${R[fail2ban,$c,fu_hmail]:-n/a};" \
	    "f2b-lite sshd ${R[f2b-lite,$c,sshd]:-n/a}, fu_hmail ${R[f2b-lite,$c,fu_hmail]:-n/a}" \
	    "(f2b-lite jails prefiltered: ${R[f2b-lite,$c,prefilter]:-n/a})"
done

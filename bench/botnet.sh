#!/bin/bash
# A botnet burst (issue 14.4): N distinct addresses, each reaching maxretry
# (the seed's fu_hmail jail: maxretry 1) with one hMailServer line, all
# written to the log in one go; the time from the write to the last address
# in the set.  fail2ban-server 1.0.2 and f2b-lite in one run, one after the
# other, inside a network namespace created for the run, each with the
# seed's jail, filter and action as shipped (`ipset add hmailblock <ip>` and
# a `logger` line; fail2ban gets the action's two lines alone: it cannot
# load the shipped file, see run()) and a database file of its own.  The set is made with a
# maxelem above N (the default 65,536 would refuse the rest).
#
# f2b-lite runs both lines of the action in-process; its logger datagrams
# go to a syslog socket this script reads (in a mount namespace of the
# daemon's own: the host's syslog never sees them), and their count is
# checked.  fail2ban runs a shell per ban (its logger is /bin/true on PATH),
# about 100 bans a second: it gets a smaller N (-f, default 2,000) and a
# time cap (-c), and its time for f2b-lite's N is printed as an
# extrapolation from its rate, marked as such.
#
#   bench/botnet.sh [-n N] [-f N] [-c SECONDS] [F2B-LITE-BINARY]
#     -n N   f2b-lite's addresses (default 100000; e.g. -n 10000 for a quick run)
#     -f N   fail2ban's addresses (default 2000; 0: f2b-lite only)
#     -c S   fail2ban's time cap in seconds (default 120): its rate is taken
#            from what is in the set by then
# (root; about a minute)
set -u
N=100000 NF=2000 CAP=120
while getopts n:f:c: o; do
	case $o in
	n) N=$OPTARG ;;
	f) NF=$OPTARG ;;
	c) CAP=$OPTARG ;;
	*) sed -n '/^#   bench/,/^# (root/p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
F2B=$(readlink -f "${1:-$(dirname "$0")/../build/f2b-lite/f2b-lite}")
SRC=$(readlink -f "$(dirname "$0")/..")
. "$SRC/bench/lib.sh"
bench_netns "$0" -n "$N" -f "$NF" -c "$CAP" "$F2B"

# ---- inside the namespace ----------------------------------------------------------
maxelem=1048576
while [ $maxelem -lt $((N * 2)) ]; do maxelem=$((maxelem * 2)); done
ipset create hmailblock hash:net maxelem $maxelem
iptables -A INPUT -m set --match-set hmailblock src -j DROP
mkdir "$T/bin"
ln -s /bin/true "$T/bin/logger"
export PATH="$T/bin:$PATH"
bench_poller

# f2b-lite's /dev: its log a datagram socket read here, the datagrams counted
# (in $T/syslog.count, rewritten as they come)
mkdir "$T/dev"
python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
s.bind(sys.argv[1])
n, out = 0, sys.argv[2]
def put():
    with open(out + ".tmp", "w") as f:
        f.write("%d\n" % n)
    os.replace(out + ".tmp", out)
put()
s.settimeout(0.05)
while True:
    try:
        s.recv(4096)
        n += 1
        if n % 10000 == 0:
            put()
    except socket.timeout:
        put()
' "$T/dev/log" "$T/syslog.count" &
PIDS+=($!)
wait_for 10 test -s "$T/syslog.count" || { note "the syslog reader did not start"; exit 1; }

# burst FILE N FIRST: N seed-format offences, one per address from number FIRST on
burst() {
	awk -v n="$2" -v first="$3" -v stamp="$(syslog_now)" 'BEGIN {
		for (i = first; i < first + n; i++)
			printf "%s mail \"SMTPD\"#0111200#0119999#011\"2005-08-10 18:10:00.100\"#011\"10.%d.%d.%d\"#011\"SENT: 503 Bad sequence of commands\"\n", stamp, 100 + int(i / 65536), int(i / 256) % 256, i % 256
	}' > "$1"
}

declare -A R	# R[who,figure]

# run WHO N CAP: WHO's time from the write to N in the set (R[WHO,s]), or
# what was in by CAP seconds (R[WHO,in], R[WHO,s] the cap)
run() {
	local who=$1 n=$2 cap=$3 conf=$T/$1 us pid
	note "== $who: $n addresses"
	ipset flush hmailblock
	mkconf "$conf"
	printf '[Definition]\ndbfile = %s/%s.sqlite3\n' "$T" "$who" > "$conf/fail2ban.local"
	# fail2ban 1.0.2 cannot load action.d/fu_hmail.conf as shipped: its
	# [Init] option "start" is taken for the action's start method
	# (JSONDecodeError); it runs the seed's two lines as the seed had them
	if [ "$who" = fail2ban ]; then
		rm -f "$conf/action.d/fu_hmail.conf"
		printf '[Definition]\nactionban = ipset add hmailblock <ip>\n  logger -p local7.notice -t fail2ban "<ip> BANNED!"\nactionunban = ipset del hmailblock <ip>\n  logger -p local7.notice -t fail2ban "<ip> BAN LIFTED!"\n' \
		    > "$conf/action.d/fu_hmail.conf"
	fi
	printf '[fu_hmail]\nlogpath = %s/hmail.log\n' "$T" > "$conf/jail.local"
	: > "$T/hmail.log"
	burst "$T/burst" "$n" 0
	if [ "$who" = fail2ban ]; then start $who "$conf"; else DEVDIR=$T/dev start $who "$conf"; fi
	pid=$DPID
	if ! wait_for 120 jails_started $who 1; then
		note "$who: the jail did not start"
		cat "$T/$who.out" >&2
		R[$who,in]=0 R[$who,s]=n/a R[$who,rate]=0 R[$who,n]=$n
		return 1
	fi
	us=$(IPSET_POLL_LIMIT=$cap "$POLL" count hmailblock "$n" - "$T/hmail.log" "$T/burst")
	R[$who,in]=$(set_entries hmailblock)
	if [ "$us" -lt 0 ]; then
		R[$who,s]=$cap
		note "$who: ${R[$who,in]} of $n in the set after the cap of $cap s"
	else
		R[$who,s]=$(awk -v u="$us" 'BEGIN { printf "%.3f", u / 1e6 }')
		note "$who: all $n in the set ${R[$who,s]} s after the write"
	fi
	R[$who,n]=$n
	R[$who,rate]=$(awk -v n="${R[$who,in]}" -v s="${R[$who,s]}" \
	    'BEGIN { r = n / s; printf (r < 100 ? "%.1f" : "%.0f"), r }')
	if [ "$who" = f2b-lite ]; then
		wait_for 30 eval '[ "$(cat "$T/syslog.count")" -ge "$n" ]'
		R[$who,logger]=$(cat "$T/syslog.count")
		note "$who: ${R[$who,logger]} logger datagrams received; $(grep -c '\] Ban ' "$T/$who.log") Ban lines"
	fi
	# not stopped: its stop would run N unbans (fail2ban: N more shells)
	kill -KILL "$pid"
	wait "$pid" 2> /dev/null
}

run f2b-lite "$N" 600
[ "$NF" -gt 0 ] && run fail2ban "$NF" "$CAP"

# ---- the table -------------------------------------------------------------------------
row() { printf '| %-34s | %13s | %28s | %9s |\n' "$@"; }
echo
echo "botnet burst: distinct addresses, one offence each (the seed's fu_hmail jail, maxretry 1),"
echo "written to the log in one go -> all in the set hmailblock (maxelem $maxelem); $(nproc) CPUs"
row server addresses "write -> all in the set" "bans/s"
printf '|%s|%s|%s|%s|\n' ------------------------------------ --------------: -----------------------------: ----------:
if [ "$NF" -gt 0 ]; then
	if [ "${R[fail2ban,in]}" -lt "$NF" ]; then
		row "fail2ban 1.0.2 (capped)" "${R[fail2ban,in]}/$NF" "${R[fail2ban,s]} s (cap)" "${R[fail2ban,rate]}"
	else
		row "fail2ban 1.0.2" "$NF" "${R[fail2ban,s]} s" "${R[fail2ban,rate]}"
	fi
	ext=$(awk -v n="$N" -v r="${R[fail2ban,rate]}" 'BEGIN { printf "%.0f", (r > 0 ? n / r : 0) }')
	row "fail2ban 1.0.2, EXTRAPOLATED" "$N" "~$ext s (at its rate)" "-"
fi
row f2b-lite "${R[f2b-lite,in]}/$N" "${R[f2b-lite,s]} s" "${R[f2b-lite,rate]}"
echo
if [ "$NF" -gt 0 ]; then
	echo "ratio (bans/s, f2b-lite / fail2ban): $(awk -v a="${R[f2b-lite,rate]}" -v b="${R[fail2ban,rate]}" \
	    'BEGIN { printf "%.0fx", (b > 0 ? a / b : 0) }')"
	echo "fail2ban's time for $N is extrapolated from its rate (${R[fail2ban,in]} in the set in ${R[fail2ban,s]} s), not measured."
fi
echo "f2b-lite's logger datagrams received: ${R[f2b-lite,logger]:-n/a} of $N."
echo "goal: $N in the set within 2 s of the write: $(awk -v s="${R[f2b-lite,s]}" -v i="${R[f2b-lite,in]}" \
    -v n="$N" 'BEGIN { print (i >= n && s <= 2 ? "met" : "not met") }')"

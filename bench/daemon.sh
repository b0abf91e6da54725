#!/bin/bash
# The daemon against Debian's fail2ban-server 1.0.2, on the same
# configuration and logs, one after the other, inside a network namespace
# created for the run (the seed's set "hmailblock" and DROP rule live there;
# the host's firewall is never touched).  The seed's fu_hmail jail, filter and
# action run as they are; its "logger" is /bin/true on PATH for fail2ban (no
# syslog here), f2b-lite sends it in-process to /dev/log (absent: dropped, as
# logger(1) does).
# Prints a markdown table: fail2ban's figures from the issue, fail2ban's and
# f2b-lite's measured here, the ratio and f2b-lite's target.
#
#   ban latency      line appended -> address in the set (a libipset poller
#                    with a 50 us period appends the line itself), 20 trials of
#                    fail2ban, 100 of f2b-lite (median, p95, p99)
#   2000 offenders   2000 lines, 2000 addresses, appended at once -> all in set
#   ingest           100,000 hMailServer lines (1 in 10 a failure, the rest
#                    the seed's legitimate traffic; maxretry out of reach) ->
#                    every failure counted (Found lines) and a sentinel line
#                    at the end banned by a second jail on the same log;
#                    median of 3 runs
#   RSS              VmRSS: the fu_hmail jail alone after the latency
#                    trials; every stock jail (91) plus fu_hmail, logs empty,
#                    backend auto, idle; and RssAnon, the process's own
#                    memory; the floor: a program that only uses PCRE2's JIT
#                    and an in-memory sqlite database, as f2b-lite must
#   start -> ban     process start -> an offence already in the log is in the set
#   start -> ping    process start -> a ping answered on the socket, every
#                    stock jail (91) plus fu_hmail enabled (the pinger is
#                    started first, so its own start-up is not counted)
#   stop             SIGTERM with 2,556 bans active -> process gone
#
#   bench/daemon.sh [F2B-LITE-BINARY]     (root; about 2-3 minutes)
set -u
F2B=$(readlink -f "${1:-$(dirname "$0")/../build/f2b-lite/f2b-lite}")
SRC=$(readlink -f "$(dirname "$0")/..")

. "$SRC/bench/lib.sh"
bench_netns "$0" "$F2B"

# ---- inside the namespace ----------------------------------------------------------
ipset create hmailblock hash:net maxelem 65536
iptables -A INPUT -m set --match-set hmailblock src -j DROP
mkdir "$T/bin"
ln -s /bin/true "$T/bin/logger"
export PATH="$T/bin:$PATH"
# pinger_start: a process that polls $T/sock for a ping answer every 0.2 ms
# (fail2ban's protocol), started and warm before the server so that its own
# start-up is not counted; it prints the microseconds from the time written
# to $T/t0 (just before the server is started) to the answer, -1 if none.
pinger_start() {
	rm -f "$T/t0" "$T/t0.ready" "$T/sock"
	python3 -c '
import sys, time
t0file, path = sys.argv[1], sys.argv[2]
sys.path.insert(0, sys.argv[3])
from f2bsock import ask
open(t0file + ".ready", "w").close()
end = time.time() + 90
while time.time() < end:
    try:
        if ask(path, ["ping"])[1] == "pong":
            t = time.time_ns() // 1000
            print(t - int(open(t0file).read()))
            sys.exit(0)
    except (OSError, EOFError):
        pass
    time.sleep(0.0002)
print(-1)' "$T/t0" "$T/sock" "$SRC/tests/tools" > "$T/pinger.out" &
	PINGER=$!
	PIDS+=($PINGER)
	until [ -e "$T/t0.ready" ]; do sleep 0.01; done
	rm -f "$T/t0.ready"
}

bench_poller

# the floor under the RSS figures: a program that does nothing but what the
# daemon cannot do without - one regex compiled with PCRE2's JIT and matched,
# an in-memory sqlite database with one table (dbfile = :memory:) - linked
# as f2b-lite is (dynamically) and fully static; and "hello" with libc alone
cat > "$T/floor.c" <<'EOF'
#ifdef LIBS
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <sqlite3.h>
#endif
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(void)
{
	int rc = 0;
#ifdef LIBS
	{
		const char *s = "x 192.0.2.1 y";
		int e;
		PCRE2_SIZE o;
		pcre2_code *re = pcre2_compile((PCRE2_SPTR)"^\\S+ (\\d+\\.\\d+\\.\\d+\\.\\d+) y",
		    PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP, &e, &o, NULL);
		pcre2_match_data *md;
		sqlite3 *db;
		pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
		md = pcre2_match_data_create_from_pattern(re, NULL);
		rc = pcre2_match(re, (PCRE2_SPTR)s, strlen(s), 0, 0, md, NULL);
		sqlite3_open(":memory:", &db);
		sqlite3_exec(db, "CREATE TABLE bans(jail TEXT, ip TEXT, timeofban INTEGER);"
		    "INSERT INTO bans VALUES('j', '192.0.2.1', 1);", NULL, NULL, NULL);
	}
#endif
	printf("ready %d\n", rc);
	fflush(stdout);
	sleep(60);
	return 0;
}
EOF
# floor_rss BINARY: its RSS in MiB once it is ready
floor_rss() {
	local p
	"$@" > "$T/floor.out" &
	p=$!
	wait_for 10 grep -q ready "$T/floor.out"
	rss_anon $p | cut -d' ' -f1
	kill $p
	wait $p 2> /dev/null
}
floor() {
	local cc="cc -O2 -o $T/floor.bin $T/floor.c"
	R[floor,hello]=n/a R[floor,dyn]=n/a R[floor,static]=n/a
	$cc 2> /dev/null && R[floor,hello]=$(floor_rss "$T/floor.bin")
	$cc -DLIBS -lpcre2-8 -lsqlite3 2> /dev/null && R[floor,dyn]=$(floor_rss "$T/floor.bin")
	$cc -DLIBS -static -lpcre2-8 -lsqlite3 -lm 2> /dev/null && R[floor,static]=$(floor_rss "$T/floor.bin")
	note "RSS floor: libc alone ${R[floor,hello]} MiB; + PCRE2 JIT and sqlite ${R[floor,dyn]} MiB (static ${R[floor,static]} MiB)"
}

# ---- configurations ---------------------------------------------------------------
# the seed's jail, as shipped, on $T/hmail.log
mkconf "$T/seed"
printf '[fu_hmail]\nlogpath = %s/hmail.log\nbantime = 1h\n' "$T" > "$T/seed/jail.local"
# ingest: failures are counted, never banned; a sentinel jail on the same log
mkconf "$T/ingest"
printf '[Definition]\nfailregex = BENCH-SENTINEL <HOST>$\n' > "$T/ingest/filter.d/bench-sentinel.conf"
cat > "$T/ingest/jail.local" <<EOF
[fu_hmail]
logpath = $T/ingest.log
maxretry = 1000000
findtime = 1d
[bench-sentinel]
enabled = true
filter = bench-sentinel
logpath = $T/ingest.log
maxretry = 1
banaction = fu_hmail
EOF
# every stock jail, each on an empty log of its own
mkconf "$T/all"
mkdir "$T/logs"
jails=$(stock_jails)
njails=0
{
	printf '[fu_hmail]\nlogpath = %s/logs/fu_hmail.log\n' "$T"
	for j in $jails; do
		njails=$((njails + 1))
		printf '[%s]\nenabled = true\nbackend = auto\nlogpath = %s/logs/%s.log\n' "$j" "$T" "$j"
		: > "$T/logs/$j.log"
	done
} > "$T/all/jail.local"
: > "$T/logs/fu_hmail.log"
njails=$(echo "$jails" | wc -l)

# seed-format offending line for IP
offence() {
	printf '%s mail "SMTPD"#0111200#0119999#011"2005-08-10 18:10:00.100"#011"%s"#011"SENT: 503 Bad sequence of commands"\n' \
	    "$(syslog_now)" "$1"
}

# ---- one daemon -------------------------------------------------------------------------
# rss_anon PID: "RSS anonymous" in MiB - all resident pages (ps's RSS: the
# shared libraries' mapped pages too) and the process's own (RssAnon)
rss_anon() {
	awk '/^VmRSS:/ { r = $2 } /^RssAnon:/ { a = $2 }
	    END { printf "%.2f %.2f\n", r / 1024, a / 1024 }' "/proc/$1/status"
}
entries() { ipset list -t hmailblock | sed -n 's/^Number of entries: //p'; }
stats() {	# stats FILE: "median p95 p99 max" of the microsecond values, in ms
	sort -n "$1" | awk 'function pct(q,  p) { p = int(q * NR); if (p < q * NR) p++; return v[p] }
	{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.3f %.3f %.3f %.3f\n", m / 1000, pct(0.95) / 1000, pct(0.99) / 1000, v[NR] / 1000 }'
}

# ingest_once WHO: the ingest log appended at once to a fresh server; lines/s
# until every failure is counted in INGEST_RATE, 1 if they never were
ingest_once() {
	local who=$1 pid found us t0
	ipset flush hmailblock
	rm -f "$T/$who.log"
	: > "$T/ingest.log"
	start $who "$T/ingest"
	pid=$DPID
	wait_for 30 jails_started $who 2 || note "$who: ingest jails did not start"
	sleep 0.5
	# the sentinel is the last line: once it is banned, the other jail on
	# the same log has read everything too - if its failures are all counted
	# by then; if not, the time is when the count is complete
	t0=$(now_us)
	us=$("$POLL" test hmailblock 10.94.255.254 - "$T/ingest.log" "$T/ingest.lines")
	found=$(grep -c '\[fu_hmail\] Found ' "$T/$who.log")
	while [ "$found" -lt "$NFAIL" ] && [ $(( $(now_us) - t0 )) -lt 120000000 ]; do
		sleep 0.001	# the figure is ~0.1 s: a coarser poll would be most of it
		found=$(grep -c '\[fu_hmail\] Found ' "$T/$who.log")
		us=$(( $(now_us) - t0 ))
	done
	stop $pid 60
	if [ "$found" -ne "$NFAIL" ] || [ "$us" -le 0 ]; then
		note "ingest: $found of $NFAIL failures counted"
		return 1
	fi
	INGEST_RATE=$(awk -v u="$us" -v n="$NLINES" 'BEGIN { printf "%.0f", n / (u / 1e6) }')
	note "ingest: $NLINES lines, $found failures counted in $(awk -v u="$us" 'BEGIN { printf "%.3f", u / 1e6 }') s"
}

# burst_stop WHO PID KEY: 2000 offenders appended at once -> all in the set
# (R[WHO,burstKEY]), then more up to 2,556 active bans and SIGTERM -> gone
# (R[WHO,stopKEY])
burst_stop() {
	local who=$1 pid=$2 key=$3 base n i stamp lat
	base=$(entries)
	stamp=$(syslog_now)
	for i in $(seq 0 1999); do
		printf '%s mail "SMTPD"#0111200#0119999#011"2005-08-10 18:10:00.100"#011"10.96.%d.%d"#011"RECEIVED: EHLO spam.example.us"\n' \
		    "$stamp" $((i / 250)) $((i % 250 + 1))
	done > "$T/burst"
	lat=$("$POLL" count hmailblock $((base + 2000)) - "$T/hmail.log" "$T/burst")
	R[$who,burst$key]=$(awk -v u="$lat" 'BEGIN { printf "%.3f", u / 1e6 }')
	note "2000 offenders -> all in the set: ${R[$who,burst$key]} s"
	n=$((2556 - base - 2000))
	stamp=$(syslog_now)
	for i in $(seq 0 $((n - 1))); do
		printf '%s mail "SMTPD"#0111200#0119999#011"2005-08-10 18:10:00.100"#011"10.95.%d.%d"#011"RECEIVED: EHLO spam.example.us"\n' \
		    "$stamp" $((i / 250)) $((i % 250 + 1))
	done > "$T/more"
	"$POLL" count hmailblock 2556 - "$T/hmail.log" "$T/more" > /dev/null
	stop $pid 120
	R[$who,stop$key]=$(awk -v u="$STOP_US" 'BEGIN { printf "%.3f", u / 1e6 }')
	note "stop with $(grep -c '\] Ban ' "$T/$who.log") bans: ${R[$who,stop$key]} s, left in the set: $(entries)"
}

declare -A R	# R[who,figure]

run() {
	local who=$1 i t0 lat base n
	note "== $who"
	ipset flush hmailblock
	rm -f "$T/$who.log"

	# start -> first ban: the offence is in the log before the start
	offence 10.98.0.1 > "$T/hmail.log"
	t0=$(now_us)
	"$POLL" test hmailblock 10.98.0.1 "$t0" > "$T/startban" &
	local poller=$!
	start $who "$T/seed"
	local pid=$DPID
	wait $poller
	R[$who,start]=$(awk '{ printf "%.1f", $1 / 1000 }' "$T/startban")
	wait_for 30 jails_started $who 1 || note "$who: the jail did not start"
	note "start -> first ban: ${R[$who,start]} ms"

	# latency: 20 trials of fail2ban (0.3-0.7 s each), 100 of f2b-lite (a
	# p99 needs them)
	local trials=20 gap=0.2
	[ $who = f2b-lite ] && trials=100 gap=0.05
	: > "$T/lat.$who"
	for i in $(seq 1 $trials); do
		offence 10.97.0.$i > "$T/line"
		"$POLL" test hmailblock 10.97.0.$i - "$T/hmail.log" "$T/line" >> "$T/lat.$who"
		sleep $gap
	done
	R[$who,trials]=$trials
	read -r R[$who,latmed] R[$who,latp95] R[$who,latp99] R[$who,latmax] < <(stats "$T/lat.$who")
	note "latency ($trials trials): median ${R[$who,latmed]} ms, p95 ${R[$who,latp95]} ms, p99 ${R[$who,latp99]} ms, max ${R[$who,latmax]} ms"
	sleep 1
	read -r R[$who,rss] R[$who,anon] < <(rss_anon $pid)
	note "RSS (fu_hmail, $((trials + 1)) bans): ${R[$who,rss]} MiB, anonymous ${R[$who,anon]} MiB"

	burst_stop $who $pid ""

	# ingest: three runs, the median (one is ~0.1 s: a busy neighbour moves it)
	local k rates=()
	for k in 1 2 3; do
		ingest_once $who && rates+=("$INGEST_RATE")
	done
	if [ ${#rates[@]} = 3 ]; then
		R[$who,ingest]=$(printf '%s\n' "${rates[@]}" | sort -n | sed -n 2p)
	else
		R[$who,ingest]=n/a
	fi
	note "ingest: ${rates[*]} lines/s, median ${R[$who,ingest]}"

	# start -> ping answered, and RSS, with every stock jail
	rm -f "$T/$who.log"
	pinger_start
	now_us > "$T/t0"
	start $who "$T/all"
	pid=$DPID
	wait $PINGER
	lat=$(cat "$T/pinger.out")
	if [ "$lat" -ge 0 ]; then
		R[$who,ping]=$(awk -v u="$lat" 'BEGIN { printf "%.1f", u / 1000 }')
	else
		R[$who,ping]=n/a
	fi
	note "start -> ping answered ($njails stock jails + fu_hmail): ${R[$who,ping]} ms"
	if wait_for 90 jails_started $who $((njails + 1)); then
		sleep 2
		read -r R[$who,rssall] R[$who,anonall] < <(rss_anon $pid)
		note "RSS ($njails stock jails + fu_hmail): ${R[$who,rssall]} MiB, anonymous ${R[$who,anonall]} MiB"
	else
		R[$who,rssall]=n/a
		note "all jails: only $(grep -c "Jail '.*' started" "$T/$who.log") of $((njails + 1)) started"
		grep 'ERROR' "$T/$who.log" | head -5 >&2
	fi
	stop $pid 60
}

# the ingest log: 100,000 lines, every 10th a failure from its own address,
# the rest the seed's legitimate traffic; then the sentinel
NLINES=100000
grep -v '^#' "$SRC/test-logs/fu_hmail" | sed -n '1,13p' | cut -c16- > "$T/legit"
stamp=$(syslog_now)
awk -v stamp="$stamp" -v n=$NLINES 'NR == FNR { L[++k] = $0; next } END {
	for (i = 0; i < n; i++) {
		if (i % 10 == 9) {
			f++
			printf "%s mail \"SMTPD\"#0111200#0119999#011\"2005-08-10 18:10:00.100\"#011\"10.%d.%d.%d\"#011\"SENT: 504 Authentication not enabled.\"\n", stamp, 100 + int(f / 65536), int(f / 256) % 256, f % 256
		} else
			print stamp L[i % k + 1]
	}
	printf "%s mail BENCH-SENTINEL 10.94.255.254\n", stamp
}' "$T/legit" > "$T/ingest.lines"
NFAIL=$((NLINES / 10))

floor
for who in ${BENCH_WHO:-f2b-lite fail2ban}; do run $who; done

# where f2b-lite's time would go if the logger line needed the shell: the
# same action with "logger -i" (the logger's PID), which f2b-lite leaves to
# /bin/sh (here the /bin/true stand-in)
mkconf "$T/shell"
printf '[Definition]\nactionban = ipset add hmailblock <ip>\n  logger -i -p local7.notice -t fail2ban "<ip> BANNED!"\nactionunban = ipset del hmailblock <ip>\n  logger -i -p local7.notice -t fail2ban "<ip> BAN LIFTED!"\n' \
    > "$T/shell/action.d/fu_hmail-shell.conf"
printf '[fu_hmail]\nlogpath = %s/hmail.log\nbantime = 1h\nbanaction = fu_hmail-shell\n' "$T" > "$T/shell/jail.local"
note "== f2b-lite, logger through the shell"
ipset flush hmailblock
: > "$T/hmail.log"
rm -f "$T/f2b-lite.log"
start f2b-lite "$T/shell"
wait_for 10 jails_started f2b-lite 1
burst_stop f2b-lite $DPID -shell

# ---- the table -------------------------------------------------------------------------
ratio() {	# ratio THEIRS OURS [higher-is-better]
	awk -v a="$1" -v b="$2" -v h="${3:-}" 'BEGIN {
		if (a == "n/a" || b == "n/a" || a + 0 == 0 || b + 0 == 0) { print "-"; exit }
		r = h ? b / a : a / b
		printf (r >= 100 ? "%.0fx" : r >= 10 ? "%.1fx" : "%.2fx"), r }'
}
row() {	# row LABEL ISSUE THEIRS OURS UNIT TARGET [higher-is-better]
	printf '| %-38s | %-16s | %16s | %16s | %7s | %-15s |\n' "$1" "$2" "$3 $5" "$4 $5" \
	    "$(ratio "$3" "$4" "${7:-}")" "$6"
}
echo
echo "daemon benchmark: fail2ban-server 1.0.2 vs f2b-lite, same configuration and logs, $(nproc) CPUs"
printf '| %-38s | %-16s | %16s | %16s | %7s | %-15s |\n' figure "fail2ban (issue)" "fail2ban here" \
    f2b-lite ratio "f2b-lite target"
printf '|%s|%s|%s|%s|%s|%s|\n' ---------------------------------------- ------------------ \
    -----------------: -----------------: --------: -----------------
trials="${R[fail2ban,trials]:-0}/${R[f2b-lite,trials]:-0} trials"
row "ban latency, median ($trials)" "281 ms" "${R[fail2ban,latmed]:-n/a}" "${R[f2b-lite,latmed]:-n/a}" ms "< 2 ms"
row "ban latency, p95 ($trials)" "656 ms" "${R[fail2ban,latp95]:-n/a}" "${R[f2b-lite,latp95]:-n/a}" ms "-"
row "ban latency, p99 ($trials)" "-" "${R[fail2ban,latp99]:-n/a}" "${R[f2b-lite,latp99]:-n/a}" ms "< 10 ms"
row "2000 offenders at once -> all banned" "22.0 s" "${R[fail2ban,burst]:-n/a}" "${R[f2b-lite,burst]:-n/a}" s "< 0.2 s"
row "ingest, 100k lines, median of 3" "19.1k lines/s" "${R[fail2ban,ingest]:-n/a}" "${R[f2b-lite,ingest]:-n/a}" lines/s "> 1M lines/s" 1
row "RSS, fu_hmail jail" "38.0 MiB" "${R[fail2ban,rss]:-n/a}" "${R[f2b-lite,rss]:-n/a}" MiB "< 2 MB"
row "RSS, all $njails stock jails + fu_hmail" "50.4 MiB" "${R[fail2ban,rssall]:-n/a}" "${R[f2b-lite,rssall]:-n/a}" MiB "< 6 MB"
row "  anonymous (own) memory, fu_hmail" "-" "${R[fail2ban,anon]:-n/a}" "${R[f2b-lite,anon]:-n/a}" MiB "-"
row "  anonymous (own) memory, all jails" "-" "${R[fail2ban,anonall]:-n/a}" "${R[f2b-lite,anonall]:-n/a}" MiB "-"
row "start -> ping, all $njails stock jails" "1.1 s" "${R[fail2ban,ping]:-n/a}" "${R[f2b-lite,ping]:-n/a}" ms "< 30 ms"
row "start -> first ban, fu_hmail" "-" "${R[fail2ban,start]:-n/a}" "${R[f2b-lite,start]:-n/a}" ms "-"
row "stop with 2,556 bans" "30.3 s" "${R[fail2ban,stop]:-n/a}" "${R[f2b-lite,stop]:-n/a}" s "< 0.5 s"
echo
echo "f2b-lite runs both lines of the seed's action in-process (ipset through libipset, logger"
echo "as one datagram to /dev/log).  With the logger line through /bin/sh instead (logger -i):"
echo "2000 offenders -> all banned ${R[f2b-lite,burst-shell]:-n/a} s; stop with 2,556 bans ${R[f2b-lite,stop-shell]:-n/a} s"
echo
echo "RSS counts every mapped page of the shared libraries.  The floor on this machine, a"
echo "program doing only what the daemon must (one PCRE2 JIT regex matched, an in-memory sqlite"
echo "table): ${R[floor,dyn]} MiB linked dynamically as f2b-lite is, ${R[floor,static]} MiB fully static;"
echo "\"hello\" with libc alone: ${R[floor,hello]} MiB."

#!/bin/bash
# Memory per tracked address: N distinct addresses (300,000 by default)
# failing once each on the seed's fu_hmail jail (its filter as shipped,
# maxretry 3, findtime 1d: none is banned, each stays in the fail table
# with its matched line) with the stock actions (jail.conf's banaction,
# iptables-multiport: its chain is made in the namespace), fail2ban-server
# 1.0.2 and f2b-lite one after the other in one run, each inside a network
# namespace this script creates (the host's firewall is never touched),
# with an in-memory database as the system tests use (dbmaxmatches 10: the
# matched line is kept for it).
#
# For each server: VmRSS once its jail has started (before) and once every
# failure is counted ("Total failed" of `status fu_hmail` reaches N: polled,
# never a fixed sleep), the bytes per tracked address (after - before) / N,
# the time the N lines took to be counted, and the ratio of the two.
#
#   bench/memory.sh [-n N] [-F] [F2B-LITE-BINARY]     (root)
#     -n N   N addresses (e.g. -n 20000 for a quick run)
#     -F     f2b-lite only (no fail2ban-server)
#
# Time: at 300,000 addresses fail2ban-server needs about 1.5 minutes to
# count them (about 3.6k lines/s on 2 CPUs), f2b-lite about 5 s; with the
# log generated and both servers started and stopped, about 2-3 minutes in
# all (fail2ban slows down as its table grows: allow up to 10 minutes on a
# slower machine).
set -u
N=300000
THEIRS=1
while getopts n:F o; do
	case $o in
	n) N=$OPTARG ;;
	F) THEIRS= ;;
	*) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
SRCDIR=$(readlink -f "$(dirname "$0")/..")
. "$SRCDIR/tests/system/lib.sh" "${1:-$SRCDIR/build/f2b-lite/f2b-lite}" "$SRCDIR"
[ "$(id -u)" = 0 ] || { echo "bench/memory.sh: needs root (network namespaces)" >&2; exit 1; }
[ -z "$THEIRS" ] || command -v fail2ban-server > /dev/null ||
    { echo "fail2ban-server is not installed (-F: f2b-lite alone)" >&2; exit 1; }
[ "$N" -ge 1 ] && [ "$N" -le 16000000 ] || { echo "-n: 1 to 16000000" >&2; exit 2; }
setup memory
[ -n "${KEEP:-}" ] && echo "kept: $T" >&2
NS=f2bmem-$$
netns_add $NS || exit 1
say() { echo "  $*" >&2; }

# the seed's jail and filter on $T/hmail.log with the stock actions, counting only
counting_conf "$T/conf"
# N offences, each from an address of its own (10.0.0.1 up), dated now
hmail_offences $N > "$T/lines"
failed_total() { total_failed "$T/$1.sock" fu_hmail; }
counted() {	# counted WHO: every line counted; paced so that the polls cost fail2ban little
	local c
	c=$(failed_total "$1")
	[ "${c:-0}" -ge "$N" ] && return 0
	sleep 0.2
	return 1
}

# one WHO: the server alone on an empty log, then the N lines appended at
# once; R_WHO = "before after seconds"
one() {
	local who=$1 pid t0 t1 before after
	: > "$T/hmail.log"
	if [ "$who" = fail2ban ]; then start_theirs $who "$T/conf" $NS; else start_ours $who "$T/conf" $NS; fi
	pid=$DPID
	wait_until 60 started "$T/$who.log" fu_hmail || { say "$who: the jail did not start"; return 1; }
	wait_until 30 eval '[ -n "$(failed_total '$who')" ]' || return 1
	before=$(rss_bytes $pid)
	t0=$(now_us)
	cat "$T/lines" >> "$T/hmail.log"
	# fail2ban takes about 0.3 ms a line: 2 minutes plus 2 ms a line at most
	if ! wait_until $((120 + N / 500)) counted $who; then
		say "$who: $(failed_total $who) of $N failures counted"
		return 1
	fi
	t1=$(now_us)
	after=$(rss_bytes $pid)
	say "$who: $(failed_total $who) failures counted in $(( (t1 - t0) / 1000 )) ms"
	stop_daemon $pid 120
	eval "R_$who=\"$before $after $(( t1 - t0 ))\""
}

R_fail2ban="- - -"
R_ours="- - -"
say "$N addresses, one failure each (fu_hmail, maxretry 3, findtime 1d)"
one ours || exit 1
[ -n "$THEIRS" ] && { one fail2ban || exit 1; }
read -r ob oa ot <<< "$R_ours"
read -r fb fa ft <<< "$R_fail2ban"
awk -v n="$N" -v ob="$ob" -v oa="$oa" -v ot="$ot" -v fb="$fb" -v fa="$fa" -v ft="$ft" 'BEGIN {
	printf "%d addresses failing once each (fu_hmail, maxretry 3, findtime 1d)\n\n", n
	printf "| server | RSS before | RSS after | per tracked address | counted in |\n"
	printf "|---|---|---|---|---|\n"
	if (fb != "-")
		printf "| fail2ban-server 1.0.2 | %.1f MB | %.1f MB | %.0f bytes | %.1f s |\n",
		    fb / 1e6, fa / 1e6, (fa - fb) / n, ft / 1e6
	printf "| f2b-lite | %.1f MB | %.1f MB | %.0f bytes | %.2f s |\n",
	    ob / 1e6, oa / 1e6, (oa - ob) / n, ot / 1e6
	if (fb != "-")
		printf "\nf2b-lite takes %.1fx less memory per tracked address (goal: <= 250 bytes)\n",
		    (fa - fb) / (oa - ob)
}'

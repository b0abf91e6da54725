#!/bin/bash
# Filter speed: `fail2ban-regex` (Debian's fail2ban 1.0.2) against
# `f2b-lite regex` on the same generated logs, in one run.  Not a timed test:
# it exits 0 whether or not the targets are met, and non-zero only if a tool
# fails or the two -o outputs differ.  The figures go in the README.
#
#   bench/regex.sh [-n LINES] [F2B-LITE-BINARY]
#
# LINES (default 1000000) lines each of three logs from bench/gen_logs.py
# (deterministic): an sshd auth.log against the stock sshd filter, the seed's
# syslog-forwarded hMailServer log against filter.d/fu_hmail.conf, and an
# nginx access log against the stock nginx-botsearch filter.  Filters are
# passed to both tools as the same file path.
#
# Timing, wall clock:
#   - fail2ban-regex runs once per log (15 to 30 s per million lines) with
#     -o '<fid>\t<time>\t<msg>'; f2b-lite runs with the same -o, and the two
#     outputs must be byte-identical (the logs all carry dates, so no
#     "now"-relative times need normalising).  The ratio compares these runs.
#   - f2b-lite also runs without -o (the summary report users read); both of
#     its times are the median of 3 runs.
#   - pcre2grep -c (JIT, median of 3 runs) over the same log with the filter's
#     failregexes OR-ed into one pattern by bench/orre.py, using fail2ban's
#     own Python to expand the filter, as the practical limit for matching
#     alone (no date parsing, no host extraction).  fail2ban cuts the date out
#     before matching and, for sshd, applies the ^-anchored failregexes to the
#     prefregex's <F-CONTENT> group, so orre.py puts the failregexes inside
#     the prefregex and the date back where it was cut: a syslog date
#     `\w{3} +\d+ \d\d:\d\d:\d\d` after the leading `^` (sshd, hMailServer)
#     or the access-log date inside the `[]` (nginx).  pcre2grep counts every
#     line that matches a failregex, including those fail2ban then reports
#     as ignored (sshd's <F-NOFAIL> lines, for instance), so the table shows
#     f2b-lite's matched+ignored counts next to pcre2grep's; when they agree
#     the two did the same matching work.
#
# Targets: f2b-lite at least 50x fail2ban-regex on sshd and 100x on the other
# two, and within 3x of pcre2grep's rate.
set -euo pipefail

LINES=1000000
while getopts n: opt; do
	case $opt in
	n) LINES=$OPTARG ;;
	*) echo "usage: $0 [-n LINES] [F2B-LITE-BINARY]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
F2B=${1:+$(realpath "$1")}	# a given binary is relative to the caller's directory
cd "$(dirname "$0")/.."
F2B=${F2B:-build/f2b-lite/f2b-lite}
[ -x "$F2B" ] || { echo "$0: $F2B is not executable" >&2; exit 2; }
for t in fail2ban-regex pcre2grep python3; do
	command -v $t > /dev/null || { echo "$0: $t not found" >&2; exit 2; }
done

tmp=$(mktemp -d /tmp/f2b-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
FMT=$'<fid>\t<time>\t<msg>'
SYSLOG_DATE='\w{3} +\d+ \d\d:\d\d:\d\d'
ACCESS_DATE='\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}'

now_ns() { date +%s%N; }

# run1 OUT CMD...: runs CMD once with stdout to OUT, prints its wall time in
# ns; a failing CMD ends the script
run1() {
	local out=$1 t0 t1 rc=0
	shift
	t0=$(now_ns)
	"$@" > "$out" 2> "$tmp/stderr" || rc=$?
	t1=$(now_ns)
	if [ $rc -ne 0 ]; then
		echo "$0: '$*' failed (exit $rc):" >&2
		head -20 "$tmp/stderr" >&2
		exit 1
	fi
	echo $((t1 - t0))
}

# median3 OUT CMD...: the median wall time in ns of 3 runs of CMD
median3() {
	for _ in 1 2 3; do run1 "$@"; done | sort -n | sed -n 2p
}

# pcre2grep exits 1 when no line matches; a count of 0 is still a result
# shellcheck disable=SC2317 # called through median3
count_matches() { pcre2grep -c -f "$1" "$2" || [ $? -eq 1 ]; }

secs() { awk -v n="$1" 'BEGIN { printf "%.2f", n / 1e9 }'; }
rate() { awk -v l="$1" -v n="$2" 'BEGIN { printf "%.0f", l / (n > 0 ? n / 1e9 : 1e-9) }'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / (b > 0 ? b : 1) }'; }

rows=()
differ=0

bench() {	# bench LOG LABEL FILTER-FILE TARGET ORRE-ARGS...
	local log=$tmp/logs/$1 label=$2 filter=$3 target=$4 ts to tq tp ni nq
	shift 4
	echo "  $label: fail2ban-regex ..." >&2
	ts=$(run1 "$tmp/theirs" fail2ban-regex -o "$FMT" "$log" "$filter")
	echo "  $label: f2b-lite ..." >&2
	to=$(median3 "$tmp/ours" "$F2B" regex -o "$FMT" "$log" "$filter")
	tq=$(median3 "$tmp/summary" "$F2B" regex "$log" "$filter")
	local same=yes
	if ! cmp -s "$tmp/theirs" "$tmp/ours"; then
		same=NO
		differ=1
		echo "$label: -o OUTPUTS DIFFER (< fail2ban-regex, > f2b-lite):" >&2
		diff "$tmp/theirs" "$tmp/ours" | head -10 >&2 || true
	fi
	# "Lines: N lines, I ignored, M matched, X missed": pcre2grep counts
	# the ignored (<F-NOFAIL>) failregex matches too
	ni=$(sed -n 's/^Lines: [0-9]* lines, \([0-9]*\) ignored, \([0-9]*\) matched.*/\2+\1/p' "$tmp/summary")
	echo "  $label: pcre2grep ..." >&2
	python3 bench/orre.py "$@" > "$tmp/re"
	tp=$(median3 "$tmp/count" count_matches "$tmp/re" "$log")
	nq=$(cat "$tmp/count")
	local ratio slow met near
	ratio=$(div "$ts" "$to")
	slow=$(div "$to" "$tp")
	met=$(awk -v r="$ratio" -v t="$target" 'BEGIN { print (r >= t ? "yes" : "no") }')
	near=$(awk -v s="$slow" 'BEGIN { print (s <= 3 ? "yes" : "no") }')
	rows+=("$(printf '| %-12s | %-20s | %9d | %11s | %10s | %9s | %16s | %5sx | %5sx | %-3s | %17s | %11sx | %-4s | %17s | %14d | %-12s |' \
	    "$label" "${filter##*/}" "$LINES" "$(secs "$ts")" "$(secs "$to")" "$(secs "$tq")" \
	    "$(rate "$LINES" "$to")" "$ratio" "$target" "$met" "$(rate "$LINES" "$tp")" \
	    "$slow" "$near" "$ni" "$nq" "$same")")
}

echo "generating $LINES lines per log ..." >&2
python3 bench/gen_logs.py "$tmp/logs" "$LINES"

bench sshd.log "sshd" /etc/fail2ban/filter.d/sshd.conf 50 \
	sshd /etc/fail2ban --date "$SYSLOG_DATE"
bench hmail.log "hMailServer" "$PWD/filter.d/fu_hmail.conf" 100 \
	filter.d/fu_hmail.conf - --date "$SYSLOG_DATE"
bench nginx-access.log "nginx access" /etc/fail2ban/filter.d/nginx-botsearch.conf 100 \
	nginx-botsearch /etc/fail2ban --bracket-date "$ACCESS_DATE"

echo
echo "filter speed, $LINES lines per log, wall-clock seconds; f2b-lite and pcre2grep: median of 3 runs"
echo "| log          | filter               |     lines | f2b-regex s | f2b-lite s | summary s | f2b-lite lines/s |  ratio | target | met | pcre2grep lines/s | vs pcre2grep | <=3x | f2b-lite hits     | pcre2grep hits | -o identical |"
echo "|--------------|----------------------|----------:|------------:|-----------:|----------:|-----------------:|-------:|-------:|-----|------------------:|-------------:|------|------------------:|---------------:|--------------|"
for r in "${rows[@]}"; do echo "$r"; done
echo
echo "f2b-regex s, f2b-lite s: both with -o (outputs compared); summary s: f2b-lite without -o;"
echo "ratio = f2b-regex s / f2b-lite s, met = ratio >= target; vs pcre2grep = f2b-lite s / pcre2grep s"
echo "(aim <= 3x); f2b-lite hits = matched+ignored lines of its summary (matched = the -o lines),"
echo "pcre2grep hits = pcre2grep -c with the filter's failregexes OR-ed (bench/orre.py)"
exit $differ

#!/bin/bash
# The prefilter only ever skips work: `f2b-lite regex` gives the same report
# with it (forced: F2B_LITE_PREFILTER=force, since one filter alone does not
# use it by default) and without it (--no-prefilter), for every (stock
# filter, options) pair of fail2ban's sample corpus and for our own sample
# logs - the summary (prefregex, failregex and ignoreregex counts, date
# template hits, missed and ignored lines) and the verbose one (-v: every
# match's groups and the prefregex's), and the -o rows.  Only the timing
# lines and the "Use prefilter" line may differ.  Output is TAP.
set -u
F2B=${1:?usage: regex_prefilter.sh F2B-LITE-BINARY SOURCE-DIR}
SRC=${2:?usage: regex_prefilter.sh F2B-LITE-BINARY SOURCE-DIR}
LOGS=/usr/lib/python3/dist-packages/fail2ban/tests/files/logs
TMP=$(mktemp -d /tmp/f2b-prefilter.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
: > "$TMP/pairs"
if [ -d $LOGS ] && [ -d /etc/fail2ban/filter.d ]; then
	python3 "$SRC/tests/compat/regex_pairs.py" "$LOGS" /etc/fail2ban/filter.d > "$TMP/pairs"
fi
for l in "$SRC"/test-logs/*; do
	[ -f "$SRC/filter.d/$(basename "$l").conf" ] &&
		printf '%s\t%s\n' "$l" "$SRC/filter.d/$(basename "$l").conf" >> "$TMP/pairs"
done
echo "1..$(($(wc -l < "$TMP/pairs") + 1))"
OUT=$'<fid>\t<time>\t<msg>'
n=0
failed=0
prefiltered=0
# timing lines and the prefilter's own line left out
strip() { grep -v -e '^Lines: .*sec\]$' -e '^\[processed in' -e '^Use        prefilter :'; }
# times within two minutes of now (lines without a date are stamped with the
# time they are read) become NOW, as seconds and as -v's ctime() text
cat > "$TMP/now.py" <<'PY'
import re, sys, time
now = time.time()
def num(m):
    return "NOW" if abs(float(m.group(0)) - now) < 120 else m.group(0)
def ctime(m):
    try:
        t = time.mktime(time.strptime(m.group(0), "%a %b %d %H:%M:%S %Y"))
    except ValueError:
        return m.group(0)
    return "NOW" if abs(t - now) < 120 else m.group(0)
for path in sys.argv[1:]:
    with open(path, errors="surrogateescape") as f:
        text = f.read()
    text = re.sub(r"\b\d{10}\.\d+", num, text)
    text = re.sub(r"\w{3} \w{3} \d\d \d\d:\d\d:\d\d \d{4}", ctime, text)
    with open(path, "w", errors="surrogateescape") as f:
        f.write(text)
PY
while IFS=$'\t' read -r log spec; do
	n=$((n + 1))
	export F2B_LITE_PREFILTER=force
	"$F2B" regex -v "$log" "$spec" 2>&1 | strip > "$TMP/on"
	"$F2B" regex -v --no-prefilter "$log" "$spec" 2>&1 | strip > "$TMP/off"
	"$F2B" regex "$log" "$spec" 2>&1 | strip >> "$TMP/on"
	"$F2B" regex --no-prefilter "$log" "$spec" 2>&1 | strip >> "$TMP/off"
	"$F2B" regex -o "$OUT" "$log" "$spec" >> "$TMP/on" 2>&1
	F2B_LITE_PREFILTER=off "$F2B" regex -o "$OUT" "$log" "$spec" >> "$TMP/off" 2>&1
	unset F2B_LITE_PREFILTER
	python3 "$TMP/now.py" "$TMP/on" "$TMP/off"
	state=$(F2B_LITE_PREFILTER=force "$F2B" regex /dev/null "$spec" 2>/dev/null |
	    sed -n 's/^Use        prefilter : //p')
	case $state in on*) prefiltered=$((prefiltered + 1)) ;; esac
	if cmp -s "$TMP/on" "$TMP/off"; then
		echo "ok $n - $(basename "$spec") on $(basename "$log") (prefilter $state)"
	else
		failed=$((failed + 1))
		echo "not ok $n - $(basename "$spec") on $(basename "$log") (prefilter $state)"
		diff "$TMP/off" "$TMP/on" | head -10 | cut -c1-200 | sed 's/^/# /'
	fi
done < "$TMP/pairs"
n=$((n + 1))
# most pairs are prefiltered: the comparison above is not idle
if [ $prefiltered -gt $((n / 2)) ]; then
	echo "ok $n - $prefiltered of $((n - 1)) pairs prefiltered"
else
	failed=$((failed + 1))
	echo "not ok $n - only $prefiltered of $((n - 1)) pairs prefiltered"
fi
exit $((failed > 0))

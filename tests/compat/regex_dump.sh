#!/bin/bash
# Differential test: `f2b-lite regex -o '<fid>\t<time>\t<msg>'` against
# Debian's fail2ban-regex 1.0.2, for every (stock filter, options) pair that
# fail2ban's own sample corpus names (tests/compat/regex_pairs.py lists them:
# the sample logs and filters are read from the installed package).  Rows must
# agree one for one; a time within a minute of the run (a line without a
# date, stamped "now") compares as "now".  Output is TAP.
set -u
F2B=${1:?usage: regex_dump.sh F2B-LITE-BINARY SOURCE-DIR}
SRC=${2:?usage: regex_dump.sh F2B-LITE-BINARY SOURCE-DIR}
LOGS=/usr/lib/python3/dist-packages/fail2ban/tests/files/logs
if ! command -v fail2ban-regex >/dev/null || [ ! -d $LOGS ]; then
	echo "1..0 # SKIP Debian's fail2ban package is not installed"
	exit 0
fi
TMP=$(mktemp -d /tmp/f2b-regex.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
python3 "$SRC/tests/compat/regex_pairs.py" "$LOGS" /etc/fail2ban/filter.d > "$TMP/pairs"
echo "1..$(wc -l < "$TMP/pairs")"
OUT=$'<fid>\t<time>\t<msg>'
n=0
failed=0
# rows with a time near now become NOW
norm() {
	python3 -c '
import sys, time
now = time.time()
for line in sys.stdin:
    f = line.rstrip("\n").split("\t", 2)
    if len(f) == 3:
        try:
            if abs(float(f[1]) - now) < 120:
                f[1] = "NOW"
            else:
                f[1] = "%.3f" % float(f[1])
        except ValueError:
            pass
    print("\t".join(f))
'
}
while IFS=$'\t' read -r log spec; do
	n=$((n + 1))
	fail2ban-regex -o "$OUT" "$log" "$spec" 2>/dev/null | norm > "$TMP/theirs"
	"$F2B" regex -o "$OUT" "$log" "$spec" 2>/dev/null | norm > "$TMP/ours"
	rows=$(wc -l < "$TMP/theirs")
	if cmp -s "$TMP/theirs" "$TMP/ours"; then
		echo "ok $n - $spec on $(basename "$log") ($rows rows)"
	else
		failed=$((failed + 1))
		echo "not ok $n - $spec on $(basename "$log")"
		diff "$TMP/theirs" "$TMP/ours" | head -10 | cut -c1-200 | sed 's/^/# /'
	fi
done < "$TMP/pairs"
exit $((failed > 0))

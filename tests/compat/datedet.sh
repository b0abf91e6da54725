#!/bin/bash
# Differential test of the date detector: for every line of the inputs, the
# template that matches, the byte span of the date and the time it stands for,
# from f2b-lite (tests/tools/dd_dump.c) and from fail2ban 1.0.2's own
# DateDetector (tests/tools/dd_dump.py).  Inputs: tests/compat/dates.txt (one
# line per default template and the edge cases) and every line of fail2ban's
# sample logs and of our test-logs/.  Default templates run in several time
# zones; custom datepatterns (those of the stock filters and more) in one.
# Output is TAP.
set -u
DD=${1:?usage: datedet.sh DD_DUMP-BINARY SOURCE-DIR}
SRC=${2:?usage: datedet.sh DD_DUMP-BINARY SOURCE-DIR}
PKG=/usr/lib/python3/dist-packages/fail2ban
if [ ! -d $PKG/tests/files/logs ]; then
	echo "1..0 # SKIP Debian's fail2ban package is not installed"
	exit 0
fi
TMP=$(mktemp -d /tmp/f2b-datedet.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
cp "$SRC/tests/compat/dates.txt" "$TMP/dates"
find $PKG/tests/files/logs "$SRC/test-logs" -type f -print0 | sort -z |
	xargs -0 cat | grep -av '^#' > "$TMP/logs"

patterns=(
	'%d/%b[^/]*/%Y:%H:%M:%S %z'
	'EPOCH' 'LEPOCH' '{^LN-BEG}Epoch' '{^LN-BEG}TAI64N' 'TAI64N'
	'^%H:%M:%S.%f'
	'^%Y-%m-%d %H:%M:%S'
	'^%Y:%m:%d-%H:%M:%S'
	'^%b %d, %ExY %I:%M:%S %p'
	'^%m/%d/%Y %H:%M:%S'
	'^(?:%Y-)?%m-%d[ T]%H:%M:%S(?:\.%f)?'
	'^(?:=[^=]+={3,} )?(%ExY(?P<_sep>[-/.])%m(?P=_sep)%d[T ]%H:%M:%S(?:[.,]%f)?(?:\s*%z)?)'
	'^<\d+>\d+\s+{DATE}'
	'^[^\[]*(\[{DATE}\s*\])'
	'^[^\[]*\[({DATE})'
	'^\[%d/%b/%Y %H:%M:%S\]'
	'^t=%Y-%m-%dT%H:%M:%S%z'
	'^{DATE}' '{^LN-BEG}' '{UNB}%Y-%m-%d' '{NONE}'
	'{^LN-BEG}%ExY(?P<_sep>[-/.])%m(?P=_sep)%d[T ]%H:%M:%S(?:[.,]%f)?(?:\s*%z)?'
	'{^LN-BEG}%b-%d-%Exy %H:%M:%S'
	'%Y-%m-%d %H:%M:%S %Z' '%a %b %d %H:%M:%S %Y' '%j %Y %H:%M' '%y%m%d %H%M%S'
	'%s' '%Exb %Exd %ExH:%ExM:%ExS' '**%Y-%m-%d**' '%Y-%m-%d %H:%M:%S(' '%q'
)
zones=(UTC Europe/Berlin America/New_York Asia/Kolkata)
echo "1..$(( ${#zones[@]} * 2 + ${#patterns[@]} ))"
n=0
failed=0
check() {	# check NAME INPUT [PATTERN...]
	local name=$1 input=$2
	shift 2
	n=$((n + 1))
	python3 "$SRC/tests/tools/dd_dump.py" "$@" < "$input" > "$TMP/theirs" 2>/dev/null
	"$DD" "$@" < "$input" > "$TMP/ours" 2>/dev/null
	if cmp -s "$TMP/theirs" "$TMP/ours"; then
		echo "ok $n - $name ($(wc -l < "$TMP/ours") lines)"
	else
		failed=$((failed + 1))
		echo "not ok $n - $name"
		diff "$TMP/theirs" "$TMP/ours" | head -10 | cut -c1-200 | sed 's/^/# /'
	fi
}
for z in "${zones[@]}"; do
	TZ=$z check "default templates, TZ=$z, dates.txt" "$TMP/dates"
	TZ=$z check "default templates, TZ=$z, sample logs" "$TMP/logs"
done
cat "$TMP/dates" "$TMP/logs" > "$TMP/all"
for p in "${patterns[@]}"; do
	TZ=Europe/Berlin check "datepattern $p" "$TMP/all" "$p"
done
exit $((failed > 0))

#!/bin/bash
# Differential test: `f2b-lite client -d` against Debian's real
# `fail2ban-client -d` (fail2ban 1.0.2) on the same configuration directory.
# Each configuration is /etc/fail2ban as the package installed it (symlinked
# into a temp dir, never copied into this repository) plus an overlay:
#   - every jail of the stock jail.conf enabled alone, logpath at a temp file
#   - Debian's default (jail.d/defaults-debian.conf enables sshd)
#   - the seed's hMailServer jail from this repository's filter.d, action.d
#     and jail.d
#   - the scenarios under tests/compat/dump/ (our own files)
# -d output, and for the scenarios also --dp (pprint) output, must be
# byte-identical and exit codes equal (scenarios marked
# .stdout-only compare stdout only: there f2b-lite exits non-zero on purpose).
# Output is TAP.
set -u
F2B=${1:?usage: client_dump.sh F2B-LITE-BINARY SOURCE-DIR}
SRC=${2:?usage: client_dump.sh F2B-LITE-BINARY SOURCE-DIR}
STOCK=/etc/fail2ban
if ! command -v fail2ban-client >/dev/null || [ ! -f $STOCK/jail.conf ]; then
	echo "1..0 # SKIP Debian's fail2ban package is not installed"
	exit 0
fi
TMP=$(mktemp -d /tmp/f2b-compat.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
n=0
failed=0

# make_conf NAME [keep-debian-default]: a conf dir linking the stock files
make_conf() {
	local d=$TMP/$1/conf
	mkdir -p "$TMP/$1/log"
	cp -rs "$STOCK/." "$d/"
	[ "${2:-}" = keep ] || rm -f "$d/jail.d/defaults-debian.conf"
	for f in auth.log mail.log nginx-error.log ngx.log apache-error.log \
	    fail2ban.log myapp1.log myapp2.log other.log torture.log torture2.log \
	    inc.log hmail.log; do
		: > "$TMP/$1/log/$f"
	done
	echo "$d"
}

# overlay SRCDIR CONF LOGDIR: copy our files in, with @TMP@ -> LOGDIR
overlay() {
	local src=$1 conf=$2 log=$3 f rel
	(cd "$src" && find . -type f ! -name '.stdout-only' -print) | while read -r f; do
		rel=${f#./}
		mkdir -p "$conf/$(dirname "$rel")"
		rm -f "$conf/$rel"
		sed "s|@TMP@|$log|g" "$src/$rel" > "$conf/$rel"
	done
}

# check NAME CONF [stdout-only] [DUMP-OPTION]
check() {
	local name=$1 conf=$2 mode=${3:-} opt=${4:--d} r1 r2
	n=$((n + 1))
	fail2ban-client -c "$conf" "$opt" > "$TMP/theirs" 2>/dev/null; r1=$?
	"$F2B" client -c "$conf" "$opt" > "$TMP/ours" 2> "$TMP/ours.err"; r2=$?
	if cmp -s "$TMP/theirs" "$TMP/ours" && { [ "$mode" = stdout-only ] || [ $r1 = $r2 ]; }; then
		echo "ok $n - $name"
	else
		failed=$((failed + 1))
		echo "not ok $n - $name (exit fail2ban $r1, f2b-lite $r2)"
		diff "$TMP/theirs" "$TMP/ours" | cut -c1-300 | head -20 | sed 's/^/# /'
		head -5 "$TMP/ours.err" | sed 's/^/# stderr: /'
	fi
}

jails=$(sed -n 's/^\[\([^]]*\)\].*/\1/p' $STOCK/jail.conf | grep -vx 'INCLUDES\|DEFAULT')
count=$(echo "$jails" | wc -w)
scen=$(ls -d "$SRC"/tests/compat/dump/*/ | wc -l)
echo "1..$((count + 4 + 2 * scen))"

for j in $jails; do
	conf=$(make_conf "jail-$j")
	printf '[%s]\nenabled = true\nlogpath = %s\n' "$j" "$TMP/jail-$j/log/auth.log" > "$conf/jail.local"
	check "stock jail $j alone" "$conf"
done

conf=$(make_conf debian-default keep)
check "Debian default (sshd enabled)" "$conf"
check "Debian default, --dp" "$conf" "" --dp

conf=$(make_conf seed)
for f in filter.d/fu_hmail.conf action.d/fu_hmail.conf jail.d/fu_hmail.conf; do
	rm -f "$conf/$f"; cp "$SRC/$f" "$conf/$f"
done
check "seed hMailServer jail as shipped" "$conf"
printf '[fu_hmail]\nlogpath = %s\n' "$TMP/seed/log/hmail.log" > "$conf/jail.local"
check "seed hMailServer jail with an existing log" "$conf"

for s in "$SRC"/tests/compat/dump/*/; do
	name=$(basename "$s")
	conf=$(make_conf "s-$name")
	overlay "$s" "$conf" "$TMP/s-$name/log"
	mode=
	[ -f "$s/.stdout-only" ] && mode=stdout-only
	check "scenario $name" "$conf" "$mode"
	check "scenario $name, --dp" "$conf" "$mode" --dp
done
exit $((failed > 0))

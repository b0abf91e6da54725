#!/bin/bash
# Configuration load: `fail2ban-client -d` (Debian's fail2ban 1.0.2) against
# `f2b-lite client -d` on the same directory, in one run.  Checks that both
# print the same stream, then prints the median wall time of each and the
# ratio.  Not a timed test: the figures go in the README.
#
#   bench/config_load.sh [F2B-LITE-BINARY] [RUNS]
set -eu
cd "$(dirname "$0")/.."
F2B=${1:-build/f2b-lite/f2b-lite}
RUNS=${2:-5}
tmp=$(mktemp -d /tmp/f2b-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# wall time in ms per run: the median of RUNS rounds, each timing a batch of
# runs long enough (~0.2 s) that process start-up noise averages out
median_ms() {
	local batch=1 i t0 t1 j
	t0=$(date +%s%N); "$@" > /dev/null 2>&1 || true; t1=$(date +%s%N)
	batch=$((200000000 / ((t1 - t0) + 1) + 1))
	for i in $(seq "$RUNS"); do
		t0=$(date +%s%N)
		for ((j = 0; j < batch; j++)); do "$@" > /dev/null 2>&1 || true; done
		t1=$(date +%s%N)
		echo $(((t1 - t0) / batch / 1000))
	done | sort -n | awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] / 1000 }'
}

row() {	# row LABEL CONF
	local label=$1 conf=$2 theirs ours
	if ! cmp -s <(fail2ban-client -c "$conf" -d 2>/dev/null) <("$F2B" client -c "$conf" -d 2>/dev/null); then
		echo "$label: OUTPUTS DIFFER" >&2
		exit 1
	fi
	theirs=$(median_ms fail2ban-client -c "$conf" -d)
	ours=$(median_ms "$F2B" client -c "$conf" -d)
	printf '| %-34s | %9s ms | %9s ms | %7.0fx |\n' "$label" "$theirs" "$ours" \
	    "$(echo "$theirs $ours" | awk '{ print $1 / ($2 > 0 ? $2 : 0.001) }')"
}

cp -rs /etc/fail2ban/. "$tmp/default/"
cp -rs /etc/fail2ban/. "$tmp/all/"
printf '[DEFAULT]\nenabled = true\n' > "$tmp/all/jail.local"
cp -rs /etc/fail2ban/. "$tmp/seed/"
rm -f "$tmp/seed/jail.d/defaults-debian.conf"
for f in jail.d/fu_hmail.conf filter.d/fu_hmail.conf action.d/fu_hmail.conf; do
	rm -f "$tmp/seed/$f"; cp "$f" "$tmp/seed/$f"
done

echo "configuration load, ms per run, median of $RUNS batches (outputs identical)"
echo "| configuration                      | fail2ban 1.0.2 | f2b-lite     | ratio    |"
echo "|------------------------------------|----------------|--------------|----------|"
row "Debian default (sshd)" "$tmp/default"
row "seed fu_hmail jail" "$tmp/seed"
row "all 91 stock jails enabled" "$tmp/all"

#!/bin/bash
# The main job on the shipped example: the daemon runs the seed's hMailServer
# jail (jail.d/fu_hmail.conf with filter.d/fu_hmail.conf) dropped into
# Debian's stock /etc/fail2ban, against a live replay of test-logs/fu_hmail,
# with a dry-run action (action.d/dry-run.conf) in place of the seed's ipset
# action, so no firewall is touched.  Bans and unbans are printed as they
# happen; it ends by itself after the last unban.
#
# Installs what is missing, builds f2b-lite, then assembles the example
# configuration in a temp dir (/etc/fail2ban itself is only read).
set -eu
cd "$(dirname "$0")/.."
top=$PWD
bash scripts/deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
F2B=$top/build/f2b-lite/f2b-lite

tmp=$(mktemp -d /tmp/f2b-demo.XXXXXX)
server=
shower=
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
	[ -n "$shower" ] && kill "$shower" 2>/dev/null
	rm -rf "$tmp"
	true
}
trap cleanup EXIT
conf=$tmp/fail2ban
cp -rs /etc/fail2ban/. "$conf/"			# stock files, linked, never changed
rm -f "$conf/jail.d/defaults-debian.conf"	# only the example jail is enabled
for f in jail.d/fu_hmail.conf filter.d/fu_hmail.conf action.d/fu_hmail.conf \
    action.d/dry-run.conf; do
	rm -f "$conf/$f"
	cp "$f" "$conf/$f"
done
mkdir -p "$tmp/log" "$tmp/run"
: > "$tmp/log/hmail.log"
# the seed's jail as it stands, pointed at the replayed log, with a short
# bantime so that the unbans come within the demo, and the dry-run action
cat > "$conf/jail.local" <<EOT
[DEFAULT]
dbfile = :memory:

[fu_hmail]
logpath = $tmp/log/hmail.log
bantime = 6
action = dry-run[dryrunlog=$tmp/dry-run.log]
EOT

echo "== configuration test"
"$F2B" client -c "$conf" -t
echo
echo "== f2b-lite server, the fu_hmail jail (bans and unbans as they happen)"
"$F2B" server -c "$conf" -s "$tmp/run/f2b.sock" -p "$tmp/run/f2b.pid" -f -x \
    --logtarget "$tmp/f2b.log" --loglevel INFO start > /dev/null &
server=$!
tail -n +1 -F "$tmp/f2b.log" 2>/dev/null > >(grep --line-buffered -E 'Jail|Found|Ban|Unban' |
    sed -u 's/^[0-9-]* //; s/ fail2ban\.[a-z]* *\[[0-9]*\]://') &
shower=$!
sleep 0.5
# replay the seed's sample log, stamped with the current time
while IFS= read -r line; do
	case $line in '#'*|'') continue ;; esac
	printf '%s %s\n' "$(date +'%b %e %H:%M:%S')" "${line#* * * }" >> "$tmp/log/hmail.log"
	sleep 0.1
done < test-logs/fu_hmail
# wait for the last unban
for _ in $(seq 100); do
	bans=$(grep -c '\] Ban ' "$tmp/f2b.log" || true)
	unbans=$(grep -c '\] Unban ' "$tmp/f2b.log" || true)
	[ "$bans" -gt 0 ] && [ "$bans" = "$unbans" ] && break
	sleep 0.2
done
kill "$server"
wait "$server" || true
server=
sleep 1
kill "$shower" 2>/dev/null || true
wait "$shower" 2>/dev/null || true
shower=
echo
echo "== the dry-run action's commands (what the seed's action would have run)"
cat "$tmp/dry-run.log"
echo
echo "== $bans bans, $unbans unbans"

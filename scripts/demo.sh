#!/bin/bash
# The main job on the shipped example: the seed's hMailServer jail
# (jail.d/fu_hmail.conf with filter.d/fu_hmail.conf and action.d/fu_hmail.conf)
# dropped into Debian's stock /etc/fail2ban, exactly as its admin runs it.
#
# Installs what is missing, builds f2b-lite, then shows what f2b-lite makes of
# that configuration: the test verdict (fail2ban-client -t) and the resolved
# command stream of the jail (fail2ban-client -d), beside fail2ban's own for
# comparison.  /etc/fail2ban itself is only read; the example configuration is
# assembled in a temp dir.
set -eu
cd "$(dirname "$0")/.."
top=$PWD
bash scripts/deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
F2B=$top/build/f2b-lite/f2b-lite

tmp=$(mktemp -d /tmp/f2b-demo.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
conf=$tmp/fail2ban
cp -rs /etc/fail2ban/. "$conf/"		# stock files, linked, never changed
rm -f "$conf/jail.d/defaults-debian.conf"	# only the example jail is enabled
for f in jail.d/fu_hmail.conf filter.d/fu_hmail.conf action.d/fu_hmail.conf; do
	rm -f "$conf/$f"
	cp "$f" "$conf/$f"
done
# the jail reads /var/log/hmail.log; point it at a copy of the seed's log
mkdir -p "$tmp/log"
grep -v '^#' test-logs/fu_hmail > "$tmp/log/hmail.log"
printf '[fu_hmail]\nlogpath = %s/log/hmail.log\n' "$tmp" > "$conf/jail.local"

echo "== f2b-lite client -t (configuration test)"
"$F2B" client -c "$conf" -t
echo
echo "== f2b-lite client -d (the command stream of the fu_hmail jail)"
"$F2B" client -c "$conf" --dp | sed "s|$tmp|<TMP>|g"
echo
if command -v fail2ban-client >/dev/null; then
	if cmp -s <("$F2B" client -c "$conf" -d) <(fail2ban-client -c "$conf" -d 2>/dev/null); then
		echo "== identical to fail2ban-client -d (fail2ban $(fail2ban-client -V))"
	else
		echo "== DIFFERS from fail2ban-client -d:"
		diff <(fail2ban-client -c "$conf" -d 2>/dev/null) <("$F2B" client -c "$conf" -d) || true
		exit 1
	fi
fi

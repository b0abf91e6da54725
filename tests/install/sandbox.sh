#!/bin/bash
# The sandbox of f2b-lite.service, rebuilt without systemd: run by
# install.sh inside `unshare -m -n` (a mount and a network namespace of its
# own, so no firewall command reaches the host).  It mounts what the unit's
# settings mount and starts the installed server with the unit's ExecStart
# line under the unit's capability bounding set:
#
#   ProtectSystem=strict   every mount read-only but /dev, /proc, /sys
#   ReadWritePaths=        /var/log and /run/xtables.lock writable
#   RuntimeDirectory=      /run/fail2ban writable (a fresh /run here)
#   StateDirectory=        /var/lib/fail2ban writable
#   PrivateTmp=            a /tmp of its own
#   CapabilityBoundingSet= setpriv --bounding-set
#
# The configuration (W/conf) is mounted on /etc/fail2ban, the installed
# binaries on /usr/local/bin, W/log on /var/log, W/lib on /var/lib/fail2ban.
# A failure line is appended to /var/log/sbx-auth.log (owned by nobody, mode
# 0600); what happened is written to /var/log/result as key=value lines and
# the firewall's state after the bans to /var/log/firewall.
#
#   sandbox.sh W DESTDIR CAPS EXECSTART EXECSTOP
set -u
W=$1 D=$2 CAPS=$3 EXECSTART=$4 EXECSTOP=$5
R=$W/log/result
: > "$R"
ip link set lo up
mount --make-rprivate /
mount -t tmpfs tmpfs /run
mkdir -p /run/fail2ban
touch /run/xtables.lock		# the unit's ExecStartPre
mount --bind /run/fail2ban /run/fail2ban
mount --bind /run/xtables.lock /run/xtables.lock
mount --bind "$W/log" /var/log
mkdir -p /var/lib/fail2ban
mount --bind "$W/lib" /var/lib/fail2ban
mount --bind "$W/conf" /etc/fail2ban
mount --bind "$D/usr/bin" /usr/local/bin
mount --bind "$W/tmp" /tmp
R=/var/log/result
writable=" /run/fail2ban /run/xtables.lock /var/log /var/lib/fail2ban /tmp "
awk '{ print $5 }' /proc/self/mountinfo | sort -u | while read -r mp; do
	case "$mp" in /dev | /dev/* | /proc | /proc/* | /sys | /sys/*) continue ;; esac
	case "$writable" in *" $mp "*) continue ;; esac
	mount -o remount,bind,ro "$mp" 2> /dev/null
done
if touch /etc/f2b-probe 2> /dev/null || touch /usr/f2b-probe 2> /dev/null; then
	rm -f /etc/f2b-probe /usr/f2b-probe
	echo "readonly=no" >> "$R"
else
	echo "readonly=yes" >> "$R"
fi
if touch /var/log/f2b-probe /var/lib/fail2ban/f2b-probe /run/fail2ban/f2b-probe 2> /dev/null; then
	echo "writable=yes" >> "$R"
else
	echo "writable=no" >> "$R"
fi
rm -f /var/log/f2b-probe /var/lib/fail2ban/f2b-probe /run/fail2ban/f2b-probe

start=${EXECSTART/#\/usr\/bin\//\/usr\/local\/bin\/}
stop=${EXECSTOP/#\/usr\/bin\//\/usr\/local\/bin\/}
P=(setpriv "--bounding-set=$CAPS" --inh-caps=-all --)
# shellcheck disable=SC2086	# the unit's command line, split as systemd splits it
"${P[@]}" $start > /tmp/server.out 2>&1 &
spid=$!
for _ in $(seq 100); do grep -q 'Server ready' /tmp/server.out && break; sleep 0.1; done
echo "ping=$("${P[@]}" /usr/local/bin/fail2ban-client ping 2>&1)" >> "$R"
printf '%s host sshd[123]: Invalid user bob from 192.0.2.10 port 22\n' \
    "$(date '+%b %e %H:%M:%S')" >> /var/log/sbx-auth.log
njails=$(grep -c '^\[' /etc/fail2ban/jail.local)
for _ in $(seq 100); do
	[ "$(grep -c 'Ban 192.0.2.10' /var/log/fail2ban.log)" -ge "$njails" ] && break
	sleep 0.1
done
sleep 0.3	# the last action's command
echo "bans=$(grep -c 'Ban 192.0.2.10' /var/log/fail2ban.log)" >> "$R"
{
	iptables -S 2> /dev/null
	ipset list 2> /dev/null
	nft list ruleset 2> /dev/null
	iptables-legacy -S 2> /dev/null | sed 's/^/legacy: /'
} > /var/log/firewall
# shellcheck disable=SC2086
echo "stop=$("${P[@]}" $stop 2>&1)" >> "$R"
wait "$spid"
echo "exit=$?" >> "$R"

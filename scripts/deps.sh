#!/bin/bash
# Installs what f2b-lite needs to build, test and benchmark, from Debian 12
# packages only.  Idempotent: packages already present are not touched, and
# apt-get runs only when something is missing.
#
#   build:  gcc, meson, ninja, pkg-config and the -dev packages of pcre2,
#           sqlite3, libipset and libsystemd
#   tests:  Debian's fail2ban (the reference the differential tests compare
#           against), clang with its runtime (libFuzzer, sanitizers),
#           pcre2-utils (pcre2grep, benchmarks), iproute2, iptables, ipset,
#           nftables (nft in a test's own network namespace),
#           mandoc (man page lint, install suite); systemd-container,
#           rsyslog and logrotate (the install suite's systemd_boot test boots
#           systemd in a container and runs the seed's rsyslog pipeline there)
#
# Installing fail2ban or rsyslog must not start them on this host: fail2ban's
# daemon would touch its firewall, rsyslog would take over its syslog (the
# systemd_boot test runs both inside its container only).  A temporary
# policy-rc.d keeps the services from starting during the install, and a
# service we installed is disabled afterwards.
set -eu
build_pkgs="gcc libc6-dev meson ninja-build pkg-config libpcre2-dev libsqlite3-dev
	libipset-dev libsystemd-dev"
test_pkgs="fail2ban python3 python3-pyinotify python3-systemd clang libclang-rt-14-dev pcre2-utils iproute2 iptables
	ipset nftables sqlite3 procps systemd-journal-remote mandoc systemd-container rsyslog logrotate"

missing=()
for p in $build_pkgs $test_pkgs; do
	if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all packages present"
	exit 0
fi
echo "deps: installing ${missing[*]}"
SUDO=
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null || { echo "deps: need root (or sudo) to install packages" >&2; exit 1; }
	SUDO=sudo
fi
# the packages whose service must not run here, if this run installs them
services=()
for p in fail2ban rsyslog; do
	[[ " ${missing[*]} " == *" $p "* ]] && services+=("$p")
done
policy=/usr/sbin/policy-rc.d
made_policy=no
if [ ! -e $policy ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee $policy >/dev/null
	$SUDO chmod 755 $policy
	made_policy=yes
fi
cleanup() { [ $made_policy = yes ] && $SUDO rm -f $policy; return 0; }
trap cleanup EXIT
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
if [ ${#services[@]} -gt 0 ] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
	$SUDO systemctl disable --now "${services[@]}" >/dev/null 2>&1 || true
fi
echo "deps: done"

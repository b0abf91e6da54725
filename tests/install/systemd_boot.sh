#!/bin/bash
# The unit under a real systemd (issue 12): systemd 252 booted in a container
# (systemd-nspawn) whose root is an overlay of this machine's / (upper and
# work dirs in a temp dir under /var/tmp, or on a tmpfs where overlayfs
# refuses that, so nothing the container does reaches the host's files; a
# network namespace of its own, so its iptables, ipsets and services never
# touch the host's).  Never boot systemd over the real root: its tmpfiles
# setup empties the host's temporary directories.
# Inside, as an admin would:
#
#  - Debian's fail2ban runs as the package installs it (fail2ban.service,
#    enabled), with a jail "mig" in the container's /etc/fail2ban: the stock
#    ipset action (iptables-ipset-proto6) and a test action whose actionstop
#    takes a second and then writes a line (a stop cut short leaves no line);
#    three offenders are banned;
#  - the build is installed with the README's command (meson install, run in
#    the container) and the README's sections "Migrating from Debian's
#    fail2ban" and "Rolling back" are followed as written (the commands are
#    read from README.md): the bans and their end times
#    (get mig banip --with-time) survive both ways, the ipset holds them, the
#    server that stops finishes its actions;
#  - systemctl reload, restart, stop and start of f2b-lite lose no action (no
#    "killed with signal" in the log, the slow actionstop ran to its end, the
#    set holds the bans after restart), and a new offender is banned after
#    the switch; reload and restart of fail2ban (the name is Debian's unit
#    again after the rollback) pass the same checks: what fail2ban does;
#  - issue 12 item 5: "systemctl enable --now f2b-lite" while Debian's
#    fail2ban runs and is enabled takes over (Debian's server stops first,
#    f2b-lite is the main PID, the bans are back) and warns that both are
#    enabled; no "Dependency ... dropped" on daemon-reload;
#  - the seed's pipeline (README "The seed's setup on Debian 12"): rsyslog
#    receives UDP on 127.0.0.1 and writes local7.notice to /var/log/hmail.log
#    in the traditional format, Debian's logrotate rule for rsyslog's files
#    (create, postrotate HUP); 200 offenders a second with distinct addresses,
#    two forced rotations meanwhile: every address rsyslog wrote is found and
#    banned exactly once (issue 12 item 7).
#
# Skipped, saying why, only where the container cannot be made or booted.
# Output is TAP.
#
#   systemd_boot.sh F2B-LITE-BINARY SOURCE-DIR BUILD-DIR
. "$(dirname "$0")/../system/lib.sh" "$@"
BUILD=$(readlink -f "${3:?usage: $0 F2B-LITE-BINARY SOURCE-DIR BUILD-DIR}")
need_root
# the overlay is mounted in a mount namespace of this script's own: the host
# sees an empty directory, and the mount goes with the namespace
if [ -z "${F2B_SYSTEMD_NS:-}" ]; then
	command -v unshare > /dev/null && unshare -m --propagation private true 2> /dev/null ||
	    skip_all "cannot create a mount namespace (unshare -m)"
	F2B_SYSTEMD_NS=1 exec unshare -m --propagation private "$0" "$@"
fi
for c in systemd-nspawn nsenter systemctl meson ninja ipset iptables rsyslogd logrotate python3; do
	command -v $c > /dev/null || skip_all "$c is not installed (scripts/deps.sh installs it)"
done
need_fail2ban
[ -x /usr/lib/rsyslog/rsyslog-rotate ] || skip_all "rsyslog's /usr/lib/rsyslog/rsyslog-rotate is missing"
# the README installs under /usr/local, beside Debian's package, with the
# fail2ban-* names; a build for another prefix is a packager's
read -r prefix compat < <(meson introspect "$BUILD" --buildoptions 2> /dev/null | python3 -c '
import json, sys
o = {x["name"]: x["value"] for x in json.load(sys.stdin)}
print(o.get("prefix"), o.get("compat_names"))')
[ "$prefix" = /usr/local ] && [ "$compat" = True ] ||
    skip_all "the build's prefix is '$prefix', compat_names '$compat': the README's migration is for the default /usr/local install with the fail2ban-* names"

NAME=f2b-systemd-$$
T0=$(now_us)
phase() {	# phase WHAT: a note with the time since the start
	local d=$(( ($(now_us) - T0) / 100000 ))
	note "at $((d / 10)).$((d % 10)) s: $*"
}
NSPAWN=
INIT=
CGROUPS=()	# the cgroups made for the container (cgroup_dirs)
T=$(mktemp -d /var/tmp/f2b-systemd.XXXXXX)
chmod 755 "$T"
R=$T/root
# the container's end: poweroff (wait for nspawn to exit), then the overlay
container_down() {
	local i
	if [ -n "$NSPAWN" ] && kill -0 "$NSPAWN" 2> /dev/null; then
		# systemctl poweroff, or nspawn's own way (SIGTERM: it asks the
		# container's systemd to halt)
		[ -n "$INIT" ] && timeout 20 nsenter -t "$INIT" -a systemctl poweroff > /dev/null 2>&1 ||
		    kill -TERM "$NSPAWN"
		for i in $(seq 300); do kill -0 "$NSPAWN" 2> /dev/null || break; sleep 0.1; done
		if kill -0 "$NSPAWN" 2> /dev/null; then
			echo "# the container did not power off in 30 s: killed"
			kill -KILL "$NSPAWN"
		fi
		wait "$NSPAWN" 2> /dev/null
	fi
	# its init outlives a killed nspawn: killing it ends its PID namespace
	[ -n "$INIT" ] && [ "$(cat "/proc/$INIT/comm" 2> /dev/null)" = systemd ] && kill -KILL "$INIT"
	NSPAWN=
	INIT=
	rmdir "/run/systemd/nspawn/propagate/$NAME" 2> /dev/null
	for i in "${CGROUPS[@]}"; do find "$i" -depth -type d -exec rmdir {} + 2> /dev/null; done
	for i in "$R" "$T/tmpfs"; do
		mountpoint -q "$i" && { umount "$i" 2> /dev/null || umount -l "$i"; }
	done
	# never remove the temp dir through a mounted overlay
	mountpoint -q "$R" && { echo "# $R still mounted: $T left behind"; T=; }
}
trap 'container_down; cleanup' EXIT
trap 'exit 130' INT TERM

# ---- the container ------------------------------------------------------------------
# The upper dir under /var/tmp; where overlayfs refuses it (a / that is
# itself an overlay, as in a container), on a tmpfs of our mount namespace
mkdir -p "$R" "$T/tmpfs"
UP=	# where the upper dirs are
overlay_root() {	# overlay_root DIR: the overlay of / on $R, upper and work dirs in DIR
	mkdir -p "$1/upper" "$1/work" &&
	    mount -t overlay overlay -o "lowerdir=/,upperdir=$1/upper,workdir=$1/work" "$R" 2>> "$T/mount.err" &&
	    UP=$1
}
if ! overlay_root "$T"; then
	mount -t tmpfs -o size=1G,mode=755 f2b-systemd "$T/tmpfs" && overlay_root "$T/tmpfs" ||
	    skip_all "cannot mount an overlay of / with its upper dir in $T or on a tmpfs: $(tr '\n' ' ' < "$T/mount.err")"
	note "the overlay's upper dir is on a tmpfs: $(tr '\n' ' ' < "$T/mount.err")"
fi

# A Debian 12 with fail2ban as its package leaves it: enabled, no f2b-lite
# (nothing of a host install), no state of the host's own fail2ban
rm -rf "$R"/usr/local/bin/{f2b-lite,fail2ban-server,fail2ban-client,fail2ban-regex} \
    "$R/usr/local/share/f2b-lite" "$R"/usr/local/lib/systemd/system/f2b-lite.service* \
    "$R"/etc/systemd/system/f2b-lite.service* "$R"/etc/systemd/system/*.wants/f2b-lite.service \
    "$R/etc/systemd/system/fail2ban.service" "$R"/var/lib/fail2ban/* "$R"/var/log/fail2ban.log* \
    "$R"/var/log/hmail.log* "$R/etc/fail2ban/jail.d/fu_hmail.conf"
systemctl --root="$R" unmask fail2ban.service rsyslog.service > /dev/null 2>&1
systemctl --root="$R" enable fail2ban.service rsyslog.service > "$T/enable.out" 2>&1 ||
    skip_all "systemctl --root enable fail2ban rsyslog in the overlay: $(tail -n 3 "$T/enable.out")"
# no timer (logrotate, apt...) fires during the test; what is booted is the
# basic system, rsyslog and Debian's fail2ban (f2b-test.target), not the
# services this host happens to enable
systemctl --root="$R" mask timers.target > /dev/null 2>&1
put "$R/etc/systemd/system/f2b-test.target" <<'EOF'
[Unit]
Description=f2b-lite systemd test: the basic system, rsyslog, Debian's fail2ban
Requires=basic.target
After=basic.target
Wants=rsyslog.service fail2ban.service
AllowIsolate=yes
EOF
# logs a Debian host has: sshd's jail (defaults-debian.conf) reads auth.log
for f in auth.log f2b-test.log; do
	[ -e "$R/var/log/$f" ] || { : > "$R/var/log/$f"; chgrp adm "$R/var/log/$f" 2> /dev/null; chmod 640 "$R/var/log/$f"; }
done
: > "$R/var/log/f2b-test.log"
: > "$R/var/log/f2b-test-actions.log"

# The jail "mig": the stock ipset action and the slow-stopping test action
failure_filter "$R/etc/fail2ban/filter.d/f2b-test.conf"
put "$R/etc/fail2ban/action.d/f2b-test-slow.conf" <<'EOF'
# a test action: its stop takes a second, then leaves a line (a stop killed
# half way leaves none)
[Definition]
actionstart = echo "start <name>" >> /var/log/f2b-test-actions.log
actionstop = sleep 1 && echo "stop <name> done" >> /var/log/f2b-test-actions.log
actionban = echo "ban <ip>" >> /var/log/f2b-test-actions.log
actionunban = echo "unban <ip>" >> /var/log/f2b-test-actions.log
EOF
put "$R/etc/fail2ban/jail.d/f2b-test.conf" <<'EOF'
[mig]
enabled = true
filter = f2b-test
logpath = /var/log/f2b-test.log
maxretry = 1
findtime = 1h
bantime = 1h
banaction = iptables-ipset-proto6
action = %(action_)s
         f2b-test-slow
EOF

# The seed's router, as the README's seed section sets it up
readme_block() {	# readme_block FILE: the README's code block headed "# FILE"
	awk -v f="$1" '
	on && (/^$/ || /^    # \//) { exit }
	on { print substr($0, 5); next }
	$0 == "    # " f { on = 1 }' "$SRC/README.md"
}
readme_block /etc/rsyslog.d/hmail.conf | put "$R/etc/rsyslog.d/hmail.conf"
readme_block /etc/logrotate.d/hmail | put "$R/etc/logrotate.d/hmail"

# the source and build trees: overlays of their own in the container (the
# in-container meson install writes its log there, not into this build)
mkdir -p "$UP/ov/src" "$UP/ov/build"
ovl=("--overlay=$SRC:$UP/ov/src:$SRC")
case $BUILD/ in "$SRC"/*) ;; *) ovl+=("--overlay=$BUILD:$UP/ov/build:$BUILD") ;; esac
# With --keep-unit, nspawn puts the container's cgroups ("payload") below
# its own; two containers in one cgroup see each other's processes, and their
# systemd fails to signal its units (EIO): the container gets a cgroup of its
# own under ours, in the cgroup2 hierarchy and in systemd's named v1 one
cgroup_dirs() {	# the directories of a new cgroup NAME below this process's
	awk '{ for (i = 7; $i != "-"; i++); print $5, $(i + 1), $(i + 3) }' /proc/self/mountinfo |
	while read -r mnt fs opts; do
		case $fs,$opts, in
		cgroup2,*) sed -n "s|^0::\(.*\)|$mnt\1/$NAME|p" /proc/self/cgroup ;;
		cgroup,*,name=systemd,*) sed -n "s|^[0-9]*:name=systemd:\(.*\)|$mnt\1/$NAME|p" /proc/self/cgroup ;;
		esac
	done | sed 's|//*|/|g'
}
mapfile -t CGROUPS < <(cgroup_dirs)
UUID=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
t_boot=$(now_us)
(
	for d in "${CGROUPS[@]}"; do
		mkdir "$d" && echo $BASHPID > "$d/cgroup.procs" || { echo "cannot make the cgroup $d"; exit 125; }
	done
	exec systemd-nspawn -D "$R" --private-network --register=no --keep-unit -M "$NAME" --uuid="$UUID" \
	    --console=pipe "${ovl[@]}" -b systemd.unit=f2b-test.target
) < /dev/null > "$T/nspawn.out" 2>&1 &
NSPAWN=$!
# its init: the child of nspawn named systemd
init_pid() {
	local p
	for p in $(ps -o pid= --ppid "$NSPAWN" 2> /dev/null); do
		[ "$(cat "/proc/$p/comm" 2> /dev/null)" = systemd ] && { INIT=$p; return 0; }
	done
	kill -0 "$NSPAWN" 2> /dev/null || return 0	# gone: stop waiting
	return 1
}
wait_until 30 init_pid
[ -n "$INIT" ] || skip_all "systemd-nspawn did not start systemd in the container: $(tail -n 5 "$T/nspawn.out" | tr '\n' ' ')"
CPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
cexec() { nsenter -t "$INIT" -a env -i PATH=$CPATH HOME=/root LANG=C.UTF-8 TERM=dumb "$@"; }
csh() { cexec /bin/bash -c "cd /root; $1"; }	# a root shell in the container
# booted: its manager answers (once its socket exists) and the boot's jobs are done
booted() {
	state=$(timeout 60 nsenter -t "$INIT" -a systemctl is-system-running --wait 2>&1)
	case $state in
	running | degraded) return 0 ;;
	*"Failed to connect to bus"*) kill -0 "$NSPAWN" 2> /dev/null || return 0 ;;	# not yet
	*) return 0 ;;
	esac
	return 1
}
wait_until 90 booted
case $state in
running | degraded) ;;
*) skip_all "systemd in the container did not boot ($state): $(tail -n 5 "$T/nspawn.out" | tr '\n' ' ')" ;;
esac
note "container booted in $(( ($(now_us) - t_boot) / 1000 )) ms ($state)"
[ "$state" = running ] || note "failed units: $(cexec systemctl --failed --plain --no-legend | tr '\n' ' ')"

# ---- helpers -------------------------------------------------------------------------
F2BLOG=$R/var/log/fail2ban.log
ACTLOG=$R/var/log/f2b-test-actions.log
stops() { grep -c '^stop mig done$' "$ACTLOG"; }
# mark: where a step starts (the log's length, the slow actionstops so far,
# the journal's cursor)
mark() {
	M_LOG=$(wc -l < "$F2BLOG")
	M_STOPS=$(stops)
	M_CUR=$(cexec journalctl -q -n 0 --show-cursor | sed -n 's/^-- cursor: //p')
}
killed() { tail -n +$((M_LOG + 1)) "$F2BLOG" | grep -a 'killed with signal'; }
journal() { cexec journalctl --no-pager -o short-precise --after-cursor="$M_CUR" "$@"; }
# stop_first WHAT STOPPED STARTED: since the mark, systemd finished stopping
# STOPPED before it began starting STARTED
stop_first() {
	local order
	# "Starting" (Type=notify) or only "Started" (Type=simple)
	order=$(journal -o cat | grep -oE "^(Stopped $2|Start(ing|ed) $3)\.service" |
	    sed 's/^Started/Starting/' | uniq | tr '\n' ',')
	if [ "$order" = "Stopped $2.service,Starting $3.service," ]; then
		ok "$1: $2 stopped, then $3 started"
	else
		nok "$1: $2 stopped, then $3 started" "order: $order"
	fi
}
members() { cexec ipset list "$1" 2> /dev/null | sed '1,/^Members:/d' | awk 'NF { print $1 }' | sort; }
banip() { csh "fail2ban-client get mig banip --with-time" 2>&1 | sort; }
mainpid_exe() {	# the executable of UNIT's main process
	local pid
	pid=$(cexec systemctl show -P MainPID "$1")
	[ "${pid:-0}" != 0 ] && cexec readlink "/proc/$pid/exe"
}
active() { [ "$(cexec systemctl is-active "$1")" = "$2" ]; }
offend() { csh "echo '$(syslog_now) host app[1]: failure from $1' >> /var/log/f2b-test.log"; }
in_set() { [ "$(members "$1" | grep -cxF "$2")" = 1 ]; }
# same_bans WHAT EXPECTED: get mig banip --with-time answers EXPECTED and
# the set holds those addresses (the restored bans' actions run after the
# start: waited for, 20 s at most)
bans_are() {
	got=$(banip)
	set=$(members f2b-mig)
	[ "$got" = "$1" ] && [ "$set" = "$(awk '{ print $1 }' <<< "$1" | sort)" ]
}
same_bans() {
	local got set
	if wait_until 20 bans_are "$2"; then
		ok "$1: the bans and their end times as before, the set f2b-mig holds them"
	else
		nok "$1: the bans and their end times as before, the set f2b-mig holds them" \
		    "expected:" "$2" "got:" "$got" "set f2b-mig:" "$set"
	fi
}
# no_kill WHAT N: since the mark, the slow actionstop ran N times to its
# end, and no action was killed
no_kill() {
	local s
	s=$(stops)
	if [ "$s" = $((M_STOPS + $2)) ] && [ -z "$(killed)" ]; then
		ok "$1: no action lost (actionstop ran to its end $2 time(s), nothing killed)"
	else
		nok "$1: no action lost (actionstop ran to its end $2 time(s), nothing killed)" \
		    "slow actionstop finished $((s - M_STOPS)) time(s)" "$(killed | head -n 5)" \
		    "$(journal -u f2b-lite -u fail2ban | tail -n 15)"
	fi
}
no_dropped() {	# no_dropped WHAT: systemd has logged no "Dependency ... dropped" since the boot
	local d
	d=$(cexec journalctl -b --no-pager -o cat | grep 'Dependency .* is dropped')
	if [ -z "$d" ]; then ok "$1: no 'Dependency ... dropped' from systemd"
	else nok "$1: no 'Dependency ... dropped' from systemd" "$d"; fi
}
# readme_section TITLE: that section of README.md
readme_section() {
	awk -v s="$1" '$0 ~ "^#+ " s "$" { on = 1; next } on && /^#/ { exit } on' "$SRC/README.md"
}
# readme_sudo: the command lines of a section (on stdin) an admin types
# ("    sudo ..."), as root: no sudo, no comment, the build directory the
# README calls "build" is this build
readme_sudo() {
	local l
	sed -n 's/^  *sudo //p' | while read -r l; do
		l=${l%%#*}
		l="${l//sudo /} "
		l=${l//-C build /-C $BUILD }
		l=${l%"${l##*[! ]}"}
		[ -n "$l" ] && printf '%s\n' "$l"
	done
}
readme_run() {	# readme_run WHAT COMMAND: run a README command line in the container
	local out
	out=$(csh "$2" 2>&1)
	local rc=$?
	if [ $rc = 0 ]; then ok "$1: $2"; else nok "$1: $2" "exit $rc" "$out"; fi
	return $rc
}

if grep -q '^module(load="imudp")' "$R/etc/rsyslog.d/hmail.conf" &&
    grep -q 'RSYSLOG_TraditionalFileFormat' "$R/etc/rsyslog.d/hmail.conf" &&
    grep -q 'rsyslog-rotate' "$R/etc/logrotate.d/hmail"; then
	ok "README: the seed section's rsyslog and logrotate files (imudp, traditional format, HUP)"
else
	nok "README: the seed section's rsyslog and logrotate files (imudp, traditional format, HUP)" \
	    "$(cat "$R/etc/rsyslog.d/hmail.conf" "$R/etc/logrotate.d/hmail")"
fi

# ---- Debian's fail2ban, as the package runs it ------------------------------------------
phase "Debian's fail2ban"
wait_until 30 csh '/usr/bin/fail2ban-client status mig > /dev/null 2>&1'
if [ "$(cexec systemctl is-enabled fail2ban)" = enabled ] && active fail2ban.service active &&
    [[ $(mainpid_exe fail2ban) == */python3* ]]; then
	ok "Debian's fail2ban.service, enabled, started at boot with the jail mig"
else
	nok "Debian's fail2ban.service, enabled, started at boot with the jail mig" \
	    "$(cexec systemctl status fail2ban --no-pager -n 20)"
fi
for i in 1 2 3; do offend 192.0.2.$i; done
ban3() { [ "$(members f2b-mig | wc -l)" = 3 ] && [ "$(grep -c '^ban ' "$ACTLOG")" = 3 ]; }
wait_until 20 ban3
BANS=$(csh '/usr/bin/fail2ban-client get mig banip --with-time' 2>&1 | sort)
if [ "$(members f2b-mig | tr '\n' ' ')" = "192.0.2.1 192.0.2.2 192.0.2.3 " ] &&
    [ "$(wc -l <<< "$BANS")" = 3 ] && grep -q ' = ' <<< "$BANS"; then
	ok "Debian's fail2ban banned 3 offenders: the set f2b-mig holds them"
else
	nok "Debian's fail2ban banned 3 offenders: the set f2b-mig holds them" "$BANS" "$(members f2b-mig)"
fi
note "bans: $(tr '\n\t' ' ' <<< "$BANS")"

# ---- the README's install and migration, as written ------------------------------------------
phase "install and migration"
inst=$(readme_section Installing | readme_sudo | grep '^meson install')
if [ -n "$inst" ]; then
	readme_run "README Installing" "$inst > /dev/null"
else
	nok "README Installing: sudo meson install -C build" "$(readme_section Installing)"
fi
check "the installed /usr/local/bin/f2b-lite is the build's binary" cmp -s "$R/usr/local/bin/f2b-lite" "$F2B"
mig=$(readme_section "Migrating from Debian's fail2ban")
# step 1: the checks
if grep -qF '`f2b-lite client -t`' <<< "$mig"; then
	readme_run "README migration step 1" "f2b-lite client -t"
else
	nok "README migration step 1: f2b-lite client -t" "$mig"
fi
out=$(csh "diff <(/usr/bin/fail2ban-client -d) <(f2b-lite client -d)" 2> /dev/null)
rc=$?
if grep -qF 'diff <(/usr/bin/fail2ban-client -d) <(f2b-lite client -d)' <<< "$mig" && [ $rc = 0 ] && [ -z "$out" ]; then
	ok "README migration step 1: diff <(/usr/bin/fail2ban-client -d) <(f2b-lite client -d) prints nothing"
else
	nok "README migration step 1: diff <(/usr/bin/fail2ban-client -d) <(f2b-lite client -d) prints nothing" \
	    "$(head -n 20 <<< "$out")"
fi
# the switch (the section's one command line), then the status
switch=$(readme_sudo <<< "$mig")
mark
if [ "$(wc -l <<< "$switch")" = 1 ] && [ -n "$switch" ]; then
	readme_run "README migration: the switch" "$switch"
else
	nok "README migration: the switch is one command line" "$mig"
fi
exe=$(mainpid_exe f2b-lite)
if active f2b-lite.service active && active fail2ban.service inactive && [ "$exe" = /usr/local/bin/f2b-lite ] &&
    [ "$(cexec systemctl is-enabled fail2ban)" = disabled ] && [ "$(cexec systemctl is-enabled f2b-lite)" = enabled ]; then
	ok "after the switch: f2b-lite.service runs /usr/local/bin/f2b-lite, enabled; fail2ban.service stopped, disabled"
else
	nok "after the switch: f2b-lite.service runs /usr/local/bin/f2b-lite, enabled; fail2ban.service stopped, disabled" \
	    "main PID exe: $exe" "$(cexec systemctl status f2b-lite fail2ban --no-pager -n 10)"
fi
no_kill "the switch (Debian's server stopped by the conflict)" 1
stop_first "the switch" fail2ban f2b-lite
if journal -u f2b-lite | grep -qF 'enabled as well'; then
	nok "the switch: no warning about fail2ban.service (disabled)" "$(journal -u f2b-lite)"
else
	ok "the switch: no warning about fail2ban.service (disabled)"
fi
readme_run "README migration: the status" "hash -r; fail2ban-client status > /dev/null"
if grep -qF '`fail2ban-client get JAIL banip --with-time`' <<< "$mig"; then
	same_bans "README migration: get mig banip --with-time" "$BANS"
else
	nok "README migration: the bans' ends shown with get JAIL banip --with-time" "$mig"
fi
no_dropped "the switch"

# ---- f2b-lite under systemd: a new offender, reload, restart, stop, start -------------------------
phase "reload, restart, stop"
offend 192.0.2.4
wait_until 10 in_set f2b-mig 192.0.2.4
check "a new offender is banned by f2b-lite after the switch (192.0.2.4 in f2b-mig)" [ $? = 0 ]
BANS=$(banip)
pid0=$(cexec systemctl show -P MainPID f2b-lite)
mark
readme_run "systemctl reload f2b-lite" "systemctl reload f2b-lite"
if active f2b-lite.service active && [ "$(cexec systemctl show -P MainPID f2b-lite)" = "$pid0" ]; then
	ok "reload: the same f2b-lite process runs on"
else
	nok "reload: the same f2b-lite process runs on" "$(cexec systemctl status f2b-lite --no-pager -n 10)"
fi
no_kill "reload (an unchanged configuration runs no actionstop)" 0
same_bans "reload" "$BANS"
for op in restart stop; do
	mark
	readme_run "systemctl $op f2b-lite" "systemctl $op f2b-lite"
	no_kill "$op" 1
	if [ $op = stop ]; then
		if active f2b-lite.service inactive && ! cexec ipset list f2b-mig > /dev/null 2>&1; then
			ok "stop: f2b-lite stopped, its actionstop removed the set f2b-mig"
		else
			nok "stop: f2b-lite stopped, its actionstop removed the set f2b-mig" "$(members f2b-mig)" \
			    "$(cexec systemctl status f2b-lite --no-pager -n 10)"
		fi
		readme_run "systemctl start f2b-lite" "systemctl start f2b-lite"
	fi
	same_bans "$op" "$BANS"
done

# ---- the README's rollback, as written ----------------------------------------------------
phase "rollback"
back=$(readme_section "Rolling back")
mark
nback=0
while read -r cmd; do
	readme_run "README rollback" "$cmd"
	nback=$((nback + 1))
done < <(readme_sudo <<< "$back")
exe=$(mainpid_exe fail2ban)
if [ "$nback" -ge 2 ] && active fail2ban.service active && active f2b-lite.service inactive &&
    [[ $exe == */python3* ]] && [ ! -e "$R/usr/local/bin/f2b-lite" ] &&
    [ "$(csh 'hash -r; command -v fail2ban-client')" = /usr/bin/fail2ban-client ]; then
	ok "after the rollback: Debian's fail2ban runs ($exe), f2b-lite stopped and uninstalled"
else
	nok "after the rollback: Debian's fail2ban runs ($exe), f2b-lite stopped and uninstalled" \
	    "$back" "$(cexec systemctl status f2b-lite fail2ban --no-pager -n 10)"
fi
no_kill "the rollback (f2b-lite stopped by the conflict)" 1
stop_first "the rollback" f2b-lite fail2ban
same_bans "rollback (Debian's fail2ban restored them)" "$BANS"
# the other name: Debian's own unit, the same checks (what fail2ban does)
for op in reload restart; do
	mark
	readme_run "Debian's fail2ban: systemctl $op fail2ban" "systemctl $op fail2ban"
	no_kill "Debian's fail2ban, $op" $([ $op = reload ] && echo 0 || echo 1)
	same_bans "Debian's fail2ban, $op" "$BANS"
done

# ---- item 5: enable --now f2b-lite while Debian's fail2ban runs, enabled ---------------------------
phase "item 5"
readme_run "install again" "$inst > /dev/null"
mark
readme_run "issue 12 item 5" "systemctl enable --now f2b-lite"
exe=$(mainpid_exe f2b-lite)
if active f2b-lite.service active && active fail2ban.service inactive && [ "$exe" = /usr/local/bin/f2b-lite ]; then
	ok "enable --now f2b-lite takes over: Debian's server stopped first, f2b-lite's is the main PID"
else
	nok "enable --now f2b-lite takes over: Debian's server stopped first, f2b-lite's is the main PID" \
	    "main PID exe: $exe" "$(cexec systemctl status f2b-lite fail2ban --no-pager -n 10)"
fi
no_kill "enable --now f2b-lite (Debian's server stopped by the conflict)" 1
stop_first "enable --now f2b-lite" fail2ban f2b-lite
same_bans "enable --now f2b-lite" "$BANS"
warn=$(journal -o cat -u f2b-lite | grep -F 'fail2ban.service is enabled as well')
status=$(cexec systemctl status f2b-lite --no-pager -n 20)
if [ -n "$warn" ] && grep -qF 'Run: systemctl disable fail2ban' <<< "$status"; then
	ok "f2b-lite's status warns that Debian's fail2ban.service is still enabled, and what to do"
else
	nok "f2b-lite's status warns that Debian's fail2ban.service is still enabled, and what to do" "$status"
fi
cexec systemctl daemon-reload
no_dropped "daemon-reload with both units enabled"
cexec systemctl disable -q fail2ban

# ---- the seed's pipeline: rsyslog, logrotate, 200 offenders/s, two rotations ----------------------
phase "the seed's pipeline"
HLOG=$R/var/log/hmail.log
seed=$(readme_section "The seed's setup on Debian 12")
# received: a benign line sent over UDP (again, until rsyslog has written it)
received() {
	has "$HLOG" "$1" && return 0
	csh "logger -n 127.0.0.1 -P 514 -d -p local7.notice -t '\"TCPIP\"' '$1'"
	return 1
}
# the benign line that makes rsyslog create the file, then the jail
wait_until 10 received 'first line'
check "rsyslog writes UDP local7.notice to /var/log/hmail.log (traditional format)" \
    grep -qE '^[A-Z][a-z]{2} [ 123][0-9] [0-9:]{8} [^ ]+ "TCPIP".*first line' "$HLOG"
nseed=0
while read -r cmd; do
	readme_run "README seed section" "cd '$SRC' && $cmd"
	nseed=$((nseed + 1))
done < <(readme_sudo <<< "$seed")
wait_until 10 csh 'fail2ban-client status fu_hmail > /dev/null 2>&1'
check "README seed section: $nseed commands, the jail fu_hmail runs" [ $? = 0 -a $nseed -ge 3 ]
# the restarted rsyslog listens again before the stream starts
wait_until 10 received 'listening again'

N=1200
RATE=200
put "$R/root/f2b-gen.py" <<'EOF'
# N offending lines at RATE a second, each from its own address, sent as the
# seed's NXLog sends them (BSD syslog over UDP, local7.notice, tabs);
# logrotate -f at the line numbers given, without stopping the stream
import socket, subprocess, sys, time
n, rate = int(sys.argv[1]), float(sys.argv[2])
rot = [int(x) for x in sys.argv[3].split(",")]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
t0 = time.monotonic()
procs = []
for i in range(n):
    if i in rot:
        procs.append(subprocess.Popen(["logrotate", "-f", "/etc/logrotate.d/hmail"]))
    d = t0 + i / rate - time.monotonic()
    if d > 0:
        time.sleep(d)
    ip = "198.18.%d.%d" % (i // 250, i % 250 + 1)
    now = time.time()
    lt = time.localtime(now)
    msg = '<189>%s mail "SMTPD"\t%d\t%d\t"%s.%03d"\t"%s"\t"SENT: 503 Bad sequence of commands"' % (
        time.strftime("%b %e %H:%M:%S", lt), 2096, 10000 + i,
        time.strftime("%Y-%m-%d %H:%M:%S", lt), int(now * 1000) % 1000, ip)
    s.sendto(msg.encode(), ("127.0.0.1", 514))
print("sent %d in %.2f s, logrotate exit %s" % (n, time.monotonic() - t0, [p.wait() for p in procs]))
EOF
t_gen=$(now_us)
gen=$(cexec python3 /root/f2b-gen.py $N $RATE $((N / 3)),$((2 * N / 3)) 2>&1)
note "$gen"
# what rsyslog wrote, over the three files
written() {
	zcat -f "$HLOG.2.gz" "$HLOG.1" "$HLOG" 2> /dev/null | grep -o '"198\.18\.[0-9]*\.[0-9]*"' | tr -d '"' | sort -u
}
all_written() { [ "$(written | wc -l)" = $N ]; }
wait_until 10 all_written
nw=$(written | wc -l)
if [ -e "$HLOG.1" ] && [ -e "$HLOG.2.gz" ] && [ "$nw" = $N ] && grep -q 'logrotate exit \[0, 0\]' <<< "$gen"; then
	ok "rsyslog wrote all $N lines across two rotations (hmail.log.2.gz, hmail.log.1, hmail.log)"
else
	nok "rsyslog wrote all $N lines across two rotations" "$gen" "written: $nw" "$(ls -l "$R/var/log/" | grep hmail)"
fi
nbans() { grep -c '\[fu_hmail\] Ban 198\.18\.' "$F2BLOG"; }
all_banned() { [ "$(nbans)" -ge "$nw" ]; }
wait_until 30 all_banned
note "pipeline: $N lines in $(( ($(now_us) - t_gen) / 1000 )) ms to the last ban; $(nbans) bans"
written > "$T/written"
sed -n 's/.*\[fu_hmail\] Found \(198\.18\.[0-9.]*\) .*/\1/p' "$F2BLOG" | sort | uniq -c > "$T/found"
sed -n 's/.*\[fu_hmail\] Ban \(198\.18\.[0-9.]*\)$/\1/p' "$F2BLOG" | sort | uniq -c > "$T/banned"
for what in found banned; do
	missing=$(awk '{ print $2 }' "$T/$what" | comm -23 "$T/written" -)
	twice=$(awk '$1 != 1' "$T/$what")
	if [ -z "$missing" ] && [ -z "$twice" ]; then
		ok "every address rsyslog wrote is $what exactly once ($nw)"
	else
		nok "every address rsyslog wrote is $what exactly once ($nw)" \
		    "not $what: $(wc -w <<< "$missing"): $(head -c 600 <<< "$missing" | tr '\n' ' ')" \
		    "more than once: $(head -c 600 <<< "$twice" | tr '\n' ' ')"
	fi
done
inset=$(members hmailblock | comm -12 "$T/written" - | wc -l)
check "the set hmailblock holds every one of them ($inset of $nw)" [ "$inset" = "$nw" ]
errs=$(grep -aE 'ERROR|CRITICAL' "$F2BLOG")
if [ -z "$errs" ]; then
	ok "no ERROR in /var/log/fail2ban.log (both servers, the whole test)"
else
	# the first one in the name too: CI's summary shows only the names
	nok "no ERROR in /var/log/fail2ban.log (both servers, the whole test): $(head -n 1 <<< "$errs" | cut -c1-300)" \
	    "$(head -n 10 <<< "$errs")"
fi
# f2b-lite's stderr (an ASan build's reports) went to the journal
san=$(cexec journalctl -b --no-pager -o cat -u f2b-lite | grep -E 'Sanitizer|runtime error')
if [ -z "$san" ]; then
	ok "no sanitizer report in f2b-lite.service's journal"
else
	nok "no sanitizer report in f2b-lite.service's journal" "$(head -n 20 <<< "$san")"
fi

t_down=$(now_us)
container_down
note "poweroff and unmount: $(( ($(now_us) - t_down) / 1000 )) ms"
echo "1..$n"
finish

#!/bin/bash
# Install test (issue 7): a fresh build with --prefix=/usr installed into a
# temporary DESTDIR must hold the binary, the fail2ban-* links, our example
# filter.d/ action.d/ jail.d/ files, the man pages and the systemd unit, and
# nothing under /etc.  The installed unit must pass systemd-analyze verify,
# and the server started with the unit's own ExecStart line (paths moved into
# DESTDIR, a temporary configuration, socket, pid file and log added) must
# tell a notify socket READY=1, answer the installed client's ping, and stop
# through the unit's ExecStop line.  The installed man pages must render with
# man -l and pass groff -ww and mandoc -T lint without a word.  The build
# options that change what is installed (default prefix, compat_names=false,
# systemdunitdir=no) are checked on their install plans.  Output is TAP.
#
#   install.sh SOURCE-DIR
set -u
SRC=$(realpath "${1:?usage: install.sh SOURCE-DIR}")
T=$(mktemp -d /tmp/f2b-install.XXXXXX)
D=$T/root
server_pid=
notify_pid=
cleanup() {
	[ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null
	[ -n "$notify_pid" ] && kill "$notify_pid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
check() {	# check DESCRIPTION COMMAND...: ok when the command succeeds
	local what=$1
	shift
	if "$@" > "$T/check.out" 2>&1; then ok "$what"; else nok "$what" "$(head -c 2000 "$T/check.out")"; fi
}

# ---- build and install --------------------------------------------------------
# Only what is installed is built (the unit tests and tools are not needed)
installed_targets() {
	meson introspect "$T/build" --targets | python3 -c '
import json, os, sys
b = sys.argv[1]
print(" ".join(os.path.relpath(f, b) for t in json.load(sys.stdin)
               if t.get("installed") for f in t["filename"]))' "$T/build"
}
targets=()
if meson setup "$T/build" "$SRC" --prefix=/usr > "$T/setup.log" 2>&1 &&
    read -r -a targets <<< "$(installed_targets)" && [ ${#targets[@]} -gt 0 ] &&
    ninja -C "$T/build" "${targets[@]}" > "$T/ninja.log" 2>&1 &&
    DESTDIR=$D meson install -C "$T/build" --no-rebuild > "$T/install.log" 2>&1; then
	ok "meson setup --prefix=/usr, ninja, DESTDIR=... meson install"
else
	nok "meson setup --prefix=/usr, ninja, DESTDIR=... meson install" \
	    "$(tail -n 20 "$T/setup.log" "$T/ninja.log" "$T/install.log" 2>/dev/null)"
	echo "1..$n"
	exit 1
fi

# ---- the installed files ---------------------------------------------------------
check "binary installed: usr/bin/f2b-lite" test -x "$D/usr/bin/f2b-lite" -a ! -L "$D/usr/bin/f2b-lite"
for name in fail2ban-server fail2ban-client fail2ban-regex; do
	check "link usr/bin/$name -> f2b-lite" \
	    test -L "$D/usr/bin/$name" -a "$(readlink "$D/usr/bin/$name" 2>/dev/null)" = f2b-lite
done
for d in filter.d action.d jail.d; do
	missing=()
	for f in "$SRC/$d"/*; do
		cmp -s "$f" "$D/usr/share/f2b-lite/$d/$(basename "$f")" || missing+=("$(basename "$f")")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		ok "usr/share/f2b-lite/$d holds our $d files"
	else
		nok "usr/share/f2b-lite/$d holds our $d files" "missing or different: ${missing[*]}"
	fi
done
pages=(usr/share/man/man8/f2b-lite.8 usr/share/man/man1/f2b-lite-regex.1
       usr/share/man/man7/f2b-lite-extras.7)
for p in "${pages[@]}"; do
	check "man page installed: $p" test -s "$D/$p"
done
UNIT=$D/usr/lib/systemd/system/f2b-lite.service
check "unit installed: usr/lib/systemd/system/f2b-lite.service" test -s "$UNIT"
outside=$(cd "$D" && find . -mindepth 1 \( -path ./usr -o -path './usr/*' \) -prune -o -print)
if [ -z "$outside" ] && [ ! -e "$D/etc" ]; then
	ok "nothing installed outside usr/ (nothing under /etc/fail2ban)"
else
	nok "nothing installed outside usr/ (nothing under /etc/fail2ban)" "$outside"
fi

# ---- the unit ------------------------------------------------------------------------
# The unit's command lines, paths of the installation moved into DESTDIR
unit_line() { sed -n "s/^$1=//p" "$UNIT" | head -n 1; }
EXECSTART=$(unit_line ExecStart)
EXECSTOP=$(unit_line ExecStop)
EXECRELOAD=$(unit_line ExecReload)
if [ "$EXECSTART" = "/usr/bin/fail2ban-server -xf start" ] &&
    [ "$EXECSTOP" = "/usr/bin/fail2ban-client stop" ] &&
    [ "$EXECRELOAD" = "/usr/bin/fail2ban-client reload" ] &&
    grep -qx 'Type=notify' "$UNIT" && ! grep -q '@[A-Z]*@' "$UNIT"; then
	ok "unit: Type=notify, ExecStart/ExecStop/ExecReload with the installed paths"
else
	nok "unit: Type=notify, ExecStart/ExecStop/ExecReload with the installed paths" \
	    "ExecStart=$EXECSTART" "ExecStop=$EXECSTOP" "ExecReload=$EXECRELOAD" \
	    "$(grep -n '@[A-Z]*@\|^Type=' "$UNIT")"
fi
if command -v systemd-analyze > /dev/null; then
	# a copy whose commands point into DESTDIR (verify checks they exist);
	# the man pages of Documentation= are looked up in DESTDIR too
	mkdir -p "$T/unit"
	sed "s|/usr/bin/|$D/usr/bin/|g" "$UNIT" > "$T/unit/f2b-lite.service"
	if MANPATH=$D/usr/share/man systemd-analyze verify "$T/unit/f2b-lite.service" \
	    > "$T/verify.out" 2>&1 && [ ! -s "$T/verify.out" ]; then
		ok "systemd-analyze verify: no complaint"
	else
		nok "systemd-analyze verify: no complaint" "$(cat "$T/verify.out")"
	fi
else
	skip "systemd-analyze verify" "systemd-analyze not installed"
fi

# ---- the installed server, started as the unit starts it ----------------------------------
in_destdir() { echo "${1/#\/usr\/bin\//$D/usr/bin/}"; }
if [ -f /etc/fail2ban/jail.conf ] && command -v python3 > /dev/null; then
	mkdir -p "$T/conf" "$T/run"
	cp -rs /etc/fail2ban/. "$T/conf/"
	rm -f "$T/conf/jail.d/defaults-debian.conf"
	printf '[Definition]\ndbfile = :memory:\n' > "$T/conf/fail2ban.local"
	SOCK=$T/run/f2b.sock
	PIDF=$T/run/f2b.pid
	LOG=$T/server.log
	# systemd's side of Type=notify: a datagram socket that records what it gets
	python3 - "$T/notify.sock" "$T/notify.out" <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as out:
    while True:
        out.write(s.recv(4096).decode(errors="replace").replace("\n", " ") + "\n")
EOF
	notify_pid=$!
	for _ in $(seq 50); do [ -S "$T/notify.sock" ] && break; sleep 0.1; done
	# ExecStart=BINARY ARGS...: our options go right after the binary
	start=$(in_destdir "$EXECSTART")
	read -r -a argv <<< "$start"
	NOTIFY_SOCKET=$T/notify.sock "${argv[0]}" -c "$T/conf" -s "$SOCK" -p "$PIDF" \
	    --logtarget "$LOG" "${argv[@]:1}" > "$T/server.out" 2>&1 &
	server_pid=$!
	for _ in $(seq 100); do grep -q 'READY=1' "$T/notify.out" 2>/dev/null && break; sleep 0.1; done
	if grep -q 'READY=1' "$T/notify.out" 2>/dev/null && kill -0 "$server_pid" 2>/dev/null; then
		ok "server started from the unit's ExecStart ($start) notifies READY=1"
	else
		nok "server started from the unit's ExecStart ($start) notifies READY=1" \
		    "notify: $(cat "$T/notify.out" 2>/dev/null)" "$(cat "$T/server.out" "$LOG" 2>/dev/null | tail -n 20)"
	fi
	out=$("$D/usr/bin/fail2ban-client" -s "$SOCK" ping 2>&1)
	if [ "$out" = "Server replied: pong" ]; then
		ok "installed fail2ban-client -s SOCK ping: Server replied: pong"
	else
		nok "installed fail2ban-client -s SOCK ping: Server replied: pong" "got: $out"
	fi
	if [ "$(cat "$PIDF" 2>/dev/null)" = "$server_pid" ]; then
		ok "pid file holds the server's pid"
	else
		nok "pid file holds the server's pid" "pid file: $(cat "$PIDF" 2>&1), server: $server_pid"
	fi
	# ExecStop=CLIENT stop, with our socket
	stop=$(in_destdir "$EXECSTOP")
	read -r -a argv <<< "$stop"
	out=$("${argv[0]}" -s "$SOCK" "${argv[@]:1}" 2>&1)
	rc=0
	for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$server_pid" 2>/dev/null; then
		rc=timeout
	else
		wait "$server_pid"
		rc=$?
		server_pid=
	fi
	if [ "$out" = "Shutdown successful" ] && [ "$rc" = 0 ] && [ ! -e "$SOCK" ] && [ ! -e "$PIDF" ]; then
		ok "the unit's ExecStop ($stop) stops the server: exit 0, socket and pid file removed"
	else
		nok "the unit's ExecStop ($stop) stops the server: exit 0, socket and pid file removed" \
		    "client: $out" "server exit: $rc" "$(ls "$T/run")"
	fi
	if grep -q 'STOPPING=1' "$T/notify.out"; then
		ok "server notifies STOPPING=1 on stop"
	else
		nok "server notifies STOPPING=1 on stop" "notify: $(cat "$T/notify.out")"
	fi
	kill "$notify_pid" 2>/dev/null
	notify_pid=
else
	for t in "server notifies READY=1" "ping" "pid file" "ExecStop" "STOPPING=1"; do
		skip "$t" "Debian's /etc/fail2ban or python3 missing"
	done
fi

# ---- the unit's sandbox, rebuilt without systemd (sandbox.sh) ------------------------------
# the unit's hardening lines sandbox.sh rebuilds; if they change, it must too
emulated=('ProtectSystem=strict' 'ReadWritePaths=/var/log -/run/xtables.lock'
	  'ExecStartPre=+-/usr/bin/touch /run/xtables.lock' 'RuntimeDirectory=fail2ban'
	  'StateDirectory=fail2ban' 'PrivateTmp=yes')
missing=()
for l in "${emulated[@]}"; do grep -qxF "$l" "$UNIT" || missing+=("$l"); done
CAPLINE=$(unit_line CapabilityBoundingSet)
if [ ${#missing[@]} -eq 0 ] && [ -n "$CAPLINE" ]; then
	ok "unit: the sandbox settings sandbox.sh rebuilds ($CAPLINE)"
else
	nok "unit: the sandbox settings sandbox.sh rebuilds" "missing: ${missing[*]}" "CapabilityBoundingSet=$CAPLINE"
fi
# CAP_NET_ADMIN CAP_X -> -all,+net_admin,+x (setpriv's spelling)
caps="-all"
for c in $CAPLINE; do caps+=",+$(tr '[:upper:]' '[:lower:]' <<< "${c#CAP_}")"; done
sandbox_run() {	# sandbox_run DIR CAPS: a fresh work dir, then sandbox.sh in it
	local W=$1
	mkdir -p "$W/log" "$W/lib" "$W/tmp"
	cp -r /etc/fail2ban "$W/conf"
	rm -f "$W/conf/jail.d/defaults-debian.conf"
	printf '[DEFAULT]\nmaxretry = 1\nbantime = 600\n' > "$W/conf/jail.d/sbx.conf"
	printf '[Definition]\nactionban = iptables-legacy -w -I INPUT -s <ip> -j DROP\nactionunban = iptables-legacy -w -D INPUT -s <ip> -j DROP\n' \
	    > "$W/conf/action.d/sbx-legacy.conf"
	: > "$W/conf/jail.local"
	local j
	for j in "${sbx_jails[@]}"; do
		printf '[sbx-%s]\nenabled = true\nfilter = sshd\nlogpath = /var/log/sbx-auth.log\n%s\n' \
		    "${j%%:*}" "${j#*:}" >> "$W/conf/jail.local"
	done
	# a log root may not read without CAP_DAC_READ_SEARCH
	: > "$W/log/sbx-auth.log"
	chown nobody "$W/log/sbx-auth.log"
	chmod 600 "$W/log/sbx-auth.log"
	timeout 120 unshare -m -n "$SRC/tests/install/sandbox.sh" "$W" "$D" "$2" "$EXECSTART" "$EXECSTOP" \
	    > "$W/sandbox.out" 2>&1
}
result() { sed -n "s/^$1=//p" "$2/log/result" 2> /dev/null; }
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null && command -v unshare > /dev/null &&
    unshare -m -n true 2> /dev/null && [ -f /etc/fail2ban/jail.conf ] && [ -n "$CAPLINE" ]; then
	# one jail per firewall tool found: name:jail option
	sbx_jails=()
	command -v iptables > /dev/null && sbx_jails+=("iptables:banaction = iptables-multiport")
	command -v iptables > /dev/null && command -v ipset > /dev/null &&
	    sbx_jails+=("ipset:banaction = iptables-ipset-proto6")
	command -v nft > /dev/null && sbx_jails+=("nft:banaction = nftables-multiport")
	command -v iptables-legacy > /dev/null && sbx_jails+=("legacy:action = sbx-legacy")
	S=$T/sbx
	sandbox_run "$S" "$caps"
	if [ "$(result readonly "$S")" = yes ] && [ "$(result writable "$S")" = yes ]; then
		ok "sandbox: / read-only; /var/log, /var/lib/fail2ban, /run/fail2ban writable"
	else
		nok "sandbox: / read-only; /var/log, /var/lib/fail2ban, /run/fail2ban writable" \
		    "$(cat "$S/log/result" "$S/sandbox.out" 2>&1)"
	fi
	if [ "$(result ping "$S")" = "Server replied: pong" ]; then
		ok "sandbox: the server started by the unit's ExecStart with $caps answers ping"
	else
		nok "sandbox: the server started by the unit's ExecStart with $caps answers ping" \
		    "$(cat "$S/log/result" "$S/sandbox.out" "$S/tmp/server.out" 2>&1 | tail -n 20)"
	fi
	if [ "$(result bans "$S")" = ${#sbx_jails[@]} ]; then
		ok "sandbox: a 0600 log owned by nobody read, ${#sbx_jails[@]} jails ban (${sbx_jails[*]%%:*})"
	else
		nok "sandbox: a 0600 log owned by nobody read, ${#sbx_jails[@]} jails ban" \
		    "bans: $(result bans "$S")" "$(grep -a 'ERROR' "$S/log/fail2ban.log" | head -n 10)"
	fi
	for j in "${sbx_jails[@]}"; do
		j=${j%%:*}
		case $j in
		iptables) pat='^-A f2b-sbx-iptables -s 192.0.2.10/32' ;;
		ipset) pat='^192.0.2.10( |$)' ;;
		nft) pat='192.0.2.10' ;;
		legacy) pat='^legacy: -A INPUT -s 192.0.2.10/32 -j DROP' ;;
		esac
		if grep -qE "$pat" "$S/log/firewall"; then
			ok "sandbox: the $j ban is in the firewall"
		else
			nok "sandbox: the $j ban is in the firewall" "$(grep -v '^#' "$S/log/firewall" | head -n 30)"
		fi
	done
	errs=$(grep -aE 'ERROR|CRITICAL' "$S/log/fail2ban.log")
	if [ -f "$S/log/fail2ban.log" ] && [ -z "$errs" ]; then
		ok "sandbox: no error in /var/log/fail2ban.log"
	else
		nok "sandbox: no error in /var/log/fail2ban.log" "$errs"
	fi
	if [ "$(result stop "$S")" = "Shutdown successful" ] && [ "$(result exit "$S")" = 0 ] &&
	    [ -s "$S/lib/fail2ban.sqlite3" ]; then
		ok "sandbox: the unit's ExecStop stops it (exit 0), the database is in /var/lib/fail2ban"
	else
		nok "sandbox: the unit's ExecStop stops it (exit 0), the database is in /var/lib/fail2ban" \
		    "$(cat "$S/log/result")" "$(ls -la "$S/lib")"
	fi
	# the control: the same without CAP_DAC_READ_SEARCH cannot read the log
	if [[ $caps == *dac_read_search* ]]; then
		S=$T/sbx-nodac
		sandbox_run "$S" "${caps/,+dac_read_search/}"
		if grep -q 'Unable to open /var/log/sbx-auth.log: Permission denied' "$S/log/fail2ban.log" &&
		    [ "$(result bans "$S")" = 0 ]; then
			ok "sandbox control: without CAP_DAC_READ_SEARCH the log is unreadable, no ban"
		else
			nok "sandbox control: without CAP_DAC_READ_SEARCH the log is unreadable, no ban" \
			    "$(cat "$S/log/result")" "$(grep -a ERROR "$S/log/fail2ban.log" | head -n 5)"
		fi
	fi
else
	skip "sandbox: the server under the unit's sandbox" "needs root, unshare -m -n, setpriv and Debian's /etc/fail2ban"
fi

# ---- man pages ------------------------------------------------------------------------------
for p in "${pages[@]}"; do
	f=$D/$p
	if command -v man > /dev/null; then
		if MANWIDTH=80 man -l "$f" > "$T/man.out" 2> "$T/man.err" &&
		    [ ! -s "$T/man.err" ] && grep -q '^NAME' "$T/man.out" && grep -q '^SEE ALSO' "$T/man.out"; then
			ok "man -l $(basename "$f") renders ($(wc -l < "$T/man.out") lines)"
		else
			nok "man -l $(basename "$f") renders" "$(head -n 20 "$T/man.err")"
		fi
	else
		skip "man -l $(basename "$f")" "man not installed"
	fi
	if command -v groff > /dev/null; then
		out=$(groff -ww -z -man "$f" 2>&1)
		if [ -z "$out" ]; then ok "groff -ww -z -man $(basename "$f"): no warning"
		else nok "groff -ww -z -man $(basename "$f"): no warning" "$out"; fi
	else
		skip "groff -ww $(basename "$f")" "groff not installed"
	fi
	if command -v mandoc > /dev/null; then
		out=$(mandoc -T lint "$f" 2>&1)
		if [ -z "$out" ]; then ok "mandoc -T lint $(basename "$f"): no message"
		else nok "mandoc -T lint $(basename "$f"): no message" "$out"; fi
	else
		skip "mandoc -T lint $(basename "$f")" "mandoc not installed"
	fi
done

# ---- the options that change what is installed (install plans, no build) ----------------
plan() {	# plan DIR [meson options...]: the installed paths, one per line
	local dir=$1
	shift
	meson setup "$dir" "$SRC" "$@" > "$dir.log" 2>&1 &&
	    meson introspect "$dir" --installed 2>> "$dir.log" |
	    python3 -c 'import json, sys; print("\n".join(sorted(json.load(sys.stdin).values())))'
}
if command -v python3 > /dev/null; then
	p=$(plan "$T/b-default")
	if grep -qx /usr/local/bin/f2b-lite <<< "$p" &&
	    grep -qx /usr/local/lib/systemd/system/f2b-lite.service <<< "$p" &&
	    grep -qx /usr/local/share/f2b-lite/action.d <<< "$p" &&
	    grep -qx /usr/local/share/man/man8/f2b-lite.8 <<< "$p" &&
	    ! grep -q '^/etc\|^/lib\|^/usr/lib\|^/usr/share\|^/usr/bin' <<< "$p" &&
	    grep -qx 'ExecStart=/usr/local/bin/fail2ban-server -xf start' "$T/b-default/systemd/f2b-lite.service"; then
		ok "default prefix: everything under /usr/local, the unit in /usr/local/lib/systemd/system"
	else
		nok "default prefix: everything under /usr/local" "$p" "$(tail -n 5 "$T/b-default.log")"
	fi
	p=$(plan "$T/b-nocompat" --prefix=/usr -Dcompat_names=false)
	if [ -n "$p" ] && ! grep -q 'fail2ban-' <<< "$p" &&
	    grep -qx 'ExecStart=/usr/bin/f2b-lite server -xf start' "$T/b-nocompat/systemd/f2b-lite.service" &&
	    grep -qx 'ExecStop=/usr/bin/f2b-lite client stop' "$T/b-nocompat/systemd/f2b-lite.service"; then
		ok "-Dcompat_names=false: no fail2ban-* links, the unit runs f2b-lite server/client"
	else
		nok "-Dcompat_names=false: no fail2ban-* links, the unit runs f2b-lite server/client" \
		    "$p" "$(grep '^Exec' "$T/b-nocompat/systemd/f2b-lite.service" 2>&1)"
	fi
	p=$(plan "$T/b-nounit" --prefix=/usr -Dsystemdunitdir=no)
	if [ -n "$p" ] && ! grep -q 'f2b-lite.service' <<< "$p"; then
		ok "-Dsystemdunitdir=no: no unit installed"
	else
		nok "-Dsystemdunitdir=no: no unit installed" "$p"
	fi
	p=$(plan "$T/b-unitdir" --prefix=/usr -Dsystemdunitdir=/etc/systemd/system)
	if grep -qx /etc/systemd/system/f2b-lite.service <<< "$p"; then
		ok "-Dsystemdunitdir=DIR: the unit goes to DIR"
	else
		nok "-Dsystemdunitdir=DIR: the unit goes to DIR" "$p"
	fi
else
	skip "install plans" "python3 not installed"
fi

echo "1..$n"
[ $failed -eq 0 ]

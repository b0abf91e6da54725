#!/bin/bash
# A jail whose log does not exist (yet), and `client -t` telling what the
# server will do with it (issue 12, items 4 and 8).
#  1. The seed's hMailServer jail started before /var/log/hmail.log exists
#     (backend auto, a filter without journalmatch): `-t` exits 0 and says
#     the server waits for the file; the server runs the jail (status lists
#     it and the path), says so in one WARNING, and bans the first offence
#     written once the file appears - no reload.  fail2ban 1.0.2 refuses the
#     configuration ("Have not found any log file"), -t and server alike.
#  2. The same with backend = polling, and with a glob that matches nothing
#     yet (followed when a matching file appears).
#  3. Debian's stock configuration (defaults-debian.conf enables sshd)
#     without /var/log/auth.log: `-t` exits 0 and says the jail uses the
#     systemd journal, in the words the server then logs when it starts the
#     jail on the journal (fail2ban-client -t fails).  /var/log and the
#     journal directories are empty tmpfs in a mount namespace; no action
#     touches the host.
# TAP.
. "$(dirname "$0")/lib.sh" "$@"
need_root
setup missing
echo "1..15"

mkconf "$T/conf"
cp "$SRC/jail.d/fu_hmail.conf" "$T/conf/jail.d/"
D=$T/var
mkdir "$D"
# the seed's jail with its log in $D and no action (its ipset action would
# touch the host's firewall); backend BACKEND, logpath PATH
hmail_jail() {
	put "$T/conf/jail.local" <<-EOF
	[fu_hmail]
	logpath = $1
	backend = $2
	action =
	EOF
}
offence() {	# offence FILE IP: a line fu_hmail bans at once (maxretry = 1)
	printf '%s mail "SMTPD"#0112260#011124#011"%s"#011"%s"#011"SENT: 503 Bad sequence of commands"\n' \
	    "$(syslog_now)" "$(date +'%Y-%m-%d %H:%M:%S.000')" "$2" >> "$1"
}

# 1. backend auto, the file comes later
hmail_jail "$D/hmail.log" auto
out=$("$F2B" client -c "$T/conf" -t 2>&1)
rc=$?
check "1: -t exits 0 ($rc) and says the server waits for $D/hmail.log" \
    eval '[ $rc = 0 ] && grep -q "jail .fu_hmail.: log file $D/hmail.log does not exist (yet): the server waits for it" <<< "$out" &&
    grep -q "OK: configuration test is successful" <<< "$out"'
if command -v fail2ban-client > /dev/null; then
	theirs=$(fail2ban-client -c "$T/conf" -t 2>&1)
	check "1: fail2ban-client 1.0.2 -t refuses it ($?): $(grep -o 'Have not found any log file for fu_hmail jail' <<< "$theirs")" \
	    grep -q "Have not found any log file for fu_hmail jail" <<< "$theirs"
else
	ok "# SKIP fail2ban not installed"
fi
start_ours auto "$T/conf"
PID=$DPID
wait_until 10 started "$T/auto.log" fu_hmail
st=$("$F2B" client -s "$T/auto.sock" status 2>&1)
check "1: the jail runs (status: $(grep -o 'Number of jail:.*' <<< "$st" | tr '\t' ' '))" \
    grep -q "Number of jail:.*1" <<< "$st"
check "1: its file list shows the path" eval '"$F2B" client -s "$T/auto.sock" status fu_hmail | grep -q "File list:.*$D/hmail.log"'
check "1: one WARNING meanwhile ($(count_in "$T/auto.log" "does not exist") lines)" \
    eval '[ "$(count_in "$T/auto.log" "does not exist")" = 1 ] &&
    has "$T/auto.log" "WARNING [fu_hmail] Log file $D/hmail.log does not exist (yet): waiting for it"'
offence "$D/hmail.log" 203.0.113.61
wait_until 10 has "$T/auto.log" "[fu_hmail] Ban 203.0.113.61"
check "1: the file appears with an offence: banned, no reload" [ $? = 0 ]
stop_daemon $PID 10
if command -v fail2ban-server > /dev/null; then
	rm -f "$D/hmail.log"
	fail2ban-server -c "$T/conf" -s "$T/f2b.sock" -p "$T/f2b.pid" -f -x --logtarget "$T/f2b.log" \
	    start > "$T/f2b.out" 2>&1 &
	spawned $!
	wait_until 20 has "$T/f2b.out" "Have not found any log file for fu_hmail jail"
	check "1: fail2ban-server 1.0.2 refuses to start on it (Have not found any log file)" [ $? = 0 ]
	stop_daemon $! 10
else
	ok "# SKIP fail2ban not installed"
fi

# 2. backend polling; a glob that matches nothing yet
rm -f "$D/hmail.log"
hmail_jail "$D/hmail.log" polling
check "2: polling: -t exits 0" "$F2B" client -c "$T/conf" -t
# appears NAME FILE IP SECONDS: a server NAME started, an offence from IP
# written to FILE (not there yet); $? is 0 if it was banned in time
appears() {
	local rc
	start_ours "$1" "$T/conf"
	wait_until 10 started "$T/$1.log" fu_hmail
	offence "$2" "$3"
	wait_until "$4" has "$T/$1.log" "[fu_hmail] Ban $3"
	rc=$?
	stop_daemon $DPID 10
	return $rc
}
appears polling "$D/hmail.log" 203.0.113.62 10
check "2: polling: the file appears with an offence: banned" [ $? = 0 ]
mkdir "$D/hm"
hmail_jail "$D/hm/*.log" auto
out=$("$F2B" client -c "$T/conf" -t 2>&1)
rc=$?
check "2: glob: -t exits 0 ($rc) and says the server follows files matching it" \
    eval '[ $rc = 0 ] && grep -q "jail .fu_hmail.: no file matches $D/hm/\*.log yet: the server follows the files" <<< "$out"'
appears glob "$D/hm/hmail.log" 203.0.113.63 15
check "2: glob: a matching file appears with an offence: banned (the glob is looked at every 5 s)" [ $? = 0 ]

# 3. Debian's stock configuration without auth.log: -t and the server agree
if ! command -v unshare > /dev/null; then
	for i in 1 2 3 4; do ok "# SKIP unshare not installed"; done
	finish
fi
S=$T/stock
mkdir -p "$S/conf" "$S/run"
cp -rs /etc/fail2ban/. "$S/conf/"	# defaults-debian.conf enables sshd
printf '[Definition]\ndbfile = :memory:\n' | put "$S/conf/fail2ban.local"
printf '[Definition]\nactionban =\nactionunban =\n' | put "$S/conf/action.d/noop.conf"
printf '[DEFAULT]\nbanaction = noop\nbanaction_allports = noop\n' | put "$S/conf/jail.local"
# in a mount namespace: empty /var/log (no auth.log) and journal directories
put "$S/ns.sh" <<'EOF'
mount --make-rprivate / || exit 1
mount -t tmpfs none /var/log || exit 1
[ -d /run/log/journal ] && { mount -t tmpfs none /run/log/journal || exit 1; }
exec "$@"
EOF
unshare -m sh "$S/ns.sh" "$F2B" client -c "$S/conf" -t > "$S/t.out" 2>&1
rc=$?
said=$(grep -o "jail 'sshd': no log file found, using the systemd journal.*" "$S/t.out")
check "3: stock sshd, no auth.log: -t exits 0 ($rc) and says the jail uses the journal" \
    eval '[ $rc = 0 ] && [ -n "$said" ] && grep -q "OK: configuration test is successful" "$S/t.out"'
if command -v fail2ban-client > /dev/null; then
	unshare -m sh "$S/ns.sh" fail2ban-client -c "$S/conf" -t > "$S/t-theirs.out" 2>&1
	check "3: fail2ban-client 1.0.2 -t fails there ($?): $(grep -o 'Have not found any log file for sshd jail' "$S/t-theirs.out")" \
	    grep -q "Have not found any log file for sshd jail" "$S/t-theirs.out"
else
	ok "# SKIP fail2ban not installed"
fi
launch stock "" unshare -m sh "$S/ns.sh" "$F2B" server -c "$S/conf" -s "$S/run/s" -p "$S/run/p" -f -x \
    --logtarget "$S/log" start
PID=$DPID
wait_until 10 started "$S/log" sshd
check "3: the server logs what -t said: $said" eval '[ -n "$said" ] && has "$S/log" "$said"'
check "3: and reads the journal for the jail" \
    eval '"$F2B" client -s "$S/run/s" status sshd | grep -q "Journal matches:.*sshd"'
stop_daemon $PID 10
finish

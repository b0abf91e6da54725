#!/bin/bash
# The seed's pipeline end to end, inside two network namespaces: A runs an
# SMTP-ish listener on port 2525 behind the admin's rule
# "iptables -A INPUT -m set --match-set hmailblock src -j DROP" and f2b-lite
# with the seed's fu_hmail jail, filter and action (ipset add/del hmailblock,
# plus a logger line - the daemon runs in a mount namespace whose /dev/log is
# a test socket that records each datagram, so the host's syslog is not
# touched); B is a client joined to A by a veth pair.
# The seed's sample log (test-logs/fu_hmail, current timestamps) is appended
# with B's address as the offender: B must land in the set within 1 s (the
# latency is printed), be unable to connect, leave the set after the 3 s
# bantime and connect again; a ban still active at SIGTERM is lifted.  TAP.
. "$(dirname "$0")/lib.sh" "$@"
need_netns
command -v ipset > /dev/null && command -v iptables > /dev/null || skip_all "no ipset/iptables"
PY=$(command -v /usr/bin/python3 || command -v python3)
setup seed
N=$(( $$ % 200 + 20 ))
A=f2bsys-$$-a
B=f2bsys-$$-b
IPA=10.200.$N.1
IPB=10.200.$N.2
BANTIME=3
echo "1..15"

# ---- the network: A <-veth-> B, the set and the DROP rule in A -------------
netns_add $A && netns_add $B &&
ip link add vsa$$ netns $A type veth peer name vsb$$ netns $B &&
ip -n $A addr add $IPA/24 dev vsa$$ && ip -n $A link set vsa$$ up &&
ip -n $B addr add $IPB/24 dev vsb$$ && ip -n $B link set vsb$$ up &&
ip netns exec $A ipset create hmailblock hash:net &&
ip netns exec $A iptables -A INPUT -m set --match-set hmailblock src -j DROP
check "namespaces $A and $B with veth, set hmailblock and the DROP rule" [ $? = 0 ]

ip netns exec $A "$PY" "$SRC/tests/tools/greet.py" serve 0.0.0.0 2525 &
spawned $!
# probe: B connects to A:2525 and reads the greeting; 0 ok, 3 timed out
probe() {
	ip netns exec $B "$PY" "$SRC/tests/tools/greet.py" probe $IPA 2525 "${1:-1}"
}
in_set() { ip netns exec $A ipset -q test hmailblock "$1"; }
not_in_set() { ! in_set "$1"; }

wait_until 5 probe 0.5
check "B connects to A:2525 before any ban" [ $? = 0 ]

# ---- the daemon in A ----------------------------------------------------------
mkconf "$T/conf"
cp "$SRC/jail.d/fu_hmail.conf" "$T/conf/jail.d/"
put "$T/conf/jail.local" <<EOF
[fu_hmail]
logpath = $T/hmail.log
maxretry = 1
bantime = $BANTIME
EOF
# the syslog socket the daemon sees as /dev/log: one line per datagram
devlog_sink "$T/dev" "$T/logger.out"
: > "$T/hmail.log"
DEVDIR="$T/dev" start_ours f2b "$T/conf" $A
PID=$DPID
wait_until 10 started "$T/f2b.log" fu_hmail
check "f2b-lite started the fu_hmail jail inside $A" [ $? = 0 ]

# The sample log with current timestamps: the lines annotated as matches get
# B's address, the legitimate traffic and the near misses keep theirs.
awk -v ip=$IPB -v now="$(syslog_now)" '
/^# failJSON:/ { m = ($0 ~ /"match": *true/); next }
/^#/ || /^$/ { next }
{ line = now substr($0, 16)
  if (m) sub(/"#011"[0-9.]+"#011"/, "\"#011\"" ip "\"#011\"", line)
  print line; m = 0 }' "$SRC/test-logs/fu_hmail" > "$T/batch.log"
noff=$(grep -c "\"$IPB\"" "$T/batch.log")
[ "$noff" = 8 ] || note "expected 8 offending lines in the sample, made $noff"

# append the batch and poll the set from inside A: microseconds to the ban
lat=$(ip netns exec $A bash -c '
t0=${EPOCHREALTIME/./}
cat "$1" >> "$2"
end=$((t0 + 5000000))
while ! ipset -q test hmailblock "$3"; do
	[ ${EPOCHREALTIME/./} -gt $end ] && { echo -1; exit; }
done
echo $(( ${EPOCHREALTIME/./} - t0 ))' _ "$T/batch.log" "$T/hmail.log" $IPB)
t_ban=$(now_us)
if [ "$lat" -ge 0 ] && [ "$lat" -le 1000000 ]; then
	ok "B's address is in hmailblock within 1 s"
else
	nok "B's address is in hmailblock within 1 s" "latency: $lat us (-1: not within 5 s)"
fi
note "ban latency (line appended -> $IPB in the set): $((lat / 1000)).$(printf %03d $((lat % 1000))) ms"

probe 1
rc=$?
check "B's connection attempt now times out (probe status $rc)" [ $rc = 3 ]

wait_until 2 at_least "$noff" "$T/f2b.log" "] Found $IPB"
found=$(grep -c '\] Found ' "$T/f2b.log")
if [ "$(count_in "$T/f2b.log" "] Found $IPB")" = "$noff" ] && [ "$found" = "$noff" ]; then
	ok "every failregex of fu_hmail matched its line ($noff Found, none for the legitimate lines)"
else
	nok "every failregex of fu_hmail matched its line" "$(grep 'Found' "$T/f2b.log")"
fi
check "exactly one Ban of $IPB logged" [ "$(count_in "$T/f2b.log" "[fu_hmail] Ban $IPB")" = 1 ]
# logger -p local7.notice -t fail2ban "<ip> BANNED!": <189>Mmm dd hh:mm:ss fail2ban: ...
SYSLOG_RE='^<189>[A-Z][a-z]{2} [ 123][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} fail2ban: '
wait_until 2 has "$T/logger.out" "$IPB BANNED!"
check "the action's logger line reached /dev/log: <189>... fail2ban: $IPB BANNED!" \
    grep -qE "${SYSLOG_RE}$IPB BANNED!\$" "$T/logger.out"

# ---- the bantime runs out ---------------------------------------------------------
# (never early; late by at most 2.5 s on an idle machine, more under load)
slack=$(load_bound 2.5 | awk '{ printf "%d", $1 * 1000 }')
wait_until $((BANTIME + 3 + slack / 1000)) not_in_set $IPB
gone=$?
t_unban=$(now_us)
held=$(( (t_unban - t_ban) / 1000 ))
# the ban counts from the failure's log time, whole seconds (as fail2ban's)
if [ $gone = 0 ] && [ $held -ge $((BANTIME * 1000 - 1000)) ] && [ $held -le $((BANTIME * 1000 + slack)) ]; then
	ok "B's address leaves the set after the ${BANTIME} s bantime (${held} ms)"
else
	nok "B's address leaves the set after the ${BANTIME} s bantime" "left: $gone after ${held} ms (slack $slack ms)"
fi
wait_until 3 probe 0.5
check "B connects again" [ $? = 0 ]
wait_until 2 has "$T/logger.out" "$IPB BAN LIFTED!"
if has "$T/f2b.log" "[fu_hmail] Unban $IPB" && grep -qE "${SYSLOG_RE}$IPB BAN LIFTED!\$" "$T/logger.out"; then
	ok "Unban logged and the action's unban logger line ran"
else
	nok "Unban logged and the action's unban logger line ran" "$(cat "$T/logger.out")"
fi

# ---- a ban active at shutdown is lifted ---------------------------------------------
printf '%s mail "SMTPD"#0111200#01110099#011"2005-08-10 18:10:00.100"#011"%s"#011"SENT: 503 Bad sequence of commands"\n' \
    "$(syslog_now)" $IPB >> "$T/hmail.log"
wait_until 2 in_set $IPB
check "a new offence bans B again" [ $? = 0 ]
stop_daemon $PID 5
rc=$?
check "SIGTERM: the daemon exits with status 0 within 5 s (status $rc)" [ $rc = 0 ]
if not_in_set $IPB && [ "$(count_in "$T/logger.out" "$IPB BAN LIFTED!")" = 2 ]; then
	ok "the ban active at shutdown was lifted (set empty, unban action ran)"
else
	nok "the ban active at shutdown was lifted" "$(ip netns exec $A ipset list hmailblock | tail -3)" \
	    "$(cat "$T/logger.out")"
fi
if grep -q 'ERROR\|CRITICAL' "$T/f2b.log"; then
	nok "no ERROR in the daemon's log" "$(grep 'ERROR\|CRITICAL' "$T/f2b.log" | head -5)"
else
	ok "no ERROR in the daemon's log"
fi
finish

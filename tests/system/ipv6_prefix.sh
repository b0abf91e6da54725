#!/bin/bash
# Prefix bans (ipv6prefix, f2b-lite-extras(7)) in two network namespaces: A
# runs a TCP listener on port 2525 and f2b-lite; B is joined to A by a veth
# pair and owns addresses in the IPv6 networks 2001:db8:N:{b,c,d}::/64.
#  - ipset: 20 addresses of B's /64 fail once each (maxretry 20): one ban,
#    of the /64, in a hash:net family inet6 set behind an ip6tables DROP
#    rule; a 21st address of that /64 cannot connect, one of another /64 can;
#    the client shows the /64 (banip, banned, status --json), unbanip of an
#    address lifts it.
#  - nftables: the same with a set of flags interval in A's nft ruleset.
#  - ignoreip inside a prefix: the prefix is not counted, each address alone,
#    and the log says which ignored address decided it.
#  - the seed's action: its original text puts an IPv6 offender into the
#    inet set hmailblock - the ban fails, counted, explained once; the shipped
#    action.d/fu_hmail.conf bans it in hmailblock6, made at the first IPv6
#    ban, and B's connection is dropped.
#  - a prefix-banning jail whose action adds to a hash:ip set (the stock
#    iptables-ipset): said at start, with the fix.
#  - the options unset: the same failures give fail2ban-server's bans.
# TAP.
. "$(dirname "$0")/lib.sh" "$@"
need_netns
need_fail2ban
command -v ipset > /dev/null && command -v ip6tables > /dev/null || skip_all "no ipset/ip6tables"
command -v nft > /dev/null || skip_all "no nft"
PY=$(command -v /usr/bin/python3 || command -v python3)
setup ipv6
N=$(printf %x $(( $$ % 4000 + 16 )))
A=f2bsys-$$-6a
B=f2bsys-$$-6b
P=2001:db8:$N
IPA=$P:a::1
echo "1..33"

# ---- the network ------------------------------------------------------------
netns_add $A && netns_add $B &&
ip link add v6a$$ netns $A type veth peer name v6b$$ netns $B &&
ip -n $A link set v6a$$ up && ip -n $B link set v6b$$ up &&
ip -n $A addr add $IPA/64 dev v6a$$ nodad &&
for net in b c d e; do
	for k in $(seq 1 21); do ip -n $B addr add $P:$net::$k/128 dev v6b$$ nodad || exit 1; done
	ip -n $A -6 route add $P:$net::/64 dev v6a$$ || exit 1
done &&
ip -n $B -6 route add $P:a::/64 dev v6b$$
check "namespaces $A and $B, B holding 21 addresses in each of four /64s" [ $? = 0 ]

ip netns exec $A "$PY" "$SRC/tests/tools/greet.py" serve "::" 2525 &
spawned $!
# probe SRC [TIMEOUT]: B connects from SRC to A:2525; 0 ok, 3 timed out
probe() {
	ip netns exec $B "$PY" "$SRC/tests/tools/greet.py" probe $IPA 2525 "${2:-1}" "$1"
}
wait_until 5 probe $P:b::21 0.5
check "B connects to A:2525 from $P:b::21 before any ban" [ $? = 0 ]

# ---- the daemon in A: four jails --------------------------------------------
mkconf "$T/conf"
failure_filter "$T/conf/filter.d/v6fail.conf"
put "$T/conf/action.d/v6ipset.conf" <<'EOF'
[Definition]
actionstart = ipset create v6block hash:net family inet6 -exist
  ip6tables -I INPUT -m set --match-set v6block src -j DROP
actionban = ipset add v6block <ip>
actionunban = ipset del v6block <ip>
EOF
put "$T/conf/action.d/v6nft.conf" <<'EOF'
[Definition]
actionstart = nft add table inet f2bt
  nft add set inet f2bt v6 '{ type ipv6_addr; flags interval; }'
  nft add chain inet f2bt input '{ type filter hook input priority 0; }'
  nft add rule inet f2bt input ip6 saddr @v6 drop
actionban = nft add element inet f2bt v6 '{ <ip> }'
actionunban = nft delete element inet f2bt v6 '{ <ip> }'
EOF
# the seed's action as it was shipped before issue 16: one inet set for all
put "$T/conf/action.d/seedold.conf" <<'EOF'
[Definition]
actionban = ipset add hmailblock <ip>
  logger -p local7.notice -t fail2ban "<ip> BANNED!"
actionunban = ipset del hmailblock <ip>
  logger -p local7.notice -t fail2ban "<ip> BAN LIFTED!"
EOF
put "$T/conf/jail.local" <<EOF
[DEFAULT]
filter = v6fail
maxretry = 20
findtime = 10m
bantime = 1h
ipv6prefix = 64
[v6ipset]
enabled = true
logpath = $T/ipset.log
action = v6ipset
[v6nft]
enabled = true
logpath = $T/nft.log
action = v6nft
[v6ign]
enabled = true
logpath = $T/ign.log
maxretry = 3
ignoreip = $P:d::5
action =
[v6hip]
enabled = true
logpath = $T/hip.log
action = iptables-ipset
[seedold]
enabled = true
logpath = $T/seedold.log
maxretry = 1
ipv6prefix = 128
action = seedold
[seednew]
enabled = true
logpath = $T/seednew.log
maxretry = 1
ipv6prefix = 128
action = fu_hmail[blockchain6=INPUT]
EOF
for f in ipset nft ign hip seedold seednew; do : > "$T/$f.log"; done
ip netns exec $A ipset create hmailblock hash:net &&
ip netns exec $A iptables -A INPUT -m set --match-set hmailblock src -j DROP
# the syslog socket the daemon sees as /dev/log (the actions' logger lines)
devlog_sink "$T/dev" "$T/logger.out"
DEVDIR="$T/dev" start_ours f2b "$T/conf" $A
wait_until 10 started "$T/f2b.log" v6ipset v6nft v6ign v6hip seedold seednew
check "f2b-lite started the six jails inside $A" [ $? = 0 ]
check "a hash:ip set behind ipv6prefix is said at start, with the fix" has "$T/f2b.log" \
    "[v6hip] iptables-ipset: set f2b-v6hip6 is hash:ip, which holds single addresses, but ipv6prefix = 64 bans networks (2001:db8::/64): make it hash:net (ipset create f2b-v6hip6 hash:net family inet6)"
cl() { "$F2B" client -s "$T/f2b.sock" "$@"; }

fail() {	# fail LOG ADDRESS...: one failure line per address
	local log=$1 stamp
	shift
	stamp=$(syslog_now)
	for a in "$@"; do printf '%s host app[1]: failure from %s\n' "$stamp" "$a"; done >> "$log"
}

# ---- ipset ----------------------------------------------------------------------
fail "$T/ipset.log" $(for k in $(seq 1 20); do echo $P:b::$k; done)
wait_until 10 has "$T/f2b.log" "[v6ipset] Ban $P:b::/64"
check "20 addresses failing once each: [v6ipset] Ban $P:b::/64" [ $? = 0 ]
check "one ban, none of a single address" [ "$(bans "$T/f2b.log" v6ipset)" = "$P:b::/64" ]
check "the Found lines name the addresses (20)" \
    [ "$(count_in "$T/f2b.log" "[v6ipset] Found $P:b::")" = 20 ]
wait_until 5 ip netns exec $A ipset -q test v6block $P:b::/64
check "the set v6block (hash:net family inet6) holds $P:b::/64" [ $? = 0 ]
probe $P:b::21 1
rc=$?
check "a 21st address of the /64, $P:b::21, cannot connect (probe status $rc)" [ $rc = 3 ]
probe $P:e::1 2
rc=$?
check "an address of another /64, $P:e::1, still connects (probe status $rc)" [ $rc = 0 ]
check "get v6ipset banip: the /64" [ "$(cl get v6ipset banip)" = "$P:b::/64" ]
out=$(cl get v6ipset banned $P:b::21)
check "get v6ipset banned $P:b::21: 1 (its /64 is banned)" [ "$out" = 1 ]
out=$(cl status v6ipset --json 2>&1)
check "status --json lists the /64" grep -qF "\"$P:b::/64\"" <<< "$out"
out=$(cl get v6ipset ipv6prefix)
check "get v6ipset ipv6prefix: 64" [ "$out" = 64 ]
cl set v6ipset unbanip $P:b::7 > /dev/null
wait_until 5 has "$T/f2b.log" "[v6ipset] Unban $P:b::/64"
check "unbanip $P:b::7 lifts the /64's ban" [ $? = 0 ]
wait_until 5 probe $P:b::21 0.5
check "and $P:b::21 connects again" [ $? = 0 ]

# ---- nftables -----------------------------------------------------------------
fail "$T/nft.log" $(for k in $(seq 1 20); do echo $P:c::$k; done)
wait_until 10 has "$T/f2b.log" "[v6nft] Ban $P:c::/64"
check "nftables: [v6nft] Ban $P:c::/64" [ $? = 0 ]
wait_until 5 sh -c "ip netns exec $A nft list set inet f2bt v6 | grep -qF '$P:c::/64'"
check "nftables: the interval set holds $P:c::/64" [ $? = 0 ]
probe $P:c::21 1
rc=$?
check "nftables: $P:c::21 cannot connect (probe status $rc)" [ $rc = 3 ]

# ---- ignoreip inside a prefix ---------------------------------------------------
fail "$T/ign.log" $P:d::1 $P:d::2 $P:d::3
wait_until 5 at_least 3 "$T/f2b.log" "[v6ign] Found $P:d::"
wait_until 5 has "$T/f2b.log" "[v6ign] Ignore prefix $P:d::/64 by ip $P:d::5: $P:d::3 counted alone"
check "ignoreip $P:d::5 wins over the /64: the log says which" [ $? = 0 ]
fail "$T/ign.log" $P:d::1 $P:d::1
wait_until 5 has "$T/f2b.log" "[v6ign] Ban $P:d::1"
check "three failures of $P:d::1 ban that address alone" [ $? = 0 ]
check "no ban of the /64" [ "$(bans "$T/f2b.log" v6ign)" = "$P:d::1" ]

# ---- the seed's action ----------------------------------------------------------
fail "$T/seedold.log" $P:e::5 $P:e::6
wait_until 10 at_least 2 "$T/f2b.log" "Failed to execute ban jail 'seedold'"
check "the seed's old action: both IPv6 bans fail (an inet set cannot hold them)" [ $? = 0 ]
check "said once, naming the set and the fix" \
    [ "$(count_in "$T/f2b.log" "set hmailblock (hash:net, family inet) cannot hold the IPv6 address")" = 1 ]
out=$(cl metrics 2>&1)
check "counted: metrics f2b_action_errors{jail=\"seedold\"} 2" \
    grep -qxF 'f2b_action_errors{jail="seedold"} 2' <<< "$out"
fail "$T/seednew.log" $P:e::7 10.9.9.9
wait_until 10 ip netns exec $A ipset -q test hmailblock6 $P:e::7
check "the shipped action: $P:e::7 lands in hmailblock6 (made at the first IPv6 ban)" [ $? = 0 ]
wait_until 5 ip netns exec $A ipset -q test hmailblock 10.9.9.9
check "and an IPv4 offender in hmailblock, as before" [ $? = 0 ]
probe $P:e::7 1
rc=$?
check "$P:e::7 cannot connect (probe status $rc)" [ $rc = 3 ]
check "no action error in seednew" [ "$(count_in "$T/f2b.log" "Failed to execute ban jail 'seednew'")" = 0 ]

# ---- the options unset: fail2ban's bans ---------------------------------------------
for who in ours theirs; do
	mkdir -p "$T/$who"
	cp -r "$T/conf" "$T/$who/"
	put "$T/$who/conf/jail.local" <<EOF
[v6plain]
enabled = true
filter = v6fail
logpath = $T/$who/plain.log
maxretry = 2
findtime = 10m
bantime = 1h
action =
[seedact]
enabled = true
filter = v6fail
logpath = $T/$who/seedact.log
action = fu_hmail
EOF
	: > "$T/$who/plain.log"
	: > "$T/$who/seedact.log"
done
start_theirs theirs "$T/theirs/conf"
start_ours ours "$T/ours/conf"
wait_until 10 started "$T/ours.log" v6plain && wait_until 30 started "$T/theirs.log" v6plain
check "both servers started v6plain (no prefix options)" [ $? = 0 ]
# the shipped action loads in fail2ban-server too (no ban here: its lines never run on this host)
wait_until 10 started "$T/ours.log" seedact && wait_until 30 started "$T/theirs.log" seedact
check "both servers start a jail with the shipped fu_hmail action" [ $? = 0 ]
addrs="$(for k in $(seq 1 20); do echo $P:b::$k; done) $P:b::3 $P:b::9 $P:c::1 $P:c::1"
stamp=$(syslog_now)
for a in $addrs; do printf '%s host app[1]: failure from %s\n' "$stamp" "$a"; done > "$T/plain"
cat "$T/plain" >> "$T/ours/plain.log"
cat "$T/plain" >> "$T/theirs/plain.log"
wait_until 10 at_least 24 "$T/ours.log" "[v6plain] Found" &&
    wait_until 30 at_least 24 "$T/theirs.log" "[v6plain] Found" &&
    wait_until 10 at_least 3 "$T/ours.log" "[v6plain] Ban" &&
    wait_until 30 at_least 3 "$T/theirs.log" "[v6plain] Ban"
if [ "$(bans "$T/ours.log" v6plain)" = "$(bans "$T/theirs.log" v6plain)" ]; then
	ok "options unset: the same bans as fail2ban-server ($(bans "$T/ours.log" v6plain | tr '\n' ' '))"
else
	nok "options unset: the same bans as fail2ban-server" "ours: $(bans "$T/ours.log" v6plain)" \
	    "theirs: $(bans "$T/theirs.log" v6plain)"
fi
o=$("$F2B" client -s "$T/ours.sock" get v6plain banip)
t=$(fail2ban-client -s "$T/theirs.sock" get v6plain banip)
check "options unset: get banip the same as fail2ban's" [ "$(tr ' ' '\n' <<< "$o" | sort)" = "$(tr ' ' '\n' <<< "$t" | sort)" ]
finish

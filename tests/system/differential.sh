#!/bin/bash
# Differential test of the daemon against Debian's fail2ban-server 1.0.2:
# both run the same configuration (two jails, maxretry 3, bantime 4 s, each
# with its own copy of the configuration, logs and action output) and get
# the same log content at the same moment: addresses with 1 to 6 failures,
# IPv4 and IPv6, an ignoreip, an address in both jails, failures after the
# ban.  Compared, per jail: the Found lines in order, the Ban lines in order,
# the Unban lines when the bantime runs out, the action output (start, every
# "ban <ip> <failures> <time> <bantime>" and "unban <ip>", stop), and after a
# second batch whose bans are still active at SIGTERM, the Unban lines and
# action output of the shutdown.  TAP.
. "$(dirname "$0")/lib.sh" "$@"
need_fail2ban
setup differential
BANTIME=4
echo "1..16"

mkconf "$T/conf"
put "$T/conf/filter.d/dsys-a.conf" <<'EOF'
[INCLUDES]
before = common.conf
[Definition]
_daemon = appa
failregex = ^%(__prefix_line)sfailure from <HOST>$
EOF
put "$T/conf/filter.d/dsys-b.conf" <<'EOF'
[INCLUDES]
before = common.conf
[Definition]
_daemon = appb
failregex = ^%(__prefix_line)sauth failed for <F-USER>\S+</F-USER> from <HOST>( port \d+)?$
ignoreregex = for trusted from
EOF
for who in ours theirs; do
	D=$T/$who
	mkdir -p "$D"
	cp -r "$T/conf" "$D/"
	put "$D/conf/action.d/dout.conf" <<EOF
[Definition]
actionstart = printf 'start\n' >> <out>
actionstop = printf 'stop\n' >> <out>
actionban = printf 'ban %%s %%s %%s %%s %%s\n' "<ip>" "<failures>" "<time>" "<bantime>" "<F-USER>" >> <out>
actionunban = printf 'unban %%s\n' "<ip>" >> <out>
[Init]
out = $D/<j>.out
EOF
	put "$D/conf/jail.local" <<EOF
[DEFAULT]
maxretry = 3
findtime = 10m
bantime = $BANTIME
banaction = dout
[dfa]
enabled = true
filter = dsys-a
logpath = $D/a.log
ignoreip = 127.0.0.1/8 192.0.2.9 0xc000020b
action = dout[j=dfa]
[dfb]
enabled = true
filter = dsys-b
logpath = $D/b.log
action = dout[j=dfb]
EOF
	: > "$D/a.log"
	: > "$D/b.log"
done

start_theirs theirs "$T/theirs/conf"
THEIRS=$DPID
start_ours ours "$T/ours/conf"
OURS=$DPID
wait_until 10 started "$T/ours.log" dfa dfb
check "f2b-lite started both jails" [ $? = 0 ]
wait_until 30 started "$T/theirs.log" dfa dfb
check "fail2ban-server started both jails" [ $? = 0 ]

# batch LIST: "ip count" pairs, emitted round-robin so the failures of the
# addresses interleave: a.log gets "failure from", b.log "auth failed for"
batch() {	# batch FILE KIND ip:count...
	local file=$1 kind=$2 stamp i left more
	shift 2
	stamp=$(syslog_now)
	declare -A c
	local order=()
	for i in "$@"; do c[${i%:*}]=${i##*:}; order+=("${i%:*}"); done
	more=1
	while [ $more = 1 ]; do
		more=0
		for i in "${order[@]}"; do
			left=${c[$i]}
			[ "$left" -gt 0 ] || continue
			more=1
			c[$i]=$((left - 1))
			if [ "$kind" = a ]; then
				printf '%s host appa[7]: failure from %s\n' "$stamp" "$i"
			else
				printf '%s host appb[8]: auth failed for user%s from %s port %d\n' \
				    "$stamp" "$left" "$i" $((40000 + left))
			fi
		done
	done > "$file"
}
batch "$T/a1" a 192.0.2.1:5 192.0.2.2:3 192.0.2.3:2 192.0.2.4:4 192.0.2.5:1 \
    2001:db8::6:3 192.0.2.7:6 192.0.2.9:5 192.0.2.10:3 198.51.100.1:3 192.0.2.11:4
batch "$T/b1" b 198.51.100.1:3 198.51.100.2:2 198.51.100.3:4 2001:db8:0:1::3:3 192.0.2.1:3
printf '%s host appb[8]: auth failed for trusted from 198.51.100.2\n' "$(syslog_now)" >> "$T/b1"
# expected bans: a: .1 .2 .4 ::6 .7 .10 198.51.100.1 (.9 ignored, and .11:
# ignoreip's 0xc000020b is no address to fail2ban, so a DNS name, which the
# resolver reads as 192.0.2.11 - "Ignore 192.0.2.11 by dns"); b: 4
NA=7
NB=4
for who in theirs ours; do
	cat "$T/a1" >> "$T/$who/a.log"
	cat "$T/b1" >> "$T/$who/b.log"
done
# (ban/unban lines of a jail) >= N in LOG
bans_at_least() { [ "$(bans "$1" "$2" | wc -l)" -ge "$3" ]; }
unbans_at_least() { [ "$(unbans "$1" "$2" | wc -l)" -ge "$3" ]; }
for who in ours theirs; do
	wait_until 20 bans_at_least "$T/$who.log" dfa $NA
	wait_until 5 bans_at_least "$T/$who.log" dfb $NB
done

# compare WHAT JAIL: the lists of both daemons, in order
found() { sed -n "s/.*INFO    \[$2\] Found \([^ ]*\) - .*/\1/p" "$1"; }
same_list() {	# same_list NAME FUNCTION JAIL
	local name=$1 fn=$2 j=$3
	$fn "$T/theirs.log" $j > "$T/theirs.$fn.$j"
	$fn "$T/ours.log" $j > "$T/ours.$fn.$j"
	if [ -s "$T/theirs.$fn.$j" ] && cmp -s "$T/theirs.$fn.$j" "$T/ours.$fn.$j"; then
		ok "$j: $name identical ($(wc -l < "$T/ours.$fn.$j"): $(tr '\n' ' ' < "$T/ours.$fn.$j" | cut -c1-120))"
	elif [ -s "$T/theirs.$fn.$j" ] && cmp -s <(sort "$T/theirs.$fn.$j") <(sort "$T/ours.$fn.$j"); then
		nok "$j: $name identical (same entries, in another order)" \
		    "fail2ban: $(tr '\n' ' ' < "$T/theirs.$fn.$j")" "f2b-lite: $(tr '\n' ' ' < "$T/ours.$fn.$j")"
	else
		nok "$j: $name identical" "$(diff "$T/theirs.$fn.$j" "$T/ours.$fn.$j" | head -20)"
	fi
}
same_list "Found lines" found dfa
same_list "Found lines" found dfb
ignored() { sed -n "s/.*INFO    \[$2\] Ignore \(.*\)/\1/p" "$1"; }
same_list "Ignore lines" ignored dfa
by_dns() { grep -q 'Ignore 192.0.2.11 by dns' "$T/ours.log" && grep -q 'Ignore 192.0.2.11 by dns' "$T/theirs.log"; }
check "dfa: the address of ignoreip's DNS name is ignored by dns (both daemons)" by_dns
same_list "Ban lines, in order" bans dfa
same_list "Ban lines, in order" bans dfb

# the bantime runs out
for who in ours theirs; do
	wait_until $((BANTIME + 10)) unbans_at_least "$T/$who.log" dfa $NA
	wait_until 3 unbans_at_least "$T/$who.log" dfb $NB
done
same_list "Unban lines after the bantime" unbans dfa
same_list "Unban lines after the bantime" unbans dfb

# a second batch, banned when the daemons are stopped
batch "$T/a2" a 203.0.113.1:3 192.0.2.2:3 203.0.113.3:4
batch "$T/b2" b 203.0.113.11:3
for who in theirs ours; do
	cat "$T/a2" >> "$T/$who/a.log"
	cat "$T/b2" >> "$T/$who/b.log"
done
for who in ours theirs; do
	wait_until 10 bans_at_least "$T/$who.log" dfa $((NA + 3))
	wait_until 5 bans_at_least "$T/$who.log" dfb $((NB + 1))
done
same_list "Ban lines of the second batch, in order" bans dfa
stop_daemon $OURS 10
rc=$?
check "f2b-lite stops with status 0 (status $rc)" [ $rc = 0 ]
stop_daemon $THEIRS 30
same_list "Unban lines including the shutdown's" unbans dfa
same_list "Unban lines including the shutdown's" unbans dfb

# the action output, whole, per address: fail2ban runs every command of
# every jail one at a time; f2b-lite runs the commands of different
# addresses side by side, keeping each address's commands in order (a ban
# before its unban).  So the lines must be the same, and in the same order
# for each address.
per_ip() {	# the lines grouped by address, each group in file order
	awk '{ print $2 "\t" NR "\t" $0 }' "$1" | sort -t "$(printf '\t')" -k1,1 -k2,2n | cut -f1,3
}
for j in dfa dfb; do
	if [ -s "$T/theirs/$j.out" ] && cmp -s <(per_ip "$T/theirs/$j.out") <(per_ip "$T/ours/$j.out"); then
		ok "$j: action output identical, per address in order ($(grep -c '^ban' "$T/ours/$j.out") bans, $(grep -c '^unban' "$T/ours/$j.out") unbans)"
	else
		nok "$j: action output identical per address" \
		    "$(diff <(per_ip "$T/theirs/$j.out") <(per_ip "$T/ours/$j.out") | head -20)"
	fi
done
finish

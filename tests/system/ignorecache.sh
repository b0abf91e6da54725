#!/bin/bash
# ignorecommand with and without ignorecache, against Debian's
# fail2ban-server 1.0.2: the same configuration and log lines for both.
# Jail "cached" keeps the command's answer per address (ignorecache, key
# <ip>): the command runs once per address however many failures it has.
# Jail "plain" has no cache: it runs once per failure.  The command answers
# "ignore" (exit 0) for 192.0.2.1 and "not ignored" for the others, so the
# bans must be the same too.  Compared: how many times the command ran for
# each address, and the bans, per jail.  TAP.
. "$(dirname "$0")/lib.sh" "$@"
need_fail2ban
setup ignorecache
echo "1..5"

mkconf "$T/conf"
put "$T/conf/filter.d/icache.conf" <<'EOF'
[Definition]
failregex = failure from <HOST>$
EOF
for who in ours theirs; do
	D=$T/$who
	mkdir -p "$D"
	cp -r "$T/conf" "$D/"
	: > "$D/t.log"
	put "$D/ign.sh" <<EOF
#!/bin/sh
echo "\$1 \$2" >> $D/ran
[ "\$2" = 192.0.2.1 ]
EOF
	chmod +x "$D/ign.sh"
	put "$D/conf/jail.local" <<EOF
[DEFAULT]
filter = icache
logpath = $D/t.log
action =
maxretry = 3
findtime = 1h
bantime = 1h
[cached]
enabled = true
ignorecommand = $D/ign.sh cached <ip>
ignorecache = key="<ip>", max-count=100, max-time=5m
[plain]
enabled = true
ignorecommand = $D/ign.sh plain <ip>
EOF
done
start_ours ours "$T/ours/conf"
start_theirs theirs "$T/theirs/conf"
check "both servers start" wait_until 30 eval 'started "$T/ours.log" cached plain && started "$T/theirs.log" cached plain'
now=$(syslog_now)
for who in ours theirs; do
	for ip in 192.0.2.1 192.0.2.1 192.0.2.1 198.51.100.2 198.51.100.2 198.51.100.2 \
	    198.51.100.2 203.0.113.3; do
		echo "$now host failure from $ip"
	done >> "$T/$who/t.log"
done
counts() { sort "$T/$1/ran" 2> /dev/null | uniq -c | awk '{ print $2, $3, $1 }'; }
settled() { [ "$(counts ours | awk '{ s += $3 } END { print s + 0 }')" -ge 10 ] &&
    [ "$(counts theirs | awk '{ s += $3 } END { print s + 0 }')" -ge 10 ]; }
wait_until 20 settled
sleep 1
check "the command runs as often for each address as fail2ban's ($(counts ours | tr '\n' ';'))" \
    [ "$(counts ours)" = "$(counts theirs)" ]
check "with the cache: once per address" \
    [ "$(counts ours | awk '$1 == "cached" { print $3 }' | sort -u)" = 1 ]
check "without it: once per failure (3 + 4 + 1)" \
    [ "$(counts ours | awk '$1 == "plain" { s += $3 } END { print s }')" = 8 ]
for j in cached plain; do
	b_ours=$(bans "$T/ours.log" $j | sort | tr '\n' ' ')
	b_theirs=$(bans "$T/theirs.log" $j | sort | tr '\n' ' ')
	[ "$b_ours" = "$b_theirs" ] || break
done
check "the same bans in both jails as fail2ban's ($b_ours)" [ "$b_ours" = "$b_theirs" -a -n "$b_ours" ]
finish

#!/bin/bash
# Hostile user names reach a command action: lines "Invalid user <name> from
# <ip>" whose name holds $(...), backticks, ;, |, &&, quotes, globs, a
# variable, a backslash, each built to create a file if a shell ever ran it.
# The filter captures the name as <F-USER>; the action writes
# printf '%s %s\n' "<ip>" "<F-USER>" into a file.  The file must hold exactly
# the names, and nothing may have run: no "pwned*" file in $T, no X in the
# daemon's working directory.  When fail2ban-server is installed, its output
# for the same configuration and log must be byte-identical.  TAP.
. "$(dirname "$0")/lib.sh" "$@"
setup hostile
echo "1..9"

mkconf "$T/conf"
put "$T/conf/filter.d/hostile-user.conf" <<'EOF'
[INCLUDES]
before = common.conf
[Definition]
_daemon = sshd
failregex = ^%(__prefix_line)sInvalid user <F-USER>.+</F-USER> from <HOST>$
EOF
# one configuration per daemon, so the two never share an output file
for who in ours theirs; do
	mkdir -p "$T/$who/cwd"
	cp -r "$T/conf" "$T/$who/"
	put "$T/$who/conf/action.d/echo-user.conf" <<EOF
[Definition]
actionstart = printf 'start\n' >> $T/$who/user.out
actionban = printf '%%s %%s\n' "<ip>" "<F-USER>" >> $T/$who/user.out
actionunban =
actionstop =
EOF
	put "$T/$who/conf/jail.local" <<EOF
[hostile]
enabled = true
filter = hostile-user
logpath = $T/$who/auth.log
maxretry = 1
bantime = 1h
banaction = echo-user
action = echo-user
EOF
	: > "$T/$who/auth.log"
done

# the names, one per line; "$T" is expanded now, so that each would create
# a file in $T (or X in the daemon's cwd) if run by a shell
cat > "$T/names" <<EOF
\$(touch $T/pwned1)
\`touch $T/pwned2\`
x;touch $T/pwned3
x|touch $T/pwned4
x && touch $T/pwned5
'\$(touch $T/pwned6)'
"; touch $T/pwned7; echo "
' ; touch $T/pwned8 ; echo '
\$(touch X)
\`touch X\`
a"b'c\\d \$HOME * ? ~ [x] {a,b} <y> ^ # & %s %% !
\${IFS}\$((1+1))\$'\\x41' \\\$(touch $T/pwned9)
-n -e \\n
<ip> <F-USER> <matches> <F-USER
EOF
nnames=$(wc -l < "$T/names")
i=0
stamp=$(syslog_now)
while IFS= read -r name; do
	i=$((i + 1))
	printf '%s host sshd[%d]: Invalid user %s from 192.0.2.%d\n' "$stamp" $((1000 + i)) "$name" $i
done < "$T/names" > "$T/lines"
awk '{ print "192.0.2." NR " " $0 }' "$T/names" | sort > "$T/expected"

# ours runs in $T/ours/cwd
cd "$T/ours/cwd" && start_ours ours "$T/ours/conf"
OURS=$DPID
cd "$T"
wait_until 10 started "$T/ours.log" hostile
check "f2b-lite started the jail" [ $? = 0 ]
cat "$T/lines" >> "$T/ours/auth.log"
wait_until 5 at_least "$nnames" "$T/ours/user.out" ' ' 
sleep 0.3
stop_daemon "$OURS" 5
rc=$?
check "f2b-lite banned all $nnames addresses" [ "$(count_in "$T/ours.log" '] Ban 192.0.2.')" = "$nnames" ]

grep -v '^start$' "$T/ours/user.out" | sort > "$T/got"
if cmp -s "$T/expected" "$T/got"; then
	ok "the action wrote exactly the user names, byte for byte"
else
	nok "the action wrote exactly the user names, byte for byte" "$(diff "$T/expected" "$T/got" | head -20)"
fi
pwned=$(cd "$T" && ls -d pwned* 2> /dev/null)
check "no pwned* file in \$T (nothing ran) ${pwned}" [ -z "$pwned" ]
check "no X in the daemon's working directory" [ ! -e "$T/ours/cwd/X" ]
check "no X in \$T" [ ! -e "$T/X" -a ! -e "$T/ours/X" ]
check "f2b-lite stopped cleanly (status $rc)" [ $rc = 0 ]
check "the action started once, before the bans" \
    [ "$(head -1 "$T/ours/user.out")" = start -a "$(grep -cx start "$T/ours/user.out")" = 1 ]

# fail2ban on the same input
if command -v fail2ban-server > /dev/null; then
	cd "$T/theirs/cwd" && start_theirs theirs "$T/theirs/conf"
	THEIRS=$DPID
	cd "$T"
	wait_until 20 started "$T/theirs.log" hostile
	cat "$T/lines" >> "$T/theirs/auth.log"
	wait_until 20 at_least "$nnames" "$T/theirs/user.out" ' ' 
	sleep 0.5
	stop_daemon "$THEIRS" 20
	grep -v '^start$' "$T/theirs/user.out" | sort > "$T/theirs.got"
	if cmp -s "$T/theirs.got" "$T/got"; then
		ok "fail2ban-server's action output for the same names is identical"
	else
		nok "fail2ban-server's action output for the same names is identical" \
		    "$(diff "$T/theirs.got" "$T/got" | head -20)"
	fi
else
	ok "# SKIP fail2ban-server is not installed"
fi
finish

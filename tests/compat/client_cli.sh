#!/bin/bash
# Differential test of fail2ban-client's command line: -t on good and broken
# configurations (a missing log file: f2b-lite says what its server does), -V/--version, -h/--help (options and the command list),
# unknown options, a missing -c directory,
# and the compat names (a link called fail2ban-client is fail2ban-client);
# f2b-lite --version says what the program is.
# stdout and exit codes must match Debian's fail2ban-client 1.0.2.  TAP.
set -u
F2B=${1:?usage: client_cli.sh F2B-LITE-BINARY}
STOCK=/etc/fail2ban
if ! command -v fail2ban-client >/dev/null || [ ! -f $STOCK/jail.conf ]; then
	echo "1..0 # SKIP Debian's fail2ban package is not installed"
	exit 0
fi
TMP=$(mktemp -d /tmp/f2b-cli.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
n=0
failed=0
echo "1..20"

# same NAME ARGS...: stdout and exit code of both must match
same() {
	local name=$1 r1 r2
	shift
	n=$((n + 1))
	fail2ban-client "$@" > "$TMP/theirs" 2>/dev/null; r1=$?
	"$F2B" client "$@" > "$TMP/ours" 2>/dev/null; r2=$?
	if cmp -s "$TMP/theirs" "$TMP/ours" && [ $r1 = $r2 ]; then
		echo "ok $n - $name"
	else
		failed=$((failed + 1))
		echo "not ok $n - $name (exit fail2ban $r1, f2b-lite $r2)"
		diff "$TMP/theirs" "$TMP/ours" | head -10 | sed 's/^/# /'
	fi
}

# check NAME COMMAND...: the command must succeed
check() {
	local name=$1
	shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $name"; else failed=$((failed + 1)); echo "not ok $n - $name"; fi
}

conf=$TMP/conf
cp -rs "$STOCK/." "$conf/"
mkdir -p "$TMP/log"
: > "$TMP/log/auth.log"
printf '[sshd]\nlogpath = %s/log/auth.log\n' "$TMP" > "$conf/jail.local"
same "-t on a good configuration" -c "$conf" -t
same "--test on a good configuration" -c "$conf" --test
rm "$conf/jail.local"
printf '[sshd]\nlogpath = %s/log/missing.log\n' "$TMP" > "$conf/jail.local"
# a missing log file: f2b-lite's -t says what its server will do with the
# jail (here the journal: sshd's filter has a journalmatch) and passes, as
# the server runs it; fail2ban 1.0.2 refuses the configuration, -t and
# server alike (README, "How the backend is chosen")
fail2ban-client -c "$conf" -t > /dev/null 2>&1; r1=$?
"$F2B" client -c "$conf" -t > "$TMP/ours" 2>&1; r2=$?
check "-t with a missing log file: fail2ban exits $r1, f2b-lite $r2 and says the server uses the journal" \
    eval '[ $r1 = 255 ] && [ $r2 = 0 ] && grep -q "jail .sshd.: no log file found, using the systemd journal" "$TMP/ours"'
printf '[sshd]\nenabled = true\nenabled = true\n' > "$conf/jail.local"
same "-t with a duplicate option" -c "$conf" -t
same "-d with a duplicate option" -c "$conf" -d
same "-V" -V
same "--version" --version
same "-h: the options and every command, as fail2ban lays them out" -h
same "--help" --help
same "-c missing directory" -c "$TMP/nonexistent" -d
same "invalid --loglevel" -c "$conf" --loglevel=LOUD -d

# our own messages: file:line for every error, all of them
printf '[sshd]\nenabled = true\nenabled = true\nbantime = %%(nope)s\n[x]\nfoo\n' > "$conf/jail.local"
"$F2B" client -c "$conf" -t > /dev/null 2> "$TMP/err"
check "-t reports the duplicate at jail.local:3" grep -q "jail.local:3: duplicate option 'enabled'" "$TMP/err"
check "-t reports the bad line at jail.local:6" grep -q "jail.local:6: expected 'name = value'" "$TMP/err"
check "-t says the test failed" grep -q "ERROR: test configuration failed" "$TMP/err"

ln -s "$(readlink -f "$F2B")" "$TMP/fail2ban-client"
check "a link named fail2ban-client is the client" test "$("$TMP/fail2ban-client" -V)" = "1.0.2"
ln -s "$(readlink -f "$F2B")" "$TMP/fail2ban-server"
"$TMP/fail2ban-server" -h > "$TMP/usage"
check "a link named fail2ban-server has the server usage" grep -q "^Usage: fail2ban-server \[OPTIONS\]$" "$TMP/usage"
fail2ban-server -h > "$TMP/usage.theirs" 2> /dev/null
check "fail2ban-server -h is fail2ban's" cmp -s "$TMP/usage.theirs" "$TMP/usage"
fail2ban-server --version > "$TMP/version.theirs" 2> /dev/null
"$TMP/fail2ban-server" --version > "$TMP/version.ours" 2> /dev/null
check "fail2ban-server --version is fail2ban's" cmp -s "$TMP/version.theirs" "$TMP/version.ours"
version=$("$F2B" --version 2>&1)
check "f2b-lite --version names f2b-lite and the fail2ban it follows: $version" \
    grep -qx 'f2b-lite [0-9][0-9a-z.]*, compatible with fail2ban 1\.0\.2' <<< "$version"
check "f2b-lite -V says the same" test "$("$F2B" -V 2>&1)" = "$version"
exit $((failed > 0))

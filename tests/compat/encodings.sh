#!/bin/bash
# Log encodings: a latin-1 log and a log with invalid UTF-8, through the stock
# sshd filter, give the same rows (id, user, message) from f2b-lite regex as
# from Debian's fail2ban-regex, with -e latin-1, -e cp1252, -e iso8859_15 and
# -e UTF-8 (invalid bytes replaced).  Also the journal LOG form, on a journal
# file made without journald, against fail2ban-regex's.  Output is TAP.
set -u
F2B=${1:?usage: encodings.sh F2B-LITE-BINARY}
if ! command -v fail2ban-regex >/dev/null; then
	echo "1..0 # SKIP Debian's fail2ban is not installed"
	exit 0
fi
T=$(mktemp -d /tmp/f2b-enc.XXXXXX)
trap 'rm -rf "$T"' EXIT
printf '%s\n' \
    'Jan  1 00:00:01 h sshd[1]: Failed password for invalid user j\351r\364me from 192.0.2.9 port 22 ssh2' \
    'Jan  1 00:00:02 h sshd[1]: Failed password for invalid user \377\376 from 192.0.2.10 port 22 ssh2' \
    'Jan  1 00:00:03 h sshd[1]: Failed password for invalid user caf\303\251 from 192.0.2.11 port 22 ssh2' \
    'Jan  1 00:00:04 h sshd[1]: Failed password for invalid user \200\201\x80 from 192.0.2.12 port 22 ssh2' \
    | while IFS= read -r l; do printf "$l\n"; done > "$T/mixed.log"
OUT=$'<fid>\t<F-USER>\t<msg>'
n=0
failed=0
check() {	# check NAME ARGS...
	local name=$1
	shift
	n=$((n + 1))
	fail2ban-regex "$@" > "$T/theirs" 2>&1
	"$F2B" regex "$@" > "$T/ours" 2>&1
	if cmp -s "$T/theirs" "$T/ours" && [ -s "$T/ours" ]; then
		echo "ok $n - $name ($(wc -l < "$T/ours") rows)"
	else
		failed=$((failed + 1))
		echo "not ok $n - $name"
		diff "$T/theirs" "$T/ours" | head -6 | sed 's/^/# /'
	fi
}
echo "1..6"
for e in latin-1 cp1252 iso8859_15 UTF-8; do
	check "-e $e" -e "$e" -o "$OUT" "$T/mixed.log" sshd
done
check "default encoding (invalid UTF-8 replaced)" -o "$OUT" "$T/mixed.log" sshd
REMOTE=/lib/systemd/systemd-journal-remote
if [ -x $REMOTE ]; then
	python3 - "$T/export" <<'PY'
import sys, time
now = int(time.time() * 1e6)
with open(sys.argv[1], 'w') as f:
    for i, ip in enumerate(['192.0.2.41', '192.0.2.42', '2001:db8::43']):
        f.write('__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n_BOOT_ID=0123456789abcdef0123456789abcdef\n'
                '_HOSTNAME=myhost\nSYSLOG_IDENTIFIER=sshd\n_PID=%d\n_SYSTEMD_UNIT=sshd.service\n_COMM=sshd\n'
                'MESSAGE=Failed password for invalid user u%d from %s port 4%d ssh2\n\n'
                % (now - 10000000 + i, 1000 + i, 100 + i, i, ip, i))
PY
	mkdir -p "$T/j"
	$REMOTE -o "$T/j/system.journal" - < "$T/export" > /dev/null 2>&1
	check "systemd-journal LOG form" -o "$OUT" "systemd-journal[journalpath=$T/j]" sshd
else
	n=$((n + 1))
	echo "ok $n # SKIP systemd-journal-remote is not installed"
fi
exit $((failed > 0))

#!/bin/bash
# The server's log lines that tools read (logwatch's fail2ban service, the
# recidive jail), against fail2ban-server 1.0.2 on the same configuration
# and the same commands: a jail started on a new database file, then
# maxretry, findtime (a fraction of a minute), bantime, logencoding,
# maxlines and bantime.increment set, a log file removed, flushlogs, two
# failing commands, stop.  Compared in order, whole: "  maxRetry: N",
# "  findtime: N", "  banTime: N", "  encoding: X", "  maxLines: N",
# "Set banTime.x = y", "Added/Removed logfile", "New database created",
# "Connection to database closed.", "rollover performed on",
# "Command ... has failed. Received Exc('x')" (Python 3's repr), and
# where the stock configuration's 'allowipv6' warning goes (stderr, not the
# log).  Then f2b-lite's own start-up line next to fail2ban's.
# Output is TAP.
. "$(dirname "$0")/lib.sh" "$@"
need_root
need_fail2ban
setup loglines

mkcase() {	# mkcase DIR
	local d=$1 c=$1/conf
	mkdir -p "$c"
	cp -rs "$STOCK/." "$c/"
	rm -f "$c/jail.d/defaults-debian.conf"
	: > "$d/t.log"
	: > "$d/u.log"
	failure_filter "$c/filter.d/ll.conf"
	printf '[Definition]\ndbfile = %s/db.sqlite3\n' "$d" | put "$c/fail2ban.local"
	printf '[t]\nenabled = true\nfilter = ll\nlogpath = %s/t.log\n           %s/u.log\naction =\nmaxretry = 3\nbantime = 1h\n' \
	    "$d" "$d" | put "$c/jail.local"
}
# what logwatch and the recidive jail read, with paths, times and PIDs out
wanted() {
	grep -E '  (maxRetry|findtime|banTime|encoding|maxLines): |Set banTime\.|(Added|Removed) logfile|New database created|Connection to database closed|(rollover|flush) performed on|has failed\. Received|allowipv6|Starting Fail2ban|Exiting Fail2ban' "$1" |
	    sed -E "s|$T/[a-z]+|DIR|g; s/^[0-9-]+ [0-9:,]+ //; s/\[[0-9]+\]:/[PID]:/"
}
run() {	# run WHO
	local who=$1 d=$T/$1 c
	mkcase "$d"
	if [ "$who" = ours ]; then start_ours "$who" "$d/conf"; else start_theirs "$who" "$d/conf"; fi
	wait_until 20 started "$T/$who.log" t || note "$who: jail t did not start"
	for c in "set t maxretry 5" "set t findtime 1.5m" "set t bantime 2h" \
	    "set t logencoding latin-1" "set t maxlines 2" "set t bantime.increment true" \
	    "set t dellogpath $d/u.log" "flushlogs" "status nosuch" "set loglevel bogus"; do
		# shellcheck disable=SC2086
		"$F2B" client -s "$T/$who.sock" $c > /dev/null 2>&1
	done
	stop_daemon "$DPID" || note "$who: server ended with status $?"
	wanted "$T/$who.log" > "$T/$who.lines"
	wanted "$T/$who.out" > "$T/$who.stderr"
}

echo "1..3"
run theirs
run ours
if diff "$T/theirs.lines" "$T/ours.lines" > "$T/lines.diff" && [ -s "$T/ours.lines" ]; then
	ok "the log lines tools read: as fail2ban's ($(wc -l < "$T/ours.lines") lines)"
else
	nok "the log lines tools read" "$(head -30 "$T/lines.diff")"
fi
if diff "$T/theirs.stderr" "$T/ours.stderr" > "$T/stderr.diff" && grep -q allowipv6 "$T/ours.stderr"; then
	ok "the configuration's warning on stderr, not in the log: as fail2ban"
else
	nok "the configuration's warning" "$(cat "$T/stderr.diff")"
fi
start=$(grep -A1 'Starting Fail2ban v1.0.2' "$T/ours.log" | tail -1 | sed -E 's/^[0-9-]+ [0-9:,]+ //; s/\[[0-9]+\]:/[PID]:/')
want="fail2ban.server         [PID]: INFO    $("$F2B" --version | sed -E 's/^f2b-lite ([^,]*), compatible with fail2ban (.*)$/f2b-lite v\1, compatible with fail2ban v\2/')"
if [ "$start" = "$want" ]; then
	ok "f2b-lite names itself next to 'Starting Fail2ban v1.0.2': $start"
else
	nok "f2b-lite's start-up line" "got:  $start" "want: $want"
fi
finish

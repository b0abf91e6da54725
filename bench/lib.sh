# bench/lib.sh: helpers the daemon benchmarks share (sourced, not run).
# The caller sets T (its temp dir), SRC (the source tree), F2B (the f2b-lite
# binary) and PIDS=() (processes to kill on exit) before it uses them.

now_us() { echo "${EPOCHREALTIME/./}"; }
syslog_now() { date +'%b %e %H:%M:%S'; }
note() { echo "  $*" >&2; }

wait_for() {	# wait_for SECONDS COMMAND...
	local end=$(( $(now_us) + $1 * 1000000 ))
	shift
	until "$@"; do [ "$(now_us)" -gt $end ] && return 1; sleep 0.01; done
}

mkconf() {	# mkconf DIR: stock config (linked), the seed's files, no database
	local c=$1
	mkdir -p "$c"
	cp -rs /etc/fail2ban/. "$c/"
	rm -f "$c/jail.d/defaults-debian.conf"
	for f in filter.d action.d jail.d; do cp "$SRC/$f/fu_hmail.conf" "$c/$f/"; done
	printf '[Definition]\ndbfile = :memory:\n' > "$c/fail2ban.local"
}

# the stock jails' names (jail.conf's sections)
stock_jails() { sed -n 's/^\[\([^]]*\)\]$/\1/p' /etc/fail2ban/jail.conf | grep -v '^INCLUDES$\|^DEFAULT$'; }

start() {	# start WHO CONF: the daemon in the foreground; PID in $DPID
	local who=$1 conf=$2
	if [ "$who" = fail2ban ]; then
		fail2ban-server -c "$conf" -s "$T/sock" -p "$T/pid" -f -x --logtarget "$T/$who.log" \
		    --loglevel INFO start > "$T/$who.out" 2>&1 &
	else
		"$F2B" server -c "$conf" -s "$T/sock" -p "$T/pid" -f -x --logtarget "$T/$who.log" \
		    --loglevel INFO start > "$T/$who.out" 2>&1 &
	fi
	DPID=$!
	PIDS+=($DPID)
}
stop() {	# stop PID [SECONDS]: SIGTERM; microseconds until it is gone in $STOP_US
	local pid=$1 limit=${2:-120} t0
	t0=$(now_us)
	kill -TERM "$pid" 2> /dev/null
	while kill -0 "$pid" 2> /dev/null; do
		[ $(( $(now_us) - t0 )) -gt $((limit * 1000000)) ] && { kill -KILL "$pid"; break; }
		sleep 0.002
	done
	wait "$pid" 2> /dev/null
	STOP_US=$(( $(now_us) - t0 ))
}
jails_started() {	# jails_started WHO N: N jails said "started" in $T/WHO.log
	local c
	c=$(grep -c "Jail '.*' started" "$T/$1.log" 2> /dev/null)
	[ "${c:-0}" -ge "$2" ]
}

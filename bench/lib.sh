# Shared helpers of the daemon benchmarks (sourced, not run): the network
# namespace a benchmark runs in, the ipset poller (bench/ipset_poll.c), a
# configuration built from the stock one with the seed's files, and starting
# and stopping fail2ban-server or f2b-lite.  Processes are killed by PID only.
#
#   F2B=... SRC=...; . "$SRC/bench/lib.sh"
#   bench_netns "$0" "$@"     # root: re-runs the script inside a new network
#                             # namespace (T: its temp dir) and exits with it

# bench_netns SCRIPT ARGS...: outside, makes a temp dir and a network
# namespace, runs SCRIPT ARGS inside it and exits with its status; inside
# (F2B_BENCH_INNER set) returns with T, PIDS, lo up and the clock helpers.
bench_netns() {
	if [ -z "${F2B_BENCH_INNER:-}" ]; then
		local name
		name=$(basename "$1")
		[ "$(id -u)" = 0 ] || { echo "bench/$name: needs root (network namespaces)" >&2; exit 1; }
		command -v fail2ban-server > /dev/null || { echo "fail2ban-server is not installed" >&2; exit 1; }
		T=$(mktemp -d "/tmp/f2b-bench-${name%.sh}.XXXXXX")
		chmod 755 "$T"
		NS=f2bbench-$$
		ip netns add $NS || exit 1
		trap 'ip netns del $NS 2> /dev/null; rm -rf "$T"' EXIT
		trap 'exit 130' INT TERM
		ip netns exec $NS env F2B_BENCH_INNER="$T" bash "$@"
		exit
	fi
	export LC_ALL=C
	T=$F2B_BENCH_INNER
	PIDS=()
	trap 'for p in "${PIDS[@]}"; do kill -KILL $p 2> /dev/null; done' EXIT
	ip link set lo up
}

now_us() { echo "${EPOCHREALTIME/./}"; }
syslog_now() { date +'%b %e %H:%M:%S'; }
note() { echo "  $*" >&2; }
wait_for() {	# wait_for SECONDS COMMAND...
	local end=$(( $(now_us) + $1 * 1000000 ))
	shift
	until "$@"; do [ "$(now_us)" -gt $end ] && return 1; sleep 0.01; done
}

# bench_poller: $POLL, the poller compiled when libipset's headers are
# there, else ipset(8) in a loop (about 1 ms resolution instead of 0.05 ms)
bench_poller() {
	POLL=$T/ipset_poll
	cc -O2 -o "$POLL" "$SRC/bench/ipset_poll.c" -lipset 2> /dev/null && return
	note "no libipset headers: polling with ipset(8), ~1 ms resolution"
	cat > "$POLL" <<'EOF'
#!/bin/bash
# ipset_poll test|count SET IP|N T0|- [LOG TEXTFILE]
t0=$4
[ "$t0" = - ] && t0=${EPOCHREALTIME/./}
if [ $# = 6 ]; then t0=${EPOCHREALTIME/./}; cat "$6" >> "$5"; fi
while :; do
	if [ "$1" = test ]; then ipset -q test "$2" "$3" && break
	else [ "$(ipset list -t "$2" | sed -n 's/^Number of entries: //p')" -ge "$3" ] && break; fi
	[ $(( ${EPOCHREALTIME/./} - t0 )) -gt $(( ${IPSET_POLL_LIMIT:-300} * 1000000 )) ] && { echo -1; exit 1; }
done
echo $(( ${EPOCHREALTIME/./} - t0 ))
EOF
	chmod +x "$POLL"
}

# set_entries SET: its entry count
set_entries() { ipset list -t "$1" | sed -n 's/^Number of entries: //p'; }

# mkconf DIR: stock config (linked), the seed's files, no database
mkconf() {
	local c=$1
	mkdir -p "$c"
	cp -rs /etc/fail2ban/. "$c/"
	rm -f "$c/jail.d/defaults-debian.conf"
	for f in filter.d action.d jail.d; do cp "$SRC/$f/fu_hmail.conf" "$c/$f/"; done
	printf '[Definition]\ndbfile = :memory:\n' > "$c/fail2ban.local"
}

# the stock jails' names (jail.conf's sections)
stock_jails() { sed -n 's/^\[\([^]]*\)\]$/\1/p' /etc/fail2ban/jail.conf | grep -v '^INCLUDES$\|^DEFAULT$'; }

# start WHO CONF: fail2ban-server (WHO fail2ban) or f2b-lite in the
# foreground, socket $T/sock, log $T/WHO.log; PID in $DPID.  With DEVDIR set,
# f2b-lite runs in a mount namespace of its own whose /dev is DEVDIR (its
# log a syslog socket the benchmark reads; the device nodes bound in).
start() {
	local who=$1 conf=$2 cmd
	if [ "$who" = fail2ban ]; then
		cmd=(fail2ban-server)
	else
		cmd=("$F2B" server)
	fi
	cmd+=(-c "$conf" -s "$T/sock" -p "$T/pid" -f -x --logtarget "$T/$who.log" --loglevel INFO start)
	if [ -n "${DEVDIR:-}" ]; then
		cmd=("$SRC/tests/tools/devdir.sh" "$DEVDIR" "${cmd[@]}")
	fi
	"${cmd[@]}" > "$T/$who.out" 2>&1 &
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
jails_started() {	# jails_started WHO N: N "Jail '...' started" lines in $T/WHO.log
	local c
	c=$(grep -c "Jail '.*' started" "$T/$1.log" 2> /dev/null)
	[ "${c:-0}" -ge "$2" ]
}

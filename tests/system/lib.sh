# Shared helpers of the system tests (sourced, not run): TAP output, a temp
# directory and network namespaces removed by the EXIT trap, a fail2ban
# configuration directory built from the stock one, and starting/stopping
# daemons (ours or Debian's fail2ban-server) that are killed by PID only.
#
#   . "$(dirname "$0")/lib.sh" "$@"     # $1 = f2b-lite binary, $2 = source root
set -u
F2B=$(readlink -f "${1:?usage: $0 F2B-LITE-BINARY [SOURCE-ROOT]}")
SRC=$(readlink -f "${2:-$(dirname "$0")/../..}")
STOCK=/etc/fail2ban
export LC_ALL=C

n=0
failed=0
PIDS=()		# every process we started and must not leave behind
NETNS=()	# every network namespace we created
T=

ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() {
	local l
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done
}
# check NAME COMMAND...: ok when COMMAND succeeds
check() {
	local name=$1
	shift
	if "$@" > "${T:-/tmp}/check.out" 2>&1; then ok "$name"; else nok "$name" "$(tail -n 5 "${T:-/tmp}/check.out")"; fi
}
note() { echo "# $*"; }
# load_bound SECONDS: a latency bound for a machine under load - SECONDS times
# the load per CPU (1-minute average) when that is above 1.  The checks that
# use it also check an order of events, which no load changes.
load_bound() {
	awk -v b="$1" -v n="$(nproc)" \
	    '{ f = $1 / n; if (f < 1) f = 1; printf "%.1f\n", b * f }' /proc/loadavg
}
finish() { exit $((failed > 0)); }

skip_all() { echo "1..0 # SKIP $*"; exit 0; }
need_root() { [ "$(id -u)" = 0 ] || skip_all "not root"; }
need_netns() {
	need_root
	command -v ip > /dev/null || skip_all "no ip(8)"
	local probe=f2bsys-probe-$$
	ip netns add "$probe" 2> /dev/null || skip_all "cannot create network namespaces"
	ip netns del "$probe"
}
need_fail2ban() {
	command -v fail2ban-server > /dev/null && [ -f $STOCK/jail.conf ] ||
	    skip_all "Debian's fail2ban is not installed"
}

# ---- temp dir, processes, namespaces ----------------------------------------

cleanup() {
	local pid i ns
	for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2> /dev/null; done
	for i in $(seq 50); do
		local alive=0
		for pid in "${PIDS[@]}"; do kill -0 "$pid" 2> /dev/null && alive=1; done
		[ $alive = 0 ] && break
		sleep 0.1
	done
	for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2> /dev/null; done
	for ns in "${NETNS[@]}"; do ip netns del "$ns" 2> /dev/null; done
	[ -n "$T" ] && [ -z "${KEEP:-}" ] && rm -rf "$T"
}
setup() {	# setup NAME: $T, removed at exit with everything started
	T=$(mktemp -d "/tmp/f2bsys-$1.XXXXXX")
	chmod 755 "$T"
	trap cleanup EXIT
	trap 'exit 130' INT TERM
}
spawned() { PIDS+=("$1"); }	# spawned PID: kill it at exit
forget() {			# forget PID: it is gone (reaped), never kill that number
	local p keep=()
	for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	PIDS=("${keep[@]}")
}
netns_add() {			# netns_add NAME
	ip netns add "$1" || return 1
	NETNS+=("$1")
	ip netns exec "$1" ip link set lo up
}

# ---- time -------------------------------------------------------------------

now_us() { echo "${EPOCHREALTIME/./}"; }
syslog_now() { date +'%b %e %H:%M:%S'; }
us_of() {	# us_of SECONDS (decimal allowed): microseconds
	local i=${1%.*} f=0
	case $1 in *.*) f=${1#*.}000000; f=$((10#${f:0:6})) ;; esac
	echo $(( ${i:-0} * 1000000 + f ))
}

# wait_until SECONDS COMMAND...: poll COMMAND every 20 ms until it succeeds
# (status 0) or SECONDS have passed (status 1)
wait_until() {
	local limit=$(( $(now_us) + $(us_of "$1") ))
	shift
	while ! "$@"; do
		[ "$(now_us)" -ge "$limit" ] && return 1
		sleep 0.02
	done
	return 0
}

# ---- configuration ----------------------------------------------------------

put() { rm -f "$1"; cat > "$1"; }	# never write through a link into /etc

# mkconf DIR: the stock configuration (linked, never modified), without
# Debian's sshd default, with our fu_hmail filter and action, and an
# in-memory database (fail2ban would otherwise create
# /var/lib/fail2ban/fail2ban.sqlite3).
mkconf() {
	local c=$1
	mkdir -p "$c"
	cp -rs "$STOCK/." "$c/"
	rm -f "$c/jail.d/defaults-debian.conf"
	cp "$SRC/filter.d/fu_hmail.conf" "$c/filter.d/"
	cp "$SRC/action.d/fu_hmail.conf" "$c/action.d/"
	printf '[Definition]\ndbfile = :memory:\n' | put "$c/fail2ban.local"
}

# ---- daemons ----------------------------------------------------------------

# start_ours NAME CONF [NETNS]: f2b-lite server in the foreground, logging to
# $T/NAME.log (socket $T/NAME.sock, pidfile $T/NAME.pid, stdout+stderr in
# $T/NAME.out); its PID in $DPID.
start_ours() {
	local name=$1 conf=$2 ns=${3:-}
	local cmd=("$F2B" server -c "$conf" -s "$T/$name.sock" -p "$T/$name.pid" -f -x
	    --logtarget "$T/$name.log" --loglevel "${LOGLEVEL:-INFO}" start)
	# DEVDIR=DIR: the daemon sees DIR as /dev (DIR/log a test syslog socket;
	# the device nodes it needs bound in), in a mount namespace of its own
	if [ -n "${DEVDIR:-}" ]; then
		cmd=("$SRC/tests/tools/devdir.sh" "$DEVDIR" "${cmd[@]}")
	fi
	launch "$name" "$ns" "${cmd[@]}"
}
# start_theirs NAME CONF [NETNS]: Debian's fail2ban-server, the same way
start_theirs() {
	local name=$1 conf=$2 ns=${3:-}
	launch "$name" "$ns" fail2ban-server -c "$conf" -s "$T/$name.sock" -p "$T/$name.pid" -f -x \
	    --logtarget "$T/$name.log" --loglevel "${LOGLEVEL:-INFO}" start
}
# devlog_sink DIR OUT: DIR/log a syslog datagram socket (for DEVDIR=DIR) whose
# datagrams are appended to OUT, one a line; returns once it listens
devlog_sink() {
	mkdir -p "$1"
	"${PY:-python3}" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[2], "w").close()
while True:
    d = s.recv(65536)
    with open(sys.argv[2], "ab") as f:
        f.write(d + b"\n")
' "$1/log" "$2" &
	spawned $!
	wait_until 5 test -S "$1/log"
}
# launch NAME NETNS COMMAND...: COMMAND in the background (in NETNS unless
# empty), stdout+stderr in $T/NAME.out; its PID in $DPID
launch() {
	local name=$1 ns=$2
	shift 2
	if [ -n "$ns" ]; then
		ip netns exec "$ns" "$@" > "$T/$name.out" 2>&1 &
	else
		"$@" > "$T/$name.out" 2>&1 &
	fi
	DPID=$!
	spawned $DPID
}
# started LOG JAIL...: every jail has logged "Jail 'JAIL' started"
started() {
	local log=$1 j
	shift
	for j in "$@"; do grep -q "Jail '$j' started" "$log" 2> /dev/null || return 1; done
}
# stop_daemon PID [SECONDS]: SIGTERM, wait; $? is its exit status, 124 if it
# had to be killed
stop_daemon() {
	local pid=$1 limit=${2:-10} i
	kill -TERM "$pid" 2> /dev/null
	for i in $(seq $((limit * 20))); do
		kill -0 "$pid" 2> /dev/null || break
		sleep 0.05
	done
	if kill -0 "$pid" 2> /dev/null; then
		kill -KILL "$pid" 2> /dev/null
		wait "$pid" 2> /dev/null
		forget "$pid"
		return 124
	fi
	wait "$pid" 2> /dev/null
	local rc=$?
	forget "$pid"
	return $rc
}
# gone PID: the process has ended - no such process, or a zombie (a server
# started with -b forks away from this shell, and PID 1 need not reap it)
gone() {
	local st
	st=$(sed -n 's/.*) \([A-Za-z]\) .*/\1/p' "/proc/$1/stat" 2> /dev/null)
	[ -z "$st" ] || [ "$st" = Z ]
}
# stop_detached PID [SECONDS]: stop_daemon for a process that is not our
# child (a server started with -b): SIGTERM, wait until it is gone, else
# SIGKILL (status 124); forgotten
stop_detached() {
	local pid=$1 rc=0
	kill -TERM "$pid" 2> /dev/null
	if ! wait_until "${2:-10}" gone "$pid"; then
		kill -KILL "$pid" 2> /dev/null
		wait_until 5 gone "$pid"
		rc=124
	fi
	forget "$pid"
	return $rc
}
# count_in FILE PATTERN: lines of FILE matching the fixed string PATTERN
count_in() { grep -cF -- "$2" "$1" 2> /dev/null || true; }
# at_least N FILE FIXED-STRING: at least N lines of FILE hold the string
# (for wait_until, which must re-evaluate its command)
at_least() { [ "$(count_in "$2" "$3")" -ge "$1" ]; }
# has FILE FIXED-STRING
has() { grep -qF -- "$2" "$1" 2> /dev/null; }
# A gate a test's command waits at without polling: gate_close FILE makes
# the test hold FILE's lock (an exclusive flock on a descriptor it keeps);
# the command waits with "flock -s -w 30 FILE true" (GATE_WAIT FILE) until
# gate_open FILE lets it and every later one through.
declare -A GATE_FD=()
gate_close() {
	local fd=${GATE_FD[$1]:-}
	if [ -z "$fd" ]; then
		exec {fd}> "$1"
		GATE_FD[$1]=$fd
	fi
	flock -x "$fd"
}
gate_open() { flock -u "${GATE_FD[$1]}"; }
gate_wait() { echo "flock -s -w 30 $1 true"; }	# the waiting command, for a config
# bans LOG JAIL: the IPs of "[JAIL] Ban IP" in order
# failure_filter FILE: a filter of "... failure from <HOST>" syslog lines
failure_filter() {
	put "$1" <<'EOF'
[INCLUDES]
before = common.conf
[Definition]
failregex = ^%(__prefix_line)sfailure from <HOST>$
EOF
}
# ban_action FILE: an action writing "ban IP" to its out=FILE (default /dev/null)
ban_action() {
	put "$1" <<'EOF'
[Definition]
actionban = echo ban <ip> >> <out>
actionunban =
[Init]
out = /dev/null
EOF
}
# offend_both JAIL IP: one failure line in $T/ours/JAIL.log and $T/theirs/JAIL.log,
# the same line for both daemons of a differential test
offend_both() {
	local line
	line="$(syslog_now) host app[1]: failure from $2"
	echo "$line" >> "$T/ours/$1.log"
	echo "$line" >> "$T/theirs/$1.log"
}
bans() { sed -n "s/.*NOTICE  \[$2\] Ban \([^ ]*\).*/\1/p" "$1"; }
unbans() { sed -n "s/.*NOTICE  \[$2\] Unban \([^ ]*\).*/\1/p" "$1"; }

# ---- many addresses ---------------------------------------------------------

# hmail_offences N: N lines of the seed's hMailServer log dated now, each a
# failure ("SENT: 503") from an address of its own (10.0.0.1, 10.0.0.2...)
hmail_offences() {
	awk -v n="$1" -v d="$(syslog_now)" 'BEGIN {
		for (i = 0; i < n; i++)
			printf "%s mail \"SMTPD\"#0111200#0119999#011\"2005-08-10 18:10:00.100\"#011\"10.%d.%d.%d\"#011\"SENT: 503 Bad sequence of commands\"\n",
			    d, int(i / 65025) % 250, int(i / 255) % 255, i % 255 + 1 }'
}
# counting_conf DIR: mkconf DIR with the seed's fu_hmail jail and filter on
# $T/hmail.log (made empty), the stock actions, maxretry 3, findtime 1d
counting_conf() {
	mkconf "$1"
	printf '[fu_hmail]\nenabled = true\nfilter = fu_hmail\nlogpath = %s\nmaxretry = 3\nfindtime = 1d\n' \
	    "$T/hmail.log" | put "$1/jail.local"
	: > "$T/hmail.log"
}
rss_bytes() { awk '/^VmRSS:/ { print $2 * 1024 }' "/proc/$1/status"; }	# rss_bytes PID
# total_failed SOCKET JAIL: "Total failed" of `status JAIL` (empty if no answer)
total_failed() {
	"$F2B" client -s "$1" status "$2" 2> /dev/null | sed -n 's/.*Total failed:[[:space:]]*//p'
}

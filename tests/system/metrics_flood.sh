#!/bin/bash
# The metrics listener (any local user may connect) must not cost a ban.
# In a network namespace, f2b-lite runs with --metrics and the usual open
# files limit of 1024; a local client opens 1,100 connections to it and
# holds them.  Before, the listener took them all, ran out of descriptors
# (and spun on EMFILE), and the next ban could not start /bin/sh while
# status listed the address as banned.  Now: at most 16 are open at once
# (the rest wait in the backlog), each closed after 10 s; an offender is
# banned and its action runs; the socket answers; the daemon's descriptors
# stay few.  Then with a limit of 24 descriptors, so that 8 connections
# exhaust it: the ban's command still starts (the runner's descriptor
# reserve), and metrics answers once the client is gone.  TAP.
. "$(dirname "$0")/lib.sh" "$@"
need_netns
command -v prlimit > /dev/null || skip_all "no prlimit(1)"
setup metrics
NS=f2bsys-$$-m
PORT=9191
echo "1..10"
netns_add "$NS" || { nok "network namespace"; finish; }

mkconf "$T/conf"
failure_filter "$T/conf/filter.d/flood.conf"
put "$T/conf/action.d/flood.conf" <<EOF
[Definition]
actionban = echo ban <ip> >> $T/actions.out
actionunban = echo unban <ip> >> $T/actions.out
EOF
: > "$T/t.log"
put "$T/conf/jail.local" <<EOF
[t]
enabled = true
filter = flood
action = flood
logpath = $T/t.log
maxretry = 1
findtime = 1h
bantime = 1h
EOF

# holder N: opens N connections to the metrics port and holds them (sends
# nothing) until $T/hold.stop exists; $T/hold.state: "opened closed" (closed
# by the server, seen as EOF), rewritten as it goes
put "$T/holder.py" <<'PY'
import os, resource, select, socket, sys
n, port, state, stop = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
socks, closed = {}, set()
p = select.poll()
for i in range(n):
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect(('127.0.0.1', port))
    except BlockingIOError:
        pass
    socks[s.fileno()] = s
    p.register(s, select.POLLIN)
def write():
    with open(state + '.tmp', 'w') as f:
        f.write('%d %d\n' % (len(socks), len(closed)))
    os.rename(state + '.tmp', state)
write()
while not os.path.exists(stop):
    for fd, ev in p.poll(200):
        try:
            gone = socks[fd].recv(1) == b''
        except BlockingIOError:
            gone = False
        except OSError:
            gone = True
        if gone:
            closed.add(fd)
            p.unregister(fd)
    write()
PY
ours() {	# ours NOFILE: f2b-lite in the namespace with that open files limit
	rm -f "$T/ours.sock"
	launch ours "$NS" prlimit --nofile="$1:$1" "$F2B" server -c "$T/conf" -s "$T/ours.sock" \
	    -p "$T/ours.pid" -f -x --logtarget "$T/ours.log" --loglevel INFO \
	    --metrics 127.0.0.1:$PORT start
}
hold() {	# hold N
	rm -f "$T/hold.stop" "$T/hold.state"
	ip netns exec "$NS" python3 "$T/holder.py" "$1" $PORT "$T/hold.state" "$T/hold.stop" &
	HOLDER=$!
	spawned $HOLDER
	wait_until 60 test -s "$T/hold.state"
}
unhold() {
	touch "$T/hold.stop"
	wait $HOLDER 2> /dev/null
	forget $HOLDER
}
fds() { ls "/proc/$PID/fd" 2> /dev/null | wc -l; }
offend() { echo "$(syslog_now) host app[1]: failure from $1" >> "$T/t.log"; }
banned_by_action() { grep -qx "ban $1" "$T/actions.out" 2> /dev/null; }
status_ok() { "$F2B" client -s "$T/ours.sock" status t 2> /dev/null | grep -q "Banned IP list:.*$1"; }
metrics_get() {
	ip netns exec "$NS" python3 - $PORT <<'PY'
import socket, sys
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=5)
s.sendall(b'GET /metrics HTTP/1.0\r\n\r\n')
d = b''
while True:
    x = s.recv(65536)
    if not x:
        break
    d += x
sys.exit(0 if b'f2b_bans_total{jail="t"} ' in d else 1)
PY
}

# ---- 1,100 connections held, the usual limit ------------------------------------
ours 1024
PID=$DPID
check "the server starts with --metrics" wait_until 30 started "$T/ours.log" t
hold 1100
# the listener took what it takes: all it can (before), or the most allowed
wait_until 60 eval '[ "$(fds)" -ge 1000 ] || has "$T/ours.log" "the most allowed"'
offend 192.0.2.50
check "an offender is banned while 1,100 metrics connections are held: its action ran" \
    wait_until 10 banned_by_action 192.0.2.50
check "... status lists it, and the socket answers" status_ok 192.0.2.50
nfd=$(fds)
check "the daemon holds few descriptors ($nfd; 16 connections at most)" [ "$nfd" -lt 60 ]
check "held connections are closed after 10 s" \
    wait_until 30 eval '[ "$(cut -d" " -f2 "$T/hold.state")" -ge 16 ]'
check "no 'could not run' or 'Error banning'" \
    eval '! grep -q "could not run\|Error banning\|Errno" "$T/ours.log"'
unhold
check "metrics answers once the client is gone" wait_until 30 metrics_get
stop_daemon "$PID" 20

# ---- a limit the connections alone exhaust -------------------------------------
: > "$T/actions.out"
ours 24
PID=$DPID
wait_until 30 started "$T/ours.log" t
hold 200
wait_until 60 eval 'has "$T/ours.log" "out of file descriptors" || [ "$(fds)" -ge 24 ]'
offend 192.0.2.51
check "out of descriptors, the ban's command still runs (the runner's reserve)" \
    wait_until 10 banned_by_action 192.0.2.51
unhold
check "metrics answers once the client is gone" wait_until 30 metrics_get
check "the server stops" stop_daemon "$PID" 20
finish

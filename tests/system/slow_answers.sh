#!/bin/bash
# Answers that take long must hold up only what waits for them.
#  1. usedns: jail "dns" gets failures naming 10 hosts that do not resolve -
#     the daemons run in a network and mount namespace whose resolv.conf
#     points at a server that never answers (each lookup times out after
#     2 s per address family) - then one naming a host in its hosts file;
#     jail "b" gets an offender right after.  b's ban, and the socket's
#     answers, must come within $BOUND s (before: the lookups ran on the
#     loop, 10 names held every jail and the socket ~40 s); the dns jail
#     bans the resolvable host after the 10 others were answered (its
#     failures in order).  Bans and the names warned about compared with
#     fail2ban-server's.
#  2. ignorecommand: jail "ign" asks a command about two addresses (it
#     ignores one of them) that answers only once the test opens its gate;
#     jail "b" gets an offender meanwhile: b's ban within $BOUND s while
#     the command still waits (before: the command ran on the loop, and
#     nothing else ran until it answered); the same bans and "Ignore ... by command" lines as
#     fail2ban-server's.
#  3. control clients: one sends an endless stream without a terminator,
#     one a 0.8 MiB request (a dict of 50,000 keys: its decoding was
#     quadratic, 12 s); a third one's ping answered within $BOUND s
#     throughout.
# TAP.
. "$(dirname "$0")/lib.sh" "$@"
need_netns
need_fail2ban
setup slow
NS=f2bsys-$$-dns
BOUND=2	# seconds, on an idle machine (load_bound scales it)
echo "1..9"
netns_add "$NS" || { nok "network namespace"; finish; }

# ---- a resolver that never answers, in the namespace --------------------------------
put "$T/resolv.conf" <<'EOF'
nameserver 127.0.0.1
options timeout:1 attempts:2
EOF
put "$T/hosts" <<EOF
127.0.0.1	localhost
::1	localhost
127.0.1.1	$(hostname)
192.0.2.77	good.example
EOF
put "$T/blackhole.py" <<'PY'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', 53))
while True:
	s.recvfrom(4096)	# and no answer
PY
ip netns exec "$NS" python3 "$T/blackhole.py" &
spawned $!
# in_ns COMMAND...: becomes COMMAND in the namespace, with our resolv.conf and
# hosts (run in the background: the PID launch records is the daemon's)
in_ns() {
	exec ip netns exec "$NS" unshare -m --propagation private sh -c '
		mount --bind "$0/resolv.conf" /etc/resolv.conf &&
		mount --bind "$0/hosts" /etc/hosts && exec "$@"' "$T" "$@"
}

mkconf "$T/conf"
failure_filter "$T/conf/filter.d/slow.conf"
ban_action "$T/conf/action.d/slow.conf"
for who in ours theirs; do
	D=$T/$who
	mkdir -p "$D"
	gate_close "$D/go"
	cp -r "$T/conf" "$D/"
	for j in dns ign b; do : > "$D/$j.log"; done
	put "$D/ign.sh" <<EOF
#!/bin/sh
echo "\$1" >> $D/ign.asked
$(gate_wait $D/go)	# until the test opens the gate (30 s at most)
echo "\$1" >> $D/ign.ran
[ "\$1" = 192.0.2.1 ]
EOF
	chmod +x "$D/ign.sh"
	put "$D/conf/jail.local" <<EOF
[DEFAULT]
filter = slow
maxretry = 1
findtime = 1h
bantime = 1h
[dns]
enabled = true
usedns = yes
logpath = $D/dns.log
action = slow[out="$D/dns.out"]
[ign]
enabled = true
ignorecommand = $D/ign.sh <ip>
logpath = $D/ign.log
action = slow[out="$D/ign.out"]
[b]
enabled = true
logpath = $D/b.log
action = slow[out="$D/b.out"]
EOF
done
launch ours "" in_ns "$F2B" server -c "$T/ours/conf" -s "$T/ours.sock" -p "$T/ours.pid" -f -x \
    --logtarget "$T/ours.log" --loglevel INFO start
launch theirs "" in_ns fail2ban-server -c "$T/theirs/conf" -s "$T/theirs.sock" -p "$T/theirs.pid" \
    -f -x --logtarget "$T/theirs.log" --loglevel INFO start
check "both servers start" wait_until 30 eval 'started "$T/ours.log" dns ign b &&
    started "$T/theirs.log" dns ign b'

within() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 <= b + 0) }'; }
pinger() {
	rm -f "$T/ours.stop" "$T/ours.ping"
	python3 "$SRC/tests/tools/pinger.py" "$T/ours.sock" "$T/ours.stop" "$T/ours.ping" status &
	spawned $!
}
worst() {
	touch "$T/ours.stop"
	wait_until 150 test -s "$T/ours.ping"
	cat "$T/ours.ping"
}
both() {	# both JAIL IP: the same failure line to both daemons
	local line
	line="$(syslog_now) host app[1]: failure from $2"
	echo "$line" >> "$T/ours/$1.log"
	echo "$line" >> "$T/theirs/$1.log"
}
# b_ban_ms IP: b's ban of IP, appended now, in ms
b_ban_ms() {
	local t0
	t0=$(now_us)
	both b "$1"
	wait_until 120 grep -qsx "ban $1" "$T/ours/b.out"
	echo $(( ($(now_us) - t0) / 1000 ))
}
warned() { sed -n 's/.*Unable to find a corresponding IP address for \([^:]*\):.*/\1/p' "$1" | sort; }

# ---- 1. usedns ----------------------------------------------------------------
pinger
for i in $(seq 10); do both dns "nowhere-$i.example.org"; done
both dns good.example
took=$(b_ban_ms 198.51.100.1)
answered=$(grep -c 'Unable to find a corresponding IP' "$T/ours.log")
bound=$(load_bound $BOUND)
check "another jail bans while 10 names time out in the resolver ($answered answered then): in $took ms (bound $bound s)" \
    eval '[ "$answered" -lt 10 ] && within $((took / 1000)) $bound'
check "the dns jail bans the resolvable host" wait_until 120 grep -qsx "ban 192.0.2.77" "$T/ours/dns.out"
check "... after the 10 others were answered (its failures in order)" \
    [ "$(sed -n '/\[dns\] Ban 192.0.2.77/q;p' "$T/ours.log" | grep -c 'Unable to find a corresponding IP')" = 10 ]
read -r w answers fails cmd <<< "$(worst)"
bound=$(load_bound $BOUND)
check "the socket answered within $w s meanwhile (bound $bound s, $answers answers)" \
    eval 'within "$w" $bound && [ "$fails" = 0 ]'
wait_until 300 grep -qsx "ban 192.0.2.77" "$T/theirs/dns.out"
check "the same bans and names warned about as fail2ban-server's" \
    eval 'cmp -s "$T/ours/dns.out" "$T/theirs/dns.out" && cmp -s "$T/ours/b.out" "$T/theirs/b.out" &&
        [ "$(warned "$T/ours.log")" = "$(warned "$T/theirs.log")" ]'

# ---- 2. ignorecommand ----------------------------------------------------------
both ign 192.0.2.1
both ign 203.0.113.2
wait_until 30 has "$T/ours/ign.asked" 192.0.2.1
took=$(b_ban_ms 198.51.100.2)
ign_then=$(grep -c 'ban 203.0.113.2' "$T/ours/ign.out" 2> /dev/null)
[ -s "$T/ours/ign.ran" ] && ign_then=answered
bound=$(load_bound $BOUND)
check "another jail bans while the ignorecommand waits (before its answer: ${ign_then:-0} bans): in $took ms (bound $bound s)" \
    eval '[ "${ign_then:-0}" = 0 ] && within $((took / 1000)) $bound'
gate_open "$T/ours/go"; gate_open "$T/theirs/go"
wait_until 60 eval 'grep -qsx "ban 203.0.113.2" "$T/ours/ign.out" && grep -qsx "ban 203.0.113.2" "$T/theirs/ign.out"'
ign_lines() { grep -o 'Ignore [^ ]* by command' "$1"; }
check "the same bans and ignores as fail2ban-server's ($(ign_lines "$T/ours.log" | tr '\n' ';'))" \
    eval 'cmp -s "$T/ours/ign.out" "$T/theirs/ign.out" && cmp -s "$T/ours/b.out" "$T/theirs/b.out" &&
        [ "$(ign_lines "$T/ours.log")" = "$(ign_lines "$T/theirs.log")" ] &&
        cmp -s <(sort "$T/ours/ign.ran") <(sort "$T/theirs/ign.ran")'

# ---- 3. busy control clients ---------------------------------------------------------
pinger
python3 - "$T/ours.sock" "$SRC/tests/tools" <<'PY' > "$T/clients.out" 2>&1
import pickle, socket, sys, threading, time
sys.path.insert(0, sys.argv[2])
import f2bsock
path = sys.argv[1]
def endless():
	s = socket.socket(socket.AF_UNIX)
	s.connect(path)
	chunk = b'x' * 65536
	end = time.monotonic() + 4
	try:
		while time.monotonic() < end:
			s.sendall(chunk)
	except OSError:
		pass
	s.close()
t = threading.Thread(target=endless)
t.start()
big = pickle.dumps(['echo', {'k%d' % i: i for i in range(50000)}], 2)
t0 = time.monotonic()
r = f2bsock.talk(path, big, timeout=120)
print('echo of %d bytes: %.3f s, %s' % (len(big), time.monotonic() - t0,
	'echoed' if r[0] == 0 and len(r[1][0]) == 50000 else r))
t.join()
PY
read -r w answers fails cmd <<< "$(worst)"
bound=$(load_bound $BOUND)
check "a ping beside an endless stream and a 0.8 MiB request answered within $w s (bound $bound s; $(cat "$T/clients.out"))" \
    eval 'within "$w" $bound && [ "$fails" = 0 ] && grep -q echoed "$T/clients.out"'
finish

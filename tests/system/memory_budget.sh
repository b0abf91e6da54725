#!/bin/bash
# Memory per tracked address (issue 14.3): 50,000 distinct addresses failing
# once each on the seed's fu_hmail filter (maxretry 3, findtime 1d, the
# stock actions: none is banned), appended to the log at once.  Once
# `status` counts every failure, the server's RSS may have grown by at most
# 250 bytes an address, its matched line included (bench/memory.sh measures
# 300,000 beside fail2ban).  A build with AddressSanitizer has an allocator
# of its own: only the counting is checked there.  TAP.
. "$(dirname "$0")/lib.sh" "$@"
need_netns
setup membudget
echo "1..4"
N=50000
BUDGET=250
NS=f2bmb-$$
netns_add $NS || exit 1

counting_conf "$T/conf"
hmail_offences $N > "$T/lines"
answers() { [ -n "$(total_failed "$T/ours.sock" fu_hmail)" ]; }
all_counted() { [ "$(total_failed "$T/ours.sock" fu_hmail)" = "$N" ]; }

start_ours ours "$T/conf" $NS
pid=$DPID
wait_until 30 started "$T/ours.log" fu_hmail && wait_until 10 answers
before=$(rss_bytes $pid)
cat "$T/lines" >> "$T/hmail.log"
check "every one of the $N failures is counted" wait_until "$(load_bound 60)" all_counted
after=$(rss_bytes $pid)
per=$(( (after - before) / N ))
note "RSS $before -> $after bytes: $per bytes per tracked address"
check "$N addresses are tracked, none banned" eval \
    '"$F2B" client -s "$T/ours.sock" status fu_hmail | grep -q "Currently failed:[[:space:]]*$N\$"'
if nm -D "$F2B" 2> /dev/null | grep -q __asan_init || ldd "$F2B" | grep -q libasan; then
	ok "# SKIP the sanitizers' allocator ($per bytes per address)"
else
	check "an address costs at most $BUDGET bytes of RSS ($per)" [ "$per" -le $BUDGET ]
fi
check "f2b-lite stopped cleanly (a sanitizer's report fails it)" stop_daemon $pid 20
finish

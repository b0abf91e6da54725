#!/bin/bash
# Runs a libFuzzer target for a few seconds from its seed corpus and reports
# the result as TAP: a crash, leak or sanitizer report is a failure.
set -u
bin=${1:?usage: smoke.sh FUZZER SEEDS SECONDS}
seeds=${2:?}
secs=${3:-20}
name=$(basename "$bin")
work=$(mktemp -d /tmp/f2b-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp -r "$seeds/." "$work/" 2>/dev/null
echo "1..1"
if "$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$work/" "$work" > "$work/log" 2>&1; then
	runs=$(grep -o 'Done [0-9]* runs' "$work/log" | tail -1)
	echo "ok 1 - $name: ${runs:-done} in ${secs}s without a crash"
else
	echo "not ok 1 - $name crashed"
	grep -v '^#\|^INFO' "$work/log" | tail -30 | sed 's/^/# /'
	exit 1
fi

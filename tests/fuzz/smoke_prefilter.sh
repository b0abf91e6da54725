#!/bin/bash
# fuzz_prefilter from seeds made now from the installed stock filters
# (prefilter_seeds.py), then as every target: smoke.sh.
set -u
bin=${1:?usage: smoke_prefilter.sh FUZZER SECONDS}
seeds=$(mktemp -d /tmp/f2b-pfseeds.XXXXXX)
trap 'rm -rf "$seeds"' EXIT
python3 "$(dirname "$0")/prefilter_seeds.py" "$seeds" > /dev/null 2>&1
[ -n "$(ls "$seeds")" ] || printf 'Failed password for .* from <HOST>\nFailed password for x from 192.0.2.1\n' > "$seeds/one"
"$(dirname "$0")/smoke.sh" "$bin" "$seeds" "${2:-20}"

#!/bin/bash
# Corpus replay: `f2b-lite regex --corpus` over a directory of sample logs
# annotated with fail2ban's "# failJSON:" lines, against the filters of a
# config directory.  Used for fail2ban's own sample corpus (read from the
# installed package) and for our test-logs/.  Output is TAP.
set -u
F2B=${1:?usage: corpus.sh F2B-LITE-BINARY CONFIG-DIR LOG-DIR}
CONF=${2:?usage: corpus.sh F2B-LITE-BINARY CONFIG-DIR LOG-DIR}
LOGS=${3:?usage: corpus.sh F2B-LITE-BINARY CONFIG-DIR LOG-DIR}
if [ ! -d "$LOGS" ] || [ ! -d "$CONF/filter.d" ]; then
	echo "1..0 # SKIP $LOGS or $CONF/filter.d is missing"
	exit 0
fi
exec "$F2B" regex -c "$CONF" --corpus "$LOGS" --tap

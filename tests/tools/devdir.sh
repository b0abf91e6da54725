#!/bin/sh
# devdir.sh DIR COMMAND...: runs COMMAND (exec: the same process) in a
# mount namespace of its own whose /dev is DIR - DIR/log a syslog socket
# of the caller's, the device nodes a daemon needs bound in - so that its
# syslog lines reach the caller and never the host's syslog.  Root.
dir=$1
shift
exec unshare -m --propagation private sh -c '
	for n in null zero full random urandom; do
		: > "$0/$n" && mount --bind "/dev/$n" "$0/$n" || exit 126
	done
	mount --bind "$0" /dev && exec "$@"' "$dir" "$@"

# Sourced by each peer suite (tests/peers/*.sh).  With NSP_PEER_LOG set,
# the suite's whole output goes there, so that under `namspill --` the
# program's output and namspill's own summary land in different files.
# need PATH PACKAGE: skip (status 77, reason on the last line) when the
# Debian package that installs PATH is missing.
[ -z "${NSP_PEER_LOG:-}" ] || exec >"$NSP_PEER_LOG" 2>&1

need() {
	[ -e "$1" ] && return 0
	echo "skip: $2 is not installed (no $1; scripts/install-deps peers installs it)"
	exit 77
}

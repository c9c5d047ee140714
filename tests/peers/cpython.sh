#!/bin/sh
# CPython 3.11's own tests of processes, descriptors, signals and threads
# (Debian: libpython3.11-testsuite), verbose: one line per test.
#   tests/peers/cpython.sh [MODULE... [-m PATTERN]...]   (default: the list)
. "$(dirname "$0")/common.sh"
need /usr/bin/python3.11 python3.11
need /usr/lib/python3.11/test/test_subprocess.py libpython3.11-testsuite
[ $# -gt 0 ] || set -- test_subprocess test_os test_posix test_signal test_threading \
	test_pty test_fork1 test_wait4
# --timeout: a hung test dumps its stack and fails instead of hanging the run.
exec /usr/bin/python3.11 -m test -v --timeout=600 "$@"

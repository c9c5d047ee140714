#!/bin/sh
# The Go standard library's tests of exec, system calls and signals
# (Debian: golang-go), as go test -json events.
#   tests/peers/go.sh [GO TEST ARGS... PACKAGE...]   (default: the list)
# os/exec's TestExtraFiles skips when the test process starts with a
# descriptor beyond 0-2: run.py starts every suite with none.
. "$(dirname "$0")/common.sh"
need /usr/bin/go golang-go
[ $# -gt 0 ] || set -- os/exec syscall os/signal
exec /usr/bin/go test -count=1 -json "$@"

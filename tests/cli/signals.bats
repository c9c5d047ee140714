#!/usr/bin/env bats
# Signals sent to namspill reach the whole tree, and nothing of the tree
# outlives it.

load helper

gone() {
	local i
	for i in $(seq 100); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.05
	done
	return 1
}

# namspill ARGS -- a shell that exits 3 on SIGTERM, waiting for a child:
# SIGTERM to namspill reaches both, once.
term_reaches_tree() {
	"$NAMSPILL" "$@" -- sh -c "trap 'echo TERM >> $T/got; exit 3' TERM; sleep 1000 & echo \$! > $T/sleep; wait" \
		2>"$T/err" &
	wrapper=$!
	wait_for "$T/sleep"
	# Until it has exec'd, the child is a copy of sh with sh's TERM trap,
	# and would take the signal in its stead (a rare hang under --trace).
	for _ in $(seq 200); do
		[ "$(cat "/proc/$(cat "$T/sleep")/comm" 2>/dev/null)" = sleep ] && break
		sleep 0.05
	done
	kill -TERM "$wrapper"
	status=0; wait "$wrapper" || status=$?
	[ "$status" -eq 3 ]
	[ "$(cat "$T/got")" = TERM ]
	gone "$(cat "$T/sleep")"
}

@test "SIGTERM to namspill reaches the command and its children; no orphan" {
	term_reaches_tree
}

@test "a child that outlives its shell after SIGTERM is killed after the grace period" {
	"$NAMSPILL" -- sh -c "sh -c 'trap \"\" TERM; echo \$\$ > $T/stubborn; sleep 1000' & wait" 2>"$T/err" &
	wrapper=$!
	wait_for "$T/stubborn"
	kill -TERM "$wrapper"
	status=0; wait "$wrapper" || status=$?
	[ "$status" -eq 143 ]
	gone "$(cat "$T/stubborn")"
}

@test "SIGHUP and SIGINT are passed on the same way" {
	# A job started with & ignores SIGINT, and so would its children:
	# the command sets it back to the default before it sleeps.
	for sig in HUP INT; do
		"$NAMSPILL" -- python3 -c "import os, signal
signal.signal(signal.SIGINT, signal.SIG_DFL)
open('$T/pid.$sig', 'w').write(str(os.getpid()))
os.execvp('sleep', ['sleep', '1000'])" 2>"$T/err" &
		wrapper=$!
		wait_for "$T/pid.$sig"
		kill -"$sig" "$wrapper"
		status=0; wait "$wrapper" || status=$?
		[ "$status" -eq $((128 + $(kill -l "$sig"))) ]
		gone "$(cat "$T/pid.$sig")"
	done
}

@test "if namspill is killed outright, the command goes with it" {
	# Its report directory stays behind: let it be in $T.
	TMPDIR=$T "$NAMSPILL" -- sh -c "echo \$\$ > $T/pid; exec sleep 1000" 2>"$T/err" &
	wrapper=$!
	wait_for "$T/pid"
	kill -KILL "$wrapper"
	wait "$wrapper" || true
	gone "$(cat "$T/pid")"
}

@test "under the tracer, SIGTERM reaches the command once and the tree ends" {
	need_root
	term_reaches_tree --trace
}

@test "signals namspill was started ignoring are ignored in the command too, in every mode" {
	# nohup ignores SIGHUP; a shell's background job starts with SIGINT
	# and SIGQUIT ignored; a parent may ignore SIGCHLD (its children are
	# then reaped for it, and wait() says ECHILD).  The command must get
	# them as it would without namspill.
	local ignoring='import os, signal, sys
for s in (signal.SIGHUP, signal.SIGINT, signal.SIGQUIT, signal.SIGTERM, signal.SIGCHLD):
    signal.signal(s, signal.SIG_IGN)
os.execvp(sys.argv[1], sys.argv[1:])'
	run python3 -c "$ignoring" grep SigIgn /proc/self/status
	[ "$status" -eq 0 ]
	local native=$output
	[[ "$native" == SigIgn:* ]]
	for mode in "" --no-watch --trace; do
		[ "$mode" != --trace ] || [ "$(id -u)" -eq 0 ] || continue
		run python3 -c "$ignoring" "$NAMSPILL" -q $mode -- grep SigIgn /proc/self/status
		echo "mode '$mode': $output (native $native)"
		[ "$status" -eq 0 ]
		[ "$output" = "$native" ]
	done
}

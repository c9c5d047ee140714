#!/usr/bin/env bats
# namspill ps PID...: live verdict from /proc, exit 1/0/2.

load helper

start() {
	"$PROG/cli_leak" "$1" > "$T/out.$1" 2>&1 &
	pid=$!
	if ! wait_for "$T/out.$1"; then kill "$pid"; return 1; fi
	if grep -q '^skip' "$T/out.$1"; then
		wait "$pid" || true
		skip "needs root or unprivileged user namespaces"
	fi
}

teardown() {
	# SIGKILL: the first process of a pid namespace takes no other signal
	# from outside that it has no handler for.
	[ -z "${pid:-}" ] || kill -KILL "$pid" 2>/dev/null || true
	rm -rf "$T"
}

@test "ps names the spilled thread of a live process and exits 1" {
	start wait
	run --separate-stderr "$NAMSPILL" ps "$pid"
	[ "$status" -eq 1 ]
	[[ "$output" == "$pid (cli_leak): 1 of 4 threads in a foreign namespace"* ]]
	# The majority may be named by the first other process in it.
	grep -Eq '^  thread [0-9]+ \(cli_leak\): net:\[[0-9]+\], most threads in net:\[[0-9]+\]( \(that of pid [0-9]+ \(.*\)\))? \(3 of 4\)$' <<<"$output"
	[ -z "$stderr" ]
}

@test "ps --json gives the report format with trigger inspect" {
	start wait
	run --separate-stderr "$NAMSPILL" ps --json "$pid"
	[ "$status" -eq 1 ]
	echo "$output" > "$T/ps.json"
	json_check "$T/ps.json" 'len(d["processes"]) == 1 and d["processes"][0]["pid"] == '"$pid"
	json_check "$T/ps.json" 'd["processes"][0]["trigger"] == "inspect" and d["processes"][0]["argv"][1] == "wait"'
	json_check "$T/ps.json" '[(s["type"], s["cause"]) for s in d["processes"][0]["spills"]] == [("net", None)]'
}

@test "ps on a uniform process exits 0" {
	start uniform
	run "$NAMSPILL" ps "$pid"
	[ "$status" -eq 0 ]
	[ "$output" = "$pid (cli_leak): 4 threads, all in the same namespaces" ]
}

@test "ps on a missing or bad pid exits 2 with a clear message" {
	run --separate-stderr "$NAMSPILL" ps 2147483
	[ "$status" -eq 2 ]
	[ "$stderr" = "namspill: ps: no such process: 2147483" ]
	run --separate-stderr "$NAMSPILL" ps abc
	[ "$status" -eq 2 ]
	[ "$stderr" = "namspill: ps: 'abc' is not a process id" ]
	run "$NAMSPILL" ps --all 1
	[ "$status" -eq 2 ]
	[[ "$output" == *"--all takes no pid"*"usage: namspill ps"* ]]
	run "$NAMSPILL" ps --stacks
	[ "$status" -eq 2 ]
	[[ "$output" == *"--stacks asks given processes"* ]]
}

@test "an error wins over a spill in the exit status" {
	start wait
	run --separate-stderr "$NAMSPILL" ps "$pid" 2147483
	[ "$status" -eq 2 ]
	[[ "$output" == "$pid (cli_leak): 1 of 4 threads"* ]]
}

@test "ps --stacks says what to set when the process cannot be asked" {
	start wait
	run --separate-stderr "$NAMSPILL" ps --stacks "$pid"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"$pid does not run with libnamspill"*"NAMSPILL_OPTIONS=report_signal=SIGUSR2:log_path="* ]]
	kill -0 "$pid"
}

@test "ps --stacks asks a process running with report_signal for its report" {
	NAMSPILL_OPTIONS="report_signal=SIGUSR2:log_path=$T/r:format=json" LD_PRELOAD=$FIRST$BUILD/libnamspill.so start wait
	run --separate-stderr "$NAMSPILL" ps --stacks "$pid"
	[ "$status" -eq 1 ]
	[[ "$output" == *'"trigger":"request"'* ]]
	[[ "$output" == *'"function":"leaky_worker"'* ]]
	ls "$T" | grep -q "^r\.$pid\.request1$"
	run --separate-stderr "$NAMSPILL" ps --json --stacks "$pid"
	echo "$output" > "$T/ps.json"
	json_check "$T/ps.json" 'd["requests"][0]["pid"] == '"$pid"' and d["requests"][0]["report"]["trigger"] == "request"'
	kill -0 "$pid"
}

@test "ps --stacks of a process that got an earlier one's pid keeps both reports" {
	# The pid space goes round in a long run: the second process's report
	# on request must not take the place of the first's (ns_last_pid hands
	# both the same pid, unless another process takes it in between).
	need_root
	[ -w /proc/sys/kernel/ns_last_pid ] || skip "no /proc/sys/kernel/ns_last_pid to write"
	local round
	for round in 1 2; do
		echo 29999 > /proc/sys/kernel/ns_last_pid
		NAMSPILL_OPTIONS="report_signal=SIGUSR2:log_path=$T/r:format=json" LD_PRELOAD=$FIRST$BUILD/libnamspill.so start wait
		[ "$pid" -eq 30000 ] || skip "another process took the pid in between"
		run --separate-stderr "$NAMSPILL" ps --stacks "$pid"
		[ "$status" -eq 1 ]
		[[ "$output" == *'"trigger":"request"'* ]]
		echo "$output" > "$T/asked.$round"
		kill -KILL "$pid"
		wait "$pid" || true
	done
	# Each report printed is the file of its own process, and they differ.
	python3 -c 'import sys
first, second = (open(f).read().strip() for f in sys.argv[1:3])
asked = [open(f).read() for f in sys.argv[3:5]]
sys.exit(not (first and second and first != second and first in asked[0] and second in asked[1]))' \
		"$T/r.30000.request1" "$T/r.30000.1.request1" "$T/asked.1" "$T/asked.2"
}

@test "ps on a zombie says it has ended and is not reaped yet" {
	local zpid i
	sh -c 'sleep 0.3 & echo $! >"$0/zpid"; exec sleep 30' "$T" &
	pid=$!
	wait_for "$T/zpid"
	zpid=$(cat "$T/zpid")
	for i in $(seq 100); do
		grep -qs '^State:[[:space:]]*Z' "/proc/$zpid/status" && break
		sleep 0.05
	done
	run --separate-stderr "$NAMSPILL" ps "$zpid"
	[ "$status" -eq 2 ]
	[ "$stderr" = "namspill: ps: $zpid is a zombie: it has ended, and its parent (pid $pid) has not reaped it yet; nothing is left to inspect" ]
}

# The options that let `ps --stacks` ask a process for its report.
asked() {
	echo "report_signal=SIGUSR2:log_path=$1:format=json"
}

@test "ps --stacks never sends the signal to a program that handles it itself" {
	NAMSPILL_OPTIONS=$(asked "$T/r") LD_PRELOAD=$FIRST$BUILD/libnamspill.so start handler
	SECONDS=0
	run --separate-stderr timeout 20 "$NAMSPILL" ps --stacks "$pid"
	[ "$status" -eq 2 ]
	[ "$SECONDS" -lt 5 ]
	[[ "$stderr" == *"$pid handles or ignores SIGUSR2 itself, so the library cannot answer it; not sending it"* ]]
	sleep 0.3
	if grep -q "own handler ran" "$T/out.handler"; then false; fi
	kill -0 "$pid"
}

@test "ps --stacks finds the report of a relative log_path after the process changed directory" {
	mkdir "$T/logs"
	cd "$T/logs"
	NAMSPILL_OPTIONS=$(asked r) LD_PRELOAD=$FIRST$BUILD/libnamspill.so start chdir
	run --separate-stderr timeout 20 "$NAMSPILL" ps --stacks "$pid"
	[ "$status" -eq 1 ]
	[[ "$output" == *'"trigger":"request"'* ]]
	[ -f "$T/logs/r.$pid.request1" ]
}

# ps_liar MODE ARG as uid 65534, with the library and report_signal.
start_liar() {
	rm -f "$T/out.liar"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		env NAMSPILL_OPTIONS="$(asked "$T/logs/r")" LD_PRELOAD="$FIRST$BUILD/libnamspill.so" \
		"$PROG/ps_liar" "$@" >"$T/out.liar" 2>&1 &
	pid=$!
	wait_for "$T/out.liar"
	grep -q ready "$T/out.liar"
}

@test "root's ps --stacks reads no file a user's process points it to, and prints no raw escapes" {
	need_root
	command -v setpriv >/dev/null || skip "setpriv(1) not installed"
	chmod 755 "$T"
	mkdir -m 777 "$T/logs"
	echo "TOP SECRET" >"$T/secret"
	chmod 600 "$T/secret"
	setpriv --reuid=65534 --regid=65534 --clear-groups test -r "$PROG/ps_liar" ||
		skip "the build directory is not readable by uid 65534"
	# A link at the report's name.
	start_liar link "$T/secret"
	run --separate-stderr timeout 20 "$NAMSPILL" ps --stacks "$pid"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"cannot open its report r.$pid.request1: a symbolic link, not read"* ]]
	[[ "$output$stderr" != *"TOP SECRET"* ]]
	kill "$pid"
	# Root's file (a hard link root made there) renamed to that name.
	ln "$T/secret" "$T/logs/planted"
	start_liar rename "$T/logs/planted"
	run --separate-stderr timeout 20 "$NAMSPILL" ps --stacks "$pid"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"r.$pid.request1 is not a report file of its user (uid 65534), not read"* ]]
	[[ "$output$stderr" != *"TOP SECRET"* ]]
	kill "$pid"
	# Its own file, full of terminal escapes: printed, escaped.
	start_liar text
	run --separate-stderr timeout 20 "$NAMSPILL" ps --stacks "$pid"
	[ "$status" -eq 0 ]
	[[ "$output" == *'\x1b[2J\x1b]0;owned\x07 report'* ]]
	[[ "$output" == *'SUMMARY: all clean\x1b[8m'* ]]
	[[ "$output" != *$'\x1b'* ]]
}

@test "ps prints a process's name with its control bytes escaped" {
	sh -c 'printf "x\033[8mSUMMARY" >/proc/self/comm; echo ready; while :; do sleep 1; done' \
		>"$T/out.name" &
	pid=$!
	wait_for "$T/out.name"
	run --separate-stderr "$NAMSPILL" ps "$pid"
	[ "$status" -eq 0 ]
	[ "$output" = "$pid (x\\x1b[8mSUMMARY): 1 thread, all in the same namespaces" ]
}

@test "ps --stacks asks a process in a pid namespace of its own, which names its files so" {
	# Its library names the file by its own pid and, there being other
	# pid namespaces with that pid, by its namespace and id too.
	need_root
	command -v unshare >/dev/null || skip "needs unshare (util-linux)"
	NAMSPILL_OPTIONS=$(asked "$T/r") LD_PRELOAD=$FIRST$BUILD/libnamspill.so \
		unshare --pid --fork --mount-proc --kill-child "$PROG/cli_leak" wait > "$T/out.ns" 2>&1 3>&- &
	pid=$!
	wait_for "$T/out.ns"
	# unshare's one child, by the shell alone (no pgrep: tools run here
	# with the sanitizer runtime preloaded, and some hang under it).
	local inner=""
	for i in $(seq 100); do
		read -r inner _ < "/proc/$pid/task/$pid/children" || true
		[ -n "$inner" ] && break
		sleep 0.05
	done
	[ -n "$inner" ]
	pid=$inner # teardown ends it, then unshare ends
	run --separate-stderr "$NAMSPILL" ps --stacks "$inner"
	[ "$status" -eq 1 ]
	[[ "$output" == *'"trigger":"request"'* ]]
	ls "$T" | grep -Eq '^r\.1-[0-9]+-[0-9]+\.request1$'
}

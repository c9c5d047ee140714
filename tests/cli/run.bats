#!/usr/bin/env bats
# namspill COMMAND: exit status rules, aggregation over a process tree,
# --json, --junit, --keep-logs, --options, usage errors.

load helper

@test "clean command exits 0 and says how many processes were checked" {
	run --separate-stderr "$NAMSPILL" -- "$PROG/cli_leak" clean
	skip_if_no_ns
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"no thread left in a foreign namespace (1 process checked)"* ]]
}

@test "a spill makes a successful command exit 66, grouped by culprit" {
	run --separate-stderr "$NAMSPILL" -- "$PROG/cli_leak" leak
	skip_if_no_ns
	[ "$status" -eq 66 ]
	[[ "$stderr" == *"1 thread in 1 process left in net by leaky_worker (cli_leak.c:"* ]]
	[[ "$stderr" == *"setns(CLONE_NEWNET) at:"* ]]
	[[ "$stderr" == *"#0 0x"*" in leaky_worker tests/prog/cli_leak.c:"* ]]
	[[ "$stderr" == *"SUMMARY: namspill: 1 thread in 1 of 1 process left in a foreign namespace (net)"* ]]
}

@test "the command's own failure wins over a spill" {
	run "$NAMSPILL" -- "$PROG/cli_leak" leak 3
	skip_if_no_ns
	[ "$status" -eq 3 ]
	run "$NAMSPILL" -- "$PROG/cli_leak" clean 5
	[ "$status" -eq 5 ]
}

@test "killed by a signal: 128+N" {
	run "$NAMSPILL" -- sh -c 'kill -TERM $$'
	[ "$status" -eq 143 ]
}

@test "--exitcode N, and 0 to report only" {
	run "$NAMSPILL" --exitcode 9 -- "$PROG/cli_leak" leak
	skip_if_no_ns
	[ "$status" -eq 9 ]
	run "$NAMSPILL" --exitcode=0 -- "$PROG/cli_leak" leak
	[ "$status" -eq 0 ]
	[[ "$output" == *"left in net by leaky_worker"* ]]
}

@test "processes inside keep their own status; --options exitcode=N restores the library's" {
	run --separate-stderr "$NAMSPILL" -- sh -c "'$PROG/cli_leak' leak; echo inner=\$?"
	skip_if_no_ns
	[ "$status" -eq 66 ]
	[[ "$output" == *"inner=0"* ]]
	run --separate-stderr "$NAMSPILL" --options exitcode=7 -- sh -c "'$PROG/cli_leak' leak; echo inner=\$?"
	[[ "$output" == *"inner=7"* ]]
	[ "$status" -eq 66 ]
}

@test "spills of several processes of sh -c 'a; b' are one group with both pids" {
	run --separate-stderr "$NAMSPILL" --json "$T/r.json" -- \
		sh -c "'$PROG/cli_leak' leak >/dev/null; '$PROG/cli_leak' leak x >/dev/null; '$PROG/cli_leak' clean"
	skip_if_no_ns
	[ "$status" -eq 66 ]
	[[ "$stderr" == *"2 threads in 2 processes left in net by leaky_worker (cli_leak.c:"* ]]
	[ "$(grep -c '^    pid [0-9]*, thread [0-9]*: .*cli_leak leak' <<<"$stderr")" -eq 2 ]
	[ "$(grep -c 'setns(CLONE_NEWNET) at:' <<<"$stderr")" -eq 1 ]
	[[ "$stderr" == *"SUMMARY: namspill: 2 threads in 2 of 3 processes"* ]]
	json_check "$T/r.json" 'd["status"] == 66 and d["mode"] == "watch" and d["command"][0] == "sh"'
	json_check "$T/r.json" 'sorted(p["argv"][1:] for p in d["processes"] if p["threads"]) == [["clean"], ["leak"], ["leak", "x"]]'
	json_check "$T/r.json" 'sum(len(p["spills"]) for p in d["processes"]) == 2'
	json_check "$T/r.json" 'all(p["spills"][0]["cause"]["stack"][0]["function"] == "leaky_worker" for p in d["processes"] if p["spills"])'
	# The shell ended with _exit() before starting a thread: listed, no error.
	json_check "$T/r.json" '[p["argv"][0] for p in d["processes"] if p["threads"] is None] == ["sh"]'
	json_check "$T/r.json" 'all(p["error"] is None for p in d["processes"])'
}

@test "--json lists clean processes too, each with argv" {
	run "$NAMSPILL" --json "$T/r.json" -- "$PROG/cli_leak" clean 0
	skip_if_no_ns
	[ "$status" -eq 0 ]
	json_check "$T/r.json" 'd["command"] == ["'"$PROG/cli_leak"'", "clean", "0"] and d["status"] == 0'
	json_check "$T/r.json" 'len(d["processes"]) == 1 and d["processes"][0]["spills"] == [] and d["processes"][0]["threads"] == 4'
	json_check "$T/r.json" 'd["processes"][0]["argv"] == ["'"$PROG/cli_leak"'", "clean", "0"]'
}

@test "--junit: one test case per process, a failure per spilled one" {
	run "$NAMSPILL" --junit "$T/r.xml" -- sh -c "'$PROG/cli_leak' leak >/dev/null; '$PROG/cli_leak' clean"
	skip_if_no_ns
	[ "$status" -eq 66 ]
	python3 - "$T/r.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suite = root.find("testsuite")
cases = suite.findall("testcase")
assert root.get("failures") == "1" and suite.get("failures") == "1", ET.tostring(root)
assert len(cases) == 3 and suite.get("tests") == "3", ET.tostring(root)
failed = [c for c in cases if c.find("failure") is not None]
assert len(failed) == 1 and failed[0].get("name").endswith("cli_leak leak"), ET.tostring(root)
text = failed[0].find("failure").text
assert "left in net" in text and "setns(CLONE_NEWNET)" in text and "leaky_worker" in text, text
assert all(c.find("error") is None for c in cases), ET.tostring(root)
PY
}

@test "a process that ends by _exit after starting threads is judged" {
	run --separate-stderr "$NAMSPILL" --json "$T/r.json" -- "$PROG/cli_leak" threads 0
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"no thread left in a foreign namespace (1 process checked)"* ]]
	json_check "$T/r.json" 'd["processes"][0]["threads"] == 2 and d["processes"][0]["error"] is None'
}

@test "a process killed after a switch, before it could be judged, is named with the reason" {
	run --separate-stderr "$NAMSPILL" --json "$T/r.json" -- sh -c \
		"'$PROG/cli_leak' wait > '$T/out' & for i in \$(seq 600); do grep -q ready '$T/out' 2>/dev/null && break; sleep 0.05; done; kill -9 \$!; wait"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"1 process could not be judged:"* ]]
	[[ "$stderr" == *"pid "*": $PROG/cli_leak wait"* ]]
	[[ "$stderr" == *"ended without calling exit_group (killed by a signal?) before it could be judged, after a switch of namespaces (its own, or before its exec)"* ]]
	json_check "$T/r.json" 'any((p["error"] or "").startswith("no report: ended without calling exit_group") for p in d["processes"])'
}

@test "a process killed with a thread elsewhere is never taken for one that made no switch" {
	need_root
	# The supervisor is told of a process's first switch: a fork child
	# with its parent's pid (pid 1 of nested pid namespaces), one whose
	# own filter refuses the call, an image that goes on after a failed
	# exec of a file that is there; a switch by its x32 number (stopped
	# even where the kernel has no x32 entry, and taken for one).
	printf 'not a program\n' > "$T/data"
	chmod +x "$T/data"
	for how in pidns pidns-clone sandbox "exec $T/data" "exec /etc/passwd" x32; do
		run --separate-stderr "$NAMSPILL" -- "$PROG/killed_moved" $how
		echo "$how: $status"; echo "$stderr"
		[[ "$output" == *moved* ]]
		[[ "$stderr" == *"1 process could not be judged"* ]]
		[[ "$stderr" == *"after a switch of namespaces"* ]]
		[[ "$stderr" != *"ended unseen"* ]]
	done
}

@test "a process with threads killed before any switch is judged by the watch" {
	# Every switch stops at namspill or is told to it first: a process
	# that made none has all its threads where its exec put them.
	run --separate-stderr "$NAMSPILL" --json "$T/r.json" --junit "$T/r.xml" -- sh -c \
		"'$PROG/cli_leak' threads-wait & sleep 0.3; kill -9 \$!; wait"
	[ "$status" -eq 0 ]
	[[ "$stderr" != *"could not be judged"* ]]
	[[ "$stderr" == *", 1 ended unseen, having made no switch)"* ]]
	json_check "$T/r.json" 'any(p["argv"][1:] == ["threads-wait"] and p["error"] is None and p["note"].startswith("judged by the watch: it ended unseen (no exit_group: killed by a signal?)") for p in d["processes"])'
	grep -q 'judged by the watch: ended unseen (no exit_group: killed by a signal?), no switch made' "$T/r.xml"
}

@test "processes killed at the end of the command are judged with their signal" {
	# timeout kills sleep, then itself: sleep may end after the command,
	# a zombie of namspill's then, and is not "still running".  Neither
	# made a switch.
	run --separate-stderr "$NAMSPILL" --json "$T/r.json" -- bash -c 'timeout -s KILL 0.3 sleep 3'
	[ "$status" -eq 137 ]
	[[ "$stderr" != *"still running"* ]]
	[[ "$stderr" != *"could not be judged"* ]]
	json_check "$T/r.json" 'sum("(killed by SIGKILL)" in (p.get("note") or "") for p in d["processes"]) == 2'
}

@test "a process with threads that a signal ends is judged by the report it takes then" {
	run --separate-stderr "$NAMSPILL" --json "$T/r.json" -- sh -c \
		"'$PROG/cli_leak' threads-wait & sleep 0.3; kill -TERM \$!; wait"
	[ "$status" -eq 0 ]
	[[ "$stderr" != *"could not be judged"* ]]
	[[ "$stderr" == *"no thread left in a foreign namespace (1 process checked"* ]]
	json_check "$T/r.json" 'any(p["argv"][1:] == ["threads-wait"] and p["trigger"] == "signal" and p["signal"] == "SIGTERM" and p["error"] is None for p in d["processes"])'
}

@test "a timeout that ends the whole tree loses no spill: namspill waits for the reports being written" {
	need_root
	run --separate-stderr "$NAMSPILL" -- timeout 1 sh -c \
		"'$PROG/cli_leak' wait & '$PROG/cli_leak' threads-wait & wait"
	skip_if_no_ns
	[ "$status" -eq 124 ]
	[[ "$stderr" == *"1 thread in 1 process left in net by leaky_worker"* ]]
	[[ "$stderr" != *"cli_leak wait"*"still running"* ]]
}

@test "in files mode (--no-watch) a process that started threads and wrote no report is named" {
	run --separate-stderr "$NAMSPILL" --no-watch --json "$T/r.json" -- "$PROG/cli_leak" threads-kill
	[ "$status" -eq 137 ]
	[[ "$stderr" == *"1 process could not be judged:"* ]]
	[[ "$stderr" == *"pid "*": $PROG/cli_leak threads-kill"* ]]
	json_check "$T/r.json" 'd["processes"][0]["error"].startswith("no report: started threads")'
}

@test "in files mode a process with another file system over the report directory still reports to namspill" {
	need_root
	mkdir "$T/d"
	TMPDIR="$T/d" run --separate-stderr "$NAMSPILL" --no-watch -- unshare -m sh -c \
		"mount -t tmpfs none '$T/d' && '$PROG/cli_leak' leak"
	skip_if_no_ns
	[ "$status" -eq 66 ]
	[[ "$stderr" != *"cannot write report"* ]]
	[[ "$stderr" == *"1 thread in 1 process left in net by leaky_worker"* ]]
}

@test "in files mode a process whose /proc does not show namspill reports to the directory itself" {
	need_root
	run --separate-stderr "$NAMSPILL" --no-watch -- unshare -pf --mount-proc "$PROG/cli_leak" leak
	skip_if_no_ns
	[ "$status" -eq 66 ]
	[[ "$stderr" != *"cannot write report"* ]]
	[[ "$stderr" == *"1 thread in 1 process left in net by leaky_worker"* ]]
}

@test "a process in a pid namespace of its own: its threads numbered there, said so" {
	need_root
	run --separate-stderr "$NAMSPILL" -- unshare -pf --mount-proc "$PROG/cli_leak" leak
	skip_if_no_ns
	[ "$status" -eq 66 ]
	[[ "$stderr" == *"    pid "[0-9]*" (1 in its pid namespace), thread "[0-9]*" (there): $PROG/cli_leak leak"* ]]
}

@test "--keep-logs keeps each process's report" {
	run "$NAMSPILL" --keep-logs "$T/logs" -- sh -c "'$PROG/cli_leak' clean; '$PROG/cli_leak' clean"
	skip_if_no_ns
	[ "$status" -eq 0 ]
	[ "$(ls "$T/logs" | grep -c '^r\.[0-9]*$')" -eq 2 ]
	for f in "$T"/logs/r.*[0-9]; do json_check "$f" 'd["spills"] == [] and d["argv"][1] == "clean"'; done
}

@test "--options passes keys to the processes; a bad one is refused" {
	run "$NAMSPILL" --json "$T/r.json" --options stack_depth=2 -- "$PROG/cli_leak" leak
	skip_if_no_ns
	json_check "$T/r.json" 'len(d["processes"][0]["spills"][0]["cause"]["stack"]) <= 3'
	run "$NAMSPILL" --options frobnicate=1 -- true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--options: unknown option 'frobnicate=1'"* ]]
	run "$NAMSPILL" --options log_path=/tmp/x -- true
	[ "$status" -eq 125 ]
	[[ "$output" == *"namspill sets log_path itself"* ]]
}

@test "a bad inherited NAMSPILL_OPTIONS entry is reported once and left out" {
	NAMSPILL_OPTIONS=bogus=1:stack_depth=4 run --separate-stderr "$NAMSPILL" -- sh -c 'true; true'
	[ "$status" -eq 0 ]
	[ "$(grep -c "bogus" <<<"$stderr")" -eq 1 ]
}

@test "LD_PRELOAD already set is kept, ours added after it" {
	run "$NAMSPILL" -- sh -c 'echo "$LD_PRELOAD"'
	[[ "$output" == "$FIRST$BUILD/libnamspill.so"* ]]
	LD_PRELOAD=${FIRST}libc.so.6 run "$NAMSPILL" -- sh -c 'echo "$LD_PRELOAD"'
	[[ "$output" == "${FIRST}libc.so.6:$(readlink -f "$BUILD/libnamspill.so")"* ]]
}

@test "usage errors, --help, --version, command not found" {
	run "$NAMSPILL"
	[ "$status" -eq 125 ]
	[[ "$output" == *"usage: namspill"* ]]
	run "$NAMSPILL" --bogus -- true
	[ "$status" -eq 125 ]
	run "$NAMSPILL" --json
	[ "$status" -eq 125 ]
	[[ "$output" == *"--json needs a value"* ]]
	run "$NAMSPILL" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--suppressions FILE"* ]]
	run "$NAMSPILL" --version
	[ "$output" = "namspill 0.1.0" ]
	run -127 "$NAMSPILL" -- /no/such/command
	[[ "$output" == *"cannot run /no/such/command: No such file or directory"* ]]
}

@test "the command is found along PATH with one exec, not one per directory" {
	# Each exec tried is a stop of the supervisor's.  A script without
	# "#!" still runs, through /bin/sh, as execvp runs it.
	command -v strace >/dev/null || skip "needs strace"
	mkdir "$T/bin"
	printf '#!/bin/sh\necho script ran\n' > "$T/bin/script"
	printf 'echo plain script ran\n' > "$T/bin/plain"
	chmod +x "$T/bin/script" "$T/bin/plain"
	PATH="$T/none1:$T/none2:$T/none3:$T/bin:$PATH" run --separate-stderr \
		strace -f -e trace=execve -o "$T/strace" "$NAMSPILL" -- script
	[ "$status" -eq 0 ]
	[ "$output" = "script ran" ]
	[ "$(grep -c "$T/none" "$T/strace")" -eq 0 ]
	[ "$(grep -c "execve(\"$T/bin/script\"" "$T/strace")" -eq 1 ]
	PATH="$T/none1:$T/bin:$PATH" run --separate-stderr "$NAMSPILL" -- plain
	[ "$status" -eq 0 ]
	[ "$output" = "plain script ran" ]
	run -127 env PATH="$T/none1:$T/none2" "$NAMSPILL" -- plain
	[[ "$output" == *"cannot run plain: No such file or directory"* ]]
}

@test "a missing library is named with the places looked in" {
	cp "$NAMSPILL" "$T/namspill"
	run "$T/namspill" -- true
	[ "$status" -eq 125 ]
	[[ "$output" == *"cannot find libnamspill.so; looked for:"* ]]
	[[ "$output" == *"$T/libnamspill.so"* ]]
}

@test "an output file that cannot be written fails the run" {
	run "$NAMSPILL" --json /nonexistent/dir/r.json -- true
	[ "$status" -eq 125 ]
	[[ "$output" == *"--json: cannot write /nonexistent/dir/r.json"* ]]
}

@test "--quiet prints nothing for a clean run" {
	run "$NAMSPILL" -q -- "$PROG/cli_leak" clean
	skip_if_no_ns
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "in files mode, processes with the same pid in two pid namespaces keep their reports apart" {
	# Both are pid 1 of a pid namespace of their own, one after the other
	# (the second namespace may even get the first one's inode): the
	# second's files must not take the place of the first's report.
	need_root
	run --separate-stderr "$NAMSPILL" --no-watch --json "$T/r.json" -- sh -c \
		'unshare -pf --mount-proc "$0" leak; unshare -pf --mount-proc "$0" clean' "$PROG/cli_leak"
	skip_if_no_ns
	[ "$status" -eq 66 ]
	[[ "$stderr" == *"1 thread in 1 process left in net by leaky_worker"* ]]
	[[ "$stderr" == *"    pid 1 of pid:["[0-9]*"], thread "* ]]
	json_check "$T/r.json" 'sorted(p["argv"][1] for p in d["processes"] if p["argv"] and p["argv"][0].endswith("cli_leak")) == ["clean", "leak"]'
}

@test "in files mode, a later process with the same pid keeps its report apart from the first's" {
	# The pid space goes round in a long run: a clean process that gets
	# the pid of one that leaked must not take the place of its report.
	# ns_last_pid hands both the same pid (unless another process on the
	# machine takes it in between: then there is nothing to test).
	need_root
	[ -w /proc/sys/kernel/ns_last_pid ] || skip "no /proc/sys/kernel/ns_last_pid to write"
	run --separate-stderr "$NAMSPILL" --no-watch --json "$T/r.json" -- sh -c \
		'echo 29999 > /proc/sys/kernel/ns_last_pid; "$0" leak; echo 29999 > /proc/sys/kernel/ns_last_pid; "$0" clean' \
		"$PROG/cli_leak"
	skip_if_no_ns
	apart=$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
p = [q["pid"] for q in d["processes"] if q["argv"] and q["argv"][0].endswith("cli_leak")]
print(int(len(p) == 2 and p[0] != p[1]))' "$T/r.json")
	[ "$apart" = 0 ] || skip "another process took the pid in between"
	[ "$status" -eq 66 ]
	[[ "$stderr" == *"1 thread in 1 process left in net by leaky_worker"* ]]
	json_check "$T/r.json" 'sorted(p["argv"][1] for p in d["processes"] if p["argv"] and p["argv"][0].endswith("cli_leak")) == ["clean", "leak"]'
}

@test "in files mode, the start marker of a process that got an earlier one's pid is its own" {
	# One started a thread and was killed (its marker says it was not
	# judged); a clean one then got its pid: its files must neither take
	# that marker for its own nor remove it, whichever came first.
	need_root
	[ -w /proc/sys/kernel/ns_last_pid ] || skip "no /proc/sys/kernel/ns_last_pid to write"
	for order in "threads-kill clean" "clean threads-kill"; do
		set -- $order
		run --separate-stderr "$NAMSPILL" --no-watch --json "$T/r.json" -- sh -c \
			'echo 29999 > /proc/sys/kernel/ns_last_pid; "$0" "$1"; echo 29999 > /proc/sys/kernel/ns_last_pid; "$0" "$2"' \
			"$PROG/cli_leak" "$1" "$2"
		apart=$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
p = [q["pid"] for q in d["processes"] if q["argv"] and q["argv"][0].endswith("cli_leak")]
print(int(len(p) == 2 and p[0] != p[1]))' "$T/r.json")
		[ "$apart" = 0 ] || skip "another process took the pid in between"
		[[ "$stderr" == *"1 process could not be judged"*"threads-kill"* ]]
		[[ "$stderr" == *"(2 processes checked; 1 not judged)"* ]]
	done
}

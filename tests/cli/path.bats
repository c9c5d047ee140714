#!/usr/bin/env bats
# How spilled threads got there, in namspill's summary: the calls that
# failed and the thread's path, from the shim and from the supervisor.

load helper

@test "the summary shows a failed restore with its errno and the path" {
	run --separate-stderr "$NAMSPILL" --json "$T/out.json" -- "$PROG/restore_fails" eperm
	skip_if_no_ns
	[ "$status" -eq 66 ]
	[ "$(grep -c '^  tried to go back by setns(CLONE_NEWNET) at restore_home (restore_fails.c:[0-9]*) — EPERM (Operation not permitted); its fd is net:\[[0-9]*\]' <<<"$stderr")" -eq 2 ]
	grep -q '^  path of thread [0-9]* in net:$' <<<"$stderr"
	grep -q '^    → net:\[[0-9]*\] by setns at enter (restore_fails.c:[0-9]*)$' <<<"$stderr"
	json_check "$T/out.json" '[a["error"] for a in d["processes"][0]["spills"][0]["failed_attempts"]] == ["EPERM", "EPERM"]'
}

@test "namspill reads every namespace of the path (history_ns), unless told not to" {
	run --separate-stderr "$NAMSPILL" --json "$T/out.json" -- "$PROG/restore_fails" nested
	skip_if_no_ns
	json_check "$T/out.json" 'all(h["inode"] for h in d["processes"][0]["spills"][0]["history"])'
	run --separate-stderr "$NAMSPILL" --options history_ns=0 --json "$T/out.json" -- "$PROG/restore_fails" nested
	json_check "$T/out.json" '[bool(h["inode"]) for h in d["processes"][0]["spills"][0]["history"]] == [False, False, True]'
}

@test "the supervisor says a static program's restore probably failed, and gives its path" {
	need_root
	run --separate-stderr "$NAMSPILL" --json "$T/out.json" -- "$PROG/static_restore" eperm
	[ "$status" -eq 66 ]
	grep -q '^namspill: 1 thread in 1 process left in net by enter (restore_fails.c:[0-9]*)$' <<<"$stderr"
	grep -q '^  tried to go back by setns(CLONE_NEWNET) at restore_home (restore_fails.c:[0-9]*) — probably failed: the thread never got there; its fd is net:\[' <<<"$stderr"
	json_check "$T/out.json" 'd["mode"] == "watch"'
	json_check "$T/out.json" '[(a["probably"], a["errno"], a["stack"][0]["function"]) for a in d["processes"][0]["spills"][0]["failed_attempts"]] == [(True, None, "restore_home")]'
	json_check "$T/out.json" '[(h["stack"][0]["function"], h["inode"] == d["processes"][0]["spills"][0]["inode"]) for h in d["processes"][0]["spills"][0]["history"]] == [("enter", True)]'
	run --separate-stderr "$NAMSPILL" --json "$T/out.json" -- "$PROG/static_restore" nested
	[ "$status" -eq 66 ]
	json_check "$T/out.json" '[h["stack"][0]["function"] for h in d["processes"][0]["spills"][0]["history"]] == ["enter", "enter", "restore_home"] and d["processes"][0]["spills"][0]["failed_attempts"] == []'
	json_check "$T/out.json" 'd["processes"][0]["spills"][0]["cause"]["stack"][0]["function"] == "restore_home"'
}

#!/usr/bin/env bats
# Commands a preload cannot reach: static and setuid ones are watched like
# any other; with --no-watch they go to the tracer with a one-line notice;
# --trace asks for it; foreign ones are refused.

load helper

@test "a static command is watched and judged, its raw calls named" {
	need_root
	run --separate-stderr "$NAMSPILL" --json "$T/r.json" -- "$PROG/static_leak"
	skip_if_no_ns
	[ "$status" -eq 66 ]
	[[ "$stderr" != *"tracer"* ]]
	[[ "$stderr" == *"2 threads in 1 process left in net by leak_here (static_leak.c:"* ]]
	[[ "$stderr" == *"1 thread in 1 process left in uts by asm_unshare (static_leak.c:"* ]]
	json_check "$T/r.json" 'd["mode"] == "watch" and d["processes"][0]["argv"] == ["'"$PROG/static_leak"'"]'
}

@test "a static pool whose workers all switched and stayed: the workers are the spills" {
	need_root
	run --separate-stderr "$NAMSPILL" --json "$T/r.json" -- "$PROG/static_pool" 4 1
	skip_if_no_ns
	[ "$status" -eq 66 ]
	[[ "$stderr" == *"4 threads in 1 process left in uts by worker (many_spills.c:"* ]]
	[[ "$stderr" == *"its process's home (its main thread's, never switched) in uts:["* ]]
	spilled=$(awk '/^spilled /{print $2}' <<<"$output" | sort -n | paste -sd, -)
	json_check "$T/r.json" 'd["processes"][0]["ties"] == {"uts": "main_unmoved"} and sorted(s["tid"] for s in d["processes"][0]["spills"]) == ['"$spilled"'] and all(s["cause"]["call"] == "setns" for s in d["processes"][0]["spills"])'
}

@test "with --no-watch a static command switches to the tracer with a notice, and is judged" {
	need_root
	run --separate-stderr "$NAMSPILL" --no-watch --json "$T/r.json" -- "$PROG/static_leak"
	skip_if_no_ns
	[ "$status" -eq 66 ]
	[ "$(grep -c 'is statically linked: LD_PRELOAD cannot reach it; running it under the tracer' <<<"$stderr")" -eq 1 ]
	[[ "$stderr" == *"2 threads in 1 process left in net by leak_here (static_leak.c:"* ]]
	[[ "$stderr" == *"(1 of them inherited it from the thread that created them)"* ]]
	[[ "$stderr" == *"1 thread in 1 process left in uts by asm_unshare (static_leak.c:"* ]]
	json_check "$T/r.json" 'd["mode"] == "trace" and d["processes"][0]["argv"] == ["'"$PROG/static_leak"'"]'
}

@test "a clean static command keeps its output and status" {
	need_root
	run --separate-stderr "$NAMSPILL" -- "$PROG/static_clean" 5
	[ "$status" -eq 5 ]
	[ "$output" = "clean done" ]
	run --separate-stderr "$NAMSPILL" -q -- "$PROG/static_clean"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
}

@test "--trace follows a dynamic tree too, static children included" {
	need_root
	run --separate-stderr "$NAMSPILL" --trace --json "$T/r.json" -- \
		sh -c "'$PROG/cli_leak' leak >/dev/null; '$PROG/static_leak' >/dev/null"
	skip_if_no_ns
	[ "$status" -eq 66 ]
	[[ "$stderr" != *"statically linked"* ]]
	json_check "$T/r.json" 'd["mode"] == "trace"'
	json_check "$T/r.json" 'sorted(p["argv"][0].rsplit("/")[-1] for p in d["processes"] if p["spills"]) == ["cli_leak", "static_leak"]'
}

@test "a setuid command of another user is watched, with its privileges; --no-watch traces it" {
	need_root
	cp /bin/true "$T/suid_true"
	chown nobody "$T/suid_true"
	chmod 4755 "$T/suid_true"
	if [ -n "$(findmnt -no OPTIONS -T "$T" | grep -w nosuid)" ]; then
		skip "$T is on a nosuid mount: setuid bits do nothing there"
	fi
	run --separate-stderr "$NAMSPILL" --json "$T/r.json" -- "$T/suid_true"
	[ "$status" -eq 0 ]
	[[ "$stderr" != *"tracer"* ]]
	json_check "$T/r.json" 'd["mode"] == "watch"'
	run --separate-stderr "$NAMSPILL" --no-watch -- "$T/suid_true"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"$T/suid_true is setuid or setgid: LD_PRELOAD cannot reach it; running it under the tracer"* ]]
}

@test "a 32-bit program is refused" {
	python3 -c 'import sys; sys.stdout.buffer.write(b"\x7fELF\x01\x01\x01" + bytes(9) + b"\x02\x00\x03\x00" + bytes(44))' > "$T/x32"
	chmod +x "$T/x32"
	run "$NAMSPILL" -- "$T/x32"
	[ "$status" -eq 125 ]
	[[ "$output" == *"$T/x32 is a 32-bit program: neither the preload nor the tracer can follow it"* ]]
}

@test "a script is judged by its interpreter" {
	need_root
	printf '#!%s\n' "$PROG/static_clean" > "$T/script"
	chmod +x "$T/script"
	run --separate-stderr "$NAMSPILL" --no-watch -- "$T/script"
	[[ "$stderr" == *"$T/script is a script whose interpreter is statically linked"* ]]
	printf '#!/bin/sh\nexit 0\n' > "$T/script"
	run --separate-stderr "$NAMSPILL" -- "$T/script"
	[ "$status" -eq 0 ]
	[[ "$stderr" != *"tracer"* ]]
}

# A setuid-root copy of id(1) in $T/suid, run by uid 65534: without
# namspill it runs with euid 0.
setuid_id() {
	need_root
	command -v setpriv >/dev/null || skip "setpriv(1) not installed"
	chmod 755 "$T"
	mkdir -m 777 "$T/out"
	cp /usr/bin/id "$T/suid"
	chmod 4755 "$T/suid"
	as_nobody test -r "$NAMSPILL" || skip "the build directory is not readable by uid 65534"
	[[ "$(as_nobody "$T/suid")" == *"euid=0(root)"* ]] ||
		skip "setuid bits are not honoured on $T (nosuid mount?)"
}

as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups env TMPDIR=/tmp "$@"
}

@test "without privileges, a setuid command runs as it is, with its privileges, listed as not judged" {
	setuid_id
	run --separate-stderr as_nobody "$NAMSPILL" --json "$T/out/r.json" --junit "$T/out/r.xml" -- "$T/suid"
	# Nothing was checked: never a pass.
	[ "$status" -eq 125 ]
	[[ "$stderr" == *"namspill: error: nothing was judged: the command ran as it is"* ]]
	[[ "$stderr" != *"no thread left"* ]]
	[[ "$output" == *"euid=0(root)"* ]]
	[ "$(grep -c "$T/suid is setuid or setgid: LD_PRELOAD cannot reach it, and watching it would take its privileges away (namspill is not privileged); running it as it is, not judged" <<<"$stderr")" -eq 1 ]
	[[ "$stderr" == *"namspill: warning: not judged: pid "[0-9]*": $T/suid (setuid or setgid"* ]]
	[[ "$stderr" != *"no process ran with the shim"* ]]
	json_check "$T/out/r.json" 'd["processes"][0]["argv"] == ["'"$T/suid"'"] and d["processes"][0]["error"].startswith("not judged: setuid or setgid")'
	grep -q '<skipped message="not judged: setuid or setgid' "$T/out/r.xml"
}

@test "--trace without privileges says loudly that setuid programs in the tree lose theirs" {
	setuid_id
	run --separate-stderr as_nobody "$NAMSPILL" --trace -- sh -c "'$T/suid'"
	[ "$status" -eq 0 ]
	[[ "$output" != *"euid=0"* ]]
	[[ "$stderr" == *"namspill-trace: WARNING: not privileged: setuid, setgid and file-capability programs in the traced tree run WITHOUT their privileges"* ]]
	# As root they keep them, and nothing is said.
	run --separate-stderr "$NAMSPILL" --trace -- setpriv --reuid=65534 --regid=65534 --clear-groups "$T/suid"
	[[ "$output" == *"euid=0(root)"* ]]
	[[ "$stderr" != *"WARNING"* ]]
}

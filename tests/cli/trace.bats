#!/usr/bin/env bats
# Commands a preload cannot reach: static and setuid ones go to the tracer
# with a one-line notice; --trace asks for it; foreign ones are refused.

load helper

@test "a static command switches to the tracer with a notice, and is judged" {
	need_root
	run --separate-stderr "$NAMSPILL" --json "$T/r.json" -- "$PROG/static_leak"
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

@test "a setuid command of another user switches to the tracer" {
	need_root
	cp /bin/true "$T/suid_true"
	chown nobody "$T/suid_true"
	chmod 4755 "$T/suid_true"
	if [ -n "$(findmnt -no OPTIONS -T "$T" | grep -w nosuid)" ]; then
		skip "$T is on a nosuid mount: setuid bits do nothing there"
	fi
	run --separate-stderr "$NAMSPILL" -- "$T/suid_true"
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
	run --separate-stderr "$NAMSPILL" -- "$T/script"
	[[ "$stderr" == *"$T/script is a script whose interpreter is statically linked"* ]]
	printf '#!/bin/sh\nexit 0\n' > "$T/script"
	run --separate-stderr "$NAMSPILL" -- "$T/script"
	[ "$status" -eq 0 ]
	[[ "$stderr" != *"tracer"* ]]
}

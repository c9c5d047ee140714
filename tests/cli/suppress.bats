#!/usr/bin/env bats
# Suppressions: --suppressions FILE and the suppressions option, in the
# preload and the tracer; bad lines.

load helper

@test "a suppressed spill is counted and does not fail the run" {
	printf '# known\nspill:leaky_*\n' > "$T/supp"
	run --separate-stderr "$NAMSPILL" --suppressions "$T/supp" --json "$T/r.json" -- "$PROG/cli_leak" leak
	skip_if_no_ns
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"no thread left in a foreign namespace (1 process checked; 1 suppressed)"* ]]
	json_check "$T/r.json" 'd["processes"][0]["suppressed"] == 1'
	json_check "$T/r.json" '[s["suppressed"] for s in d["processes"][0]["spills"]] == [True]'
}

@test "a rule that matches nothing leaves the spill failing" {
	printf 'spill:other_function\nmodule:libnothing.so\n' > "$T/supp"
	run "$NAMSPILL" --suppressions "$T/supp" --json "$T/r.json" -- "$PROG/cli_leak" leak
	skip_if_no_ns
	[ "$status" -eq 66 ]
	json_check "$T/r.json" 'd["processes"][0]["suppressed"] == 0'
	json_check "$T/r.json" '[s["suppressed"] for s in d["processes"][0]["spills"]] == [False]'
}

@test "module: rules match a module's base name" {
	printf 'module:cli_le?k\n' > "$T/supp"
	run "$NAMSPILL" --suppressions "$T/supp" -- "$PROG/cli_leak" leak
	skip_if_no_ns
	[ "$status" -eq 0 ]
}

@test "a bad line is named once with file and line, the rest still applies" {
	printf 'spill:nothing\nthis is wrong\nfrob:x\nspill:leaky_worker\n' > "$T/supp"
	run --separate-stderr "$NAMSPILL" --suppressions "$T/supp" -- sh -c "'$PROG/cli_leak' leak; '$PROG/cli_leak' leak"
	skip_if_no_ns
	[ "$status" -eq 0 ]
	[ "$(grep -c "$T/supp:2: not a suppression (spill:PATTERN or module:PATTERN): 'this is wrong'; line ignored" <<<"$stderr")" -eq 1 ]
	[ "$(grep -c "$T/supp:3: unknown suppression type (not spill or module): 'frob'; line ignored" <<<"$stderr")" -eq 1 ]
	[[ "$stderr" == *"2 suppressed"* ]]
}

@test "a missing suppressions file is an error" {
	run "$NAMSPILL" --suppressions "$T/none" -- true
	[ "$status" -eq 125 ]
	[[ "$output" == *"cannot read suppressions file $T/none: No such file or directory"* ]]
}

@test "a suppressions file that is a FIFO or a device is refused at once, not waited on" {
	mkfifo "$T/fifo"
	run timeout 10 "$NAMSPILL" --suppressions "$T/fifo" -- true
	[ "$status" -eq 125 ]
	[[ "$output" == *"cannot read suppressions file $T/fifo: not a regular file"* ]]
	run timeout 10 "$NAMSPILL" --suppressions /dev/zero -- true
	[ "$status" -eq 125 ]
	[[ "$output" == *"cannot read suppressions file /dev/zero: not a regular file"* ]]
	# The library's own option: the program starts and runs unchanged.
	NAMSPILL_OPTIONS="suppressions=$T/fifo" LD_PRELOAD=$FIRST$BUILD/libnamspill.so run --separate-stderr timeout 10 sh -c 'echo ran; exit 3'
	[ "$status" -eq 3 ]
	[ "$output" = ran ]
	[[ "$stderr" == *"cannot read suppressions file $T/fifo (not a regular file); no suppressions apply"* ]]
}

@test "the suppressions option of the library, without the wrapper" {
	printf 'spill:leaky_worker\nbad line\n' > "$T/supp"
	NAMSPILL_OPTIONS="suppressions=$T/supp" LD_PRELOAD=$FIRST$BUILD/libnamspill.so run --separate-stderr "$PROG/cli_leak" leak
	skip_if_no_ns
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"namspill: $T/supp:2: not a suppression"* ]]
	NAMSPILL_OPTIONS="suppressions=$T/supp:verbosity=1" LD_PRELOAD=$FIRST$BUILD/libnamspill.so run --separate-stderr "$PROG/cli_leak" leak
	[[ "$stderr" == *"no spilled threads (4 threads checked; 1 suppressed)"* ]]
	printf 'spill:nothing\n' > "$T/supp2"
	NAMSPILL_OPTIONS="suppressions=$T/supp2" LD_PRELOAD=$FIRST$BUILD/libnamspill.so run --separate-stderr "$PROG/cli_leak" leak
	[ "$status" -eq 66 ]
	[[ "$stderr" == *"SUMMARY: namspill: 1 thread of 4 left in a foreign namespace (net)"* ]]
}

@test "suppressions apply to the tracer's reports" {
	need_root
	printf 'spill:leak_here\n' > "$T/supp"
	run --separate-stderr "$NAMSPILL" --trace --suppressions "$T/supp" --json "$T/r.json" -- "$PROG/static_leak"
	skip_if_no_ns
	# leak_here moved two threads (one inherited it); asm_unshare one more.
	[ "$status" -eq 66 ]
	json_check "$T/r.json" 'd["mode"] == "trace" and d["processes"][0]["suppressed"] == 2'
	json_check "$T/r.json" 'sorted((s["type"], s["suppressed"]) for s in d["processes"][0]["spills"]) == [("net", True), ("net", True), ("uts", False)]'
	[[ "$stderr" == *"left in uts by asm_unshare"* ]]
	[[ "$stderr" != *"left in net"* ]]
	printf 'spill:leak_here\nspill:asm_*\n' > "$T/supp"
	run "$NAMSPILL" --trace --suppressions "$T/supp" -- "$PROG/static_leak"
	[ "$status" -eq 0 ]
}

@test "suppressions apply to a report written at a fatal signal" {
	printf 'spill:leaky_worker\n' > "$T/supp"
	run --separate-stderr "$NAMSPILL" --suppressions "$T/supp" --json "$T/r.json" -- sh -c \
		"'$PROG/cli_leak' wait > $T/out 2>&1 & i=0; while [ ! -s $T/out ] && [ \$i -lt 600 ]; do i=\$((i+1)); sleep 0.05; done; kill \$!; wait"
	if grep -q '^skip' "$T/out"; then skip "needs root or unprivileged user namespaces"; fi
	[ "$status" -eq 0 ]
	json_check "$T/r.json" '[(p["trigger"], p["signal"], p["suppressed"]) for p in d["processes"] if p["argv"][1:] == ["wait"]] == [("signal", "SIGTERM", 1)]'
	[[ "$stderr" == *"; 1 suppressed)"* ]]
}

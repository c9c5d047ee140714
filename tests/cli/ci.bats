#!/usr/bin/env bats
# CI annotations: GitHub workflow commands (::error file=,line=) and SARIF.

load helper

line_of() { # line_of FILE MARKER
	grep -n -- "$2" "$ROOT/$1" | head -1 | cut -d: -f1
}

@test "on GitHub Actions each spill group is an ::error at the first frame in the checkout" {
	cd "$ROOT"
	run --separate-stderr env GITHUB_ACTIONS=true GITHUB_WORKSPACE="$ROOT" \
		"$NAMSPILL" -- "$PROG/restore_fails" einval
	skip_if_no_ns
	[ "$status" -eq 66 ]
	local enter restore
	enter=$(line_of tests/prog/restore_fails.c "marker: enter")
	restore=$(line_of tests/prog/restore_fails.c "marker: restore")
	[ "$(grep -c '^::' <<<"$output")" -eq 1 ]
	local want="::error file=tests/prog/restore_fails.c,line=$enter,title=namspill::1 thread in 1 process left in a foreign net namespace by setns(CLONE_NEWNET) in enter (restore_fails.c:$enter) (pid "
	[[ "$(grep '^::' <<<"$output")" == "$want"*")%0A  tried to go back by setns(CLONE_NEWNS) at restore_home (restore_fails.c:$restore) — EINVAL (Invalid argument); its fd is net:["*"%0A  path of thread "* ]]
	# one line: every newline of the message escaped
	[ "$(grep -c 'title=namspill' <<<"$output")" -eq 1 ]
}

@test "--annotate github asks for them anywhere, --annotate none and a clean run give none" {
	cd "$ROOT"
	run --separate-stderr "$NAMSPILL" --annotate github -- "$PROG/restore_fails" eperm
	skip_if_no_ns
	[ "$status" -eq 66 ]
	grep -q "^::error file=tests/prog/restore_fails.c,line=[0-9]*,title=namspill::.*EPERM (Operation not permitted)" <<<"$output"
	run --separate-stderr env GITHUB_ACTIONS=true "$NAMSPILL" --annotate none -- "$PROG/restore_fails" eperm
	[ "$status" -eq 66 ]
	if grep -q '^::' <<<"$output"; then false; fi
	run --separate-stderr env -u GITHUB_ACTIONS "$NAMSPILL" -- "$PROG/restore_fails" eperm
	if grep -q '^::' <<<"$output"; then false; fi
	run --separate-stderr env GITHUB_ACTIONS=true "$NAMSPILL" -- "$PROG/clean"
	[ "$status" -eq 0 ]
	if grep -q '^::' <<<"$output"; then false; fi
	run "$NAMSPILL" --annotate gitlab -- true
	[ "$status" -eq 125 ]
}

@test "a spill whose stack has no file in the checkout is annotated without a place" {
	cd "$T"
	run --separate-stderr env GITHUB_ACTIONS=true GITHUB_WORKSPACE="$T" \
		"$NAMSPILL" -- "$PROG/restore_fails" eperm
	skip_if_no_ns
	[ "$status" -eq 66 ]
	grep -q '^::error title=namspill::1 thread in 1 process left' <<<"$output"
}

@test "--sarif writes SARIF 2.1.0 that GitHub's code scanning takes" {
	cd "$ROOT"
	run --separate-stderr env GITHUB_WORKSPACE="$ROOT" "$NAMSPILL" --sarif "$T/out.sarif" \
		-- sh -c "'$PROG/restore_fails' nested; '$PROG/restore_fails' eperm; '$PROG/enter_path' /proc/self/ns/net"
	skip_if_no_ns
	[ "$status" -eq 66 ]
	run python3 "$ROOT/tests/cli/sarif_check.py" "$T/out.sarif" "$ROOT" 2
	echo "$output"
	[ "$status" -eq 0 ]
	json_check "$T/out.sarif" '[r["ruleId"] for r in d["runs"][0]["results"]] == ["namspill/net", "namspill/net"]'
	json_check "$T/out.sarif" 'd["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] == '"$(line_of tests/prog/restore_fails.c "marker: restore")"
	json_check "$T/out.sarif" 'd["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"]["startLine"] == '"$(line_of tests/prog/restore_fails.c "marker: enter")"
	json_check "$T/out.sarif" '"EPERM" in d["runs"][0]["results"][1]["message"]["text"] and [f["module"] for f in d["runs"][0]["results"][1]["stacks"][0]["frames"]][:2] == ["restore_fails"] * 2'
}

@test "--sarif of a clean run has no results, and is written through no link" {
	ln -s "$T/victim" "$T/out.sarif"
	echo keep > "$T/victim"
	run --separate-stderr "$NAMSPILL" --sarif "$T/out.sarif" -- "$PROG/clean"
	[ "$status" -eq 0 ]
	[ "$(cat "$T/victim")" = keep ]
	[ ! -L "$T/out.sarif" ]
	run python3 "$ROOT/tests/cli/sarif_check.py" "$T/out.sarif" "$ROOT" 0
	[ "$status" -eq 0 ]
	run --separate-stderr "$NAMSPILL" --sarif "$T/no/such/dir/x.sarif" -- true
	[ "$status" -eq 125 ]
	[[ "$stderr" == *"--sarif: cannot write $T/no/such/dir/x.sarif"* ]]
}

#!/usr/bin/env bats
# namspill under conditions a CI job meets now and then: its stderr reader
# gone, setuid commands, output paths that cannot be written, argv that is
# not UTF-8.

load helper

# Runs namspill with stdout and stderr on a pipe whose reader has already
# gone, as in `namspill ... 2>&1 | head -1` once head has exited; prints
# namspill's exit status.
run_with_closed_stderr() {
	python3 - "$@" <<'PY'
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
# restore_signals (the default) gives namspill SIGPIPE at its default, as
# a shell would.
p = subprocess.run(sys.argv[1:], stdout=w, stderr=w)
print(p.returncode)
PY
}

@test "a closed stderr (SIGPIPE) changes neither the verdict nor the files, and nothing is left behind" {
	mkdir "$T/tmp"
	TMPDIR=$T/tmp run run_with_closed_stderr "$NAMSPILL" --json "$T/p.json" --junit "$T/p.xml" \
		-- sh -c "'$PROG/cli_leak' leak 2>/dev/null"
	[ "$output" = 77 ] && skip "needs root or unprivileged user namespaces"
	[ "$output" = 66 ]
	json_check "$T/p.json" 'd["status"] == 66 and len(d["processes"]) == 2'
	[ -s "$T/p.xml" ]
	[ -z "$(ls -A "$T/tmp")" ]
}

@test "the command gets SIGPIPE as namspill got it: default or ignored" {
	local mask
	run env --default-signal=PIPE "$NAMSPILL" -q -- grep ^SigIgn: /proc/self/status
	[ "$status" -eq 0 ]
	mask=${output##*[[:space:]]}
	[ $((0x$mask & 0x1000)) -eq 0 ] # SIGPIPE (13) at its default
	run env --ignore-signal=PIPE "$NAMSPILL" -q -- grep ^SigIgn: /proc/self/status
	[ "$status" -eq 0 ]
	mask=${output##*[[:space:]]}
	[ $((0x$mask & 0x1000)) -ne 0 ] # ignored, as inherited
}

@test "an output path that cannot be written is status 125 before the command runs" {
	local opt
	for opt in --json --junit --keep-logs; do
		run "$NAMSPILL" -q "$opt" /nonexistent/dir/out -- touch "$T/ran"
		[ "$status" -eq 125 ]
		[[ "$output" == *"$opt: cannot "*" /nonexistent/dir/out: No such file or directory"* ]]
		[ ! -e "$T/ran" ]
	done
	run "$NAMSPILL" -q --json "$T" -- touch "$T/ran"
	[ "$status" -eq 125 ]
	[ ! -e "$T/ran" ]
}

@test "an output file is in place only when the run is over, and nothing else is left" {
	run "$NAMSPILL" -q --json "$T/o.json" --junit "$T/o.xml" -- sh -c 'ls -A "$0"' "$T"
	[ "$status" -eq 0 ]
	# While the command ran: one temporary file for each, no final name.
	[ "$(grep -c '^o\.json\.tmp\.' <<<"$output")" -eq 1 ]
	[ "$(grep -c '^o\.xml\.tmp\.' <<<"$output")" -eq 1 ]
	! grep -qx 'o.json\|o.xml' <<<"$output"
	[ "$(ls -A "$T")" = "$(printf 'o.json\no.xml')" ]
	run "$NAMSPILL" -q --json "$T/p.json" -- sh -c 'exit 3'
	[ "$status" -eq 3 ]
	[ -s "$T/p.json" ]
	run "$NAMSPILL" -q --json "$T/q.json" --options nosuchkey=1 -- true
	[ "$status" -eq 125 ]
	[ "$(ls -A "$T")" = "$(printf 'o.json\no.xml\np.json')" ]
}

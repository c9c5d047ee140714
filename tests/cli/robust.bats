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
	if grep -qx 'o.json\|o.xml' <<<"$output"; then false; fi
	[ "$(ls -A "$T")" = "$(printf 'o.json\no.xml')" ]
	run "$NAMSPILL" -q --json "$T/p.json" -- sh -c 'exit 3'
	[ "$status" -eq 3 ]
	[ -s "$T/p.json" ]
	run "$NAMSPILL" -q --json "$T/q.json" --options nosuchkey=1 -- true
	[ "$status" -eq 125 ]
	[ "$(ls -A "$T")" = "$(printf 'o.json\no.xml\np.json')" ]
	# A command that cleans its work tree takes the temporary files with it:
	# the outputs are written all the same.
	rm -f "$T"/*
	run "$NAMSPILL" -q --json "$T/o.json" --junit "$T/o.xml" -- sh -c 'rm -f "$0"/*' "$T"
	[ "$status" -eq 0 ]
	json_check "$T/o.json" 'd["status"] == 0'
	grep -q '<testsuites' "$T/o.xml"
	[ "$(ls -A "$T")" = "$(printf 'o.json\no.xml')" ]
}

# Well-formed XML, and strict UTF-8 JSON: python3's decoders are strict.
xml_ok() {
	python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$1"
}
json_utf8() {
	python3 -c 'import json, sys; d = json.loads(open(sys.argv[1], "rb").read().decode("utf-8")); print(json.dumps(d["command"][1:]))' "$1"
}

@test "argv that is not UTF-8 gives valid JUnit XML and JSON, with U+FFFD for each bad byte" {
	local arg
	for arg in $'caf\xe9' $'\xed\xa0\x80' $'\xc0\xaf' $'\xf4\x90\x80\x80' $'\xe2\x82'; do
		run "$NAMSPILL" -q --junit "$T/o.xml" --json "$T/o.json" -- true "$arg"
		[ "$status" -eq 0 ]
		xml_ok "$T/o.xml"
		run json_utf8 "$T/o.json"
		[ "$status" -eq 0 ]
		[[ "$output" == '["'*'\ufffd'*'"]' ]]
		json_check "$T/o.json" 'all("\ufffd" in p["argv"][1] for p in d["processes"])'
		grep -q $'\xef\xbf\xbd' "$T/o.xml"
	done
	# UTF-8 text is kept as it is, apart from the byte that only looks like it.
	run "$NAMSPILL" -q --junit "$T/o.xml" --json "$T/o.json" -- true $'caf\xc3\xa9' $'caf\xe9'
	json_check "$T/o.json" 'd["command"][1:] == ["caf\u00e9", "caf\ufffd"] and d["processes"][0]["argv"][1:] == d["command"][1:]'
	grep -q $'testsuite name="namspill: true caf\xc3\xa9 caf\xef\xbf\xbd"' "$T/o.xml"
}

#!/usr/bin/env bats
# What namspill writes and reads with its user's privileges (often root in
# CI) is safe in directories other users can write: no file is written
# through a link, no directory of someone else's is written into.

load helper

# A process that plants links at every name a copy of its report can take
# in $KEEP, then becomes cli_leak with the arguments given.
planted() {
	cat >"$T/planted" <<'SH'
#!/bin/sh
ln -s "$VICTIM" "$KEEP/r.$$"
ln "$VICTIM" "$KEEP/r.$$.threads"
ln -s "$VICTIM" "$KEEP/r.$$.start"
exec "$CLI_LEAK" "$@"
SH
	chmod +x "$T/planted"
}

# The pid of the cli_leak process run with MODE, from a --json file.
pid_of() {
	python3 -c 'import json, sys
print([p["pid"] for p in json.load(open(sys.argv[1]))["processes"]
       if p["argv"][1:2] == [sys.argv[2]] and p["argv"][0].endswith("cli_leak")][0])' "$@"
}

@test "--json, --junit and --keep-logs write no file through a link at their names" {
	planted
	echo precious >"$T/victim"
	ln -s "$T/victim" "$T/out.json"
	ln "$T/victim" "$T/out.xml"
	mkdir "$T/keep"
	VICTIM=$T/victim KEEP=$T/keep CLI_LEAK=$PROG/cli_leak run "$NAMSPILL" -q \
		--json "$T/out.json" --junit "$T/out.xml" --keep-logs "$T/keep" \
		-- sh -c '"$0" clean; "$0" threads 0' "$T/planted"
	[ "$(cat "$T/victim")" = precious ]
	[ "$(stat -c %i "$T/out.xml")" != "$(stat -c %i "$T/victim")" ]
	[ -f "$T/out.json" ] && [ ! -L "$T/out.json" ]
	json_check "$T/out.json" 'len(d["processes"]) >= 2'
	grep -q '<testsuites' "$T/out.xml"
	# The reports copied onto the planted names, each a file of its own
	# now.
	local clean threads
	clean=$(pid_of "$T/out.json" clean)
	threads=$(pid_of "$T/out.json" threads)
	[ -f "$T/keep/r.$clean" ] && [ ! -L "$T/keep/r.$clean" ]
	grep -q '"tool":"namspill"' "$T/keep/r.$clean"
	[ "$(stat -c %i "$T/keep/r.$threads")" != "$(stat -c %i "$T/victim")" ]
	grep -q '"tool":"namspill"' "$T/keep/r.$threads"
}

@test "--keep-logs refuses a directory, or a link to one, that another user owns" {
	need_root
	mkdir "$T/keep"
	chown 65534 "$T/keep"
	run "$NAMSPILL" --keep-logs "$T/keep" -- touch "$T/ran"
	[ "$status" -eq 125 ]
	[[ "$output" == *"--keep-logs: $T/keep is not ours (owned by uid 65534)"* ]]
	[ -z "$(ls -A "$T/keep")" ]
	[ ! -e "$T/ran" ]
	ln -s /tmp "$T/link"
	chown -h 65534 "$T/link"
	run "$NAMSPILL" --keep-logs "$T/link" -- true
	[ "$status" -eq 125 ]
	[[ "$output" == *"is not ours (owned by uid 65534)"* ]]
}

@test "the summary shows the program and its first three arguments, cut and escaped; --json has them all" {
	local long=0123456789012345678901234567890123456789SECRET
	run --separate-stderr "$NAMSPILL" --json "$T/r.json" -- "$PROG/cli_leak" leak 0 \
		"$long" $'a\nSUMMARY: forged\e[2J' 'two words' last
	skip_if_no_ns
	[ "$status" -eq 66 ]
	[[ "$stderr" == *"pid "*", thread "*": $PROG/cli_leak leak 0 0123456789012345678901234567890123456789... (+3 more arguments: see --json)"* ]]
	[[ "$stderr" != *SECRET* ]]
	[[ "$stderr" != *forged* ]]
	[[ "$stderr" != *"two words"* ]]
	json_check "$T/r.json" 'd["processes"][0]["argv"][3:] == ["'"$long"'", "a\nSUMMARY: forged\x1b[2J", "two words", "last"]'
	# Fewer arguments: all shown; control bytes escaped, a space quoted.
	run --separate-stderr "$NAMSPILL" -- "$PROG/cli_leak" leak $'x\ny\e[2J' "it's"
	[[ "$stderr" == *": $PROG/cli_leak leak 'x\x0ay\x1b[2J' 'it'\\''s'"$'\n'* ]]
	[[ "$stderr" != *$'\e'* ]]
	# The program itself is shown whole, however long its path.
	mkdir "$T/a-directory-whose-name-alone-is-longer-than-forty-bytes"
	ln -s "$PROG/cli_leak" "$T/a-directory-whose-name-alone-is-longer-than-forty-bytes/cli_leak"
	run --separate-stderr "$NAMSPILL" -- "$T/a-directory-whose-name-alone-is-longer-than-forty-bytes/cli_leak" leak
	[[ "$stderr" == *": $T/a-directory-whose-name-alone-is-longer-than-forty-bytes/cli_leak leak"$'\n'* ]]
}

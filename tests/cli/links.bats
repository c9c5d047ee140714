#!/usr/bin/env bats
# Links planted at every name namspill writes touch no foreign file.
#
# Another user (uid 65534) plants symbolic links, and root hard links (with
# fs.protected_hardlinks uid 65534 cannot link root's files, but a hard link
# made any way must not be written through either), at the names of the
# library's reports, their former temporary name, start markers and
# on-demand reports, and at the names of --json, --junit and --keep-logs
# outputs, in a shared directory, sticky (/tmp-like) and not, with
# fs.protected_symlinks on and off where this machine lets the test set it
# (root; the value is put back).  The victim is a file of root's; it must
# keep its content, and every report must still be written where it belongs.

load helper

setup_file() {
	cat /proc/sys/fs/protected_symlinks >"$BATS_FILE_TMPDIR/protected_symlinks" 2>/dev/null || true
}

teardown_file() {
	local was
	was=$(cat "$BATS_FILE_TMPDIR/protected_symlinks" 2>/dev/null) || return 0
	[ -z "$was" ] || sysctl -qw fs.protected_symlinks="$was" 2>/dev/null || true
}

need_planter() {
	need_root
	command -v setpriv >/dev/null || skip "setpriv(1) not installed"
	setpriv --reuid=65534 --regid=65534 --clear-groups true ||
		skip "cannot run as uid 65534"
	chmod 755 "$T"
	echo precious >"$T/victim"
	chmod 644 "$T/victim"
}

# The fs.protected_symlinks values to try: 0 and 1 where it can be set,
# else only the current one.
protections() {
	local now
	now=$(cat /proc/sys/fs/protected_symlinks)
	if sysctl -qw fs.protected_symlinks="$now" 2>/dev/null; then
		echo 0 1
	else
		echo "$now"
	fi
}

protect() {
	[ "$(cat /proc/sys/fs/protected_symlinks)" = "$1" ] || sysctl -qw fs.protected_symlinks="$1"
}

victim_intact() {
	[ "$(cat "$T/victim")" = precious ]
	[ "$(stat -c %u:%a "$T/victim")" = 0:644 ]
}

# regular FILE PATTERN: FILE is a file of its own (not a link, not the
# victim) holding PATTERN.
regular() {
	[ -f "$1" ] && [ ! -L "$1" ]
	[ "$(stat -c %i "$1")" != "$(stat -c %i "$T/victim")" ]
	grep -q "$2" "$1"
}

# A script that plants links of kind $KIND (sym: by uid 65534; hard: by
# root) to $VICTIM at DIR/NAME.$$ for each NAME given after DIR, then runs
# the rest of its arguments after "--" as the same process.
planter() {
	cat >"$T/plant" <<'SH'
#!/bin/sh
dir=$1
shift
while [ "$1" != -- ]; do
	name=$dir/$(printf "$1" $$)
	if [ "$KIND" = sym ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups ln -s "$VICTIM" "$name"
	else
		ln "$VICTIM" "$name"
	fi
	shift
done
shift
exec "$@"
SH
	chmod 755 "$T/plant"
}

@test "the library's reports, markers and on-demand reports are never written through a link" {
	local prot mode kind d pid i
	need_planter
	planter
	for prot in $(protections); do
		protect "$prot"
		for mode in 1777 0777; do
			for kind in sym hard; do
				d=$T/shared-$prot-$mode-$kind
				mkdir -m "$mode" "$d"
				# A new start must not read the previous one's output.
				rm -f "$T/out"
				KIND=$kind VICTIM=$T/victim "$T/plant" "$d" \
					r.%d r.%d.tmp r.%d.start r.%d.threads r.%d.request1 -- \
					env LD_PRELOAD="$FIRST$BUILD/libnamspill.so" \
					NAMSPILL_OPTIONS="log_path=$d/r:format=json:start_marker=1:report_signal=SIGUSR2" \
					"$PROG/cli_leak" wait >"$T/out" 2>&1 &
				pid=$!
				wait_for "$T/out"
				if grep -q '^skip' "$T/out"; then
					wait "$pid" || true
					skip "needs root or unprivileged user namespaces"
				fi
				kill -USR2 "$pid"
				# Until the report has replaced what was planted there.
				for i in $(seq 200); do
					[ -f "$d/r.$pid.request1" ] && [ ! -L "$d/r.$pid.request1" ] &&
						[ "$(stat -c %i "$d/r.$pid.request1")" != "$(stat -c %i "$T/victim")" ] &&
						break
					sleep 0.05
				done
				kill -TERM "$pid"
				wait "$pid" || true
				echo "# protected_symlinks=$prot, $mode, $kind links: $(ls "$d" | tr '\n' ' ')" >&3
				victim_intact
				regular "$d/r.$pid.request1" '"trigger":"request"'
				regular "$d/r.$pid" '"trigger":"signal"'
				[ ! -e "$d/r.$pid.start" ] && [ ! -e "$d/r.$pid.threads" ]
				if grep -q "writing it to stderr" "$T/out"; then false; fi
			done
		done
	done
}

@test "--json, --junit, --sarif and --keep-logs are never written through a link" {
	local prot mode kind d k
	need_planter
	planter
	for prot in $(protections); do
		protect "$prot"
		for mode in 1777 0777; do
			for kind in sym hard; do
				d=$T/shared-$prot-$mode-$kind
				k=$T/keep-$prot-$mode-$kind
				mkdir -m "$mode" "$d" "$k"
				KIND=$kind VICTIM=$T/victim "$T/plant" "$d" o.json o.json.tmp o.xml o.sarif -- true
				KIND=$kind VICTIM=$T/victim run "$NAMSPILL" -q --json "$d/o.json" --junit "$d/o.xml" --sarif "$d/o.sarif" \
					--keep-logs "$k" -- sh -c '
					"$0" "$1" r.%d r.%d.start r.%d.threads -- "$2" clean
					"$0" "$1" r.%d r.%d.start r.%d.threads -- "$2" threads 0' \
					"$T/plant" "$k" "$PROG/cli_leak"
				echo "# protected_symlinks=$prot, $mode, $kind links: $(ls "$d" "$k" | tr '\n' ' ')" >&3
				[ "$status" -eq 0 ]
				victim_intact
				regular "$d/o.json" '"processes"'
				regular "$d/o.xml" '<testsuites'
				regular "$d/o.sarif" '"runs"'
				clean=$(python3 -c 'import json, sys
print([p["pid"] for p in json.load(open(sys.argv[1]))["processes"] if p["argv"][1:2] == ["clean"]][0])' "$d/o.json")
				threads=$(python3 -c 'import json, sys
print([p["pid"] for p in json.load(open(sys.argv[1]))["processes"] if p["argv"][1:2] == ["threads"]][0])' "$d/o.json")
				regular "$k/r.$clean" '"tool":"namspill"'
				regular "$k/r.$threads" '"tool":"namspill"'
			done
		done
	done
}

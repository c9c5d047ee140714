#!/usr/bin/env bats
# Namespaces by the names people know them by (an ip netns name, another
# bind mount, a process that lives there), and the host-wide scan of
# namspill ps.

load helper

setup() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/nsp-cli.XXXXXX")
	unset NAMSPILL_OPTIONS LD_PRELOAD
	[ -z "$FIRST" ] || export LD_PRELOAD=${FIRST%:}
	NETNS=nsp-names-$$-$BATS_TEST_NUMBER
	pids=()
}

teardown() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	ip netns del "$NETNS" 2>/dev/null || true
	mountpoint -q "$T/nsfile" 2>/dev/null && umount "$T/nsfile"
	rm -rf "$T"
}

need_netns() {
	need_root
	command -v ip >/dev/null || skip "needs ip(8) (iproute2)"
	ip netns add "$NETNS" || skip "ip netns add failed here"
}

# enter_path PATH wait, in the background: its pid in $pid.
start_in() {
	"$PROG/enter_path" "$1" wait >"$T/out" 2>&1 &
	pid=$!
	pids+=("$pid")
	wait_for "$T/out"
	grep -q ready "$T/out"
}

@test "an ip netns namespace is named in the library's report, text and JSON" {
	need_netns
	run --separate-stderr env LD_PRELOAD="$FIRST$BUILD/libnamspill.so" "$PROG/enter_path" "/run/netns/$NETNS"
	[ "$status" -eq 66 ]
	[[ "$stderr" == *"    net:["[0-9]*"] (ip netns $NETNS) here; net:["* ]]
	run env LD_PRELOAD="$FIRST$BUILD/libnamspill.so" NAMSPILL_OPTIONS="format=json:log_path=$T/r" "$PROG/enter_path" "/run/netns/$NETNS"
	json_check "$(ls "$T"/r.*)" '[s["name"] for s in d["spills"]] == ["ip netns '"$NETNS"'"] and d["spills"][0]["history"][-1]["name"] == "ip netns '"$NETNS"'"'
}

@test "another bind mount of a namespace file names it by its path" {
	need_root
	touch "$T/nsfile"
	unshare --net="$T/nsfile" true || skip "unshare --net=FILE failed here"
	run --separate-stderr env LD_PRELOAD="$FIRST$BUILD/libnamspill.so" "$PROG/enter_path" "$T/nsfile"
	[ "$status" -eq 66 ]
	[[ "$stderr" == *"(mounted at $T/nsfile) here; "* ]]
}

@test "namspill names a namespace by the process of the tree that lives in it" {
	need_root
	# The sleep must have been exec'd (in its new namespace) before it is
	# entered and killed: a process killed first is known only as unshare.
	cat >"$T/tree.sh" <<SH
unshare -n sleep 30 &
i=0; while [ "\$(cat /proc/\$!/comm)" != sleep ]; do i=\$((i+1)); [ \$i -lt 600 ] || exit 9; sleep 0.05; done
"$PROG/enter_path" /proc/\$!/ns/net
kill \$!
SH
	run --separate-stderr "$NAMSPILL" --json "$T/out.json" -- sh "$T/tree.sh"
	echo "$stderr"
	[ "$status" -eq 66 ]
	[[ "$stderr" == *"  in net:["[0-9]*"] (that of pid "[0-9]*" (sleep)); most of its process in net:["[0-9]*"] (where namspill runs)"* ]]
	json_check "$T/out.json" '[s["name"].split()[2] for p in d["processes"] for s in p["spills"]] == ["(sleep)"]'
	json_check "$T/out.json" '[s["majority_name"] for p in d["processes"] for s in p["spills"]] == ["where namspill runs"]'
}

@test "a namespace a static program cloned a child into is named by that child" {
	need_root
	# No preload in the static program, no unshare or setns: namspill
	# learns that processes of the tree may live elsewhere from the clone
	# itself, and reads where the sleep lives at its exec.
	cat >"$T/tree.sh" <<SH
"$PROG/static_cloner" /bin/sleep 30 >"$T/child" &
i=0; while [ ! -s "$T/child" ] || [ "\$(cat /proc/\$(cat "$T/child")/comm)" != sleep ]; do
	i=\$((i+1)); [ \$i -lt 600 ] || exit 9; sleep 0.05
done
"$PROG/enter_path" /proc/\$(cat "$T/child")/ns/net
kill \$(cat "$T/child")
wait
SH
	run --separate-stderr "$NAMSPILL" --json "$T/out.json" -- sh "$T/tree.sh"
	echo "$stderr"
	[ "$status" -eq 66 ]
	[[ "$stderr" == *"  in net:["[0-9]*"] (that of pid "[0-9]*" (sleep)); most of its process in net:["* ]]
}

@test "a process that moved without an exec names its namespace after it ended" {
	need_root
	# python3 (preloaded: its unshare goes through, and is told) moves
	# its one thread to a new net namespace and stays there, then ends
	# before namspill does: what it lived in is read at its end.
	cat >"$T/tree.sh" <<SH
python3 -c 'import ctypes, os, sys, time
if ctypes.CDLL(None, use_errno=True).unshare(0x40000000): sys.exit(1)
open(sys.argv[1], "w").write(str(os.getpid()))
while not os.path.exists(sys.argv[2]): time.sleep(0.05)' "$T/p" "$T/done" &
i=0; while [ ! -s "$T/p" ]; do i=\$((i+1)); [ \$i -lt 600 ] || exit 9; sleep 0.05; done
"$PROG/enter_path" /proc/\$(cat "$T/p")/ns/net
touch "$T/done"
wait
SH
	run --separate-stderr "$NAMSPILL" -- sh "$T/tree.sh"
	echo "$stderr"
	[ "$status" -eq 66 ]
	[[ "$stderr" == *"  in net:["[0-9]*"] (that of pid $(cat "$T/p") (python3)); most of its process in net:["* ]]
}

@test "ps names the namespaces of a spilled thread: ip netns, and another process" {
	need_netns
	start_in "/run/netns/$NETNS"
	run --separate-stderr "$NAMSPILL" ps "$pid"
	[ "$status" -eq 1 ]
	[[ "$output" == *": net:["[0-9]*"] (ip netns $NETNS), most threads in net:["* ]]
	unshare -n sleep 30 &
	pids+=("$!")
	sleep 0.3
	local sleeper=$!
	start_in "/proc/$sleeper/ns/net"
	run --separate-stderr "$NAMSPILL" ps --json "$pid"
	[ "$status" -eq 1 ]
	echo "$output" > "$T/ps.json"
	json_check "$T/ps.json" 'd["processes"][0]["spills"][0]["name"] == "pid '"$sleeper"' (sleep)"'
}

@test "ps with no pid scans the host and finds a planted spilled process" {
	need_netns
	start_in "/run/netns/$NETNS"
	run --separate-stderr "$NAMSPILL" ps
	[ "$status" -eq 1 ]
	grep -qx "$pid (enter_path): 1 of 4 threads in a foreign namespace: thread [0-9]* in net:\[[0-9]*\] (ip netns $NETNS)" <<<"$output"
	[[ "$stderr" == "namspill: "*" processes with threads have some in a foreign namespace ("*" single-threaded skipped"* ]]
	run --separate-stderr "$NAMSPILL" ps --all --json
	[ "$status" -eq 1 ]
	echo "$output" > "$T/all.json"
	json_check "$T/all.json" '[p["spills"][0]["name"] for p in d["processes"] if p["pid"] == '"$pid"'] == ["ip netns '"$NETNS"'"] and d["single_threaded"] > 0 and d["processes_scanned"] >= d["threaded"] + d["single_threaded"]'
}

@test "the host scan skips single-threaded processes and says so" {
	local i
	for i in $(seq 50); do sleep 30 & pids+=("$!"); done
	run --separate-stderr "$NAMSPILL" ps --all --json
	echo "$output" > "$T/all.json"
	json_check "$T/all.json" 'd["single_threaded"] >= 50'
	if grep -q '"comm":"sleep"' "$T/all.json"; then false; fi
}

#!/usr/bin/env bats
# Every process of the tree judged: Go tests run by go test, Go programs
# of Debian's (the CNI bridge plugin), Python's pyroute2, processes that
# move out of reach before they end; programs that use ptrace themselves
# keep working; a daemon the command leaves can still exec and end.

load helper

GOPKGS=/usr/share/gocode

need_go() {
	command -v go >/dev/null || skip "needs Go (scripts/install-deps installs golang-go)"
	[ -d "$GOPKGS/src/github.com/vishvananda/netns" ] ||
		skip "needs golang-github-vishvananda-netns-dev (scripts/install-deps)"
}

go_env() {
	export GOPATH=$ROOT/tests/go:$GOPKGS GO111MODULE=off GOFLAGS= GOCACHE=$BUILD/gocache
}

@test "namspill -- go test fails a leaky test and names its function at file:line" {
	need_root
	need_go
	go_env
	cd "$ROOT/tests/go/src/leaky"
	run --separate-stderr "$NAMSPILL" --json "$T/r.json" -- go test .
	[ "$status" -eq 66 ]
	[[ "$stderr" == *"1 thread in 1 process left in net by github.com/vishvananda/netns.New (netns_linux.go:"* ]]
	[[ "$stderr" == *" in leaky.enterNew $ROOT/tests/go/src/leaky/leaky_test.go:16 "* ]]
	json_check "$T/r.json" '[p["argv"][0].endswith("leaky.test") for p in d["processes"] if p["spills"]] == [True]'
}

@test "go test -exec namspill fails the leaky test with #0 outside Go's syscall internals" {
	need_root
	need_go
	go_env
	cd "$ROOT/tests/go/src/leaky"
	run --separate-stderr go test -exec "$NAMSPILL --" .
	[ "$status" -ne 0 ]
	[[ "$output" == *"#0 0x"*" in github.com/vishvananda/netns.New "* ]]
	[[ "$output" == *"#1 0x"*" in leaky.enterNew "*"leaky_test.go:16"* ]]
	[[ "$output" == *"FAIL"*"leaky"* ]]
}

@test "a Go test done right passes and is counted" {
	need_root
	need_go
	go_env
	cd "$ROOT/tests/go/src/tidy"
	run --separate-stderr "$NAMSPILL" --json "$T/r.json" -- go test .
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"no thread left in a foreign namespace ("*" processes checked"* ]]
	json_check "$T/r.json" 'any(p["argv"][0].endswith("tidy.test") and p["threads"] for p in d["processes"])'
}

@test "the CNI bridge plugin's ADD and DEL into a network namespace are judged, clean" {
	need_root
	[ -x /usr/lib/cni/bridge ] || skip "needs containernetworking-plugins (scripts/install-deps)"
	command -v ip >/dev/null || skip "needs iproute2"
	cat >"$T/cni.sh" <<SH
set -e
ip netns add nsp-cni
trap 'ip netns del nsp-cni' EXIT
conf='{"cniVersion":"0.4.0","name":"nsptest","type":"bridge","bridge":"nspbr0","isGateway":true,"ipam":{"type":"host-local","subnet":"10.99.7.0/24","dataDir":"$T/ipam"}}'
for cmd in ADD DEL; do
	echo "\$conf" | CNI_COMMAND=\$cmd CNI_CONTAINERID=c1 CNI_NETNS=/run/netns/nsp-cni \\
		CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni "$NAMSPILL" --json "$T/\$cmd.json" -- /usr/lib/cni/bridge
done
SH
	# A network namespace and a /run of its own: nothing of the host's
	# network is touched.
	run --separate-stderr unshare -n -m sh -c \
		'mount --make-rprivate / && mount -t tmpfs none /run && mkdir /run/netns && sh "$0"' "$T/cni.sh"
	[ "$status" -eq 0 ]
	for cmd in ADD DEL; do
		json_check "$T/$cmd.json" 'd["status"] == 0 and d["mode"] == "watch" and any(p["argv"][0] == "/usr/lib/cni/bridge" and p["threads"] and not p["spills"] for p in d["processes"])'
	done
	json_check "$T/ADD.json" 'any(p["argv"][0].endswith("host-local") for p in d["processes"])'
}

@test "pyroute2's netns.setns on a Python thread is caught with cause setns" {
	need_root
	/usr/bin/python3 -c 'import pyroute2' 2>/dev/null || skip "needs python3-pyroute2 (scripts/install-deps)"
	cat >"$T/pyr.py" <<'PY'
import os, threading, time
from pyroute2 import netns
name = "nsp-py-%d" % os.getpid()
netns.create(name)
try:
    def worker():
        netns.setns(name)   # the thread moves, and never goes back
        print("tid leaker", threading.get_native_id(), flush=True)
        time.sleep(30)
    threading.Thread(target=worker, daemon=True).start()
    time.sleep(0.5)
finally:
    netns.remove(name)
PY
	run --separate-stderr unshare -n -m sh -c \
		'mount --make-rprivate / && mount -t tmpfs none /run && mkdir /run/netns && "$0" --json "$1" -- /usr/bin/python3 "$2"' \
		"$NAMSPILL" "$T/r.json" "$T/pyr.py"
	[ "$status" -eq 66 ]
	leaker=$(sed -n 's/^tid leaker //p' <<<"$output")
	json_check "$T/r.json" '[(s["tid"], s["type"], s["cause"]["call"]) for p in d["processes"] for s in p["spills"]] == [('"$leaker"', "net", "setns")]'
}

@test "a process that dropped its privileges, or moved to a private /tmp, is judged" {
	need_root
	run --separate-stderr "$NAMSPILL" --json "$T/r.json" -- "$PROG/dropper" setuid
	[ "$status" -eq 66 ]
	[[ "$stderr" == *"1 thread in 1 process left in uts by uts_leaker (common.h:"* ]]
	run --separate-stderr "$NAMSPILL" --json "$T/r.json" -- "$PROG/dropper" tmpfs
	skip_if_no_ns
	[ "$status" -eq 66 ]
	[[ "$stderr" == *"left in mnt by main (dropper.c:"* ]]
	[[ "$stderr" == *"left in uts by uts_leaker (common.h:"* ]]
}

@test "programs that use ptrace themselves work under namspill" {
	run --separate-stderr "$NAMSPILL" -- "$PROG/tracer_inside"
	[ "$status" -eq 0 ]
	[ "$output" = "stops 2, exit 0" ]
	command -v strace >/dev/null || skip "needs strace"
	run --separate-stderr "$NAMSPILL" -- strace -f -o "$T/strace" sh -c 'true; exit 3'
	[ "$status" -eq 3 ]
	grep -q 'exit_group(3)' "$T/strace"
}

@test "a daemon the command leaves can still exec and end once namspill has" {
	# This run's keeper, told from others' by the environment it has
	# from namspill.  (pgrep without make check-asan's runtime in
	# LD_PRELOAD: with it, pgrep hangs at its start.)
	ours() {
		local p
		for p in $(env -u LD_PRELOAD pgrep -x namspill-keep); do
			tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "NSP_TEST_RUN=$T" && echo "$p"
		done
		true
	}
	NSP_TEST_RUN=$T run --separate-stderr "$NAMSPILL" --json "$T/r.json" -- sh -c \
		"(sleep 3; /bin/true && echo exec-ok > '$T/daemon') >/dev/null 2>&1 &"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"could not be judged"*"still running when the command ended"* ]]
	[ -n "$(ours)" ]
	wait_for "$T/daemon"
	[ "$(cat "$T/daemon")" = exec-ok ]
	# The keeper leaves once nothing of the tree is left.
	for i in $(seq 50); do [ -n "$(ours)" ] || break; sleep 0.1; done
	[ -z "$(ours)" ]
}

@test "every process of a shell's tree is counted, none silently" {
	run --separate-stderr "$NAMSPILL" --json "$T/r.json" -- sh -c 'true; /bin/true; ls / >/dev/null'
	[ "$status" -eq 0 ]
	json_check "$T/r.json" 'len(d["processes"]) >= 3 and all(p["error"] is None for p in d["processes"])'
	[[ "$stderr" != *"0 processes"* ]]
}

@test "a static child and a child started with env -i are counted; --no-watch says they ran unseen" {
	run --separate-stderr "$NAMSPILL" --json "$T/r.json" -- \
		sh -c "$PROG/static_clean; env -i /bin/true"
	[ "$status" -eq 0 ]
	json_check "$T/r.json" 'sorted(p["argv"][0] for p in d["processes"]) == ["/bin/true", "'"$PROG/static_clean"'", "sh"]'
	[[ "$stderr" != *"ran unseen"* ]]
	run --separate-stderr "$NAMSPILL" --no-watch -- sh -c "$PROG/static_clean; env -i /bin/true"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"--no-watch: only processes that loaded the library are counted; static and Go programs, and those started without LD_PRELOAD (env -i), ran unseen"* ]]
}

@test "a Go program whose threads never switched is judged by the watch, without /proc" {
	# Its threads keep running while the one that ends waits: what the
	# watch saw (no switch since its exec) judges it.  The Go runtime makes
	# threads with clone, which the filter sees; C code may use clone3,
	# which it does not, so a static C program is still read.
	command -v strace >/dev/null || skip "needs strace"
	[ -x "$PROG/go_leak" ] || skip "needs go (go_leak not built)"
	run --separate-stderr strace -f -e trace=readlinkat -o "$T/strace" \
		"$NAMSPILL" --json "$T/r.json" -- "$PROG/go_leak" idle
	[ "$status" -eq 0 ]
	[ "$output" = "idle" ]
	json_check "$T/r.json" 'd["processes"][0]["threads"] >= 9 and d["processes"][0]["spills"] == [] and d["processes"][0]["note"].startswith("judged by the watch: no thread switched")'
	[ "$(grep -c '/ns/' "$T/strace")" -eq 0 ]
	run --separate-stderr "$NAMSPILL" --json "$T/r.json" -- "$PROG/static_cloner" idle
	[ "$status" -eq 0 ]
	json_check "$T/r.json" '"note" not in d["processes"][0] and d["processes"][0]["threads"] == 5'
	# One that switched is read at its end as before (and is clean).
	need_root
	run --separate-stderr "$NAMSPILL" --json "$T/r.json" -- "$PROG/static_clean"
	skip_if_no_ns
	[ "$status" -eq 0 ]
	json_check "$T/r.json" '"note" not in d["processes"][0] and d["processes"][0]["spills"] == []'
}

@test "a thread born by clone or clone3 into a new namespace is found, though it made no switch" {
	need_root
	for how in thread thread3; do
		run --separate-stderr "$NAMSPILL" -- "$PROG/static_cloner" $how
		skip_if_no_ns
		[ "$status" -eq 66 ]
		[[ "$stderr" == *"1 thread in 1 process left in uts"* ]]
	done
}

@test "go test's cached passes are run again, so a spill is never hidden by the cache" {
	need_root
	need_go
	go_env
	cd "$ROOT/tests/go/src/leaky"
	go test . >/dev/null 2>&1 || true # natively the test passes and is cached
	run --separate-stderr "$NAMSPILL" -- go test .
	[ "$status" -eq 66 ]
	[[ "$output" != *"(cached)"* ]]
	GOFLAGS=-count=2 run --separate-stderr "$NAMSPILL" -- sh -c 'echo "$GOFLAGS"'
	[ "$output" = "-count=2" ]
}

@test "a program's own seccomp listener is refused under watch, and namspill says so" {
	run --separate-stderr "$NAMSPILL" -- "$PROG/own_filter" listener
	[ "$status" -eq 0 ]
	[ "$output" = "listener: Device or resource busy" ]
	[[ "$stderr" == *"warning: pid "*" (own_filter) asked for a seccomp listener of its own"*"--no-watch"* ]]
	run --separate-stderr "$NAMSPILL" --no-watch -- "$PROG/own_filter" listener
	[ "$output" = "listener ok" ]
	[[ "$stderr" != *"warning"* ]]
	# libseccomp's probe (no filter) fails the same with or without: no word.
	run --separate-stderr "$NAMSPILL" -- "$PROG/own_filter" probe
	[ "$output" = "probe: Bad address" ]
	[[ "$stderr" != *"warning"* ]]
}

@test "the tree's speculation mitigations are as without namspill" {
	# A kernel that ties them to seccomp (spec_store_bypass_disable=seccomp,
	# spectre_v2_user=seccomp) turns them on for a filtered process unless
	# the filter says SPEC_ALLOW; where they do not follow seccomp, both
	# runs print the same whatever the filter says.
	local ask='import ctypes; c = ctypes.CDLL(None); print([c.prctl(52, w, 0, 0, 0) for w in (0, 1)])'
	run python3 -c "$ask"
	[ "$status" -eq 0 ]
	local native=$output
	run "$NAMSPILL" -q -- python3 -c "$ask"
	[ "$status" -eq 0 ]
	[ "$output" = "$native" ]
}

@test "a filter that stops calls for a tracer is named; a plain filter is not" {
	run --separate-stderr "$NAMSPILL" -- "$PROG/own_filter" trace
	[ "$status" -eq 0 ]
	[ "$output" = "trace filter ok" ]
	[[ "$stderr" == *"warning: pid "*" (own_filter) installed a seccomp filter that stops calls for its tracer"* ]]
	run --separate-stderr "$NAMSPILL" -- "$PROG/own_filter" plain
	[ "$output" = "plain filter ok" ]
	[[ "$stderr" != *"warning"* ]]
}

@test "under a /proc of another pid namespace, nothing is judged from the wrong processes" {
	# unshare --pid without --mount-proc: namspill learns processes by the
	# new namespace's numbers, /proc shows the parent's.  Watch and tracer
	# would read other processes there; the preload reads its own right.
	need_root
	command -v unshare >/dev/null || skip "needs unshare (util-linux)"
	run --separate-stderr unshare --pid --fork "$NAMSPILL" -- "$PROG/static_leak"
	[ "$status" -eq 125 ]
	[[ "$stderr" == *"static_leak: /proc here does not show namspill's processes"* ]]
	[[ "$output" != *"tid main"* ]] # not run
	run --separate-stderr unshare --pid --fork "$NAMSPILL" --trace -- "$PROG/leak_setns"
	[ "$status" -eq 125 ]
	[[ "$stderr" == *"--trace: /proc here does not show namspill's processes"* ]]
	run --separate-stderr unshare --pid --fork "$BUILD/namspill-trace" -- "$PROG/static_leak"
	[ "$status" -eq 125 ]
	[[ "$stderr" == *"namspill-trace: /proc here does not show our processes"* ]]
	run --separate-stderr unshare --pid --fork "$NAMSPILL" --json "$T/r.json" -- \
		sh -c '"$0"; "$1"' "$PROG/leak_setns" "$PROG/static_leak"
	[ "$status" -eq 66 ]
	[[ "$stderr" == *"warning: /proc here does not show namspill's processes"*"no watch"* ]]
	[[ "$stderr" == *"note: not watched (/proc does not show this pid namespace)"* ]]
	leaker=$(sed -n 's/^tid leaker //p' <<<"$output" | head -1)
	json_check "$T/r.json" '[s["tid"] for p in d["processes"] for s in p["spills"]] == ['"$leaker"']'
	# With a /proc of its own there, the static program is watched and judged.
	run --separate-stderr unshare --pid --fork --mount-proc "$NAMSPILL" -- "$PROG/static_leak"
	[ "$status" -eq 66 ]
}

@test "under a /proc of a pid namespace below namspill's, or none, nothing is judged from it" {
	# As after nsenter --mount into a container: /proc shows the
	# container's processes, not namspill's; or /proc is gone.
	need_root
	command -v unshare >/dev/null || skip "needs unshare (util-linux)"
	run --separate-stderr unshare --mount --propagation private sh -c '
		unshare --pid --fork --kill-child sh -c "mount -t proc proc /proc && exec sleep 60" 3>&- &
		i=0; while [ -e /proc/thread-self ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
		"$0" -- "$1"; rc=$?; kill -9 $! 2>/dev/null; exit $rc' "$NAMSPILL" "$PROG/static_leak"
	[ "$status" -eq 125 ]
	[[ "$stderr" == *"static_leak: /proc here does not show namspill's processes"* ]]
	# No /proc: a process with a thread at its end cannot be judged, and
	# a run of nothing else fails.
	[ -x /usr/bin/python3 ] || skip "needs /usr/bin/python3"
	[ -z "$FIRST" ] || skip "a sanitizer runtime does not start without /proc"
	run --separate-stderr unshare --mount --propagation private sh -c \
		'umount -l /proc && "$0" -- /usr/bin/python3 -c "$1"' "$NAMSPILL" \
		'import threading, time; threading.Thread(target=time.sleep, args=(5,), daemon=True).start()'
	[ "$status" -eq 125 ]
	[[ "$stderr" == *"warning: /proc here does not show namspill's processes"* ]]
	[[ "$stderr" == *"could not be judged: cannot read /proc/"*"ENOENT"* ]]
	[[ "$stderr" == *"error: nothing was judged"* ]]
}

@test "a thread that enters a namespace and execs is not spilled; one the exec ends in another still is" {
	need_root
	# The thread that execs is the whole new image, wherever it went
	# first: `ip netns exec`, Go's LockOSThread + Unshare + Exec.
	run --separate-stderr "$NAMSPILL" -- "$PROG/exec_from_thread" enter /bin/true
	echo "$stderr"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"no thread left in a foreign namespace"* ]]
	run --separate-stderr "$NAMSPILL" -- "$PROG/exec_from_thread" leave /bin/true
	echo "$stderr"
	[ "$status" -eq 66 ]
	[[ "$stderr" == *"thread ${output#tid leaker }: "*"exec_from_thread leave"* ]]
	# An exec of /proc/self/exe under a /proc of another pid namespace,
	# where namspill's own "self" is not: still an exec that ends them.
	command -v unshare >/dev/null || skip "no unshare(1)"
	run --separate-stderr "$NAMSPILL" -- unshare -p -f --mount-proc \
		"$PROG/exec_from_thread" leave /proc/self/exe
	echo "$stderr"
	[[ "$stderr" == *"SUMMARY: namspill: 1 thread in 1 of 1 process left in a foreign namespace (uts)"* ]]
}

@test "a process that switched, tried an exec that failed, then was killed, is not taken for unmoved" {
	need_root
	# The library tells only an image's first switch; a failed exec is
	# not a new image, so the switches after it are not told.
	run --separate-stderr "$NAMSPILL" -- sh -c \
		"'$PROG/exec_from_thread' moved-missing x > '$T/out' & for i in \$(seq 600); do grep -q ready '$T/out' 2>/dev/null && break; sleep 0.05; done; kill -9 \$!; wait"
	echo "$stderr"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"1 process could not be judged"* ]]
	[[ "$stderr" == *"exec_from_thread moved-missing"*"after a switch of namespaces (its own, or before its exec)"* ]]
	[[ "$stderr" != *"ended unseen"* ]]
}

@test "an exec that fails (no such program) ends nothing: the process is judged once, at the exec that works" {
	need_root
	run --separate-stderr "$NAMSPILL" --json "$T/r.json" -- "$PROG/exec_from_thread" missing /bin/true
	echo "$stderr"
	[ "$status" -eq 66 ]
	[[ "$stderr" == *"SUMMARY: namspill: 1 thread in 1 of 1 process left in a foreign namespace"* ]]
	# Two images: the one that tried, with its spill; /bin/true.
	json_check "$T/r.json" '[p["argv"][-1] for p in d["processes"]] == ["/bin/true", "/bin/true"] and sum(len(p["spills"]) for p in d["processes"]) == 1'
}

# Shared by the CLI tests: paths, a scratch directory, and skips.
bats_require_minimum_version 1.5.0
ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
BUILD=$ROOT/${NSP_BUILD:-build}
NAMSPILL=$BUILD/namspill
PROG=$BUILD/tests/prog
# The sanitizer runtime an instrumented library needs before it, with ':'.
FIRST=${NSP_PRELOAD_FIRST:+$NSP_PRELOAD_FIRST:}

setup() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/nsp-cli.XXXXXX")
	unset NAMSPILL_OPTIONS LD_PRELOAD
	# make check-asan: the sanitizer runtime first; namspill adds the
	# library after what LD_PRELOAD already holds.
	if [ -n "$FIRST" ]; then
		export LD_PRELOAD=${FIRST%:}
	fi
}

teardown() {
	rm -rf "$T"
}

# The test programs exit 77 when this machine cannot make namespaces.
skip_if_no_ns() {
	if [ "$status" -eq 77 ]; then
		skip "needs root or unprivileged user namespaces"
	fi
}

need_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (namespaces, tracing)"
}

# Waits (bounded) until a file has content.
wait_for() {
	local i
	for i in $(seq 200); do
		[ -s "$1" ] && return 0
		sleep 0.05
	done
	echo "timed out waiting for $1" >&2
	return 1
}

# python3 one-liners over a JSON or XML file: json_check FILE 'EXPR'
json_check() {
	python3 - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ok = eval(sys.argv[2], {"d": d})
if not ok:
    print("failed: %s\n%s" % (sys.argv[2], json.dumps(d, indent=1)[:3000]))
    sys.exit(1)
PY
}

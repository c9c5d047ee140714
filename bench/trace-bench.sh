#!/bin/sh
# Tracer-mode overhead on the setns round trip: native, preload, tracer,
# and strace -f -k (which stops at every syscall and unwinds each), as
# ratios to native.  Usage: bench/trace-bench.sh [BUILD] [ROUND_TRIPS]
B=${1:-build}
N=${2:-20000}
P=$B/bench/trace_setns
native=$($P "$N") || { echo "trace bench: skipped (needs root)"; exit 0; }
preload=$(NAMSPILL_OPTIONS=exitcode=0 LD_PRELOAD=$B/libnamspill.so $P "$N")
traced=$(NAMSPILL_OPTIONS=exitcode=0 $B/namspill-trace -- $P "$N")
echo "setns round trip, $N times (ns each; ratio to native):"
printf '  %-22s %8s ns\n' native "$native"
row() { awk -v n="$1" -v t="$2" -v b="$native" 'BEGIN { printf "  %-22s %8d ns  %6.1fx\n", n, t, t / b }'; }
row preload "$preload"
row namspill-trace "$traced"
if command -v strace >/dev/null; then
	# strace is slow: fewer round trips, same per-trip figure.
	s=$(strace -f -k -o /dev/null $P $((N / 10)))
	row "strace -f -k" "$s"
fi

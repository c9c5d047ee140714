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
printf '  %-22s %8s ns  %6.1fx\n' preload "$preload" "$(echo "$preload / $native" | bc -l)"
printf '  %-22s %8s ns  %6.1fx\n' "namspill-trace" "$traced" "$(echo "$traced / $native" | bc -l)"
if command -v strace >/dev/null; then
	# strace is slow: fewer round trips, same per-trip figure.
	s=$(strace -f -k -o /dev/null $P $((N / 10)))
	printf '  %-22s %8s ns  %6.1fx\n' "strace -f -k" "$s" "$(echo "$s / $native" | bc -l)"
fi

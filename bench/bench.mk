# Benchmarks (bench/): nsp-bench runs one workload; bench/run.py runs each
# natively, under the shim and under the tracers, alternating, and writes
# $(BUILD)/bench/results.md and scaling.svg.
#   make bench                  measure (BENCH_ARGS="--quick", "--cpu 1", ...)
#   make bench-publish          measure, then copy the table and the plot to
#                               bench/results/ and README.md (Performance)

BENCH_SRC = $(wildcard bench/*.c)

$(BUILD)/bench/nsp-bench: $(BENCH_SRC) bench/bench.h
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -g -Wall -Wextra -pthread -o $@ $(BENCH_SRC) -ldl

tests: $(BUILD)/bench/nsp-bench

bench: all $(BUILD)/bench/nsp-bench
	nice bench/run.py --build $(BUILD) $(BENCH_ARGS)

bench-publish: all $(BUILD)/bench/nsp-bench
	nice bench/run.py --build $(BUILD) --publish $(BENCH_ARGS)

.PHONY: bench bench-publish
